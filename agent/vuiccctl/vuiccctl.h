/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUICCCTL_H
#define VUICCCTL_H

#include <stdbool.h>

struct ctl_opts {
	bool json;
	bool verbose;
};

extern const char *prog;

/* Prints "vuiccctl: <message>" on stderr; returns 1 for `return ctl_err()`. */
int ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a card number ("0".."63"); returns -1 when it is not one. */
int ctl_parse_card(const char *s);

int cmd_card_nl(int argc, char **argv, const struct ctl_opts *o);
int cmd_profile(int argc, char **argv, const struct ctl_opts *o);
int cmd_monitor(int argc, char **argv, const struct ctl_opts *o);
int cmd_reset(int argc, char **argv, const struct ctl_opts *o);
int cmd_apdu(int argc, char **argv, const struct ctl_opts *o);
int cmd_status(int argc, char **argv, const struct ctl_opts *o);
int cmd_share(int argc, char **argv, const struct ctl_opts *o);
int cmd_state(int argc, char **argv, const struct ctl_opts *o);
int cmd_attach(int argc, char **argv, const struct ctl_opts *o);
int cmd_detach(int argc, char **argv, const struct ctl_opts *o);
int cmd_t0_reset(int argc, char **argv, const struct ctl_opts *o);
int cmd_trace(int argc, char **argv, const struct ctl_opts *o);

#endif
