// SPDX-License-Identifier: GPL-2.0
/*
 * The file system of a profile: the template (TS 102 221 §13, TS 31.102
 * §4.2 and §4.4.11, TS 51.011 §10), the contents generated from the
 * profile's identity, and the profile's own EF contents on top.
 */

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vuicc_fs.h"
#include "vuicc_kunit.h"
#include "vuicc_profile.h"

/* The USIM AID (TS 101 220 Annex E: RID A000000087, application 1002) */
static const u8 vuicc_usim_aid[16] = {
	0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00,
};

/*
 * EF_ARR records: each says who may read and who may update (the expanded
 * format of TS 102 221 §9.2.4, written by vuicc_fs_gen_arr()).
 */
enum vuicc_rule {
	R_ALW_ADM = 1,		/* read always, update ADM */
	R_PIN1_PIN1,		/* read PIN1, update PIN1 */
	R_PIN1_ADM,		/* read PIN1, update ADM */
	R_ALW_PIN1,		/* read always, update PIN1 */
	R_NUM = R_ALW_PIN1,
};

static const struct {
	u8 rd;
	u8 upd;
} vuicc_rules[R_NUM + 1] = {
	[R_ALW_ADM] = { VUICC_ACC_ALW, VUICC_ACC_ADM },
	[R_PIN1_PIN1] = { VUICC_ACC_PIN1, VUICC_ACC_PIN1 },
	[R_PIN1_ADM] = { VUICC_ACC_PIN1, VUICC_ACC_ADM },
	[R_ALW_PIN1] = { VUICC_ACC_ALW, VUICC_ACC_PIN1 },
};

#define VUICC_ARR_REC_LEN	40

/* How a file's initial content is made. */
enum vuicc_gen {
	G_FILL,			/* all bytes = fill */
	G_ICCID, G_IMSI, G_AD, G_ACC, G_UST, G_SST, G_HPLMNWACT, G_DIR,
	G_ARR, G_LANG, G_SPN, G_LOCI, G_PSLOCI, G_EPSLOCI, G_5GLOCI, G_KEYS,
	G_KC, G_ECC, G_START_HFN, G_SUCI, G_RI, G_PLMNLIST, G_SMS, G_BYTE, G_LP,
};

struct vuicc_tmpl {
	u16 parent;		/* 0: the MF itself */
	u16 fid;
	u8 type;
	u8 structure;
	u8 sfi;
	u8 rule;
	u16 size;		/* transparent EFs */
	u8 rec_len;		/* record EFs */
	u8 n_rec;
	u8 gen;
	u8 fill;
	u16 link_df;		/* a link: the DF and FID of the file it shares */
	u16 link_fid;
};

#define DF(par, id, t) \
	{ .parent = par, .fid = id, .type = t, .rule = R_ALW_ADM }
#define TEF(par, id, s, r, sz, g, f) \
	{ .parent = par, .fid = id, .type = VUICC_FILE_EF, \
	  .structure = VUICC_EF_TRANSPARENT, .sfi = s, .rule = r, .size = sz, \
	  .gen = g, .fill = f }
#define REF(par, id, st, s, r, rl, nr, g, f) \
	{ .parent = par, .fid = id, .type = VUICC_FILE_EF, .structure = st, \
	  .sfi = s, .rule = r, .rec_len = rl, .n_rec = nr, .gen = g, .fill = f }
/* the file (par, id) is the file (tdf, tid) under another path */
#define LNK(par, id, s, tdf, tid) \
	{ .parent = par, .fid = id, .type = VUICC_FILE_EF, .sfi = s, \
	  .link_df = tdf, .link_fid = tid }
#define LIN VUICC_EF_LINEAR
#define ADF VUICC_FID_ADF
#define GSM VUICC_FID_DF_GSM
#define TEL VUICC_FID_DF_TELECOM

/*
 * Parents come before their children, and a file before its links.  The
 * files a service brings, and the files every card has, are listed in
 * vuicc_svc.c from the specifications; KUnit checks this template
 * against them.
 */
