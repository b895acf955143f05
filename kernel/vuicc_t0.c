// SPDX-License-Identifier: GPL-2.0
/*
 * The card side of ISO/IEC 7816-3 T=0, with no I/O and no clock of its own.
 *
 *   reset     RST released: the card is activated at once, its ATR leaves
 *             400 clock cycles after the edge (§6.2)
 *   PPS       first after the ATR, PPSS = FF: F/D as offered in TA1 when
 *             the UART reaches it, else the default kept (§9)
 *   header    CLA INS P1 P2 P3 (§10.3.2); P3 read as Lc or Le by the INS
 *   ACK       INS (all the data) or INS xor FF (one byte) before data (§10.3.3)
 *   NULL      60 while the engine works, before WWT runs out
 *   SW1 SW2   the engine's status word; case 2 data goes after an ACK
 *
 * A corrupt or unfinished command is never answered: the machine drops it,
 * counts it and waits for the next header (or a reset).
 */

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/tty.h>

#include "vuicc_kunit.h"
#include "vuicc_sw.h"
#include "vuicc_t0.h"

/* §8.3 Table 7: Fi by TA1's high nibble (0: RFU) */
static const u16 vuicc_t0_fi_table[16] = {
	372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0,
};

/* §8.3 Table 8: Di by TA1's low nibble (0: RFU) */
static const u8 vuicc_t0_di_table[16] = {
	0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0,
};

/**
 * vuicc_t0_fi() - F of a TA1 (or PPS1) byte
 * @ta1: the byte
 *
 * Return: F, or 0 for a reserved value.
 */
u32 vuicc_t0_fi(u8 ta1)
{
	return vuicc_t0_fi_table[ta1 >> 4];
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_fi);

/**
 * vuicc_t0_di() - D of a TA1 (or PPS1) byte
 * @ta1: the byte
 *
 * Return: D, or 0 for a reserved value.
 */
u32 vuicc_t0_di(u8 ta1)
{
	return vuicc_t0_di_table[ta1 & 0x0F];
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_di);

/**
 * vuicc_t0_uart_rate() - the rate a UART reaches when asked for @want
 * @want: the rate asked for, bit/s
 * @baud_base: the UART's base rate; it divides it by a whole number.
 *	0 for a UART (or pty) that reaches any rate.
 *
 * Return: the rate reached, bit/s; 0 when even the divisor 1 is too slow.
 */
u32 vuicc_t0_uart_rate(u32 want, u32 baud_base)
{
	u32 div;

	if (!baud_base)
		return want;
	if (!want)
		return 0;
	div = DIV_ROUND_CLOSEST(baud_base, want);
	if (!div)
		return 0;
	return baud_base / div;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_uart_rate);

/**
 * vuicc_t0_rate_within() - whether @got is close enough to @want
 * @want: the nominal rate
 * @got: the rate reached
 *
 * Return: true within %VUICC_T0_RATE_TOLERANCE_PPM.
 */
bool vuicc_t0_rate_within(u32 want, u32 got)
{
	u64 diff = want > got ? want - got : got - want;

	return want && diff * 1000000 <= (u64)want * VUICC_T0_RATE_TOLERANCE_PPM;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_rate_within);

/**
 * vuicc_t0_cycles_ns() - the duration of @cycles clock cycles
 * @t0: the line
 * @cycles: clock cycles
 *
 * Return: nanoseconds, rounded up.
 */
u64 vuicc_t0_cycles_ns(const struct vuicc_t0 *t0, u32 cycles)
{
	return div_u64((u64)cycles * NSEC_PER_SEC + t0->clock_hz - 1, t0->clock_hz);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_cycles_ns);

/**
 * vuicc_t0_etu_ns() - the duration of @etus elementary time units at the
 *	F and D in use (§7.1: 1 etu = F / D / f)
 * @t0: the line
 * @etus: how many
 *
 * Return: nanoseconds, rounded up.
 */
