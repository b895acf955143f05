// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the card side of ISO/IEC 7816-3 T=0 (vuicc_t0.c), driven with a
 * fake clock (a u64 the tests advance) and a fake engine (a .dir callback
 * that reads P3 by INS, a .rate_ok the test answers): resets and the ATR,
 * ATR parsing, PPS, headers and procedure bytes, the engine's answers, NULL
 * bytes, timeouts, line errors, the echo of a joined line, and the rate
 * helpers.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/tty.h>

#include "../vuicc_sw.h"
#include "../vuicc_t0.h"

/* 3.5712 MHz: Fd/Dd/f = 1/9600 s and the default WWT is exactly 1 s */
#define T0T_CLK		VUICC_T0_CLOCK_DEFAULT
#define T0T_START	1000000ULL
#define T0T_WWT_DEFAULT	1000000000ULL

/* the fake engine's INS: how it reads P3 */
#define T0T_INS_IN	0xD6	/* UPDATE BINARY: P3 = Lc */
#define T0T_INS_IN2	0xA4	/* SELECT: P3 = Lc */
#define T0T_INS_OUT	0xB0	/* READ BINARY: P3 = Le */
#define T0T_INS_CASE1	0x44	/* ACTIVATE FILE: no data */

/* TS 3B, T0 9A (TA1 TD1, 10 historical bytes), TA1 96, TD1 80, TD2 1F, TA3 C7, TCK */
static const u8 t0t_atr[] = {
	0x3B, 0x9A, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
	0x21, 0x1B, 0x66, 0xD0, 0x02, 0x06,
};

struct t0t {
	struct kunit *test;
	struct vuicc_t0 t0;
	u64 now;
	/* what .rate_ok answers, and how it was asked */
	bool rate_ok;
	unsigned int rate_calls;
	u32 rate_f;
	u32 rate_d;
	/* every byte the card sent, in order */
	u8 out[1024];
	size_t out_len;
	/* what the tests give vuicc_t0_done() */
	u8 rsp[VUICC_T0_TX_MAX + 8];
	/* the transcript of t0t_handle() */
	u8 log[2048];
	size_t log_len;
	bool log_full;
	unsigned int rx_calls;
};

static enum vuicc_t0_dir t0t_dir(const u8 *hdr)
{
	switch (hdr[1]) {
	case T0T_INS_IN:
	case T0T_INS_IN2:
		return VUICC_T0_DIR_IN;
	case T0T_INS_OUT:
		return VUICC_T0_DIR_OUT;
	case T0T_INS_CASE1:
		return VUICC_T0_DIR_CASE1;
	default:
		return VUICC_T0_DIR_NONE;
	}
}

static bool t0t_rate_ok(struct vuicc_t0 *t0, u32 f, u32 d)
{
	struct t0t *tt = container_of(t0, struct t0t, t0);

	tt->rate_calls++;
	tt->rate_f = f;
	tt->rate_d = d;
	return tt->rate_ok;
}

static const struct vuicc_t0_ops t0t_ops = {
	.dir = t0t_dir,
	.rate_ok = t0t_rate_ok,
};

static struct t0t *t0t_new(struct kunit *test, u32 flags)
{
	struct t0t *tt = kunit_kzalloc(test, sizeof(*tt), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tt);
	tt->test = test;
	tt->now = T0T_START;
	tt->rate_ok = true;
	vuicc_t0_init(&tt->t0, &t0t_ops, T0T_CLK, flags);
	return tt;
}

/* one character at the rate in use: 12 etu (start, 8 data, parity, guard) */
static u64 t0t_char_ns(struct t0t *tt)
{
	return vuicc_t0_etu_ns(&tt->t0, 12);
}

/* Sends what may leave, at its moment at the earliest; returns how many. */
static size_t t0t_drain(struct t0t *tt)
{
	u8 *dst = tt->out + tt->out_len;
	size_t n;

	if (!tt->t0.tx_len)
		return 0;
	if (tt->now < tt->t0.tx_not_before)
		tt->now = tt->t0.tx_not_before;
	n = vuicc_t0_tx(&tt->t0, dst, sizeof(tt->out) - tt->out_len, tt->now);
	KUNIT_EXPECT_EQ(tt->test, n, (size_t)tt->t0.tx_len);
	vuicc_t0_sent(&tt->t0, dst, n, tt->now);
	tt->out_len += n;
	return n;
}

/* @n bytes in one vuicc_t0_rx() call, the last arriving now */
static u32 t0t_rx(struct t0t *tt, const u8 *b, const u8 *flags, size_t n)
{
	tt->now += n * t0t_char_ns(tt);
	tt->rx_calls++;
	return vuicc_t0_rx(&tt->t0, b, flags, n, tt->now);
}

/*
 * The terminal's bytes one at a time; the card's bytes are sent as soon as
 * they may (a terminal waits for the procedure byte).  Returns the OR of
 * the actions.
 */
static u32 t0t_send(struct t0t *tt, const u8 *b, size_t n)
{
	u32 act, all = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		act = t0t_rx(tt, b + i, NULL, 1);
		if (act & VUICC_T0_ACT_TX)
			t0t_drain(tt);
		all |= act;
	}
	return all;
}

/* The same, without sending anything the card queues. */
static u32 t0t_send_hold(struct t0t *tt, const u8 *b, size_t n)
{
	u32 all = 0;
	size_t i;

	for (i = 0; i < n; i++)
		all |= t0t_rx(tt, b + i, NULL, 1);
	return all;
}

/* A cold reset, @atr sent: the card waits for a PPS request or a header. */
static void t0t_activate_atr(struct t0t *tt, const u8 *atr, size_t len)
{
	struct kunit *test = tt->test;

	KUNIT_ASSERT_EQ(test, vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_COLD, tt->now) &
			VUICC_T0_ACT_ATR, (u32)VUICC_T0_ACT_ATR);
	KUNIT_ASSERT_EQ(test, vuicc_t0_atr(&tt->t0, atr, len, tt->now),
			(u32)VUICC_T0_ACT_TX);
	KUNIT_ASSERT_EQ(test, t0t_drain(tt), len);
	KUNIT_ASSERT_EQ(test, tt->t0.state, VUICC_T0_S_IDLE);
	tt->out_len = 0;
	tt->now += vuicc_t0_etu_ns(&tt->t0, 100);
}

static struct t0t *t0t_active(struct kunit *test, u32 flags)
{
	struct t0t *tt = t0t_new(test, flags);

	t0t_activate_atr(tt, t0t_atr, sizeof(t0t_atr));
	return tt;
}

/* @ndata bytes of data (i ^ 5A) and SW1 SW2 in tt->rsp; returns the length */
static size_t t0t_make_rsp(struct t0t *tt, size_t ndata, u16 sw)
{
	size_t i;

	for (i = 0; i < ndata; i++)
		tt->rsp[i] = i ^ 0x5A;
	tt->rsp[ndata] = sw >> 8;
	tt->rsp[ndata + 1] = sw & 0xFF;
	return ndata + 2;
}

static void t0t_expect_out(struct t0t *tt, const u8 *want, size_t len)
{
	KUNIT_EXPECT_EQ(tt->test, tt->out_len, len);
	if (tt->out_len == len)
		KUNIT_EXPECT_MEMEQ(tt->test, tt->out, want, len);
}

/* ---------------------------------------------------------------------- */
/* the rate helpers and the time units */

struct t0t_fidi_case {
	u8 ta1;
	u32 fi;
	u32 di;
};

static const struct t0t_fidi_case t0t_fidi_cases[] = {
	{ 0x00, 372, 0 }, { 0x11, 372, 1 }, { 0x22, 558, 2 }, { 0x33, 744, 4 },
	{ 0x44, 1116, 8 }, { 0x55, 1488, 16 }, { 0x66, 1860, 32 },
	{ 0x77, 0, 64 }, { 0x88, 0, 12 }, { 0x99, 512, 20 }, { 0xAA, 768, 0 },
	{ 0xBB, 1024, 0 }, { 0xCC, 1536, 0 }, { 0xDD, 2048, 0 }, { 0xEE, 0, 0 },
	{ 0xFF, 0, 0 }, { 0x96, 512, 32 }, { 0x18, 372, 12 },
};

static void t0t_fidi_desc(const struct t0t_fidi_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "TA1 %02X: Fi %u Di %u", p->ta1, p->fi, p->di);
}

KUNIT_ARRAY_PARAM(t0t_fidi, t0t_fidi_cases, t0t_fidi_desc);

static void vuicc_t0_fidi_test(struct kunit *test)
{
	const struct t0t_fidi_case *p = test->param_value;

	KUNIT_EXPECT_EQ(test, vuicc_t0_fi(p->ta1), p->fi);
	KUNIT_EXPECT_EQ(test, vuicc_t0_di(p->ta1), p->di);
}

struct t0t_uart_case {
	const char *name;
	u32 want;
	u32 base;
	u32 got;
	bool within;
};

static const struct t0t_uart_case t0t_uart_cases[] = {
	{ "9600 of 115200: divisor 12", 9600, 115200, 9600, true },
	{ "any rate on a pty", 10753, 0, 10753, true },
	{ "4 MHz/372 = 10753 of 115200: 10472, 2.6 % off", 10753, 115200, 10472, false },
	{ "3.5712 MHz x 32/512 of 115200: 115200", 223200, 115200, 115200, false },
	{ "57600 of 921600: divisor 16", 57600, 921600, 57600, true },
	{ "200000 of 115200: divisor 1", 200000, 115200, 115200, false },
	{ "300000 of 115200: out of reach", 300000, 115200, 0, false },
	{ "0 bit/s", 0, 115200, 0, false },
};

static void t0t_uart_desc(const struct t0t_uart_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_uart, t0t_uart_cases, t0t_uart_desc);

