// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core on a virtual clock: ranking, the staged connection and
 * its timeouts, reject-cause handling, the circuit breaker, waiting when
 * every seed fails, switch-back, the VSIM life cycle, determinism, and
 * random events.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/policy.h"
#include "../testlib.h"

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
	if (plmn) {
		pp.n_plmns = 1;
		snprintf(pp.plmns[0], sizeof(pp.plmns[0]), "%s", plmn);
	}
	CHECK(pol_add_profile(&P, &pp) == 0);
}

/* master on 00101, standby s1 on 00102 (cheap), s2 on 00103 (dear) */
static void setup(bool want_vsim)
{
	struct pol_config c;

	pol_config_defaults(&c);
	c.want_vsim = want_vsim;
	pol_init(&P, &c);
	T = 1000;
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

/* a modem searches before it reports on a new card (reg_raw: as given) */
static bool reg_raw;

static void reg(enum pol_reg_stat stat, int cause, const char *plmn)
{
	struct pol_event ev;

	if (!reg_raw && stat != POL_REG_SEARCHING && P.stage == POL_STAGE_REGISTER &&
	    P.new_card && !P.searched) {
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

static void server(enum pol_srv_req r, enum pol_srv_result res, const char *vsim)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SERVER;
	ev.req = r;
	ev.result = res;
	if (vsim) {
		snprintf(ev.profile.name, sizeof(ev.profile.name), "%s", vsim);
		ev.profile.kind = POL_VSIM;
	}
	step(&ev);
}

static void scan2(int dbm1, int dbm2)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	ev.ok = true;
	ev.n_scan = 2;
	snprintf(ev.scan[0].plmn, 7, "00102");
	ev.scan[0].rat = POL_RAT_LTE;
	ev.scan[0].dbm = dbm1;
	snprintf(ev.scan[1].plmn, 7, "00103");
	ev.scan[1].rat = POL_RAT_LTE;
	ev.scan[1].dbm = dbm2;
	step(&ev);
}

/* the first action of @kind, or NULL */
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

static void timer_to_deadline(void)
{
	uint64_t d = pol_deadline(&P);

	CHECK(d > 0);
	if (d > T)
		T = d;
	simple(POL_EV_TIMER, false);
}

/* card, registration, dial, data for the profile being connected */
static void connect_ok(const char *plmn, enum pol_srv_req first)
{
	simple(POL_EV_CARD, true);
	CHECK(act(POL_ACT_REGISTER) != NULL);
	T += 2000;
	reg(POL_REG_ROAMING, -1, plmn);
	CHECK(act(POL_ACT_DIAL) != NULL);
	T += 500;
	simple(POL_EV_DIAL, true);
	CHECK(act(POL_ACT_SERVER) && act(POL_ACT_SERVER)->req == first);
}

static void test_normalisation(void)
{
	struct pol_config c;

	pol_config_defaults(&c);
	CHECK(pol_signal_norm(POL_RAT_LTE, -140) == 0);
	CHECK(pol_signal_norm(POL_RAT_LTE, -44) == 1);
	CHECK(pol_signal_norm(POL_RAT_LTE, -150) == 0);
	CHECK(pol_signal_norm(POL_RAT_LTE, -20) == 1);
	CHECK(pol_signal_norm(POL_RAT_LTE, -92) == 0.5);
	CHECK(pol_signal_norm(POL_RAT_GSM, -113) == 0);
	CHECK(pol_signal_norm(POL_RAT_GSM, -51) == 1);
	CHECK(pol_signal_norm(POL_RAT_UMTS, -82) == 0.5);
	CHECK(pol_signal_norm(POL_RAT_LTE, POL_DBM_UNKNOWN) == 0);
	CHECK(pol_tariff_norm(&c, 0) == 1);
	CHECK(pol_tariff_norm(&c, 1) == 0);
	CHECK(pol_tariff_norm(&c, 0.25) == 0.75);
	CHECK(pol_tariff_norm(&c, 7) == 0);
	c.tariff_max = c.tariff_min;
	CHECK(pol_tariff_norm(&c, 0.5) == 0);
	CHECK(!strcmp(pol_cause_class(8), "sim"));
	CHECK(!strcmp(pol_cause_class(13), "location"));
	CHECK(!strcmp(pol_cause_class(22), "congestion"));
	CHECK(!strcmp(pol_cause_class(17), "other"));
}

/* Fixed bounds: a new seed never reorders the others. */
static void test_ranking_stable(void)
{
	struct pol_rank r[8];
	unsigned int n;

	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00101");
	CHECK(act(POL_ACT_SCAN) != NULL);
	T += 3000;
	scan2(-100, -60);
	/* s1: 0.5*0.417 + 0.5*0.9 = 0.658; s2: 0.5*0.833 + 0.5*0.1 = 0.467 */
	CHECK(enables("s1"));
	n = pol_ranking(&P, T, r, 8);
	CHECK(n == 3);
	CHECK(!strcmp(r[0].name, "master") && r[0].gate != NULL);
	CHECK(!strcmp(r[1].name, "s1") && !strcmp(r[2].name, "s2"));
	CHECK(r[1].score > 0.65 && r[1].score < 0.67);
	CHECK(r[1].b1 > 0.89 && r[1].b1 < 0.91);
	CHECK(!strcmp(r[1].signal_from, "scan"));
	prof("s3", POL_SEED_STANDBY, 0.0, "00109");	/* not visible: gated, last */
	n = pol_ranking(&P, T, r, 8);
	CHECK(n == 4);
	CHECK(!strcmp(r[1].name, "s1") && !strcmp(r[2].name, "s2"));
	CHECK(r[3].gate != NULL);
}

static void test_master_then_vsim(void)
{
	const struct pol_action *a;

	setup(true);
	simple(POL_EV_START, false);
	CHECK(NA == 1 && enables("master"));
	connect_ok("00101", POL_REQ_VSIM);
	CHECK(P.phase == POL_P_SEED);
	T += 300;
	server(POL_REQ_VSIM, POL_SRV_OK, "vsim1");
	CHECK(P.phase == POL_P_SEED_UP);
	a = act(POL_ACT_INSTALL);
	CHECK(a && !strcmp(a->profile, "vsim1"));
	simple(POL_EV_INSTALLED, true);
	/* the install event names its profile */
	{
		struct pol_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_INSTALLED;
		ev.ok = true;
		snprintf(ev.profile.name, sizeof(ev.profile.name), "vsim1");
		step(&ev);
	}
	CHECK(enables("vsim1"));
	CHECK(P.phase == POL_P_VSIM);
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_VSIM_UP);
	CHECK(P.attempts == 2 && P.switches == 1);
}

