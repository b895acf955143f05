/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's store: what the modem wrote to a card (EF contents, the SQN
 * array) and which profile a card had enabled, in /var/lib/vuicc/.
 *
 * One file per profile ("C-NAME.state") and per card ("cardC.state"), each
 * a 32-byte header (magic, version, kind, payload length, generation,
 * CRC-32) and a payload of type-length-value records.  A write goes to
 * NAME.tmp, is fsynced, the current file is hard-linked to NAME.prev, the
 * temporary is renamed over NAME and the directory is fsynced: NAME always
 * exists once written, and a reader takes the valid file with the highest
 * generation among NAME, NAME.tmp and NAME.prev.
 * Documentation/admin-guide/vuiccd.rst describes the format.
 */
#ifndef VUICC_STORE_H
#define VUICC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vuicc.h>

#define STORE_MAGIC		"VUICCST\n"
#define STORE_VERSION		1
#define STORE_HDR_LEN		32
#define STORE_KIND_PROFILE	1
#define STORE_KIND_CARD		2
#define STORE_KIND_SEED		3	/* a SIM server's standby seed: its profile text */
#define STORE_KIND_LEARN	4	/* a card's policy learning (vuiccd's learn.c) */
#define STORE_SQN_MAX		(6 << VUICC_SQN_IND_BITS_MAX)
/* the largest payload a reader accepts: every EF at its largest, and change */
#define STORE_PAYLOAD_MAX	(VUICC_FILES_MAX * (VUICC_FILE_DATA_MAX + 32) + STORE_SQN_MAX + 1024)

struct store_ef {
	uint8_t path[VUICC_FILE_PATH_MAX];
	size_t path_len;
	size_t len;
	uint8_t *data;		/* malloc'ed; wiped and freed by pstate_clear() */
};

/* The persistent state of one profile. */
struct pstate {
	char name[VUICC_PROFILE_NAME_MAX + 1];
	uint32_t card;
	uint64_t gen;		/* generation of the file last read or written */
	uint64_t seq;		/* the kernel's state-seq this state reflects */
	uint64_t fingerprint;	/* of the profile file it was installed from; 0: none */
	size_t sqn_len;		/* 0: no SQN array yet */
	uint8_t sqn[STORE_SQN_MAX];
	size_t n_efs;
	struct store_ef efs[VUICC_FILES_MAX];
};

/* The state of one card. */
struct cstate {
	uint32_t card;
	uint64_t gen;
	char enabled[VUICC_PROFILE_NAME_MAX + 1];	/* "" for none */
};

/*
 * The system calls of a write, replaceable by the crash-injection test.
 * Each returns what the libc call returns.
 */
struct store_io {
	int (*openat)(int dirfd, const char *name, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*close)(int fd);
	int (*unlinkat)(int dirfd, const char *name, int flags);
	int (*linkat)(int olddirfd, const char *old, int newdirfd, const char *new_, int flags);
	int (*renameat)(int olddirfd, const char *old, int newdirfd, const char *new_);
};

extern const struct store_io store_libc_io;

/* CRC-32 (IEEE 802.3, as zlib's crc32()) of @len bytes, continuing @crc. */
uint32_t store_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * Unlinks @name in @dirfd (0, or -1 with errno), first overwriting its
 * content with zeros and syncing it when no other name reaches the file:
 * state files may hold session keys (EF_KEYS, EF_Kc).  Where the storage
 * remaps writes (flash translation layers, copy-on-write file systems) the
 * old blocks may survive: Documentation/admin-guide/vuiccd.rst.
 */
int store_unlink_wiped(int dirfd, const char *name, const struct store_io *io);

/*
 * Writes @payload under @name in @dirfd crash-safely, with @gen in the
 * header.  Returns 0 or -errno.
 */
int store_write_blob(int dirfd, const char *name, uint16_t kind, uint64_t gen,
		     const uint8_t *payload, size_t len, const struct store_io *io);

/*
 * Reads the newest valid copy of @name (NAME, NAME.tmp or NAME.prev) into
 * a malloc'ed @payload.  Returns 0, -ENOENT when there is none at all,
 * -EBADMSG when copies exist and none is valid.  @note (may be NULL) gets a
 * sentence about copies that were skipped as damaged.
 */
int store_read_blob(int dirfd, const char *name, uint16_t kind, uint8_t **payload,
		    size_t *len, uint64_t *gen, char *note, size_t notelen);

/* Checks one file image: 0 and the payload's place, or -EBADMSG with @why. */
int store_check_image(const uint8_t *img, size_t len, uint16_t kind, size_t *off,
		      size_t *plen, uint64_t *gen, const char **why);

/* Encodings of the payloads; decode returns 0 or -EBADMSG with @why. */
size_t pstate_encode(const struct pstate *ps, uint8_t *out, size_t max);
/* pstate_decode() fills a cleared @ps; on error it is left cleared. */
int pstate_decode(const uint8_t *in, size_t len, struct pstate *ps, const char **why);
size_t cstate_encode(const struct cstate *cs, uint8_t *out, size_t max);
int cstate_decode(const uint8_t *in, size_t len, struct cstate *cs, const char **why);

/* The file names: "C-NAME.state" and "cardC.state". */
void pstate_filename(uint32_t card, const char *name, char *out, size_t max);
void cstate_filename(uint32_t card, char *out, size_t max);

/* Whole-state helpers: encode and write with gen + 1; read and decode. */
int pstate_save(int dirfd, struct pstate *ps, const struct store_io *io);
int pstate_load(int dirfd, uint32_t card, const char *name, struct pstate *ps,
		char *note, size_t notelen);
int cstate_save(int dirfd, struct cstate *cs, const struct store_io *io);
int cstate_load(int dirfd, uint32_t card, struct cstate *cs, char *note, size_t notelen);

/* Wipes and frees the EF contents and zeroes @ps. */
void pstate_clear(struct pstate *ps);

/* The EF at @path in @ps, or NULL; pstate_set_ef() adds or replaces one (-ENOSPC, -ENOMEM). */
struct store_ef *pstate_find_ef(struct pstate *ps, const uint8_t *path, size_t path_len);
int pstate_set_ef(struct pstate *ps, const uint8_t *path, size_t path_len,
		  const uint8_t *data, size_t len);

/*
 * Takes @sqn (an SQN array of @len bytes) into @ps: slot by slot the larger
 * SQN, as an SQN only grows (TS 33.102 Annex C).  A different array size
 * (the profile's ind_bits changed) replaces it.
 */
void pstate_merge_sqn(struct pstate *ps, const uint8_t *sqn, size_t len);

/* 64-bit FNV-1a, for profile file fingerprints. */
uint64_t store_fnv1a(const void *buf, size_t len);

#endif