u64 vuicc_t0_etu_ns(const struct vuicc_t0 *t0, u32 etus)
{
	u64 cycles = (u64)etus * t0->f;

	return div_u64(cycles * NSEC_PER_SEC + (u64)t0->d * t0->clock_hz - 1,
		       t0->d * t0->clock_hz);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_etu_ns);

/**
 * vuicc_t0_wwt_ns() - the work waiting time, §10.2: 960 x WI x Fi / f
 * @t0: the line
 *
 * Fi is the ATR's, whatever F a PPS exchange chose.
 *
 * Return: nanoseconds.
 */
u64 vuicc_t0_wwt_ns(const struct vuicc_t0 *t0)
{
	u32 fi = vuicc_t0_fi(t0->ta1) ?: VUICC_T0_FD;

	return vuicc_t0_cycles_ns(t0, VUICC_T0_WWT_CYCLES_PER_WI * t0->wi * fi);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_wwt_ns);

static void vuicc_t0_set_deadline(struct vuicc_t0 *t0, u64 at)
{
	t0->deadline = at ?: 1;
}

/* Queues bytes for the terminal; the first leaves 16 etu after the last received. */
static u32 vuicc_t0_queue(struct vuicc_t0 *t0, const u8 *b, size_t n)
{
	if (WARN_ON_ONCE(t0->tx_len + n > sizeof(t0->tx)))
		return 0;
	if (!t0->tx_len)
		t0->tx_not_before = t0->last_rx + vuicc_t0_etu_ns(t0, VUICC_T0_TURN_ETU);
	memcpy(t0->tx + t0->tx_len, b, n);
	t0->tx_len += n;
	return VUICC_T0_ACT_TX;
}

static u32 vuicc_t0_queue_sw(struct vuicc_t0 *t0, u16 sw)
{
	u8 b[2] = { sw >> 8, sw & 0xFF };

	return vuicc_t0_queue(t0, b, 2);
}

/* Back to waiting for a header, keeping the last PPS exchange for its trace. */
static void vuicc_t0_idle_keep_pps(struct vuicc_t0 *t0)
{
	t0->state = VUICC_T0_S_IDLE;
	t0->hdr_len = 0;
	t0->cmd_len = 0;
	t0->data_need = 0;
	t0->deadline = 0;
}

/* Back to waiting for a header; nothing half-received is kept. */
static void vuicc_t0_idle(struct vuicc_t0 *t0)
{
	vuicc_t0_idle_keep_pps(t0);
	t0->pps_len = 0;
}

static u32 vuicc_t0_default_rate(struct vuicc_t0 *t0)
{
	if (t0->f == VUICC_T0_FD && t0->d == VUICC_T0_DD)
		return 0;
	t0->f = VUICC_T0_FD;
	t0->d = VUICC_T0_DD;
	return VUICC_T0_ACT_RATE;
}

/**
 * vuicc_t0_init() - a line with no card activated
 * @t0: the line
 * @ops: the driver's callbacks
 * @clock_hz: the clock the terminal drives
 * @flags: &enum vuicc_t0_flags
 */
void vuicc_t0_init(struct vuicc_t0 *t0, const struct vuicc_t0_ops *ops,
		   u32 clock_hz, u32 flags)
{
	memset(t0, 0, sizeof(*t0));
	t0->ops = ops;
	t0->clock_hz = clock_hz;
	t0->flags = flags;
	t0->state = VUICC_T0_S_OFF;
	t0->ta1 = 0x11;
	t0->wi = VUICC_T0_WI_DEFAULT;
	t0->f = VUICC_T0_FD;
	t0->d = VUICC_T0_DD;
	t0->stats.f = VUICC_T0_FD;
	t0->stats.d = VUICC_T0_DD;
	t0->stats.clock_hz = clock_hz;
	t0->stats.flags = flags;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_init);

