// SPDX-License-Identifier: GPL-2.0
/*
 * Network surveys of modem families (survey.h).  Each parser follows one
 * manual; what each reads is in Documentation/admin-guide/vuiccd.rst,
 * "Where A1 comes from".
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "survey.h"

static const struct {
	const char *name, *cmd, *prefix;
	unsigned int timeout_ms;
	bool abortable;
} dialects[SURVEY_N] = {
	[SURVEY_NONE] = { "generic", NULL, NULL, 0, false },
	/* Quectel RG50xQ/RM5xxQ Network Application Note, 3.2.5: LTE only,
	 * with the cell id and TAC; maximum response time 360 s */
	[SURVEY_QUECTEL] = { "quectel", "AT+QSCAN=1,1", "+QSCAN:", 360000, false },
	/* Telit AT reference (GM862 80000ST10025a 3.5.7.x, LE910 V2
	 * 80446ST10707A): text form, all bands of #BND; "max. 2 minutes" */
	[SURVEY_TELIT] = { "telit", "AT#CSURV", NULL, 180000, false },
	/* u-blox SARA-U2/G3 and SARA-R5 AT manuals, +COPS=5 extended network
	 * search: abortable by any character ("ABORTED") */
	[SURVEY_UBLOX] = { "ublox", "AT+COPS=5", NULL, 360000, true },
};

enum survey_dialect survey_dialect_of(const char *manufacturer, const char *model)
{
	if (!manufacturer || !model)
		return SURVEY_NONE;
	/* +QSCAN is in the manuals of Quectel's 5G modules (RG50xQ, RM5xxQ);
	 * the LTE-only families (EC2x, EG25, BG95) have none */
	if (strcasestr(manufacturer, "quectel"))
		return !strncasecmp(model, "RG5", 3) || !strncasecmp(model, "RM5", 3) ?
		       SURVEY_QUECTEL : SURVEY_NONE;
	if (strcasestr(manufacturer, "telit"))
		return SURVEY_TELIT;
	/* +COPS=5: SARA-U2, SARA-G3 and SARA-R5; not SARA-R4 */
	if (strcasestr(manufacturer, "u-blox"))
		return !strncasecmp(model, "SARA-U2", 7) || !strncasecmp(model, "SARA-G3", 7) ||
		       !strncasecmp(model, "SARA-R5", 7) ? SURVEY_UBLOX : SURVEY_NONE;
	return SURVEY_NONE;
}

const char *survey_dialect_name(enum survey_dialect d)
{
	return d < SURVEY_N ? dialects[d].name : "?";
}

const char *survey_command(enum survey_dialect d)
{
	return d < SURVEY_N ? dialects[d].cmd : NULL;
}

const char *survey_prefix(enum survey_dialect d)
{
	return d < SURVEY_N ? dialects[d].prefix : NULL;
}

unsigned int survey_timeout_ms(enum survey_dialect d)
{
	return d < SURVEY_N ? dialects[d].timeout_ms : 0;
}

unsigned int survey_rats(enum survey_dialect d)
{
	/* +QSCAN=1: LTE; #CSURV and +COPS=5: all three; +COPS=?: every RAT */
	return d == SURVEY_QUECTEL ? AT_RAT_BIT(AT_RAT_LTE) :
	       AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE);
}

bool survey_abortable(enum survey_dialect d)
{
	return d < SURVEY_N && dialects[d].abortable;
}

/* ---- helpers ---- */

static bool digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);

	return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

static bool dec(const char *s, long long lo, long long hi, long long *v)
{
	char *e;

	while (*s == ' ')
		s++;
	if (!*s || (!isdigit((unsigned char)*s) && *s != '-'))
		return false;
	*v = strtoll(s, &e, 10);
	while (*e == ' ')
		e++;
	return !*e && *v >= lo && *v <= hi;
}

