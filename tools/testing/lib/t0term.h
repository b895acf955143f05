/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal (modem) side of ISO/IEC 7816-3 T=0 over a byte stream: the
 * test modem of netsim, the T=0 kselftests and the T=0 benchmark play it on
 * the master end of a pty whose slave carries vuicc's line discipline.
 * Blocking, with the terminal's own work waiting time as its timeout.
 */
#ifndef T0TERM_H
#define T0TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T0TERM_ATR_MAX	33

/**
 * struct t0term - one terminal
 * @io: its end of the I/O line (a pty master)
 * @rst: a file of the card side's tty, whose VUICC_T0_IOC_RESET is the RST line
 * @clock_hz: the clock it drives
 * @echo: play a joined TX/RX line: every byte the card sends goes back to it
 * @slack_ms: added to WWT before the terminal gives up (its own timer's margin)
 * @atr: the last ATR
 * @atr_len: its length
 * @fi: Fi of the ATR's TA1 (372 without one)
 * @di: Di of the ATR's TA1 (1 without one)
 * @wi: WI of the ATR's TC2 (10 without one)
 * @f: the F in use
 * @d: the D in use
 * @nulls: NULL procedure bytes received
 * @bytes_out: bytes the terminal sent
 * @bytes_in: bytes the card sent
 * @turn_ns: per TPDU, from the header's (or data's) last byte sent to the
 *	card's first procedure byte received; called for each if set
 * @turn_arg: passed to @turn_ns
 */
struct t0term {
	int io;
	int rst;
	unsigned int clock_hz;
	bool echo;
	int slack_ms;
	uint8_t atr[T0TERM_ATR_MAX];
	size_t atr_len;
	unsigned int fi, di, wi, f, d;
	unsigned long nulls, bytes_out, bytes_in;
	void (*turn_ns)(void *arg, uint64_t ns);
	void *turn_arg;
};

void t0term_init(struct t0term *t, int io, int rst, unsigned int clock_hz);
int t0term_wwt_ms(const struct t0term *t);
/* RST: VUICC_T0_RESET_COLD/WARM, then the ATR; 0 or -errno (-ETIMEDOUT: no ATR) */
int t0term_reset(struct t0term *t, uint32_t kind);
/* Deactivation: RST low. */
int t0term_off(struct t0term *t);
/* PPS asking for @pps1 (TA1 form): 1 accepted, 0 the card kept Fd/Dd, -errno */
int t0term_pps(struct t0term *t, uint8_t pps1);
/*
 * One TPDU: the 5-byte header, then (@out false) the P3 data bytes the card
 * asks for, or (@out true) the P3 (0: 256) bytes it sends.  @rsp gets the
 * card's data and SW1 SW2.  Returns the length, or -errno (-ETIMEDOUT,
 * -EPROTO for a procedure byte that is none).
 */
long t0term_tpdu(struct t0term *t, const uint8_t *tpdu, size_t len, bool out,
		 uint8_t *rsp, size_t max);
/*
 * One APDU as ISO/IEC 7816-3 §12.2 maps it to TPDUs, then GET RESPONSE
 * after '61xx' ('9Fxx' in class A0) and the command again after '6Cxx',
 * as /dev/vuiccN users do with vuicc_dev_transmit_t0().
 */
long t0term_apdu(struct t0term *t, const uint8_t *apdu, size_t len,
		 uint8_t *rsp, size_t max);
/* Sends raw bytes (the fuzz); 0 or -errno. */
int t0term_send(struct t0term *t, const uint8_t *b, size_t n);
/* Reads whatever the card sends within @ms; returns the count. */
long t0term_drain(struct t0term *t, uint8_t *b, size_t max, int ms);

#endif
