// SPDX-License-Identifier: GPL-2.0
/*
 * The "vuicc" Generic Netlink family: cards, profiles and their events.
 * The policies and the ops table are generated from
 * Documentation/netlink/specs/vuicc.yaml (generated/vuicc_nl_gen.c); this file holds
 * the handlers, one fill function per object for do, dump and
 * notifications, and the family.
 *
 * Keys, operator keys and PINs are write-only: no fill function reads
 * them, and profile-add wipes them from the request once parsed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "vuicc_auth.h"
#include "vuicc_bytes.h"
#include "vuicc_card.h"
#include "vuicc_fs.h"
#include "vuicc_netlink.h"
#include "generated/vuicc_nl_gen.h"
#include "vuicc_profile.h"
#include "vuicc_svc.h"

/* TS 35.231 §6: the output lengths TUAK allows, in bits */
#define VUICC_TUAK_RES_BITS_DEFAULT	64
#define VUICC_TUAK_MAC_BITS_DEFAULT	64
#define VUICC_TUAK_CK_BITS_DEFAULT	128
#define VUICC_TUAK_IK_BITS_DEFAULT	128

/* nla_get_*_default() arrived after 6.1 */
static u8 vuicc_nl_u8(const struct nlattr *a, u8 def)
{
	return a ? nla_get_u8(a) : def;
}

static u16 vuicc_nl_u16(const struct nlattr *a, u16 def)
{
	return a ? nla_get_u16(a) : def;
}

static u64 vuicc_nl_u64(const struct nlattr *a, u64 def)
{
	return a ? nla_get_u64(a) : def;
}

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

static struct genl_family vuicc_nl_family __ro_after_init = {
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

/* Attributes that carry secrets: wiped from every request that holds them. */
static const u16 vuicc_nl_secret_attrs[] = {
	VUICC_A_K, VUICC_A_OP, VUICC_A_OPC, VUICC_A_MILENAGE_C, VUICC_A_TOP,
	VUICC_A_TOPC, VUICC_A_PIN1, VUICC_A_PUK1, VUICC_A_PIN2, VUICC_A_PUK2,
	VUICC_A_ADM1,
};

static void vuicc_nl_wipe_secrets(struct genl_info *info)
{
	struct nlattr *a;
	unsigned int i;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		for (i = 0; i < ARRAY_SIZE(vuicc_nl_secret_attrs); i++) {
			if (nla_type(a) == vuicc_nl_secret_attrs[i]) {
				memzero_explicit(nla_data(a), nla_len(a));
				break;
			}
		}
	}
}

/* Reports a missing attribute with its name; true if it is missing. */
#define VUICC_NL_REQUIRE(info, type, what) ({				\
	struct genl_info *__vinfo = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__vinfo, type);		\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__vinfo->extack, "missing " what);	\
	__missing;							\
})

/*
 * Netlink keeps the last of repeated attributes; a request that names
 * something twice is more likely a mistake than a wish, so it is refused.
 */
static int vuicc_nl_check_duplicates(struct genl_info *info)
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

static struct vuicc_card *vuicc_nl_card(struct genl_info *info)
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

/* ---- fill ---- */

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
	    vuicc_nl_fill_t0(skb, card)) {
		mutex_unlock(&card->lock);
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	mutex_unlock(&card->lock);
	genlmsg_end(skb, hdr);
	return 0;
}

/* Called with card->lock held.  Reads no secret. */
static int vuicc_nl_fill_profile(struct sk_buff *skb, struct vuicc_card *card,
				 struct vuicc_profile *p, u8 cmd, u32 portid,
				 u32 seq, int flags, struct netlink_callback *cb)
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
	    nla_put_string(skb, VUICC_A_ICCID, p->iccid) ||
	    nla_put_string(skb, VUICC_A_IMSI, p->imsi) ||
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

/* ---- notifications ---- */

static bool vuicc_nl_listened(void)
{
	return genl_has_listeners(&vuicc_nl_family, &init_net, VUICC_NLGRP_MONITOR);
}

