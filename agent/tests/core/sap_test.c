// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the SIM Access Profile codec and server (agent/core/sap.c):
 * hand-made byte vectors of every message (SAP V11r00 §5), every kind of
 * rejection, sap_frame_len() on every prefix, the server with a fake card
 * (sessions, the MaxMsgSize negotiation, order, power, removal, disconnects
 * both ways, a flood, input a byte at a time, oversized messages), and a
 * fuzz loop: what sap_decode() accepts re-encodes to the same bytes, and a
 * server fed random streams keeps its invariants.
 *
 *   VUICC_SAP_FUZZ_COUNT (default 1000000: about 1 s plain, 2 s with ASan and
 *   UBSan on the machine it was written on), VUICC_SAP_FUZZ_SEED (default fixed)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sap.h"
#include "../testlib.h"

/* "00 01 ab" -> bytes */
static size_t hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int x;
	int k;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x%n", &x, &k) != 1 || k != 2)
			abort();
		out[n++] = (uint8_t)x;
		s += 2;
	}
	return n;
}

/* ---- the fake card ---- */

static const uint8_t fake_atr[] = { 0x3b, 0x02, 0x14, 0x50 };

struct fake {
	bool present;
	bool powered;
	bool fail_power_on;
	unsigned int power_ons, power_offs, resets, apdus;
	size_t last_cmd_len;
};

static struct fake card;

static int f_power_on(void *ctx, uint8_t *atr, size_t *len)
{
	struct fake *f = ctx;

	if (!f->present)
		return SAP_R_REMOVED;
	if (f->fail_power_on)
		return SAP_R_NOT_ACCESSIBLE;
	f->powered = true;
	f->power_ons++;
	memcpy(atr, fake_atr, sizeof(fake_atr));
	*len = sizeof(fake_atr);
	return SAP_R_OK;
}

static int f_power_off(void *ctx)
{
	struct fake *f = ctx;

	f->powered = false;
	f->power_offs++;
	return SAP_R_OK;
}

static int f_reset(void *ctx, uint8_t *atr, size_t *len)
{
	struct fake *f = ctx;

	if (!f->powered)
		return SAP_R_POWERED_OFF;
	f->resets++;
	memcpy(atr, fake_atr, sizeof(fake_atr));
	*len = sizeof(fake_atr);
	return SAP_R_OK;
}

/* READ BINARY (B0) answers Le bytes (0: 256) and 90 00; others 90 00 */
static int f_apdu(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max,
		  size_t *rlen)
{
	struct fake *f = ctx;
	size_t n = 0, i;

	f->apdus++;
	f->last_cmd_len = len;
	if (len == 5 && cmd[1] == 0xb0)
		n = cmd[4] ? cmd[4] : 256;
	if (n + 2 > max)
		return SAP_R_ERROR;
	for (i = 0; i < n; i++)
		rsp[i] = (uint8_t)i;
	rsp[n] = 0x90;
	rsp[n + 1] = 0x00;
	*rlen = n + 2;
	return SAP_R_OK;
}

static bool f_present(void *ctx)
{
	return ((struct fake *)ctx)->present;
}

static const struct sap_card_ops fops = {
	.power_on = f_power_on,
	.power_off = f_power_off,
	.reset = f_reset,
	.apdu = f_apdu,
	.present = f_present,
};

static struct sap_server srv;

static void srv_start(bool present)
{
	memset(&card, 0, sizeof(card));
	card.present = present;
	sap_server_init(&srv, &fops, &card);
}

/* feeds hex, returns sap_server_input()'s result */
static int feed(const char *h)
{
	uint8_t b[1024];
	size_t n = hex(h, b);

	return sap_server_input(&srv, b, n);
}

/* takes all output and compares it with hex */
static bool out_is(const char *h)
{
	uint8_t b[4096];
	const uint8_t *p;
	size_t n = hex(h, b), len = sap_server_output(&srv, &p);
	bool ok = len == n && memcmp(p, b, n) == 0;

	if (!ok) {
		size_t i;

		fprintf(stderr, "output (%zu):", len);
		for (i = 0; i < len && i < 64; i++)
			fprintf(stderr, " %02x", p[i]);
		fprintf(stderr, "\nwanted (%zu): %s\n", n, h);
	}
	sap_server_sent(&srv, len);
	return ok;
}

#define CONNECT_0118	"00 01 00 00 00 00 00 02 01 18 00 00"
#define CONN_OK		"01 01 00 00 01 00 00 01 00 00 00 00"
#define IND(st)		"11 01 00 00 08 00 00 01 " st " 00 00 00"
#define RESULT(id, r)	id " 01 00 00 02 00 00 01 " r " 00 00 00"
#define ERROR_RESP	"12 00 00 00"
#define SELECT_MF	"05 01 00 00 04 00 00 07 a0 a4 00 00 02 3f 00 00"
#define APDU_OK_9000	"06 02 00 00 02 00 00 01 00 00 00 00 05 00 00 02 90 00 00 00"

/* ---- the codec ---- */

