// SPDX-License-Identifier: GPL-2.0
/*
 * The AT client of vuiccd's modem backend: line splitting, echo, final
 * result codes, URCs, a command queue with timeouts, and the parsers of
 * the information responses the backend uses (see at.h).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"

struct at_cmd {
	char text[AT_CMD_MAX + 1];
	bool secret;			/* at_send_secret(): text is wiped, never shown */
	char prefix[24];
	bool has_prefix;
	unsigned int timeout_ms;
	at_done_fn done;
	void *arg;
};

struct at_client {
	struct at_ops ops;
	struct at_cmd q[AT_QUEUE_MAX];
	unsigned int head, n;		/* q[head] is in flight when busy */
	bool busy;
	bool aborting;			/* at_abort() on the command in flight */
	uint64_t deadline;
	struct at_response rsp;
	char line[AT_LINE_MAX + 1];
	size_t len;
	bool overflow, bad;		/* the current line is garbage */
	struct at_stats st;
	unsigned int depth;		/* in a done callback */
	unsigned int entered;		/* in at_feed/at_tick/at_send/at_abort */
	bool doomed;			/* at_free() from inside: freed on the way out */
};

/*
 * What the done callback is given of @cmd: its text, or for a secret one
 * the text up to '=' and "<hidden>" ("AT+CPIN=<hidden>").
 */
static const char *shown(const struct at_cmd *cmd, char *buf, size_t size)
{
	size_t n;

	if (!cmd->secret)
		return cmd->text;
	n = strcspn(cmd->text, "=");
	snprintf(buf, size, "%.*s=<hidden>", (int)n, cmd->text);
	return buf;
}

/* Forgets a secret command's text: the queue slot and a copy of it. */
static void wipe_cmd(struct at_cmd *slot, struct at_cmd *copy)
{
	if (!copy->secret)
		return;
	explicit_bzero(slot->text, sizeof(slot->text));
	explicit_bzero(copy->text, sizeof(copy->text));
}

/* Entry points count themselves, so at_free() from a callback (the owner
 * closing the modem on an error) frees the client only when the outermost
 * one returns; until then nothing more is sent or delivered. */
static void enter(struct at_client *c)
{
	c->entered++;
}

static void leave(struct at_client *c)
{
	if (!--c->entered && c->doomed)
		free(c);
}

struct at_client *at_new(const struct at_ops *ops)
{
	struct at_client *c = calloc(1, sizeof(*c));

	if (c)
		c->ops = *ops;
	return c;
}

void at_free(struct at_client *c)
{
	if (!c)
		return;
	if (c->entered) {
		c->doomed = true;
		c->n = 0;
		c->busy = false;
		return;
	}
	free(c);
}

static void start_next(struct at_client *c, uint64_t now);

/* Ends the command in flight with @r and sends the next. */
static void finish(struct at_client *c, enum at_result r, uint64_t now)
{
	struct at_cmd *slot = &c->q[c->head];
	struct at_cmd cmd = *slot;
	char b[AT_CMD_MAX + 16];

	wipe_cmd(slot, slot);
	c->busy = false;
	if (c->aborting && r != AT_R_TIMEOUT)
		r = AT_R_CANCELLED;
	c->aborting = false;
	c->head = (c->head + 1) % AT_QUEUE_MAX;
	c->n--;
	c->rsp.result = r;
	if (r == AT_R_OK)
		c->st.ok++;
	else if (r == AT_R_TIMEOUT)
		c->st.timeouts++;
	else if (r != AT_R_CANCELLED)
		c->st.errors++;
	c->depth++;
	if (cmd.done)
		cmd.done(cmd.arg, shown(&cmd, b, sizeof(b)), &c->rsp);
	c->depth--;
	wipe_cmd(&cmd, &cmd);
	if (!c->busy && !c->doomed)
		start_next(c, now);
}

