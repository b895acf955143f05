// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl apdu: exchange APDUs with a card through /dev/vuiccN.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/vuicc_dev.h"
#include "vuiccctl.h"

int cmd_apdu(int argc, char **argv, const struct ctl_opts *o)
{
	static uint8_t capdu[VUICC_CAPDU_MAX], rsp[VUICC_RAPDU_MAX];
	static char hex[2 * VUICC_RAPDU_MAX + 1];
	char path[VUICC_DEV_PATH_MAX];
	bool get_response = false;
	struct vuicc_atr atr;
	int card = 0, fd, ret, i, first = -1;
	long len, n;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			card = ctl_parse_card(argv[++i]);
			if (card < 0)
				return ctl_err("apdu: bad card number '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--get-response")) {
			get_response = true;
		} else if (!strcmp(argv[i], "--")) {
			first = i + 1;
			break;
		} else if (argv[i][0] == '-') {
			return ctl_err("apdu: unknown option '%s'", argv[i]);
		} else {
			first = i;
			break;
		}
	}
	if (first < 0 || first >= argc)
		return ctl_err("apdu: no APDU given (hex, one per argument)");
	/* Check every APDU before talking to the card. */
	for (i = first; i < argc; i++) {
		if (hex_decode(argv[i], capdu, sizeof(capdu)) < 4)
			return ctl_err("apdu: argument %d ('%.40s'): not an APDU in hex (at least 4 bytes)",
				       i - first + 1, argv[i]);
	}

	vuicc_dev_path(card, path, sizeof(path));
	fd = vuicc_dev_open(card, 0);
	if (fd < 0)
		return ctl_err("%s: %s", path, strerror(-fd));
	ret = vuicc_dev_power_on(fd, &atr);
	if (ret) {
		close(fd);
		return ctl_err("%s: power on: %s", path, strerror(-ret));
	}
	for (i = first; i < argc; i++) {
		len = hex_decode(argv[i], capdu, sizeof(capdu));
		if (get_response)
			n = vuicc_dev_transmit_t0(fd, capdu, len, rsp, sizeof(rsp));
		else
			n = vuicc_dev_transmit(fd, capdu, len, rsp, sizeof(rsp));
		if (n < 0) {
			close(fd);
			return ctl_err("%s: APDU %d: %s", path, i - first + 1,
				       n == -EINVAL ? "inconsistent lengths (ISO 7816-4 §5.1)" :
				       strerror((int)-n));
		}
		if (o->verbose) {
			hex_encode(capdu, len, hex);
			printf("> %s\n< ", hex);
		}
		hex_encode(rsp, n, hex);
		printf("%s\n", hex);
	}
	close(fd);
	return 0;
}