static const struct vec {
	const char *hex;
	uint8_t id, nparams;
} vecs[] = {
	{ CONNECT_0118, SAP_CONNECT_REQ, 1 },
	{ CONN_OK, SAP_CONNECT_RESP, 1 },
	{ "01 02 00 00 01 00 00 01 02 00 00 00 00 00 00 02 02 00 00 00", SAP_CONNECT_RESP, 2 },
	{ "01 02 00 00 01 00 00 01 03 00 00 00 00 00 00 02 02 00 00 00", SAP_CONNECT_RESP, 2 },
	{ "01 01 00 00 01 00 00 01 04 00 00 00", SAP_CONNECT_RESP, 1 },
	{ "02 00 00 00", SAP_DISCONNECT_REQ, 0 },
	{ "03 00 00 00", SAP_DISCONNECT_RESP, 0 },
	{ "04 01 00 00 03 00 00 01 00 00 00 00", SAP_DISCONNECT_IND, 1 },
	{ "04 01 00 00 03 00 00 01 01 00 00 00", SAP_DISCONNECT_IND, 1 },
	{ SELECT_MF, SAP_TRANSFER_APDU_REQ, 1 },
	{ "05 01 00 00 04 00 00 05 a0 c0 00 00 16 00 00 00", SAP_TRANSFER_APDU_REQ, 1 },
	{ "05 01 00 00 10 00 00 04 00 a4 00 04", SAP_TRANSFER_APDU_REQ, 1 },
	{ "06 02 00 00 02 00 00 01 00 00 00 00 05 00 00 02 9f 17 00 00", SAP_TRANSFER_APDU_RESP, 2 },
	{ "06 01 00 00 02 00 00 01 03 00 00 00", SAP_TRANSFER_APDU_RESP, 1 },
	{ "07 00 00 00", SAP_TRANSFER_ATR_REQ, 0 },
	{ "08 02 00 00 02 00 00 01 00 00 00 00 06 00 00 04 3b 02 14 50", SAP_TRANSFER_ATR_RESP, 2 },
	{ "08 01 00 00 02 00 00 01 06 00 00 00", SAP_TRANSFER_ATR_RESP, 1 },
	{ "09 00 00 00", SAP_POWER_SIM_OFF_REQ, 0 },
	{ RESULT("0a", "00"), SAP_POWER_SIM_OFF_RESP, 1 },
	{ "0b 00 00 00", SAP_POWER_SIM_ON_REQ, 0 },
	{ RESULT("0c", "05"), SAP_POWER_SIM_ON_RESP, 1 },
	{ "0d 00 00 00", SAP_RESET_SIM_REQ, 0 },
	{ RESULT("0e", "04"), SAP_RESET_SIM_RESP, 1 },
	{ "0f 00 00 00", SAP_TRANSFER_CARD_READER_STATUS_REQ, 0 },
	{ "10 02 00 00 02 00 00 01 00 00 00 00 07 00 00 01 d0 00 00 00",
	  SAP_TRANSFER_CARD_READER_STATUS_RESP, 2 },
	{ RESULT("10", "06"), SAP_TRANSFER_CARD_READER_STATUS_RESP, 1 },
	{ IND("01"), SAP_STATUS_IND, 1 },
	{ IND("05"), SAP_STATUS_IND, 1 },
	{ ERROR_RESP, SAP_ERROR_RESP, 0 },
	{ "13 01 00 00 09 00 00 01 00 00 00 00", SAP_SET_TRANSPORT_PROTOCOL_REQ, 1 },
	{ "13 01 00 00 09 00 00 01 01 00 00 00", SAP_SET_TRANSPORT_PROTOCOL_REQ, 1 },
	{ RESULT("14", "07"), SAP_SET_TRANSPORT_PROTOCOL_RESP, 1 },
};

#define N_VECS (sizeof(vecs) / sizeof(vecs[0]))

static void test_codec_vectors(void)
{
	unsigned int i, seen = 0;

	for (i = 0; i < N_VECS; i++) {
		uint8_t b[256], e[256];
		size_t n = hex(vecs[i].hex, b);
		struct sap_msg m;
		long len;

		CHECK(sap_decode(b, n, &m) == 0);
		CHECK(m.id == vecs[i].id && m.nparams == vecs[i].nparams);
		CHECK(sap_frame_len(b, n, SAP_MSG_MAX) == (long)n);
		len = sap_encode(&m, e, sizeof(e));
		CHECK(len == (long)n);
		CHECK_MEM(e, b, n);
		CHECK(sap_encode(&m, e, n - 1) == -ENOSPC);
		CHECK(strcmp(sap_msg_name(m.id), "?") != 0);
		seen |= 1u << m.id;
	}
	CHECK(seen == (1u << 0x15) - 1);	/* every MsgId 0x00 - 0x14 */

	/* decoded values */
	{
		uint8_t b[64];
		size_t n = hex(CONNECT_0118, b);
		struct sap_msg m;
		const struct sap_param *p;

		CHECK(sap_decode(b, n, &m) == 0);
		p = sap_param_find(&m, SAP_P_MAX_MSG_SIZE);
		CHECK(p && p->len == 2 && p->val == b + 8 && p->val[0] == 1 && p->val[1] == 0x18);
		CHECK(sap_param_find(&m, SAP_P_ATR) == NULL);
	}
	/* an encoded message built by hand */
	{
		static const uint8_t apdu[] = { 0xa0, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00 };
		struct sap_msg m = { .id = SAP_TRANSFER_APDU_REQ, .nparams = 1 };
		uint8_t b[64], e[64];
		size_t n = hex(SELECT_MF, b);

		m.p[0] = (struct sap_param){ SAP_P_COMMAND_APDU, sizeof(apdu), apdu };
		CHECK(sap_encode(&m, e, sizeof(e)) == (long)n);
		CHECK_MEM(e, b, n);
		m.nparams = SAP_PARAMS_MAX + 1;
		CHECK(sap_encode(&m, e, sizeof(e)) < 0);
	}
	CHECK(strcmp(sap_msg_name(0x15), "?") == 0);
	CHECK(strcmp(sap_msg_name(0xff), "?") == 0);
	CHECK(strcmp(sap_msg_name(SAP_TRANSFER_APDU_REQ), "TRANSFER_APDU_REQ") == 0);
	CHECK(strcmp(sap_status_change_name(SAP_ST_CARD_REMOVED), "CARD_REMOVED") == 0);
	CHECK(strcmp(sap_status_change_name(6), "?") == 0);
}

