// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's sharing: the link (TCP, or RFCOMM through BlueZ sockets), its
 * connections in the event loop, the secure channel (core/share_chan.c) on
 * each, and the timer of links and leases.  What comes through a secured
 * link goes up to the lease glue through vshare.news.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/bt.h"
#include "lib/log.h"
#include "share_glue.h"

#define BAD_RECORDS_MAX		3
#define HANDSHAKE_MS		10000	/* a connection not secured by then is closed */


/*
 * The leases' clock: CLOCK_BOOTTIME, which goes on counting while the
 * system is suspended (a suspended slave's modem may stay attached, so its
 * lease must run out meanwhile, as the master's does).
 */
uint64_t vs_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
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

int vs_parse_addr(const char *s, struct vs_addr *a)
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
	struct vs_addr *a = arg;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int fd, on = 1, ret;

	if (a->rfcomm) {
		struct bt_sockaddr_rc rc = { .rc_family = AF_BLUETOOTH, .rc_channel = a->channel };

		memcpy(rc.rc_bdaddr, a->bdaddr, 6);
		fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, BTPROTO_RFCOMM);
		if (fd < 0)
			return -errno;
		if (a->listen) {
			ret = bind(fd, (struct sockaddr *)&rc, sizeof(rc)) || listen(fd, 4) ? -errno : 0;
		} else {
			struct bt_sockaddr_rc src = { .rc_family = AF_BLUETOOTH };

			/* from the named controller; otherwise the kernel picks a route */
			memcpy(src.rc_bdaddr, a->src, 6);
			ret = a->has_src && bind(fd, (struct sockaddr *)&src, sizeof(src)) ? -errno : 0;
			if (!ret)
				ret = connect(fd, (struct sockaddr *)&rc, sizeof(rc)) &&
				      errno != EINPROGRESS ? -errno : 0;
		}
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

/* A socket for @a (listening, or connecting without waiting) in share_netns. */
int vs_open(const struct config *cfg, struct vs_addr *a)
{
	unsigned int b[6];

	if (a->rfcomm && !a->listen && cfg->share_adapter[0] &&
	    sscanf(cfg->share_adapter, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) == 6) {
		a->has_src = true;
		for (int i = 0; i < 6; i++)
			a->src[i] = (uint8_t)b[5 - i];
	}
	return in_netns(cfg, open_socket, a);
}

static void on_conn(void *arg, uint32_t events);

static void conn_poll(struct vshare *v, struct sconn *c)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (c->connecting || c->out_len)
		ev.events |= EPOLLOUT;
	loop_add(v->loop, c->fd, ev.events, on_conn, c);
}