static const struct vuicc_tmpl vuicc_template[] = {
	DF(0, VUICC_FID_MF, VUICC_FILE_MF),
	/* TS 102 221 §13 */
	REF(VUICC_FID_MF, VUICC_FID_EF_DIR, LIN, 0x1E, R_ALW_ADM, 32, 2, G_DIR, 0xFF),
	TEF(VUICC_FID_MF, VUICC_FID_EF_ICCID, 0x02, R_ALW_ADM, 10, G_ICCID, 0xFF),
	TEF(VUICC_FID_MF, VUICC_FID_EF_PL, 0x05, R_ALW_PIN1, 10, G_LANG, 0xFF),
	REF(VUICC_FID_MF, VUICC_FID_EF_ARR, LIN, 0x06, R_ALW_ADM,
	    VUICC_ARR_REC_LEN, R_NUM, G_ARR, 0xFF),
	/* TS 31.102 §4.2 */
	DF(VUICC_FID_MF, ADF, VUICC_FILE_ADF),
	TEF(ADF, 0x6F05, 0x02, R_ALW_PIN1, 4, G_LANG, 0xFF),		/* LI */
	/* ARR: the same rules as the MF's */
	LNK(ADF, VUICC_FID_EF_ARR_ADF, 0x17, VUICC_FID_MF, VUICC_FID_EF_ARR),
	TEF(ADF, 0x6F07, 0x07, R_PIN1_ADM, 9, G_IMSI, 0xFF),		/* IMSI */
	TEF(ADF, 0x6F08, 0x08, R_PIN1_PIN1, 33, G_KEYS, 0xFF),		/* KEYS */
	TEF(ADF, 0x6F09, 0x09, R_PIN1_PIN1, 33, G_KEYS, 0xFF),		/* KEYSPS */
	TEF(ADF, 0x6F31, 0x12, R_PIN1_ADM, 1, G_BYTE, 0x0A),		/* HPPLMN */
	TEF(ADF, 0x6F38, 0x04, R_PIN1_ADM, 17, G_UST, 0x00),		/* UST */
	REF(ADF, 0x6F3C, LIN, 0, R_PIN1_PIN1, 176, 10, G_SMS, 0xFF),	/* SMS */
	TEF(ADF, 0x6F3E, 0, R_PIN1_ADM, 8, G_FILL, 0xFF),		/* GID1 */
	TEF(ADF, 0x6F3F, 0, R_PIN1_ADM, 8, G_FILL, 0xFF),		/* GID2 */
	REF(ADF, 0x6F40, LIN, 0, R_PIN1_PIN1, 14, 2, G_FILL, 0xFF),	/* MSISDN */
	/* SMSP: one record, no parameter present (TS 31.102 §4.2.27) */
	REF(ADF, 0x6F42, LIN, 0, R_PIN1_PIN1, 40, 1, G_FILL, 0xFF),
	TEF(ADF, 0x6F43, 0, R_PIN1_PIN1, 2, G_FILL, 0xFF),		/* SMSS */
	TEF(ADF, 0x6F46, 0, R_ALW_ADM, 17, G_SPN, 0xFF),		/* SPN */
	TEF(ADF, 0x6F56, 0x05, R_PIN1_ADM, 1, G_BYTE, 0x00),		/* EST */
	TEF(ADF, 0x6F5B, 0x0F, R_PIN1_PIN1, 6, G_START_HFN, 0x00),	/* START-HFN */
	TEF(ADF, 0x6F5C, 0x10, R_PIN1_ADM, 3, G_FILL, 0xFF),		/* THRESHOLD */
	TEF(ADF, 0x6F60, 0x0A, R_PIN1_PIN1, 40, G_PLMNLIST, 0xFF),	/* PLMNwACT */
	TEF(ADF, 0x6F61, 0x11, R_PIN1_ADM, 40, G_PLMNLIST, 0xFF),	/* OPLMNwACT */
	TEF(ADF, 0x6F62, 0x13, R_PIN1_ADM, 5, G_HPLMNWACT, 0xFF),	/* HPLMNwACT */
	TEF(ADF, 0x6F73, 0x0C, R_PIN1_PIN1, 14, G_PSLOCI, 0xFF),	/* PSLOCI */
	TEF(ADF, 0x6F78, 0x06, R_PIN1_ADM, 2, G_ACC, 0x00),		/* ACC */
	TEF(ADF, 0x6F7B, 0x0D, R_PIN1_PIN1, 12, G_FILL, 0xFF),		/* FPLMN */
	TEF(ADF, 0x6F7E, 0x0B, R_PIN1_PIN1, 11, G_LOCI, 0xFF),		/* LOCI */
	TEF(ADF, 0x6FAD, 0x03, R_ALW_ADM, 4, G_AD, 0x00),		/* AD */
	REF(ADF, 0x6FB7, LIN, 0x01, R_ALW_ADM, 4, 3, G_ECC, 0xFF),	/* ECC */
	/* NETPAR (§4.2.56): no cell information stored yet */
	TEF(ADF, 0x6FC4, 0, R_PIN1_PIN1, 46, G_FILL, 0xFF),
	TEF(ADF, 0x6FE3, 0x1E, R_PIN1_PIN1, 18, G_EPSLOCI, 0xFF),	/* EPSLOCI */
	/* EPSNSC */
	REF(ADF, 0x6FE4, LIN, 0x18, R_PIN1_PIN1, 54, 1, G_FILL, 0xFF),
	/* TS 31.102 §4.4.3, DF_GSM-ACCESS: service 27 */
	DF(ADF, VUICC_FID_DF_GSM_ACCESS, VUICC_FILE_DF),
	TEF(VUICC_FID_DF_GSM_ACCESS, 0x4F20, 0x01, R_PIN1_PIN1, 9, G_KC, 0xFF),	/* Kc */
	TEF(VUICC_FID_DF_GSM_ACCESS, 0x4F52, 0x02, R_PIN1_PIN1, 9, G_KC, 0xFF),	/* KcGPRS */
	/* TS 31.102 §4.4.11, DF_5GS */
	DF(ADF, VUICC_FID_DF_5GS, VUICC_FILE_DF),
	TEF(VUICC_FID_DF_5GS, 0x4F01, 0x01, R_PIN1_PIN1, 20, G_5GLOCI, 0xFF),	/* 5GS3GPPLOCI */
	TEF(VUICC_FID_DF_5GS, 0x4F02, 0x02, R_PIN1_PIN1, 20, G_5GLOCI, 0xFF),	/* 5GSN3GPPLOCI */
	REF(VUICC_FID_DF_5GS, 0x4F03, LIN, 0x03, R_PIN1_PIN1, 57, 1, G_FILL, 0xFF),
	REF(VUICC_FID_DF_5GS, 0x4F04, LIN, 0x04, R_PIN1_PIN1, 57, 1, G_FILL, 0xFF),
	TEF(VUICC_FID_DF_5GS, 0x4F05, 0x05, R_PIN1_PIN1, 110, G_FILL, 0xFF),	/* 5GAUTHKEYS */
	TEF(VUICC_FID_DF_5GS, 0x4F06, 0x06, R_PIN1_ADM, 4, G_FILL, 0x00),	/* UAC_AIC */
	TEF(VUICC_FID_DF_5GS, 0x4F07, 0x07, R_PIN1_ADM, 16, G_SUCI, 0xFF),	/* SUCI_CALC_INFO */
	REF(VUICC_FID_DF_5GS, 0x4F08, LIN, 0x08, R_PIN1_ADM, 10, 2, G_FILL, 0xFF),/* OPL5G */
	/* ROUTING_INDICATOR */
	TEF(VUICC_FID_DF_5GS, 0x4F0A, 0x0A, R_PIN1_ADM, 4, G_RI, 0xFF),
	/* TS 51.011 §10.5, DF_TELECOM: the USIM's files under their GSM path */
	DF(VUICC_FID_MF, TEL, VUICC_FILE_DF),
	REF(TEL, 0x6F3A, LIN, 0, R_PIN1_PIN1, 30, 10, G_FILL, 0xFF),	/* ADN */
	LNK(TEL, 0x6F3C, 0, ADF, 0x6F3C),				/* SMS */
	LNK(TEL, 0x6F40, 0, ADF, 0x6F40),				/* MSISDN */
	LNK(TEL, 0x6F42, 0, ADF, 0x6F42),				/* SMSP */
	LNK(TEL, 0x6F43, 0, ADF, 0x6F43),				/* SMSS */
	/* TS 51.011 §10.3, DF_GSM */
	DF(VUICC_FID_MF, GSM, VUICC_FILE_DF),
	TEF(GSM, 0x6F05, 0, R_ALW_PIN1, 4, G_LP, 0xFF),		/* LP */
	LNK(GSM, 0x6F07, 0, ADF, 0x6F07),				/* IMSI */
	LNK(GSM, 0x6F20, 0, VUICC_FID_DF_GSM_ACCESS, 0x4F20),		/* KC */
	TEF(GSM, 0x6F30, 0, R_PIN1_PIN1, 24, G_FILL, 0xFF),		/* PLMNsel */
	LNK(GSM, 0x6F31, 0, ADF, 0x6F31),				/* HPPLMN */
	TEF(GSM, 0x6F38, 0, R_PIN1_ADM, 5, G_SST, 0x00),		/* SST */
	LNK(GSM, 0x6F3E, 0, ADF, 0x6F3E),				/* GID1 */
	LNK(GSM, 0x6F3F, 0, ADF, 0x6F3F),				/* GID2 */
	LNK(GSM, 0x6F46, 0, ADF, 0x6F46),				/* SPN */
	TEF(GSM, 0x6F74, 0, R_PIN1_PIN1, 16, G_FILL, 0xFF),		/* BCCH */
	LNK(GSM, 0x6F78, 0, ADF, 0x6F78),				/* ACC */
	LNK(GSM, 0x6F7B, 0, ADF, 0x6F7B),				/* FPLMN */
	LNK(GSM, 0x6F7E, 0, ADF, 0x6F7E),				/* LOCI */
	LNK(GSM, 0x6FAD, 0, ADF, 0x6FAD),				/* AD */
	TEF(GSM, 0x6FAE, 0, R_ALW_ADM, 1, G_BYTE, 0x03),		/* PHASE */
};

