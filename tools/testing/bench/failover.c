// SPDX-License-Identifier: GPL-2.0
/*
 * Seed failover, side by side: vuiccd's policy core (agent/core/policy.c) and
 * the method of CN105491555A (agent/core/cn105491555a.c), in the same simulated world
 * (failover_world.c), on the same scenarios.  Virtual time: no I/O, no
 * clock; the same arguments give the same output.
 *
 *   failover [--scenarios N] [--seed S] [--json] [--check] [--verbose K] [--trace K]
 *
 * --verbose K: one line for each of the first K scenarios; --trace K: the
 * timeline of scenario K (both policies, each action with its reason);
 * --check: exit 1 when a target fails.
 * Documentation/dev-tools/vuicc-failover-bench.rst explains the table.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn105491555a.h"
#include "failover_world.h"
#include "core/policy.h"

#define END_MS		(15 * 60 * 1000ull)	/* each run: 15 min of virtual time */
#define T_MEAN_MAX	0.5	/* vuiccd's mean time to data / the source's */
#define T_P95_MAX	0.6

enum { SRC, VD, NPOL };
static const char *const pol_label[NPOL] = { "CN105491555A", "vuiccd" };
static const char *const pol_key[NPOL] = { "source", "vuiccd" };

/* ---- the two policies behind struct fw_agent ---- */

static unsigned int vd_step(void *ctx, uint64_t now, const struct pol_event *ev,
			    struct pol_action *out, unsigned int max)
{
	return pol_step(ctx, now, ev, out, max);
}

static uint64_t vd_deadline(void *ctx)
{
	return pol_deadline(ctx);
}

static unsigned long vd_timeouts(void *ctx)
{
	return ((struct policy *)ctx)->timeouts;
}

static unsigned int cn_step_(void *ctx, uint64_t now, const struct pol_event *ev,
			     struct pol_action *out, unsigned int max)
{
	return cn_step(ctx, now, ev, out, max);
}

static uint64_t cn_deadline_(void *ctx)
{
	return cn_deadline(ctx);
}

static unsigned long cn_timeouts(void *ctx)
{
	return ((struct cn105 *)ctx)->timeouts;
}

static void config_for(const struct fw_scenario *s, struct pol_config *cfg)
{
	pol_config_defaults(cfg);
	cfg->modem_rats = s->modem_rats;
	cfg->rng_seed = s->seed;
}

static void run_one(const struct fw_scenario *s, int which, FILE *trace, struct fw_result *r)
{
	static struct policy p;		/* large: not on the stack */
	static struct cn105 c;
	struct pol_config cfg;
	struct fw_agent ag;
	unsigned int i;

	config_for(s, &cfg);
	memset(&ag, 0, sizeof(ag));
	ag.name = pol_label[which];
	if (which == VD) {
		pol_init(&p, &cfg);
		for (i = 0; i < s->n_seeds; i++)
			pol_add_profile(&p, &s->seeds[i].prof);
		ag.ctx = &p;
		ag.step = vd_step;
		ag.deadline = vd_deadline;
		ag.timeouts = vd_timeouts;
	} else {
		cn_init(&c, &cfg);
		for (i = 0; i < s->n_seeds; i++)
			cn_add_profile(&c, &s->seeds[i].prof);
		ag.ctx = &c;
		ag.step = cn_step_;
		ag.deadline = cn_deadline_;
		ag.timeouts = cn_timeouts;
	}
	fw_run(s, &ag, END_MS, trace, r);
}

/* ---- statistics ---- */

struct dist {
	double mean, p50, p95, p99, max;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank; values in ms, result in s.  @v is sorted in place. */
static struct dist dist_of(uint64_t *v, size_t n)
{
	struct dist d = { 0, 0, 0, 0, 0 };
	double sum = 0;
	size_t i;

