// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's modem backend: the AT client (at.c) on a tty, the operations
 * the policy needs, and the connect sequence (see modem.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "modem.h"

#define REOPEN_MS	2000	/* a closed or vanished tty is tried again */
#define REDIAL_MS	5000	/* after a failed PDP activation */
#define CFUN_MS		15000
#define CGACT_MS	30000	/* TS 24.301 T3482 is 8 s, 5 tries */
#define SCAN_MS		180000	/* a full PLMN scan may take minutes */
#define COPS_MS		120000
#define PIN_DELAY_MS	200	/* after a card change: the modem sees it first */
#define PIN_POLL_MS	250	/* +CPIN? again while the SIM is busy or absent */
#define PIN_POLLS	40	/* then the card is taken as it is (10 s) */

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

const char *modem_state_name(enum modem_state s)
{
	static const char *const n[] = {
		[MODEM_CLOSED] = "closed", [MODEM_INIT] = "init", [MODEM_IDLE] = "idle",
		[MODEM_REGISTERING] = "registering", [MODEM_DENIED] = "denied",
		[MODEM_DIALING] = "dialing", [MODEM_ONLINE] = "online",
	};

	return s < sizeof(n) / sizeof(n[0]) && n[s] ? n[s] : "?";
}

static void emit(struct modem *m, enum modem_event_kind k, const char *op,
		 enum at_result r, int cme)
{
	struct modem_event e = { .kind = k, .op = op, .result = r, .cme = cme };

	if (m->event)
		m->event(m->arg, m, &e);
}

static void set_state(struct modem *m, enum modem_state s)
{
	if (m->state == s)
		return;
	m->state = s;
	m->state_since = now_ms();
	emit(m, MODEM_EV_STATE, NULL, AT_R_OK, 0);
}

static void arm(struct modem *m)
{
	uint64_t d = m->at ? at_deadline(m->at) : UINT64_MAX, now = now_ms();

	if (m->aux && at_deadline(m->aux) < d)
		d = at_deadline(m->aux);
	struct itimerspec its = { 0 };

	if (m->retry_at && m->retry_at < d)
		d = m->retry_at;
	if (m->pin_at && m->pin_at < d)
		d = m->pin_at;
	if (m->tfd < 0)
		return;
	if (d != UINT64_MAX) {
		d = d > now ? d - now : 0;
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000 + 1;
	}
	timerfd_settime(m->tfd, 0, &its, NULL);
}

static int send(struct modem *m, const char *cmd, const char *prefix, unsigned int ms,
		at_done_fn done)
{
	int rc;

	if (!m->at || m->fd < 0)
		return -1;
	rc = at_send(m->at, cmd, prefix, ms, done, m, now_ms());
	arm(m);
	return rc;
}

static void fail(struct modem *m, const char *cmd, const struct at_response *r)
{
	if (r->result == AT_R_TIMEOUT) {
		m->timeouts++;
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: no answer", cmd);
	} else if (r->result == AT_R_CME || r->result == AT_R_CMS) {
		snprintf(m->last_error, sizeof(m->last_error), "%.40s: %.100s", cmd, r->final);
	} else {
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: %s", cmd,
			 r->result == AT_R_CANCELLED ? "cancelled" : "ERROR");
	}
	emit(m, MODEM_EV_ERROR, cmd, r->result, r->cme);
}

static bool registered(const struct modem *m)
{
	int d;

	for (d = 0; d < 3; d++)
		if (m->stat[d] == AT_REG_HOME || m->stat[d] == AT_REG_ROAMING)
			return true;
	return false;
}

static int dom_of(const char *domain)
{
	if (!strcmp(domain, "CREG"))
		return 0;
	if (!strcmp(domain, "CGREG"))
		return 1;
	if (!strcmp(domain, "CEREG"))
		return 2;
	return -1;
}

static void dial(struct modem *m);

/* Registration changed: what the connect sequence does next. */
static void reg_changed(struct modem *m)
{
	if (!m->connect || m->state < MODEM_IDLE)
		return;
	if (registered(m)) {
		if (m->state == MODEM_REGISTERING || m->state == MODEM_DENIED ||
		    m->state == MODEM_IDLE) {
			m->registrations++;
			modem_query_signal(m);
			modem_query_operator(m);
			dial(m);
		}
		return;
	}
	if (m->reg.stat == AT_REG_DENIED) {
		if (m->state != MODEM_DENIED)
			m->denials++;
		set_state(m, MODEM_DENIED);
	} else if (m->state != MODEM_IDLE) {
		set_state(m, MODEM_REGISTERING);
	}
	m->addr[0] = 0;
	m->retry_at = 0;
}

