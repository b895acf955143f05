// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of the vuicc Generic Netlink family, with libmnl: every
 * operation, malformed attributes, privileges, events, that no reply or
 * event ever carries a key, the card device's view of profile switches,
 * dumps under concurrent change, a reader of the card device stalled on a
 * page fault holding up no operation, and card-new/card-del racing rmmod.
 *
 *   tools/testing/vm/run -- build/selftests/vuicc/netlink
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef VUICC_MNL_LITE
#include "../../lib/mnl_lite.h"
#else
#include <libmnl/libmnl.h>
#endif
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/userfaultfd.h>
#include <linux/vuicc.h>

#include "kselftest_harness.h"
#include "modload.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Cards this test creates (card 0 belongs to the module's load). */
#define TCARD 20

/* Key material no reply may ever contain. */
static const uint8_t K[16] = { 0xd1, 0x5e, 0xa5, 0xe5, 0x0b, 0x5e, 0xc2, 0xe7,
			       0x4b, 0x3e, 0x9a, 0x71, 0x1c, 0x08, 0x6f, 0x27 };
static const uint8_t OPC[16] = { 0x0c, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07,
				 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f };
#define PIN1 "73915"
#define PUK1 "48261937"
#define ADM1 "a7c3e9f1b2d4c6e8"

struct nl;
typedef void (*reply_fn)(struct nl *n, const struct nlmsghdr *nlh, void *arg);

struct nl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t monitor;
	uint32_t seq;
	/* the last error */
	char msg[256];
	uint32_t bad_attr;	/* attribute type at NLMSGERR_ATTR_OFFS, 0 if none */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, 0 if none */
	/* every reply byte, for the secret scan */
	uint8_t *seen;
	size_t seen_len, seen_cap;
	int dump_intr;
	int replies;
};

static void remember(struct nl *n, const void *buf, size_t len)
{
	if (n->seen_len + len > n->seen_cap) {
		n->seen_cap = (n->seen_len + len) * 2;
		n->seen = realloc(n->seen, n->seen_cap);
	}
	memcpy(n->seen + n->seen_len, buf, len);
	n->seen_len += len;
}

static int ctrl_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= CTRL_ATTR_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int grp_cb(const struct nlattr *a, void *data)
{
	struct nl *n = data;
	const struct nlattr *g;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(g, a) {
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(g);
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(g);
	}
	if (name && !strcmp(name, VUICC_MCGRP_MONITOR))
		n->monitor = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {};
	struct nl *n = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_cb, tb);
	if (tb[CTRL_ATTR_FAMILY_ID])
		n->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		mnl_attr_parse_nested(tb[CTRL_ATTR_MCAST_GROUPS], grp_cb, n);
	return MNL_CB_OK;
}

static void family_reply(struct nl *n, const struct nlmsghdr *nlh, void *arg)
{
	family_cb(nlh, n);
}

static struct nlmsghdr *req(struct nl *n, char *buf, uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/* The attribute type at @off of the request @nlh. */
static uint32_t attr_at(const struct nlmsghdr *nlh, uint32_t off)
{
	const struct nlattr *a;

	if (!nlh || off < MNL_NLMSG_HDRLEN + GENL_HDRLEN || off + 4 > nlh->nlmsg_len)
		return 0;
	a = (const struct nlattr *)((const char *)nlh + off);
	return a->nla_type & NLA_TYPE_MASK;
}


/*
 * Sends @nlh and reads until its ACK or DONE.  Returns 0 or -errno; the
 * error's extack lands in n->msg, n->bad_attr, n->miss_type.
 */
static int transact(struct nl *n, const struct nlmsghdr *nlh, reply_fn fn, void *arg)
{
	static __thread char buf[1 << 17];	/* the churn threads transact too */
	const struct nlmsghdr *m;
	int len, ret = 1;

	n->msg[0] = '\0';
	n->bad_attr = n->miss_type = 0;
	if (mnl_socket_sendto(n->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (ret > 0) {
		len = mnl_socket_recvfrom(n->sk, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		remember(n, buf, len);
		for (m = (void *)buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != nlh->nlmsg_seq)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				n->dump_intr++;
			if (m->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				break;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				const struct nlattr *a;
				size_t off = sizeof(*e);

				ret = e->error;
				if (m->nlmsg_flags & NLM_F_ACK_TLVS) {
					if (!(m->nlmsg_flags & NLM_F_CAPPED))
						off += e->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
					mnl_attr_for_each(a, m, off) {
						if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
							snprintf(n->msg, sizeof(n->msg), "%s",
								 mnl_attr_get_str(a));
						if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS)
							n->bad_attr = attr_at(nlh, mnl_attr_get_u32(a));
						if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE)
							n->miss_type = mnl_attr_get_u32(a);
					}
				}
				break;
			}
			n->replies++;
			if (fn)
				fn(n, m, arg);
		}
	}
	return ret;
}

static int nl_open(struct nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, size = 1 << 20;

	memset(n, 0, sizeof(*n));
	n->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sk || mnl_socket_bind(n->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	mnl_socket_setsockopt(n->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(n->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	nlh = req(n, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VUICC_GENL_NAME);
	if (transact(n, nlh, family_reply, NULL))
		return -ENOENT;
	return n->family ? 0 : -ENOENT;
}

static void nl_close(struct nl *n)
{
	if (n->sk)
		mnl_socket_close(n->sk);
	free(n->seen);
	n->sk = NULL;
	n->seen = NULL;
}

static int card_new(struct nl *n, uint32_t id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_CARD_NEW, 0);

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, id);
	return transact(n, nlh, NULL, NULL);
}

static int card_del(struct nl *n, uint32_t id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_CARD_DEL, 0);

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, id);
	return transact(n, nlh, NULL, NULL);
}

static int profile_op(struct nl *n, uint8_t cmd, uint32_t card, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, cmd, 0);

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, card);
	if (name)
		mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, name);
	return transact(n, nlh, NULL, NULL);
}

/* A valid Milenage profile-add request, to be broken by the tests. */
static struct nlmsghdr *profile_req(struct nl *n, char *buf, uint32_t card, const char *name)
{
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_PROFILE_ADD, 0);

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, card);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, name);
	mnl_attr_put_u32(nlh, VUICC_A_PROFILE_KIND, VUICC_PROFILE_KIND_SEED);
	mnl_attr_put_u32(nlh, VUICC_A_PROFILE_ROLE, VUICC_PROFILE_ROLE_STANDBY);
	mnl_attr_put_strz(nlh, VUICC_A_ICCID, "8988211000000000018");
	mnl_attr_put_strz(nlh, VUICC_A_IMSI, "001010000000001");
	mnl_attr_put_u32(nlh, VUICC_A_ALGORITHM, VUICC_ALGORITHM_MILENAGE);
	mnl_attr_put(nlh, VUICC_A_K, sizeof(K), K);
	mnl_attr_put(nlh, VUICC_A_OPC, sizeof(OPC), OPC);
	mnl_attr_put_strz(nlh, VUICC_A_PIN1, PIN1);
	mnl_attr_put_strz(nlh, VUICC_A_PUK1, PUK1);
	mnl_attr_put_strz(nlh, VUICC_A_ADM1, ADM1);
	return nlh;
}

static int profile_add(struct nl *n, uint32_t card, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return transact(n, profile_req(n, buf, card, name), NULL, NULL);
}

/* Parses a reply's attributes into tb[VUICC_A_MAX + 1]. */
static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= VUICC_A_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

struct got {
	const struct nlattr *tb[VUICC_A_MAX + 1];
	uint8_t cmd;
	int count;
	uint32_t card_id;
	char name[64];
	uint32_t kind, algorithm, role;
	uint8_t enabled;
	char iccid[32], imsi[32];
	uint64_t deadline;	/* profile-deadline; 0: none */
	uint64_t expiries;	/* card-expiries */
};

