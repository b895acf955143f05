// SPDX-License-Identifier: GPL-2.0
/*
 * The profile-sharing secure channel's pairing (share_chan.h): CPace.  No
 * I/O.
 *
 * Pairing (A and B share a short code): CPace.  Both derive the generator
 *   G = ristretto255_from_hash(H64(PAIR_LABEL | version | len | code | sid))
 * with sid = nonce_a | nonce_b, send Y = y * G for a random scalar y and
 * compute K = y * Y_peer.  The transcript sees only Y_a and Y_b: for a
 * guessed code the matching exponent is a discrete log, so a recorded
 * exchange gives no way to test guesses offline; an active attacker tests
 * one code per run (the code then serves no more).  ISK = BLAKE2b(key = K,
 * th) with th = H(label | version | sid | Y_b | Y_a); each side proves it
 * holds ISK with a tag and sends its static pk under ISK-derived AEAD.
 * B checks A's tag before it sends anything that depends on K, so a wrong
 * code fails at B, and A (which then gets no valid P4) learns no key.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "share_chan_int.h"

#define PAIR_LABEL	"vuicc-share pairing"

enum {
	PAIR_NONE,
	PAIR_A_START,
	PAIR_A_WAIT2,
	PAIR_A_WAIT4,
	PAIR_B_WAIT1,
	PAIR_B_WAIT3,
	PAIR_DONE,
};

enum { T_PAIR1 = 0x11, T_PAIR2 = 0x12, T_PAIR3 = 0x13, T_PAIR4 = 0x14 };

void sc_pair_wipe(struct sc_pair *p)
{
	sodium_memzero(p, sizeof(*p));
}

static int pair_fail(struct sc_pair *p, int err)
{
	sc_pair_wipe(p);
	return err;
}

int sc_pair_init(struct sc_pair *p, enum sc_role role,
		 const uint8_t self_pk[SC_KEY_LEN], const char *code)
{
	size_t i, n = code ? strnlen(code, SC_CODE_MAX + 1) : 0;

	sc_pair_wipe(p);
	if (n < SC_CODE_MIN || n > SC_CODE_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return -EINVAL;
	memcpy(p->code, code, n);
	p->code_len = n;
	memcpy(p->self_pk, self_pk, SC_KEY_LEN);
	p->role = role;
	p->state = role == SC_INITIATOR ? PAIR_A_START : PAIR_B_WAIT1;
	return 0;
}

size_t sc_pair_expect(const struct sc_pair *p)
{
	switch (p->state) {
	case PAIR_A_WAIT2:
		return SC_PAIR2_LEN;
	case PAIR_A_WAIT4:
		return SC_PAIR4_LEN;
	case PAIR_B_WAIT1:
		return SC_PAIR1_LEN;
	case PAIR_B_WAIT3:
		return SC_PAIR3_LEN;
	}
	return 0;
}

/* once sid is whole: y and Y = y * G; the code is wiped */
static int pair_share(struct sc_pair *p)
{
	static const uint8_t label[] = PAIR_LABEL;
	crypto_generichash_state st;
	uint8_t v = SC_VERSION, n = (uint8_t)p->code_len;
	uint8_t hg[crypto_core_ristretto255_HASHBYTES], g[32];
	int err = 0;

	crypto_generichash_init(&st, NULL, 0, sizeof(hg));
	crypto_generichash_update(&st, label, sizeof(label) - 1);
	crypto_generichash_update(&st, &v, 1);
	crypto_generichash_update(&st, &n, 1);
	crypto_generichash_update(&st, (const uint8_t *)p->code, p->code_len);
	crypto_generichash_update(&st, p->sid, sizeof(p->sid));
	crypto_generichash_final(&st, hg, sizeof(hg));
	crypto_core_ristretto255_from_hash(g, hg);
	crypto_core_ristretto255_scalar_random(p->y);
	if (crypto_scalarmult_ristretto255(p->Y, p->y, g))
		err = -EIO;	/* G the identity: never, short of a broken hash */
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(hg, sizeof(hg));
	sodium_memzero(g, sizeof(g));
	sodium_memzero(p->code, sizeof(p->code));
	return err;
}

/*
 * From the peer's share: th and A's keys, B's kept in p.  Returns -EBADMSG
 * for a share that is no valid point or gives the identity.
 */
