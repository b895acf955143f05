// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of the T=0 line discipline over a pty: the test plays the
 * modem on the master end (tools/testing/lib/t0term.c), the slave carries
 * the discipline.  Attach and its errors, the ATR and its delay, PPS,
 * procedure bytes, 1,000 APDUs answered byte for byte as /dev/vuiccN
 * answers them, a terminal that vanishes mid-command, garbage, a flood,
 * reset storms, detach while busy, hang-up and card removal.
 *
 * Run as root in the VM harness with vuicc.ko loaded with cards=2 and
 * vuiccctl on PATH:
 *   tools/testing/vm/run --modargs cards=2 -- build/selftests/vuicc/t0
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

#include "kselftest_harness.h"
#include "../../lib/t0term.h"

/* the card the line plays; the chardev comparisons use the other */
#define LINE_CARD	1
#define DEV_CARD	0
#define CLOCK		3571200
/* WWT is 1.4 s at 3.5712 MHz with Fi = 512; 20 MHz makes it 0.25 s */
#define FAST_CLOCK	20000000

static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned int rn(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int hex2bin(const char *h, uint8_t *b)
{
	int n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &b[n++]);
	return n;
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A pty whose slave carries the discipline, the master the terminal. */
struct line {
	int master;
	int slave;
	struct t0term t;
};

static int line_pty(struct line *l)
{
	struct termios tio;
	char name[64];
	int ldisc = VUICC_T0_LDISC;

	l->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->master < 0 || grantpt(l->master) || unlockpt(l->master) ||
	    ptsname_r(l->master, name, sizeof(name)))
		return -errno;
	l->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->slave < 0)
		return -errno;
	/* the master end passes bytes as they are */
	if (tcgetattr(l->master, &tio))
		return -errno;
	cfmakeraw(&tio);
	if (tcsetattr(l->master, TCSANOW, &tio))
		return -errno;
	if (ioctl(l->slave, TIOCSETD, &ldisc))
		return -errno;
	return 0;
}

static int attach(struct line *l, uint32_t card, uint32_t flags, uint32_t clock,
		  uint32_t baud_base)
{
	struct vuicc_t0_attach a = {
		.card_id = card, .flags = flags, .clock_hz = clock, .baud_base = baud_base,
	};

	if (ioctl(l->slave, VUICC_T0_IOC_ATTACH, &a))
		return -errno;
	t0term_init(&l->t, l->master, l->slave, clock);
	return 0;
}

static int line_open(struct line *l, uint32_t flags, uint32_t clock, uint32_t baud_base)
{
	int r = line_pty(l);

	return r ? r : attach(l, LINE_CARD, flags, clock, baud_base);
}

static void line_close(struct line *l)
{
	if (l->slave >= 0)
		close(l->slave);
	if (l->master >= 0)
		close(l->master);
	l->slave = l->master = -1;
}

static int stats(struct line *l, struct vuicc_t0_stats *st)
{
	return ioctl(l->slave, VUICC_T0_IOC_GET_STATS, st) ? -errno : 0;
}

static long apdu_hex(struct line *l, const char *hex, uint8_t *rsp, size_t max)
{
	uint8_t c[300];
	int n = hex2bin(hex, c);

	return t0term_apdu(&l->t, c, n, rsp, max);
}

static uint16_t sw_of(const uint8_t *r, long n)
{
	return n >= 2 ? (uint16_t)(r[n - 2] << 8 | r[n - 1]) : 0;
}

/* The card answers SELECT MF with its FCP: the line is in a sane state. */
static int line_works(struct line *l)
{
	uint8_t r[300];
	long n;
	int rc;

	rc = t0term_reset(&l->t, VUICC_T0_RESET_COLD);
	if (rc)
		return rc;
	n = apdu_hex(l, "00A40004023F00", r, sizeof(r));
	if (n < 4 || r[0] != 0x62 || sw_of(r, n) != 0x9000)
		return -EPROTO;
	return 0;
}

FIXTURE(t0) {
	struct line l;
};