static void start_next(struct at_client *c, uint64_t now)
{
	struct at_cmd *cmd;
	char buf[AT_CMD_MAX + 2];
	size_t n;
	int rc;

	while (!c->busy && c->n && !c->doomed) {
		cmd = &c->q[c->head];
		memset(&c->rsp, 0, sizeof(c->rsp));
		c->rsp.cme = -1;
		c->busy = true;
		c->deadline = now + cmd->timeout_ms;
		n = strlen(cmd->text);
		memcpy(buf, cmd->text, n);
		buf[n++] = '\r';
		c->st.sent++;
		rc = c->ops.write(c->ops.arg, buf, n);
		explicit_bzero(buf, sizeof(buf));	/* a secret command's text */
		if (rc) {
			snprintf(c->rsp.final, sizeof(c->rsp.final), "write failed");
			finish(c, AT_R_ERROR, now);
			return;		/* finish() went on with the queue */
		}
	}
}

static int queue(struct at_client *c, const char *cmd, const char *prefix,
		 unsigned int timeout_ms, at_done_fn done, void *arg, uint64_t now_ms,
		 bool secret)
{
	struct at_cmd *q;

	if (c->doomed || c->n >= AT_QUEUE_MAX || strlen(cmd) > AT_CMD_MAX || strchr(cmd, '\r') ||
	    (prefix && strlen(prefix) >= sizeof(q->prefix)))
		return -1;
	q = &c->q[(c->head + c->n) % AT_QUEUE_MAX];
	memset(q, 0, sizeof(*q));
	strcpy(q->text, cmd);
	if (prefix) {
		strcpy(q->prefix, prefix);
		q->has_prefix = true;
	}
	q->secret = secret;
	q->timeout_ms = timeout_ms ? timeout_ms : AT_TIMEOUT_DEF;
	q->done = done;
	q->arg = arg;
	c->n++;
	if (!c->busy && !c->depth) {
		enter(c);
		start_next(c, now_ms);
		leave(c);
	}
	return 0;
}

int at_send(struct at_client *c, const char *cmd, const char *prefix,
	    unsigned int timeout_ms, at_done_fn done, void *arg, uint64_t now_ms)
{
	return queue(c, cmd, prefix, timeout_ms, done, arg, now_ms, false);
}

int at_send_secret(struct at_client *c, const char *cmd, const char *prefix,
		   unsigned int timeout_ms, at_done_fn done, void *arg, uint64_t now_ms)
{
	return queue(c, cmd, prefix, timeout_ms, done, arg, now_ms, true);
}

static bool starts(const char *l, const char *p)
{
	return !strncmp(l, p, strlen(p));
}

static const char *const reg_prefixes[] = { "+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:" };
static const char *const urc_prefixes[] = {
	"+CGEV:", "+CIEV:", "RING", "+CRING:", "+CUSD:", "+CMTI:",
};

bool at_is_urc(const char *line)
{
	size_t i;

	for (i = 0; i < sizeof(reg_prefixes) / sizeof(reg_prefixes[0]); i++)
		if (starts(line, reg_prefixes[i]))
			return true;
	for (i = 0; i < sizeof(urc_prefixes) / sizeof(urc_prefixes[0]); i++)
		if (starts(line, urc_prefixes[i]))
			return true;
	return false;
}

/* A +CxREG line while the read of the same domain is in flight: a URC when
 * it has one field, or its second field is quoted (read answers start with n). */
static bool reg_line_is_urc(const char *line)
{
	const char *p = strchr(line, ':');

	if (!p)
		return true;
	p = strchr(p, ',');
	if (!p)
		return true;
	while (*++p == ' ')
		;
	return *p == '"';
}

