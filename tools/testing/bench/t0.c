// SPDX-License-Identifier: GPL-2.0
/*
 * The card on a T=0 line, timed: a modem's boot reads and one AUTHENTICATE
 * (a valid libosmocore vector), at F/D = 372/1 and at the F/D that PPS
 * reaches (TA1), over a pty whose slave carries the line discipline.  For
 * each, the wire time a real UART would take (bytes x 12 etu: 10 bits and
 * the guard time) beside the card's turnaround (the command's last byte
 * out of the terminal to the card's first procedure byte in): p50, p99,
 * the NULL bytes sent, and the share of the exchange spent in the card.
 * A pty moves bytes at once, so the turnaround is the software's alone.
 *
 *   t0 [--card N] [--rounds N] [--clock HZ] [--json]     (root, in the VM)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>
#include <osmocom/crypt/auth.h>

#include "../lib/t0term.h"
#include "../selftests/vuicc/vuicc_auc.h"

#define MAX_TURNS	200000

struct series {
	double *ns;
	unsigned long n;
};

static void turn(void *arg, uint64_t ns)
{
	struct series *s = arg;

	if (s->n < MAX_TURNS)
		s->ns[s->n++] = (double)ns;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct series *s, double p)
{
	if (!s->n)
		return 0;
	qsort(s->ns, s->n, sizeof(double), cmp);
	return s->ns[(unsigned long)(p * (double)(s->n - 1))];
}

static double sum(const struct series *s)
{
	double t = 0;
	unsigned long i;

	for (i = 0; i < s->n; i++)
		t += s->ns[i];
	return t;
}

struct result {
	const char *mode, *exchange;
	unsigned int f, d;
	unsigned long tpdus, bytes, nulls;
	double wire_ms, card_ms, p50_us, p99_us;
};

static int line_open(int card, unsigned int clock, int *master, int *slave)
{
	struct vuicc_t0_attach a = { .card_id = (uint32_t)card, .clock_hz = clock };
	int ldisc = VUICC_T0_LDISC;
	struct termios tio;
	char name[64];

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || grantpt(*master) || unlockpt(*master) ||
	    ptsname_r(*master, name, sizeof(name)))
		return -1;
	*slave = open(name, O_RDWR | O_NOCTTY);
	if (*slave < 0 || tcgetattr(*master, &tio))
		return -1;
	cfmakeraw(&tio);
	tcsetattr(*master, TCSANOW, &tio);
	return ioctl(*slave, TIOCSETD, &ldisc) || ioctl(*slave, VUICC_T0_IOC_ATTACH, &a) ? -1 : 0;
}

/* The reads of a modem at boot, as netsim's modem does them. */
static int boot_reads(struct t0term *t)
{
	static const char *const apdus[] = {
		"00A40004023F00", "00A40804022FE2", "00B000000A", "00A40804022F00",
		"00B2010426", "00A4040410A0000000871002FFFFFFFF8907090000", "00A40804047FFF6F07",
		"00B0000009", "00A40804047FFF6FAD", "00B0000004", "00A40804047FFF6F7B",
		"00B000000C", "00A40804047FFF6F38", "00B0000004", "00A40804047FFF6F7E",
		"00B000000B", "00A40804047FFF6F73", "00B000000E", "00A40804047FFF6FE3",
		"00B0000012",
	};
	uint8_t c[300], r[300];
	size_t i;
	long n;

	for (i = 0; i < sizeof(apdus) / sizeof(apdus[0]); i++) {
		const char *h = apdus[i];
		int k = 0;

		for (; h[0] && h[1]; h += 2)
			sscanf(h, "%2hhx", &c[k++]);
		n = t0term_apdu(t, c, (size_t)k, r, sizeof(r));
		if (n < 2)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int clock = 3571200, rounds = 50, ri, mode, j;
	int card = 61, json = 0, master, slave, a;
	uint64_t rng = 0x70b;
	struct osmo_sub_auth_data aud;
	struct osmo_auth_vector vec;
	struct result res[4];
	struct series boot = { 0 }, auth = { 0 };
	struct t0term t;
	uint8_t k[16], opc[16], rand[16], c[5 + 34], r[300];
	char cmd[128];
	long n;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--card") && a + 1 < argc)
			card = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--rounds") && a + 1 < argc)
			rounds = (unsigned int)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--clock") && a + 1 < argc)
			clock = (unsigned int)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--json"))
			json = 1;
		else
			return fprintf(stderr, "usage: t0 [--card N] [--rounds N] [--clock HZ] [--json]\n"), 2;
	}
	boot.ns = calloc(MAX_TURNS, sizeof(double));
	auth.ns = calloc(MAX_TURNS, sizeof(double));
	snprintf(cmd, sizeof(cmd), "vuiccctl card add %d >/dev/null", card);
	if (!boot.ns || !auth.ns || system(cmd)) {
		fprintf(stderr, "t0: cannot create card %d\n", card);
		return 1;
	}
	auc_rnd_bytes(&rng, k, 16);
	auc_rnd_bytes(&rng, opc, 16);
	if (auc_add_profile("bencht0", card, 0, 0, 5, k, opc)) {
		fprintf(stderr, "t0: cannot install the profile\n");
		return 1;
	}
	memset(&aud, 0, sizeof(aud));
	aud.type = OSMO_AUTH_TYPE_UMTS;
	aud.algo = OSMO_AUTH_ALG_MILENAGE;
	memcpy(aud.u.umts.k, k, 16);
	memcpy(aud.u.umts.opc, opc, 16);
	aud.u.umts.ind_bitlen = 5;
	aud.u.umts.sqn = 0x100;
	if (line_open(card, clock, &master, &slave)) {
		fprintf(stderr, "t0: cannot attach card %d to a pty: %s\n", card, strerror(errno));
		return 1;
	}
	t0term_init(&t, master, slave, clock);

	for (mode = 0; mode < 2; mode++) {
		unsigned long b0, n0, tp_boot = 0, tp_auth = 0;
		double bytes_boot = 0, bytes_auth = 0;
		unsigned long nulls_boot = 0, nulls_auth = 0;

		boot.n = auth.n = 0;
		for (ri = 0; ri < rounds; ri++) {
			if (t0term_reset(&t, VUICC_T0_RESET_COLD)) {
				fprintf(stderr, "t0: no ATR\n");
				return 1;
			}
			if (mode == 1 && t0term_pps(&t, t.atr[2]) != 1) {
				fprintf(stderr, "t0: PPS %02X refused\n", t.atr[2]);
				return 1;
			}
			t.turn_ns = turn;
			t.turn_arg = &boot;
			b0 = t.bytes_in + t.bytes_out;
			n0 = t.nulls;
			j = (unsigned int)boot.n;
			if (boot_reads(&t)) {
				fprintf(stderr, "t0: the boot reads failed\n");
				return 1;
			}
			tp_boot += boot.n - j;
			bytes_boot += (double)(t.bytes_in + t.bytes_out - b0);
			nulls_boot += t.nulls - n0;

			/* AUTHENTICATE: case 3, then GET RESPONSE */
			auc_rnd_bytes(&rng, rand, 16);
			aud.u.umts.ind = ri % 32;
			if (osmo_auth_gen_vec(&vec, &aud, rand))
				return 1;
			memcpy(c, "\x00\x88\x00\x81\x22\x10", 6);
			memcpy(c + 6, rand, 16);
			c[22] = 0x10;
			memcpy(c + 23, vec.autn, 16);
			t.turn_arg = &auth;
			b0 = t.bytes_in + t.bytes_out;
			n0 = t.nulls;
			j = (unsigned int)auth.n;
			n = t0term_apdu(&t, c, sizeof(c), r, sizeof(r));
			if (n < 4 || r[0] != 0xDB || r[1] != vec.res_len ||
			    memcmp(r + 2, vec.res, vec.res_len)) {
				fprintf(stderr, "t0: AUTHENTICATE: no RES or not libosmocore's\n");
				return 1;
			}
			explicit_bzero(r, sizeof(r));
			tp_auth += auth.n - j;
			bytes_auth += (double)(t.bytes_in + t.bytes_out - b0);
			nulls_auth += t.nulls - n0;
			t.turn_ns = NULL;
		}
		for (j = 0; j < 2; j++) {
			struct result *x = &res[mode * 2 + j];
			struct series *s = j ? &auth : &boot;
			double etu_s = (double)t.f / t.d / clock;

			x->mode = mode ? "PPS" : "default";
			x->exchange = j ? "AUTHENTICATE" : "boot reads";
			x->f = t.f;
			x->d = t.d;
			x->tpdus = (j ? tp_auth : tp_boot) / rounds;
			x->bytes = (unsigned long)((j ? bytes_auth : bytes_boot) / rounds);
			x->nulls = j ? nulls_auth : nulls_boot;
			x->wire_ms = (double)x->bytes * 12 * etu_s * 1e3;
			x->card_ms = sum(s) / rounds / 1e6;
			x->p50_us = pct(s, 0.50) / 1e3;
			x->p99_us = pct(s, 0.99) / 1e3;
		}
	}
	explicit_bzero(&aud, sizeof(aud));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(opc, sizeof(opc));
	ioctl(slave, VUICC_T0_IOC_DETACH);
	close(slave);
	close(master);
	snprintf(cmd, sizeof(cmd), "vuiccctl card del %d >/dev/null", card);
	if (system(cmd))
		fprintf(stderr, "t0: cannot remove card %d\n", card);

	if (json) {
		printf("{\"clock_hz\":%u,\"rounds\":%u,\"results\":[", clock, rounds);
		for (j = 0; j < 4; j++)
			printf("%s{\"mode\":\"%s\",\"exchange\":\"%s\",\"f\":%u,\"d\":%u,\"turns\":%lu,"
			       "\"bytes\":%lu,\"wire_ms\":%.3f,\"card_ms\":%.3f,\"turn_p50_us\":%.1f,"
			       "\"turn_p99_us\":%.1f,\"nulls\":%lu,\"card_share\":%.4f}", j ? "," : "",
			       res[j].mode, res[j].exchange, res[j].f, res[j].d, res[j].tpdus,
			       res[j].bytes, res[j].wire_ms, res[j].card_ms, res[j].p50_us,
			       res[j].p99_us, res[j].nulls,
			       res[j].card_ms / (res[j].card_ms + res[j].wire_ms));
		printf("]}\n");
		return 0;
	}
	printf("T=0 at %u Hz, %u rounds (per round: the boot reads, one AUTHENTICATE)\n", clock, rounds);
	printf("%-8s %-13s %-8s %5s %6s %9s %9s %10s %10s %5s %6s\n", "F/D", "exchange", "", "turns",
	       "bytes", "wire ms", "card ms", "turn p50", "turn p99", "NULLs", "card");
	for (j = 0; j < 4; j++)
		printf("%4u/%-3u %-13s %-8s %5lu %6lu %9.2f %9.2f %8.0fus %8.0fus %5lu %5.1f%%\n",
		       res[j].f, res[j].d, res[j].exchange, res[j].mode, res[j].tpdus, res[j].bytes,
		       res[j].wire_ms, res[j].card_ms, res[j].p50_us, res[j].p99_us, res[j].nulls,
		       100 * res[j].card_ms / (res[j].card_ms + res[j].wire_ms));
	return 0;
}
