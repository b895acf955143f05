// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: command APDU framing, ISO/IEC 7816-4 §5.1, every case and every
 * length boundary.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../vuicc_apdu.h"

/*
 * A case is built rather than spelled out so that 255/256 and 65535-byte
 * bodies fit in a table: a header, then @body_len bytes of which the listed
 * prefix/suffix are given and the rest is filler.
 */
struct vuicc_apdu_case_param {
	const char *name;
	size_t len;		/* total APDU length */
	u8 lead[3];		/* the bytes after the header */
	u8 nlead;
	u8 tail[2];		/* the last bytes (Le) */
	u8 ntail;
	int err;		/* expected return */
	u8 apdu_case;
	bool extended;
	u16 nc;
	u32 ne;
};

static const struct vuicc_apdu_case_param vuicc_apdu_cases[] = {
	{ .name = "empty", .len = 0, .err = -EINVAL },
	{ .name = "1 byte", .len = 1, .err = -EINVAL },
	{ .name = "3 bytes", .len = 3, .err = -EINVAL },
	{ .name = "case 1", .len = 4, .apdu_case = 1 },
	{ .name = "case 2S Le=01", .len = 5, .lead = { 0x01 }, .nlead = 1,
	  .apdu_case = 2, .ne = 1 },
	{ .name = "case 2S Le=FF", .len = 5, .lead = { 0xFF }, .nlead = 1,
	  .apdu_case = 2, .ne = 255 },
	{ .name = "case 2S Le=00 means 256", .len = 5, .lead = { 0x00 },
	  .nlead = 1, .apdu_case = 2, .ne = 256 },
	{ .name = "case 3S Lc=01", .len = 6, .lead = { 0x01 }, .nlead = 1,
	  .apdu_case = 3, .nc = 1 },
	{ .name = "case 3S Lc=FF", .len = 4 + 1 + 255, .lead = { 0xFF },
	  .nlead = 1, .apdu_case = 3, .nc = 255 },
	{ .name = "case 4S Lc=01 Le=00", .len = 7, .lead = { 0x01 }, .nlead = 1,
	  .tail = { 0x00 }, .ntail = 1, .apdu_case = 4, .nc = 1, .ne = 256 },
	{ .name = "case 4S Lc=FF Le=10", .len = 4 + 1 + 255 + 1,
	  .lead = { 0xFF }, .nlead = 1, .tail = { 0x10 }, .ntail = 1,
	  .apdu_case = 4, .nc = 255, .ne = 16 },
	{ .name = "short Lc one byte short", .len = 4 + 1 + 2,
	  .lead = { 0x03 }, .nlead = 1, .err = -EINVAL },
	{ .name = "short Lc two bytes over", .len = 4 + 1 + 3 + 2,
	  .lead = { 0x03 }, .nlead = 1, .err = -EINVAL },
	{ .name = "B5=00 with one more byte", .len = 6, .lead = { 0x00, 0x01 },
	  .nlead = 2, .err = -EINVAL },
	{ .name = "case 2E Le=0001", .len = 7, .lead = { 0x00, 0x00, 0x01 },
	  .nlead = 3, .apdu_case = 2, .extended = true, .ne = 1 },
	{ .name = "case 2E Le=0000 means 65536", .len = 7,
	  .lead = { 0x00, 0x00, 0x00 }, .nlead = 3, .apdu_case = 2,
	  .extended = true, .ne = 65536 },
	{ .name = "case 2E Le=FFFF", .len = 7, .lead = { 0x00, 0xFF, 0xFF },
	  .nlead = 3, .apdu_case = 2, .extended = true, .ne = 65535 },
	{ .name = "case 3E Lc=0001", .len = 8, .lead = { 0x00, 0x00, 0x01 },
	  .nlead = 3, .apdu_case = 3, .extended = true, .nc = 1 },
	{ .name = "case 3E Lc=0100", .len = 4 + 3 + 256,
	  .lead = { 0x00, 0x01, 0x00 }, .nlead = 3, .apdu_case = 3,
	  .extended = true, .nc = 256 },
	{ .name = "case 3E Lc=FFFF", .len = 4 + 3 + 65535,
	  .lead = { 0x00, 0xFF, 0xFF }, .nlead = 3, .apdu_case = 3,
	  .extended = true, .nc = 65535 },
	{ .name = "case 4E Lc=0001 Le=0000", .len = 4 + 3 + 1 + 2,
	  .lead = { 0x00, 0x00, 0x01 }, .nlead = 3, .tail = { 0x00, 0x00 },
	  .ntail = 2, .apdu_case = 4, .extended = true, .nc = 1, .ne = 65536 },
	{ .name = "case 4E Lc=FFFF Le=0102", .len = 4 + 3 + 65535 + 2,
	  .lead = { 0x00, 0xFF, 0xFF }, .nlead = 3, .tail = { 0x01, 0x02 },
	  .ntail = 2, .apdu_case = 4, .extended = true, .nc = 65535,
	  .ne = 258 },
	{ .name = "extended Lc=0000", .len = 4 + 3 + 2,
	  .lead = { 0x00, 0x00, 0x00 }, .nlead = 3, .err = -EINVAL },
	{ .name = "extended Lc one byte short", .len = 4 + 3 + 4,
	  .lead = { 0x00, 0x00, 0x05 }, .nlead = 3, .err = -EINVAL },
	{ .name = "extended Lc with a one-byte Le", .len = 4 + 3 + 5 + 1,
	  .lead = { 0x00, 0x00, 0x05 }, .nlead = 3, .err = -EINVAL },
	{ .name = "extended Lc three bytes over", .len = 4 + 3 + 5 + 3,
	  .lead = { 0x00, 0x00, 0x05 }, .nlead = 3, .err = -EINVAL },
};