static void take_reg(struct modem *m, const char *line)
{
	struct at_reg r;
	int d;

	if (at_parse_reg(line, &r))
		return;
	d = dom_of(r.domain);
	if (d < 0)
		return;
	m->stat[d] = r.stat;
	m->reg = r;
	emit(m, MODEM_EV_REG, NULL, AT_R_OK, 0);
	reg_changed(m);
}

static void on_urc(void *arg, const char *line)
{
	struct modem *m = arg;

	if (!strncmp(line, "+CREG:", 6) || !strncmp(line, "+CGREG:", 7) ||
	    !strncmp(line, "+CEREG:", 7)) {
		take_reg(m, line);
	} else if (!strncmp(line, "+CGEV:", 6) && (strstr(line, "DEACT") || strstr(line,
		   "DETACH"))) {
		if (m->state == MODEM_ONLINE || m->state == MODEM_DIALING) {
			m->addr[0] = 0;
			set_state(m, MODEM_REGISTERING);
			reg_changed(m);
		}
	}
}

static int write_fd(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_tty(void *arg, const char *data, size_t len)
{
	return write_fd(((struct modem *)arg)->fd, data, len);
}

static int write_aux(void *arg, const char *data, size_t len)
{
	return write_fd(((struct modem *)arg)->aux_fd, data, len);
}

/* ---- the connect sequence ---- */

static void cgpaddr_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	unsigned int i;
	int cid;

	if (r->result != AT_R_OK) {
		fail(m, cmd, r);
		return;
	}
	for (i = 0; i < r->n; i++)
		if (!at_parse_cgpaddr(r->info[i], &cid, m->addr, sizeof(m->addr)) && cid == 1)
			break;
	if (m->state == MODEM_DIALING && m->addr[0])
		set_state(m, MODEM_ONLINE);
}

/* true when dialing is over: abandoned, or failed (then tried again later) */
static bool dial_failed(struct modem *m, const char *cmd, const struct at_response *r)
{
	if (m->state != MODEM_DIALING)
		return true;
	if (r->result == AT_R_OK)
		return false;
	m->dial_failures++;
	fail(m, cmd, r);
	set_state(m, MODEM_REGISTERING);
	m->retry_at = now_ms() + REDIAL_MS;
	arm(m);
	return true;
}

static void cgact_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (dial_failed(m, cmd, r))
		return;
	send(m, "AT+CGPADDR=1", "+CGPADDR:", 0, cgpaddr_done);
}

static void cgdcont_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (dial_failed(m, cmd, r))
		return;
	send(m, "AT+CGACT=1,1", NULL, CGACT_MS, cgact_done);
}

static void dial(struct modem *m)
{
	char cmd[AT_CMD_MAX];

	if (m->state == MODEM_DIALING || m->state == MODEM_ONLINE)
		return;
	set_state(m, MODEM_DIALING);
	m->dials++;
	m->retry_at = 0;
	snprintf(cmd, sizeof(cmd), "AT+CGDCONT=1,\"IP\",\"%s\"", m->apn);
	send(m, cmd, NULL, 0, cgdcont_done);
}

static void reg_read_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	unsigned int i;

	if (r->result != AT_R_OK)
		return;		/* a modem without this domain */
	for (i = 0; i < r->n; i++)
		take_reg(m, r->info[i]);
}

static void read_registration(struct modem *m)
{
	send(m, "AT+CEREG?", "+CEREG:", 0, reg_read_done);
	send(m, "AT+CGREG?", "+CGREG:", 0, reg_read_done);
	send(m, "AT+CREG?", "+CREG:", 0, reg_read_done);
}

static void cfun_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result != AT_R_OK) {
		fail(m, cmd, r);
		return;
	}
	if (m->connect && m->state == MODEM_IDLE)
		set_state(m, MODEM_REGISTERING);
	read_registration(m);
}

/* ---- PIN1 (see modem.h) ---- */

enum { PIN_PH_IDLE, PIN_PH_WAIT, PIN_PH_QUERY, PIN_PH_RETRIES, PIN_PH_SENT, PIN_PH_AFTER };

/* A keyed hash of (profile, PIN): refused pairs are remembered by it, not
 * by their value; the key is this process's, from getrandom(). */
