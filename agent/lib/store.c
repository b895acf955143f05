// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's store: versioned, checksummed state files written crash-safely.
 * See store.h for the layout and the write sequence.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

enum {
	T_NAME = 1,	/* the profile name */
	T_CARD = 2,	/* u32 */
	T_SEQ = 3,	/* u64: the kernel's state-seq */
	T_FPR = 4,	/* u64: the profile file's fingerprint */
	T_SQN = 5,	/* the SQN array */
	T_EF = 6,	/* u8 path length, path, content */
	T_ENABLED = 7,	/* the enabled profile of a card */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

uint32_t store_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *b = buf;
	uint32_t c;
	int i, j;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (j = 0; j < 8; j++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *b++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

uint64_t store_fnv1a(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- files ---- */

static int io_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static int io_unlinkat(int dirfd, const char *name, int flags)
{
	return unlinkat(dirfd, name, flags);
}

static int io_linkat(int od, const char *o, int nd, const char *n, int flags)
{
	return linkat(od, o, nd, n, flags);
}

static int io_renameat(int od, const char *o, int nd, const char *n)
{
	return renameat(od, o, nd, n);
}

const struct store_io store_libc_io = {
	.openat = io_openat,
	.write = write,
	.fsync = fsync,
	.close = close,
	.unlinkat = io_unlinkat,
	.linkat = io_linkat,
	.renameat = io_renameat,
};

int store_unlink_wiped(int dirfd, const char *name, const struct store_io *io)
{
	static const uint8_t zero[4096];
	struct stat st;
	off_t off;
	ssize_t n;
	int fd;

	fd = io->openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return -1;
	/* (a file with another name still reachable keeps its content) */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		for (off = 0; off < st.st_size; off += n) {
			n = io->write(fd, zero, (size_t)(st.st_size - off) < sizeof(zero) ?
				      (size_t)(st.st_size - off) : sizeof(zero));
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				break;
		}
		io->fsync(fd);
	}
	io->close(fd);
	return io->unlinkat(dirfd, name, 0) ? -1 : 0;
}

int store_write_blob(int dirfd, const char *name, uint16_t kind, uint64_t gen,
		     const uint8_t *payload, size_t len, const struct store_io *io)
{
	char tmp[256], prev[256];
	uint8_t hdr[STORE_HDR_LEN] = { 0 };
	const uint8_t *parts[2] = { hdr, payload };
	size_t sizes[2] = { sizeof(hdr), len }, off;
	uint32_t crc;
	ssize_t n;
	int fd, i, err;

	if (len > STORE_PAYLOAD_MAX)
		return -EFBIG;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp) ||
	    snprintf(prev, sizeof(prev), "%s.prev", name) >= (int)sizeof(prev))
		return -ENAMETOOLONG;
	memcpy(hdr, STORE_MAGIC, 8);
	put16(hdr + 8, STORE_VERSION);
	put16(hdr + 10, kind);
	put32(hdr + 12, (uint32_t)len);
	put64(hdr + 16, gen);
	crc = store_crc32(0, hdr, sizeof(hdr));
	crc = store_crc32(crc, payload, len);
	put32(hdr + 24, crc);

	/* 1-4: the new content, durable under a name nobody reads first */
	fd = io->openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		for (off = 0; off < sizes[i]; off += (size_t)n) {
			n = io->write(fd, parts[i] + off, sizes[i] - off);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				io->close(fd);
				return err;
			}
		}
	}
	if (io->fsync(fd)) {
		err = -errno;
		io->close(fd);
		return err;
	}
	if (io->close(fd))
		return -errno;
	/* 5-6: the current file stays reachable as NAME.prev (the one before, wiped) */
	if (store_unlink_wiped(dirfd, prev, io) && errno != ENOENT)
		return -errno;
	if (io->linkat(dirfd, name, dirfd, prev, 0) && errno != ENOENT)
		return -errno;
	/* 7: the switch, atomic; 8: and durable */
	if (io->renameat(dirfd, tmp, dirfd, name))
		return -errno;
	if (io->fsync(dirfd))
		return -errno;
	return 0;
}

