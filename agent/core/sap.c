// SPDX-License-Identifier: GPL-2.0
/*
 * The Bluetooth SIM Access Profile, SAP V11r00: the message codec (§5.1
 * messages, §5.2 parameters, §5.3 padding and byte order) and the server's
 * state machine (§4.1 connect with the MaxMsgSize negotiation, §4.2 - 4.4
 * disconnect by the client and by the server, graceful or immediate, §4.5
 * TRANSFER_APDU, §4.7 TRANSFER_ATR, §4.8 - 4.10 POWER_SIM_OFF / ON and
 * RESET_SIM, §4.11 card reader status, §4.12 STATUS_IND, §4.13 set transport
 * protocol, §5.1.19 ERROR_RESP).  No I/O, no clock, no logging, no
 * allocation: see sap.h.
 *
 * Where the spec leaves a choice, the choice is written down as "Choice:".
 */
#include <errno.h>
#include <string.h>

#include "core/sap.h"

#define PAD4(n)		((4 - ((n) & 3)) & 3)

/* the card reader status byte (GSM 11.14 §12.33) */
#define CRS_ID_MASK	0x07	/* b1-b3: identity of the reader: 0 */
#define CRS_REMOVABLE	0x08	/* b4: not set, the reader is not removable */
#define CRS_PRESENT	0x10	/* b5: the reader is present */
#define CRS_ID1		0x20	/* b6: not set, not an ID-1 size reader */
#define CRS_CARD	0x40	/* b7: a card is present */
#define CRS_POWERED	0x80	/* b8: the card is powered */

/* the longest output one input message can cause: TRANSFER_APDU_RESP, or
 * CONNECT_RESP (at most 20 bytes) and STATUS_IND (12) */
#define SAP_RESP_MAX	SAP_MAX_MSG_SIZE_MIN

