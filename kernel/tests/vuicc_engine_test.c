// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the card engine, one case per command and status word, each on a
 * fresh session of a real card with a test profile; and the encodings and
 * invariants of the file system template.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../vuicc_card.h"
#include "../vuicc_fs.h"
#include "../vuicc_profile.h"
#include "../vuicc_svc.h"
#include "vuicc_test.h"

#define TEST_CARD	(VUICC_CARDS_MAX - 1)
#define USIM		"A0000000871002FFFFFFFF8907090000"
#define SEL_USIM	"00A4040C10" USIM
/* the FCP of the MF, with 9000; then cut at 32 bytes */
#define FCP_MF_OK	"62268202782183023F00A5038001718A01058B032F0601C60F90012095010883010183018183010A9000"
#define FCP_MF_32	"62268202782183023F00A5038001718A01058B032F0601C60F900120950108836108"
#define FCP_MF_REST	"010183018183010A9000"

struct vuicc_engine_case {
	const char *name;
	/* commands, each with the response wanted ("" ends; '?' any digit) */
	const char *io[12][2];
};

static const struct vuicc_engine_case vuicc_engine_cases[] = {
	{ "unknown INS 6D00", { { "00020000", "6D00" } } },
	{ "unknown class 6E00", { { "10A40004023F00", "6E00" }, { "B0A40004023F00", "6E00" } } },
	{ "INS in the wrong class 6E00", { { "00F20000", "6E00" }, { "80A40004023F00", "6E00" } } },
	{ "secure messaging 6882", { { "0CA40004023F00", "6882" }, { "60A40004023F00", "6882" } } },
	{ "closed channel 6881", { { "01A40004023F00", "6881" }, { "41A40004023F00", "6881" } } },
	{ "extended APDU 6700", { { "00B000000000FF", "6700" } } },
	{ "SELECT MF: 61xx, GET RESPONSE FCP", {
		{ "00A40004023F00", "6128" },
		{ "00C0000028", FCP_MF_OK } } },
	{ "SELECT no data 9000", { { "00A4000C023F00", "9000" } } },
	{ "SELECT no data selects the MF", { { "00A4000C", "9000" } } },
	{ "SELECT not found 6A82", { { "00A40004026F99", "6A82" } } },
	{ "SELECT wrong P2 6A86", { { "00A40008023F00", "6A86" }, { "00A40014023F00", "6A86" } } },
	{ "SELECT wrong Lc 6700", { { "00A400040100", "6700" } } },
	{ "SELECT parent of MF 6A82", { { "00A4030C", "6A82" } } },
	{ "SELECT by AID, partial AID, next", {
		{ "00A4040410" USIM, "6135" },
		{ "00A4040C07A0000000871002", "9000" },
		{ "00A4040E07A0000000871002", "6A82" },
		{ "00A4040C05A000000088", "6A82" } } },
	{ "SELECT by path from MF and from current DF", {
		{ "00A4080C047FFF6F07", "6A82" },	/* 7FFF before an app is selected */
		{ SEL_USIM, "9000" },
		{ "00A4080C047FFF6F07", "9000" },
		{ "00A4090C026FAD", "9000" },
		{ "00A4080C045FC04F01", "6A82" } } },
	{ "SELECT sibling DF and parent", {
		{ "00A4000C027F20", "9000" }, { "00A4000C027F10", "9000" },
		{ "00A4030C", "9000" }, { "80F20000", "6128" } } },
	{ "STATUS P2 00, 01, 0C; wrong P1/P2; wrong Le 6Cxx", {
		{ "80F2000000", "62268202*" },
		{ "80F2000100", "6A82" },
		{ SEL_USIM, "9000" },
		{ "80F2000100", "8410" USIM "9000" },
		{ "80F2000C", "9000" },
		{ "80F2030C", "6A86" },
		{ "80F20002", "6A86" },
		{ "80F2000010", "6C35" } } },
	{ "READ BINARY by SFI, offset, Le 00, 6Cxx, 6B00", {
		{ "00B082000A", "988812010000000010F89000" },
		{ "00B0820205", "12010000009000" },
		{ "00B0000800", "10F89000" },
		{ "00B0000810", "6C02" },
		{ "00B0000A01", "6B00" } } },
	{ "READ BINARY no EF 6986, record EF 6981, SFI not found 6A82", {
		{ "00B0000001", "6986" },
		{ "00B09F0001", "6A82" },
		{ "00A4000C022F00", "9000" },
		{ "00B0000001", "6981" } } },
	{ "READ BINARY needs PIN1 when enabled 6982", {
		{ "002800010831323334FFFFFFFF", "9000" },
		{ "__reset", "" },
		{ SEL_USIM, "9000" },
		{ "00B0870009", "6982" },
		{ "002000010831323334FFFFFFFF", "9000" },
		{ "00B0870009", "0809101000000000109000" } } },
	{ "UPDATE BINARY and read back; ADM only 6982; too long 6700", {
		{ SEL_USIM, "9000" },
		{ "00D68B0003112233", "9000" },
		{ "00B08B0003", "1122339000" },
		{ "00D6870001FF", "6982" },
		{ "00D68B050A0102030405060708090A", "6700" },
		{ "00D68B0C0101", "6B00" } } },
	{ "READ RECORD absolute, next, previous, SFI; 6A83; 6Cxx", {
		{ SEL_USIM, "9000" },
		{ "00B2010C04", "11F2FF009000" },
		{ "00B2000200", "11F2FF009000" },
		{ "00B2000200", "19F1FF009000" },
		{ "00B2000300", "11F2FF009000" },
		{ "00B2000400", "11F2FF009000" },
		{ "00B2040400", "6A83" },
		{ "00B2010405", "6C04" },
		{ "00B2010100", "6A86" } } },
	{ "UPDATE RECORD absolute and read back; wrong length 6700", {
		{ SEL_USIM, "9000" },
		{ "00A4000C026F40", "9000" },
		{ "00DC01040D11111111111111111111111111", "6700" },
		{ "00DC01040E1111111111111111111111111111", "9000" },
		{ "00B201040E", "11111111111111111111111111119000" } } },
	{ "SEARCH RECORD forward and backward; not found 6A83", {
		{ SEL_USIM, "9000" },
		{ "00A4000C026FB7", "9000" },
		{ "00A201040219F1", "6101" },
		{ "00C0000001", "029000" },
		{ "00A201040255AA", "6A83" } } },
	{ "INCREASE on a non-cyclic EF 6981", {
		{ SEL_USIM, "9000" },
		{ "00A4000C026F7E", "9000" },
		{ "8032000003000001", "6981" } } },
	{ "VERIFY: counter, wrong 63Cx, blocked 6983, unknown 6A88", {
		{ "0020000100", "63C3" },
		{ "002000010839393939FFFFFFFF", "63C2" },
		{ "002000010839393939FFFFFFFF", "63C1" },
		{ "002000010839393939FFFFFFFF", "6983" },
		{ "002000010831323334FFFFFFFF", "6983" },
		{ "0020008100", "6A88" },
		{ "002000020831323334FFFFFFFF", "6A86" },
		{ "0020000103", "6700" },
		{ "00200001023132", "6700" } } },
	{ "UNBLOCK, CHANGE, DISABLE, ENABLE", {
		{ "002C000100", "63CA" },
		{ "002C000110313131313131313139393939FFFFFFFF", "63C9" },
		{ "002C0001103132333435363738393939FFFFFFFFFF", "6A80" },
		{ "002C000110313233343536373839393939FFFFFFFF", "9000" },
		{ "002400011039393939FFFFFFFF31323334FFFFFFFF", "9000" },
		{ "002800010831323334FFFFFFFF", "9000" },
		{ "002800010831323334FFFFFFFF", "6985" },
		{ "002600010831323334FFFFFFFF", "9000" },
		{ "002600810831323334FFFFFFFF", "6A88" },
		{ "002601010831323334FFFFFFFF", "6A86" } } },
	{ "MANAGE CHANNEL open, use, close; limits", {
		{ "0070000001", "019000" },
		{ "01A4000C022FE2", "9000" },
		{ "01B0000001", "989000" },
		{ "00B0000001", "6986" },
		{ "00700002", "9000" },
		{ "0070000001", "039000" },
		{ "0070000001", "6A81" },
		{ "00700003", "6A86" },
		{ "00708001", "9000" },
		{ "00708001", "6881" },
		{ "00708000", "6A86" } } },
	{ "TERMINAL PROFILE and CAPABILITY 9000; ENVELOPE 9000; FETCH, TERMINAL RESPONSE 6985", {
		{ "801000000AFFFFFFFF7F9F00DFFF00", "9000" },
		{ "80AA000004A9028100", "9000" },
		{ "80C2000006D30482028181", "9000" },
		{ "8012000010", "6985" },
		{ "801400000C810301130002028281830100", "6985" },
		{ "8010010001FF", "6A86" } } },
	{ "GET CHALLENGE; GET RESPONSE with nothing 6985, partial, 6Cxx", {
		{ "0084000004", "????????9000" },
		{ "0084000000", "????????????????*" },
		{ "00C0000010", "6985" },
		{ "00A40004023F00", "6128" },
		{ "00C0000030", "6C28" },
		{ "00C0000020", FCP_MF_32 },
		{ "00C0000008", FCP_MF_REST } } },
	{ "GSM class: 9Fxx, GSM status words", {
		{ "A0A40000027F20", "9F16" },
		{ "A0C0000016", "000000007F2002000000000009*" },
		{ "A0A40000026F07", "9F0F" },
		{ "A0B0000009", "0809101000000000109000" },
		{ "A0A40000026F99", "9404" },
		{ "A0B2010400", "9408" },
		{ "A0A4000C023F00", "6A86" },
		{ "A020000108FFFFFFFFFFFFFFFF", "9804" },
		{ "A070000001", "6E00" } } },
	{ "no profile: the MF answers, no application", {
		{ "__noprofile", "" },
		{ "00A40004023F00", "6128" },
		{ SEL_USIM, "6A82" },
		{ "00A4000C022FE2", "6A82" },
		{ "80F2000C", "9000" },
		{ "0020000100", "6A88" } } },
};

