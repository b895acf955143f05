/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MILENAGE, 3GPP TS 35.205/35.206.
 */
#ifndef _VUICC_MILENAGE_H
#define _VUICC_MILENAGE_H

#include <linux/types.h>

/**
 * struct vuicc_milenage_consts - operator-chosen constants (TS 35.206 §4.1)
 * @c: c1..c5, 128 bits each
 * @r: r1..r5, rotations in bits (0..127)
 */
struct vuicc_milenage_consts {
	u8 c[5][16];
	u8 r[5];
};

extern const struct vuicc_milenage_consts vuicc_milenage_default_consts;

int vuicc_milenage_opc(const u8 *k, const u8 *op, u8 *opc);
int vuicc_milenage_f1(const u8 *k, const u8 *opc, const struct vuicc_milenage_consts *mc,
		      const u8 *rand, const u8 *sqn, const u8 *amf, u8 *mac_a, u8 *mac_s);
int vuicc_milenage_f2345(const u8 *k, const u8 *opc, const struct vuicc_milenage_consts *mc,
			 const u8 *rand, u8 *res, u8 *ck, u8 *ik, u8 *ak, u8 *akstar);

#endif /* _VUICC_MILENAGE_H */
