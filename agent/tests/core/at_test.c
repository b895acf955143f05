// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the AT client (agent/core/at.c): recorded transcripts
 * (agent/tests/core/at_transcripts, format in its README) replayed whole, a
 * byte at a time and in random chunks; the parsers with good, bad and edge
 * values; re-entrant callbacks; and a fuzz loop of random and mutated
 * input in which every command must end exactly once.
 *
 *   at_test [TRANSCRIPT_DIR]
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/at.h"
#include "../testlib.h"

#define EV_MAX 256
#define EV_LEN 700

static char ev[EV_MAX][EV_LEN];
static unsigned int n_ev;
static bool fail_writes;

static void add_ev(const char *kind, const char *text)
{
	if (n_ev < EV_MAX)
		snprintf(ev[n_ev++], EV_LEN, "%s %.640s", kind, text);
}

static int on_write(void *arg, const char *data, size_t len)
{
	char cmd[AT_CMD_MAX + 2];

	if (fail_writes)
		return -1;
	if (len == 0 || len > AT_CMD_MAX + 1 || data[len - 1] != '\r') {
		add_ev("sent", "(malformed)");
		return 0;
	}
	memcpy(cmd, data, len - 1);
	cmd[len - 1] = 0;
	add_ev("sent", cmd);
	return 0;
}

static void on_urc(void *arg, const char *line)
{
	add_ev("urc", line);
}

static const char *result_name(const struct at_response *r, char *b, size_t len)
{
	static const char *const n[] = { "OK", "ERROR", "CME", "CMS", "TIMEOUT", "CANCELLED" };

	if (r->result == AT_R_CME || r->result == AT_R_CMS)
		snprintf(b, len, "%s %d", n[r->result], r->cme);
	else
		snprintf(b, len, "%s", n[r->result]);
	return b;
}

static void on_done(void *arg, const char *cmd, const struct at_response *r)
{
	char res[32];
	unsigned int i;

	for (i = 0; i < r->n; i++)
		add_ev("info", r->info[i]);
	result_name(r, res, sizeof(res));
	if (n_ev < EV_MAX)
		snprintf(ev[n_ev++], EV_LEN, "done %.640s %s", cmd, res);
}

/* "\r", "\n", "\xNN", "\\" */
static size_t unescape(const char *s, char *out)
{
	size_t o = 0;
	unsigned int x;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'r') {
			out[o++] = '\r';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'n') {
			out[o++] = '\n';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &x) == 1) {
			out[o++] = (char)x;
			s += 4;
		} else if (s[0] == '\\' && s[1] == '\\') {
			out[o++] = '\\';
			s += 2;
		} else {
			out[o++] = *s++;
		}
	}
	return o;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* mode 0: each "<" whole; 1: a byte at a time; 2: random chunks */
static void feed(struct at_client *c, const char *b, size_t n, int mode, uint64_t now)
{
	size_t i = 0, k;

	while (i < n) {
		k = mode == 0 ? n - i : mode == 1 ? 1 : 1 + rnd() % 7;
		if (k > n - i)
			k = n - i;
		at_feed(c, b + i, k, now);
		i += k;
	}
}

static unsigned long stat_of(const struct at_stats *s, const char *name)
{
	if (!strcmp(name, "sent"))
		return s->sent;
	if (!strcmp(name, "ok"))
		return s->ok;
	if (!strcmp(name, "errors"))
		return s->errors;
	if (!strcmp(name, "timeouts"))
		return s->timeouts;
	if (!strcmp(name, "urcs"))
		return s->urcs;
	if (!strcmp(name, "garbage"))
		return s->garbage;
	if (!strcmp(name, "echoes"))
		return s->echoes;
	return ULONG_MAX;
}

