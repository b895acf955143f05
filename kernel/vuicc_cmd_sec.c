// SPDX-License-Identifier: GPL-2.0
/*
 * Security and authentication: VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK
 * PIN (TS 102 221 §11.1.9-13), AUTHENTICATE and RUN GSM ALGORITHM
 * (TS 31.102 §7.1.2, TS 51.011 §9.2.16), GET CHALLENGE (§11.1.16).
 *
 * Everything runs under the card's lock (vuicc_engine.c dispatches).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>	/* crypto_memneq(), in crypto/utils.h from 6.5 on */
#include <linux/random.h>
#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_auth.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_cmd.h"
#include "vuicc_engine.h"
#include "vuicc_fs.h"
#include "vuicc_profile.h"
#include "vuicc_sw.h"

/* TS 102 221 §9.5.1: PIN and PUK retry counters */
#define VUICC_PIN_TRIES		3
#define VUICC_PUK_TRIES		10

/* ---- PINs, TS 102 221 §11.1.9-13 ---- */

/* The PIN a key reference names (and its PUK), or -1. */
static int vuicc_pin_index(u8 keyref, bool unblock)
{
	switch (keyref) {
	case VUICC_KEYREF_PIN1:
		return unblock ? VUICC_PUK1 : VUICC_PIN1;
	case VUICC_KEYREF_PIN2:
		return unblock ? VUICC_PUK2 : VUICC_PIN2;
	case VUICC_KEYREF_ADM1:
		return unblock ? -1 : VUICC_ADM1;
	default:
		return -1;
	}
}

static int vuicc_verified_slot(int idx)
{
	return idx == VUICC_PIN1 ? 0 : idx == VUICC_PIN2 ? 1 : 2;
}

static u16 vuicc_tries_sw(u8 tries)
{
	return tries ? VUICC_SW_PIN_TRIES(tries) : VUICC_SW_PIN_BLOCKED;
}

/* Checks @value against PIN @idx, counting the try. */
static u16 vuicc_pin_check(struct vuicc_ctx *c, int idx, const u8 *value)
{
	struct vuicc_profile *p = c->p;
	u8 max = (idx == VUICC_PUK1 || idx == VUICC_PUK2) ? VUICC_PUK_TRIES : VUICC_PIN_TRIES;

	if (!p->pin_tries[idx])
		return VUICC_SW_PIN_BLOCKED;
	if (crypto_memneq(value, p->secrets->pin[idx], VUICC_PIN_LEN)) {
		p->pin_tries[idx]--;
		return vuicc_tries_sw(p->pin_tries[idx]);
	}
	p->pin_tries[idx] = max;
	return VUICC_SW_OK;
}