static const struct rej {
	const char *hex;
	int rc;
} rejs[] = {
	/* header: reserved, too many parameters, truncated, trailing */
	{ "02 00 01 00", -EBADMSG },
	{ "02 00 00 80", -EBADMSG },
	{ "02 05 00 00", -EBADMSG },
	{ "02 00 00", -EBADMSG },
	{ "", -EBADMSG },
	{ "02 00 00 00 00", -EBADMSG },
	{ "02 00 00 00 02 00 00 00", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18 00", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18", -EBADMSG },
	{ "00 01 00 00 00 00 00", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18 00 00 00", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18 00 00 00 00 00 00", -EBADMSG },
	/* parameter reserved, padding */
	{ "00 01 00 00 00 01 00 02 01 18 00 00", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18 00 01", -EBADMSG },
	{ "00 01 00 00 00 00 00 02 01 18 01 00", -EBADMSG },
	{ "05 01 00 00 04 00 00 05 a0 c0 00 00 16 00 01 00", -EBADMSG },
	{ "15 01 00 00 00 00 00 01 00 00 ff 00", -EBADMSG },	/* before the MsgId */
	/* unknown MsgId */
	{ "15 00 00 00", -ENOMSG },
	{ "ff 00 00 00", -ENOMSG },
	{ "80 01 00 00 00 00 00 01 00 00 00 00", -ENOMSG },
	/* wrong parameters */
	{ "00 00 00 00", -EPROTO },
	{ "00 01 00 00 01 00 00 02 01 18 00 00", -EPROTO },
	{ "00 01 00 00 00 00 00 01 01 00 00 00", -EPROTO },
	{ "00 01 00 00 00 00 00 03 01 18 00 00", -EPROTO },
	{ "00 02 00 00 00 00 00 02 01 18 00 00 00 00 00 02 01 18 00 00", -EPROTO },
	{ "02 01 00 00 01 00 00 01 00 00 00 00", -EPROTO },
	{ "12 01 00 00 02 00 00 01 00 00 00 00", -EPROTO },
	{ "05 00 00 00", -EPROTO },
	{ "05 01 00 00 04 00 00 00", -EPROTO },
	{ "05 01 00 00 05 00 00 02 90 00 00 00", -EPROTO },
	{ "05 02 00 00 04 00 00 04 a0 a4 00 00 10 00 00 04 00 a4 00 04", -EPROTO },
	{ "06 01 00 00 02 00 00 01 00 00 00 00", -EPROTO },	/* OK, no data */
	{ "06 02 00 00 02 00 00 01 01 00 00 00 05 00 00 02 90 00 00 00", -EPROTO },
	{ "06 02 00 00 05 00 00 02 90 00 00 00 02 00 00 01 00 00 00 00", -EPROTO },
	{ "06 01 00 00 02 00 00 01 08 00 00 00", -EPROTO },	/* ResultCode 8 */
	{ "08 02 00 00 02 00 00 01 00 00 00 00 05 00 00 02 90 00 00 00", -EPROTO },
	{ "10 02 00 00 02 00 00 01 00 00 00 00 07 00 00 02 d0 00 00 00", -EPROTO },
	{ "10 02 00 00 02 00 00 01 00 00 00 00 02 00 00 01 00 00 00 00", -EPROTO },
	{ "01 01 00 00 01 00 00 01 02 00 00 00", -EPROTO },	/* 0x02, no size */
	{ "01 02 00 00 01 00 00 01 00 00 00 00 00 00 00 02 02 00 00 00", -EPROTO },
	{ "01 01 00 00 01 00 00 01 05 00 00 00", -EPROTO },
	{ "04 01 00 00 03 00 00 01 02 00 00 00", -EPROTO },
	{ "04 00 00 00", -EPROTO },
	{ "11 01 00 00 08 00 00 01 06 00 00 00", -EPROTO },
	{ "11 01 00 00 02 00 00 01 01 00 00 00", -EPROTO },
	{ "13 01 00 00 09 00 00 01 02 00 00 00", -EPROTO },
	{ "13 01 00 00 09 00 00 02 00 00 00 00", -EPROTO },
	{ "14 00 00 00", -EPROTO },
	{ "0a 01 00 00 07 00 00 01 00 00 00 00", -EPROTO },
};

static void test_codec_rejects(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(rejs) / sizeof(rejs[0]); i++) {
		uint8_t b[256];
		size_t n = hex(rejs[i].hex, b);
		struct sap_msg m;
		int rc = sap_decode(b, n, &m);

		if (rc != rejs[i].rc)
			fprintf(stderr, "reject %u (%s): %d, wanted %d\n", i, rejs[i].hex, rc,
				rejs[i].rc);
		CHECK(rc == rejs[i].rc);
	}
}