static void test_sim_level_quarantine(void)
{
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00101");
	CHECK(P.st[0].quarantined);
	CHECK(act(POL_ACT_SCAN) != NULL);
	scan2(-100, -60);
	CHECK(enables("s1"));
	/* s1 fails with a non-SIM cause, s2 next */
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 17, "00102");
	CHECK(!P.st[1].quarantined && P.st[1].retry_at > T);
	CHECK(enables("s2"));
	connect_ok("00103", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP);
	/* the master stays out until the quarantine ends */
	{
		struct pol_rank r[4];

		pol_ranking(&P, T, r, 4);
		CHECK(r[0].gate && strstr(r[0].gate, "quarantined"));
		pol_ranking(&P, T + P.cfg.quarantine_ms + 1, r, 4);
		CHECK(!r[0].gate || !strstr(r[0].gate, "quarantined"));
	}
}

/*
 * The card refused (its PIN1 wrong, or not tried): a SIM-level failure, the
 * seed quarantined with the reason and failover to the next; a card stage
 * that failed otherwise (not read) is not quarantined.
 */
static void test_card_pin_quarantine(void)
{
	struct pol_event ev;
	unsigned int i;
	bool noted = false;

	setup(false);
	simple(POL_EV_START, false);
	/* taken as ready, then the modem's PIN check says it is refused */
	simple(POL_EV_CARD, true);
	CHECK(P.stage == POL_STAGE_REGISTER && P.cur == 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_CARD;
	ev.cause = ev.cme = -1;
	snprintf(ev.card_why, sizeof(ev.card_why), "PIN1 wrong: 2 attempts left");
	step(&ev);
	CHECK(P.st[0].quarantined && P.quarantines == 1 && P.cur != 0);
	for (i = 0; i < NA; i++)
		if (A[i].kind == POL_ACT_NOTE && strstr(A[i].why, "PIN1 wrong: 2 attempts left") &&
		    strstr(A[i].why, "quarantined"))
			noted = true;
	CHECK(noted);
	CHECK(!P.card_why[0]);
	CHECK(act(POL_ACT_SCAN) != NULL);
	scan2(-100, -60);
	CHECK(enables("s1"));
	/* s1: refused in the card stage itself (known before): quarantined */
	step(&ev);
	CHECK(P.st[1].quarantined && P.quarantines == 2);
	CHECK(enables("s2"));
	/* s2: the card not read, no reason: not quarantined; a reason-less
	 * failure after it was ready is not taken either */
	simple(POL_EV_CARD, true);
	simple(POL_EV_CARD, false);
	CHECK(P.cur == 2 && P.stage == POL_STAGE_REGISTER);
	T += 2000;
	reg(POL_REG_ROAMING, -1, "00103");
	CHECK(act(POL_ACT_DIAL) != NULL);
	CHECK(!P.st[2].quarantined && P.quarantines == 2);
}

static void test_location_cause_remembered(void)
{
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 13, "00101");
	CHECK(!P.st[0].quarantined);
	CHECK(P.n_memory == 1 && !P.memory[0].ok && P.memory[0].cause == 13);
	CHECK(act(POL_ACT_SCAN) != NULL);
	scan2(-100, -60);
	CHECK(enables("s1"));
	connect_ok("00102", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	/* data lost, s1 refused: the next round skips the master here */
	T += 1000;
	reg(POL_REG_DENIED, 17, "00102");
	CHECK(P.cur != 0);
	CHECK(!enables("master"));
}

/* #22: the congested network is waited out, a seed elsewhere is tried. */
static void test_congestion(void)
{
	struct pol_event ev;

	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_SEARCHING, -1, "");
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_REG;
	ev.stat = POL_REG_DENIED;
	ev.cause = 22;
	snprintf(ev.plmn, 7, "00101");
	ev.backoff_ms = 20000;
	step(&ev);
	CHECK(P.st[0].retry_at == 0);		/* no breaker for the network's fault */
	CHECK(act(POL_ACT_SCAN) != NULL);
	/* the scan shows only the congested network and 00103 */
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	ev.ok = true;
	ev.n_scan = 2;
	snprintf(ev.scan[0].plmn, 7, "00101");
	ev.scan[0].dbm = -80;
	snprintf(ev.scan[1].plmn, 7, "00103");
	ev.scan[1].dbm = -100;
	step(&ev);
	CHECK(enables("s2"));
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00103");
	/* nothing left: wait until the congestion ends, then the master again */
	CHECK(P.phase == POL_P_WAIT);
	CHECK(pol_deadline(&P) <= 1000 + 20000);
	/* rounds until the congestion is over: the master is not tried before */
	{
		int k;

		for (k = 0; k < 10 && !enables("master"); k++) {
			CHECK(!act(POL_ACT_ENABLE) && !act(POL_ACT_REGISTER));
			if (act(POL_ACT_SCAN))
				step(&ev);	/* the same scan */
			else
				timer_to_deadline();
		}
	}
	CHECK(enables("master"));
	CHECK(T >= 1000 + 20000);
	CHECK(P.cur == 0);
}

