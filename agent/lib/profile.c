// SPDX-License-Identifier: GPL-2.0
/*
 * Profile files: flat "key = value" lines, '#' comments, and sections
 * "[file NAME]" holding "data = HEX" for EF contents.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"
#include "lines.h"
#include "profile.h"
#include "store.h"

/* The largest profile file we read: 32 EFs of 4 KiB in hex, and change. */
#define PROFILE_TEXT_MAX (512 * 1024)

struct ef_name {
	const char *name;
	uint16_t fid;
	const char *parent;	/* NULL: the MF */
};

/* ETSI TS 102 221 §13, 3GPP TS 31.102 §4, TS 51.011 §10 */
static const struct ef_name ef_names[] = {
	{ "EF.DIR", 0x2F00, NULL },
	{ "EF.ICCID", 0x2FE2, NULL },
	{ "EF.PL", 0x2F05, NULL },
	{ "EF.ARR", 0x2F06, NULL },
	{ "ADF.USIM", 0x7FFF, NULL },
	{ "DF.TELECOM", 0x7F10, NULL },
	{ "DF.GSM", 0x7F20, NULL },
	{ "EF.LI", 0x6F05, "ADF.USIM" },
	{ "EF.IMSI", 0x6F07, "ADF.USIM" },
	{ "EF.KEYS", 0x6F08, "ADF.USIM" },
	{ "EF.KEYSPS", 0x6F09, "ADF.USIM" },
	{ "EF.HPPLMN", 0x6F31, "ADF.USIM" },
	{ "EF.ARR", 0x6F06, "ADF.USIM" },
	{ "EF.UST", 0x6F38, "ADF.USIM" },
	{ "EF.SMS", 0x6F3C, "ADF.USIM" },
	{ "EF.GID1", 0x6F3E, "ADF.USIM" },
	{ "EF.GID2", 0x6F3F, "ADF.USIM" },
	{ "EF.MSISDN", 0x6F40, "ADF.USIM" },
	{ "EF.SMSP", 0x6F42, "ADF.USIM" },
	{ "EF.SMSS", 0x6F43, "ADF.USIM" },
	{ "EF.SPN", 0x6F46, "ADF.USIM" },
	{ "EF.EST", 0x6F56, "ADF.USIM" },
	{ "EF.START-HFN", 0x6F5B, "ADF.USIM" },
	{ "EF.THRESHOLD", 0x6F5C, "ADF.USIM" },
	{ "EF.PLMNwACT", 0x6F60, "ADF.USIM" },
	{ "EF.OPLMNwACT", 0x6F61, "ADF.USIM" },
	{ "EF.HPLMNwACT", 0x6F62, "ADF.USIM" },
	{ "EF.PSLOCI", 0x6F73, "ADF.USIM" },
	{ "EF.ACC", 0x6F78, "ADF.USIM" },
	{ "EF.FPLMN", 0x6F7B, "ADF.USIM" },
	{ "EF.LOCI", 0x6F7E, "ADF.USIM" },
	{ "EF.AD", 0x6FAD, "ADF.USIM" },
	{ "EF.ECC", 0x6FB7, "ADF.USIM" },
	{ "EF.NETPAR", 0x6FC4, "ADF.USIM" },
	{ "EF.EPSLOCI", 0x6FE3, "ADF.USIM" },
	{ "EF.EPSNSC", 0x6FE4, "ADF.USIM" },
	{ "DF.GSM-ACCESS", 0x5F3B, "ADF.USIM" },
	{ "EF.KC", 0x4F20, "DF.GSM-ACCESS" },
	{ "EF.KCGPRS", 0x4F52, "DF.GSM-ACCESS" },
	{ "DF.5GS", 0x5FC0, "ADF.USIM" },
	{ "EF.5GS3GPPLOCI", 0x4F01, "DF.5GS" },
	{ "EF.5GSN3GPPLOCI", 0x4F02, "DF.5GS" },
	{ "EF.5GS3GPPNSC", 0x4F03, "DF.5GS" },
	{ "EF.5GSN3GPPNSC", 0x4F04, "DF.5GS" },
	{ "EF.5GAUTHKEYS", 0x4F05, "DF.5GS" },
	{ "EF.UAC_AIC", 0x4F06, "DF.5GS" },
	{ "EF.SUCI_CALC_INFO", 0x4F07, "DF.5GS" },
	{ "EF.OPL5G", 0x4F08, "DF.5GS" },
	{ "EF.ROUTING_INDICATOR", 0x4F0A, "DF.5GS" },
	{ "EF.LP", 0x6F05, "DF.GSM" },
	{ "EF.IMSI", 0x6F07, "DF.GSM" },
	{ "EF.KC", 0x6F20, "DF.GSM" },
	{ "EF.PLMNsel", 0x6F30, "DF.GSM" },
	{ "EF.HPPLMN", 0x6F31, "DF.GSM" },
	{ "EF.SST", 0x6F38, "DF.GSM" },
	{ "EF.GID1", 0x6F3E, "DF.GSM" },
	{ "EF.GID2", 0x6F3F, "DF.GSM" },
	{ "EF.SPN", 0x6F46, "DF.GSM" },
	{ "EF.BCCH", 0x6F74, "DF.GSM" },
	{ "EF.ACC", 0x6F78, "DF.GSM" },
	{ "EF.FPLMN", 0x6F7B, "DF.GSM" },
	{ "EF.LOCI", 0x6F7E, "DF.GSM" },
	{ "EF.AD", 0x6FAD, "DF.GSM" },
	{ "EF.PHASE", 0x6FAE, "DF.GSM" },
	{ "EF.ADN", 0x6F3A, "DF.TELECOM" },
	{ "EF.SMS", 0x6F3C, "DF.TELECOM" },
	{ "EF.MSISDN", 0x6F40, "DF.TELECOM" },
	{ "EF.SMSP", 0x6F42, "DF.TELECOM" },
	{ "EF.SMSS", 0x6F43, "DF.TELECOM" },
};

