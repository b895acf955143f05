// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the survey dialects (agent/core/survey.c): the dialect from
 * the modem's identity; each dialect's recorded output (the manuals'
 * examples and netsim's) parsed into networks with their strongest cell;
 * malformed lines, every truncation of every good line, and random bytes,
 * none of which may give a cell with a wrong PLMN or crash.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/survey.h"
#include "../testlib.h"

static void test_dialect_of(void)
{
	CHECK(survey_dialect_of("Quectel", "RM500Q-GL") == SURVEY_QUECTEL);
	CHECK(survey_dialect_of("QUECTEL", "RG502Q-EA") == SURVEY_QUECTEL);
	CHECK(survey_dialect_of("Quectel", "EG25") == SURVEY_NONE);	/* no +QSCAN */
	CHECK(survey_dialect_of("Telit", "LE910C1-EU") == SURVEY_TELIT);
	CHECK(survey_dialect_of("u-blox", "SARA-R510M8S") == SURVEY_UBLOX);
	CHECK(survey_dialect_of("u-blox", "SARA-U260") == SURVEY_UBLOX);
	CHECK(survey_dialect_of("u-blox", "SARA-R410M-02B") == SURVEY_NONE);
	CHECK(survey_dialect_of("SIMCOM INCORPORATED", "SIMCOM_SIM7600E") == SURVEY_NONE);
	CHECK(survey_dialect_of("", "") == SURVEY_NONE);
	CHECK(survey_dialect_of(NULL, "x") == SURVEY_NONE);
	CHECK(!strcmp(survey_command(SURVEY_TELIT), "AT#CSURV") && !survey_command(SURVEY_NONE));
	CHECK(survey_abortable(SURVEY_UBLOX) && !survey_abortable(SURVEY_QUECTEL));
	CHECK(survey_timeout_ms(SURVEY_QUECTEL) == 360000);
}

struct want {
	const char *plmn;
	int act;
	int32_t dbm;
	uint32_t tac, ci;
};

static int collect(enum survey_dialect d, const char *const *text, unsigned int n,
		   struct at_scan_entry *e, unsigned int *bad)
{
	static char lines[AT_INFO_MAX][AT_LINE_MAX + 1];
	unsigned int i;

	for (i = 0; i < n && i < AT_INFO_MAX; i++)
		snprintf(lines[i], sizeof(lines[i]), "%s", text[i]);
	return survey_collect(d, (const char (*)[AT_LINE_MAX + 1])lines, n, e, AT_SCAN_MAX, bad);
}

static bool has(const struct at_scan_entry *e, int n, const struct want *w)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].numeric, w->plmn) && e[i].act == w->act)
			return e[i].dbm == w->dbm && e[i].tac == w->tac && e[i].ci == w->ci &&
			       e[i].stat == 1;
	return false;
}

/* Quectel RG50xQ/RM5xxQ Network Application Note 3.2.5, its examples */
static void test_quectel(void)
{
	static const char *const out[] = {
		"+QSCAN: \"LTE\",460,00,3590,207,-128,-13,-1,115,848459E,550B,50,8",
		"+QSCAN: \"LTE\",460,11,1850,378,-135,-20,-7,109,DD8A33F,691D,100,3",
		"+QSCAN: \"LTE\",460,00,1300,55,-101,-10,20,115,848459F,550B,100,3",
		"+QSCAN: \"NR5G\",460,00,504990,901,-95,-11,26,1,170C23000,46550B,273,41,30,6,1",
		"+QSCAN:\"LTE\",001,01,100,1,-97,-13,43,116,1A2D001,1,100,1",
		"+QSCAN: \"LTE\",-,-,633984,441,-99,-14,-,0,-,-,-,-",
		"+QSCAN: \"LTE\",313,340,5230,12,-,-12,5,20",
		"+QSCAN: \"LTE\",460,0,3590",			/* truncated */
		"+QSCAN: \"GSM\",460,00,3590,207,-128,-13,-1,115",	/* not a QSCAN RAT */
	};
	static const struct want w[] = {
		{ "46000", 7, -101, 0x550B, 0x848459F },	/* the stronger of two */
		{ "46011", 7, -135, 0x691D, 0xDD8A33F },
		{ "00101", 7, -97, 0x1, 0x1A2D001 },
		{ "313340", 7, INT32_MIN, 0, 0 },		/* level not read: unknown */
	};
	struct at_scan_entry e[AT_SCAN_MAX];
	unsigned int bad, i;
	int n = collect(SURVEY_QUECTEL, out, sizeof(out) / sizeof(out[0]), e, &bad);

	CHECK(n == 4 && bad == 2);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		CHECK(has(e, n, &w[i]));
}

