// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vuiccd's modem backend (modem.c) against a scripted modem on
 * a pty: the connect sequence to online, a denial with its cause, the +CSQ
 * fallback, a modem without reject causes in +CEREG, a failed PDP
 * activation tried again, a modem that stops answering, and one that hangs
 * up and comes back; the modem's identity choosing its survey dialect, a
 * survey's levels, a survey on a second port while the main one answers,
 * an abort, and a survey the firmware lacks falling back to +COPS=?; the
 * SIM slot command of the modem's dialect, refused, and absent; PIN1:
 * the right PIN unlocks, a wrong one is sent once and never again until the
 * profile's PIN changes, one attempt left is not tried, a modem without
 * +CPINR gets one attempt, SIM PUK and a profile without PIN send nothing,
 * and no PIN shows in what is logged or stays in memory once replaced.
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
	/* the second AT port */
	int apt;
	char apath[64];
	char ain[1024];
	size_t alen;
	bool survey_held;	/* the survey's answer waits for fake_release() */
	const char *maker, *model, *ws46;
	const char *survey;	/* what the survey command answers */
	/* behaviour */
	bool no_cesq, no_cereg3, silent, deny, cgact_fails_once, at_fails_once;
	bool slot_refused;	/* the slot command answers +CME ERROR */
	int at_calls;
	int cgact_calls;
	/* the card's PIN1: enabled (pin[0]), its counter, a modem without +CPINR */
	char pin[9];
	int pin_tries;
	bool pin_verified, no_cpinr;
	int pin_sent;		/* AT+CPIN="..." received */
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
	if (!strcmp(cmd, "AT+CPIN?")) {
		say(!fk.pin[0] || fk.pin_verified ? "\r\n+CPIN: READY\r\n\r\nOK\r\n" :
		    fk.pin_tries ? "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n" :
		    "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CPINR=\"SIM PIN\"")) {
		char b[64];

		snprintf(b, sizeof(b), "\r\n+CPINR: SIM PIN,%d,3\r\n\r\nOK\r\n", fk.pin_tries);
		say(fk.no_cpinr ? "\r\nERROR\r\n" : b);
	} else if (!strncmp(cmd, "AT+CPIN=", 8)) {
		char v[16];

		fk.pin_sent++;
		snprintf(v, sizeof(v), "\"%s\"", fk.pin);
		if (!fk.pin[0] || fk.pin_verified || !fk.pin_tries) {
			say(fk.pin_tries ? "\r\n+CME ERROR: 3\r\n" : "\r\n+CME ERROR: 12\r\n");
		} else if (!strcmp(cmd + 8, v)) {
			fk.pin_verified = true;
			fk.pin_tries = 3;
			say("\r\nOK\r\n");
		} else {
			fk.pin_tries--;
			say(fk.pin_tries ? "\r\n+CME ERROR: 16\r\n" : "\r\n+CME ERROR: 12\r\n");
		}
	} else if (!strcmp(cmd, "AT") && fk.at_fails_once && !fk.at_calls++) {
		/* a late answer of another command ends the init's last one */
		say("\r\n+CME ERROR: 10\r\n");
	} else if (!strcmp(cmd, "AT+CGMI")) {
		say(fk.maker ? fk.maker : "\r\nnetsim\r\n\r\nOK\r\n");
	} else if (!strcmp(cmd, "AT+CGMM")) {
		say(fk.model ? fk.model : "\r\nERROR\r\n");
	} else if (!strcmp(cmd, "AT+WS46=?")) {
		say(fk.ws46 ? fk.ws46 : "\r\n+CME ERROR: 4\r\n");
	} else if (!strcmp(cmd, "AT#CSURV") || !strcmp(cmd, "AT+QSCAN=1,1") ||
		   !strcmp(cmd, "AT+COPS=5") || !strcmp(cmd, "AT+COPS=?")) {
		say(fk.survey ? fk.survey : "\r\nERROR\r\n");
	} else if (!strncmp(cmd, "AT+QUIMSLOT=", 12) && fk.slot_refused) {
		say("\r\n+CME ERROR: 10\r\n");
	} else if (!strcmp(cmd, "AT+CESQ") && fk.no_cesq) {
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

/* The second port: answers the survey (held until fake_release()), OK else. */
static void aux_read(void)
{
	char *cr;
	ssize_t n;

	n = read(fk.apt, fk.ain + fk.alen, sizeof(fk.ain) - fk.alen - 1);
	if (n <= 0)
		return;
	if (fk.survey_held) {
		/* any character aborts the survey (u-blox: "ABORTED") */
		fk.survey_held = false;
		fk.alen = 0;
		if (write(fk.apt, "\r\nABORTED\r\n", 11) < 0)
			perror("write");
		return;
	}
	fk.alen += (size_t)n;
	while ((cr = memchr(fk.ain, '\r', fk.alen))) {
		size_t l = strlen(fk.log);

		*cr = 0;
		snprintf(fk.log + l, sizeof(fk.log) - l, "aux %s\n", fk.ain);
		if (!strcmp(fk.ain, "AT+COPS=5"))
			fk.survey_held = true;
		else if (write(fk.apt, "\r\nOK\r\n", 6) < 0)
			perror("write");
		fk.alen -= (size_t)(cr + 1 - fk.ain);
		memmove(fk.ain, cr + 1, fk.alen);
	}
}

static void fake_release(void)
{
	if (fk.survey_held && write(fk.apt, fk.survey, strlen(fk.survey)) < 0)
		perror("write");
	fk.survey_held = false;
}

static int pty(int *fd, char *path, size_t len)
{
	struct termios t;

	*fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0 || grantpt(*fd) || unlockpt(*fd) || ptsname_r(*fd, path, len))
		return -1;
	if (!tcgetattr(*fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(*fd, TCSANOW, &t);
	}
	return 0;
}

static int fake_open(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.apt = -1;
	return pty(&fk.pt, fk.path, sizeof(fk.path));
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
		struct pollfd p[5] = {
			{ .fd = m->fd, .events = POLLIN },
			{ .fd = m->tfd, .events = POLLIN },
			{ .fd = fk.pt, .events = POLLIN },
			{ .fd = m->aux_fd, .events = POLLIN },
			{ .fd = fk.apt, .events = POLLIN },
		};

		if (cond && cond(m))
			return true;
		if (poll(p, 5, 20) < 0)
			return false;
		if (p[2].revents & POLLIN)
			fake_read();
		if (p[4].revents & POLLIN)
			aux_read();
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			modem_aux_input(m);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			modem_input(m);
		if (p[1].revents & POLLIN)
			modem_timer(m);
	}
	return cond && cond(m);
}