static void keep_reply(struct nl *n, const struct nlmsghdr *nlh, void *arg)
{
	struct got *g = arg;
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

	memset(g->tb, 0, sizeof(g->tb));
	mnl_attr_parse(nlh, sizeof(*gh), attr_cb, g->tb);
	g->cmd = gh->cmd;
	g->count++;
	if (g->tb[VUICC_A_CARD_ID])
		g->card_id = mnl_attr_get_u32(g->tb[VUICC_A_CARD_ID]);
	if (g->tb[VUICC_A_PROFILE_NAME])
		snprintf(g->name, sizeof(g->name), "%s", mnl_attr_get_str(g->tb[VUICC_A_PROFILE_NAME]));
	if (g->tb[VUICC_A_PROFILE_KIND])
		g->kind = mnl_attr_get_u32(g->tb[VUICC_A_PROFILE_KIND]);
	if (g->tb[VUICC_A_PROFILE_ROLE])
		g->role = mnl_attr_get_u32(g->tb[VUICC_A_PROFILE_ROLE]);
	if (g->tb[VUICC_A_ALGORITHM])
		g->algorithm = mnl_attr_get_u32(g->tb[VUICC_A_ALGORITHM]);
	if (g->tb[VUICC_A_PROFILE_ENABLED])
		g->enabled = mnl_attr_get_u8(g->tb[VUICC_A_PROFILE_ENABLED]);
	if (g->tb[VUICC_A_ICCID])
		snprintf(g->iccid, sizeof(g->iccid), "%s", mnl_attr_get_str(g->tb[VUICC_A_ICCID]));
	if (g->tb[VUICC_A_IMSI])
		snprintf(g->imsi, sizeof(g->imsi), "%s", mnl_attr_get_str(g->tb[VUICC_A_IMSI]));
	g->deadline = g->tb[VUICC_A_PROFILE_DEADLINE] ?
		      mnl_attr_get_u64(g->tb[VUICC_A_PROFILE_DEADLINE]) : 0;
	if (g->tb[VUICC_A_CARD_EXPIRIES])
		g->expiries = mnl_attr_get_u64(g->tb[VUICC_A_CARD_EXPIRIES]);
	/* attribute pointers die with the receive buffer */
	memset(g->tb, 0, sizeof(g->tb));
}

/* true if @hay holds any 4 consecutive bytes of @needle */
static int contains_part(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	size_t i, j;

	for (j = 0; j + 4 <= nlen; j++)
		for (i = 0; i + 4 <= hlen; i++)
			if (!memcmp(hay + i, needle + j, 4))
				return 1;
	return 0;
}

static int leaks_secret(const uint8_t *buf, size_t len)
{
	return contains_part(buf, len, K, sizeof(K)) ||
	       contains_part(buf, len, OPC, sizeof(OPC)) ||
	       contains_part(buf, len, (const uint8_t *)PIN1, strlen(PIN1)) ||
	       contains_part(buf, len, (const uint8_t *)PUK1, strlen(PUK1)) ||
	       contains_part(buf, len, (const uint8_t *)ADM1, strlen(ADM1));
}

FIXTURE(nl)
{
	struct nl n;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, nl_open(&self->n)) TH_LOG("vuicc family missing: is vuicc.ko loaded?");
	card_del(&self->n, TCARD);	/* a leftover of an earlier failure */
	ASSERT_EQ(0, card_new(&self->n, TCARD)) TH_LOG("card-new: %s", self->n.msg);
}

FIXTURE_TEARDOWN(nl)
{
	card_del(&self->n, TCARD);
	nl_close(&self->n);
}

TEST_F(nl, card_get_dump_and_del)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct got g = {};

	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_CARD_GET, 0);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_EQ(1, g.count);
	EXPECT_EQ(TCARD, g.card_id);
	EXPECT_EQ(0, access("/dev/vuicc20", F_OK));

	memset(&g, 0, sizeof(g));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_CARD_GET, NLM_F_DUMP);
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_LE(2, g.count);	/* card 0 and ours */

	ASSERT_EQ(0, card_del(&self->n, TCARD));
	EXPECT_NE(0, access("/dev/vuicc20", F_OK));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_CARD_GET, 0);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	EXPECT_EQ(-ENOENT, transact(&self->n, nlh, NULL, NULL));
	EXPECT_STREQ("no such card", self->n.msg);
	EXPECT_EQ(VUICC_A_CARD_ID, self->n.bad_attr);
	EXPECT_EQ(-ENOENT, card_del(&self->n, TCARD));
}

TEST_F(nl, card_new_errors)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct got g = {};

	EXPECT_EQ(-EEXIST, card_new(&self->n, TCARD));
	EXPECT_EQ(VUICC_A_CARD_ID, self->n.bad_attr);
	EXPECT_STREQ("card-id in use", self->n.msg);
	/* beyond the 64 cards: the policy refuses it */
	EXPECT_EQ(-ERANGE, card_new(&self->n, 64));
	EXPECT_EQ(VUICC_A_CARD_ID, self->n.bad_attr);
	/* no id: the lowest free one */
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_CARD_NEW, 0);
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_EQ(1, g.count);
	EXPECT_NE(TCARD, g.card_id);
	EXPECT_EQ(0, card_del(&self->n, g.card_id));
}

TEST_F(nl, profile_add_get_and_no_secret)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct got g = {};

	ASSERT_EQ(0, profile_add(&self->n, TCARD, "p1")) TH_LOG("%s", self->n.msg);
	EXPECT_EQ(-EEXIST, profile_add(&self->n, TCARD, "p1"));
	EXPECT_EQ(VUICC_A_PROFILE_NAME, self->n.bad_attr);

	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, 0);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, "p1");
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_STREQ("p1", g.name);
	EXPECT_EQ(VUICC_PROFILE_KIND_SEED, g.kind);
	EXPECT_EQ(VUICC_PROFILE_ROLE_STANDBY, g.role);
	EXPECT_EQ(VUICC_ALGORITHM_MILENAGE, g.algorithm);
	EXPECT_STREQ("8988211000000000018", g.iccid);
	EXPECT_STREQ("001010000000001", g.imsi);
	EXPECT_EQ(0, g.enabled);

	memset(&g, 0, sizeof(g));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_EQ(1, g.count);

	EXPECT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "p1"));
	EXPECT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_DISABLE, TCARD, NULL));
	EXPECT_EQ(-ENOENT, profile_op(&self->n, VUICC_CMD_PROFILE_DISABLE, TCARD, NULL));
	EXPECT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "p1"));
	EXPECT_EQ(-ENOENT, profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "p1"));

	/* the scan has something to look at, and finds no key in it */
	EXPECT_LT(1000, self->n.seen_len);
	EXPECT_FALSE(leaks_secret(self->n.seen, self->n.seen_len));
}

/* A request that the kernel must refuse, and the attribute it must name. */
struct bad {
	const char *what;
	int err;
	uint32_t attr;		/* bad_attr or miss_type expected; 0: only a message */
	void (*build)(struct nlmsghdr *nlh);
};

