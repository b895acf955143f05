// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: the profile file parser, with good, bad and random input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/profile.h"
#include "../testlib.h"

static struct profile P;
static char err[PROFILE_ERR_MAX];

#define GOOD_HEAD \
	"# test\n" \
	"name = seed-1\n" \
	"kind = seed\n" \
	"role = master\n" \
	"iccid = 8988211000000000018\n" \
	"imsi = 001010000000001\n" \
	"algorithm = milenage\n" \
	"k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
#define GOOD GOOD_HEAD "opc = cd63cb71954a9f4e48a5994e37a02baf\n"

static int parse(const char *text)
{
	return profile_parse(text, strlen(text), "t.conf", &P, err, sizeof(err));
}

static void test_good_profile(void)
{
	CHECK(parse(GOOD "mnc_len = 3\nind_bits = 6\npin1 = 1234\npin1_enabled = yes\n"
		      "tariff = 0.25\nrats = lte,gsm\nplmns = 00101\n"
		      "[file ADF.USIM/EF.FPLMN]\ndata = 00f110ffffff\n"
		      "[file EF.ICCID]\n  data = 98 88 12 01 00 00 00 00 00 81  \n") == 0);
	CHECK(!strcmp(P.name, "seed-1"));
	CHECK(P.kind == VUICC_PROFILE_KIND_SEED && P.role == VUICC_PROFILE_ROLE_MASTER);
	CHECK(P.algorithm == VUICC_ALGORITHM_MILENAGE && P.k_len == 16);
	CHECK(P.op_attr == VUICC_A_OPC && P.op_len == 16 && P.op[0] == 0xcd);
	CHECK(P.mnc_len == 3 && P.ind_bits == 6 && P.pin1_enabled == 1);
	CHECK(P.has_tariff && P.tariff > 0.24 && P.tariff < 0.26);
	CHECK(P.n_files == 2);
	CHECK(P.files[0].path_len == 6 && !memcmp(P.files[0].path, "\x3f\x00\x7f\xff\x6f\x7b", 6));
	CHECK(P.files[0].len == 6);
	CHECK(P.files[1].path_len == 4 && !memcmp(P.files[1].path, "\x3f\x00\x2f\xe2", 4));
	CHECK(P.files[1].len == 10);
	profile_wipe(&P);
	CHECK(P.k[0] == 0 && P.k_len == 0);
}

static void test_other_algorithms(void)
{
	CHECK(parse("name=v\nkind=vsim\niccid=89882110000000000034\nimsi=001030000000000\n"
		    "algorithm=tuak\nk=" "abababababababababababababababab"
		    "abababababababababababababababab\n"
		    "top=5555555555555555555555555555555555555555555555555555555555555555\n"
		    "tuak_res_bits=128\ntuak_iterations=2\n") == 0);
	CHECK(P.k_len == 32 && P.op_attr == VUICC_A_TOP && P.tuak_res_bits == 128);
	CHECK(parse("name=x\nkind=seed\nrole=standby\niccid=898821100000000002\n"
		    "imsi=001020000000002\nalgorithm=xor\nk=000102030405060708090a0b0c0d0e0f\n") == 0);
	CHECK(P.algorithm == VUICC_ALGORITHM_XOR && !P.op_attr);
}

