/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modem side's exchange with a card, traced: power, resets, the ATR,
 * PPS and every APDU, on /dev/vuiccN and on T=0 lines.  Each step goes to
 * the tracepoints of vuicc_trace_events.h and, while the netlink trace
 * group has a listener, to it; secrets are redacted here, before either.
 */
#ifndef _VUICC_TRACE_H
#define _VUICC_TRACE_H

#include <linux/types.h>

#include <uapi/linux/vuicc.h>

struct vuicc_card;

/* what a trace record keeps of a command or response (a T=0 exchange fits) */
#define VUICC_TRACE_DATA_MAX	(5 + 256 + 2)

void vuicc_trace_event(struct vuicc_card *card, u32 event);
void vuicc_trace_atr(struct vuicc_card *card, const struct vuicc_atr *atr);
void vuicc_trace_pps(struct vuicc_card *card, const u8 *req, size_t req_len,
		     const u8 *rsp, size_t rsp_len);
void vuicc_trace_apdu(struct vuicc_card *card, const u8 *cmd, size_t cmd_len,
		      const u8 *rsp, size_t rsp_len, bool rsp_secret);
bool vuicc_trace_redact_command(u8 *cmd, size_t len);
bool vuicc_trace_redact_response(u8 *rsp, size_t len, bool secret);

#endif /* _VUICC_TRACE_H */