static void no_name(struct nlmsghdr *nlh) { }
static void put_u8_card(struct nlmsghdr *nlh) { mnl_attr_put_u8(nlh, VUICC_A_MNC_LEN, 4); }
static void put_k15(struct nlmsghdr *nlh) { mnl_attr_put(nlh, VUICC_A_K, 15, K); }
static void put_opc15(struct nlmsghdr *nlh) { mnl_attr_put(nlh, VUICC_A_OPC, 15, OPC); }
static void put_iccid_letters(struct nlmsghdr *nlh) { mnl_attr_put_strz(nlh, VUICC_A_ICCID, "89882110000000000AB"); }
static void put_imsi_long(struct nlmsghdr *nlh) { mnl_attr_put_strz(nlh, VUICC_A_IMSI, "0010100000000012"); }
static void put_algo_9(struct nlmsghdr *nlh) { mnl_attr_put_u32(nlh, VUICC_A_ALGORITHM, 9); }
static void put_kind_0(struct nlmsghdr *nlh) { mnl_attr_put_u32(nlh, VUICC_A_PROFILE_KIND, 0); }
static void put_ind_11(struct nlmsghdr *nlh) { mnl_attr_put_u8(nlh, VUICC_A_SQN_IND_BITS, 11); }
static void put_ind_wrong_type(struct nlmsghdr *nlh) { mnl_attr_put_u32(nlh, VUICC_A_SQN_IND_BITS, 5); }
static void put_pin_short(struct nlmsghdr *nlh) { mnl_attr_put_strz(nlh, VUICC_A_PIN2, "123"); }
static void put_pin_unterminated(struct nlmsghdr *nlh) { mnl_attr_put(nlh, VUICC_A_PIN2, 4, "1234"); }
static void put_op_too(struct nlmsghdr *nlh) { mnl_attr_put(nlh, VUICC_A_OP, 16, OPC); }
static void put_top(struct nlmsghdr *nlh) { uint8_t t[32] = {}; mnl_attr_put(nlh, VUICC_A_TOP, 32, t); }
static void put_dup_imsi(struct nlmsghdr *nlh) { mnl_attr_put_strz(nlh, VUICC_A_IMSI, "001010000000002"); }
static void put_unknown(struct nlmsghdr *nlh) { mnl_attr_put_u32(nlh, VUICC_A_MAX + 1, 1); }
static void put_sqn_state_short(struct nlmsghdr *nlh) { uint8_t s[10] = {}; mnl_attr_put(nlh, VUICC_A_SQN_STATE, 10, s); }
static void put_file_unknown_nested(struct nlmsghdr *nlh)
{
	struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

	mnl_attr_put(nlh, VUICC_A_FILE_PATH, 4, "\x3f\x00\x2f\x05");
	mnl_attr_put(nlh, VUICC_A_FILE_DATA, 2, "en");
	mnl_attr_put_u32(nlh, VUICC_A_FILE_MAX + 1, 7);
	mnl_attr_nest_end(nlh, f);
}
static void put_file_bad_path(struct nlmsghdr *nlh)
{
	struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

	mnl_attr_put(nlh, VUICC_A_FILE_PATH, 4, "\x7f\xff\x6f\x07");
	mnl_attr_put(nlh, VUICC_A_FILE_DATA, 2, "xx");
	mnl_attr_nest_end(nlh, f);
}
static void put_file_no_data(struct nlmsghdr *nlh)
{
	struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

	mnl_attr_put(nlh, VUICC_A_FILE_PATH, 4, "\x3f\x00\x2f\x05");
	mnl_attr_nest_end(nlh, f);
}
static void put_file_too_big(struct nlmsghdr *nlh)
{
	static uint8_t d[VUICC_FILE_DATA_MAX + 1];
	struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

	mnl_attr_put(nlh, VUICC_A_FILE_PATH, 4, "\x3f\x00\x2f\x05");
	mnl_attr_put(nlh, VUICC_A_FILE_DATA, sizeof(d), d);
	mnl_attr_nest_end(nlh, f);
}
static void put_file_twice(struct nlmsghdr *nlh)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

		mnl_attr_put(nlh, VUICC_A_FILE_PATH, 4, "\x3f\x00\x2f\x05");
		mnl_attr_put(nlh, VUICC_A_FILE_DATA, 2, "en");
		mnl_attr_nest_end(nlh, f);
	}
}
static void put_files_33(struct nlmsghdr *nlh)
{
	uint8_t path[6] = { 0x3f, 0x00, 0x7f, 0xff, 0x6f, 0x00 };
	int i;

	for (i = 0; i < VUICC_FILES_MAX + 1; i++) {
		struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

		path[5] = (uint8_t)i;
		mnl_attr_put(nlh, VUICC_A_FILE_PATH, 6, path);
		mnl_attr_put(nlh, VUICC_A_FILE_DATA, 1, "x");
		mnl_attr_nest_end(nlh, f);
	}
}

static const struct bad bads[] = {
	{ "mnc-len out of range", -ERANGE, VUICC_A_MNC_LEN, put_u8_card },
	{ "k of 15 bytes", -EINVAL, VUICC_A_K, put_k15 },
	{ "opc of 15 bytes", -ERANGE, VUICC_A_OPC, put_opc15 },
	{ "iccid with letters", -EINVAL, VUICC_A_ICCID, put_iccid_letters },
	{ "imsi of 16 digits", -EINVAL, VUICC_A_IMSI, put_imsi_long },
	{ "algorithm 9", -ERANGE, VUICC_A_ALGORITHM, put_algo_9 },
	{ "profile-kind 0", -ERANGE, VUICC_A_PROFILE_KIND, put_kind_0 },
	{ "sqn-ind-bits 11", -ERANGE, VUICC_A_SQN_IND_BITS, put_ind_11 },
	{ "sqn-ind-bits as u32", -EINVAL, VUICC_A_SQN_IND_BITS, put_ind_wrong_type },
	{ "pin2 of 3 digits", -EINVAL, VUICC_A_PIN2, put_pin_short },
	{ "pin2 without NUL", -EINVAL, VUICC_A_PIN2, put_pin_unterminated },
	{ "op and opc", -EINVAL, VUICC_A_OP, put_op_too },
	{ "top for milenage", -EINVAL, VUICC_A_TOP, put_top },
	{ "imsi twice", -EINVAL, VUICC_A_IMSI, put_dup_imsi },
	{ "unknown attribute", -EINVAL, VUICC_A_MAX + 1, put_unknown },
	{ "sqn-state of the wrong length", -EINVAL, VUICC_A_SQN_STATE, put_sqn_state_short },
	{ "unknown attribute in file", -EINVAL, 0, put_file_unknown_nested },
	{ "file path not from 3F00", -EINVAL, VUICC_A_FILE_PATH, put_file_bad_path },
	{ "file without data", -EINVAL, VUICC_A_FILE, put_file_no_data },
	{ "file data of 4097 bytes", -E2BIG, VUICC_A_FILE_DATA, put_file_too_big },
	{ "the same file twice", -EINVAL, VUICC_A_FILE_PATH, put_file_twice },
	{ "33 files", -E2BIG, VUICC_A_FILE, put_files_33 },
	{ "nothing wrong", 0, 0, no_name },
};

TEST_F(nl, profile_add_rejects_bad_attributes)
{
	static char buf[1 << 16];
	struct nlmsghdr *nlh;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		nlh = profile_req(&self->n, buf, TCARD, "bad");
		bads[i].build(nlh);
		ret = transact(&self->n, nlh, NULL, NULL);
		EXPECT_EQ(bads[i].err, ret) TH_LOG("%s: %s", bads[i].what, self->n.msg);
		if (bads[i].err) {
			/* every rejection explains itself */
			EXPECT_TRUE(self->n.msg[0] || self->n.bad_attr) {
				TH_LOG("%s: no extack", bads[i].what);
			}
			if (bads[i].attr && bads[i].attr <= VUICC_A_MAX) {
				EXPECT_EQ(bads[i].attr, self->n.bad_attr) {
					TH_LOG("%s: named %u (%s)", bads[i].what,
					       self->n.bad_attr, self->n.msg);
				}
			}
		}
		profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "bad");
	}
	EXPECT_FALSE(leaks_secret(self->n.seen, self->n.seen_len));
}

/* Copies @src's attributes into a new request for the same command. */
static struct nlmsghdr *copy_attrs(struct nl *n, char *buf, const struct nlmsghdr *src,
				   uint32_t skip, uint32_t twice, const struct nlattr *extra)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(src);
	struct nlmsghdr *o = req(n, buf, n->family, g->cmd, 0);
	const struct nlattr *a;

	mnl_attr_for_each(a, src, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == skip)
			continue;
		mnl_attr_put(o, mnl_attr_get_type(a), mnl_attr_get_payload_len(a),
			     mnl_attr_get_payload(a));
		if (mnl_attr_get_type(a) == twice)
			mnl_attr_put(o, mnl_attr_get_type(a), mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
	}
	if (extra)
		mnl_attr_put(o, mnl_attr_get_type(extra), mnl_attr_get_payload_len(extra),
			     mnl_attr_get_payload(extra));
	return o;
}

/*
 * Every attribute profile-add takes, given with a payload of the wrong
 * length and given twice: refused, and the refusal names it.
 */
