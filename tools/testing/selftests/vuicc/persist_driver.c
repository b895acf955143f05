// SPDX-License-Identifier: GPL-2.0
/*
 * The modem side of the persistence tests: through /dev/vuiccN it updates
 * EFs with counters and runs AUTHENTICATE with vectors libosmocore makes
 * for the test profile (3GPP TS 35.207 set 1, published values), while
 * vuiccd stores what the card reports.
 *
 *   persist_driver --run MS [--card N]
 *       updates and challenges for MS milliseconds, one every --pace MS
 *       (default 10); every one must succeed.  Starts from what the card
 *       holds (the counters it reads back, the SQN its AUTS gives).
 *   persist_driver --cut-after MS --journal DEV --bound-ef MS --bound-sqn MS
 *       the same, then writes to DEV (a raw disk) what must survive, the
 *       updates acknowledged at least a bound before now, and resets the
 *       VM without syncing (sysrq b): a power cut.
 *   persist_driver --verify --journal DEV
 *       after the reboot, with vuiccd's provisioning done: each EF counter
 *       must be at least the one expected, and the last challenge
 *       acknowledged before the bound must now be a replay (sync failure,
 *       with an SQN_MS at least its SQN).  The verdicts accumulate in the
 *       journal; "--verify --final" prints their totals and fails on any.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>
#include <osmocom/crypt/auth.h>
#include "vuicc_auc.h"

#define N_EF		4
#define HIST		4096
#define JOURNAL_LEN	4096

/* EF_LOCI, EF_PSLOCI, EF_EPSLOCI, EF_FPLMN of the USIM, and their sizes */
static const uint16_t ef_fid[N_EF] = { 0x6F7E, 0x6F73, 0x6FE3, 0x6F7B };
static const uint8_t ef_size[N_EF] = { 11, 14, 18, 12 };

static int fd = -1;
static struct osmo_sub_auth_data aud;
static uint64_t ef_ctr[N_EF];

struct ack {
	uint64_t t_ms;
	int kind;		/* 0..N_EF-1: an EF; N_EF: a challenge */
	uint64_t value;		/* the counter, or the SQN */
};

static struct ack hist[HIST];
static unsigned long n_hist;

struct journal {
	unsigned long cycles, verified, lost_ef, lost_sqn, errors;
	uint64_t expect_ef[N_EF], expect_sqn;
	unsigned long acked_ef, acked_sqn;
	int has_expect;
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int sw_ok(const uint8_t *r, int len)
{
	return len >= 2 && r[len - 2] == 0x90 && r[len - 1] == 0x00;
}

static int select_ef(int i)
{
	uint8_t c[7] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, (uint8_t)(ef_fid[i] >> 8),
			 (uint8_t)ef_fid[i] };
	uint8_t r[8];

	return sw_ok(r, auc_apdu(fd, c, sizeof(c), r, sizeof(r))) ? 0 : -1;
}

static int read_ctr(int i, uint64_t *v)
{
	uint8_t c[5] = { 0x00, 0xB0, 0x00, 0x00, 8 }, r[16];
	int k;

	if (select_ef(i) || auc_apdu(fd, c, 5, r, sizeof(r)) != 10 || !sw_ok(r, 10))
		return -1;
	/* a counter we never wrote (the template's FF bytes) counts as 0 */
	for (*v = 0, k = 0; k < 8; k++)
		*v = *v << 8 | r[k];
	if (*v == UINT64_MAX)
		*v = 0;
	return 0;
}

static int write_ctr(int i, uint64_t v)
{
	uint8_t c[5 + 18], r[8];
	int k;

	memset(c, 0xFF, sizeof(c));
	c[0] = 0x00;
	c[1] = 0xD6;
	c[2] = 0x00;
	c[3] = 0x00;
	c[4] = ef_size[i];
	for (k = 0; k < 8; k++)
		c[5 + k] = (uint8_t)(v >> (8 * (7 - k)));
	if (select_ef(i))
		return -1;
	return sw_ok(r, auc_apdu(fd, c, 5u + ef_size[i], r, sizeof(r))) ? 0 : -1;
}