static void test_frame_len(void)
{
	unsigned int i;
	uint8_t b[512];
	size_t n, k;

	for (i = 0; i < N_VECS; i++) {
		long last = 0;

		n = hex(vecs[i].hex, b);
		for (k = 0; k <= n; k++) {
			long l = sap_frame_len(b, k, SAP_MSG_MAX);

			/* 0 until told, then the length; never less than known */
			CHECK(l == 0 || l == (long)n);
			CHECK(last == 0 || l == last);
			last = l;
		}
		CHECK(last == (long)n);
		/* a second message after it */
		memcpy(b + n, b, n);
		CHECK(sap_frame_len(b, 2 * n, SAP_MSG_MAX) == (long)n);
		CHECK(sap_frame_len(b, n, n) == (long)n);
		if (n > 4)
			CHECK(sap_frame_len(b, n, n - 1) == -EMSGSIZE);
	}
	/* a long parameter is too long as soon as its header is there */
	n = hex("05 01 00 00 04 00 ff ff", b);
	CHECK(sap_frame_len(b, n, 512) == -EMSGSIZE);
	CHECK(sap_frame_len(b, n - 1, 512) == 0);
	CHECK(sap_frame_len(b, n, SAP_MSG_MAX) == -EMSGSIZE);	/* 65544 */
	n = hex("05 01 00 00 04 00 ff f3", b);
	CHECK(sap_frame_len(b, n, SAP_MSG_MAX) == SAP_MSG_MAX - 3);
	/* a bad header is bad as soon as its byte is there */
	n = hex("05 01 01", b);
	CHECK(sap_frame_len(b, n, 512) == -EBADMSG);
	n = hex("05 09", b);
	CHECK(sap_frame_len(b, n, 512) == -EBADMSG);
	n = hex("05 01 00 00 04 01", b);
	CHECK(sap_frame_len(b, n, 512) == -EBADMSG);
	CHECK(sap_frame_len(b, 0, 512) == 0);
	CHECK(sap_frame_len(b, 4, 3) == -EMSGSIZE);
}

/* ---- the server ---- */

static void connect_ok(void)
{
	CHECK(feed(CONNECT_0118) == 0);
	CHECK(out_is(CONN_OK IND("01")));
	CHECK(srv.state == SAP_SRV_CONNECTED && srv.msg_size == 0x118);
}

static void test_session(void)
{
	uint8_t b[512];
	const uint8_t *p;
	size_t n;

	srv_start(true);
	CHECK(srv.state == SAP_SRV_IDLE && sap_server_want_input(&srv));
	connect_ok();
	CHECK(card.powered && card.power_ons == 1);

	CHECK(feed("07 00 00 00") == 0);
	CHECK(out_is("08 02 00 00 02 00 00 01 00 00 00 00 06 00 00 04 3b 02 14 50"));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(APDU_OK_9000));
	CHECK(card.last_cmd_len == 7);
	CHECK(feed("05 01 00 00 10 00 00 04 00 a4 00 04") == 0);	/* CommandAPDU7816 */
	CHECK(out_is(APDU_OK_9000));
	CHECK(card.last_cmd_len == 4);

	/* READ BINARY of 256 bytes: the longest response, 276 bytes */
	CHECK(feed("05 01 00 00 04 00 00 05 a0 b0 00 00 00 00 00 00") == 0);
	n = sap_server_output(&srv, &p);
	CHECK(n == SAP_MAX_MSG_SIZE_MIN && n == 276);
	CHECK(p[0] == SAP_TRANSFER_APDU_RESP && p[12] == SAP_P_RESPONSE_APDU);
	CHECK(p[14] == 0x01 && p[15] == 0x02 && p[16 + 255] == 255 && p[16 + 256] == 0x90);
	sap_server_sent(&srv, n);

	CHECK(feed("0f 00 00 00") == 0);
	CHECK(out_is("10 02 00 00 02 00 00 01 00 00 00 00 07 00 00 01 d0 00 00 00"));
	CHECK(feed("0d 00 00 00") == 0);
	CHECK(out_is(RESULT("0e", "00")));
	CHECK(card.resets == 1);

	/* power */
	CHECK(feed("0b 00 00 00") == 0);
	CHECK(out_is(RESULT("0c", "05")));	/* already on */
	CHECK(feed("09 00 00 00") == 0);
	CHECK(out_is(RESULT("0a", "00")));
	CHECK(!card.powered);
	CHECK(feed("09 00 00 00") == 0);
	CHECK(out_is(RESULT("0a", "03")));	/* already off */
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "03")));
	CHECK(feed("07 00 00 00") == 0);
	CHECK(out_is(RESULT("08", "03")));
	CHECK(feed("0d 00 00 00") == 0);
	CHECK(out_is(RESULT("0e", "03")));
	CHECK(feed("0f 00 00 00") == 0);
	CHECK(out_is("10 02 00 00 02 00 00 01 00 00 00 00 07 00 00 01 50 00 00 00"));
	CHECK(feed("13 01 00 00 09 00 00 01 00 00 00 00") == 0);
	CHECK(out_is(RESULT("14", "03")));
	CHECK(feed("0b 00 00 00") == 0);
	CHECK(out_is(RESULT("0c", "00")));
	CHECK(card.powered && card.power_ons == 2);

	/* transport protocol: T=1 not supported, T=0 resets the card */
	CHECK(feed("13 01 00 00 09 00 00 01 01 00 00 00") == 0);
	CHECK(out_is(RESULT("14", "07")));
	CHECK(card.resets == 1);
	CHECK(feed("13 01 00 00 09 00 00 01 00 00 00 00") == 0);
	CHECK(out_is(RESULT("14", "00")));
	CHECK(card.resets == 2);

	/* a short APDU and one longer than T=0 carries */
	CHECK(feed("05 01 00 00 04 00 00 03 a0 a4 00 00") == 0);
	CHECK(out_is(RESULT("06", "01")));
	n = hex("05 01 00 00 04 00 01 06", b);
	memset(b + n, 0xa0, 262);
	memset(b + n + 262, 0, 2);
	srv.msg_size = 512;	/* as if negotiated */
	CHECK(sap_server_input(&srv, b, n + 264) == 0);
	CHECK(out_is(RESULT("06", "01")));

	/* the client disconnects */
	CHECK(feed("02 00 00 00") == -ECONNRESET);
	CHECK(out_is("03 00 00 00"));
	CHECK(srv.state == SAP_SRV_CLOSED && !card.powered);
	CHECK(feed(SELECT_MF) == -ECONNRESET);
	CHECK(out_is(""));
	CHECK(!sap_server_want_input(&srv));

	CHECK(srv.stats.connects == 1 && srv.stats.connect_refused == 0);
	CHECK(srv.stats.apdus == 3 && srv.stats.apdu_errors == 3);
	CHECK(srv.stats.atrs == 2 && srv.stats.power_offs == 2 && srv.stats.power_ons == 2);
	CHECK(srv.stats.resets == 2 && srv.stats.reader_status == 2);
	CHECK(srv.stats.protocol_reqs == 3 && srv.stats.status_inds == 1);
	CHECK(srv.stats.disconnects == 1 && srv.stats.error_resps == 0);

	/* nothing of the APDUs is left in the buffers */
	{
		static const uint8_t zero[sizeof(srv.in)];

		CHECK(memcmp(srv.in, zero, sizeof(srv.in)) == 0);
		CHECK(memcmp(srv.out, zero, sizeof(srv.out)) == 0);
	}
	sap_server_link_lost(&srv);
	CHECK(srv.state == SAP_SRV_IDLE);
	connect_ok();	/* a new link */
}

