// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests: vuiccd's store.  Encoding round trips; every torn,
 * truncated or bit-flipped file refused; random payloads; and the write
 * sequence with a crash injected at every step, each followed by a read
 * that must give the old state or the new one, never nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/store.h"
#include "../testlib.h"

static char dir[] = "/tmp/vuicc-store-test.XXXXXX";
static int dirfd_;

static void clean_dir(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd_, e->d_name, 0);
	closedir(d);
}

static void fill(struct pstate *ps, const char *name, uint32_t card, uint8_t v)
{
	uint8_t data[40];
	size_t i;

	memset(ps, 0, sizeof(*ps));
	strcpy(ps->name, name);
	ps->card = card;
	ps->seq = 1000 + v;
	ps->fingerprint = 0x1122334455667788ULL;
	ps->sqn_len = 6 * 32;
	for (i = 0; i < ps->sqn_len; i++)
		ps->sqn[i] = (uint8_t)(i * 7 + v);
	memset(data, v, sizeof(data));
	CHECK(pstate_set_ef(ps, (const uint8_t *)"\x3f\x00\x7f\xff\x6f\x7e", 6, data, 11) == 0);
	CHECK(pstate_set_ef(ps, (const uint8_t *)"\x3f\x00\x7f\xff\x6f\x7b", 6, data, 12) == 0);
	CHECK(pstate_set_ef(ps, (const uint8_t *)"\x3f\x00\x7f\x20\x6f\x20", 6, data, 9) == 0);
}

static int same(struct pstate *a, struct pstate *b)
{
	size_t i;

	if (strcmp(a->name, b->name) || a->card != b->card || a->seq != b->seq ||
	    a->fingerprint != b->fingerprint || a->sqn_len != b->sqn_len ||
	    memcmp(a->sqn, b->sqn, a->sqn_len) || a->n_efs != b->n_efs)
		return 0;
	for (i = 0; i < a->n_efs; i++)
		if (a->efs[i].path_len != b->efs[i].path_len || a->efs[i].len != b->efs[i].len ||
		    memcmp(a->efs[i].path, b->efs[i].path, a->efs[i].path_len) ||
		    memcmp(a->efs[i].data, b->efs[i].data, a->efs[i].len))
			return 0;
	return 1;
}

static void test_crc32(void)
{
	/* the check value of CRC-32/ISO-HDLC */
	CHECK(store_crc32(0, "123456789", 9) == 0xCBF43926u);
	CHECK(store_crc32(store_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u);
}

static void test_roundtrip(void)
{
	static uint8_t buf[STORE_PAYLOAD_MAX];
	struct pstate a, b;
	struct cstate c = { .card = 3 }, c2;
	const char *why = NULL;
	size_t n;

	fill(&a, "seed-master", 2, 5);
	n = pstate_encode(&a, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(pstate_decode(buf, n, &b, &why) == 0);
	CHECK(same(&a, &b));
	pstate_clear(&b);
	/* too small a buffer: 0, not a cut record */
	CHECK(pstate_encode(&a, buf, 40) == 0);
	pstate_clear(&a);
	CHECK(a.n_efs == 0 && a.name[0] == 0);

	strcpy(c.enabled, "vsim-1");
	n = cstate_encode(&c, buf, sizeof(buf));
	CHECK(n > 0 && cstate_decode(buf, n, &c2, &why) == 0);
	CHECK(c2.card == 3 && !strcmp(c2.enabled, "vsim-1"));
}

static void test_bad_payloads(void)
{
	static uint8_t buf[STORE_PAYLOAD_MAX], img[4096];
	struct pstate a, b;
	const char *why;
	size_t n, cut, i;
	uint64_t rng = 42;

	fill(&a, "p", 0, 1);
	n = pstate_encode(&a, buf, sizeof(buf));
	/* every cut inside a record is refused */
	for (cut = 1; cut < n; cut++) {
		why = NULL;
		if (pstate_decode(buf, cut, &b, &why) == 0) {
			/* a cut between whole records leaves a valid, shorter state */
			CHECK(b.n_efs <= a.n_efs);
			pstate_clear(&b);
		} else {
			CHECK(why != NULL);
			CHECK(b.n_efs == 0);
		}
	}
	/* a record claiming more than there is */
	memcpy(img, buf, n);
	img[2] = 0x7f;
	CHECK(pstate_decode(img, n, &b, &why) == -EBADMSG);
	/* a bad name, a bad path, an EF twice, a card past the last */
	CHECK(pstate_decode((const uint8_t *)"\x00\x01\x00\x00\x00\x02" "a/", 8, &b, &why) == -EBADMSG);
	CHECK(pstate_decode((const uint8_t *)"\x00\x01\x00\x00\x00\x01" "a"
			    "\x00\x02\x00\x00\x00\x04\x00\x00\x00\x40", 17, &b, &why) == -EBADMSG);
	CHECK(pstate_decode((const uint8_t *)"\x00\x01\x00\x00\x00\x01" "a"
			    "\x00\x02\x00\x00\x00\x04\x00\x00\x00\x01"
			    "\x00\x06\x00\x00\x00\x06\x04\x2f\x00\x6f\x7b\x00", 29, &b, &why) == -EBADMSG);
	CHECK(!strcmp(why, "bad EF record"));
	/* random payloads: refused or accepted, never a crash (ASan/UBSan build) */
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rng % sizeof(img)), k;

		for (k = 0; k < len; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			img[k] = (uint8_t)rng;
		}
		/* half of them start like a real payload */
		if (i & 1 && len > n)
			memcpy(img, buf, n / 2);
		if (pstate_decode(img, len, &b, &why) == 0)
			pstate_clear(&b);
	}
	pstate_clear(&a);
}

