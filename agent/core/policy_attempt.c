// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's outcomes of an attempt (policy_int.h): the failure (the
 * reject cause's meaning, the breaker, the VSIM that is dropped) and the
 * success (data up, the requests of the data stage).
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

static void breaker_trip(struct policy *p, int i)
{
	struct pol_seed_state *s = &p->st[i];
	uint64_t d = p->cfg.backoff_base_ms;
	unsigned int k;

	s->failures++;
	for (k = 1; k < s->failures && d < p->cfg.backoff_max_ms; k++)
		d *= 2;
	if (d > p->cfg.backoff_max_ms)
		d = p->cfg.backoff_max_ms;
	s->retry_at = p->now + pol_jittered(p, d);
}

static void add_exclude(struct policy *p, const char *name)
{
	unsigned int k;

	for (k = 0; k < p->n_exclude; k++)
		if (!strcmp(p->exclude[k], name))
			return;
	if (p->n_exclude == POL_EXCLUDE_MAX) {
		memmove(p->exclude[0], p->exclude[1], sizeof(p->exclude[0]) * (POL_EXCLUDE_MAX - 1));
		p->n_exclude--;
	}
	pol_str_copy(p->exclude[p->n_exclude++], sizeof(p->exclude[0]), name);
}

void pol_fall_back_to_seed(struct policy *p, const char *why)
{
	if (p->seed_up >= 0 && !pol_gate(p, p->seed_up, false)) {
		pol_begin_attempt(p, p->seed_up, POL_P_SEED, why);
		return;
	}
	pol_start_round(p, why);
}

void pol_vsim_failed(struct policy *p, int v, enum pol_stage stage, int cause, bool timeout)
{
	struct pol_action *r = &p->report;

	add_exclude(p, p->prof[v].name);
	p->vsim_failures++;
	memset(r, 0, sizeof(*r));
	r->kind = POL_ACT_SERVER;
	r->req = POL_REQ_REPORT;
	r->report_kind = POL_VSIM;
	pol_str_copy(r->profile, sizeof(r->profile), p->prof[v].name);
	r->stage = stage;
	r->timeout = timeout;
	r->cause = cause;
	snprintf(r->why, sizeof(r->why), "report: VSIM %s failed at %s%s%s", p->prof[v].name,
		 pol_stage_name(stage), p->fail_why ? ": " : "", p->fail_why ? p->fail_why : "");
	p->report_pending = true;
	/* its keys go now: a failed VSIM is never used again */
	pol_emit(p, POL_ACT_DELETE, v, "%s: VSIM failed at %s%s%s%s: deleted (keys wiped)",
		 p->prof[v].name, pol_stage_name(stage), timeout ? " (timeout)" : "",
		 p->fail_why ? ": " : "", p->fail_why ? p->fail_why : "");
	if (p->enabled == v)
		p->enabled = -1;
	pol_remove_profile(p, p->prof[v].name);
	if (p->vsim_failures >= p->cfg.vsim_attempts)
		p->vsim_retry_at = p->now + pol_jittered(p, p->cfg.vsim_retry_ms);
}

void pol_attempt_failed(struct policy *p, enum pol_stage stage, int cause, bool timeout,
			const char *plmn, uint32_t tac, uint32_t backoff_ms)
{
	int i = p->cur;
	struct pol_seed_state *s = &p->st[i];
	enum cause_class cc = stage == POL_STAGE_REGISTER && cause >= 0 ? pol_classify(cause) : CC_OTHER;
	const char *what = "", *why = p->fail_why;
	/* the card refused to be used (its PIN): as a SIM-level reject */
	bool card_refused = stage == POL_STAGE_CARD && p->card_why[0];

	if (card_refused)
		cc = CC_SIM;

	if (timeout)
		p->timeouts++;
	else if (cause >= 0)
		p->rejects++;
	s->last_cause = cause;
	s->no_network = stage == POL_STAGE_REGISTER && cause < 0 && !timeout;
	if (p->prof[i].kind == POL_VSIM) {
		pol_vsim_failed(p, i, stage, cause, timeout);
		p->fail_why = NULL;	/* this failure's only: not of one that follows */
		pol_clear_requests(p);
		pol_fall_back_to_seed(p, "back to the seed after the VSIM failed");
		return;
	}
	switch (cc) {
	case CC_SIM:
		s->quarantined = true;
		s->quarantined_until = p->cfg.quarantine_ms ? p->now + p->cfg.quarantine_ms : 0;
		p->quarantines++;
		what = ": SIM-level cause, quarantined";
		break;
	case CC_LOCATION:
		pol_remember(p, i, plmn[0] ? plmn : p->plmn, plmn[0] ? tac : p->tac, false, cause);
		what = ": refused at this location, remembered";
		break;
	case CC_CONGESTION:
		pol_set_congested(p, plmn[0] ? plmn : p->plmn,
				  p->now + (backoff_ms ? backoff_ms : p->cfg.congestion_ms));
		what = ": network congested, its back-off is waited out";
		break;
	case CC_OTHER:
		breaker_trip(p, i);
		what = "";
		break;
	}
	p->fail_why = NULL;
	if (cc != CC_OTHER)
		s->failures++;
	if (cause >= 0)
		pol_emit_note(p, "%s failed at %s: cause #%d%s", p->prof[i].name,
			      pol_stage_name(stage), cause, what);
	else if (card_refused)
		pol_emit_note(p, "%s failed at %s: %s%s", p->prof[i].name, pol_stage_name(stage),
			      p->card_why, what);
	else
		pol_emit_note(p, "%s failed at %s: %s", p->prof[i].name, pol_stage_name(stage),
			      why ? why :
			      timeout ? "timeout" :
			      stage == POL_STAGE_REGISTER ? "no network for it" :
			      stage == POL_STAGE_DATA ? "the SIM server is unreachable" :
			      stage == POL_STAGE_DIAL ? "the PDP context was refused" :
			      "the card was not read");
	pol_clear_requests(p);
	p->cur = -1;
	if (p->switchback_try) {
		/* the master is not back: return, and wait twice as long next time */
		p->switchback_try = false;
		p->switchback_period = p->switchback_period * 2 > p->cfg.switchback_max_ms ?
				       p->cfg.switchback_max_ms : p->switchback_period * 2;
		p->switchback_at = p->now + p->switchback_period;
		if (p->switchback_from >= 0 && !pol_gate(p, p->switchback_from, false)) {
			pol_begin_attempt(p, p->switchback_from, POL_P_SEED,
					  "switch back failed: return to the standby seed");
			return;
		}
	}
	if (p->phase == POL_P_SEED && p->seed_up == i)
		p->seed_up = -1;
	pol_next_candidate(p);
}

