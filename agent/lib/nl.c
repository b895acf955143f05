// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's client of the "vuicc" Generic Netlink family.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"
#include "profile.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Checked against the YNL spec by tools/net/ynl-regen --check. */
static const char *const vnl_attr_names[VUICC_A_MAX + 1] = {
	[VUICC_A_PAD] = "pad",
	[VUICC_A_CARD_ID] = "card-id",
	[VUICC_A_CARD_POWERED] = "card-powered",
	[VUICC_A_CARD_OPEN] = "card-open",
	[VUICC_A_CARD_PROFILE] = "card-profile",
	[VUICC_A_CARD_PROFILES] = "card-profiles",
	[VUICC_A_CARD_APDUS] = "card-apdus",
	[VUICC_A_CARD_RESETS] = "card-resets",
	[VUICC_A_CARD_SWITCHES] = "card-switches",
	[VUICC_A_PROFILE_NAME] = "profile-name",
	[VUICC_A_PROFILE_KIND] = "profile-kind",
	[VUICC_A_PROFILE_ROLE] = "profile-role",
	[VUICC_A_PROFILE_ENABLED] = "profile-enabled",
	[VUICC_A_ICCID] = "iccid",
	[VUICC_A_IMSI] = "imsi",
	[VUICC_A_MNC_LEN] = "mnc-len",
	[VUICC_A_ALGORITHM] = "algorithm",
	[VUICC_A_K] = "k",
	[VUICC_A_OP] = "op",
	[VUICC_A_OPC] = "opc",
	[VUICC_A_MILENAGE_C] = "milenage-c",
	[VUICC_A_MILENAGE_R] = "milenage-r",
	[VUICC_A_TOP] = "top",
	[VUICC_A_TOPC] = "topc",
	[VUICC_A_TUAK_RES_BITS] = "tuak-res-bits",
	[VUICC_A_TUAK_MAC_BITS] = "tuak-mac-bits",
	[VUICC_A_TUAK_CK_BITS] = "tuak-ck-bits",
	[VUICC_A_TUAK_IK_BITS] = "tuak-ik-bits",
	[VUICC_A_TUAK_ITERATIONS] = "tuak-iterations",
	[VUICC_A_XOR_RES_LEN] = "xor-res-len",
	[VUICC_A_GSM_DERIVATION] = "gsm-derivation",
	[VUICC_A_SQN_IND_BITS] = "sqn-ind-bits",
	[VUICC_A_SQN_DELTA] = "sqn-delta",
	[VUICC_A_SQN_AGE_LIMIT] = "sqn-age-limit",
	[VUICC_A_SQN_STATE] = "sqn-state",
	[VUICC_A_PIN1] = "pin1",
	[VUICC_A_PUK1] = "puk1",
	[VUICC_A_PIN2] = "pin2",
	[VUICC_A_PUK2] = "puk2",
	[VUICC_A_ADM1] = "adm1",
	[VUICC_A_PIN1_ENABLED] = "pin1-enabled",
	[VUICC_A_FILE] = "file",
	[VUICC_A_PROFILE_FILES] = "profile-files",
	[VUICC_A_AUTH_CONTEXT] = "auth-context",
	[VUICC_A_AUTH_RESULT] = "auth-result",
	[VUICC_A_STATE_SEQ] = "state-seq",
	[VUICC_A_CARD_T0] = "card-t0",
	[VUICC_A_TRACE_EVENT] = "trace-event",
	[VUICC_A_TRACE_PATH] = "trace-path",
	[VUICC_A_TRACE_TIME] = "trace-time",
	[VUICC_A_TRACE_COMMAND] = "trace-command",
	[VUICC_A_TRACE_RESPONSE] = "trace-response",
	[VUICC_A_TRACE_REDACTED] = "trace-redacted",
	[VUICC_A_PROFILE_DEADLINE] = "profile-deadline",
	[VUICC_A_CARD_EXPIRIES] = "card-expiries",
};

const char *vnl_attr_name(int type)
{
	if (type > 0 && type <= VUICC_A_MAX && vnl_attr_names[type])
		return vnl_attr_names[type];
	return "?";
}

