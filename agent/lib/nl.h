/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's client of the "vuicc" Generic Netlink family (libnl-genl-3).
 */
#ifndef VUICC_NL_H
#define VUICC_NL_H

#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/vuicc.h>

struct vnl {
	struct nl_sock *sk;
	int family;
	int monitor_group;
	/* the last error: the kernel's extack message and the attribute it named */
	char err[256];
};

/* The names of the family's attributes, as in the YNL spec ("card-id"). */
const char *vnl_attr_name(int type);

/*
 * Connects and resolves the family.  Returns 0, or -errno with v->err
 * saying what to do (for instance, load vuicc.ko).
 */
int vnl_open(struct vnl *v);
void vnl_close(struct vnl *v);

/* A request for @cmd (NLM_F_REQUEST | NLM_F_ACK | @flags); NULL on ENOMEM. */
struct nl_msg *vnl_request(struct vnl *v, uint8_t cmd, int flags);
/* The same, with room for @size bytes of attributes. */
struct nl_msg *vnl_request_sized(struct vnl *v, uint8_t cmd, int flags, size_t size);

/*
 * A reply or event handler: @tb holds the attributes of @nlh parsed (only
 * the last of an attribute that repeats, such as file: walk @nlh for all).
 */
typedef int (*vnl_handler)(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd,
			   void *arg);

/*
 * Sends @msg (and frees it), then calls @fn for every reply message with
 * its attributes parsed (tb[VUICC_A_MAX + 1]).  Returns 0, the first
 * non-zero value @fn returned, or -errno with v->err set from the
 * kernel's extended ack.  The request's bytes are wiped before the free:
 * it may carry keys.
 */
int vnl_transact(struct vnl *v, struct nl_msg *msg, vnl_handler fn, void *arg);

/* Joins the monitor group and calls @fn for each event until it returns non-zero. */
int vnl_monitor(struct vnl *v, vnl_handler fn, void *arg);

struct profile;

/* Puts @p's attributes (keys included) for profile-add on @card; 0 or -1. */
int vnl_put_profile(struct nl_msg *m, const struct profile *p, uint32_t card);

/*
 * Makes @v an event socket: joins the monitor group, a 4 MiB receive
 * buffer, non-blocking.  Returns its file descriptor for poll, or -errno.
 */
int vnl_events_open(struct vnl *v);

/*
 * Reads the queued events and calls @fn for each.  Returns how many, a
 * negative value @fn returned, or -errno: -ENOBUFS when the kernel dropped
 * events because the buffer was full (the caller must resynchronise).
 */
int vnl_events_read(struct vnl *v, vnl_handler fn, void *arg);

/*
 * Joins the multicast group @group (VUICC_MCGRP_*), non-blocking, with a
 * 4 MiB receive buffer; read with vnl_events_read().  Returns the socket's
 * file descriptor for poll, or -errno with v->err set.
 */
int vnl_events_open_group(struct vnl *v, const char *group);

/*
 * The T=0 line of @card (card-get's card-t0): fills @st and @tty.
 * Returns 1 when a line holds the card, 0 when none does, -errno on error.
 */
int vnl_card_t0(struct vnl *v, uint32_t card, struct vuicc_t0_stats *st,
		char *tty, size_t len);

/* Parses a card-t0 nest into @st and @tty; 0, or -1 when malformed. */
int vnl_parse_t0(const struct nlattr *nest, struct vuicc_t0_stats *st,
		 char *tty, size_t len);

#endif