void pol_attempt_up(struct policy *p)
{
	int i = p->cur;
	struct pol_seed_state *s = &p->st[i];

	s->failures = 0;
	s->retry_at = 0;
	s->successes++;
	p->stage = POL_STAGE_UP;
	p->stage_deadline = 0;
	/* the data check's first probe one interval after the server answered */
	p->check_pending = false;
	p->check_fails = 0;
	p->check_at = p->cfg.check_interval_ms ? p->now + p->cfg.check_interval_ms : 0;
	p->rounds_failed = 0;
	if (p->prof[i].kind == POL_VSIM) {
		p->phase = POL_P_VSIM_UP;
		p->vsim_failures = 0;
		pol_emit_note(p, "%s: VSIM connected, data up", p->prof[i].name);
		if (p->vsim_old >= 0 && p->vsim_old != i) {
			int old = p->vsim_old;
			struct pol_action *a = pol_queue_action(p, POL_REQ_RELEASE, old);

			if (a) {
				char name[POL_NAME_MAX + 1];

				pol_str_copy(name, sizeof(name), p->prof[old].name);
				snprintf(a->why, sizeof(a->why), "release the previous VSIM %s",
					 name);
			}
			pol_emit(p, POL_ACT_DELETE, old, "%s: replaced: deleted (keys wiped)",
				 p->prof[old].name);
			pol_remove_profile(p, p->prof[old].name);
			i = pol_find(p, p->prof[p->cur].name);
			p->cur = i;
		}
		p->vsim_old = -1;
		pol_send_next_request(p);
		return;
	}
	p->phase = POL_P_SEED_UP;
	p->seed_up = i;
	pol_remember(p, i, p->plmn, p->tac, true, -1);
	if (p->switchback_try) {
		p->switchback_try = false;
		p->switchback_period = p->cfg.switchback_ms;
		pol_emit_note(p, "%s: back on the master seed", p->prof[i].name);
	} else {
		pol_emit_note(p, "%s: connected, data up (SIM server reached)", p->prof[i].name);
	}
	if (p->prof[i].kind == POL_SEED_STANDBY && pol_master(p) >= 0 && p->cfg.switchback_ms) {
		if (!p->switchback_period)
			p->switchback_period = p->cfg.switchback_ms;
		p->switchback_at = p->now + p->switchback_period;
	} else {
		p->switchback_at = 0;
	}
	pol_send_next_request(p);
}

/* The data stage: the first request of this connection. */
void pol_enter_data(struct policy *p)
{
	int i = p->cur;

	pol_set_stage(p, POL_STAGE_DATA, p->cfg.t_data_ms);
	pol_clear_requests(p);
	if (p->prof[i].kind == POL_VSIM) {
		pol_queue_request(p, POL_REQ_REPORT);
	} else {
		if (p->cfg.standby_count && !p->standbys_asked)
			pol_queue_request(p, POL_REQ_SEEDS);
		if (p->cfg.want_vsim && p->vsim_retry_at <= p->now)
			pol_queue_request(p, POL_REQ_VSIM);
		/* the VSIM request carries the exclusion: the report can follow it */
		if (p->report_pending) {
			struct pol_action *a = pol_queue_action(p, POL_REQ_REPORT, -1);

			if (a)
				*a = p->report;
			p->report_pending = false;
		}
		if (!p->n_queue)
			pol_queue_request(p, POL_REQ_REPORT);
	}
	pol_send_next_request(p);
}
