// SPDX-License-Identifier: GPL-2.0
/*
 * The card engine: one table from INS to handler, the class byte and
 * logical channels (TS 102 221 §10.1.1), the T=0 procedure at APDU level
 * (§7.3: '61xx' and GET RESPONSE, '6Cxx' for a wrong Le, '9Fxx' in the GSM
 * class), and the commands of TS 102 221 §11 and TS 51.011 §9.
 *
 * Everything runs under the card's lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>	/* crypto_memneq(), in crypto/utils.h from 6.5 on */
#include <linux/random.h>
#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_auth.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_engine.h"
#include "vuicc_fs.h"
#include "vuicc_kunit.h"
#include "vuicc_netlink.h"
#include "vuicc_profile.h"
#include "vuicc_svc.h"
#include "vuicc_sw.h"
#include "vuicc_t0.h"

/*
 * ETSI TS 102 221 §6.3 and ISO/IEC 7816-3 §8.2:
 *   3B        TS, direct convention
 *   9A        T0: TA1 and TD1 follow, 10 historical bytes
 *   96        TA1: Fi = 512, Di = 32
 *   80        TD1: TD2 follows, T = 0
 *   1F        TD2: TA3 follows, T = 15 (global interface bytes)
 *   C7        TA3: clock stop allowed, no preference; classes A, B and C
 *   80        historical bytes: category indicator, COMPACT-TLV follows
 *   31 E0     card service data: selection by full and partial DF name,
 *             EF.DIR holds BER-TLV data objects
 *   73 FE 21 1B  card capabilities: DF selection by name, path and FID,
 *             short EF identifiers, record numbers; one-byte data units;
 *             logical channels assigned by card or terminal, up to 4
 *   82 90 00  status indicator: 9000
 *   xx        TCK, exclusive-or of T0 to the last historical byte
 */
static const u8 vuicc_engine_default_atr[] = {
	0x3B, 0x9A, 0x96, 0x80, 0x1F, 0xC7,
	0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x82, 0x90, 0x00,
};

/* TS 102 221 §9.5.1: PIN and PUK retry counters */
#define VUICC_PIN_TRIES		3
#define VUICC_PUK_TRIES		10

/* The card with no profile: an MF, nothing under it. */
static struct vuicc_file vuicc_empty_mf = {
	.fid = VUICC_FID_MF,
	.type = VUICC_FILE_MF,
	.arr_rec = 1,
	.parent = &vuicc_empty_mf,
};

static struct vuicc_fs vuicc_empty_fs = {
	.mf = &vuicc_empty_mf,
};

/* The classes a command may come in (TS 102 221 Table 10.5). */
enum {
	C_ISO = BIT(0),		/* '0X', '4X'-'7X' */
	C_PROP = BIT(1),	/* '8X', 'CX', 'EX' */
	C_GSM = BIT(2),		/* 'A0', TS 51.011 */
};

struct vuicc_ctx {
	struct vuicc_card *card;
	struct vuicc_session *s;
	struct vuicc_profile *p;
	struct vuicc_channel *ch;
	const struct vuicc_apdu *a;
	u8 chn;
	bool gsm;
	/* response data, before the status word */
	u8 *data;
	size_t len;
	/* the handler sized the data to Le itself */
	bool le_done;
	/* the data carries RES, session keys or AUTS: traces blank it */
	bool secret;
};

void vuicc_engine_atr(struct vuicc_card *card, struct vuicc_atr *atr)
{
	size_t n = sizeof(vuicc_engine_default_atr);
	u8 tck = 0;
	size_t i;

	memset(atr, 0, sizeof(*atr));
	memcpy(atr->bytes, vuicc_engine_default_atr, n);
	for (i = 1; i < n; i++)
		tck ^= atr->bytes[i];
	atr->bytes[n] = tck;
	atr->len = n + 1;
}

/* Called with card->lock held, at every activation and deactivation. */
void vuicc_engine_reset(struct vuicc_card *card)
{
	struct vuicc_session *s = &card->session;
	struct vuicc_fs *fs;

	fs = card->enabled && card->enabled->fs ? card->enabled->fs : &vuicc_empty_fs;
	memset(s, 0, sizeof(*s));
	s->fs = fs;
	s->ch[0].open = true;
	s->ch[0].df = fs->mf;
}

/* ---- access ---- */

static bool vuicc_access_ok(struct vuicc_ctx *c, u8 acc)
{
	switch (acc) {
	case VUICC_ACC_ALW:
		return true;
	case VUICC_ACC_PIN1:
		return c->s->verified[0] || (c->p && !c->p->pin1_enabled);
	case VUICC_ACC_PIN2:
		return c->s->verified[1];
	case VUICC_ACC_ADM:
		return c->s->verified[2];
	default:
		return false;
	}
}

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

static int vuicc_fcp(struct vuicc_ctx *c, struct vuicc_file *f, u8 *out)
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
		vuicc_nl_notify_file(c->card, c->p, f);
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
static u16 vuicc_cmd_select(struct vuicc_ctx *c)
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
static u16 vuicc_cmd_status(struct vuicc_ctx *c)
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