static void vuicc_nl_multicast(struct sk_buff *skb)
{
	genlmsg_multicast(&vuicc_nl_family, skb, 0, VUICC_NLGRP_MONITOR, GFP_KERNEL);
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
	if (!skb)
		return;
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
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&vuicc_nl_family, skb, 0, VUICC_NLGRP_TRACE, GFP_KERNEL);
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
	if (!skb)
		return;
	if (vuicc_nl_fill_card(skb, card, cmd, 0, 0, 0, NULL)) {
		nlmsg_free(skb);
		return;
	}
	vuicc_nl_multicast(skb);
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
	if (!skb)
		return;
	if (vuicc_nl_fill_profile(skb, card, p, cmd, 0, 0, 0, NULL)) {
		nlmsg_free(skb);
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
	if (!skb)
		return;
	if (vuicc_nl_fill_state(skb, card, p, VUICC_CMD_STATE_NTF, 0, 0, f, false)) {
		nlmsg_free(skb);
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
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &vuicc_nl_family, 0, VUICC_CMD_AUTH_NTF);
	if (!hdr || nla_put_u32(skb, VUICC_A_CARD_ID, card->id) ||
	    nla_put_string(skb, VUICC_A_PROFILE_NAME, p->name) ||
	    nla_put_u32(skb, VUICC_A_AUTH_CONTEXT, context) ||
	    nla_put_u32(skb, VUICC_A_AUTH_RESULT, result)) {
		nlmsg_free(skb);
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
	if (!skb)
		return;
	if (vuicc_nl_fill_state(skb, card, p, VUICC_CMD_STATE_NTF, 0, 0, NULL, true)) {
		nlmsg_free(skb);
		return;
	}
	vuicc_nl_multicast(skb);
}

/* ---- cards ---- */

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
	ret = vuicc_card_destroy(card->id);
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

/* ---- profiles ---- */

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
					    info->snd_portid, info->snd_seq, 0, NULL);
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
						    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
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

static int vuicc_nl_parse_sqn(struct genl_info *info, struct vuicc_profile *p)
{
	struct nlattr *a = info->attrs[VUICC_A_SQN_STATE];
	size_t n = 1u << p->sqn_ind_bits, i;
	const u8 *d;

	p->sqn = kcalloc(n, sizeof(*p->sqn), GFP_KERNEL);
	if (!p->sqn)
		return -ENOMEM;
	if (!a)
		return 0;
	if (nla_len(a) != n * VUICC_SQN_LEN) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "sqn-state must hold 6 bytes per IND slot (2^sqn-ind-bits)");
		return -EINVAL;
	}
	d = nla_data(a);
	for (i = 0; i < n; i++, d += VUICC_SQN_LEN)
		p->sqn[i] = vuicc_get_be48(d);
	return 0;
}

static int vuicc_nl_parse_files(struct genl_info *info, struct vuicc_profile *p,
				struct nlattr **fattrs)
{
	struct nlattr *tb[VUICC_A_FILE_MAX + 1];
	struct vuicc_file_content *f;
	struct nlattr *a, *path, *data;
	unsigned int i;
	int rem, ret;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != VUICC_A_FILE)
			continue;
		if (p->n_files >= VUICC_FILES_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "more than files-max file attributes");
			return -E2BIG;
		}
		ret = nla_parse_nested(tb, VUICC_A_FILE_MAX, a, vuicc_file_nl_policy,
				       info->extack);
		if (ret)
			return ret;
		path = tb[VUICC_A_FILE_PATH];
		data = tb[VUICC_A_FILE_DATA];
		if (!path || !data) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "file needs path and data");
			return -EINVAL;
		}
		if (vuicc_file_path_check(nla_data(path), nla_len(path))) {
			NL_SET_ERR_MSG_ATTR(info->extack, path,
					    "file path: FIDs from 3F00, 4 to 16 bytes");
			return -EINVAL;
		}
		if (nla_len(data) > VUICC_FILE_DATA_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, data,
					    "file data longer than file-data-max");
			return -E2BIG;
		}
		for (i = 0; i < p->n_files; i++) {
			if (p->files[i]->path_len == nla_len(path) &&
			    !memcmp(p->files[i]->path, nla_data(path), nla_len(path))) {
				NL_SET_ERR_MSG_ATTR(info->extack, path, "file path given twice");
				return -EINVAL;
			}
		}
		f = kzalloc(struct_size(f, data, nla_len(data)), GFP_KERNEL);
		if (!f)
			return -ENOMEM;
		f->path_len = nla_len(path);
		memcpy(f->path, nla_data(path), f->path_len);
		f->len = nla_len(data);
		memcpy(f->data, nla_data(data), f->len);
		fattrs[p->n_files] = a;
		p->files[p->n_files++] = f;
	}
	return 0;
}

