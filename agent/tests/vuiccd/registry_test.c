// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vuiccd's registry, persistence, provisioning, status report and
 * sharing glue (a slave's activation and deactivation)
 * (agent/vuiccd/registry.c, persist.c, provision.c, status.c) against a fake kernel:
 * this file defines the netlink client's functions (lib/nl.h) over an
 * in-memory card and profile table, and counts what reaches the store
 * through a store_io that wraps libc (and can fail on command).  The
 * store's files are real, in a temporary directory: what persist.c wrote
 * is read back by a fresh registry, as after a reboot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <json-c/json.h>

#include "vuiccd/persist.h"
#include "vuiccd/provision.h"
#include "vuiccd/registry.h"
#include "vuiccd/share_glue.h"
#include "vuiccd/vuiccd.h"
#include "../testlib.h"

/* ---- the fake kernel ---- */

#define FK_PROFS	16
#define FK_EVENTS	512
#define FK_FAMILY	0x20

struct fk_prof {
	bool used;
	uint32_t card;
	char name[VUICC_PROFILE_NAME_MAX + 1];
	uint32_t kind, role;
	bool enabled;
	uint64_t seq;
	uint8_t sqn[STORE_SQN_MAX];
	size_t sqn_len;
	uint8_t path[4], ef[16];
	size_t ef_len;		/* one changed EF (3F00 2F05 here); 0: none */
};

static struct {
	bool card[VUICC_CARDS_MAX];
	struct fk_prof p[FK_PROFS];
	unsigned int calls[VUICC_CMD_MAX + 1];
	uint8_t fail_cmd;	/* this command fails with fail_err */
	int fail_err;
	struct nl_msg *ev[FK_EVENTS];
	unsigned int n_ev;
	bool overflow;		/* the next read reports lost events */
} K;

static struct fk_prof *fk_find(uint32_t card, const char *name)
{
	int i;

	for (i = 0; i < FK_PROFS; i++)
		if (K.p[i].used && K.p[i].card == card && !strcmp(K.p[i].name, name))
			return &K.p[i];
	return NULL;
}

static void fk_reset(void)
{
	unsigned int i;

	for (i = 0; i < K.n_ev; i++)
		nlmsg_free(K.ev[i]);
	memset(&K, 0, sizeof(K));
}

static struct nl_msg *fk_msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc_size(65536);

	if (m)
		genlmsg_put(m, 0, 0, FK_FAMILY, 0, 0, cmd, 1);
	return m;
}

static int fk_deliver(struct nl_msg *m, vnl_handler fn, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[VUICC_A_MAX + 1];
	int ret = 0;

	if (!genlmsg_parse(nlh, 0, tb, VUICC_A_MAX, NULL) && fn)
		ret = fn(nlh, tb, g->cmd, arg);
	nlmsg_free(m);
	return ret;
}

static void fk_put_state(struct nl_msg *m, const struct fk_prof *p)
{
	struct nlattr *f;

	nla_put_u32(m, VUICC_A_CARD_ID, p->card);
	nla_put_string(m, VUICC_A_PROFILE_NAME, p->name);
	nla_put_u64(m, VUICC_A_STATE_SEQ, p->seq);
	if (p->sqn_len)
		nla_put(m, VUICC_A_SQN_STATE, (int)p->sqn_len, p->sqn);
	if (p->ef_len) {
		f = nla_nest_start(m, VUICC_A_FILE);
		nla_put(m, VUICC_A_FILE_PATH, sizeof(p->path), p->path);
		nla_put(m, VUICC_A_FILE_DATA, (int)p->ef_len, p->ef);
		nla_nest_end(m, f);
	}
}

/* A state-ntf for one more challenge (its SQN slot moved) or an EF write. */
static void fk_event_state(struct fk_prof *p, bool sqn, bool ef)
{
	struct nl_msg *m = fk_msg(VUICC_CMD_STATE_NTF);
	struct nlattr *f;

	p->seq++;
	nla_put_u32(m, VUICC_A_CARD_ID, p->card);
	nla_put_string(m, VUICC_A_PROFILE_NAME, p->name);
	nla_put_u64(m, VUICC_A_STATE_SEQ, p->seq);
	if (sqn) {
		uint64_t v = 0;
		int k;

		/* slot 0 of 32: SEQ + 1 */
		for (k = 0; k < 6; k++)
			v = v << 8 | p->sqn[k];
		v += 32;
		for (k = 5; k >= 0; k--, v >>= 8)
			p->sqn[k] = (uint8_t)v;
		if (!p->sqn_len)
			p->sqn_len = 6 << 5;
		nla_put(m, VUICC_A_SQN_STATE, (int)p->sqn_len, p->sqn);
	}
	if (ef) {
		memcpy(p->path, "\x3f\x00\x2f\x05", 4);
		p->ef[0]++;
		p->ef_len = 2;
		f = nla_nest_start(m, VUICC_A_FILE);
		nla_put(m, VUICC_A_FILE_PATH, 4, p->path);
		nla_put(m, VUICC_A_FILE_DATA, (int)p->ef_len, p->ef);
		nla_nest_end(m, f);
	}
	K.ev[K.n_ev++] = m;
}