TEST_F(nl, every_attribute_malformed_or_duplicated)
{
	static const uint32_t attrs[] = {
		VUICC_A_CARD_ID, VUICC_A_PROFILE_NAME, VUICC_A_PROFILE_KIND,
		VUICC_A_PROFILE_ROLE, VUICC_A_ICCID, VUICC_A_IMSI, VUICC_A_MNC_LEN,
		VUICC_A_ALGORITHM, VUICC_A_K, VUICC_A_OP, VUICC_A_OPC, VUICC_A_MILENAGE_C,
		VUICC_A_MILENAGE_R, VUICC_A_TOP, VUICC_A_TOPC, VUICC_A_TUAK_RES_BITS,
		VUICC_A_TUAK_MAC_BITS, VUICC_A_TUAK_CK_BITS, VUICC_A_TUAK_IK_BITS,
		VUICC_A_TUAK_ITERATIONS, VUICC_A_GSM_DERIVATION, VUICC_A_SQN_IND_BITS,
		VUICC_A_SQN_DELTA, VUICC_A_SQN_AGE_LIMIT, VUICC_A_SQN_STATE, VUICC_A_PIN1,
		VUICC_A_PUK1, VUICC_A_PIN2, VUICC_A_PUK2, VUICC_A_ADM1,
		VUICC_A_PIN1_ENABLED, VUICC_A_FILE,
	};
	static char base[8192], buf[8192], abuf[64];
	struct nlmsghdr *full, *o;
	struct nlattr *bad = (struct nlattr *)abuf;
	size_t i;
	int ret;

	full = profile_req(&self->n, base, TCARD, "e");
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		/* three bytes of 'A': no integer, no NUL-terminated string, no key */
		bad->nla_type = attrs[i];
		bad->nla_len = NLA_HDRLEN + 3;
		memset(abuf + NLA_HDRLEN, 'A', 3);
		o = copy_attrs(&self->n, buf, full, attrs[i], 0, bad);
		ret = transact(&self->n, o, NULL, NULL);
		EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) {
			TH_LOG("attr %u, 3 bytes: %d", attrs[i], ret);
		}
		EXPECT_EQ(attrs[i], self->n.bad_attr) {
			TH_LOG("attr %u, 3 bytes: named %u (%s)", attrs[i], self->n.bad_attr, self->n.msg);
		}
		profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "e");
	}
	/* twice: every attribute of the valid request, doubled in turn */
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		const struct nlattr *a;
		int present = 0;

		mnl_attr_for_each(a, full, GENL_HDRLEN)
			present |= mnl_attr_get_type(a) == attrs[i];
		if (!present)
			continue;
		o = copy_attrs(&self->n, buf, full, 0, attrs[i], NULL);
		EXPECT_EQ(-EINVAL, transact(&self->n, o, NULL, NULL)) {
			TH_LOG("attr %u twice", attrs[i]);
		}
		EXPECT_STREQ("attribute given twice", self->n.msg);
		EXPECT_EQ(attrs[i], self->n.bad_attr);
		profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "e");
	}
	EXPECT_FALSE(leaks_secret(self->n.seen, self->n.seen_len));
}

TEST_F(nl, missing_attributes_are_named)
{
	static const struct { uint8_t cmd; uint32_t attr; } ops[] = {
		{ VUICC_CMD_CARD_GET, VUICC_A_CARD_ID },
		{ VUICC_CMD_CARD_DEL, VUICC_A_CARD_ID },
		{ VUICC_CMD_PROFILE_GET, VUICC_A_PROFILE_NAME },
		{ VUICC_CMD_PROFILE_ADD, VUICC_A_CARD_ID },
		{ VUICC_CMD_PROFILE_DEL, VUICC_A_PROFILE_NAME },
		{ VUICC_CMD_PROFILE_ENABLE, VUICC_A_PROFILE_NAME },
		{ VUICC_CMD_PROFILE_DISABLE, VUICC_A_CARD_ID },
	};
	static const uint32_t required[] = { VUICC_A_PROFILE_NAME, VUICC_A_PROFILE_KIND,
		VUICC_A_ICCID, VUICC_A_IMSI, VUICC_A_ALGORITHM, VUICC_A_K };
	static char buf[8192], out[8192];
	struct nlmsghdr *nlh, *full, *o;
	const struct nlattr *a;
	size_t i, r;

	/* empty requests */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		nlh = req(&self->n, buf, self->n.family, ops[i].cmd, 0);
		EXPECT_EQ(-EINVAL, transact(&self->n, nlh, NULL, NULL)) TH_LOG("cmd %u", ops[i].cmd);
		EXPECT_TRUE(self->n.miss_type == VUICC_A_CARD_ID ||
			    self->n.miss_type == ops[i].attr) {
			TH_LOG("cmd %u: missing %u", ops[i].cmd, self->n.miss_type);
		}
		EXPECT_NE(0, self->n.msg[0]) {
			TH_LOG("cmd %u: no message", ops[i].cmd);
		}
	}
	/* each required attribute of profile-add, dropped in turn */
	for (r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
		full = profile_req(&self->n, buf, TCARD, "m");
		o = req(&self->n, out, self->n.family, VUICC_CMD_PROFILE_ADD, 0);
		mnl_attr_for_each(a, full, GENL_HDRLEN) {
			if (mnl_attr_get_type(a) != required[r])
				mnl_attr_put(o, mnl_attr_get_type(a), mnl_attr_get_payload_len(a),
					     mnl_attr_get_payload(a));
		}
		EXPECT_EQ(-EINVAL, transact(&self->n, o, NULL, NULL));
		EXPECT_EQ(required[r], self->n.miss_type) TH_LOG("%s", self->n.msg);
	}
	/* unknown command */
	nlh = req(&self->n, buf, self->n.family, 200, 0);
	EXPECT_EQ(-EOPNOTSUPP, transact(&self->n, nlh, NULL, NULL));
}

/* 32 EFs of the card's template and their sizes (Documentation/admin-guide/vuicc-card.rst) */
static const struct {
	uint16_t df[2];
	uint16_t fid;
	uint16_t size;
} template_efs[VUICC_FILES_MAX] = {
	{ {}, 0x2F00, 64 }, { {}, 0x2FE2, 10 }, { {}, 0x2F05, 10 }, { {}, 0x2F06, 160 },
	{ { 0x7FFF }, 0x6F05, 4 }, { { 0x7FFF }, 0x6F07, 9 }, { { 0x7FFF }, 0x6F08, 33 },
	{ { 0x7FFF }, 0x6F09, 33 }, { { 0x7FFF }, 0x6F31, 1 }, { { 0x7FFF }, 0x6F38, 17 },
	{ { 0x7FFF }, 0x6F3C, 1760 }, { { 0x7FFF }, 0x6F40, 28 }, { { 0x7FFF }, 0x6F43, 2 },
	{ { 0x7FFF }, 0x6F46, 17 }, { { 0x7FFF }, 0x6F56, 1 }, { { 0x7FFF }, 0x6F5B, 6 },
	{ { 0x7FFF }, 0x6F5C, 3 }, { { 0x7FFF }, 0x6F60, 40 }, { { 0x7FFF }, 0x6F61, 40 },
	{ { 0x7FFF }, 0x6F62, 5 }, { { 0x7FFF }, 0x6F73, 14 }, { { 0x7FFF }, 0x6F78, 2 },
	{ { 0x7FFF }, 0x6F7B, 12 }, { { 0x7FFF }, 0x6F7E, 11 }, { { 0x7FFF }, 0x6FAD, 4 },
	{ { 0x7FFF }, 0x6FB7, 12 }, { { 0x7FFF }, 0x6FE3, 18 }, { { 0x7FFF }, 0x6FE4, 54 },
	{ { 0x7FFF, 0x5FC0 }, 0x4F01, 20 }, { { 0x7FFF, 0x5FC0 }, 0x4F02, 20 },
	{ { 0x7FFF, 0x5FC0 }, 0x4F03, 57 }, { { 0x7FFF, 0x5FC0 }, 0x4F04, 57 },
};

