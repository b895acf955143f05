// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core (see policy.h): seed ranking, staged connection,
 * failover, VSIM acquisition and switch-back, as state machines fed with
 * events and the time.  No I/O, no clock, no global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/*
 * Stage timeouts.  Card: a modem reads a USIM in 1-3 s after insertion;
 * 10 s leaves room for a slow one (no 3GPP timer covers it).
 * Registration: T3410 (15 s, TS 24.301 §10.2): an attach the network has
 * not answered by then has failed (the modem's own retry comes later).  Dial: 2 x T3482 (8 s, TS 24.301 §10.3), the PDN connectivity
 * request and one retransmission.  Data: the SIM server's answer, 10 s
 * (TCP's SYN retries at 1, 2 and 4 s, RFC 6298, then TLS).  Scan:
 * +COPS=? over three RATs, 30 s.
 */
#define T_CARD_MS	10000
#define T_REGISTER_MS	15000
#define T_DIAL_MS	16000
#define T_DATA_MS	10000
#define T_SCAN_MS	30000
/* #22 without T3346: TS 24.301 §5.5.1.2.6 lets the UE pick; 60 s */
#define T_CONGESTION_MS	60000
/*
 * A registration report of stat 0 (not searching) ends the registration
 * stage only once the modem searched (stat 2) in it: a card switch reports
 * the old card's detach (stat 0) late, after the new stage began.
 */
/* How late a registration report of the card before a switch may come. */
#define STALE_REPORT_MS		5000

void pol_config_defaults(struct pol_config *c)
{
	memset(c, 0, sizeof(*c));
	c->a = 0.5;
	c->b = 0.5;
	c->tariff_min = 0;
	c->tariff_max = 1;
	c->modem_rats = POL_RATS_ALL;
	c->t_card_ms = T_CARD_MS;
	c->t_register_ms = T_REGISTER_MS;
	c->t_dial_ms = T_DIAL_MS;
	c->t_data_ms = T_DATA_MS;
	c->t_scan_ms = T_SCAN_MS;
	c->backoff_base_ms = 5000;
	c->backoff_max_ms = 300000;
	c->round_backoff_max_ms = 60000;
	c->congestion_ms = T_CONGESTION_MS;
	c->quarantine_ms = 6 * 3600 * 1000u;
	c->memory_ms = 24 * 3600 * 1000u;
	c->switchback_ms = 30 * 60 * 1000u;
	c->switchback_max_ms = 8 * 3600 * 1000u;
	c->vsim_retry_ms = 60000;
	c->vsim_renew_ms = 10 * 60 * 1000u;
	c->vsim_attempts = 3;
	c->standby_count = 0;
	c->want_vsim = true;
	c->check_interval_ms = 0;
	c->check_failures = 3;
	c->rng_seed = 1;
}

/* ---- events ---- */

/* Data was up (or coming up): back to connecting, in the registration stage. */
static void reconnect(struct policy *p)
{
	pol_clear_requests(p);
	if (p->phase == POL_P_SEED_UP)
		p->phase = POL_P_SEED;
	else if (p->phase == POL_P_VSIM_UP)
		p->phase = POL_P_VSIM;
	pol_set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
}

/* A registration report with no attempt in progress. */
static void reg_idle(struct policy *p, const struct pol_event *ev, bool registered)
{
	/* waiting: the enabled seed found coverage by itself */
	if (registered && p->phase == POL_P_WAIT && p->enabled >= 0 && p->card_ok &&
	    pol_is_seed(p, p->enabled)) {
		p->phase = POL_P_SEED;
		p->cur = p->enabled;
		p->st[p->cur].attempts++;
		p->attempts++;
		pol_set_stage(p, POL_STAGE_DIAL, p->cfg.t_dial_ms);
		pol_emit(p, POL_ACT_DIAL, p->cur, "%s registered by itself while waiting: dial",
			 p->prof[p->cur].name);
	} else if (ev->stat == POL_REG_SEARCHING && p->phase == POL_P_WAIT &&
		   !p->wait_broken) {
		/* the modem searches by itself: coverage changed; once a wait */
		unsigned int i;

		p->wait_broken = true;
		/* "no network for it" was then: those seeds are not backed off now */
		for (i = 0; i < p->n; i++)
			if (p->st[i].no_network && p->st[i].retry_at > p->now)
				p->st[i].retry_at = 0;
		pol_start_round(p, "the modem searches again: coverage may have changed");
		/* that search is the enabled seed's registration stage */
		if (p->cur >= 0 && p->cur == p->enabled && p->stage == POL_STAGE_REGISTER)
			p->searched = true;
	}
}

