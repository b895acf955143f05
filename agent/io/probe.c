// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's data-path probe (probe.h): the target, the DNS query and reply
 * (RFC 1035 §4.1), the HTTP status line (RFC 9112 §4), and the client on an
 * epoll fd of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* ---- the target ---- */

static int terr(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

/* ADDR[:PORT] or [ADDR6][:PORT]; @s is cut up */
static int parse_addr(char *s, uint16_t port, struct probe_target *t, char *err, size_t errlen)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t->addr;
	char *host = s, *colon = NULL;
	long v;

	if (*s == '[') {
		char *end = strchr(s, ']');

		if (!end)
			return terr(err, errlen, "an IPv6 address needs its ']'");
		*end = 0;
		host = s + 1;
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1])
			return terr(err, errlen, "garbage after the address");
	} else {
		colon = strchr(s, ':');
	}
	if (colon) {
		char *e;

		*colon = 0;
		errno = 0;
		v = strtol(colon + 1, &e, 10);
		if (!colon[1] || *e || errno || v < 1 || v > 65535)
			return terr(err, errlen, "the port is not 1-65535");
		port = (uint16_t)v;
	}
	memset(&t->addr, 0, sizeof(t->addr));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		t->addrlen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		t->addrlen = sizeof(*a6);
	} else {
		return terr(err, errlen, "the address is not a numeric IPv4 or [IPv6] address");
	}
	return 0;
}

int probe_parse_target(const char *s, struct probe_target *t, char *err, size_t errlen)
{
	char buf[PROBE_NAME_MAX + PROBE_PATH_MAX + 80], *at, *slash;
	uint8_t q[PROBE_DNS_MAX];

	memset(t, 0, sizeof(*t));
	if (strlen(s) >= sizeof(buf))
		return terr(err, errlen, "too long");
	snprintf(buf, sizeof(buf), "%s", s);
	if (!strncmp(buf, "dns:", 4)) {
		t->kind = PROBE_DNS;
		at = strrchr(buf + 4, '@');
		if (!at)
			return terr(err, errlen, "dns:NAME@ADDR[:PORT]");
		*at = 0;
		if (strlen(buf + 4) > PROBE_NAME_MAX || !probe_dns_query(buf + 4, 0, q, sizeof(q)))
			return terr(err, errlen, "not a DNS name");
		snprintf(t->name, sizeof(t->name), "%s", buf + 4);
		return parse_addr(at + 1, 53, t, err, errlen);
	}
	if (!strncmp(buf, "http://", 7)) {
		const char *p;

		t->kind = PROBE_HTTP;
		slash = strchr(buf + 7, '/');
		p = slash ? slash : "/";
		if (strlen(p) >= sizeof(t->path))
			return terr(err, errlen, "the path is too long");
		for (const char *c = p; *c; c++)
			if (*c <= ' ' || *c == 0x7f)
				return terr(err, errlen, "the path has a space or a control character");
		snprintf(t->path, sizeof(t->path), "%s", p);
		if (slash)
			*slash = 0;
		if (!buf[7] || strlen(buf + 7) >= sizeof(t->host))
			return terr(err, errlen, "http://ADDR[:PORT][/PATH]");
		snprintf(t->host, sizeof(t->host), "%s", buf + 7);
		return parse_addr(buf + 7, 80, t, err, errlen);
	}
	return terr(err, errlen, "dns:NAME@ADDR[:PORT] or http://ADDR[:PORT][/PATH]");
}

/* ---- DNS ---- */