static void test_stage_timeouts(void)
{
	setup(false);
	simple(POL_EV_START, false);
	CHECK(pol_deadline(&P) == T + P.cfg.t_card_ms);
	simple(POL_EV_CARD, true);
	reg(POL_REG_SEARCHING, -1, "");
	CHECK(pol_deadline(&P) == T + P.cfg.t_register_ms);
	timer_to_deadline();
	CHECK(P.timeouts == 1);
	CHECK(act(POL_ACT_SCAN) != NULL);
	CHECK(pol_deadline(&P) == T + P.cfg.t_scan_ms);
	/* no scan answer: abandoned, and once the modem says it is over, rank
	 * without it */
	timer_to_deadline();
	CHECK(act(POL_ACT_SCAN_ABORT) != NULL);
	simple(POL_EV_SCAN, false);
	CHECK(enables("s1") || enables("s2"));
	simple(POL_EV_CARD, true);
	reg(POL_REG_HOME, -1, "00102");
	CHECK(pol_deadline(&P) == T + P.cfg.t_dial_ms);
	timer_to_deadline();	/* dial silent */
	CHECK(P.timeouts == 2);
}

/* stat 0 after the search: no network for it, no timeout needed */
static void test_not_searching(void)
{
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg_raw = true;
	reg(POL_REG_NOT_SEARCHING, -1, "");	/* before it started: ignored */
	CHECK(P.cur == 0);
	reg(POL_REG_DENIED, 8, "00101");	/* the card before's late denial: ignored */
	CHECK(P.cur == 0 && !P.st[0].quarantined);
	T += 6000;
	reg(POL_REG_DENIED, 17, "00101");	/* later, without a search: taken */
	CHECK(P.cur != 0 && P.st[0].last_cause == 17);
	/* a registration without a search before it is taken at once */
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_HOME, -1, "00101");
	CHECK(act(POL_ACT_DIAL) != NULL);
	reg_raw = false;
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_SEARCHING, -1, "");
	T += 3000;
	reg(POL_REG_NOT_SEARCHING, -1, "");
	CHECK(P.cur != 0 && act(POL_ACT_SCAN));
	CHECK(P.timeouts == 0);
}

