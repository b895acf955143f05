// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's side of sharing (Documentation/admin-guide/vuicc-sharing.rst):
 * the link (TCP, or RFCOMM through BlueZ sockets), the secure channel
 * (share_chan.c) on it, and the lease state machines (share.c) wired to
 * the card: a slave installs and enables what a GRANT pushes and deletes
 * it (kernel and store) when its lease ends; a master keeps the shared
 * profile's dynamic state and the fencing epoch in its store.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <time.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "core/share.h"
#include "core/share_chan.h"
#include "lib/store.h"
#include "vuiccd.h"

#define SHARE_CONNS		CONFIG_SHARE_PEERS
#define STORE_KIND_SHARE	3
#define BAD_RECORDS_MAX		3
#define HANDSHAKE_MS		10000	/* a connection not secured by then is closed */

/* BlueZ's RFCOMM socket address (bluetooth/rfcomm.h), without libbluetooth */
#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH		31
#endif
#define BTPROTO_RFCOMM		3
struct vd_sockaddr_rc {
	sa_family_t rc_family;
	uint8_t rc_bdaddr[6];	/* little-endian, as BlueZ keeps it */
	uint8_t rc_channel;
};

struct sconn {
	int fd;			/* -1: none */
	bool connecting;	/* non-blocking connect() under way */
	bool up;		/* handshake done */
	struct sc_hs hs;
	struct sc_session sess;
	int peer;
	unsigned int bad;
	uint64_t last_rx, last_tx;
	uint64_t wait_since;	/* the first message sent since the last one received */
	uint64_t since;		/* connected (accepted or dialled) at */
	size_t in_len, out_len;
	uint8_t in[2 * SC_REC_MAX_LEN];
	uint8_t out[4 * SC_REC_MAX_LEN];
	struct vshare *owner;	/* (not cleared with the rest on accept) */
};

struct vshare {
	struct vd *d;
	int role;
	uint32_t card;
	struct sc_identity id;
	int tfd, lfd;
	struct sconn c[SHARE_CONNS];
	struct share_master m;
	struct share_slave s;
	/* master: the profile shared and its dynamic state */
	char *text;
	size_t text_len;
	struct pstate ps;
	uint64_t gen;
	/* slave: the dynamic state to return */
	uint8_t *pending;
	size_t pending_len;
	/* slave, share_mode compare: the profile while active, the sealed copy after */
	char *held_text;
	size_t held_text_len;
	uint8_t grant_key[SHARE_KEY_LEN];
	uint8_t *sealed;
	size_t sealed_len;
	uint64_t sealed_saved_version;
	bool keep_copy;
	uint64_t key_epoch;	/* the lease whose key grant_key is (what seals the next copy) */
	int last_denied;	/* the peer refused last; -1: none since a grant */
	uint64_t give_at;	/* master: its own use ends (MST_SELF -> MST_FREE) then */
	bool connect_failing;	/* said once until a connection works */
	/* master, compare: the keys of the sealed copies derive from it */
	uint8_t wrap[SHARE_KEY_LEN];
	uint64_t connect_at;
	unsigned long tampered, replayed, malformed, stale, links, link_losses, refused;
	uint64_t activated_at, deactivated_at;
};


/*
 * The leases' clock: CLOCK_BOOTTIME, which goes on counting while the
 * system is suspended (a suspended slave's modem may stay attached, so its
 * lease must run out meanwhile, as the master's does).
 */
static uint64_t share_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* slave: the lease's GRANT brought a key, so a sealed copy is kept (compare) */
static bool d_compare(const struct vshare *v)
{
	return v->keep_copy;
}

static uint8_t msgbuf[SHARE_MSG_MAX], ptbuf[SC_REC_MAX];

/* ---- the store: epoch, version, dynamic state ---- */

static int lease_save(struct vshare *v)
{
	static uint8_t buf[16 + STORE_PAYLOAD_MAX];
	char name[VUICC_PROFILE_NAME_MAX + 16];
	size_t n;
	int i, ret;

	for (i = 0; i < 8; i++) {
		buf[i] = (uint8_t)(v->m.epoch >> (56 - 8 * i));
		buf[8 + i] = (uint8_t)(v->m.version >> (56 - 8 * i));
	}
	n = pstate_encode(&v->ps, buf + 16, sizeof(buf) - 16);
	snprintf(name, sizeof(name), "share-%s.lease", v->d->cfg.share_profile);
	ret = store_write_blob(v->d->store.dirfd, name, STORE_KIND_SHARE, ++v->gen, buf, 16 + n,
			       v->d->store.io);
	sodium_memzero(buf, 16 + n);
	if (ret)
		log_err("share: cannot write %s: %s", name, strerror(-ret));
	return ret;
}

static int lease_load(struct vshare *v, uint64_t *epoch)
{
	char name[VUICC_PROFILE_NAME_MAX + 16], note[200];
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t n;
	int i, ret;

	*epoch = 0;
	snprintf(name, sizeof(name), "share-%s.lease", v->d->cfg.share_profile);
	ret = store_read_blob(v->d->store.dirfd, name, STORE_KIND_SHARE, &buf, &n, &v->gen, note,
			      sizeof(note));
	if (ret == -ENOENT)
		return 0;
	if (ret || n < 16) {
		log_err("share: %s: no valid copy; the epoch cannot be trusted, refusing to share",
			name);
		free(buf);
		return -EBADMSG;
	}
	for (i = 0; i < 8; i++) {
		*epoch = *epoch << 8 | buf[i];
		v->m.version = v->m.version << 8 | buf[8 + i];
	}
	ret = pstate_decode(buf + 16, n - 16, &v->ps, &why);
	sodium_memzero(buf, n);
	free(buf);
	if (ret)
		log_warn("share: %s: its card state is damaged (%s); starting from the profile's",
			 name, why ? why : "?");
	return 0;
}

/* ---- the dynamic state on the wire: a pstate without the secret EFs ---- */

static size_t state_blob(const struct pstate *from, uint8_t *out, size_t max)
{
	struct pstate *t = calloc(1, sizeof(*t));
	size_t i, n = 0;

	if (!t)
		return 0;
	snprintf(t->name, sizeof(t->name), "%s", from->name);
	t->sqn_len = from->sqn_len;
	memcpy(t->sqn, from->sqn, from->sqn_len);
	/* session keys stay behind: the next holder authenticates afresh */
	for (i = 0; i < from->n_efs; i++)
		if (!ef_path_secret(from->efs[i].path, from->efs[i].path_len))
			pstate_set_ef(t, from->efs[i].path, from->efs[i].path_len,
				      from->efs[i].data, from->efs[i].len);
	n = pstate_encode(t, out, max);
	pstate_clear(t);
	free(t);
	return n > max ? 0 : n;
}

/*
 * What a push carries: the profile text's length (4 bytes), the text, the
 * card's dynamic state (state_blob()).  0 when it does not fit in @max.
 */
static size_t push_blob(const char *text, size_t text_len, const struct pstate *ps,
			uint8_t *out, size_t max)
{
	size_t n;

	if (4 + text_len > max)
		return 0;
	out[0] = (uint8_t)(text_len >> 24);
	out[1] = (uint8_t)(text_len >> 16);
	out[2] = (uint8_t)(text_len >> 8);
	out[3] = (uint8_t)text_len;
	memcpy(out + 4, text, text_len);
	if (!ps)
		return 4 + text_len;
	n = state_blob(ps, out + 4 + text_len, max - 4 - text_len);
	/* a card state that does not fit would start the next card afresh: refuse */
	if (!n && (ps->sqn_len || ps->n_efs))
		return 0;
	return 4 + text_len + n;
}

/* ---- the link ---- */

