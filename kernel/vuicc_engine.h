/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card engine: what a card answers to a command APDU (ETSI TS 102 221,
 * 3GPP TS 31.102, TS 51.011).
 */
#ifndef _VUICC_ENGINE_H
#define _VUICC_ENGINE_H

#include <linux/types.h>

#include <uapi/linux/vuicc.h>

#include "vuicc_t0.h"

struct vuicc_apdu;
struct vuicc_card;
struct vuicc_file;
struct vuicc_fs;
struct vuicc_profile;

/* The ATR announces 4 logical channels (card capabilities byte 3). */
#define VUICC_CHANNELS		4
/* TS 102 221 §11.2.1: a TERMINAL PROFILE is at most 255 bytes (kept: what we read) */
#define VUICC_TERMINAL_PROFILE_MAX	64
#define VUICC_TERMINAL_CAP_MAX		32
/* Short APDUs: at most 256 bytes of response data */
#define VUICC_RDATA_MAX		256

/**
 * struct vuicc_channel - the state of one logical channel
 * @open: the channel is open
 * @df: the current DF
 * @ef: the current EF, or NULL
 * @app: the application selected on the channel, or NULL
 * @rec: the current record of @ef (0: none)
 */
struct vuicc_channel {
	bool open;
	struct vuicc_file *df;
	struct vuicc_file *ef;
	struct vuicc_file *app;
	u8 rec;
};

/**
 * struct vuicc_session - what a card forgets when it loses power
 * @fs: the file system in use (the enabled profile's, or the empty one)
 * @ch: the logical channels
 * @verified: PIN1, PIN2 and ADM1 verified in this session
 * @gr: response data waiting for GET RESPONSE
 * @gr_len: bytes in @gr
 * @gr_ch: the channel of the command that produced @gr
 * @gr_secret: @gr carries RES, session keys or AUTS
 * @rsp_secret: the data of the last response carries RES, session keys or
 *	AUTS (for the trace, which blanks it)
 * @tp: the terminal's TERMINAL PROFILE
 * @tp_len: bytes in @tp
 * @tc: the terminal's TERMINAL CAPABILITY
 * @tc_len: bytes in @tc
 */
struct vuicc_session {
	struct vuicc_fs *fs;
	struct vuicc_channel ch[VUICC_CHANNELS];
	bool verified[3];
	u8 gr[VUICC_RDATA_MAX];
	u16 gr_len;
	u8 gr_ch;
	bool gr_secret;
	bool rsp_secret;
	u8 tp[VUICC_TERMINAL_PROFILE_MAX];
	u8 tp_len;
	u8 tc[VUICC_TERMINAL_CAP_MAX];
	u8 tc_len;
};

/**
 * struct vuicc_engine_news - what one command changed, for the card layer
 * @p: the profile the command ran on (the enabled one), or NULL
 * @file: the EF whose content changed (the owner of a linked file), or NULL
 * @auth: an authentication ended: @auth_context and @auth_result say how
 * @auth_context: an &enum vuicc_auth_context (0: a context the card lacks)
 * @auth_result: an &enum vuicc_auth_result
 * @sqn: the SQN array changed (a successful 3G authentication)
 *
 * The engine only records; vuicc_card.c sends the netlink notifications
 * after the engine returns, still under the card's lock.
 */
struct vuicc_engine_news {
	struct vuicc_profile *p;
	struct vuicc_file *file;
	bool auth;
	u32 auth_context;
	u32 auth_result;
	bool sqn;
};

void vuicc_engine_atr(struct vuicc_card *card, struct vuicc_atr *atr);
void vuicc_engine_reset(struct vuicc_card *card);
size_t vuicc_engine_process(struct vuicc_card *card, const struct vuicc_apdu *apdu, u8 *rsp,
			    struct vuicc_engine_news *news);
enum vuicc_t0_dir vuicc_engine_t0_dir(const u8 *hdr);
u8 vuicc_engine_apdu_cases(const u8 *hdr);
int vuicc_engine_fcp(struct vuicc_card *card, struct vuicc_file *f, u8 *out);

#endif /* _VUICC_ENGINE_H */
