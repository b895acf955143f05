/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libosmocore AuC test (osmo_auth) and the authentication
 * benchmark (bench/auth): a small PRNG for reproducible runs, a MILENAGE or
 * XOR-3G profile installed with random keys through vuiccctl, and
 * AUTHENTICATE through /dev/vuiccN as a modem sends it (T=0: case 3, then
 * GET RESPONSE after 61xx).
 */
#ifndef VUICC_AUC_H
#define VUICC_AUC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* xorshift64*: the seed printed by a run reproduces it */
static inline uint64_t auc_rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline void auc_rnd_bytes(uint64_t *s, uint8_t *b, size_t n)
{
	while (n--)
		*b++ = (uint8_t)auc_rnd(s);
}

/* One APDU, with GET RESPONSE after 61xx; returns the R-APDU length or -1. */
static inline int auc_apdu(int fd, const uint8_t *c, size_t len, uint8_t *r, size_t max)
{
	uint8_t gr[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
	ssize_t n;

	if (write(fd, c, len) != (ssize_t)len)
		return -1;
	n = read(fd, r, max);
	if (n == 2 && r[0] == 0x61) {
		gr[4] = r[1];
		if (write(fd, gr, 5) != 5)
			return -1;
		n = read(fd, r, max);
	}
	return (int)n;
}

/* USIM AUTHENTICATE, 3G context (TS 31.102 §7.1.2.1) */
static inline int auc_authenticate(int fd, const uint8_t *rand, const uint8_t *autn,
				   uint8_t *r, size_t max)
{
	uint8_t c[5 + 34];

	memcpy(c, "\x00\x88\x00\x81\x22\x10", 6);
	memcpy(c + 6, rand, 16);
	c[22] = 0x10;
	memcpy(c + 23, autn, 16);
	return auc_apdu(fd, c, sizeof(c), r, max);	/* case 3: no Le on T=0 */
}

/* SELECT the USIM by AID (no response data); 0 on 9000 */
static inline int auc_select_usim(int fd)
{
	static const uint8_t usim[] = { 0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00, 0x00, 0x00,
		0x87, 0x10, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00 };
	uint8_t r[8];

	return auc_apdu(fd, usim, sizeof(usim), r, sizeof(r)) == 2 && r[0] == 0x90 ? 0 : -1;
}

static inline void auc_hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/*
 * Installs and enables profile "<prefix><i>" on @card: MILENAGE with @opc,
 * or XOR-3G (RES 128 bits) when @xor.  The file lives on the VM's tmpfs for
 * the time of `vuiccctl profile add`, mode 0600; keys are never printed.
 */
static inline int auc_add_profile(const char *prefix, int card, int i, int xor,
				  unsigned int ind_bits, const uint8_t *k, const uint8_t *opc)
{
	char path[96], kh[33], oh[33], cmd[320];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/tmp/%s-%d.conf", prefix, i);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (fchmod(fileno(f), 0600)) {
		fclose(f);
		return -1;
	}
	auc_hex(k, 16, kh);
	auc_hex(opc, 16, oh);
	fprintf(f, "name = %s%d\nkind = vsim\niccid = 89882110000000%05d\nimsi = 0010100%08d\n"
		"k = %s\nind_bits = %u\nsqn_delta = 0\n", prefix, i, i, i, kh, ind_bits);
	if (xor)
		fprintf(f, "algorithm = xor\nxor_res_len = 16\n");
	else
		fprintf(f, "algorithm = milenage\nopc = %s\n", oh);
	explicit_bzero(kh, sizeof(kh));
	explicit_bzero(oh, sizeof(oh));
	if (fclose(f)) {
		unlink(path);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "vuiccctl profile add %s --card %d >/dev/null && "
		 "vuiccctl profile enable %s%d --card %d", path, card, prefix, i, card);
	rc = system(cmd);
	unlink(path);
	return rc;
}

#endif /* VUICC_AUC_H */