static int in_netns(const struct config *cfg, int (*fn)(void *), void *arg)
{
	char path[128];
	int self, ns, ret;

	if (!cfg->share_netns[0])
		return fn(arg);
	snprintf(path, sizeof(path), "/run/netns/%s", cfg->share_netns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
		ret = -errno;
		log_err("share: network namespace %s: %s", cfg->share_netns, strerror(errno));
		if (self >= 0)
			close(self);
		if (ns >= 0)
			close(ns);
		return ret;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET))
		log_err("share: back to vuiccd's network namespace: %s", strerror(errno));
	close(self);
	close(ns);
	return ret;
}

struct addr {
	bool rfcomm;
	char host[128], port[16];
	uint8_t bdaddr[6];
	uint8_t channel;
	bool listen;
	int fd;
};

static int parse_addr(const char *s, struct addr *a)
{
	unsigned int b[6], ch;
	const char *colon;

	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "tcp:", 4)) {
		s += 4;
		colon = strrchr(s, ':');
		if (!colon || colon == s || (size_t)(colon - s) >= sizeof(a->host) ||
		    strlen(colon + 1) >= sizeof(a->port))
			return -EINVAL;
		memcpy(a->host, s, (size_t)(colon - s));
		if (a->host[0] == '[' && a->host[strlen(a->host) - 1] == ']') {
			memmove(a->host, a->host + 1, strlen(a->host));
			a->host[strlen(a->host) - 1] = '\0';
		}
		strcpy(a->port, colon + 1);
		return 0;
	}
	a->rfcomm = true;
	s += 7;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x:%u", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &ch) == 7) {
		for (int i = 0; i < 6; i++)
			a->bdaddr[i] = (uint8_t)b[5 - i];
	} else if (sscanf(s, "%u", &ch) != 1) {
		return -EINVAL;
	}
	if (ch < 1 || ch > 30)
		return -EINVAL;
	a->channel = (uint8_t)ch;
	return 0;
}

static int open_socket(void *arg)
{
	struct addr *a = arg;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int fd, on = 1, ret;

	if (a->rfcomm) {
		struct vd_sockaddr_rc rc = { .rc_family = AF_BLUETOOTH, .rc_channel = a->channel };

		memcpy(rc.rc_bdaddr, a->bdaddr, 6);
		fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, BTPROTO_RFCOMM);
		if (fd < 0)
			return -errno;
		if (a->listen)
			ret = bind(fd, (struct sockaddr *)&rc, sizeof(rc)) || listen(fd, 4) ? -errno : 0;
		else
			ret = connect(fd, (struct sockaddr *)&rc, sizeof(rc)) && errno != EINPROGRESS ?
			      -errno : 0;
		if (ret) {
			close(fd);
			return ret;
		}
		a->fd = fd;
		return 0;
	}
	if (a->listen)
		hints.ai_flags = AI_PASSIVE;
	ret = getaddrinfo(a->host, a->port, &hints, &res);
	if (ret || !res)
		return -EHOSTUNREACH;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		freeaddrinfo(res);
		return ret;
	}
	if (a->listen) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		ret = bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 4) ? -errno : 0;
	} else {
		ret = connect(fd, res->ai_addr, res->ai_addrlen) && errno != EINPROGRESS ? -errno : 0;
	}
	freeaddrinfo(res);
	if (ret) {
		close(fd);
		return ret;
	}
	a->fd = fd;
	return 0;
}

static void arm(struct vshare *v);

static void on_conn(void *arg, uint32_t events);

static void conn_poll(struct vshare *v, struct sconn *c)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (c->connecting || c->out_len)
		ev.events |= EPOLLOUT;
	loop_add(&v->d->loop, c->fd, ev.events, on_conn, c);
}

static void slave_run(struct vshare *v, const struct share_msg *in);

static void conn_close(struct vshare *v, struct sconn *c, const char *why)
{
	if (c->fd < 0)
		return;
	loop_del(&v->d->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->up) {
		v->link_losses++;
		if (v->role == CONFIG_SHARE_MASTER)
			log_notice("share: link to peer %d lost (%s); a lease it holds runs out by itself",
				   c->peer, why);
		else
			log_notice("share: link to the master lost (%s)", why);
		loop_event(&v->d->loop, "share: link %s lost (%s)",
			 v->role == CONFIG_SHARE_MASTER ? "to a slave" : "to the master", why);
	} else {
		log_info("share: connection closed before the handshake ended (%s)", why);
	}
	sc_hs_wipe(&c->hs);
	sc_session_wipe(&c->sess);
	c->up = c->connecting = false;
	c->in_len = c->out_len = 0;
	c->bad = 0;
	if (v->role == CONFIG_SHARE_SLAVE) {
		v->connect_at = share_now() + v->d->cfg.share_retry_ms;
		v->s.link = false;
		slave_run(v, NULL);
	}
}

static void conn_flush(struct vshare *v, struct sconn *c)
{
	ssize_t n;

	while (c->out_len) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_close(v, c, strerror(errno));
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->fd >= 0)
		conn_poll(v, c);
}

static int conn_queue(struct vshare *v, struct sconn *c, const uint8_t *buf, size_t len)
{
	if (len > sizeof(c->out) - c->out_len) {
		conn_close(v, c, "the peer does not read");
		return -ENOBUFS;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (c->last_rx >= c->last_tx)
		c->wait_since = share_now();
	c->last_tx = share_now();
	conn_flush(v, c);
	return 0;
}

static int send_msg(struct vshare *v, struct sconn *c, const struct share_msg *m)
{
	static uint8_t rec[SC_REC_MAX_LEN];
	size_t rlen;
	int n, ret;

	if (c->fd < 0 || !c->up)
		return -ENOTCONN;
	n = share_msg_encode(m, msgbuf, sizeof(msgbuf));
	if (n < 0) {
		log_err("share: %s: cannot encode: %s", share_msg_name(m->type), strerror(-n));
		return n;
	}
	ret = sc_seal(&c->sess, msgbuf, (size_t)n, rec, sizeof(rec), &rlen);
	sodium_memzero(msgbuf, (size_t)n);
	if (ret) {
		conn_close(v, c, "the channel's counter is used up");
		return ret;
	}
	log_debug("share: -> %s epoch %llu", share_msg_name(m->type), (unsigned long long)m->epoch);
	return conn_queue(v, c, rec, rlen);
}

/* ---- share_mode compare: sealed copies ---- */

/* The key of the copy that peer @peer seals under lease @epoch. */
static void copy_key(struct vshare *v, int peer, uint64_t epoch, uint8_t key[SHARE_KEY_LEN])
{
	uint8_t msg[SC_KEY_LEN + 8];
	int i;

	memcpy(msg, v->d->cfg.share_peer_key[peer], SC_KEY_LEN);
	for (i = 0; i < 8; i++)
		msg[SC_KEY_LEN + i] = (uint8_t)(epoch >> (56 - 8 * i));
	crypto_generichash(key, SHARE_KEY_LEN, msg, sizeof(msg), v->wrap, sizeof(v->wrap));
}

#define STORE_KIND_SEALED	4

static void sealed_name(struct vshare *v, char *name, size_t max)
{
	snprintf(name, max, "share-%s.sealed", v->d->cfg.share_profile);
}

static void sealed_drop(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16], path[VUICC_PROFILE_NAME_MAX + 24];
	static const char *const suffix[] = { "", ".prev", ".tmp" };
	size_t i;

	if (v->sealed) {
		sodium_memzero(v->sealed, v->sealed_len);
		free(v->sealed);
	}
	v->sealed = NULL;
	v->sealed_len = 0;
	v->sealed_saved_version = 0;
	v->s.version = 0;
	v->s.copy_epoch = 0;
	memset(v->s.digest, 0, sizeof(v->s.digest));
	sealed_name(v, name, sizeof(name));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", name, suffix[i]);
		unlinkat(v->d->store.dirfd, path, 0);
	}
}

