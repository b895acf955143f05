// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: the "key = value" line reader the parsers share. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lines.h"
#include "../testlib.h"

static char buf[32], err[128];
static struct lines L;

static int start(const char *text, size_t len, unsigned int flags)
{
	L = (struct lines){ .fname = "t.conf", .err = err, .errlen = sizeof(err),
			    .buf = buf, .size = sizeof(buf), .flags = flags };
	return lines_start(&L, text, len);
}

/* the next line is "KEY = VALUE" on line LINE */
static int key(const char *k, const char *v, unsigned int line)
{
	return lines_next(&L) == LINES_KEY && !strcmp(L.key, k) && !strcmp(L.value, v) &&
	       L.line == line && !L.section;
}

static void test_keys_blanks_comments(void)
{
	const char *t = "# a comment\n\n  \t\na = 1\n  # indented comment\nb=2\n"
			"\t c \t=\t three words \t\n";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(err[0] == '\0');
	CHECK(key("a", "1", 4));
	CHECK(key("b", "2", 6));
	CHECK(key("c", "three words", 7));
	CHECK(lines_next(&L) == LINES_END);
	CHECK(lines_next(&L) == LINES_END);	/* and stays there */
	/* an empty text, and one of comments only */
	CHECK(start("", 0, 0) == 0 && lines_next(&L) == LINES_END);
	CHECK(start("#\n#\n", 4, 0) == 0 && lines_next(&L) == LINES_END && L.line == 2);
}

static void test_value_keeps_what_is_inside(void)
{
	const char *t = "k = a = b # not a comment\nempty_key_ok =x\n = v\n";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(key("k", "a = b # not a comment", 1));	/* split at the first '=' */
	CHECK(key("empty_key_ok", "x", 2));
	CHECK(key("", "v", 3));				/* the caller judges the key */
}

static void test_semicolon(void)
{
	const char *t = "; a comment?\nk = v\n";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(lines_next(&L) == -1);			/* no: no '=' */
	CHECK(!strcmp(err, "t.conf:1: not 'key = value'"));
	CHECK(start(t, strlen(t), LINES_SEMICOLON) == 0);
	CHECK(key("k", "v", 2));
	/* ';' after the first character is text */
	CHECK(start("k = ;v\n", 7, LINES_SEMICOLON) == 0 && key("k", ";v", 1));
}

static void test_crlf_and_last_line(void)
{
	const char *t = "a = 1\r\n\r\n# c\r\nb = 2\r\nc = 3";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(key("a", "1", 1));
	CHECK(key("b", "2", 4));
	CHECK(key("c", "3", 5));			/* without a newline */
	CHECK(lines_next(&L) == LINES_END);
	/* a lone CR is not a line break */
	CHECK(start("a = 1\rb = 2\n", 12, 0) == 0 && key("a", "1\rb = 2", 1));
}

