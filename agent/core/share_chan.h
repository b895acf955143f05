/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secure channel between two devices that share a profile
 * (Documentation/admin-guide/vuicc-sharing.rst).  Sans-IO: every function
 * takes the bytes received and writes the bytes to send into the caller's
 * buffers; the caller moves them over its stream (TCP, RFCOMM).
 *
 * Three parts, each a plain struct the caller owns and wipes:
 *
 * Pairing (struct sc_pair): a one-time code authenticates a CPace
 * exchange on ristretto255, under whose key the two static X25519 public
 * keys are exchanged and confirmed.  Frames (all fixed-size, byte 0 the
 * type, byte 1 the version):
 *   P1 A->B  0x11 | 1 | nonce_a (16)                            18 bytes
 *   P2 B->A  0x12 | 1 | nonce_b (16) | Y_b (32)                 50 bytes
 *   P3 A->B  0x13 | 1 | Y_a (32) | tag_a (32) | AEAD(pk_a) (48) 114 bytes
 *   P4 B->A  0x14 | 1 | tag_b (32) | AEAD(pk_b) (48)            82 bytes
 *
 * Handshake (struct sc_hs): both static keys pinned; the initiator names
 * the responder's, the responder matches the initiator's in its set.
 *   M1 I->R  0x01 | 1 | e_i (32) | AEAD(s_i) (48)               82 bytes
 *   M2 R->I  0x02 | 1 | e_r (32) | conf_r (32)                  66 bytes
 *   M3 I->R  0x03 | 1 | conf_i (32)                             34 bytes
 *
 * Records (struct sc_session), after the handshake:
 *   length (2, BE: ciphertext bytes, tag excluded) | counter (8, BE) |
 *   ciphertext | tag (16)
 * ChaCha20-Poly1305 (IETF), nonce 0^4 | counter, the 10-byte header as
 * associated data, a 64-record replay window.
 *
 * Errors are negative errnos; the ones a caller should tell apart:
 *   -EAGAIN	not enough bytes yet (nothing changed; call again with more)
 *   -EMSGSIZE	a record longer than SC_REC_MAX (the stream is lost)
 *   -EBADMSG	a tag, MAC or key check failed (tampered, wrong key or code)
 *   -EALREADY	a record counter already seen or older than the window
 *   -EACCES	the initiator's static key is not pinned by the responder
 *   -EPROTO	a frame of the wrong type, version or length
 *   -EOVERFLOW	the send counter is exhausted: a new handshake is due
 *   -ENOBUFS	the caller's output buffer is too small (nothing changed)
 *   -EINVAL	a call out of turn or on a failed state
 * A handshake or pairing that fails (anything but -EAGAIN and -ENOBUFS)
 * is wiped and stays failed.  A record that fails leaves the session as
 * it was.
 */
#ifndef VUICC_SHARE_CHAN_H
#define VUICC_SHARE_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SC_VERSION		1
#define SC_KEY_LEN		32
#define SC_TAG_LEN		16	/* AEAD tag */
#define SC_MAC_LEN		32	/* BLAKE2b confirmation tags */
#define SC_NONCE_LEN		16	/* pairing nonces */

#define SC_HS1_LEN		(2 + 32 + 32 + SC_TAG_LEN)
#define SC_HS2_LEN		(2 + 32 + SC_MAC_LEN)
#define SC_HS3_LEN		(2 + SC_MAC_LEN)
#define SC_HS_MAX_LEN		SC_HS1_LEN

#define SC_PAIR1_LEN		(2 + SC_NONCE_LEN)
#define SC_PAIR2_LEN		(2 + SC_NONCE_LEN + 32)
#define SC_PAIR3_LEN		(2 + 32 + SC_MAC_LEN + 32 + SC_TAG_LEN)
#define SC_PAIR4_LEN		(2 + SC_MAC_LEN + 32 + SC_TAG_LEN)
#define SC_PAIR_MAX_LEN		SC_PAIR3_LEN
#define SC_CODE_MIN		6
#define SC_CODE_MAX		16

#define SC_REC_HDR_LEN		10
#define SC_REC_OVERHEAD		(SC_REC_HDR_LEN + SC_TAG_LEN)
#define SC_REC_MAX		16384	/* plaintext bytes in one record */
#define SC_REC_MAX_LEN		(SC_REC_MAX + SC_REC_OVERHEAD)
#define SC_REPLAY_WINDOW	64

enum sc_role { SC_INITIATOR, SC_RESPONDER };

struct sc_identity {
	uint8_t pk[SC_KEY_LEN];
	uint8_t sk[SC_KEY_LEN];
};

