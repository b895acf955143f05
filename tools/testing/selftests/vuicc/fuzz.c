// SPDX-License-Identifier: GPL-2.0
/*
 * APDU fuzzing through /dev/vuiccN: random and mutated command APDUs, on
 * every logical channel, across power cycles, resets, PIN states and
 * profile switches; then the card must still answer a known sequence
 * exactly.  The debug kernel's KASAN/UBSAN/lockdep/kmemleak watch.
 *
 *   fuzz [--count N] [--seed S] [--card C]     (root, in the VM harness)
 *
 * The count defaults to $VUICC_FUZZ_COUNT or 20000; make soak runs 1000000.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

static uint64_t rng_state;

/* xorshift64*: small, fast, and the same sequence for the same seed */
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

/* Real commands to mutate: SELECTs, reads, updates, PINs, channels, CAT. */
static const char *const corpus[] = {
	"00A40004023F00", "00A40004022FE2", "00A4040410A0000000871002FFFFFFFF8907090000",
	"00A4040C07A0000000871002", "00A40804047FFF6F07", "00A4090C026FAD", "00A4030C",
	"00A4000C025FC0", "00A40004027F20", "00A40004026F3C", "80F2000000", "80F2010C",
	"80F2000100", "00B0000009", "00B0870009", "00B000000A", "00B2010420", "00B2020C04",
	"00B2000400", "00B2010200", "00B2010300", "00D68B000B1234567800F1100001FF00",
	"00DC0104B0", "00A2010402FFFF", "80320000030000FF", "0020000100",
	"002000010831323334FFFFFFFF", "0020008100", "00200001083131313131313131",
	"002400011031323334FFFFFFFF31323334FFFFFFFF", "002800010831323334FFFFFFFF",
	"002600010831323334FFFFFFFF", "002C000100", "0070000001", "0070800100",
	"00700002", "8010000005FFFFFFFFFF", "80AA000004A9028100", "80C2000006D30482028181",
	"8012000010", "801400000C810301130002028281830100", "0084000008", "00C0000010",
	"A0A40000027F20", "A0C0000016", "A0B0000009", "A0F2000016", "A020000108FFFFFFFFFFFFFFFF",
	"00880081221023553CBE9637A89D218AE64DAE47BF351055F328B43577B9B94A9FFAC354DFAFB300",
};

static int hex2bin(const char *h, uint8_t *b)
{
	int n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &b[n++]);
	return n;
}

static long xfer(int fd, const uint8_t *c, size_t len, uint8_t *r, size_t max)
{
	ssize_t n = write(fd, c, len);

	if (n < 0)
		return -errno;
	n = read(fd, r, max);
	return n < 0 ? -errno : n;
}

/* One fuzz APDU into @b; returns its length. */
static size_t make_apdu(uint8_t *b)
{
	static const uint8_t clas[] = { 0x00, 0x01, 0x02, 0x03, 0x80, 0x81, 0x82, 0x83,
					0xA0, 0x40, 0x41, 0xC0, 0x04, 0x0C, 0x60, 0xFF };
	size_t len, i;
	int m;

	switch (rn(4)) {
	case 0:		/* random bytes, any length */
		len = rn(300);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)rnd();
		return len;
	case 1:		/* a well-formed short APDU with random header and body */
		b[0] = clas[rn(sizeof(clas))];
		b[1] = (uint8_t)rnd();
		b[2] = (uint8_t)rnd();
		b[3] = (uint8_t)rnd();
		switch (rn(4)) {
		case 0:
			return 4;
		case 1:
			b[4] = (uint8_t)rnd();
			return 5;
		default:
			b[4] = 1 + rn(255);
			for (i = 0; i < b[4]; i++)
				b[5 + i] = (uint8_t)rnd();
			len = 5 + b[4];
			if (rn(2))
				b[len++] = (uint8_t)rnd();
			return len;
		}
	default:	/* a real command, mutated */
		len = hex2bin(corpus[rn(sizeof(corpus) / sizeof(corpus[0]))], b);
		for (m = rn(4); m > 0; m--) {
			switch (rn(4)) {
			case 0:
				b[rn(len)] = (uint8_t)rnd();
				break;
			case 1:
				b[rn(len)] ^= 1 << rn(8);
				break;
			case 2:
				if (len > 4)
					len--;
				break;
			default:
				if (len < 260)
					b[len++] = (uint8_t)rnd();
				break;
			}
		}
		if (rn(3) == 0)		/* on another channel */
			b[0] = (b[0] & 0xFC) | rn(4);
		return len;
	}
}

/* Runs a shell command with every "%C" replaced by the card number. */
static int run(const char *fmt, int card)
{
	char cmd[512], num[16];
	const char *p;
	size_t o = 0;

	snprintf(num, sizeof(num), "%d", card);
	for (p = fmt; *p && o + 16 < sizeof(cmd); p++) {
		if (p[0] == '%' && p[1] == 'C') {
			o += snprintf(cmd + o, sizeof(cmd) - o, "%s", num);
			p++;
		} else {
			cmd[o++] = *p;
		}
	}
	cmd[o] = '\0';
	return system(cmd);
}