/* The copy held, with the version the master gave its state, on disk. */
static void sealed_save(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16];
	uint8_t *buf;
	size_t n = 48 + v->sealed_len;
	int i;

	buf = malloc(n);
	if (!buf)
		return;
	for (i = 0; i < 8; i++) {
		buf[i] = (uint8_t)(v->s.version >> (56 - 8 * i));
		buf[8 + i] = (uint8_t)(v->s.copy_epoch >> (56 - 8 * i));
	}
	memcpy(buf + 16, v->s.digest, 32);
	memcpy(buf + 48, v->sealed, v->sealed_len);
	sealed_name(v, name, sizeof(name));
	if (!store_write_blob(v->d->store.dirfd, name, STORE_KIND_SEALED, v->s.version, buf, n, v->d->store.io))
		v->sealed_saved_version = v->s.version;
	free(buf);
}

static void sealed_load(struct vshare *v)
{
	char name[VUICC_PROFILE_NAME_MAX + 16];
	uint8_t *buf = NULL;
	uint64_t gen;
	size_t n;
	int i;

	sealed_name(v, name, sizeof(name));
	if (store_read_blob(v->d->store.dirfd, name, STORE_KIND_SEALED, &buf, &n, &gen, NULL, 0) ||
	    n <= 48 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
		free(buf);
		return;
	}
	for (i = 0; i < 8; i++) {
		v->s.version = v->s.version << 8 | buf[i];
		v->s.copy_epoch = v->s.copy_epoch << 8 | buf[8 + i];
	}
	memcpy(v->s.digest, buf + 16, 32);
	v->sealed_len = n - 48;
	v->sealed = malloc(v->sealed_len);
	if (v->sealed)
		memcpy(v->sealed, buf + 48, v->sealed_len);
	else
		v->s.version = 0;
	v->sealed_saved_version = v->s.version;
	free(buf);
	log_info("share: a sealed copy of %s is held (state version %llu)",
		 v->d->cfg.share_profile, (unsigned long long)v->s.version);
}

/* After a deactivation: profile and state sealed under the lease's key, the key gone. */
static void sealed_make(struct vshare *v, const uint8_t *state, size_t state_len)
{
	size_t pt_len = 4 + v->held_text_len + state_len;
	uint8_t *pt = malloc(pt_len);
	uint8_t *box = malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + pt_len);

	if (!pt || !box || !v->held_text) {
		free(pt);
		free(box);
		sealed_drop(v);
		return;
	}
	push_blob(v->held_text, v->held_text_len, NULL, pt, pt_len);
	memcpy(pt + 4 + v->held_text_len, state, state_len);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, pt, pt_len, box, v->grant_key);
	sodium_memzero(pt, pt_len);
	free(pt);
	if (v->sealed) {
		sodium_memzero(v->sealed, v->sealed_len);
		free(v->sealed);
	}
	v->sealed = box;
	v->sealed_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + pt_len;
	crypto_generichash(v->s.digest, SHARE_DIGEST_LEN, (const uint8_t *)v->held_text,
			   v->held_text_len, NULL, 0);
	v->s.copy_epoch = v->key_epoch;
	v->sealed_saved_version = 0;
}

/* ---- the master ---- */

/* A lease that ran out: the state's version moved, so it goes to the store. */
static void master_expire(struct vshare *v)
{
	if (share_master_timer(&v->m, share_now()) != SHARE_MASTER_EXPIRED)
		return;
	lease_save(v);
	log_notice("share: lease %llu ran out (its holder neither renewed nor released it); the profile is free",
		   (unsigned long long)v->m.epoch);
	loop_event(&v->d->loop, "share: lease %llu expired", (unsigned long long)v->m.epoch);
}

static void master_recv(struct vshare *v, struct sconn *c, const struct share_msg *in)
{
	static uint8_t blob[SHARE_BLOB_MAX];
	struct share_msg out;
	struct pstate *t;
	const char *bad = NULL;
	char why[300];
	size_t n;
	int r;

	master_expire(v);
	r = share_master_recv(&v->m, share_now(), c->peer, in, &out, why, sizeof(why));
	switch (r) {
	case SHARE_MASTER_GRANT:
		/* the epoch is on disk before any slave can use it */
		if (lease_save(v)) {
			v->m.state = MST_FREE;
			return;
		}
		if (v->m.compare)
			copy_key(v, c->peer, out.mode == GRANT_ACTIVATE ? in->epoch : out.epoch,
				 out.key);
		if (out.mode == GRANT_PUSH) {
			n = push_blob(v->text, v->text_len, &v->ps, blob, sizeof(blob));
			if (!n) {
				log_err("share: the profile is larger than a GRANT can carry");
				return;
			}
			out.blob = blob;
			out.blob_len = n;
		}
		v->last_denied = -1;
		log_notice("share: GRANT: %s", why);
		loop_event(&v->d->loop, "share: lease %llu granted to peer %d", (unsigned long long)out.epoch,
			 c->peer);
		send_msg(v, c, &out);
		sodium_memzero(blob, sizeof(blob));
		sodium_memzero(out.key, sizeof(out.key));
		return;
	case SHARE_MASTER_DENY:
		/* a slave asks again every few seconds: the first refusal said it */
		if (v->last_denied != c->peer) {
			log_notice("share: DENY peer %d: %s", c->peer, why);
			loop_event(&v->d->loop, "share: peer %d refused: %s", c->peer,
				 share_deny_name(out.reason));
		} else {
			log_info("share: DENY peer %d again: %s", c->peer, why);
		}
		v->last_denied = c->peer;
		send_msg(v, c, &out);
		return;
	case SHARE_MASTER_RENEWED:
		send_msg(v, c, &out);
		return;
	case SHARE_MASTER_STALE:
	case SHARE_MASTER_RELEASED:
		if (in->type == RELEASE && in->blob_len) {
			t = calloc(1, sizeof(*t));
			if (t && !pstate_decode(in->blob, in->blob_len, t, &bad)) {
				pstate_merge_sqn(&v->ps, t->sqn, t->sqn_len);
				if (r == SHARE_MASTER_RELEASED) {
					for (n = 0; n < t->n_efs; n++)
						pstate_set_ef(&v->ps, t->efs[n].path, t->efs[n].path_len,
							      t->efs[n].data, t->efs[n].len);
				}
			} else {
				log_warn("share: peer %d: RELEASE with a damaged state (%s)", c->peer,
					 bad ? bad : "no memory");
			}
			if (t)
				pstate_clear(t);
			free(t);
		}
		if (r == SHARE_MASTER_RELEASED || in->blob_len)
			lease_save(v);	/* the version moved, or the SQN array did */
		if (r == SHARE_MASTER_STALE) {
			v->stale++;
			log_warn("share: peer %d: %s", c->peer, why);
			loop_event(&v->d->loop, "share: stale %s from peer %d rejected",
				 share_msg_name(in->type), c->peer);
		} else {
			log_notice("share: %s", why);
			loop_event(&v->d->loop, "share: peer %d released lease %llu", c->peer,
				 (unsigned long long)in->epoch);
		}
		send_msg(v, c, &out);
		return;
	default:
		log_warn("share: peer %d: %s", c->peer, why);
	}
}

/* ---- the slave ---- */

static int slave_install_blob(struct vshare *v, const struct share_msg *g);