/* a decimal that may carry a fraction ("-8.50"): its whole part */
static bool dec_frac(const char *s, long long lo, long long hi, long long *v)
{
	char b[24];
	const char *dot = strchr(s, '.');

	if (!dot)
		return dec(s, lo, hi, v);
	if ((size_t)(dot - s) >= sizeof(b) || strspn(dot + 1, "0123456789") != strlen(dot + 1))
		return false;
	memcpy(b, s, (size_t)(dot - s));
	b[dot - s] = 0;
	return dec(b, lo, hi, v);
}

static bool hex32(const char *s, uint32_t *v)
{
	char *e;
	unsigned long long x;

	while (*s == ' ')
		s++;
	if (!*s || strlen(s) > 9 || !isxdigit((unsigned char)*s))
		return false;
	x = strtoull(s, &e, 16);
	if (*e)
		return false;
	*v = (uint32_t)x;	/* an NR cell id (36 bits) keeps its low 32 */
	return true;
}

static bool plmn_of(const char *mcc, const char *mnc, char *out)
{
	if (!digits(mcc, 3, 3) || !digits(mnc, 1, 3))
		return false;
	/* a one-digit MNC as some firmwares print "1": two digits */
	memcpy(out, mcc, 3);
	if (strlen(mnc) == 1) {
		out[3] = '0';
		memcpy(out + 4, mnc, 2);
	} else {
		memcpy(out + 3, mnc, strlen(mnc) + 1);
	}
	return true;
}

static void cell_init(struct survey_cell *c)
{
	memset(c, 0, sizeof(*c));
	c->act = -1;
	c->dbm = INT32_MIN;
}

/* ---- Quectel +QSCAN ---- */

/*
 * +QSCAN: "LTE",<MCC>,<MNC>,<freq>,<PCI>,<RSRP>,<RSRQ>,<srxlev>,<squal>
 *         [,<cellID>,<TAC>,<bandwidth>,<LTE_band>[,<short_name>,<full_name>]]
 * RSRP in dBm; cell id and TAC in hex; any field may be "-" when the
 * modem could not read it.  NR5G lines carry a RAT outside ours.
 */
static int parse_quectel(const char *line, struct survey_cell *c)
{
	const char *f[20];
	char buf[AT_LINE_MAX + 1];
	long long v;
	int n;

	if (strncmp(line, "+QSCAN:", 7))
		return -1;
	n = at_fields(line, buf, sizeof(buf), f, 20);
	if (n < 1)
		return -1;
	if (!strcmp(f[0], "NR5G"))
		return n >= 9 ? 0 : -1;
	if (strcmp(f[0], "LTE") || (n != 9 && n != 13 && n != 15))
		return -1;
	if (!strcmp(f[1], "-") || !strcmp(f[2], "-"))
		return 0;	/* a cell whose network was not decoded */
	if (!plmn_of(f[1], f[2], c->plmn))
		return -1;
	c->act = 7;
	if (strcmp(f[5], "-")) {
		if (!dec(f[5], -160, -20, &v))
			return -1;
		c->dbm = (int32_t)v;
	}
	if (n >= 13) {
		if (strcmp(f[9], "-") && !hex32(f[9], &c->ci))
			return -1;
		if (strcmp(f[10], "-") && !hex32(f[10], &c->tac))
			return -1;
	}
	return 1;
}

/* ---- Telit #CSURV (text) ---- */

/* The value after "label: " in a #CSURV record, copied to @out. */
static bool label(const char *line, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	const char *p = line, *e;

	for (;;) {
		p = strstr(p, name);
		if (!p)
			return false;
		/* a whole label: at the start or after a space, and a colon after it */
		if ((p == line || p[-1] == ' ') && p[nl] == ':')
			break;
		p += nl;
	}
	p += nl + 1;
	while (*p == ' ')
		p++;
	e = strchr(p, ' ');
	if (!e)
		e = p + strlen(p);
	if (e == p || (size_t)(e - p) >= len)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	return true;
}

