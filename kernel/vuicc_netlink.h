/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "vuicc" Generic Netlink family.
 */
#ifndef _VUICC_NETLINK_H
#define _VUICC_NETLINK_H

#include <linux/types.h>

#include <uapi/linux/vuicc.h>

struct vuicc_card;
struct vuicc_file;
struct vuicc_profile;

int vuicc_nl_init(void);
void vuicc_nl_exit(void);
void vuicc_nl_notify_card(struct vuicc_card *card, u8 cmd);
void vuicc_nl_notify_profile(struct vuicc_card *card, struct vuicc_profile *p,
			     u8 cmd);
void vuicc_nl_notify_file(struct vuicc_card *card, struct vuicc_profile *p,
			  struct vuicc_file *f);
void vuicc_nl_notify_auth(struct vuicc_card *card, struct vuicc_profile *p,
			  u32 context, u32 result);
bool vuicc_nl_trace_listening(void);
void vuicc_nl_trace(struct vuicc_card *card, u32 event, u32 path,
		    const u8 *cmd, size_t cmd_len, const u8 *rsp, size_t rsp_len,
		    bool redacted);
void vuicc_nl_notify_sqn(struct vuicc_card *card, struct vuicc_profile *p);

#endif /* _VUICC_NETLINK_H */
