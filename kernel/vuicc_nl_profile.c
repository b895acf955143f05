// SPDX-License-Identifier: GPL-2.0
/*
 * The "vuicc" family's profiles once on a card: profile-get (do and dump),
 * state-get, profile-del, -enable, -renew and -disable, and the profile,
 * state and authentication events, with the fill functions they share.  Adding a
 * profile is vuicc_nl_profile_add.c's.
 *
 * No fill function reads a key, an operator key or a PIN.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/list.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_fs.h"
#include "vuicc_netlink.h"
#include "generated/vuicc_nl_gen.h"
#include "vuicc_nl.h"
#include "vuicc_profile.h"

/*
 * Called with card->lock held.  Reads no secret; the subscriber's
 * identities (ICCID, IMSI) only with @ids, for a caller with CAP_NET_ADMIN
 * and for the monitor group, which needs it to join
 * (Documentation/netlink/vuicc.rst, "Who reads what").
 */
static int vuicc_nl_fill_profile(struct sk_buff *skb, struct vuicc_card *card,
				 struct vuicc_profile *p, u8 cmd, u32 portid,
				 u32 seq, int flags, struct netlink_callback *cb,
				 bool ids)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vuicc_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_string(skb, VUICC_A_PROFILE_NAME, p->name) ||
	    nla_put_u32(skb, VUICC_A_PROFILE_KIND, p->kind) ||
	    (p->role && nla_put_u32(skb, VUICC_A_PROFILE_ROLE, p->role)) ||
	    nla_put_u8(skb, VUICC_A_PROFILE_ENABLED, card->enabled == p) ||
	    (card->enabled == p && card->deadline &&
	     nla_put_u64_64bit(skb, VUICC_A_PROFILE_DEADLINE, ktime_to_ns(card->deadline),
			       VUICC_A_PAD)) ||
	    (ids && nla_put_string(skb, VUICC_A_ICCID, p->iccid)) ||
	    (ids && nla_put_string(skb, VUICC_A_IMSI, p->imsi)) ||
	    nla_put_u8(skb, VUICC_A_MNC_LEN, p->mnc_len) ||
	    nla_put_u32(skb, VUICC_A_ALGORITHM, p->algorithm) ||
	    nla_put_u8(skb, VUICC_A_GSM_DERIVATION, p->gsm_derivation) ||
	    nla_put_u8(skb, VUICC_A_SQN_IND_BITS, p->sqn_ind_bits) ||
	    nla_put_u64_64bit(skb, VUICC_A_SQN_DELTA, p->sqn_delta, VUICC_A_PAD) ||
	    nla_put_u64_64bit(skb, VUICC_A_SQN_AGE_LIMIT, p->sqn_age_limit,
			      VUICC_A_PAD) ||
	    nla_put_u8(skb, VUICC_A_PIN1_ENABLED, p->pin1_enabled) ||
	    nla_put_u32(skb, VUICC_A_PROFILE_FILES, p->n_files)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * vuicc_nl_notify_profile() - tell the monitor group about a profile
 * @card: the profile's card, locked
 * @p: the profile
 * @cmd: a VUICC_CMD_PROFILE_*_NTF
 */
