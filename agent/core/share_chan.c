// SPDX-License-Identifier: GPL-2.0
/*
 * The profile-sharing secure channel: the handshake and the record layer
 * (the pairing, CPace, is share_chan_pair.c).  No I/O; see share_chan.h for the
 * frames.
 *
 * Handshake (I knows s_r; R has a set of pinned keys):
 *   h  = H(HS_LABEL | version) ; h = H(h | s_r) ; h = H(h | e_i)
 *   M1 carries s_i under key BLAKE2b(key = DH(e_i, s_r), h), AD h, so a
 *   passive observer does not learn who connects; h = H(h | ct)
 *   R decrypts, refuses an s_i it has not pinned; h = H(h | s_i | e_r)
 *   ck = BLAKE2b(key = h, DH(e_i, e_r) | DH(s_i, e_r) | DH(e_i, s_r))
 *   k_i2r, k_r2i, conf_i, conf_r = BLAKE2b(key = ck, label)
 *   M2: conf_r tag = BLAKE2b(key = conf_r, h): needs DH(e_i, s_r), so only
 *   the holder of s_r makes it; M3: the same with conf_i, which needs
 *   DH(s_i, e_r): only the holder of s_i makes it, and a replayed M3 fails
 *   against a fresh e_r.  R takes no record before M3 has checked.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "share_chan_int.h"

#define HS_LABEL	"vuicc-share handshake"

enum {
	HS_NONE,	/* zeroed: wiped, failed or finished */
	HS_I_START,
	HS_I_WAIT2,
	HS_R_WAIT1,
	HS_R_WAIT3,
	HS_DONE,
};

enum { T_HS1 = 0x01, T_HS2 = 0x02, T_HS3 = 0x03 };

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* h = H(h | a) */
static void mix(uint8_t h[32], const uint8_t *a, size_t alen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, h, 32);
	crypto_generichash_update(&st, a, alen);
	crypto_generichash_final(&st, h, 32);
	sodium_memzero(&st, sizeof(st));
}

void sc_mac(uint8_t out[32], const uint8_t key[32], const uint8_t *m, size_t mlen)
{
	crypto_generichash(out, 32, m, mlen, key, 32);
}

void sc_kdf(uint8_t out[32], const uint8_t key[32], const char *label)
{
	sc_mac(out, key, (const uint8_t *)label, strlen(label));
}

int sc_aead_seal(uint8_t *ct, const uint8_t key[32], const uint8_t *pt, size_t len,
		 const uint8_t *ad, size_t ad_len)
{
	return crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, len, ad, ad_len,
							 NULL, zero_nonce, key);
}

int sc_aead_open(uint8_t *pt, const uint8_t key[32], const uint8_t *ct, size_t len,
		 const uint8_t *ad, size_t ad_len)
{
	return crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, len, ad, ad_len,
							 zero_nonce, key);
}

int sc_global_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int sc_identity_new(struct sc_identity *id)
{
	return crypto_box_keypair(id->pk, id->sk) ? -EIO : 0;
}

int sc_identity_from_sk(struct sc_identity *id, const uint8_t sk[SC_KEY_LEN])
{
	memmove(id->sk, sk, SC_KEY_LEN);
	if (crypto_scalarmult_base(id->pk, id->sk)) {
		sc_identity_wipe(id);
		return -EINVAL;
	}
	return 0;
}