int vnl_open(struct vnl *v)
{
	int one = 1, ret;

	memset(v, 0, sizeof(*v));
	v->family = -1;
	v->sk = nl_socket_alloc();
	if (!v->sk) {
		snprintf(v->err, sizeof(v->err), "out of memory");
		return -ENOMEM;
	}
	ret = genl_connect(v->sk);
	if (ret) {
		snprintf(v->err, sizeof(v->err), "netlink: %s", nl_geterror(ret));
		vnl_close(v);
		return -EIO;
	}
	/* a profile with its EF contents is up to ~140 KiB */
	nl_socket_set_buffer_size(v->sk, 1 << 20, 1 << 20);
	/* extended acks, and errors that do not echo our request (it may hold keys) */
	setsockopt(nl_socket_get_fd(v->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(v->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	v->family = genl_ctrl_resolve(v->sk, VUICC_GENL_NAME);
	if (v->family < 0) {
		snprintf(v->err, sizeof(v->err),
			 "the vuicc netlink family is missing: is vuicc.ko loaded? (modprobe vuicc)");
		vnl_close(v);
		return -ENOENT;
	}
	v->monitor_group = genl_ctrl_resolve_grp(v->sk, VUICC_GENL_NAME, VUICC_MCGRP_MONITOR);
	return 0;
}

void vnl_close(struct vnl *v)
{
	if (v->sk)
		nl_socket_free(v->sk);
	v->sk = NULL;
}

struct nl_msg *vnl_request(struct vnl *v, uint8_t cmd, int flags)
{
	return vnl_request_sized(v, cmd, flags, 4096);
}

struct nl_msg *vnl_request_sized(struct vnl *v, uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(size + NLMSG_HDRLEN + GENL_HDRLEN);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, v->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK | flags, cmd, VUICC_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct vnl_ctx {
	struct vnl *v;
	struct nl_msg *req;
	vnl_handler fn;
	void *arg;
	int ret;
	int done;
};

static int vnl_parse_and_call(struct nl_msg *msg, vnl_handler fn, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[VUICC_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, VUICC_A_MAX, NULL))
		return 0;	/* not ours to judge; skip */
	return fn(nlh, tb, g->cmd, arg);
}

static int vnl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct vnl_ctx *c = arg;
	int ret;

	if (!c->fn)
		return NL_OK;
	ret = vnl_parse_and_call(msg, c->fn, c->arg);
	if (ret) {
		c->ret = ret;
		return NL_STOP;
	}
	return NL_OK;
}

static int vnl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct vnl_ctx *c = arg;

	c->done = 1;
	return NL_STOP;
}

static int vnl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct vnl_ctx *c = arg;

	c->done = 1;
	return NL_STOP;
}

/* The attribute at @off in our request, for naming it in an error. */
static int vnl_attr_at(struct nl_msg *req, uint32_t off)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct nlattr *a;

	if (off < NLMSG_HDRLEN + GENL_HDRLEN || off + sizeof(*a) > nlh->nlmsg_len)
		return 0;
	a = (struct nlattr *)((char *)nlh + off);
	return a->nla_type & NLA_TYPE_MASK;
}

static int vnl_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct vnl_ctx *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	const char *msg = NULL;
	int bad = 0, miss = 0, rem;
	struct nlattr *a;
	size_t off;

	c->done = 1;
	c->ret = err->error;
	if (err->error == 0)
		return NL_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - NLMSG_HDRLEN;
		a = (struct nlattr *)((char *)err + off);
		rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
		for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
			switch (nla_type(a)) {
			case NLMSGERR_ATTR_MSG:
				msg = nla_get_string(a);
				break;
			case NLMSGERR_ATTR_OFFS:
				bad = vnl_attr_at(c->req, nla_get_u32(a));
				break;
			case NLMSGERR_ATTR_MISS_TYPE:
				miss = nla_get_u32(a);
				break;
			}
		}
	}
	if (bad && msg)
		snprintf(c->v->err, sizeof(c->v->err), "%s: %s", vnl_attr_name(bad), msg);
	else if (bad)
		snprintf(c->v->err, sizeof(c->v->err), "%s: %s", vnl_attr_name(bad),
			 strerror(-err->error));
	else if (miss)
		snprintf(c->v->err, sizeof(c->v->err), "missing %s", vnl_attr_name(miss));
	else if (msg)
		snprintf(c->v->err, sizeof(c->v->err), "%s", msg);
	else
		snprintf(c->v->err, sizeof(c->v->err), "%s", strerror(-err->error));
	return NL_STOP;
}

