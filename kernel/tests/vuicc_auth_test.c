// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the authentication algorithms against every 3GPP vector of
 * ../shared/vectors (TS 35.207 MILENAGE, TS 55.205 GSM-MILENAGE, TS 35.233
 * TUAK and Keccak-f[1600], XOR-3G of TS 34.108 and XOR-2G of TS 51.010-1),
 * and the SQN array of TS 33.102 Annex C at its edges.
 */

#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../vuicc_auth.h"
#include "../vuicc_milenage.h"
#include "../vuicc_profile.h"
#include "../vuicc_tuak.h"
#include "vuicc_vectors.h"

static void vuicc_vector_desc(const struct vuicc_vector *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vuicc_milenage, vuicc_milenage_vectors, vuicc_vector_desc);
KUNIT_ARRAY_PARAM(vuicc_gsm_milenage, vuicc_gsm_milenage_vectors, vuicc_vector_desc);
KUNIT_ARRAY_PARAM(vuicc_tuak, vuicc_tuak_vectors, vuicc_vector_desc);
KUNIT_ARRAY_PARAM(vuicc_xor3g, vuicc_xor3g_vectors, vuicc_vector_desc);
KUNIT_ARRAY_PARAM(vuicc_xor2g, vuicc_xor2g_vectors, vuicc_vector_desc);

static void vuicc_milenage_test(struct kunit *test)
{
	const struct vuicc_vector *v = test->param_value;
	const struct vuicc_milenage_consts *mc = &vuicc_milenage_default_consts;
	u8 opc[16], mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], akstar[6];

	KUNIT_ASSERT_EQ(test, vuicc_milenage_opc(v->k, v->op, opc), 0);
	KUNIT_EXPECT_MEMEQ(test, opc, v->opc, 16);
	KUNIT_ASSERT_EQ(test, vuicc_milenage_f1(v->k, v->opc, mc, v->rand, v->sqn, v->amf,
						mac_a, mac_s), 0);
	KUNIT_EXPECT_MEMEQ(test, mac_a, v->f1, 8);
	KUNIT_EXPECT_MEMEQ(test, mac_s, v->f1star, 8);
	KUNIT_ASSERT_EQ(test, vuicc_milenage_f2345(v->k, v->opc, mc, v->rand, res, ck, ik,
						   ak, akstar), 0);
	KUNIT_EXPECT_MEMEQ(test, res, v->f2, 8);
	KUNIT_EXPECT_MEMEQ(test, ck, v->f3, 16);
	KUNIT_EXPECT_MEMEQ(test, ik, v->f4, 16);
	KUNIT_EXPECT_MEMEQ(test, ak, v->f5, 6);
	KUNIT_EXPECT_MEMEQ(test, akstar, v->f5star, 6);
}

/* Operator-chosen constants: the defaults given explicitly change nothing; others do. */
static void vuicc_milenage_consts_test(struct kunit *test)
{
	const struct vuicc_vector *v = &vuicc_milenage_vectors[0];
	struct vuicc_milenage_consts mc = vuicc_milenage_default_consts;
	u8 res[8], res2[8], mac[8];

	KUNIT_ASSERT_EQ(test, vuicc_milenage_f2345(v->k, v->opc, &mc, v->rand, res, NULL,
						   NULL, NULL, NULL), 0);
	KUNIT_EXPECT_MEMEQ(test, res, v->f2, 8);
	mc.r[1] = 8;		/* r2 rotated by a byte */
	KUNIT_ASSERT_EQ(test, vuicc_milenage_f2345(v->k, v->opc, &mc, v->rand, res2, NULL,
						   NULL, NULL, NULL), 0);
	KUNIT_EXPECT_MEMNEQ(test, res2, v->f2, 8);
	mc.r[1] = 3;		/* and by a number of bits that is no byte */
	KUNIT_ASSERT_EQ(test, vuicc_milenage_f2345(v->k, v->opc, &mc, v->rand, res, NULL,
						   NULL, NULL, NULL), 0);
	KUNIT_EXPECT_MEMNEQ(test, res, res2, 8);
	mc = vuicc_milenage_default_consts;
	mc.c[0][0] = 0x80;
	KUNIT_ASSERT_EQ(test, vuicc_milenage_f1(v->k, v->opc, &mc, v->rand, v->sqn, v->amf,
						mac, NULL), 0);
	KUNIT_EXPECT_MEMNEQ(test, mac, v->f1, 8);
}

