// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccctl trace: the modem side's exchange with the cards, as the kernel
 * reports it on the netlink trace group (already redacted there), printed
 * and sent as GSMTAP (UDP, for a live Wireshark) or written to a pcap file.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/gsmtap.h"
#include "lib/hex.h"
#include "lib/nl.h"
#include "vuiccctl.h"

static volatile sig_atomic_t trace_stop;

static void on_signal(int sig)
{
	trace_stop = sig;
}

struct trace_ctx {
	const struct ctl_opts *o;
	int card;
	bool quiet;
	int udp;
	FILE *pcap;
	unsigned long count, max;
	unsigned long sent_errors;
};

static const char *const event_names[] = {
	[VUICC_TRACE_EVENT_POWER_ON] = "power-on",
	[VUICC_TRACE_EVENT_POWER_OFF] = "power-off",
	[VUICC_TRACE_EVENT_RESET_COLD] = "reset-cold",
	[VUICC_TRACE_EVENT_RESET_WARM] = "reset-warm",
	[VUICC_TRACE_EVENT_ATR] = "atr",
	[VUICC_TRACE_EVENT_PPS] = "pps",
	[VUICC_TRACE_EVENT_APDU] = "apdu",
};

static void emit(struct trace_ctx *c, uint64_t t, uint8_t sub, const uint8_t *payload, size_t len)
{
	uint8_t msg[GSMTAP_SIM_MAX], rec[GSMTAP_SIM_MAX + PCAP_REC_HDR_LEN + PCAP_IPV4_UDP_LEN];
	size_t n = gsmtap_sim(msg, sizeof(msg), sub, payload, len), r;

	if (!n)
		return;
	if (c->udp >= 0 && send(c->udp, msg, n, 0) < 0)
		c->sent_errors++;
	if (c->pcap) {
		r = pcap_gsmtap_record(rec, sizeof(rec), t, msg, n);
		if (r) {
			fwrite(rec, 1, r, c->pcap);
			fflush(c->pcap);
		}
	}
}

static void print_hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02X", b[i]);
}

/* one trace record, as the kernel's attributes give it */
struct trace_rec {
	uint32_t card, ev, path;
	uint64_t t;
	bool red;
	const uint8_t *cb, *rb;
	size_t cl, rl;
};

/* a record as GSMTAP (ATR, PPS request and response, APDU); other events send nothing */
static void trace_send(struct trace_ctx *c, const struct trace_rec *x)
{
	uint8_t payload[GSMTAP_SIM_MAX];
	size_t n;

	switch (x->ev) {
	case VUICC_TRACE_EVENT_ATR:
		if (x->rb)
			emit(c, x->t, GSMTAP_SIM_ATR, x->rb, x->rl);
		break;
	case VUICC_TRACE_EVENT_PPS:
		if (x->cb)
			emit(c, x->t, GSMTAP_SIM_PPS_REQ, x->cb, x->cl);
		if (x->rb && x->rl)
			emit(c, x->t, GSMTAP_SIM_PPS_RSP, x->rb, x->rl);
		break;
	case VUICC_TRACE_EVENT_APDU:
		n = x->cb && x->rb ? gsmtap_sim_apdu_payload(payload, sizeof(payload), x->cb, x->cl,
							     x->rb, x->rl) : 0;
		if (n)
			emit(c, x->t, GSMTAP_SIM_APDU, payload, n);
		break;
	default:
		break;
	}
}

/* a record on stdout: a JSON object or a line of text */
static void trace_print(const struct trace_ctx *c, const struct trace_rec *x)
{
	const char *name = x->ev < sizeof(event_names) / sizeof(event_names[0]) &&
			   event_names[x->ev] ? event_names[x->ev] : "?";
	const char *via = x->path == VUICC_TRACE_PATH_T0 ? "t0" : "chardev";

	if (c->o->json) {
		printf("{\"time_ns\":%llu,\"card\":%u,\"path\":\"%s\",\"event\":\"%s\"",
		       (unsigned long long)x->t, x->card, via, name);
		if (x->cb) {
			printf(",\"command\":\"");
			print_hex(x->cb, x->cl);
			printf("\"");
		}
		if (x->rb) {
			printf(",\"response\":\"");
			print_hex(x->rb, x->rl);
			printf("\"");
		}
		printf(",\"redacted\":%s}\n", x->red ? "true" : "false");
	} else {
		printf("%llu.%06llu card %u %-7s %-10s", (unsigned long long)(x->t / 1000000000u),
		       (unsigned long long)(x->t % 1000000000u / 1000), x->card, via, name);
		if (x->cb) {
			putchar(' ');
			print_hex(x->cb, x->cl);
		}
		if (x->rb) {
			printf(x->cb ? " -> " : " ");
			print_hex(x->rb, x->rl);
		}
		printf("%s\n", x->red ? " (redacted)" : "");
	}
	fflush(stdout);
}