/* A registration report in the registration stage. */
static void reg_register(struct policy *p, const struct pol_event *ev, bool registered)
{
	/*
	 * Just after a card switch, a denial or detach the modem reports
	 * before it searched is the card before's (a late URC): ignored.
	 */
	if (ev->stat == POL_REG_SEARCHING) {
		p->searched = true;
		return;
	}
	if (!registered && p->new_card && !p->searched &&
	    p->now - p->stage_since < STALE_REPORT_MS)
		return;
	if (registered) {
		pol_set_stage(p, POL_STAGE_DIAL, p->cfg.t_dial_ms);
		pol_emit(p, POL_ACT_DIAL, p->cur, "%s registered on %s: dial",
			 p->prof[p->cur].name, p->plmn);
	} else if (ev->stat == POL_REG_DENIED) {
		pol_attempt_failed(p, POL_STAGE_REGISTER, ev->cause, false, ev->plmn, ev->tac,
				   ev->backoff_ms);
	} else if (ev->stat == POL_REG_NOT_SEARCHING && p->searched) {
		pol_attempt_failed(p, POL_STAGE_REGISTER, -1, false, "", 0, 0);
	}
}

/* A registration report once registered (dial, data, up). */
static void reg_registered(struct policy *p, const struct pol_event *ev, bool registered)
{
	if (registered)
		return;
	if (ev->stat == POL_REG_DENIED) {
		pol_attempt_failed(p, POL_STAGE_REGISTER, ev->cause, false, ev->plmn, ev->tac,
				   ev->backoff_ms);
		return;
	}
	/* lost (moved, outage): the modem searches again; what was seen is old */
	pol_emit_note(p, "%s: registration lost: waiting for it again",
		      p->prof[p->cur].name);
	p->n_scan = 0;
	p->scan_ok = false;
	p->scanned = false;
	reconnect(p);
	p->searched = ev->stat == POL_REG_SEARCHING;
}

static void on_reg(struct policy *p, const struct pol_event *ev)
{
	bool registered = ev->stat == POL_REG_HOME || ev->stat == POL_REG_ROAMING;

	if (ev->plmn[0]) {
		pol_str_copy(p->plmn, sizeof(p->plmn), ev->plmn);
		p->tac = ev->tac;
		pol_set_area(p, ev->plmn, ev->tac);
		p->rat = ev->rat;
		p->dbm = ev->dbm;
		p->dbm_at = p->now;
	}
	if (p->cur < 0) {
		reg_idle(p, ev, registered);
		return;
	}
	switch (p->stage) {
	case POL_STAGE_REGISTER:
		reg_register(p, ev, registered);
		break;
	case POL_STAGE_DIAL:
	case POL_STAGE_DATA:
	case POL_STAGE_UP:
		reg_registered(p, ev, registered);
		break;
	default:
		break;
	}
}

static void server_seeds(struct policy *p, const struct pol_event *ev)
{
	unsigned int k;

	if (ev->result != POL_SRV_OK)
		return;
	p->standbys_asked = true;
	for (k = 0; k < ev->n_profiles && k < POL_STANDBYS_MAX; k++) {
		struct pol_profile pp = ev->profiles[k];

		pp.kind = POL_SEED_STANDBY;
		pol_add_profile(p, &pp);
	}
	pol_emit_note(p, "the server gave %u new standby seed%s", ev->n_profiles,
		      ev->n_profiles == 1 ? "" : "s");
}