static int fk_dump(uint8_t cmd, struct nlattr **rq, vnl_handler fn, void *arg)
{
	struct nl_msg *m;
	uint32_t c;
	int i, ret;

	if (cmd == VUICC_CMD_CARD_GET) {
		for (c = 0; c < VUICC_CARDS_MAX; c++) {
			if (!K.card[c])
				continue;
			m = fk_msg(cmd);
			nla_put_u32(m, VUICC_A_CARD_ID, c);
			nla_put_u8(m, VUICC_A_CARD_POWERED, 1);
			for (i = 0; i < FK_PROFS; i++)
				if (K.p[i].used && K.p[i].card == c && K.p[i].enabled)
					nla_put_string(m, VUICC_A_CARD_PROFILE, K.p[i].name);
			ret = fk_deliver(m, fn, arg);
			if (ret)
				return ret;
		}
		return 0;
	}
	for (i = 0; i < FK_PROFS; i++) {
		if (!K.p[i].used)
			continue;
		m = fk_msg(cmd);
		nla_put_u32(m, VUICC_A_CARD_ID, K.p[i].card);
		nla_put_string(m, VUICC_A_PROFILE_NAME, K.p[i].name);
		nla_put_u8(m, VUICC_A_PROFILE_ENABLED, K.p[i].enabled);
		nla_put_u32(m, VUICC_A_PROFILE_KIND, K.p[i].kind);
		nla_put_u32(m, VUICC_A_PROFILE_ROLE, K.p[i].role);
		ret = fk_deliver(m, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int fk_add(struct nlattr **rq)
{
	uint32_t card = nla_get_u32(rq[VUICC_A_CARD_ID]);
	const char *name = nla_get_string(rq[VUICC_A_PROFILE_NAME]);
	struct fk_prof *p;
	int i;

	if (!K.card[card])
		return -ENODEV;
	if (fk_find(card, name))
		return -EEXIST;
	for (i = 0; i < FK_PROFS && K.p[i].used; i++)
		;
	if (i == FK_PROFS)
		return -ENOSPC;
	p = &K.p[i];
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->card = card;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->kind = rq[VUICC_A_PROFILE_KIND] ? nla_get_u32(rq[VUICC_A_PROFILE_KIND]) : 0;
	p->role = rq[VUICC_A_PROFILE_ROLE] ? nla_get_u32(rq[VUICC_A_PROFILE_ROLE]) : 0;
	p->sqn_len = 6 << 5;
	if (rq[VUICC_A_SQN_STATE] && (size_t)nla_len(rq[VUICC_A_SQN_STATE]) <= STORE_SQN_MAX) {
		p->sqn_len = (size_t)nla_len(rq[VUICC_A_SQN_STATE]);
		memcpy(p->sqn, nla_data(rq[VUICC_A_SQN_STATE]), p->sqn_len);
	}
	return 0;
}

static int fk_do(uint8_t cmd, struct nlattr **rq, vnl_handler fn, void *arg)
{
	uint32_t card = rq[VUICC_A_CARD_ID] ? nla_get_u32(rq[VUICC_A_CARD_ID]) : 0;
	const char *name = rq[VUICC_A_PROFILE_NAME] ? nla_get_string(rq[VUICC_A_PROFILE_NAME]) : "";
	struct fk_prof *p = fk_find(card, name);
	struct nl_msg *m;
	int i;

	switch (cmd) {
	case VUICC_CMD_CARD_NEW:
		if (K.card[card])
			return -EEXIST;
		K.card[card] = true;
		return 0;
	case VUICC_CMD_PROFILE_ADD:
		return fk_add(rq);
	case VUICC_CMD_PROFILE_DEL:
		if (!p)
			return -ENOENT;
		p->used = false;
		return 0;
	case VUICC_CMD_PROFILE_ENABLE:
		if (!p)
			return -ENOENT;
		for (i = 0; i < FK_PROFS; i++)
			if (K.p[i].card == card)
				K.p[i].enabled = false;
		p->enabled = true;
		return 0;
	case VUICC_CMD_STATE_GET:
		if (!p)
			return -ENOENT;
		m = fk_msg(cmd);
		fk_put_state(m, p);
		return fk_deliver(m, fn, arg);
	}
	return -EOPNOTSUPP;
}

/* ---- lib/nl.h, as this test's fake kernel answers it ---- */

struct nl_msg *vnl_request_sized(struct vnl *v, uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *m = nlmsg_alloc_size(size + 65536);

	if (m)
		genlmsg_put(m, 0, 0, FK_FAMILY, 0, flags | NLM_F_REQUEST | NLM_F_ACK, cmd, 1);
	return m;
}

struct nl_msg *vnl_request(struct vnl *v, uint8_t cmd, int flags)
{
	return vnl_request_sized(v, cmd, flags, 0);
}

int vnl_transact(struct vnl *v, struct nl_msg *msg, vnl_handler fn, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *rq[VUICC_A_MAX + 1];
	uint8_t cmd = g->cmd;
	int ret;

	v->err[0] = '\0';
	K.calls[cmd]++;
	if (genlmsg_parse(nlh, 0, rq, VUICC_A_MAX, NULL))
		ret = -EINVAL;
	else if (K.fail_cmd == cmd)
		ret = K.fail_err;
	else if (nlh->nlmsg_flags & NLM_F_DUMP)
		ret = fk_dump(cmd, rq, fn, arg);
	else
		ret = fk_do(cmd, rq, fn, arg);
	nlmsg_free(msg);
	if (ret < 0)
		snprintf(v->err, sizeof(v->err), "fake kernel: %s", strerror(-ret));
	return ret;
}

int vnl_put_profile(struct nl_msg *m, const struct profile *p, uint32_t card)
{
	if (nla_put_u32(m, VUICC_A_CARD_ID, card) ||
	    nla_put_string(m, VUICC_A_PROFILE_NAME, p->name) ||
	    nla_put_u32(m, VUICC_A_PROFILE_KIND, p->kind) ||
	    nla_put_u32(m, VUICC_A_PROFILE_ROLE, p->role))
		return -1;
	if (p->sqn_state_len &&
	    nla_put(m, VUICC_A_SQN_STATE, (int)p->sqn_state_len, p->sqn_state))
		return -1;
	return 0;
}

int vnl_events_read(struct vnl *v, vnl_handler fn, void *arg)
{
	unsigned int i, n = K.n_ev;
	int ret;

	if (K.overflow) {
		K.overflow = false;
		for (i = 0; i < K.n_ev; i++)
			nlmsg_free(K.ev[i]);
		K.n_ev = 0;
		return -ENOBUFS;
	}
	K.n_ev = 0;
	for (i = 0; i < n; i++) {
		ret = fk_deliver(K.ev[i], fn, arg);
		if (ret) {
			while (++i < n)
				nlmsg_free(K.ev[i]);
			return ret < 0 ? ret : (int)n;
		}
	}
	return (int)n;
}

int vnl_card_t0(struct vnl *v, uint32_t card, struct vuicc_t0_stats *st, char *tty,
		size_t len)
{
	return 0;	/* no T=0 line holds a card here */
}

/* ---- a store_io that counts, and fails when told ---- */

static struct {
	unsigned int writes, fsyncs, renames;
	int fail_write;		/* -errno for every write; 0: none */
} io_count;

static int io_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return store_libc_io.openat(dirfd, name, flags, mode);
}

static ssize_t io_write(int fd, const void *buf, size_t len)
{
	io_count.writes++;
	if (io_count.fail_write) {
		errno = -io_count.fail_write;
		return -1;
	}
	return store_libc_io.write(fd, buf, len);
}

static int io_fsync(int fd)
{
	io_count.fsyncs++;
	return store_libc_io.fsync(fd);
}

static int io_renameat(int od, const char *o, int nd, const char *n)
{
	io_count.renames++;
	return store_libc_io.renameat(od, o, nd, n);
}

static const struct store_io counting_io = {
	.openat = io_openat,
	.write = io_write,
	.fsync = io_fsync,
	.close = close,
	.unlinkat = unlinkat,
	.linkat = linkat,
	.renameat = io_renameat,
};

/* ---- the daemon's parts, as main.c puts them together ---- */

struct rig {
	char dir[64], profiles[80], state[80];
	struct vd d;		/* the parts this test uses, where main.c has them */
};

static void rig_parts(struct rig *g)
{
	int dirfd = open(g->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(dirfd >= 0);
	reg_init(&g->d.reg, &g->d.req, g->d.cfg.card_base, g->d.cfg.cards);
	CHECK(!loop_init(&g->d.loop));
	CHECK(!persist_init(&g->d.store, &g->d.reg, &g->d.req, &g->d.ev, &g->d.loop, &counting_io, dirfd,
			    g->state, g->d.cfg.writeback_ms));
	prov_init(&g->d.prov, &g->d.cfg, &g->d.reg, &g->d.store, &g->d.req, &g->d.loop);
}

static void rig_open(struct rig *g, unsigned int cards, unsigned int writeback_ms)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->dir, sizeof(g->dir), "/tmp/vuicc-registry-test.XXXXXX");
	CHECK(mkdtemp(g->dir) != NULL);
	snprintf(g->profiles, sizeof(g->profiles), "%s/profiles", g->dir);
	snprintf(g->state, sizeof(g->state), "%s/state", g->dir);
	CHECK(!mkdir(g->profiles, 0700) && !mkdir(g->state, 0700));
	g->d.cfg.cards = cards;
	g->d.cfg.writeback_ms = writeback_ms;
	snprintf(g->d.cfg.profiles_dir, sizeof(g->d.cfg.profiles_dir), "%s", g->profiles);
	snprintf(g->d.cfg.state_dir, sizeof(g->d.cfg.state_dir), "%s", g->state);
	memset(&io_count, 0, sizeof(io_count));
	rig_parts(g);
}

/* The parts stopped and started again on the same store: a reboot. */
static void rig_restart(struct rig *g)
{
	close(g->d.store.dirfd);
	persist_close(&g->d.store);
	loop_close(&g->d.loop);
	reg_free(&g->d.reg);
	rig_parts(g);
}

static void rm_dir(const char *path)
{
	char sub[512];
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (unlink(sub))
			rm_dir(sub);
	}
	closedir(d);
	rmdir(path);
}