#undef ADF
#undef GSM
#undef TEL

/* ---- encodings ---- */

/**
 * vuicc_encode_imsi() - EF_IMSI content (TS 31.102 §4.2.2)
 * @imsi: 6 to 15 decimal digits
 * @out: 9 bytes: length, then the digits in BCD after the parity nibble,
 *	padded with F
 *
 * Return: 0, or -EINVAL for a bad IMSI.
 */
int vuicc_encode_imsi(const char *imsi, u8 *out)
{
	size_t n = strlen(imsi), i;
	u8 nib[16];

	if (n < 6 || n > 15)
		return -EINVAL;
	/* nibble 0: parity (odd count) and identity type 001 (IMSI) */
	nib[0] = (n & 1) ? 0x9 : 0x1;
	for (i = 0; i < n; i++) {
		if (!isdigit(imsi[i]))
			return -EINVAL;
		nib[i + 1] = imsi[i] - '0';
	}
	memset(out, 0xFF, 9);
	out[0] = (n + 2) / 2;
	for (i = 0; i < n + 1; i++) {
		if (i & 1)
			out[1 + i / 2] = (out[1 + i / 2] & 0x0F) | nib[i] << 4;
		else
			out[1 + i / 2] = 0xF0 | nib[i];
	}
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_encode_imsi);

