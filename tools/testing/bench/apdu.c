// SPDX-License-Identifier: GPL-2.0
/*
 * APDU throughput through /dev/vuiccN: SELECT and READ BINARY per second,
 * and how much of the time is spent in the kernel (system CPU time over
 * all CPU time of the loop).  Not a test: it asserts nothing.
 *
 *   apdu [--card N] [--count N] [--json]     (root; a profile must be enabled)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

struct result {
	const char *name;
	double per_sec;
	double usec;
	double kernel_share;
	unsigned long errors;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

static void bench(int fd, const char *name, const unsigned char *c, size_t len,
		  unsigned long count, struct result *r)
{
	unsigned char rsp[VUICC_RAPDU_MAX];
	struct rusage u0, u1;
	double t0, t1, sys, usr;
	unsigned long i;

	memset(r, 0, sizeof(*r));
	r->name = name;
	getrusage(RUSAGE_SELF, &u0);
	t0 = now();
	for (i = 0; i < count; i++) {
		if (write(fd, c, len) != (ssize_t)len || read(fd, rsp, sizeof(rsp)) < 2)
			r->errors++;
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &u1);
	sys = cpu(&u1.ru_stime) - cpu(&u0.ru_stime);
	usr = cpu(&u1.ru_utime) - cpu(&u0.ru_utime);
	r->per_sec = count / (t1 - t0);
	r->usec = (t1 - t0) * 1e6 / count;
	r->kernel_share = sys + usr > 0 ? sys / (sys + usr) : 0;
}

int main(int argc, char **argv)
{
	static const unsigned char sel_usim[] = { 0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00, 0x00,
		0x00, 0x87, 0x10, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00 };
	static const unsigned char sel[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x07 };
	static const unsigned char sel_fcp[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x6F, 0x07 };
	static const unsigned char rb[] = { 0x00, 0xB0, 0x00, 0x00, 0x09 };
	static const unsigned char nop[] = { 0x00, 0x02, 0x00, 0x00 };
	unsigned long count = 100000;
	struct result r[4];
	struct vuicc_atr atr;
	unsigned char rsp[64];
	char path[32];
	int card = 0, json = 0, fd, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--card") && i + 1 < argc)
			card = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else {
			fprintf(stderr, "usage: %s [--card N] [--count N] [--json]\n", argv[0]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "/dev/vuicc%d", card);
	fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, VUICC_IOC_POWER_ON, &atr)) {
		fprintf(stderr, "apdu: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write(fd, sel_usim, sizeof(sel_usim)) < 0 || read(fd, rsp, sizeof(rsp)) != 2 ||
	    rsp[0] != 0x90) {
		fprintf(stderr, "apdu: no USIM on card %d: enable a profile first\n", card);
		return 1;
	}
	bench(fd, "SELECT EF_IMSI, no data", sel, sizeof(sel), count, &r[0]);
	bench(fd, "SELECT EF_IMSI, FCP (61xx)", sel_fcp, sizeof(sel_fcp), count, &r[1]);
	bench(fd, "READ BINARY EF_IMSI", rb, sizeof(rb), count, &r[2]);
	bench(fd, "unknown INS (6D00)", nop, sizeof(nop), count, &r[3]);
	close(fd);

	if (json) {
		printf("{\"count\":%lu,\"results\":[", count);
		for (i = 0; i < 4; i++)
			printf("%s{\"name\":\"%s\",\"apdus_per_sec\":%.0f,\"usec_per_apdu\":%.2f,"
			       "\"kernel_share\":%.3f,\"errors\":%lu}", i ? "," : "", r[i].name,
			       r[i].per_sec, r[i].usec, r[i].kernel_share, r[i].errors);
		printf("]}\n");
	} else {
		printf("%-28s %12s %12s %14s %8s\n", "APDU", "APDUs/s", "us/APDU", "kernel share",
		       "errors");
		for (i = 0; i < 4; i++)
			printf("%-28s %12.0f %12.2f %13.1f%% %8lu\n", r[i].name, r[i].per_sec,
			       r[i].usec, 100 * r[i].kernel_share, r[i].errors);
		printf("(%lu APDUs each, write+read through %s)\n", count, path);
	}
	return 0;
}