static int write_state(struct pstate *ps, const struct store_io *io)
{
	return pstate_save(dirfd_, ps, io);
}

static void test_damaged_files(void)
{
	struct pstate a, b, r;
	char note[512], fname[64];
	struct stat st;
	uint8_t *img;
	size_t off, len;
	int fd;

	clean_dir();
	fill(&a, "m", 0, 1);
	CHECK(write_state(&a, &store_libc_io) == 0);
	fill(&b, "m", 0, 2);
	b.gen = a.gen;
	CHECK(write_state(&b, &store_libc_io) == 0);
	CHECK(pstate_load(dirfd_, 0, "m", &r, note, sizeof(note)) == 0);
	CHECK(same(&r, &b) && r.gen == 2 && !note[0]);
	pstate_clear(&r);

	/* every byte of the current file flipped in turn: the previous copy is taken */
	pstate_filename(0, "m", fname, sizeof(fname));
	CHECK(stat(fname, &st) == 0 || fstatat(dirfd_, fname, &st, 0) == 0);
	len = (size_t)st.st_size;
	img = malloc(len);
	fd = openat(dirfd_, fname, O_RDWR);
	CHECK(fd >= 0 && pread(fd, img, len, 0) == (ssize_t)len);
	for (off = 0; off < len; off++) {
		uint8_t x = img[off] ^ 0x10;

		CHECK(pwrite(fd, &x, 1, (off_t)off) == 1);
		if (pstate_load(dirfd_, 0, "m", &r, note, sizeof(note)) == 0) {
			CHECK(same(&r, &a) && r.gen == 1);
			CHECK(strstr(note, fname) != NULL);
			pstate_clear(&r);
		} else {
			CHECK(0);
		}
		CHECK(pwrite(fd, &img[off], 1, (off_t)off) == 1);
	}
	/* truncated (a torn write): the same */
	CHECK(ftruncate(fd, (off_t)len / 2) == 0);
	CHECK(pstate_load(dirfd_, 0, "m", &r, note, sizeof(note)) == 0 && same(&r, &a));
	CHECK(strstr(note, "length") != NULL);
	pstate_clear(&r);
	close(fd);
	free(img);

	/* nothing valid at all: -EBADMSG, and the note says why */
	fd = openat(dirfd_, "0-m.state.prev", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "VUICCST\n", 8) == 8);
	close(fd);
	CHECK(pstate_load(dirfd_, 0, "m", &r, note, sizeof(note)) == -EBADMSG);
	CHECK(note[0] != 0);
	/* no file: -ENOENT */
	CHECK(pstate_load(dirfd_, 0, "nothing", &r, note, sizeof(note)) == -ENOENT);
	/* a file of another profile under this name */
	clean_dir();
	pstate_clear(&a);
	fill(&a, "other", 0, 1);
	CHECK(write_state(&a, &store_libc_io) == 0);
	CHECK(renameat(dirfd_, "0-other.state", dirfd_, "0-m.state") == 0);
	CHECK(pstate_load(dirfd_, 0, "m", &r, note, sizeof(note)) == -EBADMSG);
	pstate_clear(&a);
	pstate_clear(&b);
}