/* A new PIN value: 4 to 8 digits, padded with FF (TS 102 221 §9.5.1). */
static bool vuicc_pin_value_ok(const u8 *v)
{
	int i, n = 0;

	for (i = 0; i < VUICC_PIN_LEN && v[i] != 0xFF; i++, n++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	for (; i < VUICC_PIN_LEN; i++)
		if (v[i] != 0xFF)
			return false;
	return n >= 4;
}

u16 vuicc_cmd_pin(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	bool unblock = a->ins == 0x2C;
	bool enable = a->ins == 0x28;
	int idx = vuicc_pin_index(a->p2, unblock);
	int slot, pin;
	u16 sw;

	if (!c->p)
		return VUICC_SW_REF_NOT_FOUND;
	if (idx < 0 || (a->p1 && !(a->ins == 0x24 && c->gsm)))
		return VUICC_SW_WRONG_P1P2;
	pin = unblock ? (idx == VUICC_PUK1 ? VUICC_PIN1 : VUICC_PIN2) : idx;
	if (!c->p->secrets->pin_set[idx] || !c->p->secrets->pin_set[pin])
		return VUICC_SW_REF_NOT_FOUND;
	slot = vuicc_verified_slot(pin);

	switch (a->ins) {
	case 0x20:	/* VERIFY PIN; no data asks for the retry counter */
		if (a->nc == 0) {
			if (c->s->verified[slot])
				return VUICC_SW_OK;
			return vuicc_tries_sw(c->p->pin_tries[idx]);
		}
		if (a->nc != VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		sw = vuicc_pin_check(c, idx, a->data);
		c->s->verified[slot] = sw == VUICC_SW_OK;
		return sw;
	case 0x24:	/* CHANGE PIN: old, new */
		if (a->nc != 2 * VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (!vuicc_pin_value_ok(a->data + VUICC_PIN_LEN))
			return VUICC_SW_INCORRECT_DATA;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		memcpy(c->p->secrets->pin[idx], a->data + VUICC_PIN_LEN, VUICC_PIN_LEN);
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	case 0x26:	/* DISABLE PIN (PIN1 only) */
	case 0x28:	/* ENABLE PIN */
		if (idx != VUICC_PIN1)
			return VUICC_SW_WRONG_P1P2;
		if (a->nc != VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (c->p->pin1_enabled == enable)
			return VUICC_SW_CONDITIONS_OF_USE;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		c->p->pin1_enabled = enable;
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	case 0x2C:	/* UNBLOCK PIN: PUK, new PIN; no data asks for the PUK's counter */
		if (a->nc == 0)
			return vuicc_tries_sw(c->p->pin_tries[idx]);
		if (a->nc != 2 * VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (!vuicc_pin_value_ok(a->data + VUICC_PIN_LEN))
			return VUICC_SW_INCORRECT_DATA;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		memcpy(c->p->secrets->pin[pin], a->data + VUICC_PIN_LEN, VUICC_PIN_LEN);
		c->p->pin_tries[pin] = VUICC_PIN_TRIES;
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	}
	return VUICC_SW_INS_NOT_SUPPORTED;
}

/* ---- authentication, TS 31.102 §7.1.2 and TS 51.011 §9.2.16 ---- */

/* TS 31.102 §4.2.8: service n27 "GSM access" decides whether Kc is returned */
#define VUICC_UST_GSM_ACCESS	27

static void vuicc_news_auth(struct vuicc_ctx *c, u32 context, u32 result)
{
	c->news->auth = true;
	c->news->auth_context = context;
	c->news->auth_result = result;
}

static bool vuicc_ust_has(struct vuicc_ctx *c, unsigned int service)
{
	struct vuicc_file *ust = c->ch->app ? vuicc_fs_child(c->ch->app, 0x6F38) : NULL;
	unsigned int n = service - 1;

	return ust && n / 8 < ust->size && (ust->data[n / 8] & BIT(n % 8));
}

static u16 vuicc_auth_fail(struct vuicc_ctx *c, u32 context, u32 result, u16 sw)
{
	vuicc_news_auth(c, context, result);
	return sw;
}

/* The 3G context: verify MAC-A, then the SQN; answer RES, CK, IK (and Kc). */
static u16 vuicc_auth_3g(struct vuicc_ctx *c, const u8 *rand, const u8 *autn, size_t autn_len)
{
	static const u8 dummy_amf[2];
	struct vuicc_profile *p = c->p;
	unsigned int mac_len = vuicc_auth_mac_len(p), i;
	struct vuicc_auth_out o;
	u8 sqn[6], mac[32], *d = c->data;
	enum vuicc_sqn_verdict v;
	u64 sqn_ms;
	u16 sw;

	if (autn_len != 8 + mac_len)
		return VUICC_SW_WRONG_LENGTH;
	if (vuicc_auth_f2345(p, rand, &o)) {
		sw = VUICC_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	for (i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ o.ak[i];
	if (vuicc_auth_f1(p, rand, sqn, autn + 6, false, mac)) {
		sw = VUICC_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	/* MAC first: a forged AUTN changes nothing (§7.1.2.1) */
	if (crypto_memneq(mac, autn + 8, mac_len)) {
		sw = vuicc_auth_fail(c, VUICC_AUTH_CONTEXT_UMTS, VUICC_AUTH_RESULT_MAC_FAILURE,
				     VUICC_SW_AUTH_MAC_FAILURE);
		goto out;
	}
	v = vuicc_sqn_check(p, vuicc_get_be48(sqn));
	if (v != VUICC_SQN_FRESH) {
		/* AUTS = (SQN_MS ^ AK*) || MAC-S, MAC-S over the dummy AMF (TS 33.102 §6.3.3) */
		sqn_ms = vuicc_sqn_highest(p);
		vuicc_put_be48(sqn_ms, sqn);
		if (vuicc_auth_f1(p, rand, sqn, dummy_amf, true, mac)) {
			sw = VUICC_SW_TECHNICAL_PROBLEM;
			goto out;
		}
		d[0] = 0xDC;
		d[1] = VUICC_AUTS_LEN;
		for (i = 0; i < 6; i++)
			d[2 + i] = sqn[i] ^ o.akstar[i];
		memcpy(d + 8, mac, VUICC_MAC_S_LEN);
		c->len = 2 + VUICC_AUTS_LEN;
		vuicc_news_auth(c, VUICC_AUTH_CONTEXT_UMTS, VUICC_AUTH_RESULT_SYNC_FAILURE);
		sw = VUICC_SW_OK;
		goto out;
	}
	p->sqn[vuicc_get_be48(sqn) & ((1u << p->sqn_ind_bits) - 1)] = vuicc_get_be48(sqn);
	/* DB L RES L CK L IK [L Kc] */
	i = 0;
	d[i++] = 0xDB;
	d[i++] = o.res_len;
	memcpy(d + i, o.res, o.res_len);
	i += o.res_len;
	d[i++] = o.ck_len;
	memcpy(d + i, o.ck, o.ck_len);
	i += o.ck_len;
	d[i++] = o.ik_len;
	memcpy(d + i, o.ik, o.ik_len);
	i += o.ik_len;
	if (vuicc_ust_has(c, VUICC_UST_GSM_ACCESS)) {
		d[i++] = 8;
		vuicc_auth_c3(o.ck, o.ck_len, o.ik, o.ik_len, d + i);
		i += 8;
	}
	c->len = i;
	vuicc_news_auth(c, VUICC_AUTH_CONTEXT_UMTS, VUICC_AUTH_RESULT_SUCCESS);
	p->state_seq++;
	c->news->sqn = true;
	sw = VUICC_SW_OK;
out:
	memzero_explicit(&o, sizeof(o));
	memzero_explicit(mac, sizeof(mac));
	memzero_explicit(sqn, sizeof(sqn));
	return sw;
}

/* AUTHENTICATE (TS 31.102 §7.1.2) and RUN GSM ALGORITHM (TS 51.011 §9.2.16) */
u16 vuicc_cmd_authenticate(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	const u8 *d = a->data;
	u8 sres[4], kc[8];
	u16 sw;

	c->secret = true;
	if (!c->p)
		return c->gsm ? VUICC_SW_NO_EF_SELECTED : VUICC_SW_CONDITIONS_OF_USE;
	if (!vuicc_access_ok(c, VUICC_ACC_PIN1))
		return VUICC_SW_SECURITY_STATUS;
	if (c->gsm) {
		/* RUN GSM ALGORITHM: RAND in, SRES || Kc out, in DF_GSM */
		if (a->p1 || a->p2)
			return VUICC_SW_WRONG_P1P2;
		if (c->ch->df->fid != VUICC_FID_DF_GSM)
			return VUICC_SW_NO_EF_SELECTED;
		if (a->nc != VUICC_RAND_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (vuicc_auth_run_gsm(c->p, d, c->data, c->data + 4))
			return VUICC_SW_TECHNICAL_PROBLEM;
		c->len = 12;
		vuicc_news_auth(c, VUICC_AUTH_CONTEXT_RUN_GSM, VUICC_AUTH_RESULT_SUCCESS);
		return VUICC_SW_OK;
	}
	if (a->p1)
		return VUICC_SW_WRONG_P1P2;
	if (!c->ch->app)
		return VUICC_SW_CONDITIONS_OF_USE;
	switch (a->p2) {
	case 0x81:	/* 3G context: L RAND L AUTN */
		if (a->nc < 2 + VUICC_RAND_LEN || d[0] != VUICC_RAND_LEN ||
		    a->nc != 2 + VUICC_RAND_LEN + d[1 + VUICC_RAND_LEN])
			return VUICC_SW_WRONG_LENGTH;
		return vuicc_auth_3g(c, d + 1, d + 2 + VUICC_RAND_LEN, d[1 + VUICC_RAND_LEN]);
	case 0x80:	/* GSM context: L RAND; SRES = c2(RES), Kc = c3(CK, IK) */
		if (a->nc != 1 + VUICC_RAND_LEN || d[0] != VUICC_RAND_LEN)
			return VUICC_SW_WRONG_LENGTH;
		sw = vuicc_auth_gsm_context(c->p, d + 1, sres, kc) ?
		     VUICC_SW_TECHNICAL_PROBLEM : VUICC_SW_OK;
		if (sw == VUICC_SW_OK) {
			c->data[0] = 4;
			memcpy(c->data + 1, sres, 4);
			c->data[5] = 8;
			memcpy(c->data + 6, kc, 8);
			c->len = 14;
			vuicc_news_auth(c, VUICC_AUTH_CONTEXT_GSM, VUICC_AUTH_RESULT_SUCCESS);
		}
		memzero_explicit(sres, sizeof(sres));
		memzero_explicit(kc, sizeof(kc));
		return sw;
	default:
		/* VGCS/VBS, GBA, MBMS, local key...: not this card */
		return vuicc_auth_fail(c, 0, VUICC_AUTH_RESULT_UNSUPPORTED_CONTEXT,
				       VUICC_SW_AUTH_CONTEXT_UNSUPPORTED);
	}
}

u16 vuicc_cmd_get_challenge(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	if (a->apdu_case != VUICC_APDU_CASE_2)
		return VUICC_SW_WRONG_LENGTH;
	c->len = min_t(size_t, a->ne, VUICC_RDATA_MAX);
	get_random_bytes(c->data, c->len);
	c->le_done = true;
	return VUICC_SW_OK;
}

/* GET RESPONSE, TS 102 221 §11.1.14 */
