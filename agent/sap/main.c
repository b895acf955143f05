// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc-sap: a SIM Access Profile (SAP V11r00) server for one vuicc card.
 *
 *   vuicc-sap --card N [--rfcomm CHANNEL] [--listen unix:PATH|tcp:HOST:PORT]...
 *             [--allow-uid UID]... [--allow-addr HOST]... [--allow-bdaddr ADDR]...
 *             [--status FILE] [--syslog] [-v]
 *
 * It holds /dev/vuiccN (the card's one opener) for its whole life and
 * serves one SAP client at a time, from whichever transport it came: a
 * second client is refused while one is connected.  Card events (a profile
 * switch, a disable) reach the client as STATUS_IND.  The counters go to
 * the status file (JSON) at most once a second, at the end of each session,
 * on SIGUSR1 and at exit.  Documentation/admin-guide/vuicc-sap.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vuicc.h>

#include "lib/log.h"
#include "sapd.h"

#define LISTEN_MAX	4
/* a client that does not complete CONNECT within this is dropped */
#define CONNECT_TIMEOUT_MS	10000

enum tag { T_SIGNAL, T_CARD, T_LISTEN, T_BLUEZ, T_SESSION };

struct session {
	int fd;			/* -1: none */
	enum sapd_kind kind;
	char peer[64];
	uint64_t since_ms;
	uint32_t events;	/* what epoll watches now */
};

struct sapd {
	struct sapd_card card;
	const char *listen_spec[LISTEN_MAX];	/* --listen, opened after the card */
	struct sapd_listener listen[LISTEN_MAX];
	unsigned int n_listen;
	struct sapd_bluez *bluez;
	uint16_t rfcomm;
	struct sapd_allow allow;
	const char *status_path;
	int ep;
	int sfd;
	struct sap_server srv;
	struct session s;
	/* counters beyond the server's */
	uint64_t sessions, refused, busy, connect_timeouts, link_errors;
	bool dirty;
	uint64_t status_ms;
	bool stop;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ep_add(int ep, int fd, uint32_t events, enum tag tag, unsigned int idx)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)tag << 32 | idx };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static const char *state_name(enum sap_server_state st)
{
	switch (st) {
	case SAP_SRV_IDLE:
		return "idle";
	case SAP_SRV_CONNECTED:
		return "connected";
	case SAP_SRV_DISCONNECTING:
		return "disconnecting";
	case SAP_SRV_CLOSED:
		return "closed";
	}
	return "?";
}

/* the status file: written to FILE.tmp and renamed, so a reader never sees half */
static void write_status(struct sapd *d)
{
	const struct sap_server_stats *st = &d->srv.stats;
	char tmp[4096 + 8];
	FILE *f;

	d->dirty = false;
	d->status_ms = now_ms();
	if (!d->status_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->status_path);
	f = fopen(tmp, "w");
	if (!f) {
		log_warn("sap: %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "{\"card\": %u, \"client\": %s%s%s, \"transport\": \"%s\", \"state\": \"%s\",\n",
		d->card.num, d->s.fd >= 0 ? "\"" : "", d->s.fd >= 0 ? d->s.peer : "null",
		d->s.fd >= 0 ? "\"" : "",
		d->s.fd < 0 ? "none" : d->s.kind == SAPD_UNIX ? "unix" :
		d->s.kind == SAPD_TCP ? "tcp" : "rfcomm",
		d->s.fd >= 0 ? state_name(d->srv.state) : "idle");
	fprintf(f, " \"bluez_registered\": %s,\n",
		d->bluez && sapd_bluez_registered(d->bluez) ? "true" : "false");
	fprintf(f, " \"sessions\": %" PRIu64 ", \"refused\": %" PRIu64 ", \"busy\": %" PRIu64
		", \"connect_timeouts\": %" PRIu64 ", \"link_errors\": %" PRIu64
		", \"card_errors\": %" PRIu64 ",\n",
		d->sessions, d->refused, d->busy, d->connect_timeouts, d->link_errors,
		d->card.card_errors);
	fprintf(f, " \"connects\": %" PRIu64 ", \"connect_refused\": %" PRIu64
		", \"apdus\": %" PRIu64 ", \"apdu_errors\": %" PRIu64 ", \"atrs\": %" PRIu64
		", \"power_offs\": %" PRIu64 ", \"power_ons\": %" PRIu64 ", \"resets\": %" PRIu64
		", \"reader_status\": %" PRIu64 ", \"protocol_reqs\": %" PRIu64 ",\n",
		st->connects, st->connect_refused, st->apdus, st->apdu_errors, st->atrs,
		st->power_offs, st->power_ons, st->resets, st->reader_status, st->protocol_reqs);
	fprintf(f, " \"status_inds\": %" PRIu64 ", \"disconnects\": %" PRIu64
		", \"error_resps\": %" PRIu64 ", \"bad_msgs\": %" PRIu64
		", \"unknown_msgs\": %" PRIu64 ", \"out_of_order\": %" PRIu64
		", \"oversized\": %" PRIu64 ", \"overflows\": %" PRIu64 "}\n",
		st->status_inds, st->disconnects, st->error_resps, st->bad_msgs,
		st->unknown_msgs, st->out_of_order, st->oversized, st->overflows);
	if (fclose(f) || rename(tmp, d->status_path))
		log_warn("sap: %s: %s", d->status_path, strerror(errno));
}

static void session_close(struct sapd *d, const char *why)
{
	if (d->s.fd < 0)
		return;
	log_notice("sap: %s: session ended (%s)", d->s.peer, why);
	epoll_ctl(d->ep, EPOLL_CTL_DEL, d->s.fd, NULL);
	/*
	 * shutdown() first: an RFCOMM socket that BlueZ handed over is still
	 * open in bluetoothd too, and only shutdown() ends the link for both
	 */
	shutdown(d->s.fd, SHUT_RDWR);
	close(d->s.fd);
	d->s.fd = -1;
	sap_server_link_lost(&d->srv);
	write_status(d);
}

/* what epoll should watch on the session: input while the server wants it, output while queued */
static void session_watch(struct sapd *d)
{
	const uint8_t *p;
	uint32_t ev = 0;

	if (d->s.fd < 0)
		return;
	if (sap_server_want_input(&d->srv) && d->srv.state != SAP_SRV_CLOSED)
		ev |= EPOLLIN;
	if (sap_server_output(&d->srv, &p))
		ev |= EPOLLOUT;
	if (ev != d->s.events) {
		struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)T_SESSION << 32 };

		epoll_ctl(d->ep, EPOLL_CTL_MOD, d->s.fd, &e);
		d->s.events = ev;
	}
}

