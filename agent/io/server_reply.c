// SPDX-License-Identifier: GPL-2.0
/*
 * The SIM-server client's replies (server_int.h): parsed with json-c, every
 * field checked, the profiles with profile_parse(), every string wiped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "server_int.h"

#define PROFILE_TEXT_LIMIT SRV_REPLY_MAX


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
	if (!srv_valid_word(s, (size_t)json_object_get_string_len(v), max, 0)) {
		rfail(rep, "%s.%s: not 1-%zu of A-Z a-z 0-9 . _ -", where, key, max);
		return NULL;
	}
	return s;
}

void srv_copy_text(char *dst, size_t size, const char *src, size_t len)
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

void srv_free_profiles(struct srv_reply *rep)
{
	unsigned int i;

	if (rep->texts) {
		for (i = 0; i < rep->n_profiles; i++) {
			if (rep->texts[i]) {
				explicit_bzero(rep->texts[i], strlen(rep->texts[i]));
				free(rep->texts[i]);
			}
		}
		free(rep->texts);
		rep->texts = NULL;
	}
	if (!rep->profiles)
		return;
	for (i = 0; i < rep->n_profiles; i++)
		profile_wipe(&rep->profiles[i]);
	explicit_bzero(rep->profiles, sizeof(*rep->profiles) * rep->n_profiles);
	free(rep->profiles);
	rep->profiles = NULL;
	rep->n_profiles = 0;
}

/* "withdraw" (optional): names of "have" the server takes back. */
static int parse_withdraw(json_object *o, const struct srv_request *r, struct srv_reply *rep)
{
	json_object *a, *e;
	size_t i, j, n;
	const char *s;

	if (!json_object_object_get_ex(o, "withdraw", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return rfail(rep, "withdraw: not an array");
	n = json_object_array_length(a);
	if (n > SRV_MAX_NAMES)
		return rfail(rep, "withdraw: more than %d names", SRV_MAX_NAMES);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string))
			return rfail(rep, "withdraw[%zu]: not a string", i);
		s = json_object_get_string(e);
		if (!srv_valid_word(s, (size_t)json_object_get_string_len(e),
				    VUICC_PROFILE_NAME_MAX, 0))
			return rfail(rep, "withdraw[%zu]: not 1-%d of A-Z a-z 0-9 . _ -", i,
				     VUICC_PROFILE_NAME_MAX);
		if (!in_names(r, s))
			return rfail(rep, "withdraw[%zu]: '%s' is not one the device has", i, s);
		for (j = 0; j < rep->n_withdraw; j++)
			if (!strcmp(rep->withdraw[j], s))
				return rfail(rep, "withdraw[%zu]: '%s' twice", i, s);
		snprintf(rep->withdraw[rep->n_withdraw++], SRV_NAME_LEN, "%s", s);
	}
	return 0;
}

static int parse_seeds(json_object *o, const struct srv_request *r, struct srv_reply *rep)
{
	json_object *a = member(o, "", "seeds", json_type_array, rep);
	size_t i, j, n, hold;

	if (!a)
		return -1;
	if (parse_withdraw(o, r, rep))
		return -1;
	n = json_object_array_length(a);
	/* count is what the device holds in all: what it keeps and the new ones */
	hold = r->n_names - rep->n_withdraw;
	if (n > SRV_MAX_SEEDS || (n && hold + n > r->count))
		return rfail(rep, "seeds: %zu new seeds and %zu kept, %u asked for in all", n,
			     hold, r->count);
	if (!n)
		return 0;
	rep->profiles = calloc(n, sizeof(*rep->profiles));
	rep->texts = calloc(n, sizeof(*rep->texts));
	if (!rep->profiles || !rep->texts)
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
		/* (profile_member() checked it: a string without a NUL byte) */
		rep->texts[i] = strdup(json_object_get_string(json_object_object_get(e, "profile")));
		if (!rep->texts[i])
			return rfail(rep, "out of memory");
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
void srv_parse_error(struct srv_slot *sl, struct srv_reply *rep)
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
	    !srv_valid_word(json_object_get_string(c), (size_t)json_object_get_string_len(c),
			    sizeof(rep->error_code) - 1, 0)) {
		json_free(o);
		return;
	}
	snprintf(rep->error_code, sizeof(rep->error_code), "%s", json_object_get_string(c));
	if (json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string)) {
		int n = snprintf(rep->message, sizeof(rep->message), "HTTP %ld %s: ",
				 rep->http, rep->error_code);

		srv_copy_text(rep->message + n, sizeof(rep->message) - (size_t)n,
			      json_object_get_string(m), (size_t)json_object_get_string_len(m));
	}
	json_free(o);
}

/* A 2xx reply: the fields of its kind. */
void srv_parse_ok(struct srv_slot *sl, struct srv_reply *rep)
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
			srv_parse_error(sl, rep);
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
		srv_free_profiles(rep);
out:
	json_free(o);
}