static void vuicc_t0_uart_rate_test(struct kunit *test)
{
	const struct t0t_uart_case *p = test->param_value;
	u32 got = vuicc_t0_uart_rate(p->want, p->base);

	KUNIT_EXPECT_EQ(test, got, p->got);
	KUNIT_EXPECT_EQ(test, vuicc_t0_rate_within(p->want, got), p->within);
}

struct t0t_within_case {
	u32 want;
	u32 got;
	bool within;
};

static const struct t0t_within_case t0t_within_cases[] = {
	{ 9600, 9600, true }, { 10000, 10200, true }, { 10000, 10201, false },
	{ 10000, 9800, true }, { 10000, 9799, false }, { 0, 0, false },
	{ 10753, 10473, false }, { 4000000, 4080000, true },
	{ 4000000, 4080001, false },
};

static void t0t_within_desc(const struct t0t_within_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "want %u got %u", p->want, p->got);
}

KUNIT_ARRAY_PARAM(t0t_within, t0t_within_cases, t0t_within_desc);

static void vuicc_t0_rate_within_test(struct kunit *test)
{
	const struct t0t_within_case *p = test->param_value;

	KUNIT_EXPECT_EQ(test, vuicc_t0_rate_within(p->want, p->got), p->within);
}

static void vuicc_t0_units_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, 0);

	/* 400 cycles of 3.5712 MHz, rounded up */
	KUNIT_EXPECT_EQ(test, vuicc_t0_cycles_ns(&tt->t0, 400), 112008ULL);
	/* 16 etu at Fd/Dd: 16 x 372 cycles */
	KUNIT_EXPECT_EQ(test, vuicc_t0_etu_ns(&tt->t0, 16), 1666667ULL);
	/* 960 x 10 x 372 cycles = 3571200 cycles: 1 s */
	KUNIT_EXPECT_EQ(test, vuicc_t0_wwt_ns(&tt->t0), T0T_WWT_DEFAULT);
	/* F 512 D 32: 16 etu = 256 cycles */
	tt->t0.f = 512;
	tt->t0.d = 32;
	KUNIT_EXPECT_EQ(test, vuicc_t0_etu_ns(&tt->t0, 16), 71685ULL);
	/* WWT counts Fi of the ATR, not the F in use */
	KUNIT_EXPECT_EQ(test, vuicc_t0_wwt_ns(&tt->t0), T0T_WWT_DEFAULT);
}

/* ---------------------------------------------------------------------- */
/* resets and the ATR */

static void vuicc_t0_atr_timing_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, 0);
	u64 rst = T0T_START + 5000, hold;
	u8 buf[VUICC_ATR_MAX];
	u32 act;

	/* Arrange: a line never activated */
	KUNIT_ASSERT_EQ(test, tt->t0.state, VUICC_T0_S_OFF);

	/* Act: RST released */
	act = vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_COLD, rst);

	/* Assert: the card is to be activated; the ATR waits 400 cycles */
	KUNIT_EXPECT_EQ(test, act, (u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_ATR);
	KUNIT_EXPECT_EQ(test, tt->t0.rst_kind, (u32)VUICC_T0_RESET_COLD);
	KUNIT_EXPECT_EQ(test, tt->t0.rst_at, rst);
	KUNIT_EXPECT_EQ(test, tt->t0.stats.resets, 1ULL);

	act = vuicc_t0_atr(&tt->t0, t0t_atr, sizeof(t0t_atr), rst + 10);
	KUNIT_EXPECT_EQ(test, act, (u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_TRUE(test, tt->t0.active);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_IDLE);
	hold = rst + vuicc_t0_cycles_ns(&tt->t0, VUICC_T0_ATR_MIN_CYCLES);
	KUNIT_EXPECT_EQ(test, hold, rst + 112008);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_not_before, hold);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_len, (u16)sizeof(t0t_atr));

	/* nothing leaves before the 400th cycle */
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(&tt->t0, buf, sizeof(buf), rst + 10), (size_t)0);
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(&tt->t0, buf, sizeof(buf), hold - 1), (size_t)0);
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(&tt->t0, hold - 1), (u32)VUICC_T0_ACT_TX);
	KUNIT_ASSERT_EQ(test, vuicc_t0_tx(&tt->t0, buf, sizeof(buf), hold), sizeof(t0t_atr));
	KUNIT_EXPECT_MEMEQ(test, buf, t0t_atr, sizeof(t0t_atr));
	/* a short buffer takes the first bytes */
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(&tt->t0, buf, 3, hold), (size_t)3);
	KUNIT_EXPECT_EQ(test, tt->t0.stats.atr_delay_cycles, 0U);

	vuicc_t0_sent(&tt->t0, t0t_atr, 3, hold);
	KUNIT_EXPECT_EQ(test, tt->t0.stats.atr_delay_cycles, 400U);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_len, (u16)(sizeof(t0t_atr) - 3));
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(&tt->t0, buf, sizeof(buf), hold), sizeof(t0t_atr) - 3);
	KUNIT_EXPECT_MEMEQ(test, buf, t0t_atr + 3, sizeof(t0t_atr) - 3);
	/* the rest of the ATR does not move the measure */
	vuicc_t0_sent(&tt->t0, buf, sizeof(t0t_atr) - 3, hold + 1000000);
	KUNIT_EXPECT_EQ(test, tt->t0.stats.atr_delay_cycles, 400U);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_len, 0);
	KUNIT_EXPECT_EQ(test, tt->t0.stats.tx_bytes, (u64)sizeof(t0t_atr));
	KUNIT_EXPECT_EQ(test, tt->t0.stats.aborted, 0ULL);
}

static void vuicc_t0_atr_late_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, 0);
	u64 rst = T0T_START;
	u8 buf[VUICC_ATR_MAX];

	/* Arrange: RST released */
	vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_COLD, rst);

	/* Act: the ATR sent 10000 cycles after the edge */
	vuicc_t0_atr(&tt->t0, t0t_atr, sizeof(t0t_atr), rst);
	KUNIT_ASSERT_EQ(test, vuicc_t0_tx(&tt->t0, buf, sizeof(buf), rst + 2800180),
			sizeof(t0t_atr));
	vuicc_t0_sent(&tt->t0, buf, sizeof(t0t_atr), rst + 2800180);

	/* Assert: 2800180 ns x 3.5712 MHz = 10000.003 cycles */
	KUNIT_EXPECT_EQ(test, tt->t0.stats.atr_delay_cycles, 10000U);
}

static void vuicc_t0_atr_refused_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, 0);

	/* an ATR nobody asked for is ignored */
	KUNIT_EXPECT_EQ(test, vuicc_t0_atr(&tt->t0, t0t_atr, sizeof(t0t_atr), tt->now), 0U);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_len, 0);

	/* a card that could not be activated: off, silent */
	vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_COLD, tt->now);
	KUNIT_EXPECT_EQ(test, vuicc_t0_atr(&tt->t0, NULL, 0, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_FALSE(test, tt->t0.active);

	/* one byte is no ATR */
	vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_COLD, tt->now);
	KUNIT_EXPECT_EQ(test, vuicc_t0_atr(&tt->t0, t0t_atr, 1, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_EQ(test, tt->t0.tx_len, 0);
}

static void vuicc_t0_reset_kind_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;

	/* OFF on a line never activated: nothing to switch off */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_OFF, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_OFF);

	/* WARM on a card never activated is a cold reset */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_WARM, tt->now),
			(u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_COLD);
	/* ... and still, while its ATR has not come */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_WARM, tt->now),
			(u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_COLD);
	/* OFF before the ATR: the card was not activated */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_OFF, tt->now), 0U);

	/* active: WARM stays WARM */
	t0t_activate_atr(tt, t0t_atr, sizeof(t0t_atr));
	KUNIT_EXPECT_TRUE(test, t0->active);
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_WARM, tt->now),
			(u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_WARM);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_at, tt->now);
	KUNIT_EXPECT_EQ(test, vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now),
			(u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0t_drain(tt), sizeof(t0t_atr));

	/* OFF on an active card switches it off, once */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_OFF, tt->now),
			(u32)VUICC_T0_ACT_POWER_OFF);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_FALSE(test, t0->active);
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_OFF, tt->now), 0U);

	/* deactivated: WARM is cold again */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(t0, VUICC_T0_RESET_WARM, tt->now),
			(u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_COLD);

	/* every release counted (COLD in t0t_activate_atr), no OFF */
	KUNIT_EXPECT_EQ(test, t0->stats.resets, 5ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.aborted, 0ULL);
}

/* a line at F 512 D 32 after a PPS exchange */
static struct t0t *t0t_fast(struct kunit *test)
{
	static const u8 pps[] = { 0xFF, 0x10, 0x96, 0x79 };
	struct t0t *tt = t0t_active(test, 0);

	KUNIT_EXPECT_EQ(test, t0t_send(tt, pps, sizeof(pps)),
			(u32)(VUICC_T0_ACT_TX | VUICC_T0_ACT_RATE | VUICC_T0_ACT_PPS));
	vuicc_t0_rate_set(&tt->t0, tt->t0.f, tt->t0.d);
	KUNIT_EXPECT_EQ(test, tt->t0.f, 512U);
	KUNIT_EXPECT_EQ(test, tt->t0.d, 32U);
	return tt;
}

