/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's event loop: one epoll set and a registry of {fd, callback, arg}.
 * Each part registers its own fds with the callback that serves them; the
 * loop knows no part.  It also keeps the daemon's clock and the ring of
 * recent events that the status report shows.
 */
#ifndef VUICCD_LOOP_H
#define VUICCD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define LOOP_WATCHES	64
#define LOOP_EVENTS	16	/* the event ring */

/* Called with the epoll events (EPOLLIN, EPOLLOUT, ...) of a ready fd. */
typedef void (*loop_fn)(void *arg, uint32_t events);

struct loop_watch {
	int fd;			/* -1: a free slot */
	uint32_t gen;		/* bumped when the slot is freed: stale events are dropped */
	loop_fn fn;
	void *arg;
};

struct loop_event {
	time_t t;
	char what[120];
};

struct loop {
	int epfd;
	bool stop;
	struct loop_watch w[LOOP_WATCHES];
	struct loop_event events[LOOP_EVENTS];
	unsigned int n_events;
};

/* 0 or -errno. */
int loop_init(struct loop *l);
void loop_close(struct loop *l);

/*
 * Watch @fd for @events with @fn(@arg).  An fd already watched gets the
 * new events, callback and argument.  0 or -errno (-ENOSPC: registry full).
 */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg);

/*
 * Stop watching @fd; call it before closing the fd.  An fd closed first has
 * left epoll by itself: loop_forget() then drops only the registry entry,
 * and only if it is still (@fn, @arg)'s (the number may have been reused).
 */
void loop_del(struct loop *l, int fd);
void loop_forget(struct loop *l, int fd, loop_fn fn, void *arg);

/* Serve events until loop_stop().  0, or -errno of a failed epoll_wait. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* CLOCK_MONOTONIC in ms. */
uint64_t loop_now_ms(void);

/* Add to the ring of recent events (shown by the status report). */
void loop_event(struct loop *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The @i-th (0: oldest) of the last @n events kept; n = loop_events(l). */
unsigned int loop_events(const struct loop *l);
const struct loop_event *loop_event_at(const struct loop *l, unsigned int i);

#endif