static int slave_install(struct vshare *v, const struct share_msg *g)
{
	struct share_msg pushed;
	uint8_t *pt;
	size_t pt_len;
	int ret;

	v->keep_copy = !sodium_is_zero(g->key, SHARE_KEY_LEN);
	if (d_compare(v)) {
		memcpy(v->grant_key, g->key, SHARE_KEY_LEN);
		/* an activation brings the key of the copy's epoch, a push its own */
		v->key_epoch = g->mode == GRANT_ACTIVATE ? v->s.copy_epoch : g->epoch;
	}
	if (g->mode == GRANT_PUSH)
		return slave_install_blob(v, g);
	/* the activation command: open the copy held with the key it brings */
	if (!v->sealed || v->sealed_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return -ENOENT;
	pt_len = v->sealed_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	pt = malloc(pt_len ? pt_len : 1);
	if (!pt)
		return -ENOMEM;
	if (crypto_secretbox_open_easy(pt, v->sealed + crypto_secretbox_NONCEBYTES,
				       v->sealed_len - crypto_secretbox_NONCEBYTES, v->sealed,
				       g->key)) {
		log_err("share: the activation's key does not open the copy held; dropping it");
		free(pt);
		sealed_drop(v);
		return -EBADMSG;
	}
	pushed = *g;
	pushed.mode = GRANT_PUSH;
	pushed.blob = pt;
	pushed.blob_len = pt_len;
	ret = slave_install_blob(v, &pushed);
	sodium_memzero(pt, pt_len);
	free(pt);
	return ret;
}

static int slave_install_blob(struct vshare *v, const struct share_msg *g)
{
	struct vd *d = v->d;
	struct profile *p = NULL;
	struct pstate *t = NULL;
	const char *bad = NULL;
	char err[PROFILE_ERR_MAX];
	struct vprof *vp;
	size_t tlen, i;
	int ret = -EBADMSG;

	if (g->mode != GRANT_PUSH || g->blob_len < 4)
		goto out;
	tlen = (size_t)g->blob[0] << 24 | (size_t)g->blob[1] << 16 | (size_t)g->blob[2] << 8 |
	       g->blob[3];
	if (tlen > g->blob_len - 4)
		goto out;
	p = calloc(1, sizeof(*p));
	t = calloc(1, sizeof(*t));
	if (!p || !t) {
		ret = -ENOMEM;
		goto out;
	}
	if (profile_parse((const char *)g->blob + 4, tlen, "(shared)", p, err, sizeof(err))) {
		log_err("share: the pushed profile does not parse: %s", err);
		goto out;
	}
	if (strcmp(p->name, d->cfg.share_profile)) {
		log_err("share: the master pushed profile %s, not %s", p->name,
			d->cfg.share_profile);
		goto out;
	}
	if (d_compare(v)) {
		/* kept while active, to seal the copy at the end */
		if (v->held_text)
			sodium_memzero(v->held_text, v->held_text_len);
		free(v->held_text);
		v->held_text = malloc(tlen);
		if (v->held_text)
			memcpy(v->held_text, g->blob + 4, tlen);
		v->held_text_len = v->held_text ? tlen : 0;
	}
	if (g->blob_len > 4 + tlen &&
	    pstate_decode(g->blob + 4 + tlen, g->blob_len - 4 - tlen, t, &bad)) {
		log_err("share: the pushed card state is damaged (%s)", bad ? bad : "?");
		goto out;
	}
	p->card = (int)v->card;
	vp = reg_get(&d->reg, v->card, p->name);
	if (!vp) {
		ret = -ENOSPC;
		goto out;
	}
	/* the card continues from the last holder's state */
	pstate_clear(&vp->ps);
	snprintf(vp->ps.name, sizeof(vp->ps.name), "%s", p->name);
	vp->ps.card = v->card;
	vp->ps.sqn_len = t->sqn_len;
	memcpy(vp->ps.sqn, t->sqn, t->sqn_len);
	for (i = 0; i < t->n_efs; i++)
		pstate_set_ef(&vp->ps, t->efs[i].path, t->efs[i].path_len, t->efs[i].data,
			      t->efs[i].len);
	ret = prov_install_remote(&d->prov, v->card, p);
	if (!ret)
		ret = prov_enable(&d->prov, v->card, p->name, "shared by the master");
out:
	if (p) {
		profile_wipe(p);
		free(p);
	}
	if (t) {
		pstate_clear(t);
		free(t);
	}
	return ret;
}

static void slave_deactivate(struct vshare *v, const char *why)
{
	static uint8_t blob[SHARE_BLOB_MAX];
	struct vd *d = v->d;
	struct vprof *vp = reg_find(&d->reg, v->card, d->cfg.share_profile);
	size_t n = 0;

	if (vp) {
		/* the card's state as it is now, then the profile out of kernel and store */
		persist_fetch_state(&d->store, vp);
		n = state_blob(&vp->ps, blob, sizeof(blob));
		if (prov_delete_remote(&d->prov, v->card, d->cfg.share_profile))
			log_err("share: cannot delete the shared profile; it stays disabled");
	}
	free(v->pending);
	v->pending = n ? malloc(n) : NULL;
	v->pending_len = v->pending ? n : 0;
	if (v->pending)
		memcpy(v->pending, blob, n);
	if (d_compare(v)) {
		sealed_make(v, blob, n);
		if (v->held_text) {
			sodium_memzero(v->held_text, v->held_text_len);
			free(v->held_text);
		}
		v->held_text = NULL;
		v->held_text_len = 0;
	}
	sodium_memzero(v->grant_key, sizeof(v->grant_key));
	sodium_memzero(blob, n);
	v->deactivated_at = share_now();
	log_notice("share: lease %llu: %s; profile %s deleted from the card and the store",
		   (unsigned long long)v->s.epoch, why, d->cfg.share_profile);
	loop_event(&d->loop, "share: deactivated (%s)", why);
}

static void slave_run(struct vshare *v, const struct share_msg *in)
{
	struct share_slv_out o;
	int i, ret;

	for (i = 0; i < 4; i++) {
		ret = share_slave_step(&v->s, share_now(), in, &o);
		if (ret && o.why[0])
			log_warn("share: %s", o.why);
		if (o.activate) {
			v->activated_at = share_now();
			log_notice("share: %s", o.why);
			loop_event(&v->d->loop, "share: active under lease %llu", (unsigned long long)v->s.epoch);
			if (slave_install(v, in)) {
				log_err("share: cannot activate the shared profile; giving the lease up");
				v->s.lease_end = share_now();
			}
		}
		if (o.deactivate)
			slave_deactivate(v, o.why);
		if (o.send) {
			if (o.msg.type == RELEASE) {
				o.msg.blob = v->pending;
				o.msg.blob_len = v->pending_len;
			}
			send_msg(v, &v->c[0], &o.msg);
		}
		in = NULL;
		if (!o.send && !o.activate && !o.deactivate)
			break;
	}
	if (!v->s.pending_state && v->pending) {
		sodium_memzero(v->pending, v->pending_len);
		free(v->pending);
		v->pending = NULL;
		v->pending_len = 0;
	}
	/* the copy held: kept with the version the master gave it, or dropped */
	if (v->sealed && v->s.state == SLV_IDLE && !v->s.pending_state) {
		if (!v->s.version || !d_compare(v))
			sealed_drop(v);
		else if (v->s.version != v->sealed_saved_version)
			sealed_save(v);
	}
	arm(v);
}

static int slave_connect(struct vshare *v)
{
	struct sconn *c = &v->c[0];
	struct addr a;
	int ret;

	v->connect_at = 0;
	if (parse_addr(v->d->cfg.share_connect, &a))
		return -EINVAL;
	ret = in_netns(&v->d->cfg, open_socket, &a);
	if (ret) {
		if (!v->connect_failing)
			log_notice("share: connecting to %s: %s; trying every %u ms",
				   v->d->cfg.share_connect, strerror(-ret), v->d->cfg.share_retry_ms);
		v->connect_failing = true;
		v->connect_at = share_now() + v->d->cfg.share_retry_ms;
		return ret;
	}
	memset(c, 0, offsetof(struct sconn, in));
	c->fd = a.fd;
	c->connecting = true;
	c->peer = 0;
	c->last_rx = c->since = share_now();
	conn_poll(v, c);
	return 0;
}

/* ---- input ---- */

static void conn_records(struct vshare *v, struct sconn *c)
{
	struct share_msg m;
	size_t used, len;
	ssize_t need;
	int ret;

	while (c->fd >= 0 && c->in_len) {
		need = sc_record_need(c->in, c->in_len);
		if (need < 0) {
			conn_close(v, c, "a record longer than the maximum");
			return;
		}
		if ((size_t)need > c->in_len)
			return;
		ret = sc_open(&c->sess, c->in, c->in_len, &used, ptbuf, sizeof(ptbuf), &len);
		if (ret == -EAGAIN)
			return;
		if (ret == -EBADMSG || ret == -EALREADY) {
			if (ret == -EBADMSG)
				v->tampered++;
			else
				v->replayed++;
			log_warn("share: peer %d: a record %s: dropped", c->peer,
				 ret == -EBADMSG ? "failed its tag (tampered or forged)" :
						   "was replayed (counter seen or too old)");
			loop_event(&v->d->loop, "share: %s record from peer %d dropped",
				 ret == -EBADMSG ? "tampered" : "replayed", c->peer);
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
			if (++c->bad >= BAD_RECORDS_MAX) {
				conn_close(v, c, "too many bad records");
				return;
			}
			continue;
		}
		if (ret) {
			conn_close(v, c, strerror(-ret));
			return;
		}
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		c->last_rx = share_now();
		if (share_msg_decode(&m, ptbuf, len)) {
			v->malformed++;
			log_warn("share: peer %d: a malformed message (%zu bytes): ignored", c->peer, len);
			sodium_memzero(ptbuf, len);
			continue;
		}
		log_debug("share: <- %s epoch %llu", share_msg_name(m.type),
			  (unsigned long long)m.epoch);
		if (v->role == CONFIG_SHARE_MASTER)
			master_recv(v, c, &m);
		else
			slave_run(v, &m);
		sodium_memzero(ptbuf, len);
	}
}

static void conn_handshake(struct vshare *v, struct sconn *c)
{
	uint8_t out[SC_HS_MAX_LEN];
	size_t want, olen = 0;
	int ret, i;

	while (c->fd >= 0 && !c->up) {
		want = sc_hs_expect(&c->hs);
		if (c->in_len < want)
			return;
		ret = sc_hs_step(&c->hs, c->in, want, out, sizeof(out), &olen);
		if (ret < 0) {
			v->refused++;
			log_warn("share: handshake failed: %s", ret == -EACCES ?
				 "the peer's key is not pinned (share_peer_key)" :
				 ret == -EBADMSG ? "a key check failed (wrong key, or tampered)" :
				 strerror(-ret));
			loop_event(&v->d->loop, "share: handshake refused");
			conn_close(v, c, "handshake failed");
			return;
		}
		memmove(c->in, c->in + want, c->in_len - want);
		c->in_len -= want;
		if (olen)
			conn_queue(v, c, out, olen);
		if (c->fd < 0)
			return;
		if (ret == 1) {
			if (sc_hs_finish(&c->hs, &c->sess, &c->peer)) {
				conn_close(v, c, "handshake");
				return;
			}
			c->up = true;
			c->last_rx = share_now();
			v->links++;
			v->connect_failing = false;
			/* one link per peer: an older one of the same peer is dead or replaced */
			if (v->role == CONFIG_SHARE_MASTER)
				for (i = 0; i < SHARE_CONNS; i++)
					if (&v->c[i] != c && v->c[i].fd >= 0 && v->c[i].up &&
					    v->c[i].peer == c->peer)
						conn_close(v, &v->c[i], "the peer connected again");
			log_notice("share: secure channel up with %s %d",
				   v->role == CONFIG_SHARE_MASTER ? "peer" : "the master", c->peer);
			if (v->role == CONFIG_SHARE_SLAVE) {
				v->s.link = true;
				slave_run(v, NULL);
			}
		}
	}
	if (c->up)
		conn_records(v, c);
}

static void conn_start_hs(struct vshare *v, struct sconn *c)
{
	uint8_t out[SC_HS_MAX_LEN];
	size_t olen = 0;
	int ret;

	if (v->role == CONFIG_SHARE_SLAVE) {
		ret = sc_hs_init_initiator(&c->hs, &v->id, v->d->cfg.share_peer_key[0]);
		if (!ret)
			ret = sc_hs_step(&c->hs, NULL, 0, out, sizeof(out), &olen);
		if (ret < 0) {
			conn_close(v, c, "handshake");
			return;
		}
		conn_queue(v, c, out, olen);
	} else {
		sc_hs_init_responder(&c->hs, &v->id,
				     (const uint8_t (*)[SC_KEY_LEN])v->d->cfg.share_peer_key,
				     v->d->cfg.n_share_peers);
	}
}

static void conn_event(struct vshare *v, uint32_t idx, uint32_t events)
{
	struct vd *d = v->d;
	struct sconn *c;
	socklen_t sl = sizeof(int);
	ssize_t n;
	int fd, err = 0, i;

	if (!v)
		return;
	if (idx == SHARE_CONNS) {
		fd = accept4(v->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < SHARE_CONNS && v->c[i].fd >= 0; i++)
			;
		if (i == SHARE_CONNS) {
			/*
			 * Full: a link that died silently (out of range) never
			 * closes by itself; the one heard from longest ago goes
			 */
			int old = 0, k;

			for (k = 1; k < SHARE_CONNS; k++)
				if (v->c[k].last_rx < v->c[old].last_rx)
					old = k;
			log_notice("share: %d links already; closing the one silent longest", SHARE_CONNS);
			conn_close(v, &v->c[old], "its slot was needed");
			i = old;
		}
		c = &v->c[i];
		memset(c, 0, offsetof(struct sconn, in));
		c->fd = fd;
		c->peer = -1;
		c->last_rx = c->since = share_now();
		conn_start_hs(v, c);
		if (c->fd >= 0)
			conn_poll(v, c);
		return;
	}
	if (idx >= SHARE_CONNS)
		return;
	c = &v->c[idx];
	if (c->fd < 0)
		return;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			loop_del(&v->d->loop, c->fd);
			close(c->fd);
			c->fd = -1;
			c->connecting = false;
			if (!v->connect_failing)
				log_notice("share: connecting to %s: %s; trying every %u ms",
					   d->cfg.share_connect, strerror(err), d->cfg.share_retry_ms);
			v->connect_failing = true;
			v->connect_at = share_now() + d->cfg.share_retry_ms;
			arm(v);
			return;
		}
		c->connecting = false;
		conn_start_hs(v, c);
		if (c->fd >= 0)
			conn_poll(v, c);
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(v, c);
	if (c->fd < 0 || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(v, c, n ? strerror(errno) : "closed by the peer");
		return;
	}
	c->in_len += (size_t)n;
	if (c->up)
		conn_records(v, c);
	else
		conn_handshake(v, c);
	if (v->role == CONFIG_SHARE_MASTER)
		arm(v);
}

