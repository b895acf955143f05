// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's sharing: the device's key file (share_key_file) and pairing by
 * a one-time code (vuiccd --share-pair CODE), which prints the peer's key
 * for share_peer_key.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/log.h"
#include "share_glue.h"

/* ---- the key file ---- */

int vd_share_key_file(const char *path, struct sc_identity *id, bool create)
{
	uint8_t sk[SC_KEY_LEN];
	char hex[2 * SC_KEY_LEN + 2];
	struct stat st;
	unsigned int b;
	ssize_t n;
	int fd, i, ret = 0;

	if (sc_global_init())
		return -EIO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (sc_identity_new(id))
			return -EIO;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		for (i = 0; i < SC_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", id->sk[i]);
		hex[2 * SC_KEY_LEN] = '\n';
		errno = 0;	/* a short write sets none */
		if (write(fd, hex, 2 * SC_KEY_LEN + 1) != 2 * SC_KEY_LEN + 1 || fsync(fd))
			ret = errno ? -errno : -EIO;
		close(fd);
		if (ret)	/* no half-written key left to be read next time */
			unlink(path);
		sodium_memzero(hex, sizeof(hex));
		return ret;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		close(fd);
		log_err("share: %s is readable by group or others; it is a secret key (chmod 600)",
			path);
		return -EPERM;
	}
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	hex[n > 0 ? n : 0] = '\0';
	if (n < 2 * SC_KEY_LEN)
		ret = -EINVAL;
	for (i = 0; !ret && i < SC_KEY_LEN; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			ret = -EINVAL;
		sk[i] = (uint8_t)b;
	}
	if (!ret && sc_identity_from_sk(id, sk))
		ret = -EINVAL;
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(sk, sizeof(sk));
	return ret;
}

/* ---- pairing by a one-time code (vuiccd --share-pair CODE) ---- */

/* Exactly @len bytes, or -ETIMEDOUT after @ms in all. */
static int pair_read(int fd, uint8_t *buf, size_t len, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (vs_now() >= end || poll(&pfd, 1, (int)(end - vs_now())) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int pair_write(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pair_wait_fd(int fd, short events, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	if (vs_now() >= end || poll(&pfd, 1, (int)(end - vs_now())) <= 0)
		return -ETIMEDOUT;
	return 0;
}

/* The slave dials until the master listens, or the time is up: the socket, or an error. */
static int pair_dial(const struct config *cfg, struct vs_addr *a, uint64_t end)
{
	int ret, err = 0;
	socklen_t sl = sizeof(err);

	for (;;) {
		ret = vs_open(cfg, a);
		if (!ret) {
			ret = pair_wait_fd(a->fd, POLLOUT, end);
			if (!ret && (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err))
				ret = -(err ? err : errno);
			if (ret)
				close(a->fd);
		}
		if (ret != -ECONNREFUSED || vs_now() + 200 >= end)
			return ret ? ret : a->fd;
		usleep(200000);
	}
}

/* The master waits for one slave: its socket, or an error. */
static int pair_accept(const struct config *cfg, struct vs_addr *a, uint64_t end,
		       unsigned int timeout_s)
{
	int fd, ret;

	ret = vs_open(cfg, a);
	if (ret)
		return ret;
	fprintf(stderr, "vuiccd: pairing: waiting %u s for a slave on %s\n", timeout_s,
		cfg->share_listen);
	ret = pair_wait_fd(a->fd, POLLIN, end);
	fd = ret ? -1 : accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
	close(a->fd);
	if (fd < 0)
		return ret ? ret : -errno;
	return fd;
}

/* The pairing's messages, the slave's first: 0 once the peer's key is known. */
static int pair_messages(int fd, struct sc_pair *p, bool master, uint64_t end,
			 uint8_t in[SC_PAIR_MAX_LEN], uint8_t out[SC_PAIR_MAX_LEN])
{
	size_t olen;
	int ret;

	if (!master) {
		ret = sc_pair_step(p, NULL, 0, out, SC_PAIR_MAX_LEN, &olen);
		if (ret < 0 || (ret = pair_write(fd, out, olen)))
			return ret;
	}
	for (;;) {
		ret = pair_read(fd, in, sc_pair_expect(p), end);
		if (ret)
			return ret;
		ret = sc_pair_step(p, in, sc_pair_expect(p), out, SC_PAIR_MAX_LEN, &olen);
		if (ret < 0)
			return ret;
		if (olen && pair_write(fd, out, olen))
			return -EPIPE;
		if (ret == 1)
			return 0;
	}
}

int vd_share_pair(const struct config *cfg, const char *code, unsigned int timeout_s)
{
	uint8_t in[SC_PAIR_MAX_LEN], out[SC_PAIR_MAX_LEN], pk[SC_KEY_LEN];
	uint64_t end = vs_now() + (uint64_t)timeout_s * 1000;
	bool master = cfg->share == CONFIG_SHARE_MASTER;
	struct sc_identity id;
	struct sc_pair p;
	struct vs_addr a;
	int fd, ret, i;

	if (!cfg->share || !cfg->share_key_file[0]) {
		fprintf(stderr, "vuiccd: --share-pair needs share = master|slave and share_key_file\n");
		return -EINVAL;
	}
	ret = vd_share_key_file(cfg->share_key_file, &id, true);
	if (ret)
		return ret;
	if (vs_parse_addr(master ? cfg->share_listen : cfg->share_connect, &a)) {
		sc_identity_wipe(&id);
		return -EINVAL;
	}
	a.listen = master;
	fd = master ? pair_accept(cfg, &a, end, timeout_s) : pair_dial(cfg, &a, end);
	if (fd < 0) {
		ret = fd;
		goto out_id;
	}
	/* blocking from here, each read bounded by the deadline */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ret = sc_pair_init(&p, master ? SC_RESPONDER : SC_INITIATOR, id.pk, code);
	if (ret)
		goto out_fd;
	ret = pair_messages(fd, &p, master, end, in, out);
	if (!ret)
		ret = sc_pair_peer(&p, pk);
	if (!ret) {
		/* the line the operator adds to this device's configuration */
		printf("share_peer_key = ");
		for (i = 0; i < SC_KEY_LEN; i++)
			printf("%02x", pk[i]);
		printf("\n");
	}
	sc_pair_wipe(&p);
out_fd:
	close(fd);
out_id:
	sc_identity_wipe(&id);
	sodium_memzero(in, sizeof(in));
	sodium_memzero(out, sizeof(out));
	return ret;
}
