// SPDX-License-Identifier: GPL-2.0
/*
 * The card engine.  For now it answers the ATR and refuses every
 * instruction; the UICC file system and applications plug in here.
 */

#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_card.h"
#include "vuicc_bytes.h"
#include "vuicc_engine.h"
#include "vuicc_sw.h"

/*
 * ETSI TS 102 221 §6.3 and ISO/IEC 7816-3 §8.2:
 *   3B        TS, direct convention
 *   9A        T0: TA1 and TD1 follow, 10 historical bytes
 *   96        TA1: Fi = 512, Di = 32
 *   80        TD1: TD2 follows, T = 0
 *   1F        TD2: TA3 follows, T = 15 (global interface bytes)
 *   C7        TA3: clock stop allowed, no preference; classes A, B and C
 *   80        historical bytes: category indicator, COMPACT-TLV follows
 *   31 E0     card service data: selection by full and partial DF name,
 *             EF.DIR holds BER-TLV data objects
 *   73 FE 21 1B  card capabilities: DF selection by name, path and FID,
 *             short EF identifiers, record numbers; one-byte data units;
 *             logical channels assigned by card or terminal, up to 4
 *   82 90 00  status indicator: 9000
 *   xx        TCK, exclusive-or of T0 to the last historical byte
 */
static const u8 vuicc_engine_default_atr[] = {
	0x3B, 0x9A, 0x96, 0x80, 0x1F, 0xC7,
	0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x82, 0x90, 0x00,
};

void vuicc_engine_atr(struct vuicc_card *card, struct vuicc_atr *atr)
{
	size_t n = sizeof(vuicc_engine_default_atr);
	u8 tck = 0;
	size_t i;

	memset(atr, 0, sizeof(*atr));
	memcpy(atr->bytes, vuicc_engine_default_atr, n);
	for (i = 1; i < n; i++)
		tck ^= atr->bytes[i];
	atr->bytes[n] = tck;
	atr->len = n + 1;
}

void vuicc_engine_reset(struct vuicc_card *card)
{
}

size_t vuicc_engine_process(struct vuicc_card *card,
			    const struct vuicc_apdu *apdu, u8 *rsp)
{
	vuicc_put_be16(VUICC_SW_INS_NOT_SUPPORTED, rsp);
	return 2;
}