static void rig_close(struct rig *g)
{
	close(g->d.store.dirfd);
	persist_close(&g->d.store);
	loop_close(&g->d.loop);
	reg_free(&g->d.reg);
	rm_dir(g->dir);
	fk_reset();
}

/* A profile file (made-up test keys) for @card. */
static void write_profile(struct rig *g, const char *name, const char *role, unsigned int card,
			  const char *iccid_tail)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", g->profiles, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "name = %s\nkind = seed\nrole = %s\ncard = %u\niccid = 89882110000000000%s\n"
		"imsi = 00101000000000%c\nmnc_len = 2\nalgorithm = milenage\n"
		"k = 000102030405060708090a0b0c0d0e0f\nopc = 0f0e0d0c0b0a09080706050403020100\n"
		"plmns = 00101\nrats = lte\n", name, role, card, iccid_tail, iccid_tail[1]);
	fclose(f);
	chmod(path, 0600);
}

static bool state_file(struct rig *g, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", g->state, name);
	return access(path, F_OK) == 0;
}

/* A rig with master seed "m" installed and enabled on card 0; false (closed) if not. */
static bool rig_master(struct rig *g, unsigned int writeback_ms, struct fk_prof **p,
		       struct vprof **v)
{
	rig_open(g, 1, writeback_ms);
	write_profile(g, "m", "master", 0, "18");
	CHECK(persist_resync(&g->d.store) == 0 && prov_run(&g->d.prov, true) == 0);
	*p = fk_find(0, "m");
	*v = reg_find(&g->d.reg, 0, "m");
	CHECK(*p && *v);
	if (*p && *v)
		return true;
	rig_close(g);
	return false;
}