/* Adds files-max file attributes, each @len bytes (0: the EF's own size). */
static void put_template_files(struct nlmsghdr *nlh, size_t len)
{
	static uint8_t data[VUICC_FILE_DATA_MAX];
	uint8_t path[8];
	size_t i, n;

	for (i = 0; i < VUICC_FILES_MAX; i++) {
		struct nlattr *f = mnl_attr_nest_start(nlh, VUICC_A_FILE);

		n = 0;
		path[n++] = 0x3F;
		path[n++] = 0x00;
		for (int d = 0; d < 2 && template_efs[i].df[d]; d++) {
			path[n++] = template_efs[i].df[d] >> 8;
			path[n++] = template_efs[i].df[d] & 0xFF;
		}
		path[n++] = template_efs[i].fid >> 8;
		path[n++] = template_efs[i].fid & 0xFF;
		mnl_attr_put(nlh, VUICC_A_FILE_PATH, n, path);
		mnl_attr_put(nlh, VUICC_A_FILE_DATA, len ? len : template_efs[i].size, data);
		mnl_attr_nest_end(nlh, f);
	}
}

TEST_F(nl, limits_profiles_and_a_huge_profile)
{
	static char buf[1 << 18];
	struct nlmsghdr *nlh;
	char name[16];
	int i;

	for (i = 0; i < VUICC_PROFILES_MAX; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		ASSERT_EQ(0, profile_add(&self->n, TCARD, name)) TH_LOG("%s", self->n.msg);
	}
	EXPECT_EQ(-ENOSPC, profile_add(&self->n, TCARD, "one-more"));
	EXPECT_EQ(VUICC_A_CARD_ID, self->n.bad_attr);
	EXPECT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "p0"));

	/* files-max files of file-data-max bytes: about 130 KiB, refused whole */
	nlh = profile_req(&self->n, buf, TCARD, "huge");
	put_template_files(nlh, VUICC_FILE_DATA_MAX);
	EXPECT_LT(128 * 1024, nlh->nlmsg_len);
	EXPECT_EQ(-EFBIG, transact(&self->n, nlh, NULL, NULL));
	EXPECT_EQ(VUICC_A_FILE, self->n.bad_attr) TH_LOG("%s", self->n.msg);
	/* files-max files that fit their EFs: taken */
	nlh = profile_req(&self->n, buf, TCARD, "full");
	put_template_files(nlh, 0);
	EXPECT_EQ(0, transact(&self->n, nlh, NULL, NULL)) TH_LOG("%s", self->n.msg);
}

/* Drops CAP_NET_ADMIN (and everything else) from this thread's effective set. */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	return syscall(SYS_capset, &h, d);
}

TEST_F(nl, unprivileged_caller)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct got g = {};
	int grp;

	ASSERT_EQ(0, profile_add(&self->n, TCARD, "ids")) TH_LOG("%s", self->n.msg);
	/* with CAP_NET_ADMIN, a profile's identities */
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, 0);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, "ids");
	ASSERT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_STRNE("", g.imsi);
	EXPECT_STRNE("", g.iccid);

	ASSERT_EQ(0, drop_caps());
	/* reading is allowed */
	memset(&g, 0, sizeof(g));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_CARD_GET, NLM_F_DUMP);
	EXPECT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_LE(1, g.count);
	/* but not the subscriber's identities: get and dump leave them out */
	memset(&g, 0, sizeof(g));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, 0);
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, "ids");
	EXPECT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_EQ(1, g.count);
	EXPECT_STREQ("ids", g.name);
	EXPECT_STREQ("", g.imsi);
	EXPECT_STREQ("", g.iccid);
	memset(&g, 0, sizeof(g));
	nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	EXPECT_EQ(0, transact(&self->n, nlh, keep_reply, &g));
	EXPECT_LE(1, g.count);
	EXPECT_STREQ("", g.imsi);
	EXPECT_STREQ("", g.iccid);
	/* changing is not */
	EXPECT_EQ(-EPERM, card_new(&self->n, TCARD + 1));
	EXPECT_EQ(-EPERM, card_del(&self->n, TCARD));
	EXPECT_EQ(-EPERM, profile_add(&self->n, TCARD, "x"));
	EXPECT_EQ(-EPERM, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "x"));
	EXPECT_EQ(-EPERM, profile_op(&self->n, VUICC_CMD_PROFILE_DISABLE, TCARD, NULL));
	EXPECT_EQ(-EPERM, profile_op(&self->n, VUICC_CMD_PROFILE_DEL, TCARD, "x"));
	/* nor is watching */
	grp = (int)self->n.monitor;
	ASSERT_NE(0, grp);
	EXPECT_EQ(-1, mnl_socket_setsockopt(self->n.sk, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)));
	EXPECT_EQ(EPERM, errno);
}

/* Reads pending events from @m (non-blocking) into @g; returns how many. */
static int read_events(struct nl *m, uint8_t *cmds, int max)
{
	static char buf[1 << 16];
	const struct nlmsghdr *nlh;
	int len, n = 0;

	for (;;) {
		len = recv(mnl_socket_get_fd(m->sk), buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			break;
		remember(m, buf, len);
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

			if (n < max)
				cmds[n] = gh->cmd;
			n++;
		}
	}
	return n;
}

static int has(const uint8_t *cmds, int n, uint8_t cmd)
{
	int i;

	for (i = 0; i < n; i++)
		if (cmds[i] == cmd)
			return 1;
	return 0;
}

/* A monitor socket in @m, profiles "a" and "b" on TCARD, its device open: the fd, or -1. */
static int two_profiles_watched(struct nl *n, struct nl *m)
{
	int grp;

	if (nl_open(m))
		return -1;
	grp = (int)m->monitor;
	if (mnl_socket_setsockopt(m->sk, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) ||
	    profile_add(n, TCARD, "a") || profile_add(n, TCARD, "b"))
		return -1;
	return open("/dev/vuicc20", O_RDWR);
}

TEST_F(nl, events_and_the_card_device)
{
	struct vuicc_atr atr;
	struct vuicc_reset rs = { .flags = VUICC_RESET_COLD };
	struct vuicc_status st;
	uint8_t cmds[64], apdu[] = { 0x00, 0x02, 0x00, 0x00 }, rsp[16];
	struct pollfd pfd;
	struct nl m;
	uint32_t ev;
	int fd, n;

	fd = two_profiles_watched(&self->n, &m);
	ASSERT_LE(0, fd) TH_LOG("set-up: %s", self->n.msg);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_RESET, &rs));

	/* enabling inserts a card: POLLPRI, INSERTED, powered off */
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "a"));
	pfd = (struct pollfd){ .fd = fd, .events = POLLPRI };
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_TRUE(pfd.revents & POLLPRI);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_STATUS, &st));
	EXPECT_EQ(VUICC_STATUS_PROFILE, st.flags & (VUICC_STATUS_PROFILE | VUICC_STATUS_POWERED));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(VUICC_EVENT_INSERTED, ev);
	EXPECT_EQ(-1, write(fd, apdu, sizeof(apdu)));
	EXPECT_EQ(ENXIO, errno);

	/* switching: removed, then inserted; a response in flight is dropped */
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(4, write(fd, apdu, sizeof(apdu)));
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "b"));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(VUICC_EVENT_REMOVED | VUICC_EVENT_INSERTED, ev);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(fd, rsp, sizeof(rsp)));
	EXPECT_EQ(EAGAIN, errno);
	/* enabling the enabled profile changes nothing */
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "b"));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(0, ev);

	/* disabling: removed; the card still answers its ATR */
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_DISABLE, TCARD, "b"));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(VUICC_EVENT_REMOVED, ev);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	EXPECT_EQ(0x3B, atr.bytes[0]);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_STATUS, &st));
	EXPECT_EQ(0, st.flags & VUICC_STATUS_PROFILE);

	/* removing the card under the opener */
	ASSERT_EQ(0, card_del(&self->n, TCARD));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_EQ(-1, write(fd, apdu, sizeof(apdu)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, read(fd, rsp, sizeof(rsp)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	ASSERT_EQ(0, card_new(&self->n, TCARD));

	n = read_events(&m, cmds, 64);
	EXPECT_LE(8, n);
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_PROFILE_ADD_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_CARD_POWER_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_CARD_RESET_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_PROFILE_ENABLE_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_CARD_DEL_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_CARD_NEW_NTF));
	EXPECT_FALSE(leaks_secret(m.seen, m.seen_len));
	EXPECT_FALSE(leaks_secret(self->n.seen, self->n.seen_len));
	nl_close(&m);
}

