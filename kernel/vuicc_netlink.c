// SPDX-License-Identifier: GPL-2.0
/*
 * The "vuicc" Generic Netlink family: its multicast groups and
 * registration, what every handler shares (duplicate attributes, the card a
 * request names, the monitor group) and the trace group.  The policies and
 * the ops table are generated from Documentation/netlink/specs/vuicc.yaml
 * (generated/vuicc_nl_gen.c); the handlers, one fill function per object
 * for do, dump and notifications, are in vuicc_nl_card.c (cards),
 * vuicc_nl_profile.c (profiles and their state) and vuicc_nl_profile_add.c
 * (profile-add's parsing).
 *
 * Keys, operator keys and PINs are write-only: no fill function reads
 * them, and profile-add wipes them from the request once parsed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "vuicc_card.h"
#include "vuicc_netlink.h"
#include "generated/vuicc_nl_gen.h"
#include "vuicc_nl.h"

static const struct genl_multicast_group vuicc_nl_groups[] = {
	[VUICC_NLGRP_MONITOR] = {
		.name = VUICC_MCGRP_MONITOR,
		/* events name profiles and cards; subscribing is privileged */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
	[VUICC_NLGRP_TRACE] = {
		.name = VUICC_MCGRP_TRACE,
		/* the exchange with the card: privileged even when redacted */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family vuicc_nl_family __ro_after_init = {
	.name = VUICC_GENL_NAME,
	.version = VUICC_GENL_VERSION,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vuicc_nl_ops,
	.n_ops = ARRAY_SIZE(vuicc_nl_ops),
	.mcgrps = vuicc_nl_groups,
	.n_mcgrps = ARRAY_SIZE(vuicc_nl_groups),
};

/**
 * vuicc_nl_check_duplicates() - refuse a request with an attribute given twice
 * @info: the request
 *
 * Netlink keeps the last of repeated attributes; a request that names
 * something twice is more likely a mistake than a wish, so it is refused.
 * A profile-add's file attributes may repeat.
 *
 * Return: 0, or -EINVAL with the second attribute in the extended ack.
 */
int vuicc_nl_check_duplicates(struct genl_info *info)
{
	DECLARE_BITMAP(seen, VUICC_A_MAX + 1);
	struct nlattr *a;
	int rem, type;

	bitmap_zero(seen, VUICC_A_MAX + 1);
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		type = nla_type(a);
		if (type > VUICC_A_MAX || type == VUICC_A_FILE)
			continue;
		if (__test_and_set_bit(type, seen)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "attribute given twice");
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * vuicc_nl_card() - the card a request names
 * @info: the request, with card-id
 *
 * Return: the card, with a reference for vuicc_card_put(), or an ERR_PTR():
 * -EINVAL without card-id, -ENOENT if there is no such card.
 */
struct vuicc_card *vuicc_nl_card(struct genl_info *info)
{
	struct vuicc_card *card;

	if (VUICC_NL_REQUIRE(info, VUICC_A_CARD_ID, "card-id"))
		return ERR_PTR(-EINVAL);
	card = vuicc_card_lookup(nla_get_u32(info->attrs[VUICC_A_CARD_ID]));
	if (!card) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_CARD_ID],
				    "no such card");
		return ERR_PTR(-ENOENT);
	}
	return card;
}

/**
 * vuicc_nl_listened() - whether the monitor group has a listener
 *
 * Return: true if vuicc_nl_multicast() would reach someone.
 */
bool vuicc_nl_listened(void)
{
	return genl_has_listeners(&vuicc_nl_family, &init_net, VUICC_NLGRP_MONITOR);
}

/**
 * vuicc_nl_multicast() - send an event to the monitor group
 * @skb: the event, ended; consumed
 */
void vuicc_nl_multicast(struct sk_buff *skb)
{
	genlmsg_multicast(&vuicc_nl_family, skb, 0, VUICC_NLGRP_MONITOR, GFP_KERNEL);
}

/**
 * vuicc_nl_event_lost() - an event could not be made: say so to its listeners
 * @group: VUICC_NLGRP_MONITOR or VUICC_NLGRP_TRACE
 *
 * Each listener's next receive fails with ENOBUFS, as when its socket
 * buffer overflows, so that it knows to fetch the state again (vuiccd
 * does) instead of missing, say, an SQN array it must store.
 */
void vuicc_nl_event_lost(u32 group)
{
	genl_set_err(&vuicc_nl_family, &init_net, 0, group, -ENOBUFS);
}

/**
 * vuicc_nl_trace_listening() - whether the trace group has a listener
 *
 * Return: true if vuicc_nl_trace() would reach someone.
 */
bool vuicc_nl_trace_listening(void)
{
	return genl_has_listeners(&vuicc_nl_family, &init_net, VUICC_NLGRP_TRACE);
}

/**
 * vuicc_nl_trace() - send one trace record to the trace group
 * @card: the card
 * @event: &enum vuicc_trace_event
 * @path: &enum vuicc_trace_path
 * @cmd: what the card received (already redacted), or NULL
 * @cmd_len: its length
 * @rsp: what the card answered (already redacted), or NULL
 * @rsp_len: its length
 * @redacted: bytes of @cmd or @rsp were replaced
 */
void vuicc_nl_trace(struct vuicc_card *card, u32 event, u32 path,
		    const u8 *cmd, size_t cmd_len, const u8 *rsp, size_t rsp_len,
		    bool redacted)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(cmd_len) + nla_total_size(rsp_len) + 128,
			  GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_TRACE);
		return;
	}
	hdr = genlmsg_put(skb, 0, 0, &vuicc_nl_family, 0, VUICC_CMD_TRACE_NTF);
	if (!hdr ||
	    nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_u32(skb, VUICC_A_TRACE_EVENT, event) ||
	    nla_put_u32(skb, VUICC_A_TRACE_PATH, path) ||
	    nla_put_u64_64bit(skb, VUICC_A_TRACE_TIME, ktime_get_real_ns(), VUICC_A_PAD) ||
	    (cmd && nla_put(skb, VUICC_A_TRACE_COMMAND, cmd_len, cmd)) ||
	    (rsp && nla_put(skb, VUICC_A_TRACE_RESPONSE, rsp_len, rsp)) ||
	    nla_put_u8(skb, VUICC_A_TRACE_REDACTED, redacted)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_TRACE);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&vuicc_nl_family, skb, 0, VUICC_NLGRP_TRACE, GFP_KERNEL);
}

int __init vuicc_nl_init(void)
{
	return genl_register_family(&vuicc_nl_family);
}

void vuicc_nl_exit(void)
{
	genl_unregister_family(&vuicc_nl_family);
}
