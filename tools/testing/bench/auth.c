// SPDX-License-Identifier: GPL-2.0
/*
 * What AUTHENTICATE costs through /dev/vuiccN against the same MILENAGE
 * computation in user space.  libosmocore makes COUNT authentication
 * vectors (timed one by one: the user-space cost of f1..f5 with OPc), then
 * the card answers each of them as a modem would ask (AUTHENTICATE, 61xx,
 * GET RESPONSE: two write+read round trips, MAC and SQN checks, RES, CK,
 * IK and Kc, the SQN event).  A SELECT with GET RESPONSE is timed too: the
 * same two round trips without cryptography.  Reports per-operation rates,
 * latency percentiles and the ratio card / user space.  Each card answer
 * is checked against the vector; errors are counted and fail the run.
 *
 *   auth [--card N] [--count N] [--seed S] [--json]   (root, in the VM)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>
#include <osmocom/crypt/auth.h>
#include "../selftests/vuicc/vuicc_auc.h"

#define IND_BITS 5

struct series {
	const char *name;
	double *ns;		/* one latency per operation */
	unsigned long n;
	double total_s;		/* wall time of the whole loop */
	double p50, p90, p99, p999, max, mean;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, unsigned long n, double p)
{
	unsigned long i = (unsigned long)(p * (n - 1) + 0.5);

	return sorted[i < n ? i : n - 1];
}