/* AUTHENTICATE with the AuC's next vector: 1 accepted, 0 sync failure (SQN_MS learnt), -1 error */
static int challenge(uint64_t *sqn_out, uint64_t *rng)
{
	struct osmo_auth_vector v, v2;
	uint8_t rand[16], r[300];
	int len;

	auc_rnd_bytes(rng, rand, 16);
	aud.u.umts.ind = (unsigned int)(auc_rnd(rng) % 32);
	if (osmo_auth_gen_vec(&v, &aud, rand))
		return -1;
	*sqn_out = aud.u.umts.sqn;
	len = auc_authenticate(fd, rand, v.autn, r, sizeof(r));
	if (len > 2 && r[0] == 0xDB && r[1] == v.res_len && !memcmp(r + 2, v.res, v.res_len))
		return 1;
	if (len == 18 && r[0] == 0xDC &&
	    !osmo_auth_gen_vec_auts(&v2, &aud, r + 2, rand, rand))
		return 0;	/* aud.u.umts.sqn is now the card's SQN_MS */
	return -1;
}

static void record(int kind, uint64_t value)
{
	struct ack *a = &hist[n_hist++ % HIST];

	a->t_ms = now_ms();
	a->kind = kind;
	a->value = value;
}

static int open_card(int card)
{
	static const uint8_t pin[] = { 0x00, 0x20, 0x00, 0x01, 0x08, '1', '2', '3', '4',
		0xFF, 0xFF, 0xFF, 0xFF };
	struct vuicc_atr atr;
	char dev[32];
	uint8_t r[8];

	snprintf(dev, sizeof(dev), "/dev/vuicc%d", card);
	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr) || auc_select_usim(fd)) {
		printf("not ok - %s: cannot power the card and select the USIM\n", dev);
		return -1;
	}
	if (!sw_ok(r, auc_apdu(fd, pin, sizeof(pin), r, sizeof(r)))) {
		printf("not ok - VERIFY PIN1 failed\n");
		return -1;
	}
	return 0;
}

static void setup_auc(void)
{
	static const uint8_t k[16] = { 0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa,
		0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc };
	static const uint8_t opc[16] = { 0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48,
		0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf };

	memset(&aud, 0, sizeof(aud));
	aud.type = OSMO_AUTH_TYPE_UMTS;
	aud.algo = OSMO_AUTH_ALG_MILENAGE;
	memcpy(aud.u.umts.k, k, 16);
	memcpy(aud.u.umts.opc, opc, 16);
	aud.u.umts.ind_bitlen = 5;
	aud.u.umts.sqn = 1 << 5;
}

/* ---- the journal on a raw disk ---- */

static int journal_io(const char *dev, struct journal *j, int write_it)
{
	char *buf, *line, *save;
	int jfd, ok = -1, i;

	if (posix_memalign((void **)&buf, 4096, JOURNAL_LEN))
		return -1;
	memset(buf, 0, JOURNAL_LEN);
	jfd = open(dev, (write_it ? O_RDWR : O_RDONLY) | O_DIRECT | O_SYNC);
	if (jfd < 0) {
		printf("not ok - journal %s: %s\n", dev, strerror(errno));
		free(buf);
		return -1;
	}
	if (write_it) {
		int n = snprintf(buf, JOURNAL_LEN,
				 "vuicc-powercut 1\ncycles %lu\nverified %lu\nlost_ef %lu\nlost_sqn %lu\n"
				 "errors %lu\nacked_ef %lu\nacked_sqn %lu\nexpect %d\nexpect_sqn %llu\n",
				 j->cycles, j->verified, j->lost_ef, j->lost_sqn, j->errors,
				 j->acked_ef, j->acked_sqn, j->has_expect,
				 (unsigned long long)j->expect_sqn);
		for (i = 0; i < N_EF; i++)
			n += snprintf(buf + n, JOURNAL_LEN - (size_t)n, "expect_ef%d %llu\n", i,
				      (unsigned long long)j->expect_ef[i]);
		ok = pwrite(jfd, buf, JOURNAL_LEN, 0) == JOURNAL_LEN && !fdatasync(jfd) ? 0 : -1;
	} else {
		memset(j, 0, sizeof(*j));
		if (pread(jfd, buf, JOURNAL_LEN, 0) == JOURNAL_LEN) {
			buf[JOURNAL_LEN - 1] = '\0';
			ok = 0;
			if (strncmp(buf, "vuicc-powercut 1\n", 17))
				goto out;	/* a fresh disk: nothing expected yet */
			for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				unsigned long long v;
				char key[32];

				if (sscanf(line, "%31s %llu", key, &v) != 2)
					continue;
				if (!strcmp(key, "cycles"))
					j->cycles = v;
				else if (!strcmp(key, "verified"))
					j->verified = v;
				else if (!strcmp(key, "lost_ef"))
					j->lost_ef = v;
				else if (!strcmp(key, "lost_sqn"))
					j->lost_sqn = v;
				else if (!strcmp(key, "errors"))
					j->errors = v;
				else if (!strcmp(key, "acked_ef"))
					j->acked_ef = v;
				else if (!strcmp(key, "acked_sqn"))
					j->acked_sqn = v;
				else if (!strcmp(key, "expect"))
					j->has_expect = (int)v;
				else if (!strcmp(key, "expect_sqn"))
					j->expect_sqn = v;
				else if (!strncmp(key, "expect_ef", 9) && key[9] >= '0' && key[9] < '0' + N_EF)
					j->expect_ef[key[9] - '0'] = v;
			}
		}
	}