static const struct ef_name *ef_lookup(const char *name, size_t n, const char *parent)
{
	size_t i;

	for (i = 0; i < sizeof(ef_names) / sizeof(ef_names[0]); i++) {
		const struct ef_name *e = &ef_names[i];

		if (strlen(e->name) != n || strncasecmp(e->name, name, n))
			continue;
		if ((!e->parent && !parent) ||
		    (e->parent && parent && !strcmp(e->parent, parent)))
			return e;
	}
	return NULL;
}

int ef_path_parse(const char *s, uint8_t *path, size_t *len)
{
	const char *parent = NULL, *seg = s, *slash;
	const struct ef_name *e;
	long n;
	size_t seglen;

	/* raw FIDs: "3F007FFF6F7B" */
	n = hex_decode(s, path, VUICC_FILE_PATH_MAX);
	if (n >= 4 && n % 2 == 0 && path[0] == 0x3F && path[1] == 0x00) {
		*len = (size_t)n;
		return 0;
	}
	path[0] = 0x3F;
	path[1] = 0x00;
	*len = 2;
	if (!strncasecmp(s, "MF/", 3))
		seg = s + 3;
	while (*seg) {
		slash = strchr(seg, '/');
		seglen = slash ? (size_t)(slash - seg) : strlen(seg);
		e = ef_lookup(seg, seglen, parent);
		if (!e || *len + 2 > VUICC_FILE_PATH_MAX)
			return -1;
		path[(*len)++] = e->fid >> 8;
		path[(*len)++] = e->fid & 0xff;
		parent = e->name;
		if (!slash)
			break;
		seg = slash + 1;
	}
	return *len >= 4 ? 0 : -1;
}

/* ---- the parser ---- */

struct parser {
	struct lines l;
	unsigned long long seen;	/* keys already given, by index */
	struct profile_file *file;	/* the [file] section being read */
};

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int get_hex(struct parser *ps, const char *key, const char *v,
		   uint8_t *out, size_t max, size_t *len)
{
	long n = hex_decode(v, out, max);

	if (n < 0) {
		/* say how long it was, if it was hex at all */
		static uint8_t scratch[VUICC_FILE_DATA_MAX * 2];
		long m = hex_decode(v, scratch, sizeof(scratch));

		memset(scratch, 0, sizeof(scratch));
		if (m > (long)max)
			return lines_err(&ps->l, key, "%ld bytes; at most %zu", m, max);
		return lines_err(&ps->l, key, "not hex (an even number of 0-9 a-f digits)");
	}
	*len = (size_t)n;
	return 0;
}

