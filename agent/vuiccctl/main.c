// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl: the operator's command line for vuicc.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vuiccctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [ARGS] [--json] [-v]\n"
		"\n"
		"  card list                    list the cards\n"
		"  card add [N]                 create a card (the lowest free number)\n"
		"  card del N                   remove a card and its profiles\n"
		"  profile add FILE [--card N]  install a profile from a profile file\n"
		"  profile list [--card N]      list installed profiles (never their keys)\n"
		"  profile enable NAME [--card N] [--for MS]\n"
		"                               switch the card to a profile (with --for,\n"
		"                               the kernel disables it MS ms from now)\n"
		"  profile renew NAME --for MS [--card N]\n"
		"                               move the enabled profile's deadline\n"
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
		"  --json     machine-readable output for listings (anywhere on the line)\n"
		"  -v         show commands and responses as they go (anywhere on the line)\n",
		prog);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, const struct ctl_opts *o);
} commands[] = {
	{ "card", cmd_card_nl },
	{ "profile", cmd_profile },
	{ "monitor", cmd_monitor },
	{ "reset", cmd_reset },
	{ "apdu", cmd_apdu },
	{ "status", cmd_status },
	{ "share", cmd_share },
	{ "state", cmd_state },
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "t0-reset", cmd_t0_reset },
	{ "trace", cmd_trace },
};

/* The global options, taken anywhere on the line (until a "--"). */
static bool global_opt(const char *a, struct ctl_opts *o)
{
	if (!strcmp(a, "--json"))
		o->json = true;
	else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		o->verbose = true;
	else
		return false;
	return true;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	bool dashdash = false;
	int i, n = 0;
	size_t k;

	/* argv[1..] without the global options, in place */
	for (i = 1; i < argc; i++) {
		if (!dashdash && !strcmp(argv[i], "--"))
			dashdash = true;
		else if (!dashdash && global_opt(argv[i], &o))
			continue;
		argv[1 + n++] = argv[i];
	}
	argv[1 + n] = NULL;
	argc = 1 + n;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return ctl_err("unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[i], commands[k].name))
			return commands[k].fn(argc - i - 1, argv + i + 1, &o);
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return ctl_err("unknown command '%s'", argv[i]);
}
