// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static bool log_syslog;
static int log_level = LOG_INFO;
static const char *log_ident = "vuiccd";

void log_set_ident(const char *ident)
{
	log_ident = ident;
}

void log_setup(bool to_syslog, int level)
{
	log_syslog = to_syslog;
	log_level = level;
	if (to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void vlog(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	struct timespec t;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t);
		fprintf(stderr, "%s[%ld.%03ld] %s: ", log_ident, (long)t.tv_sec, t.tv_nsec / 1000000,
			names[level & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