static int scan_result = -1;		/* the last MODEM_EV_SCAN's; -1 none */
static int slot_result = -1;		/* the last MODEM_EV_SLOT's; -1 none */
static int pin_events, pin_result;	/* MODEM_EV_PIN: how many, the last result */
/* what vuiccd would log and show of the modem: every event's texts */
static char captured[16384];

static void capture(const struct modem *m, const struct modem_event *e)
{
	size_t l = strlen(captured);
	char t[48];

	snprintf(captured + l, sizeof(captured) - l, "ev %d op %s err %s pin %s why %s\n",
		 e->kind, e->op ? e->op : "-", m->last_error, modem_pin_text(m, t, sizeof(t)),
		 m->pin_why);
}

static void on_event(void *arg, struct modem *m, const struct modem_event *e)
{
	capture(m, e);
	if (e->kind == MODEM_EV_PIN) {
		pin_events++;
		pin_result = (int)e->result;
	}
	if (e->kind == MODEM_EV_STATE && m->state < 8)
		states_seen[m->state]++;
	if (e->kind == MODEM_EV_SCAN)
		scan_result = (int)e->result;
	if (e->kind == MODEM_EV_SLOT)
		slot_result = (int)e->result;
}

static bool slot_ended(struct modem *m) { return slot_result >= 0; }

static bool scanned(struct modem *m) { return scan_result >= 0; }
static bool identified(struct modem *m) { return m->state >= MODEM_IDLE; }

static bool online(struct modem *m) { return m->state == MODEM_ONLINE; }
static bool denied(struct modem *m) { return m->state == MODEM_DENIED; }
static bool closed(struct modem *m) { return m->state == MODEM_CLOSED; }

