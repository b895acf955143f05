// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the card's files against the specifications' table of services
 * and mandatory files (vuicc_svc.c), profiles whose service tables
 * disagree with the files, files shared by two paths, the EF_ARR each
 * FCP names, and the table of APDU cases per command.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../vuicc_apdu.h"
#include "../vuicc_engine.h"
#include "../vuicc_fs.h"
#include "../vuicc_profile.h"
#include "../vuicc_svc.h"
#include "../vuicc_t0.h"
#include "vuicc_test.h"

#define P_UST	"\x3f\x00\x7f\xff\x6f\x38"
#define P_SST	"\x3f\x00\x7f\x20\x6f\x38"
#define P_SUCI	"\x3f\x00\x7f\xff\x5f\xc0\x4f\x07"

static void vuicc_test_add_file(struct kunit *test, struct vuicc_profile *p,
				const char *path, const void *data, unsigned int len)
{
	struct vuicc_file_content *c;

	c = kzalloc(struct_size(c, data, len), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->path_len = 6;
	memcpy(c->path, path, 6);
	c->len = len;
	memcpy(c->data, data, len);
	p->files[p->n_files++] = c;
}

/* The default card: every file a service that is on needs, every mandatory file. */
static void vuicc_svc_default_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_profile(test);
	const struct vuicc_svc_file *r;
	unsigned int i, n_on = 0, n_mandatory = 0;
	bool on;

	for (i = 0; i < vuicc_svc_n_files; i++) {
		r = &vuicc_svc_files[i];
		on = vuicc_svc_on(p->fs, r->table, r->service);
		if (r->table == VUICC_SVC_NONE)
			n_mandatory++;
		else if (on)
			n_on++;
		if (on)
			KUNIT_EXPECT_NOT_NULL_MSG(test, vuicc_svc_find(p->fs, r), "%s", r->need);
		else if (r->flags & VUICC_SVC_HIDE_OFF)
			KUNIT_EXPECT_NULL_MSG(test, vuicc_svc_find(p->fs, r), "%s", r->off);
	}
	/* the USIM services 10 12 17-21 27 42 43 85 122 123 126, the SIM's 2 4 7 9 12 15-17 */
	KUNIT_EXPECT_EQ(test, n_on, 28u);
	KUNIT_EXPECT_EQ(test, n_mandatory, 31u);
	/* the service tables themselves */
	KUNIT_EXPECT_TRUE(test, vuicc_svc_on(p->fs, VUICC_SVC_UST, 27));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_on(p->fs, VUICC_SVC_UST, 124));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_on(p->fs, VUICC_SVC_UST, 200));
	KUNIT_EXPECT_TRUE(test, vuicc_svc_on(p->fs, VUICC_SVC_SST, 4));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_on(p->fs, VUICC_SVC_SST, 3));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_on(p->fs, VUICC_SVC_SST, 21));
	KUNIT_EXPECT_TRUE(test, vuicc_svc_known(VUICC_SVC_UST, 38));
	KUNIT_EXPECT_TRUE(test, vuicc_svc_known(VUICC_SVC_UST, 2));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_known(VUICC_SVC_UST, 28));
	KUNIT_EXPECT_TRUE(test, vuicc_svc_known(VUICC_SVC_SST, 1));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_known(VUICC_SVC_SST, 20));
	/* C5: EF_SUCI_Calc_Info is gone from the tree with service 124 off */
	KUNIT_EXPECT_NULL(test, vuicc_fs_by_path(p->fs, (const u8 *)P_SUCI, 8));
	vuicc_profile_free(p);
}

struct vuicc_svc_case {
	const char *name;
	const char *path;	/* 3F00 + two FIDs */
	u8 data[17];
	unsigned int len;
	int err;
	int bad;
	const char *why;	/* NULL: the build succeeds */
	u8 service;		/* a service the card does not support */
};

