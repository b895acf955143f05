// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's persistence of the kernel's state (persist.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/log.h"
#include "persist.h"

int persist_init(struct persist *p, struct registry *reg, struct vnl *req, struct vnl *ev,
		 struct loop *loop, const struct store_io *io, int dirfd,
		 const char *state_dir, unsigned int writeback_ms)
{
	memset(p, 0, sizeof(*p));
	p->reg = reg;
	p->req = req;
	p->ev = ev;
	p->loop = loop;
	p->io = io;
	p->dirfd = dirfd;
	p->state_dir = state_dir;
	p->writeback_ms = writeback_ms;
	p->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return p->timerfd < 0 ? -errno : 0;
}

void persist_close(struct persist *p)
{
	if (p->timerfd >= 0)
		close(p->timerfd);
	p->timerfd = -1;
}

int persist_save(struct persist *p, struct vprof *v)
{
	uint64_t now = loop_now_ms();
	int ret = pstate_save(p->dirfd, &v->ps, p->io);

	/* how long the oldest change waited for the disk: the bound, measured */
	if (!ret && v->dirty && v->dirty_since && now > v->dirty_since &&
	    now - v->dirty_since > v->max_pending_ms)
		v->max_pending_ms = now - v->dirty_since;

	if (ret) {
		v->write_errors++;
		snprintf(v->last_error, sizeof(v->last_error), "writing its state: %s",
			 strerror(-ret));
		log_err("card %u profile %s: cannot write its state: %s; trying again", v->ps.card,
			v->ps.name, strerror(-ret));
		/* again after max(writeback_ms, 1 s), not in a loop */
		v->dirty = true;
		v->dirty_since = loop_now_ms() +
			(p->writeback_ms < 1000 ? 1000 - p->writeback_ms : 0);
		persist_arm_timer(p);
		return ret;
	}
	if (v->write_errors && v->last_error[0] && !strncmp(v->last_error, "writing", 7))
		v->last_error[0] = '\0';
	v->writes++;
	v->in_store = true;
	v->dirty = false;
	v->dirty_since = 0;
	return 0;
}

void persist_save_card(struct persist *p, uint32_t card)
{
	struct registry *r = p->reg;
	struct vcard *c = &r->cards[card];
	int ret;

	if (!strcmp(c->cs.enabled, c->enabled) && c->cs.gen)
		return;
	c->cs.card = card;
	strcpy(c->cs.enabled, c->enabled);
	ret = cstate_save(p->dirfd, &c->cs, p->io);
	if (ret)
		log_err("card %u: cannot write its state: %s", card, strerror(-ret));
}

/* Moves every copy of @base aside as BASE*.damaged, for a human to look at. */
static void set_aside(struct persist *p, const char *base)
{
	static const char *const suffix[] = { "", ".tmp", ".prev" };
	char from[300], to[320];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", base, suffix[i]);
		snprintf(to, sizeof(to), "%s.damaged", from);
		if (!renameat(p->dirfd, from, p->dirfd, to))
			log_err("state: moved %s aside as %s", from, to);
	}
	fsync(p->dirfd);
}

