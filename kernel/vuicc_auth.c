// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication algorithms behind one interface: MILENAGE (TS 35.206),
 * TUAK (TS 35.231) and the test algorithm of TS 34.108 §8.1.2 (XOR-3G; and
 * XOR-2G of TS 51.010-1 A.4.1.2 for RUN GSM ALGORITHM); the c2 and c3
 * conversions (TS 33.102 §6.8.1.2); SQN freshness (TS 33.102 Annex C).
 */

#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "vuicc_auth.h"
#include "vuicc_bytes.h"
#include "vuicc_kunit.h"
#include "vuicc_milenage.h"
#include "vuicc_profile.h"
#include "vuicc_tuak.h"

static const struct vuicc_milenage_consts *vuicc_auth_consts(const struct vuicc_profile *p,
							     struct vuicc_milenage_consts *mc)
{
	const struct vuicc_secrets *s = p->secrets;

	if (!s->has_milenage_consts)
		return &vuicc_milenage_default_consts;
	memcpy(mc->c, s->milenage_c, sizeof(mc->c));
	memcpy(mc->r, s->milenage_r, sizeof(mc->r));
	return mc;
}

static void vuicc_auth_tuak(const struct vuicc_profile *p, struct vuicc_tuak *t)
{
	t->topc = p->secrets->op;
	t->k = p->secrets->k;
	t->k_len = p->secrets->k_len;
	t->iterations = p->tuak_iterations;
}

/**
 * vuicc_auth_prepare() - turn OP into OPc (TOP into TOPc) once, at install
 * @p: the profile
 *
 * The card keeps OPc (TOPc) only; OP (TOP) is overwritten.
 *
 * Return: 0 or a negative errno.
 */
int vuicc_auth_prepare(struct vuicc_profile *p)
{
	struct vuicc_secrets *s = p->secrets;
	u8 c[32];
	int ret = 0;

	if (s->op_is_c || !s->op_len)
		return 0;
	if (p->algorithm == VUICC_ALGORITHM_MILENAGE)
		ret = vuicc_milenage_opc(s->k, s->op, c);
	else if (p->algorithm == VUICC_ALGORITHM_TUAK)
		ret = vuicc_tuak_topc(s->op, s->k, s->k_len, p->tuak_iterations, c);
	else
		ret = -EINVAL;
	if (!ret) {
		memcpy(s->op, c, s->op_len);
		s->op_is_c = true;
	}
	memzero_explicit(c, sizeof(c));
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_prepare);

/* The length of MAC-A, and so the length of AUTN less 8. */
unsigned int vuicc_auth_mac_len(const struct vuicc_profile *p)
{
	return p->algorithm == VUICC_ALGORITHM_TUAK ? p->tuak_mac_bits / 8 : 8;
}

/* XOR-3G: XDOUT = K ^ RAND */
static void vuicc_xor_xdout(const struct vuicc_profile *p, const u8 *rand, u8 *xdout)
{
	int i;

	for (i = 0; i < 16; i++)
		xdout[i] = p->secrets->k[i] ^ rand[i];
}

/**
 * vuicc_auth_f1() - MAC-A (f1) or MAC-S (f1*) of the profile's algorithm
 * @p: the profile
 * @rand: RAND
 * @sqn: SQN, 6 bytes
 * @amf: AMF, 2 bytes (the dummy 0000 for MAC-S)
 * @star: f1* rather than f1
 * @mac: filled with vuicc_auth_mac_len() bytes (%VUICC_MAC_S_LEN for f1*)
 *
 * Return: 0 or a negative errno.
 */
int vuicc_auth_f1(const struct vuicc_profile *p, const u8 *rand, const u8 *sqn,
		  const u8 *amf, bool star, u8 *mac)
{
	struct vuicc_milenage_consts mc;
	const struct vuicc_milenage_consts *c;
	struct vuicc_tuak t;
	u8 x[16], other[8];
	int i, ret;

	switch (p->algorithm) {
	case VUICC_ALGORITHM_MILENAGE:
		c = vuicc_auth_consts(p, &mc);
		ret = vuicc_milenage_f1(p->secrets->k, p->secrets->op, c, rand, sqn, amf,
					star ? other : mac, star ? mac : other);
		memzero_explicit(&mc, sizeof(mc));
		memzero_explicit(other, sizeof(other));
		return ret;
	case VUICC_ALGORITHM_TUAK:
		vuicc_auth_tuak(p, &t);
		return vuicc_tuak_f1(&t, rand, sqn, amf, star, mac,
				     star ? VUICC_MAC_S_LEN : vuicc_auth_mac_len(p));
	case VUICC_ALGORITHM_XOR:
		/* TS 34.108 §8.1.2.1: MAC = XDOUT[0..63] ^ (SQN || AMF) */
		vuicc_xor_xdout(p, rand, x);
		for (i = 0; i < 6; i++)
			mac[i] = x[i] ^ sqn[i];
		mac[6] = x[6] ^ amf[0];
		mac[7] = x[7] ^ amf[1];
		memzero_explicit(x, sizeof(x));
		return 0;
	}
	return -EINVAL;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_f1);

