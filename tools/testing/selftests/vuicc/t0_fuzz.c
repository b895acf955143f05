// SPDX-License-Identifier: GPL-2.0
/*
 * Byte-stream fuzzing of the T=0 line discipline over a pty: random bytes,
 * mutated TPDUs, PPS requests, cut-off commands, resets of every kind at
 * any moment, parity-free garbage, detach and attach again, all without
 * waiting for the card; every 1,000 inputs the line must still answer a
 * known exchange exactly, and at the end every byte sent must have been
 * counted by the line.  The debug kernel's KASAN/UBSAN/lockdep/kmemleak
 * watch.
 *
 *   t0_fuzz [--count N] [--seed S] [--card C]     (root, in the VM harness)
 *
 * The count defaults to $VUICC_T0_FUZZ_COUNT or 100000; make soak runs 10^7.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

#include "../../lib/t0term.h"

static uint64_t rng_state;

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

static const char *const corpus[] = {
	"00A40004023F00", "00A40004022FE2", "00A4040410A0000000871002FFFFFFFF8907090000",
	"00A4040C07A0000000871002", "00A40804047FFF6F07", "00A4090C026FAD", "00A4030C00",
	"80F2000000", "80F2010C00", "00B0000009", "00B2010420", "00C0000010", "0070000001",
	"0070800100", "002000010831323334FFFFFFFF", "0020000100", "8010000005FFFFFFFFFF",
	"00D68B000B1234567800F1100001FF00", "A0A40000027F20", "A0F2000016", "0084000008",
	"00880081221023553CBE9637A89D218AE64DAE47BF351055F328B43577B9B94A9FFAC354DFAFB3",
	/* (not for whole exchanges from here on) */
	"FF109679", "FF1096", "FF00FF", "FF70112233", "00600000", "00920000",
};
/* the entries a whole exchange may use: real commands */
#define NCORPUS	22

static int hex2bin(const char *h, uint8_t *b)
{
	int n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &b[n++]);
	return n;
}

struct line {
	int master, slave;
	struct t0term t;
	unsigned int card;
};

static int line_open(struct line *l, unsigned int card, uint32_t flags)
{
	struct vuicc_t0_attach a = { .card_id = card, .clock_hz = 20000000, .flags = flags };
	int ldisc = VUICC_T0_LDISC;
	struct termios tio;
	char name[64];

	l->card = card;
	l->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->master < 0 || grantpt(l->master) || unlockpt(l->master) ||
	    ptsname_r(l->master, name, sizeof(name)))
		return -1;
	l->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->slave < 0 || tcgetattr(l->master, &tio))
		return -1;
	cfmakeraw(&tio);
	tcsetattr(l->master, TCSANOW, &tio);
	if (ioctl(l->slave, TIOCSETD, &ldisc) || ioctl(l->slave, VUICC_T0_IOC_ATTACH, &a))
		return -1;
	t0term_init(&l->t, l->master, l->slave, a.clock_hz);
	/* the fuzz sends without waiting: the terminal must not block */
	fcntl(l->master, F_SETFL, fcntl(l->master, F_GETFL) | O_NONBLOCK);
	return 0;
}

static void line_close(struct line *l)
{
	close(l->slave);
	close(l->master);
}

/* A known exchange after a cold reset: SELECT MF with its FCP. */
/*
 * A pty hands bytes to the discipline later than write() returns; on a wire
 * they would all be in before RST.  Waits until the line counted every byte
 * sent, so that none arrives after a reset; then the terminal blocks.
 */
