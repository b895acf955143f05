// SPDX-License-Identifier: GPL-2.0
/*
 * The SIM-server client's requests (server_int.h): every field checked,
 * then the JSON body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "server_int.h"

static const char *const rat_names[SRV_RATS] = { "gsm", "umts", "lte" };

/* ---- checks of names and values ---- */

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* 1 to @max characters of A-Z a-z 0-9 . _ - (and @extra) */
bool srv_valid_word(const char *s, size_t len, size_t max, char extra)
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
	return srv_valid_word(s, strnlen(s, SRV_NAME_LEN), VUICC_PROFILE_NAME_MAX, 0);
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

static int check_operators(const struct srv_request *r)
{
	unsigned int i;

	for (i = 0; i < r->n_operators; i++)
		if (!valid_plmn(r->operators[i].plmn) ||
		    (unsigned int)r->operators[i].rat >= SRV_RATS ||
		    !valid_dbm(r->operators[i].dbm))
			return -EINVAL;
	return 0;
}

static void operators_json(json_object *o, const struct srv_request *r)
{
	json_object *a;
	unsigned int i;

	if (!r->n_operators)
		return;
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

int srv_check_request(const struct srv_request *r)
{
	unsigned int i;

	if (r->n_names > SRV_MAX_NAMES || r->n_operators > SRV_MAX_OPERATORS)
		return -EINVAL;
	for (i = 0; i < r->n_names; i++)
		if (!valid_name(r->names[i]))
			return -EINVAL;
	if (r->idem_key[0] && !srv_valid_word(r->idem_key, strnlen(r->idem_key, SRV_KEY_MAX),
					      SRV_KEY_MAX - 1, ':'))
		return -EINVAL;
	if (r->location.plmn[0] && check_location(&r->location))
		return -EINVAL;
	switch (r->kind) {
	case SRV_SEEDS:
		if (!r->rats || r->rats & ~0x7u || r->count < 1 || r->count > SRV_MAX_SEEDS)
			return -EINVAL;
		return check_operators(r);
	case SRV_VSIM:
		if (!r->rats || r->rats & ~0x7u || !r->location.plmn[0])
			return -EINVAL;
		if (r->current[0] && !valid_name(r->current))
			return -EINVAL;
		for (i = 0; i < SRV_RATS; i++)
			if (!valid_dbm(r->signal_dbm[i]))
				return -EINVAL;
		return check_operators(r);
	case SRV_RELEASE:
		if (!valid_name(r->name) ||
		    !srv_valid_word(r->lease, strnlen(r->lease, sizeof(r->lease)),
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

char *srv_request_body(const struct srv *s, const struct srv_request *r, size_t *len)
{
	static const char *const stages[] = { "card", "register", "dial", "data" };
	static const char *const results[] = { "ok", "reject", "timeout", "error" };
	json_object *o = json_object_new_object(), *sig;
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
		operators_json(o, r);
		break;
	case SRV_VSIM:
		json_object_object_add(o, "location", location_json(&r->location));
		json_object_object_add(o, "rats", rats_json(r->rats));
		sig = json_object_new_object();
		for (i = 0; i < SRV_RATS; i++)
			json_object_object_add(sig, rat_names[i], dbm_json(r->signal_dbm[i]));
		json_object_object_add(o, "signal", sig);
		operators_json(o, r);
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