static void server_vsim(struct policy *p, const struct pol_event *ev)
{
	if (ev->result == POL_SRV_OK && ev->profile.name[0]) {
		struct pol_profile pp = ev->profile;
		int v;

		pp.kind = POL_VSIM;
		if (pol_add_profile(p, &pp) == 0) {
			v = pol_find(p, pp.name);
			pol_emit(p, POL_ACT_INSTALL, v, "%s: VSIM allocated: install",
				 pp.name);
			p->installing = true;
			return;
		}
	}
	p->vsim_retry_at = p->now + pol_jittered(p, p->cfg.vsim_retry_ms);
	pol_emit_note(p, "no VSIM (%s): asking again in %u s, staying on %s",
		      ev->result == POL_SRV_OK ? "empty answer" :
		      ev->error[0] ? ev->error : "server unreachable",
		      (unsigned int)((p->vsim_retry_at - p->now) / 1000),
		      p->prof[p->cur].name);
}

static void on_server(struct policy *p, const struct pol_event *ev)
{
	bool reached = ev->result != POL_SRV_UNREACHABLE;
	enum pol_srv_req r = ev->req;

	if (!p->req_pending || r != p->req_kind || p->cur < 0)
		return;	/* late: a request of an attempt that is over */
	p->req_pending = false;
	p->req_deadline = 0;
	if (p->stage == POL_STAGE_DATA) {
		if (!reached) {
			pol_attempt_failed(p, POL_STAGE_DATA, -1, false, "", 0, 0);
			return;
		}
		pol_attempt_up(p);
		if (p->cur < 0)
			return;
	}
	switch (r) {
	case POL_REQ_SEEDS:
		server_seeds(p, ev);
		break;
	case POL_REQ_VSIM:
		server_vsim(p, ev);
		break;
	default:
		break;
	}
	pol_send_next_request(p);
}

static void on_installed(struct policy *p, const struct pol_event *ev)
{
	int v = pol_find(p, ev->profile.name);

	if (!p->installing || v < 0 || p->prof[v].kind != POL_VSIM)
		return;
	p->installing = false;
	if (!ev->ok) {
		pol_vsim_failed(p, v, POL_STAGE_CARD, -1, false);
		if (p->vsim_retry_at <= p->now && p->phase == POL_P_SEED_UP) {
			pol_queue_request(p, POL_REQ_VSIM);
			pol_send_next_request(p);
		}
		return;
	}
	if (p->phase == POL_P_VSIM_UP)
		p->vsim_old = p->cur;
	pol_clear_requests(p);
	pol_begin_attempt(p, v, POL_P_VSIM, "VSIM installed: enable it");
}

/* Data through a seed, nothing pending: switch back, or ask for a VSIM again. */
static void timer_seed_up(struct policy *p)
{
	uint64_t now = p->now;
	int m = pol_master(p);

	if (p->switchback_at && now >= p->switchback_at && m >= 0 && !pol_gate(p, m, false)) {
		p->switchback_try = true;
		p->switchback_from = p->cur;
		p->switchback_at = 0;
		pol_clear_requests(p);
		pol_begin_attempt(p, m, POL_P_SEED, "switch back to the master seed");
		return;
	}
	if (p->switchback_at && now >= p->switchback_at)
		p->switchback_at = now + p->switchback_period;
	if (p->cfg.want_vsim && p->vsim_retry_at && now >= p->vsim_retry_at) {
		p->vsim_retry_at = 0;
		p->vsim_failures = 0;
		pol_queue_request(p, POL_REQ_VSIM);
		pol_send_next_request(p);
	}
}