/* ---- the tests ---- */

/* The mirror: the kernel's cards and profiles, only the cards this vuiccd manages. */
static void test_mirror(void)
{
	struct rig g;
	struct vprof *v;

	rig_open(&g, 1, 1000);
	K.card[0] = K.card[1] = true;
	K.p[0] = (struct fk_prof){ .used = true, .card = 0, .name = "a", .enabled = true,
				   .kind = VUICC_PROFILE_KIND_SEED,
				   .role = VUICC_PROFILE_ROLE_MASTER };
	K.p[1] = (struct fk_prof){ .used = true, .card = 1, .name = "b" };
	CHECK(reg_snapshot(&g.d.reg) == 0);
	CHECK(g.d.reg.cards[0].exists && !g.d.reg.cards[1].exists);
	CHECK(!strcmp(g.d.reg.cards[0].enabled, "a"));
	v = reg_find(&g.d.reg, 0, "a");
	CHECK(v && v->installed && v->enabled && v->kind == VUICC_PROFILE_KIND_SEED &&
	      v->role == VUICC_PROFILE_ROLE_MASTER);
	CHECK(reg_find(&g.d.reg, 1, "b") == NULL);	/* another vuiccd's card */
	CHECK(g.d.reg.n_profs == 1);

	/* gone from the kernel: still known, no longer installed */
	K.p[0].used = false;
	CHECK(reg_snapshot(&g.d.reg) == 0);
	v = reg_find(&g.d.reg, 0, "a");
	CHECK(v && !v->installed && !v->enabled && !g.d.reg.cards[0].enabled[0]);

	/* a kernel error is the caller's to see */
	K.fail_cmd = VUICC_CMD_CARD_GET;
	K.fail_err = -EIO;
	CHECK(reg_snapshot(&g.d.reg) == -EIO);
	rig_close(&g);
}