/* writes what the server queued; closes the session when the server said so */
static void session_flush(struct sapd *d)
{
	const uint8_t *p;
	size_t n;
	ssize_t w;

	while ((n = sap_server_output(&d->srv, &p))) {
		w = send(d->s.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			d->link_errors++;
			session_close(d, w < 0 ? strerror(errno) : "write 0");
			return;
		}
		sap_server_sent(&d->srv, (size_t)w);
	}
	d->dirty = true;
	if (d->srv.state == SAP_SRV_CLOSED && !sap_server_output(&d->srv, &p)) {
		session_close(d, "SAP disconnected");
		return;
	}
	session_watch(d);
}

static void session_read(struct sapd *d)
{
	uint8_t buf[4096];
	ssize_t n;

	n = recv(d->s.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			d->link_errors++;
		session_close(d, n < 0 ? strerror(errno) : "the client closed the link");
		return;
	}
	sap_server_input(&d->srv, buf, (size_t)n);
	explicit_bzero(buf, (size_t)n);
	session_flush(d);
}

/* a connection from any transport: the one session, if it is free and the peer allowed */
static void session_open(struct sapd *d, int fd, enum sapd_kind kind, const char *bdaddr)
{
	char peer[64];
	int fl;

	if (!sapd_allowed(fd, kind, &d->allow, peer, sizeof(peer))) {
		log_warn("sap: %s: not allowed: refused", peer);
		d->refused++;
		shutdown(fd, SHUT_RDWR);
		close(fd);
		d->dirty = true;
		return;
	}
	if (d->s.fd >= 0) {
		log_warn("sap: %s: %s holds the card: refused", peer, d->s.peer);
		d->busy++;
		shutdown(fd, SHUT_RDWR);
		close(fd);
		d->dirty = true;
		return;
	}
	if (bdaddr && kind == SAPD_RFCOMM && strstr(peer, "?"))
		snprintf(peer, sizeof(peer), "rfcomm:%s", bdaddr);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	d->s.fd = fd;
	d->s.kind = kind;
	d->s.since_ms = now_ms();
	d->s.events = EPOLLIN;
	snprintf(d->s.peer, sizeof(d->s.peer), "%s", peer);
	{
		/* the counters are the server's since it started, not the session's */
		struct sap_server_stats keep = d->srv.stats;

		sap_server_init(&d->srv, &sapd_card_ops, &d->card);
		d->srv.stats = keep;
	}
	/* a pending event is old news for a new client: it will read the card afresh */
	{
		enum sap_status_change ev[2];

		sapd_card_events(&d->card, ev);
	}
	if (ep_add(d->ep, fd, EPOLLIN, T_SESSION, 0)) {
		close(fd);
		d->s.fd = -1;
		return;
	}
	d->sessions++;
	log_notice("sap: %s: connected", peer);
	write_status(d);
}