static void wipe(void *p, size_t n)
{
	if (n)
		explicit_bzero(p, n);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- the codec ---- */

/*
 * Walks the header and the parameter headers of the message at @buf.
 * Returns its length (> 0), 0 if more bytes are needed to tell, -EBADMSG,
 * or -EMSGSIZE as soon as what is known of it exceeds @max.  *@known (if
 * not NULL) is set to the message's length once the last parameter header
 * has been read (even if that length exceeds @max), else to 0.
 */
static long frame_walk(const uint8_t *buf, size_t len, size_t max, size_t *known)
{
	unsigned int i, n;
	size_t off = SAP_HDR_LEN;

	if (known)
		*known = 0;
	if (SAP_HDR_LEN > max)
		return -EMSGSIZE;
	if (len < SAP_HDR_LEN) {
		/* the reserved bytes can be judged before the header is all there */
		if ((len > 2 && buf[2]) || (len > 3 && buf[3]))
			return -EBADMSG;
		if (len > 1 && buf[1] > SAP_PARAMS_MAX)
			return -EBADMSG;
		return 0;
	}
	if (buf[2] || buf[3] || buf[1] > SAP_PARAMS_MAX)
		return -EBADMSG;
	n = buf[1];
	for (i = 0; i < n; i++) {
		size_t plen;

		if (off + SAP_PARAM_HDR_LEN > max)
			return -EMSGSIZE;
		if (len > off + 1 && buf[off + 1])
			return -EBADMSG;
		if (len < off + SAP_PARAM_HDR_LEN)
			return 0;
		plen = get_be16(buf + off + 2);
		off += SAP_PARAM_HDR_LEN + plen + PAD4(plen);
		if (known && i == n - 1)
			*known = off;
		if (off > max)
			return -EMSGSIZE;
	}
	return (long)off;
}

long sap_frame_len(const uint8_t *buf, size_t len, size_t max)
{
	return frame_walk(buf, len, max, NULL);
}

const struct sap_param *sap_param_find(const struct sap_msg *m, uint8_t id)
{
	unsigned int i;

	for (i = 0; i < m->nparams && i < SAP_PARAMS_MAX; i++)
		if (m->p[i].id == id)
			return &m->p[i];
	return NULL;
}

/* the length a parameter must have: > 0 fixed, 0 variable (nonzero) */
static int param_fixed_len(uint8_t id)
{
	switch (id) {
	case SAP_P_MAX_MSG_SIZE:
		return 2;
	case SAP_P_CONNECTION_STATUS:
	case SAP_P_RESULT_CODE:
	case SAP_P_DISCONNECTION_TYPE:
	case SAP_P_CARD_READER_STATUS:
	case SAP_P_STATUS_CHANGE:
	case SAP_P_TRANSPORT_PROTOCOL:
		return 1;
	case SAP_P_COMMAND_APDU:
	case SAP_P_RESPONSE_APDU:
	case SAP_P_ATR:
	case SAP_P_COMMAND_APDU_7816:
		return 0;
	}
	return -1;
}

/* the highest value a one-byte parameter may take (§5.2), or 255 */
static unsigned int param_max_val(uint8_t id)
{
	switch (id) {
	case SAP_P_CONNECTION_STATUS:
		return SAP_CONN_OK_ONGOING_CALL;
	case SAP_P_RESULT_CODE:
		return SAP_R_NOT_SUPPORTED;
	case SAP_P_DISCONNECTION_TYPE:
		return SAP_DISC_IMMEDIATE;
	case SAP_P_STATUS_CHANGE:
		return SAP_ST_CARD_RECOVERED;
	case SAP_P_TRANSPORT_PROTOCOL:
		return 1;
	}
	return 255;
}

/* is @p the parameter @id with a valid length and value? */
static bool param_is(const struct sap_param *p, uint8_t id)
{
	int fixed = param_fixed_len(id);

	if (p->id != id || fixed < 0 || !p->val)
		return false;
	if (fixed ? p->len != fixed : p->len == 0)
		return false;
	if (fixed == 1 && p->val[0] > param_max_val(id))
		return false;
	return true;
}

/*
 * The parameters of each message (§5.1), in the order of the spec:
 * the first is mandatory; the second, if any, is there exactly when the
 * first says OK (a response's data) or says why (CONNECT_RESP's MaxMsgSize).
 */
int sap_msg_check(const struct sap_msg *m)
{
	const struct sap_param *p = m->p;
	unsigned int n = m->nparams;
	uint8_t v;

	if (n > SAP_PARAMS_MAX)
		return -EPROTO;
	switch (m->id) {
	case SAP_DISCONNECT_REQ:
	case SAP_DISCONNECT_RESP:
	case SAP_TRANSFER_ATR_REQ:
	case SAP_POWER_SIM_OFF_REQ:
	case SAP_POWER_SIM_ON_REQ:
	case SAP_RESET_SIM_REQ:
	case SAP_TRANSFER_CARD_READER_STATUS_REQ:
	case SAP_ERROR_RESP:
		return n == 0 ? 0 : -EPROTO;
	case SAP_CONNECT_REQ:
		return n == 1 && param_is(&p[0], SAP_P_MAX_MSG_SIZE) ? 0 : -EPROTO;
	case SAP_DISCONNECT_IND:
		return n == 1 && param_is(&p[0], SAP_P_DISCONNECTION_TYPE) ? 0 : -EPROTO;
	case SAP_STATUS_IND:
		return n == 1 && param_is(&p[0], SAP_P_STATUS_CHANGE) ? 0 : -EPROTO;
	case SAP_SET_TRANSPORT_PROTOCOL_REQ:
		return n == 1 && param_is(&p[0], SAP_P_TRANSPORT_PROTOCOL) ? 0 : -EPROTO;
	case SAP_POWER_SIM_OFF_RESP:
	case SAP_POWER_SIM_ON_RESP:
	case SAP_RESET_SIM_RESP:
	case SAP_SET_TRANSPORT_PROTOCOL_RESP:
		return n == 1 && param_is(&p[0], SAP_P_RESULT_CODE) ? 0 : -EPROTO;
	case SAP_TRANSFER_APDU_REQ:
		/* exactly one of CommandAPDU and CommandAPDU7816 (§5.1.6) */
		if (n != 1)
			return -EPROTO;
		return param_is(&p[0], SAP_P_COMMAND_APDU) ||
		       param_is(&p[0], SAP_P_COMMAND_APDU_7816) ? 0 : -EPROTO;
	case SAP_CONNECT_RESP:
		/* MaxMsgSize only with "does not support" or "too small" (§5.1.2) */
		if (n < 1 || n > 2 || !param_is(&p[0], SAP_P_CONNECTION_STATUS))
			return -EPROTO;
		v = p[0].val[0];
		if (v == SAP_CONN_MAX_SIZE_UNSUPPORTED || v == SAP_CONN_MAX_SIZE_TOO_SMALL)
			return n == 2 && param_is(&p[1], SAP_P_MAX_MSG_SIZE) ? 0 : -EPROTO;
		return n == 1 ? 0 : -EPROTO;
	case SAP_TRANSFER_APDU_RESP:
	case SAP_TRANSFER_ATR_RESP:
	case SAP_TRANSFER_CARD_READER_STATUS_RESP: {
		uint8_t data = m->id == SAP_TRANSFER_APDU_RESP ? SAP_P_RESPONSE_APDU :
			       m->id == SAP_TRANSFER_ATR_RESP ? SAP_P_ATR :
			       SAP_P_CARD_READER_STATUS;

		/* the data only with ResultCode OK (§5.1.7, 5.1.9, 5.1.17) */
		if (n < 1 || n > 2 || !param_is(&p[0], SAP_P_RESULT_CODE))
			return -EPROTO;
		if (p[0].val[0] == SAP_R_OK)
			return n == 2 && param_is(&p[1], data) ? 0 : -EPROTO;
		return n == 1 ? 0 : -EPROTO;
	}
	}
	return -ENOMSG;
}

int sap_decode(const uint8_t *buf, size_t len, struct sap_msg *m)
{
	long flen = sap_frame_len(buf, len, len);
	size_t off = SAP_HDR_LEN;
	unsigned int i, k;

	memset(m, 0, sizeof(*m));
	if (flen <= 0 || (size_t)flen != len)
		return -EBADMSG;	/* truncated, trailing bytes, bad header */
	m->id = buf[0];
	m->nparams = buf[1];
	for (i = 0; i < m->nparams; i++) {
		struct sap_param *p = &m->p[i];

		p->id = buf[off];
		p->len = get_be16(buf + off + 2);
		p->val = buf + off + SAP_PARAM_HDR_LEN;
		off += SAP_PARAM_HDR_LEN + p->len;
		for (k = 0; k < PAD4(p->len); k++)
			if (buf[off + k])
				return -EBADMSG;
		off += PAD4(p->len);
	}
	return sap_msg_check(m);
}

long sap_encode(const struct sap_msg *m, uint8_t *buf, size_t max)
{
	size_t off = SAP_HDR_LEN, need = SAP_HDR_LEN;
	unsigned int i;

	if (m->nparams > SAP_PARAMS_MAX)
		return -EINVAL;
	for (i = 0; i < m->nparams; i++)
		need += SAP_PARAM_HDR_LEN + m->p[i].len + PAD4(m->p[i].len);
	if (need > max)
		return -ENOSPC;
	buf[0] = m->id;
	buf[1] = m->nparams;
	buf[2] = 0;
	buf[3] = 0;
	for (i = 0; i < m->nparams; i++) {
		const struct sap_param *p = &m->p[i];

		buf[off] = p->id;
		buf[off + 1] = 0;
		buf[off + 2] = p->len >> 8;
		buf[off + 3] = p->len & 0xff;
		off += SAP_PARAM_HDR_LEN;
		if (p->len)
			memmove(buf + off, p->val, p->len);
		off += p->len;
		memset(buf + off, 0, PAD4(p->len));
		off += PAD4(p->len);
	}
	return (long)off;
}

const char *sap_msg_name(uint8_t id)
{
	static const char *const names[] = {
		[SAP_CONNECT_REQ] = "CONNECT_REQ",
		[SAP_CONNECT_RESP] = "CONNECT_RESP",
		[SAP_DISCONNECT_REQ] = "DISCONNECT_REQ",
		[SAP_DISCONNECT_RESP] = "DISCONNECT_RESP",
		[SAP_DISCONNECT_IND] = "DISCONNECT_IND",
		[SAP_TRANSFER_APDU_REQ] = "TRANSFER_APDU_REQ",
		[SAP_TRANSFER_APDU_RESP] = "TRANSFER_APDU_RESP",
		[SAP_TRANSFER_ATR_REQ] = "TRANSFER_ATR_REQ",
		[SAP_TRANSFER_ATR_RESP] = "TRANSFER_ATR_RESP",
		[SAP_POWER_SIM_OFF_REQ] = "POWER_SIM_OFF_REQ",
		[SAP_POWER_SIM_OFF_RESP] = "POWER_SIM_OFF_RESP",
		[SAP_POWER_SIM_ON_REQ] = "POWER_SIM_ON_REQ",
		[SAP_POWER_SIM_ON_RESP] = "POWER_SIM_ON_RESP",
		[SAP_RESET_SIM_REQ] = "RESET_SIM_REQ",
		[SAP_RESET_SIM_RESP] = "RESET_SIM_RESP",
		[SAP_TRANSFER_CARD_READER_STATUS_REQ] = "TRANSFER_CARD_READER_STATUS_REQ",
		[SAP_TRANSFER_CARD_READER_STATUS_RESP] = "TRANSFER_CARD_READER_STATUS_RESP",
		[SAP_STATUS_IND] = "STATUS_IND",
		[SAP_ERROR_RESP] = "ERROR_RESP",
		[SAP_SET_TRANSPORT_PROTOCOL_REQ] = "SET_TRANSPORT_PROTOCOL_REQ",
		[SAP_SET_TRANSPORT_PROTOCOL_RESP] = "SET_TRANSPORT_PROTOCOL_RESP",
	};

	return id < sizeof(names) / sizeof(names[0]) && names[id] ? names[id] : "?";
}

const char *sap_status_change_name(uint8_t st)
{
	static const char *const names[] = {
		[SAP_ST_UNKNOWN_ERROR] = "UNKNOWN_ERROR",
		[SAP_ST_CARD_RESET] = "CARD_RESET",
		[SAP_ST_NOT_ACCESSIBLE] = "CARD_NOT_ACCESSIBLE",
		[SAP_ST_CARD_REMOVED] = "CARD_REMOVED",
		[SAP_ST_CARD_INSERTED] = "CARD_INSERTED",
		[SAP_ST_CARD_RECOVERED] = "CARD_RECOVERED",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* ---- the server ---- */

void sap_server_init(struct sap_server *s, const struct sap_card_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->state = SAP_SRV_IDLE;
	s->ops = ops;
	s->ctx = ctx;
	s->max_msg_size = SAP_MAX_MSG_SIZE_DEF;
}

static int srv_close(struct sap_server *s)
{
	s->state = SAP_SRV_CLOSED;
	return -ECONNRESET;
}

/* queues @m; on overflow the link is dropped: -ECONNRESET */
static int queue(struct sap_server *s, const struct sap_msg *m)
{
	long n;

	if (s->state == SAP_SRV_CLOSED)
		return -ECONNRESET;
	n = sap_encode(m, s->out + s->out_len, sizeof(s->out) - s->out_len);
	if (n < 0) {
		s->stats.overflows++;
		return srv_close(s);
	}
	s->out_len += (size_t)n;
	return 0;
}

static int send0(struct sap_server *s, uint8_t id)
{
	struct sap_msg m = { .id = id };

	return queue(s, &m);
}

/* a message with one one-byte parameter, and maybe a second parameter */
static int send1(struct sap_server *s, uint8_t id, uint8_t pid, uint8_t v,
		 uint8_t pid2, const uint8_t *val2, uint16_t len2)
{
	struct sap_msg m = { .id = id, .nparams = 1 };
	int rc;

	m.p[0] = (struct sap_param){ .id = pid, .len = 1, .val = &v };
	if (val2) {
		m.p[1] = (struct sap_param){ .id = pid2, .len = len2, .val = val2 };
		m.nparams = 2;
	}
	rc = queue(s, &m);
	if (rc == 0 && id == SAP_STATUS_IND)
		s->stats.status_inds++;
	return rc;
}

static int send_result(struct sap_server *s, uint8_t id, uint8_t result)
{
	return send1(s, id, SAP_P_RESULT_CODE, result, 0, NULL, 0);
}

static int send_status(struct sap_server *s, uint8_t st)
{
	return send1(s, SAP_STATUS_IND, SAP_P_STATUS_CHANGE, st, 0, NULL, 0);
}

static int send_error(struct sap_server *s)
{
	int rc = send0(s, SAP_ERROR_RESP);

	if (rc == 0)
		s->stats.error_resps++;
	return rc;
}

/* a result from a card op: a defined error, or "no reason" */
static uint8_t card_result(int r)
{
	return r >= SAP_R_OK && r <= SAP_R_NOT_SUPPORTED ? (uint8_t)r : SAP_R_ERROR;
}

static bool card_removed(struct sap_server *s)
{
	return s->card_removed || (s->ops->present && !s->ops->present(s->ctx));
}

static void card_off(struct sap_server *s)
{
	if (s->powered && s->ops->power_off)
		s->ops->power_off(s->ctx);
	s->powered = false;
	wipe(s->atr, sizeof(s->atr));
	s->atr_len = 0;
}

/* power_on or reset: keeps the ATR */
static int card_activate(struct sap_server *s, bool reset)
{
	uint8_t atr[SAP_ATR_MAX];
	size_t len = sizeof(atr);
	int r;

	r = reset ? s->ops->reset(s->ctx, atr, &len) : s->ops->power_on(s->ctx, atr, &len);
	r = card_result(r);
	if (r == SAP_R_OK) {
		s->powered = true;
		if (len > sizeof(atr))
			len = 0;	/* an op that broke its contract */
		memcpy(s->atr, atr, len);
		s->atr_len = len;
	} else if (!reset) {
		s->powered = false;
	}
	/* Choice: a failed reset leaves the card as the op left it; the
	 * client is told by the result and may power it off and on. */
	wipe(atr, sizeof(atr));
	return r;
}

/*
 * CONNECT_REQ (§4.1).  Choice: a client MaxMsgSize above ours is answered
 * 0x02 and below SAP_MAX_MSG_SIZE_MIN 0x03, both with ours, as BlueZ does;
 * the client may send CONNECT_REQ again.  With the connection made, the card
 * is powered and STATUS_IND "Card reset" follows CONNECT_RESP.  Choice: with
 * no card (no enabled profile) the connection is still made, followed by
 * STATUS_IND "Card removed" (its return, "Card inserted", is what the owner
 * will report); a card there that does not power on gives "Card not
 * accessible".  CONNECT_RESP 0x01 and 0x04 (ongoing call) are never sent:
 * the server has no other user of the card to wait for.
 */
static int on_connect(struct sap_server *s, const struct sap_msg *m)
{
	uint16_t want = get_be16(m->p[0].val);
	uint8_t ours[2] = { s->max_msg_size >> 8, s->max_msg_size & 0xff };
	uint8_t st;
	int rc;

	if (want > s->max_msg_size || want < SAP_MAX_MSG_SIZE_MIN) {
		st = want > s->max_msg_size ? SAP_CONN_MAX_SIZE_UNSUPPORTED :
					      SAP_CONN_MAX_SIZE_TOO_SMALL;
		s->stats.connect_refused++;
		return send1(s, SAP_CONNECT_RESP, SAP_P_CONNECTION_STATUS, st,
			     SAP_P_MAX_MSG_SIZE, ours, 2);
	}
	s->msg_size = want;
	rc = send1(s, SAP_CONNECT_RESP, SAP_P_CONNECTION_STATUS, SAP_CONN_OK, 0, NULL, 0);
	if (rc)
		return rc;
	s->state = SAP_SRV_CONNECTED;
	s->stats.connects++;
	if (card_removed(s))
		return send_status(s, SAP_ST_CARD_REMOVED);
	if (s->powered)
		card_off(s);	/* a cold start for the new client */
	if (card_activate(s, false) != SAP_R_OK)
		return send_status(s, SAP_ST_NOT_ACCESSIBLE);
	return send_status(s, SAP_ST_CARD_RESET);
}

/* TRANSFER_APDU_REQ (§4.5): results OK, 0x01, 0x02, 0x03, 0x04 */
static int on_apdu(struct sap_server *s, const struct sap_msg *m)
{
	const struct sap_param *cmd = &m->p[0];
	uint8_t rsp[SAP_RSP_APDU_MAX];
	size_t rlen = 0;
	uint8_t r;
	int rc;

	if (card_removed(s))
		r = SAP_R_REMOVED;
	else if (!s->powered)
		r = SAP_R_POWERED_OFF;
	else if (cmd->len < 4 || cmd->len > SAP_APDU_MAX)
		r = SAP_R_ERROR;	/* not a short APDU: T=0 cannot carry it */
	else
		r = card_result(s->ops->apdu(s->ctx, cmd->val, cmd->len, rsp, sizeof(rsp),
					     &rlen));
	if (r == SAP_R_OK && (rlen < 2 || rlen > sizeof(rsp)))
		r = SAP_R_ERROR;
	if (r == SAP_R_OK) {
		s->stats.apdus++;
		rc = send1(s, SAP_TRANSFER_APDU_RESP, SAP_P_RESULT_CODE, r,
			   SAP_P_RESPONSE_APDU, rsp, (uint16_t)rlen);
	} else {
		s->stats.apdu_errors++;
		rc = send_result(s, SAP_TRANSFER_APDU_RESP, r);
	}
	wipe(rsp, sizeof(rsp));
	return rc;
}

/* TRANSFER_ATR_REQ (§4.7): OK, 0x01, 0x03, 0x04, 0x06 */
static int on_atr(struct sap_server *s)
{
	uint8_t r;

	s->stats.atrs++;
	if (card_removed(s))
		r = SAP_R_REMOVED;
	else if (!s->powered)
		r = SAP_R_POWERED_OFF;
	else if (!s->atr_len)
		r = SAP_R_DATA_NOT_AVAILABLE;
	else
		return send1(s, SAP_TRANSFER_ATR_RESP, SAP_P_RESULT_CODE, SAP_R_OK,
			     SAP_P_ATR, s->atr, (uint16_t)s->atr_len);
	return send_result(s, SAP_TRANSFER_ATR_RESP, r);
}

/* POWER_SIM_OFF_REQ (§4.8): OK, 0x01, 0x03 (already off), 0x04 */
static int on_power_off(struct sap_server *s)
{
	uint8_t r;

	s->stats.power_offs++;
	if (card_removed(s)) {
		r = SAP_R_REMOVED;
	} else if (!s->powered) {
		r = SAP_R_POWERED_OFF;
	} else {
		r = card_result(s->ops->power_off(s->ctx));
		if (r == SAP_R_OK) {
			s->powered = false;
			wipe(s->atr, sizeof(s->atr));
			s->atr_len = 0;
		}
	}
	return send_result(s, SAP_POWER_SIM_OFF_RESP, r);
}

/* POWER_SIM_ON_REQ (§4.9): OK, 0x01, 0x02, 0x04, 0x05 (already on) */
static int on_power_on(struct sap_server *s)
{
	uint8_t r;

	s->stats.power_ons++;
	if (card_removed(s))
		r = SAP_R_REMOVED;
	else if (s->powered)
		r = SAP_R_POWERED_ON;
	else
		r = card_activate(s, false);
	return send_result(s, SAP_POWER_SIM_ON_RESP, r);
}

/* RESET_SIM_REQ (§4.10): OK, 0x01, 0x02, 0x03 (powered off), 0x04 */
static int on_reset(struct sap_server *s)
{
	uint8_t r;

	s->stats.resets++;
	if (card_removed(s))
		r = SAP_R_REMOVED;
	else if (!s->powered)
		r = SAP_R_POWERED_OFF;
	else
		r = card_activate(s, true);
	return send_result(s, SAP_RESET_SIM_RESP, r);
}

/* TRANSFER_CARD_READER_STATUS_REQ (§4.11): the GSM 11.14 §12.33 byte */
static int on_reader_status(struct sap_server *s)
{
	uint8_t st = CRS_PRESENT;

	s->stats.reader_status++;
	if (!card_removed(s)) {
		st |= CRS_CARD;
		if (s->powered)
			st |= CRS_POWERED;
	}
	return send1(s, SAP_TRANSFER_CARD_READER_STATUS_RESP, SAP_P_RESULT_CODE, SAP_R_OK,
		     SAP_P_CARD_READER_STATUS, &st, 1);
}

/*
 * SET_TRANSPORT_PROTOCOL_REQ (§4.13): the server resets the card to use
 * the protocol asked for.  The card is T=0 only: T=0 resets it (OK, or the
 * reset's error; 0x03 / 0x04 if powered off / removed), T=1 is answered
 * 0x07 "not supported" and the card is left alone.  Choice: no STATUS_IND
 * follows the response (the response tells the client the card was reset;
 * it reads the ATR with TRANSFER_ATR_REQ).
 */
static int on_protocol(struct sap_server *s, const struct sap_msg *m)
{
	uint8_t r;

	s->stats.protocol_reqs++;
	if (m->p[0].val[0] != 0)
		r = SAP_R_NOT_SUPPORTED;
	else if (card_removed(s))
		r = SAP_R_REMOVED;
	else if (!s->powered)
		r = SAP_R_POWERED_OFF;
	else
		r = card_activate(s, true);
	return send_result(s, SAP_SET_TRANSPORT_PROTOCOL_RESP, r);
}

/* DISCONNECT_REQ (§4.2): DISCONNECT_RESP; the client closes the link */
static int on_disconnect(struct sap_server *s)
{
	int rc = send0(s, SAP_DISCONNECT_RESP);

	s->stats.disconnects++;
	card_off(s);
	srv_close(s);
	return rc ? rc : -ECONNRESET;
}

/* one whole message of @len bytes */
static int handle(struct sap_server *s, const uint8_t *buf, size_t len)
{
	struct sap_msg m;
	int rc = sap_decode(buf, len, &m);

	if (rc == -ENOMSG) {
		s->stats.unknown_msgs++;
		return send_error(s);
	}
	if (rc) {
		s->stats.bad_msgs++;
		return send_error(s);
	}
	if (s->state == SAP_SRV_IDLE) {
		if (m.id == SAP_CONNECT_REQ)
			return on_connect(s, &m);
		s->stats.out_of_order++;
		return send_error(s);
	}
	/*
	 * Connected, or disconnecting gracefully.  Choice: during a graceful
	 * disconnect the client may still use the card (it is to finish, e.g.
	 * detach from the network, §4.3.1), so every request is served; BlueZ
	 * serves only APDUs then.
	 */
	switch (m.id) {
	case SAP_DISCONNECT_REQ:
		return on_disconnect(s);
	case SAP_TRANSFER_APDU_REQ:
		return on_apdu(s, &m);
	case SAP_TRANSFER_ATR_REQ:
		return on_atr(s);
	case SAP_POWER_SIM_OFF_REQ:
		return on_power_off(s);
	case SAP_POWER_SIM_ON_REQ:
		return on_power_on(s);
	case SAP_RESET_SIM_REQ:
		return on_reset(s);
	case SAP_TRANSFER_CARD_READER_STATUS_REQ:
		return on_reader_status(s);
	case SAP_SET_TRANSPORT_PROTOCOL_REQ:
		return on_protocol(s, &m);
	}
	/* CONNECT_REQ again, or a message only a server sends */
	s->stats.out_of_order++;
	return send_error(s);
}

/* answers the whole messages at the start of s->in; keeps the rest */
static int drain(struct sap_server *s)
{
	size_t off = 0;
	int rc = 0;

	while (s->state != SAP_SRV_CLOSED && off < s->in_len) {
		size_t avail = s->in_len - off, known;
		size_t limit = s->state == SAP_SRV_IDLE ? s->max_msg_size : s->msg_size;
		long n = frame_walk(s->in + off, avail, limit, &known);

		if (n == 0)
			break;
		if (n == -EBADMSG) {
			s->stats.bad_msgs++;
			send_error(s);
			rc = srv_close(s);
			break;
		}
		if (n == -EMSGSIZE) {
			/*
			 * Choice (the spec says nothing of a message over
			 * MaxMsgSize): ERROR_RESP, and the message skipped if
			 * its last parameter header says where it ends.
			 */
			s->stats.oversized++;
			if (!known) {
				send_error(s);
				rc = srv_close(s);
				break;
			}
			rc = send_error(s);
			if (rc)
				break;
			if (known > avail) {
				s->skip = known - avail;
				off = s->in_len;
			} else {
				off += known;
			}
			continue;
		}
		if ((size_t)n > avail)
			break;
		rc = handle(s, s->in + off, (size_t)n);
		wipe(s->in + off, (size_t)n);
		off += (size_t)n;
		if (rc)
			break;
	}
	if (s->state == SAP_SRV_CLOSED) {
		wipe(s->in, s->in_len);
		s->in_len = 0;
		return -ECONNRESET;
	}
	if (off) {
		memmove(s->in, s->in + off, s->in_len - off);
		wipe(s->in + s->in_len - off, off);
		s->in_len -= off;
	}
	return rc;
}

int sap_server_input(struct sap_server *s, const uint8_t *buf, size_t len)
{
	while (len) {
		size_t n;
		int rc;

		if (s->state == SAP_SRV_CLOSED)
			return -ECONNRESET;
		if (s->skip) {
			n = len < s->skip ? len : s->skip;
			s->skip -= n;
			buf += n;
			len -= n;
			continue;
		}
		n = sizeof(s->in) - s->in_len;
		if (n > len)
			n = len;
		memcpy(s->in + s->in_len, buf, n);
		s->in_len += n;
		buf += n;
		len -= n;
		rc = drain(s);
		if (rc)
			return rc;
	}
	return s->state == SAP_SRV_CLOSED ? -ECONNRESET : 0;
}

size_t sap_server_output(const struct sap_server *s, const uint8_t **p)
{
	*p = s->out;
	return s->out_len;
}

void sap_server_sent(struct sap_server *s, size_t n)
{
	if (n > s->out_len)
		n = s->out_len;
	memmove(s->out, s->out + n, s->out_len - n);
	wipe(s->out + s->out_len - n, n);
	s->out_len -= n;
}

bool sap_server_want_input(const struct sap_server *s)
{
	return s->state != SAP_SRV_CLOSED && s->out_len + SAP_RESP_MAX <= sizeof(s->out);
}

/*
 * STATUS_IND (§4.12), while connected (also while disconnecting gracefully:
 * the client is still connected then).  The card state follows the event:
 * removed (unpowered), inserted (there, unpowered: the client powers it on),
 * reset or recovered (powered).  Choice: the ATR of a card reset by someone
 * else is not known here; TRANSFER_ATR_REQ then gives the last one known.
 */
void sap_server_card_event(struct sap_server *s, enum sap_status_change st)
{
	switch (st) {
	case SAP_ST_CARD_REMOVED:
		s->card_removed = true;
		s->powered = false;
		wipe(s->atr, sizeof(s->atr));
		s->atr_len = 0;
		break;
	case SAP_ST_CARD_INSERTED:
		s->card_removed = false;
		s->powered = false;
		break;
	case SAP_ST_CARD_RESET:
	case SAP_ST_CARD_RECOVERED:
		s->card_removed = false;
		s->powered = true;
		break;
	case SAP_ST_UNKNOWN_ERROR:
	case SAP_ST_NOT_ACCESSIBLE:
		break;
	default:
		return;
	}
	if (s->state == SAP_SRV_CONNECTED || s->state == SAP_SRV_DISCONNECTING)
		send_status(s, st);
}

/* DISCONNECT_IND (§4.3): graceful waits for DISCONNECT_REQ, immediate closes */
void sap_server_disconnect(struct sap_server *s, enum sap_disc_type type)
{
	switch (s->state) {
	case SAP_SRV_CLOSED:
		return;
	case SAP_SRV_IDLE:
		srv_close(s);	/* no SAP connection to tell about */
		return;
	case SAP_SRV_DISCONNECTING:
		if (type == SAP_DISC_GRACEFUL)
			return;
		break;
	case SAP_SRV_CONNECTED:
		break;
	}
	if (type == SAP_DISC_GRACEFUL) {
		if (send1(s, SAP_DISCONNECT_IND, SAP_P_DISCONNECTION_TYPE, SAP_DISC_GRACEFUL,
			  0, NULL, 0) == 0)
			s->state = SAP_SRV_DISCONNECTING;
		return;
	}
	send1(s, SAP_DISCONNECT_IND, SAP_P_DISCONNECTION_TYPE, SAP_DISC_IMMEDIATE, 0, NULL, 0);
	s->stats.disconnects++;
	card_off(s);
	srv_close(s);
}

void sap_server_link_lost(struct sap_server *s)
{
	card_off(s);
	s->state = SAP_SRV_IDLE;
	s->msg_size = 0;
	wipe(s->in, s->in_len);
	s->in_len = 0;
	s->skip = 0;
	wipe(s->out, s->out_len);
	s->out_len = 0;
}