static void start_with(struct modem *m, bool aux, void (*setup)(void))
{
	memset(m, 0, sizeof(*m));
	memset(states_seen, 0, sizeof(states_seen));
	scan_result = -1;
	slot_result = -1;
	pin_events = 0;
	pin_result = -1;
	captured[0] = 0;
	m->fd = m->tfd = m->aux_fd = -1;
	m->card = ~0u;
	m->event = on_event;
	CHECK(fake_open() == 0);
	if (setup)
		setup();
	if (aux)
		CHECK(pty(&fk.apt, fk.apath, sizeof(fk.apath)) == 0);
	CHECK(modem_open(m, 0, fk.path, aux ? fk.apath : NULL, "internet") == 0);
}

static void start(struct modem *m)
{
	start_with(m, false, NULL);
	modem_connect(m);
}

static void finish(struct modem *m)
{
	modem_close(m);
	if (m->tfd >= 0)
		close(m->tfd);
	close(fk.pt);
	if (fk.apt >= 0)
		close(fk.apt);
}

/* Telit AT#CSURV, the text form (LE910 V2 AT reference): GSM, UMTS and LTE
 * records, a carrier with no BCCH, the frame lines, blank lines between */
static const char telit_survey[] =
	"\r\nNetwork survey started ...\r\n\r\n"
	"arfcn: 48 bsic: 24 rxLev: -52 ber: 0.00 mcc: 001 mnc: 01 lac: 195 cellId: 6699 "
	"cellStatus: CELL_SUITABLE numArfcn: 2 arfcn: 30 48\r\n\r\n"
	"arfcn: 77 rxLev: -101\r\n\r\n"
	"uarfcn: 10737 rxLev: -65 mcc: 001 mnc: 02 scr code: 5 cellId: 27401 lac: 257 "
	"cellStatus: CELL_SUITABLE rscp: -78 ecio: -8.5\r\n\r\n"
	"earfcn: 6400 rxLev: -58 mcc: 001 mnc: 01 cellId: 101 tac: 195 cellIdentity: 27401 "
	"cellStatus: CELL_SUITABLE rsrp: -89 rsrq: -11\r\n\r\n"
	"earfcn: 6300 rxLev: -70 mcc: 001 mnc: 01 cellId: 102 tac: 196 cellIdentity: 27402 "
	"cellStatus: CELL_SUITABLE rsrp: -97 rsrq: -13\r\n\r\n"
	"Network survey ended\r\n\r\nOK\r\n";

static void telit(void)
{
	fk.maker = "\r\nTelit\r\n\r\nOK\r\n";
	fk.model = "\r\nLE910C1-EU\r\n\r\nOK\r\n";
	fk.ws46 = "\r\n+WS46: (12,22,25,28-31)\r\n\r\nOK\r\n";
	fk.survey = telit_survey;
}

static const struct at_scan_entry *entry(const struct modem *m, const char *plmn, int act)
{
	unsigned int i;

	for (i = 0; i < m->n_scan; i++)
		if (!strcmp(m->scan[i].numeric, plmn) && m->scan[i].act == act)
			return &m->scan[i];
	return NULL;
}

static void test_identity_and_survey(void)
{
	const struct at_scan_entry *e;
	struct modem m;

	start_with(&m, false, telit);
	CHECK(pump(&m, identified, 3000));
	CHECK(!strcmp(m.manufacturer, "Telit") && !strcmp(m.model, "LE910C1-EU"));
	CHECK(m.dialect == SURVEY_TELIT);
	CHECK(m.rats == (AT_RAT_BIT(AT_RAT_GSM) | AT_RAT_BIT(AT_RAT_UMTS) | AT_RAT_BIT(AT_RAT_LTE)));
	CHECK(modem_scan(&m) == 0);
	CHECK(modem_scan(&m) == -1);		/* one at a time */
	CHECK(pump(&m, scanned, 3000));
	CHECK(scan_result == AT_R_OK && !strcmp(m.scan_source, "AT#CSURV"));
	CHECK(strstr(fk.log, "AT#CSURV\n") && !strstr(fk.log, "AT+COPS=?"));
	CHECK(m.n_scan == 3);
	e = entry(&m, "00101", 7);		/* the stronger of two LTE cells */
	CHECK(e && e->dbm == -89 && e->tac == 195 && e->ci == 101);
	e = entry(&m, "00101", 0);
	CHECK(e && e->dbm == -52 && e->tac == 195 && e->ci == 6699);
	e = entry(&m, "00102", 2);		/* UMTS: RSCP, not rxLev */
	CHECK(e && e->dbm == -78);
	finish(&m);
}