static void test_negotiation(void)
{
	srv_start(true);
	CHECK(feed("00 01 00 00 00 00 00 02 ff ff 00 00") == 0);
	CHECK(out_is("01 02 00 00 01 00 00 01 02 00 00 00 00 00 00 02 02 00 00 00"));
	CHECK(srv.state == SAP_SRV_IDLE && !card.powered);
	CHECK(feed("00 01 00 00 00 00 00 02 02 01 00 00") == 0);	/* 513 */
	CHECK(out_is("01 02 00 00 01 00 00 01 02 00 00 00 00 00 00 02 02 00 00 00"));
	CHECK(feed("00 01 00 00 00 00 00 02 01 00 00 00") == 0);	/* 256 */
	CHECK(out_is("01 02 00 00 01 00 00 01 03 00 00 00 00 00 00 02 02 00 00 00"));
	CHECK(feed("00 01 00 00 00 00 00 02 01 13 00 00") == 0);	/* 275 */
	CHECK(out_is("01 02 00 00 01 00 00 01 03 00 00 00 00 00 00 02 02 00 00 00"));
	CHECK(srv.stats.connect_refused == 4 && srv.stats.connects == 0);
	CHECK(feed("00 01 00 00 00 00 00 02 01 14 00 00") == 0);	/* 276 */
	CHECK(out_is(CONN_OK IND("01")));
	CHECK(srv.msg_size == 276);

	srv_start(true);
	CHECK(feed("00 01 00 00 00 00 00 02 02 00 00 00") == 0);	/* 512 */
	CHECK(out_is(CONN_OK IND("01")));
	CHECK(srv.msg_size == 512);
	/* CONNECT_REQ again */
	CHECK(feed(CONNECT_0118) == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.state == SAP_SRV_CONNECTED && srv.stats.out_of_order == 1);
}

static void test_card_absent(void)
{
	srv_start(false);
	CHECK(feed(CONNECT_0118) == 0);
	CHECK(out_is(CONN_OK IND("03")));
	CHECK(srv.state == SAP_SRV_CONNECTED && card.power_ons == 0);
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "04")));
	CHECK(feed("0b 00 00 00") == 0);
	CHECK(out_is(RESULT("0c", "04")));
	CHECK(feed("07 00 00 00") == 0);
	CHECK(out_is(RESULT("08", "04")));
	CHECK(feed("0f 00 00 00") == 0);
	CHECK(out_is("10 02 00 00 02 00 00 01 00 00 00 00 07 00 00 01 10 00 00 00"));
	/* the profile comes back */
	card.present = true;
	sap_server_card_event(&srv, SAP_ST_CARD_INSERTED);
	CHECK(out_is(IND("04")));
	CHECK(feed("0b 00 00 00") == 0);
	CHECK(out_is(RESULT("0c", "00")));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(APDU_OK_9000));

	/* there, but it does not power on */
	srv_start(true);
	card.fail_power_on = true;
	CHECK(feed(CONNECT_0118) == 0);
	CHECK(out_is(CONN_OK IND("02")));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "03")));
	CHECK(feed("0b 00 00 00") == 0);
	CHECK(out_is(RESULT("0c", "02")));
}

