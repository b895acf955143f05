/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tty as a card's T=0 line: what vuiccctl attach and netsim's board do
 * to put the vuicc line discipline on a UART (or a pty) and bind a card.
 */
#ifndef VUICC_T0_LINE_H
#define VUICC_T0_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vuicc.h>

#define T0_LINE_FD		372
/* ISO/IEC 7816-3 §7.1: the UART within 2 % of the nominal rate (as the kernel checks) */
#define T0_LINE_TOLERANCE_PPM	20000

/**
 * struct t0_line - how to attach
 * @card: the card
 * @clock_hz: the SIM CLK the modem drives (0: 3.5712 MHz)
 * @flags: enum vuicc_t0_flags
 * @baud_base: the UART's base rate; -1: ask the UART (TIOCGSERIAL), 0 for a pty
 */
struct t0_line {
	uint32_t card;
	uint32_t clock_hz;
	uint32_t flags;
	long baud_base;
};

/* The rate a UART of @baud_base reaches for @want (0 base: exactly @want). */
uint32_t t0_line_uart_rate(uint32_t want, uint32_t baud_base);
/* |got - want| / want in parts per million */
uint32_t t0_line_error_ppm(uint32_t want, uint32_t got);

/*
 * Opens @tty, gives it the discipline and binds the card.  Returns the
 * open fd (the line lasts while it is open), or -errno with @msg saying
 * why in one line (the rate the UART reaches, a card in use...).  @info,
 * when not NULL, gets a line describing the attachment.
 */
int t0_line_attach(const char *tty, const struct t0_line *o, char *msg, size_t len,
		   char *info, size_t info_len);

/* The device of a tty the kernel names @name: "pts3" is /dev/pts/3. */
void t0_line_dev_path(const char *name, char *path, size_t len);

/* The counters of a line as a JSON object, and as one line of text. */
void t0_line_stats_json(FILE *f, const struct vuicc_t0_stats *st, const char *tty);
void t0_line_stats_text(FILE *f, const struct vuicc_t0_stats *st, const char *tty);

#endif
