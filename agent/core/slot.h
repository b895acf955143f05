/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIM slot selection of modem families: which of the modem's SIM slots it
 * uses (a physical card in one, vuicc's card wired to another).
 *
 * No I/O: like the survey dialects (survey.h), the modem backend picks the
 * dialect from the modem's identity (+CGMI/+CGMM) and sends
 * slot_command().  After it the modem drops the card it had and reads the
 * other one, as at a card removal and insertion.
 * Documentation/admin-guide/vuiccd.rst ("Physical cards") names the
 * manual each dialect follows; a modem of no known dialect has no slot
 * command, and a physical card's profile is then gated out.
 */
#ifndef VUICC_SLOT_H
#define VUICC_SLOT_H

#include <stdbool.h>
#include <stddef.h>

enum slot_dialect {
	SLOT_NONE,		/* no known slot command */
	SLOT_QUECTEL,		/* AT+QUIMSLOT=<1|2> */
	SLOT_N,
};

/* The dialect of a modem from its +CGMI and +CGMM answers. */
enum slot_dialect slot_dialect_of(const char *manufacturer, const char *model);
/* "none", "quectel" */
const char *slot_dialect_name(enum slot_dialect d);
/* The number of slots its command addresses (1..n); 0 for SLOT_NONE. */
int slot_count(enum slot_dialect d);
/*
 * The command selecting @slot (1-based) into @buf: 0, or -1 when the
 * dialect has none or @slot is not one of its slots.
 */
int slot_command(enum slot_dialect d, int slot, char *buf, size_t len);
/* How long the modem may take to answer it. */
unsigned int slot_timeout_ms(enum slot_dialect d);

#endif
