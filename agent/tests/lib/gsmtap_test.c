// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests: the GSMTAP and pcap encoders of vuiccctl trace, and the
 * T=0 line's rate arithmetic and tty paths.  tshark reads what these make
 * in the VM test (trace.sh); here, byte for byte against the formats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gsmtap.h"
#include "lib/t0_line.h"
#include "../testlib.h"

static size_t hex(const char *h, uint8_t *b)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned int v;

		sscanf(h, "%2x", &v);
		b[n++] = (uint8_t)v;
	}
	return n;
}

static void test_gsmtap_header(void)
{
	uint8_t out[64], atr[] = { 0x3B, 0x9A, 0x96 };
	size_t n = gsmtap_sim(out, sizeof(out), GSMTAP_SIM_ATR, atr, sizeof(atr));

	/* libosmocore gsmtap.h: version 2, length in words, type SIM, sub-type at 12 */
	CHECK(n == 16 + 3);
	CHECK(out[0] == 2 && out[1] == 4 && out[2] == 0x04 && out[12] == 0x01);
	CHECK(out[3] == 0 && out[8] == 0 && out[13] == 0);
	CHECK_MEM(out + 16, atr, 3);
	/* too small a buffer: nothing */
	CHECK(gsmtap_sim(out, 18, GSMTAP_SIM_ATR, atr, sizeof(atr)) == 0);
	CHECK(gsmtap_sim(out, 19, GSMTAP_SIM_ATR, atr, sizeof(atr)) == 19);
	CHECK(gsmtap_sim(out, 8, GSMTAP_SIM_APDU, atr, 0) == 0);
}

struct apdu_case {
	const char *cmd, *rsp, *payload;
};