int vnl_transact(struct vnl *v, struct nl_msg *msg, vnl_handler fn, void *arg)
{
	struct vnl_ctx c = { .v = v, .req = msg, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	v->err[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		snprintf(v->err, sizeof(v->err), "out of memory");
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, vnl_valid_cb, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, vnl_finish_cb, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, vnl_ack_cb, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, vnl_error_cb, &c);

	ret = nl_send_auto(v->sk, msg);
	if (ret < 0) {
		snprintf(v->err, sizeof(v->err), "netlink send: %s", nl_geterror(ret));
		c.ret = -EIO;
		c.done = 1;
	}
	while (!c.done) {
		ret = nl_recvmsgs(v->sk, cb);
		if (ret < 0 && !c.done) {
			snprintf(v->err, sizeof(v->err), "netlink: %s", nl_geterror(ret));
			c.ret = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	/* the request may carry K, OPc or PINs */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return c.ret;
}

struct vnl_mon {
	vnl_handler fn;
	void *arg;
	int ret;
};

static int vnl_monitor_cb(struct nl_msg *msg, void *arg)
{
	struct vnl_mon *m = arg;

	m->ret = vnl_parse_and_call(msg, m->fn, m->arg);
	return m->ret ? NL_STOP : NL_OK;
}

int vnl_monitor(struct vnl *v, vnl_handler fn, void *arg)
{
	struct vnl_mon m = { .fn = fn, .arg = arg };
	int ret;

	if (v->monitor_group < 0) {
		snprintf(v->err, sizeof(v->err), "no monitor group");
		return -ENOENT;
	}
	nl_socket_disable_seq_check(v->sk);
	nl_socket_modify_cb(v->sk, NL_CB_VALID, NL_CB_CUSTOM, vnl_monitor_cb, &m);
	ret = nl_socket_add_membership(v->sk, v->monitor_group);
	if (ret) {
		snprintf(v->err, sizeof(v->err), "cannot join the monitor group: %s%s",
			 nl_geterror(ret),
			 ret == -NLE_PERM ? " (needs CAP_NET_ADMIN)" : "");
		return -EPERM;
	}
	while (!m.ret) {
		ret = nl_recvmsgs_default(v->sk);
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN) {
			snprintf(v->err, sizeof(v->err), "netlink: %s", nl_geterror(ret));
			return -EIO;
		}
	}
	return m.ret > 0 ? 0 : m.ret;
}

int vnl_put_profile(struct nl_msg *m, const struct profile *p, uint32_t card)
{
	struct nlattr *nest;
	size_t i;
	int r = 0;

	r |= nla_put_u32(m, VUICC_A_CARD_ID, card);
	r |= nla_put_string(m, VUICC_A_PROFILE_NAME, p->name);
	r |= nla_put_u32(m, VUICC_A_PROFILE_KIND, p->kind);
	if (p->role)
		r |= nla_put_u32(m, VUICC_A_PROFILE_ROLE, p->role);
	r |= nla_put_string(m, VUICC_A_ICCID, p->iccid);
	r |= nla_put_string(m, VUICC_A_IMSI, p->imsi);
	if (p->mnc_len)
		r |= nla_put_u8(m, VUICC_A_MNC_LEN, p->mnc_len);
	r |= nla_put_u32(m, VUICC_A_ALGORITHM, p->algorithm);
	r |= nla_put(m, VUICC_A_K, (int)p->k_len, p->k);
	if (p->op_attr)
		r |= nla_put(m, (int)p->op_attr, (int)p->op_len, p->op);
	if (p->has_milenage_c)
		r |= nla_put(m, VUICC_A_MILENAGE_C, sizeof(p->milenage_c), p->milenage_c);
	if (p->has_milenage_r)
		r |= nla_put(m, VUICC_A_MILENAGE_R, sizeof(p->milenage_r), p->milenage_r);
	if (p->tuak_res_bits)
		r |= nla_put_u16(m, VUICC_A_TUAK_RES_BITS, p->tuak_res_bits);
	if (p->tuak_mac_bits)
		r |= nla_put_u16(m, VUICC_A_TUAK_MAC_BITS, p->tuak_mac_bits);
	if (p->tuak_ck_bits)
		r |= nla_put_u16(m, VUICC_A_TUAK_CK_BITS, p->tuak_ck_bits);
	if (p->tuak_ik_bits)
		r |= nla_put_u16(m, VUICC_A_TUAK_IK_BITS, p->tuak_ik_bits);
	if (p->tuak_iterations)
		r |= nla_put_u16(m, VUICC_A_TUAK_ITERATIONS, p->tuak_iterations);
	if (p->xor_res_len)
		r |= nla_put_u8(m, VUICC_A_XOR_RES_LEN, p->xor_res_len);
	if (p->sqn_state_len)
		r |= nla_put(m, VUICC_A_SQN_STATE, (int)p->sqn_state_len, p->sqn_state);
	if (p->gsm_derivation)
		r |= nla_put_u8(m, VUICC_A_GSM_DERIVATION, p->gsm_derivation);
	if (p->ind_bits >= 0)
		r |= nla_put_u8(m, VUICC_A_SQN_IND_BITS, (uint8_t)p->ind_bits);
	if (p->has_sqn_delta)
		r |= nla_put_u64(m, VUICC_A_SQN_DELTA, p->sqn_delta);
	if (p->has_sqn_age_limit)
		r |= nla_put_u64(m, VUICC_A_SQN_AGE_LIMIT, p->sqn_age_limit);
	if (p->pin1[0])
		r |= nla_put_string(m, VUICC_A_PIN1, p->pin1);
	if (p->puk1[0])
		r |= nla_put_string(m, VUICC_A_PUK1, p->puk1);
	if (p->pin2[0])
		r |= nla_put_string(m, VUICC_A_PIN2, p->pin2);
	if (p->puk2[0])
		r |= nla_put_string(m, VUICC_A_PUK2, p->puk2);
	if (p->adm1[0])
		r |= nla_put_string(m, VUICC_A_ADM1, p->adm1);
	if (p->pin1_enabled >= 0)
		r |= nla_put_u8(m, VUICC_A_PIN1_ENABLED, (uint8_t)p->pin1_enabled);
	for (i = 0; i < p->n_files; i++) {
		nest = nla_nest_start(m, VUICC_A_FILE);
		if (!nest)
			return -1;
		r |= nla_put(m, VUICC_A_FILE_PATH, (int)p->files[i].path_len, p->files[i].path);
		r |= nla_put(m, VUICC_A_FILE_DATA, (int)p->files[i].len, p->files[i].data);
		nla_nest_end(m, nest);
	}
	return r ? -1 : 0;
}

static int vnl_events_join(struct vnl *v, int group, const char *name)
{
	int fd, size = 4 << 20;

	if (group < 0) {
		snprintf(v->err, sizeof(v->err), "no %s group (an older vuicc.ko?)", name);
		return -ENOENT;
	}
	nl_socket_disable_seq_check(v->sk);
	if (nl_socket_add_membership(v->sk, group)) {
		snprintf(v->err, sizeof(v->err),
			 "cannot join the %s group (needs CAP_NET_ADMIN)", name);
		return -EPERM;
	}
	fd = nl_socket_get_fd(v->sk);
	/* root may go past rmem_max: a burst of EF updates must not overflow */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (nl_socket_set_nonblocking(v->sk)) {
		snprintf(v->err, sizeof(v->err), "cannot make the event socket non-blocking");
		return -EIO;
	}
	return fd;
}

int vnl_events_open(struct vnl *v)
{
	return vnl_events_join(v, v->monitor_group, VUICC_MCGRP_MONITOR);
}

int vnl_events_open_group(struct vnl *v, const char *group)
{
	return vnl_events_join(v, genl_ctrl_resolve_grp(v->sk, VUICC_GENL_NAME, group), group);
}

static uint64_t t0_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static uint32_t t0_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

int vnl_parse_t0(const struct nlattr *nest, struct vuicc_t0_stats *st,
		 char *tty, size_t len)
{
	struct nlattr *tb[VUICC_A_T0_MAX + 1];

	memset(st, 0, sizeof(*st));
	if (nla_parse_nested(tb, VUICC_A_T0_MAX, (struct nlattr *)nest, NULL))
		return -1;
	snprintf(tty, len, "%s", tb[VUICC_A_T0_TTY] ? nla_get_string(tb[VUICC_A_T0_TTY]) : "");
	st->flags = t0_u32(tb, VUICC_A_T0_FLAGS);
	st->state = t0_u32(tb, VUICC_A_T0_STATE);
	st->clock_hz = t0_u32(tb, VUICC_A_T0_CLOCK);
	st->f = t0_u32(tb, VUICC_A_T0_F);
	st->d = t0_u32(tb, VUICC_A_T0_D);
	st->bit_rate = t0_u32(tb, VUICC_A_T0_BIT_RATE);
	st->uart_rate = t0_u32(tb, VUICC_A_T0_UART_RATE);
	st->atr_delay_cycles = t0_u32(tb, VUICC_A_T0_ATR_DELAY_CYCLES);
	st->rx_bytes = t0_u64(tb, VUICC_A_T0_RX_BYTES);
	st->tx_bytes = t0_u64(tb, VUICC_A_T0_TX_BYTES);
	st->apdus = t0_u64(tb, VUICC_A_T0_APDUS);
	st->resets = t0_u64(tb, VUICC_A_T0_RESETS);
	st->pps_accepted = t0_u64(tb, VUICC_A_T0_PPS_ACCEPTED);
	st->pps_refused = t0_u64(tb, VUICC_A_T0_PPS_REFUSED);
	st->nulls = t0_u64(tb, VUICC_A_T0_NULLS);
	st->parity_errors = t0_u64(tb, VUICC_A_T0_PARITY_ERRORS);
	st->line_errors = t0_u64(tb, VUICC_A_T0_LINE_ERRORS);
	st->collisions = t0_u64(tb, VUICC_A_T0_COLLISIONS);
	st->timeouts = t0_u64(tb, VUICC_A_T0_TIMEOUTS);
	st->unexpected = t0_u64(tb, VUICC_A_T0_UNEXPECTED);
	st->aborted = t0_u64(tb, VUICC_A_T0_ABORTED);
	st->invalid_ins = t0_u64(tb, VUICC_A_T0_INVALID_INS);
	return 0;
}

struct vnl_t0_ctx {
	struct vuicc_t0_stats *st;
	char *tty;
	size_t len;
	int found;
};

static int vnl_t0_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct vnl_t0_ctx *c = arg;

	if (tb[VUICC_A_CARD_T0] && !vnl_parse_t0(tb[VUICC_A_CARD_T0], c->st, c->tty, c->len)) {
		c->st->card_id = tb[VUICC_A_CARD_ID] ? nla_get_u32(tb[VUICC_A_CARD_ID]) : 0;
		c->found = 1;
	}
	return 0;
}

int vnl_card_t0(struct vnl *v, uint32_t card, struct vuicc_t0_stats *st,
		char *tty, size_t len)
{
	struct vnl_t0_ctx c = { .st = st, .tty = tty, .len = len };
	struct nl_msg *msg = vnl_request(v, VUICC_CMD_CARD_GET, 0);
	int ret;

	if (!msg || nla_put_u32(msg, VUICC_A_CARD_ID, card)) {
		if (msg)
			nlmsg_free(msg);
		snprintf(v->err, sizeof(v->err), "out of memory");
		return -ENOMEM;
	}
	ret = vnl_transact(v, msg, vnl_t0_cb, &c);
	return ret ? ret : c.found;
}

int vnl_events_read(struct vnl *v, vnl_handler fn, void *arg)
{
	static uint8_t buf[64 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlattr *tb[VUICC_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	ssize_t n;
	int len, ret, count = 0;

	for (;;) {
		n = recv(nl_socket_get_fd(v->sk), buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? count : -errno;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type != v->family)
				continue;
			g = NLMSG_DATA(nlh);
			if (genlmsg_parse(nlh, 0, tb, VUICC_A_MAX, NULL))
				continue;
			count++;
			ret = fn(nlh, tb, g->cmd, arg);
			if (ret)
				return ret < 0 ? ret : count;
		}
	}
}
