/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modem side of a card, /dev/vuiccN: what vuiccctl, vuiccd and netsim
 * share to talk to it.
 */
#ifndef VUICC_DEV_H
#define VUICC_DEV_H

#include <stddef.h>
#include <stdint.h>

#include <linux/vuicc.h>

#define VUICC_DEV_PATH_MAX 64

/* Fills @path with /dev/vuicc@card. */
void vuicc_dev_path(unsigned int card, char *path, size_t len);

/* Opens card @card; returns the fd or -errno. */
int vuicc_dev_open(unsigned int card, int flags);

/* ioctl wrappers; each returns 0 or -errno. */
int vuicc_dev_power_on(int fd, struct vuicc_atr *atr);
int vuicc_dev_power_off(int fd);
int vuicc_dev_reset(int fd, uint32_t flags, struct vuicc_atr *atr);
int vuicc_dev_status(int fd, struct vuicc_status *st);

/*
 * Sends one C-APDU and reads its R-APDU into @rsp (at most @max bytes).
 * Returns the response length or -errno.
 */
long vuicc_dev_transmit(int fd, const uint8_t *capdu, size_t len,
			uint8_t *rsp, size_t max);

/*
 * Like vuicc_dev_transmit(), then fetches the data a '61xx' (or, for class
 * A0, '9Fxx') announces with GET RESPONSE, and re-sends a command answered
 * '6Cxx' with the right Le, as a T=0 terminal does (TS 102 221 §7.3.1).
 */
long vuicc_dev_transmit_t0(int fd, const uint8_t *capdu, size_t len,
			   uint8_t *rsp, size_t max);

#endif