static uint64_t pin_tag(const struct modem *m)
{
	static uint64_t key;
	uint64_t h;
	const char *s;

	while (!key && getrandom(&key, sizeof(key), 0) != sizeof(key))
		;
	h = 0xcbf29ce484222325ull ^ key;
	for (s = m->pin_profile; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h = (h ^ 0xFF) * 0x100000001b3ull;
	for (s = m->pin1; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static bool pin_refused(const struct modem *m)
{
	uint64_t t = pin_tag(m);
	unsigned int i;

	for (i = 0; i < m->n_pin_wrong && i < MODEM_PIN_WRONG_MAX; i++)
		if (m->pin_wrong[i] == t)
			return true;
	return false;
}

static void pin_mark_refused(struct modem *m)
{
	if (pin_refused(m))
		return;
	m->pin_wrong[m->n_pin_wrong++ % MODEM_PIN_WRONG_MAX] = pin_tag(m);
}

/* The check ended: @st, and why when the card cannot be used. */
static void pin_end(struct modem *m, enum modem_pin st, const char *why)
{
	m->pin = st;
	m->pin_phase = PIN_PH_IDLE;
	m->pin_at = 0;
	snprintf(m->pin_why, sizeof(m->pin_why), "%s", why ? why : "");
	emit(m, MODEM_EV_PIN, NULL, why ? AT_R_ERROR : AT_R_OK, 0);
}

static void pin_wrong_end(struct modem *m)
{
	char why[96];

	if (m->pin_retries >= 0)
		snprintf(why, sizeof(why), "PIN1 wrong: %d attempt%s left", m->pin_retries,
			 m->pin_retries == 1 ? "" : "s");
	else
		snprintf(why, sizeof(why), "PIN1 wrong: attempts left unknown");
	pin_end(m, MODEM_PIN_WRONG, why);
}

/* A PIN command's answer: false when it belongs to a check a card change ended. */
static bool pin_current(struct modem *m, int phase)
{
	if (m->pin_stale) {
		m->pin_stale--;
		return false;
	}
	return m->pin_phase == phase;
}

static int pin_send(struct modem *m, const char *cmd, const char *prefix, int phase,
		    at_done_fn done)
{
	m->pin_phase = phase;
	if (!send(m, cmd, prefix, 0, done))
		return 0;
	pin_end(m, MODEM_PIN_UNKNOWN, NULL);	/* the queue is full: as before PINs */
	return -1;
}

static void pin_check(struct modem *m, unsigned int delay_ms);

static void cpinr_done(void *arg, const char *cmd, const struct at_response *r);

static void cpin_set_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	char why[96];

	if (!pin_current(m, PIN_PH_SENT))
		return;
	if (r->result == AT_R_OK) {
		m->pin_retries = -1;
		m->pin_unlocked = true;
		pin_end(m, MODEM_PIN_READY, NULL);
		return;
	}
	/* one attempt per (profile, PIN): whatever the answer, never again */
	pin_mark_refused(m);
	if (r->result == AT_R_CME && r->cme == 16) {
		/* the counter after the failure, for the status */
		if (m->pin_retries > 0)
			m->pin_retries--;
		pin_send(m, "AT+CPINR=\"SIM PIN\"", "+CPINR:", PIN_PH_AFTER, cpinr_done);
		return;
	}
	if (r->result == AT_R_CME && r->cme == 12) {
		m->pin_retries = 0;
		pin_end(m, MODEM_PIN_PUK, "PIN1 blocked: SIM PUK required (nothing sent)");
		return;
	}
	snprintf(why, sizeof(why), "PIN1 not accepted (%.40s): not sent again",
		 r->result == AT_R_TIMEOUT ? "no answer" : r->final);
	pin_end(m, MODEM_PIN_ERROR, why);
}

/* SIM PIN and its retries known (or not): send the PIN, or say why not. */
static void pin_decide(struct modem *m)
{
	char cmd[32], why[96];

	if (!m->pin1[0]) {
		pin_end(m, MODEM_PIN_NONE, "PIN1 required, profile has none");
		return;
	}
	if (pin_refused(m)) {
		pin_wrong_end(m);
		return;
	}
	if (m->pin_retries >= 0 && m->pin_retries <= 1) {
		snprintf(why, sizeof(why), "PIN1: %d attempt%s left: not tried", m->pin_retries,
			 m->pin_retries == 1 ? "" : "s");
		pin_end(m, MODEM_PIN_NOT_TRIED, why);
		return;
	}
	snprintf(cmd, sizeof(cmd), "AT+CPIN=\"%s\"", m->pin1);
	m->pin_phase = PIN_PH_SENT;
	m->pin_attempts++;
	if (!m->at || m->fd < 0 ||
	    at_send_secret(m->at, cmd, "+CPIN:", 0, cpin_set_done, m, now_ms())) {
		m->pin_attempts--;
		pin_end(m, MODEM_PIN_UNKNOWN, NULL);
	}
	explicit_bzero(cmd, sizeof(cmd));
	arm(m);
}

static void cpinr_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	char code[24];
	unsigned int i;
	int n, phase = m->pin_phase == PIN_PH_AFTER ? PIN_PH_AFTER : PIN_PH_RETRIES;

	if (!pin_current(m, phase))
		return;
	if (phase == PIN_PH_RETRIES)
		m->pin_retries = -1;	/* no +CPINR: unknown */
	for (i = 0; r->result == AT_R_OK && i < r->n; i++)
		if (!at_parse_cpinr(r->info[i], code, sizeof(code), &n) &&
		    !strcmp(code, "SIM PIN"))
			m->pin_retries = n;
	if (phase == PIN_PH_AFTER)
		pin_wrong_end(m);
	else
		pin_decide(m);
}

static void cpin_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	char code[32];

	if (!pin_current(m, PIN_PH_QUERY))
		return;
	if (r->result == AT_R_ERROR ||
	    (r->result == AT_R_OK && (r->n < 1 || at_parse_cpin(r->info[0], code, sizeof(code))))) {
		pin_end(m, MODEM_PIN_UNKNOWN, NULL);	/* a modem without +CPIN */
		return;
	}
	if (r->result != AT_R_OK) {
		/* SIM busy, not inserted (yet), a timeout: the card is still being read */
		if (++m->pin_polls >= PIN_POLLS) {
			pin_end(m, MODEM_PIN_UNKNOWN, NULL);	/* taken as it is */
			return;
		}
		m->pin_phase = PIN_PH_WAIT;
		m->pin_at = now_ms() + PIN_POLL_MS;
		arm(m);
		return;
	}
	if (!strcmp(code, "SIM PIN")) {
		m->pin_retries = -1;
		pin_send(m, "AT+CPINR=\"SIM PIN\"", "+CPINR:", PIN_PH_RETRIES, cpinr_done);
	} else if (!strcmp(code, "SIM PUK")) {
		m->pin_retries = 0;
		pin_end(m, MODEM_PIN_PUK, "PIN1 blocked: SIM PUK required (nothing sent)");
	} else if (!strcmp(code, "READY")) {
		pin_end(m, MODEM_PIN_READY, NULL);
	} else {
		pin_end(m, MODEM_PIN_UNKNOWN, NULL);	/* PH-SIM PIN, SIM PIN2, ...: not ours */
	}
}