FIXTURE_SETUP(t0)
{
	self->l.master = self->l.slave = -1;
	/* a profile on both cards, enabled; the same content on each */
	sh("vuiccctl profile del seed-master --card %d >/dev/null 2>&1", LINE_CARD);
	sh("vuiccctl profile del seed-master --card %d >/dev/null 2>&1", DEV_CARD);
	ASSERT_EQ(0, sh("vuiccctl profile add tools/testing/profiles/seed-master.conf "
			"--card %d >/dev/null 2>&1 && vuiccctl profile enable seed-master --card %d "
			">/dev/null", LINE_CARD, LINE_CARD));
	ASSERT_EQ(0, sh("vuiccctl profile add tools/testing/profiles/seed-master.conf "
			"--card %d >/dev/null 2>&1 && vuiccctl profile enable seed-master --card %d "
			">/dev/null", DEV_CARD, DEV_CARD));
}

FIXTURE_TEARDOWN(t0)
{
	line_close(&self->l);
	sh("vuiccctl profile del seed-master --card %d >/dev/null 2>&1", LINE_CARD);
	sh("vuiccctl profile del seed-master --card %d >/dev/null 2>&1", DEV_CARD);
}

TEST_F(t0, attach_errors)
{
	struct vuicc_t0_attach a = { .card_id = LINE_CARD };
	struct line *l = &self->l;
	int fd;

	/* a tty without the discipline knows nothing of it */
	l->master = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_GE(l->master, 0);
	ASSERT_EQ(-1, ioctl(l->master, VUICC_T0_IOC_ATTACH, &a));
	line_close(l);

	ASSERT_EQ(0, line_pty(l));
	EXPECT_EQ(-ENOENT, attach(l, VUICC_CARDS_MAX - 2, 0, 0, 0));
	EXPECT_EQ(-EINVAL, attach(l, LINE_CARD, 1u << 7, 0, 0));
	EXPECT_EQ(-EINVAL, attach(l, LINE_CARD, 0, 999999, 0));
	EXPECT_EQ(-EINVAL, attach(l, LINE_CARD, 0, 20000001, 0));
	a.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(l->slave, VUICC_T0_IOC_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
	/* 4 MHz / 372 = 10753 bit/s; a 115200 base reaches 10473 (2.6 % off) */
	EXPECT_EQ(-ERANGE, attach(l, LINE_CARD, 0, 4000000, 115200));
	/* 3.5712 MHz / 372 = 9600 = 115200 / 12 */
	ASSERT_EQ(0, attach(l, LINE_CARD, 0, CLOCK, 115200));
	/* the line is the card's one opener */
	fd = open("/dev/vuicc1", O_RDWR);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-EBUSY, attach(l, LINE_CARD, 0, CLOCK, 0));
	/* detached, the card is free again; a card that is open cannot be attached */
	ASSERT_EQ(0, ioctl(l->slave, VUICC_T0_IOC_DETACH));
	EXPECT_EQ(-1, ioctl(l->slave, VUICC_T0_IOC_DETACH));
	EXPECT_EQ(ENXIO, errno);
	fd = open("/dev/vuicc1", O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBUSY, attach(l, LINE_CARD, 0, CLOCK, 0));
	close(fd);
	ASSERT_EQ(0, attach(l, LINE_CARD, 0, CLOCK, 0));
}

