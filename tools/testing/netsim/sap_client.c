// SPDX-License-Identifier: GPL-2.0
/*
 * netsim's SIM Access Profile client (sim = sap ADDRESS): the modem reaches
 * its card through a SAP server (vuicc-sap) as a car kit reaches a phone's,
 * over a stream socket or RFCOMM.  Written from SAP V11r00 alone, sharing
 * nothing with vuicc's server (agent/core/sap.c), so that each checks the
 * other.  A message (§5.1):
 *
 *   MsgId(1) NumberOfParameters(1) Reserved(2)
 *   { ParameterId(1) Reserved(1) Length(2, big-endian) Value Padding(to 4) }
 *
 * Requests wait for their response (a modem's card is synchronous); a
 * STATUS_IND or DISCONNECT_IND that comes meanwhile, or between requests,
 * is queued for the modem (nsap_poll(), nsap_next_status()).  Nothing here
 * logs message contents: APDUs carry PINs, RANDs and keys.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "netsim.h"

enum {
	CONNECT_REQ = 0x00, CONNECT_RESP, DISCONNECT_REQ, DISCONNECT_RESP, DISCONNECT_IND,
	TRANSFER_APDU_REQ, TRANSFER_APDU_RESP, TRANSFER_ATR_REQ, TRANSFER_ATR_RESP,
	POWER_SIM_OFF_REQ, POWER_SIM_OFF_RESP, POWER_SIM_ON_REQ, POWER_SIM_ON_RESP,
	RESET_SIM_REQ, RESET_SIM_RESP, STATUS_IND = 0x11, ERROR_RESP = 0x12,
};
enum {
	P_MAX_MSG_SIZE = 0x00, P_CONNECTION_STATUS = 0x01, P_RESULT_CODE = 0x02,
	P_DISCONNECTION_TYPE = 0x03, P_COMMAND_APDU = 0x04, P_RESPONSE_APDU = 0x05,
	P_ATR = 0x06, P_STATUS_CHANGE = 0x08,
};
enum { RES_OK = 0, RES_POWERED_OFF = 3, RES_POWERED_ON = 5 };

/* AF_BLUETOOTH / RFCOMM without libbluetooth's headers */
#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif
#define NS_BTPROTO_RFCOMM 3
struct ns_sockaddr_rc {
	sa_family_t rc_family;
	uint8_t rc_bdaddr[6];		/* little-endian: the last byte first */
	uint8_t rc_channel;
};

#define SAP_TIMEOUT_MS 5000

struct sap_msg {
	uint8_t id, n;
	struct { uint8_t id; uint16_t len; const uint8_t *val; } p[4];
	uint8_t raw[NS_SAP_BUF];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int sap_connect_addr(const char *addr, char *err, size_t errlen)
{
	char buf[NS_PATH_MAX], *port;
	int fd = -1, one = 1;

	snprintf(buf, sizeof(buf), "%s", addr);
	if (!strncmp(buf, "unix:", 5)) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (strlen(buf + 5) >= sizeof(un.sun_path)) {
			snprintf(err, errlen, "%s: path too long", addr);
			return -ENAMETOOLONG;
		}
		strcpy(un.sun_path, buf + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
	} else if (!strncmp(buf, "tcp:", 4) && (port = strrchr(buf + 4, ':'))) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL, *a;
		char *host = buf + 4;

		*port++ = 0;
		if (*host == '[' && host[strlen(host) - 1] == ']') {
			host[strlen(host) - 1] = 0;
			host++;
		}
		if (getaddrinfo(host, port, &hints, &ai)) {
			snprintf(err, errlen, "%s: no such host", addr);
			return -EHOSTUNREACH;
		}
		for (a = ai; a; a = a->ai_next) {
			fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
				break;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		if (fd >= 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		errno = errno ? errno : ECONNREFUSED;
	} else if (!strncmp(buf, "rfcomm:", 7) && (port = strrchr(buf + 7, ':'))) {
		struct ns_sockaddr_rc rc = { .rc_family = AF_BLUETOOTH };
		unsigned int b[6], ch;
		int i;

		*port++ = 0;
		if (sscanf(buf + 7, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4],
			   &b[5]) != 6 || sscanf(port, "%u", &ch) != 1 || ch < 1 || ch > 30) {
			snprintf(err, errlen, "%s: rfcomm:BDADDR:CHANNEL (1-30)", addr);
			return -EINVAL;
		}
		for (i = 0; i < 6; i++)
			rc.rc_bdaddr[i] = (uint8_t)b[5 - i];
		rc.rc_channel = (uint8_t)ch;
		fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, NS_BTPROTO_RFCOMM);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&rc, sizeof(rc)) == 0)
			return fd;
	} else {
		snprintf(err, errlen, "%s: unix:PATH, tcp:HOST:PORT or rfcomm:BDADDR:CHANNEL", addr);
		return -EINVAL;
	}
	{
		int e = errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", addr, strerror(e));
		return -e;
	}
}