static int replay(const char *path, int mode)
{
	const struct at_ops ops = { .write = on_write, .urc = on_urc };
	static char want[EV_MAX][EV_LEN];
	char line[8192], buf[8192];
	unsigned int n_want = 0, i;
	struct at_client *c = at_new(&ops);
	uint64_t now = 1000;
	int bad = 0;
	FILE *f = fopen(path, "r");

	n_ev = 0;
	if (!f || !c) {
		fprintf(stderr, "%s: cannot open\n", path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "<< ", 3)) {
			feed(c, buf, unescape(line + 3, buf), mode, now);
		} else if (!strncmp(line, "<", 1)) {
			size_t n = unescape(line[1] ? line + 2 : "", buf);

			memcpy(buf + n, "\r\n", 2);
			feed(c, buf, n + 2, mode, now);
		} else if (!strncmp(line, "> ", 2)) {
			char cmd[AT_CMD_MAX + 1], prefix[32] = "-";
			unsigned int ms = 0;
			char *p;

			if (sscanf(line + 2, "%600s %31s", cmd, prefix) < 1)
				bad++;
			p = strstr(line, " ms=");
			if (p)
				ms = (unsigned int)strtoul(p + 4, NULL, 10);
			if (at_send(c, cmd, strcmp(prefix, "-") ? prefix : NULL, ms, on_done, NULL,
				    now))
				bad++;
		} else if (!strncmp(line, "+ ", 2)) {
			now += strtoull(line + 2, NULL, 10);
			at_tick(c, now);
		} else if (!strncmp(line, "= ", 2)) {
			if (n_want < EV_MAX)
				snprintf(want[n_want++], EV_LEN, "%.690s", line + 2);
		} else if (!strncmp(line, "stats ", 6)) {
			continue;	/* checked against the end state below */
		} else if (line[0] && line[0] != '#') {
			fprintf(stderr, "%s: bad line: %.60s\n", path, line);
			bad++;
		}
	}
	fclose(f);
	/* the stats line, against the end state */
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *tok, *save, *eq;

		if (strncmp(line, "stats ", 6))
			continue;
		line[strcspn(line, "\n")] = 0;
		for (tok = strtok_r(line + 6, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			eq = strchr(tok, '=');
			if (eq && stat_of(at_stats(c), (*eq = 0, tok)) != strtoul(eq + 1, NULL, 10)) {
				fprintf(stderr, "%s (mode %d): stats %s is %lu, not %s\n", path, mode,
					tok, stat_of(at_stats(c), tok), eq + 1);
				bad++;
			}
		}
	}
	if (f)
		fclose(f);
	for (i = 0; i < n_want || i < n_ev; i++) {
		const char *w = i < n_want ? want[i] : "(nothing)";
		const char *g = i < n_ev ? ev[i] : "(nothing)";

		if (strcmp(w, g)) {
			fprintf(stderr, "%s (mode %d): event %u: want '%.80s', got '%.80s'\n", path,
				mode, i, w, g);
			bad++;
			break;
		}
	}
	at_free(c);
	return bad;
}

static char tdir[PATH_MAX];

static void test_transcripts(void)
{
	struct dirent *de;
	unsigned int files = 0;
	char path[PATH_MAX + 256];
	DIR *d = opendir(tdir);
	int mode;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tdir, de->d_name);
		files++;
		for (mode = 0; mode < 3; mode++)
			CHECK(replay(path, mode) == 0);
		for (mode = 0; mode < 50; mode++)	/* more random splits */
			if (replay(path, 2)) {
				CHECK(!"a random split changed the outcome");
				break;
			}
	}
	closedir(d);
	printf("# %u transcripts, each whole, byte by byte and in 51 random splits\n", files);
	CHECK(files >= 4);
}

