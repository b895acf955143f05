// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl card list|add|del, profile add|list|enable|disable|del, monitor:
 * the control plane, over the vuicc Generic Netlink family.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "lib/hex.h"
#include "lib/nl.h"
#include "lib/profile.h"
#include "lib/t0_line.h"
#include "vuiccctl.h"

static const char *kind_name(uint32_t k)
{
	return k == VUICC_PROFILE_KIND_SEED ? "seed" : k == VUICC_PROFILE_KIND_VSIM ? "vsim" : "?";
}

static const char *role_name(uint32_t r)
{
	return r == VUICC_PROFILE_ROLE_MASTER ? "master" :
	       r == VUICC_PROFILE_ROLE_STANDBY ? "standby" : "-";
}

static const char *algorithm_name(uint32_t a)
{
	switch (a) {
	case VUICC_ALGORITHM_MILENAGE: return "milenage";
	case VUICC_ALGORITHM_TUAK: return "tuak";
	case VUICC_ALGORITHM_XOR: return "xor";
	}
	return "?";
}

static uint64_t boottime_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static const char *ntf_name(uint8_t cmd)
{
	switch (cmd) {
	case VUICC_CMD_CARD_NEW_NTF: return "card-new";
	case VUICC_CMD_CARD_DEL_NTF: return "card-del";
	case VUICC_CMD_CARD_RESET_NTF: return "card-reset";
	case VUICC_CMD_CARD_POWER_NTF: return "card-power";
	case VUICC_CMD_PROFILE_ADD_NTF: return "profile-add";
	case VUICC_CMD_PROFILE_DEL_NTF: return "profile-del";
	case VUICC_CMD_PROFILE_ENABLE_NTF: return "profile-enable";
	case VUICC_CMD_PROFILE_EXPIRE_NTF: return "profile-expire";
	case VUICC_CMD_AUTH_NTF: return "auth";
	case VUICC_CMD_STATE_NTF: return "state";
	}
	return "?";
}

static uint32_t u32_or(struct nlattr *a, uint32_t def)
{
	return a ? nla_get_u32(a) : def;
}

static uint8_t u8_or(struct nlattr *a, uint8_t def)
{
	return a ? nla_get_u8(a) : def;
}

static unsigned long long u64_or(struct nlattr *a, unsigned long long def)
{
	return a ? (unsigned long long)nla_get_u64(a) : def;
}

static const char *str_or(struct nlattr *a, const char *def)
{
	return a ? nla_get_string(a) : def;
}

static int open_nl(struct vnl *v)
{
	int ret = vnl_open(v);

	if (ret)
		ctl_err("%s", v->err);
	return ret;
}

/* Parses "--card N" at argv[*i]; returns 1 if it was one, -1 on a bad N. */
static int opt_card(int argc, char **argv, int *i, int *card)
{
	if (strcmp(argv[*i], "--card"))
		return 0;
	if (*i + 1 >= argc || (*card = ctl_parse_card(argv[*i + 1])) < 0) {
		ctl_err("--card needs a card number (0-%d)", VUICC_CARDS_MAX - 1);
		return -1;
	}
	(*i)++;
	return 1;
}

/* ---- cards ---- */

struct list_ctx {
	const struct ctl_opts *o;
	int n;
};

