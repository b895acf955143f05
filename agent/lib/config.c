// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd.conf: the parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "config.h"
#include "lines.h"

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
	c->weight_signal = 0.5;
	c->weight_tariff = 0.5;
	c->tariff_max = 1;
	c->switchback = true;
	c->vsim = true;
	c->data_check_interval_ms = 30000;
	c->data_check_failures = 3;
	c->data_check_timeout_ms = 5000;
	c->share_want = true;
	c->share_lease_ms = 30000;
	c->share_drift_ms = 5000;
	c->share_guard_ms = 5000;
	c->share_answer_ms = 3000;
	c->share_retry_ms = 2000;
	c->standby_count = CONFIG_STANDBYS_AUTO;
}

static int get_uint(struct lines *p, const char *key, const char *v, unsigned long min,
		    unsigned long max, unsigned int *out)
{
	unsigned long u;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return lines_err(p, key, "'%s' is not a number", v);
	u = strtoul(v, &end, 10);
	if (errno || *end || u < min || u > max)
		return lines_err(p, key, "'%s' is not a number from %lu to %lu", v, min, max);
	*out = (unsigned int)u;
	return 0;
}

static int get_path(struct lines *p, const char *key, const char *v, char *out)
{
	if (v[0] != '/')
		return lines_err(p, key, "'%s' is not an absolute path", v);
	if (strlen(v) >= CONFIG_PATH_MAX)
		return lines_err(p, key, "longer than %d characters", CONFIG_PATH_MAX - 1);
	strcpy(out, v);
	return 0;
}

static int get_bool(struct lines *p, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "no"))
		*out = false;
	else
		return lines_err(p, key, "'%s' is not yes or no", v);
	return 0;
}

static int get_double(struct lines *p, const char *key, const char *v, double max,
		      double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || end == v || !(d >= 0) || d > max)
		return lines_err(p, key, "'%s' is not a number from 0 to %g", v, max);
	*out = d;
	return 0;
}

static int get_text(struct lines *p, const char *key, const char *v, char *out, size_t max)
{
	if (strlen(v) >= max)
		return lines_err(p, key, "longer than %zu characters", max - 1);
	strcpy(out, v);
	return 0;
}

static int set_share_key(struct lines *p, struct config *c, const char *key, const char *v);