static void test_parse_reg(void)
{
	struct at_reg r;

	CHECK(at_parse_reg("+CEREG: 3,3,\"0101\",\"00000005\",7,0,11", &r) == 0);
	CHECK(!strcmp(r.domain, "CEREG") && r.n == 3 && r.stat == 3 && r.lac_tac == 0x101 &&
	      r.ci == 5 && r.act == 7 && r.cause_type == 0 && r.reject_cause == 11);
	CHECK(at_parse_reg("+CEREG: 3,\"0101\",\"00000005\",7,0,15", &r) == 0);
	CHECK(r.n == -1 && r.stat == 3 && r.reject_cause == 15);
	CHECK(at_parse_reg("+CEREG: 1", &r) == 0 && r.n == -1 && r.stat == 1 && r.act == -1);
	CHECK(at_parse_reg("+CEREG: 0,4", &r) == 0 && r.n == 0 && r.stat == 4);
	CHECK(at_parse_reg("+CGREG: 3,3,\"00C3\",\"01A2B301\",7,\"00\",0,14", &r) == 0);
	CHECK(r.stat == 3 && r.act == 7 && r.reject_cause == 14);	/* rac skipped */
	CHECK(at_parse_reg("+CREG: 2,5,\"0202\",\"00000007\",2", &r) == 0);
	CHECK(r.stat == 5 && r.lac_tac == 0x202 && r.act == 2 && r.reject_cause == -1);
	CHECK(at_parse_reg("+CEREG: 12", &r) == -1);		/* no such stat */
	CHECK(at_parse_reg("+CEREG: x,1", &r) == -1);
	CHECK(at_parse_reg("+CEREG: 2,1,\"zz\",\"1\",7", &r) == -1);
	CHECK(at_parse_reg("+CEREG: 2,1,\"0101", &r) == -1);	/* unterminated */
	CHECK(at_parse_reg("+COPS: 0", &r) == -1);
	CHECK(at_parse_reg("CEREG: 1", &r) == -1);
	CHECK(at_parse_reg("+CEREG:", &r) == -1);
}

static void test_parse_signal(void)
{
	struct at_signal s;

	CHECK(at_parse_cesq("+CESQ: 99,99,255,255,20,56", &s) == 0);
	CHECK(s.rssi_dbm == INT32_MIN && s.rscp_dbm == INT32_MIN && s.rsrq_db10 == -100 &&
	      s.rsrp_dbm == -85);
	CHECK(at_parse_cesq("+CESQ: 0,0,0,0,0,0", &s) == 0);
	CHECK(s.rssi_dbm == -111 && s.rscp_dbm == -121 && s.rsrq_db10 == -200 &&
	      s.rsrp_dbm == -141);
	CHECK(at_parse_cesq("+CESQ: 63,7,96,49,34,97", &s) == 0);
	CHECK(s.rssi_dbm == -48 && s.rscp_dbm == -25 && s.rsrq_db10 == -30 && s.rsrp_dbm == -44);
	CHECK(at_parse_cesq("+CESQ: 64,99,97,255,35,98", &s) == 0);	/* out of range: unknown */
	CHECK(s.rssi_dbm == INT32_MIN && s.rscp_dbm == INT32_MIN &&
	      s.rsrq_db10 == INT32_MIN && s.rsrp_dbm == INT32_MIN);
	CHECK(at_parse_cesq("+CESQ: 99,99,255,255,20", &s) == -1);
	CHECK(at_parse_cesq("+CESQ: 99,99,255,255,20,56,1", &s) == -1);
	CHECK(at_parse_cesq("+CESQ: 99,99,255,255,20,-1", &s) == -1);
	CHECK(at_parse_cesq("+CESQ: 99,99,255,255,20,256", &s) == -1);
	CHECK(at_parse_csq("+CSQ: 20,99", &s) == 0 && s.rssi_dbm == -73 &&
	      s.rsrp_dbm == INT32_MIN);
	CHECK(at_parse_csq("+CSQ: 0,0", &s) == 0 && s.rssi_dbm == -113);
	CHECK(at_parse_csq("+CSQ: 31,0", &s) == 0 && s.rssi_dbm == -51);
	CHECK(at_parse_csq("+CSQ: 99,99", &s) == 0 && s.rssi_dbm == INT32_MIN);
	CHECK(at_parse_csq("+CSQ: 100,99", &s) == -1);
	CHECK(at_parse_csq("+CSQ: 20", &s) == -1);
}