/* Reads +CPIN? in @delay_ms (0: now). */
static void pin_check(struct modem *m, unsigned int delay_ms)
{
	if (m->pin_phase != PIN_PH_IDLE && m->pin_phase != PIN_PH_WAIT)
		m->pin_stale++;		/* the answer in flight is the old card's */
	m->pin = MODEM_PIN_CHECKING;
	m->pin_why[0] = 0;
	m->pin_unlocked = false;
	m->pin_polls = 0;
	m->pin_retries = -1;
	m->pin_phase = PIN_PH_WAIT;
	m->pin_at = now_ms() + delay_ms;
	if (!delay_ms) {
		m->pin_at = 0;
		pin_send(m, "AT+CPIN?", "+CPIN:", PIN_PH_QUERY, cpin_done);
	}
	arm(m);
}

void modem_set_pin(struct modem *m, const char *profile, const char *pin)
{
	explicit_bzero(m->pin1, sizeof(m->pin1));
	snprintf(m->pin_profile, sizeof(m->pin_profile), "%s", profile ? profile : "");
	if (pin && strlen(pin) <= MODEM_PIN_MAX)
		memcpy(m->pin1, pin, strlen(pin));
}

bool modem_pin_pending(const struct modem *m)
{
	return m->pin_phase != PIN_PH_IDLE;
}

const char *modem_pin_text(const struct modem *m, char *buf, size_t len)
{
	char left[24] = "";

	if (m->pin_retries >= 0)
		snprintf(left, sizeof(left), " (%d left)", m->pin_retries);
	switch (m->pin) {
	case MODEM_PIN_CHECKING:
		snprintf(buf, len, "%s", m->pin_phase == PIN_PH_QUERY ||
			 m->pin_phase == PIN_PH_WAIT ? "checking" : "sim pin");
		break;
	case MODEM_PIN_READY:
		snprintf(buf, len, "ready");
		break;
	case MODEM_PIN_WRONG:
		snprintf(buf, len, "wrong pin%s", left);
		break;
	case MODEM_PIN_NOT_TRIED:
		snprintf(buf, len, "not tried%s", left);
		break;
	case MODEM_PIN_NONE:
		snprintf(buf, len, "sim pin, profile has none%s", left);
		break;
	case MODEM_PIN_PUK:
		snprintf(buf, len, "sim puk");
		break;
	case MODEM_PIN_ERROR:
		snprintf(buf, len, "not accepted");
		break;
	default:
		snprintf(buf, len, "unknown");
		break;
	}
	return buf;
}

/* ---- initialisation ---- */

static void ignore_done(void *arg, const char *cmd, const struct at_response *r)
{
}

static void cereg_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	/* a modem without reject causes in its reports: n=2 */
	if (r->result != AT_R_OK && strstr(cmd, "=3")) {
		char c[32];

		snprintf(c, sizeof(c), "%.*s2", (int)strlen(cmd) - 1, cmd);
		send(m, c, NULL, 0, ignore_done);
	}
}

