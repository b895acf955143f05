// SPDX-License-Identifier: GPL-2.0
/*
 * The service tables against the file system.  The table below is written
 * from the specifications, not from the card's template: TS 102 221 §13
 * and TS 31.102 §4.2/§4.4/§5 for the UICC and the USIM, TS 51.011 §10 for
 * the GSM application.  A profile whose service tables claim a service
 * whose files the card lacks is refused, naming both; a file that shall
 * not be available while its service is off is taken out of the tree.
 */

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "vuicc_fs.h"
#include "vuicc_kunit.h"
#include "vuicc_profile.h"
#include "vuicc_svc.h"

#define NFID(...)	(sizeof((u16[]){ __VA_ARGS__ }) / sizeof(u16))

/* every card has it */
#define M(sp, name, ...) \
	{ VUICC_SVC_NONE, 0, 0, NFID(__VA_ARGS__), { __VA_ARGS__ }, sp, \
	  "the card has no " name }
/* USIM service n brings the file */
#define U(n, sname, sp, name, ...) \
	{ VUICC_SVC_UST, n, 0, NFID(__VA_ARGS__), { __VA_ARGS__ }, sp, \
	  "USIM service " #n " (" sname ") is on but the card has no " name }
/* GSM (SIM) service n brings the file */
#define S(n, sname, sp, name, ...) \
	{ VUICC_SVC_SST, n, 0, NFID(__VA_ARGS__), { __VA_ARGS__ }, sp, \
	  "GSM service " #n " (" sname ") is on but the card has no " name }

#define S124	"USIM service 124 (subscription identifier privacy support)"
#define SUCI	"EF_SUCI_Calc_Info (7FFF/5FC0/4F07)"
#define USIM	0x7FFF
#define GSM	0x7F20
#define TEL	0x7F10

const struct vuicc_svc_file vuicc_svc_files[] = {
	/* TS 102 221 §13: the MF */
	M("102 221 13.1", "EF_DIR (2F00)", 0x2F00),
	M("102 221 13.2", "EF_ICCID (2FE2)", 0x2FE2),
	M("102 221 13.3", "EF_PL (2F05)", 0x2F05),
	M("102 221 13.4", "EF_ARR (2F06)", 0x2F06),
	/* TS 31.102 §4.2: the mandatory EFs of the USIM */
	M("31.102 4.2", "EF_LI (7FFF/6F05)", USIM, 0x6F05),
	M("31.102 4.2", "EF_IMSI (7FFF/6F07)", USIM, 0x6F07),
	M("31.102 4.2", "EF_KEYS (7FFF/6F08)", USIM, 0x6F08),
	M("31.102 4.2", "EF_KEYSPS (7FFF/6F09)", USIM, 0x6F09),
	M("31.102 4.2", "EF_HPPLMN (7FFF/6F31)", USIM, 0x6F31),
	M("31.102 4.2", "EF_UST (7FFF/6F38)", USIM, 0x6F38),
	M("31.102 4.2", "EF_ACC (7FFF/6F78)", USIM, 0x6F78),
	M("31.102 4.2", "EF_FPLMN (7FFF/6F7B)", USIM, 0x6F7B),
	M("31.102 4.2", "EF_LOCI (7FFF/6F7E)", USIM, 0x6F7E),
	M("31.102 4.2", "EF_AD (7FFF/6FAD)", USIM, 0x6FAD),
	M("31.102 4.2", "EF_ECC (7FFF/6FB7)", USIM, 0x6FB7),
	M("31.102 4.2", "EF_PSLOCI (7FFF/6F73)", USIM, 0x6F73),
	M("31.102 4.2", "EF_START-HFN (7FFF/6F5B)", USIM, 0x6F5B),
	M("31.102 4.2", "EF_THRESHOLD (7FFF/6F5C)", USIM, 0x6F5C),
	M("31.102 4.2.55", "EF_ARR (7FFF/6F06)", USIM, 0x6F06),
	M("31.102 4.2", "EF_NETPAR (7FFF/6FC4)", USIM, 0x6FC4),
	/* TS 51.011 §10.3: the mandatory EFs of DF_GSM */
	M("51.011 10.3", "EF_LP (7F20/6F05)", GSM, 0x6F05),
	M("51.011 10.3", "EF_IMSI (7F20/6F07)", GSM, 0x6F07),
	M("51.011 10.3", "EF_Kc (7F20/6F20)", GSM, 0x6F20),
	M("51.011 10.3", "EF_HPPLMN (7F20/6F31)", GSM, 0x6F31),
	M("51.011 10.3", "EF_SST (7F20/6F38)", GSM, 0x6F38),
	M("51.011 10.3", "EF_BCCH (7F20/6F74)", GSM, 0x6F74),
	M("51.011 10.3", "EF_ACC (7F20/6F78)", GSM, 0x6F78),
	M("51.011 10.3", "EF_FPLMN (7F20/6F7B)", GSM, 0x6F7B),
	M("51.011 10.3", "EF_LOCI (7F20/6F7E)", GSM, 0x6F7E),
	M("51.011 10.3", "EF_AD (7F20/6FAD)", GSM, 0x6FAD),
	M("51.011 10.3", "EF_Phase (7F20/6FAE)", GSM, 0x6FAE),

	/* TS 31.102 §4.2.8 and §5: the USIM's services and their files */
	U(1, "local phone book", "31.102 4.4.2", "DF_PHONEBOOK (7FFF/5F3A)", USIM, 0x5F3A),
	U(2, "FDN", "31.102 4.2", "EF_FDN (7FFF/6F3B)", USIM, 0x6F3B),
	U(3, "extension 2", "31.102 4.2", "EF_EXT2 (7FFF/6F4B)", USIM, 0x6F4B),
	U(4, "SDN", "31.102 4.2", "EF_SDN (7FFF/6F49)", USIM, 0x6F49),
	U(5, "extension 3", "31.102 4.2", "EF_EXT3 (7FFF/6F4C)", USIM, 0x6F4C),
	U(6, "BDN", "31.102 4.2", "EF_BDN (7FFF/6F4D)", USIM, 0x6F4D),
	U(7, "extension 4", "31.102 4.2", "EF_EXT4 (7FFF/6F55)", USIM, 0x6F55),
	U(8, "OCI and OCT", "31.102 4.2", "EF_OCI (7FFF/6F80)", USIM, 0x6F80),
	U(8, "OCI and OCT", "31.102 4.2", "EF_OCT (7FFF/6F81)", USIM, 0x6F81),
	U(9, "ICI and ICT", "31.102 4.2", "EF_ICI (7FFF/6F82)", USIM, 0x6F82),
	U(9, "ICI and ICT", "31.102 4.2", "EF_ICT (7FFF/6F83)", USIM, 0x6F83),
	U(10, "SMS", "31.102 4.2", "EF_SMS (7FFF/6F3C)", USIM, 0x6F3C),
	U(10, "SMS", "31.102 4.2", "EF_SMSS (7FFF/6F43)", USIM, 0x6F43),
	U(11, "SMSR", "31.102 4.2", "EF_SMSR (7FFF/6F47)", USIM, 0x6F47),
	U(12, "SMSP", "31.102 4.2", "EF_SMSP (7FFF/6F42)", USIM, 0x6F42),
	U(13, "AoC", "31.102 4.2", "EF_ACM (7FFF/6F39)", USIM, 0x6F39),
	U(13, "AoC", "31.102 4.2", "EF_ACMmax (7FFF/6F37)", USIM, 0x6F37),
	U(13, "AoC", "31.102 4.2", "EF_PUCT (7FFF/6F41)", USIM, 0x6F41),
	U(14, "CCP2", "31.102 4.2", "EF_CCP2 (7FFF/6F4F)", USIM, 0x6F4F),
	U(15, "CBMI", "31.102 4.2", "EF_CBMI (7FFF/6F45)", USIM, 0x6F45),
	U(16, "CBMIR", "31.102 4.2", "EF_CBMIR (7FFF/6F50)", USIM, 0x6F50),
	U(17, "GID1", "31.102 4.2", "EF_GID1 (7FFF/6F3E)", USIM, 0x6F3E),
	U(18, "GID2", "31.102 4.2", "EF_GID2 (7FFF/6F3F)", USIM, 0x6F3F),
	U(19, "SPN", "31.102 4.2", "EF_SPN (7FFF/6F46)", USIM, 0x6F46),
	U(20, "user PLMN selector with AcT", "31.102 4.2", "EF_PLMNwAcT (7FFF/6F60)",
	  USIM, 0x6F60),
	U(21, "MSISDN", "31.102 4.2", "EF_MSISDN (7FFF/6F40)", USIM, 0x6F40),
	U(22, "image", "31.102 4.6", "EF_IMG (7F10/5F50/4F20)", TEL, 0x5F50, 0x4F20),
	U(23, "SoLSA", "31.102 4.4", "DF_SoLSA (7FFF/5F70)", USIM, 0x5F70),
	U(24, "eMLPP", "31.102 4.2", "EF_eMLPP (7FFF/6FB5)", USIM, 0x6FB5),
	U(25, "automatic answer for eMLPP", "31.102 4.2", "EF_AaeM (7FFF/6FB6)",
	  USIM, 0x6FB6),
	U(27, "GSM access", "31.102 4.4.3", "EF_Kc (7FFF/5F3B/4F20)",
	  USIM, 0x5F3B, 0x4F20),
	U(27, "GSM access", "31.102 4.4.3", "EF_KcGPRS (7FFF/5F3B/4F52)",
	  USIM, 0x5F3B, 0x4F52),
	U(29, "data download via SMS-CB", "31.102 4.2", "EF_CBMID (7FFF/6F48)",
	  USIM, 0x6F48),
	U(34, "EST", "31.102 4.2", "EF_EST (7FFF/6F56)", USIM, 0x6F56),
	U(35, "ACL", "31.102 4.2", "EF_ACL (7FFF/6F57)", USIM, 0x6F57),
	U(36, "DCK", "31.102 4.2", "EF_DCK (7FFF/6F2C)", USIM, 0x6F2C),
	U(37, "CNL", "31.102 4.2", "EF_CNL (7FFF/6F32)", USIM, 0x6F32),
	U(39, "CPBCCH", "31.102 4.4.3", "EF_CPBCCH (7FFF/5F3B/4F63)",
	  USIM, 0x5F3B, 0x4F63),
	U(40, "investigation scan", "31.102 4.4.3", "EF_InvScan (7FFF/5F3B/4F64)",
	  USIM, 0x5F3B, 0x4F64),
	U(41, "MExE", "31.102 4.4", "DF_MExE (7FFF/5F3C)", USIM, 0x5F3C),
	U(42, "operator PLMN selector with AcT", "31.102 4.2", "EF_OPLMNwAcT (7FFF/6F61)",
	  USIM, 0x6F61),
	U(43, "HPLMN selector with AcT", "31.102 4.2", "EF_HPLMNwAcT (7FFF/6F62)",
	  USIM, 0x6F62),
	U(44, "extension 5", "31.102 4.2", "EF_EXT5 (7FFF/6F4E)", USIM, 0x6F4E),
	U(45, "PLMN network name", "31.102 4.2", "EF_PNN (7FFF/6FC5)", USIM, 0x6FC5),
	U(46, "operator PLMN list", "31.102 4.2", "EF_OPL (7FFF/6FC6)", USIM, 0x6FC6),
	U(47, "MBDN", "31.102 4.2", "EF_MBDN (7FFF/6FC7)", USIM, 0x6FC7),
	U(47, "MBDN", "31.102 4.2", "EF_MBI (7FFF/6FC9)", USIM, 0x6FC9),
	U(48, "MWIS", "31.102 4.2", "EF_MWIS (7FFF/6FCA)", USIM, 0x6FCA),
	U(49, "CFIS", "31.102 4.2", "EF_CFIS (7FFF/6FCB)", USIM, 0x6FCB),
	U(51, "SPDI", "31.102 4.2", "EF_SPDI (7FFF/6FCD)", USIM, 0x6FCD),
	U(71, "EHPLMN", "31.102 4.2", "EF_EHPLMN (7FFF/6FD9)", USIM, 0x6FD9),
	U(85, "EPS mobility management information", "31.102 4.2",
	  "EF_EPSLOCI (7FFF/6FE3)", USIM, 0x6FE3),
	U(85, "EPS mobility management information", "31.102 4.2",
	  "EF_EPSNSC (7FFF/6FE4)", USIM, 0x6FE4),
	U(122, "5GS mobility management information", "31.102 4.4.11",
	  "EF_5GS3GPPLOCI (7FFF/5FC0/4F01)", USIM, 0x5FC0, 0x4F01),
	U(122, "5GS mobility management information", "31.102 4.4.11",
	  "EF_5GSN3GPPLOCI (7FFF/5FC0/4F02)", USIM, 0x5FC0, 0x4F02),
	U(122, "5GS mobility management information", "31.102 4.4.11",
	  "EF_5GS3GPPNSC (7FFF/5FC0/4F03)", USIM, 0x5FC0, 0x4F03),
	U(122, "5GS mobility management information", "31.102 4.4.11",
	  "EF_5GSN3GPPNSC (7FFF/5FC0/4F04)", USIM, 0x5FC0, 0x4F04),
	U(123, "5G security parameters", "31.102 4.4.11",
	  "EF_5GAUTHKEYS (7FFF/5FC0/4F05)", USIM, 0x5FC0, 0x4F05),
	/* ... and shall not be available while the service is off */
	{ VUICC_SVC_UST, 124, VUICC_SVC_HIDE_OFF, 3, { USIM, 0x5FC0, 0x4F07 }, "31.102 4.4.11.8",
	  S124 " is on but the card has no " SUCI, SUCI " is given but " S124 " is off" },
	U(124, "subscription identifier privacy support", "31.102 4.4.11",
	  "EF_Routing_Indicator (7FFF/5FC0/4F0A)", USIM, 0x5FC0, 0x4F0A),
	U(126, "UAC access identities", "31.102 4.4.11",
	  "EF_UAC_AIC (7FFF/5FC0/4F06)", USIM, 0x5FC0, 0x4F06),
	U(129, "5GS operator PLMN list", "31.102 4.4.11",
	  "EF_OPL5G (7FFF/5FC0/4F08)", USIM, 0x5FC0, 0x4F08),
	U(130, "SUPI of type NSI, GLI or GCI", "31.102 4.4.11",
	  "EF_SUPI_NAI (7FFF/5FC0/4F09)", USIM, 0x5FC0, 0x4F09),

	/* TS 51.011 §10.3.7 and §10.5: the SIM's services and their files */
	S(2, "ADN", "51.011 10.5", "EF_ADN (7F10/6F3A)", TEL, 0x6F3A),
	S(3, "FDN", "51.011 10.5", "EF_FDN (7F10/6F3B)", TEL, 0x6F3B),
	S(4, "SMS", "51.011 10.5", "EF_SMS (7F10/6F3C)", TEL, 0x6F3C),
	S(5, "AoC", "51.011 10.3", "EF_ACM (7F20/6F39)", GSM, 0x6F39),
	S(5, "AoC", "51.011 10.3", "EF_ACMmax (7F20/6F37)", GSM, 0x6F37),
	S(5, "AoC", "51.011 10.3", "EF_PUCT (7F20/6F41)", GSM, 0x6F41),
	S(6, "CCP", "51.011 10.5", "EF_CCP (7F10/6F3D)", TEL, 0x6F3D),
	S(7, "PLMN selector", "51.011 10.3", "EF_PLMNsel (7F20/6F30)", GSM, 0x6F30),
	S(9, "MSISDN", "51.011 10.5", "EF_MSISDN (7F10/6F40)", TEL, 0x6F40),
	S(10, "extension 1", "51.011 10.5", "EF_EXT1 (7F10/6F4A)", TEL, 0x6F4A),
	S(11, "extension 2", "51.011 10.5", "EF_EXT2 (7F10/6F4B)", TEL, 0x6F4B),
	S(12, "SMSP", "51.011 10.5", "EF_SMSP (7F10/6F42)", TEL, 0x6F42),
	S(13, "LND", "51.011 10.5", "EF_LND (7F10/6F44)", TEL, 0x6F44),
	S(14, "CBMI", "51.011 10.3", "EF_CBMI (7F20/6F45)", GSM, 0x6F45),
	S(15, "GID1", "51.011 10.3", "EF_GID1 (7F20/6F3E)", GSM, 0x6F3E),
	S(16, "GID2", "51.011 10.3", "EF_GID2 (7F20/6F3F)", GSM, 0x6F3F),
	S(17, "SPN", "51.011 10.3", "EF_SPN (7F20/6F46)", GSM, 0x6F46),
	S(18, "SDN", "51.011 10.5", "EF_SDN (7F10/6F49)", TEL, 0x6F49),
	S(19, "extension 3", "51.011 10.5", "EF_EXT3 (7F10/6F4C)", TEL, 0x6F4C),
};

#undef M
#undef U
#undef S
#undef USIM
#undef S124
#undef SUCI
#undef GSM
#undef TEL

const unsigned int vuicc_svc_n_files = ARRAY_SIZE(vuicc_svc_files);
VUICC_EXPORT_FOR_KUNIT(vuicc_svc_files);
VUICC_EXPORT_FOR_KUNIT(vuicc_svc_n_files);

/* The services with no file of their own that this card has. */
static const struct {
	u8 table;
	u8 service;
} vuicc_svc_bare[] = {
	{ VUICC_SVC_UST, 33 },	/* packet switched domain (TS 31.102: set to 1) */
	{ VUICC_SVC_UST, 38 },	/* GSM security context: AUTHENTICATE P2 80 */
	{ VUICC_SVC_SST, 1 },	/* CHV1 disable function */
};

/* EF_UST or EF_SST, or NULL */
static struct vuicc_file *vuicc_svc_table(struct vuicc_fs *fs, u8 table)
{
	static const u8 ust[] = { 0x3F, 0x00, 0x7F, 0xFF, 0x6F, 0x38 };
	static const u8 sst[] = { 0x3F, 0x00, 0x7F, 0x20, 0x6F, 0x38 };
	struct vuicc_file *f;

	f = vuicc_fs_by_path(fs, table == VUICC_SVC_UST ? ust : sst, 6);
	return f && f->type == VUICC_FILE_EF ? f : NULL;
}

static bool vuicc_svc_bit(const struct vuicc_file *f, u8 table, unsigned int service)
{
	unsigned int n = service - 1;

	if (!f || !service)
		return false;
	if (table == VUICC_SVC_UST)
		return n / 8 < f->size && (f->data[n / 8] & BIT(n % 8));
	return n / 4 < f->size && ((f->data[n / 4] >> (2 * (n % 4))) & 3) == 3;
}

/**
 * vuicc_svc_on() - whether a service is on in the card's service table
 * @fs: the file tree
 * @table: %VUICC_SVC_UST or %VUICC_SVC_SST (%VUICC_SVC_NONE: always on)
 * @service: its number, from 1
 *
 * EF_UST has a bit per service; EF_SST two, "allocated" and "activated",
 * and a SIM service counts only when both are set.  A service beyond the
 * table's end is off.
 *
 * Return: true when on.
 */
bool vuicc_svc_on(struct vuicc_fs *fs, u8 table, u8 service)
{
	if (table == VUICC_SVC_NONE)
		return true;
	return vuicc_svc_bit(vuicc_svc_table(fs, table), table, service);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_on);

/**
 * vuicc_svc_find() - the file a row names, if the card has it
 * @fs: the file tree
 * @r: the row
 *
 * Return: the file, or NULL (also when it is hidden).
 */
struct vuicc_file *vuicc_svc_find(struct vuicc_fs *fs, const struct vuicc_svc_file *r)
{
	u8 path[2 + 2 * ARRAY_SIZE(r->path)];
	struct vuicc_file *f;
	unsigned int i;

	path[0] = 0x3F;
	path[1] = 0x00;
	for (i = 0; i < r->depth; i++) {
		path[2 + 2 * i] = r->path[i] >> 8;
		path[3 + 2 * i] = r->path[i] & 0xFF;
	}
	f = vuicc_fs_by_path(fs, path, 2 + 2 * r->depth);
	return f && !f->hidden ? f : NULL;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_find);

/**
 * vuicc_svc_known() - whether the card can have a service on
 * @table: %VUICC_SVC_UST or %VUICC_SVC_SST
 * @service: its number
 *
 * Return: true for a service of the table (whose files are then checked)
 * and for the services with no file that the card implements.
 */
bool vuicc_svc_known(u8 table, u8 service)
{
	unsigned int i;

	for (i = 0; i < vuicc_svc_n_files; i++)
		if (vuicc_svc_files[i].table == table && vuicc_svc_files[i].service == service)
			return true;
	for (i = 0; i < ARRAY_SIZE(vuicc_svc_bare); i++)
		if (vuicc_svc_bare[i].table == table && vuicc_svc_bare[i].service == service)
			return true;
	return false;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_known);

/* The first service on in @table that the card does not know, or 0. */
static u8 vuicc_svc_first_unknown(struct vuicc_fs *fs, u8 table)
{
	const struct vuicc_file *f = vuicc_svc_table(fs, table);
	unsigned int n, max;

	if (!f)
		return 0;
	max = min_t(unsigned int, 255, f->size * (table == VUICC_SVC_UST ? 8 : 4));
	for (n = 1; n <= max; n++)
		if (vuicc_svc_bit(f, table, n) && !vuicc_svc_known(table, n))
			return n;
	return 0;
}

/* The file a row names, hidden or not (its DF never is). */
static struct vuicc_file *vuicc_svc_find_any(struct vuicc_fs *fs, const struct vuicc_svc_file *r)
{
	struct vuicc_svc_file up = *r;
	struct vuicc_file *df;
	unsigned int i;

	up.depth--;
	df = up.depth ? vuicc_svc_find(fs, &up) : fs->mf;
	if (!df)
		return NULL;
	for (i = 0; i < fs->n_files; i++)
		if (fs->files[i].parent == df && fs->files[i].fid == r->path[r->depth - 1] &&
		    &fs->files[i] != df)
			return &fs->files[i];
	return NULL;
}

/* Takes @f out of its DF's list, or puts it back at the end. */
static void vuicc_svc_show(struct vuicc_file *f, bool show)
{
	struct vuicc_file **pp = &f->parent->child;

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (show && !*pp) {
		*pp = f;
		f->next = NULL;
	} else if (!show && *pp) {
		*pp = f->next;
		f->next = NULL;
	}
	f->hidden = !show;
}

/**
 * vuicc_svc_refresh() - show or hide the files that depend on a service
 * @fs: the tree
 *
 * A file that shall not be available while its service is off leaves the
 * tree, with its links; it comes back when the service is turned on (an
 * update of EF_UST or EF_SST with ADM rights).
 */
void vuicc_svc_refresh(struct vuicc_fs *fs)
{
	const struct vuicc_svc_file *r;
	struct vuicc_file *f;
	unsigned int i, j;
	bool on;

	for (i = 0; i < vuicc_svc_n_files; i++) {
		r = &vuicc_svc_files[i];
		if (!(r->flags & VUICC_SVC_HIDE_OFF))
			continue;
		f = vuicc_svc_find_any(fs, r);
		if (!f)
			continue;
		on = vuicc_svc_on(fs, r->table, r->service);
		vuicc_svc_show(f, on);
		for (j = 0; j < fs->n_files; j++)
			if (fs->files[j].link == f)
				vuicc_svc_show(&fs->files[j], on);
	}
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_refresh);

/**
 * vuicc_svc_is_table() - whether a file is a service table
 * @f: the file
 *
 * Return: true for EF_UST (the USIM's 6F38) and EF_SST (DF_GSM's 6F38).
 */
bool vuicc_svc_is_table(const struct vuicc_file *f)
{
	return f->fid == 0x6F38 && (f->parent->type == VUICC_FILE_ADF ||
				    f->parent->fid == VUICC_FID_DF_GSM);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_is_table);

/* Whether the profile gives @f's content, under any of its paths. */
static int vuicc_svc_given(struct vuicc_fs *fs, const struct vuicc_profile *p,
			   struct vuicc_file *f)
{
	struct vuicc_file *g;
	unsigned int i;

	for (i = 0; i < p->n_files; i++) {
		g = vuicc_fs_by_path(fs, p->files[i]->path, p->files[i]->path_len);
		if (g && vuicc_fs_owner(g) == vuicc_fs_owner(f))
			return i;
	}
	return -1;
}

/**
 * vuicc_svc_check() - the service tables against the files, once built
 * @fs: the tree, the profile's contents applied
 * @p: the profile
 * @err: set to what disagrees: the message, the index of the content at
 *	fault, or the service the card does not support
 *
 * Every file a service that is on needs must be there (mandatory files
 * count as always on), and every service that is on must be one the card
 * knows.  A file that shall not be available while its service is off
 * leaves the tree; the profile may not give its content.
 *
 * Return: 0, or -EPROTO with @err set.
 */
int vuicc_svc_check(struct vuicc_fs *fs, const struct vuicc_profile *p,
		    struct vuicc_svc_err *err)
{
	static const u8 tables[] = { VUICC_SVC_UST, VUICC_SVC_SST };
	const struct vuicc_svc_file *r;
	struct vuicc_file *f;
	unsigned int i;
	u8 n;

	for (i = 0; i < vuicc_svc_n_files; i++) {
		r = &vuicc_svc_files[i];
		f = vuicc_svc_find(fs, r);
		if (vuicc_svc_on(fs, r->table, r->service)) {
			if (!f) {
				err->why = r->need;
				return -EPROTO;
			}
			continue;
		}
		if (!(r->flags & VUICC_SVC_HIDE_OFF) || !f)
			continue;
		err->bad_file = vuicc_svc_given(fs, p, f);
		if (err->bad_file >= 0) {
			err->why = r->off;
			return -EPROTO;
		}
	}
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		n = vuicc_svc_first_unknown(fs, tables[i]);
		if (n) {
			err->table = tables[i];
			err->service = n;
			err->why = tables[i] == VUICC_SVC_UST ?
				   "a USIM service is on that this card does not support" :
				   "a GSM service is on that this card does not support";
			return -EPROTO;
		}
	}
	vuicc_svc_refresh(fs);
	return 0;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_check);

/**
 * vuicc_svc_build() - the file system of a profile, checked
 * @p: the profile: identity and EF contents
 * @err: what the template, the contents or the service tables refused
 *
 * Return: the tree (vuicc_fs_build()) with its service tables checked
 * (vuicc_svc_check()), or an ERR_PTR: vuicc_fs_build()'s errors, or
 * -EPROTO with @err naming the service and the file.
 */
struct vuicc_fs *vuicc_svc_build(const struct vuicc_profile *p, struct vuicc_svc_err *err)
{
	struct vuicc_fs *fs;
	int ret;

	memset(err, 0, sizeof(*err));
	fs = vuicc_fs_build(p, &err->bad_file);
	if (IS_ERR(fs))
		return fs;
	ret = vuicc_svc_check(fs, p, err);
	if (ret) {
		vuicc_fs_free(fs);
		return ERR_PTR(ret);
	}
	return fs;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_svc_build);