static void test_parse_other(void)
{
	/* +WS46=? (TS 27.007 5.9): lists, ranges, the NG-RAN values, bad input */
	CHECK(at_parse_ws46("+WS46: (12,22,25)") == 7);
	CHECK(at_parse_ws46("+WS46: (28)") == AT_RAT_BIT(AT_RAT_LTE));
	CHECK(at_parse_ws46("+WS46: (12,22,25,28-31)") == 7);
	CHECK(at_parse_ws46("+WS46: (29)") == 3);
	CHECK(at_parse_ws46("+WS46: (36)") == 0);	/* NG-RAN only: none of ours */
	CHECK(at_parse_ws46("+WS46: (37,40)") == (AT_RAT_BIT(AT_RAT_LTE) | AT_RAT_BIT(AT_RAT_UMTS)));
	CHECK(at_parse_ws46("+WS46: (12,") == -1);
	CHECK(at_parse_ws46("+WS46: (12") == -1);
	CHECK(at_parse_ws46("+WS46: (31-29)") == -1);
	CHECK(at_parse_ws46("+WS46: 12") == -1);
	CHECK(at_parse_ws46("+WS46: (12)x") == -1);
	CHECK(at_parse_ws46("+CGMI: (12)") == -1);

	struct at_scan_entry e[AT_SCAN_MAX];
	struct at_cops o;
	char addr[64], pin[32];
	uint8_t b[8];
	int cid;

	CHECK(at_parse_cops("+COPS: 0,2,\"00101\",7", &o) == 0);
	CHECK(o.mode == 0 && o.format == 2 && !strcmp(o.oper, "00101") && o.act == 7);
	CHECK(at_parse_cops("+COPS: 0", &o) == 0 && o.mode == 0 && o.format == -1 && !o.oper[0]);
	CHECK(at_parse_cops("+COPS: 5", &o) == -1);
	CHECK(at_parse_cops("+COPS: 0,2,\"0123456789012345678901234567890123\"", &o) == -1);
	CHECK(at_parse_cops_scan("+COPS: (2,\"VuiccTest\",\"Vuicc\",\"00101\",7),"
				 "(3,\"Other\",\"O\",\"00102\",2),,(0,1,2,3,4),(0,1,2)", e,
				 AT_SCAN_MAX) == 2);
	CHECK(e[0].stat == 2 && !strcmp(e[0].numeric, "00101") && e[0].act == 7 &&
	      !strcmp(e[0].short_name, "Vuicc") && e[1].stat == 3 && e[1].act == 2);
	CHECK(at_parse_cops_scan("+COPS: (1,\"A\",\"A\",\"00101\")", e, AT_SCAN_MAX) == 1 &&
	      e[0].act == -1);
	CHECK(at_parse_cops_scan("+COPS: ,,(0-4),(0-2)", e, AT_SCAN_MAX) == 0);
	CHECK(at_parse_cops_scan("+COPS: (1,\"A\",\"A\",\"00101\",7),(1,\"B\",\"B\",\"00102\",7)",
				 e, 1) == -1);	/* more than fits */
	CHECK(at_parse_cops_scan("+COPS: (1,\"A\",\"A\",\"00101\",7", e, AT_SCAN_MAX) == -1);
	CHECK(at_parse_cgpaddr("+CGPADDR: 1,\"10.64.0.2\"", &cid, addr, sizeof(addr)) == 0);
	CHECK(cid == 1 && !strcmp(addr, "10.64.0.2"));
	CHECK(at_parse_cgpaddr("+CGPADDR: 1", &cid, addr, sizeof(addr)) == 0 && !addr[0]);
	CHECK(at_parse_cgpaddr("+CGPADDR: 1,\"2001:db8::1\"", &cid, addr, sizeof(addr)) == 0);
	CHECK(at_parse_cgpaddr("+CGPADDR: 1,\"10.0.0.1;rm\"", &cid, addr, sizeof(addr)) == -1);
	CHECK(at_parse_cgpaddr("+CGPADDR: 1,\"10.64.0.2\"", &cid, addr, 5) == -1);
	CHECK(at_parse_csim("+CSIM: 4,\"6128\"", b, sizeof(b)) == 2 && b[0] == 0x61 &&
	      b[1] == 0x28);
	CHECK(at_parse_csim("+CSIM: 6,\"6128\"", b, sizeof(b)) == -1);	/* length differs */
	CHECK(at_parse_csim("+CSIM: 3,\"612\"", b, sizeof(b)) == -1);
	CHECK(at_parse_csim("+CSIM: 4,\"61G8\"", b, sizeof(b)) == -1);
	CHECK(at_parse_csim("+CSIM: 18,\"000000000000000000\"", b, sizeof(b)) == -1);
	CHECK(at_parse_cpin("+CPIN: READY", pin, sizeof(pin)) == 0 && !strcmp(pin, "READY"));
	CHECK(at_parse_cpin("+CPIN: SIM PIN", pin, sizeof(pin)) == 0 && !strcmp(pin, "SIM PIN"));
	CHECK(at_parse_cpin("+CPIN: ", pin, sizeof(pin)) == -1);
	{
		const char *f[4];
		char buf[64];

		CHECK(at_fields("+X: a,\"b,c\",d", buf, sizeof(buf), f, 4) == 3 &&
		      !strcmp(f[1], "b,c") && !strcmp(f[2], "d"));
		CHECK(at_fields("+X: a,\"b", buf, sizeof(buf), f, 4) == -1);
		CHECK(at_fields("+X: 1,2,3,4,5", buf, sizeof(buf), f, 4) == -1);
	}
}

