// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of vuiccd's control socket (agent/vuiccd/control.c) on a real
 * UNIX socket, with the loop in a thread: one request line, one reply;
 * lines split across writes, too long, unfinished; more clients than
 * slots; the socket's mode and its removal; bad paths and groups.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vuiccd/control.h"
#include "vuiccd/loop.h"
#include "../testlib.h"

static struct loop L;
static struct control C;
static char path[96];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char last[CONTROL_REQ_MAX];
static int handled;

static char *handler(void *arg, const char *req, size_t *len)
{
	char *out;

	(void)arg;
	pthread_mutex_lock(&mu);
	snprintf(last, sizeof(last), "%s", req);
	handled++;
	pthread_mutex_unlock(&mu);
	if (!strcmp(req, "stop"))
		loop_stop(&L);
	if (asprintf(&out, "reply to '%s'\n", req) < 0)
		return NULL;
	*len = strlen(out);
	return out;
}

static void *run(void *arg)
{
	(void)arg;
	loop_run(&L);
	return NULL;
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Everything until the daemon closes the connection. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
	struct timeval tv = { .tv_sec = 5 };
	size_t n = 0;
	ssize_t r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < max - 1 && (r = read(fd, buf + n, max - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return (ssize_t)n;
}

static int count(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = handled;
	pthread_mutex_unlock(&mu);
	return n;
}

static void test_request(void)
{
	char buf[256];
	struct stat st;
	int fd;

	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	fd = dial();
	CHECK(fd >= 0);
	CHECK(write(fd, "status json\n", 12) == 12);
	read_all(fd, buf, sizeof(buf));
	CHECK(!strcmp(buf, "reply to 'status json'\n"));
	close(fd);
	/* a line in pieces is one request */
	fd = dial();
	CHECK(write(fd, "sha", 3) == 3);
	usleep(50000);
	CHECK(write(fd, "re take\nignored", 15) == 15);
	read_all(fd, buf, sizeof(buf));
	CHECK(!strcmp(buf, "reply to 'share take'\n"));
	close(fd);
}

static void test_malformed(void)
{
	char buf[256], big[CONTROL_REQ_MAX + 10];
	int fd, before = count();

	/* too long for a request: closed, never handled */
	memset(big, 'a', sizeof(big));
	fd = dial();
	CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK(read_all(fd, buf, sizeof(buf)) == 0);
	close(fd);
	/* a client that leaves before its newline */
	fd = dial();
	CHECK(write(fd, "status", 6) == 6);
	close(fd);
	/* an empty line is a request (the handler refuses it) */
	fd = dial();
	CHECK(write(fd, "\n", 1) == 1);
	read_all(fd, buf, sizeof(buf));
	CHECK(!strcmp(buf, "reply to ''\n"));
	close(fd);
	CHECK(count() == before + 1);
}

/* more idle clients than slots: the oldest goes, the newest is served */
static void test_slots(void)
{
	int fds[CONTROL_CLIENTS + 1], i;
	char buf[256];

	for (i = 0; i <= CONTROL_CLIENTS; i++) {
		fds[i] = dial();
		CHECK(fds[i] >= 0);
		usleep(20000);
	}
	/* the first was closed to make room */
	CHECK(read_all(fds[0], buf, sizeof(buf)) == 0);
	CHECK(write(fds[CONTROL_CLIENTS], "status\n", 7) == 7);
	read_all(fds[CONTROL_CLIENTS], buf, sizeof(buf));
	CHECK(!strcmp(buf, "reply to 'status'\n"));
	for (i = 0; i <= CONTROL_CLIENTS; i++)
		close(fds[i]);
}

static void test_open_errors(void)
{
	struct control c2;
	char longp[200];

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	CHECK(control_open(&c2, &L, longp, "", handler, NULL) == -1);
	CHECK(control_open(&c2, &L, "/tmp/vuicc-control-test-g.sock", "no-such-group-vuicc",
			   handler, NULL) == -1);
}

int main(void)
{
	pthread_t t;
	char buf[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vuicc-control-test.%d/ctl.sock", (int)getpid());
	CHECK(loop_init(&L) == 0);
	CHECK(control_open(&C, &L, path, "", handler, NULL) == 0);
	RUN(test_open_errors);
	if (pthread_create(&t, NULL, run, NULL)) {
		perror("pthread_create");
		return 1;
	}
	RUN(test_request);
	RUN(test_malformed);
	RUN(test_slots);
	fd = dial();
	if (fd >= 0) {
		CHECK(write(fd, "stop\n", 5) == 5);
		read_all(fd, buf, sizeof(buf));
		close(fd);
	}
	pthread_join(t, NULL);
	control_close(&C);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	loop_close(&L);
	DONE();
}
