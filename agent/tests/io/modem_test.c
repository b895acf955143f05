// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vuiccd's modem backend (modem.c) against a scripted modem on
 * a pty: the connect sequence to online, a denial with its cause, the +CSQ
 * fallback, a modem without reject causes in +CEREG, a failed PDP
 * activation tried again, a modem that stops answering, and one that hangs
 * up and comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "io/modem.h"
#include "../testlib.h"

struct fake {
	int pt;			/* pty master: the modem's side */
	char path[64];
	char in[4096];
	size_t len;
	/* behaviour */
	bool no_cesq, no_cereg3, silent, deny, cgact_fails_once;
	int cgact_calls;
	char log[8192];		/* commands seen, one per line */
};

static struct fake fk;
static int states_seen[8];

static void say(const char *s)
{
	if (write(fk.pt, s, strlen(s)) < 0)
		perror("write");
}

static void answer(const char *cmd)
{
	size_t l = strlen(fk.log);

	snprintf(fk.log + l, sizeof(fk.log) - l, "%s\n", cmd);
	if (fk.silent)
		return;
	if (!strcmp(cmd, "AT+CESQ") && fk.no_cesq) {
		say("\r\nERROR\r\n");
	} else if (!strcmp(cmd, "AT+CESQ")) {
		say("\r\n+CESQ: 99,99,255,255,20,56\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CSQ")) {
		say("\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CEREG=3") && fk.no_cereg3) {
		say("\r\n+CME ERROR: 50\r\n");
	} else if (!strcmp(cmd, "AT+COPS?")) {
		say("\r\n+COPS: 0,2,\"00101\",7\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CIMI")) {
		say("\r\n001010000000011\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CEREG?")) {
		/* not yet registered; a URC follows after the answer */
		say("\r\n+CEREG: 3,2\r\n\r\nOK\r\n");
		if (fk.deny)
			say("\r\n+CEREG: 3,\"00C3\",\"0001A2B3\",7,0,11\r\n");
		else
			say("\r\n+CEREG: 1,\"00C3\",\"0001A2B3\",7\r\n");
	} else if (!strncmp(cmd, "AT+CGREG?", 9) || !strncmp(cmd, "AT+CREG?", 8)) {
		say("\r\nERROR\r\n");
	} else if (!strcmp(cmd, "AT+CGACT=1,1")) {
		if (fk.cgact_fails_once && !fk.cgact_calls++) {
			say("\r\n+CME ERROR: 148\r\n");
		} else {
			/* a URC between the lines of nothing: before the OK */
			say("\r\n+CEREG: 1,\"00C3\",\"0001A2B3\",7\r\n\r\nOK\r\n");
		}
	} else if (!strcmp(cmd, "AT+CGPADDR=1")) {
		say("\r\n+CGPADDR: 1,\"10.64.0.2\"\r\n\r\nOK\r\n");
	} else {
		say("\r\nOK\r\n");
	}
}

static void fake_read(void)
{
	char *cr;
	ssize_t n;

	n = read(fk.pt, fk.in + fk.len, sizeof(fk.in) - fk.len - 1);
	if (n <= 0)
		return;
	fk.len += (size_t)n;
	while ((cr = memchr(fk.in, '\r', fk.len))) {
		*cr = 0;
		answer(fk.in);
		fk.len -= (size_t)(cr + 1 - fk.in);
		memmove(fk.in, cr + 1, fk.len);
	}
}

static int fake_open(void)
{
	struct termios t;

	memset(&fk, 0, sizeof(fk));
	fk.pt = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fk.pt < 0 || grantpt(fk.pt) || unlockpt(fk.pt) ||
	    ptsname_r(fk.pt, fk.path, sizeof(fk.path)))
		return -1;
	if (!tcgetattr(fk.pt, &t)) {
		cfmakeraw(&t);
		tcsetattr(fk.pt, TCSANOW, &t);
	}
	return 0;
}

static uint64_t ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Runs the loop until @cond or @limit ms. */
static bool pump(struct modem *m, bool (*cond)(struct modem *), unsigned int limit)
{
	uint64_t end = ms() + limit;

	while (ms() < end) {
		struct pollfd p[3] = {
			{ .fd = m->fd, .events = POLLIN },
			{ .fd = m->tfd, .events = POLLIN },
			{ .fd = fk.pt, .events = POLLIN },
		};

		if (cond && cond(m))
			return true;
		if (poll(p, 3, 20) < 0)
			return false;
		if (p[2].revents & POLLIN)
			fake_read();
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			modem_input(m);
		if (p[1].revents & POLLIN)
			modem_timer(m);
	}
	return cond && cond(m);
}