/* ---- callbacks that send and reset ---- */

static struct at_client *reent;
static unsigned int chain;

static void chain_done(void *arg, const char *cmd, const struct at_response *r)
{
	on_done(arg, cmd, r);
	if (++chain < 3)
		at_send(reent, "AT+NEXT", NULL, 0, chain_done, NULL, 0);
}

static void reset_done(void *arg, const char *cmd, const struct at_response *r)
{
	on_done(arg, cmd, r);
	if (r->result == AT_R_OK)
		at_reset(reent);
}

static void test_reentrant(void)
{
	const struct at_ops ops = { .write = on_write, .urc = on_urc };

	n_ev = 0;
	chain = 0;
	reent = at_new(&ops);
	CHECK(at_send(reent, "AT", NULL, 0, chain_done, NULL, 0) == 0);
	at_feed(reent, "\r\nOK\r\n", 6, 0);
	at_feed(reent, "OK\r", 3, 0);
	at_feed(reent, "\nOK\n", 4, 0);
	CHECK(n_ev == 6 && !strcmp(ev[0], "sent AT") && !strcmp(ev[2], "sent AT+NEXT") &&
	      !strcmp(ev[5], "done AT+NEXT OK"));
	CHECK(!at_busy(reent));
	/* at_reset() from a callback cancels the rest, each once */
	n_ev = 0;
	at_send(reent, "AT+A", NULL, 0, reset_done, NULL, 0);
	at_send(reent, "AT+B", NULL, 0, reset_done, NULL, 0);
	at_send(reent, "AT+C", NULL, 0, reset_done, NULL, 0);
	at_feed(reent, "OK\r\n", 4, 0);
	CHECK(n_ev == 4 && !strcmp(ev[1], "done AT+A OK") && !strcmp(ev[2], "done AT+B CANCELLED") &&
	      !strcmp(ev[3], "done AT+C CANCELLED"));
	CHECK(!at_busy(reent) && at_deadline(reent) == UINT64_MAX);
	/* a failed write ends the command, and the next is tried */
	n_ev = 0;
	fail_writes = true;
	at_send(reent, "AT+W", NULL, 0, on_done, NULL, 0);
	fail_writes = false;
	CHECK(n_ev == 1 && !strcmp(ev[0], "done AT+W ERROR"));
	/* limits */
	{
		char big[AT_CMD_MAX + 2];
		int i, full = 0;

		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		CHECK(at_send(reent, big, NULL, 0, on_done, NULL, 0) == -1);
		CHECK(at_send(reent, "AT\rAT", NULL, 0, on_done, NULL, 0) == -1);
		for (i = 0; i < AT_QUEUE_MAX + 2; i++)
			full += at_send(reent, "AT", NULL, 0, on_done, NULL, 0) == -1;
		CHECK(full == 2);
		at_reset(reent);
	}
	at_free(reent);
}

