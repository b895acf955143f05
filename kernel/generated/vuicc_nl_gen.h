/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vuicc.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_VUICC_GEN_H
#define _LINUX_VUICC_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vuicc_netlink.h>

/* Common nested types */
extern const struct nla_policy vuicc_file_nl_policy[VUICC_A_FILE_DATA + 1];

extern const struct nla_policy vuicc_card_get_nl_policy[VUICC_A_CARD_ID + 1];

extern const struct nla_policy vuicc_card_new_nl_policy[VUICC_A_CARD_ID + 1];

extern const struct nla_policy vuicc_card_del_nl_policy[VUICC_A_CARD_ID + 1];

extern const struct nla_policy vuicc_profile_get_nl_policy[VUICC_A_PROFILE_NAME + 1];

extern const struct nla_policy vuicc_profile_add_nl_policy[VUICC_A_FILE + 1];

extern const struct nla_policy vuicc_profile_del_nl_policy[VUICC_A_PROFILE_NAME + 1];

extern const struct nla_policy vuicc_profile_enable_nl_policy[VUICC_A_PROFILE_DEADLINE + 1];

extern const struct nla_policy vuicc_profile_disable_nl_policy[VUICC_A_PROFILE_NAME + 1];

extern const struct nla_policy vuicc_state_get_nl_policy[VUICC_A_PROFILE_NAME + 1];

extern const struct nla_policy vuicc_profile_renew_nl_policy[VUICC_A_PROFILE_DEADLINE + 1];

/* Ops table for vuicc */
extern const struct genl_ops vuicc_nl_ops[10];

int vuicc_nl_card_get_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_card_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vuicc_nl_card_new_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_card_del_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_get_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int vuicc_nl_profile_add_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_del_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_enable_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_disable_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_state_get_doit(struct sk_buff *skb, struct genl_info *info);
int vuicc_nl_profile_renew_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	VUICC_NLGRP_MONITOR,
	VUICC_NLGRP_TRACE,
};

#endif /* _LINUX_VUICC_GEN_H */
