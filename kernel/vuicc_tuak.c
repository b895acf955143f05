// SPDX-License-Identifier: GPL-2.0
/*
 * TUAK (3GPP TS 35.231) and the Keccak-f[1600] permutation it runs on
 * (FIPS 202 §3).  The state is wiped after each function.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vuicc_bytes.h"
#include "vuicc_kunit.h"
#include "vuicc_tuak.h"

/* FIPS 202 §3.2.5: the round constants of iota */
static const u64 vuicc_keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL,
	0x8000000080008000ULL, 0x000000000000808BULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008AULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
	0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800AULL, 0x800000008000000AULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* FIPS 202 §3.2.2: the rotation offsets of rho, lane (x, y) at index x + 5y */
static const u8 vuicc_keccak_rho[25] = {
	0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39,
	41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};

/**
 * vuicc_keccak_f1600() - the Keccak-f[1600] permutation, 24 rounds
 * @state: 200 bytes, lane (x, y) at byte 8 * (x + 5y), little-endian
 */
void vuicc_keccak_f1600(u8 *state)
{
	u64 a[25], b[25], c[5], d;
	int round, x, y;

	for (x = 0; x < 25; x++)
		a[x] = vuicc_get_le64(state + 8 * x);
	for (round = 0; round < 24; round++) {
		/* theta */
		for (x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rol64(c[(x + 1) % 5], 1);
			for (y = 0; y < 25; y += 5)
				a[x + y] ^= d;
		}
		/* rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y]) */
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
					rol64(a[x + 5 * y], vuicc_keccak_rho[x + 5 * y]);
		/* chi */
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
		/* iota */
		a[0] ^= vuicc_keccak_rc[round];
	}
	for (x = 0; x < 25; x++)
		vuicc_put_le64(a[x], state + 8 * x);
	memzero_explicit(a, sizeof(a));
	memzero_explicit(b, sizeof(b));
	memzero_explicit(c, sizeof(c));
}

VUICC_EXPORT_FOR_KUNIT(vuicc_keccak_f1600);

/* TS 35.231 §6: ALGONAME */
static const char vuicc_tuak_name[] = "TUAK1.0";

/* Copies @n bytes to @d in reverse order (TS 35.231 §6 fills INOUT bottom up). */
static void vuicc_rev(u8 *d, const u8 *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		d[i] = s[n - 1 - i];
}

/*
 * TS 35.231 §6: INOUT = TOP(c) | INSTANCE | ALGONAME | RAND | AMF | SQN |
 * KEY | padding, each field reversed, then the permutation as many times
 * as asked.
 */
static int vuicc_tuak_core(u8 *st, const u8 *top, u8 instance, const u8 *rand,
			   const u8 *amf, const u8 *sqn, const u8 *k, unsigned int k_len,
			   unsigned int iterations)
{
	unsigned int i;

	if ((k_len != 16 && k_len != 32) || !iterations)
		return -EINVAL;
	memset(st, 0, VUICC_KECCAK_STATE);
	vuicc_rev(st, top, 32);
	st[32] = instance | (k_len == 32 ? 0x01 : 0x00);
	vuicc_rev(st + 33, vuicc_tuak_name, 7);
	if (rand)
		vuicc_rev(st + 40, rand, 16);
	if (amf)
		vuicc_rev(st + 56, amf, 2);
	if (sqn)
		vuicc_rev(st + 58, sqn, 6);
	vuicc_rev(st + 64, k, k_len);
	st[96] = 0x1F;
	st[135] = 0x80;
	for (i = 0; i < iterations; i++)
		vuicc_keccak_f1600(st);
	return 0;
}

/**
 * vuicc_tuak_topc() - TOPc from TOP and K (TS 35.231 §6.2)
 * @top: TOP, 32 bytes
 * @k: K
 * @k_len: 16 or 32
 * @iterations: Keccak iterations
 * @topc: filled with TOPc, 32 bytes
 *
 * Return: 0 or -EINVAL.
 */
int vuicc_tuak_topc(const u8 *top, const u8 *k, unsigned int k_len,
		    unsigned int iterations, u8 *topc)
{
	u8 *st = kmalloc(VUICC_KECCAK_STATE, GFP_KERNEL);
	int ret;

	if (!st)
		return -ENOMEM;
	ret = vuicc_tuak_core(st, top, 0x00, NULL, NULL, NULL, k, k_len, iterations);
	if (!ret)
		vuicc_rev(topc, st, 32);
	kfree_sensitive(st);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_tuak_topc);

