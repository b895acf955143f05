// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's SIM-server client (server.h): libcurl multi on an epoll fd and a
 * timerfd of its own; the slots, the attempts and their retries, the API.
 * The request bodies, the replies and each request's easy handle are in
 * the files server_int.h lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/log.h"
#include "server_int.h"

#define NS_PER_MS 1000000ull

static unsigned int curl_users;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

const char *srv_status_name(int status)
{
	switch (status) {
	case SRV_OK: return "ok";
	case SRV_ERR_TRANSPORT: return "transport";
	case SRV_ERR_TLS: return "tls";
	case SRV_ERR_SERVER: return "server";
	case SRV_ERR_REPLY: return "reply";
	}
	return "?";
}

static void rearm(struct srv *s)
{
	struct itimerspec its = { 0 };
	uint64_t t = s->curl_deadline;
	unsigned int i;

	if (!s->slots || s->tfd < 0)
		return;
	for (i = 0; i < SRV_MAX_INFLIGHT; i++) {
		struct srv_slot *sl = &s->slots[i];

		if (sl->used && !sl->running && sl->retry_at && (!t || sl->retry_at < t))
			t = sl->retry_at;
	}
	if (t) {
		its.it_value.tv_sec = (time_t)(t / 1000000000ull);
		its.it_value.tv_nsec = (long)(t % 1000000000ull);
	}
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int timer_cb(CURLM *m, long timeout_ms, void *arg)
{
	struct srv *s = arg;

	if (timeout_ms < 0)
		s->curl_deadline = 0;
	else
		s->curl_deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS + 1;
	rearm(s);
	return 0;
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct srv *s = arg;
	struct epoll_event ev = { .data.fd = fd };

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
	    (errno != ENOENT || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)) {
		log_err("server: epoll_ctl(%d): %s", fd, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- slots ---- */

static void slot_free(struct srv_slot *sl)
{
	struct srv *s = sl->s;

	if (sl->running)
		srv_cu.multi_remove_handle(s->multi, sl->easy);
	if (sl->easy)
		srv_cu.easy_cleanup(sl->easy);
	srv_cu.slist_free_all(sl->headers);
	if (sl->buf) {
		explicit_bzero(sl->buf, SRV_REPLY_MAX);
		free(sl->buf);
	}
	free(sl->body);
	explicit_bzero(sl, sizeof(*sl));
	sl->s = s;
}

static uint64_t rng_next(struct srv *s)
{
	/* xorshift64*: jitter only */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ull;
}

static void finish(struct srv_slot *sl, struct srv_reply *rep)
{
	srv_done_fn *done = sl->done;
	void *arg = sl->arg;

	rep->kind = sl->req.kind;
	rep->attempts = sl->attempts;
	rep->elapsed_ms = (now_ns() - sl->submitted) / NS_PER_MS;
	snprintf(rep->idem_key, sizeof(rep->idem_key), "%s", sl->req.idem_key);
	if (rep->status == SRV_OK)
		log_debug("server: POST %s: ok after %u attempt(s)", sl->path, sl->attempts);
	else
		log_debug("server: POST %s: %s after %u attempt(s): %s", sl->path,
			  srv_status_name(rep->status), sl->attempts, rep->message);
	slot_free(sl);
	done(arg, rep);
	srv_free_profiles(rep);
}

static int start_attempt(struct srv_slot *sl)
{
	struct srv *s = sl->s;
	CURLMcode mc;

	sl->retry_at = 0;
	sl->len = 0;
	sl->too_big = false;
	sl->retry_after_s = -1;
	sl->ctype[0] = 0;
	sl->errbuf[0] = 0;
	sl->attempts++;
	mc = srv_cu.multi_add_handle(s->multi, sl->easy);
	if (mc != CURLM_OK) {
		struct srv_reply rep = { .status = SRV_ERR_TRANSPORT };

		snprintf(rep.message, sizeof(rep.message), "curl: %s", srv_cu.multi_strerror(mc));
		finish(sl, &rep);
		return -1;
	}
	sl->running = true;
	return 0;
}

static bool tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return true;
	default:
		return false;
	}
}

static bool transient_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_INTERFACE_FAILED:
	case CURLE_AGAIN:
		return true;
	default:
		return false;
	}
}

static bool transient_http(long http)
{
	return http == 408 || http == 429 || http == 502 || http == 503 || http == 504;
}

