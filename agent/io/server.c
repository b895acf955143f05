// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's SIM-server client (server.h): libcurl multi on an epoll fd and a
 * timerfd of its own, json-c for the bodies.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/log.h"
#include "server.h"

#define NS_PER_MS 1000000ull
#define PROFILE_TEXT_LIMIT SRV_REPLY_MAX

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

static unsigned int curl_users;

/*
 * libcurl is opened at the first srv_init(), not linked: it and what it
 * links (OpenSSL, nghttp2, LDAP, Kerberos... about 6 MiB resident on
 * Debian) stay out of a vuiccd that has no SIM server configured.
 */
static struct {
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
} cu;

#define CURL_SYM(f) { "curl_" #f, (void **)&cu.f }

static int load_curl(char *err, size_t errlen)
{
	static const struct { const char *name; void **p; } syms[] = {
		CURL_SYM(global_init), CURL_SYM(global_cleanup), CURL_SYM(easy_init),
		CURL_SYM(easy_setopt), CURL_SYM(easy_getinfo), CURL_SYM(easy_cleanup),
		CURL_SYM(easy_strerror), CURL_SYM(multi_init), CURL_SYM(multi_setopt),
		CURL_SYM(multi_add_handle), CURL_SYM(multi_remove_handle),
		CURL_SYM(multi_socket_action), CURL_SYM(multi_info_read),
		CURL_SYM(multi_cleanup), CURL_SYM(multi_strerror), CURL_SYM(slist_append),
		CURL_SYM(slist_free_all), CURL_SYM(getdate),
	};
	const curl_version_info_data *(*version)(CURLversion v);
	const curl_version_info_data *vi;
	void *lib;
	size_t i;

	if (cu.lib)
		return 0;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen, "server: cannot load libcurl (install libcurl4): %s",
			 dlerror());
		return -1;
	}
	*(void **)&version = dlsym(lib, "curl_version_info");
	vi = version ? version(CURLVERSION_NOW) : NULL;
	/* CURLOPT_PROTOCOLS_STR is 7.85 */
	if (!vi || vi->version_num < 0x075500 || !(vi->features & CURL_VERSION_SSL)) {
		snprintf(err, errlen, "server: libcurl %s: 7.85 or later with TLS needed",
			 vi ? vi->version : "?");
		dlclose(lib);
		return -1;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].p = dlsym(lib, syms[i].name);
		if (!*syms[i].p) {
			snprintf(err, errlen, "server: libcurl: no %s", syms[i].name);
			dlclose(lib);
			return -1;
		}
	}
	cu.lib = lib;	/* never closed: OpenSSL does not like to be unloaded */
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static const char *const kind_path[] = {
	[SRV_SEEDS] = "/seeds",
	[SRV_VSIM] = "/vsim",
	[SRV_RELEASE] = "/vsim/release",
	[SRV_REPORT] = "/report",
};

static const char *const rat_names[SRV_RATS] = { "gsm", "umts", "lte" };

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

/* ---- checks of names and values ---- */

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* 1 to @max characters of A-Z a-z 0-9 . _ - (and @extra) */
static bool valid_word(const char *s, size_t len, size_t max, char extra)
{
	size_t i;

	if (!len || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!name_char(s[i]) && !(extra && s[i] == extra))
			return false;
	return true;
}

static bool valid_name(const char *s)
{
	return valid_word(s, strnlen(s, SRV_NAME_LEN), VUICC_PROFILE_NAME_MAX, 0);
}

