/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BlueZ's RFCOMM socket address (bluetooth/rfcomm.h), without libbluetooth:
 * what vuiccd's sharing link and vuicc-sap need of it.
 */
#ifndef VUICC_BT_H
#define VUICC_BT_H

#include <stdint.h>
#include <sys/socket.h>

#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH		31
#endif
#define BTPROTO_RFCOMM		3

struct bt_sockaddr_rc {
	sa_family_t rc_family;
	uint8_t rc_bdaddr[6];	/* little-endian, as BlueZ keeps it: the last octet first */
	uint8_t rc_channel;
};

#endif