out:
	close(jfd);
	free(buf);
	return ok;
}

/* ---- modes ---- */

static int drive(uint64_t run_ms, uint64_t pace_ms, uint64_t cut_ms, const char *journal,
		 uint64_t bound_ef, uint64_t bound_sqn)
{
	uint64_t start = now_ms(), t, sqn, rng = start | 1;
	unsigned long updates = 0, challenges = 0, errors = 0, resyncs = 0;
	struct timespec pace = { .tv_sec = 0, .tv_nsec = (long)pace_ms * 1000000 };
	int i, r;

	/* continue from what the card holds */
	for (i = 0; i < N_EF; i++) {
		if (read_ctr(i, &ef_ctr[i])) {
			printf("not ok - cannot read EF %04X\n", ef_fid[i]);
			return 1;
		}
	}
	r = challenge(&sqn, &rng);
	if (r < 0) {
		printf("not ok - the first AUTHENTICATE failed\n");
		return 1;
	}
	for (;;) {
		t = now_ms();
		if (cut_ms && t - start >= cut_ms)
			break;
		if (!cut_ms && t - start >= run_ms)
			break;
		if (auc_rnd(&rng) % 3) {
			i = (int)(auc_rnd(&rng) % N_EF);
			if (write_ctr(i, ef_ctr[i] + 1)) {
				errors++;
				if (errors <= 5)
					printf("# UPDATE BINARY %04X failed\n", ef_fid[i]);
			} else {
				ef_ctr[i]++;
				updates++;
				record(i, ef_ctr[i]);
			}
		} else {
			r = challenge(&sqn, &rng);
			if (r == 1) {
				challenges++;
				record(N_EF, sqn);
			} else if (r == 0) {
				resyncs++;
				if (resyncs <= 5)
					printf("# sync failure: SQN %llu (IND %llu) not fresh; the card's SQN_MS is %llu\n",
					       (unsigned long long)sqn, (unsigned long long)(sqn & 31),
					       (unsigned long long)aud.u.umts.sqn_ms);
			} else {
				errors++;
				if (errors <= 5)
					printf("# AUTHENTICATE failed\n");
			}
		}
		if (pace_ms)
			nanosleep(&pace, NULL);
	}
	printf("# driver: %lu updates, %lu challenges, %lu resynchronisations, %lu errors in %llu ms\n",
	       updates, challenges, resyncs, errors, (unsigned long long)(now_ms() - start));
	if (!cut_ms) {
		printf("%s - the card answered every command\n", errors ? "not ok" : "ok");
		return errors ? 1 : 0;
	}

	/* the power cut: what must survive it, on the raw disk, then reset */
	{
		struct journal j;
		unsigned long n;

		if (journal_io(journal, &j, 0))
			return 1;
		memset(j.expect_ef, 0, sizeof(j.expect_ef));
		j.expect_sqn = 0;
		t = now_ms();
		for (n = n_hist > HIST ? n_hist - HIST : 0; n < n_hist; n++) {
			struct ack *a = &hist[n % HIST];

			if (a->kind < N_EF && a->t_ms + bound_ef <= t && a->value > j.expect_ef[a->kind])
				j.expect_ef[a->kind] = a->value;
			if (a->kind == N_EF && a->t_ms + bound_sqn <= t && a->value > j.expect_sqn)
				j.expect_sqn = a->value;
		}
		j.has_expect = 1;
		j.cycles++;
		j.errors += errors;
		j.acked_ef += updates;
		j.acked_sqn += challenges;
		if (journal_io(journal, &j, 1)) {
			printf("not ok - cannot write the journal\n");
			return 1;
		}
		printf("# power cut %lu after %llu ms\n", j.cycles, (unsigned long long)(t - start));
		fflush(stdout);
		/* tell the harness the reset is planned, then cut */
		close(open("/run/vuicc-vm/reset-planned", O_WRONLY | O_CREAT, 0644));
		r = open("/proc/sysrq-trigger", O_WRONLY);
		if (r < 0 || write(r, "b", 1) != 1)
			printf("not ok - sysrq b: %s\n", strerror(errno));
		sleep(30);
		return 1;
	}
}