static void init_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result != AT_R_OK) {
		fail(m, cmd, r);
		modem_close(m);
		m->retry_at = now_ms() + REOPEN_MS;
		arm(m);
		return;
	}
	set_state(m, MODEM_IDLE);
	pin_check(m, 0);
	if (m->connect) {
		m->connect = false;
		modem_connect(m);
	}
}

static void cimi_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	m->imsi[0] = 0;
	if (r->result == AT_R_OK && r->n == 1 && strlen(r->info[0]) < sizeof(m->imsi) &&
	    strspn(r->info[0], "0123456789") == strlen(r->info[0]))
		strcpy(m->imsi, r->info[0]);
}

static void identity_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	char *out = strstr(cmd, "CGMI") ? m->manufacturer : m->model;
	size_t len = strstr(cmd, "CGMI") ? sizeof(m->manufacturer) : sizeof(m->model);
	const char *v;

	out[0] = 0;
	if (r->result != AT_R_OK || r->n < 1)
		return;
	/* "Quectel", or "+CGMI: Telit" on modems that echo the name */
	v = r->info[0];
	if (!strncmp(v, "+CGMI:", 6) || !strncmp(v, "+CGMM:", 6))
		v += 6;
	while (*v == ' ')
		v++;
	snprintf(out, len, "%.47s", v);
}

static void ws46_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	int rats = -1;

	if (r->result == AT_R_OK && r->n >= 1)
		rats = at_parse_ws46(r->info[0]);
	m->rats = rats > 0 ? (unsigned int)rats : 0;
	m->dialect = survey_dialect_of(m->manufacturer, m->model);
	emit(m, MODEM_EV_IDENTITY, NULL, AT_R_OK, 0);
}

/* A modem's AT port: raw, 115200 baud, no modem control, nothing pending. */
static void raw_tty(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	cfmakeraw(&t);
	cfsetspeed(&t, B115200);
	t.c_cflag |= CLOCAL | CREAD;
	tcsetattr(fd, TCSANOW, &t);
	tcflush(fd, TCIOFLUSH);
}

/* The second AT port: opened beside the main one; a failure leaves scans
 * on the main port (said once in last_error). */