/* The policy's and the SIM server's keys. */
static int set_policy_key(struct lines *p, struct config *c, const char *key, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
		unsigned long min, max;
	} uints[] = {
#define U(k, lo, hi) { #k, offsetof(struct config, k), lo, hi }
		U(t_card_ms, 100, 600000), U(t_register_ms, 100, 600000),
		U(t_dial_ms, 100, 600000), U(t_data_ms, 100, 600000),
		U(t_scan_ms, 100, 600000), U(switchback_ms, 1000, 86400000),
		U(vsim_retry_ms, 1000, 86400000), U(standby_count, 0, CONFIG_STANDBYS_MAX),
		U(data_check_interval_ms, 1000, 3600000), U(data_check_failures, 1, 100),
		U(data_check_timeout_ms, 100, 60000),
		U(server_timeout_ms, 100, 600000), U(server_attempts, 1, 20),
		U(card_base, 0, VUICC_CARDS_MAX - 1),
		U(share_lease_ms, 3000, 3600000), U(share_drift_ms, 0, 600000),
		U(share_guard_ms, 100, 600000), U(share_answer_ms, 100, 600000),
		U(share_retry_ms, 100, 600000),
#undef U
	};
	size_t i;

	for (i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
		if (!strcmp(key, uints[i].key))
			return get_uint(p, key, v, uints[i].min, uints[i].max,
					(unsigned int *)((char *)c + uints[i].off));
	if (!strcmp(key, "policy")) {
		/* the source's method as written, for comparison (bench/e2e-failover) */
		c->policy_source = !strcmp(v, "cn105491555a");
		if (c->policy_source) {
			c->policy = true;
			return 0;
		}
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return lines_err(p, key, "'%s' is not yes, no or cn105491555a", v);
		return get_bool(p, key, v, &c->policy);
	}
	if (!strcmp(key, "switchback"))
		return get_bool(p, key, v, &c->switchback);
	if (!strcmp(key, "vsim"))
		return get_bool(p, key, v, &c->vsim);
	if (!strcmp(key, "weight_signal"))
		return get_double(p, key, v, 1000, &c->weight_signal);
	if (!strcmp(key, "weight_tariff"))
		return get_double(p, key, v, 1000, &c->weight_tariff);
	if (!strcmp(key, "tariff_min"))
		return get_double(p, key, v, 1e9, &c->tariff_min);
	if (!strcmp(key, "tariff_max"))
		return get_double(p, key, v, 1e9, &c->tariff_max);
	if (!strcmp(key, "data_check")) {
		/* the form only: vuiccd parses the target when it starts (io/probe.c) */
		if (*v && !(!strncmp(v, "dns:", 4) && strchr(v, '@')) && strncmp(v, "http://", 7))
			return lines_err(p, key, "'%s' is not dns:NAME@ADDR[:PORT] or"
					 " http://ADDR[:PORT][/PATH]", v);
		return get_text(p, key, v, c->data_check, sizeof(c->data_check));
	}
	if (!strcmp(key, "server_url")) {
		if (strncmp(v, "https://", 8))
			return lines_err(p, key, "'%s' is not an https:// URL", v);
		return get_text(p, key, v, c->server_url, sizeof(c->server_url));
	}
	if (!strcmp(key, "device_id"))
		return get_text(p, key, v, c->device_id, sizeof(c->device_id));
	if (!strcmp(key, "device_secret"))
		return get_text(p, key, v, c->device_secret, sizeof(c->device_secret));
	if (!strcmp(key, "device_secret_file"))
		return get_path(p, key, v, c->device_secret_file);
	if (!strcmp(key, "server_ca"))
		return get_path(p, key, v, c->server_ca);
	if (!strcmp(key, "device_cert"))
		return get_path(p, key, v, c->device_cert);
	if (!strcmp(key, "device_key"))
		return get_path(p, key, v, c->device_key);
	return set_share_key(p, c, key, v);
}

/* Keys renamed: the old name works, with a warning that names the new one. */
static const struct {
	const char *old, *now;
} renames[] = {
	{ "share_embodiment", "share_mode" },
};

static char *renamed(struct lines *p, struct config *c, char *key)
{
	size_t i, n = strlen(c->warnings);

	for (i = 0; i < sizeof(renames) / sizeof(renames[0]); i++) {
		if (strcmp(key, renames[i].old))
			continue;
		if (n < sizeof(c->warnings) - 1)
			snprintf(c->warnings + n, sizeof(c->warnings) - n,
				 "%s:%u: key '%s' is deprecated: use '%s'\n", p->fname, p->line,
				 renames[i].old, renames[i].now);
		return (char *)renames[i].now;
	}
	return key;
}

static int name_ok(const char *s);

static int share_addr_ok(const char *v)
{
	return !strncmp(v, "tcp:", 4) || !strncmp(v, "rfcomm:", 7);
}

