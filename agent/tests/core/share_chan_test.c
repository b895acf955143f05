// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests: the sharing secure channel.  Handshakes both ways with
 * records both ways; unknown keys, bad confirmations and replayed frames
 * refused; pairing with the right and a wrong code; every byte of a record
 * flipped, replays, reordering, the counter's end; truncated, oversized
 * and garbage input to every parser; and a seeded fuzz loop over all of
 * them (VUICC_FUZZ_COUNT iterations, 20000 unless set).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/share_chan.h"
#include "../testlib.h"

static struct sc_identity alice, bob, carol, mallory;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: the fuzz loop must replay the same inputs every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static int zeroed(const void *p, size_t n)
{
	return sodium_is_zero(p, n);
}

/* a full handshake; 0, or the first error with *who: 'I' or 'R' */
static int handshake(const struct sc_identity *ini, const uint8_t *resp_pk,
		     const struct sc_identity *resp, const uint8_t (*pinned)[32],
		     size_t n, struct sc_session *si, struct sc_session *sr, int *idx)
{
	struct sc_hs hi, hr;
	uint8_t m1[SC_HS_MAX_LEN], m2[SC_HS_MAX_LEN], m3[SC_HS_MAX_LEN];
	size_t l1, l2, l3, l4;
	int ret, idx_i = -1;

	CHECK(sc_hs_init_initiator(&hi, ini, resp_pk) == 0);
	CHECK(sc_hs_init_responder(&hr, resp, pinned, n) == 0);
	CHECK(sc_hs_expect(&hi) == 0);
	CHECK(sc_hs_step(&hi, NULL, 0, m1, sizeof(m1), &l1) == 0);
	CHECK(l1 == SC_HS1_LEN && sc_hs_expect(&hi) == SC_HS2_LEN);
	CHECK(sc_hs_expect(&hr) == SC_HS1_LEN);
	ret = sc_hs_step(&hr, m1, l1, m2, sizeof(m2), &l2);
	if (ret)
		goto out;
	CHECK(l2 == SC_HS2_LEN && sc_hs_expect(&hr) == SC_HS3_LEN);
	ret = sc_hs_step(&hi, m2, l2, m3, sizeof(m3), &l3);
	if (ret != 1)
		goto out;
	CHECK(l3 == SC_HS3_LEN);
	ret = sc_hs_step(&hr, m3, l3, m1, sizeof(m1), &l4);
	if (ret != 1)
		goto out;
	CHECK(l4 == 0);
	CHECK(sc_hs_finish(&hi, si, &idx_i) == 0);
	CHECK(sc_hs_finish(&hr, sr, idx) == 0);
	CHECK(idx_i == 0);
	CHECK(zeroed(&hi, sizeof(hi)) && zeroed(&hr, sizeof(hr)));
	ret = 0;
out:
	sc_hs_wipe(&hi);
	sc_hs_wipe(&hr);
	return ret;
}

/* seal on a, open on b, compare */
static int send_one(struct sc_session *a, struct sc_session *b, const uint8_t *pt, size_t len)
{
	static uint8_t rec[SC_REC_MAX_LEN], got[SC_REC_MAX];
	size_t rlen, used, glen;
	int ret;

	ret = sc_seal(a, pt, len, rec, sizeof(rec), &rlen);
	if (ret)
		return ret;
	if (rlen != len + SC_REC_OVERHEAD || sc_record_need(rec, rlen) != (ssize_t)rlen)
		return -EPROTO;
	ret = sc_open(b, rec, rlen, &used, got, sizeof(got), &glen);
	if (ret)
		return ret;
	return used == rlen && glen == len && !memcmp(got, pt, len) ? 0 : -EPROTO;
}

static void exchange(struct sc_session *x, struct sc_session *y)
{
	static uint8_t pt[SC_REC_MAX];
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 300, 4096, SC_REC_MAX };
	size_t i;

	randombytes_buf(pt, sizeof(pt));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK(send_one(x, y, pt, sizes[i]) == 0);
		CHECK(send_one(y, x, pt + 7, sizes[i] > 7 ? sizes[i] - 7 : 0) == 0);
	}
	CHECK(x->tx_ctr == i && y->tx_ctr == i);
}

static void test_identity(void)
{
	struct sc_identity a, b;

	CHECK(sc_identity_new(&a) == 0);
	CHECK(sc_identity_from_sk(&b, a.sk) == 0);
	CHECK_MEM(a.pk, b.pk, 32);
	CHECK(sc_identity_new(&b) == 0);
	CHECK(memcmp(a.pk, b.pk, 32) && memcmp(a.sk, b.sk, 32));
	sc_identity_wipe(&a);
	CHECK(zeroed(&a, sizeof(a)));
	sc_identity_wipe(&b);
}

