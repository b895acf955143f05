// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl card list, vuiccctl reset.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "vuicc_dev.h"
#include "vuiccctl.h"

#define MISC_CLASS "/sys/class/misc"

static int card_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The card numbers present, from sysfs, sorted. */
static int card_ids(int *ids, int max)
{
	struct dirent *de;
	DIR *d;
	int n = 0, id;

	d = opendir(MISC_CLASS);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "vuicc", 5))
			continue;
		id = ctl_parse_card(de->d_name + 5);
		if (id >= 0)
			ids[n++] = id;
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), card_cmp);
	return n;
}

static int card_list(const struct ctl_opts *o)
{
	char path[VUICC_DEV_PATH_MAX], atr[2 * VUICC_ATR_MAX + 1];
	int ids[VUICC_CARDS_MAX];
	struct vuicc_status st;
	int n, i, fd, ret;
	const char *state;

	n = card_ids(ids, VUICC_CARDS_MAX);
	if (n < 0) {
		if (n == -ENOENT)
			return ctl_err("%s: no such directory (is sysfs mounted?)", MISC_CLASS);
		return ctl_err("%s: %s", MISC_CLASS, strerror(-n));
	}
	if (o->json)
		printf("[");
	else if (n)
		printf("%-5s %-12s %-7s %-9s %-9s %s\n", "CARD", "DEVICE", "STATE",
		       "APDUS", "RESETS", "ATR");
	for (i = 0; i < n; i++) {
		vuicc_dev_path(ids[i], path, sizeof(path));
		memset(&st, 0, sizeof(st));
		atr[0] = '\0';
		fd = vuicc_dev_open(ids[i], O_NONBLOCK);
		if (fd == -EBUSY) {
			state = "in-use";
		} else if (fd < 0) {
			return ctl_err("%s: %s", path, strerror(-fd));
		} else {
			ret = vuicc_dev_status(fd, &st);
			close(fd);
			if (ret)
				return ctl_err("%s: status: %s", path, strerror(-ret));
			state = "free";
			if (st.atr.len <= VUICC_ATR_MAX)
				hex_encode(st.atr.bytes, st.atr.len, atr);
		}
		if (o->json) {
			printf("%s{\"card\":%d,\"device\":\"%s\",\"state\":\"%s\"",
			       i ? "," : "", ids[i], path, state);
			if (atr[0])
				printf(",\"apdus\":%llu,\"resets\":%llu,\"atr\":\"%s\"",
				       (unsigned long long)st.apdus,
				       (unsigned long long)st.resets, atr);
			printf("}");
		} else if (atr[0]) {
			printf("%-5d %-12s %-7s %-9llu %-9llu %s\n", ids[i], path,
			       state, (unsigned long long)st.apdus,
			       (unsigned long long)st.resets, atr);
		} else {
			printf("%-5d %-12s %-7s %-9s %-9s %s\n", ids[i], path,
			       state, "-", "-", "-");
		}
	}
	if (o->json)
		printf("]\n");
	return 0;
}

int cmd_card(int argc, char **argv, const struct ctl_opts *o)
{
	if (argc == 1 && !strcmp(argv[0], "list"))
		return card_list(o);
	if (argc == 0)
		return ctl_err("card: which subcommand? (list)");
	return ctl_err("card: unknown subcommand '%s'", argv[0]);
}

int cmd_reset(int argc, char **argv, const struct ctl_opts *o)
{
	char path[VUICC_DEV_PATH_MAX], hex[2 * VUICC_ATR_MAX + 1];
	uint32_t flags = VUICC_RESET_COLD;
	struct vuicc_atr atr;
	int card = 0, fd, ret, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			card = ctl_parse_card(argv[++i]);
			if (card < 0)
				return ctl_err("reset: bad card number '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--warm")) {
			flags = VUICC_RESET_WARM;
		} else if (!strcmp(argv[i], "--cold")) {
			flags = VUICC_RESET_COLD;
		} else {
			return ctl_err("reset: unexpected argument '%s'", argv[i]);
		}
	}
	vuicc_dev_path(card, path, sizeof(path));
	fd = vuicc_dev_open(card, 0);
	if (fd < 0)
		return ctl_err("%s: %s", path, strerror(-fd));
	/* Each vuiccctl run is a new session: a warm reset needs power first. */
	ret = flags == VUICC_RESET_WARM ? vuicc_dev_power_on(fd, &atr) : 0;
	if (!ret)
		ret = vuicc_dev_reset(fd, flags, &atr);
	close(fd);
	if (ret)
		return ctl_err("%s: reset: %s", path, strerror(-ret));
	if (atr.len > VUICC_ATR_MAX)
		return ctl_err("%s: reset: ATR of %u bytes", path, atr.len);
	hex_encode(atr.bytes, atr.len, hex);
	if (o->json)
		printf("{\"card\":%d,\"atr\":\"%s\"}\n", card, hex);
	else
		printf("%s\n", hex);
	return 0;
}
