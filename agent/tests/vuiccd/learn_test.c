// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the policy's learning kept across restarts: the core's
 * pol_learned_get()/pol_learned_put() (agent/core/policy_learn.c) and its
 * text on disk (agent/vuiccd/learn.c).  A policy learns (a quarantine, a
 * breaker, a location outcome, a congested network), its learning goes
 * through the text to a fresh policy whose clock started elsewhere (as
 * after a restart), and that policy does not retry what it learned to
 * avoid.  The decoder takes every truncation and mutation of a good text
 * and random bytes (VUICC_LEARN_FUZZ_COUNT inputs, 20000 by default)
 * without a crash, and what it accepts encodes back to the same text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/policy.h"
#include "../testlib.h"
#include "vuiccd/learn.h"

static struct policy P;
static struct pol_action A[POL_ACTIONS_MAX];
static unsigned int NA;
static uint64_t T;

static void prof(const char *name, enum pol_kind k, double tariff, const char *plmn)
{
	struct pol_profile pp;

	memset(&pp, 0, sizeof(pp));
	snprintf(pp.name, sizeof(pp.name), "%s", name);
	pp.kind = k;
	pp.has_tariff = true;
	pp.tariff = tariff;
	pp.n_plmns = 1;
	snprintf(pp.plmns[0], sizeof(pp.plmns[0]), "%s", plmn);
	CHECK(pol_add_profile(&P, &pp) == 0);
}

/* master on 00101, s1 on 00102 (cheap), s2 on 00103; the clock at @t0 */
static void setup(uint64_t t0)
{
	struct pol_config c;

	pol_config_defaults(&c);
	c.want_vsim = false;
	pol_init(&P, &c);
	pol_set_clock(&P, t0);
	T = t0;
	prof("master", POL_SEED_MASTER, 0.5, "00101");
	prof("s1", POL_SEED_STANDBY, 0.1, "00102");
	prof("s2", POL_SEED_STANDBY, 0.9, "00103");
}

static void step(const struct pol_event *ev)
{
	NA = pol_step(&P, T, ev, A, POL_ACTIONS_MAX);
}

static void simple(enum pol_event_kind k, bool ok)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = k;
	ev.ok = ok;
	ev.cme = -1;
	ev.cause = -1;
	step(&ev);
}

/* (a modem searches before it reports on a new card) */
static void reg(enum pol_reg_stat stat, int cause, const char *plmn)
{
	struct pol_event ev;

	if (stat != POL_REG_SEARCHING && P.stage == POL_STAGE_REGISTER && P.new_card &&
	    !P.searched) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_REG;
		ev.stat = POL_REG_SEARCHING;
		ev.cause = -1;
		step(&ev);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_REG;
	ev.stat = stat;
	ev.cause = cause;
	snprintf(ev.plmn, sizeof(ev.plmn), "%s", plmn);
	ev.tac = 0x10;
	ev.rat = POL_RAT_LTE;
	ev.dbm = -90;
	step(&ev);
}

static const struct pol_action *act(enum pol_action_kind kind)
{
	unsigned int i;

	for (i = 0; i < NA; i++)
		if (A[i].kind == kind)
			return &A[i];
	return NULL;
}

static bool enables(const char *name)
{
	const struct pol_action *a = act(POL_ACT_ENABLE);

	return a && !strcmp(a->profile, name);
}

static void scan_all(void)
{
	struct pol_event ev;
	static const char *const plmns[] = { "00101", "00102", "00103" };
	unsigned int i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	ev.ok = true;
	ev.n_scan = 3;
	for (i = 0; i < 3; i++) {
		snprintf(ev.scan[i].plmn, 7, "%s", plmns[i]);
		ev.scan[i].rat = POL_RAT_LTE;
		ev.scan[i].dbm = -80;
	}
	step(&ev);
}

/*
 * The first run: the master is refused with #8 (quarantined), s1 with #13
 * here (remembered for this place) and s2 connects.  Its learning, as text
 * with the policy clock at @offset from the Unix epoch.
 */
static size_t first_run(int64_t offset, char *text, size_t max)
{
	struct pol_learned l;

	setup(1000);
	simple(POL_EV_START, false);
	CHECK(enables("master"));
	simple(POL_EV_CARD, true);
	T += 2000;
	reg(POL_REG_DENIED, 8, "00101");
	CHECK(P.st[0].quarantined);
	if (act(POL_ACT_SCAN))
		scan_all();
	CHECK(enables("s1"));
	simple(POL_EV_CARD, true);
	T += 2000;
	reg(POL_REG_DENIED, 13, "00102");
	CHECK(P.n_memory == 1);
	if (act(POL_ACT_SCAN))
		scan_all();
	CHECK(enables("s2"));
	pol_learned_get(&P, &l);
	CHECK(l.n_seeds == 2 && l.n_memory == 1);
	return learn_encode(&l, offset, text, max);
}