/* The ATR is the card's, and leaves 400 to 40,000 clock cycles after RST. */
TEST_F(t0, atr)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	struct vuicc_status ds;
	unsigned int cyc[50], i, j, late = 0;
	uint64_t t0, us[50];
	int fd;

	fd = open("/dev/vuicc1", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_GET_STATUS, &ds));
	close(fd);

	ASSERT_EQ(0, line_open(l, 0, CLOCK, 0));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(VUICC_T0_LINE_OFF, st.state);
	EXPECT_EQ(9600u, st.bit_rate);
	EXPECT_EQ(372u, st.f);
	for (i = 0; i < 50; i++) {
		t0 = now_ns();
		ASSERT_EQ(0, t0term_reset(&l->t, i % 2 ? VUICC_T0_RESET_WARM :
					  VUICC_T0_RESET_COLD));
		us[i] = (now_ns() - t0) / 1000;
		ASSERT_EQ(ds.atr.len, l->t.atr_len);
		ASSERT_EQ(0, memcmp(ds.atr.bytes, l->t.atr, ds.atr.len));
		ASSERT_EQ(0, stats(l, &st));
		cyc[i] = st.atr_delay_cycles;
		/* never before 400 cycles: the kernel waits them out */
		EXPECT_GE(st.atr_delay_cycles, 400u);
		if (st.atr_delay_cycles > 40000)
			late++;
	}
	EXPECT_EQ(VUICC_T0_LINE_ACTIVE, st.state);
	EXPECT_EQ(50u, st.resets);
	/* sorted, for the median; a report, not a test of wall-clock time */
	for (i = 0; i < 50; i++)
		for (j = i + 1; j < 50; j++)
			if (cyc[j] < cyc[i]) {
				unsigned int c = cyc[i];
				uint64_t u = us[i];

				cyc[i] = cyc[j], cyc[j] = c;
				us[i] = us[j], us[j] = u;
			}
	printf("# ATR delay at %u Hz (kernel, RST to first byte): min %u, median %u, max %u cycles "
	       "(%u over 40,000); terminal's view of the whole ATR: median %llu us\n",
	       CLOCK, cyc[0], cyc[25], cyc[49], late, (unsigned long long)us[25]);
	/* deactivation silences the line */
	ASSERT_EQ(0, t0term_off(&l->t));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(VUICC_T0_LINE_OFF, st.state);
}

TEST_F(t0, pps)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	uint8_t r[300], bad[4] = { 0xFF, 0x10, 0x96, 0x00 };

	/* a pty reaches any rate: TA1 (Fi 512, Di 32) is accepted */
	ASSERT_EQ(0, line_open(l, 0, CLOCK, 0));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	ASSERT_EQ(512u, l->t.fi);
	ASSERT_EQ(32u, l->t.di);
	ASSERT_EQ(1, t0term_pps(&l->t, 0x96));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(1u, st.pps_accepted);
	EXPECT_EQ(512u, st.f);
	EXPECT_EQ(32u, st.d);
	EXPECT_EQ(223200u, st.bit_rate);
	EXPECT_EQ(0x9000, sw_of(r, apdu_hex(l, "00A4000C023F00", r, sizeof(r))));
	/* faster than TA1 offers: kept at the default */
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	EXPECT_EQ(0, t0term_pps(&l->t, 0x97));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(372u, st.f);
	/* a PPS request only right after the ATR; later FF is a class byte */
	EXPECT_EQ(0x6E00, sw_of(r, apdu_hex(l, "FFA4000C023F00", r, sizeof(r))));
	/* a bad PCK gets no answer (§9.3) */
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	ASSERT_EQ(0, t0term_send(&l->t, bad, sizeof(bad)));
	EXPECT_EQ(0, t0term_drain(&l->t, r, sizeof(r), 300));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(2u, st.pps_refused);
	line_close(l);

	/* a UART of base 115200 cannot reach 223200: the card keeps the default */
	ASSERT_EQ(0, line_open(l, 0, CLOCK, 115200));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	EXPECT_EQ(0, t0term_pps(&l->t, 0x96));
	/* 0x11 (372/1) is the default and always reachable */
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	EXPECT_EQ(1, t0term_pps(&l->t, 0x11));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(1u, st.pps_refused);
	EXPECT_EQ(1u, st.pps_accepted);
	EXPECT_EQ(9600u, st.uart_rate);
}