static void feeds(struct at_client *c, const char *s, uint64_t now)
{
	at_feed(c, s, strlen(s), now);
}

/* at_abort(): one CR sent; the final code ends the command CANCELLED with
 * its lines; no final code in AT_ABORT_MS is a timeout; the queue goes on */
static void test_abort(void)
{
	const struct at_ops ops = { .write = on_write, .urc = on_urc };
	struct at_client *c = at_new(&ops);

	n_ev = 0;
	CHECK(at_abort(c, 0) == -1);		/* nothing in flight */
	at_send(c, "AT+COPS=5", NULL, 300000, on_done, NULL, 0);
	at_send(c, "AT+CSQ", "+CSQ:", 0, on_done, NULL, 0);
	feeds(c, "\r\nMCC:1, MNC:1, TAC:c3\r\n", 10);
	CHECK(at_abort(c, 100) == 0);
	CHECK(at_abort(c, 100) == -1);		/* once */
	CHECK(at_deadline(c) == 100 + AT_ABORT_MS);
	CHECK(n_ev == 2 && !strcmp(ev[1], "sent "));	/* the bare CR */
	feeds(c, "\r\nABORTED\r\n", 200);
	CHECK(n_ev == 5 && !strcmp(ev[2], "info MCC:1, MNC:1, TAC:c3") &&
	      !strcmp(ev[3], "done AT+COPS=5 CANCELLED") && !strcmp(ev[4], "sent AT+CSQ"));
	/* an abort the modem ignores: a timeout after AT_ABORT_MS, not the command's */
	n_ev = 0;
	feeds(c, "\r\n+CSQ: 20,99\r\nOK\r\n", 300);
	at_send(c, "AT+COPS=?", "+COPS:", 300000, on_done, NULL, 400);
	CHECK(at_abort(c, 500) == 0);
	at_tick(c, 500 + AT_ABORT_MS - 1);
	CHECK(at_busy(c));
	at_tick(c, 500 + AT_ABORT_MS);
	CHECK(n_ev >= 2 && !strcmp(ev[n_ev - 1], "done AT+COPS=? TIMEOUT") && !at_busy(c));
	at_free(c);
}

/*
 * A secret command (AT+CPIN="<pin>"): the modem gets it whole, the done
 * callback only "AT+CPIN=<hidden>", and its echo is recognised as one.
 */