int persist_load(struct persist *p)
{
	struct registry *r = p->reg;
	char note[512], base[300], name[VUICC_PROFILE_NAME_MAX + 1];
	struct dirent *e;
	struct pstate ps;
	struct vprof *v;
	unsigned int card;
	size_t n;
	DIR *dir;
	int fd, ret, count = 0;

	fd = dup(p->dirfd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((e = readdir(dir))) {
		snprintf(base, sizeof(base), "%s", e->d_name);
		n = strlen(base);
		if (n > 4 && !strcmp(base + n - 4, ".tmp"))
			base[n -= 4] = '\0';
		else if (n > 5 && !strcmp(base + n - 5, ".prev"))
			base[n -= 5] = '\0';
		if (n < 7 || strcmp(base + n - 6, ".state"))
			continue;
		base[n - 6] = '\0';
		if (sscanf(base, "card%u", &card) == 1 && !strchr(base, '-')) {
			if (card >= VUICC_CARDS_MAX || r->cards[card].cs.gen)
				continue;
			ret = cstate_load(p->dirfd, card, &r->cards[card].cs, note, sizeof(note));
			if (ret == -EBADMSG) {
				log_err("state: card %u: %s", card, note);
				strcat(base, ".state");
				set_aside(p, base);
			} else if (!ret && note[0]) {
				log_warn("state: card %u: recovered from an older copy (%s)", card, note);
			}
			continue;
		}
		if (sscanf(base, "%u-", &card) != 1 || card >= VUICC_CARDS_MAX)
			continue;
		snprintf(name, sizeof(name), "%s", strchr(base, '-') + 1);
		if (reg_find(r, card, name))
			continue;
		ret = pstate_load(p->dirfd, card, name, &ps, note, sizeof(note));
		if (ret == -EBADMSG) {
			log_err("state: card %u profile %s: no valid copy (%s); starting afresh",
				card, name, note);
			strcat(base, ".state");
			set_aside(p, base);
			continue;
		}
		if (ret)
			continue;
		if (note[0])
			log_warn("state: card %u profile %s: recovered from an older copy (%s)",
				 card, name, note);
		v = reg_get(r, card, name);
		if (!v) {
			pstate_clear(&ps);
			continue;
		}
		pstate_clear(&v->ps);
		v->ps = ps;
		v->in_store = true;
		count++;
	}
	closedir(dir);
	log_info("state: %d profile states read from %s", count, p->state_dir);
	return count;
}

/* ---- the kernel's state ---- */

static int state_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct vprof *v = arg;
	uint64_t seq;

	if (cmd != VUICC_CMD_STATE_GET || !tb[VUICC_A_STATE_SEQ])
		return 0;
	seq = nla_get_u64(tb[VUICC_A_STATE_SEQ]);
	if (reg_apply(v, nlh, tb) || seq != v->ps.seq || !v->in_store) {
		v->ps.seq = seq;
		v->dirty = true;
	}
	return 0;
}

int persist_fetch_state(struct persist *p, struct vprof *v)
{
	struct nl_msg *m = vnl_request(p->req, VUICC_CMD_STATE_GET, 0);
	int ret;

	if (!m)
		return -ENOMEM;
	nla_put_u32(m, VUICC_A_CARD_ID, v->ps.card);
	nla_put_string(m, VUICC_A_PROFILE_NAME, v->ps.name);
	ret = vnl_transact(p->req, m, state_cb, v);
	if (ret) {
		if (ret == -ENOENT)
			v->installed = false;
		else
			log_err("card %u profile %s: state-get: %s", v->ps.card, v->ps.name,
				p->req->err);
		return ret;
	}
	v->resyncs++;
	if (v->dirty)
		return persist_save(p, v);
	return 0;
}

int persist_resync(struct persist *p)
{
	struct registry *r = p->reg;
	size_t i;
	int ret;

	p->resyncs++;
	ret = reg_snapshot(r);
	if (ret)
		return ret;
	for (i = 0; i < r->n_profs; i++)
		if (r->profs[i]->installed)
			persist_fetch_state(p, r->profs[i]);
	return 0;
}

/* ---- events ---- */

/*
 * At most this many events are handled before the SQN arrays they carry
 * are written: under a burst of challenges one write (two fsyncs) covers
 * many of them, so vuiccd keeps up with the card instead of falling ever
 * further behind with one write per event.
 */
#define VD_EVENT_BATCH	64

struct ev_ctx {
	struct persist *p;
	bool refresh;
	unsigned int n;
};

/* The SQN arrays read since the last batch (and the EF changes with them). */
static void save_sqn_batch(struct persist *p, struct ev_ctx *x)
{
	struct registry *r = p->reg;
	size_t i;

	for (i = 0; i < r->n_profs; i++) {
		if (!r->profs[i]->sqn_dirty)
			continue;
		r->profs[i]->sqn_dirty = false;
		r->profs[i]->dirty = true;
		persist_save(p, r->profs[i]);
	}
	x->n = 0;
}

/* A state-ntf of @v: applied in order, stale ones dropped, a gap fetched whole. */
static void state_ntf(struct ev_ctx *x, struct vprof *v, const struct nlmsghdr *nlh,
		      struct nlattr **tb)
{
	struct persist *p = x->p;
	uint64_t seq;