/* Each bad input, and the message it must give: file, line and key. */
static void test_errors_name_line_and_key(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "name = a\nkind = seed\nrole = master\niccid = 8988211000000000018\n"
		  "imsi = 001010000000001\nalgorithm = milenage\n"
		  "k = 465b5ce8b199b49faa5f0a2ee238a6\nopc = cd63cb71954a9f4e48a5994e37a02baf\n",
		  "t.conf:7: key 'k': 15 bytes; K is 16 bytes (32 for TUAK)" },
		{ GOOD "bogus = 1\n", "t.conf:10: key 'bogus': unknown key" },
		{ GOOD "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n", "t.conf:10: key 'k': given twice" },
		{ GOOD_HEAD "opc = cd63cb71954a9f4e48a5994e37a02b\n",
		  "t.conf:9: key 'opc': 15 bytes; opc is 16 bytes" },
		{ GOOD_HEAD "op = 00\nopc = cd63cb71954a9f4e48a5994e37a02baf\n",
		  "t.conf:9: key 'op': 1 bytes; op is 16 bytes" },
		{ GOOD "imsi2\n", "t.conf:10: not 'key = value'" },
		{ GOOD "mnc_len = 4\n", "t.conf:10: key 'mnc_len': 2 or 3" },
		{ GOOD "ind_bits = 11\n", "t.conf:10: key 'ind_bits': '11' is not a number from 0 to 10" },
		{ GOOD "pin1 = 12a4\n", "t.conf:10: key 'pin1': 4 to 8 digits" },
		{ GOOD "pin1_enabled = maybe\n", "t.conf:10: key 'pin1_enabled': 'maybe' is not yes or no" },
		{ GOOD "tariff = cheap\n", "t.conf:10: key 'tariff': 'cheap' is not a price (a number >= 0)" },
		{ GOOD "[file ADF.USIM/EF.NOPE]\ndata = 00\n", "t.conf:10: [file ADF.USIM/EF.NOPE]: not a file" },
		{ GOOD "[file EF.ICCID]\n", "t.conf:10: [file] section without 'data ='" },
		{ GOOD "[file EF.ICCID]\ndata = 0\n", "t.conf:11: key 'data': not hex" },
		{ GOOD "[file EF.ICCID]\nname = x\n", "t.conf:11: key 'name': a [file] section takes only 'data'" },
		{ GOOD "[file EF.ICCID]\ndata = 00\n[file 3F002FE2]\ndata = 00\n",
		  "t.conf:12: [file 3F002FE2]: given twice (also line 10)" },
		{ GOOD "[section]\n", "t.conf:10: sections are [file NAME]" },
		{ GOOD "iccid2 =\n", "t.conf:10: key 'iccid2': no value" },
		{ "name = a\n", "t.conf: missing key 'kind'" },
		{ GOOD_HEAD, "t.conf: milenage needs 'op' or 'opc'" },
		{ "name=a\nkind=vsim\nrole=master\niccid=8988211000000000018\nimsi=001010000000001\n"
		  "algorithm=xor\nk=000102030405060708090a0b0c0d0e0f\n",
		  "t.conf: key 'role': only seeds have a role" },
		{ "name=a\nkind=seed\niccid=8988211000000000018\nimsi=001010000000001\n"
		  "algorithm=xor\nk=000102030405060708090a0b0c0d0e0f\n",
		  "t.conf: missing key 'role' (a seed is master or standby)" },
		{ GOOD "top = 5555555555555555555555555555555555555555555555555555555555555555\n",
		  "t.conf:10: key 'top': give only one of op, opc, top and topc" },
		{ GOOD "name = x y\n", "t.conf:10: key 'name': given twice" },
		{ "name = x y\n", "t.conf:1: key 'name': use only letters, digits, '.', '_' and '-'" },
		{ GOOD "pin1_enabled = yes\n", "t.conf: pin1_enabled needs pin1" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse(cases[i].text);

		CHECK(ret == -1);
		if (strncmp(err, cases[i].want, strlen(cases[i].want))) {
			fprintf(stderr, "case %zu: got '%s'\n         want '%s'\n", i, err, cases[i].want);
			CHECK(0);
		}
		/* a failed parse leaves no key behind */
		CHECK(P.k_len == 0 && P.op_len == 0);
	}
}

/* kind = card: a physical card in a modem slot; no keys, files or SQN */
static void test_hard_card(void)
{
	static const struct {
		const char *extra;
		const char *want;
	} bad[] = {
		{ "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n",
		  "t.conf: key 'k': not for kind = card (a physical card's keys are on the card)" },
		{ "algorithm = milenage\n", "t.conf: key 'algorithm': not for kind = card" },
		{ "opc = cd63cb71954a9f4e48a5994e37a02baf\n", "t.conf: key 'opc': not for kind" },
		{ "sqn_delta = 32\n", "t.conf: key 'sqn_delta': not for kind = card" },
		{ "pin1 = 1234\n", "t.conf: key 'pin1': not for kind = card" },
		{ "[file EF.ICCID]\ndata = 98881201000000000081\n",
		  "t.conf: [file] sections are not for kind = card" },
	};
	char text[512];
	size_t i;

	CHECK(parse("name = hard-1\nkind = card\nrole = master\nslot = 2\n"
		    "iccid = 8988211000000000776\nimsi = 001010000000077\ntariff = 0.1\n"
		    "rats = lte\nplmns = 00101\n") == 0);
	CHECK(P.hard && P.slot == 2 && P.kind == VUICC_PROFILE_KIND_SEED);
	CHECK(P.role == VUICC_PROFILE_ROLE_MASTER && !P.k_len && !P.op_attr);
	CHECK(!strcmp(P.imsi, "001010000000077") && P.has_tariff);
	CHECK(parse("name = h\nkind = card\nrole = standby\nslot = 1\n") == 0);
	CHECK(P.hard && P.slot == 1 && P.role == VUICC_PROFILE_ROLE_STANDBY);
	/* a soft seed is not hard, whatever it says */
	CHECK(parse(GOOD) == 0 && !P.hard && !P.slot);
	CHECK(parse(GOOD "slot = 1\n") == -1);
	CHECK(strstr(err, "key 'slot'") != NULL);
	CHECK(parse("name = h\nkind = card\nrole = master\n") == -1);
	CHECK(strstr(err, "missing key 'slot'") != NULL);
	CHECK(parse("name = h\nkind = card\nslot = 1\n") == -1);
	CHECK(strstr(err, "missing key 'role'") != NULL);
	CHECK(parse("name = h\nkind = card\nrole = master\nslot = 0\n") == -1);
	CHECK(strstr(err, "from 1") != NULL);
	CHECK(parse("name = h\nkind = card\nrole = master\nslot = 9\n") == -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "name = h\nkind = card\nrole = master\nslot = 1\n%s",
			 bad[i].extra);
		CHECK(parse(text) == -1);
		if (!strstr(err, bad[i].want))
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, bad[i].want);
		CHECK(strstr(err, bad[i].want) != NULL);
	}
}