static void aux_open(struct modem *m)
{
	const struct at_ops ops = { .write = write_aux, .arg = m };

	if (!m->aux_path[0] || m->aux_fd >= 0)
		return;
	m->aux_fd = open(m->aux_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (m->aux_fd < 0) {
		snprintf(m->last_error, sizeof(m->last_error), "open %.100s: %s (scans on %s)",
			 m->aux_path, strerror(errno), "the main port");
		return;
	}
	raw_tty(m->aux_fd);
	m->aux = at_new(&ops);
	if (!m->aux) {
		close(m->aux_fd);
		m->aux_fd = -1;
		return;
	}
	at_send(m->aux, "ATE0", NULL, 0, ignore_done, m, now_ms());
	at_send(m->aux, "AT+CMEE=1", NULL, 0, ignore_done, m, now_ms());
}

static void aux_close(struct modem *m)
{
	if (m->aux) {
		struct at_client *a = m->aux;

		m->aux = NULL;
		at_reset(a);
		at_free(a);
	}
	if (m->aux_fd >= 0)
		close(m->aux_fd);
	m->aux_fd = -1;
}

int modem_open(struct modem *m, unsigned int card, const char *path, const char *aux,
	       const char *apn)
{
	const struct at_ops ops = { .write = write_tty, .urc = on_urc, .arg = m };
	bool want = m->connect;

	if (m->card != card || strcmp(m->path, path)) {
		void (*ev)(void *, struct modem *, const struct modem_event *) = m->event;
		void *arg = m->arg;

		memset(m, 0, sizeof(*m));
		m->event = ev;
		m->arg = arg;
		m->fd = m->tfd = m->aux_fd = -1;
		m->card = card;
		snprintf(m->path, sizeof(m->path), "%s", path);
		m->connect = want;
	}
	if (aux)
		snprintf(m->aux_path, sizeof(m->aux_path), "%s", aux);
	if (apn)
		snprintf(m->apn, sizeof(m->apn), "%s", apn);
	m->stat[0] = m->stat[1] = m->stat[2] = -1;
	if (m->pin_phase == PIN_PH_IDLE && m->pin != MODEM_PIN_WRONG &&
	    m->pin != MODEM_PIN_NOT_TRIED)
		m->pin_retries = -1;
	m->signal.rssi_dbm = m->signal.rscp_dbm = m->signal.rsrq_db10 =
		m->signal.rsrp_dbm = INT32_MIN;
	if (m->tfd < 0) {
		m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (m->tfd < 0)
			return -errno;
	}
	m->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (m->fd < 0) {
		int e = errno;

		snprintf(m->last_error, sizeof(m->last_error), "open %.100s: %s", path,
			 strerror(e));
		m->retry_at = now_ms() + REOPEN_MS;
		arm(m);
		return -e;
	}
	raw_tty(m->fd);
	m->at = at_new(&ops);
	if (!m->at) {
		close(m->fd);
		m->fd = -1;
		return -ENOMEM;
	}
	m->retry_at = 0;
	m->reopens++;
	/* the PIN check follows the initialisation (init_done): pending now */
	m->pin = MODEM_PIN_CHECKING;
	m->pin_why[0] = 0;
	m->pin_phase = PIN_PH_WAIT;
	m->pin_at = 0;
	set_state(m, MODEM_INIT);
	send(m, "ATE0", NULL, 0, ignore_done);
	send(m, "AT+CMEE=1", NULL, 0, ignore_done);
	send(m, "AT+CREG=3", NULL, 0, cereg_done);
	send(m, "AT+CGREG=3", NULL, 0, cereg_done);
	send(m, "AT+CEREG=3", NULL, 0, cereg_done);
	/* operators in numeric format: PLMNs, not names, are what the policy keys on */
	send(m, "AT+COPS=3,2", NULL, 0, ignore_done);
	send(m, "AT+CIMI", NULL, 0, cimi_done);
	/* who it is: the survey dialect, the RATs for the SIM server's report */
	send(m, "AT+CGMI", NULL, 0, identity_done);
	send(m, "AT+CGMM", NULL, 0, identity_done);
	send(m, "AT+WS46=?", "+WS46:", 0, ws46_done);
	send(m, "AT", NULL, 0, init_done);
	aux_open(m);
	return 0;
}

void modem_close(struct modem *m)
{
	bool pending = m->pin_phase != PIN_PH_IDLE;

	m->scanning = false;
	/* the answers cancelled below belong to no check */
	m->pin_phase = PIN_PH_IDLE;
	m->pin_at = 0;
	aux_close(m);
	if (m->at) {
		struct at_client *a = m->at;

		m->at = NULL;
		at_reset(a);
		at_free(a);
	}
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->addr[0] = 0;
	m->pin_stale = 0;
	if (pending)
		pin_end(m, MODEM_PIN_UNKNOWN, NULL);
	set_state(m, MODEM_CLOSED);
}

/*
 * Reads @fd into *@at until it would block: 0; 1 when a callback closed the
 * port (*@at is NULL then); -1 on EOF (errno 0) or an error.
 */
static int drain(int fd, struct at_client *const *at)
{
	char buf[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			at_feed(*at, buf, (size_t)n, now_ms());
			if (!*at)
				return 1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (!n)
			errno = 0;
		return -1;
	}
}

void modem_input(struct modem *m)
{
	int r;

	if (m->fd < 0)
		return;
	r = drain(m->fd, &m->at);
	if (r == 1)
		return;		/* closed by a callback */
	if (r < 0) {
		/* EOF or EIO: the modem went away (USB reset, netsim ended) */
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: %s", m->path,
			 errno ? strerror(errno) : "hung up");
		modem_close(m);
		m->retry_at = now_ms() + REOPEN_MS;
	}
	arm(m);
}

void modem_aux_input(struct modem *m)
{
	int r;

	if (m->aux_fd < 0)
		return;
	r = drain(m->aux_fd, &m->aux);
	if (r == 1)
		return;
	if (r < 0) {
		/* gone (USB reset): scans on the main port until the modem is reopened */
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: %s (scans on the main port)",
			 m->aux_path, errno ? strerror(errno) : "hung up");
		aux_close(m);
		m->scanning = false;
	}
	arm(m);
}