static bool valid_plmn(const char *s)
{
	size_t i, n = strnlen(s, 7);

	if (n != 5 && n != 6)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool valid_dbm(int v)
{
	return v == SRV_DBM_UNKNOWN || (v >= -200 && v <= 0);
}

/* ---- request bodies ---- */

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_hex(json_object *o, const char *k, uint32_t v, int width)
{
	char b[16];

	if (v == SRV_UNKNOWN) {
		json_object_object_add(o, k, NULL);
		return;
	}
	snprintf(b, sizeof(b), "%0*x", v > 0xffff && width < 6 ? 6 : width, v);
	add_str(o, k, b);
}

static json_object *location_json(const struct srv_location *l)
{
	json_object *o = json_object_new_object();

	add_str(o, "plmn", l->plmn);
	add_hex(o, "tac", l->tac, 4);
	add_hex(o, "lac", l->lac, 4);
	add_hex(o, "cell", l->cell, 8);
	if (l->has_coords) {
		json_object_object_add(o, "lat", json_object_new_double(l->lat));
		json_object_object_add(o, "lon", json_object_new_double(l->lon));
	}
	return o;
}

static json_object *rats_json(unsigned int rats)
{
	json_object *a = json_object_new_array();
	int r;

	for (r = 0; r < SRV_RATS; r++)
		if (rats & SRV_RAT_BIT(r))
			json_object_array_add(a, json_object_new_string(rat_names[r]));
	return a;
}

static json_object *names_json(const struct srv_request *r)
{
	json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < r->n_names; i++)
		json_object_array_add(a, json_object_new_string(r->names[i]));
	return a;
}

static json_object *dbm_json(int v)
{
	return v == SRV_DBM_UNKNOWN ? NULL : json_object_new_int(v);
}

static int check_location(const struct srv_location *l)
{
	if (!valid_plmn(l->plmn))
		return -EINVAL;
	if (l->has_coords && !(l->lat >= -90 && l->lat <= 90 && l->lon >= -180 && l->lon <= 180))
		return -EINVAL;
	return 0;
}

static int check_request(const struct srv_request *r)
{
	unsigned int i;

	if (r->n_names > SRV_MAX_NAMES || r->n_operators > SRV_MAX_OPERATORS)
		return -EINVAL;
	for (i = 0; i < r->n_names; i++)
		if (!valid_name(r->names[i]))
			return -EINVAL;
	if (r->idem_key[0] && !valid_word(r->idem_key, strnlen(r->idem_key, SRV_KEY_MAX),
					  SRV_KEY_MAX - 1, ':'))
		return -EINVAL;
	if (r->location.plmn[0] && check_location(&r->location))
		return -EINVAL;
	switch (r->kind) {
	case SRV_SEEDS:
		if (!r->rats || r->rats & ~0x7u || r->count < 1 || r->count > SRV_MAX_SEEDS)
			return -EINVAL;
		return 0;
	case SRV_VSIM:
		if (!r->rats || r->rats & ~0x7u || !r->location.plmn[0])
			return -EINVAL;
		if (r->current[0] && !valid_name(r->current))
			return -EINVAL;
		for (i = 0; i < SRV_RATS; i++)
			if (!valid_dbm(r->signal_dbm[i]))
				return -EINVAL;
		for (i = 0; i < r->n_operators; i++)
			if (!valid_plmn(r->operators[i].plmn) ||
			    (unsigned int)r->operators[i].rat >= SRV_RATS ||
			    !valid_dbm(r->operators[i].dbm))
				return -EINVAL;
		return 0;
	case SRV_RELEASE:
		if (!valid_name(r->name) ||
		    !valid_word(r->lease, strnlen(r->lease, sizeof(r->lease)),
				sizeof(r->lease) - 1, 0))
			return -EINVAL;
		return 0;
	case SRV_REPORT:
		if (!valid_name(r->name) ||
		    (r->report_kind != VUICC_PROFILE_KIND_SEED &&
		     r->report_kind != VUICC_PROFILE_KIND_VSIM) ||
		    (unsigned int)r->stage > SRV_STAGE_DATA ||
		    (unsigned int)r->result > SRV_RESULT_ERROR ||
		    r->cause < -1 || r->cause > 65535)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static char *request_body(const struct srv *s, const struct srv_request *r, size_t *len)
{
	static const char *const stages[] = { "card", "register", "dial", "data" };
	static const char *const results[] = { "ok", "reject", "timeout", "error" };
	json_object *o = json_object_new_object(), *a, *sig;
	const char *t;
	char *body;
	unsigned int i;

	if (!o)
		return NULL;
	add_str(o, "device", s->cfg.device);
	switch (r->kind) {
	case SRV_SEEDS:
		json_object_object_add(o, "rats", rats_json(r->rats));
		json_object_object_add(o, "have", names_json(r));
		json_object_object_add(o, "count", json_object_new_int((int)r->count));
		json_object_object_add(o, "location",
				       r->location.plmn[0] ? location_json(&r->location) : NULL);
		break;
	case SRV_VSIM:
		json_object_object_add(o, "location", location_json(&r->location));
		json_object_object_add(o, "rats", rats_json(r->rats));
		sig = json_object_new_object();
		for (i = 0; i < SRV_RATS; i++)
			json_object_object_add(sig, rat_names[i], dbm_json(r->signal_dbm[i]));
		json_object_object_add(o, "signal", sig);
		if (r->n_operators) {
			a = json_object_new_array();
			for (i = 0; i < r->n_operators; i++) {
				json_object *op = json_object_new_object();

				add_str(op, "plmn", r->operators[i].plmn);
				add_str(op, "rat", rat_names[r->operators[i].rat]);
				json_object_object_add(op, "dbm", dbm_json(r->operators[i].dbm));
				json_object_array_add(a, op);
			}
			json_object_object_add(o, "operators", a);
		}
		json_object_object_add(o, "exclude", names_json(r));
		add_str(o, "current", r->current[0] ? r->current : NULL);
		break;
	case SRV_RELEASE:
		add_str(o, "name", r->name);
		add_str(o, "lease", r->lease);
		break;
	case SRV_REPORT:
		add_str(o, "profile", r->name);
		add_str(o, "kind", r->report_kind == VUICC_PROFILE_KIND_VSIM ? "vsim" : "seed");
		add_str(o, "stage", stages[r->stage]);
		add_str(o, "result", results[r->result]);
		json_object_object_add(o, "cause", r->cause < 0 ? NULL : json_object_new_int(r->cause));
		json_object_object_add(o, "location",
				       r->location.plmn[0] ? location_json(&r->location) : NULL);
		break;
	}
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	body = t ? strdup(t) : NULL;
	if (body)
		*len = strlen(body);
	json_object_put(o);
	return body;
}

/* ---- reply parsing ---- */

/*
 * Wipes every string of a parsed reply before it is freed: the profiles'
 * text (keys) sits in json-c's string objects.
 */
static void json_wipe(json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		explicit_bzero((char *)json_object_get_string(o),
			       (size_t)json_object_get_string_len(o));
		break;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			json_wipe(json_object_array_get_idx(o, i));
		break;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			json_wipe(v);
		}
		break;
	}
	default:
		break;
	}
}