/* Procedure bytes: ACK for all data, INS xor FF per byte, SW at once, invalid INS. */
TEST_F(t0, procedure_bytes)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	uint8_t r[300];
	long n;

	ASSERT_EQ(0, line_open(l, VUICC_T0_BYTEWISE, CLOCK, 0));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	/* case 3 asked for byte by byte, case 4 with 61xx and GET RESPONSE */
	n = apdu_hex(l, "00A4000C023F00", r, sizeof(r));
	EXPECT_EQ(0x9000, sw_of(r, n));
	n = apdu_hex(l, "00A40004022FE200", r, sizeof(r));
	EXPECT_EQ(0x9000, sw_of(r, n));
	EXPECT_EQ(0x62, r[0]);
	/* case 2: ACK, then the data */
	n = apdu_hex(l, "00B000000A", r, sizeof(r));
	EXPECT_EQ(12, n);
	EXPECT_EQ(0x9000, sw_of(r, n));
	/* case 2 with a wrong Le: 6Cxx, then again (t0term_apdu repeats) */
	n = apdu_hex(l, "00B0000005", r, sizeof(r));
	EXPECT_EQ(0x9000, sw_of(r, n));
	/* INS 6X and 9X are not instructions */
	n = apdu_hex(l, "00600000", r, sizeof(r));
	EXPECT_EQ(0x6D00, sw_of(r, n));
	n = apdu_hex(l, "00920000", r, sizeof(r));
	EXPECT_EQ(0x6D00, sw_of(r, n));
	/* unknown INS: the status at once */
	n = apdu_hex(l, "00020000", r, sizeof(r));
	EXPECT_EQ(0x6D00, sw_of(r, n));
	/* MANAGE CHANNEL: open is case 2, close case 1 (P3 = 00) */
	n = apdu_hex(l, "0070000001", r, sizeof(r));
	ASSERT_EQ(3, n);
	EXPECT_EQ(0x9000, sw_of(r, n));
	n = apdu_hex(l, "00708001", r, sizeof(r));
	EXPECT_EQ(0x9000, sw_of(r, n));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(2u, st.invalid_ins);
	EXPECT_EQ(0u, st.timeouts);
	EXPECT_EQ(0u, st.unexpected);
}

/* One APDU for the comparison: a real command of the T=0 case its INS has. */
static size_t gen_apdu(uint8_t *b)
{
	static const char *const fixed[] = {
		"00A40004023F00", "00A40004022FE2", "00A4000C022F00", "00A4000C027FFF",
		"00A4040410A0000000871002FFFFFFFF8907090000", "00A40804047FFF6F07",
		"00A4090C026FAD", "00A4030C", "00A4000C025FC0", "00A40004027F20",
		"80F2000000", "80F2010C00", "00A4000C026F7E", "00A4000C026F38",
		"00200001", "00200081", "0070000001", "8010000005FFFFFFFFFF",
		"A0A40000027F20", "A0A40000026F07", "A0F2000016", "00A4000C026F99",
		"00880081221023553CBE9637A89D218AE64DAE47BF351055F328B43577B9B94A9FFAC354DFAFB3",
	};
	size_t len, i;

	switch (rn(6)) {
	case 0: case 1:
		return (size_t)hex2bin(fixed[rn(sizeof(fixed) / sizeof(fixed[0]))], b);
	case 2:		/* READ BINARY, any offset and Le */
		b[0] = rn(4) ? 0x00 : 0xA0;
		b[1] = 0xB0;
		b[2] = (uint8_t)rn(3);
		b[3] = (uint8_t)rn(40);
		b[4] = (uint8_t)rnd();
		return 5;
	case 3:		/* READ RECORD */
		b[0] = 0x00;
		b[1] = 0xB2;
		b[2] = (uint8_t)rn(4);
		b[3] = (uint8_t)(rn(3) + 2);
		b[4] = (uint8_t)rnd();
		return 5;
	case 4:		/* UPDATE BINARY of whatever is selected */
		b[0] = 0x00;
		b[1] = 0xD6;
		b[2] = 0;
		b[3] = (uint8_t)rn(8);
		len = 1 + rn(12);
		b[4] = (uint8_t)len;
		for (i = 0; i < len; i++)
			b[5 + i] = (uint8_t)rnd();
		return 5 + len;
	default:	/* GET RESPONSE, any Le */
		b[0] = 0x00;
		b[1] = 0xC0;
		b[2] = 0;
		b[3] = 0;
		b[4] = (uint8_t)rnd();
		return 5;
	}
}

/* The TPDU of an APDU (§12.2): case 4 loses its Le, case 1 gets P3 = 00. */
static size_t to_tpdu(const uint8_t *a, size_t len, uint8_t *t, bool *out)
{
	memcpy(t, a, len);
	*out = len == 5;
	if (len == 4) {
		t[4] = 0;
		return 5;
	}
	if (len > 5 && len == 6u + a[4])
		return len - 1;
	return len;
}