void modem_timer(struct modem *m)
{
	uint64_t x, now = now_ms();

	if (m->tfd >= 0 && read(m->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		return;
	if (m->at)
		at_tick(m->at, now);
	if (m->aux)
		at_tick(m->aux, now);
	if (m->pin_at && now >= m->pin_at && m->pin_phase == PIN_PH_WAIT) {
		m->pin_at = 0;
		pin_send(m, "AT+CPIN?", "+CPIN:", PIN_PH_QUERY, cpin_done);
	}
	if (m->retry_at && now >= m->retry_at) {
		m->retry_at = 0;
		if (m->fd < 0)
			modem_open(m, m->card, m->path, NULL, NULL);
		else if (m->connect && registered(m))
			dial(m);
	}
	arm(m);
}

int modem_connect(struct modem *m)
{
	if (m->state == MODEM_CLOSED || m->state == MODEM_INIT) {
		m->connect = true;	/* when it is ready */
		return 0;
	}
	if (m->connect && m->state != MODEM_IDLE)
		return 0;
	m->connect = true;
	return send(m, "AT+CFUN=1", NULL, CFUN_MS, cfun_done);
}

int modem_disconnect(struct modem *m)
{
	m->connect = false;
	m->retry_at = 0;
	if (m->state < MODEM_IDLE)
		return 0;
	set_state(m, MODEM_IDLE);
	m->addr[0] = 0;
	return send(m, "AT+CGACT=0,1", NULL, CGACT_MS, ignore_done);
}

static void op_done(void *arg, const char *cmd, const struct at_response *r)
{
	if (r->result != AT_R_OK)
		fail(arg, cmd, r);
}

int modem_power(struct modem *m, bool on)
{
	return send(m, on ? "AT+CFUN=1" : "AT+CFUN=4", NULL, CFUN_MS, op_done);
}

int modem_register(struct modem *m, const char *plmn)
{
	char cmd[64];

	if (plmn && (strlen(plmn) < 5 || strlen(plmn) > 6 ||
		     strspn(plmn, "0123456789") != strlen(plmn)))
		return -1;
	if (plmn)
		snprintf(cmd, sizeof(cmd), "AT+COPS=1,2,\"%s\"", plmn);
	else
		snprintf(cmd, sizeof(cmd), "AT+COPS=0");
	return send(m, cmd, NULL, COPS_MS, op_done);
}

static void csq_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result != AT_R_OK || r->n < 1 || at_parse_csq(r->info[0], &m->signal)) {
		fail(m, cmd, r);
		return;
	}
	emit(m, MODEM_EV_SIGNAL, NULL, AT_R_OK, 0);
}

static void cesq_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result == AT_R_TIMEOUT || r->result == AT_R_CANCELLED) {
		fail(m, cmd, r);
		return;
	}
	if (r->result != AT_R_OK || r->n < 1 || at_parse_cesq(r->info[0], &m->signal)) {
		/* +CESQ is newer than many modems: +CSQ instead */
		send(m, "AT+CSQ", "+CSQ:", 0, csq_done);
		return;
	}
	emit(m, MODEM_EV_SIGNAL, NULL, AT_R_OK, 0);
}

int modem_query_signal(struct modem *m)
{
	return send(m, "AT+CESQ", "+CESQ:", 0, cesq_done);
}

static void cops_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result != AT_R_OK || r->n < 1 || at_parse_cops(r->info[0], &m->cops)) {
		fail(m, cmd, r);
		return;
	}
	emit(m, MODEM_EV_OPERATOR, NULL, AT_R_OK, 0);
}

int modem_query_operator(struct modem *m)
{
	return send(m, "AT+COPS?", "+COPS:", 0, cops_done);
}

static void scan_end(struct modem *m, const char *source)
{
	m->scanning = false;
	m->scans++;
	m->scan_at = now_ms();
	snprintf(m->scan_source, sizeof(m->scan_source), "%s", source);
	emit(m, MODEM_EV_SCAN, source, AT_R_OK, 0);
}

/* A scan that ended without a list: MODEM_EV_SCAN with its result. */
static void scan_failed(struct modem *m, const char *cmd, const struct at_response *r)
{
	m->scanning = false;
	if (r->result == AT_R_CANCELLED) {
		m->scans_aborted++;
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: aborted", cmd);
	} else if (r->result == AT_R_TIMEOUT) {
		m->timeouts++;
		snprintf(m->last_error, sizeof(m->last_error), "%.100s: no answer", cmd);
	} else {
		snprintf(m->last_error, sizeof(m->last_error), "%.60s: %.80s", cmd,
			 r->result == AT_R_OK ? "no list" : r->final);
	}
	emit(m, MODEM_EV_SCAN, cmd, r->result == AT_R_OK ? AT_R_ERROR : r->result, r->cme);
}

static void cops_scan_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	int n;

	if (r->result != AT_R_OK || r->n < 1) {
		scan_failed(m, cmd, r);
		return;
	}
	n = at_parse_cops_scan(r->info[0], m->scan, AT_SCAN_MAX);
	if (n < 0) {
		scan_failed(m, cmd, r);
		return;
	}
	m->n_scan = (unsigned int)n;
	m->scan_rats = survey_rats(SURVEY_NONE);
	scan_end(m, "AT+COPS=?");
}

static int send_scan(struct modem *m, const char *cmd, const char *prefix, unsigned int ms,
		     at_done_fn done)
{
	struct at_client *at = m->aux ? m->aux : m->at;
	int rc;

	if (!at || m->fd < 0 || m->scanning)
		return -1;
	rc = at_send(at, cmd, prefix, ms, done, m, now_ms());
	if (!rc) {
		m->scanning = true;
		snprintf(m->scan_cmd, sizeof(m->scan_cmd), "%s", cmd);
	}
	arm(m);
	return rc;
}

