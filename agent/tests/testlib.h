/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test runner for the agent's host unit tests: CHECK() records a
 * failure with its line and goes on; RUN() runs a test function; DONE()
 * prints "N passed, N failed" (tests, not checks) and sets the exit status.
 */
#ifndef VUICC_TESTLIB_H
#define VUICC_TESTLIB_H

#include <stdio.h>
#include <string.h>

static int tl_failed_checks, tl_passed, tl_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		tl_failed_checks++;					\
	}								\
} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#define RUN(fn) do {							\
	int before = tl_failed_checks;					\
	fn();								\
	if (tl_failed_checks == before) {				\
		tl_passed++;						\
		printf("ok - %s\n", #fn);				\
	} else {							\
		tl_failed++;						\
		printf("not ok - %s\n", #fn);				\
	}								\
} while (0)

#define DONE() do {							\
	printf("%d passed, %d failed\n", tl_passed, tl_failed);	\
	return tl_failed ? 1 : 0;					\
} while (0)

#endif