static void vuicc_t0_reset_rate_test(struct kunit *test)
{
	struct t0t *tt = t0t_fast(test);

	/* a warm reset: the ATR comes at the default rate */
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_WARM, tt->now),
			(u32)(VUICC_T0_ACT_ATR | VUICC_T0_ACT_RATE));
	KUNIT_EXPECT_EQ(test, tt->t0.f, (u32)VUICC_T0_FD);
	KUNIT_EXPECT_EQ(test, tt->t0.d, (u32)VUICC_T0_DD);
	KUNIT_EXPECT_EQ(test, tt->t0.rst_kind, (u32)VUICC_T0_RESET_WARM);

	/* deactivation at a PPS rate: off, and back to the default rate */
	tt = t0t_fast(test);
	KUNIT_EXPECT_EQ(test, vuicc_t0_reset(&tt->t0, VUICC_T0_RESET_OFF, tt->now),
			(u32)(VUICC_T0_ACT_POWER_OFF | VUICC_T0_ACT_RATE));
	KUNIT_EXPECT_EQ(test, tt->t0.f, (u32)VUICC_T0_FD);
	KUNIT_EXPECT_EQ(test, tt->t0.d, (u32)VUICC_T0_DD);

	/* the card removed at a PPS rate: off, no POWER_OFF, default rate */
	tt = t0t_fast(test);
	KUNIT_EXPECT_EQ(test, vuicc_t0_card_gone(&tt->t0), (u32)VUICC_T0_ACT_RATE);
	KUNIT_EXPECT_EQ(test, tt->t0.state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_FALSE(test, tt->t0.active);
	KUNIT_EXPECT_EQ(test, vuicc_t0_card_gone(&tt->t0), 0U);
}

/* where a reset finds the machine */
enum t0t_where {
	T0T_AT_OFF,
	T0T_AT_ATR_WAIT,
	T0T_AT_ATR_QUEUED,
	T0T_AT_IDLE,
	T0T_AT_IDLE_TX,
	T0T_AT_PPS,
	T0T_AT_PPS_DONE,
	T0T_AT_HEADER,
	T0T_AT_DATA,
	T0T_AT_BUSY,
	T0T_AT_BUSY_NULL,
	T0T_AT_DISCARD,
};

struct t0t_reset_case {
	const char *name;
	enum t0t_where where;
	enum vuicc_t0_state state;
	u64 aborted;
};

static const struct t0t_reset_case t0t_reset_cases[] = {
	{ "off", T0T_AT_OFF, VUICC_T0_S_OFF, 0 },
	{ "waiting for the ATR", T0T_AT_ATR_WAIT, VUICC_T0_S_ATR, 0 },
	{ "ATR queued, not sent", T0T_AT_ATR_QUEUED, VUICC_T0_S_IDLE, 1 },
	{ "idle", T0T_AT_IDLE, VUICC_T0_S_IDLE, 0 },
	{ "idle, SW queued", T0T_AT_IDLE_TX, VUICC_T0_S_IDLE, 1 },
	{ "PPS request half received", T0T_AT_PPS, VUICC_T0_S_PPS, 1 },
	/* (the finished exchange is kept for the trace; nothing is under way) */
	{ "idle after a PPS exchange", T0T_AT_PPS_DONE, VUICC_T0_S_IDLE, 0 },
	{ "header half received", T0T_AT_HEADER, VUICC_T0_S_HEADER, 1 },
	{ "command data half received", T0T_AT_DATA, VUICC_T0_S_DATA, 1 },
	{ "engine busy", T0T_AT_BUSY, VUICC_T0_S_BUSY, 1 },
	{ "engine busy, NULL queued", T0T_AT_BUSY_NULL, VUICC_T0_S_BUSY, 1 },
	{ "discarding a corrupt command", T0T_AT_DISCARD, VUICC_T0_S_DISCARD, 0 },
};

static void t0t_reset_desc(const struct t0t_reset_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_reset, t0t_reset_cases, t0t_reset_desc);

static void t0t_goto(struct t0t *tt, enum t0t_where where)
{
	static const u8 pps_half[] = { 0xFF, 0x10 };
	static const u8 pps_nop[] = { 0xFF, 0x00, 0xFF };
	static const u8 hdr_none[] = { 0x00, 0x02, 0x00, 0x00, 0x00 };
	static const u8 hdr_in[] = { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03, 0x11 };
	static const u8 hdr_out[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 };
	static const u8 bad = 0x00, parity = TTY_PARITY;
	struct kunit *test = tt->test;
	struct vuicc_t0 *t0 = &tt->t0;
	size_t len;

	switch (where) {
	case T0T_AT_OFF:
		return;
	case T0T_AT_ATR_WAIT:
		vuicc_t0_reset(t0, VUICC_T0_RESET_COLD, tt->now);
		return;
	case T0T_AT_ATR_QUEUED:
		vuicc_t0_reset(t0, VUICC_T0_RESET_COLD, tt->now);
		vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now);
		return;
	default:
		break;
	}
	t0t_activate_atr(tt, t0t_atr, sizeof(t0t_atr));
	switch (where) {
	case T0T_AT_IDLE_TX:
		KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr_none, 5), (u32)VUICC_T0_ACT_EXEC);
		len = t0t_make_rsp(tt, 0, VUICC_SW_INS_NOT_SUPPORTED);
		vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now);
		break;
	case T0T_AT_PPS:
		t0t_send(tt, pps_half, sizeof(pps_half));
		break;
	case T0T_AT_PPS_DONE:
		t0t_send(tt, pps_nop, sizeof(pps_nop));
		KUNIT_ASSERT_EQ(test, t0->stats.pps_accepted, 1ULL);
		KUNIT_ASSERT_EQ(test, t0->tx_len, 0);
		break;
	case T0T_AT_HEADER:
		t0t_send(tt, hdr_out, 2);
		break;
	case T0T_AT_DATA:
		t0t_send(tt, hdr_in, sizeof(hdr_in));
		break;
	case T0T_AT_BUSY:
		KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr_out, 5), (u32)VUICC_T0_ACT_EXEC);
		break;
	case T0T_AT_BUSY_NULL:
		KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr_out, 5), (u32)VUICC_T0_ACT_EXEC);
		tt->now = t0->deadline;
		KUNIT_ASSERT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
		break;
	case T0T_AT_DISCARD:
		t0t_rx(tt, &bad, &parity, 1);
		break;
	default:
		break;
	}
}

static void vuicc_t0_reset_abort_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 };
	static const u8 want[] = { T0T_INS_OUT, 0x5A, 0x5B, 0x58, 0x59, 0x90, 0x00 };
	const struct t0t_reset_case *p = test->param_value;
	struct t0t *tt = t0t_new(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u32 old_seq, act;
	size_t len;

	/* Arrange */
	t0t_goto(tt, p->where);
	KUNIT_ASSERT_EQ(test, t0->state, p->state);
	KUNIT_ASSERT_EQ(test, t0->stats.aborted, 0ULL);
	old_seq = t0->exec_seq;
	tt->now += 1000000;

	/* Act */
	act = vuicc_t0_reset(t0, VUICC_T0_RESET_COLD, tt->now);

	/* Assert: nothing of the old exchange is left */
	KUNIT_EXPECT_EQ(test, act, (u32)VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_ATR);
	KUNIT_EXPECT_EQ(test, t0->stats.aborted, p->aborted);
	KUNIT_EXPECT_EQ(test, t0->tx_len, 0);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 0);
	KUNIT_EXPECT_EQ(test, t0->pps_len, 0);
	KUNIT_EXPECT_EQ(test, t0->cmd_len, 0);
	KUNIT_EXPECT_EQ(test, t0->data_need, 0);
	KUNIT_EXPECT_EQ(test, t0->deadline, 0ULL);
	KUNIT_EXPECT_FALSE(test, t0->atr_unsent);
	/* the old command's answer is dropped, now and later */
	len = t0t_make_rsp(tt, 4, 0x9000);
	if (p->state == VUICC_T0_S_BUSY)
		KUNIT_EXPECT_NE(test, t0->exec_seq, old_seq);
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, old_seq, tt->rsp, len, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, t0->tx_len, 0);

	/* and the card works again */
	KUNIT_EXPECT_EQ(test, vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now),
			(u32)VUICC_T0_ACT_TX);
	tt->out_len = 0;
	KUNIT_EXPECT_EQ(test, t0t_drain(tt), sizeof(t0t_atr));
	KUNIT_EXPECT_MEMEQ(test, tt->out, t0t_atr, sizeof(t0t_atr));
	tt->out_len = 0;
	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	if (p->state == VUICC_T0_S_BUSY) {
		/* the engine's late answer to the command the reset cut short */
		KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, old_seq, tt->rsp, len, tt->now), 0U);
		KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_BUSY);
		KUNIT_EXPECT_EQ(test, t0->tx_len, 0);
	}
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now),
			(u32)VUICC_T0_ACT_TX);
	t0t_drain(tt);
	t0t_expect_out(tt, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, t0->stats.aborted, p->aborted);
}

/* ---------------------------------------------------------------------- */
/* ATR parsing */

struct t0t_atr_case {
	const char *name;
	u8 atr[VUICC_ATR_MAX];
	u8 len;
	u8 ta1;
	u8 wi;
	u64 wwt;
};

static const struct t0t_atr_case t0t_atr_cases[] = {
	{ "TA1 96, TD1 TD2 TA3, TCK", { 0x3B, 0x9A, 0x96, 0x80, 0x1F, 0xC7, 0x80,
	  0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x66, 0xD0, 0x02, 0x06 }, 17,
	  0x96, 10, 1376344087 },
	{ "TA1 96, TC2 14", { 0x3B, 0x95, 0x96, 0x40, 0x14, 1, 2, 3, 4, 5 }, 10,
	  0x96, 20, 2752688173 },
	{ "TA1 TB1 TC1 skipped, TC2 14", { 0x3B, 0xF0, 0x96, 0x00, 0xFF, 0x40,
	  0x14 }, 7, 0x96, 20, 2752688173 },
	{ "no TA1, TC2 05", { 0x3B, 0x80, 0x40, 0x05 }, 4, 0x11, 5, 500000000 },
	{ "TC2 00 keeps WI 10", { 0x3B, 0x80, 0x40, 0x00 }, 4, 0x11, 10,
	  T0T_WWT_DEFAULT },
	{ "TC3 is not TC2", { 0x3B, 0x80, 0x80, 0x41, 0x05, 0x45 }, 6, 0x11, 10,
	  T0T_WWT_DEFAULT },
	{ "TC1 is not TC2", { 0x3B, 0x40, 0x05 }, 3, 0x11, 10, T0T_WWT_DEFAULT },
	{ "no interface bytes", { 0x3B, 0x00 }, 2, 0x11, 10, T0T_WWT_DEFAULT },
	{ "TA1 promised, cut", { 0x3B, 0x10 }, 2, 0x11, 10, T0T_WWT_DEFAULT },
	{ "TC2 promised, cut", { 0x3B, 0x90, 0x18, 0x40 }, 4, 0x18, 10,
	  T0T_WWT_DEFAULT },
};