static void vuicc_engine_case_desc(const struct vuicc_engine_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vuicc_engine, vuicc_engine_cases, vuicc_engine_case_desc);

static bool vuicc_test_match(const char *want, const u8 *got, size_t len, char *gothex)
{
	size_t i, n = strlen(want);
	bool star = n && want[n - 1] == '*';

	for (i = 0; i < len; i++)
		sprintf(gothex + 2 * i, "%02X", got[i]);
	gothex[2 * len] = '\0';
	if (star)
		n--;
	if (star ? n > 2 * len : n != 2 * len)
		return false;
	for (i = 0; i < n; i++)
		if (want[i] != '?' && want[i] != gothex[i])
			return false;
	return true;
}

/* A profile with the default template: the suites' common card. */
struct vuicc_profile *vuicc_test_profile(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_profile_alloc();
	struct vuicc_svc_err err;

	KUNIT_ASSERT_NOT_NULL(test, p);
	strscpy(p->name, "kunit", sizeof(p->name));
	p->kind = VUICC_PROFILE_KIND_SEED;
	p->role = VUICC_PROFILE_ROLE_MASTER;
	strscpy(p->iccid, "8988211000000000018", sizeof(p->iccid));
	strscpy(p->imsi, "001010000000001", sizeof(p->imsi));
	p->mnc_len = 2;
	p->algorithm = VUICC_ALGORITHM_XOR;
	p->secrets->k_len = 16;
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("1234", VUICC_PIN1, p->secrets->pin[VUICC_PIN1]), 0);
	KUNIT_ASSERT_EQ(test, vuicc_pin_encode("12345678", VUICC_PUK1,
					       p->secrets->pin[VUICC_PUK1]), 0);
	p->secrets->pin_set[VUICC_PIN1] = true;
	p->secrets->pin_set[VUICC_PUK1] = true;
	p->fs = vuicc_svc_build(p, &err);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p->fs));
	return p;
}