static const char ublox_survey[] =
	"\r\nMCC:1, MNC:1, TAC:c3, CI:1a2b301, DLF: 1325, ULF:19325, PCI:163, RSRP LEV:56, "
	"RSRQ LEV:20\r\n\r\nOK\r\n";

static void ublox(void)
{
	fk.maker = "\r\nu-blox\r\n\r\nOK\r\n";
	fk.model = "\r\nSARA-R510M8S\r\n\r\nOK\r\n";
	fk.survey = ublox_survey;
}

static bool have_signal(struct modem *m) { return m->signal.rsrp_dbm != INT32_MIN; }

static void test_survey_on_second_port(void)
{
	struct modem m;
	uint64_t t;

	start_with(&m, true, ublox);
	CHECK(pump(&m, identified, 3000));
	CHECK(m.dialect == SURVEY_UBLOX && m.rats == 0);	/* +WS46=? refused: unknown */
	CHECK(m.aux_fd >= 0);
	CHECK(modem_scan(&m) == 0);
	CHECK(pump(&m, NULL, 300) || strstr(fk.log, "aux AT+COPS=5\n"));
	CHECK(fk.survey_held && m.scanning);
	/* the main port is free meanwhile: a status read is answered at once */
	t = ms();
	CHECK(modem_query_signal(&m) == 0);
	CHECK(pump(&m, have_signal, 1000));
	CHECK(ms() - t < 500 && m.scanning);
	fake_release();
	CHECK(pump(&m, scanned, 2000));
	CHECK(scan_result == AT_R_OK && m.n_scan == 1);
	CHECK(!strcmp(m.scan[0].numeric, "00101") && m.scan[0].act == 7 &&
	      m.scan[0].dbm == 56 - 141 && m.scan[0].tac == 0xc3);
	/* a second one aborted: "ABORTED" ends it, counted */
	scan_result = -1;
	CHECK(modem_scan(&m) == 0);
	CHECK(pump(&m, NULL, 300) || fk.survey_held);
	CHECK(modem_scan_abortable(&m));
	CHECK(modem_scan_abort(&m) == 0);
	CHECK(pump(&m, scanned, 2000));
	CHECK(scan_result == AT_R_CANCELLED && m.scans_aborted == 1 && !m.scanning);
	finish(&m);
}

static void quectel_without_qscan(void)
{
	fk.maker = "\r\nQuectel\r\n\r\nOK\r\n";
	fk.model = "\r\nRM500Q-GL\r\n\r\nOK\r\n";
	fk.survey = "\r\n+COPS: (2,\"Test\",\"Test\",\"00101\",7),,(0-4),(0-2)\r\n\r\nOK\r\n";
}

static void test_survey_missing_falls_back(void)
{
	struct modem m;

	start_with(&m, false, quectel_without_qscan);
	CHECK(pump(&m, identified, 3000));
	CHECK(m.dialect == SURVEY_QUECTEL);
	/* an answer with no +QSCAN: line (the fake gives the +COPS=? list):
	 * a survey that saw nothing */
	CHECK(modem_scan(&m) == 0);
	CHECK(pump(&m, scanned, 3000));
	CHECK(scan_result == AT_R_OK && m.n_scan == 0);
	/* a firmware without it: ERROR, then +COPS=? from then on */
	fk.survey = "\r\nERROR\r\n";
	scan_result = -1;
	CHECK(modem_scan(&m) == 0);
	CHECK(pump(&m, scanned, 3000));
	CHECK(m.survey_failed && strstr(fk.log, "AT+COPS=?\n"));
	finish(&m);
}

static bool cimi_after_slot(struct modem *m)
{
	const char *sel = strstr(fk.log, "AT+QUIMSLOT=");

	return sel && strstr(sel, "AT+CIMI\n");
}

static void quectel_dual_sim(void)
{
	fk.maker = "\r\nQuectel\r\n\r\nOK\r\n";
	fk.model = "\r\nRM500Q-GL\r\n\r\nOK\r\n";
}

/* The slot command of the modem's dialect: sent, the card read again after
 * it; refused; none on a modem of no known dialect. */
