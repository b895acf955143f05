// SPDX-License-Identifier: GPL-2.0
/*
 * The SIM-server client's HTTP (server_int.h): one request's easy handle,
 * its options (https only, TLS 1.2 or later, verified) and callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server_int.h"

static const char *const kind_path[] = {
	[SRV_SEEDS] = "/seeds",
	[SRV_VSIM] = "/vsim",
	[SRV_RELEASE] = "/vsim/release",
	[SRV_REPORT] = "/report",
};

/* ---- curl callbacks ---- */

static size_t write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct srv_slot *sl = arg;
	size_t len = size * n;

	if (len > SRV_REPLY_MAX - sl->len) {
		sl->too_big = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	memcpy(sl->buf + sl->len, data, len);
	sl->len += len;
	return len;
}

static size_t header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct srv_slot *sl = arg;
	size_t len = size * n, i;
	char line[128];

	if (len >= sizeof(line))
		return len;
	memcpy(line, data, len);
	line[len] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!strncasecmp(line, "HTTP/", 5)) {	/* a new response: forget the last */
		sl->retry_after_s = -1;
		sl->ctype[0] = 0;
	} else if (!strncasecmp(line, "Content-Type:", 13)) {
		const char *v = line + 13 + strspn(line + 13, " \t");

		srv_copy_text(sl->ctype, sizeof(sl->ctype), v, strlen(v));
		for (i = 0; sl->ctype[i]; i++)
			if (sl->ctype[i] >= 'A' && sl->ctype[i] <= 'Z')
				sl->ctype[i] = (char)(sl->ctype[i] - 'A' + 'a');
	} else if (!strncasecmp(line, "Retry-After:", 12)) {
		const char *v = line + 12 + strspn(line + 12, " \t");
		char *end;
		long secs;

		errno = 0;
		secs = strtol(v, &end, 10);
		if (end != v && !errno && secs >= 0 && !*(end + strspn(end, " \t"))) {
			sl->retry_after_s = secs;
		} else {
			time_t t = srv_cu.getdate(v, NULL);

			if (t != -1)
				sl->retry_after_s = t > time(NULL) ? (long)(t - time(NULL)) : 0;
		}
	}
	return len;
}

int srv_slot_setup(struct srv *s, struct srv_slot *sl)
{
	const struct srv_config *c = &s->cfg;
	char key[SRV_KEY_MAX + 32];
	CURL *e;

	sl->path = kind_path[sl->req.kind];
	snprintf(sl->url, sizeof(sl->url), "%s%s", c->url, sl->path);
	sl->buf = malloc(SRV_REPLY_MAX + 1);
	sl->easy = e = srv_cu.easy_init();
	if (!sl->buf || !e)
		return -ENOMEM;
	snprintf(key, sizeof(key), "Idempotency-Key: %s", sl->req.idem_key);
	sl->headers = srv_cu.slist_append(NULL, "Content-Type: application/json");
	sl->headers = srv_cu.slist_append(sl->headers, "Accept: application/json");
	sl->headers = srv_cu.slist_append(sl->headers, "Expect:");
	sl->headers = srv_cu.slist_append(sl->headers, key);
	if (!sl->headers)
		return -ENOMEM;

	srv_cu.easy_setopt(e, CURLOPT_URL, sl->url);
	srv_cu.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	srv_cu.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	srv_cu.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	srv_cu.easy_setopt(e, CURLOPT_USERAGENT, "vuiccd/1");
	srv_cu.easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	srv_cu.easy_setopt(e, CURLOPT_POST, 1L);
	srv_cu.easy_setopt(e, CURLOPT_POSTFIELDS, sl->body);
	srv_cu.easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)sl->body_len);
	srv_cu.easy_setopt(e, CURLOPT_HTTPHEADER, sl->headers);
	srv_cu.easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	srv_cu.easy_setopt(e, CURLOPT_WRITEDATA, sl);
	srv_cu.easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	srv_cu.easy_setopt(e, CURLOPT_HEADERDATA, sl);
	srv_cu.easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SRV_REPLY_MAX);
	srv_cu.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	srv_cu.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	srv_cu.easy_setopt(e, CURLOPT_ERRORBUFFER, sl->errbuf);
	srv_cu.easy_setopt(e, CURLOPT_PRIVATE, sl);
	/* TLS 1.2 or later, the server's certificate always verified */
	srv_cu.easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	srv_cu.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	srv_cu.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file[0]) {	/* that CA and no other */
		srv_cu.easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
		srv_cu.easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (c->cert_file[0]) {
		srv_cu.easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
		srv_cu.easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		srv_cu.easy_setopt(e, CURLOPT_SSLKEY, c->key_file[0] ? c->key_file : c->cert_file);
	}
	if (c->secret[0]) {
		srv_cu.easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		srv_cu.easy_setopt(e, CURLOPT_USERNAME, c->device);
		srv_cu.easy_setopt(e, CURLOPT_PASSWORD, c->secret);
	}
	if (c->interface[0])
		srv_cu.easy_setopt(e, CURLOPT_INTERFACE, c->interface);
	return 0;
}