static void vuicc_engine_test(struct kunit *test)
{
	const struct vuicc_engine_case *tc = test->param_value;
	struct vuicc_profile *p = NULL;
	struct vuicc_card *card;
	struct vuicc_atr atr;
	char *gothex;
	u8 *capdu;
	int i, n, ret;

	capdu = kunit_kzalloc(test, 300, GFP_KERNEL);
	gothex = kunit_kzalloc(test, 2 * VUICC_RAPDU_MAX + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, capdu);
	KUNIT_ASSERT_NOT_NULL(test, gothex);

	/* Arrange: a card of its own (one a failed case left: gone), the test profile */
	vuicc_card_destroy(TEST_CARD);
	card = vuicc_card_create(TEST_CARD);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(card), "card %d: %ld", TEST_CARD, PTR_ERR(card));
	if (!tc->io[0][0] || strcmp(tc->io[0][0], "__noprofile")) {
		p = vuicc_test_profile(test);
		KUNIT_ASSERT_EQ(test, vuicc_card_profile_add(card, p), 0);
		KUNIT_ASSERT_EQ(test, vuicc_card_profile_enable(card, "kunit", 0), 0);
	}
	KUNIT_ASSERT_EQ(test, vuicc_card_power_on(card, &atr), 0);

	for (i = 0; i < ARRAY_SIZE(tc->io) && tc->io[i][0]; i++) {
		if (!strcmp(tc->io[i][0], "__noprofile"))
			continue;
		if (!strcmp(tc->io[i][0], "__reset")) {
			KUNIT_ASSERT_EQ(test, vuicc_card_reset(card, VUICC_RESET_COLD, &atr), 0);
			continue;
		}
		n = strlen(tc->io[i][0]) / 2;
		KUNIT_ASSERT_EQ(test, hex2bin(capdu, tc->io[i][0], n), 0);
		/* Act */
		ret = vuicc_card_transact(card, capdu, n);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", tc->io[i][0]);
		/* Assert */
		KUNIT_EXPECT_TRUE_MSG(test, vuicc_test_match(tc->io[i][1], card->rsp,
							     card->rsp_len, gothex),
				      "> %s\n< %s\nwant %s", tc->io[i][0], gothex, tc->io[i][1]);
		mutex_lock(&card->lock);
		vuicc_card_rsp_clear(card);
		mutex_unlock(&card->lock);
	}
	vuicc_card_put(card);
	KUNIT_EXPECT_EQ(test, vuicc_card_destroy(TEST_CARD), 0);
}

