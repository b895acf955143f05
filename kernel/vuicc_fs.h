/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card's file system (ETSI TS 102 221 §8): a tree of MF, DFs, ADFs and
 * EFs, built for each profile from a template, the profile's identity and
 * its EF contents.
 */
#ifndef _VUICC_FS_H
#define _VUICC_FS_H

#include <linux/types.h>

struct vuicc_profile;

/* TS 102 221 §8.1, §8.2 */
#define VUICC_FID_MF		0x3F00
#define VUICC_FID_ADF		0x7FFF	/* the current application (§8.4.1) */
#define VUICC_FID_DF_TELECOM	0x7F10
#define VUICC_FID_DF_GSM	0x7F20
#define VUICC_FID_DF_5GS	0x5FC0
#define VUICC_FID_DF_GSM_ACCESS	0x5F3B
#define VUICC_FID_EF_DIR	0x2F00
#define VUICC_FID_EF_ICCID	0x2FE2
#define VUICC_FID_EF_PL		0x2F05
#define VUICC_FID_EF_ARR	0x2F06
#define VUICC_FID_EF_ARR_ADF	0x6F06	/* TS 31.102 §4.2.55: the USIM's own */

/* TS 102 221 §11.1.1.4.3: life cycle status "operational, activated" */
#define VUICC_LCS_ACTIVATED	0x05

/* TS 102 221 §9.4.2 key references */
#define VUICC_KEYREF_PIN1	0x01
#define VUICC_KEYREF_PIN2	0x81
#define VUICC_KEYREF_ADM1	0x0A

enum vuicc_file_type {
	VUICC_FILE_MF,
	VUICC_FILE_DF,
	VUICC_FILE_ADF,
	VUICC_FILE_EF,
};

/* TS 102 221 §8.2.2: EF structures */
enum vuicc_ef_struct {
	VUICC_EF_TRANSPARENT,
	VUICC_EF_LINEAR,
	VUICC_EF_CYCLIC,
	VUICC_EF_BERTLV,
};

/*
 * Access conditions, each the meaning of one record of EF_ARR (which the
 * template writes to match): who may read, who may update.
 */
enum vuicc_access {
	VUICC_ACC_ALW,
	VUICC_ACC_PIN1,
	VUICC_ACC_PIN2,
	VUICC_ACC_ADM,
	VUICC_ACC_NEV,
};

/**
 * struct vuicc_file - one file of the tree
 * @fid: file identifier
 * @type: &enum vuicc_file_type
 * @structure: &enum vuicc_ef_struct, for EFs
 * @sfi: short file identifier, 0 for none
 * @arr_rec: the EF_ARR record holding its access rules
 * @rd: who may read (&enum vuicc_access)
 * @upd: who may update
 * @rec_len: record length, for record EFs
 * @n_rec: number of records
 * @cyclic_first: for cyclic EFs, the index (0-based) of record 1, the newest
 * @changed: the modem has updated it since the profile was added (set on
 *	the file that owns the data, never on a link)
 * @hidden: its service is off and the specification says it shall then not
 *	be available: it is out of the tree
 * @link: the file whose content this one is, under another path (TS 31.102
 *	and TS 51.011 files that real cards share between DF_GSM/DF_TELECOM
 *	and the USIM), or NULL
 * @size: bytes of @data
 * @data: the content
 * @aid: the application identifier of an ADF
 * @aid_len: its length
 * @parent: the DF holding it (the MF is its own parent)
 * @child: its first child, for DFs
 * @next: its next sibling
 */
struct vuicc_file {
	u16 fid;
	u8 type;
	u8 structure;
	u8 sfi;
	u8 arr_rec;
	u8 rd;
	u8 upd;
	u8 rec_len;
	u8 n_rec;
	u8 cyclic_first;
	bool changed;
	bool hidden;
	u16 size;
	u8 *data;
	u8 aid[16];
	u8 aid_len;
	struct vuicc_file *parent;
	struct vuicc_file *child;
	struct vuicc_file *next;
	struct vuicc_file *link;
};

/**
 * struct vuicc_fs - the file tree of one profile
 * @mf: the root
 * @usim: the USIM ADF
 * @files: all files, in one allocation
 * @n_files: entries in @files
 */
struct vuicc_fs {
	struct vuicc_file *mf;
	struct vuicc_file *usim;
	struct vuicc_file *files;
	unsigned int n_files;
};

struct vuicc_fs *vuicc_fs_build(const struct vuicc_profile *p, int *bad_file);
void vuicc_fs_free(struct vuicc_fs *fs);

struct vuicc_file *vuicc_fs_child(const struct vuicc_file *df, u16 fid);
struct vuicc_file *vuicc_fs_by_sfi(const struct vuicc_file *df, u8 sfi);
struct vuicc_file *vuicc_fs_by_path(struct vuicc_fs *fs, const u8 *path, size_t len);
int vuicc_fs_path_of(const struct vuicc_file *f, u8 *path, size_t max);
void vuicc_fs_export(const struct vuicc_file *f, u8 *out);
u8 *vuicc_fs_record(struct vuicc_file *f, unsigned int n);
u16 vuicc_fs_arr_fid(const struct vuicc_file *f);

/* the file that owns @f's content: @f itself, or what it links to */
static inline struct vuicc_file *vuicc_fs_owner(struct vuicc_file *f)
{
	return f->link ? f->link : f;
}

/* Encodings the template and KUnit share */
int vuicc_encode_imsi(const char *imsi, u8 *out);
int vuicc_encode_iccid(const char *iccid, u8 *out);
void vuicc_encode_plmn(const char *imsi, unsigned int mnc_len, u8 *out);

#endif /* _VUICC_FS_H */
