// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's side of sharing (Documentation/admin-guide/vuicc-sharing.rst):
 * start, stop, the status report, vuiccctl share's requests and the
 * timer's ticks.  The parts, bottom up, are in share_glue.h: the sealed
 * copies (share_sealed.c), the link and the secure channel on it
 * (share_link.c), pairing and the key file (share_pair.c), and the lease
 * state machines (core/share.c) wired to the card (share_lease.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "share_glue.h"

static void on_timer(void *arg, uint32_t events)
{
	struct vshare *v = arg;
	struct sconn *c;
	uint64_t tick, now = vs_now();

	if (!v)
		return;
	if (read(v->tfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
		log_debug("share timer: %s", strerror(errno));
	if (v->role == CONFIG_SHARE_MASTER) {
		vs_master_tick(v, now);
		vs_conns_expire(v, now);
		vs_arm(v);
		return;
	}
	c = &v->c[0];
	/*
	 * A link that stays silent while we wait for answers is lost: close it
	 * and connect again (the lease goes on counting meanwhile)
	 */
	if (c->fd >= 0 && c->up && c->last_tx > c->last_rx &&
	    now - c->wait_since > 2ull * v->cfg->share_answer_ms)
		vs_conn_close(v, c, "no answer");
	vs_conns_expire(v, now);
	if (c->fd < 0 && v->connect_at && now >= v->connect_at)
		vs_slave_connect(v);
	vs_slave_run(v, NULL);
}

/* ---- the master's own use, the slave's wish (vuiccctl share) ---- */

int vd_share_command(struct vshare *v, const char *cmd, char *msg, size_t max)
{

	if (!v) {
		snprintf(msg, max, "error: sharing is off (share = off)\n");
		return -EINVAL;
	}
	if (v->role == CONFIG_SHARE_MASTER && !strcmp(cmd, "take"))
		return vs_master_take(v, msg, max);
	if (v->role == CONFIG_SHARE_MASTER && !strcmp(cmd, "give"))
		return vs_master_give(v, msg, max);
	if (v->role == CONFIG_SHARE_SLAVE && (!strcmp(cmd, "on") || !strcmp(cmd, "off"))) {
		v->s.want = cmd[1] == 'n';
		log_notice("share: the profile is %s", v->s.want ? "wanted" : "no longer wanted");
		vs_slave_run(v, NULL);
		snprintf(msg, max, "ok: %s\n", v->s.want ? "wanted" : "not wanted");
		return 0;
	}
	snprintf(msg, max, "error: unknown share request '%s' (master: take, give; slave: on, off)\n",
		 cmd);
	return -EINVAL;
}

/* ---- start, stop, status ---- */

static int load_identity(struct vshare *v, struct sc_identity *id)
{
	return vd_share_key_file(v->cfg->share_key_file, id, true);
}

static int read_text(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > SHARE_BLOB_MAX / 2) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return -EIO;
	}
	close(fd);
	buf[st.st_size] = '\0';
	*text = buf;
	*len = (size_t)st.st_size;
	return 0;
}

/* The parts both roles have: the identity, the timer. */
static int share_init(struct vshare *v)
{
	int i, ret;

	v->role = v->cfg->share;
	v->card = v->cfg->card_base;
	v->lfd = -1;
	v->last_denied = -1;
	v->news = vs_news;
	for (i = 0; i < SHARE_CONNS; i++) {
		v->c[i].fd = -1;
		v->c[i].owner = v;
	}
	ret = load_identity(v, &v->id);
	if (ret) {
		log_err("share: key %s: %s", v->cfg->share_key_file, strerror(-ret));
		return ret;
	}
	v->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (v->tfd < 0)
		return -errno;
	return loop_add(v->loop, v->tfd, EPOLLIN, on_timer, v);
}

static int slave_start(struct vshare *v)
{
	struct vprof *vp;

	share_slave_init(&v->s, randombytes_random() | (uint64_t)randombytes_random() << 32,
		 v->cfg->share_guard_ms, v->cfg->share_answer_ms, v->cfg->share_retry_ms);
	v->s.want = v->cfg->share_want;
	vs_sealed_load(v);
	v->keep_copy = v->sealed != NULL;
	/* a slave that starts holds no lease: whatever a share left goes */
	vp = reg_find(v->reg, v->card, v->cfg->share_profile);
	if (vp && !vp->managed) {
		log_notice("share: profile %s was left from a lease before this start: deleted",
			   v->cfg->share_profile);
		prov_delete_remote(v->prov, v->card, v->cfg->share_profile);
	}
	log_notice("share: slave of %s, profile %s, %s", v->cfg->share_connect,
		   v->cfg->share_profile, v->s.want ? "wanted" : "not wanted");
	vs_slave_connect(v);
	vs_arm(v);
	return 0;
}

/* The master: the profile shared must parse and carry the name given. */
static int master_read_profile(struct vshare *v)
{
	char err[PROFILE_ERR_MAX];
	struct profile *p;
	int ret;

	ret = read_text(v->cfg->share_profile_file, &v->text, &v->text_len);
	if (ret) {
		log_err("share: %s: %s", v->cfg->share_profile_file, strerror(-ret));
		return ret;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = profile_parse(v->text, v->text_len, v->cfg->share_profile_file, p, err, sizeof(err));
	if (!ret && strcmp(p->name, v->cfg->share_profile)) {
		snprintf(err, sizeof(err), "it is profile %s, not %s", p->name, v->cfg->share_profile);
		ret = -1;
	}
	profile_wipe(p);
	free(p);
	if (ret) {
		log_err("share: %s", err);
		return -EINVAL;
	}
	return 0;
}

static int master_start(struct vshare *v)
{
	struct vprof *vp;
	uint64_t epoch;
	int ret;

	ret = master_read_profile(v);
	if (ret)
		return ret;
	snprintf(v->ps.name, sizeof(v->ps.name), "%s", v->cfg->share_profile);
	v->ps.card = v->card;
	if (vs_lease_load(v, &epoch))
		return -EBADMSG;
	share_master_init(&v->m, vs_now(), epoch, v->cfg->share_lease_ms, v->cfg->share_drift_ms);
	vp = reg_find(v->reg, v->card, v->cfg->share_profile);
	if (vp && vp->installed && epoch) {
		/* its own use went on while no vuiccd ran (share take before a restart) */
		v->m.state = MST_SELF;
		v->m.holder = SHARE_PEER_NONE;
		log_notice("share: card %u still holds %s: the master's own use goes on (share give ends it)",
			   v->card, v->cfg->share_profile);
	}
	v->m.compare = v->cfg->share_compare;
	crypto_generichash(v->wrap, sizeof(v->wrap), (const uint8_t *)"vuicc share wrap 1", 18,
			   v->id.sk, sizeof(v->id.sk));
	crypto_generichash(v->m.digest, SHARE_DIGEST_LEN, (const uint8_t *)v->text,
			   v->text_len, NULL, 0);
	v->m.ready = true;
	ret = vs_listen(v);
	if (ret)
		return ret;
	log_notice("share: master of profile %s on %s; lease %u ms, margin %u ms, %s%s",
		   v->cfg->share_profile, v->cfg->share_listen, v->cfg->share_lease_ms,
		   v->cfg->share_drift_ms, v->cfg->share_compare ? "share_mode compare" :
		   "share_mode push", epoch ? "; waiting out a lease from before the restart" : "");
	vs_arm(v);
	return 0;
}

int vd_share_start(struct vshare **out, const struct config *cfg, struct loop *loop,
		   struct registry *reg, struct persist *store, struct provision *prov)
{
	struct vshare *v;
	int ret;

	*out = NULL;
	if (!cfg->share)
		return 0;
	if (!cfg->n_share_peers) {
		log_err("share: no share_peer_key: pair with a peer first (vuiccd --share-pair CODE)");
		return -ENOKEY;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*out = v;
	v->cfg = cfg;
	v->loop = loop;
	v->reg = reg;
	v->store = store;
	v->prov = prov;
	ret = share_init(v);
	if (ret)
		return ret;
	if (v->role == CONFIG_SHARE_SLAVE)
		return slave_start(v);
	return master_start(v);
}

/*
 * A slave that stops while it holds a lease leaves the network and gives
 * the lease back with the card's state: deactivate, wait the guard time
 * (the modem's detach), send RELEASE, wait a while for RELEASED.
 */
static void slave_stop(struct vshare *v)
{
	struct timespec guard = { .tv_sec = v->cfg->share_guard_ms / 1000,
				  .tv_nsec = (long)(v->cfg->share_guard_ms % 1000) * 1000000 };
	struct sconn *c = &v->c[0];
	struct pollfd pfd;
	uint64_t end;

	if (v->s.state != SLV_ACTIVE)
		return;
	log_notice("share: stopping with lease %llu: deactivating and giving it back",
		   (unsigned long long)v->s.epoch);
	v->s.want = false;
	vs_slave_run(v, NULL);
	if (c->fd < 0 || !c->up)
		return;
	nanosleep(&guard, NULL);
	vs_slave_run(v, NULL);
	end = vs_now() + v->cfg->share_answer_ms;
	while (c->fd >= 0 && v->s.pending_state && vs_now() < end) {
		pfd.fd = c->fd;
		pfd.events = POLLIN | (c->out_len ? POLLOUT : 0);
		if (poll(&pfd, 1, (int)(end - vs_now())) <= 0)
			break;
		vs_conn_event(v, 0, (pfd.revents & POLLIN ? EPOLLIN : 0) |
			    (pfd.revents & POLLOUT ? EPOLLOUT : 0) |
			    (pfd.revents & (POLLHUP | POLLERR) ? EPOLLHUP : 0));
	}
	if (v->s.pending_state)
		log_warn("share: the master did not take lease %llu back; it runs out by itself",
			 (unsigned long long)v->s.epoch);
}

void vd_share_stop(struct vshare **vp)
{
	struct vshare *v = *vp;
	int i;

	if (!v)
		return;
	if (v->role == CONFIG_SHARE_SLAVE)
		slave_stop(v);
	for (i = 0; i < SHARE_CONNS; i++)
		if (v->c[i].fd >= 0) {
			loop_del(v->loop, v->c[i].fd);
			close(v->c[i].fd);
			sc_session_wipe(&v->c[i].sess);
			sc_hs_wipe(&v->c[i].hs);
		}
	if (v->lfd >= 0) {
		loop_del(v->loop, v->lfd);
		close(v->lfd);
	}
	if (v->text) {
		sodium_memzero(v->text, v->text_len);
		free(v->text);
	}
	if (v->pending) {
		sodium_memzero(v->pending, v->pending_len);
		free(v->pending);
	}
	if (v->held_text) {
		sodium_memzero(v->held_text, v->held_text_len);
		free(v->held_text);
	}
	if (v->sealed) {
		sodium_memzero(v->sealed, v->sealed_len);
		free(v->sealed);
	}
	sodium_memzero(v->wrap, sizeof(v->wrap));
	sodium_memzero(v->grant_key, sizeof(v->grant_key));
	pstate_clear(&v->ps);
	sc_identity_wipe(&v->id);
	loop_del(v->loop, v->tfd);
	close(v->tfd);
	free(v);
	*vp = NULL;
}

static void master_status(const struct vshare *v, FILE *f, bool json, uint64_t now, int links)
{
	char holder[32];

	if (v->m.state == MST_SELF)
		snprintf(holder, sizeof(holder), "master");
	else if (v->m.state != MST_GRANTED)
		snprintf(holder, sizeof(holder), "none");
	else if (v->m.holder == SHARE_PEER_UNKNOWN)
		snprintf(holder, sizeof(holder), "unknown");
	else
		snprintf(holder, sizeof(holder), "peer%d", v->m.holder);
	if (json) {
		fprintf(f, ",\"share\":{\"role\":\"master\",\"profile\":\"%s\",\"state\":\"%s\","
			"\"holder\":\"%s\",\"epoch\":%llu,\"version\":%llu,\"held_ms\":%llu,"
			"\"links\":%d,\"grants\":%lu,\"pushes\":%lu,\"activations\":%lu,"
			"\"denies\":%lu,\"stale\":%lu,\"expiries\":%lu,\"releases\":%lu,"
			"\"tampered\":%lu,\"replayed\":%lu,\"malformed\":%lu,\"refused\":%lu}",
			v->cfg->share_profile, share_master_state_name(v->m.state), holder,
			(unsigned long long)v->m.epoch, (unsigned long long)v->m.version,
			(unsigned long long)(v->m.state == MST_GRANTED && v->m.held_until > now ?
					     v->m.held_until - now : 0),
			links, v->m.grants, v->m.pushes, v->m.activations, v->m.denies,
			v->m.stale, v->m.expiries, v->m.releases, v->tampered, v->replayed,
			v->malformed, v->refused);
		return;
	}
	fprintf(f, "\nshare: master of %s (%s)\n  lease: %s, holder %s, epoch %llu",
		v->cfg->share_profile, v->cfg->share_compare ? "compare" : "push",
		share_master_state_name(v->m.state), holder, (unsigned long long)v->m.epoch);
	if (v->m.state == MST_GRANTED && v->m.held_until > now)
		fprintf(f, ", held for %llu ms more", (unsigned long long)(v->m.held_until - now));
	fprintf(f, "\n  links %d; grants %lu (pushed %lu, activated %lu), refused %lu, stale %lu, expired %lu, released %lu\n"
		"  records dropped: %lu tampered, %lu replayed; %lu malformed; %lu handshakes refused\n",
		links, v->m.grants, v->m.pushes, v->m.activations, v->m.denies, v->m.stale,
		v->m.expiries, v->m.releases, v->tampered, v->replayed, v->malformed, v->refused);
}

static void slave_status(const struct vshare *v, FILE *f, bool json, uint64_t now)
{

	if (json) {
		fprintf(f, ",\"share\":{\"role\":\"slave\",\"profile\":\"%s\",\"state\":\"%s\","
			"\"epoch\":%llu,\"lease_ms\":%llu,\"link\":%s,\"want\":%s,\"requests\":%lu,"
			"\"grants\":%lu,\"denies\":%lu,\"renewals\":%lu,\"expiries\":%lu,\"stale\":%lu,"
			"\"tampered\":%lu,\"replayed\":%lu,\"malformed\":%lu,"
			"\"kernel_deadline_ms\":%llu,\"kernel_renewals_refused\":%lu}",
			v->cfg->share_profile, share_slave_state_name(v->s.state), (unsigned long long)v->s.epoch,
			(unsigned long long)(v->s.state == SLV_ACTIVE && v->s.lease_end > now ?
					     v->s.lease_end - now : 0),
			v->s.link ? "true" : "false", v->s.want ? "true" : "false", v->s.requests,
			v->s.grants, v->s.denies, v->s.renewals, v->s.expiries, v->s.stale,
			v->tampered, v->replayed, v->malformed,
			(unsigned long long)(v->kdeadline > now ? v->kdeadline - now : 0),
			v->renewals_refused);
		return;
	}
	fprintf(f, "\nshare: slave of %s, profile %s\n  lease: %s, epoch %llu", v->cfg->share_connect,
		v->cfg->share_profile, share_slave_state_name(v->s.state), (unsigned long long)v->s.epoch);
	if (v->s.state == SLV_ACTIVE && v->s.lease_end > now)
		fprintf(f, ", %llu ms left", (unsigned long long)(v->s.lease_end - now));
	if (v->kdeadline > now)
		fprintf(f, "; the kernel disables it in %llu ms unless renewed",
			(unsigned long long)(v->kdeadline - now));
	if (v->renewals_refused)
		fprintf(f, "; %lu renewals refused by the kernel", v->renewals_refused);
	fprintf(f, "\n  link %s; requests %lu, grants %lu, refused %lu, renewals %lu, expired %lu, stale %lu\n"
		"  records dropped: %lu tampered, %lu replayed; %lu malformed\n",
		v->s.link ? "up" : "down", v->s.requests, v->s.grants, v->s.denies, v->s.renewals,
		v->s.expiries, v->s.stale, v->tampered, v->replayed, v->malformed);
}

void vd_share_status(const struct vshare *v, FILE *f, bool json)
{
	uint64_t now = vs_now();
	int i, links = 0;

	if (!v)
		return;
	for (i = 0; i < SHARE_CONNS; i++)
		links += v->c[i].fd >= 0 && v->c[i].up;
	if (v->role == CONFIG_SHARE_MASTER)
		master_status(v, f, json, now, links);
	else
		slave_status(v, f, json, now);
}