/* The card answers this exactly, whatever came before (after a cold reset). */
static const char *const check_seq[][2] = {
	{ "00A4000C022FE2", "9000" },
	{ "00B000000A", "988812010000000010F89000" },
	{ "00A4040C10A0000000871002FFFFFFFF8907090000", "9000" },
	{ "00A4000C026FAD", "9000" },
	{ "00B0000004", "000000029000" },
	{ "80F2000C", "9000" },
	{ "00020000", "6D00" },
};

int main(int argc, char **argv)
{
	const char *env = getenv("VUICC_FUZZ_COUNT");
	unsigned long count = env ? strtoul(env, NULL, 0) : 20000, i, n_ok = 0, n_inval = 0;
	uint64_t seed = 20261123;
	uint8_t c[VUICC_CAPDU_MAX], r[VUICC_RAPDU_MAX], want[64];
	char path[32], hex[2 * 300 + 1];
	struct vuicc_reset rs;
	struct vuicc_atr atr;
	int card = 0, fd, fails = 0;
	unsigned int k;
	size_t len;
	long got;
	time_t t0 = time(NULL);

	for (k = 1; k < (unsigned int)argc; k++) {
		if (!strcmp(argv[k], "--count") && k + 1 < (unsigned int)argc)
			count = strtoul(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--seed") && k + 1 < (unsigned int)argc)
			seed = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--card") && k + 1 < (unsigned int)argc)
			card = atoi(argv[++k]);
	}
	rng_state = seed ? seed : 1;
	printf("# fuzz: %lu APDUs, seed %llu, card %d\n", count, (unsigned long long)seed, card);

	/* two profiles to switch between; PIN1 set on the master */
	run("vuiccctl profile add tools/testing/profiles/seed-master.conf --card %C >/dev/null 2>&1;"
	    "vuiccctl profile add tools/testing/profiles/seed-standby-xor.conf --card %C >/dev/null 2>&1",
	    card);
	if (run("vuiccctl profile enable seed-master --card %C", card)) {
		printf("not ok - cannot install the profiles (run from the checkout, in the VM)\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/vuicc%d", card);
	fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr)) {
		printf("not ok - %s: %s\n", path, strerror(errno));
		return 1;
	}

	for (i = 0; i < count; i++) {
		/* now and then: a reset, a power cycle, a profile switch */
		switch (rn(2000)) {
		case 0:
			memset(&rs, 0, sizeof(rs));
			rs.flags = rn(2) ? VUICC_RESET_COLD : VUICC_RESET_WARM;
			ioctl(fd, VUICC_IOC_RESET, &rs);
			break;
		case 1:
			ioctl(fd, VUICC_IOC_POWER_OFF);
			ioctl(fd, VUICC_IOC_POWER_ON, &atr);
			break;
		case 2:
			close(fd);
			run(rn(2) ? "vuiccctl profile enable seed-standby-1 --card %C >/dev/null" :
				    "vuiccctl profile enable seed-master --card %C >/dev/null", card);
			fd = open(path, O_RDWR);
			if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr)) {
				printf("not ok - reopen after a switch: %s\n", strerror(errno));
				return 1;
			}
			break;
		}
		len = make_apdu(c);
		got = xfer(fd, c, len, r, sizeof(r));
		if (got >= 2) {
			n_ok++;
		} else if (got == -EINVAL) {
			n_inval++;	/* inconsistent lengths, refused by the framing */
		} else {
			for (k = 0; k < len && k < 300; k++)
				sprintf(hex + 2 * k, "%02X", c[k]);
			printf("not ok - APDU %lu (%s): %s\n", i, hex,
			       got < 0 ? strerror((int)-got) : "short response");
			fails++;
			if (fails > 10)
				break;
		}
	}
	printf("# %lu answered, %lu refused as malformed, %lu s\n", n_ok, n_inval,
	       (unsigned long)(time(NULL) - t0));

	/* afterwards: the master profile, a cold reset, a known sequence */
	close(fd);
	run("vuiccctl profile enable seed-master --card %C >/dev/null", card);
	fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr)) {
		printf("not ok - reopen: %s\n", strerror(errno));
		return 1;
	}
	for (k = 0; k < sizeof(check_seq) / sizeof(check_seq[0]); k++) {
		len = hex2bin(check_seq[k][0], c);
		got = xfer(fd, c, len, r, sizeof(r));
		if (got != hex2bin(check_seq[k][1], want) || memcmp(r, want, got)) {
			printf("not ok - after fuzzing, %s did not answer %s\n",
			       check_seq[k][0], check_seq[k][1]);
			fails++;
		}
	}
	close(fd);
	run("vuiccctl profile del seed-master --card %C >/dev/null;"
	    "vuiccctl profile del seed-standby-1 --card %C >/dev/null", card);
	printf("%s - fuzz: %lu APDUs, then the known sequence\n", fails ? "not ok" : "ok", count);
	return fails ? 1 : 0;
}