static void summarise(struct series *s)
{
	double sum = 0;
	unsigned long i;

	for (i = 0; i < s->n; i++)
		sum += s->ns[i];
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_double);
	s->mean = sum / s->n;
	s->p50 = pct(s->ns, s->n, 0.50);
	s->p90 = pct(s->ns, s->n, 0.90);
	s->p99 = pct(s->ns, s->n, 0.99);
	s->p999 = pct(s->ns, s->n, 0.999);
	s->max = s->ns[s->n - 1];
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--card N] [--count N] [--seed S] [--json]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const uint8_t sel_fcp[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x6F, 0x07 };
	unsigned long count = 20000, errors = 0, i;
	uint64_t seed = (uint64_t)time(NULL), rng;
	struct osmo_sub_auth_data aud;
	struct osmo_auth_vector *vec;
	struct series s[3] = {
		{ .name = "libosmocore MILENAGE vector (user space)" },
		{ .name = "AUTHENTICATE + GET RESPONSE via /dev/vuiccN" },
		{ .name = "SELECT + GET RESPONSE via /dev/vuiccN" },
	};
	uint8_t (*rands)[16], k[16], opc[16], r[300];
	struct vuicc_atr atr;
	int card = 62, json = 0, fd, len, j;
	char dev[32], cmd[128];
	double t0, t1, tall;

	for (j = 1; j < argc; j++) {
		if (!strcmp(argv[j], "--count") && j + 1 < argc)
			count = strtoul(argv[++j], NULL, 0);
		else if (!strcmp(argv[j], "--seed") && j + 1 < argc)
			seed = strtoull(argv[++j], NULL, 0);
		else if (!strcmp(argv[j], "--card") && j + 1 < argc)
			card = atoi(argv[++j]);
		else if (!strcmp(argv[j], "--json"))
			json = 1;
		else
			usage(argv[0]);
	}
	if (!count)
		usage(argv[0]);
	rng = seed ? seed : 1;
	vec = calloc(count, sizeof(*vec));
	rands = calloc(count, sizeof(*rands));
	for (j = 0; j < 3; j++)
		s[j].ns = calloc(count, sizeof(double));
	if (!vec || !rands || !s[0].ns || !s[1].ns || !s[2].ns) {
		fprintf(stderr, "auth: out of memory for %lu operations\n", count);
		return 1;
	}

	snprintf(cmd, sizeof(cmd), "vuiccctl card add %d >/dev/null", card);
	if (system(cmd)) {
		fprintf(stderr, "auth: cannot create card %d\n", card);
		return 1;
	}
	auc_rnd_bytes(&rng, k, 16);
	auc_rnd_bytes(&rng, opc, 16);
	if (auc_add_profile("bench", card, 0, 0, IND_BITS, k, opc)) {
		fprintf(stderr, "auth: cannot install the profile\n");
		return 1;
	}
	memset(&aud, 0, sizeof(aud));
	aud.type = OSMO_AUTH_TYPE_UMTS;
	aud.algo = OSMO_AUTH_ALG_MILENAGE;
	memcpy(aud.u.umts.k, k, 16);
	memcpy(aud.u.umts.opc, opc, 16);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(opc, sizeof(opc));
	aud.u.umts.ind_bitlen = IND_BITS;
	aud.u.umts.sqn = auc_rnd(&rng) & 0xFFFFFFFFFULL;

	/* user space: the vectors, one timed call each */
	for (i = 0; i < count; i++)
		auc_rnd_bytes(&rng, rands[i], 16);
	tall = now();
	for (i = 0; i < count; i++) {
		aud.u.umts.ind = i % (1u << IND_BITS);
		t0 = now();
		if (osmo_auth_gen_vec(&vec[i], &aud, rands[i]))
			errors++;
		t1 = now();
		s[0].ns[i] = (t1 - t0) * 1e9;
	}
	s[0].total_s = now() - tall;
	explicit_bzero(&aud, sizeof(aud));

	snprintf(dev, sizeof(dev), "/dev/vuicc%d", card);
	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr) || auc_select_usim(fd)) {
		fprintf(stderr, "auth: %s: cannot select the USIM: %s\n", dev, strerror(errno));
		return 1;
	}
	/* the card: the same vectors, in order */
	tall = now();
	for (i = 0; i < count; i++) {
		t0 = now();
		len = auc_authenticate(fd, rands[i], vec[i].autn, r, sizeof(r));
		t1 = now();
		s[1].ns[i] = (t1 - t0) * 1e9;
		if (len < 2 + (int)vec[i].res_len || r[0] != 0xDB || r[1] != vec[i].res_len ||
		    memcmp(r + 2, vec[i].res, vec[i].res_len))
			errors++;
	}
	s[1].total_s = now() - tall;
	/* the char device alone: two round trips, no cryptography */
	tall = now();
	for (i = 0; i < count; i++) {
		t0 = now();
		len = auc_apdu(fd, sel_fcp, sizeof(sel_fcp), r, sizeof(r));
		t1 = now();
		s[2].ns[i] = (t1 - t0) * 1e9;
		if (len < 2 || r[len - 2] != 0x90)
			errors++;
	}
	s[2].total_s = now() - tall;
	close(fd);
	explicit_bzero(vec, count * sizeof(*vec));
	snprintf(cmd, sizeof(cmd), "vuiccctl card del %d", card);
	if (system(cmd))
		errors++;

	for (j = 0; j < 3; j++) {
		s[j].n = count;
		summarise(&s[j]);
	}
	if (json) {
		printf("{\"count\":%lu,\"seed\":%llu,\"errors\":%lu,\"ratio_mean\":%.3f,"
		       "\"ratio_p50\":%.3f,\"series\":[", count, (unsigned long long)seed, errors,
		       s[1].mean / s[0].mean, s[1].p50 / s[0].p50);
		for (j = 0; j < 3; j++)
			printf("%s{\"name\":\"%s\",\"ops_per_sec\":%.0f,\"mean_ns\":%.0f,"
			       "\"p50_ns\":%.0f,\"p90_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,"
			       "\"max_ns\":%.0f}", j ? "," : "", s[j].name, count / s[j].total_s,
			       s[j].mean, s[j].p50, s[j].p90, s[j].p99, s[j].p999, s[j].max);
		printf("]}\n");
	} else {
		printf("%-46s %10s %9s %9s %9s %9s %9s\n", "operation", "ops/s", "p50 us",
		       "p90 us", "p99 us", "p99.9 us", "max us");
		for (j = 0; j < 3; j++)
			printf("%-46s %10.0f %9.2f %9.2f %9.2f %9.2f %9.1f\n", s[j].name,
			       count / s[j].total_s, s[j].p50 / 1e3, s[j].p90 / 1e3,
			       s[j].p99 / 1e3, s[j].p999 / 1e3, s[j].max / 1e3);
		printf("ratio card / user space: %.2fx (mean), %.2fx (p50); goal <= 3x\n",
		       s[1].mean / s[0].mean, s[1].p50 / s[0].p50);
		printf("(%lu operations each, seed %llu, %lu errors)\n", count,
		       (unsigned long long)seed, errors);
	}
	return errors ? 1 : 0;
}
