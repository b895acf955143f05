// SPDX-License-Identifier: GPL-2.0
/*
 * The policy core's ground floor (policy_int.h): names, reject-cause
 * classes, the normalisation of A1 and B1, the actions' slots, the jitter,
 * and the profile table (find, add, remove).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/*
 * Signal bounds of A1 (fixed, so that adding a seed never reorders the
 * others): TS 36.133 §9.1.4 reports RSRP from -140 to -44 dBm; TS 27.007
 * +CSQ reports RSSI from -113 to -51 dBm (used for GSM and UMTS alike).
 */
#define RSRP_MIN	-140
#define RSRP_MAX	-44
#define RSSI_MIN	-113
#define RSSI_MAX	-51

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
					 "install", "delete", "note", "scan-abort",
					 "probe" };

	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

const char *pol_req_name(enum pol_srv_req r)
{
	static const char *const n[] = { "seeds", "vsim", "release", "report" };

	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}


/* TS 24.301 Annex A / TS 24.008 §10.5.3.6 */
enum cause_class pol_classify(int cause)
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

	return n[pol_classify(cause)];
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
void pol_str_copy(char *dst, size_t size, const char *src)
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

void pol_action_vset(struct pol_action *a, enum pol_action_kind k, const char *profile,
		     const char *fmt, va_list ap)
{
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->cause = -1;
	if (profile)
		pol_str_copy(a->profile, sizeof(a->profile), profile);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
}

struct pol_action *pol_action_next(struct pol_action *out, unsigned int *n, unsigned int max)
{
	static struct pol_action spill;

	/* POL_ACTIONS_MAX is enough for any event; past @max the rest is lost */
	return *n < max ? &out[(*n)++] : &spill;
}

struct pol_action *pol_emit(struct policy *p, enum pol_action_kind k, int prof,
			    const char *fmt, ...)
{
	struct pol_action *a = pol_action_next(p->out, &p->n_out, p->max_out);
	va_list ap;

	va_start(ap, fmt);
	pol_action_vset(a, k, prof >= 0 ? p->prof[prof].name : NULL, fmt, ap);
	va_end(ap);
	return a;
}

int pol_find_profile(const struct pol_profile *prof, unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(prof[i].name, name))
			return (int)i;
	return -1;
}

bool pol_is_seed(const struct policy *p, int i)
{
	return i >= 0 && p->prof[i].kind != POL_VSIM;
}

int pol_find_master(const struct pol_profile *prof, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (prof[i].kind == POL_SEED_MASTER)
			return (int)i;
	return -1;
}

bool pol_allows_plmn(const struct pol_profile *pp, const char *plmn)
{
	unsigned int i;

	if (!pp->n_plmns)
		return true;
	for (i = 0; i < pp->n_plmns; i++)
		if (!strcmp(pp->plmns[i], plmn))
			return true;
	return false;
}

unsigned int pol_profile_rats(const struct pol_config *c, const struct pol_profile *pp)
{
	unsigned int r = pp->rats ? pp->rats : POL_RATS_ALL;

	return r & (c->modem_rats ? c->modem_rats : POL_RATS_ALL);
}

double pol_index(const struct pol_config *c, double a1, double b1)
{
	return c->a * a1 + c->b * b1;
}

uint32_t pol_jittered(struct policy *p, uint64_t ms)
{
	/* +0..25 % so that devices failing together do not retry together */
	return (uint32_t)(ms + ms * (rng_next(p) % 256) / 1024);
}

int pol_add_profile(struct policy *p, const struct pol_profile *pp)
{
	int i = pol_find(p, pp->name);

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
	int i = pol_find(p, name);

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
