/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's data-path probe (the data check, Documentation/admin-guide/
 * vuiccd.rst): one DNS query over UDP or one HTTP GET over TCP to a
 * configured target, without blocking, for an epoll loop.  It goes out
 * the way the kernel routes it, as the SIM-server client's traffic does.
 *
 * Targets (numeric addresses only: no resolver is asked, nothing blocks):
 *
 *   dns:NAME@ADDR[:PORT]            an A query for NAME to the server ADDR
 *                                   (IPv6: [ADDR]); port 53
 *   http://ADDR[:PORT][/PATH]       GET PATH (default /), port 80
 *
 * A DNS probe is answered by a reply to its query (same id and question)
 * with rcode NOERROR or NXDOMAIN: either shows that data flows both ways;
 * SERVFAIL, REFUSED and others, or no reply in time, fail it.  An HTTP
 * probe is answered by a status line of 2xx or 3xx; anything else, a reset
 * or no status line in time fails it.
 *
 * The owner polls probe_fd() (an epoll fd of the probe's own, over the
 * timeout's timerfd, armed only while a probe is out, and the probe's
 * socket, open only then) for EPOLLIN and calls probe_input() when it is
 * readable.  With no probe out nothing wakes up.
 */
#ifndef VUICC_PROBE_H
#define VUICC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define PROBE_NAME_MAX		253	/* a DNS name, without the root's dot */
#define PROBE_PATH_MAX		256
#define PROBE_DNS_MAX		512	/* a query or a UDP reply */
#define PROBE_DETAIL_MAX	64

enum probe_kind { PROBE_DNS, PROBE_HTTP };

struct probe_target {
	enum probe_kind kind;
	char name[PROBE_NAME_MAX + 1];		/* DNS: the name asked for */
	char host[64];				/* HTTP: the Host header (ADDR[:PORT]) */
	char path[PROBE_PATH_MAX];		/* HTTP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Parses a target; 0, or -1 with what is wrong in @err. */
int probe_parse_target(const char *s, struct probe_target *t, char *err, size_t errlen);

/*
 * The DNS query for @name (type A, class IN, recursion desired) with @id
 * into @buf; its length, or 0 when @name is not a valid name or @max too
 * small.
 */
size_t probe_dns_query(const char *name, uint16_t id, uint8_t *buf, size_t max);

/*
 * Whether @r (@rlen bytes) answers the query @q (@qlen bytes): -1 not a
 * reply to it (another id or question, not a response, malformed: keep
 * waiting); else its rcode (0 NOERROR, 3 NXDOMAIN, ...).
 */
int probe_dns_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen);

/*
 * The status code of an HTTP response that begins with @buf (@len bytes):
 * 100..599; 0 when the status line is not complete yet; -1 when it is not
 * an HTTP status line.
 */
int probe_http_status(const char *buf, size_t len);

/* The outcome: answered or not, and what was seen ("rcode 0", "HTTP 200", "timeout"). */
typedef void (*probe_done_fn)(void *arg, bool ok, const char *detail);

struct probe {
	struct probe_target t;
	unsigned int timeout_ms;
	int epfd, tfd;			/* the probe's epoll fd, its timeout */
	int fd;				/* the socket of the probe out; -1 */
	bool connected, sent;
	uint16_t id;
	uint8_t q[PROBE_DNS_MAX];	/* DNS: the query; HTTP: the start of the reply */
	size_t qlen, got;
	probe_done_fn done;
	void *arg;
};

/* 0, or -errno. */
int probe_init(struct probe *p, const struct probe_target *t, unsigned int timeout_ms);
void probe_free(struct probe *p);
int probe_fd(const struct probe *p);

/*
 * Sends one probe; a probe still out is dropped first (no callback).  The
 * outcome comes through @done, from probe_input(), or from here when the
 * socket cannot even be opened (then 0 is returned all the same).
 */
int probe_start(struct probe *p, probe_done_fn done, void *arg);
/* Drops the probe out, if any (no callback). */
void probe_cancel(struct probe *p);
bool probe_busy(const struct probe *p);
/* probe_fd() is readable. */
void probe_input(struct probe *p);

#endif