/* the learning goes through the text into a policy started later */
static void test_restart_keeps_quarantine(void)
{
	char text[LEARN_TEXT_MAX], why[160];
	struct pol_learned l;
	int64_t off1 = 1700000000000LL, off2;
	uint64_t later = 5000000;	/* the new policy's clock at its start */
	size_t n;

	n = first_run(off1, text, sizeof(text));
	CHECK(n > 0 && strstr(text, "seed master 1 0 ") && strstr(text, "memory s1 00102 16 0 13 "));
	/* a restart 10 minutes after the first run's last event: the same wall
	 * clock is "later" on a policy clock that began somewhere else */
	off2 = off1 + (int64_t)T + 600000 - (int64_t)later;
	CHECK(learn_decode(text, n, off2, &l, why, sizeof(why)) == 0);
	setup(later);
	CHECK(pol_learned_put(&P, &l) == 3);
	CHECK(P.st[0].quarantined);
	CHECK(P.st[0].quarantined_until > later &&
	      P.st[0].quarantined_until <= later + P.cfg.quarantine_ms - 600000);
	CHECK(P.n_memory == 1 && P.memory[0].at < later);
	/* the first round: not the quarantined master, not s1 refused here */
	simple(POL_EV_START, false);
	CHECK(!enables("master"));
	if (act(POL_ACT_SCAN))
		scan_all();
	CHECK(!enables("master"));
	{
		struct pol_rank r[4];
		unsigned int k, nr = pol_ranking(&P, T, r, 4);

		for (k = 0; k < nr; k++)
			if (!strcmp(r[k].name, "master"))
				CHECK(r[k].gate && strstr(r[k].gate, "quarantined"));
	}
}

/* what expired while vuiccd was down is dropped */
static void test_expired_dropped(void)
{
	char text[LEARN_TEXT_MAX], why[160];
	struct pol_learned l;
	int64_t off1 = 1700000000000LL, off2;
	uint64_t later = 5000000;
	size_t n;

	n = first_run(off1, text, sizeof(text));
	/* two days later: the 6 h quarantine and the 24 h memory are over */
	off2 = off1 + (int64_t)T + 2 * 86400000LL - (int64_t)later;
	CHECK(learn_decode(text, n, off2, &l, why, sizeof(why)) == 0);
	setup(later);
	pol_learned_put(&P, &l);
	CHECK(!P.st[0].quarantined && P.n_memory == 0);
	simple(POL_EV_START, false);
	CHECK(enables("master"));
}

/* a wall clock that went back (an RTC-less board before NTP) cannot
 * stretch a quarantine past its configured length */
static void test_clock_back_clamped(void)
{
	char text[LEARN_TEXT_MAX], why[160];
	struct pol_learned l;
	int64_t off1 = 1700000000000LL, off2;
	uint64_t later = 5000000;
	size_t n;

	n = first_run(off1, text, sizeof(text));
	off2 = off1 - 365LL * 86400000;	/* a year back */
	CHECK(learn_decode(text, n, off2, &l, why, sizeof(why)) == 0);
	setup(later);
	pol_learned_put(&P, &l);
	CHECK(P.st[0].quarantined && P.st[0].quarantined_until <= later + P.cfg.quarantine_ms);
	/* a memory "from the future" is not trusted */
	CHECK(P.n_memory == 0);
}

/* a seed the new configuration does not have is skipped; "until restart"
 * quarantines (quarantine_ms = 0) are not kept */
static void test_skips(void)
{
	struct pol_learned l;
	struct pol_config c;

	memset(&l, 0, sizeof(l));
	l.n_seeds = 1;
	snprintf(l.seeds[0].name, sizeof(l.seeds[0].name), "gone");
	l.seeds[0].quarantined = true;
	l.seeds[0].quarantined_until = 9000000;
	setup(5000000);
	CHECK(pol_learned_put(&P, &l) == 0);

	pol_config_defaults(&c);
	c.quarantine_ms = 0;
	pol_init(&P, &c);
	pol_set_clock(&P, 1000);
	T = 1000;
	prof("master", POL_SEED_MASTER, 0.5, "00101");
	prof("s1", POL_SEED_STANDBY, 0.1, "00102");
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00101");
	CHECK(P.st[0].quarantined);
	pol_learned_get(&P, &l);
	CHECK(l.n_seeds == 1 && !l.seeds[0].quarantined);
}

/* a profile that changed (a fixed PIN) is judged afresh */
static void test_forget_changed(void)
{
	char text[LEARN_TEXT_MAX];

	first_run(0, text, sizeof(text));
	CHECK(P.st[0].quarantined && P.n_memory == 1);
	pol_forget_learned(&P, "master");
	CHECK(!P.st[0].quarantined && P.st[0].failures == 0 && P.st[0].last_cause == -1);
	CHECK(P.n_memory == 1);		/* s1's outcome stays */
	pol_forget_learned(&P, "s1");
	CHECK(P.n_memory == 0);
}