static int print_card(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct list_ctx *c = arg;
	struct vuicc_t0_stats st;
	char tty[64];
	bool line;

	if (!tb[VUICC_A_CARD_ID])
		return 0;
	line = tb[VUICC_A_CARD_T0] && !vnl_parse_t0(tb[VUICC_A_CARD_T0], &st, tty, sizeof(tty));
	if (c->o->json) {
		printf("%s{\"card\":%u,\"device\":\"/dev/vuicc%u\",\"powered\":%s,\"open\":%s,"
		       "\"profile\":", c->n ? "," : "",
		       nla_get_u32(tb[VUICC_A_CARD_ID]), nla_get_u32(tb[VUICC_A_CARD_ID]),
		       u8_or(tb[VUICC_A_CARD_POWERED], 0) ? "true" : "false",
		       u8_or(tb[VUICC_A_CARD_OPEN], 0) ? "true" : "false");
		if (tb[VUICC_A_CARD_PROFILE])
			printf("\"%s\"", nla_get_string(tb[VUICC_A_CARD_PROFILE]));
		else
			printf("null");
		printf(",\"profiles\":%u,\"apdus\":%llu,\"resets\":%llu,\"switches\":%llu,"
		       "\"expiries\":%llu,\"t0\":", u32_or(tb[VUICC_A_CARD_PROFILES], 0),
		       u64_or(tb[VUICC_A_CARD_APDUS], 0), u64_or(tb[VUICC_A_CARD_RESETS], 0),
		       u64_or(tb[VUICC_A_CARD_SWITCHES], 0), u64_or(tb[VUICC_A_CARD_EXPIRIES], 0));
		if (line)
			t0_line_stats_json(stdout, &st, tty);
		else
			printf("null");
		printf("}");
	} else {
		if (!c->n)
			printf("%-5s %-12s %-5s %-5s %-20s %-8s %-9s %-7s %s\n", "CARD", "DEVICE",
			       "POWER", "OPEN", "PROFILE", "PROFILES", "APDUS", "RESETS", "LINE");
		printf("%-5u /dev/vuicc%-2u %-5s %-5s %-20s %-8u %-9llu %-7llu %s\n",
		       nla_get_u32(tb[VUICC_A_CARD_ID]), nla_get_u32(tb[VUICC_A_CARD_ID]),
		       u8_or(tb[VUICC_A_CARD_POWERED], 0) ? "on" : "off",
		       u8_or(tb[VUICC_A_CARD_OPEN], 0) ? "yes" : "no",
		       str_or(tb[VUICC_A_CARD_PROFILE], "-"),
		       u32_or(tb[VUICC_A_CARD_PROFILES], 0),
		       u64_or(tb[VUICC_A_CARD_APDUS], 0), u64_or(tb[VUICC_A_CARD_RESETS], 0),
		       line ? tty : "-");
		if (line && c->o->verbose) {
			printf("      ");
			t0_line_stats_text(stdout, &st, tty);
		}
	}
	c->n++;
	return 0;
}

static int card_list(const struct ctl_opts *o)
{
	struct list_ctx c = { .o = o };
	struct nl_msg *msg;
	struct vnl v;
	int ret;

	if (open_nl(&v))
		return 1;
	msg = vnl_request(&v, VUICC_CMD_CARD_GET, NLM_F_DUMP);
	if (o->json)
		printf("[");
	ret = msg ? vnl_transact(&v, msg, print_card, &c) : -ENOMEM;
	if (o->json)
		printf("]\n");
	vnl_close(&v);
	if (ret)
		return ctl_err("card list: %s", v.err);
	return 0;
}

static int card_add_del(int argc, char **argv, const struct ctl_opts *o, bool add)
{
	struct list_ctx c = { .o = o };
	struct nl_msg *msg;
	int card = -1, i, r;
	struct vnl v;
	int ret;

	for (i = 0; i < argc; i++) {
		r = opt_card(argc, argv, &i, &card);
		if (r < 0)
			return 1;
		if (r == 0) {
			/* "card add 3" and "card del 3" too */
			card = ctl_parse_card(argv[i]);
			if (card < 0)
				return ctl_err("card %s: bad card number '%s'", add ? "add" : "del", argv[i]);
		}
	}
	if (!add && card < 0)
		return ctl_err("card del: which card? (card del N)");
	if (open_nl(&v))
		return 1;
	msg = vnl_request(&v, add ? VUICC_CMD_CARD_NEW : VUICC_CMD_CARD_DEL, 0);
	if (msg && card >= 0)
		nla_put_u32(msg, VUICC_A_CARD_ID, (uint32_t)card);
	if (o->json && add)
		printf("[");
	ret = msg ? vnl_transact(&v, msg, add ? print_card : NULL, &c) : -ENOMEM;
	if (o->json && add)
		printf("]\n");
	vnl_close(&v);
	if (ret)
		return ctl_err("card %s: %s", add ? "add" : "del", v.err);
	return 0;
}

int cmd_card_nl(int argc, char **argv, const struct ctl_opts *o)
{
	if (argc >= 1 && !strcmp(argv[0], "list") && argc == 1)
		return card_list(o);
	if (argc >= 1 && !strcmp(argv[0], "add"))
		return card_add_del(argc - 1, argv + 1, o, true);
	if (argc >= 1 && !strcmp(argv[0], "del"))
		return card_add_del(argc - 1, argv + 1, o, false);
	if (argc == 0)
		return ctl_err("card: which subcommand? (list, add, del)");
	return ctl_err("card: unknown subcommand '%s' (list, add, del)", argv[0]);
}

/* ---- profiles ---- */