static int final_code(const char *l, int *cme)
{
	static const char *const other[] = {
		"ERROR", "NO CARRIER", "NO DIALTONE", "BUSY", "NO ANSWER", "CONNECT",
		"ABORTED",	/* u-blox: a command aborted by a character */
	};
	size_t i;

	if (!strcmp(l, "OK"))
		return AT_R_OK;
	if (starts(l, "+CME ERROR:") || starts(l, "+CMS ERROR:")) {
		const char *v = l + 11;
		char *end;
		long x;

		while (*v == ' ')
			v++;
		x = strtol(v, &end, 10);
		*cme = end != v && !*end && x >= 0 && x <= 65535 ? (int)x : -1;
		return l[3] == 'E' ? AT_R_CME : AT_R_CMS;
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (!strcmp(l, other[i]) || (i == 5 && starts(l, "CONNECT ")))
			return AT_R_ERROR;
	return -1;
}

static void take_line(struct at_client *c, const char *l, uint64_t now)
{
	struct at_cmd *cmd = c->busy ? &c->q[c->head] : NULL;
	int r, cme = -1;

	if (cmd && !strcmp(l, cmd->text)) {
		c->st.echoes++;
		if (cmd->secret && l == c->line)
			explicit_bzero(c->line, sizeof(c->line));
		return;
	}
	if (cmd) {
		r = final_code(l, &cme);
		if (r >= 0) {
			snprintf(c->rsp.final, sizeof(c->rsp.final), "%s", l);
			c->rsp.cme = cme;
			finish(c, (enum at_result)r, now);
			return;
		}
	}
	if (at_is_urc(l)) {
		bool response = cmd && cmd->has_prefix && starts(l, cmd->prefix);
		size_t i;

		for (i = 0; response && i < sizeof(reg_prefixes) / sizeof(reg_prefixes[0]); i++)
			if (starts(l, reg_prefixes[i]))
				response = !reg_line_is_urc(l);
		if (!response) {
			c->st.urcs++;
			if (c->ops.urc)
				c->ops.urc(c->ops.arg, l);
			return;
		}
	}
	if (cmd && (!cmd->has_prefix || starts(l, cmd->prefix))) {
		if (c->rsp.n < AT_INFO_MAX)
			strcpy(c->rsp.info[c->rsp.n++], l);
		return;
	}
	/* a late answer after a timeout, a vendor line, noise */
	c->st.garbage++;
}

void at_feed(struct at_client *c, const char *data, size_t len, uint64_t now_ms)
{
	size_t i;

	enter(c);
	for (i = 0; i < len && !c->doomed; i++) {
		char ch = data[i];

		if (ch == '\r' || ch == '\n') {
			if (c->overflow || c->bad)
				c->st.garbage++;
			else if (c->len) {
				c->line[c->len] = 0;
				take_line(c, c->line, now_ms);
			}
			c->len = 0;
			c->overflow = c->bad = false;
			continue;
		}
		if ((unsigned char)ch < 0x20 && ch != '\t')
			c->bad = true;
		if (c->len >= AT_LINE_MAX) {
			c->overflow = true;
			continue;
		}
		c->line[c->len++] = ch;
	}
	leave(c);
}

void at_tick(struct at_client *c, uint64_t now_ms)
{
	enter(c);
	if (c->busy && now_ms >= c->deadline) {
		snprintf(c->rsp.final, sizeof(c->rsp.final), "timeout");
		finish(c, AT_R_TIMEOUT, now_ms);
	}
	leave(c);
}

int at_abort(struct at_client *c, uint64_t now_ms)
{
	if (!c->busy || c->aborting)
		return -1;
	c->aborting = true;
	if (c->deadline > now_ms + AT_ABORT_MS)
		c->deadline = now_ms + AT_ABORT_MS;
	enter(c);
	if (c->ops.write(c->ops.arg, "\r", 1)) {
		snprintf(c->rsp.final, sizeof(c->rsp.final), "write failed");
		finish(c, AT_R_ERROR, now_ms);
	}
	leave(c);
	return 0;
}

uint64_t at_deadline(const struct at_client *c)
{
	return c->busy ? c->deadline : UINT64_MAX;
}

void at_reset(struct at_client *c)
{
	enter(c);
	c->aborting = false;
	c->len = 0;
	c->overflow = c->bad = false;
	while (c->n) {
		if (!c->busy) {
			memset(&c->rsp, 0, sizeof(c->rsp));
			c->rsp.cme = -1;
			c->busy = true;
		}
		c->depth++;		/* no sending from here */
		{
			struct at_cmd cmd = c->q[c->head];
			char b[AT_CMD_MAX + 16];

			wipe_cmd(&c->q[c->head], &c->q[c->head]);
			c->busy = false;
			c->head = (c->head + 1) % AT_QUEUE_MAX;
			c->n--;
			c->rsp.result = AT_R_CANCELLED;
			if (cmd.done)
				cmd.done(cmd.arg, shown(&cmd, b, sizeof(b)), &c->rsp);
			wipe_cmd(&cmd, &cmd);
		}
		c->depth--;
	}
	c->busy = false;
	leave(c);
}

bool at_busy(const struct at_client *c)
{
	return c->busy || c->n;
}

const struct at_stats *at_stats(const struct at_client *c)
{
	return &c->st;
}

/* ---- parsers ---- */

int at_fields(const char *line, char *buf, size_t buflen, const char **f, int max)
{
	const char *p = strchr(line, ':');
	size_t o = 0;
	bool q = false;
	int n = 0;

	p = p ? p + 1 : line;
	while (*p == ' ')
		p++;
	if (!buflen || max < 1)
		return -1;
	f[n++] = buf;
	for (; *p; p++) {
		if (o + 2 > buflen)
			return -1;
		if (*p == '"') {
			q = !q;
			continue;
		}
		if (*p == ',' && !q) {
			buf[o++] = 0;
			if (n == max)
				return -1;
			f[n++] = buf + o;
			continue;
		}
		buf[o++] = *p;
	}
	if (q)
		return -1;
	buf[o] = 0;
	return n;
}

static bool num(const char *s, long lo, long hi, long *v)
{
	char *e;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s) && *s != '-')
		return false;
	*v = strtol(s, &e, 10);
	while (*e == ' ')
		e++;
	return !*e && *v >= lo && *v <= hi;
}