static void test_breaker_backoff(void)
{
	uint64_t prev = 0;
	int k;

	setup(false);
	pol_remove_profile(&P, "s1");
	pol_remove_profile(&P, "s2");
	CHECK(P.n == 1);
	P.prof[0].n_plmns = 0;		/* any network: the scan never gates it */
	simple(POL_EV_START, false);
	for (k = 0; k < 8; k++) {
		uint64_t wait;

		if (act(POL_ACT_ENABLE) || act(POL_ACT_REGISTER)) {
			if (act(POL_ACT_ENABLE))
				simple(POL_EV_CARD, true);
			reg(POL_REG_DENIED, 17, "00101");
		}
		if (act(POL_ACT_SCAN)) {
			T += 1000;
			scan2(-90, -90);
		}
		CHECK(P.phase == POL_P_WAIT);
		wait = pol_deadline(&P) - T;
		if (getenv("POLICY_TEST_DEBUG"))
			fprintf(stderr, "round %d: failures %u wait %llu\n", k, P.st[0].failures,
				(unsigned long long)wait);
		/* doubling from 5 s, +0..25 % jitter, capped by the round wait */
		CHECK(wait <= P.cfg.round_backoff_max_ms);
		if (k > 0 && prev < P.cfg.round_backoff_max_ms / 2)
			CHECK(wait >= prev);
		prev = wait;
		timer_to_deadline();
	}
	CHECK(P.st[0].failures >= 6);
	CHECK(prev == P.cfg.round_backoff_max_ms);
}

/* every seed fails; while waiting, the enabled one finds coverage */
static void test_coverage_returns(void)
{
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 17, "00101");
	scan2(-100, -100);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 17, "00102");
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 17, "00103");
	CHECK(P.phase == POL_P_WAIT);
	T += 2000;
	reg(POL_REG_HOME, -1, "00103");
	CHECK(act(POL_ACT_DIAL) && P.cur == 2);
	simple(POL_EV_DIAL, true);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP);
}

/* while waiting, the modem searching by itself cuts the wait short, once */
static void test_wait_broken_by_search(void)
{
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_SEARCHING, -1, "");
	reg(POL_REG_NOT_SEARCHING, -1, "");
	CHECK(act(POL_ACT_SCAN) != NULL);
	{
		struct pol_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_SCAN;
		ev.ok = true;	/* nothing at all here */
		step(&ev);
	}
	CHECK(P.phase == POL_P_WAIT);
	T += 500;
	reg(POL_REG_SEARCHING, -1, "");
	CHECK(P.phase != POL_P_WAIT);	/* a new round at once */
	/* "no network for it" was before coverage changed: the master is not
	 * backed off, it is tried again at once (the card has it already) */
	CHECK(act(POL_ACT_REGISTER) && P.phase == POL_P_SEED && P.cur == 0);
	reg(POL_REG_SEARCHING, -1, "");
	CHECK(P.phase == POL_P_SEED && NA == 0);	/* that search is this stage's */
	reg(POL_REG_NOT_SEARCHING, -1, "");
	CHECK(act(POL_ACT_SCAN) && P.phase == POL_P_SCAN);
	{
		struct pol_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_SCAN;
		ev.ok = true;
		step(&ev);
	}
	CHECK(P.phase == POL_P_WAIT && P.rounds_failed == 2);
}

static void test_switchback(void)
{
	uint32_t period;

	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	T += 16000;
	timer_to_deadline();		/* master silent: timeout */
	scan2(-90, -90);
	CHECK(enables("s1"));
	connect_ok("00102", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP);
	period = P.switchback_period;
	CHECK(period == P.cfg.switchback_ms);
	CHECK(pol_deadline(&P) == T + period);
	timer_to_deadline();
	CHECK(enables("master"));
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 17, "00101");
	/* back to the standby, twice the period next time */
	CHECK(enables("s1"));
	CHECK(P.switchback_period == 2 * period);
	connect_ok("00102", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(pol_deadline(&P) >= T + 2 * period - 1);
	timer_to_deadline();
	CHECK(enables("master"));
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP && P.cur == 0);
	CHECK(pol_deadline(&P) == 0);	/* on the master: nothing more to do */
}

/* a profile the glue blocks (a physical card, no slot command): never tried,
 * not even in a relaxed round; unblocked, it is the master again */