static void test_order_and_errors(void)
{
	srv_start(true);
	/* before CONNECT_REQ */
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(feed("02 00 00 00") == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(feed("07 00 00 00") == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.state == SAP_SRV_IDLE && !card.powered && card.apdus == 0);
	CHECK(srv.stats.out_of_order == 3 && srv.stats.error_resps == 3);
	connect_ok();
	/* messages only a server sends */
	CHECK(feed(IND("01")) == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(feed(ERROR_RESP) == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.stats.out_of_order == 5);
	/* unknown, bad padding, wrong parameters: answered, the link stays */
	CHECK(feed("15 00 00 00") == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(feed("05 01 00 00 04 00 00 05 a0 c0 00 00 16 00 01 00") == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(feed("13 01 00 00 09 00 00 01 02 00 00 00") == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.stats.unknown_msgs == 1 && srv.stats.bad_msgs == 2);
	CHECK(srv.state == SAP_SRV_CONNECTED);
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(APDU_OK_9000));
	/* a bad header: no way to find the next message */
	CHECK(feed("05 01 00 01") == -ECONNRESET);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.state == SAP_SRV_CLOSED && srv.stats.bad_msgs == 3);
	CHECK(srv.stats.error_resps == 9);
}

static void test_removal(void)
{
	srv_start(true);
	sap_server_card_event(&srv, SAP_ST_CARD_REMOVED);	/* not connected */
	CHECK(out_is(""));
	sap_server_card_event(&srv, SAP_ST_CARD_INSERTED);
	CHECK(out_is(""));
	connect_ok();
	card.present = false;
	sap_server_card_event(&srv, SAP_ST_CARD_REMOVED);
	CHECK(out_is(IND("03")));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "04")));
	CHECK(feed("0d 00 00 00") == 0);
	CHECK(out_is(RESULT("0e", "04")));
	CHECK(feed("09 00 00 00") == 0);
	CHECK(out_is(RESULT("0a", "04")));
	CHECK(feed("13 01 00 00 09 00 00 01 00 00 00 00") == 0);
	CHECK(out_is(RESULT("14", "04")));
	card.present = true;
	sap_server_card_event(&srv, SAP_ST_CARD_INSERTED);
	CHECK(out_is(IND("04")));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "03")));	/* inserted, not powered */
	sap_server_card_event(&srv, SAP_ST_CARD_RESET);
	CHECK(out_is(IND("01")));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(APDU_OK_9000));
	sap_server_card_event(&srv, (enum sap_status_change)9);	/* ignored */
	CHECK(out_is(""));
	CHECK(srv.stats.status_inds == 4);
	/* card removed and not told: present() says so */
	card.present = false;
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(RESULT("06", "04")));
}

static void test_disconnects(void)
{
	/* graceful: the client may finish, then DISCONNECT_REQ */
	srv_start(true);
	sap_server_disconnect(&srv, SAP_DISC_GRACEFUL);
	CHECK(srv.state == SAP_SRV_CLOSED);	/* no SAP connection: just close */
	CHECK(out_is(""));

	srv_start(true);
	connect_ok();
	sap_server_disconnect(&srv, SAP_DISC_GRACEFUL);
	CHECK(out_is("04 01 00 00 03 00 00 01 00 00 00 00"));
	CHECK(srv.state == SAP_SRV_DISCONNECTING);
	sap_server_disconnect(&srv, SAP_DISC_GRACEFUL);	/* once */
	CHECK(out_is(""));
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(APDU_OK_9000));
	sap_server_card_event(&srv, SAP_ST_CARD_RESET);
	CHECK(out_is(IND("01")));
	CHECK(feed("02 00 00 00") == -ECONNRESET);
	CHECK(out_is("03 00 00 00"));
	CHECK(srv.state == SAP_SRV_CLOSED && !card.powered);
	CHECK(srv.stats.disconnects == 1);

	/* graceful, not followed: the owner's timer makes it immediate */
	srv_start(true);
	connect_ok();
	sap_server_disconnect(&srv, SAP_DISC_GRACEFUL);
	CHECK(out_is("04 01 00 00 03 00 00 01 00 00 00 00"));
	sap_server_disconnect(&srv, SAP_DISC_IMMEDIATE);
	CHECK(out_is("04 01 00 00 03 00 00 01 01 00 00 00"));
	CHECK(srv.state == SAP_SRV_CLOSED && !card.powered);

	/* immediate */
	srv_start(true);
	connect_ok();
	sap_server_disconnect(&srv, SAP_DISC_IMMEDIATE);
	CHECK(out_is("04 01 00 00 03 00 00 01 01 00 00 00"));
	CHECK(srv.state == SAP_SRV_CLOSED && !card.powered && card.power_offs == 1);
	CHECK(feed("02 00 00 00") == -ECONNRESET);
	CHECK(out_is(""));
	sap_server_card_event(&srv, SAP_ST_CARD_REMOVED);
	CHECK(out_is(""));
	sap_server_disconnect(&srv, SAP_DISC_IMMEDIATE);
	CHECK(out_is(""));
	CHECK(srv.stats.disconnects == 1);

	/* the link goes down mid-message */
	srv_start(true);
	connect_ok();
	CHECK(feed("05 01 00 00 04 00 00 07 a0 a4") == 0);
	CHECK(srv.in_len == 10);
	sap_server_link_lost(&srv);
	CHECK(srv.state == SAP_SRV_IDLE && !card.powered && srv.in_len == 0);
	CHECK(srv.in[0] == 0 && srv.in[8] == 0);
	CHECK(feed(SELECT_MF) == 0);
	CHECK(out_is(ERROR_RESP));
}

static void test_flood(void)
{
	unsigned int i, accepted = 0;
	uint8_t b[64];
	size_t n = hex("05 01 00 00 04 00 00 05 a0 b0 00 00 00 00 00 00", b);
	int rc = 0;

	srv_start(true);
	connect_ok();
	/* a reader that respects want_input stops in time */
	while (sap_server_want_input(&srv)) {
		CHECK(sap_server_input(&srv, b, n) == 0);
		accepted++;
	}
	CHECK(accepted == SAP_SERVER_OUT_MAX / 276);
	CHECK(srv.stats.overflows == 0 && srv.state == SAP_SRV_CONNECTED);
	/* one that does not is dropped */
	for (i = 0; i < 100 && rc == 0; i++)
		rc = sap_server_input(&srv, b, n);
	CHECK(rc == -ECONNRESET && srv.state == SAP_SRV_CLOSED);
	CHECK(srv.stats.overflows == 1);
	CHECK(srv.out_len <= SAP_SERVER_OUT_MAX);
	CHECK(!sap_server_want_input(&srv));

	/* many small requests in one read: as many answered as fit */
	srv_start(true);
	connect_ok();
	{
		static uint8_t many[4 * 1000];

		for (i = 0; i < 1000; i++)
			hex("0f 00 00 00", many + 4 * i);
		CHECK(sap_server_input(&srv, many, sizeof(many)) == -ECONNRESET);
		CHECK(srv.stats.reader_status == SAP_SERVER_OUT_MAX / 20 + 1);
		CHECK(srv.stats.overflows == 1);
	}
}

