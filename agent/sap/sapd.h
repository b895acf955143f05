/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuicc-sap: a SIM Access Profile server for one vuicc card.
 *
 *   main.c   options, the epoll loop, the one client session, the status file
 *   card.c   the card behind the server: /dev/vuiccN (struct sap_card_ops)
 *   link.c   stream listeners (UNIX, TCP) and who may connect
 *   bluez.c  Bluetooth: the SAP profile registered with BlueZ over D-Bus;
 *            BlueZ listens on RFCOMM and hands each connection's socket over
 *
 * The SAP codec and the server's state machine are agent/core/sap.c (no I/O).
 */
#ifndef VUICC_SAPD_H
#define VUICC_SAPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/sap.h"

#define SAPD_ALLOW_MAX	16

/* ---- card.c ---- */

struct sapd_card {
	unsigned int num;	/* N of /dev/vuiccN */
	int fd;
	uint64_t card_errors;	/* /dev/vuiccN calls that failed */
};

/* Opens /dev/vuiccN (the one opener); 0 or -errno. */
int sapd_card_open(struct sapd_card *c, unsigned int num);
void sapd_card_close(struct sapd_card *c);
/* The pending card events as enum sap_status_change, in order; returns the count (<= 2). */
int sapd_card_events(struct sapd_card *c, enum sap_status_change *out);
extern const struct sap_card_ops sapd_card_ops;

/* ---- link.c ---- */

enum sapd_kind { SAPD_UNIX, SAPD_TCP, SAPD_RFCOMM };

struct sapd_allow {
	unsigned int n_uid;
	uid_t uid[SAPD_ALLOW_MAX];		/* UNIX: peer credentials */
	unsigned int n_addr;
	char addr[SAPD_ALLOW_MAX][64];		/* TCP: numeric hosts */
	unsigned int n_bdaddr;
	char bdaddr[SAPD_ALLOW_MAX][18];	/* RFCOMM: device addresses */
};

struct sapd_listener {
	enum sapd_kind kind;
	char spec[128];		/* as given: unix:PATH, tcp:HOST:PORT */
	char path[108];		/* UNIX: the socket to unlink at exit */
	int fd;
};

/* Parses and opens @spec (unix:PATH or tcp:HOST:PORT); 0 or -errno with a message logged. */
int sapd_listen(struct sapd_listener *l, const char *spec);
void sapd_unlisten(struct sapd_listener *l);
/*
 * May the client on @fd (accepted from a listener of @kind) use the card?
 * Writes its printable peer (no secret) into @peer.
 */
bool sapd_allowed(int fd, enum sapd_kind kind, const struct sapd_allow *allow,
		  char *peer, size_t len);

/* ---- bluez.c ---- */

struct sapd_bluez;

/*
 * Called with each RFCOMM connection BlueZ hands over (the socket, owned by
 * the callee from then on) and its device's address.
 */
typedef void (*sapd_bluez_conn_cb)(void *arg, int fd, const char *bdaddr);

/*
 * Connects to the system bus and registers the SIM Access profile on RFCOMM
 * @channel (0: BlueZ picks) with its SDP record, requiring an authenticated,
 * encrypted link and authorization of the device.  Returns NULL with a
 * message logged.
 */
struct sapd_bluez *sapd_bluez_start(uint16_t channel, sapd_bluez_conn_cb cb, void *arg);
/*
 * The fd to poll for EPOLLIN, and what to do when it is readable: 0, or
 * -ENOTCONN when the system bus is gone (vuicc-sap exits; its supervisor
 * starts it again).
 */
int sapd_bluez_fd(const struct sapd_bluez *b);
/* Is the profile registered now (false after bluetoothd left, until it is back)? */
bool sapd_bluez_registered(const struct sapd_bluez *b);
int sapd_bluez_process(struct sapd_bluez *b);
void sapd_bluez_stop(struct sapd_bluez *b);

#endif