static int set_share_key(struct lines *p, struct config *c, const char *key, const char *v)
{
	unsigned int i, b;

	if (!strcmp(key, "share")) {
		if (!strcmp(v, "off"))
			c->share = CONFIG_SHARE_OFF;
		else if (!strcmp(v, "master"))
			c->share = CONFIG_SHARE_MASTER;
		else if (!strcmp(v, "slave"))
			c->share = CONFIG_SHARE_SLAVE;
		else
			return lines_err(p, key, "'%s' is not off, master or slave", v);
		return 0;
	}
	if (!strcmp(key, "share_profile")) {
		if (!name_ok(v))
			return lines_err(p, key, "'%s' is not a profile name", v);
		return get_text(p, key, v, c->share_profile, sizeof(c->share_profile));
	}
	if (!strcmp(key, "share_profile_file"))
		return get_path(p, key, v, c->share_profile_file);
	if (!strcmp(key, "share_listen") || !strcmp(key, "share_connect")) {
		if (!share_addr_ok(v))
			return lines_err(p, key, "'%s' is not tcp:HOST:PORT or rfcomm:...", v);
		return get_text(p, key, v, key[6] == 'l' ? c->share_listen : c->share_connect,
				CONFIG_PATH_MAX);
	}
	if (!strcmp(key, "share_netns"))
		return get_text(p, key, v, c->share_netns, sizeof(c->share_netns));
	if (!strcmp(key, "share_adapter")) {
		unsigned int o[6];
		char end;

		if (strlen(v) != 17 || sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &o[0], &o[1], &o[2],
					      &o[3], &o[4], &o[5], &end) != 6)
			return lines_err(p, key, "'%s' is not a Bluetooth address XX:XX:XX:XX:XX:XX",
					 v);
		return get_text(p, key, v, c->share_adapter, sizeof(c->share_adapter));
	}
	if (!strcmp(key, "share_key_file"))
		return get_path(p, key, v, c->share_key_file);
	if (!strcmp(key, "share_peer_key")) {
		if (c->n_share_peers >= CONFIG_SHARE_PEERS)
			return lines_err(p, key, "more than %d peers", CONFIG_SHARE_PEERS);
		if (strlen(v) != 64)
			return lines_err(p, key, "not 64 hex digits (an X25519 public key)");
		for (i = 0; i < 32; i++) {
			if (sscanf(v + 2 * i, "%2x", &b) != 1 || !isxdigit((unsigned char)v[2 * i]) ||
			    !isxdigit((unsigned char)v[2 * i + 1]))
				return lines_err(p, key,
						 "not 64 hex digits (an X25519 public key)");
			c->share_peer_key[c->n_share_peers][i] = (unsigned char)b;
		}
		c->n_share_peers++;
		return 0;
	}
	if (!strcmp(key, "share_mode")) {
		if (!strcmp(v, "push"))
			c->share_compare = false;
		else if (!strcmp(v, "compare"))
			c->share_compare = true;
		else
			return lines_err(p, key, "'%s' is not push or compare", v);
		return 0;
	}
	if (!strcmp(key, "share_want"))
		return get_bool(p, key, v, &c->share_want);
	return 1;
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

/* "CARD TTY": a card number, then an absolute path, once per card */
static int card_tty(struct lines *p, const char *key, const char *v,
		    char (*tab)[CONFIG_PATH_MAX])
{
	char *end;
	unsigned long card = strtoul(v, &end, 10);

	if (end == v || (*end != ' ' && *end != '\t') || card >= VUICC_CARDS_MAX)
		return lines_err(p, key, "'%s' is not 'CARD TTY' (a card number, then a path)", v);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '/')
		return lines_err(p, key, "'%s': the tty must be an absolute path", end);
	if (strlen(end) >= CONFIG_PATH_MAX)
		return lines_err(p, key, "longer than %d characters", CONFIG_PATH_MAX - 1);
	if (tab[card][0])
		return lines_err(p, key, "card %lu has one already", card);
	strcpy(tab[card], end);
	return 0;
}

/* "modem_vuicc_slot = CARD N" */
static int card_slot(struct lines *p, const char *key, const char *v, int *tab)
{
	unsigned long card, slot;
	char *end;

	card = strtoul(v, &end, 10);
	if (end == v || (*end != ' ' && *end != '\t') || card >= VUICC_CARDS_MAX)
		return lines_err(p, key, "'%s' is not 'CARD N' (a card number, then a modem slot)", v);
	v = end + strspn(end, " \t");
	slot = strtoul(v, &end, 10);
	if (end == v || *end || slot < 1 || slot > 8)
		return lines_err(p, key, "'%s' is not a modem SIM slot (1 to 8)", v);
	if (tab[card])
		return lines_err(p, key, "card %lu has one already", card);
	tab[card] = (int)slot;
	return 0;
}