/* One PIN, PUK or ADM attribute into the secrets; true if it was bad. */
#define VUICC_NL_PIN(info, p, attr, ref, msg) ({				\
	struct genl_info *__vinfo = (info);				\
	struct vuicc_secrets *__s = (p)->secrets;			\
	enum vuicc_pin_ref __pref = (ref);				\
	struct nlattr *__a = __vinfo->attrs[attr];			\
	bool __bad = false;						\
	if (__a) {							\
		__bad = vuicc_pin_encode(nla_data(__a), __pref,		\
					 __s->pin[__pref]) != 0;		\
		if (__bad)						\
			NL_SET_ERR_MSG_ATTR(__vinfo->extack, __a, msg);	\
		else							\
			__s->pin_set[__pref] = true;			\
	}								\
	__bad;								\
})

static int vuicc_nl_parse_pins(struct genl_info *info, struct vuicc_profile *p)
{
	if (VUICC_NL_PIN(info, p, VUICC_A_PIN1, VUICC_PIN1, "pin1: 4 to 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PUK1, VUICC_PUK1, "puk1: 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PIN2, VUICC_PIN2, "pin2: 4 to 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_PUK2, VUICC_PUK2, "puk2: 8 digits") ||
	    VUICC_NL_PIN(info, p, VUICC_A_ADM1, VUICC_ADM1,
			 "adm1: 8 digits or 16 hex digits"))
		return -EINVAL;
	p->pin1_enabled = vuicc_nl_u8(info->attrs[VUICC_A_PIN1_ENABLED], 0);
	if (p->pin1_enabled && !p->secrets->pin_set[VUICC_PIN1]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PIN1_ENABLED],
				    "pin1-enabled needs pin1");
		return -EINVAL;
	}
	return 0;
}

static bool vuicc_nl_bits_valid(u16 v, const u16 *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v == ok[i])
			return true;
	return false;
}

