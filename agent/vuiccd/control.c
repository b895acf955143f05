// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's control socket (control.h).  A client sends one line of at most
 * CONTROL_REQ_MAX - 1 bytes and gets one reply; the socket then closes.
 * When all CONTROL_CLIENTS slots are busy, the oldest client goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "control.h"

static bool peer_allowed(int fd, gid_t group, bool have_group)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char path[64], line[512], *p, *end;
	bool ok = false;
	FILE *f;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	if (cred.uid == 0)
		return true;
	if (!have_group)
		return false;
	if (cred.gid == group)
		return true;
	/* supplementary groups */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cred.pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7; *p; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == group)
				ok = true;
		}
	}
	fclose(f);
	return ok;
}

static int listen_on(struct control *ctl, const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	struct group *gr;
	int fd;

	ctl->have_group = false;
	if (group && group[0]) {
		gr = getgrnam(group);
		if (!gr) {
			log_err("socket_group '%s': no such group", group);
			return -1;
		}
		ctl->group = gr->gr_gid;
		ctl->have_group = true;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket %s: path too long", path);
		return -1;
	}
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			log_err("socket directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* the state directory lock says no other vuiccd runs: a socket left is stale */
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(sa.sun_path, ctl->have_group ? 0660 : 0600) ||
	    (ctl->have_group && chown(sa.sun_path, 0, ctl->group)) || listen(fd, 8)) {
		log_err("control socket %s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void client_close(struct control_client *c)
{
	loop_del(c->ctl->loop, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void write_all(int fd, const char *b, size_t n)
{
	struct timeval tv = { .tv_sec = 1 };
	ssize_t w;
	int fl = fcntl(fd, F_GETFL);

	/* a slow reader gets a second, not the daemon */
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
}

static void client_read(void *arg, uint32_t events)
{
	struct control_client *c = arg;
	ssize_t n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);
	char *nl, *out;
	size_t len = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	nl = strchr(c->req, '\n');
	if (!nl) {
		if (c->len == sizeof(c->req) - 1)
			client_close(c);
		return;
	}
	*nl = '\0';
	out = c->ctl->fn(c->ctl->arg, c->req, &len);
	if (out) {
		write_all(c->fd, out, len);
		free(out);
	}
	client_close(c);
}

static void client_accept(void *arg, uint32_t events)
{
	struct control *ctl = arg;
	struct control_client *c = NULL;
	int fd, i, oldest = 0;

	fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!peer_allowed(fd, ctl->group, ctl->have_group)) {
		static const char no[] = "error: permission denied (root or the socket_group only)\n";

		if (write(fd, no, sizeof(no) - 1) < 0)
			log_debug("control: refused client went away");
		close(fd);
		return;
	}
	for (i = 0; i < CONTROL_CLIENTS; i++) {
		if (ctl->c[i].fd < 0) {
			c = &ctl->c[i];
			break;
		}
	}
	if (!c) {
		/* slots full of idle clients: the first goes */
		client_close(&ctl->c[oldest]);
		c = &ctl->c[oldest];
	}
	c->fd = fd;
	c->len = 0;
	if (loop_add(ctl->loop, fd, EPOLLIN, client_read, c)) {
		close(fd);
		c->fd = -1;
	}
}

int control_open(struct control *ctl, struct loop *l, const char *path, const char *group,
		 control_fn fn, void *arg)
{
	int i;

	memset(ctl, 0, sizeof(*ctl));
	ctl->loop = l;
	ctl->fn = fn;
	ctl->arg = arg;
	for (i = 0; i < CONTROL_CLIENTS; i++) {
		ctl->c[i].fd = -1;
		ctl->c[i].ctl = ctl;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->lfd = listen_on(ctl, path, group);
	if (ctl->lfd < 0)
		return -1;
	if (loop_add(l, ctl->lfd, EPOLLIN, client_accept, ctl)) {
		close(ctl->lfd);
		ctl->lfd = -1;
		return -1;
	}
	return 0;
}

void control_close(struct control *ctl)
{
	int i;

	for (i = 0; i < CONTROL_CLIENTS; i++)
		if (ctl->c[i].fd >= 0)
			client_close(&ctl->c[i]);
	if (ctl->lfd >= 0) {
		loop_del(ctl->loop, ctl->lfd);
		close(ctl->lfd);
		ctl->lfd = -1;
		unlink(ctl->path);
	}
}
