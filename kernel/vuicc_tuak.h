/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TUAK, 3GPP TS 35.231, on Keccak-f[1600].
 */
#ifndef _VUICC_TUAK_H
#define _VUICC_TUAK_H

#include <linux/types.h>

#define VUICC_KECCAK_STATE	200

/**
 * struct vuicc_tuak - what a TUAK computation needs besides its inputs
 * @topc: TOPc, 32 bytes
 * @k: K, 16 or 32 bytes
 * @k_len: bytes in @k
 * @iterations: Keccak iterations
 */
struct vuicc_tuak {
	const u8 *topc;
	const u8 *k;
	unsigned int k_len;
	unsigned int iterations;
};

void vuicc_keccak_f1600(u8 *state);
int vuicc_tuak_topc(const u8 *top, const u8 *k, unsigned int k_len,
		    unsigned int iterations, u8 *topc);
int vuicc_tuak_f1(const struct vuicc_tuak *t, const u8 *rand, const u8 *sqn,
		  const u8 *amf, bool star, u8 *mac, unsigned int mac_len);
int vuicc_tuak_f2345(const struct vuicc_tuak *t, const u8 *rand,
		     u8 *res, unsigned int res_len, u8 *ck, unsigned int ck_len,
		     u8 *ik, unsigned int ik_len, u8 *ak);
int vuicc_tuak_f5star(const struct vuicc_tuak *t, const u8 *rand, u8 *akstar);

#endif /* _VUICC_TUAK_H */
