// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's rounds (policy_int.h): an attempt begins, the next
 * candidate is picked (the master, a seed remembered here, a scan, the best
 * standby), or every seed failed and the round waits.
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

void pol_set_stage(struct policy *p, enum pol_stage s, uint32_t timeout)
{
	p->stage = s;
	p->stage_since = p->now;
	p->stage_deadline = timeout ? p->now + timeout : 0;
	p->searched = false;
}

void pol_begin_attempt(struct policy *p, int i, enum pol_phase ph, const char *why)
{
	bool same = p->enabled == i && p->card_ok;

	p->phase = ph;
	p->cur = i;
	p->st[i].tried = true;
	p->st[i].attempts++;
	p->attempts++;
	if (same) {
		/* the card already has it: no removal for the modem */
		p->new_card = false;
		pol_set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
		pol_emit(p, POL_ACT_REGISTER, i, "%s: %s (already enabled)", p->prof[i].name, why);
		return;
	}
	if (p->enabled >= 0)
		p->switches++;
	p->enabled = i;
	p->card_ok = false;
	p->new_card = true;
	pol_set_stage(p, POL_STAGE_CARD, p->cfg.t_card_ms);
	pol_emit(p, POL_ACT_ENABLE, i, "%s: %s", p->prof[i].name, why);
}

void pol_start_round(struct policy *p, const char *why)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		p->st[i].tried = false;
	p->relaxed = p->relax_next;
	p->relax_next = false;
	if (p->relaxed)
		pol_emit_note(p, "%s; every seed gated for long: this round tries them anyway", why);
	pol_next_candidate(p);
}

/* The best untried seed that passes the gates, or -1. */
static int pick(struct policy *p, bool standby_only)
{
	int best = -1, m = pol_master(p);
	double best_score = -1;
	unsigned int i;

	if (!standby_only && m >= 0 && !p->st[m].tried && !pol_gate(p, m, p->relaxed))
		return m;
	for (i = 0; i < p->n; i++) {
		struct pol_rank r;

		if (p->prof[i].kind != POL_SEED_STANDBY || p->st[i].tried ||
		    pol_gate(p, (int)i, p->relaxed))
			continue;
		pol_score(p, (int)i, &r);
		if (r.score > best_score) {
			best = (int)i;
			best_score = r.score;
		}
	}
	return best;
}

/* A standby seed that connected here before, tried before a scan. */
static int remembered_here(struct policy *p)
{
	unsigned int i;

	if (!p->plmn[0])
		return -1;
	for (i = 0; i < p->n; i++) {
		const struct pol_memory *m;

		if (p->prof[i].kind != POL_SEED_STANDBY || p->st[i].tried ||
		    pol_gate(p, (int)i, p->relaxed))
			continue;
		m = pol_recall(p, (int)i, p->plmn, p->tac);
		if (m && m->ok)
			return (int)i;
	}
	return -1;
}

static uint64_t earliest_retry(const struct policy *p)
{
	uint64_t t = 0;
	unsigned int i, k;

	for (i = 0; i < p->n; i++) {
		const struct pol_seed_state *s = &p->st[i];

		if (!pol_is_seed(p, (int)i))
			continue;
		if (s->retry_at > p->now && (!t || s->retry_at < t))
			t = s->retry_at;
		if (s->quarantined && s->quarantined_until > p->now &&
		    (!t || s->quarantined_until < t))
			t = s->quarantined_until;
	}
	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (p->congested[k].until > p->now && (!t || p->congested[k].until < t))
			t = p->congested[k].until;
	return t;
}

/*
 * Every seed failed or is gated: wait, never give up.  The wait doubles
 * with each failed round (from backoff_base_ms to round_backoff_max_ms)
 * unless a breaker or a congestion ends first; a round that starts after
 * the longest wait lifts every gate but the RAT one.
 */
static void wait_round(struct policy *p)
{
	uint64_t t, cap;
	unsigned int k;

	p->rounds_failed++;
	cap = p->cfg.backoff_base_ms;
	for (k = 1; k < p->rounds_failed && cap < p->cfg.round_backoff_max_ms; k++)
		cap *= 2;
	if (cap >= p->cfg.round_backoff_max_ms)
		cap = p->cfg.round_backoff_max_ms;
	else
		cap = pol_jittered(p, cap);
	t = earliest_retry(p);
	p->relax_next = false;
	if (!t || t > p->now + cap) {
		p->relax_next = cap >= p->cfg.round_backoff_max_ms;
		t = p->now + cap;
	}
	if (t <= p->now)
		t = p->now + 1000;
	p->phase = POL_P_WAIT;
	p->stage = POL_STAGE_NONE;
	p->wait_until = t;
	p->wait_broken = false;
	p->scanned = false;
	/* what the next round sees comes from a new scan */
	p->n_scan = 0;
	p->scan_ok = false;
	pol_emit_note(p, "no seed can connect now: trying again in %llu ms (round %u)",
		      (unsigned long long)(t - p->now), p->rounds_failed);
}

void pol_next_candidate(struct policy *p)
{
	int m = pol_master(p), i;

	if (m >= 0 && !p->st[m].tried) {
		const char *g = pol_gate(p, m, p->relaxed);

		if (!g) {
			pol_begin_attempt(p, m, POL_P_SEED, "master seed first");
			return;
		}
		p->st[m].tried = true;
		pol_emit_note(p, "%s: master seed skipped: %s", p->prof[m].name, g);
	}
	i = remembered_here(p);
	if (i >= 0) {
		pol_begin_attempt(p, i, POL_P_SEED, "connected at this location before");
		return;
	}
	if (!p->scanned) {
		p->phase = POL_P_SCAN;
		p->stage = POL_STAGE_NONE;
		p->stage_deadline = p->now + p->cfg.t_scan_ms;
		pol_emit(p, POL_ACT_SCAN, -1, "scan: signal of the standby seeds' networks");
		return;
	}
	i = pick(p, true);
	if (i >= 0) {
		unsigned int before = p->n_out;
		struct pol_rank r;
		char *why;

		pol_score(p, i, &r);
		pol_begin_attempt(p, i, POL_P_SEED, p->relaxed ?
				  "every gate lifted after a long wait" :
				  "best standby seed by a*A1 + b*B1");
		/* the reason with the numbers (unless the action found no room) */
		if (p->n_out <= before)
			return;
		why = p->out[p->n_out - 1].why;
		snprintf(why + strlen(why), POL_WHY_MAX - strlen(why),
			 " (%.3f = %.2f*%.3f + %.2f*%.3f)", r.score, p->cfg.a, r.a1, p->cfg.b, r.b1);
		return;
	}
	wait_round(p);
}