static void test_handshake(void)
{
	uint8_t pinned[3][32];
	struct sc_session si, sr;
	int idx = -1;

	memcpy(pinned[0], carol.pk, 32);
	memcpy(pinned[1], mallory.pk, 32);
	memcpy(pinned[2], alice.pk, 32);
	CHECK(handshake(&alice, bob.pk, &bob, (const uint8_t (*)[32])pinned, 3, &si, &sr, &idx) == 0);
	CHECK(idx == 2);
	CHECK(si.ready && sr.ready);
	CHECK_MEM(si.tx_key, sr.rx_key, 32);
	CHECK_MEM(si.rx_key, sr.tx_key, 32);
	CHECK(memcmp(si.tx_key, si.rx_key, 32) != 0);
	exchange(&si, &sr);

	/* the other way round, bob initiating */
	memcpy(pinned[0], bob.pk, 32);
	CHECK(handshake(&bob, alice.pk, &alice, (const uint8_t (*)[32])pinned, 1, &si, &sr, &idx) == 0);
	CHECK(idx == 0);
	exchange(&sr, &si);
	sc_session_wipe(&si);
	sc_session_wipe(&sr);
	CHECK(zeroed(&si, sizeof(si)));
	CHECK(sc_seal(&si, (const uint8_t *)"x", 1, pinned[0], sizeof(pinned), &(size_t){ 0 }) == -EINVAL);
}

static void test_handshake_refused(void)
{
	uint8_t pinned[2][32];
	struct sc_session si, sr;
	int idx = -1;

	memcpy(pinned[0], carol.pk, 32);
	memcpy(pinned[1], mallory.pk, 32);
	/* alice is not pinned */
	CHECK(handshake(&alice, bob.pk, &bob, (const uint8_t (*)[32])pinned, 2, &si, &sr, &idx) == -EACCES);
	/* alice takes carol's key for bob's: bob cannot read M1 */
	memcpy(pinned[0], alice.pk, 32);
	CHECK(handshake(&alice, carol.pk, &bob, (const uint8_t (*)[32])pinned, 2, &si, &sr, &idx) == -EBADMSG);
	/* a responder with no pinned key at all */
	{
		struct sc_hs h;

		CHECK(sc_hs_init_responder(&h, &bob, NULL, 0) == -EINVAL);
		CHECK(sc_hs_step(&h, NULL, 0, pinned[0], 64, &(size_t){ 0 }) == -EINVAL);
	}
}

/* runs alice -> bob up to M3 so a test can mangle M2 or M3 */
static void hs_frames(struct sc_hs *hi, struct sc_hs *hr, const uint8_t (*pinned)[32],
		      uint8_t *m1, uint8_t *m2, uint8_t *m3)
{
	size_t l;

	CHECK(sc_hs_init_initiator(hi, &alice, bob.pk) == 0);
	CHECK(sc_hs_init_responder(hr, &bob, pinned, 1) == 0);
	CHECK(sc_hs_step(hi, NULL, 0, m1, SC_HS1_LEN, &l) == 0);
	CHECK(sc_hs_step(hr, m1, SC_HS1_LEN, m2, SC_HS2_LEN, &l) == 0);
	if (m3)
		CHECK(sc_hs_step(hi, m2, SC_HS2_LEN, m3, SC_HS3_LEN, &l) == 1);
}

static void test_handshake_confirm(void)
{
	const uint8_t (*pinned)[32] = (const uint8_t (*)[32])alice.pk;
	uint8_t m1[SC_HS1_LEN], m2[SC_HS2_LEN], m3[SC_HS3_LEN], old3[SC_HS3_LEN], out[SC_HS_MAX_LEN];
	struct sc_hs hi, hr, c;
	struct sc_identity fake;
	size_t i, l;

	/* every byte of M2's e_r and conf_r, and of M3's conf_i */
	hs_frames(&hi, &hr, pinned, m1, m2, NULL);
	for (i = 2; i < SC_HS2_LEN; i++) {
		c = hi;
		m2[i] ^= 0x01;
		CHECK(sc_hs_step(&c, m2, SC_HS2_LEN, out, sizeof(out), &l) == -EBADMSG);
		CHECK(zeroed(&c, sizeof(c)) && l == 0);
		m2[i] ^= 0x01;
	}
	CHECK(sc_hs_step(&hi, m2, SC_HS2_LEN, m3, sizeof(m3), &l) == 1);
	for (i = 2; i < SC_HS3_LEN; i++) {
		c = hr;
		m3[i] ^= 0x80;
		CHECK(sc_hs_step(&c, m3, SC_HS3_LEN, out, sizeof(out), &l) == -EBADMSG);
		CHECK(zeroed(&c, sizeof(c)));
		m3[i] ^= 0x80;
	}
	memcpy(old3, m3, sizeof(m3));
	CHECK(sc_hs_step(&hr, m3, SC_HS3_LEN, out, sizeof(out), &l) == 1);
	sc_hs_wipe(&hi);
	sc_hs_wipe(&hr);

	/* a recorded M1 and M3 replayed: M1 passes, M3 fails on a fresh e_r */
	CHECK(sc_hs_init_responder(&hr, &bob, pinned, 1) == 0);
	CHECK(sc_hs_step(&hr, m1, SC_HS1_LEN, m2, sizeof(m2), &l) == 0);
	CHECK(sc_hs_step(&hr, old3, SC_HS3_LEN, out, sizeof(out), &l) == -EBADMSG);
	CHECK(zeroed(&hr, sizeof(hr)));

	/* mallory claims alice's key without her secret: both ends refuse */
	fake = mallory;
	memcpy(fake.pk, alice.pk, 32);
	CHECK(sc_hs_init_initiator(&hi, &fake, bob.pk) == 0);
	CHECK(sc_hs_init_responder(&hr, &bob, pinned, 1) == 0);
	CHECK(sc_hs_step(&hi, NULL, 0, m1, sizeof(m1), &l) == 0);
	CHECK(sc_hs_step(&hr, m1, SC_HS1_LEN, m2, sizeof(m2), &l) == 0);
	CHECK(sc_hs_step(&hi, m2, SC_HS2_LEN, m3, sizeof(m3), &l) == -EBADMSG);
	memset(m3, 0, sizeof(m3));
	m3[0] = 0x03;
	m3[1] = SC_VERSION;
	CHECK(sc_hs_step(&hr, m3, SC_HS3_LEN, out, sizeof(out), &l) == -EBADMSG);
	sc_identity_wipe(&fake);
}