/* READ BINARY, TS 102 221 §11.1.3 */
static u16 vuicc_cmd_read_binary(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	u8 sfi = (a->p1 & 0x80) ? a->p1 & 0x1F : 0;
	u16 off = (a->p1 & 0x80) ? a->p2 : ((a->p1 & 0x7F) << 8 | a->p2);
	struct vuicc_file *f;
	size_t avail, n;
	u16 sw;

	if (a->apdu_case != VUICC_APDU_CASE_2)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && sfi)
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, sfi, false, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, f->rd))
		return VUICC_SW_SECURITY_STATUS;
	if (off >= f->size)
		return VUICC_SW_WRONG_OFFSET;
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
static u16 vuicc_cmd_update_binary(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	u8 sfi = (a->p1 & 0x80) ? a->p1 & 0x1F : 0;
	u16 off = (a->p1 & 0x80) ? a->p2 : ((a->p1 & 0x7F) << 8 | a->p2);
	struct vuicc_file *f;
	u16 sw;

	if (a->apdu_case != VUICC_APDU_CASE_3)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && sfi)
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, sfi, false, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, f->upd))
		return VUICC_SW_SECURITY_STATUS;
	if (off >= f->size)
		return VUICC_SW_WRONG_OFFSET;
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

/* READ RECORD, TS 102 221 §11.1.5 */
static u16 vuicc_cmd_read_record(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_file *f;
	unsigned int n;
	u16 sw;

	if (a->apdu_case != VUICC_APDU_CASE_2)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && (a->p2 >> 3))
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, a->p2 >> 3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, f->rd))
		return VUICC_SW_SECURITY_STATUS;
	sw = vuicc_record_number(c, f, a->p2 & 0x07, a->p1, &n);
	if (sw != VUICC_SW_OK)
		return sw;
	memcpy(c->data, vuicc_fs_record(f, n), f->rec_len);
	c->len = f->rec_len;
	return VUICC_SW_OK;
}