int store_check_image(const uint8_t *img, size_t len, uint16_t kind, size_t *off,
		      size_t *plen, uint64_t *gen, const char **why)
{
	uint8_t hdr[STORE_HDR_LEN];
	uint32_t crc, want;
	size_t n;

	if (len < STORE_HDR_LEN) {
		*why = "shorter than its header";
		return -EBADMSG;
	}
	if (memcmp(img, STORE_MAGIC, 8)) {
		*why = "not a vuicc state file (magic)";
		return -EBADMSG;
	}
	if (get16(img + 8) != STORE_VERSION) {
		*why = "a format version this vuiccd does not know";
		return -EBADMSG;
	}
	if (get16(img + 10) != kind) {
		*why = "a state file of another kind";
		return -EBADMSG;
	}
	n = get32(img + 12);
	if (n > STORE_PAYLOAD_MAX || n != len - STORE_HDR_LEN) {
		*why = "its length does not match its header (torn write?)";
		return -EBADMSG;
	}
	memcpy(hdr, img, sizeof(hdr));
	want = get32(hdr + 24);
	put32(hdr + 24, 0);
	crc = store_crc32(0, hdr, sizeof(hdr));
	crc = store_crc32(crc, img + STORE_HDR_LEN, n);
	if (crc != want) {
		*why = "checksum mismatch";
		return -EBADMSG;
	}
	*off = STORE_HDR_LEN;
	*plen = n;
	*gen = get64(img + 16);
	return 0;
}

