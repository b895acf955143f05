/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUICC_LINES_H
#define VUICC_LINES_H

#include <stddef.h>
#include <stdio.h>

/*
 * "key = value" line files (vuiccd.conf, profiles, netsim's scenarios): one
 * line at a time from a buffer, trimmed of white space; blank lines and
 * comments ('#' first on the line) skipped; errors as "FILE:LINE: ...".
 *
 *	char buf[1024];
 *	struct lines l = { .fname = path, .err = err, .errlen = errlen,
 *			   .buf = buf, .size = sizeof(buf) };
 *
 *	if (lines_start(&l, text, len))
 *		return -1;
 *	while ((k = lines_next(&l)) == LINES_KEY)
 *		... l.key, l.value, lines_err(&l, l.key, "...") ...
 *	if (k < 0)
 *		return -1;
 */

/* what lines_next() returns besides -1 (an error, in l->err) */
enum {
	LINES_END,	/* no more lines */
	LINES_KEY,	/* "key = value": l->key and l->value, trimmed */
	LINES_SECTION,	/* with LINES_SECTIONS, a line starting with '[': l->section */
};

#define LINES_SEMICOLON	(1u << 0)	/* ';' first on a line starts a comment too */
#define LINES_SECTIONS	(1u << 1)	/* "[...]" lines are sections, not keys */
#define LINES_EMPTY	(1u << 2)	/* "key =" is an empty value, not an error */

struct lines {
	/* set by the caller */
	const char *fname;	/* the file, as messages name it */
	char *err;		/* where lines_err() writes */
	size_t errlen;
	char *buf;		/* one line: a line of @size characters or more is an error */
	size_t size;
	unsigned int flags;	/* LINES_* */
	const char *no_equals;	/* the message for a line without '=' (NULL:
				 * "not 'key = value'") */

	/* set by lines_start() and lines_next() */
	unsigned int line;	/* the line just read (from 1); 0: the whole file */
	char *key, *value;	/* LINES_KEY: in @buf */
	char *section;		/* LINES_SECTION: between '[' and ']' (untrimmed), or NULL
				 * when the line is not '[', text, ']' and nothing after */
	const char *pos, *end;
};

/* Starts reading @text; -1 if it holds a NUL byte ("FILE: not a text file"). */
int lines_start(struct lines *l, const char *text, size_t len);

/* The next line that is not blank or a comment: LINES_KEY, LINES_SECTION or LINES_END; -1 for
 * a line that is too long, has no '=' or (without LINES_EMPTY) no value. */
int lines_next(struct lines *l);

/*
 * Writes "FILE:LINE: " (just "FILE: " while l->line is 0), then "key 'KEY': "
 * if @key is not NULL, then the message, to l->err.  Returns -1.
 */
int lines_err(const struct lines *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @s without white space at either end (the end is cut in place). */
char *lines_trim(char *s);

/*
 * Reads all of @f into a new buffer (to free; a file that may hold secrets
 * is wiped before it is, and no copy is left when the buffer grows).  @max:
 * the most bytes, 0 for no limit.  NULL with errno EFBIG or ENOMEM.
 */
char *lines_read(FILE *f, size_t max, size_t *len);

#endif
