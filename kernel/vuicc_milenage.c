// SPDX-License-Identifier: GPL-2.0
/*
 * MILENAGE (3GPP TS 35.206 §4.1) on the kernel's AES library.  Every key
 * schedule and intermediate value is wiped before returning.
 */

#include <crypto/aes.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vuicc_kunit.h"
#include "vuicc_milenage.h"

/* TS 35.206 §4.1: c1 = 0, c2..c5 = 1, 2, 4, 8; r = 64, 0, 32, 64, 96 */
const struct vuicc_milenage_consts vuicc_milenage_default_consts = {
	.c = {
		[1] = { [15] = 0x01 },
		[2] = { [15] = 0x02 },
		[3] = { [15] = 0x04 },
		[4] = { [15] = 0x08 },
	},
	.r = { 64, 0, 32, 64, 96 },
};

VUICC_EXPORT_FOR_KUNIT(vuicc_milenage_default_consts);

/* The state of one computation, wiped as a whole. */
struct vuicc_milenage_work {
	struct crypto_aes_ctx aes;
	u8 temp[16];
	u8 in[16];
	u8 out[16];
};

static void vuicc_xor16(u8 *d, const u8 *a, const u8 *b)
{
	int i;

	for (i = 0; i < 16; i++)
		d[i] = a[i] ^ b[i];
}

/* rot(x, r): x cyclically rotated by r bits towards the most significant bit */
static void vuicc_rot128(u8 *d, const u8 *x, unsigned int r)
{
	unsigned int bytes = (r / 8) % 16, bits = r % 8, i;

	for (i = 0; i < 16; i++) {
		d[i] = x[(i + bytes) % 16] << bits;
		if (bits)
			d[i] |= x[(i + bytes + 1) % 16] >> (8 - bits);
	}
}

/* out = E_K(rot(TEMP ^ OPc, r_n) ^ c_n) ^ OPc: f2..f5* */
static void vuicc_milenage_out(struct vuicc_milenage_work *w, const u8 *opc,
			       const struct vuicc_milenage_consts *mc, int n)
{
	u8 x[16];

	vuicc_xor16(x, w->temp, opc);
	vuicc_rot128(w->in, x, mc->r[n]);
	vuicc_xor16(w->in, w->in, mc->c[n]);
	aes_encrypt(&w->aes, w->out, w->in);
	vuicc_xor16(w->out, w->out, opc);
	memzero_explicit(x, sizeof(x));
}

/* TEMP = E_K(RAND ^ OPc) */
static int vuicc_milenage_temp(struct vuicc_milenage_work *w, const u8 *k,
			       const u8 *opc, const u8 *rand)
{
	int ret = aes_expandkey(&w->aes, k, 16);

	if (ret)
		return ret;
	vuicc_xor16(w->in, rand, opc);
	aes_encrypt(&w->aes, w->temp, w->in);
	return 0;
}

/**
 * vuicc_milenage_opc() - OPc = OP ^ E_K(OP)
 * @k: K, 16 bytes
 * @op: OP, 16 bytes
 * @opc: filled with OPc, 16 bytes
 *
 * Return: 0 or a negative errno.
 */
int vuicc_milenage_opc(const u8 *k, const u8 *op, u8 *opc)
{
	struct vuicc_milenage_work *w = kzalloc(sizeof(*w), GFP_KERNEL);
	int ret;

	if (!w)
		return -ENOMEM;
	ret = aes_expandkey(&w->aes, k, 16);
	if (!ret) {
		aes_encrypt(&w->aes, w->out, op);
		vuicc_xor16(opc, w->out, op);
	}
	kfree_sensitive(w);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_milenage_opc);

/**
 * vuicc_milenage_f1() - f1 and f1*: the network and resynchronisation MACs
 * @k: K, 16 bytes
 * @opc: OPc, 16 bytes
 * @mc: the constants (&vuicc_milenage_default_consts unless the operator chose)
 * @rand: RAND, 16 bytes
 * @sqn: SQN, 6 bytes
 * @amf: AMF, 2 bytes
 * @mac_a: filled with MAC-A (8 bytes), or NULL
 * @mac_s: filled with MAC-S (8 bytes), or NULL
 *
 * Return: 0 or a negative errno.
 */
int vuicc_milenage_f1(const u8 *k, const u8 *opc, const struct vuicc_milenage_consts *mc,
		      const u8 *rand, const u8 *sqn, const u8 *amf, u8 *mac_a, u8 *mac_s)
{
	struct vuicc_milenage_work *w = kzalloc(sizeof(*w), GFP_KERNEL);
	u8 in1[16], x[16];
	int ret;

	if (!w)
		return -ENOMEM;
	ret = vuicc_milenage_temp(w, k, opc, rand);
	if (ret)
		goto out;
	/* IN1 = SQN || AMF || SQN || AMF; OUT1 = E_K(TEMP ^ rot(IN1 ^ OPc, r1) ^ c1) ^ OPc */
	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, in1, 8);
	vuicc_xor16(x, in1, opc);
	vuicc_rot128(w->in, x, mc->r[0]);
	vuicc_xor16(w->in, w->in, w->temp);
	vuicc_xor16(w->in, w->in, mc->c[0]);
	aes_encrypt(&w->aes, w->out, w->in);
	vuicc_xor16(w->out, w->out, opc);
	if (mac_a)
		memcpy(mac_a, w->out, 8);
	if (mac_s)
		memcpy(mac_s, w->out + 8, 8);
	memzero_explicit(in1, sizeof(in1));
	memzero_explicit(x, sizeof(x));
out:
	kfree_sensitive(w);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_milenage_f1);

/**
 * vuicc_milenage_f2345() - f2 (RES), f3 (CK), f4 (IK), f5 (AK) and f5* (AK for AUTS)
 * @k: K, 16 bytes
 * @opc: OPc, 16 bytes
 * @mc: the constants
 * @rand: RAND, 16 bytes
 * @res: filled with RES (8 bytes), or NULL
 * @ck: filled with CK (16 bytes), or NULL
 * @ik: filled with IK (16 bytes), or NULL
 * @ak: filled with AK (6 bytes), or NULL
 * @akstar: filled with AK* (6 bytes), or NULL
 *
 * Return: 0 or a negative errno.
 */
int vuicc_milenage_f2345(const u8 *k, const u8 *opc, const struct vuicc_milenage_consts *mc,
			 const u8 *rand, u8 *res, u8 *ck, u8 *ik, u8 *ak, u8 *akstar)
{
	struct vuicc_milenage_work *w = kzalloc(sizeof(*w), GFP_KERNEL);
	int ret;

	if (!w)
		return -ENOMEM;
	ret = vuicc_milenage_temp(w, k, opc, rand);
	if (ret)
		goto out;
	vuicc_milenage_out(w, opc, mc, 1);	/* OUT2: AK || RES */
	if (ak)
		memcpy(ak, w->out, 6);
	if (res)
		memcpy(res, w->out + 8, 8);
	if (ck) {
		vuicc_milenage_out(w, opc, mc, 2);
		memcpy(ck, w->out, 16);
	}
	if (ik) {
		vuicc_milenage_out(w, opc, mc, 3);
		memcpy(ik, w->out, 16);
	}
	if (akstar) {
		vuicc_milenage_out(w, opc, mc, 4);
		memcpy(akstar, w->out, 6);
	}
out:
	kfree_sensitive(w);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_milenage_f2345);
