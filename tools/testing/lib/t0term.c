// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal side of ISO/IEC 7816-3 T=0 (§6 reset and ATR, §9 PPS, §10
 * T=0 with procedure bytes, §12.2 APDU to TPDU), for tests.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

#include "t0term.h"

static const unsigned int fi_table[16] = {
	372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0,
};
static const unsigned int di_table[16] = {
	0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void t0term_init(struct t0term *t, int io, int rst, unsigned int clock_hz)
{
	memset(t, 0, sizeof(*t));
	t->io = io;
	t->rst = rst;
	t->clock_hz = clock_hz ? clock_hz : 3571200;
	t->slack_ms = 200;
	t->fi = t->f = 372;
	t->di = t->d = 1;
	t->wi = 10;
}

/* §10.2: WWT = 960 x WI x Fi / f */
int t0term_wwt_ms(const struct t0term *t)
{
	uint64_t ms = (960ull * t->wi * t->fi * 1000 + t->clock_hz - 1) / t->clock_hz;

	return (int)ms + t->slack_ms;
}

int t0term_send(struct t0term *t, const uint8_t *b, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(t->io, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = t->io, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		if (w <= 0)
			return -errno ? -errno : -EIO;
		t->bytes_out += (size_t)w;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One byte from the card within @ms; in echo mode it goes back to the card. */
static int rd(struct t0term *t, int ms)
{
	struct pollfd p = { .fd = t->io, .events = POLLIN };
	uint8_t b;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(t->io, &b, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		t->bytes_in++;
		if (t->echo) {
			ssize_t w = write(t->io, &b, 1);

			(void)w;
		}
		return b;
	}
}

long t0term_drain(struct t0term *t, uint8_t *b, size_t max, int ms)
{
	size_t n = 0;
	int c;

	while ((c = rd(t, ms)) >= 0)
		if (n < max)
			b[n++] = (uint8_t)c;
	return (long)n;
}

/* §8.2: reads an ATR whose length its own bytes tell */
static int read_atr(struct t0term *t, int first_ms)
{
	uint8_t y, k;
	size_t n = 0, need;
	bool tck = false;
	int c, level = 1, skipped = 0;

	/*
	 * §6.2: the ATR within 40,000 clock cycles; bytes of an exchange that
	 * RST cut short may still be on their way: the ATR starts with TS.
	 */
	do {
		c = rd(t, first_ms);
		if (c < 0)
			return c;
	} while (c != 0x3B && c != 0x3F && ++skipped < 300);
	t->atr[n++] = (uint8_t)c;
	if (c != 0x3B && c != 0x3F)
		return -EPROTO;
	c = rd(t, t0term_wwt_ms(t));
	if (c < 0)
		return c;
	t->atr[n++] = (uint8_t)c;
	y = (uint8_t)c >> 4;
	k = (uint8_t)c & 0x0F;
	need = n;
	t->fi = 372;
	t->di = 1;
	t->wi = 10;
	for (;;) {
		int cnt = __builtin_popcount(y & 0x0F), i;
		uint8_t td = 0;

		for (i = 0; i < cnt; i++) {
			c = rd(t, t0term_wwt_ms(t));
			if (c < 0)
				return c;
			if (n >= T0TERM_ATR_MAX)
				return -EPROTO;
			t->atr[n++] = (uint8_t)c;
		}
		/* the bytes in order TA TB TC TD */
		{
			size_t at = n - (size_t)cnt;

			if (y & 1) {
				if (level == 1) {
					t->fi = fi_table[t->atr[at] >> 4];
					t->di = di_table[t->atr[at] & 0x0F];
				}
				at++;
			}
			if (y & 2)
				at++;
			if (y & 4) {
				if (level == 2 && t->atr[at])
					t->wi = t->atr[at];
				at++;
			}
			if (y & 8)
				td = t->atr[at];
		}
		if (!(y & 8))
			break;
		if (td & 0x0F)
			tck = true;
		y = td >> 4;
		level++;
	}
	need = n + k + (tck ? 1 : 0);
	while (n < need) {
		c = rd(t, t0term_wwt_ms(t));
		if (c < 0)
			return c;
		if (n >= T0TERM_ATR_MAX)
			return -EPROTO;
		t->atr[n++] = (uint8_t)c;
	}
	if (!t->fi || !t->di)
		return -EPROTO;
	t->atr_len = n;
	return 0;
}

int t0term_reset(struct t0term *t, uint32_t kind)
{
	uint32_t k = kind;
	int first_ms;

	/* what came before RST is no ATR */
	tcflush(t->io, TCIFLUSH);
	if (ioctl(t->rst, VUICC_T0_IOC_RESET, &k))
		return -errno;
	t->f = 372;
	t->d = 1;
	t->fi = 372;
	t->wi = 10;
	/* 40,000 cycles, and the terminal's slack for a loaded system */
	first_ms = (int)((40000ull * 1000 + t->clock_hz - 1) / t->clock_hz) + t->slack_ms;
	return read_atr(t, first_ms);
}

int t0term_off(struct t0term *t)
{
	uint32_t k = VUICC_T0_RESET_OFF;

	return ioctl(t->rst, VUICC_T0_IOC_RESET, &k) ? -errno : 0;
}

int t0term_pps(struct t0term *t, uint8_t pps1)
{
	uint8_t req[4] = { 0xFF, 0x10, pps1, 0 }, rsp[6];
	int c, n = 0, need = 3, r;

	req[3] = req[0] ^ req[1] ^ req[2];
	r = t0term_send(t, req, sizeof(req));
	if (r)
		return r;
	while (n < need) {
		c = rd(t, t0term_wwt_ms(t));
		if (c < 0)
			return c;
		rsp[n++] = (uint8_t)c;
		if (n == 2)
			need = 3 + __builtin_popcount(rsp[1] & 0x70);
	}
	if (rsp[0] != 0xFF || (rsp[1] & 0x0F) != 0)
		return -EPROTO;
	if (!(rsp[1] & 0x10))
		return 0;		/* §9.3: Fd/Dd */
	if (rsp[2] != pps1)
		return -EPROTO;
	t->f = fi_table[pps1 >> 4];
	t->d = di_table[pps1 & 0x0F];
	return 1;
}

long t0term_tpdu(struct t0term *t, const uint8_t *tpdu, size_t len, bool out,
		 uint8_t *rsp, size_t max)
{
	uint8_t ins = tpdu[1];
	size_t left = out ? (tpdu[4] ? tpdu[4] : 256) : tpdu[4], sent = 0, n = 0;
	uint64_t t_end;
	bool first = true;
	int c, r;

	if (len < 5 || (!out && len != 5u + tpdu[4]))
		return -EINVAL;
	r = t0term_send(t, tpdu, 5);
	if (r)
		return r;
	t_end = now_ns();
	for (;;) {
		c = rd(t, t0term_wwt_ms(t));
		if (c < 0)
			return c;
		if (first && t->turn_ns)
			t->turn_ns(t->turn_arg, now_ns() - t_end);
		first = false;
		if (c == 0x60) {
			t->nulls++;
			continue;
		}
		if ((c & 0xF0) == 0x60 || (c & 0xF0) == 0x90) {
			int sw2 = rd(t, t0term_wwt_ms(t));

			if (sw2 < 0)
				return sw2;
			if (n + 2 > max)
				return -EMSGSIZE;
			rsp[n++] = (uint8_t)c;
			rsp[n++] = (uint8_t)sw2;
			return (long)n;
		}
		if (c != ins && c != (ins ^ 0xFF))
			return -EPROTO;
		if (!left)
			continue;	/* nothing (more) to move: wait for SW */
		if (out) {
			size_t k = c == ins ? left : 1;

			while (k--) {
				int b = rd(t, t0term_wwt_ms(t));

				if (b < 0)
					return b;
				if (n >= max)
					return -EMSGSIZE;
				rsp[n++] = (uint8_t)b;
				left--;
			}
		} else {
			size_t k = c == ins ? left : 1;

			r = t0term_send(t, tpdu + 5 + sent, k);
			if (r)
				return r;
			sent += k;
			left -= k;
			t_end = now_ns();
			first = true;
		}
	}
}

/* GET RESPONSE on the command's logical channel (TS 102 221 §10.1.1) */
static uint8_t get_response_cla(uint8_t cla)
{
	if (cla == 0xA0)
		return 0xA0;
	if (cla & 0x40)
		return 0x40 | (cla & 0x0F);
	return cla & 0x03;
}

long t0term_apdu(struct t0term *t, const uint8_t *apdu, size_t len,
		 uint8_t *rsp, size_t max)
{
	uint8_t tpdu[5 + 255];
	bool out;
	long n;
	int round;

	if (len < 4)
		return -EINVAL;
	memcpy(tpdu, apdu, 4);
	if (len == 4) {			/* case 1 */
		tpdu[4] = 0;
		out = false;
		len = 5;
	} else if (len == 5) {		/* case 2 */
		tpdu[4] = apdu[4];
		out = true;
	} else if (apdu[4] && len == 5u + apdu[4]) {		/* case 3 */
		memcpy(tpdu + 4, apdu + 4, len - 4);
		out = false;
	} else if (apdu[4] && len == 6u + apdu[4]) {		/* case 4: Le dropped */
		len--;
		memcpy(tpdu + 4, apdu + 4, len - 4);
		out = false;
	} else {
		return -EINVAL;		/* extended lengths are not T=0 */
	}
	n = t0term_tpdu(t, tpdu, len, out, rsp, max);
	for (round = 0; n >= 2 && round < 8; round++) {
		uint8_t sw1 = rsp[n - 2], sw2 = rsp[n - 1];

		if (sw1 == 0x6C && out) {
			tpdu[4] = sw2;
			n = t0term_tpdu(t, tpdu, 5, true, rsp, max);
		} else if (sw1 == 0x61 || (sw1 == 0x9F && apdu[0] == 0xA0)) {
			tpdu[0] = get_response_cla(apdu[0]);
			tpdu[1] = 0xC0;
			tpdu[2] = 0;
			tpdu[3] = 0;
			tpdu[4] = sw2;
			out = true;
			n = t0term_tpdu(t, tpdu, 5, true, rsp, max);
		} else {
			break;
		}
	}
	return n;
}