static int sap_send(struct ns_sap *s, uint8_t id, uint8_t pid, const uint8_t *val, size_t len)
{
	uint8_t b[NS_SAP_BUF];
	size_t n = 4, off = 0;

	if (s->fd < 0)
		return -ENOTCONN;
	if (len + 12 > sizeof(b))
		return -EMSGSIZE;
	memset(b, 0, sizeof(b));
	b[0] = id;
	if (val) {
		b[1] = 1;
		b[4] = pid;
		b[6] = (uint8_t)(len >> 8);
		b[7] = (uint8_t)len;
		memcpy(b + 8, val, len);
		n = 8 + len + (-len & 3);	/* zero padding to a multiple of 4 */
	}
	while (off < n) {
		ssize_t w = send(s->fd, b + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->lost = true;
			return -ECONNRESET;
		}
		off += (size_t)w;
	}
	return 0;
}

/* the length of the message at the start of the input; 0 more bytes needed, -1 malformed */
static long frame(const struct ns_sap *s)
{
	size_t off = 4;
	unsigned int i;

	if (s->in_len < 4)
		return 0;
	if (s->in[1] > 4 || s->in[2] || s->in[3])
		return -1;
	for (i = 0; i < s->in[1]; i++) {
		size_t len;

		if (s->in_len < off + 4)
			return 0;
		len = (size_t)s->in[off + 2] << 8 | s->in[off + 3];
		off += 4 + len + (-len & 3);
		if (off > NS_SAP_BUF)
			return -1;
	}
	return s->in_len >= off ? (long)off : 0;
}

static int decode(struct sap_msg *m, size_t len)
{
	size_t off = 4;
	unsigned int i;

	m->id = m->raw[0];
	m->n = m->raw[1];
	for (i = 0; i < m->n; i++) {
		m->p[i].id = m->raw[off];
		m->p[i].len = (uint16_t)(m->raw[off + 2] << 8 | m->raw[off + 3]);
		m->p[i].val = m->raw + off + 4;
		if (m->raw[off + 1])
			return -1;
		off += 4 + m->p[i].len + (-m->p[i].len & 3);
	}
	return off == len ? 0 : -1;
}

static const uint8_t *param(const struct sap_msg *m, uint8_t id, size_t *len)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->p[i].id == id) {
			if (len)
				*len = m->p[i].len;
			return m->p[i].val;
		}
	return NULL;
}

static int param_byte(const struct sap_msg *m, uint8_t id)
{
	size_t len;
	const uint8_t *v = param(m, id, &len);

	return v && len == 1 ? v[0] : -1;
}

static void link_lost(struct ns_sap *s)
{
	s->lost = true;
	s->powered = false;
}

/*
 * Reads one message, waiting at most @timeout_ms (0: only what is there).
 * Returns 1 with @m filled, 0 none, -ECONNRESET when the link is gone or
 * broke the framing (a stream cannot be resynchronised).
 */
static int sap_read(struct ns_sap *s, struct sap_msg *m, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	if (s->fd < 0 || s->lost)
		return -ECONNRESET;
	for (;;) {
		long n = frame(s);
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		uint64_t t;
		ssize_t r;

		if (n < 0) {
			link_lost(s);
			return -ECONNRESET;
		}
		if (n > 0) {
			memcpy(m->raw, s->in, (size_t)n);
			memmove(s->in, s->in + n, s->in_len - (size_t)n);
			s->in_len -= (size_t)n;
			if (decode(m, (size_t)n)) {
				link_lost(s);
				return -ECONNRESET;
			}
			return 1;
		}
		t = now_ms();
		if (poll(&pfd, 1, t >= end ? 0 : (int)(end - t)) <= 0)
			return 0;
		r = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			link_lost(s);
			return -ECONNRESET;
		}
		s->in_len += (size_t)r;
	}
}