/* INSTANCE bits for an output length (TS 35.231 §6.3) */
static int vuicc_tuak_len_bits(unsigned int len)
{
	switch (len) {
	case 8:
		return 0x08;
	case 16:
		return 0x10;
	case 32:
		return 0x20;
	default:
		return -EINVAL;
	}
}

/**
 * vuicc_tuak_f1() - f1 (MAC-A) or f1* (MAC-S)
 * @t: TOPc, K, iterations
 * @rand: RAND, 16 bytes
 * @sqn: SQN, 6 bytes
 * @amf: AMF, 2 bytes
 * @star: f1* rather than f1
 * @mac: filled with the MAC
 * @mac_len: 8, 16 or 32
 *
 * Return: 0 or -EINVAL.
 */
int vuicc_tuak_f1(const struct vuicc_tuak *t, const u8 *rand, const u8 *sqn,
		  const u8 *amf, bool star, u8 *mac, unsigned int mac_len)
{
	int bits = vuicc_tuak_len_bits(mac_len);
	u8 *st;
	int ret;

	if (bits < 0)
		return bits;
	st = kmalloc(VUICC_KECCAK_STATE, GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	ret = vuicc_tuak_core(st, t->topc, (star ? 0x80 : 0x00) | bits, rand, amf, sqn,
			      t->k, t->k_len, t->iterations);
	if (!ret)
		vuicc_rev(mac, st, mac_len);
	kfree_sensitive(st);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_tuak_f1);

/**
 * vuicc_tuak_f2345() - f2 (RES), f3 (CK), f4 (IK), f5 (AK)
 * @t: TOPc, K, iterations
 * @rand: RAND, 16 bytes
 * @res: filled with RES, or NULL
 * @res_len: 4, 8, 16 or 32
 * @ck: filled with CK, or NULL
 * @ck_len: 16 or 32
 * @ik: filled with IK, or NULL
 * @ik_len: 16 or 32
 * @ak: filled with AK (6 bytes), or NULL
 *
 * Return: 0 or -EINVAL.
 */
int vuicc_tuak_f2345(const struct vuicc_tuak *t, const u8 *rand,
		     u8 *res, unsigned int res_len, u8 *ck, unsigned int ck_len,
		     u8 *ik, unsigned int ik_len, u8 *ak)
{
	int bits = res_len == 4 ? 0 : vuicc_tuak_len_bits(res_len);
	u8 instance = 0x40;
	u8 *st;
	int ret;

	if (bits < 0 || (ck_len != 16 && ck_len != 32) || (ik_len != 16 && ik_len != 32))
		return -EINVAL;
	instance |= bits | (ck_len == 32 ? 0x04 : 0) | (ik_len == 32 ? 0x02 : 0);
	st = kmalloc(VUICC_KECCAK_STATE, GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	ret = vuicc_tuak_core(st, t->topc, instance, rand, NULL, NULL, t->k, t->k_len,
			      t->iterations);
	if (!ret) {
		if (res)
			vuicc_rev(res, st, res_len);
		if (ck)
			vuicc_rev(ck, st + 32, ck_len);
		if (ik)
			vuicc_rev(ik, st + 64, ik_len);
		if (ak)
			vuicc_rev(ak, st + 96, 6);
	}
	kfree_sensitive(st);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_tuak_f2345);

/**
 * vuicc_tuak_f5star() - f5*: the anonymity key of AUTS
 * @t: TOPc, K, iterations
 * @rand: RAND, 16 bytes
 * @akstar: filled with AK*, 6 bytes
 *
 * Return: 0 or -EINVAL.
 */
int vuicc_tuak_f5star(const struct vuicc_tuak *t, const u8 *rand, u8 *akstar)
{
	u8 *st = kmalloc(VUICC_KECCAK_STATE, GFP_KERNEL);
	int ret;

	if (!st)
		return -ENOMEM;
	ret = vuicc_tuak_core(st, t->topc, 0xC0, rand, NULL, NULL, t->k, t->k_len,
			      t->iterations);
	if (!ret)
		vuicc_rev(akstar, st + 96, 6);
	kfree_sensitive(st);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_tuak_f5star);
