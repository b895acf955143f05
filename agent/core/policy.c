// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core (see policy.h): seed ranking, staged connection,
 * failover, VSIM acquisition and switch-back, as state machines fed with
 * events and the time.  No I/O, no clock, no global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

/*
 * Signal bounds of A1 (fixed, so that adding a seed never reorders the
 * others): TS 36.133 §9.1.4 reports RSRP from -140 to -44 dBm; TS 27.007
 * +CSQ reports RSSI from -113 to -51 dBm (used for GSM and UMTS alike).
 */
#define RSRP_MIN	-140
#define RSRP_MAX	-44
#define RSSI_MIN	-113
#define RSSI_MAX	-51

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
 *//* How late a registration report of the card before a switch may come. */
#define STALE_REPORT_MS		5000
/* A scan tells what is here for this long; then it is only a hint. */
#define SCAN_VALID_MS		(5 * 60 * 1000)

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
	c->rng_seed = 1;
}

/* ---- names ---- */

const char *pol_phase_name(enum pol_phase ph)
{
	static const char *const n[] = { "idle", "seed", "scan", "wait", "seed-up", "vsim",
					 "vsim-up" };

	return ph < sizeof(n) / sizeof(n[0]) ? n[ph] : "?";
}

const char *pol_stage_name(enum pol_stage s)
{
	static const char *const n[] = { "none", "card", "register", "dial", "data", "up" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *pol_action_name(enum pol_action_kind k)
{
	static const char *const n[] = { "enable", "register", "dial", "scan", "server",
					 "install", "delete", "note" };

	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

const char *pol_req_name(enum pol_srv_req r)
{
	static const char *const n[] = { "seeds", "vsim", "release", "report" };

	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

enum cause_class { CC_OTHER, CC_SIM, CC_LOCATION, CC_CONGESTION };

/* TS 24.301 Annex A / TS 24.008 §10.5.3.6 */
static enum cause_class classify(int cause)
{
	switch (cause) {
	case 2:		/* IMSI unknown in HSS */
	case 3:		/* illegal UE */
	case 6:		/* illegal ME */
	case 8:		/* EPS and non-EPS services not allowed */
		return CC_SIM;
	case 11:	/* PLMN not allowed */
	case 12:	/* tracking area not allowed */
	case 13:	/* roaming not allowed in this tracking area */
	case 14:	/* EPS services not allowed in this PLMN */
	case 15:	/* no suitable cells in tracking area */
		return CC_LOCATION;
	case 22:	/* congestion */
		return CC_CONGESTION;
	default:
		return CC_OTHER;
	}
}

const char *pol_cause_class(int cause)
{
	static const char *const n[] = { "other", "sim", "location", "congestion" };

	return n[classify(cause)];
}

/* ---- normalisation ---- */

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

double pol_signal_norm(enum pol_rat rat, int32_t dbm)
{
	if (dbm == POL_DBM_UNKNOWN)
		return 0;
	if (rat == POL_RAT_LTE)
		return clamp01((double)(dbm - RSRP_MIN) / (RSRP_MAX - RSRP_MIN));
	return clamp01((double)(dbm - RSSI_MIN) / (RSSI_MAX - RSSI_MIN));
}

double pol_tariff_norm(const struct pol_config *c, double tariff)
{
	if (c->tariff_max <= c->tariff_min)
		return 0;
	return 1 - clamp01((tariff - c->tariff_min) / (c->tariff_max - c->tariff_min));
}

/* ---- helpers ---- */

/* strlcpy: names and PLMNs copied within struct policy */
static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (n + 1 < size && src[n])
		n++;

	memmove(dst, src, n);
	dst[n] = '\0';
}

static uint64_t rng_next(struct policy *p)
{
	/* splitmix64 */
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct pol_action *emit(struct policy *p, enum pol_action_kind k, int prof,
			       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void pol_action_vset(struct pol_action *a, enum pol_action_kind k, const char *profile,
		     const char *fmt, va_list ap)
{
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->cause = -1;
	if (profile)
		str_copy(a->profile, sizeof(a->profile), profile);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
}

static struct pol_action *emit(struct policy *p, enum pol_action_kind k, int prof,
			       const char *fmt, ...)
{
	static struct pol_action spill;
	struct pol_action *a;
	va_list ap;

	/* POL_ACTIONS_MAX is enough for any event; past @max the rest is lost */
	a = p->n_out < p->max_out ? &p->out[p->n_out++] : &spill;
	va_start(ap, fmt);
	pol_action_vset(a, k, prof >= 0 ? p->prof[prof].name : NULL, fmt, ap);
	va_end(ap);
	return a;
}

#define emit_note(p, ...) emit(p, POL_ACT_NOTE, -1, __VA_ARGS__)

static int find(const struct policy *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->prof[i].name, name))
			return (int)i;
	return -1;
}

static bool is_seed(const struct policy *p, int i)
{
	return i >= 0 && p->prof[i].kind != POL_VSIM;
}

static int master(const struct policy *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->prof[i].kind == POL_SEED_MASTER)
			return (int)i;
	return -1;
}

static bool allows_plmn(const struct pol_profile *pp, const char *plmn)
{
	unsigned int i;

	if (!pp->n_plmns)
		return true;
	for (i = 0; i < pp->n_plmns; i++)
		if (!strcmp(pp->plmns[i], plmn))
			return true;
	return false;
}

static unsigned int usable_rats(const struct policy *p, int i)
{
	unsigned int r = p->prof[i].rats ? p->prof[i].rats : POL_RATS_ALL;

	return r & (p->cfg.modem_rats ? p->cfg.modem_rats : POL_RATS_ALL);
}

/* The TAC (or LAC) @plmn reported last; 0 unknown. */
static uint32_t area_of(const struct policy *p, const char *plmn)
{
	unsigned int k;

	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (!strcmp(p->area[k].plmn, plmn))
			return p->area[k].tac;
	return 0;
}

static void set_area(struct policy *p, const char *plmn, uint32_t tac)
{
	unsigned int k, slot = POL_CONGESTED_MAX - 1;

	for (k = 0; k < POL_CONGESTED_MAX; k++)
		if (!strcmp(p->area[k].plmn, plmn) || !p->area[k].plmn[0]) {
			slot = k;
			break;
		}
	str_copy(p->area[slot].plmn, sizeof(p->area[slot].plmn), plmn);
	p->area[slot].tac = tac;
}

static const struct pol_memory *recall(const struct policy *p, int i, const char *plmn,
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

static void remember(struct policy *p, int i, const char *plmn, uint32_t tac, bool ok,
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
	str_copy(m->seed, sizeof(m->seed), p->prof[i].name);
	str_copy(m->plmn, sizeof(m->plmn), plmn);
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

static void set_congested(struct policy *p, const char *plmn, uint64_t until)
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
	str_copy(p->congested[slot].plmn, sizeof(p->congested[slot].plmn), plmn);
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
		if ((e->forbidden && i == p->scan_profile) || !allows_plmn(&p->prof[i], e->plmn) ||
		    !(usable_rats(p, i) & POL_RAT_BIT(e->rat)))
			continue;
		visible = true;
		if (!strongest || pol_signal_norm(e->rat, e->dbm) >
				  pol_signal_norm(strongest->rat, strongest->dbm))
			strongest = e;
		{
			const struct pol_memory *m = recall(p, i, e->plmn,
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
	    !(recall(p, i, strongest->plmn, area_of(p, strongest->plmn)))) {
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

/* The hard gates; NULL when @i may be tried now. */
static const char *gate(const struct policy *p, int i, bool relaxed)
{
	const struct pol_seed_state *s = &p->st[i];
	const char *why = NULL;

	if (!usable_rats(p, i))
		return "no RAT in common with the modem";
	if (relaxed)
		return NULL;
	if (s->quarantined && (!s->quarantined_until || s->quarantined_until > p->now))
		return "quarantined (SIM-level reject)";
	if (s->retry_at > p->now)
		return "backing off";
	if (p->plmn[0] && allows_plmn(&p->prof[i], p->plmn)) {
		const struct pol_memory *m = recall(p, i, p->plmn, p->tac);

		if (m && !m->ok && !scan_fresh(p))
			return "refused here before";
	}
	if (scan_fresh(p) && !best_network(p, i, &why))
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

static void score(const struct policy *p, int i, struct pol_rank *r)
{
	const struct pol_scan_entry *e;
	const char *why;

	memset(r, 0, sizeof(*r));
	str_copy(r->name, sizeof(r->name), p->prof[i].name);
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
	} else if (p->plmn[0] && p->dbm != POL_DBM_UNKNOWN && allows_plmn(&p->prof[i], p->plmn)) {
		r->dbm = p->dbm;
		r->a1 = pol_signal_norm(p->rat, p->dbm);
		r->signal_known = true;
		snprintf(r->signal_from, sizeof(r->signal_from), "serving");
	}
	if (p->prof[i].has_tariff)
		r->b1 = pol_tariff_norm(&p->cfg, p->prof[i].tariff);
	r->score = p->cfg.a * r->a1 + p->cfg.b * r->b1;
	r->gate = gate(p, i, false);
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

		if (!is_seed(p, (int)i))
			continue;
		score(p, (int)i, &r);
		/* the master, then the eligible by score, then the gated; stable */
		for (j = n; j > 0 && rank_before(&r, &out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = r;
		n++;
	}
	q->now = saved;
	return n;
}

/* ---- attempts ---- */

static void set_stage(struct policy *p, enum pol_stage s, uint32_t timeout)
{
	p->stage = s;
	p->stage_since = p->now;
	p->stage_deadline = timeout ? p->now + timeout : 0;
	p->searched = false;
}

static void begin_attempt(struct policy *p, int i, enum pol_phase ph, const char *why)
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
		set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
		emit(p, POL_ACT_REGISTER, i, "%s: %s (already enabled)", p->prof[i].name, why);
		return;
	}
	if (p->enabled >= 0)
		p->switches++;
	p->enabled = i;
	p->card_ok = false;
	p->new_card = true;
	set_stage(p, POL_STAGE_CARD, p->cfg.t_card_ms);
	emit(p, POL_ACT_ENABLE, i, "%s: %s", p->prof[i].name, why);
}

static uint32_t jittered(struct policy *p, uint64_t ms)
{
	/* +0..25 % so that devices failing together do not retry together */
	return (uint32_t)(ms + ms * (rng_next(p) % 256) / 1024);
}

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
	s->retry_at = p->now + jittered(p, d);
}

static void queue_request(struct policy *p, enum pol_srv_req r);
static void next_candidate(struct policy *p);
static void send_next_request(struct policy *p);

static void start_round(struct policy *p, const char *why)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		p->st[i].tried = false;
	p->relaxed = p->relax_next;
	p->relax_next = false;
	if (p->relaxed)
		emit_note(p, "%s; every seed gated for long: this round tries them anyway", why);
	next_candidate(p);
}

/* The best untried seed that passes the gates, or -1. */
static int pick(struct policy *p, bool standby_only)
{
	int best = -1, m = master(p);
	double best_score = -1;
	unsigned int i;

	if (!standby_only && m >= 0 && !p->st[m].tried && !gate(p, m, p->relaxed))
		return m;
	for (i = 0; i < p->n; i++) {
		struct pol_rank r;

		if (p->prof[i].kind != POL_SEED_STANDBY || p->st[i].tried ||
		    gate(p, (int)i, p->relaxed))
			continue;
		score(p, (int)i, &r);
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
		    gate(p, (int)i, p->relaxed))
			continue;
		m = recall(p, (int)i, p->plmn, p->tac);
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

		if (!is_seed(p, (int)i))
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

static void next_candidate(struct policy *p)
{
	int m = master(p), i;
	uint64_t t, cap;

	if (m >= 0 && !p->st[m].tried) {
		const char *g = gate(p, m, p->relaxed);

		if (!g) {
			begin_attempt(p, m, POL_P_SEED, "master seed first");
			return;
		}
		p->st[m].tried = true;
		emit_note(p, "%s: master seed skipped: %s", p->prof[m].name, g);
	}
	i = remembered_here(p);
	if (i >= 0) {
		begin_attempt(p, i, POL_P_SEED, "connected at this location before");
		return;
	}
	if (!p->scanned) {
		p->phase = POL_P_SCAN;
		p->stage = POL_STAGE_NONE;
		p->stage_deadline = p->now + p->cfg.t_scan_ms;
		emit(p, POL_ACT_SCAN, -1, "scan: signal of the standby seeds' networks");
		return;
	}
	i = pick(p, true);
	if (i >= 0) {
		struct pol_rank r;

		score(p, i, &r);
		begin_attempt(p, i, POL_P_SEED, p->relaxed ? "every gate lifted after a long wait" :
			      "best standby seed by a*A1 + b*B1");
		/* the reason with the numbers */
		snprintf(p->out[p->n_out - 1].why + strlen(p->out[p->n_out - 1].why),
			 POL_WHY_MAX - strlen(p->out[p->n_out - 1].why),
			 " (%.3f = %.2f*%.3f + %.2f*%.3f)", r.score, p->cfg.a, r.a1, p->cfg.b, r.b1);
		return;
	}
	/*
	 * every seed failed or is gated: wait, never give up.  The wait doubles
	 * with each failed round (from backoff_base_ms to round_backoff_max_ms)
	 * unless a breaker or a congestion ends first; a round that starts
	 * after the longest wait lifts every gate but the RAT one.
	 */
	p->rounds_failed++;
	cap = p->cfg.backoff_base_ms;
	for (i = 1; (unsigned int)i < p->rounds_failed && cap < p->cfg.round_backoff_max_ms; i++)
		cap *= 2;
	if (cap >= p->cfg.round_backoff_max_ms)
		cap = p->cfg.round_backoff_max_ms;
	else
		cap = jittered(p, cap);
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
	emit_note(p, "no seed can connect now: trying again in %llu ms (round %u)",
		  (unsigned long long)(t - p->now), p->rounds_failed);
}

/* ---- the server ---- */

static struct pol_action *queue_action(struct policy *p, enum pol_srv_req r, int prof)
{
	struct pol_action *a;

	if (p->n_queue >= sizeof(p->queue) / sizeof(p->queue[0]))
		return NULL;
	a = &p->queue[p->n_queue++];
	memset(a, 0, sizeof(*a));
	a->kind = POL_ACT_SERVER;
	a->req = r;
	a->cause = -1;
	if (prof >= 0)
		str_copy(a->profile, sizeof(a->profile), p->prof[prof].name);
	return a;
}

static void queue_request(struct policy *p, enum pol_srv_req r)
{
	struct pol_action *a = queue_action(p, r, p->cur);
	unsigned int k;

	if (!a)
		return;
	switch (r) {
	case POL_REQ_SEEDS:
		a->count = p->cfg.standby_count;
		snprintf(a->why, sizeof(a->why), "first connection: ask for %u standby seeds",
			 a->count);
		break;
	case POL_REQ_VSIM:
		a->n_exclude = p->n_exclude;
		for (k = 0; k < p->n_exclude; k++)
			memcpy(a->exclude[k], p->exclude[k], sizeof(a->exclude[k]));
		if (p->phase == POL_P_VSIM_UP && p->cur >= 0)
			str_copy(a->current, sizeof(a->current), p->prof[p->cur].name);
		str_copy(a->why, sizeof(a->why), a->current[0] ?
			 "the VSIM expires soon: ask for the next one" :
			 "data is up: ask for a local VSIM");
		break;
	case POL_REQ_REPORT:
		a->report_kind = p->cur >= 0 ? p->prof[p->cur].kind : POL_SEED_MASTER;
		a->stage = POL_STAGE_UP;
		a->success = true;
		snprintf(a->why, sizeof(a->why), "report: connected");
		break;
	case POL_REQ_RELEASE:
		break;
	}
}

static void send_next_request(struct policy *p)
{
	struct pol_action *a;

	if (p->req_pending || !p->n_queue)
		return;
	a = emit(p, POL_ACT_SERVER, -1, "%s", "");
	*a = p->queue[0];
	memmove(&p->queue[0], &p->queue[1], (--p->n_queue) * sizeof(p->queue[0]));
	p->req_pending = true;
	p->req_kind = a->req;
	/* past the data stage the client's own retries run first */
	p->req_deadline = p->now + 3ull * p->cfg.t_data_ms;
}

static void clear_requests(struct policy *p)
{
	p->n_queue = 0;
	p->req_pending = false;
	p->req_deadline = 0;
}

/* ---- failure and success of an attempt ---- */

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
	str_copy(p->exclude[p->n_exclude++], sizeof(p->exclude[0]), name);
}

static void fall_back_to_seed(struct policy *p, const char *why)
{
	if (p->seed_up >= 0 && !gate(p, p->seed_up, false)) {
		begin_attempt(p, p->seed_up, POL_P_SEED, why);
		return;
	}
	start_round(p, why);
}

static void vsim_failed(struct policy *p, int v, enum pol_stage stage, int cause, bool timeout)
{
	struct pol_action *r = &p->report;

	add_exclude(p, p->prof[v].name);
	p->vsim_failures++;
	memset(r, 0, sizeof(*r));
	r->kind = POL_ACT_SERVER;
	r->req = POL_REQ_REPORT;
	r->report_kind = POL_VSIM;
	str_copy(r->profile, sizeof(r->profile), p->prof[v].name);
	r->stage = stage;
	r->timeout = timeout;
	r->cause = cause;
	snprintf(r->why, sizeof(r->why), "report: VSIM %s failed at %s", p->prof[v].name,
		 pol_stage_name(stage));
	p->report_pending = true;
	/* its keys go now: a failed VSIM is never used again */
	emit(p, POL_ACT_DELETE, v, "%s: VSIM failed at %s%s: deleted (keys wiped)",
	     p->prof[v].name, pol_stage_name(stage), timeout ? " (timeout)" : "");
	if (p->enabled == v)
		p->enabled = -1;
	pol_remove_profile(p, p->prof[v].name);
	if (p->vsim_failures >= p->cfg.vsim_attempts)
		p->vsim_retry_at = p->now + jittered(p, p->cfg.vsim_retry_ms);
}

static void attempt_failed(struct policy *p, enum pol_stage stage, int cause, bool timeout,
			   const char *plmn, uint32_t tac, uint32_t backoff_ms)
{
	int i = p->cur;
	struct pol_seed_state *s = &p->st[i];
	enum cause_class cc = stage == POL_STAGE_REGISTER && cause >= 0 ? classify(cause) : CC_OTHER;
	const char *what = "";

	if (timeout)
		p->timeouts++;
	else if (cause >= 0)
		p->rejects++;
	s->last_cause = cause;
	if (p->prof[i].kind == POL_VSIM) {
		vsim_failed(p, i, stage, cause, timeout);
		clear_requests(p);
		fall_back_to_seed(p, "back to the seed after the VSIM failed");
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
		remember(p, i, plmn[0] ? plmn : p->plmn, plmn[0] ? tac : p->tac, false, cause);
		what = ": refused at this location, remembered";
		break;
	case CC_CONGESTION:
		set_congested(p, plmn[0] ? plmn : p->plmn,
			      p->now + (backoff_ms ? backoff_ms : p->cfg.congestion_ms));
		what = ": network congested, its back-off is waited out";
		break;
	case CC_OTHER:
		breaker_trip(p, i);
		what = "";
		break;
	}
	if (cc != CC_OTHER)
		s->failures++;
	if (cause >= 0)
		emit_note(p, "%s failed at %s: cause #%d%s", p->prof[i].name,
			  pol_stage_name(stage), cause, what);
	else
		emit_note(p, "%s failed at %s: %s", p->prof[i].name, pol_stage_name(stage),
			  timeout ? "timeout" :
			  stage == POL_STAGE_REGISTER ? "no network for it" :
			  stage == POL_STAGE_DATA ? "the SIM server is unreachable" :
			  stage == POL_STAGE_DIAL ? "the PDP context was refused" :
			  "the card was not read");
	clear_requests(p);
	p->cur = -1;
	if (p->switchback_try) {
		/* the master is not back: return, and wait twice as long next time */
		p->switchback_try = false;
		p->switchback_period = p->switchback_period * 2 > p->cfg.switchback_max_ms ?
				       p->cfg.switchback_max_ms : p->switchback_period * 2;
		p->switchback_at = p->now + p->switchback_period;
		if (p->switchback_from >= 0 && !gate(p, p->switchback_from, false)) {
			begin_attempt(p, p->switchback_from, POL_P_SEED,
				      "switch back failed: return to the standby seed");
			return;
		}
	}
	if (p->phase == POL_P_SEED && p->seed_up == i)
		p->seed_up = -1;
	next_candidate(p);
}

static void attempt_up(struct policy *p)
{
	int i = p->cur;
	struct pol_seed_state *s = &p->st[i];

	s->failures = 0;
	s->retry_at = 0;
	s->successes++;
	p->stage = POL_STAGE_UP;
	p->stage_deadline = 0;
	p->rounds_failed = 0;
	if (p->prof[i].kind == POL_VSIM) {
		p->phase = POL_P_VSIM_UP;
		p->vsim_failures = 0;
		emit_note(p, "%s: VSIM connected, data up", p->prof[i].name);
		if (p->vsim_old >= 0 && p->vsim_old != i) {
			int old = p->vsim_old;
			struct pol_action *a = queue_action(p, POL_REQ_RELEASE, old);

			if (a) {
				char name[POL_NAME_MAX + 1];

				str_copy(name, sizeof(name), p->prof[old].name);
				snprintf(a->why, sizeof(a->why), "release the previous VSIM %s",
					 name);
			}
			emit(p, POL_ACT_DELETE, old, "%s: replaced: deleted (keys wiped)",
			     p->prof[old].name);
			pol_remove_profile(p, p->prof[old].name);
			i = find(p, p->prof[p->cur].name);
			p->cur = i;
		}
		p->vsim_old = -1;
		send_next_request(p);
		return;
	}
	p->phase = POL_P_SEED_UP;
	p->seed_up = i;
	remember(p, i, p->plmn, p->tac, true, -1);
	if (p->switchback_try) {
		p->switchback_try = false;
		p->switchback_period = p->cfg.switchback_ms;
		emit_note(p, "%s: back on the master seed", p->prof[i].name);
	} else {
		emit_note(p, "%s: connected, data up (SIM server reached)", p->prof[i].name);
	}
	if (p->prof[i].kind == POL_SEED_STANDBY && master(p) >= 0 && p->cfg.switchback_ms) {
		if (!p->switchback_period)
			p->switchback_period = p->cfg.switchback_ms;
		p->switchback_at = p->now + p->switchback_period;
	} else {
		p->switchback_at = 0;
	}
	send_next_request(p);
}

/* The data stage: the first request of this connection. */
static void enter_data(struct policy *p)
{
	int i = p->cur;

	set_stage(p, POL_STAGE_DATA, p->cfg.t_data_ms);
	clear_requests(p);
	if (p->prof[i].kind == POL_VSIM) {
		queue_request(p, POL_REQ_REPORT);
	} else {
		if (p->cfg.standby_count && !p->standbys_asked)
			queue_request(p, POL_REQ_SEEDS);
		if (p->cfg.want_vsim && p->vsim_retry_at <= p->now)
			queue_request(p, POL_REQ_VSIM);
		/* the VSIM request carries the exclusion: the report can follow it */
		if (p->report_pending) {
			struct pol_action *a = queue_action(p, POL_REQ_REPORT, -1);

			if (a)
				*a = p->report;
			p->report_pending = false;
		}
		if (!p->n_queue)
			queue_request(p, POL_REQ_REPORT);
	}
	send_next_request(p);
}

/* ---- events ---- */

static void on_reg(struct policy *p, const struct pol_event *ev)
{
	bool registered = ev->stat == POL_REG_HOME || ev->stat == POL_REG_ROAMING;

	if (ev->plmn[0]) {
		str_copy(p->plmn, sizeof(p->plmn), ev->plmn);
		p->tac = ev->tac;
		set_area(p, ev->plmn, ev->tac);
		p->rat = ev->rat;
		p->dbm = ev->dbm;
	}
	if (p->cur < 0) {
		/* waiting: the enabled seed found coverage by itself */
		if (registered && p->phase == POL_P_WAIT && p->enabled >= 0 && p->card_ok &&
		    is_seed(p, p->enabled)) {
			p->phase = POL_P_SEED;
			p->cur = p->enabled;
			p->st[p->cur].attempts++;
			p->attempts++;
			set_stage(p, POL_STAGE_DIAL, p->cfg.t_dial_ms);
			emit(p, POL_ACT_DIAL, p->cur, "%s registered by itself while waiting: dial",
			     p->prof[p->cur].name);
		} else if (ev->stat == POL_REG_SEARCHING && p->phase == POL_P_WAIT &&
			   !p->wait_broken) {
			/* the modem searches by itself: coverage changed; once a wait */
			p->wait_broken = true;
			start_round(p, "the modem searches again: coverage may have changed");
			/* that search is the enabled seed's registration stage */
			if (p->cur >= 0 && p->cur == p->enabled && p->stage == POL_STAGE_REGISTER)
				p->searched = true;
		}
		return;
	}
	switch (p->stage) {
	case POL_STAGE_REGISTER:
		/*
		 * Just after a card switch, a denial or detach the modem reports
		 * before it searched is the card before's (a late URC): ignored.
		 */
		if (ev->stat == POL_REG_SEARCHING) {
			p->searched = true;
			break;
		}
		if (!registered && p->new_card && !p->searched &&
		    p->now - p->stage_since < STALE_REPORT_MS)
			break;
		if (registered) {
			set_stage(p, POL_STAGE_DIAL, p->cfg.t_dial_ms);
			emit(p, POL_ACT_DIAL, p->cur, "%s registered on %s: dial",
			     p->prof[p->cur].name, p->plmn);
		} else if (ev->stat == POL_REG_DENIED) {
			attempt_failed(p, POL_STAGE_REGISTER, ev->cause, false, ev->plmn, ev->tac,
				       ev->backoff_ms);
		} else if (ev->stat == POL_REG_NOT_SEARCHING && p->searched) {
			attempt_failed(p, POL_STAGE_REGISTER, -1, false, "", 0, 0);
		}
		break;
	case POL_STAGE_DIAL:
	case POL_STAGE_DATA:
	case POL_STAGE_UP:
		if (registered)
			break;
		if (ev->stat == POL_REG_DENIED) {
			attempt_failed(p, POL_STAGE_REGISTER, ev->cause, false, ev->plmn, ev->tac,
				       ev->backoff_ms);
			break;
		}
		/* lost (moved, outage): the modem searches again; what was seen is old */
		emit_note(p, "%s: registration lost: waiting for it again",
			  p->prof[p->cur].name);
		p->n_scan = 0;
		p->scan_ok = false;
		p->scanned = false;
		clear_requests(p);
		if (p->phase == POL_P_SEED_UP)
			p->phase = POL_P_SEED;
		else if (p->phase == POL_P_VSIM_UP)
			p->phase = POL_P_VSIM;
		set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
		p->searched = ev->stat == POL_REG_SEARCHING;
		break;
	default:
		break;
	}
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
			attempt_failed(p, POL_STAGE_DATA, -1, false, "", 0, 0);
			return;
		}
		attempt_up(p);
		if (p->cur < 0)
			return;
	}
	switch (r) {
	case POL_REQ_SEEDS:
		if (ev->result == POL_SRV_OK) {
			unsigned int k;

			p->standbys_asked = true;
			for (k = 0; k < ev->n_profiles && k < 4; k++) {
				struct pol_profile pp = ev->profiles[k];

				pp.kind = POL_SEED_STANDBY;
				pol_add_profile(p, &pp);
			}
			emit_note(p, "the server gave %u standby seeds", ev->n_profiles);
		}
		break;
	case POL_REQ_VSIM:
		if (ev->result == POL_SRV_OK && ev->profile.name[0]) {
			struct pol_profile pp = ev->profile;
			int v;

			pp.kind = POL_VSIM;
			if (pol_add_profile(p, &pp) == 0) {
				v = find(p, pp.name);
				emit(p, POL_ACT_INSTALL, v, "%s: VSIM allocated: install",
				     pp.name);
				p->installing = true;
				break;
			}
		}
		p->vsim_retry_at = p->now + jittered(p, p->cfg.vsim_retry_ms);
		emit_note(p, "no VSIM (%s): asking again in %u s, staying on %s",
			  ev->result == POL_SRV_OK ? "empty answer" :
			  ev->error[0] ? ev->error : "server unreachable",
			  (unsigned int)((p->vsim_retry_at - p->now) / 1000),
			  p->prof[p->cur].name);
		break;
	default:
		break;
	}
	send_next_request(p);
}

static void on_installed(struct policy *p, const struct pol_event *ev)
{
	int v = find(p, ev->profile.name);

	if (!p->installing || v < 0 || p->prof[v].kind != POL_VSIM)
		return;
	p->installing = false;
	if (!ev->ok) {
		vsim_failed(p, v, POL_STAGE_CARD, -1, false);
		if (p->vsim_retry_at <= p->now && p->phase == POL_P_SEED_UP) {
			queue_request(p, POL_REQ_VSIM);
			send_next_request(p);
		}
		return;
	}
	if (p->phase == POL_P_VSIM_UP)
		p->vsim_old = p->cur;
	clear_requests(p);
	begin_attempt(p, v, POL_P_VSIM, "VSIM installed: enable it");
}

static void on_timer(struct policy *p)
{
	uint64_t now = p->now;

	if ((p->phase == POL_P_SEED || p->phase == POL_P_VSIM) && p->stage_deadline &&
	    now >= p->stage_deadline) {
		emit_note(p, "%s: no %s result within %u ms", p->prof[p->cur].name,
			  pol_stage_name(p->stage), (unsigned int)(now - p->stage_since));
		attempt_failed(p, p->stage, -1, true, "", 0, 0);
		return;
	}
	if (p->phase == POL_P_SCAN && now >= p->stage_deadline) {
		emit_note(p, "scan: no answer in %u ms, ranking without it", p->cfg.t_scan_ms);
		p->scanned = true;
		next_candidate(p);
		return;
	}
	if (p->phase == POL_P_WAIT && now >= p->wait_until) {
		start_round(p, "the back-off is over");
		return;
	}
	if (p->req_pending && p->req_deadline && now >= p->req_deadline) {
		enum pol_event_kind k = POL_EV_SERVER;
		struct pol_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = k;
		ev.req = p->req_kind;
		ev.result = POL_SRV_UNREACHABLE;
		on_server(p, &ev);
		return;
	}
	if (p->phase == POL_P_SEED_UP && !p->req_pending && !p->installing) {
		int m = master(p);

		if (p->switchback_at && now >= p->switchback_at && m >= 0 && !gate(p, m, false)) {
			p->switchback_try = true;
			p->switchback_from = p->cur;
			p->switchback_at = 0;
			clear_requests(p);
			begin_attempt(p, m, POL_P_SEED, "switch back to the master seed");
			return;
		}
		if (p->switchback_at && now >= p->switchback_at)
			p->switchback_at = now + p->switchback_period;
		if (p->cfg.want_vsim && p->vsim_retry_at && now >= p->vsim_retry_at) {
			p->vsim_retry_at = 0;
			p->vsim_failures = 0;
			queue_request(p, POL_REQ_VSIM);
			send_next_request(p);
			return;
		}
	}
	if (p->phase == POL_P_VSIM_UP && p->cur >= 0 && p->prof[p->cur].expires_ms) {
		uint64_t exp = p->prof[p->cur].expires_ms;

		if (now >= exp) {
			int v = p->cur;

			emit(p, POL_ACT_DELETE, v, "%s: VSIM expired: deleted (keys wiped)",
			     p->prof[v].name);
			p->report_pending = false;
			{
				struct pol_action *a = &p->report;

				memset(a, 0, sizeof(*a));
				a->kind = POL_ACT_SERVER;
				a->req = POL_REQ_RELEASE;
				a->cause = -1;
				str_copy(a->profile, sizeof(a->profile), p->prof[v].name);
				snprintf(a->why, sizeof(a->why), "release the expired VSIM");
				p->report_pending = true;
			}
			p->enabled = -1;
			pol_remove_profile(p, p->prof[v].name);
			p->cur = -1;
			clear_requests(p);
			fall_back_to_seed(p, "the VSIM expired: back to the seed");
			return;
		}
		if (!p->req_pending && !p->installing && now + p->cfg.vsim_renew_ms >= exp &&
		    !p->renew_asked) {
			p->renew_asked = true;
			queue_request(p, POL_REQ_VSIM);
			send_next_request(p);
		}
	}
}

unsigned int pol_step(struct policy *p, uint64_t now_ms, const struct pol_event *ev,
		      struct pol_action *out, unsigned int max)
{
	if (now_ms > p->now)
		p->now = now_ms;
	p->out = out;
	p->n_out = 0;
	p->max_out = max;

	switch (ev->kind) {
	case POL_EV_START:
		if (p->phase != POL_P_IDLE)
			break;
		if (ev->profile.name[0] && find(p, ev->profile.name) >= 0) {
			/* vuiccd restarted: the card keeps what it has */
			p->enabled = find(p, ev->profile.name);
			p->card_ok = ev->ok;
			if (p->prof[p->enabled].kind == POL_VSIM) {
				p->st[p->enabled].tried = true;
				begin_attempt(p, p->enabled, POL_P_VSIM,
					      "vuiccd restarted: carry on with the enabled VSIM");
				break;
			}
			if (is_seed(p, p->enabled) && !gate(p, p->enabled, false)) {
				begin_attempt(p, p->enabled, POL_P_SEED,
					      "vuiccd restarted: carry on with the enabled seed");
				break;
			}
		}
		start_round(p, "power on");
		break;
	case POL_EV_TIMER:
		on_timer(p);
		break;
	case POL_EV_CARD:
		if (p->cur < 0 || p->stage != POL_STAGE_CARD || p->enabled != p->cur)
			break;
		if (!ev->ok) {
			attempt_failed(p, POL_STAGE_CARD, -1, false, "", 0, 0);
			break;
		}
		p->card_ok = true;
		set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
		emit(p, POL_ACT_REGISTER, p->cur, "%s: card ready: register", p->prof[p->cur].name);
		break;
	case POL_EV_REG:
		on_reg(p, ev);
		break;
	case POL_EV_SCAN:
		if (p->phase != POL_P_SCAN)
			break;
		p->scanned = true;
		p->scan_at = p->now;
		p->scan_profile = p->enabled;
		p->scan_ok = ev->ok;
		p->n_scan = 0;
		if (ev->ok) {
			p->n_scan = ev->n_scan < POL_SCAN_MAX ? ev->n_scan : POL_SCAN_MAX;
			memcpy(p->scan, ev->scan, p->n_scan * sizeof(p->scan[0]));
		}
		emit_note(p, "scan: %u networks seen", ev->ok ? ev->n_scan : 0);
		next_candidate(p);
		break;
	case POL_EV_DIAL:
		if (p->cur < 0 || p->stage != POL_STAGE_DIAL)
			break;
		if (!ev->ok) {
			attempt_failed(p, POL_STAGE_DIAL, ev->cme, ev->cme < 0, "", 0, 0);
			break;
		}
		enter_data(p);
		break;
	case POL_EV_DATA_LOST:
		if (p->cur < 0 || p->stage < POL_STAGE_DATA)
			break;
		emit_note(p, "%s: data connection lost", p->prof[p->cur].name);
		clear_requests(p);
		if (p->phase == POL_P_SEED_UP)
			p->phase = POL_P_SEED;
		else if (p->phase == POL_P_VSIM_UP)
			p->phase = POL_P_VSIM;
		set_stage(p, POL_STAGE_REGISTER, p->cfg.t_register_ms);
		emit(p, POL_ACT_REGISTER, p->cur, "%s: register again after the data loss",
		     p->prof[p->cur].name);
		break;
	case POL_EV_SERVER:
		on_server(p, ev);
		break;
	case POL_EV_INSTALLED:
		on_installed(p, ev);
		break;
	}
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
#undef TAKE
	return t;
}

void pol_init(struct policy *p, const struct pol_config *c)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *c;
	p->cur = p->enabled = p->seed_up = p->vsim_old = p->switchback_from = -1;
	p->scan_profile = -1;
	p->dbm = POL_DBM_UNKNOWN;
	p->rng = c->rng_seed;
}

int pol_add_profile(struct policy *p, const struct pol_profile *pp)
{
	int i = find(p, pp->name);

	if (i < 0) {
		if (p->n >= POL_PROFILES_MAX)
			return -1;
		i = (int)p->n++;
		memset(&p->st[i], 0, sizeof(p->st[i]));
		p->st[i].last_cause = -1;
	}
	p->prof[i] = *pp;
	return 0;
}

/* Indexes above @i move down by one. */
static void fix_index(int *x, int i)
{
	if (*x == i)
		*x = -1;
	else if (*x > i)
		(*x)--;
}

void pol_remove_profile(struct policy *p, const char *name)
{
	int i = find(p, name);

	if (i < 0)
		return;
	memmove(&p->prof[i], &p->prof[i + 1], (p->n - i - 1) * sizeof(p->prof[0]));
	memmove(&p->st[i], &p->st[i + 1], (p->n - i - 1) * sizeof(p->st[0]));
	p->n--;
	fix_index(&p->cur, i);
	fix_index(&p->enabled, i);
	fix_index(&p->seed_up, i);
	fix_index(&p->vsim_old, i);
	fix_index(&p->switchback_from, i);
	if (p->enabled < 0)
		p->card_ok = false;
}