struct sc_session {
	uint8_t tx_key[SC_KEY_LEN];
	uint8_t rx_key[SC_KEY_LEN];
	uint64_t tx_ctr;	/* the next counter to send */
	uint64_t rx_top;	/* the highest counter received */
	uint64_t rx_bitmap;	/* bit n: rx_top - n received */
	bool rx_any;
	bool ready;
};

struct sc_hs {
	int role, state;
	struct sc_identity self;
	uint8_t peer_pk[SC_KEY_LEN];	/* the responder's, or the one matched */
	const uint8_t (*pinned)[SC_KEY_LEN];
	size_t n_pinned;
	int peer_idx;
	uint8_t e_pk[SC_KEY_LEN], e_sk[SC_KEY_LEN];
	uint8_t h[32];			/* transcript hash */
	uint8_t dh_es[32];		/* DH(e_i, s_r), kept for the split */
	uint8_t conf_i[SC_KEY_LEN], conf_r[SC_KEY_LEN];
	uint8_t k_i2r[SC_KEY_LEN], k_r2i[SC_KEY_LEN];
};

struct sc_pair {
	int role, state;
	uint8_t self_pk[SC_KEY_LEN];
	uint8_t peer_pk[SC_KEY_LEN];
	char code[SC_CODE_MAX + 1];
	size_t code_len;
	uint8_t sid[2 * SC_NONCE_LEN];	/* nonce_a | nonce_b */
	uint8_t y[32], Y[32];		/* own CPace scalar and share */
	uint8_t th[32];			/* transcript hash */
	uint8_t k_conf_b[SC_KEY_LEN], k_enc_b[SC_KEY_LEN];
};

int sc_global_init(void);

int sc_identity_new(struct sc_identity *id);
int sc_identity_from_sk(struct sc_identity *id, const uint8_t sk[SC_KEY_LEN]);
void sc_identity_wipe(struct sc_identity *id);

/*
 * The handshake.  The caller calls sc_hs_step() with the bytes of the next
 * frame (sc_hs_expect() of them; none for the initiator's first step) and
 * sends what it writes to out.  It returns 0 (go on), 1 (done: send out,
 * then sc_hs_finish()) or a negative errno.  The responder's pinned keys
 * must outlive the handshake.
 */
int sc_hs_init_initiator(struct sc_hs *hs, const struct sc_identity *self,
			 const uint8_t peer_pk[SC_KEY_LEN]);
int sc_hs_init_responder(struct sc_hs *hs, const struct sc_identity *self,
			 const uint8_t (*pinned)[SC_KEY_LEN], size_t n_pinned);
size_t sc_hs_expect(const struct sc_hs *hs);
int sc_hs_step(struct sc_hs *hs, const uint8_t *in, size_t in_len,
	       uint8_t *out, size_t out_cap, size_t *out_len);
/* moves the keys into sess and wipes hs; *peer_idx: the pinned key matched */
int sc_hs_finish(struct sc_hs *hs, struct sc_session *sess, int *peer_idx);
void sc_hs_wipe(struct sc_hs *hs);

/*
 * Pairing, driven as the handshake.  A (SC_INITIATOR) and B (SC_RESPONDER)
 * hold the same code: SC_CODE_MIN..SC_CODE_MAX ASCII digits.  Once step
 * returned 1, sc_pair_peer() gives the key to pin.  Each run lets an
 * active attacker try one code: after a failure, or a connection lost
 * before the end, the caller throws the code away and shows a new one.
 */
int sc_pair_init(struct sc_pair *p, enum sc_role role,
		 const uint8_t self_pk[SC_KEY_LEN], const char *code);
size_t sc_pair_expect(const struct sc_pair *p);
int sc_pair_step(struct sc_pair *p, const uint8_t *in, size_t in_len,
		 uint8_t *out, size_t out_cap, size_t *out_len);
int sc_pair_peer(const struct sc_pair *p, uint8_t pk[SC_KEY_LEN]);
void sc_pair_wipe(struct sc_pair *p);

/*
 * Records.  sc_record_need() tells how many bytes the record at the head
 * of buf takes in all: SC_REC_OVERHEAD while fewer than 2 bytes are in
 * (ask again with more), -EMSGSIZE if its length exceeds SC_REC_MAX.
 * sc_open() takes the record at the head of in (*consumed: its size, also
 * set on -EBADMSG and -EALREADY so the caller may skip it).
 */
ssize_t sc_record_need(const uint8_t *buf, size_t have);
int sc_seal(struct sc_session *s, const uint8_t *pt, size_t pt_len,
	    uint8_t *out, size_t out_cap, size_t *out_len);
int sc_open(struct sc_session *s, const uint8_t *in, size_t in_len,
	    size_t *consumed, uint8_t *out, size_t out_cap, size_t *out_len);
void sc_session_wipe(struct sc_session *s);

#endif