/* a whole session as one block, and a byte at a time: the same output */
static void test_split(void)
{
	static const char *const session =
		CONNECT_0118 " 07 00 00 00 " SELECT_MF " 05 01 00 00 10 00 00 04 00 a4 00 04 "
		"0f 00 00 00 09 00 00 00 0b 00 00 00 15 00 00 00 0d 00 00 00 02 00 00 00";
	uint8_t in[512], whole[2048], bytes[2048];
	const uint8_t *p;
	size_t n = hex(session, in), wn, bn = 0, i;
	int rc = 0;

	srv_start(true);
	CHECK(sap_server_input(&srv, in, n) == -ECONNRESET);
	wn = sap_server_output(&srv, &p);
	memcpy(whole, p, wn);
	CHECK(srv.stats.disconnects == 1 && srv.stats.unknown_msgs == 1);

	srv_start(true);
	for (i = 0; i < n; i++) {
		size_t k;

		rc = sap_server_input(&srv, in + i, 1);
		k = sap_server_output(&srv, &p);
		memcpy(bytes + bn, p, k);
		bn += k;
		sap_server_sent(&srv, k);
		if (rc)
			break;
	}
	CHECK(rc == -ECONNRESET && i == n - 1);
	CHECK(bn == wn && memcmp(whole, bytes, wn) == 0);
	CHECK(srv.stats.disconnects == 1 && srv.stats.unknown_msgs == 1);
	CHECK(srv.stats.apdus == 2 && srv.stats.power_ons == 1);
}

static void test_oversized(void)
{
	uint8_t b[2048];
	size_t n;

	srv_start(true);
	connect_ok();	/* 0x118 = 280 */
	/* one parameter of 300 bytes: skipped, the next message answered */
	n = hex("05 01 00 00 04 00 01 2c", b);
	memset(b + n, 0x5a, 300);
	n += 300;
	n += hex(SELECT_MF, b + n);
	CHECK(sap_server_input(&srv, b, 8) == 0);	/* known from its header */
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.skip == 300 && srv.in_len == 0);
	CHECK(sap_server_input(&srv, b + 8, n - 8) == 0);
	CHECK(out_is(APDU_OK_9000));
	CHECK(srv.stats.oversized == 1 && srv.skip == 0);
	/* the same whole */
	CHECK(sap_server_input(&srv, b, n) == 0);
	CHECK(out_is(ERROR_RESP APDU_OK_9000));
	CHECK(srv.stats.oversized == 2);
	/* a first parameter too long: where it ends is not known: closed */
	n = hex("06 02 00 00 05 00 01 2c", b);
	CHECK(sap_server_input(&srv, b, n) == -ECONNRESET);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.state == SAP_SRV_CLOSED && srv.stats.oversized == 3);

	/* before CONNECT_REQ the limit is the size offered */
	srv_start(true);
	n = hex("05 01 00 00 04 00 02 00", b);
	CHECK(sap_server_input(&srv, b, n) == 0);
	CHECK(out_is(ERROR_RESP));
	CHECK(srv.skip == 512);
}

/* ---- the fuzz ---- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* a random input: random bytes, or a valid message mutated */
static size_t fuzz_input(uint8_t *b, size_t max)
{
	size_t n, i, k;

	static const char *const reqs[] = {
		CONNECT_0118, SELECT_MF, "05 01 00 00 10 00 00 04 00 a4 00 04",
		"05 01 00 00 04 00 00 05 a0 b0 00 00 00 00 00 00", "07 00 00 00", "09 00 00 00",
		"0b 00 00 00", "0d 00 00 00", "0f 00 00 00", "02 00 00 00",
		"13 01 00 00 09 00 00 01 00 00 00 00", "13 01 00 00 09 00 00 01 01 00 00 00",
	};

	switch (rnd() % 5) {
	case 4:	/* a valid request, as is */
		return hex(reqs[rnd() % (sizeof(reqs) / sizeof(reqs[0]))], b);
	case 0:
		n = rnd() % 40;
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)rnd();
		if (n >= 4 && rnd() % 2)
			b[2] = b[3] = 0;
		if (n >= 2 && rnd() % 2)
			b[1] %= 3;
		return n;
	default:
		n = hex(vecs[rnd() % N_VECS].hex, b);
		k = rnd() % 4;
		for (i = 0; i < k; i++) {
			switch (rnd() % 6) {
			case 0:	/* a byte */
				b[rnd() % n] = (uint8_t)rnd();
				break;
			case 1:	/* a bit */
				b[rnd() % n] ^= (uint8_t)(1 << (rnd() % 8));
				break;
			case 2:	/* truncated */
				n = rnd() % (n + 1);
				break;
			case 3:	/* longer */
				if (n + 8 < max) {
					size_t a = rnd() % 8;

					memset(b + n, rnd() % 2 ? 0 : (uint8_t)rnd(), a);
					n += a;
				}
				break;
			case 4:	/* a parameter length */
				if (n >= 8)
					b[7] = (uint8_t)(b[7] + (int)(rnd() % 9) - 4);
				break;
			case 5:	/* the id */
				if (n)
					b[0] = (uint8_t)(rnd() % 0x16);
				break;
			}
			if (n == 0)
				break;
		}
		return n;
	}
}