static int get_uint(struct parser *ps, const char *key, const char *v,
		    unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return lines_err(&ps->l, key, "'%s' is not a number", v);
	*out = strtoull(v, &end, 0);
	if (errno || *end || *out > max)
		return lines_err(&ps->l, key, "'%s' is not a number from 0 to %llu", v, max);
	return 0;
}

static int get_bool(struct parser *ps, const char *key, const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return lines_err(&ps->l, key, "'%s' is not yes or no", v);
	return 0;
}

static int get_str(struct parser *ps, const char *key, const char *v, char *out, size_t size)
{
	if (strlen(v) >= size)
		return lines_err(&ps->l, key, "longer than %zu characters", size - 1);
	strcpy(out, v);
	return 0;
}

enum pkey {
	K_NAME, K_KIND, K_ROLE, K_ICCID, K_IMSI, K_MNC_LEN, K_ALGORITHM, K_K, K_OP,
	K_OPC, K_TOP, K_TOPC, K_MILENAGE_C, K_MILENAGE_R, K_TUAK_RES_BITS,
	K_TUAK_MAC_BITS, K_TUAK_CK_BITS, K_TUAK_IK_BITS, K_TUAK_ITERATIONS,
	K_GSM_DERIVATION, K_IND_BITS, K_SQN_DELTA, K_SQN_AGE_LIMIT, K_PIN1, K_PUK1,
	K_PIN2, K_PUK2, K_ADM1, K_PIN1_ENABLED, K_TARIFF, K_RATS, K_PLMNS, K_XOR_RES_LEN,
	K_SQN_STATE, K_CARD, K_SLOT, K_COUNT
};

static const char *const pkeys[K_COUNT] = {
	"name", "kind", "role", "iccid", "imsi", "mnc_len", "algorithm", "k", "op",
	"opc", "top", "topc", "milenage_c", "milenage_r", "tuak_res_bits",
	"tuak_mac_bits", "tuak_ck_bits", "tuak_ik_bits", "tuak_iterations",
	"gsm_derivation", "ind_bits", "sqn_delta", "sqn_age_limit", "pin1", "puk1",
	"pin2", "puk2", "adm1", "pin1_enabled", "tariff", "rats", "plmns", "xor_res_len",
	"sqn_state", "card", "slot",
};

static int set_op(struct parser *ps, struct profile *p, const char *key,
		  const char *v, size_t want, uint32_t attr)
{
	size_t n;

	if (p->op_attr)
		return lines_err(&ps->l, key, "give only one of op, opc, top and topc");
	if (get_hex(ps, key, v, p->op, sizeof(p->op), &n))
		return -1;
	if (n != want)
		return lines_err(&ps->l, key, "%zu bytes; %s is %zu bytes", n, key, want);
	p->op_len = n;
	p->op_attr = attr;
	return 0;
}