static void test_apdu_payload(void)
{
	static const struct apdu_case cases[] = {
		/* case 1 gets P3 = 00 */
		{ "00A4030C", "9000", "00A4030C009000" },
		/* case 2 */
		{ "00B0000009", "98001000000000001F9000", "00B000000998001000000000001F9000" },
		/* case 3 */
		{ "00A40004023F00", "6128", "00A40004023F006128" },
		/* case 4 loses its Le */
		{ "00A40004023F0000", "6128", "00A40004023F006128" },
		/* extended lengths have no T=0 shape */
		{ "00B00000000100", "6700", NULL },
		{ "00A400", "9000", NULL },
		{ "00A40004023F", "9000", NULL },
		{ "00A4000C", "90", NULL },
	};
	uint8_t c[300], r[300], want[600], out[600];
	size_t i, cl, rl, wl, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cl = hex(cases[i].cmd, c);
		rl = hex(cases[i].rsp, r);
		n = gsmtap_sim_apdu_payload(out, sizeof(out), c, cl, r, rl);
		if (!cases[i].payload) {
			CHECK(n == 0);
			continue;
		}
		wl = hex(cases[i].payload, want);
		CHECK(n == wl);
		CHECK_MEM(out, want, wl);
	}
	/* a buffer one byte short */
	cl = hex("00A40004023F00", c);
	rl = hex("6128", r);
	CHECK(gsmtap_sim_apdu_payload(out, 8, c, cl, r, rl) == 0);
	CHECK(gsmtap_sim_apdu_payload(out, 9, c, cl, r, rl) == 9);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_pcap(void)
{
	uint8_t h[PCAP_HDR_LEN], rec[200], msg[20] = { 2, 4, 4 };
	uint32_t sum = 0;
	size_t n, i;

	pcap_file_header(h);
	CHECK(le32(h) == 0xA1B23C4D);		/* nanosecond pcap */
	CHECK(h[4] == 2 && h[6] == 4 && le32(h + 20) == 228);	/* LINKTYPE_IPV4 */
	n = pcap_gsmtap_record(rec, sizeof(rec), 1700000000123456789ull, msg, sizeof(msg));
	CHECK(n == 16 + 28 + 20);
	CHECK(le32(rec) == 1700000000u && le32(rec + 4) == 123456789u);
	CHECK(le32(rec + 8) == 48 && le32(rec + 12) == 48);
	CHECK(rec[16] == 0x45 && rec[25] == 17);		/* IPv4, UDP */
	CHECK((rec[18] << 8 | rec[19]) == 48);
	/* the IPv4 header sums to FFFF with its checksum */
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(rec[16 + i] << 8 | rec[16 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	CHECK(sum == 0xFFFF);
	CHECK((rec[36] << 8 | rec[37]) == 4729 && (rec[38] << 8 | rec[39]) == 4729);
	CHECK((rec[40] << 8 | rec[41]) == 28);
	CHECK_MEM(rec + 44, msg, sizeof(msg));
	CHECK(pcap_gsmtap_record(rec, 63, 0, msg, sizeof(msg)) == 0);
	CHECK(pcap_gsmtap_record(rec, 64, 0, msg, sizeof(msg)) == 64);
}

static void test_t0_rates(void)
{
	/* 3.5712 MHz / 372 = 9600 = 115200 / 12 */
	CHECK(t0_line_uart_rate(9600, 115200) == 9600);
	CHECK(t0_line_error_ppm(9600, 9600) == 0);
	/* 4 MHz / 372 = 10753: 115200 / 11 = 10472, 2.6 % off */
	CHECK(t0_line_uart_rate(10753, 115200) == 10472);
	CHECK(t0_line_error_ppm(10753, 10472) > T0_LINE_TOLERANCE_PPM);
	/* 223200 (F/D 512/32) from 115200: divisor 1, far off */
	CHECK(t0_line_uart_rate(223200, 115200) == 115200);
	/* a base of 0 reaches anything */
	CHECK(t0_line_uart_rate(12345, 0) == 12345);
	CHECK(t0_line_uart_rate(500000, 115200) == 0);	/* beyond the base: none */
	CHECK(t0_line_error_ppm(0, 5) == 1000000);
}

static void test_t0_paths(void)
{
	char p[64];

	t0_line_dev_path("pts3", p, sizeof(p));
	CHECK(!strcmp(p, "/dev/pts/3"));
	t0_line_dev_path("ttyS1", p, sizeof(p));
	CHECK(!strcmp(p, "/dev/ttyS1"));
	t0_line_dev_path("ptsx", p, sizeof(p));
	CHECK(!strcmp(p, "/dev/ptsx"));
	t0_line_dev_path("ttyUSB0", p, 8);
	CHECK(!strcmp(p, "/dev/tt"));
}

/* Random input never makes the encoders write past their buffers (ASan). */
static void test_random(void)
{
	uint8_t c[300], r[300], out[600];
	unsigned int seed = 1, i, j, over = 0, made = 0;
	size_t cl, rl, max, n;

	for (i = 0; i < 200000; i++) {
		cl = (size_t)rand_r(&seed) % sizeof(c);
		rl = (size_t)rand_r(&seed) % sizeof(r);
		for (j = 0; j < cl; j++)
			c[j] = (uint8_t)rand_r(&seed);
		if (cl > 4 && rand_r(&seed) % 2)
			cl = 5 + c[4];	/* a well-formed case 3 now and then */
		for (j = 0; j < rl; j++)
			r[j] = (uint8_t)rand_r(&seed);
		max = (size_t)rand_r(&seed) % sizeof(out);
		n = gsmtap_sim_apdu_payload(out, max, c, cl, r, rl);
		over += n > max;
		made += n > 0;
		n = gsmtap_sim(out, max, 0, c, cl);
		over += n > max || (n && n != cl + GSMTAP_HDR_LEN);
	}
	CHECK(over == 0);
	CHECK(made > 1000);	/* the loop reached the encoding, not just the refusals */
}

int main(void)
{
	RUN(test_gsmtap_header);
	RUN(test_apdu_payload);
	RUN(test_pcap);
	RUN(test_t0_rates);
	RUN(test_t0_paths);
	RUN(test_random);
	DONE();
}