/* a pairing run; 0 or the first error with *who set */
static int pair(const char *code_a, const char *code_b, uint8_t *a_learnt, uint8_t *b_learnt,
		char *who)
{
	struct sc_pair a, b;
	uint8_t f[SC_PAIR_MAX_LEN], g[SC_PAIR_MAX_LEN];
	size_t l;
	int ret;

	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, code_a) == 0);
	CHECK(sc_pair_init(&b, SC_RESPONDER, bob.pk, code_b) == 0);
	*who = 'A';
	CHECK(sc_pair_step(&a, NULL, 0, f, sizeof(f), &l) == 0 && l == SC_PAIR1_LEN);
	*who = 'B';
	if ((ret = sc_pair_step(&b, f, l, g, sizeof(g), &l)) != 0)
		goto out;
	CHECK(l == SC_PAIR2_LEN);
	*who = 'A';
	if ((ret = sc_pair_step(&a, g, l, f, sizeof(f), &l)) != 0)
		goto out;
	CHECK(l == SC_PAIR3_LEN);
	*who = 'B';
	if ((ret = sc_pair_step(&b, f, l, g, sizeof(g), &l)) != 1)
		goto out;
	CHECK(l == SC_PAIR4_LEN);
	*who = 'A';
	if ((ret = sc_pair_step(&a, g, l, f, sizeof(f), &l)) != 1)
		goto out;
	CHECK(l == 0);
	CHECK(sc_pair_peer(&a, a_learnt) == 0);
	CHECK(sc_pair_peer(&b, b_learnt) == 0);
	ret = 0;
out:
	if (ret) {
		CHECK(sc_pair_peer(&a, a_learnt) == -EINVAL);
		CHECK(sc_pair_peer(&b, b_learnt) == -EINVAL);
	}
	sc_pair_wipe(&a);
	sc_pair_wipe(&b);
	return ret;
}

static void test_pair(void)
{
	uint8_t ka[32], kb[32], pinned[2][32];
	struct sc_session si, sr;
	char who;
	int idx;

	CHECK(pair("12345678", "12345678", ka, kb, &who) == 0);
	CHECK_MEM(ka, bob.pk, 32);
	CHECK_MEM(kb, alice.pk, 32);
	CHECK(pair("000000", "000000", ka, kb, &who) == 0);
	CHECK_MEM(ka, bob.pk, 32);
	/* and the learnt keys carry a handshake */
	memcpy(pinned[0], carol.pk, 32);
	memcpy(pinned[1], kb, 32);
	CHECK(handshake(&alice, ka, &bob, (const uint8_t (*)[32])pinned, 2, &si, &sr, &idx) == 0);
	CHECK(idx == 1);
	exchange(&si, &sr);
}

static void test_pair_wrong_code(void)
{
	struct sc_pair a, a2, b, b2;
	uint8_t p1[SC_PAIR1_LEN], p2[SC_PAIR2_LEN], p2b[SC_PAIR2_LEN];
	uint8_t p3[SC_PAIR3_LEN], p3b[SC_PAIR3_LEN], p4[SC_PAIR4_LEN], out[SC_PAIR_MAX_LEN];
	uint8_t ka[32], kb[32];
	size_t l;
	char who = 0;

	CHECK(pair("123456", "123457", ka, kb, &who) == -EBADMSG && who == 'B');
	CHECK(pair("99999999", "9999999", ka, kb, &who) == -EBADMSG && who == 'B');
	CHECK(pair("654321", "123456", ka, kb, &who) == -EBADMSG && who == 'B');

	/*
	 * B refused; A waits for a P4 that cannot come.  Whatever it gets,
	 * here a genuine P4 of a run with the right code and A's own nonce,
	 * fails: A learns nothing either.
	 */
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, "11112222") == 0);
	CHECK(sc_pair_init(&b, SC_RESPONDER, bob.pk, "11112223") == 0);
	CHECK(sc_pair_init(&b2, SC_RESPONDER, bob.pk, "11112222") == 0);
	CHECK(sc_pair_step(&a, NULL, 0, p1, sizeof(p1), &l) == 0);
	a2 = a;
	CHECK(sc_pair_step(&b, p1, sizeof(p1), p2, sizeof(p2), &l) == 0);
	CHECK(sc_pair_step(&b2, p1, sizeof(p1), p2b, sizeof(p2b), &l) == 0);
	CHECK(sc_pair_step(&a, p2, sizeof(p2), p3, sizeof(p3), &l) == 0);
	CHECK(sc_pair_step(&b, p3, sizeof(p3), out, sizeof(out), &l) == -EBADMSG);
	CHECK(zeroed(&b, sizeof(b)));
	CHECK(sc_pair_step(&a2, p2b, sizeof(p2b), p3b, sizeof(p3b), &l) == 0);
	CHECK(sc_pair_step(&b2, p3b, sizeof(p3b), p4, sizeof(p4), &l) == 1);
	CHECK(sc_pair_step(&a, p4, sizeof(p4), out, sizeof(out), &l) == -EBADMSG);
	CHECK(sc_pair_peer(&a, ka) == -EINVAL);
	CHECK(zeroed(&a, sizeof(a)));
	/* a P3 of another run fails at B too */
	CHECK(sc_pair_init(&b, SC_RESPONDER, bob.pk, "11112222") == 0);
	CHECK(sc_pair_step(&b, p1, sizeof(p1), p2, sizeof(p2), &l) == 0);
	CHECK(sc_pair_step(&b, p3b, sizeof(p3b), out, sizeof(out), &l) == -EBADMSG);
	sc_pair_wipe(&a2);
	sc_pair_wipe(&b2);

	/* codes that do not qualify */
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, "12345") == -EINVAL);
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, "12345a") == -EINVAL);
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, "12345678901234567") == -EINVAL);
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, NULL) == -EINVAL);
	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, "1234567890123456") == 0);
	sc_pair_wipe(&a);
}