static bool hex(const char *s, unsigned long hi, uint32_t *v)
{
	char *e;
	unsigned long x;

	if (!*s || strlen(s) > 8 || !isxdigit((unsigned char)*s))
		return false;
	x = strtoul(s, &e, 16);
	if (*e || x > hi)
		return false;
	*v = (uint32_t)x;
	return true;
}

int at_parse_reg(const char *line, struct at_reg *r)
{
	const char *f[10], *colon = strchr(line, ':');
	char buf[AT_LINE_MAX + 1];
	int n, i = 0, lac_i;
	long x;

	memset(r, 0, sizeof(*r));
	r->n = r->act = r->cause_type = r->reject_cause = -1;
	if (!colon || line[0] != '+' || colon - line - 1 >= (long)sizeof(r->domain))
		return -1;
	memcpy(r->domain, line + 1, (size_t)(colon - line - 1));
	if (strcmp(r->domain, "CREG") && strcmp(r->domain, "CGREG") &&
	    strcmp(r->domain, "CEREG") && strcmp(r->domain, "C5GREG"))
		return -1;
	n = at_fields(line, buf, sizeof(buf), f, 10);
	if (n < 1)
		return -1;
	if (!reg_line_is_urc(line)) {
		if (!num(f[0], 0, 5, &x))
			return -1;
		r->n = (int)x;
		i = 1;
	}
	if (!num(f[i], 0, 11, &x))
		return -1;
	r->stat = (int)x;
	lac_i = i + 1;
	if (n > lac_i && *f[lac_i] && !hex(f[lac_i], 0xFFFFFF, &r->lac_tac))
		return -1;
	if (n > lac_i + 1 && *f[lac_i + 1] && !hex(f[lac_i + 1], 0xFFFFFFFFul, &r->ci))
		return -1;
	if (n > lac_i + 2 && *f[lac_i + 2]) {
		if (!num(f[lac_i + 2], 0, 255, &x))
			return -1;
		r->act = (int)x;
	}
	i = lac_i + 3;
	if (!strcmp(r->domain, "CGREG") || !strcmp(r->domain, "C5GREG"))
		i++;		/* rac (CGREG) or allowed NSSAI length (C5GREG) */
	if (n > i && *f[i]) {
		if (!num(f[i], 0, 255, &x))
			return -1;
		r->cause_type = (int)x;
	}
	if (n > i + 1 && *f[i + 1]) {
		if (!num(f[i + 1], 0, 65535, &x))
			return -1;
		r->reject_cause = (int)x;
	}
	return 0;
}

static int32_t lin(long v, long lo, long hi, long unknown, long base)
{
	if (v == unknown || v < lo || v > hi)
		return INT32_MIN;
	return (int32_t)(v + base);
}

