// SPDX-License-Identifier: GPL-2.0
/*
 * The file commands: the FCP and the GSM SELECT response, selection by
 * FID, path and AID, STATUS, READ/UPDATE BINARY and RECORD, SEARCH RECORD
 * and INCREASE (TS 102 221 §8, §11.1.1-8; TS 51.011 §9.2).
 *
 * Everything runs under the card's lock (vuicc_engine.c dispatches).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_cmd.h"
#include "vuicc_engine.h"
#include "vuicc_fs.h"
#include "vuicc_profile.h"
#include "vuicc_svc.h"
#include "vuicc_sw.h"

/* ---- FCP (TS 102 221 §11.1.1.3) ---- */

static u8 *vuicc_tlv(u8 *o, u8 tag, const void *v, u8 len)
{
	*o++ = tag;
	*o++ = len;
	memcpy(o, v, len);
	return o + len;
}

/* The PIN status template DO (TS 102 221 §9.5.2), for DFs and ADFs. */
static u8 *vuicc_fcp_pin_status(struct vuicc_ctx *c, u8 *o)
{
	bool pin1 = c->p && c->p->pin1_enabled;
	bool pin2 = c->p && c->p->secrets->pin_set[VUICC_PIN2];
	u8 ps = (pin1 ? 0x80 : 0) | (pin2 ? 0x40 : 0) | 0x20;
	const u8 v[] = {
		0x90, 0x01, ps,
		0x95, 0x01, 0x08, 0x83, 0x01, VUICC_KEYREF_PIN1,
		0x83, 0x01, VUICC_KEYREF_PIN2,
		0x83, 0x01, VUICC_KEYREF_ADM1,
	};

	return vuicc_tlv(o, 0xC6, v, sizeof(v));
}

int vuicc_fcp(struct vuicc_ctx *c, struct vuicc_file *f, u8 *out)
{
	u8 *o = out + 2;
	u8 b[8];

	if (f->type == VUICC_FILE_EF) {
		b[0] = f->structure == VUICC_EF_LINEAR ? 0x42 :
		       f->structure == VUICC_EF_CYCLIC ? 0x46 : 0x41;
		b[1] = 0x21;
		if (f->structure == VUICC_EF_TRANSPARENT) {
			o = vuicc_tlv(o, 0x82, b, 2);
		} else {
			b[2] = 0x00;
			b[3] = f->rec_len;
			b[4] = f->n_rec;
			o = vuicc_tlv(o, 0x82, b, 5);
		}
	} else {
		b[0] = 0x78;
		b[1] = 0x21;
		o = vuicc_tlv(o, 0x82, b, 2);
	}
	vuicc_put_be16(f->fid, b);
	o = vuicc_tlv(o, 0x83, b, 2);
	if (f->type == VUICC_FILE_ADF)
		o = vuicc_tlv(o, 0x84, f->aid, f->aid_len);
	if (f->type == VUICC_FILE_MF) {
		/* UICC characteristics: clock stop allowed, classes A-C (§11.1.1.4.6.1) */
		b[0] = 0x80;
		b[1] = 0x01;
		b[2] = 0x71;
		o = vuicc_tlv(o, 0xA5, b, 3);
	}
	b[0] = VUICC_LCS_ACTIVATED;
	o = vuicc_tlv(o, 0x8A, b, 1);
	vuicc_put_be16(vuicc_fs_arr_fid(f), b);
	b[2] = f->arr_rec;
	o = vuicc_tlv(o, 0x8B, b, 3);
	if (f->type == VUICC_FILE_EF) {
		vuicc_put_be16(f->size, b);
		o = vuicc_tlv(o, 0x80, b, 2);
		/* §11.1.1.4.8: an EF without SFI says so with an empty tag 88 */
		b[0] = f->sfi << 3;
		o = vuicc_tlv(o, 0x88, b, f->sfi ? 1 : 0);
	} else {
		o = vuicc_fcp_pin_status(c, o);
	}
	out[0] = 0x62;
	out[1] = o - out - 2;
	return o - out;
}