/* Drops whatever was under way: queued bytes, a command, its answer. */
static void vuicc_t0_abort(struct vuicc_t0 *t0)
{
	bool busy = t0->state == VUICC_T0_S_BUSY;

	if (busy || t0->tx_len || t0->hdr_len || t0->state == VUICC_T0_S_PPS ||
	    t0->state == VUICC_T0_S_DATA)
		t0->stats.aborted++;
	if (busy)
		t0->exec_seq++;
	t0->tx_len = 0;
	t0->atr_unsent = false;
	t0->echo_len = 0;
	t0->echo_head = 0;
	vuicc_t0_idle(t0);
}

/**
 * vuicc_t0_reset() - RST: released (a reset) or held low (deactivation)
 * @t0: the line
 * @kind: &enum vuicc_t0_reset_kind
 * @now: the time, ns
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_reset(struct vuicc_t0 *t0, u32 kind, u64 now)
{
	u32 act = 0;

	vuicc_t0_abort(t0);
	if (kind == VUICC_T0_RESET_OFF) {
		t0->state = VUICC_T0_S_OFF;
		if (t0->active)
			act |= VUICC_T0_ACT_POWER_OFF;
		t0->active = false;
		return act | vuicc_t0_default_rate(t0);
	}
	/* the ATR comes at the default rate */
	act |= vuicc_t0_default_rate(t0);
	t0->state = VUICC_T0_S_ATR;
	t0->rst_kind = kind == VUICC_T0_RESET_WARM && t0->active ?
		       VUICC_T0_RESET_WARM : VUICC_T0_RESET_COLD;
	t0->rst_at = now;
	t0->last_rx = now;
	t0->last_io = now;
	t0->stats.resets++;
	/* the card is activated at once; its ATR waits for its moment */
	return act | VUICC_T0_ACT_ATR;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_reset);

/**
 * vuicc_t0_rst() - RST wired to an input (DCD): its level after @edges edges
 * @t0: the line
 * @high: RST is high (released) now
 * @edges: edges since the last call (an interrupt may report several)
 * @at: the time of the last edge, ns
 *
 * Low deactivates.  Released, it resets: warm if the card is active and
 * RST was not seen low in between, else cold.
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_rst(struct vuicc_t0 *t0, bool high, unsigned int edges, u64 at)
{
	u32 act = 0;

	if (!edges)
		return 0;
	if (!high || edges > 1)
		act |= vuicc_t0_reset(t0, VUICC_T0_RESET_OFF, at);
	if (high)
		act |= vuicc_t0_reset(t0, t0->active ? VUICC_T0_RESET_WARM :
				      VUICC_T0_RESET_COLD, at);
	return act;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_rst);

/* §8.2: TA1 and TC2 of an ATR; the defaults where absent */
static void vuicc_t0_parse_atr(struct vuicc_t0 *t0, const u8 *atr, size_t len)
{
	size_t i = 2;
	u8 y, td;
	int level;

	t0->ta1 = 0x11;
	t0->wi = VUICC_T0_WI_DEFAULT;
	if (len < 2)
		return;
	y = atr[1] >> 4;
	for (level = 1; level <= 4 && i <= len; level++) {
		if (y & 0x1) {		/* TAi */
			if (i >= len)
				return;
			if (level == 1)
				t0->ta1 = atr[i];
			i++;
		}
		if (y & 0x2)		/* TBi */
			i++;
		if (y & 0x4) {		/* TCi */
			if (i >= len)
				return;
			if (level == 2 && atr[i])
				t0->wi = atr[i];
			i++;
		}
		if (!(y & 0x8) || i >= len)
			return;
		td = atr[i++];
		y = td >> 4;
	}
}

