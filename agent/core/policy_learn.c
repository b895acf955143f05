// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's learning, taken out and put back (policy.h): what a
 * restart must not forget.  No clock: times are on the policy's clock, and
 * the owner maps them to a clock that survives a reboot.
 */
#include <string.h>

#include "policy_int.h"

/* Whether a seed's state holds anything learned. */
static bool learned(const struct pol_seed_state *s)
{
	return s->failures || s->retry_at || s->quarantined || s->no_network ||
	       s->last_cause >= 0;
}

void pol_learned_get(const struct policy *p, struct pol_learned *out)
{
	unsigned int i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->n; i++) {
		const struct pol_seed_state *s = &p->st[i];
		struct pol_learned_seed *o;

		/* a VSIM is the server's to judge; an "until restart" quarantine
		 * means what it says */
		if (!pol_is_seed(p, (int)i) || !learned(s))
			continue;
		o = &out->seeds[out->n_seeds++];
		pol_str_copy(o->name, sizeof(o->name), p->prof[i].name);
		o->failures = s->failures;
		o->retry_at = s->retry_at;
		o->quarantined = s->quarantined && s->quarantined_until;
		o->quarantined_until = o->quarantined ? s->quarantined_until : 0;
		o->last_cause = s->last_cause;
		o->no_network = s->no_network;
	}
	for (k = 0; k < p->n_memory; k++)
		if (p->now - p->memory[k].at < p->cfg.memory_ms)
			out->memory[out->n_memory++] = p->memory[k];
	for (k = 0; k < POL_CONGESTED_MAX; k++) {
		if (!p->congested[k].plmn[0] || p->congested[k].until <= p->now)
			continue;
		pol_str_copy(out->congested[out->n_congested].plmn,
			     sizeof(out->congested[0].plmn), p->congested[k].plmn);
		out->congested[out->n_congested++].until = p->congested[k].until;
	}
}

static uint64_t clamp(uint64_t t, uint64_t now, uint64_t max_ahead)
{
	return t > now + max_ahead ? now + max_ahead : t;
}

unsigned int pol_learned_put(struct policy *p, const struct pol_learned *in)
{
	uint64_t now = p->now, longest_backoff;
	unsigned int k, n = 0;
	int i;

	longest_backoff = p->cfg.backoff_max_ms > p->cfg.round_backoff_max_ms ?
			  p->cfg.backoff_max_ms : p->cfg.round_backoff_max_ms;
	for (k = 0; k < in->n_seeds && k < POL_PROFILES_MAX; k++) {
		const struct pol_learned_seed *o = &in->seeds[k];
		struct pol_seed_state *s;

		i = pol_find(p, o->name);
		if (i < 0 || !pol_is_seed(p, i))
			continue;	/* gone since, or no longer a seed */
		s = &p->st[i];
		s->failures = o->failures;
		s->last_cause = o->last_cause;
		s->no_network = o->no_network;
		/* a clock that went back must not stretch what was learned */
		s->retry_at = o->retry_at > now ? clamp(o->retry_at, now, longest_backoff) : 0;
		if (o->quarantined && o->quarantined_until > now && p->cfg.quarantine_ms) {
			s->quarantined = true;
			s->quarantined_until = clamp(o->quarantined_until, now,
						     p->cfg.quarantine_ms);
		}
		n++;
	}
	for (k = 0; k < in->n_memory && k < POL_MEMORY_MAX; k++) {
		const struct pol_memory *m = &in->memory[k];

		if (m->at > now || now - m->at >= p->cfg.memory_ms || pol_find(p, m->seed) < 0)
			continue;
		if (p->n_memory < POL_MEMORY_MAX) {
			p->memory[p->n_memory++] = *m;
			n++;
		}
	}
	for (k = 0; k < in->n_congested && k < POL_CONGESTED_MAX; k++) {
		if (in->congested[k].until <= now || !in->congested[k].plmn[0])
			continue;
		/* (a back-off the network gave, T3346, is taken as at most a day) */
		pol_set_congested(p, in->congested[k].plmn,
				  clamp(in->congested[k].until, now, 86400000));
		n++;
	}
	return n;
}

void pol_forget_learned(struct policy *p, const char *name)
{
	int i = pol_find(p, name);
	unsigned int k, n = 0;

	if (i >= 0) {
		p->st[i].failures = 0;
		p->st[i].retry_at = 0;
		p->st[i].quarantined = false;
		p->st[i].quarantined_until = 0;
		p->st[i].last_cause = -1;
		p->st[i].no_network = false;
	}
	for (k = 0; k < p->n_memory; k++)
		if (strcmp(p->memory[k].seed, name))
			p->memory[n++] = p->memory[k];
	p->n_memory = n;
}