static void test_blocked_profile(void)
{
	struct pol_profile pp;
	struct pol_rank r[POL_PROFILES_MAX];
	unsigned int n, i;

	setup(false);
	pp = P.prof[0];
	pp.hard = true;
	snprintf(pp.blocked, sizeof(pp.blocked), "no SIM slot command on this modem");
	CHECK(pol_add_profile(&P, &pp) == 0 && P.n == 3);
	n = pol_ranking(&P, T, r, POL_PROFILES_MAX);
	for (i = 0; i < n && strcmp(r[i].name, "master"); i++)
		;
	CHECK(i < n && r[i].gate && !strcmp(r[i].gate, "no SIM slot command on this modem"));
	simple(POL_EV_START, false);
	CHECK(!enables("master"));
	CHECK(act(POL_ACT_SCAN) != NULL);	/* the standbys are ranked */
	scan2(-90, -90);
	CHECK(enables("s1"));
	pp.blocked[0] = 0;
	CHECK(pol_add_profile(&P, &pp) == 0);
	n = pol_ranking(&P, T, r, POL_PROFILES_MAX);
	for (i = 0; i < n && strcmp(r[i].name, "master"); i++)
		;
	/* (the scan did not see its network: that gate stays) */
	CHECK(i < n && (!r[i].gate || !strstr(r[i].gate, "slot")) && P.prof[0].hard);
}

static void install(const char *name, bool ok)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_INSTALLED;
	ev.ok = ok;
	snprintf(ev.profile.name, sizeof(ev.profile.name), "%s", name);
	step(&ev);
}

static void test_vsim_fails_then_replaced(void)
{
	const struct pol_action *a;

	setup(true);
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_VSIM);
	server(POL_REQ_VSIM, POL_SRV_OK, "vA");
	install("vA", true);
	CHECK(enables("vA"));
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 11, "00199");
	/* deleted (keys wiped), back to the master */
	a = act(POL_ACT_DELETE);
	CHECK(a && !strcmp(a->profile, "vA"));
	CHECK(enables("master"));
	CHECK(P.n == 3);
	simple(POL_EV_CARD, true);
	reg(POL_REG_HOME, -1, "00101");
	simple(POL_EV_DIAL, true);
	/* a VSIM without vA first (data through the seed), then the failure report */
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_VSIM && a->n_exclude == 1 && !strcmp(a->exclude[0], "vA"));
	server(POL_REQ_VSIM, POL_SRV_OK, "vB");
	CHECK(act(POL_ACT_INSTALL) != NULL);
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_REPORT && !a->success && a->report_kind == POL_VSIM &&
	      a->cause == 11 && !strcmp(a->profile, "vA"));
	install("vB", true);
	CHECK(enables("vB"));
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_VSIM_UP);
}

static void test_no_vsim_retry(void)
{
	setup(true);
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_VSIM);
	server(POL_REQ_VSIM, POL_SRV_REFUSED, NULL);
	CHECK(P.phase == POL_P_SEED_UP);
	CHECK(pol_deadline(&P) >= T + P.cfg.vsim_retry_ms);
	timer_to_deadline();
	CHECK(act(POL_ACT_SERVER) && act(POL_ACT_SERVER)->req == POL_REQ_VSIM);
}

static void test_vsim_expiry(void)
{
	struct pol_event ev;
	const struct pol_action *a;

	setup(true);
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_VSIM);
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SERVER;
	ev.req = POL_REQ_VSIM;
	ev.result = POL_SRV_OK;
	snprintf(ev.profile.name, sizeof(ev.profile.name), "vA");
	ev.profile.expires_ms = T + 3600 * 1000;
	step(&ev);
	install("vA", true);
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_VSIM_UP);
	/* renewal asked before expiry; the server has none */
	CHECK(pol_deadline(&P) == ev.profile.expires_ms - P.cfg.vsim_renew_ms);
	timer_to_deadline();
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_VSIM && !strcmp(a->current, "vA"));
	server(POL_REQ_VSIM, POL_SRV_REFUSED, NULL);
	CHECK(pol_deadline(&P) == ev.profile.expires_ms);
	timer_to_deadline();
	a = act(POL_ACT_DELETE);
	CHECK(a && !strcmp(a->profile, "vA"));
	CHECK(enables("master"));
	connect_ok("00101", POL_REQ_VSIM);
	server(POL_REQ_VSIM, POL_SRV_REFUSED, NULL);
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_RELEASE && !strcmp(a->profile, "vA"));
}

