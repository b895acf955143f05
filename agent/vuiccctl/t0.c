// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl attach / detach / t0-reset: a card on a T=0 line (a UART wired
 * to a modem's SIM contacts), in the spirit of ldattach and slcand.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/nl.h"
#include "lib/t0_line.h"
#include "vuiccctl.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Holds the line until it is detached (EPOLLHUP) or a signal says stop. */
static int hold(int fd, const char *tty, unsigned int card)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct vuicc_t0_stats st;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ldisc = N_TTY;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (!stop_signal) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
	}
	if (stop_signal)
		ioctl(fd, VUICC_T0_IOC_DETACH);
	if (!ioctl(fd, VUICC_T0_IOC_GET_STATS, &st))
		fprintf(stderr, "%s: card %u off %s: %llu APDUs, %llu resets, %llu bytes in, "
			"%llu out\n", prog, card, tty, (unsigned long long)st.apdus,
			(unsigned long long)st.resets, (unsigned long long)st.rx_bytes,
			(unsigned long long)st.tx_bytes);
	/* give the tty back to the ordinary discipline */
	ioctl(fd, TIOCSETD, &ldisc);
	close(fd);
	return 0;
}

int cmd_attach(int argc, char **argv, const struct ctl_opts *o)
{
	struct t0_line l = { .card = UINT32_MAX, .baud_base = -1 };
	const char *tty = NULL;
	char msg[512], info[512];
	bool foreground = false;
	uint32_t v;
	int i, card, fd;
	pid_t pid;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			card = ctl_parse_card(argv[++i]);
			if (card < 0)
				return ctl_err("attach: --card needs a card number (0-%d)",
					       VUICC_CARDS_MAX - 1);
			l.card = (uint32_t)card;
		} else if (!strcmp(argv[i], "--clock") && i + 1 < argc) {
			if (parse_u32(argv[++i], &l.clock_hz) || l.clock_hz < 1000000 ||
			    l.clock_hz > 20000000)
				return ctl_err("attach: --clock takes Hz, 1000000 to 20000000 "
					       "(ISO/IEC 7816-3)");
		} else if (!strcmp(argv[i], "--reset") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "dcd"))
				l.flags |= VUICC_T0_RESET_DCD;
			else if (strcmp(argv[i], "ioctl"))
				return ctl_err("attach: --reset dcd or --reset ioctl");
		} else if (!strcmp(argv[i], "--baud-base") && i + 1 < argc) {
			if (parse_u32(argv[++i], &v))
				return ctl_err("attach: --baud-base takes bit/s (0: any rate)");
			l.baud_base = v;
		} else if (!strcmp(argv[i], "--echo")) {
			l.flags |= VUICC_T0_ECHO;
		} else if (!strcmp(argv[i], "--bytewise")) {
			l.flags |= VUICC_T0_BYTEWISE;
		} else if (!strcmp(argv[i], "--foreground") || !strcmp(argv[i], "-f")) {
			foreground = true;
		} else if (argv[i][0] != '-' && !tty) {
			tty = argv[i];
		} else {
			return ctl_err("attach: unexpected argument '%s' (attach --card N TTY "
				       "[--clock HZ] [--reset dcd|ioctl] [--echo] [--bytewise] "
				       "[--baud-base N] [--foreground])", argv[i]);
		}
	}
	if (!tty || l.card == UINT32_MAX)
		return ctl_err("attach: which card and which tty? (attach --card N TTY)");
	fd = t0_line_attach(tty, &l, msg, sizeof(msg), info, sizeof(info));
	if (fd < 0)
		return ctl_err("attach: %s", msg);
	if (o->verbose || foreground)
		fprintf(stderr, "%s: %s\n", prog, info);
	if (foreground)
		return hold(fd, tty, l.card);
	/* like ldattach: the line lasts while a process holds the tty */
	pid = fork();
	if (pid < 0) {
		ioctl(fd, VUICC_T0_IOC_DETACH);
		return ctl_err("attach: fork: %s", strerror(errno));
	}
	if (pid > 0) {
		printf("%s (held by pid %d)\n", info, (int)pid);
		return 0;
	}
	setsid();
	if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout) ||
	    !freopen("/dev/null", "w", stderr))
		_exit(1);
	return hold(fd, tty, l.card);
}

/* The tty of a card's line, or TTY itself, opened for an ioctl. */
static int open_line(const char *what, int card, const char *tty)
{
	struct vuicc_t0_stats st;
	char name[64], path[96];
	struct vnl v;
	int fd, r;

	if (!tty) {
		if (vnl_open(&v)) {
			ctl_err("%s: %s", what, v.err);
			return -1;
		}
		r = vnl_card_t0(&v, (uint32_t)card, &st, name, sizeof(name));
		vnl_close(&v);
		if (r < 0) {
			ctl_err("%s: card %d: %s", what, card, v.err);
			return -1;
		}
		if (!r) {
			ctl_err("%s: card %d is on no T=0 line", what, card);
			return -1;
		}
		t0_line_dev_path(name, path, sizeof(path));
		tty = path;
	}
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		ctl_err("%s: %s: %s", what, tty, strerror(errno));
	return fd;
}

static int line_args(const char *what, int argc, char **argv, int *card, const char **tty,
		     uint32_t *kind)
{
	int i;

	*card = -1;
	*tty = NULL;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			*card = ctl_parse_card(argv[++i]);
			if (*card < 0)
				return ctl_err("%s: --card needs a card number", what);
		} else if (kind && !strcmp(argv[i], "--warm")) {
			*kind = VUICC_T0_RESET_WARM;
		} else if (kind && !strcmp(argv[i], "--off")) {
			*kind = VUICC_T0_RESET_OFF;
		} else if (kind && !strcmp(argv[i], "--cold")) {
			*kind = VUICC_T0_RESET_COLD;
		} else if (argv[i][0] != '-' && !*tty) {
			*tty = argv[i];
		} else {
			return ctl_err("%s: unexpected argument '%s' (%s --card N | TTY%s)", what,
				       argv[i], what, kind ? " [--warm|--off]" : "");
		}
	}
	if ((*card < 0) == !*tty)
		return ctl_err("%s: a card (--card N) or its tty, one of them", what);
	return 0;
}

int cmd_detach(int argc, char **argv, const struct ctl_opts *o)
{
	const char *tty;
	int card, fd;

	if (line_args("detach", argc, argv, &card, &tty, NULL))
		return 1;
	fd = open_line("detach", card, tty);
	if (fd < 0)
		return 1;
	if (ioctl(fd, VUICC_T0_IOC_DETACH)) {
		int err = errno;

		close(fd);
		return ctl_err("detach: %s", err == ENXIO ? "the line holds no card" :
			       err == ENOTTY ? "not a T=0 line" : strerror(err));
	}
	close(fd);
	return 0;
}

int cmd_t0_reset(int argc, char **argv, const struct ctl_opts *o)
{
	uint32_t kind = VUICC_T0_RESET_COLD;
	const char *tty;
	int card, fd;

	if (line_args("t0-reset", argc, argv, &card, &tty, &kind))
		return 1;
	fd = open_line("t0-reset", card, tty);
	if (fd < 0)
		return 1;
	if (ioctl(fd, VUICC_T0_IOC_RESET, &kind)) {
		int err = errno;

		close(fd);
		return ctl_err("t0-reset: %s", err == ENXIO ? "the line holds no card" :
			       err == ENOTTY ? "not a T=0 line" : strerror(err));
	}
	close(fd);
	return 0;
}