/* TS 51.011 §9.2.1: the response to SELECT in the GSM class */
static int vuicc_gsm_select_response(struct vuicc_ctx *c, struct vuicc_file *f, u8 *o)
{
	static const u8 acc_nibble[] = {
		[VUICC_ACC_ALW] = 0x0, [VUICC_ACC_PIN1] = 0x1, [VUICC_ACC_PIN2] = 0x2,
		[VUICC_ACC_ADM] = 0x4, [VUICC_ACC_NEV] = 0xF,
	};
	struct vuicc_file *k;
	u8 ndf = 0, nef = 0;
	u8 *tries = c->p ? c->p->pin_tries : NULL;

	memset(o, 0, 22);
	vuicc_put_be16(f->fid, o + 4);
	if (f->type == VUICC_FILE_EF) {
		vuicc_put_be16(f->size, o + 2);
		o[6] = 0x04;
		o[8] = acc_nibble[f->rd] << 4 | acc_nibble[f->upd];
		o[9] = 0x4F;	/* increase: ADM; RFU */
		o[10] = 0x44;	/* rehabilitate, invalidate: ADM */
		o[11] = 0x01;	/* not invalidated */
		o[12] = 0x02;
		o[13] = f->structure == VUICC_EF_LINEAR ? 0x01 :
			f->structure == VUICC_EF_CYCLIC ? 0x03 : 0x00;
		o[14] = f->rec_len;
		return 15;
	}
	for (k = f->child; k; k = k->next) {
		if (k->type == VUICC_FILE_EF)
			nef++;
		else
			ndf++;
	}
	o[6] = f->type == VUICC_FILE_MF ? 0x01 : 0x02;
	o[12] = 9;
	/* file characteristics: clock stop allowed; b8 set when CHV1 is disabled */
	o[13] = 0x03 | ((c->p && !c->p->pin1_enabled) ? 0x80 : 0);
	o[14] = ndf;
	o[15] = nef;
	o[16] = 4;
	if (tries) {
		o[18] = 0x80 | tries[VUICC_PIN1];
		o[19] = 0x80 | tries[VUICC_PUK1];
		o[20] = 0x80 | tries[VUICC_PIN2];
		o[21] = 0x80 | tries[VUICC_PUK2];
	}
	return 22;
}

/**
 * vuicc_engine_fcp() - the FCP template of a file, as SELECT returns it
 * @card: the card, locked
 * @f: the file
 * @out: at least %VUICC_RDATA_MAX bytes
 *
 * Return: the length of the template.
 */
int vuicc_engine_fcp(struct vuicc_card *card, struct vuicc_file *f, u8 *out)
{
	struct vuicc_ctx c = {
		.card = card, .s = &card->session, .p = card->enabled,
	};

	return vuicc_fcp(&c, f, out);
}

/* ---- persistent changes ---- */

static void vuicc_changed(struct vuicc_ctx *c, struct vuicc_file *f)
{
	/* one file under two paths is reported once, by its owner's path */
	f = vuicc_fs_owner(f);
	f->changed = true;
	if (c->p) {
		c->p->state_seq++;
		c->news->file = f;
	}
}

/* ---- file selection ---- */

static struct vuicc_file *vuicc_find_by_fid(struct vuicc_ctx *c, u16 fid)
{
	struct vuicc_file *df = c->ch->df, *f;

	/* TS 102 221 §8.4.1: the files a FID may select, in this order */
	if (fid == VUICC_FID_MF)
		return c->s->fs->mf;
	if (fid == VUICC_FID_ADF)
		return c->ch->app;
	if (fid == df->fid)
		return df;
	f = vuicc_fs_child(df, fid);
	if (f)
		return f;
	if (df->parent != df) {
		if (df->parent->fid == fid)
			return df->parent;
		f = vuicc_fs_child(df->parent, fid);
		if (f && f->type != VUICC_FILE_EF)
			return f;
	}
	return NULL;
}