static void vuicc_encode_test(struct kunit *test)
{
	u8 b[10];

	KUNIT_ASSERT_EQ(test, vuicc_encode_imsi("001010000000001", b), 0);
	KUNIT_EXPECT_MEMEQ(test, b, "\x08\x09\x10\x10\x00\x00\x00\x00\x10", 9);
	/* an even number of digits: 14 */
	KUNIT_ASSERT_EQ(test, vuicc_encode_imsi("23415123456789", b), 0);
	KUNIT_EXPECT_MEMEQ(test, b, "\x08\x21\x43\x51\x21\x43\x65\x87\xF9", 9);
	KUNIT_ASSERT_EQ(test, vuicc_encode_imsi("001010", b), 0);
	KUNIT_EXPECT_MEMEQ(test, b, "\x04\x01\x10\x10\xF0\xFF\xFF\xFF\xFF", 9);
	KUNIT_EXPECT_EQ(test, vuicc_encode_imsi("00101", b), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_encode_imsi("0010100000000012", b), -EINVAL);
	KUNIT_EXPECT_EQ(test, vuicc_encode_imsi("00101A", b), -EINVAL);

	KUNIT_ASSERT_EQ(test, vuicc_encode_iccid("8988211000000000018", b), 0);
	KUNIT_EXPECT_MEMEQ(test, b, "\x98\x88\x12\x01\x00\x00\x00\x00\x10\xF8", 10);
	KUNIT_ASSERT_EQ(test, vuicc_encode_iccid("89882110000000000034", b), 0);
	KUNIT_EXPECT_MEMEQ(test, b, "\x98\x88\x12\x01\x00\x00\x00\x00\x00\x43", 10);
	KUNIT_EXPECT_EQ(test, vuicc_encode_iccid("89882110000000001", b), -EINVAL);

	vuicc_encode_plmn("001010000000001", 2, b);
	KUNIT_EXPECT_MEMEQ(test, b, "\x00\xF1\x10", 3);
	vuicc_encode_plmn("310260000000000", 3, b);
	KUNIT_EXPECT_MEMEQ(test, b, "\x13\x00\x62", 3);
}