static void test_no_nul_and_long_lines(void)
{
	static char big[40000];

	CHECK(profile_parse("name = a\0b\n", 11, "t.conf", &P, err, sizeof(err)) == -1);
	CHECK(strstr(err, "NUL") != NULL);
	memset(big, 'a', sizeof(big) - 1);
	CHECK(parse(big) == -1);
	CHECK(strstr(err, "line longer") != NULL);
}

/* Random bytes and random mutations of a good file: the parser answers, never crashes. */
static void test_random_input(void)
{
	static char buf[4096];
	unsigned int seed = 20261123;
	const char *good = GOOD "[file EF.ICCID]\ndata = 00\n";
	size_t n, i, glen = strlen(good);
	int ok = 0, bad = 0, r;

	for (i = 0; i < 20000; i++) {
		if (i % 2) {
			n = rand_r(&seed) % sizeof(buf);
			for (size_t j = 0; j < n; j++)
				buf[j] = (char)(rand_r(&seed) % 256);
		} else {
			memcpy(buf, good, glen);
			n = glen;
			for (int m = 0; m < 1 + rand_r(&seed) % 4; m++)
				buf[rand_r(&seed) % n] = (char)(rand_r(&seed) % 128);
		}
		r = profile_parse(buf, n, "fuzz", &P, err, sizeof(err));
		if (r == 0)
			ok++;
		else
			bad++;
		CHECK(r == 0 || err[0]);
	}
	printf("# fuzz: 20000 inputs (seed 20261123): %d accepted, %d refused with a message\n", ok, bad);
	CHECK(bad > 0 && ok > 0);
}

static void test_load_and_permissions(void)
{
	char path[] = "/tmp/vuicc-profile-test-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, GOOD, strlen(GOOD)) == (ssize_t)strlen(GOOD));
	close(fd);
	chmod(path, 0600);
	CHECK(profile_load(path, &P, err, sizeof(err)) == 0);
	CHECK(!P.loose_permissions);
	chmod(path, 0644);
	CHECK(profile_load(path, &P, err, sizeof(err)) == 0);
	CHECK(P.loose_permissions);
	unlink(path);
	CHECK(profile_load(path, &P, err, sizeof(err)) == -1);
	CHECK(strstr(err, "No such file") != NULL);
	CHECK(profile_load("/tmp", &P, err, sizeof(err)) == -1);
}

static void test_ef_paths(void)
{
	uint8_t p[VUICC_FILE_PATH_MAX];
	size_t n;

	CHECK(ef_path_parse("ADF.USIM/DF.5GS/EF.SUCI_CALC_INFO", p, &n) == 0);
	CHECK(n == 8 && !memcmp(p, "\x3f\x00\x7f\xff\x5f\xc0\x4f\x07", 8));
	CHECK(ef_path_parse("MF/DF.GSM/EF.KC", p, &n) == 0);
	CHECK(n == 6 && !memcmp(p, "\x3f\x00\x7f\x20\x6f\x20", 6));
	CHECK(ef_path_parse("adf.usim/ef.imsi", p, &n) == 0);
	CHECK(ef_path_parse("3F007FFF6F07", p, &n) == 0 && n == 6);
	CHECK(ef_path_parse("EF.IMSI", p, &n) == -1);		/* not under the MF */
	CHECK(ef_path_parse("DF.GSM/EF.UST", p, &n) == -1);	/* a USIM file */
	CHECK(ef_path_parse("7FFF6F07", p, &n) == -1);
	CHECK(ef_path_parse("", p, &n) == -1);
}

int main(void)
{
	RUN(test_good_profile);
	RUN(test_other_algorithms);
	RUN(test_errors_name_line_and_key);
	RUN(test_hard_card);
	RUN(test_no_nul_and_long_lines);
	RUN(test_random_input);
	RUN(test_load_and_permissions);
	RUN(test_ef_paths);
	DONE();
}
