// SPDX-License-Identifier: GPL-2.0
/*
 * The card against an independent network: libosmocore (Debian
 * libosmocore-dev) is the AuC.  For many profiles with random K and OPc
 * (MILENAGE) or K (XOR-3G), random RAND, SQN steps and IND slots, it makes
 * authentication vectors; the card must answer AUTHENTICATE with exactly
 * their RES, CK, IK and Kc (and SRES, Kc in the GSM context).  A replayed
 * AUTN must give a synchronisation failure whose AUTS libosmocore accepts
 * (osmo_auth_gen_vec_auts), and the vector it then makes must succeed; a
 * MAC with one bit flipped must give 9862 and change nothing.
 *
 *   osmo_auth [--count N] [--seed S] [--card C]    (root, in the VM harness)
 *
 * Keys are random, live in /tmp (tmpfs) for the time of vuiccctl profile
 * add, and are never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>
#include "vuicc_auc.h"
#include <osmocom/crypt/auth.h>

#define CHALLENGES_PER_PROFILE	100
#define IND_BITS		5

static uint64_t rng;

struct stats {
	unsigned long challenges, xor_challenges, gsm, replays, resyncs, mac_flips, mismatches;
};

static int mismatch(struct stats *st, unsigned long n, const char *what)
{
	st->mismatches++;
	if (st->mismatches <= 20)
		printf("not ok - challenge %lu: %s\n", n, what);
	return -1;
}

/* Checks a DB answer against the vector: RES, CK, IK, Kc. */
static int check_success(struct stats *st, unsigned long n, const uint8_t *r, int len,
			 const struct osmo_auth_vector *v)
{
	int o = 2;

	if (len < 2 + 1 + v->res_len + 1 + 16 + 1 + 16 + 2 || r[0] != 0xDB) {
		char sw[8] = "?";

		if (len >= 2)
			snprintf(sw, sizeof(sw), "%02X%02X", r[len - 2], r[len - 1]);
		printf("# challenge %lu: answered %d bytes ending %s\n", n, len, sw);
		return mismatch(st, n, "not a successful AUTHENTICATE");
	}
	if (r[1] != v->res_len || memcmp(r + o, v->res, v->res_len))
		return mismatch(st, n, "RES differs from the AuC's XRES");
	o += v->res_len;
	if (r[o] != 16 || memcmp(r + o + 1, v->ck, 16))
		return mismatch(st, n, "CK differs");
	o += 17;
	if (r[o] != 16 || memcmp(r + o + 1, v->ik, 16))
		return mismatch(st, n, "IK differs");
	o += 17;
	if (r[o] != 8 || memcmp(r + o + 1, v->kc, 8))
		return mismatch(st, n, "Kc differs");
	if (r[len - 2] != 0x90 || r[len - 1] != 0x00)
		return mismatch(st, n, "no 9000");
	return 0;
}

/*
 * The AuC's next SQN (TS 33.102 Annex C.1.1: SEQ + 1 in the chosen IND
 * slot).  libosmocore 1.7 does this for MILENAGE; for XOR it uses the SQN
 * as given, so the test does it.
 */
static void xor_next_sqn(struct osmo_sub_auth_data *aud, int xor)
{
	if (xor)
		aud->u.umts.sqn = (((aud->u.umts.sqn >> IND_BITS) + 1) << IND_BITS) |
				  aud->u.umts.ind;
}