static void test_secret(void)
{
	const struct at_ops ops = { .write = on_write, .urc = on_urc };
	struct at_client *c = at_new(&ops);
	char code[16];
	int n;
	unsigned int i;

	n_ev = 0;
	CHECK(at_send_secret(c, "AT+CPIN=\"73915064\"", "+CPIN:", 0, on_done, NULL, 0) == 0);
	CHECK(n_ev == 1 && !strcmp(ev[0], "sent AT+CPIN=\"73915064\""));
	feeds(c, "AT+CPIN=\"73915064\"\r\r\n+CME ERROR: 16\r\n", 10);
	CHECK(n_ev == 2 && !strcmp(ev[1], "done AT+CPIN=<hidden> CME 16"));
	CHECK(at_stats(c)->echoes == 1);
	/* cancelled while queued: hidden too */
	at_send(c, "AT", NULL, 0, on_done, NULL, 20);
	at_send_secret(c, "AT+CPIN=\"73915064\"", "+CPIN:", 0, on_done, NULL, 20);
	at_reset(c);
	for (i = 0; i < n_ev; i++)
		CHECK(!strstr(ev[i], "done") || !strstr(ev[i], "73915064"));
	CHECK(!strcmp(ev[n_ev - 1], "done AT+CPIN=<hidden> CANCELLED"));
	/* timed out */
	n_ev = 0;
	at_send_secret(c, "AT+CPIN=1234", NULL, 100, on_done, NULL, 30);
	at_tick(c, 200);
	CHECK(n_ev == 2 && !strcmp(ev[1], "done AT+CPIN=<hidden> TIMEOUT"));
	at_free(c);

	CHECK(at_parse_cpinr("+CPINR: SIM PIN,2,3", code, sizeof(code), &n) == 0 &&
	      !strcmp(code, "SIM PIN") && n == 2);
	CHECK(at_parse_cpinr("+CPINR: \"SIM PUK\",10", code, sizeof(code), &n) == 0 &&
	      !strcmp(code, "SIM PUK") && n == 10);
	CHECK(at_parse_cpinr("+CPINR: SIM PIN,x,3", code, sizeof(code), &n) == -1);
	CHECK(at_parse_cpinr("+CPINR: SIM PIN", code, sizeof(code), &n) == -1);
	CHECK(at_parse_cpinr("+CPINR: ,1", code, sizeof(code), &n) == -1);
	CHECK(at_parse_cpinr("+CPINR: SIM PIN,-1,3", code, sizeof(code), &n) == -1);
	CHECK(at_parse_cpinr("+CPINR: A VERY LONG CODE NAME,1", code, sizeof(code), &n) == -1);
	CHECK(at_parse_cpinr("+CPIN: READY", code, sizeof(code), &n) == -1);
}

/*
 * The owner frees the client from a done callback (vuiccd closes a modem
 * whose initialisation failed): the rest of the input, the queue and the
 * timer are not touched (ASan sees any use of the freed client).  On the
 * old client the soak's slave died with "malloc(): mismatching
 * next->prev_size" and its link to the master closed: the stall of issue 17.
 */
static struct at_client *freed_in_cb;

static void free_done(void *arg, const char *cmd, const struct at_response *r)
{
	on_done(arg, cmd, r);
	if (r->result != AT_R_OK) {
		at_reset(freed_in_cb);
		at_free(freed_in_cb);
	}
}

static void test_free_from_callback(void)
{
	const struct at_ops ops = { .write = on_write, .urc = on_urc };

	n_ev = 0;
	freed_in_cb = at_new(&ops);
	at_send(freed_in_cb, "AT+CIMI", NULL, 0, free_done, NULL, 0);
	at_send(freed_in_cb, "AT", NULL, 0, free_done, NULL, 0);
	at_send(freed_in_cb, "AT+CSQ", NULL, 0, free_done, NULL, 0);
	/* the error, then lines that would have ended the next commands */
	feeds(freed_in_cb, "\r\n+CME ERROR: 10\r\n\r\nOK\r\n\r\n+CEREG: 1\r\nOK\r\n", 0);
	CHECK(n_ev == 4 && !strcmp(ev[1], "done AT+CIMI CME 10") &&
	      !strcmp(ev[2], "done AT CANCELLED") && !strcmp(ev[3], "done AT+CSQ CANCELLED"));
	/* the same through the timer */
	n_ev = 0;
	freed_in_cb = at_new(&ops);
	at_send(freed_in_cb, "AT", NULL, 100, free_done, NULL, 0);
	at_send(freed_in_cb, "AT+CSQ", NULL, 0, free_done, NULL, 0);
	at_tick(freed_in_cb, 100);
	CHECK(n_ev == 3 && !strcmp(ev[1], "done AT TIMEOUT") &&
	      !strcmp(ev[2], "done AT+CSQ CANCELLED"));
}