/* profiles_dir into the kernel: cards made, files installed, the master enabled. */
static void test_provision(void)
{
	struct rig g;
	struct vprof *v;
	char path[160];

	rig_open(&g, 2, 1000);
	write_profile(&g, "m", "master", 0, "18");
	write_profile(&g, "s", "standby", 0, "26");
	write_profile(&g, "other", "master", 5, "34");	/* not one of our cards */
	CHECK(persist_resync(&g.d.store) == 0);
	CHECK(prov_run(&g.d.prov, true) == 0);
	CHECK(K.card[0] && K.card[1] && K.calls[VUICC_CMD_CARD_NEW] == 2);
	CHECK(fk_find(0, "m") && fk_find(0, "s") && !fk_find(5, "other"));
	CHECK(fk_find(0, "m") && fk_find(0, "s") && fk_find(0, "m")->enabled &&
	      !fk_find(0, "s")->enabled);
	CHECK(!strcmp(g.d.reg.cards[0].enabled, "m"));
	/* each installed profile's state and the card's choice are stored */
	CHECK(state_file(&g, "0-m.state") && state_file(&g, "0-s.state"));
	CHECK(state_file(&g, "card0.state"));
	v = reg_find(&g.d.reg, 0, "s");
	CHECK(v && v->managed && v->installed && v->has_pol && v->pol.kind == POL_SEED_STANDBY);

	/* run again, nothing changed: nothing re-installed */
	K.calls[VUICC_CMD_PROFILE_ADD] = 0;
	CHECK(prov_run(&g.d.prov, false) == 0);
	CHECK(K.calls[VUICC_CMD_PROFILE_ADD] == 0);

	/* a changed file is installed again, and stays enabled */
	write_profile(&g, "m", "master", 0, "42");
	CHECK(prov_run(&g.d.prov, false) == 0);
	CHECK(K.calls[VUICC_CMD_PROFILE_ADD] == 1 && K.calls[VUICC_CMD_PROFILE_DEL] == 1);
	CHECK(fk_find(0, "m") && fk_find(0, "m")->enabled);

	/* a file removed: out of the kernel, its state kept (the SQN array matters) */
	snprintf(path, sizeof(path), "%s/s.conf", g.profiles);
	CHECK(!unlink(path));
	CHECK(prov_run(&g.d.prov, false) == 0);
	CHECK(!fk_find(0, "s") && state_file(&g, "0-s.state"));
	v = reg_find(&g.d.reg, 0, "s");
	CHECK(v && !v->installed && !v->managed);

	/* a kernel that refuses the add: the profile says why, the others go on */
	write_profile(&g, "t", "standby", 1, "59");
	K.fail_cmd = VUICC_CMD_PROFILE_ADD;
	K.fail_err = -ENOSPC;
	CHECK(prov_run(&g.d.prov, false) == 0);
	v = reg_find(&g.d.reg, 1, "t");
	CHECK(v && !v->installed && strstr(v->last_error, "profile-add"));
	rig_close(&g);
}

/* After a restart the stored SQN array goes back into the kernel with the profile. */
static void test_restore(void)
{
	struct rig g;
	struct fk_prof *p;
	uint8_t want[6 << 5];

	rig_open(&g, 1, 1000);
	write_profile(&g, "m", "master", 0, "18");
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	p = fk_find(0, "m");
	CHECK(p != NULL);
	if (!p) {
		rig_close(&g);
		return;
	}
	fk_event_state(p, true, false);
	fk_event_state(p, true, false);
	CHECK(persist_events(&g.d.store) == 0);
	memcpy(want, p->sqn, sizeof(want));

	/* the kernel loses everything (a reboot); the store does not */
	memset(K.p, 0, sizeof(K.p));
	memset(K.card, 0, sizeof(K.card));
	rig_restart(&g);
	CHECK(persist_load(&g.d.store) == 1);
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	p = fk_find(0, "m");
	CHECK(p && p->sqn_len == sizeof(want) && !memcmp(p->sqn, want, sizeof(want)));
	CHECK(p && p->enabled);		/* the card's choice, from card0.state */
	rig_close(&g);
}

/* State events: SQN changes written once per batch, stale and lost events. */
static void test_events(void)
{
	struct rig g;
	struct fk_prof *p;
	struct vprof *v;
	unsigned int i, renames;

	if (!rig_master(&g, 1000, &p, &v))
		return;

	/* 100 challenges in one read: two writes (a batch is 64), not 100 */
	renames = io_count.renames;
	for (i = 0; i < 100; i++)
		fk_event_state(p, true, false);
	CHECK(persist_events(&g.d.store) == 0);
	CHECK(v->ps.seq == p->seq && v->events == 100);
	CHECK(io_count.renames - renames == 2);
	CHECK(!v->dirty && !v->sqn_dirty);
	CHECK(v->ps.sqn_len == p->sqn_len && !memcmp(v->ps.sqn, p->sqn, p->sqn_len));

	/* an event already seen is stale */
	p->seq--;
	fk_event_state(p, true, false);
	CHECK(persist_events(&g.d.store) == 0);
	CHECK(v->stale_events == 1);

	/* a gap: the whole state is fetched */
	p->seq += 3;
	K.calls[VUICC_CMD_STATE_GET] = 0;
	fk_event_state(p, false, false);
	CHECK(persist_events(&g.d.store) == 0);
	CHECK(K.calls[VUICC_CMD_STATE_GET] == 1 && v->ps.seq == p->seq);

	/* events lost in the socket: a full resynchronisation */
	K.overflow = true;
	K.calls[VUICC_CMD_CARD_GET] = 0;
	CHECK(persist_events(&g.d.store) == 0);
	CHECK(g.d.store.overflows == 1 && g.d.store.resyncs >= 1 && K.calls[VUICC_CMD_CARD_GET] == 1);
	rig_close(&g);
}