static int line_settle(struct line *l)
{
	struct vuicc_t0_stats st;
	int i;

	for (i = 0; i < 2000; i++) {
		if (ioctl(l->slave, VUICC_T0_IOC_GET_STATS, &st))
			return -1;
		if (st.rx_bytes == l->t.bytes_out)
			break;
		usleep(1000);
	}
	if (i == 2000) {
		printf("# the line counted %llu bytes of %lu after 2 s\n",
		       (unsigned long long)st.rx_bytes, l->t.bytes_out);
		return -1;
	}
	fcntl(l->master, F_SETFL, fcntl(l->master, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

static void line_unblock(struct line *l)
{
	fcntl(l->master, F_SETFL, fcntl(l->master, F_GETFL) | O_NONBLOCK);
}

static int line_answers(struct line *l)
{
	static const uint8_t sel[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00 };
	uint8_t r[300];
	long n;

	if (line_settle(l))
		return -1;
	if (t0term_reset(&l->t, VUICC_T0_RESET_COLD))
		return -1;
	n = t0term_apdu(&l->t, sel, sizeof(sel), r, sizeof(r));
	return n > 4 && r[0] == 0x62 && r[n - 2] == 0x90 && r[n - 1] == 0 ? 0 : -1;
}

static uint64_t sent;
static unsigned long exchanges;

static void add(struct vuicc_t0_stats *t, const struct vuicc_t0_stats *s)
{
	t->apdus += s->apdus;
	t->resets += s->resets;
	t->pps_accepted += s->pps_accepted;
	t->pps_refused += s->pps_refused;
	t->timeouts += s->timeouts;
	t->unexpected += s->unexpected;
	t->invalid_ins += s->invalid_ins;
	t->aborted += s->aborted;
}

static void send_raw(struct line *l, const uint8_t *b, size_t n)
{
	if (!t0term_send(&l->t, b, n))
		sent += n;
}

/*
 * Now and then a whole exchange, as a modem would run it, so that the fuzz
 * also reaches what lies behind an ATR and a PPS: the command data phase
 * (byte by byte on a byte-wise line), the card's answers, GET RESPONSE.
 * Commands with their INS kept (P1, P2 and data mutated): the terminal
 * then reads P3 as the card does.
 */
static void exchange(struct line *l)
{
	uint8_t b[300], r[300];
	size_t n, i;
	int k;

	if (line_settle(l))
		return;
	if (!t0term_reset(&l->t, VUICC_T0_RESET_COLD)) {
		if (rn(2))
			t0term_pps(&l->t, rn(4) ? 0x96 : (uint8_t)rnd());
		for (k = 1 + rn(3); k > 0; k--) {
			n = (size_t)hex2bin(corpus[rn(NCORPUS)], b);
			/* P1, P2 and the data; P3 stays what the length says */
			for (i = 2; i < n; i++)
				if (i != 4 && rn(4) == 0)
					b[i] ^= (uint8_t)rnd();
			if (t0term_apdu(&l->t, b, n, r, sizeof(r)) < 0)
				break;
			exchanges++;
		}
	}
	line_unblock(l);
}

static void one_input(struct line *l)
{
	uint8_t b[300], drain[4096];
	uint32_t kind;
	size_t n, i;
	int m;

	switch (rn(10)) {
	case 0:		/* a reset of any kind, at any moment (rarely off: it silences all) */
		kind = rn(10) ? VUICC_T0_RESET_COLD + rn(2) : VUICC_T0_RESET_OFF;
		ioctl(l->slave, VUICC_T0_IOC_RESET, &kind);
		if (rn(3) == 0)
			exchange(l);
		break;
	case 1: case 2:	/* random bytes */
		n = 1 + rn(64);
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)rnd();
		send_raw(l, b, n);
		break;
	case 3:		/* a cut-off command */
		n = (size_t)hex2bin(corpus[rn(sizeof(corpus) / sizeof(corpus[0]))], b);
		send_raw(l, b, 1 + rn(n));
		break;
	default:	/* a real command or PPS, mutated */
		n = (size_t)hex2bin(corpus[rn(sizeof(corpus) / sizeof(corpus[0]))], b);
		for (m = rn(3); m > 0; m--)
			b[rn(n)] ^= (uint8_t)(1 << rn(8));
		send_raw(l, b, n);
		break;
	}
	/* what the card says is read and dropped, without waiting */
	t0term_drain(&l->t, drain, sizeof(drain), 0);
}

int main(int argc, char **argv)
{
	unsigned long count = 100000, i, checks = 0;
	unsigned int card = 1, reattach = 0;
	struct vuicc_t0_stats st, total = { 0 };
	struct timespec a, b;
	struct line l;
	int j;

	if (getenv("VUICC_T0_FUZZ_COUNT"))
		count = strtoul(getenv("VUICC_T0_FUZZ_COUNT"), NULL, 10);
	rng_state = 0x7001;
	for (j = 1; j < argc; j++) {
		if (!strcmp(argv[j], "--count") && j + 1 < argc)
			count = strtoul(argv[++j], NULL, 10);
		else if (!strcmp(argv[j], "--seed") && j + 1 < argc)
			rng_state = strtoull(argv[++j], NULL, 0) | 1;
		else if (!strcmp(argv[j], "--card") && j + 1 < argc)
			card = (unsigned int)strtoul(argv[++j], NULL, 10);
		else
			return fprintf(stderr, "usage: t0_fuzz [--count N] [--seed S] [--card C]\n"), 2;
	}
	if (system("vuiccctl profile del seed-master --card 1 >/dev/null 2>&1;"
		   "vuiccctl profile add tools/testing/profiles/seed-master.conf --card 1 "
		   ">/dev/null 2>&1 && vuiccctl profile enable seed-master --card 1 >/dev/null")) {
		printf("not ok - cannot install seed-master on card %u (vuiccctl on PATH?)\n", card);
		return 1;
	}
	if (line_open(&l, card, 0)) {
		printf("not ok - cannot attach card %u to a pty: %s\n", card, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		one_input(&l);
		if (i % 1000 == 999) {
			/* the terminal waits for answers here: blocking */
			fcntl(l.master, F_SETFL, fcntl(l.master, F_GETFL) & ~O_NONBLOCK);
			if (line_answers(&l)) {
				printf("not ok - after input %lu the line does not answer a cold reset "
				       "and SELECT MF\n", i);
				return 1;
			}
			checks++;
			fcntl(l.master, F_SETFL, fcntl(l.master, F_GETFL) | O_NONBLOCK);
		}
		if (i % 20000 == 19999 && i + 1 < count) {
			/* detach and attach again, in the middle of whatever runs */
			if (!ioctl(l.slave, VUICC_T0_IOC_GET_STATS, &st))
				add(&total, &st);
			ioctl(l.slave, VUICC_T0_IOC_DETACH);
			line_close(&l);
			/* every other attachment asks for data byte by byte */
			if (line_open(&l, card, reattach % 2 ? 0 : VUICC_T0_BYTEWISE)) {
				printf("not ok - cannot attach again after input %lu: %s\n", i,
				       strerror(errno));
				return 1;
			}
			reattach++;
		}
	}
	fcntl(l.master, F_SETFL, fcntl(l.master, F_GETFL) & ~O_NONBLOCK);
	if (line_answers(&l)) {
		printf("not ok - at the end the line does not answer\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* the answers' own bytes (the known exchanges) are in rx_bytes too */
	if (ioctl(l.slave, VUICC_T0_IOC_GET_STATS, &st)) {
		printf("not ok - GET_STATS: %s\n", strerror(errno));
		return 1;
	}
	add(&total, &st);
	printf("# %lu inputs (%lu whole exchanges), %llu bytes sent, %lu checks, %u re-attachments, "
	       "%.1f s; the lines: "
	       "%llu APDUs, %llu resets, %llu PPS, %llu timeouts, %llu unexpected, %llu invalid "
	       "INS, %llu aborted\n", count, exchanges, (unsigned long long)sent, checks, reattach,
	       (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	       (unsigned long long)total.apdus, (unsigned long long)total.resets,
	       (unsigned long long)(total.pps_accepted + total.pps_refused),
	       (unsigned long long)total.timeouts, (unsigned long long)total.unexpected,
	       (unsigned long long)total.invalid_ins, (unsigned long long)total.aborted);
	/* after an answered exchange nothing is in flight: every byte was counted, once */
	if (st.rx_bytes != l.t.bytes_out) {
		printf("not ok - the line counted %llu bytes, the terminal sent %lu\n",
		       (unsigned long long)st.rx_bytes, l.t.bytes_out);
		return 1;
	}
	line_close(&l);
	system("vuiccctl profile del seed-master --card 1 >/dev/null 2>&1");
	printf("ok - t0_fuzz: %lu inputs, the line answered every check\n", count);
	return 0;
}
