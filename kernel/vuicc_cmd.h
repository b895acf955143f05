/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the card engine: the context of one command and the handlers of
 * each command family (vuicc_cmd_file.c, vuicc_cmd_sec.c, vuicc_cmd_chan.c),
 * dispatched by vuicc_engine.c.  Not for the rest of the module.
 */
#ifndef _VUICC_CMD_H
#define _VUICC_CMD_H

#include <linux/types.h>

struct vuicc_apdu;
struct vuicc_card;
struct vuicc_channel;
struct vuicc_engine_news;
struct vuicc_file;
struct vuicc_profile;
struct vuicc_session;

/* The instructions (TS 102 221 Table 10.5, TS 51.011 §9.2), by clause. */
#define VUICC_INS_SELECT	0xA4	/* TS 102 221 §11.1.1 */
#define VUICC_INS_STATUS	0xF2	/* TS 102 221 §11.1.2 */
#define VUICC_INS_READ_BINARY	0xB0	/* TS 102 221 §11.1.3 */
#define VUICC_INS_UPDATE_BINARY	0xD6	/* TS 102 221 §11.1.4 */
#define VUICC_INS_READ_RECORD	0xB2	/* TS 102 221 §11.1.5 */
#define VUICC_INS_UPDATE_RECORD	0xDC	/* TS 102 221 §11.1.6 */
#define VUICC_INS_SEARCH_RECORD	0xA2	/* TS 102 221 §11.1.7 */
#define VUICC_INS_INCREASE	0x32	/* TS 102 221 §11.1.8 */
#define VUICC_INS_VERIFY	0x20	/* TS 102 221 §11.1.9 */
#define VUICC_INS_CHANGE_PIN	0x24	/* TS 102 221 §11.1.10 */
#define VUICC_INS_DISABLE_PIN	0x26	/* TS 102 221 §11.1.11 */
#define VUICC_INS_ENABLE_PIN	0x28	/* TS 102 221 §11.1.12 */
#define VUICC_INS_UNBLOCK_PIN	0x2C	/* TS 102 221 §11.1.13 */
#define VUICC_INS_MANAGE_CHANNEL	0x70	/* TS 102 221 §11.1.17 */
#define VUICC_INS_TERMINAL_PROFILE	0x10	/* TS 102 221 §11.2.1 */
#define VUICC_INS_TERMINAL_CAPABILITY	0xAA	/* TS 102 221 §11.1.19 */
#define VUICC_INS_ENVELOPE	0xC2	/* TS 102 221 §11.2.2 */
#define VUICC_INS_FETCH	0x12	/* TS 102 221 §11.2.3 */
#define VUICC_INS_TERMINAL_RESPONSE	0x14	/* TS 102 221 §11.2.4 */
#define VUICC_INS_GET_CHALLENGE	0x84	/* TS 102 221 §11.1.16 */
#define VUICC_INS_AUTHENTICATE	0x88	/* TS 102 221 §11.1.15 */
#define VUICC_INS_GET_RESPONSE	0xC0	/* TS 102 221 §11.1.14 */

/* The classes a command may come in (TS 102 221 Table 10.5). */
enum {
	C_ISO = BIT(0),		/* '0X', '4X'-'7X' */
	C_PROP = BIT(1),	/* '8X', 'CX', 'EX' */
	C_GSM = BIT(2),		/* 'A0', TS 51.011 */
};

/* One command in flight. */
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
	/* what the command changed, announced by the card layer */
	struct vuicc_engine_news *news;
};

/* vuicc_engine.c */
bool vuicc_access_ok(struct vuicc_ctx *c, u8 acc);

/* vuicc_cmd_file.c */
int vuicc_fcp(struct vuicc_ctx *c, struct vuicc_file *f, u8 *out);
u16 vuicc_cmd_select(struct vuicc_ctx *c);
u16 vuicc_cmd_status(struct vuicc_ctx *c);
u16 vuicc_cmd_read_binary(struct vuicc_ctx *c);
u16 vuicc_cmd_update_binary(struct vuicc_ctx *c);
u16 vuicc_cmd_read_record(struct vuicc_ctx *c);
u16 vuicc_cmd_update_record(struct vuicc_ctx *c);
u16 vuicc_cmd_search_record(struct vuicc_ctx *c);
u16 vuicc_cmd_increase(struct vuicc_ctx *c);

/* vuicc_cmd_sec.c */
u16 vuicc_cmd_pin(struct vuicc_ctx *c);
u16 vuicc_cmd_authenticate(struct vuicc_ctx *c);
u16 vuicc_cmd_get_challenge(struct vuicc_ctx *c);

/* vuicc_cmd_chan.c */
u16 vuicc_cmd_manage_channel(struct vuicc_ctx *c);
u16 vuicc_cmd_terminal(struct vuicc_ctx *c);
u16 vuicc_cmd_cat(struct vuicc_ctx *c);

#endif /* _VUICC_CMD_H */