static void vuicc_gsm_milenage_test(struct kunit *test)
{
	const struct vuicc_vector *v = test->param_value;
	u8 res[8], ck[16], ik[16], sres[4], kc[8];

	KUNIT_ASSERT_EQ(test, vuicc_milenage_f2345(v->k, v->opc, &vuicc_milenage_default_consts,
						   v->rand, res, ck, ik, NULL, NULL), 0);
	vuicc_auth_c2(res, 8, 1, sres);
	KUNIT_EXPECT_MEMEQ(test, sres, v->sres1, 4);
	vuicc_auth_c2(res, 8, 2, sres);
	KUNIT_EXPECT_MEMEQ(test, sres, v->sres2, 4);
	vuicc_auth_c3(ck, 16, ik, 16, kc);
	KUNIT_EXPECT_MEMEQ(test, kc, v->kc, 8);
}

static void vuicc_tuak_test(struct kunit *test)
{
	const struct vuicc_vector *v = test->param_value;
	struct vuicc_tuak t = {
		.topc = v->opc, .k = v->k, .k_len = v->k_len, .iterations = v->iters,
	};
	u8 topc[32], mac[32], res[32], ck[32], ik[32], ak[6];

	KUNIT_ASSERT_EQ(test, vuicc_tuak_topc(v->op, v->k, v->k_len, v->iters, topc), 0);
	KUNIT_EXPECT_MEMEQ(test, topc, v->opc, 32);
	KUNIT_ASSERT_EQ(test, vuicc_tuak_f1(&t, v->rand, v->sqn, v->amf, false, mac,
					    v->f1_len), 0);
	KUNIT_EXPECT_MEMEQ(test, mac, v->f1, v->f1_len);
	KUNIT_ASSERT_EQ(test, vuicc_tuak_f1(&t, v->rand, v->sqn, v->amf, true, mac,
					    v->f1star_len), 0);
	KUNIT_EXPECT_MEMEQ(test, mac, v->f1star, v->f1star_len);
	KUNIT_ASSERT_EQ(test, vuicc_tuak_f2345(&t, v->rand, res, v->f2_len, ck, v->f3_len,
					       ik, v->f4_len, ak), 0);
	KUNIT_EXPECT_MEMEQ(test, res, v->f2, v->f2_len);
	KUNIT_EXPECT_MEMEQ(test, ck, v->f3, v->f3_len);
	KUNIT_EXPECT_MEMEQ(test, ik, v->f4, v->f4_len);
	KUNIT_EXPECT_MEMEQ(test, ak, v->f5, 6);
	KUNIT_ASSERT_EQ(test, vuicc_tuak_f5star(&t, v->rand, ak), 0);
	KUNIT_EXPECT_MEMEQ(test, ak, v->f5star, 6);
	/* lengths TUAK does not define are refused */
	KUNIT_EXPECT_EQ(test, vuicc_tuak_f1(&t, v->rand, v->sqn, v->amf, false, mac, 12),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_tuak_f2345(&t, v->rand, res, 6, ck, 16, ik, 16, ak),
			-EINVAL);
}