static int print_profile(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct list_ctx *c = arg;

	if (!tb[VUICC_A_PROFILE_NAME])
		return 0;
	if (c->o->json) {
		printf("%s{\"card\":%u,\"name\":\"%s\",\"kind\":\"%s\",\"role\":", c->n ? "," : "",
		       u32_or(tb[VUICC_A_CARD_ID], 0), nla_get_string(tb[VUICC_A_PROFILE_NAME]),
		       kind_name(u32_or(tb[VUICC_A_PROFILE_KIND], 0)));
		if (tb[VUICC_A_PROFILE_ROLE])
			printf("\"%s\"", role_name(nla_get_u32(tb[VUICC_A_PROFILE_ROLE])));
		else
			printf("null");
		/* (the kernel gives ICCID and IMSI to CAP_NET_ADMIN only: null without) */
		if (tb[VUICC_A_PROFILE_DEADLINE])
			printf(",\"deadline_ms\":%llu", (unsigned long long)
			       (nla_get_u64(tb[VUICC_A_PROFILE_DEADLINE]) / 1000000 > boottime_ms() ?
				nla_get_u64(tb[VUICC_A_PROFILE_DEADLINE]) / 1000000 - boottime_ms() : 0));
		printf(",\"enabled\":%s,\"iccid\":%s%s%s,\"imsi\":%s%s%s,\"mnc_len\":%u,"
		       "\"algorithm\":\"%s\",\"ind_bits\":%u,\"files\":%u}",
		       u8_or(tb[VUICC_A_PROFILE_ENABLED], 0) ? "true" : "false",
		       tb[VUICC_A_ICCID] ? "\"" : "", str_or(tb[VUICC_A_ICCID], "null"),
		       tb[VUICC_A_ICCID] ? "\"" : "",
		       tb[VUICC_A_IMSI] ? "\"" : "", str_or(tb[VUICC_A_IMSI], "null"),
		       tb[VUICC_A_IMSI] ? "\"" : "",
		       u8_or(tb[VUICC_A_MNC_LEN], 0),
		       algorithm_name(u32_or(tb[VUICC_A_ALGORITHM], 0)),
		       u8_or(tb[VUICC_A_SQN_IND_BITS], 0), u32_or(tb[VUICC_A_PROFILE_FILES], 0));
	} else {
		if (!c->n)
			printf("%-5s %-20s %-5s %-8s %-8s %-21s %-16s %s\n", "CARD", "NAME", "KIND",
			       "ROLE", "ENABLED", "ICCID", "IMSI", "ALGORITHM");
		printf("%-5u %-20s %-5s %-8s %-8s %-21s %-16s %s\n",
		       u32_or(tb[VUICC_A_CARD_ID], 0), nla_get_string(tb[VUICC_A_PROFILE_NAME]),
		       kind_name(u32_or(tb[VUICC_A_PROFILE_KIND], 0)),
		       role_name(u32_or(tb[VUICC_A_PROFILE_ROLE], 0)),
		       u8_or(tb[VUICC_A_PROFILE_ENABLED], 0) ? "yes" : "no",
		       str_or(tb[VUICC_A_ICCID], "-"), str_or(tb[VUICC_A_IMSI], "-"),
		       algorithm_name(u32_or(tb[VUICC_A_ALGORITHM], 0)));
	}
	c->n++;
	return 0;
}

static int profile_list(int argc, char **argv, const struct ctl_opts *o)
{
	struct list_ctx c = { .o = o };
	struct nl_msg *msg;
	int card = -1, i, r, ret;
	struct vnl v;

	for (i = 0; i < argc; i++) {
		r = opt_card(argc, argv, &i, &card);
		if (r < 0)
			return 1;
		if (r == 0)
			return ctl_err("profile list: unexpected argument '%s'", argv[i]);
	}
	if (open_nl(&v))
		return 1;
	msg = vnl_request(&v, VUICC_CMD_PROFILE_GET, NLM_F_DUMP);
	if (msg && card >= 0)
		nla_put_u32(msg, VUICC_A_CARD_ID, (uint32_t)card);
	if (o->json)
		printf("[");
	ret = msg ? vnl_transact(&v, msg, print_profile, &c) : -ENOMEM;
	if (o->json)
		printf("]\n");
	vnl_close(&v);
	if (ret)
		return ctl_err("profile list: %s", v.err);
	return 0;
}

/**
 * profile_put() - the profile-add request for @p on @card
 */