static void json_free(json_object *o)
{
	if (!o)
		return;
	json_wipe(o);
	json_object_put(o);
}

static int rfail(struct srv_reply *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int rfail(struct srv_reply *rep, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(rep->message, sizeof(rep->message), "bad reply: ");
	va_start(ap, fmt);
	vsnprintf(rep->message + n, sizeof(rep->message) - (size_t)n, fmt, ap);
	va_end(ap);
	rep->status = SRV_ERR_REPLY;
	return -1;
}

/* Parses the whole of @buf as one JSON value. */
static json_object *parse_json(const char *buf, size_t len, struct srv_reply *rep)
{
	struct json_tokener *tok;
	json_object *o;
	size_t end;

	if (!len) {
		rfail(rep, "empty body");
		return NULL;
	}
	if (memchr(buf, 0, len)) {
		rfail(rep, "a NUL byte in the body");
		return NULL;
	}
	tok = json_tokener_new_ex(16);
	if (!tok) {
		rfail(rep, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			rfail(rep, "truncated JSON");
		else
			rfail(rep, "not JSON (%s at byte %zu)", json_tokener_error_desc(e),
			      json_tokener_get_parse_end(tok));
	} else {
		end = json_tokener_get_parse_end(tok);
		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end < len) {
			rfail(rep, "data after the JSON value (byte %zu)", end);
			json_free(o);
			o = NULL;
		}
	}
	/* the tokener's buffer held the last string it read */
	if (tok->pb && tok->pb->buf)
		explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	return o;
}

/* The member @key of @o, of type @t; NULL with the reply's message set. */
static json_object *member(json_object *o, const char *where, const char *key,
			   json_type t, struct srv_reply *rep)
{
	static const char *const tnames[] = {
		[json_type_null] = "null", [json_type_boolean] = "a boolean",
		[json_type_double] = "a number", [json_type_int] = "an integer",
		[json_type_object] = "an object", [json_type_array] = "an array",
		[json_type_string] = "a string",
	};
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		rfail(rep, "%s%s%s: missing", where, *where ? "." : "", key);
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		rfail(rep, "%s%s%s: not %s", where, *where ? "." : "", key, tnames[t]);
		return NULL;
	}
	return v;
}