/* UPDATE RECORD, TS 102 221 §11.1.6 */
static u16 vuicc_cmd_update_record(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	u8 mode = a->p2 & 0x07;
	struct vuicc_file *f;
	unsigned int n;
	u16 sw;

	if (a->apdu_case != VUICC_APDU_CASE_3)
		return VUICC_SW_WRONG_LENGTH;
	if (c->gsm && (a->p2 >> 3))
		return VUICC_SW_WRONG_P1P2;
	sw = vuicc_target_ef(c, a->p2 >> 3, true, &f);
	if (sw != VUICC_SW_OK)
		return sw;
	if (!vuicc_access_ok(c, f->upd))
		return VUICC_SW_SECURITY_STATUS;
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
static u16 vuicc_cmd_search_record(struct vuicc_ctx *c)
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
static u16 vuicc_cmd_increase(struct vuicc_ctx *c)
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

/* ---- PINs, TS 102 221 §11.1.9-13 ---- */

/* The PIN a key reference names (and its PUK), or -1. */
static int vuicc_pin_index(u8 keyref, bool unblock)
{
	switch (keyref) {
	case VUICC_KEYREF_PIN1:
		return unblock ? VUICC_PUK1 : VUICC_PIN1;
	case VUICC_KEYREF_PIN2:
		return unblock ? VUICC_PUK2 : VUICC_PIN2;
	case VUICC_KEYREF_ADM1:
		return unblock ? -1 : VUICC_ADM1;
	default:
		return -1;
	}
}

static int vuicc_verified_slot(int idx)
{
	return idx == VUICC_PIN1 ? 0 : idx == VUICC_PIN2 ? 1 : 2;
}

static u16 vuicc_tries_sw(u8 tries)
{
	return tries ? VUICC_SW_PIN_TRIES(tries) : VUICC_SW_PIN_BLOCKED;
}

/* Checks @value against PIN @idx, counting the try. */
static u16 vuicc_pin_check(struct vuicc_ctx *c, int idx, const u8 *value)
{
	struct vuicc_profile *p = c->p;
	u8 max = (idx == VUICC_PUK1 || idx == VUICC_PUK2) ? VUICC_PUK_TRIES : VUICC_PIN_TRIES;

	if (!p->pin_tries[idx])
		return VUICC_SW_PIN_BLOCKED;
	if (crypto_memneq(value, p->secrets->pin[idx], VUICC_PIN_LEN)) {
		p->pin_tries[idx]--;
		return vuicc_tries_sw(p->pin_tries[idx]);
	}
	p->pin_tries[idx] = max;
	return VUICC_SW_OK;
}

/* A new PIN value: 4 to 8 digits, padded with FF (TS 102 221 §9.5.1). */
static bool vuicc_pin_value_ok(const u8 *v)
{
	int i, n = 0;

	for (i = 0; i < VUICC_PIN_LEN && v[i] != 0xFF; i++, n++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	for (; i < VUICC_PIN_LEN; i++)
		if (v[i] != 0xFF)
			return false;
	return n >= 4;
}

static u16 vuicc_cmd_pin(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	bool unblock = a->ins == 0x2C;
	bool enable = a->ins == 0x28;
	int idx = vuicc_pin_index(a->p2, unblock);
	int slot, pin;
	u16 sw;

	if (!c->p)
		return VUICC_SW_REF_NOT_FOUND;
	if (idx < 0 || (a->p1 && !(a->ins == 0x24 && c->gsm)))
		return VUICC_SW_WRONG_P1P2;
	pin = unblock ? (idx == VUICC_PUK1 ? VUICC_PIN1 : VUICC_PIN2) : idx;
	if (!c->p->secrets->pin_set[idx] || !c->p->secrets->pin_set[pin])
		return VUICC_SW_REF_NOT_FOUND;
	slot = vuicc_verified_slot(pin);

	switch (a->ins) {
	case 0x20:	/* VERIFY PIN; no data asks for the retry counter */
		if (a->nc == 0) {
			if (c->s->verified[slot])
				return VUICC_SW_OK;
			return vuicc_tries_sw(c->p->pin_tries[idx]);
		}
		if (a->nc != VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		sw = vuicc_pin_check(c, idx, a->data);
		c->s->verified[slot] = sw == VUICC_SW_OK;
		return sw;
	case 0x24:	/* CHANGE PIN: old, new */
		if (a->nc != 2 * VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (!vuicc_pin_value_ok(a->data + VUICC_PIN_LEN))
			return VUICC_SW_INCORRECT_DATA;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		memcpy(c->p->secrets->pin[idx], a->data + VUICC_PIN_LEN, VUICC_PIN_LEN);
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	case 0x26:	/* DISABLE PIN (PIN1 only) */
	case 0x28:	/* ENABLE PIN */
		if (idx != VUICC_PIN1)
			return VUICC_SW_WRONG_P1P2;
		if (a->nc != VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (c->p->pin1_enabled == enable)
			return VUICC_SW_CONDITIONS_OF_USE;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		c->p->pin1_enabled = enable;
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	case 0x2C:	/* UNBLOCK PIN: PUK, new PIN; no data asks for the PUK's counter */
		if (a->nc == 0)
			return vuicc_tries_sw(c->p->pin_tries[idx]);
		if (a->nc != 2 * VUICC_PIN_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (!vuicc_pin_value_ok(a->data + VUICC_PIN_LEN))
			return VUICC_SW_INCORRECT_DATA;
		sw = vuicc_pin_check(c, idx, a->data);
		if (sw != VUICC_SW_OK)
			return sw;
		memcpy(c->p->secrets->pin[pin], a->data + VUICC_PIN_LEN, VUICC_PIN_LEN);
		c->p->pin_tries[pin] = VUICC_PIN_TRIES;
		c->s->verified[slot] = true;
		return VUICC_SW_OK;
	}
	return VUICC_SW_INS_NOT_SUPPORTED;
}

/* ---- authentication, TS 31.102 §7.1.2 and TS 51.011 §9.2.16 ---- */

/* TS 31.102 §4.2.8: service n27 "GSM access" decides whether Kc is returned */
#define VUICC_UST_GSM_ACCESS	27

static bool vuicc_ust_has(struct vuicc_ctx *c, unsigned int service)
{
	struct vuicc_file *ust = c->ch->app ? vuicc_fs_child(c->ch->app, 0x6F38) : NULL;
	unsigned int n = service - 1;

	return ust && n / 8 < ust->size && (ust->data[n / 8] & BIT(n % 8));
}

static u16 vuicc_auth_fail(struct vuicc_ctx *c, u32 context, u32 result, u16 sw)
{
	vuicc_nl_notify_auth(c->card, c->p, context, result);
	return sw;
}

/* The 3G context: verify MAC-A, then the SQN; answer RES, CK, IK (and Kc). */
static u16 vuicc_auth_3g(struct vuicc_ctx *c, const u8 *rand, const u8 *autn, size_t autn_len)
{
	static const u8 dummy_amf[2];
	struct vuicc_profile *p = c->p;
	unsigned int mac_len = vuicc_auth_mac_len(p), i;
	struct vuicc_auth_out o;
	u8 sqn[6], mac[32], *d = c->data;
	enum vuicc_sqn_verdict v;
	u64 sqn_ms;
	u16 sw;

	if (autn_len != 8 + mac_len)
		return VUICC_SW_WRONG_LENGTH;
	if (vuicc_auth_f2345(p, rand, &o))
		return VUICC_SW_TECHNICAL_PROBLEM;
	for (i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ o.ak[i];
	if (vuicc_auth_f1(p, rand, sqn, autn + 6, false, mac)) {
		sw = VUICC_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	/* MAC first: a forged AUTN changes nothing (§7.1.2.1) */
	if (crypto_memneq(mac, autn + 8, mac_len)) {
		sw = vuicc_auth_fail(c, VUICC_AUTH_CONTEXT_UMTS, VUICC_AUTH_RESULT_MAC_FAILURE,
				     VUICC_SW_AUTH_MAC_FAILURE);
		goto out;
	}
	v = vuicc_sqn_check(p, vuicc_get_be48(sqn));
	if (v != VUICC_SQN_FRESH) {
		/* AUTS = (SQN_MS ^ AK*) || MAC-S, MAC-S over the dummy AMF (TS 33.102 §6.3.3) */
		sqn_ms = vuicc_sqn_highest(p);
		vuicc_put_be48(sqn_ms, sqn);
		if (vuicc_auth_f1(p, rand, sqn, dummy_amf, true, mac)) {
			sw = VUICC_SW_TECHNICAL_PROBLEM;
			goto out;
		}
		d[0] = 0xDC;
		d[1] = VUICC_AUTS_LEN;
		for (i = 0; i < 6; i++)
			d[2 + i] = sqn[i] ^ o.akstar[i];
		memcpy(d + 8, mac, VUICC_MAC_S_LEN);
		c->len = 2 + VUICC_AUTS_LEN;
		vuicc_nl_notify_auth(c->card, p, VUICC_AUTH_CONTEXT_UMTS,
				     VUICC_AUTH_RESULT_SYNC_FAILURE);
		sw = VUICC_SW_OK;
		goto out;
	}
	p->sqn[vuicc_get_be48(sqn) & ((1u << p->sqn_ind_bits) - 1)] = vuicc_get_be48(sqn);
	/* DB L RES L CK L IK [L Kc] */
	i = 0;
	d[i++] = 0xDB;
	d[i++] = o.res_len;
	memcpy(d + i, o.res, o.res_len);
	i += o.res_len;
	d[i++] = o.ck_len;
	memcpy(d + i, o.ck, o.ck_len);
	i += o.ck_len;
	d[i++] = o.ik_len;
	memcpy(d + i, o.ik, o.ik_len);
	i += o.ik_len;
	if (vuicc_ust_has(c, VUICC_UST_GSM_ACCESS)) {
		d[i++] = 8;
		vuicc_auth_c3(o.ck, o.ck_len, o.ik, o.ik_len, d + i);
		i += 8;
	}
	c->len = i;
	vuicc_nl_notify_auth(c->card, p, VUICC_AUTH_CONTEXT_UMTS, VUICC_AUTH_RESULT_SUCCESS);
	p->state_seq++;
	vuicc_nl_notify_sqn(c->card, p);
	sw = VUICC_SW_OK;
out:
	memzero_explicit(&o, sizeof(o));
	memzero_explicit(mac, sizeof(mac));
	memzero_explicit(sqn, sizeof(sqn));
	return sw;
}

/* AUTHENTICATE (TS 31.102 §7.1.2) and RUN GSM ALGORITHM (TS 51.011 §9.2.16) */
static u16 vuicc_cmd_authenticate(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	const u8 *d = a->data;
	u8 sres[4], kc[8];
	u16 sw;

	c->secret = true;
	if (!c->p)
		return c->gsm ? VUICC_SW_NO_EF_SELECTED : VUICC_SW_CONDITIONS_OF_USE;
	if (!vuicc_access_ok(c, VUICC_ACC_PIN1))
		return VUICC_SW_SECURITY_STATUS;
	if (c->gsm) {
		/* RUN GSM ALGORITHM: RAND in, SRES || Kc out, in DF_GSM */
		if (a->p1 || a->p2)
			return VUICC_SW_WRONG_P1P2;
		if (c->ch->df->fid != VUICC_FID_DF_GSM)
			return VUICC_SW_NO_EF_SELECTED;
		if (a->nc != VUICC_RAND_LEN)
			return VUICC_SW_WRONG_LENGTH;
		if (vuicc_auth_run_gsm(c->p, d, c->data, c->data + 4))
			return VUICC_SW_TECHNICAL_PROBLEM;
		c->len = 12;
		vuicc_nl_notify_auth(c->card, c->p, VUICC_AUTH_CONTEXT_RUN_GSM,
				     VUICC_AUTH_RESULT_SUCCESS);
		return VUICC_SW_OK;
	}
	if (a->p1)
		return VUICC_SW_WRONG_P1P2;
	if (!c->ch->app)
		return VUICC_SW_CONDITIONS_OF_USE;
	switch (a->p2) {
	case 0x81:	/* 3G context: L RAND L AUTN */
		if (a->nc < 2 + VUICC_RAND_LEN || d[0] != VUICC_RAND_LEN ||
		    a->nc != 2 + VUICC_RAND_LEN + d[1 + VUICC_RAND_LEN])
			return VUICC_SW_WRONG_LENGTH;
		return vuicc_auth_3g(c, d + 1, d + 2 + VUICC_RAND_LEN, d[1 + VUICC_RAND_LEN]);
	case 0x80:	/* GSM context: L RAND; SRES = c2(RES), Kc = c3(CK, IK) */
		if (a->nc != 1 + VUICC_RAND_LEN || d[0] != VUICC_RAND_LEN)
			return VUICC_SW_WRONG_LENGTH;
		sw = vuicc_auth_gsm_context(c->p, d + 1, sres, kc) ?
		     VUICC_SW_TECHNICAL_PROBLEM : VUICC_SW_OK;
		if (sw == VUICC_SW_OK) {
			c->data[0] = 4;
			memcpy(c->data + 1, sres, 4);
			c->data[5] = 8;
			memcpy(c->data + 6, kc, 8);
			c->len = 14;
			vuicc_nl_notify_auth(c->card, c->p, VUICC_AUTH_CONTEXT_GSM,
					     VUICC_AUTH_RESULT_SUCCESS);
		}
		memzero_explicit(kc, sizeof(kc));
		return sw;
	default:
		/* VGCS/VBS, GBA, MBMS, local key...: not this card */
		return vuicc_auth_fail(c, 0, VUICC_AUTH_RESULT_UNSUPPORTED_CONTEXT,
				       VUICC_SW_AUTH_CONTEXT_UNSUPPORTED);
	}
}

/* ---- channels, CAT, the rest ---- */

/* MANAGE CHANNEL, TS 102 221 §11.1.17 */
static u16 vuicc_cmd_manage_channel(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_channel *n;
	unsigned int i;

	if (a->p1 == 0x00) {		/* open */
		if (a->nc)
			return VUICC_SW_WRONG_LENGTH;
		if (a->p2 == 0) {
			for (i = 1; i < VUICC_CHANNELS && c->s->ch[i].open; i++)
				;
			if (i == VUICC_CHANNELS)
				return VUICC_SW_FUNC_NOT_SUPPORTED;
			c->data[0] = i;
			c->len = 1;
		} else if (a->p2 < VUICC_CHANNELS) {
			i = a->p2;
			if (c->s->ch[i].open || a->ne)
				return a->ne ? VUICC_SW_WRONG_LENGTH : VUICC_SW_WRONG_P1P2;
		} else {
			return VUICC_SW_CHANNEL_NOT_SUPPORTED;
		}
		n = &c->s->ch[i];
		/* from channel 0 the new one starts at the MF; else it inherits */
		if (c->chn == 0) {
			memset(n, 0, sizeof(*n));
			n->df = c->s->fs->mf;
		} else {
			*n = *c->ch;
		}
		n->open = true;
		return VUICC_SW_OK;
	}
	if (a->p1 == 0x80) {		/* close */
		if (a->nc || a->ne)
			return VUICC_SW_WRONG_LENGTH;
		if (a->p2 == 0 || a->p2 >= VUICC_CHANNELS)
			return VUICC_SW_WRONG_P1P2;
		if (!c->s->ch[a->p2].open)
			return VUICC_SW_CHANNEL_NOT_SUPPORTED;
		memset(&c->s->ch[a->p2], 0, sizeof(c->s->ch[a->p2]));
		return VUICC_SW_OK;
	}
	return VUICC_SW_WRONG_P1P2;
}

/* TERMINAL PROFILE (§11.2.1) and TERMINAL CAPABILITY (§11.1.19): kept */
static u16 vuicc_cmd_terminal(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	bool tp = a->ins == 0x10;
	size_t max = tp ? VUICC_TERMINAL_PROFILE_MAX : VUICC_TERMINAL_CAP_MAX;
	size_t n = min_t(size_t, a->nc, max);

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	if (a->apdu_case != VUICC_APDU_CASE_3)
		return VUICC_SW_WRONG_LENGTH;
	memcpy(tp ? c->s->tp : c->s->tc, a->data, n);
	if (tp)
		c->s->tp_len = n;
	else
		c->s->tc_len = n;
	return VUICC_SW_OK;
}

/*
 * ENVELOPE, FETCH, TERMINAL RESPONSE (§11.2.2-4).  This card runs no
 * toolkit application and never announces a proactive command ('91xx'):
 * an envelope is taken and has no effect; FETCH and TERMINAL RESPONSE have
 * no proactive session to belong to.
 */
static u16 vuicc_cmd_cat(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	switch (a->ins) {
	case 0xC2:
		return a->nc ? VUICC_SW_OK : VUICC_SW_WRONG_LENGTH;
	default:
		return VUICC_SW_CONDITIONS_OF_USE;
	}
}

/* GET CHALLENGE, ISO/IEC 7816-4 §11.6.3 */
static u16 vuicc_cmd_get_challenge(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	if (a->apdu_case != VUICC_APDU_CASE_2)
		return VUICC_SW_WRONG_LENGTH;
	c->len = min_t(size_t, a->ne, VUICC_RDATA_MAX);
	get_random_bytes(c->data, c->len);
	c->le_done = true;
	return VUICC_SW_OK;
}

/* GET RESPONSE, TS 102 221 §11.1.14 */
static u16 vuicc_cmd_get_response(struct vuicc_ctx *c)
{
	const struct vuicc_apdu *a = c->a;
	struct vuicc_session *s = c->s;
	size_t n;

	if (a->p1 || a->p2)
		return VUICC_SW_WRONG_P1P2;
	if (a->apdu_case != VUICC_APDU_CASE_2)
		return VUICC_SW_WRONG_LENGTH;
	if (!s->gr_len || s->gr_ch != c->chn)
		return VUICC_SW_CONDITIONS_OF_USE;
	n = a->ne == VUICC_APDU_NE_SHORT_MAX ? s->gr_len : a->ne;
	if (n > s->gr_len)
		return VUICC_SW1_WRONG_LE << 8 | s->gr_len;
	memcpy(c->data, s->gr, n);
	c->len = n;
	c->le_done = true;
	c->secret = s->gr_secret;
	/* what is left stays for the next GET RESPONSE */
	memmove(s->gr, s->gr + n, s->gr_len - n);
	s->gr_len -= n;
	if (s->gr_len)
		return VUICC_SW1_MORE_DATA << 8 | s->gr_len;
	return VUICC_SW_OK;
}

/*
 * The APDU cases a command may come in (ISO/IEC 7816-3 §12.1; TS 102 221
 * §10.1.2 and each command's clause in §11; TS 51.011 §9.2), as bits.
 */
#define K1	BIT(VUICC_APDU_CASE_1)
#define K2	BIT(VUICC_APDU_CASE_2)
#define K3	BIT(VUICC_APDU_CASE_3)
#define K4	BIT(VUICC_APDU_CASE_4)
#define K_ANY	(K1 | K2 | K3 | K4)

/*
 * @cases: the cases of the command's usual form; vuicc_cmd_cases() refines
 * it for the commands whose P1/P2 change it.
 */
struct vuicc_cmd {
	u8 ins;
	u8 classes;
	u8 cases;
	u16 (*handler)(struct vuicc_ctx *c);
};

static const struct vuicc_cmd vuicc_cmds[] = {
	{ 0xA4, C_ISO | C_GSM, K3 | K4, vuicc_cmd_select },	/* §11.1.1 */
	{ 0xF2, C_PROP | C_GSM, K2, vuicc_cmd_status },		/* §11.1.2 */
	{ 0xB0, C_ISO | C_GSM, K2, vuicc_cmd_read_binary },	/* §11.1.3 */
	{ 0xD6, C_ISO | C_GSM, K3, vuicc_cmd_update_binary },	/* §11.1.4 */
	{ 0xB2, C_ISO | C_GSM, K2, vuicc_cmd_read_record },	/* §11.1.5 */
	{ 0xDC, C_ISO | C_GSM, K3, vuicc_cmd_update_record },	/* §11.1.6 */
	{ 0xA2, C_ISO | C_GSM, K3 | K4, vuicc_cmd_search_record },	/* §11.1.7 */
	{ 0x32, C_PROP | C_GSM, K3 | K4, vuicc_cmd_increase },	/* §11.1.8 */
	{ 0x20, C_ISO | C_GSM, K1 | K3, vuicc_cmd_pin },		/* §11.1.9 */
	{ 0x24, C_ISO | C_GSM, K3, vuicc_cmd_pin },		/* §11.1.10 */
	{ 0x26, C_ISO | C_GSM, K3, vuicc_cmd_pin },		/* §11.1.11 */
	{ 0x28, C_ISO | C_GSM, K3, vuicc_cmd_pin },		/* §11.1.12 */
	{ 0x2C, C_ISO | C_GSM, K1 | K3, vuicc_cmd_pin },		/* §11.1.13 */
	{ 0x70, C_ISO, K1, vuicc_cmd_manage_channel },		/* §11.1.17 */
	{ 0x10, C_PROP | C_GSM, K3, vuicc_cmd_terminal },	/* §11.2.1 */
	{ 0xAA, C_PROP, K3, vuicc_cmd_terminal },		/* §11.1.19 */
	{ 0xC2, C_PROP | C_GSM, K3 | K4, vuicc_cmd_cat },	/* §11.2.2 */
	{ 0x12, C_PROP | C_GSM, K2, vuicc_cmd_cat },		/* §11.2.3 */
	{ 0x14, C_PROP | C_GSM, K3, vuicc_cmd_cat },		/* §11.2.4 */
	{ 0x84, C_ISO, K2, vuicc_cmd_get_challenge },		/* §11.1.16 */
	{ 0x88, C_ISO | C_GSM, K3 | K4, vuicc_cmd_authenticate },	/* §11.1.15 */
	{ 0xC0, C_ISO | C_GSM, K2, vuicc_cmd_get_response },	/* §11.1.14 */
};

static u16 vuicc_decode_cla(u8 cla, u8 *class, u8 *chn);

static const struct vuicc_cmd *vuicc_cmd_find(u8 ins)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vuicc_cmds); i++)
		if (vuicc_cmds[i].ins == ins)
			return &vuicc_cmds[i];
	return NULL;
}

/*
 * The cases a command allows with these P1 and P2.  Where P1/P2 are not
 * ones the command knows, any case: its handler refuses the parameters.
 */
static u8 vuicc_cmd_cases(const struct vuicc_cmd *cmd, bool gsm, u8 p1, u8 p2)
{
	switch (cmd->ins) {
	case 0xA4:	/* SELECT: the parent (P1 03) takes no data; 00 without data is the MF */
		if (gsm)
			return cmd->cases;
		if (p1 == 0x03)
			return K1 | K2;
		return p1 == 0x00 ? K_ANY : cmd->cases;
	case 0xF2:	/* STATUS: P2 0C returns nothing */
		if (gsm)
			return cmd->cases;
		if (p2 == 0x0C)
			return K1;
		return p2 <= 0x01 ? K1 | K2 : K_ANY;
	case 0x20:	/* VERIFY, UNBLOCK: without data, the retry counter (UICC only) */
	case 0x2C:
		return gsm ? K3 : cmd->cases;
	case 0x70:	/* MANAGE CHANNEL: only an open the card numbers returns data */
		if (p1 == 0x00 && p2 == 0x00)
			return K2;
		return p1 == 0x00 || p1 == 0x80 ? K1 : K_ANY;
	}
	return cmd->cases;
}

/**
 * vuicc_engine_apdu_cases() - the APDU cases the card allows for a command
 * @hdr: CLA INS P1 P2
 *
 * Return: a mask of BIT(&enum vuicc_apdu_case), 0 for a command the card
 * does not know or a class it does not take the command in.
 */
u8 vuicc_engine_apdu_cases(const u8 *hdr)
{
	const struct vuicc_cmd *cmd = vuicc_cmd_find(hdr[1]);
	u8 class, chn;

	/* an unknown command or class: refused before any data is taken */
	if (!cmd || vuicc_decode_cla(hdr[0], &class, &chn) || !(cmd->classes & class))
		return 0;
	return vuicc_cmd_cases(cmd, class == C_GSM, hdr[2], hdr[3]);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_engine_apdu_cases);

/**
 * vuicc_engine_t0_dir() - how P3 of a T=0 header is to be read
 * @hdr: CLA INS P1 P2 P3
 *
 * ISO/IEC 7816-3 §12.2: P3 is Lc for a command that may take data (P3 = 0
 * then makes it case 1), Le for one that only returns data, and 00 for one
 * that does neither.
 *
 * Return: &enum vuicc_t0_dir; %VUICC_T0_DIR_NONE for an INS or class the
 * card does not know (it answers '6D00' or '6E00' at once).
 */
enum vuicc_t0_dir vuicc_engine_t0_dir(const u8 *hdr)
{
	u8 k = vuicc_engine_apdu_cases(hdr);

	if (!k)
		return VUICC_T0_DIR_NONE;
	/* P1/P2 the command does not know: its usual form (the handler refuses them) */
	if (k == K_ANY)
		k = vuicc_cmd_find(hdr[1])->cases;
	if (k & (K3 | K4))
		return VUICC_T0_DIR_IN;
	return k & K2 ? VUICC_T0_DIR_OUT : VUICC_T0_DIR_CASE1;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_engine_t0_dir);

/*
 * The case of the command against the table.  A T=0 terminal's case 1
 * command reaches /dev/vuiccN as CLA INS P1 P2 00, which reads as case 2
 * with Le = 256: it is case 1 (TS 102 221 §7.3.1.1.1).  Le after the data
 * of a command that returns none is ignored (ISO/IEC 7816-4 §5.1).  Data
 * for a command that takes none, or none for one that needs it, is the
 * wrong length, as is an Le other than 00 for a command that returns no
 * data (its P3 is Lc, or 00).
 *
 * Return: 0, or the status word refusing the command.
 */
static u16 vuicc_check_case(struct vuicc_ctx *c, const struct vuicc_cmd *cmd,
			    struct vuicc_apdu *a)
{
	u8 k = vuicc_cmd_cases(cmd, c->gsm, a->p1, a->p2);
	bool data = a->apdu_case == VUICC_APDU_CASE_3 || a->apdu_case == VUICC_APDU_CASE_4;

	if (data && !(k & (K3 | K4)))
		return VUICC_SW_WRONG_LENGTH;
	if (!data && !(k & (K1 | K2)))
		return VUICC_SW_WRONG_LENGTH;
	if (a->apdu_case == VUICC_APDU_CASE_2 && !(k & K2) && (k & K1)) {
		/* a case 1 command's P3 is 00 (ISO/IEC 7816-3 §12.2.2) */
		if (a->ne != VUICC_APDU_NE_SHORT_MAX)
			return VUICC_SW_WRONG_LENGTH;
		a->apdu_case = VUICC_APDU_CASE_1;
		a->ne = 0;
	}
	if (a->apdu_case == VUICC_APDU_CASE_4 && !(k & K4)) {
		a->apdu_case = VUICC_APDU_CASE_3;
		a->ne = 0;
	}
	return 0;
}

/*
 * TS 102 221 §10.1.1: the class byte gives the class, secure messaging and
 * the logical channel.  Returns 0 or the status word refusing the class.
 */
static u16 vuicc_decode_cla(u8 cla, u8 *class, u8 *chn)
{
	if (cla == 0xA0) {
		*class = C_GSM;
		*chn = 0;
		return 0;
	}
	switch (cla >> 4) {
	case 0x0:
	case 0x8:
		if (cla & 0x0C)
			return VUICC_SW_SM_NOT_SUPPORTED;
		*class = cla & 0x80 ? C_PROP : C_ISO;
		*chn = cla & 0x03;
		return 0;
	case 0x4: case 0x5: case 0x6: case 0x7:
	case 0xC: case 0xD: case 0xE:
		if (cla == 0xFF)
			return VUICC_SW_CLA_NOT_SUPPORTED;
		if (cla & 0x20)
			return VUICC_SW_SM_NOT_SUPPORTED;
		*class = cla & 0x80 ? C_PROP : C_ISO;
		*chn = 4 + (cla & 0x0F);
		return 0;
	default:
		return VUICC_SW_CLA_NOT_SUPPORTED;
	}
}

/* TS 51.011 §9.4: the GSM class speaks its own status words */
static u16 vuicc_gsm_sw(u16 sw)
{
	switch (sw) {
	case VUICC_SW_FILE_NOT_FOUND:
		return VUICC_SW_GSM_NOT_FOUND;
	case VUICC_SW_NO_EF_SELECTED:
		return VUICC_SW_GSM_NO_EF;
	case VUICC_SW_RECORD_NOT_FOUND:
	case VUICC_SW_WRONG_OFFSET:
		return VUICC_SW_GSM_OUT_OF_RANGE;
	case VUICC_SW_INCOMPATIBLE_FILE:
		return VUICC_SW_GSM_INCONSISTENT;
	case VUICC_SW_SECURITY_STATUS:
	case VUICC_SW_CONDITIONS_OF_USE:
	case VUICC_SW_REF_NOT_FOUND:
		return VUICC_SW_GSM_ACCESS;
	case VUICC_SW_PIN_BLOCKED:
		return VUICC_SW_GSM_BLOCKED;
	}
	if ((sw & 0xFFF0) == VUICC_SW_PIN_TRIES(0))
		return VUICC_SW_GSM_ACCESS;
	return sw;
}

static u16 vuicc_dispatch(struct vuicc_ctx *c, struct vuicc_apdu *a)
{
	const struct vuicc_cmd *cmd;
	u8 class, chn;
	u16 sw;

	sw = vuicc_decode_cla(a->cla, &class, &chn);
	if (sw)
		return sw;
	cmd = vuicc_cmd_find(a->ins);
	if (!cmd)
		return VUICC_SW_INS_NOT_SUPPORTED;
	if (!(cmd->classes & class))
		return VUICC_SW_CLA_NOT_SUPPORTED;
	if (chn >= VUICC_CHANNELS || !c->s->ch[chn].open)
		return VUICC_SW_CHANNEL_NOT_SUPPORTED;
	/* T=0: no extended lengths (the ATR announces none) */
	if (a->extended)
		return VUICC_SW_WRONG_LENGTH;
	c->gsm = class == C_GSM;
	sw = vuicc_check_case(c, cmd, a);
	if (sw)
		return sw;
	c->chn = chn;
	c->ch = &c->s->ch[chn];
	sw = cmd->handler(c);
	return c->gsm ? vuicc_gsm_sw(sw) : sw;
}

/**
 * vuicc_engine_process() - answer one command APDU
 * @card: the card, locked and powered
 * @cmd: the command
 * @rsp: the response buffer, %VUICC_RAPDU_MAX bytes
 *
 * The T=0 procedure at APDU level: data a command of case 1, 3 or 4
 * produces waits for GET RESPONSE and the card answers '61xx' ('9Fxx' in
 * the GSM class); a case 2 command gets its data at once, or '6Cxx' when
 * its Le does not fit a fixed-size answer.
 *
 * Return: the length of the response APDU in @rsp.
 */
size_t vuicc_engine_process(struct vuicc_card *card,
			    const struct vuicc_apdu *cmd, u8 *rsp)
{
	struct vuicc_session *s = &card->session;
	/* the command as the table reads it (a T=0 case 1 becomes case 1) */
	struct vuicc_apdu a = *cmd, *apdu = &a;
	struct vuicc_ctx c = {
		.card = card, .s = s, .p = card->enabled, .a = apdu, .data = rsp,
	};
	size_t n = 0;
	u16 sw;

	sw = vuicc_dispatch(&c, apdu);
	s->rsp_secret = c.secret;
	/* data for GET RESPONSE lasts until the next command */
	if (apdu->ins != 0xC0)
		s->gr_len = 0;
	if (sw == VUICC_SW_OK && c.len) {
		if (apdu->apdu_case == VUICC_APDU_CASE_2) {
			if (c.le_done || apdu->ne == c.len ||
			    (apdu->ne == VUICC_APDU_NE_SHORT_MAX && c.len <= VUICC_RDATA_MAX))
				n = c.len;
			else
				sw = VUICC_SW1_WRONG_LE << 8 | (c.len & 0xFF);
		} else {
			memcpy(s->gr, rsp, c.len);
			s->gr_len = c.len;
			s->gr_ch = c.chn;
			s->gr_secret = c.secret;
			sw = (c.gsm ? VUICC_SW1_GSM_MORE_DATA : VUICC_SW1_MORE_DATA) << 8 |
			     (c.len & 0xFF);
		}
	} else if (sw != VUICC_SW_OK && (sw >> 8) != VUICC_SW1_MORE_DATA) {
		n = 0;
	} else {
		n = c.len;
	}
	vuicc_put_be16(sw, rsp + n);
	return n + 2;
}
