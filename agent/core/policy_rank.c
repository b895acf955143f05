// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's ranking (policy_int.h): what it remembers of where the
 * device is (the areas, the outcomes per location, the congested networks),
 * the hard gates, and the index a*A1 + b*B1.
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/* A scan tells what is here for this long; then it is only a hint. */
#define SCAN_VALID_MS		(5 * 60 * 1000)

/* The TAC (or LAC) @plmn reported last; 0 unknown. */
static uint32_t area_of(const struct policy *p, const char *plmn)
{
	unsigned int k;

	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (!strcmp(p->area[k].plmn, plmn))
			return p->area[k].tac;
	return 0;
}

void pol_set_area(struct policy *p, const char *plmn, uint32_t tac)
{
	unsigned int k, slot = POL_CONGESTED_MAX - 1;

	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (!strcmp(p->area[k].plmn, plmn) || !p->area[k].plmn[0]) {
			slot = k;
			break;
		}
	pol_str_copy(p->area[slot].plmn, sizeof(p->area[slot].plmn), plmn);
	p->area[slot].tac = tac;
}

const struct pol_memory *pol_recall(const struct policy *p, int i, const char *plmn,
				    uint32_t tac)
{
	unsigned int k;

	for (k = 0; k < p->n_memory; k++) {
		const struct pol_memory *m = &p->memory[k];

		if (!strcmp(m->seed, p->prof[i].name) && !strcmp(m->plmn, plmn) &&
		    m->tac == tac && p->now - m->at < p->cfg.memory_ms)
			return m;
	}
	return NULL;
}

void pol_remember(struct policy *p, int i, const char *plmn, uint32_t tac, bool ok,
		  int cause)
{
	struct pol_memory *m = NULL;
	unsigned int k, oldest = 0;

	if (!plmn[0])
		return;
	for (k = 0; k < p->n_memory; k++) {
		if (!strcmp(p->memory[k].seed, p->prof[i].name) &&
		    !strcmp(p->memory[k].plmn, plmn) && p->memory[k].tac == tac) {
			m = &p->memory[k];
			break;
		}
		if (p->memory[k].at < p->memory[oldest].at)
			oldest = k;
	}
	if (!m)
		m = p->n_memory < POL_MEMORY_MAX ? &p->memory[p->n_memory++] : &p->memory[oldest];
	pol_str_copy(m->seed, sizeof(m->seed), p->prof[i].name);
	pol_str_copy(m->plmn, sizeof(m->plmn), plmn);
	m->tac = tac;
	m->ok = ok;
	m->cause = cause;
	m->at = p->now;
}

static bool congested(const struct policy *p, const char *plmn)
{
	unsigned int k;

	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (p->congested[k].until > p->now && !strcmp(p->congested[k].plmn, plmn))
			return true;
	return false;
}

void pol_set_congested(struct policy *p, const char *plmn, uint64_t until)
{
	unsigned int k, slot = 0;

	for (k = 0; k < POL_CONGESTED_MAX; k++) {
		if (!strcmp(p->congested[k].plmn, plmn)) {
			slot = k;
			break;
		}
		if (p->congested[k].until < p->congested[slot].until)
			slot = k;
	}
	pol_str_copy(p->congested[slot].plmn, sizeof(p->congested[slot].plmn), plmn);
	p->congested[slot].until = until;
}

/*
 * The networks seed @i could use here, from the scan: visible on a RAT it
 * and the modem have, allowed for it, not remembered as refusing it at this
 * location, not congested.  Returns the best signal's entry or NULL, and in
 * *why the reason when there is none.
 */
static const struct pol_scan_entry *best_network(const struct policy *p, int i,
						 const char **why)
{
	const struct pol_scan_entry *best = NULL;
	bool visible = false, refused = false, busy = false;
	unsigned int k;

	const struct pol_scan_entry *strongest = NULL;

	for (k = 0; k < p->n_scan; k++) {
		const struct pol_scan_entry *e = &p->scan[k];

		/* +COPS=? marks what is forbidden for the card it ran with */
		if ((e->forbidden && i == p->scan_profile) || !pol_allows_plmn(&p->prof[i], e->plmn) ||
		    !(pol_usable_rats(p, i) & POL_RAT_BIT(e->rat)))
			continue;
		visible = true;
		if (!strongest || pol_signal_norm(e->rat, e->dbm) >
				  pol_signal_norm(strongest->rat, strongest->dbm))
			strongest = e;
		{
			const struct pol_memory *m = pol_recall(p, i, e->plmn,
								area_of(p, e->plmn));

			if (m && !m->ok) {
				refused = true;
				continue;
			}
		}
		if (congested(p, e->plmn)) {
			busy = true;
			continue;
		}
		if (!best || pol_signal_norm(e->rat, e->dbm) > pol_signal_norm(best->rat, best->dbm))
			best = e;
	}
	/* the modem's automatic selection takes the strongest: if that one is congested, so is it */
	if (best && strongest && congested(p, strongest->plmn) &&
	    pol_signal_norm(strongest->rat, strongest->dbm) > pol_signal_norm(best->rat, best->dbm) &&
	    !(pol_recall(p, i, strongest->plmn, area_of(p, strongest->plmn)))) {
		best = NULL;
		busy = true;
	}
	if (!best)
		*why = !visible ? "no network of it here" : busy ? "its network is congested" :
		       refused ? "refused here before" : "no network of it here";
	return best;
}

