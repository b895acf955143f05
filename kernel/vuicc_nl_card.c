// SPDX-License-Identifier: GPL-2.0
/*
 * The "vuicc" family's cards: card-get (do and dump), card-new, card-del
 * and the card events, with the one fill function they share.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>

#include "vuicc_card.h"
#include "vuicc_netlink.h"
#include "generated/vuicc_nl_gen.h"
#include "vuicc_nl.h"
#include "vuicc_profile.h"

/* Called with card->lock held: the line's counters, if one is attached. */
static int vuicc_nl_fill_t0(struct sk_buff *skb, struct vuicc_card *card)
{
	struct vuicc_t0_stats st;
	char tty[sizeof(card->line->tty_name)];
	struct nlattr *nest;

	if (!vuicc_card_line_stats(card, &st, tty))
		return 0;
	nest = nla_nest_start(skb, VUICC_A_CARD_T0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, VUICC_A_T0_TTY, tty) ||
	    nla_put_u32(skb, VUICC_A_T0_FLAGS, st.flags) ||
	    nla_put_u32(skb, VUICC_A_T0_STATE, st.state) ||
	    nla_put_u32(skb, VUICC_A_T0_CLOCK, st.clock_hz) ||
	    nla_put_u32(skb, VUICC_A_T0_F, st.f) ||
	    nla_put_u32(skb, VUICC_A_T0_D, st.d) ||
	    nla_put_u32(skb, VUICC_A_T0_BIT_RATE, st.bit_rate) ||
	    nla_put_u32(skb, VUICC_A_T0_UART_RATE, st.uart_rate) ||
	    nla_put_u32(skb, VUICC_A_T0_ATR_DELAY_CYCLES, st.atr_delay_cycles) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_RX_BYTES, st.rx_bytes, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_TX_BYTES, st.tx_bytes, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_APDUS, st.apdus, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_RESETS, st.resets, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_PPS_ACCEPTED, st.pps_accepted,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_PPS_REFUSED, st.pps_refused,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_NULLS, st.nulls, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_PARITY_ERRORS, st.parity_errors,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_LINE_ERRORS, st.line_errors,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_COLLISIONS, st.collisions,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_TIMEOUTS, st.timeouts, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_UNEXPECTED, st.unexpected,
			      VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_ABORTED, st.aborted, VUICC_A_T0_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_T0_INVALID_INS, st.invalid_ins,
			      VUICC_A_T0_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vuicc_nl_fill_card(struct sk_buff *skb, struct vuicc_card *card,
			      u8 cmd, u32 portid, u32 seq, int flags,
			      struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vuicc_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	mutex_lock(&card->lock);
	if (nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_u8(skb, VUICC_A_CARD_POWERED, card->powered) ||
	    nla_put_u8(skb, VUICC_A_CARD_OPEN, vuicc_card_is_open(card)) ||
	    (card->enabled &&
	     nla_put_string(skb, VUICC_A_CARD_PROFILE, card->enabled->name)) ||
	    nla_put_u32(skb, VUICC_A_CARD_PROFILES, card->n_profiles) ||
	    nla_put_u64_64bit(skb, VUICC_A_CARD_APDUS, card->apdus, VUICC_A_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_CARD_RESETS, card->resets, VUICC_A_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_CARD_SWITCHES, card->switches,
			      VUICC_A_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_CARD_EXPIRIES, card->expiries, VUICC_A_PAD) ||
	    vuicc_nl_fill_t0(skb, card)) {
		mutex_unlock(&card->lock);
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	mutex_unlock(&card->lock);
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * vuicc_nl_notify_card() - tell the monitor group about a card
 * @card: the card; its lock must not be held
 * @cmd: a VUICC_CMD_CARD_*_NTF
 */
void vuicc_nl_notify_card(struct vuicc_card *card, u8 cmd)
{
	struct sk_buff *skb;

	if (!vuicc_nl_listened())
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	if (vuicc_nl_fill_card(skb, card, cmd, 0, 0, 0, NULL)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	vuicc_nl_multicast(skb);
}

static int vuicc_nl_reply_card(struct genl_info *info, struct vuicc_card *card)
{
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = vuicc_nl_fill_card(msg, card, info->genlhdr->cmd, info->snd_portid,
				 info->snd_seq, 0, NULL);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

int vuicc_nl_card_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_card *card;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	ret = vuicc_nl_reply_card(info, card);
	vuicc_card_put(card);
	return ret;
}

int vuicc_nl_card_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vuicc_card *card;
	unsigned long id;
	int ret;

	cb->seq = vuicc_cards_generation();
	for (id = cb->args[0]; id < VUICC_CARDS_MAX; id++) {
		card = vuicc_card_lookup(id);
		if (!card)
			continue;
		ret = vuicc_nl_fill_card(skb, card, VUICC_CMD_CARD_GET,
					 NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		vuicc_card_put(card);
		if (ret)
			break;
	}
	cb->args[0] = id;
	return skb->len;
}

int vuicc_nl_card_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_card *card;
	u32 id = VUICC_CARD_ID_ANY;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	if (info->attrs[VUICC_A_CARD_ID])
		id = nla_get_u32(info->attrs[VUICC_A_CARD_ID]);
	card = vuicc_card_create(id);
	if (IS_ERR(card)) {
		ret = PTR_ERR(card);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_CARD_ID],
					    "card-id in use");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG_MOD(info->extack, "all card numbers are in use");
		return ret;
	}
	vuicc_nl_notify_card(card, VUICC_CMD_CARD_NEW_NTF);
	ret = vuicc_nl_reply_card(info, card);
	vuicc_card_put(card);
	return ret;
}

int vuicc_nl_card_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *ntf = NULL;
	struct vuicc_card *card;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	/* The event describes the card as it was. */
	if (vuicc_nl_listened()) {
		ntf = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (ntf && vuicc_nl_fill_card(ntf, card, VUICC_CMD_CARD_DEL_NTF,
					      0, 0, 0, NULL)) {
			nlmsg_free(ntf);
			ntf = NULL;
		}
	}
	/* the card looked up: not a card created with its number meanwhile */
	ret = vuicc_card_remove(card);
	vuicc_card_put(card);
	if (ret) {
		/* someone else removed it meanwhile */
		nlmsg_free(ntf);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_CARD_ID],
				    "no such card");
		return ret;
	}
	if (ntf)
		vuicc_nl_multicast(ntf);
	return 0;
}