/**
 * vuicc_t0_atr() - the card's answer to the reset the machine asked for
 * @t0: the line
 * @atr: the ATR, or NULL when the card could not be activated
 * @len: its length
 * @now: the time, ns
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_atr(struct vuicc_t0 *t0, const u8 *atr, size_t len, u64 now)
{
	if (t0->state != VUICC_T0_S_ATR)
		return 0;
	if (!atr || len < 2 || len > VUICC_ATR_MAX) {
		t0->state = VUICC_T0_S_OFF;
		t0->active = false;
		return 0;
	}
	vuicc_t0_parse_atr(t0, atr, len);
	vuicc_t0_idle(t0);
	t0->active = true;
	t0->first = true;
	/* §6.2.2: not before 400 clock cycles after RST went high */
	t0->tx_len = 0;
	memcpy(t0->tx, atr, len);
	t0->tx_len = len;
	t0->tx_not_before = t0->rst_at + vuicc_t0_cycles_ns(t0, VUICC_T0_ATR_MIN_CYCLES);
	t0->atr_unsent = true;
	return VUICC_T0_ACT_TX;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_atr);

/* §9.2: what the card answers a complete PPS request */
static u32 vuicc_t0_pps(struct vuicc_t0 *t0)
{
	u8 *r = t0->pps, rsp[VUICC_T0_PPS_MAX], pck = 0;
	u8 pps0 = r[1];
	u32 f = 0, d = 0, offered_f, offered_d, act;
	size_t i, n = 0;

	t0->first = false;
	t0->pps_rsp_len = 0;
	for (i = 0; i < t0->pps_len; i++)
		pck ^= r[i];
	/* §9.3: an erroneous request gets no answer; the terminal resets */
	if (pck || (pps0 & 0x0F) != 0) {
		t0->stats.pps_refused++;
		vuicc_t0_idle_keep_pps(t0);
		return VUICC_T0_ACT_PPS;
	}
	rsp[n++] = VUICC_T0_PPSS;
	rsp[n++] = 0;		/* PPS0: T = 0, and PPS1 only if accepted */
	if (pps0 & BIT(4)) {
		f = vuicc_t0_fi(r[2]);
		d = vuicc_t0_di(r[2]);
		offered_f = vuicc_t0_fi(t0->ta1);
		offered_d = vuicc_t0_di(t0->ta1);
		/*
		 * §9.1: F from Fd to Fi and D from Dd to Di, so no faster than
		 * TA1 offers; and only what the UART reaches.
		 */
		if (f && d && offered_f && offered_d && d <= offered_d &&
		    (u64)f * offered_d >= (u64)offered_f * d &&
		    t0->ops->rate_ok(t0, f, d)) {
			rsp[1] |= BIT(4);
			rsp[n++] = r[2];
		}
	}
	/* PPS2 (extra guard time) and PPS3 are never echoed: not accepted */
	for (i = 0; i < n; i++)
		pck ^= rsp[i];
	rsp[n++] = pck;
	memcpy(t0->pps_rsp, rsp, n);
	t0->pps_rsp_len = n;
	vuicc_t0_idle_keep_pps(t0);
	if (!(rsp[1] & BIT(4)) && (pps0 & BIT(4))) {
		t0->stats.pps_refused++;
		return vuicc_t0_queue(t0, rsp, n) | VUICC_T0_ACT_PPS;
	}
	t0->stats.pps_accepted++;
	if (!(rsp[1] & BIT(4)))
		return vuicc_t0_queue(t0, rsp, n) | VUICC_T0_ACT_PPS;
	/* queued at the old rate (its turnaround too); the new one once it has left (§9.3) */
	act = vuicc_t0_queue(t0, rsp, n);
	t0->f = f;
	t0->d = d;
	return act | VUICC_T0_ACT_RATE | VUICC_T0_ACT_PPS;
}