/* 1,000 APDUs: the line's answers are /dev/vuiccN's, byte for byte. */
TEST_F(t0, same_as_chardev)
{
	struct line *l = &self->l;
	struct vuicc_atr atr;
	uint8_t a[300], t[300], r1[300], r2[300];
	unsigned int i, same = 0, by_6c = 0;
	long n1, n2;
	size_t len, tl;
	bool out;
	int fd;

	fd = open("/dev/vuicc0", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, VUICC_IOC_POWER_ON, &atr));
	ASSERT_EQ(0, line_open(l, 0, CLOCK, 0));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	rng_state = 0x1000;
	for (i = 0; i < 1000; i++) {
		len = gen_apdu(a);
		tl = to_tpdu(a, len, t, &out);
		ASSERT_EQ((ssize_t)len, write(fd, a, len));
		n1 = read(fd, r1, sizeof(r1));
		ASSERT_GE(n1, 2);
		n2 = t0term_tpdu(&l->t, t, tl, out, r2, sizeof(r2));
		/*
		 * P3 = 00 asks for exactly 256 bytes on T=0; where the APDU
		 * (Le = 00: "up to 256") got fewer, the line says how many
		 * ('6Cxx', §12.2.3) and the terminal asks again.
		 */
		if (out && !t[4] && n2 == 2 && r2[0] == 0x6C && n1 == r2[1] + 2) {
			t[4] = r2[1];
			n2 = t0term_tpdu(&l->t, t, tl, out, r2, sizeof(r2));
			by_6c++;
		}
		if (n1 != n2 || memcmp(r1, r2, (size_t)n1)) {
			TH_LOG("APDU %u (%zu bytes, %02x %02x): chardev %ld bytes SW %04x, line %ld SW %04x",
			       i, len, a[0], a[1], n1, sw_of(r1, n1), n2, n2 > 0 ? sw_of(r2, n2) : 0);
			continue;
		}
		same++;
	}
	close(fd);
	printf("# %u of 1000 the same (%u after a 6Cxx for P3 = 00)\n", same, by_6c);
	EXPECT_EQ(1000u, same);
}

/* A terminal that stops mid-header or mid-data: dropped after WWT, counted. */
TEST_F(t0, vanishing_terminal)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	uint8_t hdr[3] = { 0x00, 0xA4, 0x00 }, upd[9] = { 0x00, 0xD6, 0, 0, 10, 1, 2, 3, 4 };
	uint8_t r[300];
	int wwt;

	ASSERT_EQ(0, line_open(l, 0, FAST_CLOCK, 0));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	wwt = t0term_wwt_ms(&l->t) - l->t.slack_ms;
	/* half a header; nothing comes back, and after WWT it is forgotten */
	ASSERT_EQ(0, t0term_send(&l->t, hdr, sizeof(hdr)));
	EXPECT_EQ(0, t0term_drain(&l->t, r, sizeof(r), wwt + 200));
	EXPECT_EQ(0x9000, sw_of(r, apdu_hex(l, "00A4000C023F00", r, sizeof(r))));
	/* a header and part of its data: the ACK, then silence */
	ASSERT_EQ(0, t0term_send(&l->t, upd, 5));
	EXPECT_EQ(1, t0term_drain(&l->t, r, sizeof(r), 100));
	EXPECT_EQ(0xD6, r[0]);
	ASSERT_EQ(0, t0term_send(&l->t, upd + 5, 4));
	EXPECT_EQ(0, t0term_drain(&l->t, r, sizeof(r), wwt + 200));
	EXPECT_EQ(0x9000, sw_of(r, apdu_hex(l, "00A4000C023F00", r, sizeof(r))));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(2u, st.timeouts);
	/* and a reset in the middle of a command */
	ASSERT_EQ(0, t0term_send(&l->t, upd, 5));
	EXPECT_EQ(1, t0term_drain(&l->t, r, 1, 200));
	EXPECT_EQ(0, line_works(l));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_GE(st.aborted, 1u);
}