	if (!n)
		return d;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	d.mean = sum / (double)n / 1000;
#define RANK(q) ((double)v[(size_t)ceil((q) * (double)n) - 1] / 1000)
	d.p50 = RANK(0.50);
	d.p95 = RANK(0.95);
	d.p99 = RANK(0.99);
#undef RANK
	d.max = (double)v[n - 1] / 1000;
	return d;
}

struct pstats {
	struct dist data, vsim;
	struct dist data_usable;	/* the runs where a seed could connect */
	struct dist data_failover;	/* those of them where the master did not work at once */
	unsigned long no_data, no_vsim, stranded, stuck;
	double attempts, switches, timeouts, service;	/* per run */
};

struct cstats {
	unsigned int n;
	double mean[NPOL], p95[NPOL];
	unsigned long slower, stranded[NPOL];
};

struct summary {
	unsigned int n;
	uint64_t seed;
	struct pstats p[NPOL];
	unsigned long slower, faster, equal, vsim_slower;
	double worst_delta;		/* s, vuiccd minus source, the largest */
	int worst_index;
	uint64_t worst_seed;
	unsigned int class_n[FW_C_N], overlay_n;
	struct cstats cls[FW_C_N];
	unsigned long usable, stuck_index[NPOL];
	int first_stranded[NPOL], first_stuck[NPOL];
	char stuck_why[NPOL][128];
};

static uint64_t censored(uint64_t t)
{
	return t == FW_NEVER ? END_MS : t;
}

/* ---- output ---- */

static void print_dist_row(const char *label, const char *q, double a, double b)
{
	printf("  %-22s %-5s %12.2f %12.2f\n", label, q, a, b);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : (a > 0 ? INFINITY : 1);
}

struct target {
	const char *text;
	bool pass;
	double value, limit;
};

static unsigned int targets(const struct summary *s, struct target *t)
{
	unsigned int n = 0;

	t[n++] = (struct target){ "vuiccd mean time to data <= 0.5x the source's",
				  ratio(s->p[VD].data.mean, s->p[SRC].data.mean) <= T_MEAN_MAX,
				  ratio(s->p[VD].data.mean, s->p[SRC].data.mean), T_MEAN_MAX };
	t[n++] = (struct target){ "vuiccd p95 time to data <= 0.6x the source's",
				  ratio(s->p[VD].data.p95, s->p[SRC].data.p95) <= T_P95_MAX,
				  ratio(s->p[VD].data.p95, s->p[SRC].data.p95), T_P95_MAX };
	t[n++] = (struct target){ "vuiccd never slower to data in any scenario",
				  s->slower == 0, (double)s->slower, 0 };
	t[n++] = (struct target){ "vuiccd never stranded (a usable seed, no data)",
				  s->p[VD].stranded == 0, (double)s->p[VD].stranded, 0 };
	t[n++] = (struct target){ "vuiccd never stuck (looping at one instant)",
				  s->p[VD].stuck == 0, (double)s->p[VD].stuck, 0 };
	return n;
}

static void print_table(const struct summary *s)
{
	struct target t[8];
	unsigned int i, nt;
	int k;

	printf("failover: %u scenarios, seed %" PRIu64 ", %llu s of virtual time each; "
	       "the same world for both\n", s->n, s->seed, END_MS / 1000);
	printf("scenario mix (generator weights in parentheses):\n");
	for (i = 0; i < FW_C_N; i++)
		printf("  %-14s %5u  %5.1f%%  (%2u%%)  %s\n", fw_class_name(i), s->class_n[i],
		       100.0 * s->class_n[i] / (s->n ? s->n : 1), fw_class_weight(i),
		       fw_class_text(i));
	printf("  + a later move or outage in %u (%.1f%%); a usable seed exists in %lu\n",
	       s->overlay_n, 100.0 * s->overlay_n / (s->n ? s->n : 1), s->usable);
	printf("\n  %-28s %12s %12s\n", "", pol_label[SRC], pol_label[VD]);
	print_dist_row("time to data (s)", "mean", s->p[SRC].data.mean, s->p[VD].data.mean);
	print_dist_row("", "p50", s->p[SRC].data.p50, s->p[VD].data.p50);
	print_dist_row("", "p95", s->p[SRC].data.p95, s->p[VD].data.p95);
	print_dist_row("", "p99", s->p[SRC].data.p99, s->p[VD].data.p99);
	print_dist_row("", "max", s->p[SRC].data.max, s->p[VD].data.max);
	print_dist_row("time to VSIM up (s)", "mean", s->p[SRC].vsim.mean, s->p[VD].vsim.mean);
	print_dist_row("", "p50", s->p[SRC].vsim.p50, s->p[VD].vsim.p50);
	print_dist_row("", "p95", s->p[SRC].vsim.p95, s->p[VD].vsim.p95);
	print_dist_row("", "p99", s->p[SRC].vsim.p99, s->p[VD].vsim.p99);
	print_dist_row("", "max", s->p[SRC].vsim.max, s->p[VD].vsim.max);
	printf("  %-28s %12lu %12lu\n", "no data by the end", s->p[SRC].no_data, s->p[VD].no_data);
	printf("  %-28s %12lu %12lu\n", "no VSIM by the end", s->p[SRC].no_vsim, s->p[VD].no_vsim);
	printf("  %-28s %12lu %12lu\n", "stranded", s->p[SRC].stranded, s->p[VD].stranded);
	printf("  %-28s %12lu %12lu\n", "stuck (policy loop)", s->p[SRC].stuck, s->p[VD].stuck);
	printf("  %-28s %12.2f %12.2f\n", "attempts per run", s->p[SRC].attempts,
	       s->p[VD].attempts);
	printf("  %-28s %12.2f %12.2f\n", "switches per run", s->p[SRC].switches,
	       s->p[VD].switches);
	printf("  %-28s %12.2f %12.2f\n", "timeouts per run", s->p[SRC].timeouts,
	       s->p[VD].timeouts);
	printf("  %-28s %11.1f%% %11.1f%%\n", "service (share of the run)", 100 * s->p[SRC].service,
	       100 * s->p[VD].service);
	printf("  (runs without data count as %llu s; times are from power-on)\n\n",
	       END_MS / 1000);

	printf("side by side (vuiccd / source): time to data mean %.3fx, p95 %.3fx; "
	       "VSIM up mean %.3fx, p95 %.3fx\n",
	       ratio(s->p[VD].data.mean, s->p[SRC].data.mean),
	       ratio(s->p[VD].data.p95, s->p[SRC].data.p95),
	       ratio(s->p[VD].vsim.mean, s->p[SRC].vsim.mean),
	       ratio(s->p[VD].vsim.p95, s->p[SRC].vsim.p95));
	printf("  where a seed could connect (%lu runs): time to data mean %.2f / %.2f s = %.3fx,"
	       " p95 %.2f / %.2f s = %.3fx\n", s->usable,
	       s->p[VD].data_usable.mean, s->p[SRC].data_usable.mean,
	       ratio(s->p[VD].data_usable.mean, s->p[SRC].data_usable.mean),
	       s->p[VD].data_usable.p95, s->p[SRC].data_usable.p95,
	       ratio(s->p[VD].data_usable.p95, s->p[SRC].data_usable.p95));
	printf("  ... of them where the master did not work at once: mean %.2f / %.2f s = %.3fx,"
	       " p95 %.2f / %.2f s = %.3fx\n",
	       s->p[VD].data_failover.mean, s->p[SRC].data_failover.mean,
	       ratio(s->p[VD].data_failover.mean, s->p[SRC].data_failover.mean),
	       s->p[VD].data_failover.p95, s->p[SRC].data_failover.p95,
	       ratio(s->p[VD].data_failover.p95, s->p[SRC].data_failover.p95));
	printf("  to data: vuiccd faster in %lu, equal in %lu, slower in %lu scenarios",
	       s->faster, s->equal, s->slower);
	if (s->slower)
		printf(" (worst +%.3f s: scenario %d, seed 0x%016" PRIx64 ", replay with "
		       "--seed %" PRIu64 " --trace %d)", s->worst_delta, s->worst_index,
		       s->worst_seed, s->seed, s->worst_index);
	printf("\n  to VSIM: vuiccd slower in %lu scenarios\n", s->vsim_slower);
	for (k = 0; k < NPOL; k++) {
		if (s->first_stranded[k] >= 0)
			printf("  first stranded run of %s: --trace %d\n", pol_label[k],
			       s->first_stranded[k]);
		if (s->first_stuck[k] >= 0)
			printf("  first stuck run of %s: --trace %d (%s)\n", pol_label[k],
			       s->first_stuck[k], s->stuck_why[k]);
	}

	printf("\nper class, time to data (s):\n");
	printf("  %-14s %5s %9s %9s %7s %9s %9s %7s %9s\n", "class", "n", "src mean", "vd mean",
	       "ratio", "src p95", "vd p95", "slower", "stranded");
	for (i = 0; i < FW_C_N; i++) {
		const struct cstats *c = &s->cls[i];

		if (!c->n)
			continue;
		printf("  %-14s %5u %9.2f %9.2f %7.3f %9.2f %9.2f %7lu %4lu/%-4lu\n",
		       fw_class_name(i), c->n, c->mean[SRC], c->mean[VD],
		       ratio(c->mean[VD], c->mean[SRC]), c->p95[SRC], c->p95[VD], c->slower,
		       c->stranded[SRC], c->stranded[VD]);
	}
	printf("  (stranded: source/vuiccd)\n\ntargets:\n");
	nt = targets(s, t);
	for (i = 0; i < nt; i++)
		printf("  %s  %-50s (%.3f, limit %.3f)\n", t[i].pass ? "PASS" : "FAIL", t[i].text,
		       t[i].value, t[i].limit);
}

static void json_dist(const char *name, const struct dist *d, bool comma)
{
	printf("\"%s\":{\"mean\":%.3f,\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"max\":%.3f}%s",
	       name, d->mean, d->p50, d->p95, d->p99, d->max, comma ? "," : "");
}

static double jnum(double x)
{
	return isfinite(x) ? x : -1;
}

static void print_json(const struct summary *s)
{
	struct target t[8];
	unsigned int i, nt;
	int k;

	printf("{\"scenarios\":%u,\"seed\":%" PRIu64 ",\"run_s\":%llu,\"mix\":{", s->n, s->seed,
	       END_MS / 1000);
	for (i = 0; i < FW_C_N; i++)
		printf("\"%s\":{\"n\":%u,\"weight_pct\":%u}%s", fw_class_name(i), s->class_n[i],
		       fw_class_weight(i), i + 1 < FW_C_N ? "," : "");
	printf("},\"overlay\":%u,\"usable\":%lu,\"policies\":{", s->overlay_n, s->usable);
	for (k = 0; k < NPOL; k++) {
		const struct pstats *p = &s->p[k];

		printf("\"%s\":{\"name\":\"%s\",", pol_key[k], pol_label[k]);
		json_dist("time_to_data_s", &p->data, true);
		json_dist("time_to_vsim_s", &p->vsim, true);
		printf("\"no_data\":%lu,\"no_vsim\":%lu,\"stranded\":%lu,\"stuck\":%lu,"
		       "\"attempts_per_run\":%.3f,\"switches_per_run\":%.3f,"
		       "\"timeouts_per_run\":%.3f,\"service_share\":%.4f}%s",
		       p->no_data, p->no_vsim, p->stranded, p->stuck, p->attempts, p->switches,
		       p->timeouts, p->service, k + 1 < NPOL ? "," : "");
	}
	printf("},\"compare\":{\"usable_data_mean_ratio\":%.4f,\"usable_data_p95_ratio\":%.4f,",
	       jnum(ratio(s->p[VD].data_usable.mean, s->p[SRC].data_usable.mean)),
	       jnum(ratio(s->p[VD].data_usable.p95, s->p[SRC].data_usable.p95)));
	printf("\"data_mean_ratio\":%.4f,\"data_p95_ratio\":%.4f,"
	       "\"vsim_mean_ratio\":%.4f,\"vsim_p95_ratio\":%.4f,\"faster\":%lu,\"equal\":%lu,"
	       "\"slower\":%lu,\"vsim_slower\":%lu,\"worst_delta_s\":%.3f,\"worst_index\":%d,"
	       "\"worst_seed\":\"0x%016" PRIx64 "\"},\"classes\":[",
	       jnum(ratio(s->p[VD].data.mean, s->p[SRC].data.mean)),
	       jnum(ratio(s->p[VD].data.p95, s->p[SRC].data.p95)),
	       jnum(ratio(s->p[VD].vsim.mean, s->p[SRC].vsim.mean)),
	       jnum(ratio(s->p[VD].vsim.p95, s->p[SRC].vsim.p95)), s->faster, s->equal,
	       s->slower, s->vsim_slower, s->slower ? s->worst_delta : 0,
	       s->slower ? s->worst_index : -1, s->slower ? s->worst_seed : 0);
	for (i = 0; i < FW_C_N; i++) {
		const struct cstats *c = &s->cls[i];

		printf("{\"class\":\"%s\",\"n\":%u,\"source_mean_s\":%.3f,\"vuiccd_mean_s\":%.3f,"
		       "\"ratio\":%.4f,\"source_p95_s\":%.3f,\"vuiccd_p95_s\":%.3f,\"slower\":%lu,"
		       "\"stranded_source\":%lu,\"stranded_vuiccd\":%lu}%s",
		       fw_class_name(i), c->n, c->mean[SRC], c->mean[VD],
		       jnum(ratio(c->mean[VD], c->mean[SRC])), c->p95[SRC], c->p95[VD], c->slower,
		       c->stranded[SRC], c->stranded[VD], i + 1 < FW_C_N ? "," : "");
	}
	printf("],\"targets\":[");
	nt = targets(s, t);
	for (i = 0; i < nt; i++)
		printf("{\"target\":\"%s\",\"pass\":%s,\"value\":%.4f,\"limit\":%.4f}%s", t[i].text,
		       t[i].pass ? "true" : "false", jnum(t[i].value), t[i].limit,
		       i + 1 < nt ? "," : "");
	printf("]}\n");
}

static void print_result_line(const char *label, const struct fw_result *r)
{
	char d[32], v[32];

	if (r->t_data == FW_NEVER)
		snprintf(d, sizeof(d), "never");
	else
		snprintf(d, sizeof(d), "%.3f s", r->t_data / 1000.0);
	if (r->t_vsim == FW_NEVER)
		snprintf(v, sizeof(v), "never");
	else
		snprintf(v, sizeof(v), "%.3f s", r->t_vsim / 1000.0);
	printf("%s: data %s, VSIM %s, %lu attempts, %lu switches, %lu timeouts, service %.1f%%%s%s\n",
	       label, d, v, r->attempts, r->switches, r->timeouts,
	       100.0 * r->service_ms / END_MS, r->stuck ? ", STUCK: " : "",
	       r->stuck ? r->stuck_why : "");
}

static void usage(void)
{
	fprintf(stderr, "usage: failover [--scenarios N] [--seed S] [--json] [--check] "
		"[--verbose K] [--trace K]\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (!*s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned int n = 5000, verbose = 0, i;
	uint64_t seed = 1;
	bool json = false, check = false;
	long trace = -1;
	struct summary *s;
	uint64_t *td[NPOL], *tv[NPOL], *ct[NPOL][FW_C_N], *tdu[NPOL], *tdf[NPOL];
	size_t nu = 0, nf = 0;
	unsigned int cn[FW_C_N] = { 0 };
	struct fw_scenario *sc;
	int a, k, ret = 0;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--scenarios") && a + 1 < argc)
			n = (unsigned int)num(argv[++a]);
		else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = num(argv[++a]);
		else if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!strcmp(argv[a], "--check"))
			check = true;
		else if (!strcmp(argv[a], "--verbose") && a + 1 < argc)
			verbose = (unsigned int)num(argv[++a]);
		else if (!strcmp(argv[a], "--trace") && a + 1 < argc)
			trace = (long)num(argv[++a]);
		else
			usage();
	}
	sc = malloc(sizeof(*sc));
	s = calloc(1, sizeof(*s));
	if (!sc || !s)
		return 2;

