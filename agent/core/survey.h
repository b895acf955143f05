/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network surveys of modem families: a level for each network the modem
 * can see, before it registers on any (what +COPS=? does not give).
 *
 * No I/O: the modem backend picks the dialect from the modem's identity
 * (+CGMI/+CGMM), sends survey_command() and hands the information lines
 * to survey_collect(), which keeps the strongest cell of each network and
 * RAT.  Documentation/admin-guide/vuiccd.rst ("Where A1 comes from") names
 * the manual each dialect follows.
 */
#ifndef VUICC_SURVEY_H
#define VUICC_SURVEY_H

#include <stdbool.h>
#include <stdint.h>

#include "at.h"

enum survey_dialect {
	SURVEY_NONE,		/* no survey: +COPS=? (no levels) */
	SURVEY_QUECTEL,		/* AT+QSCAN */
	SURVEY_TELIT,		/* AT#CSURV */
	SURVEY_UBLOX,		/* AT+COPS=5 */
	SURVEY_N,
};

/* One cell of a survey. */
struct survey_cell {
	char plmn[7];		/* MCC MNC, digits */
	int act;		/* TS 27.007 <AcT>: 0 GSM, 2 UTRAN, 7 E-UTRAN */
	int32_t dbm;		/* RSSI (GSM), RSCP (UTRAN), RSRP (E-UTRAN); INT32_MIN unknown */
	uint32_t tac, ci;	/* TAC or LAC, cell id; 0 unknown */
};

/* The dialect of a modem from its +CGMI and +CGMM answers. */
enum survey_dialect survey_dialect_of(const char *manufacturer, const char *model);
/* "generic", "quectel", "telit", "ublox" */
const char *survey_dialect_name(enum survey_dialect d);
/* The survey command ("AT+QSCAN=3,1"); NULL for SURVEY_NONE. */
const char *survey_command(enum survey_dialect d);
/* The prefix of its information lines; NULL when they have none. */
const char *survey_prefix(enum survey_dialect d);
/* How long the modem may take, from its manual. */
unsigned int survey_timeout_ms(enum survey_dialect d);
/* The RATs it reports (AT_RAT_BIT()s): a network it does not list may be
 * there on another. */
unsigned int survey_rats(enum survey_dialect d);
/* Whether its manual says a character aborts it (V.250 5.6.1). */
bool survey_abortable(enum survey_dialect d);

/*
 * One information line: 1 and *@c filled for a cell, 0 for a line that
 * carries none (a header, a cell of a RAT outside GSM/UTRAN/E-UTRAN), -1
 * for a malformed or truncated line.
 */
int survey_parse_line(enum survey_dialect d, const char *line, struct survey_cell *c);

/*
 * The lines of one survey into @e (at most @max): one entry per network and
 * RAT, with its strongest cell's level, TAC and cell id; stat 1 (available)
 * and the names empty.  Returns the count; *@bad (may be NULL) gets the
 * number of malformed lines.
 */
int survey_collect(enum survey_dialect d, const char (*lines)[AT_LINE_MAX + 1], unsigned int n,
		   struct at_scan_entry *e, int max, unsigned int *bad);

#endif
