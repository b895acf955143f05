/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's control socket: a UNIX stream socket where root (or members of
 * socket_group) send one request line and read one reply.  The part knows
 * no request: each line goes to the handler main registers.
 */
#ifndef VUICCD_CONTROL_H
#define VUICCD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CONTROL_CLIENTS	8
#define CONTROL_REQ_MAX	64	/* a request line, with its newline */

/* The reply to @req (a line without its newline): malloc'ed, *len bytes. */
typedef char *(*control_fn)(void *arg, const char *req, size_t *len);

struct control_client {
	struct control *ctl;
	int fd;			/* -1: free */
	size_t len;
	char req[CONTROL_REQ_MAX];
};

struct control {
	struct loop *loop;
	int lfd;
	gid_t group;
	bool have_group;
	char path[108];
	control_fn fn;
	void *arg;
	struct control_client c[CONTROL_CLIENTS];
};

/*
 * Listen on @path (mode 0600, or 0660 and group @group when @group is not
 * empty) and serve it from @l.  0 or -1 (logged).
 */
int control_open(struct control *ctl, struct loop *l, const char *path, const char *group,
		 control_fn fn, void *arg);
/* Close every client and the socket, and remove it. */
void control_close(struct control *ctl);

#endif
