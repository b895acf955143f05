/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profiles: the subscriptions installed on a card, with their keys.
 */
#ifndef _VUICC_PROFILE_H
#define _VUICC_PROFILE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#include <uapi/linux/vuicc.h>

/* TS 102 221 §9: a PIN or PUK value is 8 bytes, padded with FF */
#define VUICC_PIN_LEN		8
/* 3GPP TS 33.102 §6.3.2: SQN is 48 bits */
#define VUICC_SQN_LEN		6
#define VUICC_SQN_IND_BITS_DEFAULT	5
/* TS 33.102 Annex C.2.1: the default bound of a SEQ jump, 2^28 */
#define VUICC_SQN_DELTA_DEFAULT		BIT_ULL(28)

/**
 * struct vuicc_secrets - what never leaves the kernel
 * @k: the subscriber key K (16 bytes, or 32 for TUAK)
 * @k_len: length of @k
 * @op: OP or OPc (Milenage, 16 bytes), TOP or TOPc (TUAK, 32 bytes)
 * @op_len: length of @op; 0 for XOR
 * @op_is_c: @op holds OPc/TOPc rather than OP/TOP
 * @milenage_c: operator-chosen c1..c5 (when @has_milenage_consts)
 * @milenage_r: operator-chosen r1..r5
 * @has_milenage_consts: @milenage_c and @milenage_r are set
 * @pin: PIN1, PUK1, PIN2, PUK2 and ADM1, 8 bytes each, FF-padded
 * @pin_set: which of @pin are set
 *
 * Allocated on its own and freed with kfree_sensitive(), so that it is
 * wiped whatever path frees the profile.
 */
struct vuicc_secrets {
	u8 k[32];
	u8 k_len;
	u8 op[32];
	u8 op_len;
	bool op_is_c;
	u8 milenage_c[5][16];
	u8 milenage_r[5];
	bool has_milenage_consts;
	u8 pin[5][VUICC_PIN_LEN];
	bool pin_set[5];
};

enum vuicc_pin_ref {
	VUICC_PIN1,
	VUICC_PUK1,
	VUICC_PIN2,
	VUICC_PUK2,
	VUICC_ADM1,
};

/**
 * struct vuicc_file_content - the content of one EF, from the profile or
 *	persisted by the agent
 * @path: FIDs from the MF, big-endian
 * @path_len: bytes in @path, even
 * @len: bytes in @data
 * @data: the content
 */
struct vuicc_file_content {
	u8 path[VUICC_FILE_PATH_MAX];
	u8 path_len;
	u16 len;
	u8 data[];
};

/**
 * struct vuicc_profile - a profile installed on a card
 * @node: in the card's list
 * @name: unique on the card
 * @kind: &enum vuicc_profile_kind
 * @role: &enum vuicc_profile_role, 0 for a VSIM
 * @iccid: decimal digits
 * @imsi: decimal digits
 * @mnc_len: 2 or 3
 * @algorithm: &enum vuicc_algorithm
 * @tuak_res_bits: TUAK output lengths and iterations
 * @tuak_mac_bits: see @tuak_res_bits
 * @tuak_ck_bits: see @tuak_res_bits
 * @tuak_ik_bits: see @tuak_res_bits
 * @tuak_iterations: see @tuak_res_bits
 * @xor_res_len: RES length of the XOR test algorithm
 * @gsm_derivation: 1 or 2, how SRES comes from RES in a GSM context
 * @sqn_ind_bits: IND bits of the SQN array
 * @sqn_delta: largest accepted SEQ jump, 0 for none
 * @sqn_age_limit: oldest accepted SEQ below the highest, 0 for none
 * @sqn: the SQN array, 1 << @sqn_ind_bits entries
 * @pin1_enabled: PIN1 must be verified after power-up
 * @secrets: keys and PINs
 * @n_files: entries in @files
 * @files: EF contents over the template, as given
 * @fs: the file system built from the template, the identity and @files
 * @pin_tries: retries left for PIN1, PUK1, PIN2, PUK2 and ADM1
 * @state_seq: counts the persistent changes (EF updates, accepted
 *	challenges) since the profile was added; state-ntf and state-get carry it
 */
struct vuicc_profile {
	struct list_head node;
	char name[VUICC_PROFILE_NAME_MAX + 1];
	u32 kind;
	u32 role;
	char iccid[21];
	char imsi[16];
	u8 mnc_len;
	u32 algorithm;
	u16 tuak_res_bits;
	u16 tuak_mac_bits;
	u16 tuak_ck_bits;
	u16 tuak_ik_bits;
	u16 tuak_iterations;
	u8 xor_res_len;
	u8 gsm_derivation;
	u8 sqn_ind_bits;
	u64 sqn_delta;
	u64 sqn_age_limit;
	u64 *sqn;
	bool pin1_enabled;
	struct vuicc_secrets *secrets;
	unsigned int n_files;
	struct vuicc_file_content *files[VUICC_FILES_MAX];
	struct vuicc_fs *fs;
	u8 pin_tries[5];
	u64 state_seq;
};

struct vuicc_profile *vuicc_profile_alloc(void);
void vuicc_profile_free(struct vuicc_profile *p);

bool vuicc_profile_name_valid(const char *name);
bool vuicc_digits_valid(const char *s, size_t min, size_t max);
int vuicc_pin_encode(const char *s, enum vuicc_pin_ref ref, u8 *out);
int vuicc_file_path_check(const u8 *path, size_t len);

#endif /* _VUICC_PROFILE_H */