/* the largest learning fits; what decodes encodes back the same */
static void test_bounds(void)
{
	static char text[LEARN_TEXT_MAX], again[LEARN_TEXT_MAX];
	struct pol_learned l, m;
	char why[160];
	unsigned int k;
	size_t n, n2;

	memset(&l, 0, sizeof(l));
	l.n_seeds = POL_PROFILES_MAX;
	for (k = 0; k < POL_PROFILES_MAX; k++) {
		snprintf(l.seeds[k].name, sizeof(l.seeds[k].name),
			 "seed-with-a-long-name-%02u-xxxxxx", k);
		l.seeds[k].failures = 999999;
		l.seeds[k].retry_at = UINT32_MAX;
		l.seeds[k].quarantined = true;
		l.seeds[k].quarantined_until = UINT32_MAX;
		l.seeds[k].last_cause = 255;
		l.seeds[k].no_network = true;
	}
	l.n_memory = POL_MEMORY_MAX;
	for (k = 0; k < POL_MEMORY_MAX; k++) {
		snprintf(l.memory[k].seed, sizeof(l.memory[k].seed),
			 "seed-with-a-long-name-%02u-xxxxxx", k % POL_PROFILES_MAX);
		snprintf(l.memory[k].plmn, sizeof(l.memory[k].plmn), "001%03u", k);
		l.memory[k].tac = UINT32_MAX;
		l.memory[k].cause = 111;
		l.memory[k].at = 1 + k;
	}
	l.n_congested = POL_CONGESTED_MAX;
	for (k = 0; k < POL_CONGESTED_MAX; k++) {
		snprintf(l.congested[k].plmn, sizeof(l.congested[k].plmn), "99%03u", k);
		l.congested[k].until = 77;
	}
	n = learn_encode(&l, INT64_MAX / 4, text, sizeof(text));
	CHECK(n < sizeof(text) - 1);
	printf("# the largest learning: %zu bytes\n", n);
	CHECK(learn_decode(text, n, INT64_MAX / 4, &m, why, sizeof(why)) == 0);
	CHECK(m.n_seeds == l.n_seeds && m.n_memory == l.n_memory &&
	      m.n_congested == l.n_congested);
	n2 = learn_encode(&m, INT64_MAX / 4, again, sizeof(again));
	CHECK(n2 == n && !memcmp(text, again, n));
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* decode, and if accepted, encode back: the same text */
static unsigned int try(const char *in, size_t len)
{
	static char again[LEARN_TEXT_MAX];
	struct pol_learned l;
	char why[160];
	size_t n;

	if (learn_decode(in, len, 0, &l, why, sizeof(why)))
		return 0;
	n = learn_encode(&l, 0, again, sizeof(again));
	/* (a canonical text: single spaces, no leading zeros, no "-0") */
	if (n != len || memcmp(in, again, n)) {
		const char *p;
		bool canonical = true;

		for (p = in; p < in + len; p++)
			if ((*p == ' ' && (p + 1 == in + len || p[1] == ' ' || p[1] == '\n' ||
					   p == in || p[-1] == '\n')) ||
			    ((p == in || p[-1] == ' ') && *p == '0' && p + 1 < in + len &&
			     p[1] >= '0' && p[1] <= '9') ||
			    (*p == '-' && p + 1 < in + len && p[1] == '0') ||
			    ((p == in || p[-1] == ' ') && *p == '+'))
				canonical = false;
		CHECK(!canonical);
	}
	return 1;
}

static void test_decode_fuzz(void)
{
	static char text[LEARN_TEXT_MAX], buf[LEARN_TEXT_MAX];
	const char *env = getenv("VUICC_LEARN_FUZZ_COUNT");
	unsigned long count = env ? strtoul(env, NULL, 10) : 20000, i;
	unsigned int accepted = 0, k;
	size_t n, len;

	n = first_run(1700000000000LL, text, sizeof(text));
	/* every truncation: whole lines only, or refused */
	for (len = 0; len <= n; len++) {
		struct pol_learned l;
		char why[160];
		int ret = learn_decode(text, len, 0, &l, why, sizeof(why));

		CHECK(ret == 0 || ret == -EBADMSG);
		CHECK(ret != 0 || (len > 0 && text[len - 1] == '\n'));
	}
	/* mutations of the good text, and random lines */
	for (i = 0; i < count; i++) {
		len = n;
		memcpy(buf, text, n);
		if (i % 4 == 3) {
			len = next() % 200;
			for (k = 0; k < len; k++)
				buf[k] = " 0123456789-seedmorycngt\nab"[next() % 27];
			if (next() % 2) {
				memcpy(buf, "vuicc-learn 1\n", 14);
				if (len < 14)
					len = 14;
			}
		} else {
			for (k = 0; k < 1 + i % 3; k++)
				buf[next() % len] = next() % 2 ? (char)(next() % 256) :
						    "0123456789 -\n"[next() % 13];
		}
		accepted += try(buf, len);
	}
	printf("# %lu mutated or random texts: %u accepted (each re-encoded the same)\n", count,
	       accepted);
}

int main(void)
{
	RUN(test_restart_keeps_quarantine);
	RUN(test_expired_dropped);
	RUN(test_clock_back_clamped);
	RUN(test_skips);
	RUN(test_forget_changed);
	RUN(test_bounds);
	RUN(test_decode_fuzz);
	DONE();
}