/* EF changes wait for write-back; a failed write is kept and retried. */
static void test_writeback(void)
{
	struct rig g;
	struct fk_prof *p;
	struct vprof *v;
	unsigned int renames;

	if (!rig_master(&g, 60000, &p, &v))
		return;
	renames = io_count.renames;
	fk_event_state(p, false, true);
	CHECK(persist_events(&g.d.store) == 0);
	CHECK(v->dirty && g.d.store.timer_armed && io_count.renames == renames);
	CHECK(v->ps.n_efs == 1 && v->ps.efs[0].len == 2 && v->ps.efs[0].data[0] == p->ef[0]);
	persist_writeback(&g.d.store, false);		/* not due yet */
	CHECK(v->dirty && io_count.renames == renames);

	/* the disk refuses: the change is kept, counted, and said */
	io_count.fail_write = -EIO;
	persist_writeback(&g.d.store, true);
	CHECK(v->dirty && v->write_errors == 1 && strstr(v->last_error, "writing"));
	io_count.fail_write = 0;
	persist_writeback(&g.d.store, true);
	CHECK(!v->dirty && !g.d.store.timer_armed && !v->last_error[0]);
	CHECK(io_count.renames > renames);

	/* read back as after a reboot: the EF is there */
	rig_restart(&g);
	CHECK(persist_load(&g.d.store) == 1);
	v = reg_find(&g.d.reg, 0, "m");
	CHECK(v && v->ps.n_efs == 1 && v->ps.efs[0].data[0] == p->ef[0]);
	rig_close(&g);
}

/* A damaged state file is set aside, not trusted and not deleted. */
static void test_damaged(void)
{
	struct rig g;
	char path[200];
	FILE *f;

	rig_open(&g, 1, 1000);
	snprintf(path, sizeof(path), "%s/0-x.state", g.state);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("not a state file at all", f);
		fclose(f);
	}
	CHECK(persist_load(&g.d.store) == 0);
	CHECK(!state_file(&g, "0-x.state") && state_file(&g, "0-x.state.damaged"));
	CHECK(reg_find(&g.d.reg, 0, "x") == NULL);
	rig_close(&g);
}

/* The SIM server's profiles: installed without a file, deleted with their state. */
static void test_remote(void)
{
	struct rig g;
	struct profile *p = calloc(1, sizeof(*p));
	struct vprof *v;

	CHECK(p != NULL);
	if (!p)
		return;
	rig_open(&g, 1, 1000);
	write_profile(&g, "m", "master", 0, "18");
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	snprintf(p->name, sizeof(p->name), "vsim-1");
	p->kind = VUICC_PROFILE_KIND_VSIM;
	CHECK(prov_install_remote(&g.d.prov, 0, p) == 0);
	v = reg_find(&g.d.reg, 0, "vsim-1");
	CHECK(v && v->installed && !strcmp(v->file, "(SIM server)"));
	CHECK(fk_find(0, "vsim-1") && state_file(&g, "0-vsim-1.state"));
	CHECK(prov_enable(&g.d.prov, 0, "vsim-1", "test") == 0);
	CHECK(!strcmp(g.d.reg.cards[0].enabled, "vsim-1"));

	/* a server profile may not take a profile file's name */
	snprintf(p->name, sizeof(p->name), "m");
	CHECK(prov_install_remote(&g.d.prov, 0, p) == -EEXIST);

	CHECK(prov_delete_remote(&g.d.prov, 0, "vsim-1") == 0);
	CHECK(!fk_find(0, "vsim-1") && !state_file(&g, "0-vsim-1.state"));
	CHECK(reg_find(&g.d.reg, 0, "vsim-1") == NULL && !g.d.reg.cards[0].enabled[0]);
	CHECK(prov_delete_remote(&g.d.prov, 0, "vsim-1") == -ENOENT);
	free(p);
	rig_close(&g);
}

/* A SIM server's standby seed (made-up test keys) as the server sends it. */
static void seed_text(char *out, size_t max, const char *name, const char *iccid, const char *imsi)
{
	snprintf(out, max, "name = %s\nkind = seed\nrole = standby\niccid = %s\nimsi = %s\n"
		 "algorithm = milenage\nk = 000102030405060708090a0b0c0d0e0f\n"
		 "opc = 0f0e0d0c0b0a09080706050403020100\nplmns = 00102\n", name, iccid, imsi);
}

static int add_seed(struct rig *g, const char *name, const char *iccid, const char *imsi)
{
	struct profile *p = calloc(1, sizeof(*p));
	char text[512], err[PROFILE_ERR_MAX];
	int ret = -1;

	seed_text(text, sizeof(text), name, iccid, imsi);
	if (p && !profile_parse(text, strlen(text), "t", p, err, sizeof(err)))
		ret = prov_add_seed(&g->d.prov, 0, p, text);
	if (p)
		profile_wipe(p);
	free(p);
	return ret;
}

/* The server's standby seeds: stored 0600, installed again after a reboot,
 * withdrawn at once or once not in use; a damaged one set aside. */