/* a fresh session pair, alice (tx) to bob (rx) */
static void session_pair(struct sc_session *tx, struct sc_session *rx)
{
	const uint8_t (*pinned)[32] = (const uint8_t (*)[32])alice.pk;
	int idx;

	CHECK(handshake(&alice, bob.pk, &bob, pinned, 1, tx, rx, &idx) == 0);
}

static void test_record_tamper(void)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	struct sc_session tx, rx, c;
	uint8_t pt[100], rec[100 + SC_REC_OVERHEAD], got[SC_REC_MAX];
	size_t rlen, used, glen, i, j;
	int ret, bad = 0;

	session_pair(&tx, &rx);
	randombytes_buf(pt, sizeof(pt));
	CHECK(sc_seal(&tx, pt, sizeof(pt), rec, sizeof(rec), &rlen) == 0);
	for (i = 0; i < rlen; i++) {
		for (j = 0; j < sizeof(flips); j++) {
			c = rx;
			rec[i] ^= flips[j];
			ret = sc_open(&c, rec, rlen, &used, got, sizeof(got), &glen);
			rec[i] ^= flips[j];
			/* a changed length loses the framing; all else fails the tag */
			if (ret == 0 || glen || (i >= 2 && ret != -EBADMSG) ||
			    memcmp(&c, &rx, sizeof(c)))
				bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(sc_open(&rx, rec, rlen, &used, got, sizeof(got), &glen) == 0);
	CHECK(used == rlen && glen == sizeof(pt) && !memcmp(got, pt, sizeof(pt)));
}

static void test_record_replay(void)
{
	static uint8_t recs[200][40 + SC_REC_OVERHEAD];
	struct sc_session tx, rx;
	uint8_t pt[40], got[64];
	size_t l, used, i;
	int bad = 0;

#define OPEN(n) sc_open(&rx, recs[n], sizeof(recs[n]), &used, got, sizeof(got), &l)
	session_pair(&tx, &rx);
	for (i = 0; i < 200; i++) {
		memset(pt, (int)i, sizeof(pt));
		CHECK(sc_seal(&tx, pt, sizeof(pt), recs[i], sizeof(recs[i]), &l) == 0);
	}
	CHECK(OPEN(0) == 0 && got[0] == 0);
	CHECK(OPEN(0) == -EALREADY && used == sizeof(recs[0]));
	CHECK(OPEN(100) == 0 && got[5] == 100);
	CHECK(OPEN(100) == -EALREADY);
	/* 37..99 are inside the window of 64 below 100: each once */
	for (i = 99; i >= 37; i--)
		if (OPEN(i) != 0 || got[0] != i || OPEN(i) != -EALREADY)
			bad++;
	CHECK(bad == 0);
	CHECK(OPEN(36) == -EALREADY);
	CHECK(OPEN(1) == -EALREADY);
	for (i = 101; i <= 150; i++)
		if (OPEN(i) != 0)
			bad++;
	CHECK(bad == 0);
	CHECK(OPEN(199) == 0);
	CHECK(OPEN(150) == -EALREADY);
	CHECK(OPEN(136) == -EALREADY);		/* 199 - 63 = 136 seen */
	CHECK(OPEN(135) == -EALREADY);		/* out of the window */
	CHECK(OPEN(160) == 0 && got[0] == 160);	/* in the window, not seen */
	CHECK(OPEN(160) == -EALREADY);
	CHECK(OPEN(198) == 0);
	CHECK(rx.rx_top == 199);
#undef OPEN
}

static void test_counter_end(void)
{
	struct sc_session tx, rx;
	uint8_t rec[2][8 + SC_REC_OVERHEAD], got[8];
	size_t l, used;

	session_pair(&tx, &rx);
	tx.tx_ctr = UINT64_MAX - 2;
	CHECK(sc_seal(&tx, (const uint8_t *)"abcdefgh", 8, rec[0], sizeof(rec[0]), &l) == 0);
	CHECK(sc_seal(&tx, (const uint8_t *)"ijklmnop", 8, rec[1], sizeof(rec[1]), &l) == 0);
	CHECK(sc_seal(&tx, (const uint8_t *)"qrstuvwx", 8, rec[1], sizeof(rec[1]), &l) == -EOVERFLOW);
	CHECK(l == 0 && tx.tx_ctr == UINT64_MAX);
	CHECK(sc_seal(&tx, NULL, 0, rec[1], sizeof(rec[1]), &l) == -EOVERFLOW);
	CHECK(sc_open(&rx, rec[0], sizeof(rec[0]), &used, got, sizeof(got), &l) == 0);
	CHECK(!memcmp(got, "abcdefgh", 8));
	CHECK(rx.rx_top == UINT64_MAX - 2);
	/* the record before rec[1] was lost: rec[1] still goes through */
	session_pair(&tx, &rx);
	tx.tx_ctr = UINT64_MAX - 1;
	CHECK(sc_seal(&tx, (const uint8_t *)"ijklmnop", 8, rec[1], sizeof(rec[1]), &l) == 0);
	CHECK(sc_open(&rx, rec[1], sizeof(rec[1]), &used, got, sizeof(got), &l) == 0);
	/* a counter of UINT64_MAX is never sent, so never taken */
	memset(rec[1] + 2, 0xff, 8);
	CHECK(sc_open(&rx, rec[1], sizeof(rec[1]), &used, got, sizeof(got), &l) == -EBADMSG);
}

static void test_record_framing(void)
{
	static uint8_t stream[3 * SC_REC_MAX_LEN], buf[SC_REC_MAX_LEN + 100], pt[SC_REC_MAX + 1];
	static uint8_t got[SC_REC_MAX];
	static const size_t sizes[] = { 0, 1000, SC_REC_MAX };
	struct sc_session tx, rx, c;
	size_t slen = 0, have = 0, pos = 0, l, used, k = 0, i;
	ssize_t need;
	int ret, bad = 0;

	session_pair(&tx, &rx);
	randombytes_buf(pt, sizeof(pt));
	for (i = 0; i < 3; i++) {
		CHECK(sc_seal(&tx, pt, sizes[i], stream + slen, sizeof(stream) - slen, &l) == 0);
		slen += l;
	}
	CHECK(slen == SC_REC_MAX + 1000 + 3 * SC_REC_OVERHEAD);
	/* byte chunks of random sizes, framed by sc_record_need() */
	while (pos < slen || have) {
		size_t n = rnd() % 700;

		if (n > slen - pos)
			n = slen - pos;
		memcpy(buf + have, stream + pos, n);
		have += n;
		pos += n;
		need = sc_record_need(buf, have);
		CHECK(need >= SC_REC_OVERHEAD);
		if (need < 0 || have < (size_t)need) {
			if (pos == slen)
				break;
			CHECK(sc_open(&rx, buf, have, &used, got, sizeof(got), &l) == -EAGAIN);
			continue;
		}
		ret = sc_open(&rx, buf, have, &used, got, sizeof(got), &l);
		CHECK(ret == 0 && used == (size_t)need && k < 3);
		if (ret || k >= 3)
			break;
		CHECK(l == sizes[k] && !memcmp(got, pt, l));
		k++;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	CHECK(k == 3 && have == 0);

	CHECK(sc_record_need(buf, 0) == SC_REC_OVERHEAD);
	CHECK(sc_record_need(buf, 1) == SC_REC_OVERHEAD);
	CHECK(sc_record_need((const uint8_t *)"\x40\x00", 2) == SC_REC_MAX_LEN);
	CHECK(sc_record_need((const uint8_t *)"\x40\x01", 2) == -EMSGSIZE);
	CHECK(sc_record_need((const uint8_t *)"\xff\xff", 2) == -EMSGSIZE);
	CHECK(sc_record_need((const uint8_t *)"\x00\x00", 2) == SC_REC_OVERHEAD);

	/* oversized, truncated and short-buffer input leaves rx alone */
	c = rx;
	memcpy(buf, "\x40\x01", 2);
	CHECK(sc_open(&rx, buf, sizeof(buf), &used, got, sizeof(got), &l) == -EMSGSIZE);
	CHECK(used == 0 && l == 0);
	CHECK(sc_seal(&tx, pt, 1000, buf, sizeof(buf), &l) == 0);
	for (i = 0; i < 1000 + SC_REC_OVERHEAD; i++)
		if (sc_open(&rx, buf, i, &used, got, sizeof(got), &l) != -EAGAIN || used)
			bad++;
	CHECK(bad == 0);
	CHECK(sc_open(&rx, buf, 1000 + SC_REC_OVERHEAD, &used, got, 999, &l) == -ENOBUFS);
	CHECK(!memcmp(&c, &rx, sizeof(c)));
	CHECK(sc_open(&rx, buf, 1000 + SC_REC_OVERHEAD, &used, got, 1000, &l) == 0 && l == 1000);

	/* garbage with a plausible length */
	for (i = 0; i < 100; i++) {
		randombytes_buf(buf, 200);
		buf[0] = 0;
		buf[1] = (uint8_t)(rnd() % 174);
		CHECK(sc_open(&rx, buf, 200, &used, got, sizeof(got), &l) == -EBADMSG);
	}
	CHECK(sc_seal(&tx, pt, SC_REC_MAX + 1, stream, sizeof(stream), &l) == -EMSGSIZE);
	CHECK(sc_seal(&tx, pt, 10, stream, 10 + SC_REC_OVERHEAD - 1, &l) == -ENOBUFS);
	c.ready = false;
	CHECK(sc_open(&c, stream, slen, &used, got, sizeof(got), &l) == -EINVAL);
}

/* truncated, overlong, mistyped and garbage frames to one handshake parser */
static void hs_bad_frames(const struct sc_hs *h, const uint8_t *good, size_t olen)
{
	uint8_t buf[SC_HS_MAX_LEN + 8], out[SC_HS_MAX_LEN];
	size_t n = sc_hs_expect(h), i, l;
	struct sc_hs c;
	int bad = 0;

	memcpy(buf, good, n);
	for (i = 0; i < n; i++) {
		c = *h;
		if (sc_hs_step(&c, buf, i, out, sizeof(out), &l) != -EAGAIN ||
		    memcmp(&c, h, sizeof(c)))
			bad++;
	}
	c = *h;
	if (sc_hs_step(&c, buf, n + 1, out, sizeof(out), &l) != -EPROTO || !zeroed(&c, sizeof(c)))
		bad++;
	c = *h;
	if (olen && (sc_hs_step(&c, buf, n, out, olen - 1, &l) != -ENOBUFS ||
		     memcmp(&c, h, sizeof(c))))
		bad++;
	for (i = 0; i < 2; i++) {
		c = *h;
		buf[i] ^= 0x10;
		if (sc_hs_step(&c, buf, n, out, sizeof(out), &l) != -EPROTO)
			bad++;
		buf[i] ^= 0x10;
	}
	for (i = 0; i < 50; i++) {
		c = *h;
		randombytes_buf(buf + 2, n - 2);
		if (sc_hs_step(&c, buf, n, out, sizeof(out), &l) != -EBADMSG || !zeroed(&c, sizeof(c)))
			bad++;
	}
	/* all-zero keys and tags: low-order points, no valid MAC */
	c = *h;
	memset(buf + 2, 0, n - 2);
	if (sc_hs_step(&c, buf, n, out, sizeof(out), &l) != -EBADMSG)
		bad++;
	CHECK(bad == 0);
}

static void test_hs_garbage(void)
{
	const uint8_t (*pinned)[32] = (const uint8_t (*)[32])alice.pk;
	uint8_t m1[SC_HS1_LEN], m2[SC_HS2_LEN], m3[SC_HS3_LEN], out[SC_HS_MAX_LEN];
	struct sc_hs hi, hr, r0;
	struct sc_session s;
	size_t l;

	CHECK(sc_hs_init_responder(&r0, &bob, pinned, 1) == 0);
	hs_frames(&hi, &hr, pinned, m1, m2, NULL);
	hs_bad_frames(&r0, m1, SC_HS2_LEN);
	hs_bad_frames(&hi, m2, SC_HS3_LEN);
	CHECK(sc_hs_step(&hi, m2, SC_HS2_LEN, m3, sizeof(m3), &l) == 1);
	hs_bad_frames(&hr, m3, 0);
	/* out of turn */
	CHECK(sc_hs_step(&hi, m3, SC_HS3_LEN, out, sizeof(out), &l) == -EINVAL);
	CHECK(sc_hs_finish(&hr, &s, NULL) == -EINVAL && !s.ready);
	CHECK(sc_hs_init_initiator(&hi, &alice, bob.pk) == 0);
	CHECK(sc_hs_step(&hi, m1, 1, out, sizeof(out), &l) == -EPROTO);
	CHECK(sc_hs_step(&hi, NULL, 0, out, sizeof(out), &l) == -EINVAL);
	CHECK(sc_hs_init_initiator(&hi, &alice, bob.pk) == 0);
	CHECK(sc_hs_step(&hi, NULL, 0, out, SC_HS1_LEN - 1, &l) == -ENOBUFS);
	CHECK(sc_hs_step(&hi, NULL, 0, out, SC_HS1_LEN, &l) == 0);
	sc_hs_wipe(&hi);
	sc_hs_wipe(&r0);
}

/* the four pairing frames and the states that take them */
struct pair_run {
	struct sc_pair a_start, b1, a2, b3, a4;
	uint8_t p[5][SC_PAIR_MAX_LEN];
};

static void pair_frames(struct pair_run *r, const char *code)
{
	struct sc_pair a, b;
	size_t l;

	CHECK(sc_pair_init(&a, SC_INITIATOR, alice.pk, code) == 0);
	CHECK(sc_pair_init(&b, SC_RESPONDER, bob.pk, code) == 0);
	r->a_start = a;
	r->b1 = b;
	CHECK(sc_pair_step(&a, NULL, 0, r->p[1], SC_PAIR_MAX_LEN, &l) == 0);
	r->a2 = a;
	CHECK(sc_pair_step(&b, r->p[1], SC_PAIR1_LEN, r->p[2], SC_PAIR_MAX_LEN, &l) == 0);
	r->b3 = b;
	CHECK(sc_pair_step(&a, r->p[2], SC_PAIR2_LEN, r->p[3], SC_PAIR_MAX_LEN, &l) == 0);
	r->a4 = a;
	CHECK(sc_pair_step(&b, r->p[3], SC_PAIR3_LEN, r->p[4], SC_PAIR_MAX_LEN, &l) == 1);
	sc_pair_wipe(&a);
	sc_pair_wipe(&b);
}

static void pair_bad_frames(const struct sc_pair *p, const uint8_t *good, size_t olen,
			    int garbage_err)
{
	uint8_t buf[SC_PAIR_MAX_LEN + 8], out[SC_PAIR_MAX_LEN];
	size_t n = sc_pair_expect(p), i, l;
	struct sc_pair c;
	int bad = 0, ret;

	memcpy(buf, good, n);
	for (i = 0; i < n; i++) {
		c = *p;
		if (sc_pair_step(&c, buf, i, out, sizeof(out), &l) != -EAGAIN ||
		    memcmp(&c, p, sizeof(c)))
			bad++;
	}
	c = *p;
	if (sc_pair_step(&c, buf, n + 1, out, sizeof(out), &l) != -EPROTO || !zeroed(&c, sizeof(c)))
		bad++;
	c = *p;
	if (olen && (sc_pair_step(&c, buf, n, out, olen - 1, &l) != -ENOBUFS ||
		     memcmp(&c, p, sizeof(c))))
		bad++;
	for (i = 0; i < 2; i++) {
		c = *p;
		buf[i] ^= 0x04;
		if (sc_pair_step(&c, buf, n, out, sizeof(out), &l) != -EPROTO)
			bad++;
		buf[i] ^= 0x04;
	}
	for (i = 0; i < 50; i++) {
		c = *p;
		randombytes_buf(buf + 2, n - 2);
		ret = sc_pair_step(&c, buf, n, out, sizeof(out), &l);
		/* garbage_err 1: a random share may be a valid point, or not */
		if (ret != garbage_err && !(garbage_err == 1 && (ret == 0 || ret == -EBADMSG)))
			bad++;
		sc_pair_wipe(&c);
	}
	CHECK(bad == 0);
}

static void test_pair_garbage(void)
{
	static struct pair_run r;
	uint8_t out[SC_PAIR_MAX_LEN];
	struct sc_pair c;
	size_t l;

	pair_frames(&r, "24681357");
	/* P1 is a bare nonce: any nonce goes (the run then fails, see fuzz) */
	pair_bad_frames(&r.b1, r.p[1], SC_PAIR2_LEN, 0);
	pair_bad_frames(&r.a2, r.p[2], SC_PAIR3_LEN, 1);
	/* random 32 bytes are a valid ristretto255 encoding once in ~16 */
	c = r.a2;
	memset(r.p[2] + 18, 0xff, 32);
	CHECK(sc_pair_step(&c, r.p[2], SC_PAIR2_LEN, out, sizeof(out), &l) == -EBADMSG);
	CHECK(zeroed(&c, sizeof(c)));
	c = r.a2;
	memset(r.p[2] + 18, 0, 32);		/* the identity */
	CHECK(sc_pair_step(&c, r.p[2], SC_PAIR2_LEN, out, sizeof(out), &l) == -EBADMSG);
	c = r.b3;
	memset(r.p[3] + 2, 0, 32);
	CHECK(sc_pair_step(&c, r.p[3], SC_PAIR3_LEN, out, sizeof(out), &l) == -EBADMSG);
	pair_frames(&r, "24681357");
	pair_bad_frames(&r.b3, r.p[3], SC_PAIR4_LEN, -EBADMSG);
	pair_bad_frames(&r.a4, r.p[4], 0, -EBADMSG);
	/* out of turn */
	c = r.a_start;
	CHECK(sc_pair_step(&c, r.p[1], 1, out, sizeof(out), &l) == -EPROTO);
	CHECK(sc_pair_step(&c, NULL, 0, out, sizeof(out), &l) == -EINVAL);
	CHECK(sc_pair_peer(&r.a4, out) == -EINVAL);
}

/* a mutation of src into dst: bit flips, byte sets, cuts, growth, noise */
static size_t mutate(uint8_t *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t len = n, i, k;

	memcpy(dst, src, n);
	switch (rnd() % 6) {
	case 0:
		for (k = 1 + rnd() % 4; k; k--)
			dst[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1:
		dst[rnd() % len] = (uint8_t)rnd();
		break;
	case 2:
		len = rnd() % n;
		break;
	case 3:
		k = 1 + rnd() % 16;
		for (i = 0; i < k && len < cap; i++)
			dst[len++] = (uint8_t)rnd();
		break;
	case 4:
		for (i = 2; i < len; i++)
			dst[i] = (uint8_t)rnd();
		break;
	default:
		len = rnd() % cap;
		for (i = 0; i < len; i++)
			dst[i] = (uint8_t)rnd();
		break;
	}
	return len;
}

static void test_fuzz(void)
{
	static struct pair_run r;
	const uint8_t (*pinned)[32] = (const uint8_t (*)[32])alice.pk;
	uint8_t m[4][SC_HS_MAX_LEN], buf[256], out[SC_REC_MAX], rec[48 + SC_REC_OVERHEAD];
	struct sc_hs hi, hr, r0, hc;
	struct sc_pair pc, pc2;
	struct sc_session tx, rx, sc;
	const char *env = getenv("VUICC_FUZZ_COUNT");
	long count = env ? atol(env) : 20000, it;
	const uint8_t *refs[8] = { m[1], m[2], m[3], r.p[1], r.p[2], r.p[3], r.p[4], rec };
	static const size_t ref_lens[8] = {
		SC_HS1_LEN, SC_HS2_LEN, SC_HS3_LEN, SC_PAIR1_LEN, SC_PAIR2_LEN,
		SC_PAIR3_LEN, SC_PAIR4_LEN, 48 + SC_REC_OVERHEAD,
	};
	size_t len, l, used, ref_len;
	const uint8_t *ref;
	int ret, accepted = 0, odd = 0;

	rng_state = 0x1234567887654321ULL;
	CHECK(sc_hs_init_responder(&r0, &bob, pinned, 1) == 0);
	hs_frames(&hi, &hr, pinned, m[1], m[2], NULL);
	hc = hi;
	CHECK(sc_hs_step(&hc, m[2], SC_HS2_LEN, m[3], SC_HS3_LEN, &l) == 1);
	pair_frames(&r, "31415926");
	session_pair(&tx, &rx);
	tx.tx_ctr = 5;
	randombytes_buf(buf, 48);
	CHECK(sc_seal(&tx, buf, 48, rec, sizeof(rec), &l) == 0);

	for (it = 0; it < count; it++) {
		int which = (int)(it % 8);
		bool taken;

		ref = refs[which];
		ref_len = ref_lens[which];
		len = mutate(buf, sizeof(buf), ref, ref_len);
		if (len == ref_len && !memcmp(buf, ref, len))
			continue;

		switch (which) {
		case 0:
			hc = r0;
			ret = sc_hs_step(&hc, buf, len, out, sizeof(out), &l);
			break;
		case 1:
			hc = hi;
			ret = sc_hs_step(&hc, buf, len, out, sizeof(out), &l);
			break;
		case 2:
			hc = hr;
			ret = sc_hs_step(&hc, buf, len, out, sizeof(out), &l);
			break;
		case 3:
			/* a changed nonce is taken; the run must then fail at B */
			pc = r.b1;
			ret = sc_pair_step(&pc, buf, len, out, sizeof(out), &l);
			if (ret == 0) {
				pc2 = r.a2;
				CHECK(sc_pair_step(&pc2, out, l, buf, sizeof(buf), &l) == 0);
				ret = sc_pair_step(&pc, buf, l, out, sizeof(out), &l);
				sc_pair_wipe(&pc2);
			}
			sc_pair_wipe(&pc);
			break;
		case 4:
			pc = r.a2;
			ret = sc_pair_step(&pc, buf, len, out, sizeof(out), &l);
			if (ret == 0) {
				/* a changed nonce or share: B refuses A's P3 */
				pc2 = r.b3;
				ret = sc_pair_step(&pc2, out, l, buf, sizeof(buf), &l);
				sc_pair_wipe(&pc2);
			}
			sc_pair_wipe(&pc);
			break;
		case 5:
			pc = r.b3;
			ret = sc_pair_step(&pc, buf, len, out, sizeof(out), &l);
			sc_pair_wipe(&pc);
			break;
		case 6:
			pc = r.a4;
			ret = sc_pair_step(&pc, buf, len, out, sizeof(out), &l);
			sc_pair_wipe(&pc);
			break;
		default:
			sc = rx;
			(void)sc_record_need(buf, len);
			ret = sc_open(&sc, buf, len, &used, out, sizeof(out), &l);
			/* bytes after an intact record are the next record's */
			if (ret == 0 && used == ref_len && !memcmp(buf, ref, ref_len))
				ret = -EAGAIN;
			break;
		}
		taken = ret >= 0;
		if (taken)
			accepted++;
		else if (ret != -EAGAIN && ret != -EPROTO && ret != -EBADMSG &&
			 ret != -EMSGSIZE && ret != -EALREADY)
			odd++;
	}
	CHECK(accepted == 0);
	CHECK(odd == 0);
	printf("# fuzz: %ld iterations\n", count);
	sc_hs_wipe(&hc);
	sc_hs_wipe(&hi);
	sc_hs_wipe(&hr);
	sc_hs_wipe(&r0);
}

int main(void)
{
	if (sc_global_init())
		return 1;
	sc_identity_new(&alice);
	sc_identity_new(&bob);
	sc_identity_new(&carol);
	sc_identity_new(&mallory);

	RUN(test_identity);
	RUN(test_handshake);
	RUN(test_handshake_refused);
	RUN(test_handshake_confirm);
	RUN(test_pair);
	RUN(test_pair_wrong_code);
	RUN(test_record_tamper);
	RUN(test_record_replay);
	RUN(test_counter_end);
	RUN(test_record_framing);
	RUN(test_hs_garbage);
	RUN(test_pair_garbage);
	RUN(test_fuzz);
	DONE();
}
