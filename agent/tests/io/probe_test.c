// SPDX-License-Identifier: GPL-2.0
/*
 * The data-path probe: its target syntax, the DNS query and the judgement
 * of a reply, the HTTP status line (with truncated, oversized and garbage
 * input, and random bytes with a fixed seed), and the client against
 * loopback servers: answered, refused, silent (the timeout).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/probe.h"
#include "../testlib.h"

static int parse(const char *s, struct probe_target *t)
{
	char err[128];

	return probe_parse_target(s, t, err, sizeof(err));
}

static void test_target(void)
{
	struct probe_target t;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&t.addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t.addr;

	CHECK(parse("dns:example.com@192.0.2.1", &t) == 0);
	CHECK(t.kind == PROBE_DNS && !strcmp(t.name, "example.com"));
	CHECK(a4->sin_family == AF_INET && ntohs(a4->sin_port) == 53 &&
	      a4->sin_addr.s_addr == htonl(0xc0000201));
	CHECK(parse("dns:a.b.@[2001:db8::1]:5353", &t) == 0);
	CHECK(a6->sin6_family == AF_INET6 && ntohs(a6->sin6_port) == 5353);
	CHECK(parse("http://192.0.2.1:8080/gen_204", &t) == 0);
	CHECK(t.kind == PROBE_HTTP && !strcmp(t.path, "/gen_204") &&
	      !strcmp(t.host, "192.0.2.1:8080") && ntohs(a4->sin_port) == 8080);
	CHECK(parse("http://10.0.0.1", &t) == 0);
	CHECK(!strcmp(t.path, "/") && ntohs(a4->sin_port) == 80);
	/* bad ones */
	CHECK(parse("", &t) < 0);
	CHECK(parse("ping:10.0.0.1", &t) < 0);
	CHECK(parse("dns:example.com", &t) < 0);
	CHECK(parse("dns:@10.0.0.1", &t) < 0);
	CHECK(parse("dns:a..b@10.0.0.1", &t) < 0);
	CHECK(parse("dns:example.com@host.example", &t) < 0);	/* numeric only */
	CHECK(parse("dns:example.com@10.0.0.1:0", &t) < 0);
	CHECK(parse("dns:example.com@10.0.0.1:65536", &t) < 0);
	CHECK(parse("dns:example.com@10.0.0.1:", &t) < 0);
	CHECK(parse("dns:example.com@[2001:db8::1", &t) < 0);
	CHECK(parse("http://", &t) < 0);
	CHECK(parse("http:///x", &t) < 0);
	CHECK(parse("http://10.0.0.1/a b", &t) < 0);
	CHECK(parse("http://10.0.0.1:x/", &t) < 0);
	CHECK(parse("https://10.0.0.1/", &t) < 0);
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		memcpy(big, "dns:", 4);
		CHECK(parse(big, &t) < 0);
	}
}

static void test_dns_query(void)
{
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
	};
	uint8_t q[PROBE_DNS_MAX];
	char label[80];

	CHECK(probe_dns_query("example.com", 0x1234, q, sizeof(q)) == sizeof(want));
	CHECK_MEM(q, want, sizeof(want));
	/* a trailing dot is the root: the same query */
	CHECK(probe_dns_query("example.com.", 0x1234, q, sizeof(q)) == sizeof(want));
	CHECK_MEM(q, want, sizeof(want));
	CHECK(probe_dns_query("", 1, q, sizeof(q)) == 0);
	CHECK(probe_dns_query(".", 1, q, sizeof(q)) == 0);
	CHECK(probe_dns_query(".com", 1, q, sizeof(q)) == 0);
	CHECK(probe_dns_query("a b.com", 1, q, sizeof(q)) == 0);
	CHECK(probe_dns_query("example.com", 1, q, 20) == 0);	/* no room */
	memset(label, 'x', 64);
	label[64] = 0;
	CHECK(probe_dns_query(label, 1, q, sizeof(q)) == 0);	/* a label of 64 */
	label[63] = 0;
	CHECK(probe_dns_query(label, 1, q, sizeof(q)) == 12 + 65 + 4);
}