static int profile_add(int argc, char **argv, const struct ctl_opts *o)
{
	char err[PROFILE_ERR_MAX];
	const char *file = NULL;
	struct profile *p;
	struct nl_msg *msg;
	int card = 0, i, r, ret;
	struct vnl v;

	for (i = 0; i < argc; i++) {
		r = opt_card(argc, argv, &i, &card);
		if (r < 0)
			return 1;
		if (r == 0) {
			if (file)
				return ctl_err("profile add: one file at a time ('%s'?)", argv[i]);
			file = argv[i];
		}
	}
	if (!file)
		return ctl_err("profile add: which file? (profile add FILE [--card N])");
	p = malloc(sizeof(*p));
	if (!p)
		return ctl_err("out of memory");
	if (profile_load(file, p, err, sizeof(err))) {
		free(p);
		return ctl_err("%s", err);
	}
	if (p->hard) {
		int slot = p->slot;

		free(p);
		return ctl_err("profile add: %s is a physical card (kind = card, modem slot %d): its "
			       "keys are on the card, nothing goes into the kernel; put the file in "
			       "vuiccd's profiles_dir and vuiccd selects the slot", file, slot);
	}
	if (p->loose_permissions)
		fprintf(stderr, "%s: warning: %s is readable by group or others; it holds keys (chmod 600 it)\n",
			prog, file);
	if (open_nl(&v)) {
		profile_wipe(p);
		free(p);
		return 1;
	}
	msg = vnl_request_sized(&v, VUICC_CMD_PROFILE_ADD, 0,
				4096 + p->sqn_state_len + p->n_files * (VUICC_FILE_DATA_MAX + 64));
	ret = -ENOMEM;
	if (msg && vnl_put_profile(msg, p, (uint32_t)card) == 0)
		ret = vnl_transact(&v, msg, NULL, NULL);
	else if (msg)
		nlmsg_free(msg);
	vnl_close(&v);
	if (ret) {
		ctl_err("profile add: %s: %s", file, ret == -ENOMEM && !v.err[0] ?
			"the profile does not fit a netlink message" : v.err);
	} else if (o->json) {
		printf("{\"card\":%d,\"name\":\"%s\"}\n", card, p->name);
	}
	profile_wipe(p);
	free(p);
	return ret ? 1 : 0;
}

/* enable, renew, disable, del: a profile (and for the first two a deadline, --for MS) */
static int profile_simple(int argc, char **argv, const char *what, uint8_t cmd,
			  bool name_required)
{
	bool timed = cmd == VUICC_CMD_PROFILE_ENABLE || cmd == VUICC_CMD_PROFILE_RENEW;
	const char *name = NULL;
	unsigned long long ms = 0;
	struct nl_msg *msg;
	int card = 0, i, r, ret;
	char *end;
	struct vnl v;

	for (i = 0; i < argc; i++) {
		if (timed && !strcmp(argv[i], "--for")) {
			if (++i == argc)
				return ctl_err("profile %s: --for takes milliseconds", what);
			errno = 0;
			ms = strtoull(argv[i], &end, 10);
			if (errno || *end || !ms || argv[i][0] == '-' || ms > UINT64_MAX / 2000000)
				return ctl_err("profile %s: --for %s: not a number of milliseconds",
					       what, argv[i]);
			continue;
		}
		r = opt_card(argc, argv, &i, &card);
		if (r < 0)
			return 1;
		if (r == 0) {
			if (name)
				return ctl_err("profile %s: one profile at a time", what);
			name = argv[i];
		}
	}
	if (!name && name_required)
		return ctl_err("profile %s: which profile? (profile %s NAME [--card N]%s)", what, what,
			       timed ? " [--for MS]" : "");
	if (cmd == VUICC_CMD_PROFILE_RENEW && !ms)
		return ctl_err("profile renew: until when? (--for MS)");
	if (open_nl(&v))
		return 1;
	msg = vnl_request(&v, cmd, 0);
	ret = -ENOMEM;
	if (msg) {
		nla_put_u32(msg, VUICC_A_CARD_ID, (uint32_t)card);
		if (name)
			nla_put_string(msg, VUICC_A_PROFILE_NAME, name);
		if (ms)
			nla_put_u64(msg, VUICC_A_PROFILE_DEADLINE, (boottime_ms() + ms) * 1000000);
		ret = vnl_transact(&v, msg, NULL, NULL);
	}
	vnl_close(&v);
	if (ret)
		return ctl_err("profile %s: %s", what, v.err);
	return 0;
}

int cmd_profile(int argc, char **argv, const struct ctl_opts *o)
{
	if (argc == 0)
		return ctl_err("profile: which subcommand? (add, list, enable, renew, disable, del)");
	if (!strcmp(argv[0], "add"))
		return profile_add(argc - 1, argv + 1, o);
	if (!strcmp(argv[0], "list"))
		return profile_list(argc - 1, argv + 1, o);
	if (!strcmp(argv[0], "enable"))
		return profile_simple(argc - 1, argv + 1, "enable", VUICC_CMD_PROFILE_ENABLE, true);
	if (!strcmp(argv[0], "renew"))
		return profile_simple(argc - 1, argv + 1, "renew", VUICC_CMD_PROFILE_RENEW, true);
	if (!strcmp(argv[0], "disable"))
		return profile_simple(argc - 1, argv + 1, "disable", VUICC_CMD_PROFILE_DISABLE, false);
	if (!strcmp(argv[0], "del"))
		return profile_simple(argc - 1, argv + 1, "del", VUICC_CMD_PROFILE_DEL, true);
	return ctl_err("profile: unknown subcommand '%s'", argv[0]);
}