void sc_identity_wipe(struct sc_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

/* Handshake */

static void hs_h0(uint8_t h[32])
{
	static const uint8_t label[] = HS_LABEL;
	uint8_t v = SC_VERSION;

	crypto_generichash(h, 32, label, sizeof(label) - 1, NULL, 0);
	mix(h, &v, 1);
}

void sc_hs_wipe(struct sc_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

static int hs_fail(struct sc_hs *hs, int err)
{
	sc_hs_wipe(hs);
	return err;
}

int sc_hs_init_initiator(struct sc_hs *hs, const struct sc_identity *self,
			 const uint8_t peer_pk[SC_KEY_LEN])
{
	sc_hs_wipe(hs);
	hs->role = SC_INITIATOR;
	hs->self = *self;
	memcpy(hs->peer_pk, peer_pk, SC_KEY_LEN);
	hs->state = HS_I_START;
	return 0;
}

int sc_hs_init_responder(struct sc_hs *hs, const struct sc_identity *self,
			 const uint8_t (*pinned)[SC_KEY_LEN], size_t n_pinned)
{
	sc_hs_wipe(hs);
	if (!n_pinned || !pinned)
		return -EINVAL;
	hs->role = SC_RESPONDER;
	hs->self = *self;
	hs->pinned = pinned;
	hs->n_pinned = n_pinned;
	hs->peer_idx = -1;
	hs->state = HS_R_WAIT1;
	return 0;
}

size_t sc_hs_expect(const struct sc_hs *hs)
{
	switch (hs->state) {
	case HS_I_WAIT2:
		return SC_HS2_LEN;
	case HS_R_WAIT1:
		return SC_HS1_LEN;
	case HS_R_WAIT3:
		return SC_HS3_LEN;
	}
	return 0;
}

/*
 * After h has taken s_i and e_r: the session and confirmation keys.
 * e_peer is the other side's ephemeral.
 */
static int hs_derive(struct sc_hs *hs, const uint8_t e_peer[32])
{
	uint8_t dh[96], ck[32];
	const uint8_t *s_i = hs->role == SC_INITIATOR ? hs->self.pk : hs->peer_pk;
	int err = -EBADMSG;

	/* DH(e_i, e_r), DH(s_i, e_r) from whichever side holds the secret */
	if (hs->role == SC_INITIATOR) {
		if (crypto_scalarmult(dh, hs->e_sk, e_peer) ||
		    crypto_scalarmult(dh + 32, hs->self.sk, e_peer))
			goto out;
	} else {
		if (crypto_scalarmult(dh, hs->e_sk, e_peer) ||
		    crypto_scalarmult(dh + 32, hs->e_sk, s_i))
			goto out;
	}
	memcpy(dh + 64, hs->dh_es, 32);
	sc_mac(ck, hs->h, dh, sizeof(dh));
	sc_kdf(hs->k_i2r, ck, "i2r");
	sc_kdf(hs->k_r2i, ck, "r2i");
	sc_kdf(hs->conf_i, ck, "conf-i");
	sc_kdf(hs->conf_r, ck, "conf-r");
	err = 0;
out:
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(hs->e_sk, sizeof(hs->e_sk));
	sodium_memzero(hs->dh_es, sizeof(hs->dh_es));
	return err;
}

static int hs_write1(struct sc_hs *hs, uint8_t *out)
{
	uint8_t k[32];
	int err = -EBADMSG;

	crypto_box_keypair(hs->e_pk, hs->e_sk);
	hs_h0(hs->h);
	mix(hs->h, hs->peer_pk, 32);
	mix(hs->h, hs->e_pk, 32);
	/* a low-order responder key gives an all-zero DH: refused */
	if (crypto_scalarmult(hs->dh_es, hs->e_sk, hs->peer_pk))
		goto out;
	sc_mac(k, hs->dh_es, hs->h, 32);
	out[0] = T_HS1;
	out[1] = SC_VERSION;
	memcpy(out + 2, hs->e_pk, 32);
	sc_aead_seal(out + 34, k, hs->self.pk, 32, hs->h, 32);
	mix(hs->h, out + 34, 32 + SC_TAG_LEN);
	hs->state = HS_I_WAIT2;
	err = 0;
out:
	sodium_memzero(k, sizeof(k));
	return err;
}

static int hs_read1(struct sc_hs *hs, const uint8_t *in, uint8_t *out)
{
	uint8_t k[32], s_i[32];
	const uint8_t *e_i = in + 2;
	size_t i;
	int err = -EBADMSG;

	hs_h0(hs->h);
	mix(hs->h, hs->self.pk, 32);
	mix(hs->h, e_i, 32);
	if (crypto_scalarmult(hs->dh_es, hs->self.sk, e_i))
		goto out;
	sc_mac(k, hs->dh_es, hs->h, 32);
	if (sc_aead_open(s_i, k, in + 34, 32 + SC_TAG_LEN, hs->h, 32))
		goto out;
	mix(hs->h, in + 34, 32 + SC_TAG_LEN);
	err = -EACCES;
	for (i = 0; i < hs->n_pinned; i++)
		if (!sodium_memcmp(s_i, hs->pinned[i], 32))
			break;
	if (i == hs->n_pinned)
		goto out;
	hs->peer_idx = (int)i;
	memcpy(hs->peer_pk, s_i, 32);

	crypto_box_keypair(hs->e_pk, hs->e_sk);
	mix(hs->h, s_i, 32);
	mix(hs->h, hs->e_pk, 32);
	err = hs_derive(hs, e_i);
	if (err)
		goto out;
	out[0] = T_HS2;
	out[1] = SC_VERSION;
	memcpy(out + 2, hs->e_pk, 32);
	sc_mac(out + 34, hs->conf_r, hs->h, 32);
	hs->state = HS_R_WAIT3;
out:
	sodium_memzero(k, sizeof(k));
	sodium_memzero(s_i, sizeof(s_i));
	return err;
}

static int hs_read2(struct sc_hs *hs, const uint8_t *in, uint8_t *out)
{
	uint8_t t[32];
	const uint8_t *e_r = in + 2;
	int err;

	mix(hs->h, hs->self.pk, 32);
	mix(hs->h, e_r, 32);
	err = hs_derive(hs, e_r);
	if (err)
		return err;
	sc_mac(t, hs->conf_r, hs->h, 32);
	err = crypto_verify_32(t, in + 34) ? -EBADMSG : 0;
	sodium_memzero(t, sizeof(t));
	if (err)
		return err;
	out[0] = T_HS3;
	out[1] = SC_VERSION;
	sc_mac(out + 2, hs->conf_i, hs->h, 32);
	hs->state = HS_DONE;
	return 1;
}

static int hs_read3(struct sc_hs *hs, const uint8_t *in)
{
	uint8_t t[32];
	int err;

	sc_mac(t, hs->conf_i, hs->h, 32);
	err = crypto_verify_32(t, in + 2) ? -EBADMSG : 0;
	sodium_memzero(t, sizeof(t));
	if (err)
		return err;
	hs->state = HS_DONE;
	return 1;
}

int sc_hs_step(struct sc_hs *hs, const uint8_t *in, size_t in_len,
	       uint8_t *out, size_t out_cap, size_t *out_len)
{
	static const uint8_t types[] = {
		[HS_I_WAIT2] = T_HS2, [HS_R_WAIT1] = T_HS1, [HS_R_WAIT3] = T_HS3,
	};
	size_t need = sc_hs_expect(hs), olen;
	int ret;

	*out_len = 0;
	switch (hs->state) {
	case HS_I_START:
		olen = SC_HS1_LEN;
		break;
	case HS_I_WAIT2:
		olen = SC_HS3_LEN;
		break;
	case HS_R_WAIT1:
		olen = SC_HS2_LEN;
		break;
	case HS_R_WAIT3:
		olen = 0;
		break;
	default:
		return -EINVAL;
	}
	if (in_len < need)
		return -EAGAIN;
	if (out_cap < olen)
		return -ENOBUFS;
	if (in_len > need)
		return hs_fail(hs, -EPROTO);
	if (need && (in[0] != types[hs->state] || in[1] != SC_VERSION))
		return hs_fail(hs, -EPROTO);

	switch (hs->state) {
	case HS_I_START:
		ret = hs_write1(hs, out);
		break;
	case HS_I_WAIT2:
		ret = hs_read2(hs, in, out);
		break;
	case HS_R_WAIT1:
		ret = hs_read1(hs, in, out);
		break;
	default:
		ret = hs_read3(hs, in);
		break;
	}
	if (ret < 0)
		return hs_fail(hs, ret);
	*out_len = olen;
	return ret;
}

int sc_hs_finish(struct sc_hs *hs, struct sc_session *sess, int *peer_idx)
{
	int init = hs->role == SC_INITIATOR;

	sc_session_wipe(sess);
	if (hs->state != HS_DONE)
		return hs_fail(hs, -EINVAL);
	memcpy(sess->tx_key, init ? hs->k_i2r : hs->k_r2i, SC_KEY_LEN);
	memcpy(sess->rx_key, init ? hs->k_r2i : hs->k_i2r, SC_KEY_LEN);
	sess->ready = true;
	if (peer_idx)
		*peer_idx = init ? 0 : hs->peer_idx;
	sc_hs_wipe(hs);
	return 0;
}

/* Pairing */

/* Records */

void sc_session_wipe(struct sc_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

ssize_t sc_record_need(const uint8_t *buf, size_t have)
{
	size_t len;

	if (have < 2)
		return SC_REC_OVERHEAD;
	len = get_be16(buf);
	if (len > SC_REC_MAX)
		return -EMSGSIZE;
	return (ssize_t)(len + SC_REC_OVERHEAD);
}

static void rec_nonce(uint8_t n[12], uint64_t ctr)
{
	memset(n, 0, 4);
	put_be64(n + 4, ctr);
}

int sc_seal(struct sc_session *s, const uint8_t *pt, size_t pt_len,
	    uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t nonce[12];

	*out_len = 0;
	if (!s->ready)
		return -EINVAL;
	if (pt_len > SC_REC_MAX)
		return -EMSGSIZE;
	/* UINT64_MAX is never sent, so that the counter never wraps */
	if (s->tx_ctr == UINT64_MAX)
		return -EOVERFLOW;
	if (out_cap < pt_len + SC_REC_OVERHEAD)
		return -ENOBUFS;
	put_be16(out, (uint16_t)pt_len);
	put_be64(out + 2, s->tx_ctr);
	rec_nonce(nonce, s->tx_ctr);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + SC_REC_HDR_LEN, NULL, pt, pt_len,
						  out, SC_REC_HDR_LEN, NULL, nonce, s->tx_key);
	s->tx_ctr++;
	*out_len = pt_len + SC_REC_OVERHEAD;
	return 0;
}

/*
 * 0 if ctr is new and inside the window; the window moves on only once
 * the tag has checked (rx_mark), so forged records cannot push it.
 */
static int rx_check(const struct sc_session *s, uint64_t ctr)
{
	uint64_t off;

	if (!s->rx_any || ctr > s->rx_top)
		return 0;
	off = s->rx_top - ctr;
	if (off >= SC_REPLAY_WINDOW)
		return -EALREADY;
	return s->rx_bitmap & (1ULL << off) ? -EALREADY : 0;
}

static void rx_mark(struct sc_session *s, uint64_t ctr)
{
	uint64_t shift;

	if (!s->rx_any) {
		s->rx_any = true;
		s->rx_top = ctr;
		s->rx_bitmap = 1;
	} else if (ctr > s->rx_top) {
		shift = ctr - s->rx_top;
		s->rx_bitmap = shift >= SC_REPLAY_WINDOW ? 0 : s->rx_bitmap << shift;
		s->rx_bitmap |= 1;
		s->rx_top = ctr;
	} else {
		s->rx_bitmap |= 1ULL << (s->rx_top - ctr);
	}
}

int sc_open(struct sc_session *s, const uint8_t *in, size_t in_len,
	    size_t *consumed, uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t nonce[12];
	ssize_t n;
	size_t pt_len;
	uint64_t ctr;
	int err;

	*consumed = 0;
	*out_len = 0;
	if (!s->ready)
		return -EINVAL;
	n = sc_record_need(in, in_len);
	if (n < 0)
		return (int)n;
	if (in_len < (size_t)n)
		return -EAGAIN;
	pt_len = (size_t)n - SC_REC_OVERHEAD;
	if (out_cap < pt_len)
		return -ENOBUFS;
	*consumed = (size_t)n;
	ctr = get_be64(in + 2);
	if (ctr == UINT64_MAX)
		return -EBADMSG;	/* never sent */
	err = rx_check(s, ctr);
	if (err)
		return err;
	rec_nonce(nonce, ctr);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, in + SC_REC_HDR_LEN,
						      pt_len + SC_TAG_LEN, in, SC_REC_HDR_LEN,
						      nonce, s->rx_key)) {
		sodium_memzero(out, pt_len);
		return -EBADMSG;
	}
	rx_mark(s, ctr);
	*out_len = pt_len;
	return 0;
}