/* the output from @off on (what the last steps added) is whole messages */
static bool output_valid(size_t off)
{
	const uint8_t *p;
	size_t n = sap_server_output(&srv, &p);

	while (off < n) {
		long l = sap_frame_len(p + off, n - off, SAP_MAX_MSG_SIZE_MIN);
		struct sap_msg m;

		if (l <= 0 || (size_t)l > n - off || sap_decode(p + off, (size_t)l, &m))
			return false;
		off += (size_t)l;
	}
	return true;
}

static void test_fuzz(void)
{
	const char *cs = getenv("VUICC_SAP_FUZZ_COUNT"), *ss = getenv("VUICC_SAP_FUZZ_SEED");
	unsigned long count = cs ? strtoul(cs, NULL, 0) : 1000000, i, accepted = 0;
	uint64_t seed = ss ? strtoull(ss, NULL, 0) : 0x5a9c0de5eedULL;
	struct timespec t0, t1;
	uint8_t b[256], e[256];
	size_t from, k;
	int rc;

	rng = seed ? seed : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	srv_start(true);
	for (i = 0; i < count; i++) {
		size_t n = fuzz_input(b, sizeof(b) - 8);
		struct sap_msg m;
		long fl = sap_frame_len(b, n, SAP_MSG_MAX);

		rc = sap_decode(b, n, &m);

		if (rc == 0) {
			long l = sap_encode(&m, e, sizeof(e));

			accepted++;
			CHECK(l == (long)n && memcmp(e, b, n) == 0);
			CHECK(fl == (long)n && sap_msg_check(&m) == 0);
		} else {
			CHECK(rc == -EBADMSG || rc == -ENOMSG || rc == -EPROTO);
		}

		/* the same bytes into the server, in random pieces */
		from = srv.out_len;
		{
			size_t off = 0;

			while (off < n) {
				k = 1 + rnd() % (n - off);
				rc = sap_server_input(&srv, b + off, k);
				off += k;
				CHECK(rc == 0 || rc == -ECONNRESET);
				CHECK((rc != 0) == (srv.state == SAP_SRV_CLOSED));
				if (rc)
					break;
			}
		}
		CHECK(srv.state <= SAP_SRV_CLOSED);
		CHECK(srv.out_len <= SAP_SERVER_OUT_MAX && srv.in_len <= sizeof(srv.in));
		CHECK(srv.msg_size == 0 ||
		      (srv.msg_size >= SAP_MAX_MSG_SIZE_MIN && srv.msg_size <= srv.max_msg_size));
		CHECK(srv.msg_size || srv.state == SAP_SRV_IDLE || srv.state == SAP_SRV_CLOSED);
		CHECK(srv.skip == 0 || srv.in_len == 0);
		if (!output_valid(from)) {
			const uint8_t *q;
			size_t qn = sap_server_output(&srv, &q), j;

			fprintf(stderr, "fuzz %lu: invalid output:", i);
			for (j = 0; j < qn && j < 48; j++)
				fprintf(stderr, " %02x", q[j]);
			fprintf(stderr, "\n");
			CHECK(0);
			break;
		}
		/*
		 * The reader drains some of the output, now and then; when the
		 * server wants no input it mostly drains (an owner that heeds
		 * sap_server_want_input()), sometimes not (one that does not).
		 */
		if (rnd() % 8 == 0 || (!sap_server_want_input(&srv) && rnd() % 16))
			sap_server_sent(&srv, rnd() % (srv.out_len + 1));
		from = srv.out_len;
		switch (rnd() % 64) {
		case 0:
			sap_server_card_event(&srv, (enum sap_status_change)(rnd() % 6));
			card.present = !(rnd() % 8 == 0);
			break;
		case 1:
			sap_server_disconnect(&srv, (enum sap_disc_type)(rnd() % 2));
			break;
		case 2:
			sap_server_link_lost(&srv);
			break;
		case 3:	/* a burst of requests, heeding want_input or not */
			k = rnd() % 16;
			while (k-- && srv.state != SAP_SRV_CLOSED) {
				if (rnd() % 2 && !sap_server_want_input(&srv))
					break;
				rc = feed("05 01 00 00 04 00 00 05 a0 b0 00 00 00 00 00 00");
				CHECK(rc == 0 || (rc == -ECONNRESET && srv.state == SAP_SRV_CLOSED));
			}
			break;
		}
		if (srv.state != SAP_SRV_CLOSED && !output_valid(from)) {
			CHECK(0);
			break;
		}
		if (srv.state == SAP_SRV_CLOSED || rnd() % 256 == 0) {
			sap_server_link_lost(&srv);
			card.present = true;
			/* a connected client: most of the stream is meaningful */
			if (rnd() % 2) {
				CHECK(feed(CONNECT_0118) == 0);
				sap_server_sent(&srv, srv.out_len);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# fuzz: %lu inputs (seed 0x%llx), %lu decoded, %.2f s; server: %llu apdus, "
	       "%llu error_resps, %llu overflows\n", count, (unsigned long long)seed, accepted,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)srv.stats.apdus, (unsigned long long)srv.stats.error_resps,
	       (unsigned long long)srv.stats.overflows);
}

int main(void)
{
	RUN(test_codec_vectors);
	RUN(test_codec_rejects);
	RUN(test_frame_len);
	RUN(test_session);
	RUN(test_negotiation);
	RUN(test_card_absent);
	RUN(test_order_and_errors);
	RUN(test_removal);
	RUN(test_disconnects);
	RUN(test_flood);
	RUN(test_split);
	RUN(test_oversized);
	RUN(test_fuzz);
	DONE();
}
