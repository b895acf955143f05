// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: hex parsing and printing of APDUs. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/hex.h"
#include "../testlib.h"

static void test_decode_plain(void)
{
	uint8_t b[8];

	CHECK(hex_decode("00A40004023F00", b, sizeof(b)) == 7);
	CHECK_MEM(b, "\x00\xA4\x00\x04\x02\x3F\x00", 7);
	CHECK(hex_decode("a0c0000016", b, sizeof(b)) == 5);
	CHECK(b[0] == 0xA0 && b[4] == 0x16);
	CHECK(hex_decode("", b, sizeof(b)) == 0);
}

static void test_decode_separators(void)
{
	uint8_t b[8];

	CHECK(hex_decode("00 a4:00\t04", b, sizeof(b)) == 4);
	CHECK_MEM(b, "\x00\xA4\x00\x04", 4);
	/* a separator may not split a byte */
	CHECK(hex_decode("0 0", b, sizeof(b)) == -1);
}

static void test_decode_garbage(void)
{
	uint8_t b[4];

	CHECK(hex_decode("0", b, sizeof(b)) == -1);		/* odd digits */
	CHECK(hex_decode("0g", b, sizeof(b)) == -1);		/* not hex */
	CHECK(hex_decode("0x00", b, sizeof(b)) == -1);		/* no prefix */
	CHECK(hex_decode("0011223344", b, sizeof(b)) == -1);	/* too long */
	CHECK(hex_decode("00112233", b, sizeof(b)) == 4);	/* exactly full */
	CHECK(hex_decode("\xff\xfe", b, sizeof(b)) == -1);	/* bytes >= 0x80 */
}

static void test_encode(void)
{
	char s[16];

	hex_encode((const uint8_t *)"\x3B\x9a\x00", 3, s);
	CHECK(strcmp(s, "3B9A00") == 0);
	hex_encode((const uint8_t *)"", 0, s);
	CHECK(s[0] == '\0');
}

/* decode(encode(x)) == x for random buffers (fixed seed) */
static void test_round_trip_random(void)
{
	uint8_t in[64], out[64];
	char s[2 * 64 + 1];
	unsigned int seed = 12345;
	int i, j;
	size_t n;

	for (i = 0; i < 2000; i++) {
		n = rand_r(&seed) % sizeof(in);
		for (j = 0; j < (int)n; j++)
			in[j] = (uint8_t)rand_r(&seed);
		hex_encode(in, n, s);
		CHECK(hex_decode(s, out, sizeof(out)) == (long)n);
		CHECK_MEM(in, out, n);
	}
}

int main(void)
{
	RUN(test_decode_plain);
	RUN(test_decode_separators);
	RUN(test_decode_garbage);
	RUN(test_encode);
	RUN(test_round_trip_random);
	DONE();
}
