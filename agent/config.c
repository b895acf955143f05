// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd.conf: the parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"

#define CONFIG_TEXT_MAX	(64 * 1024)

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->cards = 1;
	strcpy(c->profiles_dir, "/etc/vuicc/profiles");
	strcpy(c->state_dir, "/var/lib/vuicc");
	strcpy(c->socket, "/run/vuicc/vuiccd.sock");
	c->log = LOG_TO_DEFAULT;
	c->log_level = LOG_INFO;
	c->writeback_ms = 2000;
	c->keep_enabled = true;
	strcpy(c->apn, "internet");
	c->connect = true;
}

struct cparser {
	const char *fname;
	int line;
	char *err;
	size_t errlen;
};

static int cerr(struct cparser *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(struct cparser *p, const char *key, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "%s:%d: key '%s': %s", p->fname, p->line, key, what);
	else
		snprintf(p->err, p->errlen, "%s:%d: %s", p->fname, p->line, what);
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int get_uint(struct cparser *p, const char *key, const char *v, unsigned long min,
		    unsigned long max, unsigned int *out)
{
	unsigned long u;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return cerr(p, key, "'%s' is not a number", v);
	u = strtoul(v, &end, 10);
	if (errno || *end || u < min || u > max)
		return cerr(p, key, "'%s' is not a number from %lu to %lu", v, min, max);
	*out = (unsigned int)u;
	return 0;
}

static int get_path(struct cparser *p, const char *key, const char *v, char *out)
{
	if (v[0] != '/')
		return cerr(p, key, "'%s' is not an absolute path", v);
	if (strlen(v) >= CONFIG_PATH_MAX)
		return cerr(p, key, "longer than %d characters", CONFIG_PATH_MAX - 1);
	strcpy(out, v);
	return 0;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > VUICC_PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

static int set_key(struct cparser *p, struct config *c, const char *key, const char *v)
{
	static const char *const levels[] = {
		[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	unsigned int u;
	int i;

	if (!strcmp(key, "cards"))
		return get_uint(p, key, v, 1, VUICC_CARDS_MAX, &c->cards);
	if (!strcmp(key, "profiles_dir"))
		return get_path(p, key, v, c->profiles_dir);
	if (!strcmp(key, "state_dir"))
		return get_path(p, key, v, c->state_dir);
	if (!strcmp(key, "socket"))
		return get_path(p, key, v, c->socket);
	if (!strcmp(key, "socket_group")) {
		if (strlen(v) >= sizeof(c->socket_group))
			return cerr(p, key, "longer than %zu characters", sizeof(c->socket_group) - 1);
		strcpy(c->socket_group, v);
		return 0;
	}
	if (!strcmp(key, "log")) {
		if (!strcmp(v, "stderr"))
			c->log = LOG_TO_STDERR;
		else if (!strcmp(v, "syslog"))
			c->log = LOG_TO_SYSLOG;
		else
			return cerr(p, key, "'%s' is not stderr or syslog", v);
		return 0;
	}
	if (!strcmp(key, "log_level")) {
		for (i = 0; i < (int)(sizeof(levels) / sizeof(levels[0])); i++) {
			if (levels[i] && !strcmp(v, levels[i])) {
				c->log_level = i;
				return 0;
			}
		}
		return cerr(p, key, "'%s' is not err, warning, notice, info or debug", v);
	}
	if (!strcmp(key, "writeback_ms"))
		return get_uint(p, key, v, 0, 600000, &c->writeback_ms);
	if (!strcmp(key, "keep_enabled")) {
		if (!strcmp(v, "yes"))
			c->keep_enabled = true;
		else if (!strcmp(v, "no"))
			c->keep_enabled = false;
		else
			return cerr(p, key, "'%s' is not yes or no", v);
		return 0;
	}
	if (!strcmp(key, "enable")) {
		if (!name_ok(v))
			return cerr(p, key, "'%s' is not a profile name", v);
		if (c->n_enable >= CONFIG_ENABLE_MAX)
			return cerr(p, key, "more than %d", CONFIG_ENABLE_MAX);
		for (u = 0; u < c->n_enable; u++)
			if (!strcmp(c->enable[u], v))
				return cerr(p, key, "'%s' given twice", v);
		strcpy(c->enable[c->n_enable++], v);
		return 0;
	}
	if (!strcmp(key, "modem")) {
		char *end;
		unsigned long card = strtoul(v, &end, 10);

		if (end == v || (*end != ' ' && *end != '\t') || card >= VUICC_CARDS_MAX)
			return cerr(p, key, "'%s' is not 'CARD TTY' (a card number, then a path)",
				    v);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != '/')
			return cerr(p, key, "'%s': the tty must be an absolute path", end);
		if (strlen(end) >= CONFIG_PATH_MAX)
			return cerr(p, key, "longer than %d characters", CONFIG_PATH_MAX - 1);
		if (c->modem[card][0])
			return cerr(p, key, "card %lu has a modem already", card);
		strcpy(c->modem[card], end);
		return 0;
	}
	if (!strcmp(key, "apn")) {
		if (!*v || strlen(v) >= sizeof(c->apn) || strpbrk(v, "\",; \t"))
			return cerr(p, key, "'%s' is not an APN (at most %zu characters, no quotes,"
				    " commas or spaces)", v, sizeof(c->apn) - 1);
		strcpy(c->apn, v);
		return 0;
	}
	if (!strcmp(key, "connect")) {
		if (!strcmp(v, "yes"))
			c->connect = true;
		else if (!strcmp(v, "no"))
			c->connect = false;
		else
			return cerr(p, key, "'%s' is not yes or no", v);
		return 0;
	}
	(void)u;
	return cerr(p, key, "unknown key");
}

int config_parse(const char *text, size_t len, const char *fname, struct config *c,
		 char *err, size_t errlen)
{
	struct cparser p = { .fname = fname, .err = err, .errlen = errlen };
	const char *s = text, *end = text + len, *nl;
	unsigned long long seen = 0;
	char line[1024], *l, *eq, *key, *val;
	static const char *const once[] = {
		"cards", "profiles_dir", "state_dir", "socket", "socket_group", "log",
		"log_level", "writeback_ms", "keep_enabled", "apn", "connect",
	};
	size_t n, i;

	config_defaults(c);
	err[0] = '\0';
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", fname);
		return -1;
	}
	while (s < end) {
		p.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (n >= sizeof(line))
			return cerr(&p, NULL, "line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (nl ? 1 : 0);
		l = trim(line);
		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq)
			return cerr(&p, NULL, "not 'key = value'");
		*eq = '\0';
		key = trim(l);
		val = trim(eq + 1);
		if (!*val)
			return cerr(&p, key, "no value");
		for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
			if (strcmp(key, once[i]))
				continue;
			if (seen & (1ULL << i))
				return cerr(&p, key, "given twice");
			seen |= 1ULL << i;
		}
		if (set_key(&p, c, key, val))
			return -1;
	}
	for (i = c->cards; i < VUICC_CARDS_MAX; i++)
		if (c->modem[i][0]) {
			p.line = 0;
			snprintf(err, errlen, "%s: key 'modem': card %zu is not one of the %u cards",
				 fname, i, c->cards);
			return -1;
		}
	return 0;
}

int config_load(const char *path, bool optional, struct config *c, char *err, size_t errlen)
{
	char *text;
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		if (optional && errno == ENOENT) {
			config_defaults(c);
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_TEXT_MAX + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(text, 1, CONFIG_TEXT_MAX + 1, f);
	fclose(f);
	if (n > CONFIG_TEXT_MAX) {
		free(text);
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONFIG_TEXT_MAX);
		return -1;
	}
	ret = config_parse(text, n, path, c, err, errlen);
	free(text);
	return ret;
}