/* The VSIM in use expired: deleted, released once a seed is up. */
static void vsim_expired(struct policy *p)
{
	int v = p->cur;
	struct pol_action *a = &p->report;

	pol_emit(p, POL_ACT_DELETE, v, "%s: VSIM expired: deleted (keys wiped)",
		 p->prof[v].name);
	memset(a, 0, sizeof(*a));
	a->kind = POL_ACT_SERVER;
	a->req = POL_REQ_RELEASE;
	a->cause = -1;
	pol_str_copy(a->profile, sizeof(a->profile), p->prof[v].name);
	snprintf(a->why, sizeof(a->why), "release the expired VSIM");
	p->report_pending = true;
	p->enabled = -1;
	pol_remove_profile(p, p->prof[v].name);
	p->cur = -1;
	pol_clear_requests(p);
	pol_fall_back_to_seed(p, "the VSIM expired: back to the seed");
}

/* Data through a VSIM that expires: renew it before, drop it at expiry. */
static void timer_vsim_up(struct policy *p)
{
	uint64_t now = p->now, exp = p->prof[p->cur].expires_ms;

	if (now >= exp) {
		vsim_expired(p);
		return;
	}
	if (!p->req_pending && !p->installing && now + p->cfg.vsim_renew_ms >= exp &&
	    !p->renew_asked) {
		p->renew_asked = true;
		pol_queue_request(p, POL_REQ_VSIM);
		pol_send_next_request(p);
	}
}

/* The data-path check: data is up, a probe is due and none is out. */
static bool check_due(const struct policy *p)
{
	return p->cfg.check_interval_ms && p->cur >= 0 && p->stage == POL_STAGE_UP &&
	       !p->check_pending && p->check_at;
}

static void check_probe(struct policy *p)
{
	p->check_pending = true;
	p->check_at = 0;
	p->probes_sent++;
	pol_emit(p, POL_ACT_PROBE, p->cur, "%s: data check: probe", p->prof[p->cur].name);
}

static void on_timer(struct policy *p, const struct pol_event *ev)
{
	uint64_t now = p->now;

	/* (then the other deadlines: a probe only goes out) */
	if (check_due(p) && now >= p->check_at)
		check_probe(p);

	if ((p->phase == POL_P_SEED || p->phase == POL_P_VSIM) && p->stage_deadline &&
	    now >= p->stage_deadline) {
		pol_emit_note(p, "%s: no %s result within %u ms", p->prof[p->cur].name,
			      pol_stage_name(p->stage), (unsigned int)(now - p->stage_since));
		pol_attempt_failed(p, p->stage, -1, true, "", 0, 0);
		return;
	}
	if (p->phase == POL_P_SCAN && now >= p->stage_deadline) {
		if (!p->scan_aborting) {
			/* abandoned cleanly: nothing of it left in the modem's queue */
			p->scan_aborting = true;
			p->stage_deadline = now + POL_SCAN_BACKSTOP_MS;
			pol_emit(p, POL_ACT_SCAN_ABORT, -1, "scan: no answer in %u ms: abandoned",
				 p->cfg.t_scan_ms);
			return;
		}
		pol_emit_note(p, "scan: not over %u ms after it was abandoned: ranking without it",
			      (unsigned int)POL_SCAN_BACKSTOP_MS);
		p->scan_aborting = false;
		p->scanned = true;
		pol_next_candidate(p);
		return;
	}
	if (p->phase == POL_P_WAIT && now >= p->wait_until) {
		pol_start_round(p, "the back-off is over");
		return;
	}
	if (p->req_pending && p->req_deadline && now >= p->req_deadline) {
		struct pol_event lost;

		memset(&lost, 0, sizeof(lost));
		lost.kind = POL_EV_SERVER;
		lost.req = p->req_kind;
		lost.result = POL_SRV_UNREACHABLE;
		on_server(p, &lost);
		return;
	}
	if (p->phase == POL_P_SEED_UP && !p->req_pending && !p->installing)
		timer_seed_up(p);
	else if (p->phase == POL_P_VSIM_UP && p->cur >= 0 && p->prof[p->cur].expires_ms)
		timer_vsim_up(p);
}

