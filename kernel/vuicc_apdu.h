/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command APDU framing, ISO/IEC 7816-4 §5.1.
 */
#ifndef _VUICC_APDU_H
#define _VUICC_APDU_H

#include <linux/types.h>

/* ISO/IEC 7816-4 §5.1: the four command-response cases */
enum vuicc_apdu_case {
	VUICC_APDU_CASE_1 = 1,	/* no command data, no response data */
	VUICC_APDU_CASE_2 = 2,	/* no command data, response data (Le) */
	VUICC_APDU_CASE_3 = 3,	/* command data (Lc), no response data */
	VUICC_APDU_CASE_4 = 4,	/* command data and response data */
};

#define VUICC_APDU_HEADER_LEN	4
/* ISO/IEC 7816-4 §5.1: short Le = 00 and extended Le = 0000 mean the maximum */
#define VUICC_APDU_NE_SHORT_MAX		256
#define VUICC_APDU_NE_EXTENDED_MAX	65536

/**
 * struct vuicc_apdu - a parsed command APDU
 * @cla: class byte
 * @ins: instruction byte
 * @p1: parameter 1
 * @p2: parameter 2
 * @apdu_case: one of &enum vuicc_apdu_case
 * @extended: Lc/Le were coded in extended form
 * @nc: Nc, the number of command data bytes (0 for cases 1 and 2)
 * @ne: Ne, the most response data bytes expected (0 for cases 1 and 3)
 * @data: the command data (inside the buffer given to the parser)
 */
struct vuicc_apdu {
	u8 cla;
	u8 ins;
	u8 p1;
	u8 p2;
	u8 apdu_case;
	bool extended;
	u16 nc;
	u32 ne;
	const u8 *data;
};

int vuicc_apdu_parse(const u8 *buf, size_t len, struct vuicc_apdu *apdu);

#endif /* _VUICC_APDU_H */
