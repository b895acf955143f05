// SPDX-License-Identifier: GPL-2.0
/*
 * The failover benchmark's world: scenario generator, oracle and the
 * discrete-event simulation of the modem, the networks and the SIM server
 * (see failover_world.h and Documentation/dev-tools/vuicc-failover-bench.rst).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_world.h"

/* ---- deterministic draws ---- */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* What is drawn: each a separate family of values. */
enum {
	D_CARD = 1, D_SEARCH, D_ATTACH, D_RESELECT, D_DIAL, D_DIAL_FLAKE, D_REQ, D_REQ_FLAKE,
	D_SCAN, D_INSTALL, D_VSIM_OK, D_GEN, D_DIALECT,
};

/* A draw keyed by what is attempted, never by what was drawn before. */
static uint64_t draw(uint64_t seed, unsigned int what, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = mix64(seed ^ ((uint64_t)what << 56));

	h = mix64(h ^ a);
	h = mix64(h ^ (b * 0x100000001b3ull));
	return mix64(h ^ (c * 0xc2b2ae3d27d4eb4full));
}

static double u01(uint64_t h)
{
	return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* lo..hi inclusive */
static uint64_t urange(uint64_t h, uint64_t lo, uint64_t hi)
{
	return lo + (uint64_t)(u01(h) * (double)(hi - lo + 1));
}

/* The generator's own stream: used only before the run, the same for both. */
struct gen_rng {
	uint64_t s;
};

static uint64_t gnext(struct gen_rng *g)
{
	g->s += 0x9e3779b97f4a7c15ull;
	return mix64(g->s);
}

static double gu(struct gen_rng *g)
{
	return u01(gnext(g));
}

static int gint(struct gen_rng *g, int lo, int hi)
{
	return (int)urange(gnext(g), (uint64_t)(lo - lo), (uint64_t)(hi - lo)) + lo;
}

/* ---- the PLMN universe ---- */

static const struct {
	const char *code;
	int country;		/* -1: a home network of global seeds, never visited */
} plmns[] = {
	{ "20801", 0 }, { "20810", 0 }, { "20815", 0 }, { "20820", 0 },		/* FR */
	{ "26201", 1 }, { "26202", 1 }, { "26203", 1 },				/* DE */
	{ "23410", 2 }, { "23415", 2 }, { "23420", 2 }, { "23430", 2 },		/* GB */
	{ "44010", 3 }, { "44020", 3 }, { "44051", 3 },				/* JP */
	{ "52001", 4 }, { "52004", 4 }, { "52005", 4 },				/* TH */
	{ "310260", 5 }, { "310410", 5 }, { "311480", 5 },			/* US */
	{ "46000", 6 }, { "46001", 6 }, { "46011", 6 },				/* CN */
	{ "45400", -1 }, { "45412", -1 }, { "23450", -1 }, { "20404", -1 },	/* homes */
	{ "90128", -1 },
};
#define N_PLMNS		((int)(sizeof(plmns) / sizeof(plmns[0])))
#define N_COUNTRIES	7
#define FIRST_HOME	23

_Static_assert(sizeof(plmns) / sizeof(plmns[0]) <= FW_PLMN_N, "PLMN universe too large");

const char *fw_plmn_code(int plmn)
{
	return plmn >= 0 && plmn < N_PLMNS ? plmns[plmn].code : "";
}

static int plmn_index(const char *code)
{
	int i;

	for (i = 0; i < N_PLMNS; i++)
		if (!strcmp(plmns[i].code, code))
			return i;
	return -1;
}

static const struct {
	const char *name, *text;
	unsigned int weight;
} classes[FW_C_N] = {
	[FW_C_MASTER_OK] = { "master-ok", "the master seed works at once", 44 },
	[FW_C_MASTER_ABSENT] = { "master-absent", "no network of the master here (stat 0)", 15 },
	[FW_C_MASTER_SIM] = { "master-sim", "master expired (#8) or barred (#3)", 10 },
	[FW_C_SILENT] = { "silent", "the master's network never answers the attach", 10 },
	[FW_C_CONGESTION] = { "congestion", "the master's network: #22 + T3346, then ok", 5 },
	[FW_C_DIAL_DATA] = { "dial-data", "master registers; PDP or server path fails", 5 },
	[FW_C_ROAMING] = { "roaming", "#11/#13 on the master's strongest network", 3 },
	[FW_C_NO_COVERAGE] = { "no-coverage", "no network at all for 30-300 s at power-on", 4 },
	[FW_C_MOVE] = { "move", "master works, then the device moves", 2 },
	[FW_C_OUTAGE] = { "outage", "master works, then its network is out 30-300 s", 2 },
};

const char *fw_class_name(enum fw_class c)
{
	return c < FW_C_N ? classes[c].name : "?";
}

const char *fw_class_text(enum fw_class c)
{
	return c < FW_C_N ? classes[c].text : "?";
}

unsigned int fw_class_weight(enum fw_class c)
{
	return c < FW_C_N ? classes[c].weight : 0;
}

static const char *beh_name(int b)
{
	static const char *const n[FW_B_N] = { "normal", "silent", "rej#11", "rej#13",
					       "dial-cme", "dial-silent", "data-unreachable",
					       "data-silent" };

	return b >= 0 && b < FW_B_N ? n[b] : "?";
}

static const char *rat_name(int r)
{
	return r == POL_RAT_GSM ? "GSM" : r == POL_RAT_UMTS ? "UMTS" : r == POL_RAT_LTE ? "LTE" : "?";
}

static void rats_str(unsigned int rats, char *buf, size_t len)
{
	int r;

	buf[0] = 0;
	for (r = 0; r < POL_RAT_N; r++)
		if (rats & POL_RAT_BIT(r))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "+" : "",
				 rat_name(r));
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* ---- the modem's choice (shared by the oracle and the simulation) ---- */

/* The same fixed bounds as A1: a modem compares signals across RATs so. */
static double signal_q(int rat, int32_t dbm)
{
	double x = rat == POL_RAT_LTE ? (dbm + 140) / 96.0 : (dbm + 113) / 62.0;

	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/*
 * The RAT a modem camps on in a network: LTE when it is usable (RSRP of
 * -118 dBm or more), else UMTS (RSSI of -100 dBm or more), else the best
 * of what there is.  -1 when the profile, the modem and the network share
 * no RAT.
 */
static int camp_rat(const struct fw_op *o, unsigned int rats)
{
	unsigned int r = rats & o->rats;
	int best = -1, k;

	if ((r & POL_RAT_BIT(POL_RAT_LTE)) && o->dbm[POL_RAT_LTE] >= -118)
		return POL_RAT_LTE;
	if ((r & POL_RAT_BIT(POL_RAT_UMTS)) && o->dbm[POL_RAT_UMTS] >= -100)
		return POL_RAT_UMTS;
	for (k = 0; k < POL_RAT_N; k++)
		if ((r & POL_RAT_BIT(k)) && (best < 0 || signal_q(k, o->dbm[k]) >
					     signal_q(best, o->dbm[best])))
			best = k;
	return best;
}

/*
 * Automatic network selection: the strongest visible network allowed for
 * the profile (its PLMN list, on a RAT it, the modem and the operator
 * share), not in @excl (EF_FPLMN, forbidden TAs).  Returns the operator
 * slot or -1, and its RAT.
 */
static int modem_select(const struct fw_scenario *s, int loc, const bool *out, uint64_t allowed,
			unsigned int prof_rats, uint64_t excl, int *rat)
{
	const struct fw_loc *l = &s->loc[loc];
	unsigned int rats = (prof_rats ? prof_rats : POL_RATS_ALL) & s->modem_rats;
	double best = -1;
	int b = -1;
	unsigned int k;

	for (k = 0; k < l->n_ops; k++) {
		const struct fw_op *o = &l->op[k];
		int r;
		double q;

		if (out[k] || !(allowed & (1ull << o->plmn)) || (excl & (1ull << o->plmn)))
			continue;
		r = camp_rat(o, rats);
		if (r < 0)
			continue;
		q = signal_q(r, o->dbm[r]);
		if (q > best) {
			best = q;
			b = (int)k;
			*rat = r;
		}
	}
	return b;
}

enum outcome { O_WORKS, O_NOCAND, O_SIM, O_SILENT, O_CONGESTED, O_DIAL, O_DATA, O_REJECTED };

/*
 * What a fresh modem with seed @i would end up with at @loc with the
 * outages @out at time @t: the oracle, and the generator's check of its
 * classes.  *first_rej: the first network chosen rejected with #11/#13.
 */
static enum outcome seed_outcome(const struct fw_scenario *s, unsigned int i, int loc,
				 const bool *out, uint64_t t, uint64_t *until, bool *first_rej)
{
	const struct fw_seed *sd = &s->seeds[i];
	uint64_t excl = 0;
	bool rejected = false;
	int rat;

	if (first_rej)
		*first_rej = false;
	for (;;) {
		int k = modem_select(s, loc, out, sd->allowed, sd->prof.rats, excl, &rat);
		int pl;

		if (k < 0)
			return rejected ? O_REJECTED : O_NOCAND;
		if (sd->validity != FW_VALID)
			return O_SIM;
		pl = s->loc[loc].op[k].plmn;
		if (s->congested_until[pl] > t) {
			if (until)
				*until = s->congested_until[pl];
			return O_CONGESTED;
		}
		switch (sd->beh[pl]) {
		case FW_B_REJ11:
		case FW_B_REJ13:
			if (!rejected && first_rej)
				*first_rej = true;
			rejected = true;
			excl |= 1ull << pl;
			continue;
		case FW_B_SILENT:
			return O_SILENT;
		case FW_B_DIAL_CME:
		case FW_B_DIAL_SILENT:
			return O_DIAL;
		case FW_B_DATA_UNREACH:
		case FW_B_DATA_SILENT:
			return O_DATA;
		default:
			return O_WORKS;
		}
	}
}

/* ---- the generator ---- */

static void gen_location(struct gen_rng *g, struct fw_loc *l, int country)
{
	int idx[FW_OPS_MAX + 2], n = 0, i, k;

	l->country = country;
	for (i = 0; i < FIRST_HOME; i++)
		if (plmns[i].country == country && n < FW_OPS_MAX)
			idx[n++] = i;
	for (i = n - 1; i > 0; i--) {
		int j = gint(g, 0, i), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	l->n_ops = (unsigned int)gint(g, 2, n);
	for (k = 0; k < (int)l->n_ops; k++) {
		struct fw_op *o = &l->op[k];
		double u = gu(g);

		memset(o, 0, sizeof(*o));
		o->plmn = idx[k];
		o->rats = u < 0.55 ? POL_RATS_ALL :
			  u < 0.75 ? POL_RAT_BIT(POL_RAT_LTE) | POL_RAT_BIT(POL_RAT_GSM) :
			  u < 0.85 ? POL_RAT_BIT(POL_RAT_LTE) :
			  u < 0.93 ? POL_RAT_BIT(POL_RAT_GSM) | POL_RAT_BIT(POL_RAT_UMTS) :
				     POL_RAT_BIT(POL_RAT_UMTS) | POL_RAT_BIT(POL_RAT_LTE);
		o->dbm[POL_RAT_LTE] = gu(g) < 0.1 ? gint(g, -132, -118) : gint(g, -120, -78);
		o->dbm[POL_RAT_UMTS] = gint(g, -100, -60);
		o->dbm[POL_RAT_GSM] = gint(g, -95, -55);
		o->tac = (uint32_t)gint(g, 1, 65534);
	}
}

static void seed_add_plmn(struct fw_seed *sd, int pl)
{
	if ((sd->allowed & (1ull << pl)) || sd->prof.n_plmns >= POL_PLMNS_MAX)
		return;
	sd->allowed |= 1ull << pl;
	snprintf(sd->prof.plmns[sd->prof.n_plmns++], sizeof(sd->prof.plmns[0]), "%s",
		 plmns[pl].code);
}

/*
 * A global seed: its home network, then 2-5 roaming partners.  @present:
 * 1 at least one of loc 0's operators, 0 none of them, -1 chance.
 */
static void gen_seed(struct gen_rng *g, struct fw_scenario *s, struct fw_seed *sd, int present)
{
	const struct fw_loc *l0 = &s->loc[0];
	int n = gint(g, 2, 5), k, tries = 0;

	sd->allowed = 0;
	sd->prof.n_plmns = 0;
	seed_add_plmn(sd, gint(g, FIRST_HOME, N_PLMNS - 1));
	if (present == 1) {
		seed_add_plmn(sd, l0->op[gint(g, 0, (int)l0->n_ops - 1)].plmn);
		n--;
	}
	for (k = 0; k < n && tries < 100; tries++) {
		int pl = gint(g, 0, FIRST_HOME - 1);
		unsigned int j;
		bool here = false;

		for (j = 0; j < l0->n_ops; j++)
			here |= l0->op[j].plmn == pl;
		if (present == 0 && here)
			continue;
		/* partners are mostly where the device goes: half from its country */
		if (gu(g) < 0.5 && plmns[pl].country != l0->country)
			continue;
		seed_add_plmn(sd, pl);
		k++;
	}
}

static void gen_behaviours(struct gen_rng *g, struct fw_seed *sd)
{
	static const int cmes[] = { 30, 33, 133, 149 };
	int pl;

	for (pl = 0; pl < N_PLMNS; pl++) {
		double u = gu(g);

		sd->beh[pl] = u < 0.04 ? FW_B_SILENT : u < 0.06 ? FW_B_REJ11 : u < 0.08 ? FW_B_REJ13 :
			      u < 0.10 ? FW_B_DIAL_CME : u < 0.11 ? FW_B_DIAL_SILENT :
			      u < 0.13 ? FW_B_DATA_UNREACH : u < 0.14 ? FW_B_DATA_SILENT :
			      FW_B_NORMAL;
		sd->cme[pl] = (int16_t)cmes[gint(g, 0, 3)];
	}
}

static void sched_add(struct fw_scenario *s, uint64_t at, enum fw_sched_kind k, int loc, int op)
{
	struct fw_sched *e;
	unsigned int i;

	if (s->n_sched >= FW_SCHED_MAX)
		return;
	for (i = s->n_sched; i > 0 && s->sched[i - 1].at > at; i--)
		s->sched[i] = s->sched[i - 1];
	e = &s->sched[i];
	e->at = at;
	e->kind = k;
	e->loc = loc;
	e->op = op;
	s->n_sched++;
}

static void add_outage(struct fw_scenario *s, uint64_t at, uint64_t len, int loc, int op)
{
	sched_add(s, at, FW_S_OUT_START, loc, op);
	sched_add(s, at + len, FW_S_OUT_END, loc, op);
}

static int new_location(struct gen_rng *g, struct fw_scenario *s)
{
	int c = gu(g) < 0.5 ? s->loc[0].country : gint(g, 0, N_COUNTRIES - 1);

	if (s->n_locs >= FW_LOCS_MAX)
		return gint(g, 0, (int)s->n_locs - 1);
	gen_location(g, &s->loc[s->n_locs], c);
	return (int)s->n_locs++;
}

/* The outages in force at @t at @loc (schedule walked from 0). */
static void outages_at(const struct fw_scenario *s, uint64_t t, int *loc, bool out[][FW_OPS_MAX])
{
	unsigned int i;

	memset(out, 0, sizeof(bool) * FW_LOCS_MAX * FW_OPS_MAX);
	*loc = 0;
	for (i = 0; i < s->n_sched && s->sched[i].at <= t; i++) {
		const struct fw_sched *e = &s->sched[i];

		if (e->kind == FW_S_MOVE)
			*loc = e->loc;
		else
			out[e->loc][e->op] = e->kind == FW_S_OUT_START;
	}
}

/* Time a working seed needs at most from a standing start: card, attach, dial, data. */
#define USABLE_MARGIN_MS	25000

static void oracle(struct fw_scenario *s, uint64_t end)
{
	uint64_t a = 0;
	unsigned int i = 0, j;

	s->usable_at = FW_NEVER;
	s->usable_seed = -1;
	for (;;) {
		uint64_t b = end;
		bool out[FW_LOCS_MAX][FW_OPS_MAX];
		int loc;

		while (i < s->n_sched && s->sched[i].at <= a)
			i++;
		if (i < s->n_sched && s->sched[i].at < end)
			b = s->sched[i].at;
		outages_at(s, a, &loc, out);
		for (j = 0; j < s->n_seeds; j++) {
			uint64_t until = 0, t = a;
			enum outcome o = seed_outcome(s, j, loc, out[loc], a, &until, NULL);

			if (o == O_CONGESTED)
				t = until > a ? until : a;
			else if (o != O_WORKS)
				continue;
			if (t + USABLE_MARGIN_MS <= b && t < s->usable_at) {
				s->usable_at = t;
				s->usable_seed = (int)j;
			}
		}
		if (s->usable_at != FW_NEVER || b >= end)
			return;
		a = b;
	}
}

static bool class_holds(const struct fw_scenario *s)
{
	bool none[FW_OPS_MAX] = { false };
	bool first_rej;
	enum outcome o = seed_outcome(s, 0, 0, none, 0, NULL, &first_rej);

	switch (s->cls) {
	case FW_C_MASTER_OK:
	case FW_C_NO_COVERAGE:
	case FW_C_MOVE:
	case FW_C_OUTAGE:
		return o == O_WORKS;
	case FW_C_MASTER_ABSENT:
		return o == O_NOCAND;
	case FW_C_MASTER_SIM:
		return o == O_SIM;
	case FW_C_SILENT:
		return o == O_SILENT;
	case FW_C_CONGESTION:
		return o == O_CONGESTED;
	case FW_C_DIAL_DATA:
		return o == O_DIAL || o == O_DATA;
	case FW_C_ROAMING:
		return first_rej;
	default:
		return false;
	}
}

/* The operator slot the modem picks for the master at power-on, or -1. */
static int master_pick(const struct fw_scenario *s)
{
	bool none[FW_OPS_MAX] = { false };
	int rat;

	return modem_select(s, 0, none, s->seeds[0].allowed, s->seeds[0].prof.rats, 0, &rat);
}

static void gen_once(struct fw_scenario *s, struct gen_rng *g, uint64_t end)
{
	static const double tariff_step = 0.01;
	struct fw_seed *m = &s->seeds[0];
	unsigned int i, n_standby;
	int pick;
	double u;

	s->modem_rats = gu(g) < 0.9 ? POL_RATS_ALL : POL_RAT_BIT(POL_RAT_LTE);
	s->n_locs = 1;
	gen_location(g, &s->loc[0], gint(g, 0, N_COUNTRIES - 1));
	n_standby = (unsigned int)gint(g, 2, 5);
	s->n_seeds = 1 + n_standby;
	for (i = 0; i < s->n_seeds; i++) {
		struct fw_seed *sd = &s->seeds[i];

		memset(sd, 0, sizeof(*sd));
		if (i == 0) {
			snprintf(sd->prof.name, sizeof(sd->prof.name), "seed-master");
			sd->prof.kind = POL_SEED_MASTER;
			sd->prof.rats = POL_RATS_ALL;
			sd->prof.tariff = (double)gint(g, 15, 60) * tariff_step;
		} else {
			snprintf(sd->prof.name, sizeof(sd->prof.name), "seed-standby%u", i);
			sd->prof.kind = POL_SEED_STANDBY;
			u = gu(g);
			sd->prof.rats = u < 0.6 ? POL_RATS_ALL :
					u < 0.75 ? POL_RAT_BIT(POL_RAT_LTE) :
					u < 0.9 ? POL_RAT_BIT(POL_RAT_GSM) | POL_RAT_BIT(POL_RAT_UMTS) :
						  POL_RAT_BIT(POL_RAT_GSM);
			sd->prof.tariff = (double)gint(g, 5, 95) * tariff_step;
			u = gu(g);
			sd->validity = u < 0.04 ? FW_EXPIRED : u < 0.07 ? FW_BARRED : FW_VALID;
		}
		sd->prof.has_tariff = true;
		gen_seed(g, s, sd, i == 0 ? (s->cls == FW_C_MASTER_ABSENT ? 0 : 1) :
			 gu(g) < 0.75 ? 1 : 0);
		gen_behaviours(g, sd);
	}
	/* a network congested for everyone, now and then */
	for (i = 0; i < s->loc[0].n_ops; i++)
		if (gu(g) < 0.02)
			s->congested_until[s->loc[0].op[i].plmn] = (uint64_t)gint(g, 20, 180) * 1000;

	/* the master's condition */
	if (s->cls != FW_C_MASTER_ABSENT)
		for (i = 0; i < s->loc[0].n_ops; i++)
			m->beh[s->loc[0].op[i].plmn] = FW_B_NORMAL;
	pick = master_pick(s);
	switch (s->cls) {
	case FW_C_MASTER_SIM:
		m->validity = gu(g) < 0.5 ? FW_EXPIRED : FW_BARRED;
		break;
	case FW_C_SILENT:
		if (pick >= 0)
			m->beh[s->loc[0].op[pick].plmn] = FW_B_SILENT;
		break;
	case FW_C_CONGESTION:
		if (pick >= 0)
			s->congested_until[s->loc[0].op[pick].plmn] =
				(uint64_t)gint(g, 20, 180) * 1000;
		break;
	case FW_C_DIAL_DATA:
		if (pick >= 0) {
			u = gu(g);
			m->beh[s->loc[0].op[pick].plmn] = u < 0.3 ? FW_B_DIAL_CME :
							  u < 0.45 ? FW_B_DIAL_SILENT :
							  u < 0.8 ? FW_B_DATA_UNREACH :
								    FW_B_DATA_SILENT;
		}
		break;
	case FW_C_ROAMING:
		if (pick >= 0) {
			unsigned int k;

			/* half the time another network of the master is here and fine */
			for (k = 0; k < s->loc[0].n_ops; k++)
				if (gu(g) < 0.5)
					m->beh[s->loc[0].op[k].plmn] = FW_B_REJ11;
			m->beh[s->loc[0].op[pick].plmn] = gu(g) < 0.5 ? FW_B_REJ11 : FW_B_REJ13;
		}
		break;
	case FW_C_NO_COVERAGE: {
		uint64_t len = (uint64_t)gint(g, 30, 300) * 1000;

		for (i = 0; i < s->loc[0].n_ops; i++)
			add_outage(s, 0, len, 0, (int)i);
		break;
	}
	case FW_C_MOVE:
		sched_add(s, (uint64_t)gint(g, 5, 300) * 1000, FW_S_MOVE, new_location(g, s), 0);
		break;
	case FW_C_OUTAGE:
		if (pick >= 0)
			add_outage(s, (uint64_t)gint(g, 5, 300) * 1000,
				   (uint64_t)gint(g, 30, 300) * 1000, 0, pick);
		break;
	default:
		break;
	}
	/* an extra move or outage later on, in one scenario of ten */
	s->overlay = gu(g) < 0.1;
	if (s->overlay) {
		if (gu(g) < 0.5) {
			sched_add(s, (uint64_t)gint(g, 60, 840) * 1000, FW_S_MOVE, new_location(g, s), 0);
		} else {
			int k = gint(g, 0, (int)s->loc[0].n_ops - 1);

			add_outage(s, (uint64_t)gint(g, 10, 840) * 1000,
				   (uint64_t)gint(g, 30, 300) * 1000, 0, k);
		}
	}
	(void)end;
}

static enum fw_class pick_class(uint64_t h)
{
	unsigned int x = (unsigned int)urange(h, 0, 99), acc = 0;
	int c;

	for (c = 0; c < FW_C_N; c++) {
		acc += classes[c].weight;
		if (x < acc)
			return (enum fw_class)c;
	}
	return FW_C_MASTER_OK;
}

void fw_generate(struct fw_scenario *s, uint64_t run_seed, unsigned int index, uint64_t end_ms)
{
	uint64_t seed = mix64(mix64(run_seed) ^ index);
	unsigned int attempt;

	for (attempt = 0; ; attempt++) {
		struct gen_rng g = { draw(seed, D_GEN, attempt, 0, 0) };

		memset(s, 0, sizeof(*s));
		s->index = index;
		s->seed = seed;
		s->cls = pick_class(draw(seed, D_GEN, 0, 1, 0));
		gen_once(s, &g, end_ms);
		/* a draw that cannot give its class (say an LTE-only modem) is drawn again */
		if (class_holds(s) || attempt >= 1000)
			break;
	}
	/* its own draw: the rest of the scenario is what it was without it */
	{
		unsigned int d = (unsigned int)(draw(seed, D_DIALECT, 0, 0, 0) % 10);

		s->dialect = d < 4 ? SURVEY_NONE : d < 6 ? SURVEY_QUECTEL : d < 8 ? SURVEY_TELIT :
			     SURVEY_UBLOX;
	}
	oracle(s, end_ms);
}

void fw_describe(const struct fw_scenario *s, FILE *f)
{
	char rb[32];
	unsigned int i, j;

	rats_str(s->modem_rats, rb, sizeof(rb));
	fprintf(f, "scenario %u (seed 0x%016" PRIx64 "): class %s (%s)%s; modem %s, scan %s\n",
		s->index, s->seed, fw_class_name(s->cls), fw_class_text(s->cls),
		s->overlay ? " + a later move/outage" : "", rb,
		survey_command(s->dialect) ? survey_command(s->dialect) : "AT+COPS=?");
	for (i = 0; i < s->n_locs; i++) {
		fprintf(f, "  location %u:", i);
		for (j = 0; j < s->loc[i].n_ops; j++) {
			const struct fw_op *o = &s->loc[i].op[j];
			int r;

			const char *sep = "";

			fprintf(f, " %s[", plmns[o->plmn].code);
			for (r = POL_RAT_N - 1; r >= 0; r--)
				if (o->rats & POL_RAT_BIT(r)) {
					fprintf(f, "%s%s %d", sep, rat_name(r), o->dbm[r]);
					sep = ", ";
				}
			fprintf(f, "%s]", s->congested_until[o->plmn] ? " congested" : "");
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < s->n_seeds; i++) {
		const struct fw_seed *sd = &s->seeds[i];

		rats_str(sd->prof.rats, rb, sizeof(rb));
		fprintf(f, "  %-14s %s, %s, tariff %.2f, networks:", sd->prof.name,
			sd->validity == FW_EXPIRED ? "EXPIRED" : sd->validity == FW_BARRED ?
			"BARRED" : "valid", rb, sd->prof.tariff);
		for (j = 0; j < sd->prof.n_plmns; j++) {
			int pl = plmn_index(sd->prof.plmns[j]);

			fprintf(f, " %s", sd->prof.plmns[j]);
			if (pl >= 0 && sd->beh[pl] != FW_B_NORMAL && j)
				fprintf(f, "(%s)", beh_name(sd->beh[pl]));
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < s->n_sched; i++) {
		const struct fw_sched *e = &s->sched[i];

		if (e->kind == FW_S_MOVE)
			fprintf(f, "  at %7.3f s: move to location %d\n", e->at / 1000.0, e->loc);
		else
			fprintf(f, "  at %7.3f s: %s at location %d %s\n", e->at / 1000.0,
				plmns[s->loc[e->loc].op[e->op].plmn].code, e->loc,
				e->kind == FW_S_OUT_START ? "goes out" : "is back");
	}
	if (s->usable_at == FW_NEVER)
		fprintf(f, "  oracle: no seed can connect before the end\n");
	else
		fprintf(f, "  oracle: %s can connect from %.3f s\n",
			s->seeds[s->usable_seed].prof.name, s->usable_at / 1000.0);
}

/* ---- the simulation ---- */

#define Q_MAX		64
#define PROFS_MAX	(FW_SEEDS_MAX + FW_VSIMS_MAX)
#define FW_VSIMS_MAX	128
#define STUCK_STEPS	10000	/* steps at one instant: the policy loops */
#define RUNAWAY_STEPS	2000000

enum qkind { Q_CARD, Q_ATTACH, Q_NOSERV, Q_REPORT, Q_RESELECT, Q_T3346, Q_DIAL, Q_SERVER,
	     Q_SCAN, Q_INSTALLED, Q_LOST };

struct qent {
	uint64_t at, seq;
	enum qkind kind;
	uint32_t gen, rgen, lgen;
	int op, rat;
	int stat, cause;		/* Q_REPORT; Q_DIAL: cause = cme, -1 ok */
	uint32_t backoff;
	enum pol_srv_req req;		/* Q_SERVER */
	enum pol_srv_result result;
	int prof;			/* Q_INSTALLED, Q_CARD: world profile index; -1 bad */
	bool congested;			/* Q_ATTACH: T3346 runs: no attach, re-report #22 */
	char name[POL_NAME_MAX + 1];	/* Q_INSTALLED */
};

enum regst { R_IDLE, R_SEARCH, R_REG, R_DENIED, R_NOSERV, R_STUCK };

struct vsim {
	char name[POL_NAME_MAX + 1];
	int plmn;
	bool works, installed, deleted;
};

struct world {
	const struct fw_scenario *s;
	const struct fw_agent *ag;
	struct fw_result *r;
	FILE *trace;
	uint64_t now, seq;
	unsigned int next_sched;
	int loc;
	bool out[FW_LOCS_MAX][FW_OPS_MAX];

	/* the card */
	int enabled;			/* world profile: seeds 0.., VSIMs FW_SEEDS_MAX + k */
	uint32_t gen;
	bool card_ready, auto_mode;
	unsigned int attempt;		/* of the enabled profile */
	unsigned int n_reg, n_dial, n_req;	/* within the attempt */
	/* the modem's registration */
	enum regst reg;
	int reg_op, reg_rat, search_op;
	int last_cause;
	bool sim_invalid;
	uint32_t rgen;
	uint64_t t3346[FW_PLMN_N];
	/* the data link */
	bool pdp, verified;
	uint32_t lgen;
	int link_prof, link_plmn;
	unsigned int n_scan;
	bool scanning;			/* scan n_scan runs */
	/* the schedule's changes of one instant are applied together: a modem
	 * does not search between two networks coming back at once */
	bool batching, coverage_pending;
	unsigned long scan_cancelled;

	unsigned int attempts[PROFS_MAX];
	uint64_t fplmn[PROFS_MAX];
	uint64_t ftai[PROFS_MAX][FW_LOCS_MAX];
	bool seed_deleted[FW_SEEDS_MAX];
	unsigned int n_vsims;
	struct vsim vsims[FW_VSIMS_MAX];

	unsigned int nq;
	struct qent q[Q_MAX];
};

static void tr(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tr(struct world *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->trace)
		return;
	fprintf(w->trace, "  %9.3f  ", w->now / 1000.0);
	va_start(ap, fmt);
	vfprintf(w->trace, fmt, ap);
	va_end(ap);
	fputc('\n', w->trace);
}

static const char *prof_name(const struct world *w, int p)
{
	if (p < 0)
		return "-";
	if (p < FW_SEEDS_MAX)
		return w->s->seeds[p].prof.name;
	return w->vsims[p - FW_SEEDS_MAX].name;
}

static bool is_vsim(int p)
{
	return p >= FW_SEEDS_MAX;
}

static struct qent *qadd(struct world *w, uint64_t delay, enum qkind k)
{
	struct qent *e;

	if (w->nq >= Q_MAX) {
		fprintf(stderr, "failover: world queue full (scenario %u)\n", w->s->index);
		abort();
	}
	e = &w->q[w->nq++];
	memset(e, 0, sizeof(*e));
	e->at = delay == FW_NEVER ? FW_NEVER : w->now + delay;
	e->seq = w->seq++;
	e->kind = k;
	e->gen = w->gen;
	e->rgen = w->rgen;
	e->lgen = w->lgen;
	e->cause = -1;
	e->prof = w->enabled;
	return e;
}

/* What the attempt in progress draws: keyed by profile, attempt and ordinal. */
static uint64_t adraw(const struct world *w, unsigned int what, unsigned int ord)
{
	return draw(w->s->seed, what, (uint64_t)w->enabled * 65536 + w->attempt, ord, 0);
}

static uint64_t prof_allowed(const struct world *w, int p, unsigned int *rats)
{
	if (is_vsim(p)) {
		*rats = POL_RATS_ALL;
		return 1ull << w->vsims[p - FW_SEEDS_MAX].plmn;
	}
	*rats = w->s->seeds[p].prof.rats;
	return w->s->seeds[p].allowed;
}

static void report(struct world *w, uint64_t delay, int stat, int cause, int op, int rat,
		   uint32_t backoff)
{
	struct qent *e = qadd(w, delay, Q_REPORT);

	e->stat = stat;
	e->cause = cause;
	e->op = op;
	e->rat = rat;
	e->backoff = backoff;
}

static int home_or_roaming(const struct world *w, int op)
{
	int pl = w->s->loc[w->loc].op[op].plmn;

	if (is_vsim(w->enabled))
		return POL_REG_HOME;
	return !strcmp(w->s->seeds[w->enabled].prof.plmns[0], plmns[pl].code) ? POL_REG_HOME :
	       POL_REG_ROAMING;
}

/* Automatic network selection for the enabled profile. */
static void start_search(struct world *w, bool announce, bool reselect)
{
	unsigned int rats;
	uint64_t allowed = prof_allowed(w, w->enabled, &rats);
	uint64_t excl = w->fplmn[w->enabled] | w->ftai[w->enabled][w->loc];
	int rat = 0, k;
	struct qent *e;

	w->rgen++;
	w->n_reg++;
	k = modem_select(w->s, w->loc, w->out[w->loc], allowed, rats, excl, &rat);
	if (k < 0 && reselect) {
		/* every network of it here refused it: stays denied */
		w->reg = R_DENIED;
		tr(w, "modem: no other network for %s: stays denied", prof_name(w, w->enabled));
		return;
	}
	w->reg = R_SEARCH;
	w->search_op = k;
	if (announce)
		report(w, 0, POL_REG_SEARCHING, -1, -1, 0, 0);
	if (k < 0) {
		qadd(w, urange(adraw(w, D_SEARCH, w->n_reg), 1000, 5000), Q_NOSERV);
		return;
	}
	e = qadd(w, urange(adraw(w, D_ATTACH, w->n_reg), 1000, 12000), Q_ATTACH);
	e->op = k;
	e->rat = rat;
	if (w->t3346[w->s->loc[w->loc].op[k].plmn] > w->now) {
		/* T3346 runs for it: no attach, the modem says why at once */
		e->at = w->now + 300;
		e->congested = true;
	}
}

/* The data link goes: pending requests fail as the socket does. */
static void link_down(struct world *w, bool lost)
{
	unsigned int i;

	if (!w->pdp)
		return;
	w->pdp = false;
	w->verified = false;
	if (lost) {
		qadd(w, 0, Q_LOST);
	}
	for (i = 0; i < w->nq; i++)
		if (w->q[i].kind == Q_SERVER && w->q[i].lgen == w->lgen) {
			w->q[i].at = w->now;
			w->q[i].seq = w->seq++;
			w->q[i].result = POL_SRV_UNREACHABLE;
		}
}

/* A pending +CGACT ends with an error when what it needs goes away. */
static void fail_dials(struct world *w)
{
	unsigned int i;

	for (i = 0; i < w->nq; i++)
		if (w->q[i].kind == Q_DIAL && (w->q[i].gen != w->gen || w->q[i].rgen != w->rgen ||
					       w->q[i].at == FW_NEVER)) {
			w->q[i].at = w->now;
			w->q[i].seq = w->seq++;
			w->q[i].cause = 30;
		}
}

static void lose_registration(struct world *w, const char *why)
{
	bool had = w->reg == R_REG;

	tr(w, "modem: %s: %s", why, had ? "registration lost" : "search restarts");
	w->rgen++;
	if (w->auto_mode) {
		start_search(w, true, false);
	} else {
		w->reg = R_IDLE;
		if (had)
			report(w, 0, POL_REG_NOT_SEARCHING, -1, -1, 0, 0);
	}
	/* +CEREG first, then what it takes down */
	fail_dials(w);
	link_down(w, true);
}

static void coverage_back(struct world *w)
{
	if (!w->card_ready || !w->auto_mode || w->enabled < 0)
		return;
	if (w->reg == R_NOSERV || w->reg == R_IDLE || (w->reg == R_DENIED && !w->sim_invalid &&
						       w->last_cause != 22)) {
		tr(w, "modem: coverage changed: %s searches by itself", prof_name(w, w->enabled));
		start_search(w, true, false);
	}
}

static void apply_sched(struct world *w, const struct fw_sched *e)
{
	const struct fw_scenario *s = w->s;

	if (e->kind == FW_S_MOVE) {
		tr(w, "world: the device moves to location %d", e->loc);
		w->loc = e->loc;
		if (w->card_ready && w->enabled >= 0 && !(w->reg == R_DENIED && w->sim_invalid) &&
		    w->reg != R_IDLE)
			lose_registration(w, "moved");
		else if (w->batching)
			w->coverage_pending = true;
		else
			coverage_back(w);
		return;
	}
	w->out[e->loc][e->op] = e->kind == FW_S_OUT_START;
	tr(w, "world: %s at location %d %s", plmns[s->loc[e->loc].op[e->op].plmn].code, e->loc,
	   e->kind == FW_S_OUT_START ? "goes out of service" : "is back");
	if (e->loc != w->loc || !w->card_ready || w->enabled < 0)
		return;
	if (e->kind == FW_S_OUT_START) {
		if ((w->reg == R_REG && w->reg_op == e->op) ||
		    ((w->reg == R_SEARCH || w->reg == R_STUCK) && w->search_op == e->op))
			lose_registration(w, "its network went out");
	} else if (w->batching) {
		w->coverage_pending = true;
	} else {
		coverage_back(w);
	}
}

static void ev_init(struct pol_event *ev, enum pol_event_kind k)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = k;
	ev->cause = -1;
	ev->cme = -1;
	ev->dbm = POL_DBM_UNKNOWN;
	ev->rat = POL_RAT_LTE;
}

static const char *srv_result_name(enum pol_srv_result r)
{
	return r == POL_SRV_OK ? "ok" : r == POL_SRV_REFUSED ? "refused" : "unreachable";
}

static void trace_event(struct world *w, const struct pol_event *ev)
{
	static const char *const stat[] = { "0 not searching", "1 home", "2 searching",
					    "3 denied", "4 unknown", "5 roaming" };

	if (!w->trace)
		return;
	switch (ev->kind) {
	case POL_EV_START:
		tr(w, "ev  START");
		break;
	case POL_EV_TIMER:
		tr(w, "ev  TIMER");
		break;
	case POL_EV_CARD:
		tr(w, "ev  CARD %s", ev->ok ? "ready" : "error");
		break;
	case POL_EV_REG:
		if (ev->plmn[0])
			tr(w, "ev  REG stat %s %s %s %d dBm tac %u%s%.0d%s%.0u", stat[ev->stat],
			   ev->plmn, rat_name(ev->rat), ev->dbm, ev->tac,
			   ev->cause >= 0 ? " cause #" : "", ev->cause >= 0 ? ev->cause : 0,
			   ev->backoff_ms ? " T3346 ms " : "", ev->backoff_ms);
		else
			tr(w, "ev  REG stat %s%s%.0d", stat[ev->stat], ev->cause >= 0 ? " cause #" : "",
			   ev->cause >= 0 ? ev->cause : 0);
		break;
	case POL_EV_SCAN:
		tr(w, "ev  SCAN %s, %u entries", ev->ok ? "ok" : "failed", ev->n_scan);
		break;
	case POL_EV_DIAL:
		if (ev->ok)
			tr(w, "ev  DIAL ok");
		else
			tr(w, "ev  DIAL +CME ERROR: %d", ev->cme);
		break;
	case POL_EV_DATA_LOST:
		tr(w, "ev  DATA_LOST");
		break;
	case POL_EV_SERVER:
		tr(w, "ev  SERVER %s %s%s%s", pol_req_name(ev->req), srv_result_name(ev->result),
		   ev->profile.name[0] ? " " : "", ev->profile.name);
		break;
	case POL_EV_INSTALLED:
		tr(w, "ev  INSTALLED %s %s", ev->profile.name, ev->ok ? "ok" : "failed");
		break;
	case POL_EV_PROBE:	/* the data check is off in this world */
		tr(w, "ev  PROBE %s", ev->ok ? "answered" : "failed");
		break;
	}
}

static void deliver(struct world *w, const struct pol_event *ev);

static int find_prof(const struct world *w, const char *name)
{
	unsigned int i;

	for (i = 0; i < w->s->n_seeds; i++)
		if (!strcmp(w->s->seeds[i].prof.name, name))
			return w->seed_deleted[i] ? -1 : (int)i;
	for (i = 0; i < w->n_vsims; i++)
		if (!strcmp(w->vsims[i].name, name))
			return w->vsims[i].installed ? FW_SEEDS_MAX + (int)i : -1;
	return -1;
}

static void card_removed(struct world *w)
{
	w->gen++;
	w->rgen++;
	w->card_ready = false;
	w->reg = R_IDLE;
	w->sim_invalid = false;
	w->last_cause = -1;
	fail_dials(w);
	link_down(w, false);
}

static void do_enable(struct world *w, const char *name)
{
	int p = find_prof(w, name);

	w->r->attempts++;
	if (p != w->enabled)
		w->r->switches++;
	card_removed(w);
	w->enabled = p;
	w->n_reg = w->n_dial = w->n_req = 0;
	if (p < 0) {
		struct qent *e = qadd(w, 500, Q_CARD);

		e->prof = -1;
		return;
	}
	w->attempt = ++w->attempts[p];
	qadd(w, urange(adraw(w, D_CARD, 0), 1000, 3000), Q_CARD);
}

static void do_register(struct world *w)
{
	w->auto_mode = true;
	if (!w->card_ready)
		return;		/* the modem registers once it has read the card */
	switch (w->reg) {
	case R_IDLE:
	case R_NOSERV:
		start_search(w, true, false);
		break;
	case R_DENIED:
		if (w->sim_invalid)
			report(w, 300, POL_REG_DENIED, w->last_cause, -1, 0, 0);
		else
			start_search(w, true, false);
		break;
	case R_REG:
		report(w, 100, home_or_roaming(w, w->reg_op), -1, w->reg_op, w->reg_rat, 0);
		break;
	default:
		break;	/* searching already */
	}
}

static int seed_beh(const struct world *w, int p, int plmn)
{
	return is_vsim(p) ? FW_B_NORMAL : w->s->seeds[p].beh[plmn];
}

static void do_dial(struct world *w)
{
	struct qent *e;
	int pl, b;

	if (w->pdp) {
		qadd(w, 100, Q_DIAL);
		return;
	}
	if (w->reg != R_REG) {
		qadd(w, 200, Q_DIAL)->cause = 30;	/* no network service */
		return;
	}
	w->n_dial++;
	pl = w->s->loc[w->loc].op[w->reg_op].plmn;
	b = seed_beh(w, w->enabled, pl);
	e = qadd(w, urange(adraw(w, D_DIAL, w->n_dial), 300, 5000), Q_DIAL);
	if (b == FW_B_DIAL_CME)
		e->cause = w->s->seeds[w->enabled].cme[pl];
	else if (b == FW_B_DIAL_SILENT)
		e->at = FW_NEVER;
	else if (u01(adraw(w, D_DIAL_FLAKE, w->n_dial)) < 0.03)
		e->cause = 148;		/* unspecified GPRS error, this once */
}

static void do_server(struct world *w, const struct pol_action *a)
{
	struct qent *e;
	int b;

	if (!w->pdp) {
		e = qadd(w, 200, Q_SERVER);
		e->req = a->req;
		e->result = POL_SRV_UNREACHABLE;
		e->lgen = 0;
		return;
	}
	w->n_req++;
	b = seed_beh(w, w->link_prof, w->link_plmn);
	e = qadd(w, urange(adraw(w, D_REQ, w->n_req), 100, 3000), Q_SERVER);
	e->req = a->req;
	e->result = POL_SRV_OK;
	if (b == FW_B_DATA_SILENT) {
		e->at = FW_NEVER;
	} else if (b == FW_B_DATA_UNREACH || u01(adraw(w, D_REQ_FLAKE, w->n_req)) < 0.02) {
		e->at = w->now + urange(adraw(w, D_REQ, w->n_req), 1000, 5000);
		e->result = POL_SRV_UNREACHABLE;
	}
}

/* Only u-blox's survey can be aborted (any character): it ends now, no
 * list; the others run to their end, and the policy waits for them. */
static void do_scan_abort(struct world *w)
{
	struct pol_event ev;

	if (!w->scanning || w->s->dialect != SURVEY_UBLOX)
		return;
	w->scanning = false;
	w->scan_cancelled++;
	ev_init(&ev, POL_EV_SCAN);
	deliver(w, &ev);
}

static void do_scan(struct world *w)
{
	/* how long each takes, typically (the manuals give only maxima) */
	static const uint64_t lo[SURVEY_N] = { 3000, 4000, 8000, 6000 };
	static const uint64_t hi[SURVEY_N] = { 10000, 12000, 25000, 20000 };
	enum survey_dialect d = w->s->dialect;

	w->n_scan++;
	w->scanning = true;
	/* .prof: which scan (an aborted one's end is dropped) */
	qadd(w, urange(draw(w->s->seed, D_SCAN, w->n_scan, 0, 0), lo[d], hi[d]), Q_SCAN)->prof =
		(int)w->n_scan;
}

static void do_install(struct world *w, const char *name)
{
	unsigned int i;
	struct qent *e;

	for (i = 0; i < w->n_vsims; i++)
		if (!strcmp(w->vsims[i].name, name) && !w->vsims[i].deleted)
			break;
	e = qadd(w, i < w->n_vsims ? urange(draw(w->s->seed, D_INSTALL, i, 0, 0), 300, 800) : 100,
		 Q_INSTALLED);
	e->prof = i < w->n_vsims ? FW_SEEDS_MAX + (int)i : -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
}

static void do_delete(struct world *w, const char *name)
{
	int p = -1;
	unsigned int i;

	for (i = 0; i < w->s->n_seeds; i++)
		if (!strcmp(w->s->seeds[i].prof.name, name)) {
			w->seed_deleted[i] = true;
			p = (int)i;
		}
	for (i = 0; i < w->n_vsims; i++)
		if (!strcmp(w->vsims[i].name, name)) {
			w->vsims[i].installed = false;
			w->vsims[i].deleted = true;
			p = FW_SEEDS_MAX + (int)i;
		}
	if (p >= 0 && p == w->enabled) {
		tr(w, "world: the enabled profile was deleted: the card is empty");
		card_removed(w);
		w->enabled = -1;
	}
}

static void execute(struct world *w, const struct pol_action *a)
{
	const char *why = a->why[0] ? a->why : "";

	w->r->actions++;
	switch (a->kind) {
	case POL_ACT_ENABLE:
		tr(w, "act ENABLE %s -- %s", a->profile, why);
		do_enable(w, a->profile);
		break;
	case POL_ACT_REGISTER:
		tr(w, "act REGISTER -- %s", why);
		do_register(w);
		break;
	case POL_ACT_DIAL:
		tr(w, "act DIAL -- %s", why);
		do_dial(w);
		break;
	case POL_ACT_SCAN:
		tr(w, "act SCAN -- %s", why);
		do_scan(w);
		break;
	case POL_ACT_SERVER:
		tr(w, "act SERVER %s -- %s", pol_req_name(a->req), why);
		do_server(w, a);
		break;
	case POL_ACT_INSTALL:
		tr(w, "act INSTALL %s -- %s", a->profile, why);
		do_install(w, a->profile);
		break;
	case POL_ACT_DELETE:
		tr(w, "act DELETE %s -- %s", a->profile, why);
		do_delete(w, a->profile);
		break;
	case POL_ACT_NOTE:
		tr(w, "    note: %s", why);
		break;
	case POL_ACT_SCAN_ABORT:
		tr(w, "act SCAN_ABORT -- %s", why);
		do_scan_abort(w);
		break;
	default:
		tr(w, "act (%d) -- %s", (int)a->kind, why);
		break;
	}
}

static void deliver(struct world *w, const struct pol_event *ev)
{
	struct pol_action out[POL_ACTIONS_MAX];
	unsigned int n, i;

	w->r->events++;
	trace_event(w, ev);
	n = w->ag->step(w->ag->ctx, w->now, ev, out, POL_ACTIONS_MAX);
	if (n > POL_ACTIONS_MAX)
		n = POL_ACTIONS_MAX;
	for (i = 0; i < n; i++)
		execute(w, &out[i]);
}

static void fill_reg(struct world *w, struct pol_event *ev, int op, int rat)
{
	const struct fw_op *o;

	if (op < 0)
		return;
	o = &w->s->loc[w->loc].op[op];
	snprintf(ev->plmn, sizeof(ev->plmn), "%s", plmns[o->plmn].code);
	ev->tac = o->tac;
	ev->rat = (enum pol_rat)rat;
	ev->dbm = o->dbm[rat];
}

static void on_attach(struct world *w, const struct qent *e)
{
	const struct fw_op *o = &w->s->loc[w->loc].op[e->op];
	int pl = o->plmn, p = w->enabled, b;
	struct pol_event ev;

	if (w->out[w->loc][e->op]) {
		start_search(w, false, false);
		return;
	}
	ev_init(&ev, POL_EV_REG);
	fill_reg(w, &ev, e->op, e->rat);
	ev.stat = POL_REG_DENIED;
	w->reg = R_DENIED;
	if (e->congested) {
		ev.cause = 22;
		ev.backoff_ms = (uint32_t)(w->t3346[pl] - w->now);
		w->last_cause = 22;
		deliver(w, &ev);
		return;
	}
	if ((is_vsim(p) && !w->vsims[p - FW_SEEDS_MAX].works) ||
	    (!is_vsim(p) && w->s->seeds[p].validity != FW_VALID)) {
		ev.cause = !is_vsim(p) && w->s->seeds[p].validity == FW_EXPIRED ? 8 : 3;
		w->sim_invalid = true;
		w->last_cause = ev.cause;
		deliver(w, &ev);
		return;
	}
	if (w->s->congested_until[pl] > w->now) {
		struct qent *t;

		ev.cause = 22;
		w->t3346[pl] = w->s->congested_until[pl];
		ev.backoff_ms = (uint32_t)(w->t3346[pl] - w->now);
		w->last_cause = 22;
		t = qadd(w, w->t3346[pl] - w->now, Q_T3346);
		t->op = e->op;
		deliver(w, &ev);
		return;
	}
	b = seed_beh(w, p, pl);
	if (b == FW_B_REJ11 || b == FW_B_REJ13) {
		ev.cause = b == FW_B_REJ11 ? 11 : 13;
		if (b == FW_B_REJ11)
			w->fplmn[p] |= 1ull << pl;	/* EF_FPLMN */
		else
			w->ftai[p][w->loc] |= 1ull << pl;
		w->last_cause = ev.cause;
		qadd(w, urange(adraw(w, D_RESELECT, w->n_reg), 500, 2000), Q_RESELECT);
		deliver(w, &ev);
		return;
	}
	if (b == FW_B_SILENT) {
		w->reg = R_STUCK;
		tr(w, "modem: %s: the network does not answer the attach", plmns[pl].code);
		return;
	}
	w->reg = R_REG;
	w->reg_op = e->op;
	w->reg_rat = e->rat;
	w->last_cause = -1;
	ev.stat = (enum pol_reg_stat)home_or_roaming(w, e->op);
	deliver(w, &ev);
}

static void on_scan(struct world *w)
{
	const struct fw_loc *l = &w->s->loc[w->loc];
	struct pol_event ev;
	unsigned int k;
	int r;

	enum survey_dialect d = w->s->dialect;

	w->scanning = false;
	ev_init(&ev, POL_EV_SCAN);
	ev.ok = true;
	snprintf(ev.source, sizeof(ev.source), "%s",
		 survey_command(d) ? survey_command(d) : "AT+COPS=?");
	ev.scan_rats = survey_rats(d);
	for (k = 0; k < l->n_ops; k++) {
		const struct fw_op *o = &l->op[k];

		if (w->out[w->loc][k])
			continue;
		for (r = POL_RAT_N - 1; r >= 0; r--) {
			struct pol_scan_entry *x;

			if (!(o->rats & w->s->modem_rats & POL_RAT_BIT(r)) || ev.n_scan >= POL_SCAN_MAX)
				continue;
			/* the dialect's view: +QSCAN (mode 1) lists LTE cells only */
			if (d == SURVEY_QUECTEL && r != POL_RAT_LTE)
				continue;
			x = &ev.scan[ev.n_scan++];
			snprintf(x->plmn, sizeof(x->plmn), "%s", plmns[o->plmn].code);
			x->rat = (enum pol_rat)r;
			/* +COPS=? has no level; a survey measures one */
			x->dbm = d == SURVEY_NONE ? POL_DBM_UNKNOWN : o->dbm[r];
			/* only +COPS=? marks the card's forbidden networks (stat 3) */
			x->forbidden = d == SURVEY_NONE && w->enabled >= 0 &&
				       (w->fplmn[w->enabled] & (1ull << o->plmn));
		}
	}
	deliver(w, &ev);
}

/* The SIM server hands out a VSIM of a local network (the strongest here). */
static void new_vsim(struct world *w, struct pol_profile *pp)
{
	const struct fw_loc *l = &w->s->loc[w->loc];
	struct vsim *v;
	bool none[FW_OPS_MAX] = { false };
	int rat, k;

	if (w->n_vsims >= FW_VSIMS_MAX)
		return;
	k = modem_select(w->s, w->loc, w->out[w->loc], ~0ull, POL_RATS_ALL, 0, &rat);
	if (k < 0)
		k = modem_select(w->s, w->loc, none, ~0ull, POL_RATS_ALL, 0, &rat);
	v = &w->vsims[w->n_vsims];
	snprintf(v->name, sizeof(v->name), "vsim-%u", w->n_vsims + 1);
	v->plmn = l->op[k < 0 ? 0 : k].plmn;
	v->works = u01(draw(w->s->seed, D_VSIM_OK, w->n_vsims, 0, 0)) < 0.9;
	w->n_vsims++;
	w->r->vsims++;
	memset(pp, 0, sizeof(*pp));
	snprintf(pp->name, sizeof(pp->name), "%s", v->name);
	pp->kind = POL_VSIM;
	pp->rats = POL_RATS_ALL;
	pp->has_tariff = true;
	pp->tariff = 0.01;
	pp->n_plmns = 1;
	snprintf(pp->plmns[0], sizeof(pp->plmns[0]), "%s", plmns[v->plmn].code);
	tr(w, "world: the server allocates %s on %s (%s)", v->name, plmns[v->plmn].code,
	   v->works ? "good" : "bad: it will be refused");
}

static void on_server(struct world *w, const struct qent *e)
{
	struct pol_event ev;

	ev_init(&ev, POL_EV_SERVER);
	ev.req = e->req;
	ev.result = e->result;
	ev.ok = e->result == POL_SRV_OK;
	if (e->result == POL_SRV_OK && e->req == POL_REQ_VSIM) {
		new_vsim(w, &ev.profile);
		if (!ev.profile.name[0]) {
			ev.result = POL_SRV_REFUSED;
			ev.ok = false;
			snprintf(ev.error, sizeof(ev.error), "no-vsim");
		}
	}
	if (e->result != POL_SRV_UNREACHABLE && w->pdp && e->lgen == w->lgen) {
		w->verified = true;
		if (is_vsim(w->link_prof)) {
			if (w->r->t_vsim == FW_NEVER)
				w->r->t_vsim = w->now;
		} else if (w->r->t_data == FW_NEVER) {
			w->r->t_data = w->now;
		}
	}
	deliver(w, &ev);
}

static void handle(struct world *w, const struct qent *e)
{
	struct pol_event ev;

	switch (e->kind) {
	case Q_CARD:
		if (e->gen != w->gen)
			return;
		ev_init(&ev, POL_EV_CARD);
		ev.ok = e->prof >= 0;
		w->card_ready = ev.ok;
		deliver(w, &ev);
		if (w->card_ready && w->auto_mode && e->gen == w->gen && w->reg == R_IDLE)
			start_search(w, true, false);
		return;
	case Q_ATTACH:
		if (e->gen == w->gen && e->rgen == w->rgen)
			on_attach(w, e);
		return;
	case Q_NOSERV:
		if (e->gen != w->gen || e->rgen != w->rgen)
			return;
		w->reg = R_NOSERV;
		ev_init(&ev, POL_EV_REG);
		ev.stat = POL_REG_NOT_SEARCHING;
		deliver(w, &ev);
		return;
	case Q_REPORT:
		if (e->gen != w->gen)
			return;
		ev_init(&ev, POL_EV_REG);
		ev.stat = (enum pol_reg_stat)e->stat;
		ev.cause = e->cause;
		ev.backoff_ms = e->backoff;
		fill_reg(w, &ev, e->op, e->rat);
		deliver(w, &ev);
		return;
	case Q_RESELECT:
		if (e->gen == w->gen && e->rgen == w->rgen && w->reg == R_DENIED)
			start_search(w, true, true);
		return;
	case Q_T3346:
		if (e->gen == w->gen && w->reg == R_DENIED && w->last_cause == 22 && w->auto_mode) {
			tr(w, "modem: T3346 expired: attach again");
			start_search(w, true, false);
		}
		return;
	case Q_DIAL:
		ev_init(&ev, POL_EV_DIAL);
		if (e->cause < 0 && e->gen == w->gen && e->rgen == w->rgen && w->reg == R_REG) {
			ev.ok = true;
			if (!w->pdp) {
				w->pdp = true;
				w->verified = false;
				w->lgen++;
				w->link_prof = w->enabled;
				w->link_plmn = w->s->loc[w->loc].op[w->reg_op].plmn;
			}
		} else {
			ev.cme = e->cause < 0 ? 30 : e->cause;
		}
		deliver(w, &ev);
		return;
	case Q_SERVER:
		on_server(w, e);
		return;
	case Q_SCAN:
		if (w->scanning && e->prof == (int)w->n_scan)
			on_scan(w);
		return;
	case Q_INSTALLED:
		ev_init(&ev, POL_EV_INSTALLED);
		ev.ok = e->prof >= 0;
		snprintf(ev.profile.name, sizeof(ev.profile.name), "%s", e->name);
		if (e->prof >= 0) {
			struct vsim *v = &w->vsims[e->prof - FW_SEEDS_MAX];

			v->installed = true;
			ev.profile.kind = POL_VSIM;
			ev.profile.rats = POL_RATS_ALL;
			ev.profile.n_plmns = 1;
			snprintf(ev.profile.plmns[0], sizeof(ev.profile.plmns[0]), "%s",
				 plmns[v->plmn].code);
		}
		deliver(w, &ev);
		return;
	case Q_LOST:
		ev_init(&ev, POL_EV_DATA_LOST);
		deliver(w, &ev);
		return;
	}
}

static int qmin(const struct world *w)
{
	unsigned int i;
	int b = -1;

	for (i = 0; i < w->nq; i++) {
		if (w->q[i].at == FW_NEVER)
			continue;
		if (b < 0 || w->q[i].at < w->q[b].at ||
		    (w->q[i].at == w->q[b].at && w->q[i].seq < w->q[b].seq))
			b = (int)i;
	}
	return b;
}

static void advance(struct world *w, uint64_t t)
{
	if (t <= w->now)
		return;
	if (w->pdp && w->verified)
		w->r->service_ms += t - w->now;
	w->now = t;
}

void fw_run(const struct fw_scenario *s, const struct fw_agent *ag, uint64_t end_ms, FILE *trace,
	    struct fw_result *r)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t last = 0;
	unsigned long same = 0, steps = 0;
	struct pol_event ev;

	if (!w) {
		perror("failover");
		exit(2);
	}
	memset(r, 0, sizeof(*r));
	r->t_data = r->t_vsim = FW_NEVER;
	w->s = s;
	w->ag = ag;
	w->r = r;
	w->trace = trace;
	w->enabled = -1;
	w->link_prof = -1;
	w->last_cause = -1;
	if (trace)
		fprintf(trace, "--- %s ---\n", ag->name);
	/* what is out at t = 0 is out before power-on */
	while (w->next_sched < s->n_sched && s->sched[w->next_sched].at == 0)
		apply_sched(w, &s->sched[w->next_sched++]);
	ev_init(&ev, POL_EV_START);
	deliver(w, &ev);
	for (;;) {
		uint64_t t_sched = w->next_sched < s->n_sched ? s->sched[w->next_sched].at : FW_NEVER;
		uint64_t t_pol = ag->deadline(ag->ctx);
		int qi = qmin(w);
		uint64_t t_q = qi >= 0 ? w->q[qi].at : FW_NEVER;
		uint64_t t;

		if (!t_pol)
			t_pol = FW_NEVER;
		t = t_sched < t_q ? t_sched : t_q;
		if (t_pol < t)
			t = t_pol;
		if (t == FW_NEVER || t > end_ms)
			break;
		if (t < w->now)
			t = w->now;
		if (++steps > RUNAWAY_STEPS) {
			r->stuck = true;
			snprintf(r->stuck_why, sizeof(r->stuck_why), "more than %d steps", RUNAWAY_STEPS);
			break;
		}
		same = t == last ? same + 1 : 0;
		last = t;
		if (same > STUCK_STEPS) {
			r->stuck = true;
			snprintf(r->stuck_why, sizeof(r->stuck_why),
				 "%d steps at %.3f s (deadline %" PRIu64 ")", STUCK_STEPS, t / 1000.0,
				 t_pol);
			break;
		}
		advance(w, t);
		if (t_sched <= t) {
			w->batching = true;
			do
				apply_sched(w, &s->sched[w->next_sched++]);
			while (w->next_sched < s->n_sched && s->sched[w->next_sched].at == t_sched);
			w->batching = false;
			if (w->coverage_pending) {
				w->coverage_pending = false;
				coverage_back(w);
			}
		} else if (qi >= 0 && t_q <= t) {
			struct qent e = w->q[qi];

			w->q[qi] = w->q[--w->nq];
			handle(w, &e);
		} else {
			ev_init(&ev, POL_EV_TIMER);
			deliver(w, &ev);
		}
	}
	advance(w, end_ms);
	r->timeouts = ag->timeouts ? ag->timeouts(ag->ctx) : 0;
	if (trace)
		fprintf(trace, "  %9.3f  end: data %s, VSIM %s\n", end_ms / 1000.0,
			r->t_data == FW_NEVER ? "never" : "up", r->t_vsim == FW_NEVER ? "never" : "up");
	free(w);
}