static int set_key(struct parser *ps, struct profile *p, const char *key, const char *v)
{
	unsigned long long u;
	size_t n;
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(key, pkeys[k]))
			break;
	if (k == K_COUNT)
		return lines_err(&ps->l, key, "unknown key");
	if (ps->seen & (1ULL << k))
		return lines_err(&ps->l, key, "given twice");
	ps->seen |= 1ULL << k;

	switch (k) {
	case K_NAME:
		if (get_str(ps, key, v, p->name, sizeof(p->name)))
			return -1;
		for (n = 0; p->name[n]; n++)
			if (!isalnum((unsigned char)p->name[n]) && !strchr("._-", p->name[n]))
				return lines_err(&ps->l, key,
						 "use only letters, digits, '.', '_' and '-'");
		if (!n)
			return lines_err(&ps->l, key, "empty");
		return 0;
	case K_KIND:
		if (!strcmp(v, "seed"))
			p->kind = VUICC_PROFILE_KIND_SEED;
		else if (!strcmp(v, "vsim"))
			p->kind = VUICC_PROFILE_KIND_VSIM;
		else if (!strcmp(v, "card"))
			p->kind = VUICC_PROFILE_KIND_SEED, p->hard = true;
		else
			return lines_err(&ps->l, key, "'%s': seed, vsim or card", v);
		return 0;
	case K_ROLE:
		if (!strcmp(v, "master"))
			p->role = VUICC_PROFILE_ROLE_MASTER;
		else if (!strcmp(v, "standby"))
			p->role = VUICC_PROFILE_ROLE_STANDBY;
		else
			return lines_err(&ps->l, key, "'%s': master or standby", v);
		return 0;
	case K_ICCID:
		if (!all_digits(v, 18, 20))
			return lines_err(&ps->l, key, "18 to 20 digits");
		strcpy(p->iccid, v);
		return 0;
	case K_IMSI:
		if (!all_digits(v, 6, 15))
			return lines_err(&ps->l, key, "6 to 15 digits");
		strcpy(p->imsi, v);
		return 0;
	case K_MNC_LEN:
		if (strcmp(v, "2") && strcmp(v, "3"))
			return lines_err(&ps->l, key, "2 or 3");
		p->mnc_len = (uint8_t)(v[0] - '0');
		return 0;
	case K_ALGORITHM:
		if (!strcmp(v, "milenage"))
			p->algorithm = VUICC_ALGORITHM_MILENAGE;
		else if (!strcmp(v, "tuak"))
			p->algorithm = VUICC_ALGORITHM_TUAK;
		else if (!strcmp(v, "xor"))
			p->algorithm = VUICC_ALGORITHM_XOR;
		else
			return lines_err(&ps->l, key, "'%s': milenage, tuak or xor", v);
		return 0;
	case K_K:
		if (get_hex(ps, key, v, p->k, sizeof(p->k), &n))
			return -1;
		if (n != 16 && n != 32)
			return lines_err(&ps->l, key, "%zu bytes; K is 16 bytes (32 for TUAK)", n);
		p->k_len = n;
		return 0;
	case K_OP:
		return set_op(ps, p, key, v, 16, VUICC_A_OP);
	case K_OPC:
		return set_op(ps, p, key, v, 16, VUICC_A_OPC);
	case K_TOP:
		return set_op(ps, p, key, v, 32, VUICC_A_TOP);
	case K_TOPC:
		return set_op(ps, p, key, v, 32, VUICC_A_TOPC);
	case K_MILENAGE_C:
		if (get_hex(ps, key, v, p->milenage_c, sizeof(p->milenage_c), &n))
			return -1;
		if (n != 80)
			return lines_err(&ps->l, key, "%zu bytes; c1..c5 are 80 bytes", n);
		p->has_milenage_c = true;
		return 0;
	case K_MILENAGE_R:
		if (get_hex(ps, key, v, p->milenage_r, sizeof(p->milenage_r), &n))
			return -1;
		if (n != 5)
			return lines_err(&ps->l, key, "%zu bytes; r1..r5 are 5 bytes", n);
		for (n = 0; n < 5; n++)
			if (p->milenage_r[n] > 127)
				return lines_err(&ps->l, key, "rotations are 0 to 127 bits");
		p->has_milenage_r = true;
		return 0;
	case K_TUAK_RES_BITS:
		if (get_uint(ps, key, v, 256, &u))
			return -1;
		if (u != 32 && u != 64 && u != 128 && u != 256)
			return lines_err(&ps->l, key, "32, 64, 128 or 256");
		p->tuak_res_bits = (uint16_t)u;
		return 0;
	case K_TUAK_MAC_BITS:
		if (get_uint(ps, key, v, 256, &u))
			return -1;
		if (u != 64 && u != 128 && u != 256)
			return lines_err(&ps->l, key, "64, 128 or 256");
		p->tuak_mac_bits = (uint16_t)u;
		return 0;
	case K_TUAK_CK_BITS:
	case K_TUAK_IK_BITS:
		if (get_uint(ps, key, v, 256, &u))
			return -1;
		if (u != 128 && u != 256)
			return lines_err(&ps->l, key, "128 or 256");
		if (k == K_TUAK_CK_BITS)
			p->tuak_ck_bits = (uint16_t)u;
		else
			p->tuak_ik_bits = (uint16_t)u;
		return 0;
	case K_TUAK_ITERATIONS:
		if (get_uint(ps, key, v, 255, &u))
			return -1;
		if (!u)
			return lines_err(&ps->l, key, "1 to 255");
		p->tuak_iterations = (uint16_t)u;
		return 0;
	case K_GSM_DERIVATION:
		if (strcmp(v, "1") && strcmp(v, "2"))
			return lines_err(&ps->l, key, "1 or 2");
		p->gsm_derivation = (uint8_t)(v[0] - '0');
		return 0;
	case K_IND_BITS:
		if (get_uint(ps, key, v, VUICC_SQN_IND_BITS_MAX, &u))
			return -1;
		p->ind_bits = (int)u;
		return 0;
	case K_SQN_DELTA:
		if (get_uint(ps, key, v, (1ULL << 48) - 1, &u))
			return -1;
		p->sqn_delta = u;
		p->has_sqn_delta = true;
		return 0;
	case K_SQN_AGE_LIMIT:
		if (get_uint(ps, key, v, (1ULL << 48) - 1, &u))
			return -1;
		p->sqn_age_limit = u;
		p->has_sqn_age_limit = true;
		return 0;
	case K_PIN1:
	case K_PIN2:
		if (!all_digits(v, 4, 8))
			return lines_err(&ps->l, key, "4 to 8 digits");
		strcpy(k == K_PIN1 ? p->pin1 : p->pin2, v);
		return 0;
	case K_PUK1:
	case K_PUK2:
		if (!all_digits(v, 8, 8))
			return lines_err(&ps->l, key, "8 digits");
		strcpy(k == K_PUK1 ? p->puk1 : p->puk2, v);
		return 0;
	case K_ADM1:
		if (!all_digits(v, 8, 8) &&
		    !(strlen(v) == 16 && hex_decode(v, (uint8_t[8]){ 0 }, 8) == 8))
			return lines_err(&ps->l, key, "8 digits or 16 hex digits");
		strcpy(p->adm1, v);
		return 0;
	case K_PIN1_ENABLED:
		return get_bool(ps, key, v, &p->pin1_enabled);
	case K_TARIFF: {
		char *end;

		errno = 0;
		p->tariff = strtod(v, &end);
		if (errno || *end || end == v || p->tariff < 0)
			return lines_err(&ps->l, key, "'%s' is not a price (a number >= 0)", v);
		p->has_tariff = true;
		return 0;
	}
	case K_XOR_RES_LEN:
		if (get_uint(ps, key, v, 16, &u))
			return -1;
		if (u < 4)
			return lines_err(&ps->l, key, "4 to 16 bytes");
		p->xor_res_len = (uint8_t)u;
		return 0;
	case K_SQN_STATE:
		if (get_hex(ps, key, v, p->sqn_state, sizeof(p->sqn_state), &n))
			return -1;
		if (!n || n % 6)
			return lines_err(&ps->l, key, "6 bytes per IND slot");
		p->sqn_state_len = n;
		return 0;
	case K_CARD:
		if (get_uint(ps, key, v, VUICC_CARDS_MAX - 1, &u))
			return -1;
		p->card = (int)u;
		return 0;
	case K_SLOT:
		if (get_uint(ps, key, v, PROFILE_SLOT_MAX, &u))
			return -1;
		if (!u)
			return lines_err(&ps->l, key, "the modem's slots count from 1");
		p->slot = (int)u;
		return 0;
	case K_RATS:
		return get_str(ps, key, v, p->rats, sizeof(p->rats));
	case K_PLMNS:
		return get_str(ps, key, v, p->plmns, sizeof(p->plmns));
	}
	return lines_err(&ps->l, key, "unknown key");
}