size_t probe_dns_query(const char *name, uint16_t id, uint8_t *buf, size_t max)
{
	size_t n = 12, len = strlen(name);
	const char *l = name;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > PROBE_NAME_MAX || max < 12 + len + 2 + 4)
		return 0;
	memset(buf, 0, 12);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01;			/* RD */
	buf[5] = 1;			/* QDCOUNT */
	while (l < name + len) {
		const char *dot = memchr(l, '.', (size_t)(name + len - l));
		size_t ll = dot ? (size_t)(dot - l) : (size_t)(name + len - l);
		size_t k;

		if (!ll || ll > 63)
			return 0;
		for (k = 0; k < ll; k++) {
			unsigned char c = (unsigned char)l[k];

			if (c <= ' ' || c >= 0x7f)
				return 0;
		}
		buf[n++] = (uint8_t)ll;
		memcpy(buf + n, l, ll);
		n += ll;
		l += ll + (dot ? 1 : 0);
		if (dot && l == name + len)
			return 0;	/* "a..": an empty label */
	}
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = 1;			/* QTYPE A */
	buf[n++] = 0;
	buf[n++] = 1;			/* QCLASS IN */
	return n;
}

int probe_dns_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	size_t k;

	if (qlen < 12 + 5 || rlen < qlen)
		return -1;
	if (r[0] != q[0] || r[1] != q[1])
		return -1;			/* another id */
	if (!(r[2] & 0x80) || (r[2] & 0x78))
		return -1;			/* not a response, or not a QUERY */
	if (r[4] != 0 || r[5] != 1)
		return -1;			/* QDCOUNT: our one question */
	/* the question as asked (names compare case-insensitively, RFC 4343) */
	for (k = 12; k < qlen; k++) {
		uint8_t a = q[k], b = r[k];

		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return -1;
	}
	return r[3] & 0x0f;
}

/* ---- HTTP ---- */

int probe_http_status(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	int code;

	/* "HTTP/1.1 200 OK": the version, a space, three digits, a space or the end */
	if (n >= 5 && memcmp(buf, "HTTP/", 5))
		return -1;
	if (n < 5 && memcmp(buf, "HTTP/", n))
		return -1;
	if (!nl)
		return len > 1024 ? -1 : 0;
	if (n < 12 || buf[5] < '0' || buf[5] > '9' || buf[6] != '.' || buf[7] < '0' ||
	    buf[7] > '9' || buf[8] != ' ')
		return -1;
	if (buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' ||
	    buf[11] > '9')
		return -1;
	if (n > 12 && buf[12] != ' ' && buf[12] != '\r')
		return -1;
	code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	return code;
}

/* ---- the client ---- */

int probe_init(struct probe *p, const struct probe_target *t, unsigned int timeout_ms)
{
	struct epoll_event ev = { .events = EPOLLIN };

	memset(p, 0, sizeof(*p));
	p->t = *t;
	p->timeout_ms = timeout_ms ? timeout_ms : 1;
	p->fd = -1;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->epfd < 0 || p->tfd < 0)
		goto fail;
	ev.data.fd = p->tfd;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->tfd, &ev))
		goto fail;
	return 0;
fail:
	{
		int e = -errno;

		probe_free(p);
		return e;
	}
}

void probe_cancel(struct probe *p)
{
	struct itimerspec off;

	if (p->fd >= 0) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
		p->fd = -1;
	}
	memset(&off, 0, sizeof(off));
	if (p->tfd >= 0)
		timerfd_settime(p->tfd, 0, &off, NULL);
	p->done = NULL;
	p->arg = NULL;
}

void probe_free(struct probe *p)
{
	probe_cancel(p);
	if (p->tfd >= 0)
		close(p->tfd);
	if (p->epfd >= 0)
		close(p->epfd);
	p->tfd = p->epfd = -1;
}

int probe_fd(const struct probe *p)
{
	return p->epfd;
}

bool probe_busy(const struct probe *p)
{
	return p->fd >= 0;
}

static void finish(struct probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct probe *p, bool ok, const char *fmt, ...)
{
	probe_done_fn done = p->done;
	void *arg = p->arg;
	char detail[PROBE_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	probe_cancel(p);
	if (done)
		done(arg, ok, detail);
}

static void watch(struct probe *p, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = p->fd };

	if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, p->fd, &ev) && errno == ENOENT)
		epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->fd, &ev);
}