int at_parse_cesq(const char *line, struct at_signal *s)
{
	const char *f[8];
	char buf[AT_LINE_MAX + 1];
	long v[6];
	int i;

	if (strncmp(line, "+CESQ:", 6) || at_fields(line, buf, sizeof(buf), f, 8) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (!num(f[i], 0, 255, &v[i]))
			return -1;
	s->rssi_dbm = lin(v[0], 0, 63, 99, -111);
	s->rscp_dbm = lin(v[2], 0, 96, 255, -121);
	s->rsrq_db10 = v[4] <= 34 ? (int32_t)(v[4] * 5 - 200) : INT32_MIN;
	s->rsrp_dbm = lin(v[5], 0, 97, 255, -141);
	return 0;
}

int at_parse_csq(const char *line, struct at_signal *s)
{
	const char *f[4];
	char buf[AT_LINE_MAX + 1];
	long rssi, ber;

	if (strncmp(line, "+CSQ:", 5) || at_fields(line, buf, sizeof(buf), f, 4) != 2 ||
	    !num(f[0], 0, 99, &rssi) || !num(f[1], 0, 99, &ber))
		return -1;
	s->rssi_dbm = rssi <= 31 ? (int32_t)(-113 + 2 * rssi) : INT32_MIN;
	s->rscp_dbm = s->rsrq_db10 = s->rsrp_dbm = INT32_MIN;
	return 0;
}

int at_parse_cops(const char *line, struct at_cops *o)
{
	const char *f[6];
	char buf[AT_LINE_MAX + 1];
	long x;
	int n;

	memset(o, 0, sizeof(*o));
	o->mode = o->format = o->act = -1;
	if (strncmp(line, "+COPS:", 6))
		return -1;
	n = at_fields(line, buf, sizeof(buf), f, 6);
	if (n < 1 || n > 4 || !num(f[0], 0, 4, &x))
		return -1;
	o->mode = (int)x;
	if (n >= 2) {
		if (!num(f[1], 0, 3, &x))
			return -1;
		o->format = (int)x;
	}
	if (n >= 3) {
		if (strlen(f[2]) >= sizeof(o->oper))
			return -1;
		strcpy(o->oper, f[2]);
	}
	if (n == 4) {
		if (!num(f[3], 0, 255, &x))
			return -1;
		o->act = (int)x;
	}
	return 0;
}

int at_parse_cops_scan(const char *line, struct at_scan_entry *e, int max)
{
	const char *p = line + 6, *close;
	char grp[AT_LINE_MAX + 1], buf[AT_LINE_MAX + 1];
	const char *f[6];
	int n = 0, k;
	long x;

	if (strncmp(line, "+COPS:", 6))
		return -1;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p != '(')
			break;		/* ",," before the mode and format lists, or the end */
		close = strchr(p, ')');
		if (!close || close - p - 1 >= (long)sizeof(grp) - 8)
			return -1;
		snprintf(grp, sizeof(grp), "X: %.*s", (int)(close - p - 1), p + 1);
		k = at_fields(grp, buf, sizeof(buf), f, 6);
		if (k < 4 || k > 5 || strchr(f[0], '-'))
			break;		/* a range list like (0-4): the lists after */
		if (n >= max)
			return -1;
		if (!num(f[0], 0, 3, &x) || strlen(f[1]) >= sizeof(e[n].long_name) ||
		    strlen(f[2]) >= sizeof(e[n].short_name) || strlen(f[3]) >= sizeof(e[n].numeric))
			return -1;
		e[n].stat = (int)x;
		strcpy(e[n].long_name, f[1]);
		strcpy(e[n].short_name, f[2]);
		strcpy(e[n].numeric, f[3]);
		e[n].act = -1;
		e[n].dbm = INT32_MIN;
		e[n].tac = e[n].ci = 0;
		if (k == 5) {
			if (!num(f[4], 0, 255, &x))
				return -1;
			e[n].act = (int)x;
		}
		n++;
		p = close + 1;
		if (*p == ',')
			p++;
	}
	return n;
}

