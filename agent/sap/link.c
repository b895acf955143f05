// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc-sap: stream listeners for relays (a Legato le_rsim or TelAF
 * taf_simRsim adapter, a CMUX channel bridge, netsim): UNIX and TCP sockets,
 * and the check of who may connect.
 *
 * UNIX: the peer's credentials (SO_PEERCRED): root, vuicc-sap's own user,
 * or a uid given with --allow-uid.  TCP: the peer's address must be one
 * given with --allow-addr; with none given, only loopback.  SAP carries no
 * authentication of its own: a TCP listener off loopback is as open as the
 * network it is on (vuicc-sap.rst says how to tunnel it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/bt.h"
#include "lib/log.h"
#include "sapd.h"

static int listen_unix(struct sapd_listener *l, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		log_err("sap: '%s': a UNIX socket path of 1 to %zu bytes", l->spec,
			sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a stale socket of an earlier run: replace it (never another file) */
	{
		struct stat st;

		if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	old = umask(0117);	/* srw-rw----: the group may relay */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && listen(fd, 4))
		err = -errno;
	if (err) {
		log_err("sap: %s: %s", l->spec, strerror(-err));
		close(fd);
		return err;
	}
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->fd = fd;
	return 0;
}

static int listen_tcp(struct sapd_listener *l, const char *hostport)
{
	char host[128];
	const char *port = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE |
				  AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd, err, one = 1;

	if (!port || port == hostport || (size_t)(port - hostport) >= sizeof(host) ||
	    !port[1]) {
		log_err("sap: '%s' is not tcp:HOST:PORT (numeric)", l->spec);
		return -EINVAL;
	}
	memcpy(host, hostport, port - hostport);
	host[port - hostport] = 0;
	/* [::1]:5000 */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	err = getaddrinfo(host, port + 1, &hints, &ai);
	if (err) {
		log_err("sap: '%s': %s", l->spec, gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		freeaddrinfo(ai);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = 0;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4))
		err = -errno;
	freeaddrinfo(ai);
	if (err) {
		log_err("sap: %s: %s", l->spec, strerror(-err));
		close(fd);
		return err;
	}
	l->fd = fd;
	return 0;
}

int sapd_listen(struct sapd_listener *l, const char *spec)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	snprintf(l->spec, sizeof(l->spec), "%s", spec);
	if (!strncmp(spec, "unix:", 5)) {
		l->kind = SAPD_UNIX;
		return listen_unix(l, spec + 5);
	}
	if (!strncmp(spec, "tcp:", 4)) {
		l->kind = SAPD_TCP;
		return listen_tcp(l, spec + 4);
	}
	log_err("sap: '%s' is not unix:PATH or tcp:HOST:PORT", spec);
	return -EINVAL;
}

void sapd_unlisten(struct sapd_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->path[0])
		unlink(l->path);
	l->fd = -1;
	l->path[0] = 0;
}

static bool allowed_unix(int fd, const struct sapd_allow *a, char *peer, size_t len)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	unsigned int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl)) {
		snprintf(peer, len, "unix:?");
		return false;
	}
	snprintf(peer, len, "unix:uid=%u,pid=%d", (unsigned int)cr.uid, (int)cr.pid);
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	for (i = 0; i < a->n_uid; i++)
		if (a->uid[i] == cr.uid)
			return true;
	return false;
}

static bool allowed_tcp(int fd, const struct sapd_allow *a, char *peer, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	unsigned int i;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(peer, len, "tcp:?");
		return false;
	}
	snprintf(peer, len, "tcp:%s:%s", host, serv);
	if (!a->n_addr) {
		if (ss.ss_family == AF_INET)
			return ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24 == 127;
		return ss.ss_family == AF_INET6 &&
		       IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	}
	/* "::ffff:10.0.0.2" is "10.0.0.2" */
	for (i = 0; i < a->n_addr; i++)
		if (!strcmp(a->addr[i], host) ||
		    (!strncmp(host, "::ffff:", 7) && !strcmp(a->addr[i], host + 7)))
			return true;
	return false;
}

static bool allowed_rfcomm(int fd, const struct sapd_allow *a, char *peer, size_t len)
{
	struct bt_sockaddr_rc rc;
	socklen_t sl = sizeof(rc);
	char addr[18];
	unsigned int i;

	if (getpeername(fd, (struct sockaddr *)&rc, &sl) || rc.rc_family != AF_BLUETOOTH) {
		snprintf(peer, len, "rfcomm:?");
		return false;
	}
	snprintf(addr, sizeof(addr), "%02X:%02X:%02X:%02X:%02X:%02X", rc.rc_bdaddr[5],
		 rc.rc_bdaddr[4], rc.rc_bdaddr[3], rc.rc_bdaddr[2], rc.rc_bdaddr[1],
		 rc.rc_bdaddr[0]);
	snprintf(peer, len, "rfcomm:%s", addr);
	/* BlueZ let only a paired, authorized device through; narrower if asked */
	if (!a->n_bdaddr)
		return true;
	for (i = 0; i < a->n_bdaddr; i++)
		if (!strcasecmp(a->bdaddr[i], addr))
			return true;
	return false;
}

bool sapd_allowed(int fd, enum sapd_kind kind, const struct sapd_allow *allow,
		  char *peer, size_t len)
{
	switch (kind) {
	case SAPD_UNIX:
		return allowed_unix(fd, allow, peer, len);
	case SAPD_TCP:
		return allowed_tcp(fd, allow, peer, len);
	case SAPD_RFCOMM:
		return allowed_rfcomm(fd, allow, peer, len);
	}
	return false;
}
