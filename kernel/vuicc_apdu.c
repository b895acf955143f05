// SPDX-License-Identifier: GPL-2.0
/*
 * Command APDU framing, ISO/IEC 7816-4 §5.1.
 *
 * The body after the 4-byte header decides the case:
 *   (empty)                  case 1
 *   Le                       case 2 short   (one byte; 00 means 256)
 *   Lc Data                  case 3 short   (Lc 01..FF)
 *   Lc Data Le               case 4 short
 *   00 Le1 Le2               case 2 extended (0000 means 65536)
 *   00 Lc1 Lc2 Data          case 3 extended (Lc 0001..FFFF)
 *   00 Lc1 Lc2 Data Le1 Le2  case 4 extended
 * Any other length is inconsistent and rejected.
 */

#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "vuicc_apdu.h"
#include "vuicc_bytes.h"
#include "vuicc_kunit.h"

static u32 vuicc_apdu_short_ne(u8 le)
{
	return le ? le : VUICC_APDU_NE_SHORT_MAX;
}

static u32 vuicc_apdu_extended_ne(const u8 *le)
{
	u16 v = vuicc_get_be16(le);

	return v ? v : VUICC_APDU_NE_EXTENDED_MAX;
}

/**
 * vuicc_apdu_parse() - split a command APDU into header, data and lengths
 * @buf: the APDU as received
 * @len: its length in bytes
 * @apdu: filled in on success; @apdu->data points into @buf
 *
 * Return: 0, or -EINVAL when @len does not match any case of ISO/IEC 7816-4
 * §5.1 (including a zero Lc, which no case allows).
 */
int vuicc_apdu_parse(const u8 *buf, size_t len, struct vuicc_apdu *apdu)
{
	const u8 *body = buf + VUICC_APDU_HEADER_LEN;
	size_t blen, lc;

	if (len < VUICC_APDU_HEADER_LEN)
		return -EINVAL;

	memset(apdu, 0, sizeof(*apdu));
	apdu->cla = buf[0];
	apdu->ins = buf[1];
	apdu->p1 = buf[2];
	apdu->p2 = buf[3];
	blen = len - VUICC_APDU_HEADER_LEN;

	if (blen == 0) {
		apdu->apdu_case = VUICC_APDU_CASE_1;
		return 0;
	}
	if (blen == 1) {
		apdu->apdu_case = VUICC_APDU_CASE_2;
		apdu->ne = vuicc_apdu_short_ne(body[0]);
		return 0;
	}
	if (body[0] != 0) {
		lc = body[0];
		if (blen == 1 + lc) {
			apdu->apdu_case = VUICC_APDU_CASE_3;
		} else if (blen == 2 + lc) {
			apdu->apdu_case = VUICC_APDU_CASE_4;
			apdu->ne = vuicc_apdu_short_ne(body[1 + lc]);
		} else {
			return -EINVAL;
		}
		apdu->nc = lc;
		apdu->data = body + 1;
		return 0;
	}

	/* body[0] == 0 and more than one byte: extended length fields */
	apdu->extended = true;
	if (blen == 3) {
		apdu->apdu_case = VUICC_APDU_CASE_2;
		apdu->ne = vuicc_apdu_extended_ne(body + 1);
		return 0;
	}
	if (blen < 3)
		return -EINVAL;
	lc = vuicc_get_be16(body + 1);
	if (lc == 0)
		return -EINVAL;
	if (blen == 3 + lc) {
		apdu->apdu_case = VUICC_APDU_CASE_3;
	} else if (blen == 5 + lc) {
		apdu->apdu_case = VUICC_APDU_CASE_4;
		apdu->ne = vuicc_apdu_extended_ne(body + 3 + lc);
	} else {
		return -EINVAL;
	}
	apdu->nc = lc;
	apdu->data = body + 3;
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_apdu_parse);