/* ---- fuzz: every command ends exactly once, nothing overflows ---- */

static unsigned long fz_sent, fz_done;

static void fz_done_fn(void *arg, const char *cmd, const struct at_response *r)
{
	fz_done++;
	if (r->n > AT_INFO_MAX || strlen(r->final) > AT_LINE_MAX)
		fz_done += 1000000;	/* fails the check below */
}

static int fz_write(void *arg, const char *d, size_t n)
{
	return rnd() % 50 ? 0 : -1;
}

static void fz_urc(void *arg, const char *l)
{
	if (strlen(l) > AT_LINE_MAX || strchr(l, '\r') || strchr(l, '\n'))
		fz_done += 1000000;
}

static void test_fuzz(void)
{
	static const char *const pieces[] = {
		"OK", "ERROR", "+CME ERROR: 10", "+CME ERROR: x", "+CMS ERROR: 5", "NO CARRIER",
		"+CEREG: 1", "+CEREG: 3,1,\"00C3\",\"1\",7", "+CEREG: 3,\"", "RING", "+CGEV: NW DETACH",
		"+CSQ: 20,99", "+CESQ: 1,2,3,4,5,6", "AT+CSQ", "AT", "\r", "\n", "\r\n", "\"", ",",
		"^X", "", "+COPS: (1,\"A\",\"B\",\"00101\",7),,(0-4)",
	};
	static const char *const cmds[] = { "AT", "AT+CSQ", "AT+CEREG?", "AT+CESQ", "AT+COPS=?" };
	static const char *const prefixes[] = { NULL, "+CSQ:", "+CEREG:", "+CESQ:", "+COPS:" };
	const struct at_ops ops = { .write = fz_write, .urc = fz_urc };
	const char *env = getenv("VUICC_AT_FUZZ");
	unsigned long rounds = env ? strtoul(env, NULL, 0) : 200000, i;
	struct at_client *c = at_new(&ops);
	uint64_t now = 0;
	char buf[64];
	size_t j, n;

	fz_sent = fz_done = 0;
	for (i = 0; i < rounds; i++) {
		unsigned int k = (unsigned int)(rnd() % 5);

		if (rnd() % 4 == 0 && !at_send(c, cmds[k], prefixes[k], 1 + rnd() % 5000,
						 fz_done_fn, NULL, now))
			fz_sent++;
		if (rnd() % 3) {
			const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];

			at_feed(c, p, strlen(p), now);
		} else {
			n = rnd() % sizeof(buf);
			for (j = 0; j < n; j++)
				buf[j] = (char)rnd();
			at_feed(c, buf, n, now);
		}
		now += rnd() % 200;
		if (rnd() % 8 == 0)
			at_tick(c, now);
		if (rnd() % 5000 == 0)
			at_reset(c);
	}
	at_reset(c);
	CHECK(!at_busy(c));
	CHECK(fz_sent == fz_done);
	printf("# fuzz: %lu rounds, %lu commands, each ended once; %lu URCs, %lu garbage lines\n",
	       rounds, fz_sent, at_stats(c)->urcs, at_stats(c)->garbage);
	at_free(c);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		snprintf(tdir, sizeof(tdir), "%s", argv[1]);
	} else {
		const char *slash = strrchr(__FILE__, '/');

		snprintf(tdir, sizeof(tdir), "%.*s/at_transcripts",
			 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	}
	RUN(test_transcripts);
	RUN(test_parse_reg);
	RUN(test_parse_signal);
	RUN(test_parse_other);
	RUN(test_reentrant);
	RUN(test_abort);
	RUN(test_secret);
	RUN(test_free_from_callback);
	RUN(test_fuzz);
	DONE();
}