static const struct vuicc_svc_case vuicc_svc_cases[] = {
	{ "USIM service 2 (FDN) without EF_FDN", P_UST, { 0x02 }, 1, -EPROTO, -1,
	  "USIM service 2 (FDN) is on but the card has no EF_FDN (7FFF/6F3B)" },
	{ "USIM service 1 (phone book) without DF_PHONEBOOK", P_UST, { 0x01 }, 1, -EPROTO, -1,
	  "USIM service 1 (local phone book) is on but the card has no DF_PHONEBOOK (7FFF/5F3A)" },
	{ "USIM service 122 on, 5GS files present", P_UST,
	  { [15] = 0x02 }, 16, 0, -1, NULL },
	{ "GSM service 3 (FDN) allocated and activated", P_SST, { 0x30 }, 1, -EPROTO, -1,
	  "GSM service 3 (FDN) is on but the card has no EF_FDN (7F10/6F3B)" },
	{ "GSM service 3 allocated only: off", P_SST, { 0x10 }, 1, 0, -1, NULL },
	{ "USIM service 124 on: SUCI files present", P_UST, { [15] = 0x08 }, 16, 0, -1, NULL },
	{ "no service at all: mandatory files only", P_UST, { 0 }, 17, 0, -1, NULL },
	{ "USIM service 28 (no file; not supported)", P_UST, { 0, 0, 0, 0x08 }, 4, -EPROTO, -1,
	  "a USIM service is on that this card does not support", 28 },
	{ "USIM service 52 (MMS; not in the table)", P_UST, { [6] = 0x08 }, 7, -EPROTO, -1,
	  "a USIM service is on that this card does not support", 52 },
	{ "GSM service 20 (RFU)", P_SST, { [4] = 0xC0 }, 5, -EPROTO, -1,
	  "a GSM service is on that this card does not support", 20 },
};

static void vuicc_svc_case_desc(const struct vuicc_svc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vuicc_svc, vuicc_svc_cases, vuicc_svc_case_desc);

/* A profile's own service table, checked against the files. */
static void vuicc_svc_profile_test(struct kunit *test)
{
	const struct vuicc_svc_case *tc = test->param_value;
	struct vuicc_profile *p = vuicc_test_profile(test);
	struct vuicc_svc_err err;
	struct vuicc_fs *fs;

	vuicc_test_add_file(test, p, tc->path, tc->data, tc->len);
	fs = vuicc_svc_build(p, &err);
	if (tc->err) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fs), tc->err);
		KUNIT_EXPECT_EQ(test, err.bad_file, tc->bad);
		KUNIT_ASSERT_NOT_NULL(test, err.why);
		KUNIT_EXPECT_STREQ(test, err.why, tc->why);
		KUNIT_EXPECT_EQ(test, err.service, tc->service);
	} else {
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(fs), "%d: %s", PTR_ERR_OR_ZERO(fs),
				       err.why ?: "");
		vuicc_fs_free(fs);
	}
	vuicc_profile_free(p);
}

/* A file that shall not be available: neither readable nor writable by the profile. */
static void vuicc_svc_hidden_test(struct kunit *test)
{
	static const u8 suci[] = { 0xA0, 0x02, 0x00, 0x00 };
	struct vuicc_profile *p = vuicc_test_profile(test);
	struct vuicc_svc_err err;
	struct vuicc_fs *fs;

	p->files[0] = kzalloc(struct_size(p->files[0], data, sizeof(suci)), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->files[0]);
	p->files[0]->path_len = 8;
	memcpy(p->files[0]->path, "\x3f\x00\x7f\xff\x5f\xc0\x4f\x07", 8);
	p->files[0]->len = sizeof(suci);
	memcpy(p->files[0]->data, suci, sizeof(suci));
	p->n_files = 1;
	fs = vuicc_svc_build(p, &err);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fs), -EPROTO);
	KUNIT_EXPECT_EQ(test, err.bad_file, 0);
	KUNIT_ASSERT_NOT_NULL(test, err.why);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err.why, "EF_SUCI_Calc_Info (7FFF/5FC0/4F07) is given"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(err.why, "USIM service 124"));
	vuicc_profile_free(p);
}

/* The modem's ADM update of EF_UST shows and hides EF_SUCI_Calc_Info. */
static void vuicc_svc_refresh_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_profile(test);
	struct vuicc_file *ust = vuicc_fs_by_path(p->fs, (const u8 *)P_UST, 6);
	struct vuicc_file *suci;
	unsigned int round;

	KUNIT_ASSERT_NOT_NULL(test, ust);
	KUNIT_EXPECT_TRUE(test, vuicc_svc_is_table(ust));
	KUNIT_EXPECT_TRUE(test, vuicc_svc_is_table(vuicc_fs_by_path(p->fs, (const u8 *)P_SST, 6)));
	KUNIT_EXPECT_FALSE(test, vuicc_svc_is_table(p->fs->usim->child));
	for (round = 0; round < 2; round++) {
		ust->data[15] |= 0x08;		/* service 124 on */
		vuicc_svc_refresh(p->fs);
		suci = vuicc_fs_by_path(p->fs, (const u8 *)P_SUCI, 8);
		KUNIT_ASSERT_NOT_NULL(test, suci);
		KUNIT_EXPECT_FALSE(test, suci->hidden);
		KUNIT_EXPECT_PTR_EQ(test, vuicc_fs_by_sfi(suci->parent, 0x07), suci);
		vuicc_svc_refresh(p->fs);	/* twice: no duplicate in the list */
		KUNIT_EXPECT_PTR_EQ(test, suci->next, NULL);
		ust->data[15] &= ~0x08;
		vuicc_svc_refresh(p->fs);
		KUNIT_EXPECT_NULL(test, vuicc_fs_by_path(p->fs, (const u8 *)P_SUCI, 8));
		KUNIT_EXPECT_NULL(test, vuicc_fs_by_sfi(suci->parent, 0x07));
		/* the other files of DF_5GS are all still there */
		KUNIT_EXPECT_NOT_NULL(test, vuicc_fs_by_sfi(suci->parent, 0x0A));
		KUNIT_EXPECT_NOT_NULL(test, vuicc_fs_by_sfi(suci->parent, 0x08));
	}
	vuicc_profile_free(p);
}