/* ---- the enable deadline ---- */

static uint64_t boottime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* profile-enable or -renew with a deadline @ms from now (0: none) */
static int deadline_op(struct nl *n, uint8_t cmd, const char *name, int64_t ms)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, cmd, 0);

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, name);
	if (ms)
		mnl_attr_put_u64(nlh, VUICC_A_PROFILE_DEADLINE, boottime_ns() + ms * 1000000);
	return transact(n, nlh, NULL, NULL);
}

static int profile_get(struct nl *n, const char *name, struct got *g)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_PROFILE_GET, 0);

	memset(g, 0, sizeof(*g));
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, name);
	return transact(n, nlh, keep_reply, g);
}

static uint64_t card_expiries(struct nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_CARD_GET, 0);
	struct got g = {};

	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	if (transact(n, nlh, keep_reply, &g))
		return UINT64_MAX;
	return g.expiries;
}

TEST_F(nl, an_enable_deadline_disables_the_profile)
{
	struct vuicc_status st;
	struct vuicc_atr atr;
	uint8_t cmds[64];
	struct got g;
	struct nl m;
	uint64_t t;
	uint32_t ev;
	int fd, n;

	fd = two_profiles_watched(&self->n, &m);
	ASSERT_LE(0, fd) TH_LOG("set-up: %s", self->n.msg);

	/* a deadline that has passed, or is no time at all, is refused */
	EXPECT_EQ(-EINVAL, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "a", -1));
	EXPECT_EQ(VUICC_A_PROFILE_DEADLINE, self->n.bad_attr);
	EXPECT_EQ(0, profile_get(&self->n, "a", &g));
	EXPECT_EQ(0, g.enabled);
	/* renewal needs a deadline and an enabled profile that has one */
	EXPECT_EQ(-EINVAL, profile_op(&self->n, VUICC_CMD_PROFILE_RENEW, TCARD, "a"));
	EXPECT_EQ(VUICC_A_PROFILE_DEADLINE, self->n.miss_type);
	EXPECT_EQ(-ESTALE, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", 1000));
	EXPECT_EQ(VUICC_A_PROFILE_NAME, self->n.bad_attr);
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "a"));
	EXPECT_EQ(-ESTALE, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", 1000));

	/* enabled with a deadline: profile-get shows it; renewals move it */
	t = boottime_ns();
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "a", 1000));
	ASSERT_EQ(0, profile_get(&self->n, "a", &g));
	EXPECT_EQ(1, g.enabled);
	EXPECT_LE(t + 1000000000ull, g.deadline);
	EXPECT_GT(t + 2000000000ull, g.deadline);
	EXPECT_EQ(-ESTALE, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "b", 1000));
	EXPECT_EQ(-EINVAL, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", -5));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	for (n = 0; n < 5; n++) {	/* 2 s in all, twice the first deadline */
		usleep(400000);
		ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", 1000))
			TH_LOG("renewal %d: %s", n, self->n.msg);
	}
	ASSERT_EQ(0, profile_get(&self->n, "a", &g));
	EXPECT_EQ(1, g.enabled);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, card_expiries(&self->n));

	/* no renewal: the kernel disables it, and the modem sees the card go */
	usleep(1600000);
	ASSERT_EQ(0, profile_get(&self->n, "a", &g));
	EXPECT_EQ(0, g.enabled);
	EXPECT_EQ(0, g.deadline);
	EXPECT_EQ(1, card_expiries(&self->n));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_EVENTS, &ev));
	EXPECT_EQ(VUICC_EVENT_REMOVED, ev);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_STATUS, &st));
	EXPECT_EQ(0, st.flags & VUICC_STATUS_PROFILE);
	/* a late renewal is stale */
	EXPECT_EQ(-ESTALE, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", 1000));
	n = read_events(&m, cmds, 64);
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_PROFILE_EXPIRE_NTF));
	EXPECT_TRUE(has(cmds, n, VUICC_CMD_PROFILE_ENABLE_NTF));

	/* a switch, a disable or enabling without one drops the deadline */
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "a", 300));
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "b"));
	EXPECT_EQ(-ESTALE, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "a", 1000));
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "b", 300));
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "b"));
	ASSERT_EQ(0, profile_get(&self->n, "b", &g));
	EXPECT_EQ(0, g.deadline);
	usleep(600000);
	ASSERT_EQ(0, profile_get(&self->n, "b", &g));
	EXPECT_EQ(1, g.enabled);
	EXPECT_EQ(1, card_expiries(&self->n));

	/* renewing earlier works too */
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "b", 60000));
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_RENEW, "b", 200));
	usleep(700000);
	ASSERT_EQ(0, profile_get(&self->n, "b", &g));
	EXPECT_EQ(0, g.enabled);
	EXPECT_EQ(2, card_expiries(&self->n));

	/* a card removed (or a module unloaded) with a deadline armed: nothing fires late */
	ASSERT_EQ(0, deadline_op(&self->n, VUICC_CMD_PROFILE_ENABLE, "a", 150));
	ASSERT_EQ(0, card_del(&self->n, TCARD));
	usleep(400000);
	close(fd);
	ASSERT_EQ(0, card_new(&self->n, TCARD));
	EXPECT_FALSE(leaks_secret(m.seen, m.seen_len));
	nl_close(&m);
}

/* ---- persistent state ---- */

struct state_got {
	int count;
	uint64_t seq;
	int has_seq;
	int sqn_len;
	int files;
	uint8_t path[VUICC_FILE_PATH_MAX];
	int path_len;
	uint8_t data[64];
	int data_len;
};

static int state_file_cb(const struct nlattr *a, void *data)
{
	struct state_got *g = data;
	int len = (int)mnl_attr_get_payload_len(a);

	if (mnl_attr_get_type(a) == VUICC_A_FILE_PATH && len <= VUICC_FILE_PATH_MAX) {
		memcpy(g->path, mnl_attr_get_payload(a), len);
		g->path_len = len;
	} else if (mnl_attr_get_type(a) == VUICC_A_FILE_DATA && len <= (int)sizeof(g->data)) {
		memcpy(g->data, mnl_attr_get_payload(a), len);
		g->data_len = len;
	}
	return MNL_CB_OK;
}

static int state_attr_cb(const struct nlattr *a, void *data)
{
	struct state_got *g = data;

	switch (mnl_attr_get_type(a)) {
	case VUICC_A_STATE_SEQ:
		g->seq = mnl_attr_get_u64(a);
		g->has_seq = 1;
		break;
	case VUICC_A_SQN_STATE:
		g->sqn_len = (int)mnl_attr_get_payload_len(a);
		break;
	case VUICC_A_FILE:
		g->files++;
		mnl_attr_parse_nested(a, state_file_cb, g);
		break;
	}
	return MNL_CB_OK;
}

static void state_reply(struct nl *n, const struct nlmsghdr *nlh, void *arg)
{
	struct state_got *g = arg;

	g->count++;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), state_attr_cb, g);
}

static int state_get(struct nl *n, const char *name, struct state_got *g)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(n, buf, n->family, VUICC_CMD_STATE_GET, 0);

	memset(g, 0, sizeof(*g));
	mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, TCARD);
	mnl_attr_put_strz(nlh, VUICC_A_PROFILE_NAME, name);
	return transact(n, nlh, state_reply, g);
}

static int card_apdu(int fd, const char *hex, uint8_t *rsp, size_t max)
{
	uint8_t c[300];
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		c[i] = (uint8_t)b;
	}
	if (write(fd, c, n) != (ssize_t)n)
		return -1;
	return (int)read(fd, rsp, max);
}