static void test_stored_seeds(void)
{
	struct rig g;
	struct stat st;
	char path[200];
	struct vprof *v;

	rig_open(&g, 1, 1000);
	write_profile(&g, "m", "master", 0, "18");
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	CHECK(add_seed(&g, "sb-1", "8988211000000000413", "001020000000041") == 0);
	CHECK(add_seed(&g, "sb-2", "8988211000000000512", "001020000000051") == 0);
	CHECK(add_seed(&g, "m", "8988211000000000611", "001020000000061") == -EEXIST);
	snprintf(path, sizeof(path), "%s/0-sb-1.seed", g.state);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fk_find(0, "sb-1") && fk_find(0, "sb-2") && !state_file(&g, "0-m.seed"));
	v = reg_find(&g.d.reg, 0, "sb-1");
	CHECK(v && v->from_server && v->has_pol && v->pol.kind == POL_SEED_STANDBY);

	/* a reboot: the kernel is empty; both come back before anything else */
	memset(K.p, 0, sizeof(K.p));
	memset(K.card, 0, sizeof(K.card));
	rig_restart(&g);
	CHECK(persist_load(&g.d.store) >= 1);
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	CHECK(fk_find(0, "sb-1") && fk_find(0, "sb-2"));
	v = reg_find(&g.d.reg, 0, "sb-2");
	CHECK(v && v->from_server && v->installed && v->seed_gen == 1);

	/* withdrawn: sb-2 (not in use) at once; sb-1 (in use) once the card moves */
	CHECK(prov_enable(&g.d.prov, 0, "sb-1", "test") == 0);
	CHECK(prov_withdraw_seed(&g.d.prov, 0, "sb-2"));
	CHECK(!fk_find(0, "sb-2") && !state_file(&g, "0-sb-2.seed") &&
	      !state_file(&g, "0-sb-2.state") && !reg_find(&g.d.reg, 0, "sb-2"));
	CHECK(prov_withdraw_seed(&g.d.prov, 0, "sb-1"));
	CHECK(fk_find(0, "sb-1") && !state_file(&g, "0-sb-1.seed"));
	prov_sweep_withdrawn(&g.d.prov, 0);
	CHECK(fk_find(0, "sb-1"));		/* still in use */
	CHECK(prov_enable(&g.d.prov, 0, "m", "test") == 0);
	prov_sweep_withdrawn(&g.d.prov, 0);
	CHECK(!fk_find(0, "sb-1") && !reg_find(&g.d.reg, 0, "sb-1"));
	/* a profile file's seed is not the server's to withdraw */
	CHECK(!prov_withdraw_seed(&g.d.prov, 0, "m") && fk_find(0, "m"));

	/* a damaged stored seed is set aside, the others still restored */
	CHECK(add_seed(&g, "sb-3", "8988211000000000710", "001020000000071") == 0);
	snprintf(path, sizeof(path), "%s/0-sb-4.seed", g.state);
	{
		FILE *f = fopen(path, "w");

		CHECK(f != NULL);
		if (f) {
			fputs("VUICCST\n-not-a-valid-header-", f);
			fclose(f);
		}
	}
	memset(K.p, 0, sizeof(K.p));
	memset(K.card, 0, sizeof(K.card));
	rig_restart(&g);
	persist_load(&g.d.store);
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	CHECK(fk_find(0, "sb-3") && !fk_find(0, "sb-4"));
	CHECK(state_file(&g, "0-sb-4.seed.damaged"));
	rig_close(&g);
}

/* The status report: the registry's view, parseable JSON, no key in either form. */
static void test_status(void)
{
	static const char *const keys[] = { "000102030405060708090a0b0c0d0e0f",
					     "0f0e0d0c0b0a09080706050403020100" };
	json_object *j, *a, *o, *x;
	struct fk_prof *p;
	struct nl_msg *m;
	struct status rep;
	struct rig g;
	char *txt;
	size_t len, i;

	rig_open(&g, 1, 1000);
	write_profile(&g, "m", "master", 0, "18");
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	p = fk_find(0, "m");
	CHECK(p != NULL);
	if (p) {
		fk_event_state(p, true, false);
		m = fk_msg(VUICC_CMD_AUTH_NTF);
		nla_put_u32(m, VUICC_A_CARD_ID, 0);
		nla_put_string(m, VUICC_A_PROFILE_NAME, "m");
		nla_put_u32(m, VUICC_A_AUTH_RESULT, 2);		/* mac-failure */
		K.ev[K.n_ev++] = m;
		CHECK(persist_events(&g.d.store) == 0);
	}
	CHECK(reg_snapshot(&g.d.reg) == 0);
	rep = (struct status){ .cfg = &g.d.cfg, .req = &g.d.req, .reg = &g.d.reg, .store = &g.d.store,
			       .modems = &g.d.modems, .pol = &g.d.pol, .loop = &g.d.loop,
			       .share = &g.d.share };
	txt = status_report(&rep, true, &len);
	CHECK(txt && strlen(txt) == len);
	j = txt ? json_tokener_parse(txt) : NULL;
	CHECK(j != NULL);
	CHECK(j && json_object_object_get_ex(j, "profiles", &a) && json_object_array_length(a) == 1);
	o = j && json_object_object_get_ex(j, "profiles", &a) ? json_object_array_get_idx(a, 0) : NULL;
	CHECK(o && json_object_object_get_ex(o, "name", &x) &&
	      !strcmp(json_object_get_string(x), "m"));
	CHECK(o && json_object_object_get_ex(o, "enabled", &x) && json_object_get_boolean(x));
	CHECK(o && json_object_object_get_ex(o, "auth", &x) &&
	      json_object_object_get_ex(x, "mac-failure", &x) && json_object_get_int(x) == 1);
	CHECK(j && json_object_object_get_ex(j, "cards", &a) && json_object_array_length(a) >= 1);
	for (i = 0; txt && i < 2; i++)
		CHECK(!strstr(txt, keys[i]));
	json_object_put(j);
	free(txt);
	txt = status_report(&rep, false, &len);
	CHECK(txt && strstr(txt, "m") && strlen(txt) == len);
	for (i = 0; txt && i < 2; i++)
		CHECK(!strstr(txt, keys[i]));
	free(txt);
	rig_close(&g);
}