/**
 * vuicc_encode_iccid() - EF_ICCID content (TS 102 221 §13.2)
 * @iccid: 18 to 20 decimal digits
 * @out: 10 bytes, BCD with the nibbles of each byte swapped, padded with F
 *
 * Return: 0, or -EINVAL for a bad ICCID.
 */
int vuicc_encode_iccid(const char *iccid, u8 *out)
{
	size_t n = strlen(iccid), i;
	u8 d;

	if (n < 18 || n > 20)
		return -EINVAL;
	memset(out, 0xFF, 10);
	for (i = 0; i < n; i++) {
		if (!isdigit(iccid[i]))
			return -EINVAL;
		d = iccid[i] - '0';
		if (i & 1)
			out[i / 2] = (out[i / 2] & 0x0F) | d << 4;
		else
			out[i / 2] = 0xF0 | d;
	}
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_encode_iccid);

/**
 * vuicc_encode_plmn() - the PLMN of an IMSI, as 3GPP TS 24.008 §10.5.1.3 codes it
 * @imsi: the IMSI (at least 6 digits)
 * @mnc_len: 2 or 3
 * @out: 3 bytes: MCC2 MCC1, MNC3 MCC3, MNC2 MNC1 (MNC3 = F for 2 digits)
 */
void vuicc_encode_plmn(const char *imsi, unsigned int mnc_len, u8 *out)
{
	u8 d[6];
	int i;

	for (i = 0; i < 6; i++)
		d[i] = imsi[i] - '0';
	out[0] = d[1] << 4 | d[0];
	out[1] = (mnc_len == 3 ? d[5] : 0xF) << 4 | d[2];
	out[2] = d[4] << 4 | d[3];
}

