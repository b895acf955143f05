/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile files (/etc/vuicc/profiles/NAME.conf): the parser shared by
 * vuiccctl and vuiccd.  Documentation/admin-guide/vuicc-profiles.rst
 * describes the format.
 */
#ifndef VUICC_PROFILE_H
#define VUICC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vuicc.h>

#define PROFILE_ERR_MAX 256
/* kind = card: the highest modem SIM slot a profile may name */
#define PROFILE_SLOT_MAX 8

struct profile_file {
	uint8_t path[VUICC_FILE_PATH_MAX];
	size_t path_len;
	uint8_t data[VUICC_FILE_DATA_MAX];
	size_t len;
	int line;
};

struct profile {
	char name[VUICC_PROFILE_NAME_MAX + 1];
	uint32_t kind;			/* enum vuicc_profile_kind */
	uint32_t role;			/* enum vuicc_profile_role, 0 if none */
	char iccid[21];
	char imsi[16];
	uint8_t mnc_len;		/* 0: the kernel's default (2) */
	uint32_t algorithm;		/* enum vuicc_algorithm */
	uint8_t k[32];
	size_t k_len;
	uint8_t op[32];			/* op, opc, top or topc */
	size_t op_len;
	uint32_t op_attr;		/* VUICC_A_OP, _OPC, _TOP or _TOPC; 0 if none */
	uint8_t milenage_c[80];
	bool has_milenage_c;
	uint8_t milenage_r[5];
	bool has_milenage_r;
	uint16_t tuak_res_bits, tuak_mac_bits, tuak_ck_bits, tuak_ik_bits;
	uint16_t tuak_iterations;	/* 0: default */
	uint8_t gsm_derivation;		/* 0: default */
	int ind_bits;			/* -1: default */
	uint64_t sqn_delta;
	bool has_sqn_delta;
	uint64_t sqn_age_limit;
	bool has_sqn_age_limit;
	uint8_t xor_res_len;		/* 0: default */
	uint8_t sqn_state[6 << VUICC_SQN_IND_BITS_MAX];
	size_t sqn_state_len;		/* 0: none */
	char pin1[9], puk1[9], pin2[9], puk2[9], adm1[17];
	int pin1_enabled;		/* -1: unset */
	/* ranking data for the agent; the kernel never sees it */
	double tariff;
	bool has_tariff;
	char rats[64];
	char plmns[256];
	size_t n_files;
	struct profile_file files[VUICC_FILES_MAX];
	/* the card it goes on (vuiccd; vuiccctl takes --card) */
	int card;
	/* kind = card: a physical card in the modem's slot @slot (1-based);
	 * kind stays VUICC_PROFILE_KIND_SEED for ranking, it is never installed */
	bool hard;
	int slot;
	/* of the file's bytes (profile_load), to see that it changed */
	uint64_t fingerprint;
	/* set when the file is readable by group or others */
	bool loose_permissions;
};

/*
 * Parses a profile from @text (@len bytes) named @fname in messages.
 * Returns 0, or -1 with "FILE:LINE: key 'K': what is wrong" in @err.
 */
int profile_parse(const char *text, size_t len, const char *fname,
		  struct profile *p, char *err, size_t errlen);

/* Reads and parses @path; also sets p->loose_permissions. */
int profile_load(const char *path, struct profile *p, char *err, size_t errlen);

/* Wipes the keys and PINs (call before freeing). */
void profile_wipe(struct profile *p);

/* Resolves a file name ("ADF.USIM/EF.FPLMN", "EF.ICCID", or hex FIDs) to a path from the MF. */
int ef_path_parse(const char *s, uint8_t *path, size_t *len);

/*
 * True for the EFs whose content is a session key (EF_KEYS, EF_KEYSPS,
 * EF_EPSNSC, EF_Kc, the 5GS security contexts...): their data is never
 * printed or logged.
 */
bool ef_path_secret(const uint8_t *path, size_t len);

#endif
