// SPDX-License-Identifier: GPL-2.0
/*
 * netsim: a simulated modem, network and data link that drive the real
 * card (Documentation/dev-tools/netsim.rst).
 *
 *   netsim --scenario FILE [--report FILE] [--duration MS]
 *
 * One epoll loop: each modem's AT port (pty master) and card (/dev/vuiccN,
 * EPOLLPRI on removal and insertion), a signalfd, and one timerfd armed
 * for the nearest deadline (a delayed AT answer, a procedure step, a
 * scenario event).  Exit status: 0, 1 when the scenario failed (an IMSI
 * attached twice at once), 2 on a usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "netsim.h"

struct netsim ns;

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

uint64_t ns_now(void)
{
	return mono_ms() - ns.t0;
}

void ns_log(const char *fmt, ...)
{
	uint64_t t = ns_now();
	va_list ap;

	fprintf(ns.log, "netsim %5llu.%03llu ", (unsigned long long)(t / 1000),
		(unsigned long long)(t % 1000));
	va_start(ap, fmt);
	vfprintf(ns.log, fmt, ap);
	va_end(ap);
	fputc('\n', ns.log);
	fflush(ns.log);
}

#define FAILURES_KEPT 16
static char failure_text[FAILURES_KEPT][200];

void ns_failure(const char *fmt, ...)
{
	char b[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (ns.failures < FAILURES_KEPT)
		strcpy(failure_text[ns.failures], b);
	ns.failures++;
	ns_log("SCENARIO FAILURE: %s", b);
}

static void report(FILE *f)
{
	unsigned int i;

	fprintf(f, "{\"scenario\": \"%s\", \"elapsed_ms\": %llu, \"failures\": [", ns.sc.file,
		(unsigned long long)ns_now());
	for (i = 0; i < ns.failures && i < FAILURES_KEPT; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", failure_text[i]);
	fprintf(f, "], \"modems\": [");
	for (i = 0; i < ns.sc.n_modems; i++) {
		struct ns_modem *m = &ns.modems[i];

		fprintf(f, "%s{\"name\": \"%s\", \"card\": %u, \"imsi\": \"%s\", \"stat\": %d, "
			"\"plmn\": \"%s\", \"boots\": %lu, \"attaches\": %lu, \"auths\": %lu, "
			"\"resyncs\": %lu, \"rejects\": %lu, \"pdp_up\": %lu, \"at_commands\": %lu, "
			"\"urcs_lost\": %lu, \"pin_verifies\": %lu, \"pin_wrong\": %lu, "
			"\"pin\": \"%s\", \"pin_tries\": %d, \"blackholes\": %lu, "
			"\"slot\": %u, \"slot_switches\": %lu}",
			i ? ", " : "", m->cfg->name, m->cfg->card, m->imsi, m->stat, m->plmn,
			m->boots, m->attaches, m->auths, m->resyncs, m->rejects, m->pdp_up,
			m->at_cmds, m->urcs_lost, m->pin_verifies, m->pin_wrong,
			m->pin_need == PIN_SIM_PUK ? "sim puk" : m->pin_need == PIN_SIM_PIN ?
			"sim pin" : "ready", m->pin_tries, m->blackholes, m->slot, m->slot_switches);
	}
	fprintf(f, "], \"subscribers\": [");
	for (i = 0; i < ns.sc.n_subs; i++) {
		struct ns_subscriber *u = &ns.sc.subs[i];

		fprintf(f, "%s{\"imsi\": \"%s\", \"auths\": %lu, \"resyncs\": %lu, "
			"\"mac_failures\": %lu}", i ? ", " : "", u->imsi, u->auths, u->resyncs,
			u->mac_failures);
	}
	fprintf(f, "]}\n");
}

static void run_event(struct ns_event *e)
{
	int loc = ns_find_loc(&ns.sc, e->loc);
	unsigned int i;

	e->done = true;
	switch (e->kind) {
	case EV_MOVE:
		modem_moved(&ns.modems[e->modem], loc);
		break;
	case EV_SIGNAL:
		for (i = 0; i < ns.sc.locs[loc].n_ops; i++) {
			struct ns_operator *o = &ns.sc.locs[loc].ops[i];

			if (strcmp(o->plmn, e->plmn))
				continue;
			o->signal[e->rat] = e->dbm;
			o->rats |= RAT_BIT(e->rat);
			ns_log("signal of %s at %s: %d dBm", o->plmn, e->loc, e->dbm);
		}
		break;
	case EV_END:
		ns_log("the scenario ends");
		ns.stop = true;
		break;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: netsim --scenario FILE [--report FILE] [--duration MS]\n");
}

enum { TAG_SIGNAL = 1000, TAG_TIMER, TAG_CARD = 2000, TAG_PORT2 = 3000 };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "report", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *scenario = NULL, *report_path = NULL;
	long duration = -1;
	struct epoll_event ev, evs[16];
	struct itimerspec its;
	char err[512];
	sigset_t sigs;
	uint64_t start;
	unsigned int i;
	int c, epfd, sfd, tfd, rc = 0;

	ns.log = stdout;
	while ((c = getopt_long(argc, argv, "s:r:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			scenario = optarg;
			break;
		case 'r':
			report_path = optarg;
			break;
		case 'd':
			duration = strtol(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!scenario || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (ns_scenario_load(scenario, &ns.sc, err, sizeof(err))) {
		fprintf(stderr, "netsim: %s\n", err);
		return 2;
	}
	if (duration >= 0)
		ns.sc.duration_ms = (unsigned int)duration;
	ns.t0 = mono_ms();
	/* the log's times count from here: what a test needs to line them up with others */
	ns_log("times are ms since CLOCK_MONOTONIC %llu.%03llu s",
	       (unsigned long long)(ns.t0 / 1000), (unsigned long long)(ns.t0 % 1000));

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || epfd < 0) {
		perror("netsim");
		return 2;
	}
	if (net_init()) {
		fprintf(stderr, "netsim: cannot set up the internet namespace %s\n", ns.sc.netns);
		return 2;
	}
	for (i = 0; i < ns.sc.n_modems; i++) {
		struct ns_modem *m = &ns.modems[i];

		m->cfg = &ns.sc.modems[i];
		m->idx = (int)i;
		m->port[0].ptm = m->port[1].ptm = m->cfd = m->sim_io = m->sim_hold = -1;
		m->sub = -1;
		c = modem_open(m);
		if (c) {
			fprintf(stderr, "netsim: modem %s: %s (is vuicc.ko loaded with card %u?)\n",
				m->cfg->name, strerror(-c), m->cfg->card);
			rc = 2;
			goto out;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(epfd, EPOLL_CTL_ADD, m->port[0].ptm, &ev);
		if (m->port[1].ptm >= 0) {
			ev.data.u32 = TAG_PORT2 + i;
			epoll_ctl(epfd, EPOLL_CTL_ADD, m->port[1].ptm, &ev);
		}
		if (m->cfd >= 0) {
			ev.events = EPOLLPRI;
			ev.data.u32 = TAG_CARD + i;
			epoll_ctl(epfd, EPOLL_CTL_ADD, m->cfd, &ev);
		}
	}
	ev.events = EPOLLIN;
	ev.data.u32 = TAG_SIGNAL;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.u32 = TAG_TIMER;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	ns_log("scenario %s: %u modems, %u locations, %u subscribers, %u failures, %u events",
	       scenario, ns.sc.n_modems, ns.sc.n_locs, ns.sc.n_subs, ns.sc.n_fails,
	       ns.sc.n_events);

	/* event times count from here, after the set-up (slow on a debug kernel) */
	start = ns_now();
	while (!ns.stop) {
		uint64_t now = ns_now(), next = UINT64_MAX, d;
		int n, j;

		for (i = 0; i < ns.sc.n_events; i++)
			if (!ns.sc.events[i].done && start + ns.sc.events[i].at_ms <= now)
				run_event(&ns.sc.events[i]);
		for (i = 0; i < ns.sc.n_modems; i++)
			modem_tick(&ns.modems[i], now);
		if (ns.sc.duration_ms && now >= start + ns.sc.duration_ms) {
			ns_log("duration reached");
			break;
		}
		if (ns.stop)
			break;
		for (i = 0; i < ns.sc.n_modems; i++) {
			d = modem_deadline(&ns.modems[i]);
			if (d < next)
				next = d;
		}
		for (i = 0; i < ns.sc.n_events; i++)
			if (!ns.sc.events[i].done && start + ns.sc.events[i].at_ms < next)
				next = start + ns.sc.events[i].at_ms;
		if (ns.sc.duration_ms && start + ns.sc.duration_ms < next)
			next = start + ns.sc.duration_ms;
		memset(&its, 0, sizeof(its));
		if (next != UINT64_MAX) {
			d = next > now ? next - now : 0;
			its.it_value.tv_sec = (time_t)(d / 1000);
			its.it_value.tv_nsec = (long)(d % 1000) * 1000000 + 1;
		}
		timerfd_settime(tfd, 0, &its, NULL);
		n = epoll_wait(epfd, evs, 16, -1);
		if (n < 0 && errno != EINTR) {
			perror("netsim: epoll_wait");
			rc = 2;
			break;
		}
		for (j = 0; j < n; j++) {
			uint32_t tag = evs[j].data.u32;

			if (tag == TAG_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					ns_log("signal %u: stopping", si.ssi_signo);
				ns.stop = true;
			} else if (tag == TAG_TIMER) {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					ns.stop = true;
			} else if (tag >= TAG_PORT2) {
				modem_at_input(&ns.modems[tag - TAG_PORT2], 1);
			} else if (tag >= TAG_CARD) {
				modem_card_event(&ns.modems[tag - TAG_CARD]);
			} else if (tag < ns.sc.n_modems) {
				modem_at_input(&ns.modems[tag], 0);
			}
		}
	}
out:
	for (i = 0; i < ns.sc.n_modems; i++)
		if (ns.modems[i].cfg)
			modem_close(&ns.modems[i]);
	net_exit();
	for (i = 0; i < ns.sc.n_subs; i++) {
		explicit_bzero(ns.sc.subs[i].k, 16);
		explicit_bzero(ns.sc.subs[i].opc, 16);
	}
	if (report_path) {
		FILE *f = fopen(report_path, "w");

		if (f) {
			report(f);
			fclose(f);
		}
	}
	if (rc)
		return rc;
	ns_log("%lu scenario failures", ns.failures);
	return ns.failures ? 1 : 0;
}