/* O1: one file, two paths: a content given under either is seen under both. */
static void vuicc_svc_link_test(struct kunit *test)
{
	static const struct {
		const char *a, *b;
	} pairs[] = {
		{ "\x3f\x00\x7f\x20\x6f\x7b", "\x3f\x00\x7f\xff\x6f\x7b" },	/* FPLMN */
		{ "\x3f\x00\x7f\x10\x6f\x40", "\x3f\x00\x7f\xff\x6f\x40" },	/* MSISDN */
		{ "\x3f\x00\x7f\x20\x6f\x07", "\x3f\x00\x7f\xff\x6f\x07" },	/* IMSI */
		{ "\x3f\x00\x7f\x20\x6f\x7e", "\x3f\x00\x7f\xff\x6f\x7e" },	/* LOCI */
		{ "\x3f\x00\x7f\x10\x6f\x3c", "\x3f\x00\x7f\xff\x6f\x3c" },	/* SMS */
	};
	struct vuicc_file *a, *b, *kc, *kc3g;
	struct vuicc_profile *p;
	struct vuicc_svc_err err;
	unsigned int i, len;
	u8 data[176];

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		p = vuicc_test_profile(test);
		a = vuicc_fs_by_path(p->fs, pairs[i].a, 6);
		b = vuicc_fs_by_path(p->fs, pairs[i].b, 6);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_EXPECT_PTR_NE(test, a, b);
		KUNIT_EXPECT_PTR_EQ(test, vuicc_fs_owner(a), vuicc_fs_owner(b));
		KUNIT_EXPECT_PTR_EQ(test, a->data, b->data);
		KUNIT_EXPECT_EQ(test, a->size, b->size);
		/* given under the GSM path, read under the USIM's, and the profile builds */
		vuicc_profile_free(p);
		p = vuicc_test_profile(test);
		memset(data, 0x5A, sizeof(data));
		a = vuicc_fs_by_path(p->fs, pairs[i].a, 6);
		len = a->rec_len ? a->rec_len : min_t(unsigned int, a->size, 9);
		vuicc_test_add_file(test, p, pairs[i].a, data, len);
		vuicc_fs_free(p->fs);
		p->fs = vuicc_svc_build(p, &err);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p->fs));
		b = vuicc_fs_by_path(p->fs, pairs[i].b, 6);
		KUNIT_EXPECT_MEMEQ(test, b->data, data, len);
		vuicc_profile_free(p);
	}
	/* EF_Kc of DF_GSM is the USIM's DF_GSM-ACCESS EF_Kc (TS 31.102 §4.4.3.1) */
	p = vuicc_test_profile(test);
	kc = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\x20\x6f\x20", 6);
	kc3g = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\xff\x5f\x3b\x4f\x20", 8);
	KUNIT_ASSERT_NOT_NULL(test, kc);
	KUNIT_ASSERT_NOT_NULL(test, kc3g);
	KUNIT_EXPECT_PTR_EQ(test, kc->link, kc3g);
	KUNIT_EXPECT_EQ(test, kc3g->sfi, 0x01);
	KUNIT_EXPECT_EQ(test, kc->sfi, 0);
	vuicc_profile_free(p);
}

/* C4: the EF_ARR an FCP names is the USIM's own inside the USIM. */
static void vuicc_svc_arr_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_profile(test);
	struct vuicc_file *f;

	f = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\xff\x6f\x07", 6);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, vuicc_fs_arr_fid(f), VUICC_FID_EF_ARR_ADF);
	f = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\xff\x5f\xc0\x4f\x01", 8);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, vuicc_fs_arr_fid(f), VUICC_FID_EF_ARR_ADF);
	KUNIT_EXPECT_EQ(test, vuicc_fs_arr_fid(p->fs->usim), VUICC_FID_EF_ARR);
	KUNIT_EXPECT_EQ(test, vuicc_fs_arr_fid(p->fs->mf), VUICC_FID_EF_ARR);
	f = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\x20\x6f\x07", 6);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, vuicc_fs_arr_fid(f), VUICC_FID_EF_ARR);
	/* the USIM's EF_ARR holds the same rules as the MF's */
	f = vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x7f\xff\x6f\x06", 6);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->sfi, 0x17);
	KUNIT_EXPECT_PTR_EQ(test, f->data,
			    vuicc_fs_by_path(p->fs, (const u8 *)"\x3f\x00\x2f\x06", 4)->data);
	vuicc_profile_free(p);
}