	v->events++;
	seq = nla_get_u64(tb[VUICC_A_STATE_SEQ]);
	if (seq <= v->ps.seq) {
		v->stale_events++;
		return;
	}
	if (seq != v->ps.seq + 1) {
		log_info("card %u profile %s: state events %llu..%llu missed; fetching the state",
			 v->ps.card, v->ps.name, (unsigned long long)v->ps.seq + 1,
			 (unsigned long long)seq - 1);
		persist_fetch_state(p, v);
		return;
	}
	reg_apply(v, nlh, tb);
	v->ps.seq = seq;
	if (tb[VUICC_A_SQN_STATE] || !p->writeback_ms) {
		/*
		 * the SQN array when this batch of events ends, before
		 * vuiccd waits again: a lost one would let a replay in
		 */
		v->sqn_dirty = true;
		if (!v->dirty_since)
			v->dirty_since = loop_now_ms();
		if (++x->n >= VD_EVENT_BATCH)
			save_sqn_batch(p, x);
	} else if (!v->dirty) {
		v->dirty = true;
		v->dirty_since = loop_now_ms();
		persist_arm_timer(p);
	}
}

static int event_cb(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct ev_ctx *x = arg;
	struct persist *p = x->p;
	struct registry *r = p->reg;
	struct vprof *v = NULL;
	uint32_t card = tb[VUICC_A_CARD_ID] ? nla_get_u32(tb[VUICC_A_CARD_ID]) : 0;
	uint32_t res;

	if (tb[VUICC_A_CARD_ID] && !reg_mine(r, card))
		return 0;	/* another vuiccd's card */
	if (tb[VUICC_A_PROFILE_NAME])
		v = reg_find(r, card, nla_get_string(tb[VUICC_A_PROFILE_NAME]));
	switch (cmd) {
	case VUICC_CMD_STATE_NTF:
		if (!v || !tb[VUICC_A_STATE_SEQ])
			x->refresh = true;
		else
			state_ntf(x, v, nlh, tb);
		return 0;
	case VUICC_CMD_AUTH_NTF:
		if (!v || !tb[VUICC_A_AUTH_RESULT])
			return 0;
		/* enum vuicc_auth_result starts at 1 (success) */
		res = nla_get_u32(tb[VUICC_A_AUTH_RESULT]) - 1;
		if (res < 4) {
			v->auth[res]++;
			v->last_auth = (int)res;
			v->last_auth_time = time(NULL);
			if (res)
				loop_event(p->loop, "card %u: %s: authentication %s", card, v->ps.name,
					 reg_auth_names[res]);
		}
		return 0;
	case VUICC_CMD_CARD_RESET_NTF:
		loop_event(p->loop, "card %u reset", card);
		x->refresh = true;
		return 0;
	case VUICC_CMD_CARD_POWER_NTF:
		loop_event(p->loop, "card %u powered %s", card,
			 tb[VUICC_A_CARD_POWERED] && nla_get_u8(tb[VUICC_A_CARD_POWERED]) ? "on" : "off");
		x->refresh = true;
		return 0;
	case VUICC_CMD_PROFILE_EXPIRE_NTF:
		log_warn("card %u: the kernel disabled profile %s: its deadline passed", card,
			 tb[VUICC_A_PROFILE_NAME] ? nla_get_string(tb[VUICC_A_PROFILE_NAME]) : "?");
		loop_event(p->loop, "card %u: deadline passed, profile disabled by the kernel", card);
		x->refresh = true;
		return 0;
	case VUICC_CMD_CARD_NEW_NTF:
	case VUICC_CMD_CARD_DEL_NTF:
	case VUICC_CMD_PROFILE_ADD_NTF:
	case VUICC_CMD_PROFILE_DEL_NTF:
	case VUICC_CMD_PROFILE_ENABLE_NTF:
		/* the events say what happened, not in which order with ours: ask */
		x->refresh = true;
		return 0;
	}
	return 0;
}

