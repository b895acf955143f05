// SPDX-License-Identifier: GPL-2.0
/*
 * The stored state vuiccd keeps beside the profile states, under power
 * cuts and kill -9: a SIM server's standby seed ("7-pc-seed.seed") and a
 * card's policy learning ("card7.learn"), written by vuiccd's own code
 * (persist_save_seed(), persist_save_blob(), learn_encode()) in a loop.
 * Write N carries N (the seed's "# write N" line, the learning's failure
 * count); once both writes of N returned, N is acknowledged in a journal
 * opened O_SYNC (a raw disk in the VM, a file on the host).
 *
 *   blob_driver --drive DIR --journal J      writes until killed
 *   blob_driver --verify DIR --journal J     checks what survived
 *
 * --verify fails unless both files are valid (or recovered from their
 * older copy), the seed parses as a standby seed of that name, the
 * learning decodes, and each carries at least the acknowledged N: an
 * acknowledged write was never lost.  Card 7: a vuiccd managing cards
 * 0.. in the same directory (the power-cut test) leaves them alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/profile.h"
#include "lib/store.h"
#include "vuiccd/learn.h"
#include "vuiccd/persist.h"

#define CARD	7
#define SEED	"pc-seed"
#define LEARN	"card7.learn"
#define JLEN	4096
#define JOFF	(512 * 1024)	/* past persist_driver's journal on the same disk */

static int journal_fd(const char *path, int write_it)
{
	int flags = write_it ? O_RDWR | O_CREAT | O_SYNC : O_RDONLY;
	int fd = open(path, flags | O_DIRECT | O_CLOEXEC, 0600);

	/* (tmpfs has no O_DIRECT: a host file is O_SYNC alone) */
	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags | O_CLOEXEC, 0600);
	return fd;
}

static int journal_put(int fd, unsigned long n)
{
	char *buf;
	int ret;

	if (posix_memalign((void **)&buf, 4096, JLEN))
		return -1;
	memset(buf, 0, JLEN);
	snprintf(buf, JLEN, "vuicc-blobs 1\nacked %lu\n", n);
	ret = pwrite(fd, buf, JLEN, JOFF) == JLEN && !fdatasync(fd) ? 0 : -1;
	free(buf);
	return ret;
}

static unsigned long journal_get(const char *path)
{
	unsigned long n = 0;
	char *buf;
	int fd = journal_fd(path, 0);

	if (fd < 0 || posix_memalign((void **)&buf, 4096, JLEN)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (pread(fd, buf, JLEN, JOFF) == JLEN) {
		buf[JLEN - 1] = '\0';
		if (sscanf(buf, "vuicc-blobs 1\nacked %lu", &n) != 1)
			n = 0;
	}
	free(buf);
	close(fd);
	return n;
}

static void seed_text(unsigned long n, char *out, size_t max)
{
	/* made-up test subscription: 3GPP TS 35.207 test set 1 keys */
	snprintf(out, max, "# write %lu\nname = " SEED "\nkind = seed\nrole = standby\n"
		 "iccid = 8988211000000000701\nimsi = 001070000000070\nalgorithm = milenage\n"
		 "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"
		 "plmns = 00107\n", n);
}

static unsigned long got_seed;
static uint64_t seed_gen;

static void on_seed(void *arg, uint32_t card, const char *name, const char *text, size_t len,
		    uint64_t gen);

static int drive(struct persist *p, const char *journal)
{
	static char text[LEARN_TEXT_MAX];
	struct pol_learned l;
	unsigned long n;
	uint64_t gen = 0, lgen = 0;
	int jfd = journal_fd(journal, 1);
	uint8_t *buf;
	size_t len;

	if (jfd < 0) {
		printf("not ok - journal %s: %s\n", journal, strerror(errno));
		return 1;
	}
	/* on from what is there, as vuiccd goes on from its store: the next
	 * generation and write numbers (a reader takes the highest generation) */
	persist_load_seeds(p, 1ULL << CARD, on_seed, NULL);
	if (!persist_load_blob(p, LEARN, STORE_KIND_LEARN, &buf, &len, &lgen))
		free(buf);
	gen = seed_gen > lgen ? seed_gen : lgen;
	memset(&l, 0, sizeof(l));
	l.n_seeds = 1;
	snprintf(l.seeds[0].name, sizeof(l.seeds[0].name), SEED);
	l.seeds[0].last_cause = 8;
	for (n = got_seed + 1;; n++) {
		seed_text(n, text, sizeof(text));
		if (persist_save_seed(p, CARD, SEED, text, gen))
			return 1;
		l.seeds[0].failures = (unsigned int)n;
		len = learn_encode(&l, 0, text, sizeof(text));
		if (persist_save_blob(p, LEARN, STORE_KIND_LEARN, gen + 1, (uint8_t *)text, len))
			return 1;
		gen++;
		if (journal_put(jfd, n))
			return 1;
	}
}

static void on_seed(void *arg, uint32_t card, const char *name, const char *text, size_t len,
		    uint64_t gen)
{
	seed_gen = gen;
	struct profile *pr = malloc(sizeof(*pr));
	char err[PROFILE_ERR_MAX];

	if (!pr)
		return;
	if (card == CARD && !strcmp(name, SEED) &&
	    !profile_parse(text, len, "seed", pr, err, sizeof(err)) &&
	    pr->kind == VUICC_PROFILE_KIND_SEED && pr->role == VUICC_PROFILE_ROLE_STANDBY &&
	    !strcmp(pr->name, SEED))
		sscanf(text, "# write %lu", &got_seed);
	else
		printf("# the stored seed does not parse as " SEED "\n");
	profile_wipe(pr);
	free(pr);
}

static int verify(struct persist *p, const char *journal)
{
	unsigned long acked = journal_get(journal), got_learn = 0;
	struct pol_learned l;
	char why[160];
	uint8_t *buf;
	uint64_t gen;
	size_t len;
	int ret, bad = 0;

	persist_load_seeds(p, 1ULL << CARD, on_seed, NULL);
	ret = persist_load_blob(p, LEARN, STORE_KIND_LEARN, &buf, &len, &gen);
	if (!ret) {
		if (learn_decode((char *)buf, len, 0, &l, why, sizeof(why)) || l.n_seeds != 1)
			printf("# the learning does not decode: %s\n", why);
		else
			got_learn = l.seeds[0].failures;
		free(buf);
	}
	if (acked && got_seed < acked) {
		printf("not ok - standby seed: write %lu acknowledged, %lu on disk\n", acked,
		       got_seed);
		bad = 1;
	}
	if (acked && got_learn < acked) {
		printf("not ok - learning: write %lu acknowledged, %lu on disk\n", acked, got_learn);
		bad = 1;
	}
	if (!bad)
		printf("ok - standby seed and learning: write %lu acknowledged, %lu and %lu on disk\n",
		       acked, got_seed, got_learn);
	return bad;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *journal = NULL;
	struct persist p;
	int i, mode = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--drive") && i + 1 < argc)
			mode = 'd', dir = argv[++i];
		else if (!strcmp(argv[i], "--verify") && i + 1 < argc)
			mode = 'v', dir = argv[++i];
		else if (!strcmp(argv[i], "--journal") && i + 1 < argc)
			journal = argv[++i];
	}
	if (!mode || !journal) {
		fprintf(stderr, "usage: blob_driver --drive|--verify DIR --journal FILE\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.io = &store_libc_io;
	p.state_dir = dir;
	p.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.dirfd < 0) {
		printf("not ok - %s: %s\n", dir, strerror(errno));
		return 1;
	}
	return mode == 'd' ? drive(&p, journal) : verify(&p, journal);
}
