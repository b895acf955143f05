/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIM-server client's files, and what they give one another (server.h
 * is the API).  Each file calls only those listed above its own section:
 *
 *   server_curl.c   libcurl, opened with dlopen
 *   server_req.c    the checks of a request and its JSON body
 *   server_reply.c  the parsing of a reply (json-c), its profiles
 *   server_http.c   one request's easy handle: options, callbacks
 *   server.c        the slots, the attempts and their retries, the API
 */
#ifndef VUICC_SERVER_INT_H
#define VUICC_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "server.h"

struct srv_slot {
	bool used;
	bool running;		/* the easy handle is in the multi handle */
	struct srv *s;
	struct srv_request req;
	CURL *easy;
	struct curl_slist *headers;
	const char *path;
	char url[320];
	char *body;
	size_t body_len;
	char *buf;		/* the reply, SRV_REPLY_MAX + 1 */
	size_t len;
	bool too_big;
	long retry_after_s;	/* -1: none */
	char ctype[64];
	unsigned int attempts;
	uint64_t submitted, retry_at;	/* ns; retry_at 0: not waiting */
	char errbuf[CURL_ERROR_SIZE];
	srv_done_fn *done;
	void *arg;
};

/* ---- server_curl.c ---- */

/*
 * libcurl is opened at the first srv_init(), not linked: it and what it
 * links (OpenSSL, nghttp2, LDAP, Kerberos... about 6 MiB resident on
 * Debian) stay out of a vuiccd that has no SIM server configured.
 */
struct srv_curl {
	void *lib;
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *e, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *e);
	const char *(*easy_strerror)(CURLcode rc);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t fd, int mask, int *running);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_cleanup)(CURLM *m);
	const char *(*multi_strerror)(CURLMcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	time_t (*getdate)(const char *s, const time_t *unused);
};

extern struct srv_curl srv_cu;

/* Opens libcurl (once); 0, or -1 with a message in @err. */
int srv_load_curl(char *err, size_t errlen);

/* ---- server_req.c ---- */

/* 1 to @max characters of A-Z a-z 0-9 . _ - (and @extra) */
bool srv_valid_word(const char *s, size_t len, size_t max, char extra);
/* 0, or -EINVAL when a field of @r is invalid */
int srv_check_request(const struct srv_request *r);
/* The JSON body of @r (malloc'd, its length in *@len), or NULL. */
char *srv_request_body(const struct srv *s, const struct srv_request *r, size_t *len);

/* ---- server_reply.c ---- */

/* Copies @len bytes of @src, the unprintable ones as '?' (for logs). */
void srv_copy_text(char *dst, size_t size, const char *src, size_t len);
/* Wipes and frees the reply's profiles. */
void srv_free_profiles(struct srv_reply *rep);
/* A 2xx reply: the fields of its kind. */
void srv_parse_ok(struct srv_slot *sl, struct srv_reply *rep);
/* The "error" object of an error reply, if it has a good one. */
void srv_parse_error(struct srv_slot *sl, struct srv_reply *rep);

/* ---- server_http.c ---- */

/* The easy handle of @sl's request: URL, headers, TLS, callbacks. */
int srv_slot_setup(struct srv *s, struct srv_slot *sl);

#endif