/* A string member of 1 to @max bytes of A-Z a-z 0-9 . _ - */
static const char *word_member(json_object *o, const char *where, const char *key,
			       size_t max, struct srv_reply *rep)
{
	json_object *v = member(o, where, key, json_type_string, rep);
	const char *s;

	if (!v)
		return NULL;
	s = json_object_get_string(v);
	if (!valid_word(s, (size_t)json_object_get_string_len(v), max, 0)) {
		rfail(rep, "%s.%s: not 1-%zu of A-Z a-z 0-9 . _ -", where, key, max);
		return NULL;
	}
	return s;
}

static void copy_text(char *dst, size_t size, const char *src, size_t len)
{
	size_t i, n = len < size - 1 ? len : size - 1;

	for (i = 0; i < n; i++)	/* the server's text goes to logs: printable only */
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = 0;
}

/* The profile text at @key of @o, parsed into @p; its name must be @name. */
static int profile_member(json_object *o, const char *where, const char *name,
			  uint32_t kind, struct profile *p, struct srv_reply *rep)
{
	json_object *v = member(o, where, "profile", json_type_string, rep);
	char fname[48], perr[PROFILE_ERR_MAX];
	size_t len;

	if (!v)
		return -1;
	len = (size_t)json_object_get_string_len(v);
	if (!len || len > PROFILE_TEXT_LIMIT || memchr(json_object_get_string(v), 0, len))
		return rfail(rep, "%s.profile: empty, too long or with a NUL byte", where);
	snprintf(fname, sizeof(fname), "%s.profile", where);
	if (profile_parse(json_object_get_string(v), len, fname, p, perr, sizeof(perr)) < 0) {
		profile_wipe(p);
		return rfail(rep, "%s", perr);
	}
	if (strcmp(p->name, name))
		return rfail(rep, "%s.profile: name '%s', not '%s'", where, p->name, name);
	if (p->kind != kind)
		return rfail(rep, "%s.profile: kind: not %s", where,
			     kind == VUICC_PROFILE_KIND_SEED ? "seed" : "vsim");
	if (kind == VUICC_PROFILE_KIND_SEED && p->role != VUICC_PROFILE_ROLE_STANDBY)
		return rfail(rep, "%s.profile: role: not standby", where);
	return 0;
}

static bool in_names(const struct srv_request *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return true;
	return false;
}

static void free_profiles(struct srv_reply *rep)
{
	unsigned int i;

	if (!rep->profiles)
		return;
	for (i = 0; i < rep->n_profiles; i++)
		profile_wipe(&rep->profiles[i]);
	explicit_bzero(rep->profiles, sizeof(*rep->profiles) * rep->n_profiles);
	free(rep->profiles);
	rep->profiles = NULL;
	rep->n_profiles = 0;
}