static void vuicc_keccak_test(struct kunit *test)
{
	u8 *st = kunit_kmalloc(test, VUICC_KECCAK_STATE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	for (i = 0; i < ARRAY_SIZE(vuicc_keccak_vectors); i++) {
		memcpy(st, vuicc_keccak_vectors[i].in, VUICC_KECCAK_STATE);
		vuicc_keccak_f1600(st);
		KUNIT_EXPECT_MEMEQ_MSG(test, st, vuicc_keccak_vectors[i].out, VUICC_KECCAK_STATE,
				       "Keccak set %u", i + 1);
	}
}

static struct vuicc_profile *vuicc_test_xor_profile(struct kunit *test, const u8 *k)
{
	struct vuicc_profile *p = vuicc_profile_alloc();

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->algorithm = VUICC_ALGORITHM_XOR;
	p->xor_res_len = 16;
	p->gsm_derivation = 1;
	memcpy(p->secrets->k, k, 16);
	p->secrets->k_len = 16;
	return p;
}

static void vuicc_xor3g_test(struct kunit *test)
{
	static const u8 zero_amf[2], sqn_ms[6] = { 0, 0, 0, 0, 0, 5 };
	const struct vuicc_vector *v = test->param_value;
	struct vuicc_profile *p = vuicc_test_xor_profile(test, v->k);
	struct vuicc_auth_out o;
	u8 mac[8], sres[4], kc[8], auts[14];
	int i;

	KUNIT_ASSERT_EQ(test, vuicc_auth_f2345(p, v->rand, &o), 0);
	KUNIT_EXPECT_EQ(test, o.res_len, 16);
	KUNIT_EXPECT_MEMEQ(test, o.res, v->f2, 16);
	KUNIT_EXPECT_MEMEQ(test, o.ck, v->f3, 16);
	KUNIT_EXPECT_MEMEQ(test, o.ik, v->f4, 16);
	KUNIT_EXPECT_MEMEQ(test, o.ak, v->f5, 6);
	KUNIT_ASSERT_EQ(test, vuicc_auth_f1(p, v->rand, v->sqn, v->amf, false, mac), 0);
	KUNIT_EXPECT_MEMEQ(test, mac, v->f1, 8);
	/* GSM context of a test USIM: c2/c3, on RES of 16 and of 8 bytes */
	KUNIT_ASSERT_EQ(test, vuicc_auth_gsm_context(p, v->rand, sres, kc), 0);
	KUNIT_EXPECT_MEMEQ(test, sres, v->sres1, 4);
	KUNIT_EXPECT_MEMEQ(test, kc, v->kc, 8);
	vuicc_auth_c2(o.res, 8, 1, sres);
	KUNIT_EXPECT_MEMEQ(test, sres, v->res8sres, 4);
	/* AUTS for SQN_MS = 5: (SQN_MS ^ AK*) || f1*(SQN_MS, dummy AMF) */
	KUNIT_ASSERT_EQ(test, vuicc_auth_f1(p, v->rand, sqn_ms, zero_amf, true, mac), 0);
	for (i = 0; i < 6; i++)
		auts[i] = sqn_ms[i] ^ o.akstar[i];
	memcpy(auts + 6, mac, 8);
	KUNIT_EXPECT_MEMEQ(test, auts, v->auts, 14);
	vuicc_profile_free(p);
}

static void vuicc_xor2g_test(struct kunit *test)
{
	const struct vuicc_vector *v = test->param_value;
	struct vuicc_profile *p = vuicc_test_xor_profile(test, v->k);
	u8 sres[4], kc[8];

	KUNIT_ASSERT_EQ(test, vuicc_auth_run_gsm(p, v->rand, sres, kc), 0);
	KUNIT_EXPECT_MEMEQ(test, sres, v->sres1, 4);
	KUNIT_EXPECT_MEMEQ(test, kc, v->kc, 8);
	vuicc_profile_free(p);
}

/* ---- the SQN array, TS 33.102 Annex C ---- */

static struct vuicc_profile *vuicc_test_sqn_profile(struct kunit *test, u8 ind_bits,
						    u64 delta, u64 age)
{
	struct vuicc_profile *p = vuicc_profile_alloc();

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->sqn_ind_bits = ind_bits;
	p->sqn_delta = delta;
	p->sqn_age_limit = age;
	p->sqn = kcalloc(1u << ind_bits, sizeof(*p->sqn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->sqn);
	return p;
}

#define SQN(seq, ind)	((u64)(seq) << 5 | (ind))

/* Accepts like the card does: check, then store in the IND slot. */
static enum vuicc_sqn_verdict vuicc_test_accept(struct vuicc_profile *p, u64 sqn)
{
	enum vuicc_sqn_verdict v = vuicc_sqn_check(p, sqn);

	if (v == VUICC_SQN_FRESH)
		p->sqn[sqn & ((1u << p->sqn_ind_bits) - 1)] = sqn;
	return v;
}

static void vuicc_sqn_each_slot_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_sqn_profile(test, 5, 0, 0);
	unsigned int ind;

	for (ind = 0; ind < 32; ind++) {
		KUNIT_EXPECT_EQ_MSG(test, vuicc_test_accept(p, SQN(1, ind)), VUICC_SQN_FRESH,
				    "IND %u", ind);
		KUNIT_EXPECT_EQ_MSG(test, vuicc_test_accept(p, SQN(1, ind)), VUICC_SQN_REPLAY,
				    "IND %u replayed", ind);
	}
	/* a slot with a lower SEQ still takes one above its own */
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(50, 3)), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(2, 4)), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(2, 4)), VUICC_SQN_REPLAY);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(49, 3)), VUICC_SQN_REPLAY);
	KUNIT_EXPECT_EQ(test, vuicc_sqn_highest(p), SQN(50, 3));
	vuicc_profile_free(p);
}