static void test_missing_equals(void)
{
	const char *t = "a = 1\n\njust words\n";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(key("a", "1", 1));
	CHECK(lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:3: not 'key = value'"));
	/* the caller's words for it */
	CHECK(start(t, strlen(t), 0) == 0);
	L.no_equals = "expected 'key = value'";
	CHECK(key("a", "1", 1) && lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:3: expected 'key = value'"));
	/* "[x]" is a key line without LINES_SECTIONS */
	CHECK(start("[x]\n", 4, 0) == 0 && lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:1: not 'key = value'"));
}

static void test_no_value(void)
{
	const char *t = "a = 1\nb =  \t\n";

	CHECK(start(t, strlen(t), 0) == 0);
	CHECK(key("a", "1", 1));
	CHECK(lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:2: key 'b': no value"));
	CHECK(start(t, strlen(t), LINES_EMPTY) == 0);
	CHECK(key("a", "1", 1));
	CHECK(key("b", "", 2));
}

static void test_sections(void)
{
	const char *t = "[file EF.AD]\n  [ modem  m ]  \n[]\n[bad\n[a] b\n[a]]\nk = [v]\n";

	CHECK(start(t, strlen(t), LINES_SECTIONS) == 0);
	CHECK(lines_next(&L) == LINES_SECTION && !strcmp(L.section, "file EF.AD") && L.line == 1);
	CHECK(!L.key && !L.value);
	CHECK(lines_next(&L) == LINES_SECTION && !strcmp(L.section, " modem  m "));
	CHECK(lines_next(&L) == LINES_SECTION && !strcmp(L.section, ""));
	/* not '[', text, ']' alone: a section the caller reports */
	CHECK(lines_next(&L) == LINES_SECTION && !L.section && L.line == 4);
	CHECK(lines_next(&L) == LINES_SECTION && !L.section && L.line == 5);
	CHECK(lines_next(&L) == LINES_SECTION && !L.section && L.line == 6);
	CHECK(key("k", "[v]", 7));
	CHECK(lines_next(&L) == LINES_END);
}

static void test_long_lines(void)
{
	char t[3 * sizeof(buf)];

	/* sizeof(buf) - 1 characters fit, a CR counts, the newline does not */
	memset(t, 'x', sizeof(t));
	memcpy(t, "k = ", 4);
	t[sizeof(buf) - 1] = '\n';
	CHECK(start(t, sizeof(buf), 0) == 0);
	CHECK(lines_next(&L) == LINES_KEY && strlen(L.value) == sizeof(buf) - 5);
	/* ... and the last line without a newline likewise */
	CHECK(start(t, sizeof(buf) - 1, 0) == 0);
	CHECK(lines_next(&L) == LINES_KEY && strlen(L.value) == sizeof(buf) - 5);
	CHECK(start(t, sizeof(buf), 0) == 0);
	t[sizeof(buf) - 1] = 'x';
	CHECK(lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:1: line longer than 31 characters"));
	/* a long comment is too long too, on its own line number */
	memcpy(t, "a = 1\n#", 7);
	t[sizeof(t) - 1] = '\n';
	CHECK(start(t, sizeof(t), 0) == 0);
	CHECK(key("a", "1", 1) && lines_next(&L) == -1);
	CHECK(!strcmp(err, "t.conf:2: line longer than 31 characters"));
	/* 31 characters and a CR: too long */
	memset(t, 'x', sizeof(t));
	memcpy(t, "k = ", 4);
	t[sizeof(buf) - 1] = '\r';
	t[sizeof(buf)] = '\n';
	CHECK(start(t, sizeof(buf) + 1, 0) == 0 && lines_next(&L) == -1);
	t[sizeof(buf) - 2] = '\r';
	t[sizeof(buf) - 1] = '\n';
	CHECK(start(t, sizeof(buf), 0) == 0 && key("k", "xxxxxxxxxxxxxxxxxxxxxxxxxx", 1));
}

static void test_nul(void)
{
	CHECK(start("a = 1\n\0b = 2\n", 13, 0) == -1);
	CHECK(!strcmp(err, "t.conf: not a text file (NUL byte)"));
	/* only what len covers is read */
	CHECK(start("a = 1\n\0", 6, 0) == 0 && key("a", "1", 1));
}

static void test_err(void)
{
	CHECK(start("a = 1\nb = 2\n", 12, 0) == 0);
	CHECK(key("a", "1", 1) && key("b", "2", 2));
	CHECK(lines_err(&L, NULL, "%d things", 3) == -1);
	CHECK(!strcmp(err, "t.conf:2: 3 things"));
	CHECK(lines_err(&L, "b", "'%s' is bad", L.value) == -1);
	CHECK(!strcmp(err, "t.conf:2: key 'b': '2' is bad"));
	L.line = 0;
	CHECK(lines_err(&L, "b", "missing") == -1);
	CHECK(!strcmp(err, "t.conf: key 'b': missing"));
	CHECK(lines_err(&L, NULL, "missing") == -1);
	CHECK(!strcmp(err, "t.conf: missing"));
	/* cut to errlen, still a string */
	L.errlen = 12;
	L.line = 12345;
	CHECK(lines_err(&L, "key", "message") == -1);
	CHECK(!strcmp(err, "t.conf:1234"));
	L.errlen = 20;
	CHECK(lines_err(&L, "key", "message") == -1);
	CHECK(!strcmp(err, "t.conf:12345: key '"));
}

static void test_trim(void)
{
	char s[] = " \t\r\n a b \v\f\r\n";
	char e[] = " \t ";

	CHECK(!strcmp(lines_trim(s), "a b"));
	CHECK(!strcmp(lines_trim(e), ""));
}

static void test_read(void)
{
	static char big[100000];
	size_t len, i;
	char *text;
	FILE *f;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	f = tmpfile();
	if (!f) {
		CHECK(f != NULL);
		return;
	}
	CHECK(fwrite(big, 1, sizeof(big), f) == sizeof(big));
	rewind(f);
	text = lines_read(f, 0, &len);			/* no limit */
	CHECK(text && len == sizeof(big) && !memcmp(text, big, len));
	free(text);
	rewind(f);
	text = lines_read(f, sizeof(big), &len);	/* exactly the limit */
	CHECK(text && len == sizeof(big) && !memcmp(text, big, len));
	free(text);
	rewind(f);
	errno = 0;
	CHECK(!lines_read(f, sizeof(big) - 1, &len) && errno == EFBIG);
	rewind(f);
	errno = 0;
	CHECK(!lines_read(f, 10, &len) && errno == EFBIG);
	fclose(f);
	f = tmpfile();
	if (f) {
		text = lines_read(f, 10, &len);		/* empty */
		CHECK(text && len == 0);
		free(text);
		fclose(f);
	}
}

int main(void)
{
	RUN(test_keys_blanks_comments);
	RUN(test_value_keeps_what_is_inside);
	RUN(test_semicolon);
	RUN(test_crlf_and_last_line);
	RUN(test_missing_equals);
	RUN(test_no_value);
	RUN(test_sections);
	RUN(test_long_lines);
	RUN(test_nul);
	RUN(test_err);
	RUN(test_trim);
	RUN(test_read);
	DONE();
}