/*
 * GSM BCCH carrier: "arfcn: A bsic: B rxLev: R ber: E mcc: C mnc: N lac: L
 *   cellId: I cellStatus: S ..." (rxLev in dBm; mcc/mnc the PLMN's digits;
 *   lac and cellId decimal with #CSURVF=0, the default)
 * GSM other carrier: "arfcn: A rxLev: R" (no network: not a cell)
 * UMTS: "uarfcn: U rxLev: R mcc: C mnc: N scr code: S cellId: I lac: L
 *   cellStatus: S rscp: P ecio: E" (rscp in dBm)
 * LTE: "earfcn: E rxLev: R mcc: C mnc: N cellId: I tac: T ... rsrp: P rsrq: Q"
 * "Network survey started ..." and "Network survey ended" frame them.
 */
static int parse_telit(const char *line, struct survey_cell *c)
{
	char mcc[8], mnc[8], v[24];
	long long x;
	int rat;

	if (!strncmp(line, "Network survey", 14))
		return 0;
	if (!strncmp(line, "arfcn:", 6))
		rat = 0;
	else if (!strncmp(line, "uarfcn:", 7))
		rat = 2;
	else if (!strncmp(line, "earfcn:", 7))
		rat = 7;
	else
		return -1;
	if (!label(line, "rxLev", v, sizeof(v)) || !dec_frac(v, -140, 0, &x))
		return -1;
	c->dbm = (int32_t)x;
	if (!label(line, "mcc", mcc, sizeof(mcc)))
		return strstr(line, "mnc:") ? -1 : 0;	/* a carrier with no BCCH */
	if (!label(line, "mnc", mnc, sizeof(mnc)) || !plmn_of(mcc, mnc, c->plmn))
		return -1;
	/* a record cut after its MNC would name another network: every form
	 * has its area or cell after the MNC */
	if (!strstr(strstr(line, "mnc:"), "lac:") && !strstr(line, "tac:") &&
	    !strstr(line, "cellId:"))
		return -1;
	c->act = rat;
	if (rat == 2 && label(line, "rscp", v, sizeof(v))) {
		if (!dec_frac(v, -140, 0, &x))
			return -1;
		c->dbm = (int32_t)x;
	}
	if (rat == 7 && label(line, "rsrp", v, sizeof(v))) {
		if (!dec_frac(v, -160, 0, &x))
			return -1;
		/* ME310/ME910 firmwares print 0.00 when they did not measure it */
		c->dbm = x ? (int32_t)x : INT32_MIN;
	}
	if (label(line, rat == 7 ? "tac" : "lac", v, sizeof(v))) {
		if (!dec(v, 0, 0xFFFFFF, &x))
			return -1;
		c->tac = (uint32_t)x;
	}
	if (label(line, "cellId", v, sizeof(v))) {
		if (!dec(v, 0, 0xFFFFFFFFLL, &x))
			return -1;
		c->ci = (uint32_t)x;
	}
	return 1;
}

/* ---- u-blox +COPS=5 ---- */

/* The value of "key:" in a "KEY:value, KEY:value" line (case-insensitive). */
static bool key(const char *line, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	const char *p = line, *e;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!strncasecmp(p, name, nl) && p[nl] == ':')
			break;
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	p += nl + 1;
	while (*p == ' ')
		p++;
	e = strchr(p, ',');
	if (!e)
		e = p + strlen(p);
	while (e > p && e[-1] == ' ')
		e--;
	if (e == p || (size_t)(e - p) >= len)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	return true;
}

/*
 * 2G: "MCC:222, MNC:10, LAC:61d1, CI:ffff, BSIC:3f, Arfcn:00104, RxLev:037"
 *   (RxLev the TS 45.008 RXLEV, printed in hex like LAC and CI: dBm = -110 + v)
 * 3G: "MCC:..., MNC:..., LAC:..., CI:..., DLF:..., ULF:..., SC:..., RSCP LEV:n,
 *   ECN0 LEV:n" (TS 25.133 RSCP level: dBm = -121 + n)
 * 4G: "MCC:222, MNC:88, TAC:562c, CI:57367043, DLF: 1325, ULF:19325, PCI:163,
 *   RSRP LEV:25, RSRQ LEV:1" (TS 36.133 RSRP level: dBm = -141 + n)
 */
