// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's event loop (loop.h): epoll with a registry of callbacks.  The
 * epoll data of a watch is its slot and generation, so an event that was
 * already queued for an fd whose watch has since gone is dropped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/log.h"
#include "loop.h"

int loop_init(struct loop *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < LOOP_WATCHES; i++)
		l->w[i].fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static struct loop_watch *find(struct loop *l, int fd)
{
	unsigned int i;

	for (i = 0; i < LOOP_WATCHES; i++)
		if (l->w[i].fd == fd)
			return &l->w[i];
	return NULL;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_watch *w = find(l, fd);
	bool known = w != NULL;

	if (fd < 0)
		return -EBADF;
	if (!w)
		w = find(l, -1);
	if (!w) {
		log_err("event loop: more than %d fds", LOOP_WATCHES);
		return -ENOSPC;
	}
	ev.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)(w - l->w);
	/* a known number may be a new file (the old one left epoll when closed) */
	if (epoll_ctl(l->epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) &&
	    epoll_ctl(l->epfd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev)) {
		log_err("event loop: fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

static void release(struct loop_watch *w)
{
	w->fd = -1;
	w->fn = NULL;
	w->arg = NULL;
	w->gen++;
}

void loop_del(struct loop *l, int fd)
{
	struct loop_watch *w = fd >= 0 ? find(l, fd) : NULL;

	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	release(w);
}

void loop_forget(struct loop *l, int fd, loop_fn fn, void *arg)
{
	struct loop_watch *w = fd >= 0 ? find(l, fd) : NULL;

	if (w && w->fn == fn && w->arg == arg)
		release(w);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];
	struct loop_watch *w;
	int n, i;

	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("epoll: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint32_t slot = (uint32_t)evs[i].data.u64;

			if (slot >= LOOP_WATCHES)
				continue;
			w = &l->w[slot];
			if (w->fd < 0 || w->gen != (uint32_t)(evs[i].data.u64 >> 32))
				continue;
			w->fn(w->arg, evs[i].events);
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

uint64_t loop_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void loop_event(struct loop *l, const char *fmt, ...)
{
	struct loop_event *e = &l->events[l->n_events++ % LOOP_EVENTS];
	va_list ap;

	e->t = time(NULL);
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

unsigned int loop_events(const struct loop *l)
{
	return l->n_events < LOOP_EVENTS ? l->n_events : LOOP_EVENTS;
}

const struct loop_event *loop_event_at(const struct loop *l, unsigned int i)
{
	return &l->events[(l->n_events - loop_events(l) + i) % LOOP_EVENTS];
}