TEST_F(nl, state_get_and_state_seq)
{
	static const uint8_t fplmn[] = { 0x3f, 0x00, 0x7f, 0xff, 0x6f, 0x7b };
	struct state_got g, e;
	struct vuicc_atr atr;
	uint8_t rsp[64];
	char buf[1 << 16];
	struct nl m;
	int grp, fd, len, seqs = 0;
	const struct nlmsghdr *nlh;

	ASSERT_EQ(0, profile_add(&self->n, TCARD, "s"));
	ASSERT_EQ(0, profile_op(&self->n, VUICC_CMD_PROFILE_ENABLE, TCARD, "s"));
	/* a fresh profile: state-seq 0, its SQN array, no EF changed */
	ASSERT_EQ(0, state_get(&self->n, "s", &g));
	EXPECT_EQ(1, g.count);
	EXPECT_TRUE(g.has_seq);
	EXPECT_EQ(0, g.seq);
	EXPECT_EQ(6 * 32, g.sqn_len);
	EXPECT_EQ(0, g.files);
	EXPECT_EQ(-ENOENT, state_get(&self->n, "nobody", &g));

	ASSERT_EQ(0, nl_open(&m));
	grp = (int)m.monitor;
	ASSERT_EQ(0, mnl_socket_setsockopt(m.sk, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)));
	fd = open("/dev/vuicc20", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(2, card_apdu(fd, "00A4040C10A0000000871002FFFFFFFF8907090000", rsp, sizeof(rsp)));
	ASSERT_EQ(2, card_apdu(fd, "00200001083733393135FFFFFF", rsp, sizeof(rsp)));
	ASSERT_EQ(2, card_apdu(fd, "00A4000C026F7B", rsp, sizeof(rsp)));
	ASSERT_EQ(2, card_apdu(fd, "00D600000C111111111111111111111111", rsp, sizeof(rsp)));
	EXPECT_EQ(0x90, rsp[0]);
	ASSERT_EQ(2, card_apdu(fd, "00D600000C00F110FFFFFFFFFFFFFFFFFF", rsp, sizeof(rsp)));
	EXPECT_EQ(0x90, rsp[0]);
	close(fd);

	/* two changes: state-seq 2, the EF's latest content */
	ASSERT_EQ(0, state_get(&self->n, "s", &g));
	EXPECT_EQ(2, g.seq);
	EXPECT_EQ(1, g.files);
	EXPECT_EQ(6, g.path_len);
	EXPECT_EQ(0, memcmp(g.path, fplmn, 6));
	EXPECT_EQ(12, g.data_len);
	EXPECT_EQ(0, memcmp(g.data, "\x00\xf1\x10\xff", 4));

	/* each change came as a state-ntf with its state-seq, 1 then 2 */
	while ((len = recv(mnl_socket_get_fd(m.sk), buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

			if (gh->cmd != VUICC_CMD_STATE_NTF)
				continue;
			memset(&e, 0, sizeof(e));
			mnl_attr_parse(nlh, sizeof(*gh), state_attr_cb, &e);
			EXPECT_TRUE(e.has_seq);
			EXPECT_EQ(++seqs, (int)e.seq);
			EXPECT_EQ(1, e.files);
		}
	}
	EXPECT_EQ(2, seqs);
	nl_close(&m);

	/* EFs hold session keys: state-get is for CAP_NET_ADMIN only */
	ASSERT_EQ(0, drop_caps());
	EXPECT_EQ(-EPERM, state_get(&self->n, "s", &g));
}

/* ---- dumps under change ---- */

#define CHURN_CARDS 24

struct churn {
	atomic_int stop;
	atomic_long ops;
	atomic_long unexpected;
	int last;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	struct nl n;
	char name[8];
	unsigned int seed = (unsigned int)(uintptr_t)&n;
	int ret, card, op;

	if (nl_open(&n)) {
		atomic_fetch_add(&c->unexpected, 1);
		return NULL;
	}
	while (!atomic_load(&c->stop)) {
		card = TCARD + 1 + rand_r(&seed) % CHURN_CARDS;
		op = rand_r(&seed) % 4;
		/* added and deleted: c0..c3; enabled: any */
		snprintf(name, sizeof(name), "%c%d", op == 2 && rand_r(&seed) % 2 ? 'f' : 'c',
			 rand_r(&seed) % 4);
		if (op == 0)
			ret = profile_add(&n, card, name);
		else if (op == 1)
			ret = profile_op(&n, VUICC_CMD_PROFILE_DEL, card, name);
		else if (op == 2)
			ret = profile_op(&n, VUICC_CMD_PROFILE_ENABLE, card, name);
		else
			ret = profile_op(&n, VUICC_CMD_PROFILE_DISABLE, card, NULL);
		if (ret && ret != -EEXIST && ret != -ENOENT && ret != -ENOSPC) {
			atomic_fetch_add(&c->unexpected, 1);
			c->last = ret;
		}
		atomic_fetch_add(&c->ops, 1);
		n.seen_len = 0;
	}
	nl_close(&n);
	return NULL;
}

TEST_F_TIMEOUT(nl, dumps_while_others_change_things, 300)
{
	static char buf[8192];
	struct churn c = { 0 };
	struct nlmsghdr *nlh;
	pthread_t t[2];
	int i, j, dumps = 0, bad = 0, intr = 0;
	char name[8];

	for (i = 1; i <= CHURN_CARDS; i++) {
		card_del(&self->n, TCARD + i);
		ASSERT_EQ(0, card_new(&self->n, TCARD + i));
		for (j = 0; j < VUICC_PROFILES_MAX / 2; j++) {
			snprintf(name, sizeof(name), "f%d", j);
			ASSERT_EQ(0, profile_add(&self->n, TCARD + i, name));
		}
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &c));
	for (i = 0; i < 60; i++) {
		struct got g = {};

		self->n.dump_intr = 0;
		nlh = req(&self->n, buf, self->n.family, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
		if (transact(&self->n, nlh, keep_reply, &g))
			bad++;
		/* the fixed profiles f0..f3 are always there, unless flagged */
		if (!self->n.dump_intr && g.count < CHURN_CARDS * VUICC_PROFILES_MAX / 2) {
			TH_LOG("dump %d: %d profiles", i, g.count);
			bad++;
		}
		intr += self->n.dump_intr > 0;
		dumps++;
		self->n.seen_len = 0;
	}
	atomic_store(&c.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 1; i <= CHURN_CARDS; i++)
		EXPECT_EQ(0, card_del(&self->n, TCARD + i));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, atomic_load(&c.unexpected)) TH_LOG("last error %d", c.last);
	EXPECT_LT(0, atomic_load(&c.ops));
	TH_LOG("%d dumps (%d flagged NLM_F_DUMP_INTR) during %ld changes",
	       dumps, intr, atomic_load(&c.ops));
}

/* ---- a reader stalled on a page fault holds up no operation ---- */

struct stalled_reader {
	int fd;
	void *page;
	ssize_t ret;
	int err;
};

static void *stalled_reader(void *arg)
{
	struct stalled_reader *r = arg;

	r->ret = read(r->fd, r->page, 4096);
	r->err = errno;
	return NULL;
}

struct control_ops {
	atomic_int done;
	int dump, card_get[3], del;
};

