// SPDX-License-Identifier: GPL-2.0
/*
 * The card engine: one table from INS to handler (with the classes and
 * APDU cases each command accepts), the class byte and logical channels
 * (TS 102 221 §10.1.1), the T=0 procedure at APDU level (§7.3: '61xx' and
 * GET RESPONSE, '6Cxx' for a wrong Le, '9Fxx' in the GSM class).  The
 * commands live by family: vuicc_cmd_file.c (selection and EF access),
 * vuicc_cmd_sec.c (PINs, AUTHENTICATE, GET CHALLENGE), vuicc_cmd_chan.c
 * (logical channels and CAT).  The engine calls no netlink: what a command
 * changed is recorded in struct vuicc_engine_news for the card layer.
 *
 * Everything runs under the card's lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "vuicc_apdu.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_cmd.h"
#include "vuicc_engine.h"
#include "vuicc_fs.h"
#include "vuicc_kunit.h"
#include "vuicc_profile.h"
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

bool vuicc_access_ok(struct vuicc_ctx *c, u8 acc)
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
	/* what is left stays for the next GET RESPONSE; what was sent goes */
	memmove(s->gr, s->gr + n, s->gr_len - n);
	memzero_explicit(s->gr + s->gr_len - n, n);
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
	{ VUICC_INS_SELECT, C_ISO | C_GSM, K3 | K4, vuicc_cmd_select },
	{ VUICC_INS_STATUS, C_PROP | C_GSM, K2, vuicc_cmd_status },
	{ VUICC_INS_READ_BINARY, C_ISO | C_GSM, K2, vuicc_cmd_read_binary },
	{ VUICC_INS_UPDATE_BINARY, C_ISO | C_GSM, K3, vuicc_cmd_update_binary },
	{ VUICC_INS_READ_RECORD, C_ISO | C_GSM, K2, vuicc_cmd_read_record },
	{ VUICC_INS_UPDATE_RECORD, C_ISO | C_GSM, K3, vuicc_cmd_update_record },
	{ VUICC_INS_SEARCH_RECORD, C_ISO | C_GSM, K3 | K4, vuicc_cmd_search_record },
	{ VUICC_INS_INCREASE, C_PROP | C_GSM, K3 | K4, vuicc_cmd_increase },
	{ VUICC_INS_VERIFY, C_ISO | C_GSM, K1 | K3, vuicc_cmd_pin },
	{ VUICC_INS_CHANGE_PIN, C_ISO | C_GSM, K3, vuicc_cmd_pin },
	{ VUICC_INS_DISABLE_PIN, C_ISO | C_GSM, K3, vuicc_cmd_pin },
	{ VUICC_INS_ENABLE_PIN, C_ISO | C_GSM, K3, vuicc_cmd_pin },
	{ VUICC_INS_UNBLOCK_PIN, C_ISO | C_GSM, K1 | K3, vuicc_cmd_pin },
	{ VUICC_INS_MANAGE_CHANNEL, C_ISO, K1, vuicc_cmd_manage_channel },
	{ VUICC_INS_TERMINAL_PROFILE, C_PROP | C_GSM, K3, vuicc_cmd_terminal },
	{ VUICC_INS_TERMINAL_CAPABILITY, C_PROP, K3, vuicc_cmd_terminal },
	{ VUICC_INS_ENVELOPE, C_PROP | C_GSM, K3 | K4, vuicc_cmd_cat },
	{ VUICC_INS_FETCH, C_PROP | C_GSM, K2, vuicc_cmd_cat },
	{ VUICC_INS_TERMINAL_RESPONSE, C_PROP | C_GSM, K3, vuicc_cmd_cat },
	{ VUICC_INS_GET_CHALLENGE, C_ISO, K2, vuicc_cmd_get_challenge },
	{ VUICC_INS_AUTHENTICATE, C_ISO | C_GSM, K3 | K4, vuicc_cmd_authenticate },
	{ VUICC_INS_GET_RESPONSE, C_ISO | C_GSM, K2, vuicc_cmd_get_response },
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
	case VUICC_INS_SELECT:	/* the parent (P1 03) takes no data; 00 without data is the MF */
		if (gsm)
			return cmd->cases;
		if (p1 == 0x03)
			return K1 | K2;
		return p1 == 0x00 ? K_ANY : cmd->cases;
	case VUICC_INS_STATUS:	/* P2 0C returns nothing */
		if (gsm)
			return cmd->cases;
		if (p2 == 0x0C)
			return K1;
		return p2 <= 0x01 ? K1 | K2 : K_ANY;
	case VUICC_INS_VERIFY:	/* and UNBLOCK: without data, the retry counter (UICC only) */
	case VUICC_INS_UNBLOCK_PIN:
		return gsm ? K3 : cmd->cases;
	case VUICC_INS_MANAGE_CHANNEL:	/* only an open the card numbers returns data */
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
 * @news: filled with what the command changed, for the card layer to
 *	announce (the engine sends nothing itself)
 *
 * The T=0 procedure at APDU level: data a command of case 1, 3 or 4
 * produces waits for GET RESPONSE and the card answers '61xx' ('9Fxx' in
 * the GSM class); a case 2 command gets its data at once, or '6Cxx' when
 * its Le does not fit a fixed-size answer.
 *
 * Return: the length of the response APDU in @rsp.
 */
size_t vuicc_engine_process(struct vuicc_card *card, const struct vuicc_apdu *cmd, u8 *rsp,
			    struct vuicc_engine_news *news)
{
	struct vuicc_session *s = &card->session;
	/* the command as the table reads it (a T=0 case 1 becomes case 1) */
	struct vuicc_apdu a = *cmd, *apdu = &a;
	struct vuicc_ctx c = {
		.card = card, .s = s, .p = card->enabled, .a = apdu, .data = rsp,
		.news = news,
	};
	size_t n = 0;
	u16 sw;

	memset(news, 0, sizeof(*news));
	news->p = card->enabled;
	sw = vuicc_dispatch(&c, apdu);
	s->rsp_secret = c.secret;
	/* data for GET RESPONSE lasts until the next command (it may hold RES, CK, IK) */
	if (apdu->ins != VUICC_INS_GET_RESPONSE && s->gr_len) {
		memzero_explicit(s->gr, s->gr_len);
		s->gr_len = 0;
	}
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
	/*
	 * A command that handled secrets may have written more than it
	 * answers (data kept for GET RESPONSE behind a 61xx, or an error
	 * after a partial answer): none of it stays behind the response.
	 */
	if (c.secret)
		memzero_explicit(rsp + n + 2, VUICC_RDATA_MAX);
	return n + 2;
}