/* Garbage and a flood: the line never wedges; a reset gives a clean ATR. */
TEST_F_TIMEOUT(t0, garbage_and_flood, 300)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	uint8_t b[4096], r[4096];
	unsigned int i, k;

	ASSERT_EQ(0, line_open(l, 0, FAST_CLOCK, 0));
	rng_state = 0x2000;
	for (k = 0; k < 20; k++) {
		ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
		for (i = 0; i < 300; i++)
			b[i] = (uint8_t)rnd();
		ASSERT_EQ(0, t0term_send(&l->t, b, 300));
		t0term_drain(&l->t, r, sizeof(r), 50);
	}
	/* a flood while the card is off and while it is on */
	ASSERT_EQ(0, t0term_off(&l->t));
	for (k = 0; k < 16; k++) {
		for (i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rnd();
		ASSERT_EQ(0, t0term_send(&l->t, b, sizeof(b)));
		t0term_drain(&l->t, r, sizeof(r), 0);
	}
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	for (k = 0; k < 16; k++) {
		for (i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rnd();
		ASSERT_EQ(0, t0term_send(&l->t, b, sizeof(b)));
		t0term_drain(&l->t, r, sizeof(r), 0);
	}
	t0term_drain(&l->t, r, sizeof(r), 300);
	ASSERT_EQ(0, line_works(l));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_GT(st.unexpected, 0u);
	EXPECT_GE(st.rx_bytes, 2u * 16 * sizeof(b));
}

/* Reset storms: resets in every state, one after another; then all is well. */
TEST_F(t0, reset_storm)
{
	static const uint32_t kinds[] = {
		VUICC_T0_RESET_COLD, VUICC_T0_RESET_WARM, VUICC_T0_RESET_OFF,
	};
	uint8_t auth[5] = { 0x00, 0x88, 0x00, 0x81, 0x22 }, r[300];
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	unsigned int i;
	uint32_t k;

	ASSERT_EQ(0, line_open(l, 0, FAST_CLOCK, 0));
	rng_state = 0x3000;
	for (i = 0; i < 300; i++) {
		k = kinds[rn(3)];
		ASSERT_EQ(0, ioctl(l->slave, VUICC_T0_IOC_RESET, &k));
		if (rn(2))
			ASSERT_EQ(0, t0term_send(&l->t, auth, sizeof(auth)));
		if (rn(4) == 0)
			t0term_drain(&l->t, r, sizeof(r), 1);
	}
	t0term_drain(&l->t, r, sizeof(r), 100);
	ASSERT_EQ(0, line_works(l));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_GE(st.resets, 150u);
}

struct detacher {
	int fd;
	int delay_us;
};

static void *detach_later(void *arg)
{
	struct detacher *d = arg;

	usleep(d->delay_us);
	ioctl(d->fd, VUICC_T0_IOC_DETACH);
	return NULL;
}

/* Detach while a command runs; the card is free again, the holder sees EPOLLHUP. */
TEST_F(t0, detach_while_busy)
{
	uint8_t auth[] = { 0x00, 0x88, 0x00, 0x81, 0x22, 0x10, 0x23, 0x55, 0x3C, 0xBE, 0x96,
			   0x37, 0xA8, 0x9D, 0x21, 0x8A, 0xE6, 0x4D, 0xAE, 0x47, 0xBF, 0x35,
			   0x10, 0x55, 0xF3, 0x28, 0xB4, 0x35, 0x77, 0xB9, 0xB9, 0x4A, 0x9F,
			   0xFA, 0xC3, 0x54, 0xDF, 0xAF, 0xB3 };
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	struct detacher d;
	struct pollfd p;
	pthread_t th;
	uint8_t r[300];
	int i, fd;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, line_open(l, 0, CLOCK, 0));
		ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
		apdu_hex(l, "00A4040C10A0000000871002FFFFFFFF8907090000", r, sizeof(r));
		d.fd = l->slave;
		d.delay_us = i * 100;
		ASSERT_EQ(0, pthread_create(&th, NULL, detach_later, &d));
		t0term_send(&l->t, auth, 5);
		t0term_drain(&l->t, r, 1, 50);
		t0term_send(&l->t, auth + 5, sizeof(auth) - 5);
		pthread_join(th, NULL);
		p.fd = l->slave;
		p.events = POLLIN;
		ASSERT_EQ(1, poll(&p, 1, 1000));
		EXPECT_TRUE(p.revents & POLLHUP);
		ASSERT_EQ(0, stats(l, &st));
		EXPECT_EQ(VUICC_T0_LINE_DETACHED, st.state);
		fd = open("/dev/vuicc1", O_RDWR);
		ASSERT_GE(fd, 0);
		close(fd);
		line_close(l);
	}
}