/* A complete header: refuse it, ask for its data, or run it. */
static u32 vuicc_t0_header(struct vuicc_t0 *t0)
{
	u8 *h = t0->hdr, ins = h[1], p3 = h[4];

	t0->first = false;
	/* §10.3.2: INS 6X and 9X are invalid; CLA FF is PPSS, never a class */
	if ((ins & 0xF0) == 0x60 || (ins & 0xF0) == 0x90 || h[0] == 0xFF) {
		t0->stats.invalid_ins++;
		vuicc_t0_idle(t0);
		return vuicc_t0_queue_sw(t0, h[0] == 0xFF ? VUICC_SW_CLA_NOT_SUPPORTED :
					 VUICC_SW_INS_NOT_SUPPORTED);
	}
	t0->dir = t0->ops->dir(h);
	memcpy(t0->cmd, h, 4);
	t0->cmd_len = 4;
	switch (t0->dir) {
	case VUICC_T0_DIR_IN:
		if (!p3)
			break;		/* case 1 */
		t0->cmd[4] = p3;
		t0->cmd_len = 5;
		t0->data_need = p3;
		t0->state = VUICC_T0_S_DATA;
		vuicc_t0_set_deadline(t0, t0->last_io + vuicc_t0_wwt_ns(t0));
		if (t0->flags & VUICC_T0_BYTEWISE) {
			u8 ack = ins ^ 0xFF;

			return vuicc_t0_queue(t0, &ack, 1);
		}
		return vuicc_t0_queue(t0, &ins, 1);
	case VUICC_T0_DIR_OUT:
		t0->cmd[4] = p3;
		t0->cmd_len = 5;
		break;
	case VUICC_T0_DIR_CASE1:
		/* ISO/IEC 7816-3 §12.2.2: case 1 carries P3 = 00 */
		if (p3) {
			vuicc_t0_idle(t0);
			return vuicc_t0_queue_sw(t0, VUICC_SW_WRONG_LENGTH);
		}
		break;
	case VUICC_T0_DIR_NONE:
		break;
	}
	t0->state = VUICC_T0_S_BUSY;
	vuicc_t0_set_deadline(t0, t0->last_io + vuicc_t0_wwt_ns(t0) / 2);
	return VUICC_T0_ACT_EXEC;
}

/* One byte from the terminal, not an echo. */
static u32 vuicc_t0_byte(struct vuicc_t0 *t0, u8 b, u64 now)
{
	switch (t0->state) {
	case VUICC_T0_S_IDLE:
		if (t0->first && b == VUICC_T0_PPSS) {
			t0->pps[0] = b;
			t0->pps_len = 1;
			t0->state = VUICC_T0_S_PPS;
			vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0));
			return 0;
		}
		t0->state = VUICC_T0_S_HEADER;
		fallthrough;
	case VUICC_T0_S_HEADER:
		t0->hdr[t0->hdr_len++] = b;
		if (t0->hdr_len < sizeof(t0->hdr)) {
			vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0));
			return 0;
		}
		t0->hdr_len = 0;
		return vuicc_t0_header(t0);
	case VUICC_T0_S_PPS: {
		u8 pps0;
		size_t need;

		t0->pps[t0->pps_len++] = b;
		pps0 = t0->pps[1];
		need = t0->pps_len < 2 ? 3 : 3 + hweight8(pps0 & 0x70);
		if (t0->pps_len < need) {
			vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0));
			return 0;
		}
		return vuicc_t0_pps(t0);
	}
	case VUICC_T0_S_DATA:
		t0->cmd[t0->cmd_len++] = b;
		if (--t0->data_need) {
			vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0));
			if (t0->flags & VUICC_T0_BYTEWISE) {
				u8 ack = t0->hdr[1] ^ 0xFF;

				return vuicc_t0_queue(t0, &ack, 1);
			}
			return 0;
		}
		t0->state = VUICC_T0_S_BUSY;
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0) / 2);
		return VUICC_T0_ACT_EXEC;
	case VUICC_T0_S_DISCARD:
		/* quiet for half a WWT ends it: a terminal sends a command at once */
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0) / 2);
		t0->stats.unexpected++;
		return 0;
	default:
		/* off, the ATR under way, or the card's turn */
		t0->stats.unexpected++;
		return 0;
	}
}