static int start_file(struct parser *ps, struct profile *p, const char *name)
{
	struct profile_file *f;
	size_t i;

	if (p->n_files >= VUICC_FILES_MAX)
		return lines_err(&ps->l, NULL, "more than %d [file] sections", VUICC_FILES_MAX);
	f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	if (ef_path_parse(name, f->path, &f->path_len))
		return lines_err(&ps->l, NULL, "[file %s]: not a file this card knows"
				 " (e.g. ADF.USIM/EF.FPLMN, or FIDs from 3F00 in hex)", name);
	for (i = 0; i < p->n_files; i++)
		if (p->files[i].path_len == f->path_len &&
		    !memcmp(p->files[i].path, f->path, f->path_len))
			return lines_err(&ps->l, NULL, "[file %s]: given twice (also line %d)",
					 name, p->files[i].line);
	f->line = ps->l.line;
	f->len = (size_t)-1;
	p->n_files++;
	ps->file = f;
	return 0;
}

static int end_file(struct parser *ps)
{
	if (ps->file && ps->file->len == (size_t)-1) {
		ps->l.line = ps->file->line;
		return lines_err(&ps->l, NULL, "[file] section without 'data ='");
	}
	return 0;
}

/*
 * kind = card: a physical card in one of the modem's slots.  Only what
 * ranks it and names it; its keys, files and SQN are on the card.
 */