void vuicc_nl_notify_profile(struct vuicc_card *card, struct vuicc_profile *p,
			     u8 cmd)
{
	struct sk_buff *skb;

	lockdep_assert_held(&card->lock);
	if (!vuicc_nl_listened())
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	if (vuicc_nl_fill_profile(skb, card, p, cmd, 0, 0, 0, NULL, true)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	vuicc_nl_multicast(skb);
}

/*
 * The persistent state of a profile, called with card->lock held: with @f,
 * that EF's content; with @sqn, the SQN array; with neither, both the SQN
 * array and every EF the modem changed (state-get).  Always card-id,
 * profile-name and state-seq.
 */
static int vuicc_nl_fill_state(struct sk_buff *skb, struct vuicc_card *card,
			       struct vuicc_profile *p, u8 cmd, u32 portid, u32 seq,
			       const struct vuicc_file *f, bool sqn)
{
	unsigned int n = 1u << p->sqn_ind_bits, i;
	u8 path[VUICC_FILE_PATH_MAX];
	struct nlattr *nest, *a;
	void *hdr;
	int len;

	hdr = genlmsg_put(skb, portid, seq, &vuicc_nl_family, 0, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_string(skb, VUICC_A_PROFILE_NAME, p->name) ||
	    nla_put_u64_64bit(skb, VUICC_A_STATE_SEQ, p->state_seq, VUICC_A_PAD))
		goto nospace;
	if (sqn || !f) {
		a = nla_reserve(skb, VUICC_A_SQN_STATE, n * VUICC_SQN_LEN);
		if (!a)
			goto nospace;
		for (i = 0; i < n; i++)
			vuicc_put_be48(p->sqn[i], (u8 *)nla_data(a) + i * VUICC_SQN_LEN);
	}
	for (i = 0; !sqn && i < p->fs->n_files; i++) {
		const struct vuicc_file *e = f ? f : &p->fs->files[i];

		if (!f && (e->type != VUICC_FILE_EF || !e->changed))
			continue;
		len = vuicc_fs_path_of(e, path, sizeof(path));
		if (len < 0)
			goto nospace;
		nest = nla_nest_start(skb, VUICC_A_FILE);
		if (!nest || nla_put(skb, VUICC_A_FILE_PATH, len, path))
			goto nospace;
		a = nla_reserve(skb, VUICC_A_FILE_DATA, e->size);
		if (!a)
			goto nospace;
		vuicc_fs_export(e, nla_data(a));
		nla_nest_end(skb, nest);
		if (f)
			break;
	}
	genlmsg_end(skb, hdr);
	return 0;
nospace:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The size of what vuicc_nl_fill_state() puts for state-get. */
static size_t vuicc_nl_state_size(const struct vuicc_profile *p)
{
	size_t size = NLMSG_DEFAULT_SIZE + (VUICC_SQN_LEN << p->sqn_ind_bits);
	unsigned int i;

	for (i = 0; i < p->fs->n_files; i++)
		if (p->fs->files[i].type == VUICC_FILE_EF && p->fs->files[i].changed)
			size += nla_total_size(0) + nla_total_size(VUICC_FILE_PATH_MAX) +
				nla_total_size(p->fs->files[i].size);
	return size;
}

/**
 * vuicc_nl_notify_file() - tell the monitor group the new content of an EF
 * @card: the card, locked
 * @p: the enabled profile
 * @f: the EF the modem changed
 *
 * A state-ntf with the whole content (a cyclic EF's records from record 1
 * on) and the profile's state-seq, for the agent to store and give back in
 * profile-add.
 */
void vuicc_nl_notify_file(struct vuicc_card *card, struct vuicc_profile *p,
			  struct vuicc_file *f)
{
	struct sk_buff *skb;

	lockdep_assert_held(&card->lock);
	if (!vuicc_nl_listened())
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE + f->size, GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	if (vuicc_nl_fill_state(skb, card, p, VUICC_CMD_STATE_NTF, 0, 0, f, false)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	vuicc_nl_multicast(skb);
}

/**
 * vuicc_nl_notify_auth() - tell the monitor group how an authentication ended
 * @card: the card, locked
 * @p: the profile
 * @context: &enum vuicc_auth_context
 * @result: &enum vuicc_auth_result
 *
 * No RAND, AUTN, RES or key goes with it.
 */
void vuicc_nl_notify_auth(struct vuicc_card *card, struct vuicc_profile *p,
			  u32 context, u32 result)
{
	struct sk_buff *skb;
	void *hdr;

	if (!vuicc_nl_listened())
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	hdr = genlmsg_put(skb, 0, 0, &vuicc_nl_family, 0, VUICC_CMD_AUTH_NTF);
	if (!hdr || nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_string(skb, VUICC_A_PROFILE_NAME, p->name) ||
	    nla_put_u32(skb, VUICC_A_AUTH_CONTEXT, context) ||
	    nla_put_u32(skb, VUICC_A_AUTH_RESULT, result)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	genlmsg_end(skb, hdr);
	vuicc_nl_multicast(skb);
}

/**
 * vuicc_nl_notify_sqn() - tell the monitor group the new SQN array
 * @card: the card, locked
 * @p: the profile, after an accepted challenge
 *
 * A state-ntf with sqn-state (6 bytes per IND slot) and state-seq, for the
 * agent to store and give back in profile-add.
 */
void vuicc_nl_notify_sqn(struct vuicc_card *card, struct vuicc_profile *p)
{
	struct sk_buff *skb;

	lockdep_assert_held(&card->lock);
	if (!vuicc_nl_listened())
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE + (VUICC_SQN_LEN << p->sqn_ind_bits), GFP_KERNEL);
	if (!skb) {
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	if (vuicc_nl_fill_state(skb, card, p, VUICC_CMD_STATE_NTF, 0, 0, NULL, true)) {
		nlmsg_free(skb);
		vuicc_nl_event_lost(VUICC_NLGRP_MONITOR);
		return;
	}
	vuicc_nl_multicast(skb);
}

int vuicc_nl_profile_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_profile *p;
	struct vuicc_card *card;
	struct sk_buff *msg;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name"))
		return -EINVAL;
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		vuicc_card_put(card);
		return -ENOMEM;
	}
	mutex_lock(&card->lock);
	p = vuicc_card_profile_find(card,
				    nla_data(info->attrs[VUICC_A_PROFILE_NAME]));
	if (p)
		ret = vuicc_nl_fill_profile(msg, card, p, VUICC_CMD_PROFILE_GET,
					    info->snd_portid, info->snd_seq, 0, NULL,
					    netlink_capable(skb, CAP_NET_ADMIN));
	mutex_unlock(&card->lock);
	vuicc_card_put(card);
	if (!p) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PROFILE_NAME],
				    "no such profile on this card");
		return -ENOENT;
	}
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * vuicc_nl_state_get_doit() - the persistent state of one profile
 * @skb: the request
 * @info: card-id and profile-name
 *
 * The SQN array and every EF the modem changed since the profile was added,
 * with the state-seq they correspond to: what an agent that was not
 * listening needs to bring its store up to date.  Admin only: EF_KEYS and
 * their kin hold session keys.
 *
 * Return: 0 or a negative errno.
 */