static int parse_seeds(json_object *o, const struct srv_request *r, struct srv_reply *rep)
{
	json_object *a = member(o, "", "seeds", json_type_array, rep);
	size_t i, j, n;

	if (!a)
		return -1;
	n = json_object_array_length(a);
	if (n > r->count)
		return rfail(rep, "seeds: %zu seeds, %u asked for", n, r->count);
	if (!n)
		return 0;
	rep->profiles = calloc(n, sizeof(*rep->profiles));
	if (!rep->profiles)
		return rfail(rep, "out of memory");
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		char where[24];
		const char *name;

		snprintf(where, sizeof(where), "seeds[%zu]", i);
		rep->n_profiles = (unsigned int)i + 1;
		if (!json_object_is_type(e, json_type_object))
			return rfail(rep, "%s: not an object", where);
		name = word_member(e, where, "name", VUICC_PROFILE_NAME_MAX, rep);
		if (!name)
			return -1;
		if (in_names(r, name))
			return rfail(rep, "%s.name: '%s' is one the device has", where, name);
		for (j = 0; j < i; j++)
			if (!strcmp(rep->profiles[j].name, name))
				return rfail(rep, "%s.name: '%s' twice", where, name);
		if (profile_member(e, where, name, VUICC_PROFILE_KIND_SEED,
				   &rep->profiles[i], rep))
			return -1;
	}
	return 0;
}

static int parse_vsim(json_object *o, const struct srv_request *r, struct srv_reply *rep)
{
	json_object *v = member(o, "", "vsim", json_type_object, rep), *x;
	const char *name, *lease;
	int64_t exp;

	if (!v)
		return -1;
	name = word_member(v, "vsim", "name", VUICC_PROFILE_NAME_MAX, rep);
	if (!name)
		return -1;
	if (in_names(r, name) || !strcmp(name, r->current))
		return rfail(rep, "vsim.name: '%s' was excluded", name);
	x = member(v, "vsim", "expires", json_type_int, rep);
	if (!x)
		return -1;
	errno = 0;
	exp = json_object_get_int64(x);
	if (exp <= 0 || exp >= (1ll << 40) || errno)
		return rfail(rep, "vsim.expires: out of range");
	lease = word_member(v, "vsim", "lease", sizeof(rep->lease) - 1, rep);
	if (!lease)
		return -1;
	rep->profiles = calloc(1, sizeof(*rep->profiles));
	if (!rep->profiles)
		return rfail(rep, "out of memory");
	rep->n_profiles = 1;
	if (profile_member(v, "vsim", name, VUICC_PROFILE_KIND_VSIM, rep->profiles, rep))
		return -1;
	rep->expires = exp;
	snprintf(rep->lease, sizeof(rep->lease), "%s", lease);
	return 0;
}

/* The "error" object of an error reply, if it has a good one. */
static void parse_error(struct srv_slot *sl, struct srv_reply *rep)
{
	struct srv_reply tmp = { 0 };
	json_object *o = NULL, *e, *c, *m;

	snprintf(rep->error_code, sizeof(rep->error_code), "http-%ld", rep->http);
	snprintf(rep->message, sizeof(rep->message), "HTTP %ld", rep->http);
	if (!strstr(sl->ctype, "application/json") || sl->too_big)
		return;
	o = parse_json(sl->buf, sl->len, &tmp);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "error", &e) || !json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &c) || !json_object_is_type(c, json_type_string) ||
	    !valid_word(json_object_get_string(c), (size_t)json_object_get_string_len(c),
			sizeof(rep->error_code) - 1, 0)) {
		json_free(o);
		return;
	}
	snprintf(rep->error_code, sizeof(rep->error_code), "%s", json_object_get_string(c));
	if (json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string)) {
		int n = snprintf(rep->message, sizeof(rep->message), "HTTP %ld %s: ",
				 rep->http, rep->error_code);

		copy_text(rep->message + n, sizeof(rep->message) - (size_t)n,
			  json_object_get_string(m), (size_t)json_object_get_string_len(m));
	}
	json_free(o);
}