/* One attempt ended with @rc: retry, or the reply. */
static void attempt_done(struct srv_slot *sl, CURLcode rc)
{
	struct srv *s = sl->s;
	struct srv_reply rep = { .status = SRV_ERR_TRANSPORT };
	bool retry = false;
	long http = 0;

	srv_cu.easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &http);
	rep.http = http;
	if (rc == CURLE_OK && http >= 200 && http < 300) {
		srv_parse_ok(sl, &rep);
	} else if (rc == CURLE_OK) {
		rep.status = SRV_ERR_SERVER;
		retry = transient_http(http);
		srv_parse_error(sl, &rep);
	} else if (sl->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		rep.status = SRV_ERR_REPLY;
		snprintf(rep.message, sizeof(rep.message),
			 "bad reply: larger than %d bytes", SRV_REPLY_MAX);
	} else {
		rep.status = tls_error(rc) ? SRV_ERR_TLS : SRV_ERR_TRANSPORT;
		retry = transient_error(rc);
		snprintf(rep.message, sizeof(rep.message), "%.80s%s%.160s", srv_cu.easy_strerror(rc),
			 sl->errbuf[0] ? ": " : "", sl->errbuf);
	}
	explicit_bzero(sl->buf, sl->len);
	if (retry && sl->retry_after_s > SRV_RETRY_AFTER_MAX_S) {
		snprintf(rep.message + strlen(rep.message), sizeof(rep.message) - strlen(rep.message),
			 " (Retry-After %ld s: not waiting)", sl->retry_after_s);
		retry = false;
	}
	if (retry && sl->attempts < s->cfg.attempts) {
		uint64_t d = (uint64_t)s->cfg.backoff_base_ms << (sl->attempts - 1);

		if (d > s->cfg.backoff_cap_ms)
			d = s->cfg.backoff_cap_ms;
		/* jitter: from half the delay to all of it */
		d = d / 2 + rng_next(s) % (d / 2 + 1);
		if (sl->retry_after_s >= 0 && (uint64_t)sl->retry_after_s * 1000 > d)
			d = (uint64_t)sl->retry_after_s * 1000;
		log_info("server: POST %s: attempt %u of %u: %s; again in %llu ms", sl->path,
			 sl->attempts, s->cfg.attempts, rep.message, (unsigned long long)d);
		sl->retry_at = now_ns() + d * NS_PER_MS + 1;
		rearm(s);
		return;
	}
	finish(sl, &rep);
}

static void check_done(struct srv *s)
{
	CURLMsg *msg;
	int left;

	while ((msg = srv_cu.multi_info_read(s->multi, &left))) {
		struct srv_slot *sl = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		srv_cu.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
		if (!sl || !sl->used || !sl->running)
			continue;
		srv_cu.multi_remove_handle(s->multi, sl->easy);
		sl->running = false;
		attempt_done(sl, msg->data.result);
	}
}

/* ---- the API ---- */

static int cfg_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "server: %s", what);
	return -1;
}

int srv_init(struct srv *s, const struct srv_config *c, char *err, size_t errlen)
{
	size_t n;

	memset(s, 0, sizeof(*s));
	s->epfd = s->tfd = -1;
	if (strncmp(c->url, "https://", 8) || strlen(c->url) <= 8 ||
	    strnlen(c->url, sizeof(c->url)) >= sizeof(c->url))
		return cfg_fail(err, errlen, "server_url: not an https:// URL");
	if (!srv_valid_word(c->device, strnlen(c->device, sizeof(c->device)),
			    sizeof(c->device) - 1, 0))
		return cfg_fail(err, errlen, "device_id: 1-63 of A-Z a-z 0-9 . _ -");
	if (!c->secret[0] && !c->cert_file[0])
		return cfg_fail(err, errlen, "neither a device secret nor a device certificate");
	if (c->key_file[0] && !c->cert_file[0])
		return cfg_fail(err, errlen, "device_key without device_cert");
	if (c->attempts > 20)
		return cfg_fail(err, errlen, "server_attempts: 1 to 20");
	if (c->timeout_ms > 600000 || c->connect_timeout_ms > 600000)
		return cfg_fail(err, errlen, "server_timeout_ms: at most 600000");
	s->cfg = *c;
	if (!s->cfg.timeout_ms)
		s->cfg.timeout_ms = SRV_TIMEOUT_MS;
	if (!s->cfg.connect_timeout_ms)
		s->cfg.connect_timeout_ms = SRV_CONNECT_TIMEOUT_MS;
	if (!s->cfg.attempts)
		s->cfg.attempts = SRV_ATTEMPTS;
	if (!s->cfg.backoff_base_ms)
		s->cfg.backoff_base_ms = SRV_BACKOFF_BASE_MS;
	if (!s->cfg.backoff_cap_ms)
		s->cfg.backoff_cap_ms = SRV_BACKOFF_CAP_MS;
	n = strlen(s->cfg.url);
	while (n > 8 && s->cfg.url[n - 1] == '/')
		s->cfg.url[--n] = 0;
	if (getrandom(&s->rng, sizeof(s->rng), 0) != sizeof(s->rng))
		s->rng = now_ns();
	s->rng |= 1;

	if (srv_load_curl(err, errlen)) {
		explicit_bzero(s->cfg.secret, sizeof(s->cfg.secret));
		return -1;
	}
	if (!curl_users && srv_cu.global_init(CURL_GLOBAL_DEFAULT)) {
		explicit_bzero(s->cfg.secret, sizeof(s->cfg.secret));
		return cfg_fail(err, errlen, "curl_global_init failed");
	}
	curl_users++;
	s->slots = calloc(SRV_MAX_INFLIGHT, sizeof(*s->slots));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	s->multi = srv_cu.multi_init();
	if (!s->slots || s->epfd < 0 || s->tfd < 0 || !s->multi) {
		snprintf(err, errlen, "server: %s", strerror(errno ? errno : ENOMEM));
		srv_free(s);
		return -1;
	}
	for (n = 0; n < SRV_MAX_INFLIGHT; n++)
		s->slots[n].s = s;
	srv_cu.multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	srv_cu.multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	srv_cu.multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	srv_cu.multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	return 0;
}