static void t0t_atr_desc(const struct t0t_atr_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_atr, t0t_atr_cases, t0t_atr_desc);

static void vuicc_t0_atr_parse_test(struct kunit *test)
{
	const struct t0t_atr_case *p = test->param_value;
	struct t0t *tt = t0t_new(test, 0);
	u32 fi = vuicc_t0_fi(p->ta1);

	/* Act */
	t0t_activate_atr(tt, p->atr, p->len);

	/* Assert: WWT = 960 x WI x Fi / f */
	KUNIT_EXPECT_EQ(test, tt->t0.ta1, p->ta1);
	KUNIT_EXPECT_EQ(test, tt->t0.wi, p->wi);
	KUNIT_EXPECT_EQ(test, vuicc_t0_wwt_ns(&tt->t0), p->wwt);
	KUNIT_EXPECT_EQ(test, vuicc_t0_wwt_ns(&tt->t0),
			DIV_ROUND_UP_ULL(960ULL * p->wi * fi * NSEC_PER_SEC, T0T_CLK));
	KUNIT_EXPECT_TRUE(test, tt->t0.first);
}

/* ---------------------------------------------------------------------- */
/* PPS */

struct t0t_pps_case {
	const char *name;
	u8 ta1;			/* of the ATR; 0 for none */
	bool rate_ok;
	u8 req[VUICC_T0_PPS_MAX];
	u8 req_len;
	u8 rsp[VUICC_T0_PPS_MAX];
	u8 rsp_len;
	u32 act;
	u32 f;
	u32 d;
	u8 accepted;
	u8 refused;
	u8 rate_calls;
};

#define T0T_PPS_ACK	(VUICC_T0_ACT_TX | VUICC_T0_ACT_PPS)
#define T0T_PPS_RATE	(VUICC_T0_ACT_TX | VUICC_T0_ACT_RATE | VUICC_T0_ACT_PPS)

static const struct t0t_pps_case t0t_pps_cases[] = {
	{ "accepted: F 512 D 32", 0x96, true, { 0xFF, 0x10, 0x96, 0x79 }, 4,
	  { 0xFF, 0x10, 0x96, 0x79 }, 4, T0T_PPS_RATE, 512, 32, 1, 0, 1 },
	{ "slower than TA1 offers: accepted", 0x96, true,
	  { 0xFF, 0x10, 0x95, 0x7A }, 4, { 0xFF, 0x10, 0x95, 0x7A }, 4,
	  T0T_PPS_RATE, 512, 16, 1, 0, 1 },
	{ "Fd Dd asked: accepted", 0x96, true, { 0xFF, 0x10, 0x11, 0xFE }, 4,
	  { 0xFF, 0x10, 0x11, 0xFE }, 4, T0T_PPS_RATE, 372, 1, 1, 0, 1 },
	{ "UART cannot: refused, no PPS1", 0x96, false,
	  { 0xFF, 0x10, 0x96, 0x79 }, 4, { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK,
	  372, 1, 0, 1, 1 },
	{ "D above Di: refused", 0x96, true, { 0xFF, 0x10, 0x97, 0x78 }, 4,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 0, 1, 0 },
	{ "F/D below Fi/Di: refused", 0x94, true, { 0xFF, 0x10, 0x14, 0xFB }, 4,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 0, 1, 0 },
	{ "no TA1, faster asked: refused", 0, true, { 0xFF, 0x10, 0x96, 0x79 }, 4,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 0, 1, 0 },
	{ "RFU F asked: refused", 0x96, true, { 0xFF, 0x10, 0x76, 0x99 }, 4,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 0, 1, 0 },
	{ "no PPS1: echoed", 0x96, true, { 0xFF, 0x00, 0xFF }, 3,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 1, 0, 0 },
	{ "bad PCK: no answer", 0x96, true, { 0xFF, 0x10, 0x96, 0x78 }, 4,
	  { }, 0, VUICC_T0_ACT_PPS, 372, 1, 0, 1, 0 },
	{ "T=1 asked: no answer", 0x96, true, { 0xFF, 0x11, 0x96, 0x78 }, 4,
	  { }, 0, VUICC_T0_ACT_PPS, 372, 1, 0, 1, 0 },
	{ "PPS2: not echoed", 0x96, true, { 0xFF, 0x30, 0x96, 0x00, 0x59 }, 5,
	  { 0xFF, 0x10, 0x96, 0x79 }, 4, T0T_PPS_RATE, 512, 32, 1, 0, 1 },
	{ "PPS2 PPS3: not echoed", 0x96, true,
	  { 0xFF, 0x70, 0x96, 0x00, 0x00, 0x19 }, 6, { 0xFF, 0x10, 0x96, 0x79 }, 4,
	  T0T_PPS_RATE, 512, 32, 1, 0, 1 },
	{ "PPS2 only: not echoed", 0x96, true, { 0xFF, 0x20, 0x00, 0xDF }, 4,
	  { 0xFF, 0x00, 0xFF }, 3, T0T_PPS_ACK, 372, 1, 1, 0, 0 },
};

static void t0t_pps_desc(const struct t0t_pps_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_pps, t0t_pps_cases, t0t_pps_desc);

static void vuicc_t0_pps_test(struct kunit *test)
{
	const struct t0t_pps_case *p = test->param_value;
	struct t0t *tt = t0t_new(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u8 atr[3] = { 0x3B, 0x10, p->ta1 };
	u32 act;

	/* Arrange: an ATR with TA1 = @ta1 (3B 10 TA1), or 3B 00 */
	if (!p->ta1)
		atr[1] = 0x00;
	t0t_activate_atr(tt, atr, p->ta1 ? 3 : 2);
	tt->rate_ok = p->rate_ok;

	/* Act */
	act = t0t_send_hold(tt, p->req, p->req_len - 1);
	KUNIT_EXPECT_EQ(test, act, 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_PPS);
	act = t0t_send_hold(tt, p->req + p->req_len - 1, 1);

	/* Assert */
	KUNIT_EXPECT_EQ(test, act, p->act);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_FALSE(test, t0->first);
	KUNIT_EXPECT_EQ(test, t0->pps_len, p->req_len);
	KUNIT_EXPECT_MEMEQ(test, t0->pps, p->req, p->req_len);
	KUNIT_EXPECT_EQ(test, t0->pps_rsp_len, p->rsp_len);
	KUNIT_EXPECT_MEMEQ(test, t0->pps_rsp, p->rsp, p->rsp_len);
	KUNIT_EXPECT_EQ(test, t0->tx_len, (u16)p->rsp_len);
	t0t_drain(tt);
	t0t_expect_out(tt, p->rsp, p->rsp_len);
	KUNIT_EXPECT_EQ(test, t0->f, p->f);
	KUNIT_EXPECT_EQ(test, t0->d, p->d);
	KUNIT_EXPECT_EQ(test, t0->stats.pps_accepted, (u64)p->accepted);
	KUNIT_EXPECT_EQ(test, t0->stats.pps_refused, (u64)p->refused);
	KUNIT_EXPECT_EQ(test, tt->rate_calls, (unsigned int)p->rate_calls);
	if (p->rate_calls) {
		KUNIT_EXPECT_EQ(test, tt->rate_f, vuicc_t0_fi(p->req[2]));
		KUNIT_EXPECT_EQ(test, tt->rate_d, vuicc_t0_di(p->req[2]));
	}
	/* the counters only move once vuicc_t0_rate_set() says so */
	KUNIT_EXPECT_EQ(test, t0->stats.f, (u32)VUICC_T0_FD);
	KUNIT_EXPECT_EQ(test, t0->stats.d, (u32)VUICC_T0_DD);
	if (act & VUICC_T0_ACT_RATE) {
		vuicc_t0_rate_set(t0, t0->f, t0->d);
		KUNIT_EXPECT_EQ(test, t0->stats.f, p->f);
		KUNIT_EXPECT_EQ(test, t0->stats.d, p->d);
	}
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 0ULL);
}

/* PPSS is PPSS only first after the ATR; later FF is a class (6E00) */
static void vuicc_t0_pps_first_only_test(struct kunit *test)
{
	static const u8 pps[] = { 0xFF, 0x10, 0x96, 0x79 };
	static const u8 hdr_ff[] = { 0xFF, 0x10, 0x96, 0x79, 0x00 };
	static const u8 hdr_none[] = { 0x00, 0x02, 0x00, 0x00, 0x00 };
	static const u8 want1[] = { 0xFF, 0x10, 0x96, 0x79, 0x6E, 0x00 };
	static const u8 want2[] = { 0x6D, 0x00, 0x6E, 0x00 };
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	size_t len;

	/* a second PPS request after a first one */
	t0t_send(tt, pps, sizeof(pps));
	KUNIT_EXPECT_EQ(test, t0t_send(tt, hdr_ff, sizeof(hdr_ff)), (u32)VUICC_T0_ACT_TX);
	t0t_expect_out(tt, want1, sizeof(want1));
	KUNIT_EXPECT_EQ(test, t0->stats.invalid_ins, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.pps_accepted, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);

	/* a PPS request after a command */
	tt = t0t_active(test, 0);
	t0 = &tt->t0;
	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr_none, sizeof(hdr_none)),
			(u32)VUICC_T0_ACT_EXEC);
	len = t0t_make_rsp(tt, 0, VUICC_SW_INS_NOT_SUPPORTED);
	vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now);
	t0t_drain(tt);
	KUNIT_EXPECT_EQ(test, t0t_send(tt, hdr_ff, sizeof(hdr_ff)), (u32)VUICC_T0_ACT_TX);
	t0t_expect_out(tt, want2, sizeof(want2));
	KUNIT_EXPECT_EQ(test, t0->stats.invalid_ins, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.pps_accepted + t0->stats.pps_refused, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->f, (u32)VUICC_T0_FD);
}

