// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl: the operator's command line for vuicc.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vuicc.h>

#include "vuiccctl.h"

const char *prog = "vuiccctl";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--json] [-v] COMMAND [ARGS]\n"
		"\n"
		"  card list                    list the cards\n"
		"  card add [N]                 create a card (the lowest free number)\n"
		"  card del N                   remove a card and its profiles\n"
		"  profile add FILE [--card N]  install a profile from a profile file\n"
		"  profile list [--card N]      list installed profiles (never their keys)\n"
		"  profile enable NAME [--card N]\n"
		"                               switch the card to a profile\n"
		"  profile disable [NAME] [--card N]\n"
		"                               leave the card with no profile\n"
		"  profile del NAME [--card N]  delete a profile and wipe its keys\n"
		"  monitor [--count N]          print card and profile events\n"
		"  reset [--card N] [--warm]    reset a card and print its ATR\n"
		"  apdu [--card N] [--get-response] HEX...\n"
		"                               power the card on, send each APDU,\n"
		"                               print each response in hex\n"
		"  attach --card N TTY [--clock HZ] [--reset dcd|ioctl] [--echo] [--bytewise]\n"
		"         [--baud-base N] [--foreground]\n"
		"                               play card N on a UART wired to a modem's SIM\n"
		"                               contacts (ISO/IEC 7816-3 T=0); held until detach\n"
		"  detach --card N | TTY        take the card off its T=0 line\n"
		"  t0-reset --card N | TTY [--warm|--off]\n"
		"                               reset (or deactivate) the card of a T=0 line\n"
		"  trace [--card N] [--gsmtap HOST[:PORT]] [--pcap FILE] [--count N] [--duration S]\n"
		"                               print the modem side's exchange (secrets redacted\n"
		"                               by the kernel), as GSMTAP for Wireshark\n"
		"  state NAME [--card N]        a profile's persistent state in the kernel\n"
		"                               (checksums of its EFs and SQN array)\n"
		"  status [--socket PATH]       vuiccd's view: cards, profiles, health, events\n"
		"  share take|give [--socket PATH]\n"
		"                               master: use the shared profile on its own card,\n"
		"                               or stop (slaves are refused meanwhile)\n"
		"  share on|off [--socket PATH] slave: want the shared profile, or give it back\n"
		"\n"
		"  --json     machine-readable output for listings\n"
		"  -v         show commands and responses as they go\n",
		prog);
}

int ctl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int ctl_parse_card(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v >= VUICC_CARDS_MAX)
		return -1;
	return (int)v;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			o.json = true;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			o.verbose = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return ctl_err("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[i], "card"))
		return cmd_card_nl(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "profile"))
		return cmd_profile(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "monitor"))
		return cmd_monitor(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "reset"))
		return cmd_reset(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "apdu"))
		return cmd_apdu(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "status"))
		return cmd_status(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "share"))
		return cmd_share(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "state"))
		return cmd_state(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "attach"))
		return cmd_attach(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "detach"))
		return cmd_detach(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "t0-reset"))
		return cmd_t0_reset(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "trace"))
		return cmd_trace(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return ctl_err("unknown command '%s'", argv[i]);
}