static int set_key(struct lines *p, struct config *c, const char *key, const char *v)
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
	if (!strcmp(key, "socket_group"))
		return get_text(p, key, v, c->socket_group, sizeof(c->socket_group));
	if (!strcmp(key, "log")) {
		if (!strcmp(v, "stderr"))
			c->log = LOG_TO_STDERR;
		else if (!strcmp(v, "syslog"))
			c->log = LOG_TO_SYSLOG;
		else
			return lines_err(p, key, "'%s' is not stderr or syslog", v);
		return 0;
	}
	if (!strcmp(key, "log_level")) {
		for (i = 0; i < (int)(sizeof(levels) / sizeof(levels[0])); i++) {
			if (levels[i] && !strcmp(v, levels[i])) {
				c->log_level = i;
				return 0;
			}
		}
		return lines_err(p, key, "'%s' is not err, warning, notice, info or debug", v);
	}
	if (!strcmp(key, "writeback_ms"))
		return get_uint(p, key, v, 0, 600000, &c->writeback_ms);
	if (!strcmp(key, "keep_enabled"))
		return get_bool(p, key, v, &c->keep_enabled);
	if (!strcmp(key, "enable")) {
		if (!name_ok(v))
			return lines_err(p, key, "'%s' is not a profile name", v);
		if (c->n_enable >= CONFIG_ENABLE_MAX)
			return lines_err(p, key, "more than %d", CONFIG_ENABLE_MAX);
		for (u = 0; u < c->n_enable; u++)
			if (!strcmp(c->enable[u], v))
				return lines_err(p, key, "'%s' given twice", v);
		strcpy(c->enable[c->n_enable++], v);
		return 0;
	}
	if (!strcmp(key, "modem"))
		return card_tty(p, key, v, c->modem);
	if (!strcmp(key, "modem_scan_port"))
		return card_tty(p, key, v, c->modem_scan);
	if (!strcmp(key, "modem_vuicc_slot"))
		return card_slot(p, key, v, c->modem_vuicc_slot);
	if (!strcmp(key, "apn")) {
		if (!*v || strlen(v) >= sizeof(c->apn) || strpbrk(v, "\",; \t"))
			return lines_err(p, key, "'%s' is not an APN (at most %zu characters,"
					 " no quotes, commas or spaces)", v, sizeof(c->apn) - 1);
		strcpy(c->apn, v);
		return 0;
	}
	if (!strcmp(key, "connect"))
		return get_bool(p, key, v, &c->connect);
	(void)u;
	i = set_policy_key(p, c, key, v);
	if (i <= 0)
		return i;
	return lines_err(p, key, "unknown key");
}

