// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl: what every command uses (the bottom of the program).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/vuicc.h>

#include "vuiccctl.h"

const char *prog = "vuiccctl";

int ctl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int ctl_parse_card(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v >= VUICC_CARDS_MAX)
		return -1;
	return (int)v;
}