static int check_card(struct parser *ps, struct profile *p)
{
	static const enum pkey allowed[] = {
		K_NAME, K_KIND, K_ROLE, K_ICCID, K_IMSI, K_MNC_LEN, K_TARIFF, K_RATS, K_PLMNS,
		K_CARD, K_SLOT,
	};
	unsigned long long ok = 0;
	size_t i;
	int k;

	ps->l.line = 0;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ok |= 1ULL << allowed[i];
	for (k = 0; k < K_COUNT; k++)
		if ((ps->seen & (1ULL << k)) && !(ok & (1ULL << k)))
			return lines_err(&ps->l, pkeys[k], "not for kind = card (a physical "
					 "card's keys are on the card)");
	if (p->n_files)
		return lines_err(&ps->l, NULL, "[file] sections are not for kind = card (a "
				 "physical card's files are on the card)");
	if (!(ps->seen & (1ULL << K_NAME)))
		return lines_err(&ps->l, NULL, "missing key 'name'");
	if (!p->role)
		return lines_err(&ps->l, NULL, "missing key 'role' (a card is master or standby)");
	if (!p->slot)
		return lines_err(&ps->l, NULL, "missing key 'slot' (the modem's SIM slot, from 1)");
	return 0;
}

static int check_whole(struct parser *ps, struct profile *p)
{
	static const enum pkey required[] = { K_NAME, K_KIND, K_ICCID, K_IMSI, K_ALGORITHM, K_K };
	size_t i;

	if (p->hard)
		return check_card(ps, p);
	ps->l.line = 0;		/* about the whole file */
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(ps->seen & (1ULL << required[i])))
			return lines_err(&ps->l, NULL, "missing key '%s'", pkeys[required[i]]);
#define WHOLE(cond, ...) do { if (cond) return lines_err(&ps->l, NULL, __VA_ARGS__); } while (0)
	WHOLE(p->slot, "key 'slot': only kind = card is in a modem's slot");
	WHOLE(p->kind == VUICC_PROFILE_KIND_SEED && !p->role,
	      "missing key 'role' (a seed is master or standby)");
	WHOLE(p->kind == VUICC_PROFILE_KIND_VSIM && p->role,
	      "key 'role': only seeds have a role");
	WHOLE(p->k_len == 32 && p->algorithm != VUICC_ALGORITHM_TUAK,
	      "key 'k': 32 bytes is for TUAK; K is 16 bytes");
	WHOLE(p->algorithm == VUICC_ALGORITHM_MILENAGE &&
	      p->op_attr != VUICC_A_OP && p->op_attr != VUICC_A_OPC,
	      "milenage needs 'op' or 'opc'");
	WHOLE(p->algorithm == VUICC_ALGORITHM_TUAK &&
	      p->op_attr != VUICC_A_TOP && p->op_attr != VUICC_A_TOPC,
	      "tuak needs 'top' or 'topc'");
	WHOLE(p->algorithm == VUICC_ALGORITHM_XOR && p->op_attr,
	      "xor takes no op, opc, top or topc");
	WHOLE(p->has_milenage_c != p->has_milenage_r,
	      "milenage_c and milenage_r go together");
	WHOLE(p->has_milenage_c && p->algorithm != VUICC_ALGORITHM_MILENAGE,
	      "milenage_c and milenage_r are for milenage");
	WHOLE((p->tuak_res_bits || p->tuak_mac_bits || p->tuak_ck_bits ||
	       p->tuak_ik_bits || p->tuak_iterations) && p->algorithm != VUICC_ALGORITHM_TUAK,
	      "tuak_* keys are for tuak");
	WHOLE(p->xor_res_len && p->algorithm != VUICC_ALGORITHM_XOR,
	      "xor_res_len is for xor");
	WHOLE(p->sqn_state_len &&
	      p->sqn_state_len != (size_t)6 << (p->ind_bits >= 0 ? p->ind_bits : 5),
	      "key 'sqn_state': 6 bytes for each of the 2^ind_bits slots");
	WHOLE(p->pin1_enabled == 1 && !p->pin1[0],
	      "pin1_enabled needs pin1");
	WHOLE(p->mnc_len && strlen(p->imsi) < 3u + p->mnc_len + 1,
	      "key 'imsi': too short for MCC, a %u-digit MNC and an MSIN", p->mnc_len);