/* Reads a whole file of at most STORE_HDR_LEN + STORE_PAYLOAD_MAX + 1 bytes. */
static int read_all(int dirfd, const char *name, uint8_t **buf, size_t *len)
{
	size_t max = STORE_HDR_LEN + STORE_PAYLOAD_MAX + 1, n = 0;
	struct stat st;
	uint8_t *b;
	ssize_t r;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((size_t)st.st_size < max)
		max = (size_t)st.st_size + 1;
	b = malloc(max);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (n < max) {
		r = read(fd, b + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			free(b);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}

int store_read_blob(int dirfd, const char *name, uint16_t kind, uint8_t **payload,
		    size_t *len, uint64_t *gen, char *note, size_t notelen)
{
	static const char *const suffix[] = { "", ".tmp", ".prev" };
	uint8_t *best = NULL, *img = NULL;
	size_t best_off = 0, best_len = 0, off, plen, ilen = 0, used = 0;
	uint64_t best_gen = 0, g;
	char fname[256];
	const char *why;
	int i, found = 0, ret;

	if (note && notelen)
		note[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (snprintf(fname, sizeof(fname), "%s%s", name, suffix[i]) >= (int)sizeof(fname))
			return -ENAMETOOLONG;
		ret = read_all(dirfd, fname, &img, &ilen);
		if (ret == -ENOENT)
			continue;
		found = 1;
		if (ret) {
			why = strerror(-ret);
		} else if (!store_check_image(img, ilen, kind, &off, &plen, &g, &why)) {
			if (!best || g > best_gen) {
				free(best);
				best = img;
				best_off = off;
				best_len = plen;
				best_gen = g;
			} else {
				free(img);
			}
			continue;
		} else {
			free(img);
		}
		/* a damaged NAME.tmp is the normal trace of an interrupted write */
		if (note && i != 1 && used < notelen)
			used += (size_t)snprintf(note + used, notelen - used, "%s%s: %s",
						 used ? "; " : "", fname, why);
	}
	if (!best)
		return found ? -EBADMSG : -ENOENT;
	memmove(best, best + best_off, best_len);
	*payload = best;
	*len = best_len;
	*gen = best_gen;
	return 0;
}

/* ---- payloads ---- */

struct enc {
	uint8_t *p;
	size_t n, max;
	int overflow;
};

static uint8_t *tlv(struct enc *e, uint16_t type, size_t len)
{
	uint8_t *v;

	if (e->overflow || e->n + 6 + len > e->max) {
		e->overflow = 1;
		return NULL;
	}
	put16(e->p + e->n, type);
	put32(e->p + e->n + 2, (uint32_t)len);
	v = e->p + e->n + 6;
	e->n += 6 + len;
	return v;
}

static void tlv_bytes(struct enc *e, uint16_t type, const void *b, size_t len)
{
	uint8_t *v = tlv(e, type, len);

	if (v)
		memcpy(v, b, len);
}

static void tlv_u32(struct enc *e, uint16_t type, uint32_t x)
{
	uint8_t *v = tlv(e, type, 4);

	if (v)
		put32(v, x);
}

static void tlv_u64(struct enc *e, uint16_t type, uint64_t x)
{
	uint8_t *v = tlv(e, type, 8);

	if (v)
		put64(v, x);
}

size_t pstate_encode(const struct pstate *ps, uint8_t *out, size_t max)
{
	struct enc e = { .p = out, .max = max };
	uint8_t *v;
	size_t i;

	tlv_bytes(&e, T_NAME, ps->name, strlen(ps->name));
	tlv_u32(&e, T_CARD, ps->card);
	tlv_u64(&e, T_SEQ, ps->seq);
	tlv_u64(&e, T_FPR, ps->fingerprint);
	if (ps->sqn_len)
		tlv_bytes(&e, T_SQN, ps->sqn, ps->sqn_len);
	for (i = 0; i < ps->n_efs; i++) {
		const struct store_ef *f = &ps->efs[i];

		v = tlv(&e, T_EF, 1 + f->path_len + f->len);
		if (!v)
			break;
		v[0] = (uint8_t)f->path_len;
		memcpy(v + 1, f->path, f->path_len);
		memcpy(v + 1 + f->path_len, f->data, f->len);
	}
	return e.overflow ? 0 : e.n;
}

static int name_valid(const uint8_t *s, size_t n)
{
	size_t i;

	if (!n || n > VUICC_PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

static int path_valid(const uint8_t *path, size_t n)
{
	return n >= 4 && n <= VUICC_FILE_PATH_MAX && n % 2 == 0 && path[0] == 0x3F &&
	       path[1] == 0x00;
}

/* an EF record (path length, path, data) into ps: new paths only, up to files-max */
static int pstate_decode_ef(struct pstate *ps, const uint8_t *v, size_t n, const char **why)
{
	int ret;

	if (!n || !path_valid(v + 1, v[0]) || n < 1u + v[0] ||
	    n - 1 - v[0] > VUICC_FILE_DATA_MAX)
		return bad(why, "bad EF record");
	if (pstate_find_ef(ps, v + 1, v[0]))
		return bad(why, "an EF recorded twice");
	ret = pstate_set_ef(ps, v + 1, v[0], v + 1 + v[0], n - 1 - v[0]);
	if (ret)
		*why = ret == -ENOSPC ? "more EFs than files-max" : "out of memory";
	return ret;
}

/* one record of a profile's state into ps; records of unknown types are skipped */
static int pstate_decode_record(struct pstate *ps, uint16_t type, const uint8_t *v, size_t n,
				int *have_name, int *have_card, const char **why)
{
	size_t slots;

	switch (type) {
	case T_NAME:
		if (*have_name || !name_valid(v, n))
			return bad(why, "bad or repeated profile name");
		memcpy(ps->name, v, n);
		ps->name[n] = '\0';
		*have_name = 1;
		break;
	case T_CARD:
		if (*have_card || n != 4 || get32(v) >= VUICC_CARDS_MAX)
			return bad(why, "bad or repeated card number");
		ps->card = get32(v);
		*have_card = 1;
		break;
	case T_SEQ:
	case T_FPR:
		if (n != 8)
			return bad(why, "a 64-bit record of another length");
		if (type == T_SEQ)
			ps->seq = get64(v);
		else
			ps->fingerprint = get64(v);
		break;
	case T_SQN:
		slots = n / 6;
		if (ps->sqn_len || !n || n % 6 || n > STORE_SQN_MAX || (slots & (slots - 1)))
			return bad(why, "bad or repeated SQN array");
		memcpy(ps->sqn, v, n);
		ps->sqn_len = n;
		break;
	case T_EF:
		return pstate_decode_ef(ps, v, n, why);
	default:
		/* a record of a newer minor revision: skipped */
		break;
	}
	return 0;
}

int pstate_decode(const uint8_t *in, size_t len, struct pstate *ps, const char **why)
{
	size_t off = 0, n;
	int have_name = 0, have_card = 0, ret;
	const uint8_t *v;
	uint16_t type;

	memset(ps, 0, sizeof(*ps));
	while (off < len) {
		if (len - off < 6) {
			ret = bad(why, "a record header is cut short");
			goto fail;
		}
		type = get16(in + off);
		n = get32(in + off + 2);
		if (n > len - off - 6) {
			ret = bad(why, "a record runs past the end");
			goto fail;
		}
		v = in + off + 6;
		off += 6 + n;
		ret = pstate_decode_record(ps, type, v, n, &have_name, &have_card, why);
		if (ret)
			goto fail;
	}
	if (!have_name || !have_card) {
		ret = bad(why, "no profile name or card");
		goto fail;
	}
	return 0;
fail:
	pstate_clear(ps);
	return ret;
}

size_t cstate_encode(const struct cstate *cs, uint8_t *out, size_t max)
{
	struct enc e = { .p = out, .max = max };

	tlv_u32(&e, T_CARD, cs->card);
	if (cs->enabled[0])
		tlv_bytes(&e, T_ENABLED, cs->enabled, strlen(cs->enabled));
	return e.overflow ? 0 : e.n;
}

int cstate_decode(const uint8_t *in, size_t len, struct cstate *cs, const char **why)
{
	size_t off = 0, n;
	int have_card = 0;
	const uint8_t *v;
	uint16_t type;

	memset(cs, 0, sizeof(*cs));
	while (off < len) {
		if (len - off < 6)
			return bad(why, "a record header is cut short");
		type = get16(in + off);
		n = get32(in + off + 2);
		if (n > len - off - 6)
			return bad(why, "a record runs past the end");
		v = in + off + 6;
		off += 6 + n;
		if (type == T_CARD) {
			if (have_card || n != 4 || get32(v) >= VUICC_CARDS_MAX)
				return bad(why, "bad or repeated card number");
			cs->card = get32(v);
			have_card = 1;
		} else if (type == T_ENABLED) {
			if (cs->enabled[0] || !name_valid(v, n))
				return bad(why, "bad or repeated enabled profile");
			memcpy(cs->enabled, v, n);
			cs->enabled[n] = '\0';
		}
	}
	if (!have_card)
		return bad(why, "no card number");
	return 0;
}

void pstate_filename(uint32_t card, const char *name, char *out, size_t max)
{
	snprintf(out, max, "%u-%s.state", card, name);
}

void cstate_filename(uint32_t card, char *out, size_t max)
{
	snprintf(out, max, "card%u.state", card);
}

int pstate_save(int dirfd, struct pstate *ps, const struct store_io *io)
{
	size_t max = STORE_PAYLOAD_MAX, n;
	char fname[VUICC_PROFILE_NAME_MAX + 32];
	uint8_t *buf;
	int ret;

	buf = malloc(max);
	if (!buf)
		return -ENOMEM;
	n = pstate_encode(ps, buf, max);
	if (!n) {
		free(buf);
		return -EFBIG;
	}
	pstate_filename(ps->card, ps->name, fname, sizeof(fname));
	ret = store_write_blob(dirfd, fname, STORE_KIND_PROFILE, ps->gen + 1, buf, n, io);
	if (!ret)
		ps->gen++;
	/* EF_KEYS and kin: session keys */
	explicit_bzero(buf, n);
	free(buf);
	return ret;
}

int pstate_load(int dirfd, uint32_t card, const char *name, struct pstate *ps,
		char *note, size_t notelen)
{
	char fname[VUICC_PROFILE_NAME_MAX + 32];
	const char *why = NULL;
	uint8_t *buf;
	uint64_t gen;
	size_t n;
	int ret;

	pstate_filename(card, name, fname, sizeof(fname));
	ret = store_read_blob(dirfd, fname, STORE_KIND_PROFILE, &buf, &n, &gen, note, notelen);
	if (ret)
		return ret;
	ret = pstate_decode(buf, n, ps, &why);
	explicit_bzero(buf, n);
	free(buf);
	if (ret) {
		if (note)
			snprintf(note, notelen, "%s: %s", fname, why);
		return ret;
	}
	if (ps->card != card || strcmp(ps->name, name)) {
		pstate_clear(ps);
		if (note)
			snprintf(note, notelen, "%s: holds another profile", fname);
		return -EBADMSG;
	}
	ps->gen = gen;
	return 0;
}

int cstate_save(int dirfd, struct cstate *cs, const struct store_io *io)
{
	uint8_t buf[128];
	char fname[32];
	size_t n;
	int ret;

	n = cstate_encode(cs, buf, sizeof(buf));
	if (!n)
		return -EFBIG;
	cstate_filename(cs->card, fname, sizeof(fname));
	ret = store_write_blob(dirfd, fname, STORE_KIND_CARD, cs->gen + 1, buf, n, io);
	if (!ret)
		cs->gen++;
	return ret;
}

int cstate_load(int dirfd, uint32_t card, struct cstate *cs, char *note, size_t notelen)
{
	const char *why = NULL;
	char fname[32];
	uint8_t *buf;
	uint64_t gen;
	size_t n;
	int ret;

	cstate_filename(card, fname, sizeof(fname));
	ret = store_read_blob(dirfd, fname, STORE_KIND_CARD, &buf, &n, &gen, note, notelen);
	if (ret)
		return ret;
	ret = cstate_decode(buf, n, cs, &why);
	free(buf);
	if (!ret && cs->card != card)
		ret = bad(&why, "holds another card");
	if (ret) {
		if (note)
			snprintf(note, notelen, "%s: %s", fname, why);
		memset(cs, 0, sizeof(*cs));
		return ret;
	}
	cs->gen = gen;
	return 0;
}

/* ---- in memory ---- */

void pstate_clear(struct pstate *ps)
{
	size_t i;

	for (i = 0; i < ps->n_efs; i++) {
		if (ps->efs[i].data) {
			explicit_bzero(ps->efs[i].data, ps->efs[i].len);
			free(ps->efs[i].data);
		}
	}
	explicit_bzero(ps, sizeof(*ps));
}

struct store_ef *pstate_find_ef(struct pstate *ps, const uint8_t *path, size_t path_len)
{
	size_t i;

	for (i = 0; i < ps->n_efs; i++)
		if (ps->efs[i].path_len == path_len && !memcmp(ps->efs[i].path, path, path_len))
			return &ps->efs[i];
	return NULL;
}

int pstate_set_ef(struct pstate *ps, const uint8_t *path, size_t path_len,
		  const uint8_t *data, size_t len)
{
	struct store_ef *f = pstate_find_ef(ps, path, path_len);
	uint8_t *d;

	if (path_len > VUICC_FILE_PATH_MAX || len > VUICC_FILE_DATA_MAX)
		return -EINVAL;
	if (!f && ps->n_efs >= VUICC_FILES_MAX)
		return -ENOSPC;
	d = malloc(len ? len : 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, data, len);
	if (!f) {
		f = &ps->efs[ps->n_efs++];
		memcpy(f->path, path, path_len);
		f->path_len = path_len;
	} else if (f->data) {
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
	f->data = d;
	f->len = len;
	return 0;
}

void pstate_merge_sqn(struct pstate *ps, const uint8_t *sqn, size_t len)
{
	size_t i;

	if (len > STORE_SQN_MAX || len % 6)
		return;
	if (ps->sqn_len != len) {
		memcpy(ps->sqn, sqn, len);
		ps->sqn_len = len;
		return;
	}
	for (i = 0; i < len; i += 6)
		if (memcmp(sqn + i, ps->sqn + i, 6) > 0)
			memcpy(ps->sqn + i, sqn + i, 6);
}
