// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's sharing: what a push carries (the profile's text and the card's
 * dynamic state without the secret EFs), and share_mode compare's sealed
 * copies: a slave keeps the profile and its state sealed under the lease's
 * key after a deactivation, in its store, and the master derives the keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "lib/store.h"
#include "share_glue.h"

#define STORE_KIND_SEALED	4

/* ---- the dynamic state on the wire: a pstate without the secret EFs ---- */

size_t vs_state_blob(const struct pstate *from, uint8_t *out, size_t max)
{
	struct pstate *t = calloc(1, sizeof(*t));
	size_t i, n = 0;

	if (!t)
		return 0;
	snprintf(t->name, sizeof(t->name), "%s", from->name);
	t->sqn_len = from->sqn_len;
	memcpy(t->sqn, from->sqn, from->sqn_len);
	/* session keys stay behind: the next holder authenticates afresh */
	for (i = 0; i < from->n_efs; i++)
		if (!ef_path_secret(from->efs[i].path, from->efs[i].path_len))
			pstate_set_ef(t, from->efs[i].path, from->efs[i].path_len,
				      from->efs[i].data, from->efs[i].len);
	n = pstate_encode(t, out, max);
	pstate_clear(t);
	free(t);
	return n > max ? 0 : n;
}

/*
 * What a push carries: the profile text's length (4 bytes), the text, the
 * card's dynamic state (vs_state_blob()).  0 when it does not fit in @max.
 */
size_t vs_push_blob(const char *text, size_t text_len, const struct pstate *ps,
		    uint8_t *out, size_t max)
{
	size_t n;

	if (4 + text_len > max)
		return 0;
	out[0] = (uint8_t)(text_len >> 24);
	out[1] = (uint8_t)(text_len >> 16);
	out[2] = (uint8_t)(text_len >> 8);
	out[3] = (uint8_t)text_len;
	memcpy(out + 4, text, text_len);
	if (!ps)
		return 4 + text_len;
	n = vs_state_blob(ps, out + 4 + text_len, max - 4 - text_len);
	/* a card state that does not fit would start the next card afresh: refuse */
	if (!n && (ps->sqn_len || ps->n_efs))
		return 0;
	return 4 + text_len + n;
}

/* ---- share_mode compare: sealed copies ---- */

/* The key of the copy that peer @peer seals under lease @epoch. */
void vs_copy_key(struct vshare *v, int peer, uint64_t epoch, uint8_t key[SHARE_KEY_LEN])
{
	uint8_t msg[SC_KEY_LEN + 8];
	int i;

	memcpy(msg, v->cfg->share_peer_key[peer], SC_KEY_LEN);
	for (i = 0; i < 8; i++)
		msg[SC_KEY_LEN + i] = (uint8_t)(epoch >> (56 - 8 * i));
	crypto_generichash(key, SHARE_KEY_LEN, msg, sizeof(msg), v->wrap, sizeof(v->wrap));
}

static void sealed_name(struct vshare *v, char *name, size_t max)
{
	snprintf(name, max, "share-%s.sealed", v->cfg->share_profile);
}

void vs_sealed_drop(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16], path[VUICC_PROFILE_NAME_MAX + 24];
	static const char *const suffix[] = { "", ".prev", ".tmp" };
	size_t i;

	if (v->sealed) {
		sodium_memzero(v->sealed, v->sealed_len);
		free(v->sealed);
	}
	v->sealed = NULL;
	v->sealed_len = 0;
	v->sealed_saved_version = 0;
	v->s.version = 0;
	v->s.copy_epoch = 0;
	memset(v->s.digest, 0, sizeof(v->s.digest));
	sealed_name(v, name, sizeof(name));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", name, suffix[i]);
		store_unlink_wiped(v->store->dirfd, path, v->store->io);
	}
}

/* The copy held, with the version the master gave its state, on disk. */
void vs_sealed_save(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16];
	uint8_t *buf;
	size_t n = 48 + v->sealed_len;
	int i;

	buf = malloc(n);
	if (!buf)
		return;
	for (i = 0; i < 8; i++) {
		buf[i] = (uint8_t)(v->s.version >> (56 - 8 * i));
		buf[8 + i] = (uint8_t)(v->s.copy_epoch >> (56 - 8 * i));
	}
	memcpy(buf + 16, v->s.digest, 32);
	memcpy(buf + 48, v->sealed, v->sealed_len);
	sealed_name(v, name, sizeof(name));
	if (!store_write_blob(v->store->dirfd, name, STORE_KIND_SEALED, v->s.version, buf, n, v->store->io))
		v->sealed_saved_version = v->s.version;
	free(buf);
}

void vs_sealed_load(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16];
	uint8_t *buf = NULL;
	uint64_t gen;
	size_t n;
	int i;

	sealed_name(v, name, sizeof(name));
	if (store_read_blob(v->store->dirfd, name, STORE_KIND_SEALED, &buf, &n, &gen, NULL, 0) ||
	    n <= 48 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
		free(buf);
		return;
	}
	for (i = 0; i < 8; i++) {
		v->s.version = v->s.version << 8 | buf[i];
		v->s.copy_epoch = v->s.copy_epoch << 8 | buf[8 + i];
	}
	memcpy(v->s.digest, buf + 16, 32);
	v->sealed_len = n - 48;
	v->sealed = malloc(v->sealed_len);
	if (v->sealed)
		memcpy(v->sealed, buf + 48, v->sealed_len);
	else
		v->s.version = 0;
	v->sealed_saved_version = v->s.version;
	free(buf);
	log_info("share: a sealed copy of %s is held (state version %llu)",
		 v->cfg->share_profile, (unsigned long long)v->s.version);
}

/* After a deactivation: profile and state sealed under the lease's key, the key gone. */
void vs_sealed_make(struct vshare *v, const uint8_t *state, size_t state_len)
{
	size_t pt_len = 4 + v->held_text_len + state_len;
	uint8_t *pt = malloc(pt_len);
	uint8_t *box = malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + pt_len);

	if (!pt || !box || !v->held_text) {
		free(pt);
		free(box);
		vs_sealed_drop(v);
		return;
	}
	vs_push_blob(v->held_text, v->held_text_len, NULL, pt, pt_len);
	memcpy(pt + 4 + v->held_text_len, state, state_len);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, pt, pt_len, box, v->grant_key);
	sodium_memzero(pt, pt_len);
	free(pt);
	if (v->sealed) {
		sodium_memzero(v->sealed, v->sealed_len);
		free(v->sealed);
	}
	v->sealed = box;
	v->sealed_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + pt_len;
	crypto_generichash(v->s.digest, SHARE_DIGEST_LEN, (const uint8_t *)v->held_text,
			   v->held_text_len, NULL, 0);
	v->s.copy_epoch = v->key_epoch;
	v->sealed_saved_version = 0;
}

