// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing the modem side's exchange with a card.  Every step is redacted
 * here first: the data of VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN
 * becomes FF bytes, the data of an AUTHENTICATE or RUN GSM ALGORITHM answer
 * (RES, CK, IK, Kc, SRES, AUTS; also when GET RESPONSE fetches it) becomes
 * zero bytes.  Lengths and status words stay, so a decoder sees the same
 * structure.  Then it goes to the tracepoints and to the netlink trace
 * group (CAP_NET_ADMIN), whichever has a listener.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "vuicc_card.h"
#include "vuicc_kunit.h"
#include "vuicc_netlink.h"
#include "vuicc_trace.h"

#define CREATE_TRACE_POINTS
#include "vuicc_trace_events.h"

static u32 vuicc_trace_path(struct vuicc_card *card)
{
	return READ_ONCE(card->line) ? VUICC_TRACE_PATH_T0 : VUICC_TRACE_PATH_CHARDEV;
}

/**
 * vuicc_trace_redact_command() - blank the PIN values of a command APDU
 * @cmd: the command, as the engine saw it (header, Lc, data...)
 * @len: its length
 *
 * VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN (TS 102 221 §11.1.9-13,
 * TS 51.011 §9.2.9-12) carry PIN, PUK or ADM values as their data.
 *
 * Return: true if bytes were replaced.
 */
bool vuicc_trace_redact_command(u8 *cmd, size_t len)
{
	if (len <= 5)
		return false;
	switch (cmd[1]) {
	case 0x20: case 0x24: case 0x26: case 0x28: case 0x2C:
		memset(cmd + 5, 0xFF, len - 5);
		return true;
	default:
		return false;
	}
}

VUICC_EXPORT_FOR_KUNIT(vuicc_trace_redact_command);

/**
 * vuicc_trace_redact_response() - blank the data of a secret response
 * @rsp: the response APDU (data, SW1, SW2)
 * @len: its length
 * @secret: the engine marked its data as carrying keys or RES
 *
 * Return: true if bytes were replaced.
 */
bool vuicc_trace_redact_response(u8 *rsp, size_t len, bool secret)
{
	if (!secret || len <= 2)
		return false;
	memset(rsp, 0, len - 2);
	return true;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_trace_redact_response);

static bool vuicc_trace_wanted(void)
{
	return trace_vuicc_apdu_enabled() || trace_vuicc_event_enabled() ||
	       trace_vuicc_atr_enabled() || trace_vuicc_pps_enabled() ||
	       vuicc_nl_trace_listening();
}

/**
 * vuicc_trace_event() - power and reset of a card
 * @card: the card
 * @event: %VUICC_TRACE_EVENT_POWER_ON, _POWER_OFF, _RESET_COLD or _RESET_WARM
 */
void vuicc_trace_event(struct vuicc_card *card, u32 event)
{
	u32 path = vuicc_trace_path(card);

	trace_vuicc_event(card->id, path, event);
	if (vuicc_nl_trace_listening())
		vuicc_nl_trace(card, event, path, NULL, 0, NULL, 0, false);
}

/**
 * vuicc_trace_atr() - the ATR a card answered
 * @card: the card
 * @atr: the ATR
 */
void vuicc_trace_atr(struct vuicc_card *card, const struct vuicc_atr *atr)
{
	u32 path = vuicc_trace_path(card);
	u32 len = min_t(u32, atr->len, VUICC_ATR_MAX);

	trace_vuicc_atr(card->id, path, atr->bytes, len);
	if (vuicc_nl_trace_listening())
		vuicc_nl_trace(card, VUICC_TRACE_EVENT_ATR, path, NULL, 0,
			       atr->bytes, len, false);
}

/**
 * vuicc_trace_pps() - a PPS exchange on a T=0 line
 * @card: the card
 * @req: the terminal's request
 * @req_len: its length
 * @rsp: the card's response
 * @rsp_len: its length; 0 when the card gave none
 */
void vuicc_trace_pps(struct vuicc_card *card, const u8 *req, size_t req_len,
		     const u8 *rsp, size_t rsp_len)
{
	trace_vuicc_pps(card->id, req, req_len, rsp, rsp_len);
	if (vuicc_nl_trace_listening())
		vuicc_nl_trace(card, VUICC_TRACE_EVENT_PPS, VUICC_TRACE_PATH_T0,
			       req, req_len, rsp, rsp_len, false);
}

/**
 * vuicc_trace_apdu() - one command APDU and its response
 * @card: the card
 * @cmd: the command
 * @cmd_len: its length
 * @rsp: the response
 * @rsp_len: its length
 * @rsp_secret: the response's data carries RES or keys
 *
 * Longer commands and responses (extended APDUs, which the card refuses)
 * are cut at %VUICC_TRACE_DATA_MAX bytes, their status word kept.
 */
void vuicc_trace_apdu(struct vuicc_card *card, const u8 *cmd, size_t cmd_len,
		      const u8 *rsp, size_t rsp_len, bool rsp_secret)
{
	u32 path = vuicc_trace_path(card);
	size_t cn, rn;
	bool redacted;
	u8 *buf;

	if (!vuicc_trace_wanted())
		return;
	buf = kmalloc(2 * VUICC_TRACE_DATA_MAX, GFP_KERNEL);
	if (!buf)
		return;
	cn = min_t(size_t, cmd_len, VUICC_TRACE_DATA_MAX);
	memcpy(buf, cmd, cn);
	rn = min_t(size_t, rsp_len, VUICC_TRACE_DATA_MAX);
	memcpy(buf + VUICC_TRACE_DATA_MAX, rsp + rsp_len - rn, rn);
	redacted = vuicc_trace_redact_command(buf, cn);
	redacted |= vuicc_trace_redact_response(buf + VUICC_TRACE_DATA_MAX, rn,
						rsp_secret);
	trace_vuicc_apdu(card->id, path, buf, cn, buf + VUICC_TRACE_DATA_MAX, rn,
			 redacted);
	if (vuicc_nl_trace_listening())
		vuicc_nl_trace(card, VUICC_TRACE_EVENT_APDU, path, buf, cn,
			       buf + VUICC_TRACE_DATA_MAX, rn, redacted);
	kfree_sensitive(buf);
}