static struct vuicc_file *vuicc_find_by_aid(struct vuicc_ctx *c, const u8 *aid, size_t len)
{
	struct vuicc_file *f;

	if (!len || len > 16)
		return NULL;
	for (f = c->s->fs->mf->child; f; f = f->next)
		if (f->type == VUICC_FILE_ADF && len <= f->aid_len &&
		    !memcmp(f->aid, aid, len))
			return f;
	return NULL;
}

static struct vuicc_file *vuicc_find_by_path(struct vuicc_ctx *c, struct vuicc_file *f,
					     const u8 *path, size_t len)
{
	size_t i;
	u16 fid;

	if (!len || len % 2)
		return NULL;
	for (i = 0; f && i < len; i += 2) {
		fid = vuicc_get_be16(path + i);
		if (f->type == VUICC_FILE_EF)
			return NULL;
		if (fid == VUICC_FID_ADF && i == 0 && f->type == VUICC_FILE_MF)
			f = c->ch->app;
		else
			f = vuicc_fs_child(f, fid);
	}
	return f;
}

static void vuicc_select(struct vuicc_ctx *c, struct vuicc_file *f)
{
	if (f->type == VUICC_FILE_EF) {
		c->ch->ef = f;
		c->ch->df = f->parent;
	} else {
		c->ch->df = f;
		c->ch->ef = NULL;
		if (f->type == VUICC_FILE_ADF)
			c->ch->app = f;
	}
	c->ch->rec = 0;
}

/* SELECT, TS 102 221 §11.1.1 and TS 51.011 §9.2.1 */
u16 vuicc_cmd_select(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f = NULL;
	u8 resp = a->p2 & 0x0C;

	if (c->gsm) {
		if (a->p1 || a->p2)
			return VUICC_SW_WRONG_P1P2;
		if (a->nc != 2)
			return VUICC_SW_WRONG_LENGTH;
		f = vuicc_find_by_fid(c, vuicc_get_be16(a->data));
		if (!f)
			return VUICC_SW_FILE_NOT_FOUND;
		vuicc_select(c, f);
		c->len = vuicc_gsm_select_response(c, f, c->data);
		return VUICC_SW_OK;
	}

	/* P2: 04 FCP, 0C no data, 00 (FCI) answered as FCP; b2-b1 occurrence */
	if ((a->p2 & 0xF0) || resp == 0x08 ||
	    ((a->p2 & 0x03) && a->p1 != 0x04))
		return VUICC_SW_WRONG_P1P2;

	switch (a->p1) {
	case 0x00:	/* by FID; no data selects the MF */
		if (a->nc == 0)
			f = c->s->fs->mf;
		else if (a->nc == 2)
			f = vuicc_find_by_fid(c, vuicc_get_be16(a->data));
		else
			return VUICC_SW_WRONG_LENGTH;
		break;
	case 0x01:	/* a child DF */
		if (a->nc != 2)
			return VUICC_SW_WRONG_LENGTH;
		f = vuicc_fs_child(c->ch->df, vuicc_get_be16(a->data));
		if (f && f->type == VUICC_FILE_EF)
			f = NULL;
		break;
	case 0x03:	/* the parent DF */
		if (a->nc)
			return VUICC_SW_WRONG_LENGTH;
		f = c->ch->df->type == VUICC_FILE_MF ? NULL : c->ch->df->parent;
		break;
	case 0x04:	/* by DF name (AID), whole or its start */
		/* only one application: "next" and "previous" find none */
		if ((a->p2 & 0x03) >= 0x02)
			return VUICC_SW_FILE_NOT_FOUND;
		f = vuicc_find_by_aid(c, a->data, a->nc);
		break;
	case 0x08:	/* path from the MF, without 3F00 */
		f = vuicc_find_by_path(c, c->s->fs->mf, a->data, a->nc);
		break;
	case 0x09:	/* path from the current DF */
		f = vuicc_find_by_path(c, c->ch->df, a->data, a->nc);
		break;
	default:
		return VUICC_SW_WRONG_P1P2;
	}
	if (!f)
		return VUICC_SW_FILE_NOT_FOUND;
	vuicc_select(c, f);
	if (resp != 0x0C)
		c->len = vuicc_fcp(c, f, c->data);
	return VUICC_SW_OK;
}