/* The algorithm's keys and parameters, and nothing of another algorithm. */
static int vuicc_nl_parse_algorithm(struct genl_info *info, struct vuicc_profile *p)
{
	static const u16 res_ok[] = { 32, 64, 128, 256 };
	static const u16 mac_ok[] = { 64, 128, 256 };
	static const u16 key_ok[] = { 128, 256 };
	static const u16 milenage_only[] = { VUICC_A_OP, VUICC_A_OPC,
		VUICC_A_MILENAGE_C, VUICC_A_MILENAGE_R };
	static const u16 tuak_only[] = { VUICC_A_TOP, VUICC_A_TOPC,
		VUICC_A_TUAK_RES_BITS, VUICC_A_TUAK_MAC_BITS, VUICC_A_TUAK_CK_BITS,
		VUICC_A_TUAK_IK_BITS, VUICC_A_TUAK_ITERATIONS };
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	struct vuicc_secrets *s = p->secrets;
	struct nlattr *k = at[VUICC_A_K], *op, *a;
	unsigned int i;

	if (VUICC_NL_REQUIRE(info, VUICC_A_ALGORITHM, "algorithm") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_K, "k"))
		return -EINVAL;
	p->algorithm = nla_get_u32(at[VUICC_A_ALGORITHM]);
	if (nla_len(k) != 16 &&
	    !(nla_len(k) == 32 && p->algorithm == VUICC_ALGORITHM_TUAK)) {
		NL_SET_ERR_MSG_ATTR(extack, k, "k: 16 bytes (TUAK: 16 or 32)");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(milenage_only); i++) {
		a = at[milenage_only[i]];
		if (a && p->algorithm != VUICC_ALGORITHM_MILENAGE) {
			NL_SET_ERR_MSG_ATTR(extack, a, "a Milenage parameter, wrong algorithm");
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(tuak_only); i++) {
		a = at[tuak_only[i]];
		if (a && p->algorithm != VUICC_ALGORITHM_TUAK) {
			NL_SET_ERR_MSG_ATTR(extack, a, "a TUAK parameter, wrong algorithm");
			return -EINVAL;
		}
	}

	switch (p->algorithm) {
	case VUICC_ALGORITHM_MILENAGE:
		if (!!at[VUICC_A_OP] == !!at[VUICC_A_OPC]) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_OP] ?: at[VUICC_A_ALGORITHM],
					    "milenage needs exactly one of op and opc");
			return -EINVAL;
		}
		if (!!at[VUICC_A_MILENAGE_C] != !!at[VUICC_A_MILENAGE_R]) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_MILENAGE_C] ?:
					    at[VUICC_A_MILENAGE_R],
					    "milenage-c and milenage-r go together");
			return -EINVAL;
		}
		if (at[VUICC_A_MILENAGE_R]) {
			const u8 *r = nla_data(at[VUICC_A_MILENAGE_R]);

			for (i = 0; i < 5; i++) {
				if (r[i] > 127) {
					NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_MILENAGE_R],
							    "milenage-r: rotations of 0 to 127 bits");
					return -EINVAL;
				}
			}
			memcpy(s->milenage_c, nla_data(at[VUICC_A_MILENAGE_C]),
			       sizeof(s->milenage_c));
			memcpy(s->milenage_r, r, sizeof(s->milenage_r));
			s->has_milenage_consts = true;
		}
		op = at[VUICC_A_OPC] ?: at[VUICC_A_OP];
		s->op_is_c = !!at[VUICC_A_OPC];
		break;
	case VUICC_ALGORITHM_TUAK:
		if (!!at[VUICC_A_TOP] == !!at[VUICC_A_TOPC]) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TOP] ?: at[VUICC_A_ALGORITHM],
					    "tuak needs exactly one of top and topc");
			return -EINVAL;
		}
		p->tuak_res_bits = vuicc_nl_u16(at[VUICC_A_TUAK_RES_BITS],
						VUICC_TUAK_RES_BITS_DEFAULT);
		p->tuak_mac_bits = vuicc_nl_u16(at[VUICC_A_TUAK_MAC_BITS],
						VUICC_TUAK_MAC_BITS_DEFAULT);
		p->tuak_ck_bits = vuicc_nl_u16(at[VUICC_A_TUAK_CK_BITS],
					       VUICC_TUAK_CK_BITS_DEFAULT);
		p->tuak_ik_bits = vuicc_nl_u16(at[VUICC_A_TUAK_IK_BITS],
					       VUICC_TUAK_IK_BITS_DEFAULT);
		p->tuak_iterations = vuicc_nl_u16(at[VUICC_A_TUAK_ITERATIONS], 1);
		if (!vuicc_nl_bits_valid(p->tuak_res_bits, res_ok, ARRAY_SIZE(res_ok))) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_RES_BITS],
					    "tuak-res-bits: 32, 64, 128 or 256");
			return -EINVAL;
		}
		if (!vuicc_nl_bits_valid(p->tuak_mac_bits, mac_ok, ARRAY_SIZE(mac_ok))) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_MAC_BITS],
					    "tuak-mac-bits: 64, 128 or 256");
			return -EINVAL;
		}
		if (!vuicc_nl_bits_valid(p->tuak_ck_bits, key_ok, ARRAY_SIZE(key_ok))) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_CK_BITS],
					    "tuak-ck-bits: 128 or 256");
			return -EINVAL;
		}
		if (!vuicc_nl_bits_valid(p->tuak_ik_bits, key_ok, ARRAY_SIZE(key_ok))) {
			NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_TUAK_IK_BITS],
					    "tuak-ik-bits: 128 or 256");
			return -EINVAL;
		}
		op = at[VUICC_A_TOPC] ?: at[VUICC_A_TOP];
		s->op_is_c = !!at[VUICC_A_TOPC];
		break;
	case VUICC_ALGORITHM_XOR:
		op = NULL;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_ALGORITHM], "unknown algorithm");
		return -EINVAL;
	}

	s->k_len = nla_len(k);
	memcpy(s->k, nla_data(k), s->k_len);
	if (op) {
		s->op_len = nla_len(op);
		memcpy(s->op, nla_data(op), s->op_len);
	}
	return 0;
}