/* A corrupt byte: the command it belongs to is dropped. */
static void vuicc_t0_corrupt(struct vuicc_t0 *t0, u64 now)
{
	switch (t0->state) {
	case VUICC_T0_S_IDLE:
	case VUICC_T0_S_HEADER:
	case VUICC_T0_S_PPS:
	case VUICC_T0_S_DATA:
	case VUICC_T0_S_DISCARD:
		t0->first = false;
		vuicc_t0_idle(t0);
		t0->state = VUICC_T0_S_DISCARD;
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0) / 2);
		break;
	default:
		break;
	}
}

/**
 * vuicc_t0_rx() - bytes from the line
 * @t0: the line
 * @buf: the bytes
 * @flags: a TTY_* flag per byte (TTY_NORMAL, TTY_PARITY, ...), or NULL
 * @n: how many
 * @now: the time, ns
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_rx(struct vuicc_t0 *t0, const u8 *buf, const u8 *flags,
		size_t n, u64 now)
{
	u32 act = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		u8 fl = flags ? flags[i] : TTY_NORMAL;
		u8 b = buf[i];

		t0->stats.rx_bytes++;
		if (t0->echo_len) {
			/* what a joined line hears first is its own byte */
			u8 want = t0->echo[t0->echo_head];

			if (fl == TTY_NORMAL && b == want) {
				t0->echo_head = (t0->echo_head + 1) % VUICC_T0_ECHO_MAX;
				t0->echo_len--;
				continue;
			}
			t0->stats.collisions++;
			t0->echo_len = 0;
			t0->echo_head = 0;
			vuicc_t0_corrupt(t0, now);
			continue;
		}
		t0->last_rx = now;
		t0->last_io = now;
		if (fl != TTY_NORMAL) {
			if (fl == TTY_PARITY)
				t0->stats.parity_errors++;
			else
				t0->stats.line_errors++;
			vuicc_t0_corrupt(t0, now);
			continue;
		}
		if (t0->tx_len) {
			/* the card's turn: it is still sending */
			t0->stats.unexpected++;
			continue;
		}
		act |= vuicc_t0_byte(t0, b, now);
	}
	return act;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_rx);

/**
 * vuicc_t0_done() - the engine's answer to the command of vuicc_t0->cmd
 * @t0: the line
 * @seq: vuicc_t0->exec_seq when the command was taken
 * @rsp: the response APDU (data, SW1, SW2), or NULL when the card could
 *	not run it (it went away or was switched off): no answer then
 * @len: its length
 * @now: the time, ns
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_done(struct vuicc_t0 *t0, u32 seq, const u8 *rsp, size_t len,
		  u64 now)
{
	bool out = t0->dir == VUICC_T0_DIR_OUT && t0->cmd_len == 5;
	size_t data, ne = t0->cmd[4] ?: 256;
	u8 ins = t0->cmd[1];

	if (seq != t0->exec_seq || t0->state != VUICC_T0_S_BUSY)
		return 0;
	t0->exec_seq++;
	vuicc_t0_idle(t0);
	if (!rsp || len < 2) {
		/* a card that went away mid-command stays silent */
		t0->stats.aborted++;
		return 0;
	}
	t0->stats.apdus++;
	data = len - 2;
	if (!data || !out)
		return vuicc_t0_queue(t0, rsp + data, 2);
	if (data != ne)
		/* §12.2.3: the card tells the right length, the terminal asks again */
		return vuicc_t0_queue_sw(t0, VUICC_SW1_WRONG_LE << 8 | (data & 0xFF));
	vuicc_t0_queue(t0, &ins, 1);
	return vuicc_t0_queue(t0, rsp, len);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_done);

/**
 * vuicc_t0_card_gone() - the card was deactivated behind the line's back
 *	(a profile switch) or removed: the line goes silent until a reset
 * @t0: the line
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_card_gone(struct vuicc_t0 *t0)
{
	if (t0->state == VUICC_T0_S_OFF)
		return 0;
	vuicc_t0_abort(t0);
	t0->state = VUICC_T0_S_OFF;
	t0->active = false;
	return vuicc_t0_default_rate(t0);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_card_gone);

/**
 * vuicc_t0_timer() - the deadline has come
 * @t0: the line
 * @now: the time, ns
 *
 * Return: &enum vuicc_t0_action bits.
 */