	if (trace >= 0) {
		struct fw_result r[NPOL];

		fw_generate(sc, seed, (unsigned int)trace, END_MS);
		fw_describe(sc, stdout);
		for (k = 0; k < NPOL; k++)
			run_one(sc, k, stdout, &r[k]);
		for (k = 0; k < NPOL; k++)
			print_result_line(pol_label[k], &r[k]);
		free(sc);
		free(s);
		return 0;
	}

	for (k = 0; k < NPOL; k++) {
		int c;

		tdu[k] = calloc(n ? n : 1, sizeof(uint64_t));
		tdf[k] = calloc(n ? n : 1, sizeof(uint64_t));
		if (!tdu[k] || !tdf[k])
			return 2;
		td[k] = calloc(n ? n : 1, sizeof(uint64_t));
		tv[k] = calloc(n ? n : 1, sizeof(uint64_t));
		if (!td[k] || !tv[k])
			return 2;
		for (c = 0; c < FW_C_N; c++) {
			ct[k][c] = calloc(n ? n : 1, sizeof(uint64_t));
			if (!ct[k][c])
				return 2;
		}
		s->first_stranded[k] = s->first_stuck[k] = -1;
	}
	s->n = n;
	s->seed = seed;
	s->worst_index = -1;
	for (i = 0; i < n; i++) {
		struct fw_result r[NPOL];
		uint64_t d[NPOL];

		fw_generate(sc, seed, i, END_MS);
		s->class_n[sc->cls]++;
		s->overlay_n += sc->overlay;
		s->usable += sc->usable_at != FW_NEVER;
		s->cls[sc->cls].n++;
		for (k = 0; k < NPOL; k++) {
			struct pstats *p = &s->p[k];

			run_one(sc, k, NULL, &r[k]);
			d[k] = censored(r[k].t_data);
			td[k][i] = d[k];
			if (sc->usable_at != FW_NEVER) {
				tdu[k][nu] = d[k];
				if (sc->cls != FW_C_MASTER_OK)
					tdf[k][nf] = d[k];
			}
			tv[k][i] = censored(r[k].t_vsim);
			ct[k][sc->cls][cn[sc->cls]] = d[k];
			p->no_data += r[k].t_data == FW_NEVER;
			p->no_vsim += r[k].t_vsim == FW_NEVER;
			if (r[k].t_data == FW_NEVER && sc->usable_at != FW_NEVER) {
				p->stranded++;
				s->cls[sc->cls].stranded[k]++;
				if (s->first_stranded[k] < 0)
					s->first_stranded[k] = (int)i;
			}
			if (r[k].stuck) {
				p->stuck++;
				if (s->first_stuck[k] < 0) {
					s->first_stuck[k] = (int)i;
					memcpy(s->stuck_why[k], r[k].stuck_why,
					       sizeof(s->stuck_why[k]));
					s->stuck_why[k][sizeof(s->stuck_why[k]) - 1] = 0;
				}
			}
			p->attempts += (double)r[k].attempts;
			p->switches += (double)r[k].switches;
			p->timeouts += (double)r[k].timeouts;
			p->service += (double)r[k].service_ms / END_MS;
		}
		cn[sc->cls]++;
		if (sc->usable_at != FW_NEVER) {
			nu++;
			nf += sc->cls != FW_C_MASTER_OK;
		}
		if (d[VD] > d[SRC]) {
			double delta = (double)(d[VD] - d[SRC]) / 1000;

			s->slower++;
			s->cls[sc->cls].slower++;
			if (s->worst_index < 0 || delta > s->worst_delta) {
				s->worst_delta = delta;
				s->worst_index = (int)i;
				s->worst_seed = sc->seed;
			}
		} else if (d[VD] < d[SRC]) {
			s->faster++;
		} else {
			s->equal++;
		}
		if (censored(r[VD].t_vsim) > censored(r[SRC].t_vsim))
			s->vsim_slower++;
		if (i < verbose)
			fprintf(stderr, "%5u %-14s src %8.3f vd %8.3f  vsim src %8.3f vd %8.3f  "
				"attempts %lu/%lu%s%s\n", i, fw_class_name(sc->cls), d[SRC] / 1000.0,
				d[VD] / 1000.0, censored(r[SRC].t_vsim) / 1000.0,
				censored(r[VD].t_vsim) / 1000.0, r[SRC].attempts, r[VD].attempts,
				d[VD] > d[SRC] ? "  SLOWER" : "",
				r[VD].stuck || r[SRC].stuck ? "  STUCK" : "");
	}
	for (k = 0; k < NPOL; k++) {
		struct pstats *p = &s->p[k];
		int c;

		p->data = dist_of(td[k], n);
		p->data_usable = dist_of(tdu[k], nu);
		p->data_failover = dist_of(tdf[k], nf);
		p->vsim = dist_of(tv[k], n);
		if (n) {
			p->attempts /= n;
			p->switches /= n;
			p->timeouts /= n;
			p->service /= n;
		}
		for (c = 0; c < FW_C_N; c++) {
			struct dist d = dist_of(ct[k][c], cn[c]);

			s->cls[c].mean[k] = d.mean;
			s->cls[c].p95[k] = d.p95;
			free(ct[k][c]);
		}
		free(td[k]);
		free(tdu[k]);
		free(tdf[k]);
		free(tv[k]);
	}
	if (json)
		print_json(s);
	else
		print_table(s);
	if (check) {
		struct target t[8];
		unsigned int nt = targets(s, t);

		for (i = 0; i < nt; i++)
			if (!t[i].pass)
				ret = 1;
	}
	free(sc);
	free(s);
	return ret;
}