/* What an agent does meanwhile: profile-list and card-get on every card, card-del. */
static void *control_ops(void *arg)
{
	static const uint32_t cards[3] = { 0, 1, TCARD };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct control_ops *c = arg;
	struct nlmsghdr *nlh;
	struct nl n;
	int i;

	if (nl_open(&n)) {
		c->dump = c->del = -1;
		atomic_store(&c->done, 1);
		return NULL;
	}
	nlh = req(&n, buf, n.family, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	c->dump = transact(&n, nlh, NULL, NULL);
	for (i = 0; i < 3; i++) {
		nlh = req(&n, buf, n.family, VUICC_CMD_CARD_GET, 0);
		mnl_attr_put_u32(nlh, VUICC_A_CARD_ID, cards[i]);
		c->card_get[i] = transact(&n, nlh, NULL, NULL);
	}
	c->del = card_del(&n, TCARD);
	atomic_store(&c->done, 1);
	nl_close(&n);
	return NULL;
}

/*
 * read() of /dev/vuiccN copies the response to a buffer whose page faults
 * and is never served (userfaultfd): the reader waits, and nothing else
 * may.  On a kernel that copies under the card lock, card-del waits for
 * that lock while holding the card list's, and every card's operations
 * after it.
 */
TEST_F_TIMEOUT(nl, a_stalled_reader_holds_up_no_operation, 120)
{
	static const uint8_t apdu[] = { 0x00, 0x02, 0x00, 0x00 };	/* 6D00 */
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { .mode = 0 };
	struct control_ops c = { 0 };
	struct stalled_reader r = { .fd = -1 };
	struct vuicc_atr atr;
	struct pollfd pfd;
	pthread_t tr, tc;
	int uffd, i, done;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s (the kernel needs CONFIG_USERFAULTFD)",
				  strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	r.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* not ASSERT_NE(): it prints a pointer as an intmax_t, an error on 32-bit */
	ASSERT_TRUE(r.page != MAP_FAILED);
	reg.range.start = (unsigned long)r.page;
	reg.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg)) TH_LOG("UFFDIO_REGISTER: %s", strerror(errno));

	r.fd = open("/dev/vuicc20", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, ioctl(r.fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(4, write(r.fd, apdu, sizeof(apdu)));
	ASSERT_EQ(0, pthread_create(&tr, NULL, stalled_reader, &r));
	/* the fault arrives: the reader is inside its copy to the page */
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 30000)) TH_LOG("the reader did not fault on the page");

	ASSERT_EQ(0, pthread_create(&tc, NULL, control_ops, &c));
	for (i = 0; i < 300 && !atomic_load(&c.done); i++)
		usleep(100 * 1000);
	done = atomic_load(&c.done);
	/* the page comes: the reader gets its response and goes */
	zero.range.start = (unsigned long)r.page;
	zero.range.len = 4096;
	EXPECT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	pthread_join(tr, NULL);
	pthread_join(tc, NULL);

	EXPECT_TRUE(done) TH_LOG("card-get, profile-list and card-del waited 30 s for a reader "
				 "stalled on a page fault");
	EXPECT_EQ(0, c.dump);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, c.card_get[i]) TH_LOG("card-get %d", i);
	EXPECT_EQ(0, c.del);
	EXPECT_EQ(2, r.ret) TH_LOG("read: %s", strerror(r.err));
	EXPECT_EQ(0x6D, ((uint8_t *)r.page)[0]);
	close(r.fd);
	munmap(r.page, 4096);
	close(uffd);
}

/* ---- card-del racing card-new of the same number ---- */

#define RACE_CARD	40
#define RACE_MS		3000

struct race {
	int create;		/* this thread creates (else deletes) */
	pthread_barrier_t *go;
	atomic_int *stop;
	long ok, other;		/* 0 answers; errors other than EEXIST/ENOENT */
	int last_err;
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	struct nl n;
	int ret, opened = !nl_open(&n);

	/* all three start together, whatever the scheduler does with threads */
	pthread_barrier_wait(r->go);
	if (!opened) {
		r->other = -1;
		return NULL;
	}
	while (!atomic_load(r->stop)) {
		ret = r->create ? card_new(&n, RACE_CARD) : card_del(&n, RACE_CARD);
		if (ret == 0) {
			r->ok++;
		} else if (ret != (r->create ? -EEXIST : -ENOENT)) {
			r->other++;
			r->last_err = ret;
		}
	}
	nl_close(&n);
	return NULL;
}

/*
 * Two deleters and a creator of one card number, in parallel for 3 s:
 * every answer is success, EEXIST or ENOENT, and the cards created less
 * the cards deleted is the card left (0 or 1).  On the debug kernel the
 * sanitizers and lockdep watch the create/remove paths meanwhile.  (That
 * a card-del removes the card it looked up, not a new card that took its
 * number, is vuicc_card_remove_test's, in KUnit, where the interleaving
 * can be forced.)
 */
TEST_F_TIMEOUT(nl, card_del_races_card_new_of_its_number, 300)
{
	struct race r[3] = { { .create = 1 }, { .create = 0 }, { .create = 0 } };
	pthread_barrier_t go;
	atomic_int stop = 0;
	pthread_t t[3];
	long left;
	int i;

	card_del(&self->n, RACE_CARD);
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 4));
	for (i = 0; i < 3; i++) {
		r[i].go = &go;
		r[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_thread, &r[i]));
	}
	pthread_barrier_wait(&go);
	usleep(RACE_MS * 1000);
	atomic_store(&stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < 3; i++) {
		const char *why = strerror(-r[i].last_err);
		long other = r[i].other;

		EXPECT_EQ(0, other) TH_LOG("thread %d: %s", i, why);
	}
	left = r[0].ok - r[1].ok - r[2].ok;
	TH_LOG("%ld cards created, %ld + %ld deleted in %d ms", r[0].ok, r[1].ok, r[2].ok, RACE_MS);
	EXPECT_TRUE(left == 0 || left == 1) TH_LOG("%ld created, %ld + %ld deleted",
						   r[0].ok, r[1].ok, r[2].ok);
	EXPECT_EQ(left == 1, access("/dev/vuicc40", F_OK) == 0);
	EXPECT_LT(10, r[0].ok) TH_LOG("the race hardly ran: %ld cards created", r[0].ok);
	EXPECT_LT(0, r[1].ok && r[2].ok) TH_LOG("a deleter never deleted: %ld, %ld",
						 r[1].ok, r[2].ok);
	card_del(&self->n, RACE_CARD);
}

/* ---- card-new and card-del racing rmmod ---- */

#define STORM_CARD	30

struct storm {
	atomic_int stop;
	atomic_long created;
};

/* card-new and card-del of STORM_CARD, over and over, as the module comes and goes */
static void *storm_thread(void *arg)
{
	struct storm *st = arg;
	struct nl n;

	while (!atomic_load(&st->stop)) {
		if (nl_open(&n)) {	/* the family is gone (or going) */
			nl_close(&n);
			sched_yield();
			continue;
		}
		while (!atomic_load(&st->stop)) {
			int ret = card_new(&n, STORM_CARD);

			if (ret == 0)
				atomic_fetch_add(&st->created, 1);
			else if (ret != -EEXIST)
				break;	/* the family went: look it up again */
			card_del(&n, STORM_CARD);
		}
		nl_close(&n);
	}
	return NULL;
}

/* Any misc device of a card (/sys/class/misc/vuiccN) left while the module is out. */
static int cards_left(void)
{
	DIR *d = opendir("/sys/class/misc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "vuicc", 5);
	closedir(d);
	return n > 0;
}

/*
 * rmmod while card-new and card-del storm: unloading unregisters the
 * family first (waiting for the operations under way), so no card-new
 * creates a card after the cards are destroyed, with a misc device that
 * would outlive the module's code.  Each unload leaves no card; each
 * reload is clean.
 */
/* (a fixture for the harness's timeout; the module is what it works on) */
FIXTURE(module)
{
	int unused;
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
}

TEST_F_TIMEOUT(module, card_new_and_del_while_rmmod, 600)
{
	const char *dir = getenv("VUICC_MODDIR");
	int i, unloaded = 0, left = 0, reload_failed = 0;
	struct storm st = { 0 };
	pthread_t t[2];

	ASSERT_TRUE(dir != NULL) TH_LOG("VUICC_MODDIR unset: run in the VM harness");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, storm_thread, &st));
	for (i = 0; i < 20; i++) {
		usleep(50000);
		if (vuicc_rmmod("vuicc"))
			continue;
		unloaded++;
		if (cards_left()) {
			TH_LOG("unload %d: a card outlived the module", i);
			left++;
			break;	/* reloading would meet its name */
		}
		if (vuicc_insmod(dir, "vuicc", "cards=2")) {
			TH_LOG("reload %d: %s", i, strerror(errno));
			reload_failed++;
			break;
		}
	}
	atomic_store(&st.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (access("/sys/module/vuicc", F_OK) && !left)
		EXPECT_EQ(0, vuicc_insmod(dir, "vuicc", "cards=2"));
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, reload_failed);
	EXPECT_LT(0, unloaded);
	EXPECT_LT(0, atomic_load(&st.created));
	TH_LOG("%d unloads during %ld card-new", unloaded, atomic_load(&st.created));
}

TEST_HARNESS_MAIN