static void test_dns_reply(void)
{
	uint8_t q[PROBE_DNS_MAX], r[PROBE_DNS_MAX];
	size_t n = probe_dns_query("Example.com", 0xbeef, q, sizeof(q));

	memcpy(r, q, n);
	r[2] = 0x81;		/* QR, RD */
	r[3] = 0x80;		/* RA, NOERROR */
	CHECK(probe_dns_reply(q, n, r, n) == 0);
	/* an answer section after the question changes nothing */
	memset(r + n, 0xc0, 16);
	CHECK(probe_dns_reply(q, n, r, n + 16) == 0);
	r[3] = 0x83;
	CHECK(probe_dns_reply(q, n, r, n) == 3);		/* NXDOMAIN */
	r[3] = 0x82;
	CHECK(probe_dns_reply(q, n, r, n) == 2);		/* SERVFAIL */
	/* 0x20 mixed case from a resolver: the same question */
	r[13] = 'E';
	r[14] = 'X';
	CHECK(probe_dns_reply(q, n, r, n) == 2);
	r[14] = 'y';
	CHECK(probe_dns_reply(q, n, r, n) == -1);		/* another name */
	r[14] = 'x';
	r[1] ^= 1;
	CHECK(probe_dns_reply(q, n, r, n) == -1);		/* another id */
	r[1] ^= 1;
	r[2] = 0x01;
	CHECK(probe_dns_reply(q, n, r, n) == -1);		/* a query, not a reply */
	r[2] = 0x81 | 0x10;
	CHECK(probe_dns_reply(q, n, r, n) == -1);		/* opcode 2 */
	r[2] = 0x81;
	r[5] = 0;
	CHECK(probe_dns_reply(q, n, r, n) == -1);		/* no question */
	r[5] = 1;
	CHECK(probe_dns_reply(q, n, r, n - 1) == -1);		/* truncated */
	CHECK(probe_dns_reply(q, n, r, 0) == -1);
	CHECK(probe_dns_reply(q, 0, r, n) == -1);
	/* the type asked: another type is another question */
	r[n - 3] = 28;
	CHECK(probe_dns_reply(q, n, r, n) == -1);
}

static void test_http_status(void)
{
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	CHECK(probe_http_status(ok, strlen(ok)) == 200);
	CHECK(probe_http_status("HTTP/1.0 204\r\n", 14) == 204);
	CHECK(probe_http_status("HTTP/1.1 302 Found\n", 19) == 302);
	CHECK(probe_http_status("HTTP/1.1 503 Service Unavailable\r\n", 34) == 503);
	/* not complete yet */
	CHECK(probe_http_status("", 0) == 0);
	CHECK(probe_http_status("HT", 2) == 0);
	CHECK(probe_http_status("HTTP/1.1 200 O", 14) == 0);
	/* garbage */
	CHECK(probe_http_status("SSH-2.0-OpenSSH\r\n", 17) == -1);
	CHECK(probe_http_status("\x16\x03\x01", 3) == -1);	/* TLS */
	CHECK(probe_http_status("HTTP/1.1 20 OK\r\n", 16) == -1);
	CHECK(probe_http_status("HTTP/1.1 2000 OK\r\n", 18) == -1);
	CHECK(probe_http_status("HTTP/1.1 600 X\r\n", 16) == -1);
	CHECK(probe_http_status("HTTP/1.1 099 X\r\n", 16) == -1);
	CHECK(probe_http_status("HTTP/x.1 200 OK\r\n", 17) == -1);
	CHECK(probe_http_status("HTTP/1.1\r\n", 10) == -1);
	CHECK(probe_http_status("HTTP/1.1 2a0 OK\r\n", 17) == -1);
	{
		/* a status line that never ends */
		static char big[2000];

		memcpy(big, "HTTP/1.1 200 ", 13);
		memset(big + 13, 'x', sizeof(big) - 13);
		CHECK(probe_http_status(big, sizeof(big)) == -1);
	}
}

/* random bytes: never a crash, never a reply to a query it does not echo */
static void test_random_input(void)
{
	uint8_t q[PROBE_DNS_MAX], r[PROBE_DNS_MAX];
	size_t n = probe_dns_query("probe.example", 0x4242, q, sizeof(q));
	unsigned int seed = 1, i, k, len;
	int accepted = 0;

	for (i = 0; i < 20000; i++) {
		len = (unsigned int)rand_r(&seed) % sizeof(r);
		for (k = 0; k < len; k++)
			r[k] = (uint8_t)rand_r(&seed);
		if (i % 2) {
			/* half of them begin like the reply */
			memcpy(r, q, len < n ? len : n);
			r[2] = 0x81;
		}
		if (probe_dns_reply(q, n, r, len) >= 0) {
			accepted++;
			CHECK(len >= n && !memcmp(r + 12, q + 12, n - 12) && r[0] == 0x42);
		}
		k = (unsigned int)probe_http_status((const char *)r, len);
		CHECK((int)k == -1 || (int)k == 0 || ((int)k >= 100 && (int)k <= 599));
	}
	CHECK(accepted > 0);
}

/* ---- the client against loopback servers ---- */

static bool got_ok;
static int got_n;
static char got_detail[PROBE_DETAIL_MAX];