/* An answered scan, even an empty one, says what is here for a while. */
static bool scan_fresh(const struct policy *p)
{
	return p->scan_ok && p->now - p->scan_at < SCAN_VALID_MS;
}

void pol_scan_reopens(struct policy *p)
{
	const char *why;
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (pol_is_seed(p, (int)i) && p->st[i].no_network && p->st[i].retry_at > p->now &&
		    best_network(p, (int)i, &why)) {
			p->st[i].retry_at = 0;
			p->st[i].tried = false;		/* in this round again */
			pol_emit_note(p, "%s: its network is in the scan now: not backed off",
				      p->prof[i].name);
		}
}

/* The hard gates; NULL when @i may be tried now. */
const char *pol_gate(const struct policy *p, int i, bool relaxed)
{
	const struct pol_seed_state *s = &p->st[i];
	const char *why = NULL;

	if (p->prof[i].blocked[0])
		return p->prof[i].blocked;
	if (!pol_usable_rats(p, i))
		return "no RAT in common with the modem";
	if (relaxed)
		return NULL;
	if (s->quarantined && (!s->quarantined_until || s->quarantined_until > p->now))
		return "quarantined (SIM-level reject)";
	if (s->retry_at > p->now)
		return "backing off";
	if (p->plmn[0] && pol_allows_plmn(&p->prof[i], p->plmn)) {
		const struct pol_memory *m = pol_recall(p, i, p->plmn, p->tac);

		if (m && !m->ok && !scan_fresh(p))
			return "refused here before";
	}
	/* a scan says a network is not here only on the RATs it covered (Quectel's
	 * survey sees LTE alone): a seed with another RAT may still be in reach */
	if (scan_fresh(p) && !(pol_usable_rats(p, i) & ~p->scan_rats) && !best_network(p, i, &why))
		return why;
	if (p->prof[i].n_plmns) {
		unsigned int k;

		for (k = 0; k < p->prof[i].n_plmns; k++)
			if (!congested(p, p->prof[i].plmns[k]))
				return NULL;
		return "its network is congested";
	}
	return NULL;
}

void pol_score(const struct policy *p, int i, struct pol_rank *r)
{
	const struct pol_scan_entry *e;
	const char *why;

	memset(r, 0, sizeof(*r));
	pol_str_copy(r->name, sizeof(r->name), p->prof[i].name);
	r->kind = p->prof[i].kind;
	r->dbm = POL_DBM_UNKNOWN;
	e = p->n_scan && p->now - p->scan_at < p->cfg.memory_ms ? best_network(p, i, &why) : NULL;
	if (e && e->dbm != POL_DBM_UNKNOWN) {
		r->dbm = e->dbm;
		r->a1 = pol_signal_norm(e->rat, e->dbm);
		r->signal_known = true;
		/* a scan of an earlier round is this location's memory */
		snprintf(r->signal_from, sizeof(r->signal_from), "%s",
			 p->scanned ? "scan" : "memory");
		pol_str_copy(r->signal_source, sizeof(r->signal_source), p->scan_source);
		r->signal_age_ms = p->now - p->scan_at;
	} else if (p->plmn[0] && p->dbm != POL_DBM_UNKNOWN && pol_allows_plmn(&p->prof[i], p->plmn)) {
		r->dbm = p->dbm;
		r->a1 = pol_signal_norm(p->rat, p->dbm);
		r->signal_known = true;
		snprintf(r->signal_from, sizeof(r->signal_from), "serving");
		pol_str_copy(r->signal_source, sizeof(r->signal_source), "serving cell");
		r->signal_age_ms = p->now - p->dbm_at;
	}
	if (p->prof[i].has_tariff)
		r->b1 = pol_tariff_norm(&p->cfg, p->prof[i].tariff);
	r->score = pol_index(&p->cfg, r->a1, r->b1);
	r->gate = pol_gate(p, i, false);
	r->failures = p->st[i].failures;
	r->retry_at = p->st[i].retry_at > p->now ? p->st[i].retry_at : 0;
	r->last_cause = p->st[i].last_cause;
}

static bool rank_before(const struct pol_rank *a, const struct pol_rank *b)
{
	if ((a->kind == POL_SEED_MASTER) != (b->kind == POL_SEED_MASTER))
		return a->kind == POL_SEED_MASTER;
	if (!a->gate != !b->gate)
		return !a->gate;
	return a->score > b->score;
}

unsigned int pol_ranking(const struct policy *p, uint64_t now_ms, struct pol_rank *out,
			 unsigned int max)
{
	struct policy *q = (struct policy *)p;	/* only .now, put back */
	uint64_t saved = q->now;
	unsigned int i, j, n = 0;

	q->now = now_ms;
	for (i = 0; i < p->n && n < max; i++) {
		struct pol_rank r;

		if (!pol_is_seed(p, (int)i))
			continue;
		pol_score(p, (int)i, &r);
		/* the master, then the eligible by score, then the gated; stable */
		for (j = n; j > 0 && rank_before(&r, &out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = r;
		n++;
	}
	q->now = saved;
	return n;
}