static void test_restart_keeps_enabled(void)
{
	struct pol_event ev;

	setup(false);
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_START;
	ev.ok = true;
	snprintf(ev.profile.name, sizeof(ev.profile.name), "s2");
	step(&ev);
	CHECK(!act(POL_ACT_ENABLE));
	CHECK(act(POL_ACT_REGISTER) && P.cur == 2);
}

/* A run of random events: the same twice gives the same actions. */
static uint64_t run_random(uint64_t seed, unsigned int steps, bool *sane)
{
	static const char *const plmns[] = { "00101", "00102", "00103", "00199" };
	uint64_t h = 1469598103934665603ull, x = seed;
	unsigned int s, i;

	setup(true);
	*sane = true;
	for (s = 0; s < steps; s++) {
		struct pol_event ev;
		uint64_t d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memset(&ev, 0, sizeof(ev));
		ev.kind = (enum pol_event_kind)(x % 9);
		ev.ok = (x >> 8) & 1;
		ev.stat = (enum pol_reg_stat)((x >> 9) % 6);
		ev.cause = (int)((x >> 12) % 40) - 1;
		snprintf(ev.plmn, 7, "%s", plmns[(x >> 20) % 4]);
		ev.tac = (x >> 22) % 3;
		ev.rat = (enum pol_rat)((x >> 24) % 3);
		ev.dbm = -140 + (int)((x >> 26) % 100);
		ev.cme = (int)((x >> 33) % 5) - 1;
		ev.req = (enum pol_srv_req)((x >> 36) % 4);
		ev.result = (enum pol_srv_result)((x >> 38) % 3);
		ev.backoff_ms = (x >> 40) % 2 ? 5000 : 0;
		if ((x >> 42) % 3 == 0)
			snprintf(ev.profile.name, sizeof(ev.profile.name), "v%u",
				 (unsigned int)((x >> 44) % 4));
		ev.profile.expires_ms = (x >> 46) % 2 ? T + 100000 : 0;
		ev.n_scan = (x >> 47) % 3;
		for (i = 0; i < ev.n_scan; i++) {
			snprintf(ev.scan[i].plmn, 7, "%s", plmns[(x >> (48 + i)) % 4]);
			ev.scan[i].dbm = -60 - (int)i * 30;
		}
		d = pol_deadline(&P);
		if (ev.kind == POL_EV_TIMER && d)
			T = d > T ? d : T;
		else
			T += (x >> 50) % 20000;
		step(&ev);
		h = (h ^ NA) * 1099511628211ull;
		for (i = 0; i < NA; i++) {
			const unsigned char *b = (const unsigned char *)A[i].why;

			h = (h ^ A[i].kind) * 1099511628211ull;
			while (*b)
				h = (h ^ *b++) * 1099511628211ull;
			if (A[i].kind == POL_ACT_ENABLE && !A[i].profile[0])
				*sane = false;
		}
		d = pol_deadline(&P);
		if (P.phase > POL_P_VSIM_UP || P.n > POL_PROFILES_MAX ||
		    (P.cur >= 0 && (unsigned int)P.cur >= P.n) ||
		    (P.phase != POL_P_IDLE && P.phase != POL_P_SEED_UP &&
		     P.phase != POL_P_VSIM_UP && !d))
			*sane = false;	/* never stuck without a timer */
	}
	return h;
}

static void test_random_deterministic(void)
{
	bool sane1, sane2;
	uint64_t a = run_random(42, 200000, &sane1);
	uint64_t b = run_random(42, 200000, &sane2);
	uint64_t c = run_random(43, 200000, &sane2);

	CHECK(sane1 && sane2);
	CHECK(a == b);
	CHECK(a != c);
}

/*
 * A scan with no answer in t_scan_ms is abandoned (POL_ACT_SCAN_ABORT) and
 * nothing is enabled, no stage timer runs, until it is over (a modem that
 * cannot abort it answers only at its end), or the backstop passes; a scan
 * that ends after the round went on is kept for the next one; what A1 came
 * from (the command, its age) is in the ranking.
 */