VUICC_EXPORT_FOR_KUNIT(vuicc_encode_plmn);

/* ---- generators ---- */

/* TS 31.102 §4.2.8: the services this card has the files for */
static const u8 vuicc_ust_services[] = {
	10,	/* short message storage (EF_SMS) */
	12,	/* short message service parameters (EF_SMSP) */
	17,	/* group identifier level 1 */
	18,	/* group identifier level 2 */
	19,	/* service provider name */
	20,	/* user controlled PLMN selector with access technology */
	21,	/* MSISDN */
	27,	/* GSM access */
	33,	/* packet switched domain */
	38,	/* GSM security context */
	42,	/* operator controlled PLMN selector with access technology */
	43,	/* HPLMN selector with access technology */
	85,	/* EPS mobility management information */
	122,	/* 5GS mobility management information */
	123,	/* 5G security parameters */
	126,	/* UAC access identities */
};

/* TS 51.011 §10.3.7: SIM services, allocated and activated */
static const u8 vuicc_sst_services[] = { 1, 2, 4, 7, 9, 12, 15, 16, 17 };

static void vuicc_fs_gen_arr(u8 *d, unsigned int rule)
{
	static const u8 sc[][8] = {
		[VUICC_ACC_ALW] = { 0x90, 0x00 },
		[VUICC_ACC_PIN1] = { 0xA4, 0x06, 0x83, 0x01, VUICC_KEYREF_PIN1, 0x95, 0x01, 0x08 },
		[VUICC_ACC_PIN2] = { 0xA4, 0x06, 0x83, 0x01, VUICC_KEYREF_PIN2, 0x95, 0x01, 0x08 },
		[VUICC_ACC_ADM] = { 0xA4, 0x06, 0x83, 0x01, VUICC_KEYREF_ADM1, 0x95, 0x01, 0x08 },
		[VUICC_ACC_NEV] = { 0x97, 0x00 },
	};
	static const u8 sc_len[] = { 2, 8, 8, 8, 2 };
	/* AM bytes (ISO/IEC 7816-4 Table 17): read; update; deactivate + activate */
	const u8 am[3] = { 0x01, 0x02, 0x18 };
	const u8 acc[3] = { vuicc_rules[rule].rd, vuicc_rules[rule].upd, VUICC_ACC_ADM };
	unsigned int i, o = 0;

	for (i = 0; i < 3; i++) {
		d[o++] = 0x80;
		d[o++] = 0x01;
		d[o++] = am[i];
		memcpy(d + o, sc[acc[i]], sc_len[acc[i]]);
		o += sc_len[acc[i]];
	}
}