/*
 * The cases per command, from TS 102 221 §11 and TS 51.011 §9.2, and how
 * a T=0 header's P3 is read from them.
 */
static void vuicc_svc_cases_test(struct kunit *test)
{
#define B(n) BIT(VUICC_APDU_CASE_##n)
	static const struct {
		u8 hdr[5];
		u8 cases;
		u8 dir;
	} t[] = {
		{ { 0x00, 0x70, 0x00, 0x01, 0x00 }, B(1), VUICC_T0_DIR_CASE1 },
		{ { 0x00, 0x70, 0x80, 0x01, 0x00 }, B(1), VUICC_T0_DIR_CASE1 },
		{ { 0x00, 0x70, 0x00, 0x00, 0x01 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x80, 0xF2, 0x00, 0x0C, 0x00 }, B(1), VUICC_T0_DIR_CASE1 },
		{ { 0x80, 0xF2, 0x00, 0x00, 0x00 }, B(1) | B(2), VUICC_T0_DIR_OUT },
		{ { 0xA0, 0xF2, 0x00, 0x00, 0x16 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x00, 0xA4, 0x00, 0x04, 0x02 }, B(1) | B(2) | B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x00, 0xA4, 0x08, 0x04, 0x04 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x00, 0xA4, 0x03, 0x0C, 0x00 }, B(1) | B(2), VUICC_T0_DIR_OUT },
		{ { 0xA0, 0xA4, 0x00, 0x00, 0x02 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x00, 0xB0, 0x00, 0x00, 0x00 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x00, 0xD6, 0x00, 0x00, 0x01 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0xB2, 0x01, 0x04, 0x00 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x00, 0xDC, 0x01, 0x04, 0x01 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0xA2, 0x01, 0x04, 0x01 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x80, 0x32, 0x00, 0x00, 0x03 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x00, 0x20, 0x00, 0x01, 0x00 }, B(1) | B(3), VUICC_T0_DIR_IN },
		{ { 0xA0, 0x20, 0x00, 0x01, 0x08 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0x2C, 0x00, 0x01, 0x00 }, B(1) | B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0x24, 0x00, 0x01, 0x10 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0x26, 0x00, 0x01, 0x08 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0x28, 0x00, 0x01, 0x08 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x80, 0x10, 0x00, 0x00, 0x0A }, B(3), VUICC_T0_DIR_IN },
		{ { 0x80, 0xAA, 0x00, 0x00, 0x04 }, B(3), VUICC_T0_DIR_IN },
		{ { 0x80, 0xC2, 0x00, 0x00, 0x06 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x80, 0x12, 0x00, 0x00, 0x10 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x80, 0x14, 0x00, 0x00, 0x0C }, B(3), VUICC_T0_DIR_IN },
		{ { 0x00, 0x84, 0x00, 0x00, 0x08 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x00, 0x88, 0x00, 0x81, 0x22 }, B(3) | B(4), VUICC_T0_DIR_IN },
		{ { 0x00, 0xC0, 0x00, 0x00, 0x10 }, B(2), VUICC_T0_DIR_OUT },
		{ { 0x00, 0x02, 0x00, 0x00, 0x00 }, 0, VUICC_T0_DIR_NONE },
	};
#undef B
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vuicc_engine_apdu_cases(t[i].hdr), t[i].cases,
				    "%5phN", t[i].hdr);
		KUNIT_EXPECT_EQ_MSG(test, vuicc_engine_t0_dir(t[i].hdr), t[i].dir,
				    "%5phN", t[i].hdr);
	}
}

static struct kunit_case vuicc_svc_test_cases[] = {
	KUNIT_CASE(vuicc_svc_default_test),
	KUNIT_CASE_PARAM(vuicc_svc_profile_test, vuicc_svc_gen_params),
	KUNIT_CASE(vuicc_svc_hidden_test),
	KUNIT_CASE(vuicc_svc_refresh_test),
	KUNIT_CASE(vuicc_svc_link_test),
	KUNIT_CASE(vuicc_svc_arr_test),
	KUNIT_CASE(vuicc_svc_cases_test),
	{}
};

static struct kunit_suite vuicc_svc_test_suite = {
	.name = "vuicc_svc",
	.test_cases = vuicc_svc_test_cases,
};

kunit_test_suite(vuicc_svc_test_suite);