/* The master end closes (the modem is gone): the line lets go of the card. */
TEST_F(t0, hangup)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	struct pollfd p;
	int fd;

	ASSERT_EQ(0, line_open(l, 0, CLOCK, 0));
	ASSERT_EQ(0, line_works(l));
	close(l->master);
	l->master = -1;
	p.fd = l->slave;
	p.events = POLLIN;
	ASSERT_GE(poll(&p, 1, 1000), 1);
	EXPECT_TRUE(p.revents & POLLHUP);
	/* (a hung-up tty answers every ioctl with EIO) */
	EXPECT_EQ(-EIO, stats(l, &st));
	fd = open("/dev/vuicc1", O_RDWR);
	ASSERT_GE(fd, 0);
	close(fd);
}

/* A card removed under the line: detached, EPOLLHUP; nothing dangles. */
TEST_F(t0, card_removed)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	struct pollfd p;
	int card = 9;

	sh("vuiccctl card del %d >/dev/null 2>&1", card);
	ASSERT_EQ(0, sh("vuiccctl card add %d >/dev/null", card));
	ASSERT_EQ(0, sh("vuiccctl profile add tools/testing/profiles/seed-master.conf "
			"--card %d >/dev/null 2>&1 && vuiccctl profile enable seed-master --card %d "
			">/dev/null", card, card));
	ASSERT_EQ(0, line_pty(l));
	ASSERT_EQ(0, attach(l, card, 0, CLOCK, 0));
	ASSERT_EQ(0, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
	ASSERT_EQ(0, sh("vuiccctl card del %d", card));
	p.fd = l->slave;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, 2000));
	EXPECT_TRUE(p.revents & POLLHUP);
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(VUICC_T0_LINE_DETACHED, st.state);
	EXPECT_EQ(-ENXIO, t0term_reset(&l->t, VUICC_T0_RESET_COLD));
}

/* A profile switch deactivates the card: the line goes silent until a reset. */
TEST_F(t0, profile_switch)
{
	struct line *l = &self->l;
	uint8_t r[300];

	ASSERT_EQ(0, line_open(l, 0, FAST_CLOCK, 0));
	ASSERT_EQ(0, line_works(l));
	ASSERT_EQ(0, sh("vuiccctl profile disable --card %d >/dev/null", LINE_CARD));
	EXPECT_EQ(-ETIMEDOUT, apdu_hex(l, "00A4000C023F00", r, sizeof(r)));
	ASSERT_EQ(0, sh("vuiccctl profile enable seed-master --card %d >/dev/null", LINE_CARD));
	EXPECT_EQ(0, line_works(l));
}

/* A joined TX/RX line: the echo is discarded; a wrong echo is a collision. */
TEST_F(t0, echo)
{
	struct line *l = &self->l;
	struct vuicc_t0_stats st;
	uint8_t r[300], hdr[5] = { 0x00, 0xA4, 0x00, 0x0C, 0x02 }, wrong = 0x55;

	ASSERT_EQ(0, line_open(l, VUICC_T0_ECHO, FAST_CLOCK, 0));
	l->t.echo = true;
	ASSERT_EQ(0, line_works(l));
	EXPECT_EQ(0x9000, sw_of(r, apdu_hex(l, "00A4000C022FE2", r, sizeof(r))));
	EXPECT_EQ(0x9000, sw_of(r, apdu_hex(l, "00B000000A", r, sizeof(r))));
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(0u, st.collisions);
	EXPECT_EQ(0u, st.unexpected);
	/* the ACK comes back wrong */
	l->t.echo = false;
	ASSERT_EQ(0, t0term_send(&l->t, hdr, sizeof(hdr)));
	ASSERT_EQ(1, t0term_drain(&l->t, r, 1, 200));
	ASSERT_EQ(0, t0term_send(&l->t, &wrong, 1));
	t0term_drain(&l->t, r, sizeof(r), 300);
	ASSERT_EQ(0, stats(l, &st));
	EXPECT_EQ(1u, st.collisions);
	l->t.echo = true;
	EXPECT_EQ(0, line_works(l));
}

TEST_HARNESS_MAIN