/* ---- crash injection ---- */

static int crash_at, ops;
static int crashed;

static int step(void)
{
	ops++;
	if (crashed)
		return 1;
	if (ops == crash_at) {
		crashed = 1;
		return 1;
	}
	return 0;
}

static int c_openat(int d, const char *n, int f, mode_t m)
{
	if (step()) {
		errno = EIO;
		return -1;
	}
	return openat(d, n, f, m);
}

static ssize_t c_write(int fd, const void *b, size_t n)
{
	if (step()) {
		/* the process dies half-way: what reached the file stays */
		if (ops == crash_at && n > 1 && write(fd, b, n / 2) < 0)
			return -1;
		errno = EIO;
		return -1;
	}
	return write(fd, b, n);
}

static int c_fsync(int fd)
{
	if (step()) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static int c_close(int fd)
{
	/* a dead process's files are closed by the kernel anyway */
	close(fd);
	if (step()) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int c_unlinkat(int d, const char *n, int f)
{
	if (step()) {
		errno = EIO;
		return -1;
	}
	return unlinkat(d, n, f);
}

static int c_linkat(int od, const char *o, int nd, const char *n, int f)
{
	if (step()) {
		errno = EIO;
		return -1;
	}
	return linkat(od, o, nd, n, f);
}

static int c_renameat(int od, const char *o, int nd, const char *n)
{
	if (step()) {
		errno = EIO;
		return -1;
	}
	return renameat(od, o, nd, n);
}

static const struct store_io crash_io = {
	.openat = c_openat, .write = c_write, .fsync = c_fsync, .close = c_close,
	.unlinkat = c_unlinkat, .linkat = c_linkat, .renameat = c_renameat,
};

static void test_crash_every_step(void)
{
	struct pstate old, new, r;
	char note[512];
	int total, k, first, rounds = 0, got_new = 0, got_old = 0;

	for (first = 0; first < 2; first++) {
		/* a clean run counts the steps */
		clean_dir();
		fill(&old, "c", 1, 1);
		if (!first)
			CHECK(write_state(&old, &store_libc_io) == 0);
		fill(&new, "c", 1, 2);
		new.gen = old.gen;
		crash_at = 0;
		ops = 0;
		crashed = 0;
		CHECK(write_state(&new, &crash_io) == 0);
		total = ops;
		CHECK(total >= 8);
		pstate_clear(&new);
		pstate_clear(&old);

		for (k = 1; k <= total; k++) {
			clean_dir();
			fill(&old, "c", 1, 1);
			if (!first)
				CHECK(write_state(&old, &store_libc_io) == 0);
			fill(&new, "c", 1, 2);
			new.gen = old.gen;
			crash_at = k;
			ops = 0;
			crashed = 0;
			CHECK(write_state(&new, &crash_io) != 0);
			rounds++;
			memset(&r, 0, sizeof(r));
			/* after the crash: the old state or the new one */
			if (pstate_load(dirfd_, 1, "c", &r, note, sizeof(note)) == 0) {
				if (same(&r, &new)) {
					got_new++;
				} else {
					CHECK(!first && same(&r, &old));
					got_old++;
				}
				pstate_clear(&r);
			} else {
				/* only a first write may leave nothing, and only before its rename */
				CHECK(first);
			}
			/* and the next write after a restart works and wins */
			new.gen = r.gen > old.gen ? r.gen : old.gen;
			pstate_clear(&r);
			CHECK(write_state(&new, &store_libc_io) == 0);
			CHECK(pstate_load(dirfd_, 1, "c", &r, note, sizeof(note)) == 0 && same(&r, &new));
			pstate_clear(&r);
			pstate_clear(&new);
			pstate_clear(&old);
		}
	}
	printf("# %d injected crashes: %d left the new state, %d the old one\n", rounds, got_new,
	       got_old);
	CHECK(got_new > 0 && got_old > 0);
}

/* All of @fd's file is zero bytes (and it has some). */
static int all_zero(int fd)
{
	uint8_t b[512];
	ssize_t n, i, total = 0;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, b, sizeof(b))) > 0) {
		for (i = 0; i < n; i++)
			if (b[i])
				return 0;
		total += n;
	}
	return total > 0;
}