static void test_slot_select(void)
{
	struct modem m;
	const char *sel;

	start_with(&m, false, quectel_dual_sim);
	CHECK(modem_select_slot(&m, 2) == -1);	/* who it is, not known yet */
	CHECK(pump(&m, identified, 3000));
	CHECK(modem_slot_dialect(&m) == SLOT_QUECTEL && m.slot == 0);
	CHECK(modem_select_slot(&m, 3) == -1 && modem_select_slot(&m, 0) == -1);
	fk.log[0] = 0;
	CHECK(modem_select_slot(&m, 2) == 0);
	CHECK(modem_select_slot(&m, 1) == -1);	/* one at a time */
	CHECK(pump(&m, slot_ended, 3000));
	CHECK(slot_result == AT_R_OK && m.slot == 2 && m.slot_switches == 1 && !m.slot_want);
	sel = strstr(fk.log, "AT+QUIMSLOT=2\n");
	CHECK(sel != NULL);
	CHECK(pump(&m, cimi_after_slot, 3000));		/* the card is read again */
	fk.slot_refused = true;
	slot_result = -1;
	CHECK(modem_select_slot(&m, 1) == 0);
	CHECK(pump(&m, slot_ended, 3000));
	/* refused: the slot it is on is not known any more (the next switch
	 * sends its command whatever it is); the error is reported */
	CHECK(slot_result == AT_R_CME && m.slot == 0 && m.slot_switches == 1);
	CHECK(strstr(m.last_error, "AT+QUIMSLOT=1") != NULL);
	fk.slot_refused = false;
	finish(&m);

	/* a modem of no known slot dialect: no command at all */
	start_with(&m, false, NULL);
	CHECK(pump(&m, identified, 3000));
	CHECK(modem_slot_dialect(&m) == SLOT_NONE);
	CHECK(modem_select_slot(&m, 1) == -1 && modem_select_slot(&m, 2) == -1);
	CHECK(!strstr(fk.log, "QUIMSLOT"));
	finish(&m);
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

/* The initialisation fails: the modem is closed from inside the AT
 * client's callback and reopened 2 s later (ASan: no use of the freed
 * client; the soak's slave died of it) */
static void test_init_error_reopens(void)
{
	struct modem m;

	start(&m);
	fk.at_fails_once = true;
	CHECK(pump(&m, closed, 2000));
	CHECK(strstr(m.last_error, "AT: +CME ERROR: 10") != NULL);
	CHECK(pump(&m, online, 5000));
	CHECK(m.reopens == 2);
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

/* ---- PIN1 ---- */

#define PIN_RIGHT	"73915064"
#define PIN_WRONG	"46280517"

static bool pin_settled(struct modem *m) { return pin_events > 0 && !modem_pin_pending(m); }

static void card_pin(void)
{
	snprintf(fk.pin, sizeof(fk.pin), "%s", PIN_RIGHT);
	fk.pin_tries = 3;
}

/* Neither PIN in what would be logged or shown, nor in the modem's memory
 * once replaced. */
static void check_no_pin(struct modem *m)
{
	CHECK(!strstr(captured, PIN_RIGHT) && !strstr(captured, PIN_WRONG));
	modem_set_pin(m, "other", NULL);
	CHECK(!memmem(m, sizeof(*m), PIN_RIGHT, 8) && !memmem(m, sizeof(*m), PIN_WRONG, 8));
}

/* the card changed to the same profile: its PIN state is read again */
static void recheck(struct modem *m)
{
	pin_events = 0;
	modem_card_changed(m);
	CHECK(pump(m, pin_settled, 3000));
}

static void test_pin_right(void)
{
	struct modem m;

	start_with(&m, false, card_pin);
	modem_set_pin(&m, "seed", PIN_RIGHT);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_READY && pin_result == AT_R_OK && !m.pin_why[0]);
	CHECK(fk.pin_sent == 1 && fk.pin_verified && m.pin_attempts == 1);
	CHECK(strstr(fk.log, "AT+CPINR=\"SIM PIN\"\nAT+CPIN=\"" PIN_RIGHT "\"\n"));
	/* verified: the next check finds READY and sends nothing */
	recheck(&m);
	CHECK(m.pin == MODEM_PIN_READY && fk.pin_sent == 1);
	check_no_pin(&m);
	finish(&m);
}

static void test_pin_wrong_once(void)
{
	struct modem m;
	char t[48];

	start_with(&m, false, card_pin);
	modem_set_pin(&m, "seed", PIN_WRONG);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_WRONG && pin_result != AT_R_OK && fk.pin_sent == 1);
	CHECK(fk.pin_tries == 2 && m.pin_retries == 2);
	CHECK(!strcmp(m.pin_why, "PIN1 wrong: 2 attempts left"));
	CHECK(!strcmp(modem_pin_text(&m, t, sizeof(t)), "wrong pin (2 left)"));
	/* the same profile and PIN again (given again, too): never sent */
	modem_set_pin(&m, "seed", PIN_WRONG);
	recheck(&m);
	recheck(&m);
	CHECK(m.pin == MODEM_PIN_WRONG && fk.pin_sent == 1 && fk.pin_tries == 2);
	CHECK(strstr(captured, "AT+CPIN=<hidden>") || !strstr(captured, "AT+CPIN="));
	/* the profile's PIN changed (its file edited): tried, once */
	modem_set_pin(&m, "seed", PIN_RIGHT);
	recheck(&m);
	CHECK(m.pin == MODEM_PIN_READY && fk.pin_sent == 2 && fk.pin_verified);
	check_no_pin(&m);
	finish(&m);
}