int vuicc_nl_state_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_profile *p;
	struct vuicc_card *card;
	struct sk_buff *msg = NULL;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name"))
		return -EINVAL;
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	mutex_lock(&card->lock);
	p = vuicc_card_profile_find(card,
				    nla_data(info->attrs[VUICC_A_PROFILE_NAME]));
	if (!p) {
		ret = -ENOENT;
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PROFILE_NAME],
				    "no such profile on this card");
		goto out;
	}
	msg = genlmsg_new(vuicc_nl_state_size(p), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = vuicc_nl_fill_state(msg, card, p, VUICC_CMD_STATE_GET, info->snd_portid,
				  info->snd_seq, NULL, false);
out:
	mutex_unlock(&card->lock);
	vuicc_card_put(card);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: the card being dumped; cb->args[1]: profiles of it already
 * sent; cb->args[2]: 1 + the only card to dump, or 0 for all.
 */
int vuicc_nl_profile_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *tb[VUICC_A_PROFILE_NAME + 1];
	struct vuicc_profile *p;
	struct vuicc_card *card;
	unsigned long id, last = VUICC_CARDS_MAX;
	bool ids = netlink_capable(cb->skb, CAP_NET_ADMIN);
	long skip;
	int ret = 0;

	if (!cb->args[2]) {
		ret = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, VUICC_A_PROFILE_NAME,
				  vuicc_profile_get_nl_policy, cb->extack);
		if (ret)
			return ret;
		cb->args[2] = VUICC_CARDS_MAX + 1;
		if (tb[VUICC_A_CARD_ID]) {
			cb->args[0] = nla_get_u32(tb[VUICC_A_CARD_ID]);
			cb->args[2] = cb->args[0] + 1;
		}
	}
	if (cb->args[2] <= VUICC_CARDS_MAX)
		last = cb->args[2];

	cb->seq = vuicc_cards_generation();
	for (id = cb->args[0]; id < last; id++, cb->args[1] = 0) {
		card = vuicc_card_lookup(id);
		if (!card)
			continue;
		skip = cb->args[1];
		mutex_lock(&card->lock);
		list_for_each_entry(p, &card->profiles, node) {
			if (skip-- > 0)
				continue;
			ret = vuicc_nl_fill_profile(skb, card, p, VUICC_CMD_PROFILE_GET,
						    NETLINK_CB(cb->skb).portid,
						    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb, ids);
			if (ret)
				break;
			cb->args[1]++;
		}
		mutex_unlock(&card->lock);
		vuicc_card_put(card);
		if (ret)
			break;
	}
	cb->args[0] = id;
	return skb->len;
}

static int vuicc_nl_profile_op(struct genl_info *info, bool name_required,
			       int (*op)(struct vuicc_card *, const char *))
{
	struct nlattr *name = info->attrs[VUICC_A_PROFILE_NAME];
	struct vuicc_card *card;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	if (name_required &&
	    VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name"))
		return -EINVAL;
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	ret = op(card, name ? nla_data(name) : NULL);
	vuicc_card_put(card);
	if (ret == -ENOENT && name_required)
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no such profile on this card");
	else if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, name ?: info->attrs[VUICC_A_CARD_ID],
				    "not the enabled profile (or none is)");
	return ret;
}

int vuicc_nl_profile_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_op(info, true, vuicc_card_profile_del);
}

/* profile-enable and profile-renew: a profile and an optional deadline */
static int vuicc_nl_profile_deadline_op(struct genl_info *info, bool renew)
{
	struct nlattr *name = info->attrs[VUICC_A_PROFILE_NAME];
	struct nlattr *dl = info->attrs[VUICC_A_PROFILE_DEADLINE];
	struct vuicc_card *card;
	ktime_t deadline = 0;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		return ret;
	if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name") ||
	    (renew && VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_DEADLINE, "profile-deadline")))
		return -EINVAL;
	if (dl) {
		deadline = ns_to_ktime(nla_get_u64(dl));
		if (deadline <= 0) {
			NL_SET_ERR_MSG_ATTR(info->extack, dl, "ns of CLOCK_BOOTTIME, > 0");
			return -EINVAL;
		}
	}
	card = vuicc_nl_card(info);
	if (IS_ERR(card))
		return PTR_ERR(card);
	if (renew)
		ret = vuicc_card_profile_renew(card, nla_data(name), deadline);
	else
		ret = vuicc_card_profile_enable(card, nla_data(name), deadline);
	vuicc_card_put(card);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no such profile on this card");
	else if (ret == -ESTALE)
		NL_SET_ERR_MSG_ATTR(info->extack, name,
				    "not enabled with a deadline ahead (it passed, or was disabled)");
	else if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, dl, "the deadline has passed");
	return ret;
}

int vuicc_nl_profile_enable_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_deadline_op(info, false);
}

int vuicc_nl_profile_renew_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_deadline_op(info, true);
}

int vuicc_nl_profile_disable_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_op(info, false, vuicc_card_profile_disable);
}