/*
 * What the store drops is overwritten before it is unlinked: the copy
 * before the last (NAME.prev) at each write, and a file unlinked on
 * purpose; a file still reachable by another name keeps its content.
 */
static void test_unlink_wiped(void)
{
	static const uint8_t key[16] = { 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
					 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0 };
	int first, cur, other;

	clean_dir();
	CHECK(store_write_blob(dirfd_, "w", 1, 1, key, sizeof(key), &store_libc_io) == 0);
	first = openat(dirfd_, "w", O_RDONLY | O_CLOEXEC);
	CHECK(first >= 0);
	CHECK(store_write_blob(dirfd_, "w", 1, 2, key, sizeof(key), &store_libc_io) == 0);
	/* the first write is NAME.prev now, intact */
	CHECK(!all_zero(first));
	CHECK(store_write_blob(dirfd_, "w", 1, 3, key, sizeof(key), &store_libc_io) == 0);
	/* the third write dropped it: zeros before the unlink */
	CHECK(all_zero(first));
	close(first);

	cur = openat(dirfd_, "w", O_RDONLY | O_CLOEXEC);
	CHECK(cur >= 0);
	CHECK(linkat(dirfd_, "w", dirfd_, "w.other", 0) == 0);
	CHECK(store_unlink_wiped(dirfd_, "w", &store_libc_io) == 0);
	CHECK(!all_zero(cur));		/* "w.other" reaches it: kept */
	CHECK(faccessat(dirfd_, "w", F_OK, 0) != 0);
	other = openat(dirfd_, "w.other", O_RDONLY | O_CLOEXEC);
	CHECK(other >= 0);
	CHECK(store_unlink_wiped(dirfd_, "w.other", &store_libc_io) == 0);
	CHECK(all_zero(cur) && all_zero(other));
	close(cur);
	close(other);
	CHECK(store_unlink_wiped(dirfd_, "w.none", &store_libc_io) == -1 && errno == ENOENT);
}

static void test_merge_and_limits(void)
{
	struct pstate ps = { 0 };
	uint8_t a[12] = { 0, 0, 0, 0, 1, 0x20, 0, 0, 0, 0, 0, 0x21 };
	uint8_t b[12] = { 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 2, 0x01 };
	uint8_t path[6] = { 0x3f, 0x00, 0x7f, 0xff, 0x6f, 0x00 };
	int i;

	pstate_merge_sqn(&ps, a, sizeof(a));
	pstate_merge_sqn(&ps, b, sizeof(b));
	/* slot by slot the larger */
	CHECK(!memcmp(ps.sqn, a, 6) && !memcmp(ps.sqn + 6, b + 6, 6));
	/* another size replaces */
	pstate_merge_sqn(&ps, a, 6);
	CHECK(ps.sqn_len == 6);
	for (i = 0; i < VUICC_FILES_MAX; i++) {
		path[5] = (uint8_t)i;
		CHECK(pstate_set_ef(&ps, path, 6, a, 12) == 0);
	}
	path[5] = 0xEE;
	CHECK(pstate_set_ef(&ps, path, 6, a, 12) == -ENOSPC);
	/* a known one is still replaced */
	path[5] = 3;
	CHECK(pstate_set_ef(&ps, path, 6, b, 3) == 0);
	CHECK(pstate_find_ef(&ps, path, 6)->len == 3);
	pstate_clear(&ps);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
	if (fchdir(dirfd_))
		return 1;
	RUN(test_crc32);
	RUN(test_roundtrip);
	RUN(test_bad_payloads);
	RUN(test_damaged_files);
	RUN(test_crash_every_step);
	RUN(test_merge_and_limits);
	RUN(test_unlink_wiped);
	clean_dir();
	rmdir(dir);
	DONE();
}