/* an indication: queued for the modem */
static void indication(struct ns_sap *s, const struct sap_msg *m)
{
	int st = param_byte(m, P_STATUS_CHANGE);

	s->inds++;
	if (m->id == DISCONNECT_IND) {
		/*
		 * graceful: finish and disconnect; immediate: the link goes.
		 * Either way the card is gone for the modem.
		 */
		if (param_byte(m, P_DISCONNECTION_TYPE) == 0)
			sap_send(s, DISCONNECT_REQ, 0, NULL, 0);
		link_lost(s);
		return;
	}
	if (st < 0)
		return;
	if (st == NS_SAP_ST_REMOVED || st == NS_SAP_ST_NOT_ACCESSIBLE)
		s->powered = false;
	if (st == NS_SAP_ST_RESET && s->in_reset)
		return;		/* the reset the client asked for */
	if (s->n_status < sizeof(s->status))
		s->status[s->n_status++] = (uint8_t)st;
	else
		s->status[sizeof(s->status) - 1] = (uint8_t)st;	/* the latest counts */
}

/* the response @id to the request just sent; indications queued meanwhile */
static int sap_wait(struct ns_sap *s, uint8_t id, struct sap_msg *m)
{
	uint64_t end = now_ms() + SAP_TIMEOUT_MS;

	for (;;) {
		uint64_t t = now_ms();
		int r = sap_read(s, m, t >= end ? 0 : (int)(end - t));

		if (r < 0)
			return r;
		if (r == 0) {
			/* no answer: the link cannot be trusted for the next request */
			link_lost(s);
			return -ETIMEDOUT;
		}
		if (m->id == STATUS_IND || m->id == DISCONNECT_IND) {
			indication(s, m);
			if (s->lost)
				return -ECONNRESET;
			continue;
		}
		if (m->id == id)
			return 0;
		if (m->id == ERROR_RESP)
			return -EPROTO;
		link_lost(s);
		return -EPROTO;
	}
}

static int request(struct ns_sap *s, uint8_t req, uint8_t resp, uint8_t pid,
		   const uint8_t *val, size_t len, struct sap_msg *m)
{
	int r = sap_send(s, req, pid, val, len);

	return r ? r : sap_wait(s, resp, m);
}

int nsap_open(struct ns_sap *s, const char *addr, char *err, size_t errlen)
{
	struct sap_msg *m = malloc(sizeof(*m));
	uint16_t size = NS_SAP_MSG_SIZE;
	int tries, r, st;

	s->fd = -1;
	s->in_len = s->n_status = 0;
	s->lost = s->powered = false;
	if (!m)
		return -ENOMEM;
	r = sap_connect_addr(addr, err, errlen);
	if (r < 0)
		goto out;
	s->fd = r;
	/* §4.1: a MaxMsgSize the server cannot take is answered with its own */
	for (tries = 0; tries < 2; tries++) {
		uint8_t v[2] = { (uint8_t)(size >> 8), (uint8_t)size };
		const uint8_t *mx;
		size_t len;

		r = request(s, CONNECT_REQ, CONNECT_RESP, P_MAX_MSG_SIZE, v, 2, m);
		if (r) {
			snprintf(err, errlen, "%s: CONNECT_REQ: %s", addr, strerror(-r));
			goto out;
		}
		st = param_byte(m, P_CONNECTION_STATUS);
		if (st == 0x00 || st == 0x04)
			break;
		mx = param(m, P_MAX_MSG_SIZE, &len);
		if ((st == 0x02 || st == 0x03) && mx && len == 2 &&
		    (size_t)(mx[0] << 8 | mx[1]) <= NS_SAP_BUF && tries == 0) {
			size = (uint16_t)(mx[0] << 8 | mx[1]);
			continue;
		}
		snprintf(err, errlen, "%s: CONNECT_RESP status %d", addr, st);
		r = -ECONNREFUSED;
		goto out;
	}
	if (tries == 2) {
		snprintf(err, errlen, "%s: no MaxMsgSize agreed", addr);
		r = -ECONNREFUSED;
		goto out;
	}
	s->msg_size = size;
	/* §4.1: the server tells the card's state (reset: powered, the ATR next) */
	r = sap_read(s, m, SAP_TIMEOUT_MS);
	if (r == 1 && m->id == STATUS_IND) {
		st = param_byte(m, P_STATUS_CHANGE);
		s->powered = st == NS_SAP_ST_RESET;
		free(m);
		return st < 0 ? NS_SAP_ST_UNKNOWN : st;
	}
	snprintf(err, errlen, "%s: no STATUS_IND after CONNECT_RESP", addr);
	r = -EPROTO;
out:
	free(m);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return r < 0 ? r : -EPROTO;
}