static int on_trace(const struct nlmsghdr *nlh, struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct trace_ctx *c = arg;
	struct trace_rec x = { 0 };

	if (cmd != VUICC_CMD_TRACE_NTF || !tb[VUICC_A_CARD_ID] || !tb[VUICC_A_TRACE_EVENT])
		return 0;
	x.card = nla_get_u32(tb[VUICC_A_CARD_ID]);
	if (c->card >= 0 && x.card != (uint32_t)c->card)
		return 0;
	x.ev = nla_get_u32(tb[VUICC_A_TRACE_EVENT]);
	x.path = tb[VUICC_A_TRACE_PATH] ? nla_get_u32(tb[VUICC_A_TRACE_PATH]) : 0;
	x.t = tb[VUICC_A_TRACE_TIME] ? nla_get_u64(tb[VUICC_A_TRACE_TIME]) : 0;
	x.red = tb[VUICC_A_TRACE_REDACTED] && nla_get_u8(tb[VUICC_A_TRACE_REDACTED]);
	if (tb[VUICC_A_TRACE_COMMAND]) {
		x.cb = nla_data(tb[VUICC_A_TRACE_COMMAND]);
		x.cl = (size_t)nla_len(tb[VUICC_A_TRACE_COMMAND]);
	}
	if (tb[VUICC_A_TRACE_RESPONSE]) {
		x.rb = nla_data(tb[VUICC_A_TRACE_RESPONSE]);
		x.rl = (size_t)nla_len(tb[VUICC_A_TRACE_RESPONSE]);
	}

	trace_send(c, &x);
	if (!c->quiet)
		trace_print(c, &x);
	c->count++;
	return c->max && c->count >= c->max ? 1 : 0;
}

static int open_udp(const char *spec)
{
	char host[256], *colon;
	const char *port = "4729";
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai, *a;
	int fd = -1, r;

	snprintf(host, sizeof(host), "%s", spec);
	colon = strrchr(host, ':');
	if (colon && !strchr(colon + 1, ']') && strchr(host, ':') == colon) {
		*colon = 0;
		port = colon + 1;
	}
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		ctl_err("trace: --gsmtap %s: %s", spec, gai_strerror(r));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && !connect(fd, a->ai_addr, a->ai_addrlen))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		ctl_err("trace: --gsmtap %s: %s", spec, strerror(errno));
	return fd;
}

/* the options; returns 0, or 1 after an error message */
static int trace_args(int argc, char **argv, struct trace_ctx *c, const char **gsmtap,
		      const char **pcap, long *duration)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc) {
			c->card = ctl_parse_card(argv[++i]);
			if (c->card < 0)
				return ctl_err("trace: --card needs a card number");
		} else if (!strcmp(argv[i], "--gsmtap") && i + 1 < argc) {
			*gsmtap = argv[++i];
		} else if (!strcmp(argv[i], "--pcap") && i + 1 < argc) {
			*pcap = argv[++i];
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			c->max = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			*duration = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
			c->quiet = true;
		} else {
			return ctl_err("trace: unexpected argument '%s' (trace [--card N] "
				       "[--gsmtap HOST[:PORT]] [--pcap FILE] [--count N] "
				       "[--duration S] [--quiet])", argv[i]);
		}
	}
	return 0;
}

/* records from the trace group until a signal, --count or --duration; returns the exit code */
static int trace_loop(struct vnl *v, int fd, struct trace_ctx *c, long duration)
{
	struct pollfd p;
	struct timespec start, now;
	int r, rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	p.fd = fd;
	p.events = POLLIN;
	while (!trace_stop) {
		int wait = -1;

		if (duration > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long ms = duration * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
						     (now.tv_nsec - start.tv_nsec) / 1000000);
			if (ms <= 0)
				break;
			wait = (int)ms;
		}
		r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ctl_err("trace: poll: %s", strerror(errno));
			break;
		}
		if (!r)
			continue;
		r = vnl_events_read(v, on_trace, c);
		if (r == -ENOBUFS) {
			fprintf(stderr, "%s: trace: the kernel dropped records (too fast)\n", prog);
			continue;
		}
		if (r < 0) {
			rc = ctl_err("trace: %s", strerror(-r));
			break;
		}
		if (c->max && c->count >= c->max)
			break;
	}
	return rc;
}

int cmd_trace(int argc, char **argv, const struct ctl_opts *o)
{
	struct trace_ctx c = { .o = o, .card = -1, .udp = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *gsmtap = NULL, *pcap = NULL;
	uint8_t hdr[PCAP_HDR_LEN];
	long duration = 0;
	struct vnl v;
	int fd, rc;

	rc = trace_args(argc, argv, &c, &gsmtap, &pcap, &duration);
	if (rc)
		return rc;
	if (gsmtap) {
		c.udp = open_udp(gsmtap);
		if (c.udp < 0)
			return 1;
	}
	if (pcap) {
		c.pcap = !strcmp(pcap, "-") ? stdout : fopen(pcap, "wb");
		if (!c.pcap)
			return ctl_err("trace: %s: %s", pcap, strerror(errno));
		if (c.pcap == stdout)
			c.quiet = true;
		pcap_file_header(hdr);
		fwrite(hdr, 1, sizeof(hdr), c.pcap);
		fflush(c.pcap);
	}
	if (vnl_open(&v))
		return ctl_err("trace: %s", v.err);
	fd = vnl_events_open_group(&v, VUICC_MCGRP_TRACE);
	if (fd < 0) {
		rc = ctl_err("trace: %s", v.err);
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = trace_loop(&v, fd, &c, duration);
out:
	vnl_close(&v);
	if (c.pcap && c.pcap != stdout)
		fclose(c.pcap);
	if (c.udp >= 0)
		close(c.udp);
	return rc;
}