void vs_conn_close(struct vshare *v, struct sconn *c, const char *why)
{
	if (c->fd < 0)
		return;
	loop_del(v->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->up) {
		v->link_losses++;
		if (v->role == CONFIG_SHARE_MASTER)
			log_notice("share: link to peer %d lost (%s); a lease it holds runs out by itself",
				   c->peer, why);
		else
			log_notice("share: link to the master lost (%s)", why);
		loop_event(v->loop, "share: link %s lost (%s)",
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
		v->connect_at = vs_now() + v->cfg->share_retry_ms;
		v->s.link = false;
		v->news(v, NULL, NULL);
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
			vs_conn_close(v, c, strerror(errno));
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
		vs_conn_close(v, c, "the peer does not read");
		return -ENOBUFS;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (c->last_rx >= c->last_tx)
		c->wait_since = vs_now();
	c->last_tx = vs_now();
	conn_flush(v, c);
	return 0;
}

int vs_send_msg(struct vshare *v, struct sconn *c, const struct share_msg *m)
{
	static uint8_t msgbuf[SHARE_MSG_MAX], rec[SC_REC_MAX_LEN];
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
		vs_conn_close(v, c, "the channel's counter is used up");
		return ret;
	}
	log_debug("share: -> %s epoch %llu", share_msg_name(m->type), (unsigned long long)m->epoch);
	return conn_queue(v, c, rec, rlen);
}

/* ---- connecting, listening ---- */

int vs_slave_connect(struct vshare *v)
{
	struct sconn *c = &v->c[0];
	struct vs_addr a;
	int ret;

	v->connect_at = 0;
	if (vs_parse_addr(v->cfg->share_connect, &a))
		return -EINVAL;
	ret = vs_open(v->cfg, &a);
	if (ret) {
		if (!v->connect_failing)
			log_notice("share: connecting to %s: %s; trying every %u ms",
				   v->cfg->share_connect, strerror(-ret), v->cfg->share_retry_ms);
		v->connect_failing = true;
		v->connect_err = -ret;
		v->connect_at = vs_now() + v->cfg->share_retry_ms;
		return ret;
	}
	memset(c, 0, offsetof(struct sconn, in));
	c->fd = a.fd;
	c->connecting = true;
	c->peer = 0;
	c->last_rx = c->since = vs_now();
	conn_poll(v, c);
	return 0;
}

static void on_listen(void *arg, uint32_t events);

/* The master's listening socket (share_listen), in the loop. */
int vs_listen(struct vshare *v)
{
	struct vs_addr a;
	int ret;

	if (vs_parse_addr(v->cfg->share_listen, &a)) {
		log_err("share: share_listen %s: not an address", v->cfg->share_listen);
		return -EINVAL;
	}
	a.listen = true;
	ret = vs_open(v->cfg, &a);
	if (ret) {
		log_err("share: listening on %s: %s", v->cfg->share_listen, strerror(-ret));
		return ret;
	}
	v->lfd = a.fd;
	return loop_add(v->loop, v->lfd, EPOLLIN, on_listen, v);
}

/* ---- input ---- */

static void conn_records(struct vshare *v, struct sconn *c)
{
	static uint8_t ptbuf[SC_REC_MAX];
	struct share_msg m;
	size_t used, len;
	ssize_t need;
	int ret;

	while (c->fd >= 0 && c->in_len) {
		need = sc_record_need(c->in, c->in_len);
		if (need < 0) {
			vs_conn_close(v, c, "a record longer than the maximum");
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
			loop_event(v->loop, "share: %s record from peer %d dropped",
				 ret == -EBADMSG ? "tampered" : "replayed", c->peer);
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
			if (++c->bad >= BAD_RECORDS_MAX) {
				vs_conn_close(v, c, "too many bad records");
				return;
			}
			continue;
		}
		if (ret) {
			vs_conn_close(v, c, strerror(-ret));
			return;
		}
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		c->last_rx = vs_now();
		if (share_msg_decode(&m, ptbuf, len)) {
			v->malformed++;
			log_warn("share: peer %d: a malformed message (%zu bytes): ignored", c->peer, len);
			sodium_memzero(ptbuf, len);
			continue;
		}
		log_debug("share: <- %s epoch %llu", share_msg_name(m.type),
			  (unsigned long long)m.epoch);
		v->news(v, c, &m);
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
			loop_event(v->loop, "share: handshake refused");
			vs_conn_close(v, c, "handshake failed");
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
				vs_conn_close(v, c, "handshake");
				return;
			}
			c->up = true;
			c->last_rx = vs_now();
			v->links++;
			v->connect_failing = false;
			/* one link per peer: an older one of the same peer is dead or replaced */
			if (v->role == CONFIG_SHARE_MASTER)
				for (i = 0; i < SHARE_CONNS; i++)
					if (&v->c[i] != c && v->c[i].fd >= 0 && v->c[i].up &&
					    v->c[i].peer == c->peer)
						vs_conn_close(v, &v->c[i], "the peer connected again");
			log_notice("share: secure channel up with %s %d",
				   v->role == CONFIG_SHARE_MASTER ? "peer" : "the master", c->peer);
			if (v->role == CONFIG_SHARE_SLAVE) {
				v->s.link = true;
				v->news(v, NULL, NULL);
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
		ret = sc_hs_init_initiator(&c->hs, &v->id, v->cfg->share_peer_key[0]);
		if (!ret)
			ret = sc_hs_step(&c->hs, NULL, 0, out, sizeof(out), &olen);
		if (ret < 0) {
			vs_conn_close(v, c, "handshake");
			return;
		}
		conn_queue(v, c, out, olen);
	} else {
		sc_hs_init_responder(&c->hs, &v->id,
				     (const uint8_t (*)[SC_KEY_LEN])v->cfg->share_peer_key,
				     v->cfg->n_share_peers);
	}
}

/* A connection on the listening socket: a free slot, or the one silent longest. */
static void conn_accept(struct vshare *v)
{
	struct sconn *c;
	int fd, i;

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
		vs_conn_close(v, &v->c[old], "its slot was needed");
		i = old;
	}
	c = &v->c[i];
	memset(c, 0, offsetof(struct sconn, in));
	c->fd = fd;
	c->peer = -1;
	c->last_rx = c->since = vs_now();
	conn_start_hs(v, c);
	if (c->fd >= 0)
		conn_poll(v, c);
}