/*
 * The service tables disagree with the files: the message names the
 * service and the file (a static string of the table), or the service the
 * card does not support (formatted where the kernel can, from 6.2 on).
 */
static int vuicc_nl_svc_error(struct netlink_ext_ack *extack, struct nlattr *a,
			      const struct vuicc_svc_err *err)
{
	if (!extack)
		return -EINVAL;
#ifdef NL_SET_ERR_MSG_FMT
	if (err->service) {
		NL_SET_ERR_MSG_FMT(extack, "%s service %u is on; this card does not support it",
				   err->table == VUICC_SVC_UST ? "USIM" : "GSM", err->service);
		return -EINVAL;
	}
#endif
	/*
	 * The table's messages are longer than NL_SET_ERR_MSG_FMT's buffer
	 * and static, so they are set as NL_SET_ERR_MSG would (without its
	 * tracepoint, which wants a literal).
	 */
	extack->_msg = err->why;
	extack->bad_attr = a;
	return -EINVAL;
}

/* The card's files: the template, the identity, the EF contents given. */
static int vuicc_nl_build_fs(struct genl_info *info, struct vuicc_profile *p,
			     struct nlattr **fattrs)
{
	struct vuicc_svc_err err;
	struct nlattr *a;
	int ret;

	p->fs = vuicc_svc_build(p, &err);
	if (!IS_ERR(p->fs))
		return 0;
	ret = PTR_ERR(p->fs);
	p->fs = NULL;
	a = err.bad_file >= 0 ? fattrs[err.bad_file] : NULL;
	if (ret == -EPROTO)
		return vuicc_nl_svc_error(info->extack, a, &err);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: no such EF in the card's template");
	else if (ret == -EFBIG)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: data larger than the EF");
	else if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, a, "file: data is not whole records");
	return ret;
}