/**
 * vuicc_auth_f2345() - RES, CK, IK, AK and AK* of the profile's algorithm
 * @p: the profile
 * @rand: RAND
 * @out: filled in
 *
 * Return: 0 or a negative errno.
 */
int vuicc_auth_f2345(const struct vuicc_profile *p, const u8 *rand,
		     struct vuicc_auth_out *out)
{
	struct vuicc_milenage_consts mc;
	const struct vuicc_milenage_consts *c;
	struct vuicc_tuak t;
	u8 x[16];
	int i, ret;

	memset(out, 0, sizeof(*out));
	switch (p->algorithm) {
	case VUICC_ALGORITHM_MILENAGE:
		c = vuicc_auth_consts(p, &mc);
		out->res_len = 8;
		out->ck_len = 16;
		out->ik_len = 16;
		ret = vuicc_milenage_f2345(p->secrets->k, p->secrets->op, c, rand,
					   out->res, out->ck, out->ik, out->ak, out->akstar);
		memzero_explicit(&mc, sizeof(mc));
		return ret;
	case VUICC_ALGORITHM_TUAK:
		vuicc_auth_tuak(p, &t);
		out->res_len = p->tuak_res_bits / 8;
		out->ck_len = p->tuak_ck_bits / 8;
		out->ik_len = p->tuak_ik_bits / 8;
		ret = vuicc_tuak_f2345(&t, rand, out->res, out->res_len, out->ck, out->ck_len,
				       out->ik, out->ik_len, out->ak);
		if (!ret)
			ret = vuicc_tuak_f5star(&t, rand, out->akstar);
		/* (an allocation failing in f5* leaves no RES, CK or IK behind) */
		if (ret)
			memzero_explicit(out, sizeof(*out));
		return ret;
	case VUICC_ALGORITHM_XOR:
		/* RES = XDOUT[0..n-1], CK = XDOUT <<< 8, IK = XDOUT <<< 16, AK = XDOUT[24..71] */
		vuicc_xor_xdout(p, rand, x);
		out->res_len = p->xor_res_len;
		out->ck_len = 16;
		out->ik_len = 16;
		memcpy(out->res, x, out->res_len);
		for (i = 0; i < 16; i++) {
			out->ck[i] = x[(i + 1) % 16];
			out->ik[i] = x[(i + 2) % 16];
		}
		memcpy(out->ak, x + 3, 6);
		memcpy(out->akstar, x + 3, 6);
		memzero_explicit(x, sizeof(x));
		return 0;
	}
	return -EINVAL;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_f2345);

/**
 * vuicc_auth_c2() - SRES from RES (TS 33.102 §6.8.1.2)
 * @res: RES
 * @res_len: its length, 4 to 32 bytes
 * @derivation: 1: the exclusive-or of the 32-bit blocks of RES (zero-padded
 *	to 128 bits), or 2: its first 32 bits (TS 55.205 SRES#2)
 * @sres: filled with SRES, 4 bytes
 */
void vuicc_auth_c2(const u8 *res, unsigned int res_len, unsigned int derivation, u8 *sres)
{
	unsigned int i;

	if (derivation == 2) {
		memcpy(sres, res, 4);
		return;
	}
	memset(sres, 0, 4);
	for (i = 0; i < min(res_len, 16u); i++)
		sres[i % 4] ^= res[i];
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_c2);

/**
 * vuicc_auth_c3() - Kc from CK and IK (TS 33.102 §6.8.1.2)
 * @ck: CK, 16 bytes (of a longer one, the first 16)
 * @ck_len: its length
 * @ik: IK
 * @ik_len: its length
 * @kc: filled with Kc = CK1 ^ CK2 ^ IK1 ^ IK2, 8 bytes
 */