/* ---- time ---- */

/* Connections that did not finish their handshake in time: their slot back. */
static void conns_expire(struct vshare *v, uint64_t now)
{
	int i;

	for (i = 0; i < SHARE_CONNS; i++)
		if (v->c[i].fd >= 0 && !v->c[i].up && now - v->c[i].since >= HANDSHAKE_MS)
			conn_close(v, &v->c[i], "no handshake within 10 s");
}

static uint64_t conns_deadline(const struct vshare *v)
{
	uint64_t t = 0, x;
	int i;

	for (i = 0; i < SHARE_CONNS; i++) {
		if (v->c[i].fd < 0 || v->c[i].up)
			continue;
		x = v->c[i].since + HANDSHAKE_MS;
		if (!t || x < t)
			t = x;
	}
	return t;
}

static void arm(struct vshare *v)
{
	struct itimerspec its = { 0 };
	uint64_t t = 0, x;

	x = conns_deadline(v);
	if (v->role == CONFIG_SHARE_MASTER) {
		t = share_master_deadline(&v->m);
		if (v->give_at && (!t || v->give_at < t))
			t = v->give_at;
		if (x && (!t || x < t))
			t = x;
	} else {
		t = x;
		x = share_slave_deadline(&v->s);
		if (x && (!t || x < t))
			t = x;
		if (v->connect_at && (!t || v->connect_at < t))
			t = v->connect_at;
		/* a link that answers nothing while we wait for answers: looked at again */
		if (v->c[0].fd >= 0 && v->c[0].up && v->c[0].last_tx > v->c[0].last_rx) {
			x = v->c[0].wait_since + 2ull * v->d->cfg.share_answer_ms + 1;
			if (!t || x < t)
				t = x;
		}
	}
	if (t) {
		its.it_value.tv_sec = (time_t)(t / 1000);
		its.it_value.tv_nsec = (long)(t % 1000) * 1000000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(v->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_conn(void *arg, uint32_t events)
{
	struct sconn *c = arg;

	conn_event(c->owner, (uint32_t)(c - c->owner->c), events);
}

static void on_listen(void *arg, uint32_t events)
{
	conn_event(arg, SHARE_CONNS, events);
}

static void on_timer(void *arg, uint32_t events)
{
	struct vshare *v = arg;
	struct vd *d = v->d;
	struct sconn *c;
	uint64_t tick, now = share_now();

	if (!v)
		return;
	if (read(v->tfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
		log_debug("share timer: %s", strerror(errno));
	if (v->role == CONFIG_SHARE_MASTER) {
		if (v->give_at && now >= v->give_at) {
			v->give_at = 0;
			share_master_give(&v->m);
			lease_save(v);
			log_notice("share: the master's own use of %s ended; the profile is free",
				   d->cfg.share_profile);
			loop_event(&d->loop, "share: master's own use ended");
		}
		master_expire(v);
		conns_expire(v, now);
		arm(v);
		return;
	}
	c = &v->c[0];
	/*
	 * A link that stays silent while we wait for answers is lost: close it
	 * and connect again (the lease goes on counting meanwhile)
	 */
	if (c->fd >= 0 && c->up && c->last_tx > c->last_rx &&
	    now - c->wait_since > 2ull * d->cfg.share_answer_ms)
		conn_close(v, c, "no answer");
	conns_expire(v, now);
	if (c->fd < 0 && v->connect_at && now >= v->connect_at)
		slave_connect(v);
	slave_run(v, NULL);
}

/* ---- the master's own use, the slave's wish (vuiccctl share) ---- */

static int master_take(struct vshare *v, char *msg, size_t max)
{
	struct vd *d = v->d;
	struct share_msg g = { .type = GRANT, .mode = GRANT_PUSH };
	static uint8_t blob[SHARE_BLOB_MAX];
	size_t n;
	int ret;

	if (v->give_at || share_master_take(&v->m)) {
		snprintf(msg, max, "error: the profile is held (%s); try again when it is free\n",
			 share_master_state_name(v->m.state));
		return -EBUSY;
	}
	if (lease_save(v)) {
		v->m.state = MST_FREE;
		snprintf(msg, max, "error: cannot write the epoch to the store\n");
		return -EIO;
	}
	/* the master's card takes the profile with the last holder's state */
	n = push_blob(v->text, v->text_len, &v->ps, blob, sizeof(blob));
	g.blob = blob;
	g.blob_len = n;
	ret = n ? slave_install_blob(v, &g) : -EMSGSIZE;
	sodium_memzero(blob, n);
	if (ret) {
		/* out again; free only a guard time later, as after a give */
		if (reg_find(&d->reg, v->card, d->cfg.share_profile))
			prov_delete_remote(&d->prov, v->card, d->cfg.share_profile);
		v->give_at = share_now() + d->cfg.share_guard_ms;
		arm(v);
		snprintf(msg, max, "error: cannot install %s on card %u: %s\n", d->cfg.share_profile,
			 v->card, strerror(-ret));
		return ret;
	}
	log_notice("share: the master uses %s itself (epoch %llu): slaves are refused",
		   d->cfg.share_profile, (unsigned long long)v->m.epoch);
	loop_event(&d->loop, "share: master's own use, epoch %llu", (unsigned long long)v->m.epoch);
	snprintf(msg, max, "ok: card %u uses %s (epoch %llu)\n", v->card, d->cfg.share_profile,
		 (unsigned long long)v->m.epoch);
	return 0;
}

static int master_give(struct vshare *v, char *msg, size_t max)
{
	struct vd *d = v->d;
	struct vprof *vp = reg_find(&d->reg, v->card, d->cfg.share_profile);
	struct pstate *t;
	size_t i;

	if (v->m.state != MST_SELF || v->give_at) {
		snprintf(msg, max, "error: the master does not use the profile\n");
		return -EINVAL;
	}
	if (vp) {
		/* its state for the next holder, then out of the card and the store */
		persist_fetch_state(&d->store, vp);
		t = &vp->ps;
		pstate_merge_sqn(&v->ps, t->sqn, t->sqn_len);
		for (i = 0; i < t->n_efs; i++)
			if (!ef_path_secret(t->efs[i].path, t->efs[i].path_len))
				pstate_set_ef(&v->ps, t->efs[i].path, t->efs[i].path_len,
					      t->efs[i].data, t->efs[i].len);
		lease_save(v);
		prov_delete_remote(&d->prov, v->card, d->cfg.share_profile);
	}
	/* free once the card has surely left the network: the guard time */
	v->give_at = share_now() + d->cfg.share_guard_ms;
	arm(v);
	log_notice("share: the master stops using %s; free in %u ms", d->cfg.share_profile,
		   d->cfg.share_guard_ms);
	snprintf(msg, max, "ok: %s off card %u; free for the slaves in %u ms\n",
		 d->cfg.share_profile, v->card, d->cfg.share_guard_ms);
	return 0;
}

int vd_share_command(struct vd *d, const char *cmd, char *msg, size_t max)
{
	struct vshare *v = d->share;

	if (!v) {
		snprintf(msg, max, "error: sharing is off (share = off)\n");
		return -EINVAL;
	}
	if (v->role == CONFIG_SHARE_MASTER && !strcmp(cmd, "take"))
		return master_take(v, msg, max);
	if (v->role == CONFIG_SHARE_MASTER && !strcmp(cmd, "give"))
		return master_give(v, msg, max);
	if (v->role == CONFIG_SHARE_SLAVE && (!strcmp(cmd, "on") || !strcmp(cmd, "off"))) {
		v->s.want = cmd[1] == 'n';
		log_notice("share: the profile is %s", v->s.want ? "wanted" : "no longer wanted");
		slave_run(v, NULL);
		snprintf(msg, max, "ok: %s\n", v->s.want ? "wanted" : "not wanted");
		return 0;
	}
	snprintf(msg, max, "error: unknown share request '%s' (master: take, give; slave: on, off)\n",
		 cmd);
	return -EINVAL;
}

/* ---- start, stop, status ---- */

static int load_identity(struct vd *d, struct sc_identity *id)
{
	return vd_share_key_file(d->cfg.share_key_file, id, true);
}

int vd_share_key_file(const char *path, struct sc_identity *id, bool create)
{
	uint8_t sk[SC_KEY_LEN];
	char hex[2 * SC_KEY_LEN + 2];
	struct stat st;
	unsigned int b;
	ssize_t n;
	int fd, i, ret = 0;

	if (sc_global_init())
		return -EIO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (sc_identity_new(id))
			return -EIO;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		for (i = 0; i < SC_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", id->sk[i]);
		hex[2 * SC_KEY_LEN] = '\n';
		if (write(fd, hex, 2 * SC_KEY_LEN + 1) != 2 * SC_KEY_LEN + 1 || fsync(fd))
			ret = -errno;
		close(fd);
		sodium_memzero(hex, sizeof(hex));
		return ret;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		close(fd);
		log_err("share: %s is readable by group or others; it is a secret key (chmod 600)",
			path);
		return -EPERM;
	}
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	hex[n > 0 ? n : 0] = '\0';
	if (n < 2 * SC_KEY_LEN)
		ret = -EINVAL;
	for (i = 0; !ret && i < SC_KEY_LEN; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			ret = -EINVAL;
		sk[i] = (uint8_t)b;
	}
	if (!ret && sc_identity_from_sk(id, sk))
		ret = -EINVAL;
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(sk, sizeof(sk));
	return ret;
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

int vd_share_start(struct vd *d)
{
	char err[PROFILE_ERR_MAX];
	struct profile *p;
	struct vshare *v;
	struct vprof *vp;
	uint64_t epoch;
	struct addr a;
	int i, ret;

	if (!d->cfg.share)
		return 0;
	if (!d->cfg.n_share_peers) {
		log_err("share: no share_peer_key: pair with a peer first (vuiccd --share-pair CODE)");
		return -ENOKEY;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->share = v;
	v->d = d;
	v->role = d->cfg.share;
	v->card = d->cfg.card_base;
	v->lfd = -1;
	v->last_denied = -1;
	for (i = 0; i < SHARE_CONNS; i++) {
		v->c[i].fd = -1;
		v->c[i].owner = v;
	}
	ret = load_identity(d, &v->id);
	if (ret) {
		log_err("share: key %s: %s", d->cfg.share_key_file, strerror(-ret));
		return ret;
	}
	v->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (v->tfd < 0)
		return -errno;
	ret = loop_add(&d->loop, v->tfd, EPOLLIN, on_timer, v);
	if (ret)
		return ret;

	if (v->role == CONFIG_SHARE_SLAVE) {
		share_slave_init(&v->s, randombytes_random() | (uint64_t)randombytes_random() << 32,
			 d->cfg.share_guard_ms, d->cfg.share_answer_ms, d->cfg.share_retry_ms);
		v->s.want = d->cfg.share_want;
		sealed_load(v);
		v->keep_copy = v->sealed != NULL;
		/* a slave that starts holds no lease: whatever a share left goes */
		vp = reg_find(&d->reg, v->card, d->cfg.share_profile);
		if (vp && !vp->managed) {
			log_notice("share: profile %s was left from a lease before this start: deleted",
				   d->cfg.share_profile);
			prov_delete_remote(&d->prov, v->card, d->cfg.share_profile);
		}
		log_notice("share: slave of %s, profile %s, %s", d->cfg.share_connect,
			   d->cfg.share_profile, v->s.want ? "wanted" : "not wanted");
		slave_connect(v);
		arm(v);
		return 0;
	}

	/* the master: the profile shared must parse and carry the name given */
	ret = read_text(d->cfg.share_profile_file, &v->text, &v->text_len);
	if (ret) {
		log_err("share: %s: %s", d->cfg.share_profile_file, strerror(-ret));
		return ret;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = profile_parse(v->text, v->text_len, d->cfg.share_profile_file, p, err, sizeof(err));
	if (!ret && strcmp(p->name, d->cfg.share_profile)) {
		snprintf(err, sizeof(err), "it is profile %s, not %s", p->name, d->cfg.share_profile);
		ret = -1;
	}
	profile_wipe(p);
	free(p);
	if (ret) {
		log_err("share: %s", err);
		return -EINVAL;
	}
	snprintf(v->ps.name, sizeof(v->ps.name), "%s", d->cfg.share_profile);
	v->ps.card = v->card;
	if (lease_load(v, &epoch))
		return -EBADMSG;
	share_master_init(&v->m, share_now(), epoch, d->cfg.share_lease_ms, d->cfg.share_drift_ms);
	vp = reg_find(&d->reg, v->card, d->cfg.share_profile);
	if (vp && vp->installed && epoch) {
		/* its own use went on while no vuiccd ran (share take before a restart) */
		v->m.state = MST_SELF;
		v->m.holder = SHARE_PEER_NONE;
		log_notice("share: card %u still holds %s: the master's own use goes on (share give ends it)",
			   v->card, d->cfg.share_profile);
	}
	v->m.compare = d->cfg.share_compare;
	crypto_generichash(v->wrap, sizeof(v->wrap), (const uint8_t *)"vuicc share wrap 1", 18,
			   v->id.sk, sizeof(v->id.sk));
	crypto_generichash(v->m.digest, SHARE_DIGEST_LEN, (const uint8_t *)v->text,
			   v->text_len, NULL, 0);
	v->m.ready = true;
	if (parse_addr(d->cfg.share_listen, &a)) {
		log_err("share: share_listen %s: not an address", d->cfg.share_listen);
		return -EINVAL;
	}
	a.listen = true;
	ret = in_netns(&d->cfg, open_socket, &a);
	if (ret) {
		log_err("share: listening on %s: %s", d->cfg.share_listen, strerror(-ret));
		return ret;
	}
	v->lfd = a.fd;
	ret = loop_add(&d->loop, v->lfd, EPOLLIN, on_listen, v);
	if (ret)
		return ret;
	log_notice("share: master of profile %s on %s; lease %u ms, margin %u ms, %s%s",
		   d->cfg.share_profile, d->cfg.share_listen, d->cfg.share_lease_ms,
		   d->cfg.share_drift_ms, d->cfg.share_compare ? "share_mode compare" :
		   "share_mode push", epoch ? "; waiting out a lease from before the restart" : "");
	arm(v);
	return 0;
}

/*
 * A slave that stops while it holds a lease leaves the network and gives
 * the lease back with the card's state: deactivate, wait the guard time
 * (the modem's detach), send RELEASE, wait a while for RELEASED.
 */
static void slave_stop(struct vshare *v)
{
	struct timespec guard = { .tv_sec = v->d->cfg.share_guard_ms / 1000,
				  .tv_nsec = (long)(v->d->cfg.share_guard_ms % 1000) * 1000000 };
	struct sconn *c = &v->c[0];
	struct pollfd pfd;
	uint64_t end;

	if (v->s.state != SLV_ACTIVE)
		return;
	log_notice("share: stopping with lease %llu: deactivating and giving it back",
		   (unsigned long long)v->s.epoch);
	v->s.want = false;
	slave_run(v, NULL);
	if (c->fd < 0 || !c->up)
		return;
	nanosleep(&guard, NULL);
	slave_run(v, NULL);
	end = share_now() + v->d->cfg.share_answer_ms;
	while (c->fd >= 0 && v->s.pending_state && share_now() < end) {
		pfd.fd = c->fd;
		pfd.events = POLLIN | (c->out_len ? POLLOUT : 0);
		if (poll(&pfd, 1, (int)(end - share_now())) <= 0)
			break;
		conn_event(v, 0, (pfd.revents & POLLIN ? EPOLLIN : 0) |
			    (pfd.revents & POLLOUT ? EPOLLOUT : 0) |
			    (pfd.revents & (POLLHUP | POLLERR) ? EPOLLHUP : 0));
	}
	if (v->s.pending_state)
		log_warn("share: the master did not take lease %llu back; it runs out by itself",
			 (unsigned long long)v->s.epoch);
}

void vd_share_stop(struct vd *d)
{
	struct vshare *v = d->share;
	int i;

	if (!v)
		return;
	if (v->role == CONFIG_SHARE_SLAVE)
		slave_stop(v);
	for (i = 0; i < SHARE_CONNS; i++)
		if (v->c[i].fd >= 0) {
			loop_del(&d->loop, v->c[i].fd);
			close(v->c[i].fd);
			sc_session_wipe(&v->c[i].sess);
			sc_hs_wipe(&v->c[i].hs);
		}
	if (v->lfd >= 0) {
		loop_del(&d->loop, v->lfd);
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
	loop_del(&d->loop, v->tfd);
	close(v->tfd);
	free(v);
	d->share = NULL;
}

void vd_share_status(struct vd *d, FILE *f, bool json)
{
	struct vshare *v = d->share;
	uint64_t now = share_now();
	char holder[32];
	int i, links = 0;

	if (!v)
		return;
	for (i = 0; i < SHARE_CONNS; i++)
		links += v->c[i].fd >= 0 && v->c[i].up;
	if (v->role == CONFIG_SHARE_MASTER) {
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
				d->cfg.share_profile, share_master_state_name(v->m.state), holder,
				(unsigned long long)v->m.epoch, (unsigned long long)v->m.version,
				(unsigned long long)(v->m.state == MST_GRANTED && v->m.held_until > now ?
						     v->m.held_until - now : 0),
				links, v->m.grants, v->m.pushes, v->m.activations, v->m.denies,
				v->m.stale, v->m.expiries, v->m.releases, v->tampered, v->replayed,
				v->malformed, v->refused);
			return;
		}
		fprintf(f, "\nshare: master of %s (%s)\n  lease: %s, holder %s, epoch %llu",
			d->cfg.share_profile, d->cfg.share_compare ? "compare" : "push",
			share_master_state_name(v->m.state), holder, (unsigned long long)v->m.epoch);
		if (v->m.state == MST_GRANTED && v->m.held_until > now)
			fprintf(f, ", held for %llu ms more", (unsigned long long)(v->m.held_until - now));
		fprintf(f, "\n  links %d; grants %lu (pushed %lu, activated %lu), refused %lu, stale %lu, expired %lu, released %lu\n"
			"  records dropped: %lu tampered, %lu replayed; %lu malformed; %lu handshakes refused\n",
			links, v->m.grants, v->m.pushes, v->m.activations, v->m.denies, v->m.stale,
			v->m.expiries, v->m.releases, v->tampered, v->replayed, v->malformed, v->refused);
		return;
	}
	if (json) {
		fprintf(f, ",\"share\":{\"role\":\"slave\",\"profile\":\"%s\",\"state\":\"%s\","
			"\"epoch\":%llu,\"lease_ms\":%llu,\"link\":%s,\"want\":%s,\"requests\":%lu,"
			"\"grants\":%lu,\"denies\":%lu,\"renewals\":%lu,\"expiries\":%lu,\"stale\":%lu,"
			"\"tampered\":%lu,\"replayed\":%lu,\"malformed\":%lu}",
			d->cfg.share_profile, share_slave_state_name(v->s.state), (unsigned long long)v->s.epoch,
			(unsigned long long)(v->s.state == SLV_ACTIVE && v->s.lease_end > now ?
					     v->s.lease_end - now : 0),
			v->s.link ? "true" : "false", v->s.want ? "true" : "false", v->s.requests,
			v->s.grants, v->s.denies, v->s.renewals, v->s.expiries, v->s.stale,
			v->tampered, v->replayed, v->malformed);
		return;
	}
	fprintf(f, "\nshare: slave of %s, profile %s\n  lease: %s, epoch %llu", d->cfg.share_connect,
		d->cfg.share_profile, share_slave_state_name(v->s.state), (unsigned long long)v->s.epoch);
	if (v->s.state == SLV_ACTIVE && v->s.lease_end > now)
		fprintf(f, ", %llu ms left", (unsigned long long)(v->s.lease_end - now));
	fprintf(f, "\n  link %s; requests %lu, grants %lu, refused %lu, renewals %lu, expired %lu, stale %lu\n"
		"  records dropped: %lu tampered, %lu replayed; %lu malformed\n",
		v->s.link ? "up" : "down", v->s.requests, v->s.grants, v->s.denies, v->s.renewals,
		v->s.expiries, v->s.stale, v->tampered, v->replayed, v->malformed);
}

/* ---- pairing by a one-time code (vuiccd --share-pair CODE) ---- */

/* Exactly @len bytes, or -ETIMEDOUT after @ms in all. */
static int pair_read(int fd, uint8_t *buf, size_t len, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (share_now() >= end || poll(&pfd, 1, (int)(end - share_now())) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int pair_write(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pair_wait_fd(int fd, short events, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	if (share_now() >= end || poll(&pfd, 1, (int)(end - share_now())) <= 0)
		return -ETIMEDOUT;
	return 0;
}

int vd_share_pair(const struct config *cfg, const char *code, unsigned int timeout_s)
{
	uint8_t in[SC_PAIR_MAX_LEN], out[SC_PAIR_MAX_LEN], pk[SC_KEY_LEN];
	uint64_t end = share_now() + (uint64_t)timeout_s * 1000;
	bool master = cfg->share == CONFIG_SHARE_MASTER;
	struct sc_identity id;
	struct sc_pair p;
	struct addr a;
	size_t olen;
	int fd, ret, err = 0, i;
	socklen_t sl = sizeof(err);

	if (!cfg->share || !cfg->share_key_file[0]) {
		fprintf(stderr, "vuiccd: --share-pair needs share = master|slave and share_key_file\n");
		return -EINVAL;
	}
	ret = vd_share_key_file(cfg->share_key_file, &id, true);
	if (ret)
		return ret;
	if (parse_addr(master ? cfg->share_listen : cfg->share_connect, &a)) {
		sc_identity_wipe(&id);
		return -EINVAL;
	}
	a.listen = master;
	/* the slave dials until the master listens, or the time is up */
	for (;;) {
		ret = in_netns(cfg, open_socket, &a);
		if (!ret && !master) {
			ret = pair_wait_fd(a.fd, POLLOUT, end);
			if (!ret && (getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err))
				ret = -(err ? err : errno);
			if (ret)
				close(a.fd);
		}
		if (master || ret != -ECONNREFUSED || share_now() + 200 >= end)
			break;
		usleep(200000);
	}
	if (ret)
		goto out_id;
	fd = a.fd;
	if (master) {
		fprintf(stderr, "vuiccd: pairing: waiting %u s for a slave on %s\n", timeout_s,
			cfg->share_listen);
		ret = pair_wait_fd(a.fd, POLLIN, end);
		fd = ret ? -1 : accept4(a.fd, NULL, NULL, SOCK_CLOEXEC);
		close(a.fd);
		if (fd < 0) {
			ret = ret ? ret : -errno;
			goto out_id;
		}
	}
	/* blocking from here, each read bounded by the deadline */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ret = sc_pair_init(&p, master ? SC_RESPONDER : SC_INITIATOR, id.pk, code);
	if (ret)
		goto out_fd;
	if (!master) {
		ret = sc_pair_step(&p, NULL, 0, out, sizeof(out), &olen);
		if (ret < 0 || (ret = pair_write(fd, out, olen)))
			goto out_pair;
	}
	for (;;) {
		ret = pair_read(fd, in, sc_pair_expect(&p), end);
		if (ret)
			goto out_pair;
		ret = sc_pair_step(&p, in, sc_pair_expect(&p), out, sizeof(out), &olen);
		if (ret < 0)
			goto out_pair;
		if (olen && pair_write(fd, out, olen)) {
			ret = -EPIPE;
			goto out_pair;
		}
		if (ret == 1)
			break;
	}
	ret = sc_pair_peer(&p, pk);
	if (!ret) {
		/* the line the operator adds to this device's configuration */
		printf("share_peer_key = ");
		for (i = 0; i < SC_KEY_LEN; i++)
			printf("%02x", pk[i]);
		printf("\n");
	}
out_pair:
	sc_pair_wipe(&p);
out_fd:
	close(fd);
out_id:
	sc_identity_wipe(&id);
	sodium_memzero(in, sizeof(in));
	sodium_memzero(out, sizeof(out));
	return ret;
}