u32 vuicc_t0_timer(struct vuicc_t0 *t0, u64 now)
{
	u8 null = VUICC_T0_NULL;

	if (!t0->deadline || now < t0->deadline)
		return t0->tx_len ? VUICC_T0_ACT_TX : 0;
	t0->deadline = 0;
	switch (t0->state) {
	case VUICC_T0_S_BUSY:
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0) / 2);
		/* bytes that have not left yet keep the terminal waiting too */
		if (t0->tx_len)
			return VUICC_T0_ACT_TX;
		/* §10.3.3: NULL asks the terminal to wait another WWT */
		t0->stats.nulls++;
		return vuicc_t0_queue(t0, &null, 1);
	case VUICC_T0_S_HEADER:
	case VUICC_T0_S_PPS:
	case VUICC_T0_S_DATA:
		/* the terminal stopped mid-command */
		t0->stats.timeouts++;
		t0->first = false;
		vuicc_t0_idle(t0);
		return 0;
	case VUICC_T0_S_DISCARD:
		vuicc_t0_idle(t0);
		return 0;
	default:
		return 0;
	}
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_timer);

/**
 * vuicc_t0_tx() - take the bytes that may leave now
 * @t0: the line
 * @buf: where to copy them
 * @max: room in @buf
 * @now: the time, ns
 *
 * The bytes stay queued until vuicc_t0_sent() says they left.
 *
 * Return: how many bytes are in @buf; 0 when none may leave yet (then
 * vuicc_t0->tx_not_before says when).
 */
size_t vuicc_t0_tx(struct vuicc_t0 *t0, u8 *buf, size_t max, u64 now)
{
	size_t n = min_t(size_t, max, t0->tx_len);

	if (!n || now < t0->tx_not_before)
		return 0;
	memcpy(buf, t0->tx, n);
	return n;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_tx);

/**
 * vuicc_t0_sent() - the first @n bytes of vuicc_t0_tx() have left
 * @t0: the line
 * @buf: those bytes
 * @n: how many
 * @now: the time, ns
 */
void vuicc_t0_sent(struct vuicc_t0 *t0, const u8 *buf, size_t n, u64 now)
{
	size_t i;

	if (WARN_ON_ONCE(n > t0->tx_len))
		n = t0->tx_len;
	if (!n)
		return;
	memmove(t0->tx, t0->tx + n, t0->tx_len - n);
	t0->tx_len -= n;
	t0->stats.tx_bytes += n;
	t0->last_io = now;
	if (t0->atr_unsent) {
		t0->atr_unsent = false;
		t0->stats.atr_delay_cycles =
			min_t(u64, U32_MAX, div_u64((now - t0->rst_at) * t0->clock_hz,
						    NSEC_PER_SEC));
	}
	if (t0->state == VUICC_T0_S_BUSY)
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0) / 2);
	else if (t0->state == VUICC_T0_S_DATA)
		/* the terminal has WWT from the procedure byte to send its data */
		vuicc_t0_set_deadline(t0, now + vuicc_t0_wwt_ns(t0));
	if (!(t0->flags & VUICC_T0_ECHO))
		return;
	for (i = 0; i < n; i++) {
		if (t0->echo_len == VUICC_T0_ECHO_MAX) {
			/* never heard back: the line is not joined after all */
			t0->stats.collisions++;
			t0->echo_len = 0;
			t0->echo_head = 0;
		}
		t0->echo[(t0->echo_head + t0->echo_len) % VUICC_T0_ECHO_MAX] = buf[i];
		t0->echo_len++;
	}
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_sent);

/**
 * vuicc_t0_rate_set() - the UART now runs at clock x @d / @f
 * @t0: the line
 * @f: F
 * @d: D
 */
void vuicc_t0_rate_set(struct vuicc_t0 *t0, u32 f, u32 d)
{
	t0->stats.f = f;
	t0->stats.d = d;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_t0_rate_set);