static int pair_keys(struct sc_pair *p, const uint8_t *Y_peer,
		     uint8_t k_conf_a[32], uint8_t k_enc_a[32])
{
	static const uint8_t label[] = PAIR_LABEL " transcript";
	const uint8_t *Y_a = p->role == SC_INITIATOR ? p->Y : Y_peer;
	const uint8_t *Y_b = p->role == SC_INITIATOR ? Y_peer : p->Y;
	crypto_generichash_state st;
	uint8_t v = SC_VERSION, K[32], isk[32];
	int err = -EBADMSG;

	if (!crypto_core_ristretto255_is_valid_point(Y_peer) ||
	    crypto_scalarmult_ristretto255(K, p->y, Y_peer))
		goto out;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, label, sizeof(label) - 1);
	crypto_generichash_update(&st, &v, 1);
	crypto_generichash_update(&st, p->sid, sizeof(p->sid));
	crypto_generichash_update(&st, Y_b, 32);
	crypto_generichash_update(&st, Y_a, 32);
	crypto_generichash_final(&st, p->th, 32);
	sc_mac(isk, K, p->th, 32);
	sc_kdf(k_conf_a, isk, "conf-a");
	sc_kdf(k_enc_a, isk, "enc-a");
	sc_kdf(p->k_conf_b, isk, "conf-b");
	sc_kdf(p->k_enc_b, isk, "enc-b");
	err = 0;
out:
	sodium_memzero(K, sizeof(K));
	sodium_memzero(isk, sizeof(isk));
	sodium_memzero(p->y, sizeof(p->y));
	return err;
}

static int pair_read2(struct sc_pair *p, const uint8_t *in, uint8_t *out)
{
	uint8_t k_conf_a[32], k_enc_a[32];
	int err;

	memcpy(p->sid + SC_NONCE_LEN, in + 2, SC_NONCE_LEN);
	/* refuse a bad Y_b before spending the code on it */
	if (!crypto_core_ristretto255_is_valid_point(in + 2 + SC_NONCE_LEN))
		return -EBADMSG;
	err = pair_share(p);
	if (err)
		return err;
	err = pair_keys(p, in + 2 + SC_NONCE_LEN, k_conf_a, k_enc_a);
	if (err)
		goto out;
	out[0] = T_PAIR3;
	out[1] = SC_VERSION;
	memcpy(out + 2, p->Y, 32);
	sc_mac(out + 34, k_conf_a, p->th, 32);
	sc_aead_seal(out + 66, k_enc_a, p->self_pk, 32, p->th, 32);
	p->state = PAIR_A_WAIT4;
out:
	sodium_memzero(k_conf_a, sizeof(k_conf_a));
	sodium_memzero(k_enc_a, sizeof(k_enc_a));
	return err;
}

static int pair_read3(struct sc_pair *p, const uint8_t *in, uint8_t *out)
{
	uint8_t k_conf_a[32], k_enc_a[32], t[32];
	int err;

	err = pair_keys(p, in + 2, k_conf_a, k_enc_a);
	if (err)
		goto out;
	err = -EBADMSG;
	sc_mac(t, k_conf_a, p->th, 32);
	if (crypto_verify_32(t, in + 34) ||
	    sc_aead_open(p->peer_pk, k_enc_a, in + 66, 32 + SC_TAG_LEN, p->th, 32))
		goto out;
	out[0] = T_PAIR4;
	out[1] = SC_VERSION;
	sc_mac(out + 2, p->k_conf_b, p->th, 32);
	sc_aead_seal(out + 34, p->k_enc_b, p->self_pk, 32, p->th, 32);
	p->state = PAIR_DONE;
	err = 1;
out:
	sodium_memzero(k_conf_a, sizeof(k_conf_a));
	sodium_memzero(k_enc_a, sizeof(k_enc_a));
	sodium_memzero(t, sizeof(t));
	return err;
}

static int pair_read4(struct sc_pair *p, const uint8_t *in)
{
	uint8_t t[32];
	int err = -EBADMSG;

	sc_mac(t, p->k_conf_b, p->th, 32);
	if (crypto_verify_32(t, in + 2) ||
	    sc_aead_open(p->peer_pk, p->k_enc_b, in + 34, 32 + SC_TAG_LEN, p->th, 32))
		goto out;
	p->state = PAIR_DONE;
	err = 1;
out:
	sodium_memzero(t, sizeof(t));
	return err;
}