/* Telit AT#CSURV, text form (GM862, LE910 V2 AT references; ME910 LTE) */
static void test_telit(void)
{
	static const char *const out[] = {
		"Network survey started ...",
		"arfcn: 48 bsic: 24 rxLev: -52 ber: 0.00 mcc: 610 mnc: 1 lac: 33281 cellId: 3648 "
		"cellStatus: CELL_SUITABLE numArfcn: 2 arfcn: 30 48 numChannels: 5 array: 14 19 22 48 82",
		"arfcn: 14 rxLev: -108",
		"arfcn: 22 bsic: 11 rxLev: -90 ber: 0.00 mcc: 610 mnc: 01 lac: 33281 cellId: 3649 "
		"cellStatus: CELL_LOW_LEVEL numArfcn: 0",
		"uarfcn: 10737 rxLev: -65 mcc: 222 mnc: 10 scr code: 5 cellId: 27401 lac: 257 "
		"cellStatus: CELL_SUITABLE rscp: -78 ecio: -8.5",
		"earfcn: 6400 rxLev: -58 mcc: 310 mnc: 260 cellId: 101 tac: 11544 cellIdentity: 50896642 "
		"cellStatus: CELL_SUITABLE rsrp: -103 rsrq: -15",
		"earfcn: 5110 rxLev: 0 mcc: 222 mnc: 1 cellid: 4 tac: 9 cellIdentity: 7 rsrp: 0.00 rsrq: 0.00",
		"Network survey ended",
		"earfcn: 6400 rxLev: -58 mcc: 310",			/* truncated */
		"uarfcn: 10737 rxLev: high mcc: 222 mnc: 10",		/* bad number */
		"66786,-68,310,260,50896642,11544,236,0,-103,-15,20",	/* #CSURVC, not asked */
	};
	static const struct want w[] = {
		{ "61001", 0, -52, 33281, 3648 },
		{ "22210", 2, -78, 257, 27401 },
		{ "310260", 7, -103, 11544, 101 },
		{ "22201", 7, INT32_MIN, 9, 0 },	/* rsrp 0.00: not measured */
	};
	struct at_scan_entry e[AT_SCAN_MAX];
	unsigned int bad, i;
	int n = collect(SURVEY_TELIT, out, sizeof(out) / sizeof(out[0]), e, &bad);

	if (n != 4 || bad != 3)
		fprintf(stderr, "telit: %d networks, %u malformed\n", n, bad);
	CHECK(n == 4 && bad == 3);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		CHECK(has(e, n, &w[i]));
}

/* u-blox AT+COPS=5 (ubxlib's SARA-R5 example; SARA-U2 2G and 3G lines) */
static void test_ublox(void)
{
	static const char *const out[] = {
		"MCC:222, MNC:88, TAC:562c, CI:57367043, DLF: 1325, ULF:19325, PCI:163, RSRP LEV:25, "
		"RSRQ LEV:1",
		"MCC:222, MNC:10, LAC:61d1, CI:ffff, BSIC:3f, Arfcn:00104, RxLev:037",
		"MCC:222, MNC:1, LAC:61d1, CI:5a1, DLF:10737, ULF:9787, SC:5, RSCP LEV:40, ECN0 LEV:30",
		"mcc:1, mnc:1, tac:c3, ci:1a2b301, dlf: 1, ulf:2, pci:3, rsrp lev:56, rsrq lev:20",
		"MCC:222, MNC:88, TAC:562c, CI:57367043, DLF: 1325",	/* truncated: no level */
		"MCC:222, MNC:10, LAC:61d1, CI:ffff, RxLev:fff",	/* out of range */
		"MCC:2222, MNC:10, RSRP LEV:20",
	};
	static const struct want w[] = {
		{ "22288", 7, 25 - 141, 0x562c, 0x57367043 },
		{ "22210", 0, 0x37 - 110, 0x61d1, 0xffff },
		{ "22201", 2, 40 - 121, 0x61d1, 0x5a1 },
		{ "00101", 7, 56 - 141, 0xc3, 0x1a2b301 },
	};
	struct at_scan_entry e[AT_SCAN_MAX];
	unsigned int bad, i;
	int n = collect(SURVEY_UBLOX, out, sizeof(out) / sizeof(out[0]), e, &bad);

	CHECK(n == 4 && bad == 3);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		CHECK(has(e, n, &w[i]));
}