/*
 * The sharing glue on a slave: a GRANT that pushes the profile installs and
 * enables it on the card; the lease running out deletes it from the kernel
 * and the store and keeps its dynamic state to return with the RELEASE.
 */
static void test_share_slave(void)
{
	static const char text[] = "name = shared\nkind = seed\nrole = standby\n"
		"iccid = 8988211000000000042\nimsi = 001010000000004\nmnc_len = 2\n"
		"algorithm = milenage\nk = 000102030405060708090a0b0c0d0e0f\n"
		"opc = 0f0e0d0c0b0a09080706050403020100\n";
	struct vshare *v = calloc(1, sizeof(*v));
	struct pstate *ps = calloc(1, sizeof(*ps));
	uint8_t *blob = malloc(SHARE_BLOB_MAX);
	struct share_msg grant;
	struct fk_prof *p;
	struct rig g;
	size_t n;
	int i;

	CHECK(v && ps && blob);
	if (!v || !ps || !blob)
		goto out;
	rig_open(&g, 1, 1000);
	snprintf(g.d.cfg.share_profile, sizeof(g.d.cfg.share_profile), "shared");
	CHECK(persist_resync(&g.d.store) == 0 && prov_run(&g.d.prov, true) == 0);
	v->cfg = &g.d.cfg;
	v->loop = &g.d.loop;
	v->reg = &g.d.reg;
	v->store = &g.d.store;
	v->prov = &g.d.prov;
	v->card = 0;
	v->role = CONFIG_SHARE_SLAVE;
	v->last_denied = -1;
	for (i = 0; i < SHARE_CONNS; i++)
		v->c[i].fd = -1;
	share_slave_init(&v->s, 1, 2000, 5000, 1000);
	v->s.want = true;
	v->s.link = true;
	vs_slave_run(v, NULL);			/* the REQUEST (no link to carry it here) */
	CHECK(v->s.state == SLV_REQUESTING);

	snprintf(ps->name, sizeof(ps->name), "shared");
	n = vs_push_blob(text, sizeof(text) - 1, ps, blob, SHARE_BLOB_MAX);
	CHECK(n > sizeof(text));
	memset(&grant, 0, sizeof(grant));
	grant.type = GRANT;
	grant.mode = GRANT_PUSH;
	grant.epoch = 1;
	grant.nonce = v->s.nonce;
	grant.lease_ms = 60000;
	grant.version = 1;
	grant.blob = blob;
	grant.blob_len = n;
	vs_slave_run(v, &grant);
	CHECK(v->s.state == SLV_ACTIVE);
	p = fk_find(0, "shared");
	CHECK(p && p->enabled && !strcmp(g.d.reg.cards[0].enabled, "shared"));
	CHECK(state_file(&g, "0-shared.state"));

	/* the lease runs out (its guard time reached); the kernel refuses the deletion */
	K.fail_cmd = VUICC_CMD_PROFILE_DEL;
	K.fail_err = -EIO;
	v->s.lease_end = vs_now();
	v->s.next_at = vs_now();
	vs_slave_run(v, NULL);
	CHECK(v->s.state != SLV_ACTIVE && v->s.held);
	CHECK(fk_find(0, "shared") != NULL);
	/* after the guard, no RELEASE (no link here, and none asked for): the deletion again */
	v->s.next_at = vs_now();
	vs_slave_run(v, NULL);
	CHECK(v->s.held && fk_find(0, "shared") != NULL);
	K.fail_cmd = 0;
	v->s.next_at = vs_now();
	vs_slave_run(v, NULL);
	CHECK(!v->s.held);
	CHECK(!fk_find(0, "shared") && !state_file(&g, "0-shared.state"));
	CHECK(reg_find(&g.d.reg, 0, "shared") == NULL && !g.d.reg.cards[0].enabled[0]);
	CHECK(v->pending && v->pending_len > 0);	/* for the RELEASE */
	free(v->pending);
	free(v->held_text);
	free(v->sealed);
	rig_close(&g);
out:
	free(blob);
	free(ps);
	free(v);
}

int main(void)
{
	RUN(test_mirror);
	RUN(test_provision);
	RUN(test_restore);
	RUN(test_events);
	RUN(test_writeback);
	RUN(test_damaged);
	RUN(test_remote);
	RUN(test_stored_seeds);
	RUN(test_status);
	RUN(test_share_slave);
	DONE();
}