static void vuicc_fs_generate(struct vuicc_file *f, const struct vuicc_tmpl *t,
			      const struct vuicc_profile *p)
{
	unsigned int mnc_len = p->mnc_len ? p->mnc_len : 2;
	u8 *d = f->data;
	unsigned int i, n, last;

	memset(d, t->fill, f->size);
	switch (t->gen) {
	case G_ICCID:
		vuicc_encode_iccid(p->iccid, d);
		break;
	case G_IMSI:
		vuicc_encode_imsi(p->imsi, d);
		break;
	case G_AD:
		/* normal operation, no extra info, the MNC length */
		d[3] = mnc_len;
		break;
	case G_ACC:
		/* TS 22.011 §4.2: the access class is the IMSI's last digit */
		last = p->imsi[strlen(p->imsi) - 1] - '0';
		d[last >= 8 ? 0 : 1] = 1 << (last % 8);
		break;
	case G_UST:
		for (i = 0; i < ARRAY_SIZE(vuicc_ust_services); i++) {
			n = vuicc_ust_services[i] - 1;
			d[n / 8] |= 1 << (n % 8);
		}
		break;
	case G_SST:
		for (i = 0; i < ARRAY_SIZE(vuicc_sst_services); i++) {
			n = vuicc_sst_services[i] - 1;
			d[n / 4] |= 3 << (2 * (n % 4));
		}
		break;
	case G_HPLMNWACT:
		vuicc_encode_plmn(p->imsi, mnc_len, d);
		d[3] = 0xC8;	/* UTRAN, E-UTRAN, NG-RAN */
		d[4] = 0x80;	/* GSM */
		break;
	case G_DIR:
		/* TS 102 221 §13.1: application template, AID, label */
		d[0] = 0x61;
		d[1] = 2 + sizeof(vuicc_usim_aid) + 2 + 4;
		d[2] = 0x4F;
		d[3] = sizeof(vuicc_usim_aid);
		memcpy(d + 4, vuicc_usim_aid, sizeof(vuicc_usim_aid));
		memcpy(d + 4 + sizeof(vuicc_usim_aid), "\x50\x04USIM", 6);
		break;
	case G_ARR:
		for (i = 1; i <= R_NUM; i++)
			vuicc_fs_gen_arr(d + (i - 1) * f->rec_len, i);
		break;
	case G_LANG:
		memcpy(d, "en", 2);
		break;
	case G_LP:
		d[0] = 0x01;	/* TS 23.038 §5: English */
		break;
	case G_SPN:
		/* display condition, then the name in the SMS default alphabet */
		d[0] = 0x01;
		memcpy(d + 1, "vuicc", 5);
		break;
	case G_LOCI:
		/* TMSI, LAI (no PLMN, LAC FFFE), RFU, "not updated" */
		d[7] = 0xFF;
		d[8] = 0xFE;
		d[10] = 0x01;
		break;
	case G_PSLOCI:
		d[10] = 0xFF;
		d[11] = 0xFE;
		d[13] = 0x01;
		break;
	case G_EPSLOCI:
		d[15] = 0xFF;
		d[16] = 0xFE;
		d[17] = 0x01;
		break;
	case G_5GLOCI:
		d[19] = 0x01;
		break;
	case G_KEYS:
		d[0] = 0x07;	/* key set identifier: no key */
		break;
	case G_KC:
		d[8] = 0x07;
		break;
	case G_ECC:
		memcpy(d, "\x11\xF2\xFF\x00", 4);		/* 112 */
		memcpy(d + f->rec_len, "\x19\xF1\xFF\x00", 4);	/* 911 */
		break;
	case G_START_HFN:
		d[0] = 0xF0;
		d[3] = 0xF0;
		break;
	case G_SUCI:
		/* TS 31.102 §4.4.11.8: only the null scheme, no network key */
		memcpy(d, "\xA0\x02\x00\x00\xA1\x00", 6);
		break;
	case G_RI:
		memcpy(d, "\xF0\xFF\x00\x00", 4);
		break;
	case G_PLMNLIST:
		for (i = 0; i + 5 <= f->size; i += 5)
			memset(d + i + 3, 0x00, 2);
		break;
	case G_SMS:
		for (i = 0; i < f->n_rec; i++)
			d[i * f->rec_len] = 0x00;	/* status: free */
		break;
	case G_FILL:
	case G_BYTE:
	default:
		break;
	}
}

/* ---- the tree ---- */

static struct vuicc_file *vuicc_fs_find_df(struct vuicc_fs *fs, unsigned int n, u16 fid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fs->files[i].type != VUICC_FILE_EF && fs->files[i].fid == fid)
			return &fs->files[i];
	return NULL;
}

static void vuicc_fs_link(struct vuicc_file *parent, struct vuicc_file *f)
{
	struct vuicc_file **pp = &parent->child;

	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
	f->parent = parent;
}

static int vuicc_fs_apply(struct vuicc_fs *fs, const struct vuicc_file_content *c)
{
	struct vuicc_file *f = vuicc_fs_by_path(fs, c->path, c->path_len);

	if (!f || f->type != VUICC_FILE_EF)
		return -ENOENT;
	if (c->len > f->size)
		return -EFBIG;
	if (f->structure != VUICC_EF_TRANSPARENT && c->len % f->rec_len)
		return -EINVAL;
	memcpy(f->data, c->data, c->len);
	if (f->structure == VUICC_EF_CYCLIC)
		f->cyclic_first = 0;
	return 0;
}

/**
 * vuicc_fs_free() - free a file tree, wiping its contents
 * @fs: the tree, or NULL
 */
void vuicc_fs_free(struct vuicc_fs *fs)
{
	unsigned int i;

	if (!fs)
		return;
	for (i = 0; i < fs->n_files; i++)
		if (!fs->files[i].link)
			kfree_sensitive(fs->files[i].data);
	kfree(fs->files);
	kfree(fs);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_free);