/* The slave's non-blocking connect() ended: the handshake, or a retry later. */
static void conn_connected(struct vshare *v, struct sconn *c)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
	/*
	 * Each attempt's outcome and how long it took (an RFCOMM connect
	 * can fail only after seconds: a page, an L2CAP exchange that gets
	 * no answer): at info when it changes, at debug while it repeats
	 */
	if (err != v->connect_err || !err)
		log_info("share: connect to %s: %s after %llu ms", v->cfg->share_connect,
			 err ? strerror(err) : "connected", (unsigned long long)(vs_now() - c->since));
	else
		log_debug("share: connect to %s: %s after %llu ms", v->cfg->share_connect,
			  strerror(err), (unsigned long long)(vs_now() - c->since));
	v->connect_err = err;
	if (err) {
		loop_del(v->loop, c->fd);
		close(c->fd);
		c->fd = -1;
		c->connecting = false;
		if (!v->connect_failing)
			log_notice("share: connecting to %s: %s; trying every %u ms",
				   v->cfg->share_connect, strerror(err), v->cfg->share_retry_ms);
		v->connect_failing = true;
		v->connect_at = vs_now() + v->cfg->share_retry_ms;
		vs_arm(v);
		return;
	}
	c->connecting = false;
	conn_start_hs(v, c);
	if (c->fd >= 0)
		conn_poll(v, c);
}

/* Connection @idx (SHARE_CONNS: the listening socket) is ready for @events. */
void vs_conn_event(struct vshare *v, uint32_t idx, uint32_t events)
{
	struct sconn *c;
	ssize_t n;

	if (!v)
		return;
	if (idx == SHARE_CONNS) {
		conn_accept(v);
		return;
	}
	if (idx >= SHARE_CONNS)
		return;
	c = &v->c[idx];
	if (c->fd < 0)
		return;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		conn_connected(v, c);
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
		vs_conn_close(v, c, n ? strerror(errno) : "closed by the peer");
		return;
	}
	c->in_len += (size_t)n;
	if (c->up)
		conn_records(v, c);
	else
		conn_handshake(v, c);
	if (v->role == CONFIG_SHARE_MASTER)
		vs_arm(v);
}

/* ---- time ---- */

/* Connections that did not finish their handshake in time: their slot back. */
void vs_conns_expire(struct vshare *v, uint64_t now)
{
	int i;

	for (i = 0; i < SHARE_CONNS; i++)
		if (v->c[i].fd >= 0 && !v->c[i].up && now - v->c[i].since >= HANDSHAKE_MS)
			vs_conn_close(v, &v->c[i], "no handshake within 10 s");
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

void vs_arm(struct vshare *v)
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
			x = v->c[0].wait_since + 2ull * v->cfg->share_answer_ms + 1;
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

	vs_conn_event(c->owner, (uint32_t)(c - c->owner->c), events);
}

static void on_listen(void *arg, uint32_t events)
{
	vs_conn_event(arg, SHARE_CONNS, events);
}