int persist_events(struct persist *p)
{
	struct registry *r = p->reg;
	struct ev_ctx x = { .p = p };
	size_t i;
	int ret;

	ret = vnl_events_read(p->ev, event_cb, &x);
	save_sqn_batch(p, &x);
	if (ret == -ENOBUFS) {
		p->overflows++;
		log_warn("kernel events were lost (socket buffer full); fetching every state");
		loop_event(p->loop, "events lost: full resynchronisation");
		return persist_resync(p);
	}
	if (ret < 0) {
		log_err("reading kernel events: %s", strerror(-ret));
		return ret;
	}
	if (x.refresh) {
		for (i = 0; i < r->n_profs; i++)
			r->profs[i]->was_installed = r->profs[i]->installed;
		reg_snapshot(r);
		/*
		 * A profile added (again) by someone else: the kernel counts its
		 * state-seq afresh, so take its state now, not from the events
		 */
		for (i = 0; i < r->n_profs; i++)
			if (r->profs[i]->installed && !r->profs[i]->was_installed)
				persist_fetch_state(p, r->profs[i]);
		/* which profile is in use, for the next boot */
		for (i = r->card_base; i < REG_CARD_END(r); i++)
			if (r->cards[i].exists)
				persist_save_card(p, (uint32_t)i);
		/* profiles that appeared: their state from now on */
		for (i = 0; i < r->n_profs; i++)
			if (r->profs[i]->installed && !r->profs[i]->in_store)
				persist_fetch_state(p, r->profs[i]);
	}
	return 0;
}

/* ---- write-back ---- */