static struct vuicc_fs *vuicc_fs_alloc(unsigned int n)
{
	struct vuicc_fs *fs = kzalloc(sizeof(*fs), GFP_KERNEL);

	if (!fs)
		return NULL;
	fs->files = kcalloc(n, sizeof(*fs->files), GFP_KERNEL);
	if (!fs->files) {
		kfree(fs);
		return NULL;
	}
	return fs;
}

/* A link shares the content, structure and rules of the file it names. */
static int vuicc_fs_make_link(struct vuicc_fs *fs, unsigned int n, struct vuicc_file *f,
			      const struct vuicc_tmpl *t)
{
	struct vuicc_file *df = vuicc_fs_find_df(fs, n, t->link_df);
	struct vuicc_file *to = df ? vuicc_fs_child(df, t->link_fid) : NULL;

	/* a cyclic EF's record order is per file: it cannot be shared */
	if (WARN_ON(!to || to->type != VUICC_FILE_EF || to->link ||
		    to->structure == VUICC_EF_CYCLIC))
		return -EINVAL;
	f->structure = to->structure;
	f->arr_rec = to->arr_rec;
	f->rd = to->rd;
	f->upd = to->upd;
	f->rec_len = to->rec_len;
	f->n_rec = to->n_rec;
	f->size = to->size;
	f->data = to->data;
	f->link = to;
	return 0;
}

/**
 * vuicc_fs_build() - build the file system of a profile
 * @p: the profile: identity and EF contents
 * @bad_file: set to the index in @p->files of a content that does not fit
 *
 * The tree as the template and the contents make it; vuicc_svc_build()
 * then checks it against its service tables.
 *
 * Return: the tree, or an ERR_PTR: -ENOENT when a content names no EF of
 * the template, -EFBIG when it is larger than the EF, -EINVAL when it is
 * not whole records, -ENOMEM.
 */
struct vuicc_fs *vuicc_fs_build(const struct vuicc_profile *p, int *bad_file)
{
	unsigned int n = ARRAY_SIZE(vuicc_template), i;
	const struct vuicc_tmpl *t;
	struct vuicc_file *f, *parent;
	struct vuicc_fs *fs;
	int ret;

	*bad_file = -1;
	fs = vuicc_fs_alloc(n);
	if (!fs)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		t = &vuicc_template[i];
		f = &fs->files[i];
		f->fid = t->fid;
		f->type = t->type;
		f->structure = t->structure;
		f->sfi = t->sfi;
		f->arr_rec = t->rule;
		f->rd = vuicc_rules[t->rule].rd;
		f->upd = vuicc_rules[t->rule].upd;
		f->rec_len = t->rec_len;
		f->n_rec = t->n_rec;
		f->size = t->rec_len ? t->rec_len * t->n_rec : t->size;
		fs->n_files = i + 1;
		if (t->type == VUICC_FILE_MF) {
			f->parent = f;
			fs->mf = f;
			continue;
		}
		parent = vuicc_fs_find_df(fs, i, t->parent);
		if (WARN_ON(!parent))
			goto err_nomem;
		vuicc_fs_link(parent, f);
		if (t->type == VUICC_FILE_ADF) {
			memcpy(f->aid, vuicc_usim_aid, sizeof(vuicc_usim_aid));
			f->aid_len = sizeof(vuicc_usim_aid);
			fs->usim = f;
		}
		if (t->type != VUICC_FILE_EF)
			continue;
		if (t->link_fid) {
			ret = vuicc_fs_make_link(fs, i, f, t);
			if (ret)
				goto err;
			continue;
		}
		f->data = kmalloc(f->size, GFP_KERNEL);
		if (!f->data)
			goto err_nomem;
		vuicc_fs_generate(f, t, p);
	}
	for (i = 0; i < p->n_files; i++) {
		ret = vuicc_fs_apply(fs, p->files[i]);
		if (ret) {
			*bad_file = i;
			goto err;
		}
	}
	return fs;

err_nomem:
	ret = -ENOMEM;
err:
	vuicc_fs_free(fs);
	return ERR_PTR(ret);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_build);

struct vuicc_file *vuicc_fs_child(const struct vuicc_file *df, u16 fid)
{
	struct vuicc_file *f;