static void on_start(struct policy *p, const struct pol_event *ev)
{
	if (p->phase != POL_P_IDLE)
		return;
	if (ev->profile.name[0] && pol_find(p, ev->profile.name) >= 0) {
		/* vuiccd restarted: the card keeps what it has */
		p->enabled = pol_find(p, ev->profile.name);
		p->card_ok = ev->ok;
		if (p->prof[p->enabled].kind == POL_VSIM) {
			p->st[p->enabled].tried = true;
			pol_begin_attempt(p, p->enabled, POL_P_VSIM,
					  "vuiccd restarted: carry on with the enabled VSIM");
			return;
		}
		if (pol_is_seed(p, p->enabled) && !pol_gate(p, p->enabled, false)) {
			pol_begin_attempt(p, p->enabled, POL_P_SEED,
					  "vuiccd restarted: carry on with the enabled seed");
			return;
		}
	}
	pol_start_round(p, "power on");
}

static void on_card(struct policy *p, const struct pol_event *ev)
{
	/* a card that refuses to be used (its PIN) may say so after it was
	 * taken as ready: in the registration stage too */
	bool refused = !ev->ok && ev->card_why[0] && p->stage == POL_STAGE_REGISTER;

	if (p->cur < 0 || (p->stage != POL_STAGE_CARD && !refused) || p->enabled != p->cur)
		return;
	if (!ev->ok) {
		pol_str_copy(p->card_why, sizeof(p->card_why), ev->card_why);
		pol_attempt_failed(p, POL_STAGE_CARD, -1, false, "", 0, 0);
		p->card_why[0] = '\0';
		return;
	}
	p->card_ok = true;
	pol_set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
	pol_emit(p, POL_ACT_REGISTER, p->cur, "%s: card ready: register", p->prof[p->cur].name);
}

static void on_scan(struct policy *p, const struct pol_event *ev)
{
	if (p->phase != POL_P_SCAN) {
		/* one abandoned earlier ended after all (a second AT port): what it
		 * saw is this location's memory for the next round */
		if (ev->ok && ev->n_scan) {
			p->scan_ok = true;
			p->scan_rats = ev->scan_rats ? ev->scan_rats : POL_RATS_ALL;
			p->scan_at = p->now;
			p->scan_profile = p->enabled;
			p->n_scan = ev->n_scan < POL_SCAN_MAX ? ev->n_scan : POL_SCAN_MAX;
			memcpy(p->scan, ev->scan, p->n_scan * sizeof(p->scan[0]));
			pol_str_copy(p->scan_source, sizeof(p->scan_source), ev->source);
			pol_emit_note(p, "scan: %u networks seen by %s, after it was abandoned: kept",
				      p->n_scan, ev->source[0] ? ev->source : "the modem");
		}
		return;
	}
	p->scanned = true;
	p->scan_at = p->now;
	p->scan_profile = p->enabled;
	p->scan_ok = ev->ok;
	p->scan_rats = ev->scan_rats ? ev->scan_rats : POL_RATS_ALL;
	p->n_scan = 0;
	if (ev->ok) {
		p->n_scan = ev->n_scan < POL_SCAN_MAX ? ev->n_scan : POL_SCAN_MAX;
		memcpy(p->scan, ev->scan, p->n_scan * sizeof(p->scan[0]));
		pol_str_copy(p->scan_source, sizeof(p->scan_source), ev->source);
	}
	if (p->scan_aborting)
		pol_emit_note(p, "scan: abandoned; ranking without it");
	else
		pol_emit_note(p, "scan: %u networks seen%s%s", ev->ok ? ev->n_scan : 0,
			      ev->ok && ev->source[0] ? " by " : "", ev->ok ? ev->source : "");
	if (ev->ok)
		pol_scan_reopens(p);
	p->scan_aborting = false;
	pol_next_candidate(p);
}

static void on_dial(struct policy *p, const struct pol_event *ev)
{
	if (p->cur < 0 || p->stage != POL_STAGE_DIAL)
		return;
	if (!ev->ok) {
		pol_attempt_failed(p, POL_STAGE_DIAL, ev->cme, ev->cme < 0, "", 0, 0);
		return;
	}
	pol_enter_data(p);
}