static void test_scan_abandoned(void)
{
	struct pol_event ev;
	struct pol_rank r[8];
	unsigned int n;

	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00101");
	CHECK(act(POL_ACT_SCAN) != NULL && P.phase == POL_P_SCAN);
	T += P.cfg.t_scan_ms;
	simple(POL_EV_TIMER, false);
	CHECK(act(POL_ACT_SCAN_ABORT) && !act(POL_ACT_ENABLE) && P.phase == POL_P_SCAN);
	CHECK(pol_deadline(&P) == T + POL_SCAN_BACKSTOP_MS);
	/* the modem's answer to the abort: the round goes on, without levels */
	T += 2000;
	simple(POL_EV_SCAN, false);
	CHECK(enables("s1") && P.stage == POL_STAGE_CARD && P.stage_since == T);
	/* the abandoned scan's list arrives after all (a second port): kept */
	T += 5000;
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	ev.ok = true;
	ev.n_scan = 1;
	snprintf(ev.source, sizeof(ev.source), "AT+QSCAN=1,1");
	snprintf(ev.scan[0].plmn, 7, "00103");
	ev.scan[0].rat = POL_RAT_LTE;
	ev.scan[0].dbm = -70;
	step(&ev);
	CHECK(P.phase == POL_P_SEED && P.n_scan == 1 && !act(POL_ACT_ENABLE));
	T += 4000;
	n = pol_ranking(&P, T, r, 8);
	/* s1's network was not in it: out now; s2's level and where it came from */
	CHECK(n == 3 && !strcmp(r[1].name, "s2") && r[1].signal_known && r[1].dbm == -70);
	CHECK(!strcmp(r[1].signal_source, "AT+QSCAN=1,1") && r[1].signal_age_ms == 4000);
	CHECK(!strcmp(r[2].name, "s1") && r[2].gate && !r[2].signal_known);
	CHECK(!strcmp(r[0].signal_source, "serving cell"));
	/* a modem that never ends it: the backstop, then the round goes on */
	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_DENIED, 8, "00101");
	T += P.cfg.t_scan_ms;
	simple(POL_EV_TIMER, false);
	T += POL_SCAN_BACKSTOP_MS;
	simple(POL_EV_TIMER, false);
	CHECK(act(POL_ACT_ENABLE) != NULL && P.phase == POL_P_SEED);
}

static const char *gate_of(const char *name)
{
	static struct pol_rank r[8];
	unsigned int n = pol_ranking(&P, T, r, 8), k;

	for (k = 0; k < n; k++)
		if (!strcmp(r[k].name, name))
			return r[k].gate;
	return "absent";
}

/*
 * "No network for it" backs a seed off; a later scan that sees its network
 * (coverage came back while the policy scanned) lets it be tried at once.
 * A survey of LTE alone gates no GSM/UMTS seed as absent.
 */
static void test_scan_reopens_no_network(void)
{
	struct pol_event ev;

	setup(false);
	simple(POL_EV_START, false);
	simple(POL_EV_CARD, true);
	reg(POL_REG_SEARCHING, -1, "");
	reg(POL_REG_NOT_SEARCHING, -1, "");
	CHECK(P.st[0].no_network && P.st[0].retry_at > T && act(POL_ACT_SCAN));
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	ev.ok = true;
	ev.n_scan = 1;
	snprintf(ev.scan[0].plmn, 7, "00101");
	ev.scan[0].rat = POL_RAT_LTE;
	ev.scan[0].dbm = -90;
	T += 3000;
	step(&ev);
	CHECK(P.st[0].retry_at == 0);
	CHECK(gate_of("master") == NULL);
	/* tried again in this round, at once (the card has it: no switch) */
	CHECK(act(POL_ACT_REGISTER) && P.phase == POL_P_SEED && P.cur == 0);
	/* an LTE-only survey without s1's network: s1 (all RATs) is not gated */
	P.scan_rats = POL_RAT_BIT(POL_RAT_LTE);
	CHECK(gate_of("s1") == NULL);
	P.scan_rats = POL_RATS_ALL;
	CHECK(gate_of("s1") != NULL);	/* every RAT covered: not here */
}

/* ---- the data-path check ---- */

static bool noted(const char *text)
{
	unsigned int i;

	for (i = 0; i < NA; i++)
		if (strstr(A[i].why, text))
			return true;
	return false;
}

static void probe(bool ok)
{
	CHECK(P.check_pending);
	T += 1000;
	simple(POL_EV_PROBE, ok);
}

/* the next probe: the deadline is the check's, and the timer sends it */
static void probe_due(void)
{
	uint64_t d = pol_deadline(&P);

	CHECK(d == P.check_at && d > T);
	timer_to_deadline();
	CHECK(act(POL_ACT_PROBE) != NULL && P.check_pending);
	/* one probe out at a time: no deadline of the check meanwhile */
	CHECK(pol_deadline(&P) == 0 || pol_deadline(&P) != P.check_at);
}

/* Off (the default): data up through the master leaves no deadline at all. */
static void test_data_check_off(void)
{
	setup(false);
	CHECK(P.cfg.check_interval_ms == 0 && P.cfg.check_failures == 3);
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP);
	CHECK(pol_deadline(&P) == 0);
	/* a stray probe result changes nothing */
	simple(POL_EV_PROBE, false);
	CHECK(NA == 0 && P.probes_failed == 0 && P.phase == POL_P_SEED_UP);
}