static int vuicc_nl_parse_profile(struct genl_info *info, struct vuicc_profile *p)
{
	struct nlattr *fattrs[VUICC_FILES_MAX];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **at = info->attrs;
	int ret;

	if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_NAME, "profile-name") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_KIND, "profile-kind") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_ICCID, "iccid") ||
	    VUICC_NL_REQUIRE(info, VUICC_A_IMSI, "imsi"))
		return -EINVAL;

	if (!vuicc_profile_name_valid(nla_data(at[VUICC_A_PROFILE_NAME]))) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_PROFILE_NAME],
				    "profile-name: 1 to 31 of A-Z a-z 0-9 . _ -");
		return -EINVAL;
	}
	strscpy(p->name, nla_data(at[VUICC_A_PROFILE_NAME]), sizeof(p->name));

	p->kind = nla_get_u32(at[VUICC_A_PROFILE_KIND]);
	if (p->kind == VUICC_PROFILE_KIND_SEED) {
		if (VUICC_NL_REQUIRE(info, VUICC_A_PROFILE_ROLE, "profile-role (a seed's)"))
			return -EINVAL;
		p->role = nla_get_u32(at[VUICC_A_PROFILE_ROLE]);
	} else if (at[VUICC_A_PROFILE_ROLE]) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_PROFILE_ROLE],
				    "profile-role is for seeds only");
		return -EINVAL;
	}

	/* ITU-T E.118: up to 20 digits in an ICCID; 18 and 19 are common */
	if (!vuicc_digits_valid(nla_data(at[VUICC_A_ICCID]), 18, 20)) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_ICCID], "iccid: 18 to 20 digits");
		return -EINVAL;
	}
	strscpy(p->iccid, nla_data(at[VUICC_A_ICCID]), sizeof(p->iccid));
	/* ITU-T E.212: MCC (3) + MNC (2 or 3) + MSIN, at most 15 digits */
	if (!vuicc_digits_valid(nla_data(at[VUICC_A_IMSI]), 6, 15)) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_IMSI], "imsi: 6 to 15 digits");
		return -EINVAL;
	}
	strscpy(p->imsi, nla_data(at[VUICC_A_IMSI]), sizeof(p->imsi));
	p->mnc_len = vuicc_nl_u8(at[VUICC_A_MNC_LEN], 2);

	ret = vuicc_nl_parse_algorithm(info, p);
	if (ret)
		return ret;

	if (at[VUICC_A_XOR_RES_LEN] && p->algorithm != VUICC_ALGORITHM_XOR) {
		NL_SET_ERR_MSG_ATTR(extack, at[VUICC_A_XOR_RES_LEN], "xor-res-len is for xor");
		return -EINVAL;
	}
	p->xor_res_len = vuicc_nl_u8(at[VUICC_A_XOR_RES_LEN], 8);
	ret = vuicc_auth_prepare(p);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "cannot derive OPc/TOPc");
		return ret;
	}
	p->gsm_derivation = vuicc_nl_u8(at[VUICC_A_GSM_DERIVATION], 1);
	p->sqn_ind_bits = vuicc_nl_u8(at[VUICC_A_SQN_IND_BITS],
				      VUICC_SQN_IND_BITS_DEFAULT);
	p->sqn_delta = vuicc_nl_u64(at[VUICC_A_SQN_DELTA], VUICC_SQN_DELTA_DEFAULT);
	p->sqn_age_limit = vuicc_nl_u64(at[VUICC_A_SQN_AGE_LIMIT], 0);
	ret = vuicc_nl_parse_sqn(info, p);
	if (ret)
		return ret;
	ret = vuicc_nl_parse_pins(info, p);
	if (ret)
		return ret;
	ret = vuicc_nl_parse_files(info, p, fattrs);
	if (ret)
		return ret;
	return vuicc_nl_build_fs(info, p, fattrs);
}

int vuicc_nl_profile_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vuicc_profile *p = NULL;
	struct vuicc_card *card;
	int ret;

	ret = vuicc_nl_check_duplicates(info);
	if (ret)
		goto out;
	card = vuicc_nl_card(info);
	if (IS_ERR(card)) {
		ret = PTR_ERR(card);
		goto out;
	}
	p = vuicc_profile_alloc();
	ret = p ? vuicc_nl_parse_profile(info, p) : -ENOMEM;
	if (!ret) {
		ret = vuicc_card_profile_add(card, p);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_PROFILE_NAME],
					    "a profile of that name is on the card");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VUICC_A_CARD_ID],
					    "the card holds profiles-max profiles");
		if (!ret)
			p = NULL;
	}
	vuicc_card_put(card);
	vuicc_profile_free(p);
out:
	vuicc_nl_wipe_secrets(info);
	return ret;
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

int vuicc_nl_profile_enable_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_op(info, true, vuicc_card_profile_enable);
}

int vuicc_nl_profile_disable_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vuicc_nl_profile_op(info, false, vuicc_card_profile_disable);
}

int __init vuicc_nl_init(void)
{
	return genl_register_family(&vuicc_nl_family);
}

void vuicc_nl_exit(void)
{
	genl_unregister_family(&vuicc_nl_family);
}
