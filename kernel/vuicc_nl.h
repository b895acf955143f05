/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the "vuicc" Generic Netlink family: what the handlers of each
 * object (vuicc_nl_card.c, vuicc_nl_profile.c, vuicc_nl_profile_add.c)
 * share with vuicc_netlink.c, which holds the family.  Not for the rest of
 * the module, which has vuicc_netlink.h.
 */
#ifndef _VUICC_NL_H
#define _VUICC_NL_H

#include <linux/types.h>
#include <net/genetlink.h>

struct vuicc_card;

extern struct genl_family vuicc_nl_family;

/* Reports a missing attribute with its name; true if it is missing. */
#define VUICC_NL_REQUIRE(info, type, what) ({				\
	struct genl_info *__vinfo = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__vinfo, type);		\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__vinfo->extack, "missing " what);	\
	__missing;							\
})

int vuicc_nl_check_duplicates(struct genl_info *info);
struct vuicc_card *vuicc_nl_card(struct genl_info *info);
bool vuicc_nl_listened(void);
void vuicc_nl_multicast(struct sk_buff *skb);
void vuicc_nl_event_lost(u32 group);

#endif /* _VUICC_NL_H */