int config_parse(const char *text, size_t len, const char *fname, struct config *c,
		 char *err, size_t errlen)
{
	char line[1024], *key;
	struct lines p = { .fname = fname, .err = err, .errlen = errlen,
			   .buf = line, .size = sizeof(line) };
	unsigned long long seen = 0;
	static const char *const once[] = {
		"cards", "profiles_dir", "state_dir", "socket", "socket_group", "log",
		"log_level", "writeback_ms", "keep_enabled", "apn", "connect",
		"policy", "weight_signal", "weight_tariff", "tariff_min", "tariff_max",
		"t_card_ms", "t_register_ms", "t_dial_ms", "t_data_ms", "t_scan_ms",
		"switchback_ms", "switchback", "vsim", "vsim_retry_ms", "standby_count",
		"server_url", "device_id", "device_secret", "server_ca", "device_cert",
		"device_key", "server_timeout_ms", "server_attempts", "device_secret_file",
		"card_base", "share", "share_profile", "share_profile_file", "share_listen",
		"share_connect", "share_netns", "share_key_file", "share_mode",
		"share_want", "share_lease_ms", "share_drift_ms", "share_guard_ms",
		"share_answer_ms", "share_retry_ms", "data_check", "data_check_interval_ms",
		"data_check_failures", "data_check_timeout_ms",
	};
	size_t i;
	int k;

	config_defaults(c);
	if (lines_start(&p, text, len))
		return -1;
	while ((k = lines_next(&p)) == LINES_KEY) {
		key = renamed(&p, c, p.key);
		for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
			if (strcmp(key, once[i]))
				continue;
			if (seen & (1ULL << i))
				return lines_err(&p, key, "given twice");
			seen |= 1ULL << i;
		}
		if (set_key(&p, c, key, p.value))
			return -1;
	}
	if (k < 0)
		return -1;
	p.line = 0;	/* from here on, about the whole file */
	if (c->card_base + c->cards > VUICC_CARDS_MAX)
		return lines_err(&p, "card_base", "cards %u..%u: there are only %d",
				 c->card_base, c->card_base + c->cards - 1, VUICC_CARDS_MAX);
	for (i = 0; i < VUICC_CARDS_MAX; i++)
		if (c->modem[i][0] && (i < c->card_base || i >= c->card_base + c->cards))
			return lines_err(&p, "modem", "card %zu is not one of cards %u..%u",
					 i, c->card_base, c->card_base + c->cards - 1);
	for (i = 0; i < VUICC_CARDS_MAX; i++)
		if (c->modem_scan[i][0] && !c->modem[i][0])
			return lines_err(&p, "modem_scan_port", "card %zu has no 'modem'", i);
	if (c->share && (!c->share_profile[0] || !c->share_key_file[0]))
		return lines_err(&p, "share", "needs share_profile and share_key_file");
	if (c->share == CONFIG_SHARE_MASTER && (!c->share_listen[0] || !c->share_profile_file[0]))
		return lines_err(&p, "share", "a master needs share_listen and share_profile_file");
	if (c->share == CONFIG_SHARE_SLAVE && (!c->share_connect[0] || c->n_share_peers > 1))
		return lines_err(&p, "share", "a slave needs share_connect and at most one"
				 " share_peer_key (the master's)");
	if (c->share && 2 * c->share_guard_ms >= c->share_lease_ms)
		return lines_err(&p, "share_guard_ms",
				 "%u ms is not less than half the %u ms lease",
				 c->share_guard_ms, c->share_lease_ms);
	if (c->policy && !c->server_url[0])
		return lines_err(&p, "policy", "the data stage needs the SIM server (server_url)");
	if (c->data_check[0] && !c->policy)
		return lines_err(&p, "data_check", "needs policy (the check runs once data is up)");
	if (c->data_check[0] && c->data_check_timeout_ms > c->data_check_interval_ms)
		return lines_err(&p, "data_check_timeout_ms", "%u ms is longer than the %u ms interval",
				 c->data_check_timeout_ms, c->data_check_interval_ms);
	if (c->device_secret[0] && c->device_secret_file[0])
		return lines_err(&p, "device_secret_file", "device_secret is given too");
	if (c->server_url[0] && (!c->device_id[0] || (!c->device_secret[0] &&
						       !c->device_secret_file[0] &&
						       !c->device_cert[0])))
		return lines_err(&p, "server_url", "needs device_id and device_secret,"
				 " device_secret_file or device_cert");
	if (c->tariff_max < c->tariff_min)
		return lines_err(&p, "tariff_max", "below tariff_min");
	if (c->standby_count == CONFIG_STANDBYS_AUTO)
		c->standby_count = c->server_url[0] ? CONFIG_STANDBYS_MAX : 0;
	return 0;
}

/* device_secret_file: its first line, from a file only its owner reads */
static int read_secret(struct config *c, char *err, size_t errlen)
{
	const char *path = c->device_secret_file;
	char line[sizeof(c->device_secret) + 2];
	struct stat st;
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "device_secret_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		fclose(f);
		snprintf(err, errlen, "device_secret_file %s: readable by group or others"
			 " (chmod 600 it)", path);
		return -1;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!n || n >= sizeof(c->device_secret)) {
		explicit_bzero(line, sizeof(line));
		snprintf(err, errlen, "device_secret_file %s: the first line must be the secret"
			 " (1-%zu characters)", path, sizeof(c->device_secret) - 1);
		return -1;
	}
	memcpy(c->device_secret, line, n + 1);
	explicit_bzero(line, sizeof(line));
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
			c->standby_count = 0;	/* (no server) */
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = lines_read(f, CONFIG_TEXT_MAX, &n);
	fclose(f);
	if (!text) {
		if (errno == EFBIG)
			snprintf(err, errlen, "%s: larger than %d bytes", path, CONFIG_TEXT_MAX);
		else
			snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ret = config_parse(text, n, path, c, err, errlen);
	explicit_bzero(text, n);	/* it may hold device_secret */
	free(text);
	if (!ret && c->device_secret_file[0])
		ret = read_secret(c, err, errlen);
	return ret;
}