static void vuicc_apdu_case_desc(const struct vuicc_apdu_case_param *p,
				 char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vuicc_apdu_parse, vuicc_apdu_cases, vuicc_apdu_case_desc);

static void vuicc_apdu_parse_test(struct kunit *test)
{
	const struct vuicc_apdu_case_param *p = test->param_value;
	struct vuicc_apdu apdu;
	size_t i;
	u8 *buf;
	int ret;

	/* Arrange: header 00 A4 04 0C, lead bytes, filler, tail bytes */
	buf = kunit_kzalloc(test, p->len + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < p->len; i++)
		buf[i] = 0xA5 ^ i;
	if (p->len >= 4) {
		buf[0] = 0x00;
		buf[1] = 0xA4;
		buf[2] = 0x04;
		buf[3] = 0x0C;
	}
	for (i = 0; i < p->nlead; i++)
		buf[4 + i] = p->lead[i];
	for (i = 0; i < p->ntail; i++)
		buf[p->len - p->ntail + i] = p->tail[i];

	/* Act */
	ret = vuicc_apdu_parse(buf, p->len, &apdu);

	/* Assert */
	KUNIT_ASSERT_EQ(test, ret, p->err);
	if (p->err)
		return;
	KUNIT_EXPECT_EQ(test, apdu.cla, 0x00);
	KUNIT_EXPECT_EQ(test, apdu.ins, 0xA4);
	KUNIT_EXPECT_EQ(test, apdu.p1, 0x04);
	KUNIT_EXPECT_EQ(test, apdu.p2, 0x0C);
	KUNIT_EXPECT_EQ(test, apdu.apdu_case, p->apdu_case);
	KUNIT_EXPECT_EQ(test, apdu.extended, p->extended);
	KUNIT_EXPECT_EQ(test, apdu.nc, p->nc);
	KUNIT_EXPECT_EQ(test, apdu.ne, p->ne);
	if (p->nc) {
		KUNIT_ASSERT_NOT_NULL(test, apdu.data);
		KUNIT_EXPECT_PTR_EQ(test, apdu.data, buf + 4 + p->nlead);
		KUNIT_EXPECT_TRUE(test, apdu.data + p->nc + p->ntail ==
				  buf + p->len);
	} else {
		KUNIT_EXPECT_NULL(test, apdu.data);
	}
}

/*
 * All-zero APDUs of every short length, each in an allocation of exactly
 * that size, so that KASAN catches a read past @len.
 */
static void vuicc_apdu_parse_zeros_test(struct kunit *test)
{
	/* expected case for lengths 0..8; 0 means rejected */
	static const u8 want[] = { 0, 0, 0, 0, 1, 2, 0, 2, 0 };
	struct vuicc_apdu apdu;
	size_t len;
	int ret;
	u8 *buf;

	for (len = 0; len < ARRAY_SIZE(want); len++) {
		buf = kunit_kzalloc(test, len ? len : 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		ret = vuicc_apdu_parse(buf, len, &apdu);
		if (want[len]) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "len %zu", len);
			KUNIT_EXPECT_EQ_MSG(test, apdu.apdu_case, want[len],
					    "len %zu", len);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "len %zu", len);
		}
		kunit_kfree(test, buf);
	}
}

static struct kunit_case vuicc_apdu_test_cases[] = {
	KUNIT_CASE_PARAM(vuicc_apdu_parse_test, vuicc_apdu_parse_gen_params),
	KUNIT_CASE(vuicc_apdu_parse_zeros_test),
	{}
};

static struct kunit_suite vuicc_apdu_test_suite = {
	.name = "vuicc_apdu",
	.test_cases = vuicc_apdu_test_cases,
};

kunit_test_suite(vuicc_apdu_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for vuicc");
MODULE_IMPORT_NS(VUICC_KUNIT);
