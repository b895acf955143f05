/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's log: stderr or syslog, with syslog levels.  Callers never pass
 * keys, EF contents or SQNs.
 */
#ifndef VUICC_LOG_H
#define VUICC_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_setup(bool to_syslog, int level);
/* the program's name in each line (default "vuiccd"); call before log_setup() */
void log_set_ident(const char *ident);
void vlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)	vlog(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	vlog(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	vlog(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	vlog(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	vlog(LOG_DEBUG, __VA_ARGS__)

#endif