void vuicc_auth_c3(const u8 *ck, unsigned int ck_len, const u8 *ik, unsigned int ik_len,
		   u8 *kc)
{
	int i;

	for (i = 0; i < 8; i++)
		kc[i] = ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8];
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_c3);

/**
 * vuicc_auth_gsm_context() - SRES and Kc of a USIM in GSM context
 * @p: the profile
 * @rand: RAND
 * @sres: filled with SRES = c2(RES), 4 bytes
 * @kc: filled with Kc = c3(CK, IK), 8 bytes
 *
 * TS 33.102 §6.8.1.2, for every algorithm (GSM-MILENAGE of TS 55.205; for
 * the XOR test USIM, TS 34.108 §8.1.2).
 *
 * Return: 0 or a negative errno.
 */
int vuicc_auth_gsm_context(const struct vuicc_profile *p, const u8 *rand, u8 *sres, u8 *kc)
{
	struct vuicc_auth_out o;
	int ret;

	ret = vuicc_auth_f2345(p, rand, &o);
	if (!ret) {
		vuicc_auth_c2(o.res, o.res_len, p->gsm_derivation, sres);
		vuicc_auth_c3(o.ck, o.ck_len, o.ik, o.ik_len, kc);
	}
	memzero_explicit(&o, sizeof(o));
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_gsm_context);

/**
 * vuicc_auth_run_gsm() - SRES and Kc for RUN GSM ALGORITHM (a SIM)
 * @p: the profile
 * @rand: RAND
 * @sres: filled with SRES, 4 bytes
 * @kc: filled with Kc, 8 bytes
 *
 * MILENAGE and TUAK answer as in the GSM context (GSM-MILENAGE); XOR is
 * the XOR-2G test SIM of TS 51.010-1 A.4.1.2 (RES1 = Ki ^ RAND,
 * SRES = RES1[0..3], Kc = RES1[4..11]).
 *
 * Return: 0 or a negative errno.
 */
int vuicc_auth_run_gsm(const struct vuicc_profile *p, const u8 *rand, u8 *sres, u8 *kc)
{
	u8 x[16];

	if (p->algorithm != VUICC_ALGORITHM_XOR)
		return vuicc_auth_gsm_context(p, rand, sres, kc);
	vuicc_xor_xdout(p, rand, x);
	memcpy(sres, x, 4);
	memcpy(kc, x + 4, 8);
	memzero_explicit(x, sizeof(x));
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_auth_run_gsm);

/**
 * vuicc_sqn_highest() - the highest SQN accepted so far
 * @p: the profile
 *
 * Return: the largest SQN (SEQ || IND) in the array: the highest SEQ, and
 * of its slots the highest IND.  This is SQN_MS of an AUTS (Annex C.3.4).
 */
u64 vuicc_sqn_highest(const struct vuicc_profile *p)
{
	unsigned int n = 1u << p->sqn_ind_bits, i;
	u64 best = 0;

	for (i = 0; i < n; i++)
		best = max(best, p->sqn[i]);
	return best;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_sqn_highest);

/**
 * vuicc_sqn_check() - is @sqn fresh? (TS 33.102 Annex C.3.2, C.2.1, C.2.2)
 * @p: the profile, with its SQN array and limits
 * @sqn: SQN = SEQ || IND, 48 bits
 *
 * Fresh when SEQ is above the SEQ of its IND slot, at most delta above the
 * highest SEQ accepted (if a delta is set), and less than the age limit
 * below it (if one is set).  Changes nothing.
 *
 * Return: the verdict.
 */
enum vuicc_sqn_verdict vuicc_sqn_check(const struct vuicc_profile *p, u64 sqn)
{
	unsigned int ind = sqn & ((1u << p->sqn_ind_bits) - 1);
	u64 seq = sqn >> p->sqn_ind_bits;
	u64 seq_ms = p->sqn[ind] >> p->sqn_ind_bits;
	u64 highest = vuicc_sqn_highest(p) >> p->sqn_ind_bits;

	if (seq <= seq_ms)
		return VUICC_SQN_REPLAY;
	if (p->sqn_delta && seq > highest && seq - highest > p->sqn_delta)
		return VUICC_SQN_TOO_FAR;
	if (p->sqn_age_limit && seq < highest && highest - seq >= p->sqn_age_limit)
		return VUICC_SQN_TOO_OLD;
	return VUICC_SQN_FRESH;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_sqn_check);
