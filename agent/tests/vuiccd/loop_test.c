// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vuiccd's event loop (agent/vuiccd/loop.c): the registry of
 * {fd, callback, arg}, events for a watch that has gone, fds closed before
 * they are forgotten, a full registry, the event ring and the clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vuiccd/loop.h"
#include "../testlib.h"

struct probe {
	struct loop *l;
	int fd;			/* drained on each call */
	int calls;
	uint32_t events;
	int stop_after;		/* loop_stop() at this many calls; 0: never */
	struct probe *victim;	/* loop_del() and close() its fd on the first call */
};

static void on_ready(void *arg, uint32_t events)
{
	struct probe *p = arg;
	char buf[64];

	p->calls++;
	p->events = events;
	while (read(p->fd, buf, sizeof(buf)) > 0)
		;
	if (p->victim && p->calls == 1) {
		loop_del(p->l, p->victim->fd);
		close(p->victim->fd);
		p->victim->fd = -1;
	}
	if (p->stop_after && p->calls >= p->stop_after)
		loop_stop(p->l);
}

static void other(void *arg, uint32_t events)
{
	(void)arg;
	(void)events;
}

static int mkpipe(int fds[2])
{
	return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

static void test_dispatch(void)
{
	struct loop l;
	struct probe p = { .l = &l, .stop_after = 1 };
	int fds[2];

	CHECK(loop_init(&l) == 0);
	CHECK(mkpipe(fds) == 0);
	p.fd = fds[0];
	CHECK(loop_add(&l, fds[0], EPOLLIN, on_ready, &p) == 0);
	CHECK(write(fds[1], "x", 1) == 1);
	CHECK(loop_run(&l) == 0);
	CHECK(p.calls == 1 && (p.events & EPOLLIN));
	/* the same fd again: new callback and argument, still one watch */
	CHECK(loop_add(&l, fds[0], EPOLLIN, other, NULL) == 0);
	CHECK(loop_add(&l, fds[0], EPOLLIN, on_ready, &p) == 0);
	{
		int n = 0;

		for (unsigned int i = 0; i < LOOP_WATCHES; i++)
			n += l.w[i].fd == fds[0];
		CHECK(n == 1);
	}
	l.stop = false;
	CHECK(write(fds[1], "y", 1) == 1);
	p.stop_after = 2;
	CHECK(loop_run(&l) == 0);
	CHECK(p.calls == 2);
	CHECK(loop_add(&l, -1, EPOLLIN, on_ready, &p) == -EBADF);
	close(fds[0]);
	close(fds[1]);
	loop_close(&l);
}

/* an event already returned by epoll_wait for a watch deleted meanwhile is dropped */
static void test_stale_event(void)
{
	struct loop l;
	struct probe a = { .l = &l, .stop_after = 1 }, b = { .l = &l, .stop_after = 1 };
	int pa[2], pb[2], pc[2];

	CHECK(loop_init(&l) == 0);
	CHECK(mkpipe(pa) == 0 && mkpipe(pb) == 0);
	a.fd = pa[0];
	b.fd = pb[0];
	a.victim = &b;
	b.victim = &a;
	CHECK(loop_add(&l, pa[0], EPOLLIN, on_ready, &a) == 0);
	CHECK(loop_add(&l, pb[0], EPOLLIN, on_ready, &b) == 0);
	CHECK(write(pa[1], "x", 1) == 1 && write(pb[1], "x", 1) == 1);
	CHECK(loop_run(&l) == 0);
	/* both were ready in one epoll_wait: whichever ran first removed the other */
	CHECK(a.calls + b.calls == 1);
	/* the freed slot is reused by a new fd: the old event cannot reach it */
	CHECK(mkpipe(pc) == 0);
	CHECK(loop_add(&l, pc[0], EPOLLIN, other, NULL) == 0);
	close(pa[1]);
	close(pb[1]);
	if (a.fd >= 0)
		close(a.fd);
	if (b.fd >= 0)
		close(b.fd);
	close(pc[0]);
	close(pc[1]);
	loop_close(&l);
}

/* an fd closed first left epoll by itself; forgetting it frees only our own watch */
static void test_forget(void)
{
	struct loop l;
	struct probe p = { .l = &l };
	int fds[2], fds2[2];
	unsigned int i, used;

	CHECK(loop_init(&l) == 0);
	CHECK(mkpipe(fds) == 0);
	p.fd = fds[0];
	CHECK(loop_add(&l, fds[0], EPOLLIN, on_ready, &p) == 0);
	close(fds[0]);
	loop_forget(&l, fds[0], other, NULL);		/* not its owner: kept */
	for (i = used = 0; i < LOOP_WATCHES; i++)
		used += l.w[i].fd >= 0;
	CHECK(used == 1);
	loop_forget(&l, fds[0], on_ready, &p);
	for (i = used = 0; i < LOOP_WATCHES; i++)
		used += l.w[i].fd >= 0;
	CHECK(used == 0);
	/* a new file under the old number is added afresh */
	CHECK(mkpipe(fds2) == 0);
	p.fd = fds2[0];
	p.stop_after = 1;
	CHECK(loop_add(&l, fds2[0], EPOLLIN, on_ready, &p) == 0);
	CHECK(write(fds2[1], "x", 1) == 1);
	CHECK(loop_run(&l) == 0 && p.calls == 1);
	close(fds[1]);
	close(fds2[0]);
	close(fds2[1]);
	loop_close(&l);
}

static void test_full(void)
{
	struct loop l;
	int fds[LOOP_WATCHES + 1][2];
	int i, ok = 0;

	CHECK(loop_init(&l) == 0);
	for (i = 0; i <= LOOP_WATCHES; i++) {
		CHECK(mkpipe(fds[i]) == 0);
		if (i < LOOP_WATCHES)
			ok += loop_add(&l, fds[i][0], EPOLLIN, other, NULL) == 0;
	}
	CHECK(ok == LOOP_WATCHES);
	CHECK(loop_add(&l, fds[LOOP_WATCHES][0], EPOLLIN, other, NULL) == -ENOSPC);
	loop_del(&l, fds[3][0]);
	CHECK(loop_add(&l, fds[LOOP_WATCHES][0], EPOLLIN, other, NULL) == 0);
	for (i = 0; i <= LOOP_WATCHES; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	loop_close(&l);
}

static void test_ring_and_clock(void)
{
	struct loop l;
	uint64_t a, b;
	char want[32];
	int i;

	CHECK(loop_init(&l) == 0);
	CHECK(loop_events(&l) == 0);
	loop_event(&l, "first %d", 1);
	CHECK(loop_events(&l) == 1 && !strcmp(loop_event_at(&l, 0)->what, "first 1"));
	for (i = 2; i <= LOOP_EVENTS + 4; i++)
		loop_event(&l, "event %d", i);
	CHECK(loop_events(&l) == LOOP_EVENTS);
	/* the oldest kept is the fifth: 20 written, 16 kept */
	CHECK(!strcmp(loop_event_at(&l, 0)->what, "event 5"));
	snprintf(want, sizeof(want), "event %d", LOOP_EVENTS + 4);
	CHECK(!strcmp(loop_event_at(&l, LOOP_EVENTS - 1)->what, want));
	CHECK(loop_event_at(&l, 0)->t > 0);
	/* a long text is cut, not overrun */
	loop_event(&l, "%0300d", 7);
	CHECK(strlen(loop_event_at(&l, LOOP_EVENTS - 1)->what) == sizeof(l.events[0].what) - 1);
	a = loop_now_ms();
	usleep(20000);
	b = loop_now_ms();
	CHECK(b >= a + 19 && b < a + 5000);
	loop_close(&l);
}

int main(void)
{
	RUN(test_dispatch);
	RUN(test_stale_event);
	RUN(test_forget);
	RUN(test_full);
	RUN(test_ring_and_clock);
	DONE();
}