#undef WHOLE
	return 0;
}

int profile_parse(const char *text, size_t len, const char *fname,
		  struct profile *p, char *err, size_t errlen)
{
	char line[2 * VUICC_FILE_DATA_MAX + 256];
	struct parser ps = {
		.l = { .fname = fname, .err = err, .errlen = errlen, .buf = line,
		       .size = sizeof(line), .flags = LINES_SEMICOLON | LINES_SECTIONS },
	};
	char *key, *val;
	int k, ret = -1;

	memset(p, 0, sizeof(*p));
	p->ind_bits = -1;
	p->pin1_enabled = -1;
	if (lines_start(&ps.l, text, len))
		goto out;
	while ((k = lines_next(&ps.l)) > 0) {
		if (k == LINES_SECTION) {
			if (end_file(&ps))
				goto out;
			if (!ps.l.section || strncmp(ps.l.section, "file ", 5)) {
				lines_err(&ps.l, NULL, "sections are [file NAME]");
				goto out;
			}
			if (start_file(&ps, p, lines_trim(ps.l.section + 5)))
				goto out;
			continue;
		}
		key = ps.l.key;
		val = ps.l.value;
		if (ps.file) {
			if (strcmp(key, "data")) {
				lines_err(&ps.l, key, "a [file] section takes only 'data'");
				goto out;
			}
			if (ps.file->len != (size_t)-1) {
				lines_err(&ps.l, key, "given twice");
				goto out;
			}
			if (get_hex(&ps, key, val, ps.file->data, sizeof(ps.file->data),
				    &ps.file->len))
				goto out;
			continue;
		}
		if (set_key(&ps, p, key, val))
			goto out;
	}
	if (k < 0 || end_file(&ps) || check_whole(&ps, p))
		goto out;
	ret = 0;
out:
	explicit_bzero(line, sizeof(line));
	if (ret)
		profile_wipe(p);
	return ret;
}

int profile_load(const char *path, struct profile *p, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > PROFILE_TEXT_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, PROFILE_TEXT_MAX);
		close(fd);
		return -1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(text);
		return -1;
	}
	ret = profile_parse(text, (size_t)n, path, p, err, errlen);
	if (!ret)
		p->fingerprint = store_fnv1a(text, (size_t)n);
	explicit_bzero(text, (size_t)n);
	free(text);
	if (!ret)
		p->loose_permissions = (st.st_mode & 077) != 0;
	return ret;
}

void profile_wipe(struct profile *p)
{
	explicit_bzero(p, sizeof(*p));
}

bool ef_path_secret(const uint8_t *path, size_t len)
{
	/* EF_KEYS, EF_KEYSPS, EF_EPSNSC, EF_Kc, EF_KcGPRS, EF_5GS3GPPNSC,
	 * EF_5GSN3GPPNSC, EF_5GAUTHKEYS: session keys the modem stores */
	static const uint16_t fids[] = {
		0x6F08, 0x6F09, 0x6FE4, 0x6F20, 0x6F52, 0x4F03, 0x4F04, 0x4F05,
	};
	uint16_t fid;
	size_t i;

	if (len < 2)
		return false;
	fid = (uint16_t)(path[len - 2] << 8 | path[len - 1]);
	for (i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		if (fid == fids[i])
			return true;
	return false;
}