/* The length of what @state writes; -EINVAL for a state that takes nothing. */
static int pair_out_len(int state, size_t *olen)
{
	switch (state) {
	case PAIR_A_START:
		*olen = SC_PAIR1_LEN;
		return 0;
	case PAIR_A_WAIT2:
		*olen = SC_PAIR3_LEN;
		return 0;
	case PAIR_A_WAIT4:
		*olen = 0;
		return 0;
	case PAIR_B_WAIT1:
		*olen = SC_PAIR2_LEN;
		return 0;
	case PAIR_B_WAIT3:
		*olen = SC_PAIR4_LEN;
		return 0;
	}
	return -EINVAL;
}

/* A: P1, its nonce */
static void pair_write1(struct sc_pair *p, uint8_t *out)
{
	randombytes_buf(p->sid, SC_NONCE_LEN);
	out[0] = T_PAIR1;
	out[1] = SC_VERSION;
	memcpy(out + 2, p->sid, SC_NONCE_LEN);
	p->state = PAIR_A_WAIT2;
}

/* B: P1 read; P2, its nonce and Y_b */
static int pair_read1(struct sc_pair *p, const uint8_t *in, uint8_t *out)
{
	int err;

	memcpy(p->sid, in + 2, SC_NONCE_LEN);
	randombytes_buf(p->sid + SC_NONCE_LEN, SC_NONCE_LEN);
	err = pair_share(p);
	if (err)
		return err;
	out[0] = T_PAIR2;
	out[1] = SC_VERSION;
	memcpy(out + 2, p->sid + SC_NONCE_LEN, SC_NONCE_LEN);
	memcpy(out + 2 + SC_NONCE_LEN, p->Y, 32);
	p->state = PAIR_B_WAIT3;
	return 0;
}

/* done: keep the two public keys, nothing secret */
static void pair_done(struct sc_pair *p)
{
	uint8_t self_pk[32], peer_pk[32];
	int role = p->role;

	memcpy(self_pk, p->self_pk, 32);
	memcpy(peer_pk, p->peer_pk, 32);
	sc_pair_wipe(p);
	memcpy(p->self_pk, self_pk, 32);
	memcpy(p->peer_pk, peer_pk, 32);
	p->role = role;
	p->state = PAIR_DONE;
}

int sc_pair_step(struct sc_pair *p, const uint8_t *in, size_t in_len,
		 uint8_t *out, size_t out_cap, size_t *out_len)
{
	static const uint8_t types[] = {
		[PAIR_A_WAIT2] = T_PAIR2, [PAIR_A_WAIT4] = T_PAIR4,
		[PAIR_B_WAIT1] = T_PAIR1, [PAIR_B_WAIT3] = T_PAIR3,
	};
	size_t need = sc_pair_expect(p), olen;
	int ret;

	*out_len = 0;
	if (pair_out_len(p->state, &olen))
		return -EINVAL;
	if (in_len < need)
		return -EAGAIN;
	if (out_cap < olen)
		return -ENOBUFS;
	if (in_len > need)
		return pair_fail(p, -EPROTO);
	if (need && (in[0] != types[p->state] || in[1] != SC_VERSION))
		return pair_fail(p, -EPROTO);

	ret = 0;
	switch (p->state) {
	case PAIR_A_START:
		pair_write1(p, out);
		break;
	case PAIR_A_WAIT2:
		ret = pair_read2(p, in, out);
		break;
	case PAIR_A_WAIT4:
		ret = pair_read4(p, in);
		break;
	case PAIR_B_WAIT1:
		ret = pair_read1(p, in, out);
		break;
	default:
		ret = pair_read3(p, in, out);
		break;
	}
	if (ret < 0)
		return pair_fail(p, ret);
	if (ret == 1)
		pair_done(p);
	*out_len = olen;
	return ret;
}

int sc_pair_peer(const struct sc_pair *p, uint8_t pk[SC_KEY_LEN])
{
	if (p->state != PAIR_DONE)
		return -EINVAL;
	memcpy(pk, p->peer_pk, SC_KEY_LEN);
	return 0;
}