int probe_start(struct probe *p, probe_done_fn done, void *arg)
{
	struct itimerspec its;
	uint16_t id;
	int type = p->t.kind == PROBE_DNS ? SOCK_DGRAM : SOCK_STREAM;

	probe_cancel(p);
	p->done = done;
	p->arg = arg;
	p->connected = p->sent = false;
	p->got = 0;
	if (p->t.kind == PROBE_DNS) {
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
			id = (uint16_t)(time(NULL) ^ (uintptr_t)p);
		p->id = id;
		p->qlen = probe_dns_query(p->t.name, id, p->q, sizeof(p->q));
		if (!p->qlen) {
			finish(p, false, "bad name");
			return 0;
		}
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = p->timeout_ms / 1000;
	its.it_value.tv_nsec = (long)(p->timeout_ms % 1000) * 1000000;
	timerfd_settime(p->tfd, 0, &its, NULL);
	p->fd = socket(p->t.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		finish(p, false, "socket: %s", strerror(errno));
		return 0;
	}
	if (connect(p->fd, (struct sockaddr *)&p->t.addr, p->t.addrlen) && errno != EINPROGRESS) {
		finish(p, false, "connect: %s", strerror(errno));
		return 0;
	}
	if (p->t.kind == PROBE_DNS) {
		p->connected = true;
		if (send(p->fd, p->q, p->qlen, MSG_NOSIGNAL) != (ssize_t)p->qlen) {
			finish(p, false, "send: %s", strerror(errno));
			return 0;
		}
		p->sent = true;
		watch(p, EPOLLIN);
	} else {
		watch(p, EPOLLOUT);
	}
	return 0;
}

static void dns_input(struct probe *p)
{
	uint8_t r[PROBE_DNS_MAX];
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(p->fd, r, sizeof(r), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			finish(p, false, "%s", strerror(errno));
			return;
		}
		rc = probe_dns_reply(p->q, p->qlen, r, (size_t)n);
		if (rc < 0)
			continue;	/* not the reply to this query */
		finish(p, rc == 0 || rc == 3, "rcode %d", rc);
		return;
	}
}

static void http_send(struct probe *p)
{
	char req[PROBE_PATH_MAX + 160];
	int err = 0, len;
	socklen_t el = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
		finish(p, false, "connect: %s", strerror(err ? err : errno));
		return;
	}
	p->connected = true;
	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: vuiccd-data-check\r\n"
		       "Connection: close\r\n\r\n", p->t.path, p->t.host);
	/* a few dozen bytes on a fresh connection: one send */
	if (send(p->fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		finish(p, false, "send: %s", strerror(errno));
		return;
	}
	p->sent = true;
	watch(p, EPOLLIN);
}

static void http_input(struct probe *p)
{
	ssize_t n;
	int code;

	n = recv(p->fd, p->q + p->got, sizeof(p->q) - p->got, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(p, false, "%s", strerror(errno));
		return;
	}
	p->got += (size_t)n;
	code = probe_http_status((const char *)p->q, p->got);
	if (code > 0) {
		finish(p, code >= 200 && code < 400, "HTTP %d", code);
		return;
	}
	if (code < 0 || !n || p->got == sizeof(p->q))
		finish(p, false, n ? "not an HTTP response" : "closed without a status line");
}

void probe_input(struct probe *p)
{
	struct epoll_event evs[2];
	int n, i;

	n = epoll_wait(p->epfd, evs, 2, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd == p->tfd) {
			uint64_t tick;

			if (read(p->tfd, &tick, sizeof(tick)) == sizeof(tick) && p->fd >= 0) {
				finish(p, false, "timeout");
				return;
			}
			continue;
		}
		if (p->fd < 0 || evs[i].data.fd != p->fd)
			continue;
		if (p->t.kind == PROBE_DNS)
			dns_input(p);
		else if (!p->connected)
			http_send(p);
		else
			http_input(p);
		if (p->fd < 0)
			return;
	}
}