static void on_data_lost(struct policy *p, const struct pol_event *ev)
{
	if (p->cur < 0 || p->stage < POL_STAGE_DATA)
		return;
	pol_emit_note(p, "%s: data connection lost", p->prof[p->cur].name);
	reconnect(p);
	pol_emit(p, POL_ACT_REGISTER, p->cur, "%s: register again after the data loss",
		 p->prof[p->cur].name);
}

/*
 * A probe came back.  Answered: the count starts again.  Failed
 * check_failures times in a row: data does not flow although the network
 * says it is up (a black hole); the data stage fails as a lost link would.
 */
static void on_probe(struct policy *p, const struct pol_event *ev)
{
	char why[64];

	if (!p->check_pending || p->cur < 0 || p->stage != POL_STAGE_UP)
		return;	/* late: of a connection that is over */
	p->check_pending = false;
	p->check_last = ev->ok;
	if (ev->ok) {
		p->check_fails = 0;
	} else {
		p->probes_failed++;
		p->check_fails++;
	}
	if (p->check_fails < (p->cfg.check_failures ? p->cfg.check_failures : 1)) {
		p->check_at = p->now + p->cfg.check_interval_ms;
		return;
	}
	p->check_trips++;
	snprintf(why, sizeof(why), "data check: %u probes failed", p->check_fails);
	p->check_fails = 0;
	p->fail_why = why;
	pol_attempt_failed(p, POL_STAGE_DATA, -1, false, "", 0, 0);
	p->fail_why = NULL;
}

static void (*const on_event[])(struct policy *p, const struct pol_event *ev) = {
	[POL_EV_START] = on_start,
	[POL_EV_TIMER] = on_timer,
	[POL_EV_CARD] = on_card,
	[POL_EV_REG] = on_reg,
	[POL_EV_SCAN] = on_scan,
	[POL_EV_DIAL] = on_dial,
	[POL_EV_DATA_LOST] = on_data_lost,
	[POL_EV_SERVER] = on_server,
	[POL_EV_INSTALLED] = on_installed,
	[POL_EV_PROBE] = on_probe,
};

unsigned int pol_step(struct policy *p, uint64_t now_ms, const struct pol_event *ev,
		      struct pol_action *out, unsigned int max)
{
	if (now_ms > p->now)
		p->now = now_ms;
	p->out = out;
	p->n_out = 0;
	p->max_out = max;

	if ((unsigned int)ev->kind < sizeof(on_event) / sizeof(on_event[0]))
		on_event[ev->kind](p, ev);
	p->out = NULL;
	return p->n_out < max ? p->n_out : max;
}

uint64_t pol_deadline(const struct policy *p)
{
	uint64_t t = 0;

#define TAKE(x) do { if ((x) && (!t || (x) < t)) t = (x); } while (0)
	switch (p->phase) {
	case POL_P_SEED:
	case POL_P_VSIM:
	case POL_P_SCAN:
		TAKE(p->stage_deadline);
		break;
	case POL_P_WAIT:
		TAKE(p->wait_until);
		break;
	case POL_P_SEED_UP:
		if (!p->req_pending && !p->installing) {
			TAKE(p->switchback_at);
			if (p->cfg.want_vsim)
				TAKE(p->vsim_retry_at);
		}
		break;
	case POL_P_VSIM_UP:
		if (p->cur >= 0 && p->prof[p->cur].expires_ms) {
			uint64_t exp = p->prof[p->cur].expires_ms;

			TAKE(exp);
			if (!p->renew_asked)
				TAKE(exp > p->cfg.vsim_renew_ms ? exp - p->cfg.vsim_renew_ms : 1);
		}
		break;
	default:
		break;
	}
	if (p->req_pending)
		TAKE(p->req_deadline);
	if (check_due(p))
		TAKE(p->check_at);
#undef TAKE
	return t;
}

void pol_init(struct policy *p, const struct pol_config *c)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *c;
	p->cur = p->enabled = p->seed_up = p->vsim_old = p->switchback_from = -1;
	p->scan_profile = -1;
	p->check_last = -1;
	p->dbm = POL_DBM_UNKNOWN;
	p->rng = c->rng_seed;
}