/* STATUS, TS 102 221 §11.1.2 and TS 51.011 §9.2.2 */
u16 vuicc_cmd_status(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *df = c->ch->app ? c->ch->app : c->ch->df;

	if (c->gsm) {
		if (a->p1 || a->p2)
			return VUICC_SW_WRONG_P1P2;
		c->len = vuicc_gsm_select_response(c, c->ch->df, c->data);
		return VUICC_SW_OK;
	}
	/* P1: no indication, application initialised, or terminating */
	if (a->p1 > 0x02)
		return VUICC_SW_WRONG_P1P2;
	switch (a->p2) {
	case 0x00:
		c->len = vuicc_fcp(c, df, c->data);
		return VUICC_SW_OK;
	case 0x01:
		if (!c->ch->app)
			return VUICC_SW_FILE_NOT_FOUND;
		c->len = vuicc_tlv(c->data, 0x84, c->ch->app->aid, c->ch->app->aid_len) - c->data;
		return VUICC_SW_OK;
	case 0x0C:
		return VUICC_SW_OK;
	default:
		return VUICC_SW_WRONG_P1P2;
	}
}

/* The EF a command works on: by SFI in the current DF, else the current EF. */
static u16 vuicc_target_ef(struct vuicc_ctx *c, u8 sfi, bool records, struct vuicc_file **out)
{
	struct vuicc_file *f;

	if (sfi) {
		f = vuicc_fs_by_sfi(c->ch->df, sfi);
		if (!f)
			return VUICC_SW_FILE_NOT_FOUND;
		c->ch->ef = f;
		c->ch->rec = 0;
	}
	f = c->ch->ef;
	if (!f)
		return VUICC_SW_NO_EF_SELECTED;
	if (records != (f->structure == VUICC_EF_LINEAR || f->structure == VUICC_EF_CYCLIC))
		return VUICC_SW_INCOMPATIBLE_FILE;
	*out = f;
	return VUICC_SW_OK;
}

/*
 * READ and UPDATE BINARY's common part: the APDU case, the EF (the current
 * one, or by SFI in P1) with the access its operation needs, and the
 * offset in it (P1-P2, or P2 after an SFI).
 */
static u16 binary_target(struct vuicc_ctx *c, u8 apdu_case, bool update,
			 struct vuicc_file **fp, u16 *offp)
{
	const struct vuicc_apdu *a = c->a;
	u8 sfi = (a->p1 & 0x80) ? a->p1 & 0x1F : 0;
	u16 off = (a->p1 & 0x80) ? a->p2 : ((a->p1 & 0x7F) << 8 | a->p2);
	struct vuicc_file *f;
	u16 sw;

	if (a->apdu_case != apdu_case)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && sfi)
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, sfi, false, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, update ? f->upd : f->rd))
		return VUICC_SW_SECURITY_STATUS;
	if (off >= f->size)
		return VUICC_SW_WRONG_OFFSET;
	*fp = f;
	*offp = off;
	return VUICC_SW_OK;
}

/* READ BINARY, TS 102 221 §11.1.3 */
u16 vuicc_cmd_read_binary(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	size_t avail, n;
	u16 off, sw;

	sw = binary_target(c, VUICC_APDU_CASE_2, false, &f, &off);
	if (sw != VUICC_SW_OK)
		return sw;
	avail = f->size - off;
	/* Le = 00 asks for what there is, up to 256 bytes */
	n = a->ne == VUICC_APDU_NE_SHORT_MAX ? min_t(size_t, avail, VUICC_RDATA_MAX) : a->ne;
	if (n > avail)
		return VUICC_SW1_WRONG_LE << 8 | (avail & 0xFF);
	memcpy(c->data, f->data + off, n);
	c->len = n;
	c->le_done = true;
	return VUICC_SW_OK;
}

