// SPDX-License-Identifier: GPL-2.0
/*
 * vuicc-vpcd: relays a card (/dev/vuiccN) to pcscd through the virtual
 * smart card reader of vsmartcard (Debian vsmartcard-vpcd), so PC/SC tools
 * (pyscard, pySim, pcsc_scan) can use it.
 *
 *   vuicc-vpcd [--card N] [--listen ADDR:PORT | --connect ADDR:PORT [--wait S]] [--once]
 *
 * The vpcd protocol: each message is a 2-byte big-endian length and its
 * bytes.  One byte is a control code from vpcd (0 power off, 1 power on,
 * 2 reset, 4 "send the ATR"); anything longer is a command APDU, answered
 * with the response APDU.  --connect ADDR:PORT dials a vpcd that listens
 * (Debian's default reader.conf: port 35963), retrying for --wait seconds;
 * --listen (the default, 127.0.0.1:35963) waits for a vpcd configured in
 * "reversed" mode to dial in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vuicc.h>

enum { VPCD_OFF = 0, VPCD_ON = 1, VPCD_RESET = 2, VPCD_ATR = 4 };

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static int send_msg(int s, const void *data, size_t len)
{
	unsigned char hdr[2] = { len >> 8, len & 0xff };

	if (write(s, hdr, 2) != 2 || write(s, data, len) != (ssize_t)len)
		return -1;
	return 0;
}

static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || colon - s >= (long)sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)strtoul(colon + 1, NULL, 0));
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* Serves one vpcd connection until it closes. */
static int serve(int s, int card)
{
	static unsigned char buf[VUICC_CAPDU_MAX], rsp[VUICC_RAPDU_MAX];
	unsigned char hdr[2];
	struct vuicc_status st;
	struct vuicc_reset r;
	struct vuicc_atr atr;
	char path[32];
	ssize_t n;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "/dev/vuicc%d", card);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vuicc-vpcd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (read_all(s, hdr, 2) == 0) {
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len > sizeof(buf) || read_all(s, buf, len))
			break;
		if (len == 1) {
			switch (buf[0]) {
			case VPCD_OFF:
				ioctl(fd, VUICC_IOC_POWER_OFF);
				break;
			case VPCD_ON:
				ioctl(fd, VUICC_IOC_POWER_ON, &atr);
				break;
			case VPCD_RESET:
				memset(&r, 0, sizeof(r));
				r.flags = VUICC_RESET_COLD;
				ioctl(fd, VUICC_IOC_RESET, &r);
				break;
			case VPCD_ATR:
				if (ioctl(fd, VUICC_IOC_GET_STATUS, &st) == 0 &&
				    send_msg(s, st.atr.bytes, st.atr.len))
					goto out;
				break;
			}
			continue;
		}
		n = write(fd, buf, len);
		if (n == (ssize_t)len)
			n = read(fd, rsp, sizeof(rsp));
		if (n < 2) {
			/* the card refused the frame or is off: an empty answer */
			fprintf(stderr, "vuicc-vpcd: APDU of %zu bytes: %s\n", len,
				n < 0 ? strerror(errno) : "no response");
			n = 0;
		}
		if (send_msg(s, rsp, n))
			break;
	}
out:
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1:35963";
	int card = 0, listen_mode = 1, once = 0, one = 1, wait_s = 0, l, s, i;
	struct sockaddr_in a;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			card = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			addr = argv[++i];
			listen_mode = 1;
		} else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			addr = argv[++i];
			listen_mode = 0;
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			wait_s = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--once")) {
			once = 1;
		} else {
			fprintf(stderr, "usage: %s [--card N] [--listen ADDR:PORT | --connect ADDR:PORT [--wait S]] [--once]\n",
				argv[0]);
			return 2;
		}
	}
	if (parse_addr(addr, &a)) {
		fprintf(stderr, "vuicc-vpcd: '%s' is not IPV4:PORT\n", addr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!listen_mode) {
		for (i = 0;; i++) {
			s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
				break;
			if (i >= 10 * wait_s) {
				fprintf(stderr, "vuicc-vpcd: connect %s: %s\n", addr, strerror(errno));
				return 1;
			}
			if (s >= 0)
				close(s);
			usleep(100000);
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(s, card);
		close(s);
		return 0;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		fprintf(stderr, "vuicc-vpcd: listen %s: %s\n", addr, strerror(errno));
		return 1;
	}
	do {
		s = accept(l, NULL, NULL);
		if (s < 0)
			continue;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(s, card);
		close(s);
	} while (!once);
	close(l);
	return 0;
}
