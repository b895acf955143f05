/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Authentication: the profile's algorithm behind one interface, SQN
 * freshness (3GPP TS 33.102 Annex C.3), and the c2/c3 conversions.
 */
#ifndef _VUICC_AUTH_H
#define _VUICC_AUTH_H

#include <linux/types.h>

struct vuicc_profile;

#define VUICC_RAND_LEN		16
#define VUICC_AUTS_LEN		14
/* TS 33.102 §6.3.3: MAC-S is computed with a dummy AMF of zero */
#define VUICC_MAC_S_LEN		8

/**
 * struct vuicc_auth_out - what f2..f5* give for one RAND
 * @res: RES
 * @res_len: bytes in @res
 * @ck: CK
 * @ck_len: bytes in @ck
 * @ik: IK
 * @ik_len: bytes in @ik
 * @ak: AK
 * @akstar: AK* (for AUTS)
 *
 * Holds session keys: wipe it (memzero_explicit) after use.
 */
struct vuicc_auth_out {
	u8 res[32];
	u8 res_len;
	u8 ck[32];
	u8 ck_len;
	u8 ik[32];
	u8 ik_len;
	u8 ak[6];
	u8 akstar[6];
};

/* How a freshness check ended (TS 33.102 Annex C.2-C.3). */
enum vuicc_sqn_verdict {
	VUICC_SQN_FRESH,
	VUICC_SQN_REPLAY,	/* SEQ not above the one of its IND slot */
	VUICC_SQN_TOO_FAR,	/* more than delta above the highest */
	VUICC_SQN_TOO_OLD,	/* more than the age limit below the highest */
};

int vuicc_auth_prepare(struct vuicc_profile *p);
unsigned int vuicc_auth_mac_len(const struct vuicc_profile *p);
int vuicc_auth_f1(const struct vuicc_profile *p, const u8 *rand, const u8 *sqn,
		  const u8 *amf, bool star, u8 *mac);
int vuicc_auth_f2345(const struct vuicc_profile *p, const u8 *rand,
		     struct vuicc_auth_out *out);
int vuicc_auth_gsm_context(const struct vuicc_profile *p, const u8 *rand, u8 *sres, u8 *kc);
int vuicc_auth_run_gsm(const struct vuicc_profile *p, const u8 *rand, u8 *sres, u8 *kc);
void vuicc_auth_c2(const u8 *res, unsigned int res_len, unsigned int derivation, u8 *sres);
void vuicc_auth_c3(const u8 *ck, unsigned int ck_len, const u8 *ik, unsigned int ik_len,
		   u8 *kc);
enum vuicc_sqn_verdict vuicc_sqn_check(const struct vuicc_profile *p, u64 sqn);
u64 vuicc_sqn_highest(const struct vuicc_profile *p);

#endif /* _VUICC_AUTH_H */