/*
 * The PPS response leaves at the old rate (ACT_RATE: "once the queued bytes
 * have left"), so its turnaround after the request's PCK (§7.2) is 16 etu
 * of Fd/Dd, not of the new F/D (this test found it computed at the new one).
 */
static void vuicc_t0_pps_turnaround_test(struct kunit *test)
{
	static const u8 pps[] = { 0xFF, 0x10, 0x96, 0x79 };
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u64 turn = vuicc_t0_etu_ns(t0, VUICC_T0_TURN_ETU);

	/* Arrange: 16 etu at Fd/Dd */
	KUNIT_ASSERT_EQ(test, turn, 1666667ULL);

	/* Act: an accepted request */
	KUNIT_ASSERT_EQ(test, t0t_send_hold(tt, pps, sizeof(pps)),
			(u32)(VUICC_T0_ACT_TX | VUICC_T0_ACT_RATE | VUICC_T0_ACT_PPS));

	/* Assert: the response waits 16 etu of the rate it goes at */
	KUNIT_EXPECT_EQ(test, t0->last_rx, tt->now);
	KUNIT_EXPECT_EQ(test, t0->tx_not_before, tt->now + turn);
}

/* ---------------------------------------------------------------------- */
/* headers and procedure bytes */

struct t0t_hdr_case {
	const char *name;
	u32 flags;
	u8 hdr[5];
	u8 ndata;		/* data bytes the terminal sends */
	u8 proc[8];		/* what the card sends before EXEC, or its SW */
	u8 nproc;
	bool exec;
	u8 cmd_len;
	u8 invalid;
};

static const struct t0t_hdr_case t0t_hdr_cases[] = {
	{ "IN P3=03: ACK, data, EXEC", 0, { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03 }, 3,
	  { T0T_INS_IN }, 1, true, 8, 0 },
	{ "IN P3=03 bytewise: INS^FF before each byte", VUICC_T0_BYTEWISE,
	  { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03 }, 3, { 0x29, 0x29, 0x29 }, 3, true, 8, 0 },
	{ "IN P3=01 bytewise", VUICC_T0_BYTEWISE, { 0x00, T0T_INS_IN2, 0x00, 0x04, 0x01 },
	  1, { 0x5B }, 1, true, 6, 0 },
	{ "IN P3=00: case 1, 4 bytes", 0, { 0x00, T0T_INS_IN, 0x00, 0x00, 0x00 }, 0,
	  { }, 0, true, 4, 0 },
	{ "OUT P3=10: 5 bytes", 0, { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x10 }, 0,
	  { }, 0, true, 5, 0 },
	{ "OUT P3=00: 5 bytes", 0, { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x00 }, 0,
	  { }, 0, true, 5, 0 },
	{ "CASE1 P3=00: 4 bytes", 0, { 0x00, T0T_INS_CASE1, 0x00, 0x00, 0x00 }, 0,
	  { }, 0, true, 4, 0 },
	{ "CASE1 P3=01: 6700", 0, { 0x00, T0T_INS_CASE1, 0x00, 0x00, 0x01 }, 0,
	  { 0x67, 0x00 }, 2, false, 0, 0 },
	{ "unknown INS: 4 bytes", 0, { 0x00, 0x02, 0x11, 0x22, 0x33 }, 0,
	  { }, 0, true, 4, 0 },
	{ "INS 60: 6D00", 0, { 0x00, 0x60, 0x00, 0x00, 0x00 }, 0,
	  { 0x6D, 0x00 }, 2, false, 0, 1 },
	{ "INS 6F: 6D00", 0, { 0x00, 0x6F, 0x00, 0x00, 0x05 }, 0,
	  { 0x6D, 0x00 }, 2, false, 0, 1 },
	{ "INS 90: 6D00", 0, { 0xA0, 0x90, 0x00, 0x00, 0x00 }, 0,
	  { 0x6D, 0x00 }, 2, false, 0, 1 },
	{ "INS 9F: 6D00", 0, { 0x80, 0x9F, 0x01, 0x02, 0x03 }, 0,
	  { 0x6D, 0x00 }, 2, false, 0, 1 },
};

static void t0t_hdr_desc(const struct t0t_hdr_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_hdr, t0t_hdr_cases, t0t_hdr_desc);

static void vuicc_t0_header_test(struct kunit *test)
{
	const struct t0t_hdr_case *p = test->param_value;
	struct t0t *tt = t0t_active(test, p->flags);
	struct vuicc_t0 *t0 = &tt->t0;
	u8 data[8];
	u32 act;
	size_t i;

	for (i = 0; i < p->ndata; i++)
		data[i] = 0x11 * (i + 1);

	/* Act: the header, then the data, each byte after the card's turn */
	act = t0t_send(tt, p->hdr, 4);
	KUNIT_EXPECT_EQ(test, act, 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_HEADER);
	act = t0t_send(tt, p->hdr + 4, 1);
	if (p->ndata) {
		KUNIT_EXPECT_EQ(test, act, (u32)VUICC_T0_ACT_TX);
		KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_DATA);
		act = t0t_send(tt, data, p->ndata);
	}

	/* Assert */
	t0t_expect_out(tt, p->proc, p->nproc);
	KUNIT_EXPECT_EQ(test, !!(act & VUICC_T0_ACT_EXEC), p->exec);
	KUNIT_EXPECT_EQ(test, t0->state, p->exec ? VUICC_T0_S_BUSY : VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, t0->stats.invalid_ins, (u64)p->invalid);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 0ULL);
	KUNIT_EXPECT_FALSE(test, t0->first);
	if (!p->exec)
		return;
	KUNIT_EXPECT_EQ(test, t0->cmd_len, (u16)p->cmd_len);
	KUNIT_EXPECT_MEMEQ(test, t0->cmd, p->hdr, min_t(size_t, p->cmd_len, 5));
	if (p->ndata)
		KUNIT_EXPECT_MEMEQ(test, t0->cmd + 5, data, p->ndata);
	/* the NULL clock starts at the last byte received */
	KUNIT_EXPECT_EQ(test, t0->deadline, tt->now + vuicc_t0_wwt_ns(t0) / 2);
}

/* the ACK leaves 16 etu after the header's last byte, not earlier */
static void vuicc_t0_ack_turnaround_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_IN, 0x00, 0x00, 0x02 };
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u8 b;

	KUNIT_ASSERT_EQ(test, t0t_send_hold(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0->tx_not_before, tt->now + 1666667);
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(t0, &b, 1, tt->now + 1666666), (size_t)0);
	KUNIT_EXPECT_EQ(test, vuicc_t0_tx(t0, &b, 1, tt->now + 1666667), (size_t)1);
	KUNIT_EXPECT_EQ(test, b, T0T_INS_IN);
	/* the terminal has WWT from the ACK to send its data */
	vuicc_t0_sent(t0, &b, 1, tt->now + 1666667);
	KUNIT_EXPECT_EQ(test, t0->deadline, tt->now + 1666667 + vuicc_t0_wwt_ns(t0));
}

/* xorshift32 */
static u32 t0t_rand(u32 *s)
{
	u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void t0t_log(struct t0t *tt, u8 tag, const u8 *b, size_t n)
{
	if (tt->log_len + 3 + n > sizeof(tt->log)) {
		tt->log_full = true;
		return;
	}
	tt->log[tt->log_len++] = tag;
	tt->log[tt->log_len++] = n >> 8;
	tt->log[tt->log_len++] = n & 0xFF;
	memcpy(tt->log + tt->log_len, b, n);
	tt->log_len += n;
}

/*
 * The driver's part, logged: send what is queued, apply a new rate, and
 * run a command on a fake engine (READ BINARY gives P3 bytes of data,
 * UPDATE BINARY, SELECT and ACTIVATE 9000, anything else 6D00).
 */
static void t0t_handle(struct t0t *tt, u32 act)
{
	struct vuicc_t0 *t0 = &tt->t0;
	size_t before = tt->out_len, len;
	u8 a = act;

	if (!act)
		return;
	t0t_log(tt, 'A', &a, 1);
	if (act & VUICC_T0_ACT_TX) {
		t0t_drain(tt);
		t0t_log(tt, 'T', tt->out + before, tt->out_len - before);
	}
	if (act & VUICC_T0_ACT_RATE)
		vuicc_t0_rate_set(t0, t0->f, t0->d);
	if (act & VUICC_T0_ACT_EXEC) {
		t0t_log(tt, 'C', t0->cmd, t0->cmd_len);
		switch (t0->cmd[1]) {
		case T0T_INS_OUT:
			len = t0t_make_rsp(tt, t0->cmd[4] ?: 256, 0x9000);
			break;
		case T0T_INS_IN:
		case T0T_INS_IN2:
		case T0T_INS_CASE1:
			len = t0t_make_rsp(tt, 0, 0x9000);
			break;
		default:
			len = t0t_make_rsp(tt, 0, VUICC_SW_INS_NOT_SUPPORTED);
			break;
		}
		tt->now += 1000000;
		t0t_handle(tt, vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now));
	}
}

struct t0t_seg {
	u8 len;
	u8 b[6];
};