static void on_event(void *arg, struct modem *m, const struct modem_event *e)
{
	if (e->kind == MODEM_EV_STATE && m->state < 8)
		states_seen[m->state]++;
}

static bool online(struct modem *m) { return m->state == MODEM_ONLINE; }
static bool denied(struct modem *m) { return m->state == MODEM_DENIED; }
static bool closed(struct modem *m) { return m->state == MODEM_CLOSED; }

static void start(struct modem *m)
{
	memset(m, 0, sizeof(*m));
	memset(states_seen, 0, sizeof(states_seen));
	m->fd = m->tfd = -1;
	m->card = ~0u;
	m->event = on_event;
	CHECK(fake_open() == 0);
	CHECK(modem_open(m, 0, fk.path, "internet") == 0);
	modem_connect(m);
}

static void finish(struct modem *m)
{
	modem_close(m);
	if (m->tfd >= 0)
		close(m->tfd);
	close(fk.pt);
}

static void test_connect_online(void)
{
	struct modem m;

	start(&m);
	CHECK(pump(&m, online, 3000));
	CHECK(!strcmp(m.addr, "10.64.0.2"));
	CHECK(!strcmp(m.imsi, "001010000000011"));
	CHECK(m.stat[2] == 1);
	CHECK(m.signal.rsrp_dbm == 56 - 141);
	CHECK(!strcmp(m.cops.oper, "00101") && m.cops.act == 7);
	CHECK(m.registrations == 1 && m.dials == 1);
	CHECK(states_seen[MODEM_REGISTERING] == 1 && states_seen[MODEM_DIALING] == 1);
	CHECK(strstr(fk.log, "AT+CGDCONT=1,\"IP\",\"internet\"\n") != NULL);
	CHECK(strstr(fk.log, "AT+CEREG=3\n") != NULL);
	/* a lost registration goes back to registering, a new one dials again */
	say("\r\n+CEREG: 2\r\n");
	CHECK(pump(&m, NULL, 200) || m.state == MODEM_REGISTERING);
	CHECK(m.state == MODEM_REGISTERING && !m.addr[0]);
	say("\r\n+CEREG: 5,\"00C3\",\"0001A2B3\",7\r\n");
	CHECK(pump(&m, online, 2000));
	CHECK(m.dials == 2);
	finish(&m);
}

static void test_denied(void)
{
	struct modem m;

	start(&m);
	fk.deny = true;
	CHECK(pump(&m, denied, 3000));
	CHECK(m.reg.reject_cause == 11 && m.denials == 1);
	CHECK(!strstr(fk.log, "AT+CGACT"));
	finish(&m);
}

static void test_fallbacks(void)
{
	struct modem m;

	start(&m);
	fk.no_cesq = true;
	fk.no_cereg3 = true;
	CHECK(pump(&m, online, 3000));
	CHECK(strstr(fk.log, "AT+CEREG=2\n") != NULL);	/* no reject causes: n=2 */
	CHECK(strstr(fk.log, "AT+CSQ\n") != NULL);
	CHECK(m.signal.rssi_dbm == -113 + 40);
	finish(&m);
}

static void test_dial_retry(void)
{
	struct modem m;
	uint64_t t0 = ms();

	start(&m);
	fk.cgact_fails_once = true;
	CHECK(pump(&m, online, 9000));
	CHECK(m.dial_failures == 1 && m.dials == 2);
	CHECK(ms() - t0 >= 4500);	/* tried again after REDIAL_MS */
	finish(&m);
}

static void test_silent_then_hangup(void)
{
	struct modem m;

	start(&m);
	CHECK(pump(&m, online, 3000));
	fk.silent = true;
	CHECK(modem_query_signal(&m) == 0);
	CHECK(!pump(&m, NULL, 5600));
	CHECK(m.timeouts >= 1);
	CHECK(strstr(m.last_error, "no answer") != NULL);
	/* the modem goes away (pty master closed): closed, then reopened */
	close(fk.pt);
	fk.pt = -1;
	CHECK(pump(&m, closed, 1000));
	CHECK(m.fd == -1);
	modem_close(&m);
	if (m.tfd >= 0)
		close(m.tfd);
}

int main(void)
{
	RUN(test_connect_online);
	RUN(test_denied);
	RUN(test_fallbacks);
	RUN(test_dial_retry);
	RUN(test_silent_then_hangup);
	DONE();
}