/* A seed: failures count in a row, an answer resets them; N fail the data stage. */
static void test_data_check_seed(void)
{
	const struct pol_action *a;

	setup(false);
	P.cfg.check_interval_ms = 5000;
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_REPORT);
	/* not before data is up */
	CHECK(P.check_at == 0 && !P.check_pending);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP && pol_deadline(&P) == T + 5000);
	probe_due();
	probe(false);
	probe_due();
	probe(false);
	CHECK(P.check_fails == 2 && P.check_last == 0 && P.phase == POL_P_SEED_UP);
	probe_due();
	probe(true);
	CHECK(P.check_fails == 0 && P.check_last == 1);
	probe_due();
	probe(false);
	probe_due();
	probe(false);
	CHECK(P.phase == POL_P_SEED_UP && P.cur == 0);
	probe_due();
	probe(false);
	/* the third in a row: failed at data with the check's reason, next seed */
	CHECK(P.check_trips == 1 && P.probes_sent == 6 && P.probes_failed == 5);
	CHECK(noted("master failed at data: data check: 3 probes failed"));
	CHECK(P.st[0].failures == 1 && P.st[0].retry_at > T);
	CHECK(act(POL_ACT_SCAN) != NULL && !P.check_pending);
	T += 3000;
	scan2(-90, -90);
	a = act(POL_ACT_ENABLE);
	CHECK(a && !strcmp(a->profile, "s1"));
	CHECK(P.phase == POL_P_SEED && P.stage == POL_STAGE_CARD && !P.check_pending);
	/* a late probe result of the old connection is ignored */
	simple(POL_EV_PROBE, false);
	CHECK(NA == 0 && P.probes_failed == 5);
	/* the next seed up: a fresh count */
	connect_ok("00102", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_SEED_UP && P.cur == 1 && P.check_fails == 0 &&
	      P.check_at == T + 5000);
}

/* A VSIM black-holed: deleted, reported at data, back to the seed, then another VSIM. */
static void test_data_check_vsim(void)
{
	const struct pol_action *a;

	setup(true);
	P.cfg.check_interval_ms = 2000;
	P.cfg.check_failures = 2;
	simple(POL_EV_START, false);
	connect_ok("00101", POL_REQ_VSIM);
	server(POL_REQ_VSIM, POL_SRV_OK, "vA");
	install("vA", true);
	CHECK(enables("vA"));
	connect_ok("00101", POL_REQ_REPORT);
	server(POL_REQ_REPORT, POL_SRV_OK, NULL);
	CHECK(P.phase == POL_P_VSIM_UP);
	probe_due();
	probe(false);
	probe_due();
	probe(false);
	a = act(POL_ACT_DELETE);
	CHECK(a && !strcmp(a->profile, "vA") && strstr(a->why, "data check: 2 probes failed"));
	CHECK(enables("master") && P.check_trips == 1);
	simple(POL_EV_CARD, true);
	reg(POL_REG_HOME, -1, "00101");
	simple(POL_EV_DIAL, true);
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_VSIM && a->n_exclude == 1 && !strcmp(a->exclude[0], "vA"));
	server(POL_REQ_VSIM, POL_SRV_OK, "vB");
	a = act(POL_ACT_SERVER);
	CHECK(a && a->req == POL_REQ_REPORT && !a->success && a->report_kind == POL_VSIM &&
	      a->stage == POL_STAGE_DATA && !a->timeout && !strcmp(a->profile, "vA"));
}

int main(void)
{
	RUN(test_normalisation);
	RUN(test_ranking_stable);
	RUN(test_master_then_vsim);
	RUN(test_sim_level_quarantine);
	RUN(test_card_pin_quarantine);
	RUN(test_location_cause_remembered);
	RUN(test_congestion);
	RUN(test_stage_timeouts);
	RUN(test_not_searching);
	RUN(test_breaker_backoff);
	RUN(test_coverage_returns);
	RUN(test_wait_broken_by_search);
	RUN(test_switchback);
	RUN(test_blocked_profile);
	RUN(test_vsim_fails_then_replaced);
	RUN(test_no_vsim_retry);
	RUN(test_vsim_expiry);
	RUN(test_restart_keeps_enabled);
	RUN(test_scan_abandoned);
	RUN(test_scan_reopens_no_network);
	RUN(test_data_check_off);
	RUN(test_data_check_seed);
	RUN(test_data_check_vsim);
	RUN(test_random_deterministic);
	DONE();
}