/* Every prefix of every good line: a cell only with the right PLMN. */
static void test_truncations(void)
{
	static const struct {
		enum survey_dialect d;
		const char *line, *plmn;
	} good[] = {
		{ SURVEY_QUECTEL, "+QSCAN: \"LTE\",460,00,3590,207,-128,-13,-1,115,848459E,550B,50,8",
		  "46000" },
		{ SURVEY_TELIT, "uarfcn: 10737 rxLev: -65 mcc: 222 mnc: 10 scr code: 5 cellId: 27401 "
		  "lac: 257 cellStatus: CELL_SUITABLE rscp: -78 ecio: -8.5", "22210" },
		{ SURVEY_UBLOX, "MCC:222, MNC:88, TAC:562c, CI:57367043, DLF: 1325, ULF:19325, "
		  "PCI:163, RSRP LEV:25, RSRQ LEV:1", "22288" },
	};
	unsigned int i, wrong = 0, cells = 0;
	size_t k;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char b[AT_LINE_MAX + 1];
		struct survey_cell c;

		CHECK(survey_parse_line(good[i].d, good[i].line, &c) == 1);
		for (k = 0; k < strlen(good[i].line); k++) {
			snprintf(b, sizeof(b), "%.*s", (int)k, good[i].line);
			if (survey_parse_line(good[i].d, b, &c) == 1) {
				cells++;
				/* a cut inside the PLMN would give another network */
				if (strcmp(c.plmn, good[i].plmn))
					wrong++;
			}
		}
	}
	printf("# truncations: %u prefixes still gave a cell, %u with a wrong PLMN\n", cells, wrong);
	CHECK(wrong == 0);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random and mutated lines: no crash (ASan), every cell sane. */
static void test_fuzz(void)
{
	static const char *const seeds[] = {
		"+QSCAN: \"LTE\",460,00,3590,207,-128,-13,-1,115,848459E,550B,50,8",
		"arfcn: 48 bsic: 24 rxLev: -52 ber: 0.00 mcc: 610 mnc: 1 lac: 33281 cellId: 3648",
		"MCC:222, MNC:10, LAC:61d1, CI:ffff, BSIC:3f, Arfcn:00104, RxLev:037",
	};
	unsigned long rounds = getenv("VUICC_SURVEY_FUZZ_COUNT") ?
			       strtoul(getenv("VUICC_SURVEY_FUZZ_COUNT"), NULL, 10) : 200000;
	unsigned long i, cells = 0, insane = 0;

	for (i = 0; i < rounds; i++) {
		char b[AT_LINE_MAX + 1];
		enum survey_dialect d = (enum survey_dialect)(1 + rnd() % 3);
		struct survey_cell c;
		size_t n, k;

		snprintf(b, sizeof(b), "%s", seeds[rnd() % 3]);
		n = strlen(b);
		for (k = rnd() % 6; k > 0; k--) {
			size_t at = rnd() % (n + 1);

			switch (rnd() % 4) {
			case 0: if (n) b[at < n ? at : n - 1] = (char)(rnd() % 256 ?: 1); break;
			case 1: n = at; b[n] = 0; break;
			case 2: if (n < AT_LINE_MAX) { memmove(b + at + 1, b + at, n - at + 1);
					b[at] = ",: -\"0"[rnd() % 6]; n++; } break;
			default: memmove(b + at, b + at + (at < n), n - at); n -= at < n; break;
			}
		}
		if (survey_parse_line(d, b, &c) == 1) {
			cells++;
			if (strlen(c.plmn) < 5 || strlen(c.plmn) > 6 ||
			    strspn(c.plmn, "0123456789") != strlen(c.plmn) ||
			    (c.act != 0 && c.act != 2 && c.act != 7) ||
			    (c.dbm != INT32_MIN && (c.dbm < -200 || c.dbm > 0)))
				insane++;
		}
	}
	printf("# fuzz: %lu lines, %lu gave a cell, %lu insane\n", rounds, cells, insane);
	CHECK(insane == 0 && cells > 0);
}

int main(void)
{
	RUN(test_dialect_of);
	RUN(test_quectel);
	RUN(test_telit);
	RUN(test_ublox);
	RUN(test_truncations);
	RUN(test_fuzz);
	DONE();
}
