// SPDX-License-Identifier: GPL-2.0
/*
 * "key = value" line files: the line handling that vuiccd.conf, profiles and
 * netsim's scenarios share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

char *lines_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int lines_err(const struct lines *l, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->line)
		n = snprintf(l->err, l->errlen, "%s:%u: ", l->fname, l->line);
	else
		n = snprintf(l->err, l->errlen, "%s: ", l->fname);
	if (key && n >= 0 && (size_t)n < l->errlen)
		n += snprintf(l->err + n, l->errlen - n, "key '%s': ", key);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int lines_start(struct lines *l, const char *text, size_t len)
{
	l->pos = text;
	l->end = text + len;
	l->line = 0;
	l->key = l->value = l->section = NULL;
	if (l->errlen)
		l->err[0] = '\0';
	if (memchr(text, '\0', len))
		return lines_err(l, NULL, "not a text file (NUL byte)");
	return 0;
}

int lines_next(struct lines *l)
{
	const char *nl;
	char *s, *eq;
	size_t n;

	l->key = l->value = l->section = NULL;
	while (l->pos < l->end) {
		l->line++;
		nl = memchr(l->pos, '\n', (size_t)(l->end - l->pos));
		n = nl ? (size_t)(nl - l->pos) : (size_t)(l->end - l->pos);
		if (n >= l->size)
			return lines_err(l, NULL, "line longer than %zu characters", l->size - 1);
		memcpy(l->buf, l->pos, n);
		l->buf[n] = '\0';
		l->pos += n + (nl ? 1 : 0);
		s = lines_trim(l->buf);	/* a CR before the LF too */
		if (!*s || *s == '#' || (*s == ';' && (l->flags & LINES_SEMICOLON)))
			continue;
		if (*s == '[' && (l->flags & LINES_SECTIONS)) {
			eq = strchr(s, ']');
			if (eq && !eq[1]) {
				*eq = '\0';
				l->section = s + 1;
			}
			return LINES_SECTION;
		}
		eq = strchr(s, '=');
		if (!eq)
			return lines_err(l, NULL, "%s",
					 l->no_equals ? l->no_equals : "not 'key = value'");
		*eq = '\0';
		l->key = lines_trim(s);
		l->value = lines_trim(eq + 1);
		if (!*l->value && !(l->flags & LINES_EMPTY))
			return lines_err(l, l->key, "no value");
		return LINES_KEY;
	}
	return LINES_END;
}

char *lines_read(FILE *f, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *text = malloc(cap), *more;

	if (!text)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (max && n > max)
				break;
			/* room for max + 1 bytes at the most: one more tells it is too large */
			cap = max && cap > max / 2 ? max + 1 : 2 * cap;
			more = cap > n ? malloc(cap) : NULL;
			if (!more) {
				explicit_bzero(text, n);
				free(text);
				errno = ENOMEM;
				return NULL;
			}
			memcpy(more, text, n);
			explicit_bzero(text, n);
			free(text);
			text = more;
		}
		got = fread(text + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	if (max && n > max) {
		explicit_bzero(text, n);
		free(text);
		errno = EFBIG;
		return NULL;
	}
	*len = n;
	return text;
}