/* a session; each segment is what the terminal sends before the card's turn */
static const struct t0t_seg t0t_script[] = {
	{ 4, { 0xFF, 0x10, 0x96, 0x79 } },		/* PPS: F 512 D 32 */
	{ 5, { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03 } },	/* ACK D6 */
	{ 3, { 0x11, 0x22, 0x33 } },			/* EXEC, 9000 */
	{ 5, { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 } },	/* EXEC, B0 data 9000 */
	{ 5, { 0x00, 0x02, 0x00, 0x00, 0x00 } },	/* EXEC 4 bytes, 6D00 */
	{ 5, { 0x00, 0x62, 0x00, 0x00, 0x00 } },	/* 6D00 */
	{ 5, { 0x00, T0T_INS_CASE1, 0x00, 0x00, 0x01 } },	/* 6700 */
	{ 5, { 0x00, T0T_INS_CASE1, 0x00, 0x00, 0x00 } },	/* EXEC, 9000 */
	{ 5, { 0x00, T0T_INS_IN2, 0x00, 0x04, 0x02 } },	/* ACK A4 */
	{ 2, { 0x3F, 0x00 } },				/* EXEC, 9000 */
	{ 5, { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x00 } },	/* B0, 256 bytes, 9000 */
};

/* Runs the script, each segment in chunks of 1 (@seed 0) or of random sizes. */
static struct t0t *t0t_run_script(struct kunit *test, u32 seed)
{
	struct t0t *tt = t0t_active(test, 0);
	const struct t0t_seg *s;
	size_t i, pos, n;

	for (i = 0; i < ARRAY_SIZE(t0t_script); i++) {
		s = &t0t_script[i];
		for (pos = 0; pos < s->len; pos += n) {
			n = seed ? 1 + t0t_rand(&seed) % (s->len - pos) : 1;
			t0t_handle(tt, t0t_rx(tt, s->b + pos, NULL, n));
		}
	}
	return tt;
}

static void vuicc_t0_split_test(struct kunit *test)
{
	static const u8 want_head[] = {
		0xFF, 0x10, 0x96, 0x79, T0T_INS_IN, 0x90, 0x00,
		T0T_INS_OUT, 0x5A, 0x5B, 0x58, 0x59, 0x90, 0x00, 0x6D, 0x00,
		0x6D, 0x00, 0x67, 0x00, 0x90, 0x00, T0T_INS_IN2, 0x90, 0x00,
		T0T_INS_OUT,
	};
	size_t want_len = sizeof(want_head) + 256 + 2;
	struct t0t *one, *tt;
	unsigned int split_calls = 0, one_calls;
	u32 seed;
	size_t i;

	/* Arrange: the reference, one byte at a time */
	one = t0t_run_script(test, 0);
	KUNIT_ASSERT_FALSE(test, one->log_full);
	KUNIT_ASSERT_EQ(test, one->out_len, want_len);
	KUNIT_EXPECT_MEMEQ(test, one->out, want_head, sizeof(want_head));
	for (i = 0; i < 256; i++)
		KUNIT_EXPECT_EQ(test, one->out[sizeof(want_head) + i], (u8)(i ^ 0x5A));
	KUNIT_EXPECT_EQ(test, one->out[want_len - 2], 0x90);
	KUNIT_EXPECT_EQ(test, one->out[want_len - 1], 0x00);
	KUNIT_EXPECT_EQ(test, one->t0.stats.apdus, 6ULL);
	KUNIT_EXPECT_EQ(test, one->t0.stats.invalid_ins, 1ULL);
	KUNIT_EXPECT_EQ(test, one->t0.stats.pps_accepted, 1ULL);
	KUNIT_EXPECT_EQ(test, one->t0.stats.unexpected, 0ULL);
	KUNIT_EXPECT_EQ(test, one->t0.stats.rx_bytes, 49ULL);
	one_calls = one->rx_calls;

	/* Act and Assert: random splits give the same transcript */
	for (seed = 1; seed <= 16; seed++) {
		tt = t0t_run_script(test, seed * 0x9E3779B9);
		split_calls += tt->rx_calls;
		KUNIT_ASSERT_FALSE(test, tt->log_full);
		KUNIT_EXPECT_EQ_MSG(test, tt->log_len, one->log_len, "seed %u", seed);
		if (tt->log_len == one->log_len)
			KUNIT_EXPECT_MEMEQ_MSG(test, tt->log, one->log, one->log_len,
					       "seed %u", seed);
		KUNIT_EXPECT_EQ(test, tt->t0.stats.apdus, one->t0.stats.apdus);
		KUNIT_EXPECT_EQ(test, tt->t0.stats.rx_bytes, one->t0.stats.rx_bytes);
		KUNIT_EXPECT_EQ(test, tt->t0.stats.tx_bytes, one->t0.stats.tx_bytes);
		KUNIT_EXPECT_EQ(test, tt->t0.stats.unexpected, 0ULL);
		kunit_kfree(test, tt);
	}
	/* the splits did put several bytes in one call */
	KUNIT_EXPECT_LT(test, split_calls, 16 * one_calls);
}

/* ---------------------------------------------------------------------- */
/* the engine's answer */

struct t0t_done_case {
	const char *name;
	u8 hdr[5];
	u16 ndata;		/* data in the engine's answer */
	u16 sw;
	bool no_rsp;		/* vuicc_t0_done(NULL) */
	bool short_rsp;		/* one byte */
	bool ack;		/* ACK, the data, then SW */
	u8 want_sw[2];
};

static const struct t0t_done_case t0t_done_cases[] = {
	{ "OUT P3=04, 4 bytes: ACK data 9000", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  4, 0x9000, false, false, true, { 0x90, 0x00 } },
	{ "OUT P3=04, 4 bytes and 6282", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  4, 0x6282, false, false, true, { 0x62, 0x82 } },
	{ "OUT P3=FF, 255 bytes", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0xFF },
	  255, 0x9000, false, false, true, { 0x90, 0x00 } },
	{ "OUT P3=00 is 256, 256 bytes", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x00 },
	  256, 0x9000, false, false, true, { 0x90, 0x00 } },
	{ "OUT P3=04, 2 bytes: 6C02", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  2, 0x9000, false, false, false, { 0x6C, 0x02 } },
	{ "OUT P3=00, 255 bytes: 6CFF", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x00 },
	  255, 0x9000, false, false, false, { 0x6C, 0xFF } },
	{ "OUT P3=01, 256 bytes: 6C00", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x01 },
	  256, 0x9000, false, false, false, { 0x6C, 0x00 } },
	{ "OUT, no data: SW only", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  0, 0x6A82, false, false, false, { 0x6A, 0x82 } },
	{ "IN with data in the answer: SW only", { 0x00, T0T_INS_IN, 0x00, 0x00, 0x02 },
	  3, 0x9000, false, false, false, { 0x90, 0x00 } },
	{ "CASE1 with data in the answer: SW only",
	  { 0x00, T0T_INS_CASE1, 0x00, 0x00, 0x00 }, 2, 0x9000, false, false, false,
	  { 0x90, 0x00 } },
	{ "unknown INS: SW", { 0x00, 0x02, 0x00, 0x00, 0x00 },
	  0, 0x6D00, false, false, false, { 0x6D, 0x00 } },
	{ "no answer: silent", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  0, 0, true, false, false, { } },
	{ "one byte: silent", { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 },
	  0, 0, false, true, false, { } },
};

static void t0t_done_desc(const struct t0t_done_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_done, t0t_done_cases, t0t_done_desc);

static void vuicc_t0_done_test(struct kunit *test)
{
	static const u8 data[2] = { 0x12, 0x34 };
	const struct t0t_done_case *p = test->param_value;
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	bool silent = p->no_rsp || p->short_rsp;
	u32 act, seq;
	size_t len, i;

	/* Arrange: the command, taken by the engine */
	act = t0t_send(tt, p->hdr, 5);
	if (t0->state == VUICC_T0_S_DATA)
		act = t0t_send(tt, data, p->hdr[4]);
	KUNIT_ASSERT_EQ(test, act & VUICC_T0_ACT_EXEC, (u32)VUICC_T0_ACT_EXEC);
	tt->out_len = 0;
	seq = t0->exec_seq;
	len = t0t_make_rsp(tt, p->ndata, p->sw);
	tt->now += 1000000;

	/* Act */
	act = vuicc_t0_done(t0, seq, p->no_rsp ? NULL : tt->rsp, p->short_rsp ? 1 : len,
			    tt->now);

	/* Assert */
	KUNIT_EXPECT_EQ(test, act, silent ? 0U : (u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, t0->deadline, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.apdus, silent ? 0ULL : 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.aborted, silent ? 1ULL : 0ULL);
	t0t_drain(tt);
	if (silent) {
		KUNIT_EXPECT_EQ(test, tt->out_len, (size_t)0);
	} else if (p->ack) {
		KUNIT_ASSERT_EQ(test, tt->out_len, (size_t)(1 + p->ndata + 2));
		KUNIT_EXPECT_EQ(test, tt->out[0], p->hdr[1]);
		for (i = 0; i < p->ndata; i++)
			KUNIT_EXPECT_EQ(test, tt->out[1 + i], (u8)(i ^ 0x5A));
		KUNIT_EXPECT_MEMEQ(test, tt->out + 1 + p->ndata, p->want_sw, 2);
	} else {
		t0t_expect_out(tt, p->want_sw, 2);
	}
	/* a second answer to the same command is dropped */
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, seq, tt->rsp, len, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, t0->tx_len, 0);
	KUNIT_EXPECT_EQ(test, t0->stats.apdus, silent ? 0ULL : 1ULL);
}

/* ---------------------------------------------------------------------- */
/* NULL procedure bytes, timeouts, the card's turn */

