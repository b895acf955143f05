// SPDX-License-Identifier: GPL-2.0
/*
 * Logical channels and the card application toolkit: MANAGE CHANNEL
 * (TS 102 221 §11.1.17), TERMINAL PROFILE and TERMINAL CAPABILITY
 * (§11.2.1, §11.1.19), ENVELOPE, FETCH and TERMINAL RESPONSE (§11.2.2-4).
 *
 * Everything runs under the card's lock (vuicc_engine.c dispatches).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_cmd.h"
#include "vuicc_engine.h"
#include "vuicc_fs.h"
#include "vuicc_profile.h"
#include "vuicc_sw.h"

/* ---- channels, CAT, the rest ---- */

/* MANAGE CHANNEL, TS 102 221 §11.1.17 */
u16 vuicc_cmd_manage_channel(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_channel *n;
	unsigned int i;

	if (a->p1 == 0x00) {		/* open */
		if (a->nc)
			return VUICC_SW_WRONG_LENGTH;
		if (a->p2 == 0) {
			for (i = 1; i < VUICC_CHANNELS && c->s->ch[i].open; i++)
				;
			if (i == VUICC_CHANNELS)
				return VUICC_SW_FUNC_NOT_SUPPORTED;
			c->data[0] = i;
			c->len = 1;
		} else if (a->p2 < VUICC_CHANNELS) {
			i = a->p2;
			if (c->s->ch[i].open || a->ne)
				return a->ne ? VUICC_SW_WRONG_LENGTH : VUICC_SW_WRONG_P1P2;
		} else {
			return VUICC_SW_CHANNEL_NOT_SUPPORTED;
		}
		n = &c->s->ch[i];
		/* from channel 0 the new one starts at the MF; else it inherits */
		if (c->chn == 0) {
			memset(n, 0, sizeof(*n));
			n->df = c->s->fs->mf;
		} else {
			*n = *c->ch;
		}
		n->open = true;
		return VUICC_SW_OK;
	}
	if (a->p1 == 0x80) {		/* close */
		if (a->nc || a->ne)
			return VUICC_SW_WRONG_LENGTH;
		if (a->p2 == 0 || a->p2 >= VUICC_CHANNELS)
			return VUICC_SW_WRONG_P1P2;
		if (!c->s->ch[a->p2].open)
			return VUICC_SW_CHANNEL_NOT_SUPPORTED;
		memset(&c->s->ch[a->p2], 0, sizeof(c->s->ch[a->p2]));
		return VUICC_SW_OK;
	}
	return VUICC_SW_WRONG_P1P2;
}

/* TERMINAL PROFILE (§11.2.1) and TERMINAL CAPABILITY (§11.1.19): kept */
u16 vuicc_cmd_terminal(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	bool tp = a->ins == 0x10;
	size_t max = tp ? VUICC_TERMINAL_PROFILE_MAX : VUICC_TERMINAL_CAP_MAX;
	size_t n = min_t(size_t, a->nc, max);

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	if (a->apdu_case != VUICC_APDU_CASE_3)
		return VUICC_SW_WRONG_LENGTH;
	memcpy(tp ? c->s->tp : c->s->tc, a->data, n);
	if (tp)
		c->s->tp_len = n;
	else
		c->s->tc_len = n;
	return VUICC_SW_OK;
}

/*
 * ENVELOPE, FETCH, TERMINAL RESPONSE (§11.2.2-4).  This card runs no
 * toolkit application and never announces a proactive command ('91xx'):
 * an envelope is taken and has no effect; FETCH and TERMINAL RESPONSE have
 * no proactive session to belong to.
 */
u16 vuicc_cmd_cat(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	switch (a->ins) {
	case 0xC2:
		return a->nc ? VUICC_SW_OK : VUICC_SW_WRONG_LENGTH;
	default:
		return VUICC_SW_CONDITIONS_OF_USE;
	}
}

/* GET CHALLENGE, ISO/IEC 7816-4 §11.6.3 */