static void vuicc_sqn_delta_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_sqn_profile(test, 5, 1000, 0);

	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(1000, 0)), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(2001, 1)), VUICC_SQN_TOO_FAR);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(2000, 1)), VUICC_SQN_FRESH);
	/* a new card (highest 0) refuses a jump beyond delta: resynchronisation */
	p->sqn[0] = 0;
	p->sqn[1] = 0;
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(1001, 2)), VUICC_SQN_TOO_FAR);
	vuicc_profile_free(p);
}

static void vuicc_sqn_age_limit_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_sqn_profile(test, 5, 0, 100);

	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(1000, 0)), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(900, 1)), VUICC_SQN_TOO_OLD);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(901, 1)), VUICC_SQN_FRESH);
	vuicc_profile_free(p);
}

/* SEQ at its maximum: nothing in that slot is fresh any more (no wrap) */
static void vuicc_sqn_wrap_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_sqn_profile(test, 5, 0, 0);
	u64 top = (1ULL << 48) - 1;

	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, top), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, top), VUICC_SQN_REPLAY);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, SQN(1, 31)), VUICC_SQN_REPLAY);
	KUNIT_EXPECT_EQ(test, vuicc_sqn_highest(p), top);
	vuicc_profile_free(p);
}

/* Other IND widths, 0 (one slot) and 10 (1024 slots) */
static void vuicc_sqn_ind_bits_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_sqn_profile(test, 0, 0, 0);

	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, 7), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, 7), VUICC_SQN_REPLAY);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, 6), VUICC_SQN_REPLAY);
	vuicc_profile_free(p);
	p = vuicc_test_sqn_profile(test, 10, 0, 0);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, (1ULL << 10) | 1023), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, (1ULL << 10) | 1022), VUICC_SQN_FRESH);
	KUNIT_EXPECT_EQ(test, vuicc_test_accept(p, (1ULL << 10) | 1023), VUICC_SQN_REPLAY);
	vuicc_profile_free(p);
}

static struct kunit_case vuicc_auth_test_cases[] = {
	KUNIT_CASE_PARAM(vuicc_milenage_test, vuicc_milenage_gen_params),
	KUNIT_CASE(vuicc_milenage_consts_test),
	KUNIT_CASE_PARAM(vuicc_gsm_milenage_test, vuicc_gsm_milenage_gen_params),
	KUNIT_CASE_PARAM(vuicc_tuak_test, vuicc_tuak_gen_params),
	KUNIT_CASE(vuicc_keccak_test),
	KUNIT_CASE_PARAM(vuicc_xor3g_test, vuicc_xor3g_gen_params),
	KUNIT_CASE_PARAM(vuicc_xor2g_test, vuicc_xor2g_gen_params),
	KUNIT_CASE(vuicc_sqn_each_slot_test),
	KUNIT_CASE(vuicc_sqn_delta_test),
	KUNIT_CASE(vuicc_sqn_age_limit_test),
	KUNIT_CASE(vuicc_sqn_wrap_test),
	KUNIT_CASE(vuicc_sqn_ind_bits_test),
	{}
};

static struct kunit_suite vuicc_auth_test_suite = {
	.name = "vuicc_auth",
	.test_cases = vuicc_auth_test_cases,
};

kunit_test_suite(vuicc_auth_test_suite);