/* UPDATE BINARY, TS 102 221 §11.1.4 */
u16 vuicc_cmd_update_binary(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	u16 off, sw;

	sw = binary_target(c, VUICC_APDU_CASE_3, true, &f, &off);
	if (sw != VUICC_SW_OK)
		return sw;
	if (off + a->nc > f->size)
		return VUICC_SW_WRONG_LENGTH;
	memcpy(f->data + off, a->data, a->nc);
	vuicc_changed(c, f);
	if (vuicc_svc_is_table(f))
		vuicc_svc_refresh(c->s->fs);
	return VUICC_SW_OK;
}

/*
 * The record a READ/UPDATE/SEARCH RECORD addresses (TS 102 221 §11.1.5):
 * P2 b3-b1 02 next, 03 previous, 04 absolute (P1 = 0: current).  Sets
 * @num and, for next and previous, moves the record pointer.
 */
static u16 vuicc_record_number(struct vuicc_ctx *c, struct vuicc_file *f, u8 mode, u8 p1,
			       unsigned int *num)
{
	bool cyclic = f->structure == VUICC_EF_CYCLIC;
	unsigned int cur = c->ch->rec, n;

	switch (mode) {
	case 0x02:
		if (!cur)
			n = 1;
		else if (cur == f->n_rec)
			n = cyclic ? 1 : 0;
		else
			n = cur + 1;
		if (!n)
			return VUICC_SW_RECORD_NOT_FOUND;
		c->ch->rec = n;
		break;
	case 0x03:
		if (!cur)
			n = f->n_rec;
		else if (cur == 1)
			n = cyclic ? f->n_rec : 0;
		else
			n = cur - 1;
		if (!n)
			return VUICC_SW_RECORD_NOT_FOUND;
		c->ch->rec = n;
		break;
	case 0x04:
		n = p1 ? p1 : cur;
		if (!n || n > f->n_rec)
			return VUICC_SW_RECORD_NOT_FOUND;
		break;
	default:
		return VUICC_SW_WRONG_P1P2;
	}
	*num = n;
	return VUICC_SW_OK;
}

/*
 * READ and UPDATE RECORD's common part: the APDU case, and the record EF
 * (the current one, or by SFI in P2) with the access its operation needs.
 */
static u16 record_target(struct vuicc_ctx *c, u8 apdu_case, bool update,
			 struct vuicc_file **fp)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	u16 sw;

	if (a->apdu_case != apdu_case)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && (a->p2 >> 3))
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, a->p2 >> 3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, update ? f->upd : f->rd))
		return VUICC_SW_SECURITY_STATUS;
	*fp = f;
	return VUICC_SW_OK;
}