static void survey_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;
	unsigned int bad = 0;
	int n;

	if (r->result == AT_R_ERROR || r->result == AT_R_CME) {
		/* not this firmware's command after all: +COPS=? from now on */
		m->survey_failed = true;
		m->scanning = false;
		snprintf(m->last_error, sizeof(m->last_error), "%.60s: %.60s (+COPS=? from now on)",
			 cmd, r->final);
		if (send_scan(m, "AT+COPS=?", "+COPS:", SCAN_MS, cops_scan_done))
			scan_failed(m, cmd, r);
		return;
	}
	if (r->result != AT_R_OK) {
		scan_failed(m, cmd, r);
		return;
	}
	n = survey_collect(m->dialect, r->info, r->n, m->scan, AT_SCAN_MAX, &bad);
	m->n_scan = n > 0 ? (unsigned int)n : 0;
	m->scan_rats = survey_rats(m->dialect);
	if (bad)
		snprintf(m->last_error, sizeof(m->last_error), "%.40s: %u malformed line%s skipped",
			 cmd, bad, bad == 1 ? "" : "s");
	scan_end(m, cmd);
}

int modem_scan(struct modem *m)
{
	const char *cmd = survey_command(m->dialect);

	if (cmd && !m->survey_failed)
		return send_scan(m, cmd, survey_prefix(m->dialect), survey_timeout_ms(m->dialect),
				 survey_done);
	return send_scan(m, "AT+COPS=?", "+COPS:", SCAN_MS, cops_scan_done);
}

bool modem_scan_abortable(const struct modem *m)
{
	return m->scanning && strcmp(m->scan_cmd, "AT+COPS=?") &&
	       survey_abortable(m->dialect);
}

int modem_scan_abort(struct modem *m)
{
	struct at_client *at = m->aux ? m->aux : m->at;
	int rc;

	if (!at || !m->scanning)
		return -1;
	rc = at_abort(at, now_ms());
	arm(m);
	return rc;
}

static void csim_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	m->csim_len = -1;
	if (r->result == AT_R_OK && r->n >= 1)
		m->csim_len = at_parse_csim(r->info[0], m->csim, sizeof(m->csim));
	if (m->csim_len < 0)
		fail(m, "AT+CSIM", r);
	else
		emit(m, MODEM_EV_CSIM, NULL, AT_R_OK, 0);
}

int modem_csim(struct modem *m, const uint8_t *apdu, size_t len)
{
	char cmd[AT_CMD_MAX];
	size_t i, o;

	if (len < 4 || len > 261)
		return -1;
	o = (size_t)snprintf(cmd, sizeof(cmd), "AT+CSIM=%zu,\"", len * 2);
	for (i = 0; i < len; i++)
		o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%02X", apdu[i]);
	snprintf(cmd + o, sizeof(cmd) - o, "\"");
	return send(m, cmd, "+CSIM:", 0, csim_done);
}

void modem_card_changed(struct modem *m)
{
	if (m->state < MODEM_IDLE)
		return;
	m->addr[0] = 0;
	m->stat[0] = m->stat[1] = m->stat[2] = -1;
	if (m->connect)
		set_state(m, MODEM_REGISTERING);
	send(m, "AT+CIMI", NULL, 0, cimi_done);
	pin_check(m, PIN_DELAY_MS);
}

/* ---- SIM slots (core/slot.h) ---- */

enum slot_dialect modem_slot_dialect(const struct modem *m)
{
	return slot_dialect_of(m->manufacturer[0] ? m->manufacturer : NULL,
			       m->model[0] ? m->model : NULL);
}

static void slot_done(void *arg, const char *cmd, const struct at_response *r)
{
	struct modem *m = arg;

	if (r->result != AT_R_OK) {
		/* refused or unanswered: which slot it is on is not known now,
		 * so the next switch sends its command whatever it is */
		m->slot_want = 0;
		m->slot = 0;
		fail(m, cmd, r);
		emit(m, MODEM_EV_SLOT, cmd, r->result, r->cme);
		return;
	}
	m->slot = m->slot_want;
	m->slot_want = 0;
	m->slot_switches++;
	/* the modem drops the card and reads the other one; the operator it
	 * was on is the other card's */
	m->cops.oper[0] = 0;
	modem_card_changed(m);
	emit(m, MODEM_EV_SLOT, cmd, AT_R_OK, 0);
}

int modem_select_slot(struct modem *m, int slot)
{
	enum slot_dialect d = modem_slot_dialect(m);
	char cmd[32];

	if (m->slot_want || slot_command(d, slot, cmd, sizeof(cmd)))
		return -1;
	if (send(m, cmd, NULL, slot_timeout_ms(d), slot_done))
		return -1;
	m->slot_want = slot;
	return 0;
}
