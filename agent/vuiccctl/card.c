// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl reset: a cold or warm reset through /dev/vuiccN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/vuicc_dev.h"
#include "vuiccctl.h"

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