void nsap_close(struct ns_sap *s)
{
	if (s->fd < 0)
		return;
	if (!s->lost) {
		struct sap_msg *m = malloc(sizeof(*m));

		if (m && !sap_send(s, DISCONNECT_REQ, 0, NULL, 0))
			sap_wait(s, DISCONNECT_RESP, m);
		free(m);
	}
	close(s->fd);
	s->fd = -1;
	s->lost = true;
	s->powered = false;
}

static int result(struct sap_msg *m)
{
	return param_byte(m, P_RESULT_CODE);
}

int nsap_power_on(struct ns_sap *s, uint8_t *atr, size_t *atr_len)
{
	struct sap_msg *m = malloc(sizeof(*m));
	const uint8_t *a;
	size_t len = 0;
	int r;

	if (!m)
		return -ENOMEM;
	/* a powered card is reset (a cold start for the modem), else powered on */
	s->in_reset = true;
	r = request(s, s->powered ? RESET_SIM_REQ : POWER_SIM_ON_REQ,
		    s->powered ? RESET_SIM_RESP : POWER_SIM_ON_RESP, 0, NULL, 0, m);
	if (!r && result(m) == RES_POWERED_OFF)
		r = request(s, POWER_SIM_ON_REQ, POWER_SIM_ON_RESP, 0, NULL, 0, m);
	else if (!r && result(m) == RES_POWERED_ON)
		r = request(s, RESET_SIM_REQ, RESET_SIM_RESP, 0, NULL, 0, m);
	if (!r && result(m) != RES_OK)
		r = -EIO;
	if (!r)
		s->powered = true;
	if (!r)
		r = request(s, TRANSFER_ATR_REQ, TRANSFER_ATR_RESP, 0, NULL, 0, m);
	if (!r) {
		a = param(m, P_ATR, &len);
		if (result(m) != RES_OK || !a || len > *atr_len)
			r = -EIO;
		else {
			memcpy(atr, a, len);
			*atr_len = len;
		}
	}
	s->in_reset = false;
	free(m);
	return r;
}

int nsap_power_off(struct ns_sap *s)
{
	struct sap_msg *m;
	int r;

	if (s->fd < 0 || s->lost || !s->powered)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = request(s, POWER_SIM_OFF_REQ, POWER_SIM_OFF_RESP, 0, NULL, 0, m);
	s->powered = false;
	free(m);
	return r;
}

long nsap_apdu(struct ns_sap *s, const uint8_t *c, size_t len, uint8_t *rsp, size_t max)
{
	struct sap_msg *m;
	const uint8_t *v;
	size_t n = 0;
	long r;

	if (8 + len + (-len & 3) > s->msg_size)
		return -EMSGSIZE;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = request(s, TRANSFER_APDU_REQ, TRANSFER_APDU_RESP, P_COMMAND_APDU, c, len, m);
	if (!r) {
		v = param(m, P_RESPONSE_APDU, &n);
		if (result(m) != RES_OK || !v || n < 2)
			r = -EIO;	/* the card is off, removed, not accessible */
		else if (n > max)
			r = -ENOSPC;
		else {
			memcpy(rsp, v, n);
			r = (long)n;
		}
	}
	free(m);
	return r;
}

int nsap_poll(struct ns_sap *s)
{
	struct sap_msg *m;
	int r;

	if (s->fd < 0 || s->lost)
		return -ECONNRESET;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	while ((r = sap_read(s, m, 0)) == 1) {
		if (m->id == STATUS_IND || m->id == DISCONNECT_IND)
			indication(s, m);
		/* else a response nobody waits for: dropped */
	}
	free(m);
	return r < 0 ? r : 0;
}

int nsap_next_status(struct ns_sap *s)
{
	int st;

	if (!s->n_status)
		return -1;
	st = s->status[0];
	memmove(s->status, s->status + 1, --s->n_status);
	return st;
}