void persist_arm_timer(struct persist *p)
{
	struct registry *r = p->reg;
	struct itimerspec its = { 0 };
	uint64_t next = 0, t;
	size_t i;

	for (i = 0; i < r->n_profs; i++) {
		if (!r->profs[i]->dirty)
			continue;
		t = r->profs[i]->dirty_since + p->writeback_ms;
		if (!next || t < next)
			next = t;
	}
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
		/* a deadline already past still fires */
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(p->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
	p->timer_armed = next != 0;
}

void persist_writeback(struct persist *p, bool all)
{
	struct registry *r = p->reg;
	uint64_t now = loop_now_ms();
	size_t i;

	for (i = 0; i < r->n_profs; i++) {
		struct vprof *v = r->profs[i];

		if (v->dirty && (all || v->dirty_since + p->writeback_ms <= now))
			persist_save(p, v);
	}
	persist_arm_timer(p);
}

void persist_on_timer(struct persist *p)
{
	uint64_t tick;

	if (read(p->timerfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
		log_debug("timer: %s", strerror(errno));
	persist_writeback(p, false);
}

/* Every copy of the store file @base (NAME, .prev, .tmp) wiped and unlinked. */
static int forget_copies(struct persist *p, const char *base, uint32_t card, const char *name)
{
	static const char *const suffix[] = { "", ".prev", ".tmp" };
	char path[VUICC_PROFILE_NAME_MAX + 80];
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", base, suffix[i]);
		if (store_unlink_wiped(p->dirfd, path, p->io) && errno != ENOENT) {
			log_err("card %u profile %s: %s: %s", card, name, path, strerror(errno));
			ret = -errno;
		}
	}
	fsync(p->dirfd);
	return ret;
}

int persist_forget(struct persist *p, uint32_t card, const char *name)
{
	char base[VUICC_PROFILE_NAME_MAX + 64];

	pstate_filename(card, name, base, sizeof(base));
	return forget_copies(p, base, card, name);
}

/* ---- the SIM server's standby seeds; other blobs ---- */

static void seed_filename(uint32_t card, const char *name, char *out, size_t max)
{
	snprintf(out, max, "%u-%s.seed", card, name);
}

int persist_save_seed(struct persist *p, uint32_t card, const char *name, const char *text,
		      uint64_t gen)
{
	char fname[VUICC_PROFILE_NAME_MAX + 32];
	int ret;

	seed_filename(card, name, fname, sizeof(fname));
	ret = store_write_blob(p->dirfd, fname, STORE_KIND_SEED, gen + 1,
			       (const uint8_t *)text, strlen(text), p->io);
	if (ret)
		log_err("card %u: standby seed %s: not stored (%s): a reboot would lose it",
			card, name, strerror(-ret));
	return ret;
}

int persist_forget_seed(struct persist *p, uint32_t card, const char *name)
{
	char base[VUICC_PROFILE_NAME_MAX + 32];

	seed_filename(card, name, base, sizeof(base));
	return forget_copies(p, base, card, name);
}

/* The stored seed's text to @fn, NUL-terminated, then wiped. */
static int seed_to(struct persist *p, uint32_t card, const char *name, const char *fname,
		   void (*fn)(void *arg, uint32_t card, const char *name, const char *text,
			      size_t len, uint64_t gen),
		   void *arg)
{
	char note[512], *text;
	uint8_t *buf;
	uint64_t gen;
	size_t len;
	int ret;

	ret = store_read_blob(p->dirfd, fname, STORE_KIND_SEED, &buf, &len, &gen, note,
			      sizeof(note));
	if (ret == -EBADMSG) {
		log_err("state: card %u standby seed %s: no valid copy (%s); the server gives it again",
			card, name, note);
		set_aside(p, fname);
		return ret;
	}
	if (ret)
		return ret;
	if (note[0])
		log_warn("state: card %u standby seed %s: recovered from an older copy (%s)",
			 card, name, note);
	text = malloc(len + 1);
	if (text) {
		memcpy(text, buf, len);
		text[len] = '\0';
		fn(arg, card, name, text, len, gen);
		explicit_bzero(text, len);
		free(text);
	}
	explicit_bzero(buf, len);
	free(buf);
	return text ? 0 : -ENOMEM;
}

int persist_load_seeds(struct persist *p, uint64_t cards,
		       void (*fn)(void *arg, uint32_t card, const char *name, const char *text,
				  size_t len, uint64_t gen),
		       void *arg)
{
	/* each name once, whichever of its copies readdir() shows first */
	char done[VD_PROFILES_MAX][VUICC_PROFILE_NAME_MAX + 16];
	char base[300], name[VUICC_PROFILE_NAME_MAX + 1];
	unsigned int n_done = 0, i, card;
	const char *dash;
	struct dirent *e;
	size_t n, nlen;
	int fd, count = 0;
	DIR *dir;

	fd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(dir))) {
		snprintf(base, sizeof(base), "%s", e->d_name);
		n = strlen(base);
		if (n > 4 && !strcmp(base + n - 4, ".tmp"))
			base[n -= 4] = '\0';
		else if (n > 5 && !strcmp(base + n - 5, ".prev"))
			base[n -= 5] = '\0';
		if (n < 8 || strcmp(base + n - 5, ".seed"))
			continue;
		dash = strchr(base, '-');
		if (!dash || sscanf(base, "%u-", &card) != 1 || card >= 64 || !(cards >> card & 1))
			continue;
		nlen = (size_t)(base + n - 5 - (dash + 1));
		if (!nlen || nlen > VUICC_PROFILE_NAME_MAX)
			continue;
		for (i = 0; i < n_done && strcmp(done[i], base); i++)
			;
		if (i < n_done || n_done == VD_PROFILES_MAX)
			continue;
		snprintf(done[n_done++], sizeof(done[0]), "%s", base);
		snprintf(name, sizeof(name), "%.*s", (int)nlen, dash + 1);
		if (!seed_to(p, card, name, base, fn, arg))
			count++;
	}
	closedir(dir);
	return count;
}

int persist_save_blob(struct persist *p, const char *fname, uint16_t kind, uint64_t gen,
		      const uint8_t *buf, size_t len)
{
	return store_write_blob(p->dirfd, fname, kind, gen, buf, len, p->io);
}

int persist_load_blob(struct persist *p, const char *fname, uint16_t kind, uint8_t **buf,
		      size_t *len, uint64_t *gen)
{
	char note[512];
	int ret = store_read_blob(p->dirfd, fname, kind, buf, len, gen, note, sizeof(note));

	if (ret == -EBADMSG) {
		log_err("state: %s: no valid copy (%s); starting afresh", fname, note);
		set_aside(p, fname);
	} else if (!ret && note[0]) {
		log_warn("state: %s: recovered from an older copy (%s)", fname, note);
	}
	return ret;
}