static void bluez_conn(void *arg, int fd, const char *bdaddr)
{
	session_open(arg, fd, SAPD_RFCOMM, bdaddr);
}

static void on_accept(struct sapd *d, unsigned int idx)
{
	int fd = accept4(d->listen[idx].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("sap: %s: accept: %s", d->listen[idx].spec, strerror(errno));
		return;
	}
	session_open(d, fd, d->listen[idx].kind, NULL);
}

static void on_card(struct sapd *d)
{
	enum sap_status_change ev[2];
	int i, n = sapd_card_events(&d->card, ev);

	for (i = 0; i < n; i++) {
		log_info("sap: card %u: %s", d->card.num, sap_status_change_name(ev[i]));
		if (d->s.fd >= 0)
			sap_server_card_event(&d->srv, ev[i]);
	}
	if (d->s.fd >= 0)
		session_flush(d);
}

static void on_signal(struct sapd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			write_status(d);
			continue;
		}
		log_notice("sap: signal %u: stopping", si.ssi_signo);
		d->stop = true;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vuicc-sap --card N [--rfcomm CHANNEL] [--listen unix:PATH|tcp:HOST:PORT]...\n"
		"                 [--allow-uid UID]... [--allow-addr HOST]... [--allow-bdaddr ADDR]...\n"
		"                 [--status FILE] [--syslog] [-v]\n"
		"\n"
		"A SIM Access Profile (SAP V11r00) server for the vuicc card /dev/vuiccN.\n"
		"  --rfcomm CH     register the SIM Access profile with BlueZ on RFCOMM channel CH\n"
		"                  (1-30; SAP's usual is 8): paired, authorized devices only\n"
		"  --listen SPEC   also serve a stream socket (a relay: Legato, TelAF, netsim)\n"
		"  --allow-uid U   UNIX: also let user U in (root and our own user always may)\n"
		"  --allow-addr H  TCP: let address H in (default: loopback only)\n"
		"  --allow-bdaddr A  RFCOMM: only these devices (default: any BlueZ authorized)\n"
		"  --status FILE   write the counters there (JSON)\n"
		"See Documentation/admin-guide/vuicc-sap.rst.\n");
}

static int parse_args(struct sapd *d, int argc, char **argv, bool *to_syslog, int *level)
{
	static const struct option opts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "rfcomm", required_argument, NULL, 'r' },
		{ "listen", required_argument, NULL, 'l' },
		{ "allow-uid", required_argument, NULL, 'u' },
		{ "allow-addr", required_argument, NULL, 'a' },
		{ "allow-bdaddr", required_argument, NULL, 'b' },
		{ "status", required_argument, NULL, 's' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long v;
	char *end;
	int o, card = -1;
	unsigned int i;

	d->n_listen = 0;
	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v >= VUICC_CARDS_MAX)
				goto bad;
			card = (int)v;
			break;
		case 'r':
			v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 30)
				goto bad;
			d->rfcomm = (uint16_t)v;
			break;
		case 'l':
			if (d->n_listen == LISTEN_MAX)
				goto bad;
			d->listen_spec[d->n_listen++] = optarg;
			break;
		case 'u':
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || d->allow.n_uid == SAPD_ALLOW_MAX)
				goto bad;
			d->allow.uid[d->allow.n_uid++] = (uid_t)v;
			break;
		case 'a':
			if (d->allow.n_addr == SAPD_ALLOW_MAX ||
			    strlen(optarg) >= sizeof(d->allow.addr[0]))
				goto bad;
			strcpy(d->allow.addr[d->allow.n_addr++], optarg);
			break;
		case 'b':
			if (d->allow.n_bdaddr == SAPD_ALLOW_MAX || strlen(optarg) != 17)
				goto bad;
			strcpy(d->allow.bdaddr[d->allow.n_bdaddr++], optarg);
			break;
		case 's':
			d->status_path = optarg;
			break;
		case 'S':
			*to_syslog = true;
			break;
		case 'v':
			*level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (card < 0 || optind != argc || (!d->rfcomm && !d->n_listen)) {
		fprintf(stderr, "vuicc-sap: --card and at least one of --rfcomm, --listen\n");
		usage(stderr);
		return -EINVAL;
	}
	d->card.num = (unsigned int)card;
	for (i = 0; i < LISTEN_MAX; i++)
		d->listen[i].fd = -1;
	return 0;