static void one_try_left(void)
{
	card_pin();
	fk.pin_tries = 1;
}

static void test_pin_one_left_not_tried(void)
{
	struct modem m;
	char t[48];

	start_with(&m, false, one_try_left);
	modem_set_pin(&m, "seed", PIN_RIGHT);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_NOT_TRIED && fk.pin_sent == 0 && fk.pin_tries == 1);
	CHECK(!strcmp(m.pin_why, "PIN1: 1 attempt left: not tried"));
	CHECK(!strcmp(modem_pin_text(&m, t, sizeof(t)), "not tried (1 left)"));
	check_no_pin(&m);
	finish(&m);
}

static void no_cpinr(void)
{
	card_pin();
	fk.no_cpinr = true;
}

static void test_pin_no_cpinr(void)
{
	struct modem m;

	start_with(&m, false, no_cpinr);
	modem_set_pin(&m, "seed", PIN_WRONG);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_WRONG && fk.pin_sent == 1 && m.pin_retries == -1);
	CHECK(!strcmp(m.pin_why, "PIN1 wrong: attempts left unknown"));
	recheck(&m);
	CHECK(fk.pin_sent == 1 && fk.pin_tries == 2);
	check_no_pin(&m);
	finish(&m);
}

static void puk(void)
{
	card_pin();
	fk.pin_tries = 0;
}

static void test_pin_puk_and_none(void)
{
	struct modem m;

	start_with(&m, false, puk);
	modem_set_pin(&m, "seed", PIN_RIGHT);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_PUK && fk.pin_sent == 0 && pin_result != AT_R_OK);
	CHECK(strstr(m.pin_why, "SIM PUK") != NULL);
	finish(&m);

	start_with(&m, false, card_pin);
	modem_set_pin(&m, "seed", NULL);
	CHECK(pump(&m, pin_settled, 3000));
	CHECK(m.pin == MODEM_PIN_NONE && fk.pin_sent == 0);
	CHECK(!strcmp(m.pin_why, "PIN1 required, profile has none"));
	finish(&m);

	/* no PIN on the card: READY, nothing sent, and the connect goes on */
	start(&m);
	modem_set_pin(&m, "seed", PIN_RIGHT);
	CHECK(pump(&m, online, 3000));
	CHECK(pump(&m, pin_settled, 3000) && m.pin == MODEM_PIN_READY && fk.pin_sent == 0);
	check_no_pin(&m);
	finish(&m);
}

int main(void)
{
	RUN(test_connect_online);
	RUN(test_denied);
	RUN(test_fallbacks);
	RUN(test_dial_retry);
	RUN(test_init_error_reopens);
	RUN(test_silent_then_hangup);
	RUN(test_identity_and_survey);
	RUN(test_survey_on_second_port);
	RUN(test_survey_missing_falls_back);
	RUN(test_slot_select);
	RUN(test_pin_right);
	RUN(test_pin_wrong_once);
	RUN(test_pin_one_left_not_tried);
	RUN(test_pin_no_cpinr);
	RUN(test_pin_puk_and_none);
	DONE();
}
