// SPDX-License-Identifier: GPL-2.0
/*
 * The policy's learning on disk (learn.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

#define MAGIC "vuicc-learn 1"

static int64_t to_wall(uint64_t t, int64_t offset_ms)
{
	return t ? (int64_t)t + offset_ms : 0;
}

/* 0: none, or before the policy's clock began (long past: dropped) */
static uint64_t from_wall(int64_t w, int64_t offset_ms)
{
	if (!w || (offset_ms > 0 && w < INT64_MIN + offset_ms))
		return 0;
	return w - offset_ms >= 1 ? (uint64_t)(w - offset_ms) : 0;
}

static size_t add(char *out, size_t max, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (n >= max)
		return n;
	va_start(ap, fmt);
	k = vsnprintf(out + n, max - n, fmt, ap);
	va_end(ap);
	return k < 0 ? n : n + (size_t)k;
}

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > POL_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool plmn_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n != 5 && n != 6)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

size_t learn_encode(const struct pol_learned *l, int64_t offset_ms, char *out, size_t max)
{
	unsigned int k;
	size_t n = 0;

	n = add(out, max, n, "%s\n", MAGIC);
	for (k = 0; k < l->n_seeds; k++) {
		const struct pol_learned_seed *s = &l->seeds[k];

		if (!name_ok(s->name))
			continue;
		n = add(out, max, n, "seed %s %u %" PRId64 " %" PRId64 " %d %d\n", s->name,
			s->failures, to_wall(s->retry_at, offset_ms),
			s->quarantined ? to_wall(s->quarantined_until, offset_ms) : 0,
			s->last_cause, s->no_network ? 1 : 0);
	}
	for (k = 0; k < l->n_memory; k++) {
		const struct pol_memory *m = &l->memory[k];

		if (!name_ok(m->seed) || !plmn_ok(m->plmn) || !m->at)
			continue;
		n = add(out, max, n, "memory %s %s %" PRIu32 " %d %d %" PRId64 "\n", m->seed,
			m->plmn, m->tac, m->ok ? 1 : 0, m->cause, to_wall(m->at, offset_ms));
	}
	for (k = 0; k < l->n_congested; k++)
		if (plmn_ok(l->congested[k].plmn) && l->congested[k].until)
			n = add(out, max, n, "congested %s %" PRId64 "\n", l->congested[k].plmn,
				to_wall(l->congested[k].until, offset_ms));
	return n < max ? n : max;
}

/* Splits @line into at most @max words; how many (-1: more than @max). */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

/* A decimal integer in [@min, @max], the whole word. */
static bool num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int bad(char *why, size_t whylen, unsigned int line, const char *what)
{
	snprintf(why, whylen, "line %u: %s", line, what);
	return -EBADMSG;
}

int learn_decode(const char *in, size_t len, int64_t offset_ms, struct pol_learned *l,
		 char *why, size_t whylen)
{
	char buf[256], *w[8];
	unsigned int line = 0;
	size_t pos = 0, e;
	int64_t v[6];
	int n;

	memset(l, 0, sizeof(*l));
	if (len > LEARN_TEXT_MAX)
		return bad(why, whylen, 0, "too long");
	while (pos < len) {
		for (e = pos; e < len && in[e] != '\n'; e++)
			;
		if (e == len)
			return bad(why, whylen, line + 1, "no newline at the end");
		if (e - pos >= sizeof(buf) || memchr(in + pos, 0, e - pos))
			return bad(why, whylen, line + 1, "too long, or a NUL byte");
		memcpy(buf, in + pos, e - pos);
		buf[e - pos] = '\0';
		pos = e + 1;
		line++;
		if (line == 1) {
			if (strcmp(buf, MAGIC))
				return bad(why, whylen, line, "not '" MAGIC "'");
			continue;
		}
		n = words(buf, w, 8);
		if (n < 1)
			return bad(why, whylen, line, "empty, or too many fields");
		if (!strcmp(w[0], "seed")) {
			struct pol_learned_seed *s;

			if (n != 7 || !name_ok(w[1]) || !num(w[2], 0, 1000000, &v[0]) ||
			    !num(w[3], 0, INT64_MAX, &v[1]) || !num(w[4], 0, INT64_MAX, &v[2]) ||
			    !num(w[5], -1, 255, &v[3]) || !num(w[6], 0, 1, &v[4]))
				return bad(why, whylen, line, "seed: NAME FAILURES RETRY_AT "
					   "QUARANTINED_UNTIL LAST_CAUSE NO_NETWORK");
			if (l->n_seeds == POL_PROFILES_MAX)
				return bad(why, whylen, line, "more seeds than a card has");
			s = &l->seeds[l->n_seeds++];
			snprintf(s->name, sizeof(s->name), "%s", w[1]);
			s->failures = (unsigned int)v[0];
			s->retry_at = from_wall(v[1], offset_ms);
			s->quarantined_until = from_wall(v[2], offset_ms);
			s->quarantined = s->quarantined_until != 0;
			s->last_cause = (int)v[3];
			s->no_network = v[4];
		} else if (!strcmp(w[0], "memory")) {
			struct pol_memory *m;

			if (n != 7 || !name_ok(w[1]) || !plmn_ok(w[2]) ||
			    !num(w[3], 0, UINT32_MAX, &v[0]) || !num(w[4], 0, 1, &v[1]) ||
			    !num(w[5], -1, 255, &v[2]) || !num(w[6], 1, INT64_MAX, &v[3]))
				return bad(why, whylen, line, "memory: SEED PLMN TAC OK CAUSE AT");
			if (l->n_memory == POL_MEMORY_MAX)
				return bad(why, whylen, line, "more memories than the policy keeps");
			if (!from_wall(v[3], offset_ms))
				continue;	/* older than the policy's clock: expired */
			m = &l->memory[l->n_memory++];
			snprintf(m->seed, sizeof(m->seed), "%s", w[1]);
			snprintf(m->plmn, sizeof(m->plmn), "%s", w[2]);
			m->tac = (uint32_t)v[0];
			m->ok = v[1];
			m->cause = (int)v[2];
			m->at = from_wall(v[3], offset_ms);
		} else if (!strcmp(w[0], "congested")) {
			if (n != 3 || !plmn_ok(w[1]) || !num(w[2], 1, INT64_MAX, &v[0]))
				return bad(why, whylen, line, "congested: PLMN UNTIL");
			if (l->n_congested == POL_CONGESTED_MAX)
				return bad(why, whylen, line, "more congested networks than kept");
			if (!from_wall(v[0], offset_ms))
				continue;
			snprintf(l->congested[l->n_congested].plmn, sizeof(l->congested[0].plmn),
				 "%s", w[1]);
			l->congested[l->n_congested++].until = from_wall(v[0], offset_ms);
		} else {
			return bad(why, whylen, line, "unknown record");
		}
	}
	if (!line)
		return bad(why, whylen, 0, "empty");
	return 0;
}
