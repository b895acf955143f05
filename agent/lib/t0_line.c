// SPDX-License-Identifier: GPL-2.0
/*
 * A tty as a card's T=0 line (see t0_line.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <linux/serial.h>

#include "t0_line.h"

uint32_t t0_line_uart_rate(uint32_t want, uint32_t baud_base)
{
	uint32_t div;

	if (!baud_base)
		return want;
	if (!want)
		return 0;
	div = (baud_base + want / 2) / want;
	return div ? baud_base / div : 0;
}

uint32_t t0_line_error_ppm(uint32_t want, uint32_t got)
{
	uint64_t diff = want > got ? want - got : got - want;

	return want ? (uint32_t)(diff * 1000000 / want) : 1000000;
}

void t0_line_dev_path(const char *name, char *path, size_t len)
{
	if (!strncmp(name, "pts", 3) && name[3] >= '0' && name[3] <= '9')
		snprintf(path, len, "/dev/pts/%s", name + 3);
	else
		snprintf(path, len, "/dev/%s", name);
}

/* the tty, non-blocking; returns its fd, or -errno with msg set */
static int t0_line_open(const char *tty, char *msg, size_t len)
{
	int fd, err;

	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(msg, len, "%s: %s", tty, strerror(err));
		return -err;
	}
	if (!isatty(fd)) {
		snprintf(msg, len, "%s is not a tty", tty);
		close(fd);
		return -ENOTTY;
	}
	return fd;
}

/* DCD edges reported, for RST on DCD; returns 0, or an errno with msg set */
static int t0_line_dcd_irq(int fd, const char *tty, char *msg, size_t len)
{
	struct serial_struct ss;
	int err;

	/*
	 * The line runs with CLOCAL (DCD is RST, not carrier); serial
	 * drivers report DCD edges then only with ASYNC_HARDPPS_CD, as
	 * for the PPS discipline.  After TIOCSETD: the 8250 driver
	 * clears the flag when a discipline other than N_PPS is set.
	 * The attach's termios then turns the DCD interrupt on.
	 */
	if (ioctl(fd, TIOCGSERIAL, &ss)) {
		err = errno;
		snprintf(msg, len, "%s: --reset dcd needs a serial port (TIOCGSERIAL: %s)",
			 tty, strerror(err));
		return err;
	}
	ss.flags |= ASYNC_HARDPPS_CD;
	if (ioctl(fd, TIOCSSERIAL, &ss)) {
		err = errno;
		snprintf(msg, len, "%s: cannot enable DCD interrupts (TIOCSSERIAL: %s)",
			 tty, strerror(err));
		return err;
	}
	return 0;
}

int t0_line_attach(const char *tty, const struct t0_line *o, char *msg, size_t len,
		   char *info, size_t info_len)
{
	uint32_t clock = o->clock_hz ? o->clock_hz : 3571200, want, got, base;
	struct vuicc_t0_attach a = { .card_id = o->card, .flags = o->flags, .clock_hz = clock };
	struct serial_struct ss;
	struct termios tio;
	int fd, ldisc = VUICC_T0_LDISC, saved = -1, err;

	fd = t0_line_open(tty, msg, len);
	if (fd < 0)
		return fd;
	if (o->baud_base >= 0)
		base = (uint32_t)o->baud_base;
	else
		base = ioctl(fd, TIOCGSERIAL, &ss) ? 0 : (uint32_t)ss.baud_base;
	want = (clock + T0_LINE_FD / 2) / T0_LINE_FD;
	got = t0_line_uart_rate(want, base);
	if (t0_line_error_ppm(want, got) > T0_LINE_TOLERANCE_PPM) {
		snprintf(msg, len, "%s: a clock of %u Hz needs %u bit/s; the UART (base %u) reaches "
			 "%u bit/s, %.2f %% off (ISO/IEC 7816-3 allows 2 %%)", tty, clock, want,
			 base, got, t0_line_error_ppm(want, got) / 10000.0);
		close(fd);
		return -ERANGE;
	}
	/* raw, so that nothing between the discipline and the wire touches a byte */
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	ioctl(fd, TIOCGETD, &saved);
	if (ioctl(fd, TIOCSETD, &ldisc)) {
		err = errno;
		snprintf(msg, len, "%s: cannot set line discipline %d: %s%s", tty, ldisc,
			 strerror(err), err == EINVAL ? " (is vuicc.ko loaded?)" : "");
		close(fd);
		return -err;
	}
	if (o->flags & VUICC_T0_RESET_DCD) {
		err = t0_line_dcd_irq(fd, tty, msg, len);
		if (err)
			goto err_ldisc;
	}
	a.baud_base = base;
	if (ioctl(fd, VUICC_T0_IOC_ATTACH, &a)) {
		err = errno;
		snprintf(msg, len, "%s: card %u: %s", tty, o->card,
			 err == EBUSY ? "the card is open or held by another line (or this "
					"line holds a card)" :
			 err == ENOENT ? "no such card" : strerror(err));
		goto err_ldisc;
	}
	if (info)
		snprintf(info, info_len, "card %u on %s: clock %u Hz, %u bit/s at F/D 372/1, "
			 "the UART reaches %u bit/s (%.2f %% off)%s%s%s", o->card, tty, clock, want,
			 got, t0_line_error_ppm(want, got) / 10000.0,
			 o->flags & VUICC_T0_RESET_DCD ? ", RST on DCD" : ", RST by ioctl",
			 o->flags & VUICC_T0_ECHO ? ", echo" : "",
			 o->flags & VUICC_T0_BYTEWISE ? ", byte-wise" : "");
	/* from now on the fd blocks (the holder waits in poll) */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;

err_ldisc:
	ldisc = saved >= 0 ? saved : N_TTY;
	ioctl(fd, TIOCSETD, &ldisc);
	close(fd);
	return -err;
}