bad:
	fprintf(stderr, "vuicc-sap: bad value for --%s: '%s'\n",
		o == 'c' ? "card" : o == 'r' ? "rfcomm (1-30)" : o == 'l' ? "listen (at most 4)" :
		o == 'u' ? "allow-uid" : o == 'a' ? "allow-addr" : "allow-bdaddr (XX:XX:XX:XX:XX:XX)",
		optarg);
	return -EINVAL;
}

static int run(struct sapd *d)
{
	struct epoll_event evs[8];
	int i, n, timeout;

	while (!d->stop) {
		timeout = -1;
		if (d->dirty)
			timeout = 1000;
		if (d->s.fd >= 0 && d->srv.state == SAP_SRV_IDLE)
			timeout = 500;
		n = epoll_wait(d->ep, evs, 8, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("sap: epoll: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			enum tag tag = (enum tag)(evs[i].data.u64 >> 32);
			unsigned int idx = (unsigned int)evs[i].data.u64;

			switch (tag) {
			case T_SIGNAL:
				on_signal(d);
				break;
			case T_CARD:
				if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
					log_err("sap: card %u was deleted", d->card.num);
					if (d->s.fd >= 0) {
						sap_server_card_event(&d->srv, SAP_ST_CARD_REMOVED);
						sap_server_disconnect(&d->srv, SAP_DISC_IMMEDIATE);
						session_flush(d);
					}
					return 1;
				}
				on_card(d);
				break;
			case T_LISTEN:
				on_accept(d, idx);
				break;
			case T_BLUEZ:
				if (sapd_bluez_process(d->bluez))
					return 1;
				d->dirty = true;	/* bluez_registered may have changed */
				break;
			case T_SESSION:
				if (d->s.fd < 0)
					break;
				if (evs[i].events & EPOLLOUT)
					session_flush(d);
				if (d->s.fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					session_read(d);
				break;
			}
		}
		if (d->s.fd >= 0 && d->srv.state == SAP_SRV_IDLE &&
		    now_ms() - d->s.since_ms > CONNECT_TIMEOUT_MS) {
			d->connect_timeouts++;
			session_close(d, "no CONNECT_REQ in time");
		}
		if (d->dirty && now_ms() - d->status_ms >= 1000)
			write_status(d);
	}
	/* stopping: tell the client at once (SAP §5.1.5, immediate) */
	if (d->s.fd >= 0 && d->srv.state == SAP_SRV_CONNECTED) {
		sap_server_disconnect(&d->srv, SAP_DISC_IMMEDIATE);
		session_flush(d);
	}
	session_close(d, "vuicc-sap stopping");
	return 0;
}

int main(int argc, char **argv)
{
	static struct sapd d;	/* the server's buffers are large */
	bool to_syslog = false;
	int level = LOG_INFO, err, rc;
	unsigned int i;
	sigset_t mask;

	d.s.fd = -1;
	d.card.fd = -1;
	if (parse_args(&d, argc, argv, &to_syslog, &level))
		return 2;
	log_set_ident("vuicc-sap");
	log_setup(to_syslog, level);

	err = sapd_card_open(&d.card, d.card.num);
	if (err) {
		log_err("sap: /dev/vuicc%u: %s%s", d.card.num, strerror(-err),
			err == -EBUSY ? " (another program holds the card: a T=0 line, a bridge?)" :
			err == -ENOENT ? " (load vuicc.ko with enough cards=)" : "");
		return 1;
	}
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.ep < 0 || d.sfd < 0 || ep_add(d.ep, d.sfd, EPOLLIN, T_SIGNAL, 0) ||
	    ep_add(d.ep, d.card.fd, EPOLLPRI, T_CARD, 0)) {
		log_err("sap: epoll: %s", strerror(errno));
		return 1;
	}
	rc = 1;
	for (i = 0; i < d.n_listen; i++) {
		if (sapd_listen(&d.listen[i], d.listen_spec[i]) ||
		    ep_add(d.ep, d.listen[i].fd, EPOLLIN, T_LISTEN, i))
			goto out;
		log_notice("sap: card %u: listening on %s", d.card.num, d.listen_spec[i]);
	}
	if (d.rfcomm) {
		d.bluez = sapd_bluez_start(d.rfcomm, bluez_conn, &d);
		if (!d.bluez || ep_add(d.ep, sapd_bluez_fd(d.bluez), EPOLLIN, T_BLUEZ, 0))
			goto out;
	}
	write_status(&d);
	rc = run(&d);
	write_status(&d);
out:
	sapd_bluez_stop(d.bluez);
	for (i = 0; i < d.n_listen; i++)
		sapd_unlisten(&d.listen[i]);
	sapd_card_close(&d.card);
	return rc;
}