/* Template invariants: FIDs and SFIs unique in each DF, records sane. */
static void vuicc_fs_template_test(struct kunit *test)
{
	struct vuicc_profile *p = vuicc_test_profile(test);
	struct vuicc_fs *fs = p->fs;
	struct vuicc_file *f, *g;
	unsigned int i, n_ef = 0;
	u8 path[VUICC_FILE_PATH_MAX];
	int len;

	KUNIT_ASSERT_NOT_NULL(test, fs->usim);
	for (i = 0; i < fs->n_files; i++) {
		f = &fs->files[i];
		if (f->hidden)
			continue;
		if (f->type == VUICC_FILE_EF) {
			n_ef++;
			KUNIT_EXPECT_NOT_NULL(test, f->data);
			KUNIT_EXPECT_GT(test, f->size, 0);
			if (f->structure != VUICC_EF_TRANSPARENT)
				KUNIT_EXPECT_EQ(test, f->size, f->rec_len * f->n_rec);
		}
		for (g = f->next; g; g = g->next) {
			KUNIT_EXPECT_NE_MSG(test, f->fid, g->fid, "FID %04x twice", f->fid);
			if (f->sfi && f->type == VUICC_FILE_EF)
				KUNIT_EXPECT_NE_MSG(test, f->sfi, g->sfi, "SFI %02x twice in %04x",
						    f->sfi, f->parent->fid);
		}
		/* every file is found again by its own path */
		len = vuicc_fs_path_of(f, path, sizeof(path));
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_EXPECT_PTR_EQ(test, vuicc_fs_by_path(fs, path, len), f);
	}
	KUNIT_EXPECT_GE(test, n_ef, 40u);
	vuicc_profile_free(p);
}

/* EF contents from the profile: fit, too big, not whole records, unknown. */
static void vuicc_fs_override_test(struct kunit *test)
{
	static const struct {
		const char *path;
		unsigned int path_len;
		unsigned int len;
		int err;
	} cases[] = {
		{ "\x3f\x00\x7f\xff\x6f\x7b", 6, 12, 0 },
		{ "\x3f\x00\x7f\xff\x6f\x7b", 6, 13, -EFBIG },
		{ "\x3f\x00\x7f\xff\x6f\x3c", 6, 176, 0 },
		{ "\x3f\x00\x7f\xff\x6f\x3c", 6, 100, -EINVAL },
		{ "\x3f\x00\x7f\xff\x6f\x99", 6, 1, -ENOENT },
		{ "\x3f\x00\x7f\xff", 4, 1, -ENOENT },
	};
	struct vuicc_profile *p;
	struct vuicc_fs *fs;
	unsigned int i;
	int bad;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		p = vuicc_test_profile(test);
		p->files[0] = kzalloc(struct_size(p->files[0], data, cases[i].len), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p->files[0]);
		p->n_files = 1;
		p->files[0]->path_len = cases[i].path_len;
		memcpy(p->files[0]->path, cases[i].path, p->files[0]->path_len);
		p->files[0]->len = cases[i].len;
		memset(p->files[0]->data, 0x5A, cases[i].len);
		fs = vuicc_fs_build(p, &bad);
		if (cases[i].err) {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(fs), cases[i].err, "case %u", i);
			KUNIT_EXPECT_EQ(test, bad, 0);
		} else {
			KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(fs), "case %u", i);
			vuicc_fs_free(fs);
		}
		vuicc_profile_free(p);
	}
}