/* A 2xx reply: the fields of its kind. */
static void parse_ok(struct srv_slot *sl, struct srv_reply *rep)
{
	json_object *o, *ok, *x;

	if (!strstr(sl->ctype, "application/json")) {
		rfail(rep, "Content-Type '%s', not application/json", sl->ctype);
		return;
	}
	o = parse_json(sl->buf, sl->len, rep);
	if (!o)
		return;
	if (!json_object_is_type(o, json_type_object)) {
		rfail(rep, "not an object");
		goto out;
	}
	if (!json_object_object_get_ex(o, "ok", &ok) || !json_object_is_type(ok, json_type_boolean) ||
	    !json_object_get_boolean(ok)) {
		if (json_object_object_get_ex(o, "error", &x)) {
			parse_error(sl, rep);
			rep->status = SRV_ERR_SERVER;
		} else {
			rfail(rep, "ok: not true");
		}
		goto out;
	}
	rep->status = SRV_OK;
	switch (sl->req.kind) {
	case SRV_SEEDS:
		parse_seeds(o, &sl->req, rep);
		break;
	case SRV_VSIM:
		parse_vsim(o, &sl->req, rep);
		break;
	case SRV_RELEASE:
		if (json_object_object_get_ex(o, "released", &x)) {
			if (!json_object_is_type(x, json_type_boolean))
				rfail(rep, "released: not a boolean");
			else
				rep->released = json_object_get_boolean(x);
		}
		break;
	case SRV_REPORT:
		break;
	}
	if (rep->status != SRV_OK)
		free_profiles(rep);
out:
	json_free(o);
}

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

		copy_text(sl->ctype, sizeof(sl->ctype), v, strlen(v));
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
			time_t t = cu.getdate(v, NULL);

			if (t != -1)
				sl->retry_after_s = t > time(NULL) ? (long)(t - time(NULL)) : 0;
		}
	}
	return len;
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
		cu.multi_remove_handle(s->multi, sl->easy);
	if (sl->easy)
		cu.easy_cleanup(sl->easy);
	cu.slist_free_all(sl->headers);
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
	free_profiles(rep);
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
	mc = cu.multi_add_handle(s->multi, sl->easy);
	if (mc != CURLM_OK) {
		struct srv_reply rep = { .status = SRV_ERR_TRANSPORT };

		snprintf(rep.message, sizeof(rep.message), "curl: %s", cu.multi_strerror(mc));
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

	cu.easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &http);
	rep.http = http;
	if (rc == CURLE_OK && http >= 200 && http < 300) {
		parse_ok(sl, &rep);
	} else if (rc == CURLE_OK) {
		rep.status = SRV_ERR_SERVER;
		retry = transient_http(http);
		parse_error(sl, &rep);
	} else if (sl->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		rep.status = SRV_ERR_REPLY;
		snprintf(rep.message, sizeof(rep.message),
			 "bad reply: larger than %d bytes", SRV_REPLY_MAX);
	} else {
		rep.status = tls_error(rc) ? SRV_ERR_TLS : SRV_ERR_TRANSPORT;
		retry = transient_error(rc);
		snprintf(rep.message, sizeof(rep.message), "%.80s%s%.160s", cu.easy_strerror(rc),
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

	while ((msg = cu.multi_info_read(s->multi, &left))) {
		struct srv_slot *sl = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		cu.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
		if (!sl || !sl->used || !sl->running)
			continue;
		cu.multi_remove_handle(s->multi, sl->easy);
		sl->running = false;
		attempt_done(sl, msg->data.result);
	}
}

/* ---- the API ---- */

void srv_request_init(struct srv_request *r, enum srv_req_kind kind)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->location.tac = r->location.lac = r->location.cell = SRV_UNKNOWN;
	for (i = 0; i < SRV_RATS; i++)
		r->signal_dbm[i] = SRV_DBM_UNKNOWN;
	r->cause = -1;
	r->report_kind = VUICC_PROFILE_KIND_VSIM;
}

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
	if (!valid_word(c->device, strnlen(c->device, sizeof(c->device)),
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

	if (load_curl(err, errlen)) {
		explicit_bzero(s->cfg.secret, sizeof(s->cfg.secret));
		return -1;
	}
	if (!curl_users && cu.global_init(CURL_GLOBAL_DEFAULT)) {
		explicit_bzero(s->cfg.secret, sizeof(s->cfg.secret));
		return cfg_fail(err, errlen, "curl_global_init failed");
	}
	curl_users++;
	s->slots = calloc(SRV_MAX_INFLIGHT, sizeof(*s->slots));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	s->multi = cu.multi_init();
	if (!s->slots || s->epfd < 0 || s->tfd < 0 || !s->multi) {
		snprintf(err, errlen, "server: %s", strerror(errno ? errno : ENOMEM));
		srv_free(s);
		return -1;
	}
	for (n = 0; n < SRV_MAX_INFLIGHT; n++)
		s->slots[n].s = s;
	cu.multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	cu.multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	cu.multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	cu.multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	return 0;
}

void srv_free(struct srv *s)
{
	if (s->slots)
		srv_cancel_all(s);
	if (s->multi)
		cu.multi_cleanup(s->multi);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s->slots);
	if (s->multi || s->slots) {
		if (curl_users && !--curl_users)
			cu.global_cleanup();
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

static int slot_setup(struct srv *s, struct srv_slot *sl)
{
	const struct srv_config *c = &s->cfg;
	char key[SRV_KEY_MAX + 32];
	CURL *e;

	sl->path = kind_path[sl->req.kind];
	snprintf(sl->url, sizeof(sl->url), "%s%s", c->url, sl->path);
	sl->buf = malloc(SRV_REPLY_MAX + 1);
	sl->easy = e = cu.easy_init();
	if (!sl->buf || !e)
		return -ENOMEM;
	snprintf(key, sizeof(key), "Idempotency-Key: %s", sl->req.idem_key);
	sl->headers = cu.slist_append(NULL, "Content-Type: application/json");
	sl->headers = cu.slist_append(sl->headers, "Accept: application/json");
	sl->headers = cu.slist_append(sl->headers, "Expect:");
	sl->headers = cu.slist_append(sl->headers, key);
	if (!sl->headers)
		return -ENOMEM;

	cu.easy_setopt(e, CURLOPT_URL, sl->url);
	cu.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	cu.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	cu.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(e, CURLOPT_USERAGENT, "vuiccd/1");
	cu.easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	cu.easy_setopt(e, CURLOPT_POST, 1L);
	cu.easy_setopt(e, CURLOPT_POSTFIELDS, sl->body);
	cu.easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)sl->body_len);
	cu.easy_setopt(e, CURLOPT_HTTPHEADER, sl->headers);
	cu.easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	cu.easy_setopt(e, CURLOPT_WRITEDATA, sl);
	cu.easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	cu.easy_setopt(e, CURLOPT_HEADERDATA, sl);
	cu.easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SRV_REPLY_MAX);
	cu.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	cu.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	cu.easy_setopt(e, CURLOPT_ERRORBUFFER, sl->errbuf);
	cu.easy_setopt(e, CURLOPT_PRIVATE, sl);
	/* TLS 1.2 or later, the server's certificate always verified */
	cu.easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	cu.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	cu.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file[0]) {	/* that CA and no other */
		cu.easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
		cu.easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (c->cert_file[0]) {
		cu.easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
		cu.easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		cu.easy_setopt(e, CURLOPT_SSLKEY, c->key_file[0] ? c->key_file : c->cert_file);
	}
	if (c->secret[0]) {
		cu.easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		cu.easy_setopt(e, CURLOPT_USERNAME, c->device);
		cu.easy_setopt(e, CURLOPT_PASSWORD, c->secret);
	}
	if (c->interface[0])
		cu.easy_setopt(e, CURLOPT_INTERFACE, c->interface);
	return 0;
}

int srv_submit(struct srv *s, const struct srv_request *r, srv_done_fn *done, void *arg)
{
	struct srv_slot *sl = NULL;
	unsigned int i;
	int err;

	if (!done || check_request(r))
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
	sl->body = request_body(s, &sl->req, &sl->body_len);
	err = sl->body ? slot_setup(s, sl) : -ENOMEM;
	if (err) {
		slot_free(sl);
		return err;
	}
	if (cu.multi_add_handle(s->multi, sl->easy) != CURLM_OK) {
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
		cu.multi_socket_action(s->multi, evs[i].data.fd, flags, &running);
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
		cu.multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	check_done(s);
	for (i = 0; i < SRV_MAX_INFLIGHT; i++) {
		struct srv_slot *sl = &s->slots[i];

		if (sl->used && !sl->running && sl->retry_at && sl->retry_at <= now)
			start_attempt(sl);
	}
	rearm(s);
}