int at_parse_ws46(const char *line)
{
	/* TS 27.007 5.9 <n>, and what each includes of GSM, UTRAN, E-UTRAN */
	static const struct {
		int n;
		unsigned int rats;
	} map[] = {
		{ 12, AT_RAT_BIT(AT_RAT_GSM) }, { 22, AT_RAT_BIT(AT_RAT_UMTS) },
		{ 28, AT_RAT_BIT(AT_RAT_LTE) },
		{ 25, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE) },
		{ 29, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) },
		{ 30, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_LTE) },
		{ 31, AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE) },
		/* with NG-RAN (Rel-15): 35 all four, 36 NG-RAN only */
		{ 35, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE) },
		{ 37, AT_RAT_BIT(AT_RAT_LTE) },
		{ 38, AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE) },
		{ 39, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_LTE) },
		{ 40, AT_RAT_BIT(AT_RAT_UMTS) },
		{ 41, AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) },
		{ 42, AT_RAT_BIT(AT_RAT_GSM) },
	};
	const char *p = line + 6;
	unsigned int rats = 0;
	size_t i;

	if (strncmp(line, "+WS46:", 6))
		return -1;
	while (*p == ' ')
		p++;
	if (*p++ != '(')
		return -1;
	for (;;) {
		char *e;
		long lo = strtol(p, &e, 10), hi;

		if (e == p || lo < 0 || lo > 255)
			return -1;
		hi = lo;
		p = e;
		if (*p == '-') {
			hi = strtol(++p, &e, 10);
			if (e == p || hi < lo || hi > 255)
				return -1;
			p = e;
		}
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (map[i].n >= lo && map[i].n <= hi)
				rats |= map[i].rats;
		if (*p == ')')
			break;
		if (*p++ != ',')
			return -1;
	}
	return p[1] ? -1 : (int)rats;
}

int at_parse_cgpaddr(const char *line, int *cid, char *addr, size_t len)
{
	const char *f[4];
	char buf[AT_LINE_MAX + 1];
	long x;
	int n;

	if (strncmp(line, "+CGPADDR:", 9))
		return -1;
	n = at_fields(line, buf, sizeof(buf), f, 4);
	if (n < 1 || !num(f[0], 0, 255, &x))
		return -1;
	*cid = (int)x;
	if (n < 2 || !*f[1]) {
		if (len)
			addr[0] = 0;
		return 0;
	}
	if (strlen(f[1]) >= len || strspn(f[1], "0123456789abcdefABCDEF.:") != strlen(f[1]))
		return -1;
	strcpy(addr, f[1]);
	return 0;
}

int at_parse_csim(const char *line, uint8_t *out, size_t max)
{
	const char *f[3];
	char buf[AT_LINE_MAX + 1];
	size_t i, hl;
	long len;

	if (strncmp(line, "+CSIM:", 6) || at_fields(line, buf, sizeof(buf), f, 3) != 2 ||
	    !num(f[0], 0, 2 * 65538, &len))
		return -1;
	hl = strlen(f[1]);
	if ((size_t)len != hl || hl % 2 || hl / 2 > max)
		return -1;
	for (i = 0; i < hl; i += 2) {
		char b[3] = { f[1][i], f[1][i + 1], 0 };

		if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
			return -1;
		out[i / 2] = (uint8_t)strtoul(b, NULL, 16);
	}
	return (int)(hl / 2);
}

int at_parse_cpin(const char *line, char *out, size_t len)
{
	const char *p;

	if (strncmp(line, "+CPIN:", 6))
		return -1;
	p = line + 6;
	while (*p == ' ')
		p++;
	if (!*p || strlen(p) >= len)
		return -1;
	strcpy(out, p);
	return 0;
}

int at_parse_cpinr(const char *line, char *code, size_t len, int *retries)
{
	const char *p, *c;
	char *e;
	long v;

	if (strncmp(line, "+CPINR:", 7))
		return -1;
	p = line + 7;
	while (*p == ' ')
		p++;
	c = strchr(p, ',');
	if (!c || c == p || (size_t)(c - p) >= len)
		return -1;
	v = strtol(c + 1, &e, 10);
	if (e == c + 1 || v < 0 || v > 99 || (*e && *e != ','))
		return -1;
	if (*p == '"' && c - p >= 2 && c[-1] == '"') {
		memcpy(code, p + 1, (size_t)(c - p) - 2);
		code[c - p - 2] = 0;
	} else {
		memcpy(code, p, (size_t)(c - p));
		code[c - p] = 0;
	}
	*retries = (int)v;
	return 0;
}