static void vuicc_t0_null_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x02 };
	static const u8 want[] = {
		0x60, 0x60, 0x60, 0x60, T0T_INS_OUT, 0x5A, 0x5B, 0x90, 0x00,
	};
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u64 wwt = vuicc_t0_wwt_ns(t0), last;
	unsigned int i;
	size_t len;

	/* Arrange: the engine takes the command and does not answer */
	KUNIT_ASSERT_EQ(test, wwt, 1376344087ULL);
	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	last = tt->now;
	KUNIT_EXPECT_EQ(test, t0->deadline, last + wwt / 2);

	/* Act and Assert: a NULL at each half WWT after the last byte */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, t0->deadline - 1), 0U);
		KUNIT_EXPECT_EQ(test, t0->stats.nulls, (u64)i);
		KUNIT_EXPECT_EQ(test, t0->tx_len, 0);
		tt->now = t0->deadline;
		KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
		KUNIT_EXPECT_EQ(test, t0->stats.nulls, (u64)i + 1);
		KUNIT_ASSERT_EQ(test, t0t_drain(tt), (size_t)1);
		KUNIT_EXPECT_EQ(test, tt->out[i], VUICC_T0_NULL);
		KUNIT_EXPECT_LT(test, tt->now - last, wwt);
		KUNIT_EXPECT_EQ(test, tt->now - last, wwt / 2);
		last = tt->now;
		KUNIT_EXPECT_EQ(test, t0->deadline, last + wwt / 2);
		KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_BUSY);
	}

	/* a NULL that has not left: no other one */
	tt->now = t0->deadline;
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0->stats.nulls, 4ULL);
	tt->now = t0->deadline;
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
	tt->now = t0->deadline;
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0->stats.nulls, 4ULL);
	KUNIT_EXPECT_EQ(test, t0->tx_len, 1);

	/* the answer follows the NULL */
	len = t0t_make_rsp(tt, 2, 0x9000);
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now),
			(u32)VUICC_T0_ACT_TX);
	t0t_drain(tt);
	t0t_expect_out(tt, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now + 10 * wwt), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.nulls, 4ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 0ULL);
}

/* a command with data: the NULL clock starts at its last data byte */
static void vuicc_t0_null_after_data_test(struct kunit *test)
{
	static const u8 cmd[] = { 0x00, T0T_INS_IN, 0x00, 0x00, 0x01, 0x42 };
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u64 wwt = vuicc_t0_wwt_ns(t0);

	KUNIT_ASSERT_EQ(test, t0t_send(tt, cmd, sizeof(cmd)) & VUICC_T0_ACT_EXEC,
			(u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0->deadline, tt->now + wwt / 2);
	tt->now = t0->deadline;
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
	tt->out_len = 0;
	t0t_drain(tt);
	t0t_expect_out(tt, (const u8[]){ VUICC_T0_NULL }, 1);
}

enum t0t_partial {
	T0T_PART_HEADER,
	T0T_PART_PPS,
	T0T_PART_DATA_NONE,
	T0T_PART_DATA,
};

struct t0t_timeout_case {
	const char *name;
	enum t0t_partial what;
	enum vuicc_t0_state state;
};

static const struct t0t_timeout_case t0t_timeout_cases[] = {
	{ "3 bytes of a header", T0T_PART_HEADER, VUICC_T0_S_HEADER },
	{ "PPSS PPS0 of a PPS request", T0T_PART_PPS, VUICC_T0_S_PPS },
	{ "ACK sent, no data", T0T_PART_DATA_NONE, VUICC_T0_S_DATA },
	{ "1 of 3 data bytes", T0T_PART_DATA, VUICC_T0_S_DATA },
};

static void t0t_timeout_desc(const struct t0t_timeout_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_timeout, t0t_timeout_cases, t0t_timeout_desc);

static void vuicc_t0_timeout_test(struct kunit *test)
{
	static const u8 in[] = { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03, 0x11 };
	static const u8 pps[] = { 0xFF, 0x10 };
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 };
	const struct t0t_timeout_case *p = test->param_value;
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u64 wwt = vuicc_t0_wwt_ns(t0), at;

	/* Arrange: the terminal stops mid-command */
	switch (p->what) {
	case T0T_PART_HEADER:
		t0t_send(tt, hdr, 3);
		break;
	case T0T_PART_PPS:
		t0t_send(tt, pps, sizeof(pps));
		break;
	case T0T_PART_DATA_NONE:
		t0t_send(tt, in, 5);
		break;
	case T0T_PART_DATA:
		t0t_send(tt, in, 6);
		break;
	}
	KUNIT_ASSERT_EQ(test, t0->state, p->state);
	/* WWT from the last byte either way (the ACK's send is tt->now too) */
	KUNIT_EXPECT_EQ(test, t0->deadline, tt->now + wwt);
	at = t0->deadline;

	/* Act and Assert: nothing until WWT has passed */
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, at - 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, p->state);
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 0ULL);
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, at), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->deadline, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 0);
	KUNIT_EXPECT_EQ(test, t0->data_need, 0);
	KUNIT_EXPECT_FALSE(test, t0->first);
	KUNIT_EXPECT_EQ(test, t0->tx_len, 0);

	/* the next header is read from its first byte */
	tt->now = at + 1000;
	KUNIT_EXPECT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0->cmd_len, 5);
	KUNIT_EXPECT_MEMEQ(test, t0->cmd, hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.aborted, 0ULL);
}

static void vuicc_t0_unexpected_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x02 };
	static const u8 junk[] = { 0x00, 0xA4, 0x00, 0x00, 0x02 };
	static const u8 want[] = { T0T_INS_OUT, 0x5A, 0x5B, 0x90, 0x00 };
	struct t0t *tt = t0t_new(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	size_t len;

	/* off, and while the ATR is awaited: nobody listens */
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, junk, NULL, 2), 0U);
	vuicc_t0_reset(t0, VUICC_T0_RESET_COLD, tt->now);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, junk, NULL, 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 3ULL);

	/* while the ATR is queued */
	vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, junk, NULL, 5), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 8ULL);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 0);
	t0t_drain(tt);
	tt->out_len = 0;

	/* while the engine works */
	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, junk, NULL, 5), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 13ULL);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_BUSY);
	KUNIT_EXPECT_EQ(test, t0->cmd_len, 5);
	KUNIT_EXPECT_MEMEQ(test, t0->cmd, hdr, sizeof(hdr));

	/* while its answer is queued */
	len = t0t_make_rsp(tt, 2, 0x9000);
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now),
			(u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, junk, NULL, 4), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 17ULL);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 0);
	t0t_drain(tt);
	t0t_expect_out(tt, want, sizeof(want));

	/* and then the terminal's turn again */
	tt->out_len = 0;
	KUNIT_EXPECT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 17ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.rx_bytes, 27ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.apdus, 1ULL);
}

/* ---------------------------------------------------------------------- */
/* line errors */

enum t0t_err_at {
	T0T_ERR_IDLE,
	T0T_ERR_HEADER,
	T0T_ERR_DATA,
	T0T_ERR_PPS,
};

struct t0t_err_case {
	const char *name;
	u8 flag;
	enum t0t_err_at at;
	bool parity;
};

static const struct t0t_err_case t0t_err_cases[] = {
	{ "parity, first byte", TTY_PARITY, T0T_ERR_IDLE, true },
	{ "parity, third header byte", TTY_PARITY, T0T_ERR_HEADER, true },
	{ "parity, command data", TTY_PARITY, T0T_ERR_DATA, true },
	{ "parity, PPS request", TTY_PARITY, T0T_ERR_PPS, true },
	{ "framing, third header byte", TTY_FRAME, T0T_ERR_HEADER, false },
	{ "framing, command data", TTY_FRAME, T0T_ERR_DATA, false },
	{ "break, third header byte", TTY_BREAK, T0T_ERR_HEADER, false },
	{ "overrun, PPS request", TTY_OVERRUN, T0T_ERR_PPS, false },
};

static void t0t_err_desc(const struct t0t_err_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(t0t_err, t0t_err_cases, t0t_err_desc);

static void vuicc_t0_line_error_test(struct kunit *test)
{
	static const u8 in[] = { 0x00, T0T_INS_IN, 0x00, 0x00, 0x03, 0x11 };
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x04 };
	static const u8 pps[] = { 0xFF, 0x10 };
	const struct t0t_err_case *p = test->param_value;
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u8 b[3] = { 0x22, 0x00, 0x00 }, fl[3] = { p->flag, TTY_NORMAL, TTY_NORMAL };
	u64 half = vuicc_t0_wwt_ns(t0) / 2, at;
	u32 act;

	/* Arrange */
	switch (p->at) {
	case T0T_ERR_IDLE:
		break;
	case T0T_ERR_HEADER:
		t0t_send(tt, hdr, 2);
		break;
	case T0T_ERR_DATA:
		t0t_send(tt, in, sizeof(in));
		break;
	case T0T_ERR_PPS:
		t0t_send(tt, pps, sizeof(pps));
		break;
	}
	tt->out_len = 0;

	/* Act: a bad byte and two good ones in one call */
	act = t0t_rx(tt, b, fl, 3);

	/* Assert: the command is dropped, the rest with it */
	KUNIT_EXPECT_EQ(test, act, 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.parity_errors, p->parity ? 1ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.line_errors, p->parity ? 0ULL : 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 2ULL);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_DISCARD);
	KUNIT_EXPECT_EQ(test, t0->deadline, tt->now + half);
	KUNIT_EXPECT_FALSE(test, t0->first);

	/* more bytes keep it dropping: half a WWT of quiet ends it */
	act = t0t_send(tt, hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, act, 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 7ULL);
	at = tt->now + half;
	KUNIT_EXPECT_EQ(test, t0->deadline, at);
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, at - 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_DISCARD);
	KUNIT_EXPECT_EQ(test, vuicc_t0_timer(t0, at), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, tt->out_len, (size_t)0);
	KUNIT_EXPECT_EQ(test, t0->stats.timeouts, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.apdus, 0ULL);

	/* then a header works */
	tt->now = at + 1000;
	KUNIT_EXPECT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0->cmd_len, 5);
	KUNIT_EXPECT_MEMEQ(test, t0->cmd, hdr, sizeof(hdr));
}