void srv_free(struct srv *s)
{
	if (s->slots)
		srv_cancel_all(s);
	if (s->multi)
		srv_cu.multi_cleanup(s->multi);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s->slots);
	if (s->multi || s->slots) {
		if (curl_users && !--curl_users)
			srv_cu.global_cleanup();
	}
	explicit_bzero(s, sizeof(*s));
	s->epfd = s->tfd = -1;
}

unsigned int srv_pending(const struct srv *s)
{
	unsigned int i, n = 0;

	for (i = 0; s->slots && i < SRV_MAX_INFLIGHT; i++)
		n += s->slots[i].used;
	return n;
}

int srv_submit(struct srv *s, const struct srv_request *r, srv_done_fn *done, void *arg)
{
	struct srv_slot *sl = NULL;
	unsigned int i;
	int err;

	if (!done || srv_check_request(r))
		return -EINVAL;
	for (i = 0; i < SRV_MAX_INFLIGHT && !sl; i++)
		if (!s->slots[i].used)
			sl = &s->slots[i];
	if (!sl)
		return -EBUSY;
	sl->used = true;
	sl->req = *r;
	sl->done = done;
	sl->arg = arg;
	sl->submitted = now_ns();
	if (!sl->req.idem_key[0]) {
		uint8_t rnd[16];
		int n;

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			err = errno ? -errno : -EIO;
			slot_free(sl);
			return err;
		}
		n = snprintf(sl->req.idem_key, sizeof(sl->req.idem_key), "%s-", s->cfg.device);
		for (i = 0; i < sizeof(rnd); i++)
			n += snprintf(sl->req.idem_key + n, sizeof(sl->req.idem_key) - (size_t)n,
				      "%02x", rnd[i]);
	}
	sl->body = srv_request_body(s, &sl->req, &sl->body_len);
	err = sl->body ? srv_slot_setup(s, sl) : -ENOMEM;
	if (err) {
		slot_free(sl);
		return err;
	}
	if (srv_cu.multi_add_handle(s->multi, sl->easy) != CURLM_OK) {
		slot_free(sl);
		return -ENOMEM;
	}
	sl->attempts = 1;
	sl->running = true;
	sl->retry_after_s = -1;
	return 0;
}

void srv_cancel_all(struct srv *s)
{
	unsigned int i;

	for (i = 0; i < SRV_MAX_INFLIGHT; i++)
		if (s->slots[i].used)
			slot_free(&s->slots[i]);
	rearm(s);
}

void srv_input(struct srv *s)
{
	struct epoll_event evs[16];
	int i, n, running;

	n = epoll_wait(s->epfd, evs, 16, 0);
	for (i = 0; i < n; i++) {
		int flags = 0;

		if (evs[i].events & EPOLLIN)
			flags |= CURL_CSELECT_IN;
		if (evs[i].events & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			flags |= CURL_CSELECT_ERR;
		srv_cu.multi_socket_action(s->multi, evs[i].data.fd, flags, &running);
	}
	check_done(s);
}

void srv_timer(struct srv *s)
{
	uint64_t tick, now = now_ns();
	unsigned int i;
	int running;

	if (read(s->tfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
		log_err("server: timerfd: %s", strerror(errno));
	if (s->curl_deadline && s->curl_deadline <= now) {
		s->curl_deadline = 0;
		srv_cu.multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	check_done(s);
	for (i = 0; i < SRV_MAX_INFLIGHT; i++) {
		struct srv_slot *sl = &s->slots[i];

		if (sl->used && !sl->running && sl->retry_at && sl->retry_at <= now)
			start_attempt(sl);
	}
	rearm(s);
}