static int verify(const char *journal, int final)
{
	uint64_t v, rng = now_ms() | 1, sqn;
	struct osmo_auth_vector vec, v2;
	unsigned long lost_ef = 0, lost_sqn = 0;
	uint8_t rand[16], r[300];
	struct journal j;
	int i, len;

	if (journal_io(journal, &j, 0))
		return 1;
	if (j.has_expect) {
		for (i = 0; i < N_EF; i++) {
			if (read_ctr(i, &v)) {
				printf("not ok - cannot read EF %04X\n", ef_fid[i]);
				j.errors++;
				continue;
			}
			if (v < j.expect_ef[i]) {
				printf("not ok - EF %04X holds update %llu; %llu was acknowledged before the bound\n",
				       ef_fid[i], (unsigned long long)v,
				       (unsigned long long)j.expect_ef[i]);
				lost_ef += j.expect_ef[i] - v;
			}
		}
		if (j.expect_sqn) {
			/* the last challenge acknowledged before the bound, again: a replay */
			aud.u.umts.sqn = j.expect_sqn;
			aud.u.umts.ind = (unsigned int)(j.expect_sqn & 31);
			auc_rnd_bytes(&rng, rand, 16);
			/* libosmocore steps SEQ before it makes a vector: one step back */
			aud.u.umts.sqn = j.expect_sqn - 32;
			if (osmo_auth_gen_vec(&vec, &aud, rand) || aud.u.umts.sqn != j.expect_sqn) {
				printf("not ok - cannot make the replayed vector\n");
				j.errors++;
			} else {
				len = auc_authenticate(fd, rand, vec.autn, r, sizeof(r));
				sqn = 0;
				if (len == 18 && r[0] == 0xDC &&
				    !osmo_auth_gen_vec_auts(&v2, &aud, r + 2, rand, rand))
					sqn = aud.u.umts.sqn_ms;
				if (!sqn || sqn < j.expect_sqn) {
					printf("not ok - challenge SQN %llu was accepted again (card SQN_MS %llu)\n",
					       (unsigned long long)j.expect_sqn, (unsigned long long)sqn);
					lost_sqn++;
				}
			}
		}
		j.verified++;
		j.lost_ef += lost_ef;
		j.lost_sqn += lost_sqn;
		j.has_expect = 0;
		printf("%s - power cut %lu: the store holds every update acknowledged before the bound\n",
		       lost_ef || lost_sqn ? "not ok" : "ok", j.cycles);
		if (journal_io(journal, &j, 1))
			return 1;
	}
	if (final) {
		printf("# %lu power cuts, %lu verified after reboot; %lu EF updates and %lu challenges acknowledged; "
		       "lost beyond the bound: %lu EF updates, %lu SQNs; %lu driver errors\n",
		       j.cycles, j.verified, j.acked_ef, j.acked_sqn, j.lost_ef, j.lost_sqn, j.errors);
		if (j.cycles != j.verified || j.lost_ef || j.lost_sqn || j.errors || !j.cycles) {
			printf("not ok - power cuts\n");
			return 1;
		}
		printf("ok - power cuts\n");
	}
	return lost_ef || lost_sqn ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t run_ms = 0, cut_ms = 0, pace_ms = 10, bound_ef = 3000, bound_sqn = 1000;
	const char *journal = NULL;
	int card = 0, do_verify = 0, final = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--run") && i + 1 < argc)
			run_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cut-after") && i + 1 < argc)
			cut_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pace") && i + 1 < argc)
			pace_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bound-ef") && i + 1 < argc)
			bound_ef = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bound-sqn") && i + 1 < argc)
			bound_sqn = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--journal") && i + 1 < argc)
			journal = argv[++i];
		else if (!strcmp(argv[i], "--card") && i + 1 < argc)
			card = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--verify"))
			do_verify = 1;
		else if (!strcmp(argv[i], "--final"))
			final = 1;
		else {
			fprintf(stderr, "persist_driver: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if ((cut_ms || do_verify) && !journal) {
		fprintf(stderr, "persist_driver: --cut-after and --verify need --journal\n");
		return 2;
	}
	setup_auc();
	if (open_card(card))
		return 1;
	if (do_verify)
		return verify(journal, final);
	return drive(run_ms, pace_ms, cut_ms, journal, bound_ef, bound_sqn);
}