static int parse_ublox(const char *line, struct survey_cell *c)
{
	char mcc[8], mnc[8], v[24], pad[8];
	uint32_t h;
	long long x;

	if (!key(line, "MCC", mcc, sizeof(mcc)) || !key(line, "MNC", mnc, sizeof(mnc)))
		return -1;
	/* printed as decimal numbers ("MCC:1, MNC:1" for 001 01): the MCC's
	 * leading zeros put back; a two-digit MNC below 10 cannot be told from
	 * a three-digit one below 100, so it is taken as two digits */
	if (!digits(mcc, 1, 3) || !digits(mnc, 1, 3))
		return -1;
	snprintf(pad, sizeof(pad), "%03ld", strtol(mcc, NULL, 10));
	if (!plmn_of(pad, mnc, c->plmn))
		return -1;
	if (key(line, "RSRP LEV", v, sizeof(v))) {
		if (!dec(v, 0, 97, &x))
			return -1;
		c->act = 7;
		c->dbm = (int32_t)(x - 141);
		if (key(line, "TAC", v, sizeof(v)) && !hex32(v, &c->tac))
			return -1;
	} else if (key(line, "RSCP LEV", v, sizeof(v))) {
		if (!dec(v, 0, 91, &x))
			return -1;
		c->act = 2;
		c->dbm = (int32_t)(x - 121);
	} else if (key(line, "RxLev", v, sizeof(v))) {
		if (!hex32(v, &h) || h > 63)
			return -1;
		c->act = 0;
		c->dbm = (int32_t)h - 110;
	} else {
		return -1;
	}
	if (c->act != 7 && key(line, "LAC", v, sizeof(v)) && !hex32(v, &c->tac))
		return -1;
	if (key(line, "CI", v, sizeof(v)) && !hex32(v, &c->ci))
		return -1;
	return 1;
}

int survey_parse_line(enum survey_dialect d, const char *line, struct survey_cell *c)
{
	cell_init(c);
	switch (d) {
	case SURVEY_QUECTEL:
		return parse_quectel(line, c);
	case SURVEY_TELIT:
		return parse_telit(line, c);
	case SURVEY_UBLOX:
		return parse_ublox(line, c);
	default:
		return -1;
	}
}

/* A1's normalisation (policy.h), so "strongest" means what the ranking means */
static double level(int act, int32_t dbm)
{
	if (dbm == INT32_MIN)
		return -1;
	return pol_signal_norm(act >= 7 ? POL_RAT_LTE : act >= 2 ? POL_RAT_UMTS : POL_RAT_GSM, dbm);
}

int survey_collect(enum survey_dialect d, const char (*lines)[AT_LINE_MAX + 1], unsigned int n,
		   struct at_scan_entry *e, int max, unsigned int *bad)
{
	unsigned int i, nbad = 0;
	int k, out = 0;

	for (i = 0; i < n; i++) {
		struct survey_cell c;
		int r = survey_parse_line(d, lines[i], &c);

		if (r < 0)
			nbad++;
		if (r <= 0)
			continue;
		for (k = 0; k < out; k++)
			if (!strcmp(e[k].numeric, c.plmn) && e[k].act == c.act)
				break;
		if (k == out) {
			if (out == max)
				continue;	/* more networks than kept: the first ones */
			memset(&e[k], 0, sizeof(e[k]));
			e[k].stat = 1;
			e[k].act = c.act;
			e[k].dbm = INT32_MIN;
			snprintf(e[k].numeric, sizeof(e[k].numeric), "%s", c.plmn);
			out++;
		}
		if (e[k].dbm == INT32_MIN || level(c.act, c.dbm) > level(e[k].act, e[k].dbm)) {
			e[k].dbm = c.dbm;
			e[k].tac = c.tac;
			e[k].ci = c.ci;
		}
	}
	if (bad)
		*bad = nbad;
	return out;
}