/* What state-ntf and state-get carry: a cyclic EF from record 1 on. */
static void vuicc_fs_export_test(struct kunit *test)
{
	u8 data[10] = "AAABBBCCC", out[9];
	struct vuicc_file f = {
		.type = VUICC_FILE_EF, .structure = VUICC_EF_CYCLIC, .rec_len = 3,
		.n_rec = 3, .size = 9, .data = data,
	};
	unsigned int first;

	for (first = 0; first < 3; first++) {
		f.cyclic_first = first;
		vuicc_fs_export(&f, out);
		/* record n of the export is record n as READ RECORD gives it */
		KUNIT_EXPECT_MEMEQ(test, out, vuicc_fs_record(&f, 1), 3);
		KUNIT_EXPECT_MEMEQ(test, out + 3, vuicc_fs_record(&f, 2), 3);
		KUNIT_EXPECT_MEMEQ(test, out + 6, vuicc_fs_record(&f, 3), 3);
	}
	f.cyclic_first = 1;
	vuicc_fs_export(&f, out);
	KUNIT_EXPECT_MEMEQ(test, out, "BBBCCCAAA", 9);
	f.structure = VUICC_EF_LINEAR;
	vuicc_fs_export(&f, out);
	KUNIT_EXPECT_MEMEQ(test, out, "AAABBBCCC", 9);
}

/*
 * card-del removes the card it looked up: a card created meanwhile with
 * the same number (another card-del and card-new in parallel) stays.
 */