static const char *t0_state_name(uint32_t s)
{
	return s == VUICC_T0_LINE_ACTIVE ? "active" : s == VUICC_T0_LINE_OFF ? "off" : "detached";
}

void t0_line_stats_json(FILE *f, const struct vuicc_t0_stats *st, const char *tty)
{
	fprintf(f, "{\"tty\":\"%s\",\"state\":\"%s\",\"reset\":\"%s\",\"echo\":%s,"
		"\"clock_hz\":%u,\"f\":%u,\"d\":%u,\"bit_rate\":%u,\"uart_rate\":%u,"
		"\"atr_delay_cycles\":%u,\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"apdus\":%llu,"
		"\"resets\":%llu,\"pps_accepted\":%llu,\"pps_refused\":%llu,\"nulls\":%llu,"
		"\"parity_errors\":%llu,\"line_errors\":%llu,\"collisions\":%llu,"
		"\"timeouts\":%llu,\"unexpected\":%llu,\"aborted\":%llu,\"invalid_ins\":%llu}",
		tty, t0_state_name(st->state), st->flags & VUICC_T0_RESET_DCD ? "dcd" : "ioctl",
		st->flags & VUICC_T0_ECHO ? "true" : "false", st->clock_hz, st->f, st->d,
		st->bit_rate, st->uart_rate, st->atr_delay_cycles,
		(unsigned long long)st->rx_bytes, (unsigned long long)st->tx_bytes,
		(unsigned long long)st->apdus, (unsigned long long)st->resets,
		(unsigned long long)st->pps_accepted, (unsigned long long)st->pps_refused,
		(unsigned long long)st->nulls, (unsigned long long)st->parity_errors,
		(unsigned long long)st->line_errors, (unsigned long long)st->collisions,
		(unsigned long long)st->timeouts, (unsigned long long)st->unexpected,
		(unsigned long long)st->aborted, (unsigned long long)st->invalid_ins);
}

void t0_line_stats_text(FILE *f, const struct vuicc_t0_stats *st, const char *tty)
{
	fprintf(f, "T=0 line %s: %s, RST by %s%s, %u Hz, F/D %u/%u = %u bit/s (UART %u); "
		"ATR after %u cycles; %llu APDUs, %llu resets, PPS %llu accepted, %llu refused, "
		"%llu NULLs; bytes %llu in / %llu out; errors: %llu parity, %llu line, "
		"%llu collisions, %llu timeouts, %llu unexpected, %llu aborted, %llu invalid INS\n",
		tty, t0_state_name(st->state), st->flags & VUICC_T0_RESET_DCD ? "DCD" : "ioctl",
		st->flags & VUICC_T0_ECHO ? ", echo" : "", st->clock_hz, st->f, st->d,
		st->bit_rate, st->uart_rate, st->atr_delay_cycles,
		(unsigned long long)st->apdus, (unsigned long long)st->resets,
		(unsigned long long)st->pps_accepted, (unsigned long long)st->pps_refused,
		(unsigned long long)st->nulls, (unsigned long long)st->rx_bytes,
		(unsigned long long)st->tx_bytes, (unsigned long long)st->parity_errors,
		(unsigned long long)st->line_errors, (unsigned long long)st->collisions,
		(unsigned long long)st->timeouts, (unsigned long long)st->unexpected,
		(unsigned long long)st->aborted, (unsigned long long)st->invalid_ins);
}