/* READ RECORD, TS 102 221 §11.1.5 */
u16 vuicc_cmd_read_record(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	unsigned int n;
	u16 sw;

	sw = record_target(c, VUICC_APDU_CASE_2, false, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	sw = vuicc_record_number(c, f, a->p2 & 0x07, a->p1, &n);
	if (sw != VUICC_SW_OK)
		return sw;
	memcpy(c->data, vuicc_fs_record(f, n), f->rec_len);
	c->len = f->rec_len;
	return VUICC_SW_OK;
}

/* UPDATE RECORD, TS 102 221 §11.1.6 */
u16 vuicc_cmd_update_record(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	u8 mode = a->p2 & 0x07;
	struct vuicc_file *f;
	unsigned int n;
	u16 sw;

	sw = record_target(c, VUICC_APDU_CASE_3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (a->nc != f->rec_len)
		return VUICC_SW_WRONG_LENGTH;
	if (f->structure == VUICC_EF_CYCLIC) {
		/* only PREVIOUS: the oldest record becomes record 1 */
		if (mode != 0x03)
			return VUICC_SW_WRONG_P1P2;
		f->cyclic_first = (f->cyclic_first + f->n_rec - 1) % f->n_rec;
		c->ch->rec = 1;
		n = 1;
	} else {
		sw = vuicc_record_number(c, f, mode, a->p1, &n);
		if (sw != VUICC_SW_OK)
			return sw;
	}
	memcpy(vuicc_fs_record(f, n), a->data, f->rec_len);
	vuicc_changed(c, f);
	return VUICC_SW_OK;
}

/*
 * SEARCH RECORD, TS 102 221 §11.1.7: the simple search, forward (P2 b3-b1
 * 100) or backward (101) from record P1, for records that start with the
 * data.  Answers the numbers of the records that match.
 */
u16 vuicc_cmd_search_record(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	u8 mode = a->p2 & 0x07;
	struct vuicc_file *f;
	unsigned int start, i, n;
	u16 sw;

	if (a->apdu_case != VUICC_APDU_CASE_3 && a->apdu_case != VUICC_APDU_CASE_4)
		return VUICC_SW_WRONG_LENGTH;
	sw = vuicc_target_ef(c, a->p2 >> 3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, f->rd))
		return VUICC_SW_SECURITY_STATUS;
	if (mode != 0x04 && mode != 0x05)
		return VUICC_SW_WRONG_P1P2;
	if (a->nc > f->rec_len)
		return VUICC_SW_WRONG_LENGTH;
	start = a->p1 ? a->p1 : (c->ch->rec ? c->ch->rec : (mode == 0x04 ? 1 : f->n_rec));
	if (start > f->n_rec)
		return VUICC_SW_RECORD_NOT_FOUND;
	for (i = 0; i < f->n_rec; i++) {
		n = mode == 0x04 ? start + i : (int)start - (int)i;
		if (n < 1 || n > f->n_rec)
			break;
		if (!memcmp(vuicc_fs_record(f, n), a->data, a->nc))
			c->data[c->len++] = n;
	}
	if (!c->len)
		return VUICC_SW_RECORD_NOT_FOUND;
	c->ch->rec = c->data[0];
	return VUICC_SW_OK;
}

/* INCREASE, TS 102 221 §11.1.8: add to record 1 of a cyclic EF as a new record */
u16 vuicc_cmd_increase(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	u8 *rec, sum[32];
	unsigned int carry = 0, i, j;
	u16 sw;

	sw = vuicc_target_ef(c, c->gsm ? 0 : a->p2 >> 3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (f->structure != VUICC_EF_CYCLIC)
		return VUICC_SW_INCOMPATIBLE_FILE;
	if (!vuicc_access_ok(c, f->upd))
		return VUICC_SW_SECURITY_STATUS;
	if (!a->nc || a->nc > f->rec_len || f->rec_len > sizeof(sum))
		return VUICC_SW_WRONG_LENGTH;
	rec = vuicc_fs_record(f, 1);
	for (i = 0; i < f->rec_len; i++) {
		j = f->rec_len - 1 - i;
		carry += rec[j] + (i < a->nc ? a->data[a->nc - 1 - i] : 0);
		sum[j] = carry & 0xFF;
		carry >>= 8;
	}
	if (carry)
		return VUICC_SW_MAX_VALUE_REACHED;
	f->cyclic_first = (f->cyclic_first + f->n_rec - 1) % f->n_rec;
	memcpy(vuicc_fs_record(f, 1), sum, f->rec_len);
	c->ch->rec = 1;
	memcpy(c->data, sum, f->rec_len);
	memcpy(c->data + f->rec_len, a->data, a->nc);
	c->len = f->rec_len + a->nc;
	vuicc_changed(c, f);
	return VUICC_SW_OK;
}