static void vuicc_card_remove_test(struct kunit *test)
{
	struct vuicc_card *old, *again, *now;

	vuicc_card_destroy(TEST_CARD);
	old = vuicc_card_create(TEST_CARD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(old));
	/* another operation: removes it and creates card TEST_CARD again */
	KUNIT_ASSERT_EQ(test, vuicc_card_destroy(TEST_CARD), 0);
	again = vuicc_card_create(TEST_CARD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	/* the first operation goes on with the card it looked up */
	KUNIT_EXPECT_EQ(test, vuicc_card_remove(old), -ENOENT);
	now = vuicc_card_lookup(TEST_CARD);
	KUNIT_EXPECT_PTR_EQ(test, now, again);
	if (now)
		vuicc_card_put(now);
	KUNIT_EXPECT_EQ(test, vuicc_card_remove(again), 0);
	KUNIT_EXPECT_EQ(test, vuicc_card_remove(again), -ENOENT);
	vuicc_card_put(again);
	vuicc_card_put(old);
}

/* One command on @card; the length of its response. */
static size_t vuicc_test_cmd(struct kunit *test, struct vuicc_card *card, const char *hex)
{
	u8 capdu[64];
	size_t n = strlen(hex) / 2;

	KUNIT_ASSERT_LE(test, n, sizeof(capdu));
	KUNIT_ASSERT_EQ(test, hex2bin(capdu, hex, n), 0);
	KUNIT_ASSERT_EQ(test, vuicc_card_transact(card, capdu, n), 0);
	return card->rsp_len;
}

/* What read() does once the response reached the user: the response goes. */
static void vuicc_test_read(struct vuicc_card *card)
{
	mutex_lock(&card->lock);
	vuicc_card_rsp_clear(card);
	mutex_unlock(&card->lock);
}

/* Card TEST_CARD afresh, with the test profile enabled, powered on. */
static struct vuicc_card *vuicc_test_card_on(struct kunit *test)
{
	struct vuicc_card *card;
	struct vuicc_atr atr;

	vuicc_card_destroy(TEST_CARD);
	card = vuicc_card_create(TEST_CARD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(card));
	KUNIT_ASSERT_EQ(test, vuicc_card_profile_add(card, vuicc_test_profile(test)), 0);
	KUNIT_ASSERT_EQ(test, vuicc_card_profile_enable(card, "kunit", 0), 0);
	KUNIT_ASSERT_EQ(test, vuicc_card_power_on(card, &atr), 0);
	return card;
}

/*
 * A response may carry RES, CK, IK or Kc: once read (vuicc_chrdev's read()
 * clears it), dropped by a reset or power-off, or the card removed, none of
 * its bytes stays in the buffer for a later, shorter answer to leave behind.
 */
static void vuicc_card_rsp_wiped_test(struct kunit *test)
{
	struct vuicc_card *card;
	struct vuicc_atr atr;
	size_t n;

	card = vuicc_test_card_on(test);

	/* read: the FCP (42 bytes), then a short answer; nothing of the FCP after it */
	vuicc_test_cmd(test, card, "00A40004023F00");
	vuicc_test_read(card);
	n = vuicc_test_cmd(test, card, "00C0000028");
	KUNIT_ASSERT_EQ(test, n, (size_t)42);
	vuicc_test_read(card);
	KUNIT_EXPECT_NULL(test, memchr_inv(card->rsp, 0, n));
	KUNIT_EXPECT_FALSE(test, card->rsp_ready);
	KUNIT_EXPECT_EQ(test, vuicc_test_cmd(test, card, "00A4000C023F00"), (size_t)2);
	KUNIT_EXPECT_NULL(test, memchr_inv(card->rsp + 2, 0, n - 2));

	/* a reset drops an unread answer, wiped */
	vuicc_test_read(card);
	vuicc_test_cmd(test, card, "00A40004023F00");
	vuicc_test_read(card);
	n = vuicc_test_cmd(test, card, "00C0000028");
	KUNIT_ASSERT_EQ(test, vuicc_card_reset(card, VUICC_RESET_COLD, &atr), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(card->rsp, 0, n));

	/* power-off too */
	vuicc_test_cmd(test, card, "00A40004023F00");
	vuicc_test_read(card);
	n = vuicc_test_cmd(test, card, "00C0000028");
	KUNIT_ASSERT_EQ(test, vuicc_card_power_off(card), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(card->rsp, 0, n));

	/* and the removal of the card, while an answer is unread */
	KUNIT_ASSERT_EQ(test, vuicc_card_power_on(card, &atr), 0);
	vuicc_test_cmd(test, card, "00A40004023F00");
	vuicc_test_read(card);
	n = vuicc_test_cmd(test, card, "00C0000028");
	KUNIT_EXPECT_EQ(test, vuicc_card_remove(card), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(card->rsp, 0, n));
	vuicc_card_put(card);
}

/*
 * An AUTHENTICATE in GSM context answers SRES and Kc behind a 61xx: they
 * wait in the session for GET RESPONSE, never in the response buffer
 * behind the status word, and not in the session once fetched.
 */
static void vuicc_card_auth_wiped_test(struct kunit *test)
{
	struct vuicc_card *card;
	size_t n;

	card = vuicc_test_card_on(test);
	vuicc_test_cmd(test, card, SEL_USIM);
	vuicc_test_read(card);
	vuicc_test_cmd(test, card, "002000010831323334FFFFFFFF");
	KUNIT_ASSERT_EQ(test, card->rsp[0], 0x90);
	vuicc_test_read(card);

	n = vuicc_test_cmd(test, card, "008800801110000102030405060708090A0B0C0D0E0F");
	KUNIT_ASSERT_EQ(test, n, (size_t)2);
	KUNIT_EXPECT_EQ(test, card->rsp[0], 0x61);
	KUNIT_EXPECT_EQ(test, card->rsp[1], 0x0E);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(card->rsp + 2, 0, VUICC_RDATA_MAX),
			      "SRES or Kc behind the status word");
	vuicc_test_read(card);
	n = vuicc_test_cmd(test, card, "00C000000E");
	KUNIT_EXPECT_EQ(test, n, (size_t)16);
	KUNIT_EXPECT_EQ(test, card->rsp[0], 0x04);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(card->session.gr, 0, sizeof(card->session.gr)),
			      "SRES or Kc left in the session after GET RESPONSE");
	vuicc_card_put(card);
	KUNIT_EXPECT_EQ(test, vuicc_card_destroy(TEST_CARD), 0);
}

static struct kunit_case vuicc_engine_test_cases[] = {
	KUNIT_CASE_PARAM(vuicc_engine_test, vuicc_engine_gen_params),
	KUNIT_CASE(vuicc_encode_test),
	KUNIT_CASE(vuicc_fs_template_test),
	KUNIT_CASE(vuicc_fs_override_test),
	KUNIT_CASE(vuicc_fs_export_test),
	KUNIT_CASE(vuicc_card_remove_test),
	KUNIT_CASE(vuicc_card_rsp_wiped_test),
	KUNIT_CASE(vuicc_card_auth_wiped_test),
	{}
};

static struct kunit_suite vuicc_engine_test_suite = {
	.name = "vuicc_engine",
	.test_cases = vuicc_engine_test_cases,
};

kunit_test_suite(vuicc_engine_test_suite);