static void done(void *arg, bool ok, const char *detail)
{
	got_ok = ok;
	got_n++;
	snprintf(got_detail, sizeof(got_detail), "%s", detail);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/*
 * Serve the probe's fd until the outcome, at most 3 s; @serve (the
 * server's side, never blocking) gets its turn every 10 ms.
 */
static void run_probe(struct probe *p, void (*serve)(void))
{
	uint64_t end = now_ms() + 3000;

	got_n = 0;
	CHECK(probe_start(p, done, NULL) == 0);
	while (!got_n && now_ms() < end) {
		struct pollfd pf = { probe_fd(p), POLLIN, 0 };

		if (serve)
			serve();
		if (poll(&pf, 1, 10) > 0)
			probe_input(p);
	}
	CHECK(got_n == 1);
	CHECK(!probe_busy(p));
}

static int dns_rcode, srv_fd = -1, conn_fd = -1;

static void serve_dns(void)
{
	uint8_t b[PROBE_DNS_MAX], junk[PROBE_DNS_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(srv_fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

	if (n < 12)
		return;
	/* first a stray reply of another id: ignored */
	memcpy(junk, b, (size_t)n);
	junk[0] ^= 0xff;
	junk[2] |= 0x80;
	sendto(srv_fd, junk, (size_t)n, 0, (struct sockaddr *)&from, fl);
	b[2] |= 0x80;
	b[3] = (uint8_t)dns_rcode;
	sendto(srv_fd, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
}

static const char *http_reply;

/* one connection at a time: accepted, then answered once its request is in */
static void serve_http(void)
{
	char b[512];
	ssize_t n;

	if (conn_fd < 0) {
		conn_fd = accept4(srv_fd, NULL, NULL, SOCK_NONBLOCK);
		if (conn_fd < 0)
			return;
	}
	n = read(conn_fd, b, sizeof(b));
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0 && http_reply)
		CHECK(write(conn_fd, http_reply, strlen(http_reply)) == (ssize_t)strlen(http_reply));
	close(conn_fd);
	conn_fd = -1;
}

/* a loopback server; @target: @scheme with its port */
static int listener(int type, char *target, size_t size, const char *pre, const char *post)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	if (type == SOCK_STREAM)
		CHECK(listen(fd, 4) == 0);
	snprintf(target, size, "%s127.0.0.1:%u%s", pre, ntohs(a.sin_port), post);
	return fd;
}

static void test_client_dns(void)
{
	struct probe_target t;
	struct probe p;
	char target[128];
	int fd = listener(SOCK_DGRAM, target, sizeof(target), "dns:probe.example@", "");

	srv_fd = fd;

	CHECK(parse(target, &t) == 0);
	CHECK(probe_init(&p, &t, 500) == 0);
	CHECK(!probe_busy(&p));
	dns_rcode = 0;
	run_probe(&p, serve_dns);
	CHECK(got_ok && !strcmp(got_detail, "rcode 0"));
	dns_rcode = 3;
	run_probe(&p, serve_dns);
	CHECK(got_ok && !strcmp(got_detail, "rcode 3"));
	dns_rcode = 5;
	run_probe(&p, serve_dns);
	CHECK(!got_ok && !strcmp(got_detail, "rcode 5"));
	/* a black hole: the query goes, nothing comes back */
	run_probe(&p, NULL);
	CHECK(!got_ok && !strcmp(got_detail, "timeout"));
	/* a cancelled probe never calls back */
	got_n = 0;
	CHECK(probe_start(&p, done, NULL) == 0 && probe_busy(&p));
	probe_cancel(&p);
	CHECK(!probe_busy(&p) && got_n == 0);
	probe_free(&p);
	close(fd);
}

static void test_client_http(void)
{
	struct probe_target t;
	struct probe p;
	char target[128];
	int fd = listener(SOCK_STREAM, target, sizeof(target), "http://", "/gen_204");

	srv_fd = fd;
	fcntl(fd, F_SETFL, O_NONBLOCK);

	CHECK(parse(target, &t) == 0);
	CHECK(probe_init(&p, &t, 500) == 0);
	http_reply = "HTTP/1.1 204 No Content\r\n\r\n";
	run_probe(&p, serve_http);
	CHECK(got_ok && !strcmp(got_detail, "HTTP 204"));
	http_reply = "HTTP/1.1 503 Service Unavailable\r\n\r\n";
	run_probe(&p, serve_http);
	CHECK(!got_ok && !strcmp(got_detail, "HTTP 503"));
	http_reply = "SSH-2.0-x\r\n";
	run_probe(&p, serve_http);
	CHECK(!got_ok);
	http_reply = NULL;	/* closed without an answer */
	run_probe(&p, serve_http);
	CHECK(!got_ok);
	/* accepted by the kernel, never answered */
	run_probe(&p, NULL);
	CHECK(!got_ok && !strcmp(got_detail, "timeout"));
	probe_free(&p);
	if (conn_fd >= 0)
		close(conn_fd);
	conn_fd = -1;
	close(fd);
	/* nobody listens there now: refused */
	CHECK(probe_init(&p, &t, 500) == 0);
	run_probe(&p, NULL);
	CHECK(!got_ok && strstr(got_detail, "refused"));
	probe_free(&p);
}

int main(void)
{
	RUN(test_target);
	RUN(test_dns_query);
	RUN(test_dns_reply);
	RUN(test_http_status);
	RUN(test_random_input);
	RUN(test_client_dns);
	RUN(test_client_http);
	DONE();
}