	for (f = df->child; f; f = f->next)
		if (f->fid == fid)
			return f;
	return NULL;
}

struct vuicc_file *vuicc_fs_by_sfi(const struct vuicc_file *df, u8 sfi)
{
	struct vuicc_file *f;

	for (f = df->child; f; f = f->next)
		if (f->type == VUICC_FILE_EF && f->sfi == sfi)
			return f;
	return NULL;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_by_sfi);

/**
 * vuicc_fs_by_path() - find a file by its path
 * @fs: the tree
 * @path: FIDs from the MF, two bytes each, 3F00 included (7FFF: the USIM)
 * @len: bytes in @path
 *
 * Return: the file, or NULL.
 */
struct vuicc_file *vuicc_fs_by_path(struct vuicc_fs *fs, const u8 *path, size_t len)
{
	struct vuicc_file *f;
	size_t i;
	u16 fid;

	if (len < 2 || len % 2 || ((path[0] << 8) | path[1]) != VUICC_FID_MF)
		return NULL;
	f = fs->mf;
	for (i = 2; f && i < len; i += 2) {
		if (f->type == VUICC_FILE_EF)
			return NULL;
		fid = path[i] << 8 | path[i + 1];
		f = vuicc_fs_child(f, fid);
	}
	return f;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_by_path);

/**
 * vuicc_fs_path_of() - the path of a file from the MF
 * @f: the file
 * @path: filled with FIDs, two bytes each, 3F00 first
 * @max: room in @path
 *
 * Return: the length, or -ENOSPC.
 */
int vuicc_fs_path_of(const struct vuicc_file *f, u8 *path, size_t max)
{
	const struct vuicc_file *chain[8];
	int n = 0, i;

	for (; n < ARRAY_SIZE(chain); f = f->parent) {
		chain[n++] = f;
		if (f->type == VUICC_FILE_MF)
			break;
	}
	if (chain[n - 1]->type != VUICC_FILE_MF || 2 * n > max)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		path[2 * i] = chain[n - 1 - i]->fid >> 8;
		path[2 * i + 1] = chain[n - 1 - i]->fid & 0xff;
	}
	return 2 * n;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_path_of);

/**
 * vuicc_fs_export() - the content of an EF as profile-add takes it back
 * @f: the EF
 * @out: filled with @f->size bytes: a cyclic EF's records from record 1
 *	(the newest) on, so that adding it again keeps their order
 */
void vuicc_fs_export(const struct vuicc_file *f, u8 *out)
{
	unsigned int first;

	if (f->structure != VUICC_EF_CYCLIC || !f->n_rec) {
		memcpy(out, f->data, f->size);
		return;
	}
	first = f->cyclic_first * f->rec_len;
	memcpy(out, f->data + first, f->n_rec * f->rec_len - first);
	memcpy(out + f->n_rec * f->rec_len - first, f->data, first);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_export);

/**
 * vuicc_fs_arr_fid() - the EF_ARR a file's FCP refers to (tag 8B)
 * @f: the file
 *
 * TS 102 221 §9.2.4: the referenced EF_ARR is looked for in the DF that
 * holds the file, then upwards.  Files inside the USIM refer to its own
 * EF_ARR (TS 31.102 §4.2.55); the others, and the ADF itself, to the MF's.
 *
 * Return: the FID.
 */
u16 vuicc_fs_arr_fid(const struct vuicc_file *f)
{
	for (f = f->parent; f->type != VUICC_FILE_MF; f = f->parent)
		if (f->type == VUICC_FILE_ADF)
			return VUICC_FID_EF_ARR_ADF;
	return VUICC_FID_EF_ARR;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_arr_fid);

/**
 * vuicc_fs_record() - a record of a record EF
 * @f: the EF, linear fixed or cyclic
 * @n: the record number, 1-based; for a cyclic EF record 1 is the newest
 *
 * Return: the record's bytes, or NULL when there is no record @n.
 */
u8 *vuicc_fs_record(struct vuicc_file *f, unsigned int n)
{
	unsigned int idx;

	if (!n || n > f->n_rec)
		return NULL;
	idx = n - 1;
	if (f->structure == VUICC_EF_CYCLIC)
		idx = (f->cyclic_first + idx) % f->n_rec;
	return f->data + idx * f->rec_len;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_fs_record);