/* a line error while the engine works does not touch the command */
static void vuicc_t0_line_error_busy_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x01 };
	static const u8 want[] = { T0T_INS_OUT, 0x5A, 0x90, 0x00 };
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;
	u8 b = 0x00, fl = TTY_PARITY;
	size_t len;

	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, &b, &fl, 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.parity_errors, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_BUSY);
	len = t0t_make_rsp(tt, 1, 0x9000);
	KUNIT_EXPECT_EQ(test, vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now),
			(u32)VUICC_T0_ACT_TX);
	t0t_drain(tt);
	t0t_expect_out(tt, want, sizeof(want));
}

/* ---------------------------------------------------------------------- */
/* a joined TX/RX line */

static void vuicc_t0_echo_test(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, T0T_INS_OUT, 0x00, 0x00, 0x02 };
	static const u8 want[] = { T0T_INS_OUT, 0x5A, 0x5B, 0x90, 0x00 };
	struct t0t *tt = t0t_active(test, VUICC_T0_ECHO);
	struct vuicc_t0 *t0 = &tt->t0;
	u64 last_rx;
	size_t len;
	u8 b;

	/* Arrange: the ATR has left; the line has not heard it back */
	KUNIT_ASSERT_EQ(test, t0->echo_len, (u16)sizeof(t0t_atr));

	/* Act: its echo, then a command */
	last_rx = t0->last_rx;
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, t0t_atr, NULL, sizeof(t0t_atr)), 0U);

	/* Assert: swallowed, not a header nor a PPS request */
	KUNIT_EXPECT_EQ(test, t0->echo_len, 0);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 0);
	KUNIT_EXPECT_TRUE(test, t0->first);
	KUNIT_EXPECT_EQ(test, t0->last_rx, last_rx);
	KUNIT_EXPECT_EQ(test, t0->stats.rx_bytes, (u64)sizeof(t0t_atr));
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 0ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.collisions, 0ULL);

	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	len = t0t_make_rsp(tt, 2, 0x9000);
	vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now);
	t0t_drain(tt);
	t0t_expect_out(tt, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, t0->echo_len, (u16)sizeof(want));
	/* the echo in pieces */
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, want, NULL, 2), 0U);
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, want + 2, NULL, 3), 0U);
	KUNIT_EXPECT_EQ(test, t0->echo_len, 0);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_IDLE);
	tt->out_len = 0;
	KUNIT_ASSERT_EQ(test, t0t_send(tt, hdr, sizeof(hdr)), (u32)VUICC_T0_ACT_EXEC);
	KUNIT_EXPECT_EQ(test, t0->stats.apdus, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->stats.collisions, 0ULL);

	/* a NULL is echoed too; a different byte is a collision */
	tt->now = t0->deadline;
	KUNIT_ASSERT_EQ(test, vuicc_t0_timer(t0, tt->now), (u32)VUICC_T0_ACT_TX);
	t0t_drain(tt);
	KUNIT_EXPECT_EQ(test, t0->echo_len, 1);
	b = VUICC_T0_NULL;
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, &b, NULL, 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->echo_len, 0);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 0ULL);
	vuicc_t0_done(t0, t0->exec_seq, tt->rsp, len, tt->now);
	t0t_drain(tt);
	KUNIT_EXPECT_EQ(test, t0->echo_len, (u16)sizeof(want));
	b = 0x5A;
	KUNIT_EXPECT_EQ(test, t0t_rx(tt, &b, NULL, 1), 0U);
	KUNIT_EXPECT_EQ(test, t0->stats.collisions, 1ULL);
	KUNIT_EXPECT_EQ(test, t0->echo_len, 0);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_DISCARD);
	KUNIT_EXPECT_EQ(test, t0->stats.unexpected, 0ULL);
}

/* without VUICC_T0_ECHO the card's own bytes are not expected back */
static void vuicc_t0_no_echo_test(struct kunit *test)
{
	struct t0t *tt = t0t_active(test, 0);
	struct vuicc_t0 *t0 = &tt->t0;

	KUNIT_EXPECT_EQ(test, t0->echo_len, 0);
	/* 3B 9A 96 80: the start of a header */
	KUNIT_EXPECT_EQ(test, t0t_send(tt, t0t_atr, 4), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_HEADER);
	KUNIT_EXPECT_EQ(test, t0->hdr_len, 4);
	KUNIT_EXPECT_MEMEQ(test, t0->hdr, t0t_atr, 4);
	KUNIT_EXPECT_EQ(test, t0->stats.collisions, 0ULL);
}

/* RST on DCD: edges as an interrupt reports them (vuicc_t0_rst()) */
static void vuicc_t0_rst_test(struct kunit *test)
{
	struct t0t *tt = t0t_new(test, VUICC_T0_RESET_DCD);
	struct vuicc_t0 *t0 = &tt->t0;
	u32 act;

	/* Act/Assert: no edge, nothing */
	KUNIT_EXPECT_EQ(test, vuicc_t0_rst(t0, true, 0, tt->now), 0U);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_OFF);

	/* released from off: a cold reset, the ATR 400 cycles after the edge */
	act = vuicc_t0_rst(t0, true, 1, tt->now);
	KUNIT_EXPECT_TRUE(test, act & VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_FALSE(test, act & VUICC_T0_ACT_POWER_OFF);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_COLD);
	KUNIT_EXPECT_EQ(test, t0->rst_at, tt->now);
	KUNIT_ASSERT_EQ(test, vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now + 1000),
			(u32)VUICC_T0_ACT_TX);
	KUNIT_EXPECT_EQ(test, t0->tx_not_before,
			tt->now + vuicc_t0_cycles_ns(t0, VUICC_T0_ATR_MIN_CYCLES));
	tt->now = t0->tx_not_before;
	t0t_drain(tt);

	/* released again while active (a low edge missed): a warm reset */
	act = vuicc_t0_rst(t0, true, 1, tt->now);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_WARM);
	KUNIT_EXPECT_FALSE(test, act & VUICC_T0_ACT_POWER_OFF);
	KUNIT_ASSERT_EQ(test, vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now),
			(u32)VUICC_T0_ACT_TX);
	tt->now = t0->tx_not_before;
	t0t_drain(tt);

	/* low then high between two looks (two edges): off, then cold */
	act = vuicc_t0_rst(t0, true, 2, tt->now);
	KUNIT_EXPECT_TRUE(test, act & VUICC_T0_ACT_POWER_OFF);
	KUNIT_EXPECT_TRUE(test, act & VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->rst_kind, (u32)VUICC_T0_RESET_COLD);
	KUNIT_ASSERT_EQ(test, vuicc_t0_atr(t0, t0t_atr, sizeof(t0t_atr), tt->now),
			(u32)VUICC_T0_ACT_TX);
	tt->now = t0->tx_not_before;
	t0t_drain(tt);

	/* low: deactivated, silent */
	act = vuicc_t0_rst(t0, false, 1, tt->now);
	KUNIT_EXPECT_EQ(test, act & VUICC_T0_ACT_POWER_OFF, (u32)VUICC_T0_ACT_POWER_OFF);
	KUNIT_EXPECT_FALSE(test, act & VUICC_T0_ACT_ATR);
	KUNIT_EXPECT_EQ(test, t0->state, VUICC_T0_S_OFF);
	KUNIT_EXPECT_EQ(test, t0->stats.resets, 3ULL);
}

static struct kunit_case vuicc_t0_test_cases[] = {
	KUNIT_CASE_PARAM(vuicc_t0_fidi_test, t0t_fidi_gen_params),
	KUNIT_CASE_PARAM(vuicc_t0_uart_rate_test, t0t_uart_gen_params),
	KUNIT_CASE_PARAM(vuicc_t0_rate_within_test, t0t_within_gen_params),
	KUNIT_CASE(vuicc_t0_units_test),
	KUNIT_CASE(vuicc_t0_atr_timing_test),
	KUNIT_CASE(vuicc_t0_atr_late_test),
	KUNIT_CASE(vuicc_t0_atr_refused_test),
	KUNIT_CASE(vuicc_t0_reset_kind_test),
	KUNIT_CASE(vuicc_t0_reset_rate_test),
	KUNIT_CASE_PARAM(vuicc_t0_reset_abort_test, t0t_reset_gen_params),
	KUNIT_CASE_PARAM(vuicc_t0_atr_parse_test, t0t_atr_gen_params),
	KUNIT_CASE_PARAM(vuicc_t0_pps_test, t0t_pps_gen_params),
	KUNIT_CASE(vuicc_t0_pps_first_only_test),
	KUNIT_CASE(vuicc_t0_pps_turnaround_test),
	KUNIT_CASE_PARAM(vuicc_t0_header_test, t0t_hdr_gen_params),
	KUNIT_CASE(vuicc_t0_ack_turnaround_test),
	KUNIT_CASE(vuicc_t0_split_test),
	KUNIT_CASE_PARAM(vuicc_t0_done_test, t0t_done_gen_params),
	KUNIT_CASE(vuicc_t0_null_test),
	KUNIT_CASE(vuicc_t0_null_after_data_test),
	KUNIT_CASE_PARAM(vuicc_t0_timeout_test, t0t_timeout_gen_params),
	KUNIT_CASE(vuicc_t0_unexpected_test),
	KUNIT_CASE_PARAM(vuicc_t0_line_error_test, t0t_err_gen_params),
	KUNIT_CASE(vuicc_t0_line_error_busy_test),
	KUNIT_CASE(vuicc_t0_echo_test),
	KUNIT_CASE(vuicc_t0_no_echo_test),
	KUNIT_CASE(vuicc_t0_rst_test),
	{}
};

static struct kunit_suite vuicc_t0_test_suite = {
	.name = "vuicc_t0",
	.test_cases = vuicc_t0_test_cases,
};

kunit_test_suite(vuicc_t0_test_suite);