int main(int argc, char **argv)
{
	const char *env = getenv("VUICC_AUTH_COUNT");
	unsigned long count = env ? strtoul(env, NULL, 0) : 10000, n = 0;
	uint64_t seed = (uint64_t)time(NULL);
	struct osmo_sub_auth_data aud;
	struct osmo_auth_vector v, v2;
	struct vuicc_atr atr;
	struct stats st = { 0 };
	uint8_t rand[16], rand2[16], autn[16], k[16], opc[16], r[300], c[32];
	char dev[32], cmdline[128];
	int card = 58, prof = 0, fd, len, i, xor;
	unsigned int round;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--card") && i + 1 < argc)
			card = atoi(argv[++i]);
	}
	rng = seed ? seed : 1;
	printf("# osmo_auth: %lu challenges, seed %llu, libosmocore as the AuC\n", count,
	       (unsigned long long)seed);
	snprintf(cmdline, sizeof(cmdline), "vuiccctl card del %d 2>/dev/null; vuiccctl card add %d >/dev/null",
		 card, card);
	if (system(cmdline)) {
		printf("not ok - cannot create card %d\n", card);
		return 1;
	}
	snprintf(dev, sizeof(dev), "/dev/vuicc%d", card);

	while (n < count) {
		/* a new subscriber: every fifth uses the XOR test algorithm */
		xor = prof % 5 == 4;
		auc_rnd_bytes(&rng, k, 16);
		auc_rnd_bytes(&rng, opc, 16);
		if (auc_add_profile("osmo", card, prof, xor, IND_BITS, k, opc)) {
			printf("not ok - cannot install profile %d\n", prof);
			return 1;
		}
		memset(&aud, 0, sizeof(aud));
		aud.type = OSMO_AUTH_TYPE_UMTS;
		aud.algo = xor ? OSMO_AUTH_ALG_XOR : OSMO_AUTH_ALG_MILENAGE;
		memcpy(aud.u.umts.k, k, 16);
		memcpy(aud.u.umts.opc, opc, 16);
		aud.u.umts.ind_bitlen = IND_BITS;
		aud.u.umts.sqn = auc_rnd(&rng) & 0xFFFFFFFFFULL;	/* a random start */
		explicit_bzero(k, sizeof(k));
		explicit_bzero(opc, sizeof(opc));

		fd = open(dev, O_RDWR);
		if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr) || auc_select_usim(fd)) {
			printf("not ok - %s: cannot select the USIM\n", dev);
			return 1;
		}
		for (round = 0; round < CHALLENGES_PER_PROFILE && n < count; round++, n++) {
			aud.u.umts.ind = auc_rnd(&rng) % (1u << IND_BITS);
			if (auc_rnd(&rng) % 8 == 0)	/* the network skips some SQNs */
				aud.u.umts.sqn += (auc_rnd(&rng) % 64) << IND_BITS;
			aud.u.umts.amf[0] = (uint8_t)auc_rnd(&rng);
			aud.u.umts.amf[1] = (uint8_t)auc_rnd(&rng);
			auc_rnd_bytes(&rng, rand, 16);
			xor_next_sqn(&aud, xor);
			if (osmo_auth_gen_vec(&v, &aud, rand)) {
				printf("not ok - libosmocore could not make a vector\n");
				return 1;
			}
			memcpy(autn, v.autn, 16);
			st.challenges++;
			st.xor_challenges += xor;
			/* a flipped MAC bit first: 9862, and nothing changes */
			if (auc_rnd(&rng) % 10 == 0) {
				autn[8 + auc_rnd(&rng) % 8] ^= 1 << (auc_rnd(&rng) % 8);
				len = auc_authenticate(fd, rand, autn, r, sizeof(r));
				if (len != 2 || r[0] != 0x98 || r[1] != 0x62)
					mismatch(&st, n, "a flipped MAC bit was not 9862");
				memcpy(autn, v.autn, 16);
				st.mac_flips++;
			}
			len = auc_authenticate(fd, rand, autn, r, sizeof(r));
			if (check_success(&st, n, r, len, &v))
				continue;

			/* the GSM context for the same RAND */
			if (auc_rnd(&rng) % 4 == 0) {
				memcpy(c, "\x00\x88\x00\x80\x11\x10", 6);
				memcpy(c + 6, rand, 16);
				len = auc_apdu(fd, c, 22, r, sizeof(r));
				if (len != 16 || r[0] != 4 || memcmp(r + 1, v.sres, 4) ||
				    r[5] != 8 || memcmp(r + 6, v.kc, 8))
					mismatch(&st, n, "GSM context SRES/Kc differ");
				st.gsm++;
			}

			/* a replay: sync failure; libosmocore takes the AUTS and resyncs */
			if (auc_rnd(&rng) % 20 == 0) {
				len = auc_authenticate(fd, rand, autn, r, sizeof(r));
				st.replays++;
				if (len != 18 || r[0] != 0xDC || r[1] != 14) {
					mismatch(&st, n, "a replayed AUTN was not a sync failure");
					continue;
				}
				auc_rnd_bytes(&rng, rand2, 16);
				/*
				 * libosmocore's XOR (1.7 and its master today)
				 * checks MAC-S with the new RAND instead of the
				 * RAND of the failed challenge, and does not step
				 * the SQN: give it the failed RAND twice, then
				 * make the fresh vector from the SQN_MS it found.
				 */
				if (osmo_auth_gen_vec_auts(&v2, &aud, r + 2, rand,
							   xor ? rand : rand2)) {
					mismatch(&st, n, "libosmocore refused the card's AUTS");
					continue;
				}
				if (xor) {
					aud.u.umts.sqn = aud.u.umts.sqn_ms;
					xor_next_sqn(&aud, xor);
					if (osmo_auth_gen_vec(&v2, &aud, rand2))
						return 1;
				}
				len = auc_authenticate(fd, rand2, v2.autn, r, sizeof(r));
				if (!check_success(&st, n, r, len, &v2))
					st.resyncs++;
			}
		}
		explicit_bzero(&aud, sizeof(aud));
		close(fd);
		snprintf(cmdline, sizeof(cmdline), "vuiccctl profile del osmo%d --card %d", prof, card);
		if (system(cmdline))
			printf("not ok - profile del osmo%d\n", prof);
		prof++;
	}
	snprintf(cmdline, sizeof(cmdline), "vuiccctl card del %d", card);
	system(cmdline);
	printf("# %d profiles, %lu challenges (%lu MILENAGE, %lu XOR-3G), %lu GSM contexts, "
	       "%lu replays, %lu resynchronisations, %lu flipped MACs, seed %llu\n",
	       prof, st.challenges, st.challenges - st.xor_challenges, st.xor_challenges, st.gsm,
	       st.replays, st.resyncs, st.mac_flips,
	       (unsigned long long)seed);
	printf("%s - osmo_auth: %lu mismatches\n", st.mismatches ? "not ok" : "ok", st.mismatches);
	return st.mismatches ? 1 : 0;
}