/* ---- monitor ---- */

struct mon_ctx {
	const struct ctl_opts *o;
	long left;	/* events to print before exiting; < 0: forever */
};

static int print_event(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct mon_ctx *m = arg;
	static const int attrs[] = {
		VUICC_A_CARD_ID, VUICC_A_CARD_POWERED, VUICC_A_CARD_PROFILE,
		VUICC_A_PROFILE_NAME, VUICC_A_PROFILE_ENABLED, VUICC_A_AUTH_CONTEXT,
		VUICC_A_AUTH_RESULT,
	};
	size_t i;
	int t;

	if (m->o->json)
		printf("{\"event\":\"%s\"", ntf_name(cmd));
	else
		printf("%s", ntf_name(cmd));
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		t = attrs[i];
		if (!tb[t])
			continue;
		if (t == VUICC_A_CARD_PROFILE || t == VUICC_A_PROFILE_NAME)
			printf(m->o->json ? ",\"%s\":\"%s\"" : " %s=%s", vnl_attr_name(t),
			       nla_get_string(tb[t]));
		else if (t == VUICC_A_CARD_POWERED || t == VUICC_A_PROFILE_ENABLED)
			printf(m->o->json ? ",\"%s\":%u" : " %s=%u", vnl_attr_name(t), nla_get_u8(tb[t]));
		else
			printf(m->o->json ? ",\"%s\":%u" : " %s=%u", vnl_attr_name(t), nla_get_u32(tb[t]));
	}
	if (tb[VUICC_A_FILE]) {
		struct nlattr *ft[VUICC_A_FILE_MAX + 1];
		char hex[2 * VUICC_FILE_DATA_MAX + 1];

		if (nla_parse_nested(ft, VUICC_A_FILE_MAX, tb[VUICC_A_FILE], NULL) == 0 &&
		    ft[VUICC_A_FILE_PATH] && ft[VUICC_A_FILE_DATA] &&
		    nla_len(ft[VUICC_A_FILE_PATH]) <= VUICC_FILE_PATH_MAX &&
		    nla_len(ft[VUICC_A_FILE_DATA]) <= VUICC_FILE_DATA_MAX) {
			hex_encode(nla_data(ft[VUICC_A_FILE_PATH]), nla_len(ft[VUICC_A_FILE_PATH]), hex);
			printf(m->o->json ? ",\"path\":\"%s\"" : " path=%s", hex);
			if (ef_path_secret(nla_data(ft[VUICC_A_FILE_PATH]),
					   (size_t)nla_len(ft[VUICC_A_FILE_PATH]))) {
				/* a session key: its length only */
				printf(m->o->json ? ",\"data-len\":%d,\"data\":null" :
				       " data=<%d bytes, session keys>", nla_len(ft[VUICC_A_FILE_DATA]));
			} else {
				hex_encode(nla_data(ft[VUICC_A_FILE_DATA]),
					   nla_len(ft[VUICC_A_FILE_DATA]), hex);
				printf(m->o->json ? ",\"data\":\"%s\"" : " data=%s", hex);
			}
		}
	}
	if (tb[VUICC_A_SQN_STATE])
		printf(m->o->json ? ",\"sqn-state\":true" : " sqn-state");
	printf(m->o->json ? "}\n" : "\n");
	fflush(stdout);
	if (m->left > 0 && --m->left == 0)
		return 1;
	return 0;
}

int cmd_monitor(int argc, char **argv, const struct ctl_opts *o)
{
	struct mon_ctx m = { .o = o, .left = -1 };
	struct vnl v;
	char *end;
	int ret;

	if (argc == 2 && !strcmp(argv[0], "--count")) {
		m.left = strtol(argv[1], &end, 10);
		if (*end || m.left <= 0)
			return ctl_err("monitor: --count needs a positive number");
	} else if (argc) {
		return ctl_err("monitor: unexpected argument '%s'", argv[0]);
	}
	if (open_nl(&v))
		return 1;
	ret = vnl_monitor(&v, print_event, &m);
	vnl_close(&v);
	if (ret)
		return ctl_err("monitor: %s", v.err);
	return 0;
}
