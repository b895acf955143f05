/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Bluetooth SIM Access Profile (SAP V11r00): the message codec and the
 * server's state machine, with no I/O and no clock.
 *
 * A SAP message (SAP V11r00 §5.1) is
 *   MsgId(1) NumberOfParameters(1) Reserved(2, zero)
 *   then NumberOfParameters times:
 *     ParameterId(1) Reserved(1, zero) ParameterLength(2, big-endian)
 *     ParameterValue(ParameterLength) Padding(0-3 zero bytes, to a multiple of 4)
 *
 * The server (sap_server_*) is fed the bytes its transport reads, calls the
 * card through the sap_card_ops its owner gives it (synchronously: the
 * owner's card is /dev/vuiccN, whose ioctls do not block), and queues the
 * bytes to send; the owner writes them and closes the link when told.  The
 * same code runs behind RFCOMM, a stream socket, and in the unit tests.
 *
 * Nothing here logs: APDUs carry PINs, RANDs, RES and keys.  The server
 * counts (struct sap_server_stats); it never keeps a copy of an APDU beyond
 * the buffer it answers from, and wipes its buffers when it is reset.
 */
#ifndef VUICC_SAP_H
#define VUICC_SAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* message identifiers (SAP V11r00 §5.1.1 - 5.1.21) */
enum sap_msg_id {
	SAP_CONNECT_REQ = 0x00,
	SAP_CONNECT_RESP = 0x01,
	SAP_DISCONNECT_REQ = 0x02,
	SAP_DISCONNECT_RESP = 0x03,
	SAP_DISCONNECT_IND = 0x04,
	SAP_TRANSFER_APDU_REQ = 0x05,
	SAP_TRANSFER_APDU_RESP = 0x06,
	SAP_TRANSFER_ATR_REQ = 0x07,
	SAP_TRANSFER_ATR_RESP = 0x08,
	SAP_POWER_SIM_OFF_REQ = 0x09,
	SAP_POWER_SIM_OFF_RESP = 0x0a,
	SAP_POWER_SIM_ON_REQ = 0x0b,
	SAP_POWER_SIM_ON_RESP = 0x0c,
	SAP_RESET_SIM_REQ = 0x0d,
	SAP_RESET_SIM_RESP = 0x0e,
	SAP_TRANSFER_CARD_READER_STATUS_REQ = 0x0f,
	SAP_TRANSFER_CARD_READER_STATUS_RESP = 0x10,
	SAP_STATUS_IND = 0x11,
	SAP_ERROR_RESP = 0x12,
	SAP_SET_TRANSPORT_PROTOCOL_REQ = 0x13,
	SAP_SET_TRANSPORT_PROTOCOL_RESP = 0x14,
};

/* parameter identifiers (§5.2) */
enum sap_param_id {
	SAP_P_MAX_MSG_SIZE = 0x00,	/* 2 bytes, big-endian */
	SAP_P_CONNECTION_STATUS = 0x01,	/* 1 byte, enum sap_conn_status */
	SAP_P_RESULT_CODE = 0x02,	/* 1 byte, enum sap_result */
	SAP_P_DISCONNECTION_TYPE = 0x03,	/* 1 byte, enum sap_disc_type */
	SAP_P_COMMAND_APDU = 0x04,	/* a TS 102 221 / GSM 11.11 command */
	SAP_P_RESPONSE_APDU = 0x05,
	SAP_P_ATR = 0x06,
	SAP_P_CARD_READER_STATUS = 0x07,	/* 1 byte, GSM 11.14 §12.33 */
	SAP_P_STATUS_CHANGE = 0x08,	/* 1 byte, enum sap_status_change */
	SAP_P_TRANSPORT_PROTOCOL = 0x09,	/* 1 byte: 0 T=0, 1 T=1 */
	SAP_P_COMMAND_APDU_7816 = 0x10,	/* an ISO/IEC 7816-4 command */
};

enum sap_conn_status {
	SAP_CONN_OK = 0x00,
	SAP_CONN_ERROR = 0x01,			/* unable to establish */
	SAP_CONN_MAX_SIZE_UNSUPPORTED = 0x02,	/* MaxMsgSize given */
	SAP_CONN_MAX_SIZE_TOO_SMALL = 0x03,	/* MaxMsgSize given */
	SAP_CONN_OK_ONGOING_CALL = 0x04,
};

enum sap_result {
	SAP_R_OK = 0x00,
	SAP_R_ERROR = 0x01,		/* no reason defined */
	SAP_R_NOT_ACCESSIBLE = 0x02,
	SAP_R_POWERED_OFF = 0x03,	/* card (already) powered off */
	SAP_R_REMOVED = 0x04,
	SAP_R_POWERED_ON = 0x05,	/* card already powered on */
	SAP_R_DATA_NOT_AVAILABLE = 0x06,
	SAP_R_NOT_SUPPORTED = 0x07,
};

enum sap_disc_type {
	SAP_DISC_GRACEFUL = 0x00,
	SAP_DISC_IMMEDIATE = 0x01,
};

enum sap_status_change {
	SAP_ST_UNKNOWN_ERROR = 0x00,
	SAP_ST_CARD_RESET = 0x01,
	SAP_ST_NOT_ACCESSIBLE = 0x02,
	SAP_ST_CARD_REMOVED = 0x03,
	SAP_ST_CARD_INSERTED = 0x04,
	SAP_ST_CARD_RECOVERED = 0x05,
};

#define SAP_HDR_LEN		4
#define SAP_PARAM_HDR_LEN	4
#define SAP_PARAMS_MAX		4	/* no message of the profile has more than 2 */
/* the longest APDU the server carries: a case 4 command with 255 bytes of
 * data and Le, or 256 bytes of response data and SW1 SW2 */
#define SAP_APDU_MAX		261
#define SAP_RSP_APDU_MAX	258	/* 256 bytes of data, SW1 SW2 */
#define SAP_ATR_MAX		33	/* ISO/IEC 7816-3: TS and 32 more */
/*
 * The smallest MaxMsgSize the server accepts: its longest message,
 * TRANSFER_APDU_RESP with ResultCode (4 + 1 + 3 padding) and a 258-byte
 * ResponseAPDU (4 + 258 + 2 padding): 4 + 8 + 264 = 276.  (The longest
 * TRANSFER_APDU_REQ, a 261-byte command, is 4 + 4 + 261 + 3 = 272.)
 */
#define SAP_MAX_MSG_SIZE_MIN	(SAP_HDR_LEN + 2 * SAP_PARAM_HDR_LEN + 4 + SAP_RSP_APDU_MAX + 2)
/*
 * The MaxMsgSize the server offers: more than it needs, so that the sizes
 * clients commonly propose (0x0118, 0x012c, 0x0200) are accepted as they are
 * rather than after a second CONNECT_REQ (BlueZ offers 512 too).
 */
#define SAP_MAX_MSG_SIZE_DEF	512
/* longest message accepted at all (a MaxMsgSize is 16 bits) */
#define SAP_MSG_MAX		65535

struct sap_param {
	uint8_t id;
	uint16_t len;
	const uint8_t *val;	/* points into the decoded buffer */
};

struct sap_msg {
	uint8_t id;
	uint8_t nparams;
	struct sap_param p[SAP_PARAMS_MAX];
};

/*
 * How long the message at the start of @buf is: > 0 its length in bytes
 * (header, parameters and padding), 0 when more bytes are needed to tell,
 * -EMSGSIZE when it is longer than @max, -EBADMSG when its header is
 * malformed (nonzero reserved bytes, more than SAP_PARAMS_MAX parameters).
 */
long sap_frame_len(const uint8_t *buf, size_t len, size_t max);

/*
 * Decodes exactly one message of @len bytes (as sap_frame_len() measured)
 * into @m, whose parameter values point into @buf.  Checks the reserved
 * bytes, the padding (zero, to a multiple of 4), that @len holds nothing
 * after the last parameter, and, for each message the profile defines, its
 * parameters: which are mandatory, which optional, their lengths
 * (sap_msg_check()).  Returns 0, -EBADMSG (malformed), -ENOMSG (an unknown
 * message id) or -EPROTO (a known message with wrong parameters).
 */
int sap_decode(const uint8_t *buf, size_t len, struct sap_msg *m);

/* the parameter check of sap_decode() alone: 0 or -EPROTO / -ENOMSG */
int sap_msg_check(const struct sap_msg *m);

/*
 * Encodes @m into @buf (at most @max bytes), with zero padding.  Returns the
 * length, or -ENOSPC.  Encoding a decoded message gives back its bytes.
 */
long sap_encode(const struct sap_msg *m, uint8_t *buf, size_t max);

/* the first parameter @id of @m, or NULL */
const struct sap_param *sap_param_find(const struct sap_msg *m, uint8_t id);

/* names for logs and status: "CONNECT_REQ", "OK", ...; "?" if unknown */
const char *sap_msg_name(uint8_t id);
const char *sap_status_change_name(uint8_t st);

/* ---- the server ---- */

/*
 * The card behind the server.  Each returns an enum sap_result: SAP_R_OK,
 * or the error the server answers with.
 */
struct sap_card_ops {
	/* activate the card (cold reset) and return its ATR */
	int (*power_on)(void *ctx, uint8_t *atr, size_t *atr_len);
	int (*power_off)(void *ctx);
	/* reset the powered card, returning the ATR it answered */
	int (*reset)(void *ctx, uint8_t *atr, size_t *atr_len);
	/*
	 * Exchange one APDU as a T=0 terminal would (GET RESPONSE on 61xx,
	 * the right Le on 6Cxx): @rsp holds @rsp_max bytes; *@rsp_len is
	 * set to the response length, status word included.
	 */
	int (*apdu)(void *ctx, const uint8_t *cmd, size_t len,
		    uint8_t *rsp, size_t rsp_max, size_t *rsp_len);
	/* is a card (an enabled profile) there? */
	bool (*present)(void *ctx);
};

enum sap_server_state {
	SAP_SRV_IDLE,		/* no SAP connection (the link may be up) */
	SAP_SRV_CONNECTED,	/* CONNECT_RESP OK sent */
	SAP_SRV_DISCONNECTING,	/* DISCONNECT_IND graceful sent: waiting
				 * for the client's DISCONNECT_REQ */
	SAP_SRV_CLOSED,		/* the owner must close the link once
				 * the output is written */
};

struct sap_server_stats {
	uint64_t connects;		/* CONNECT_REQ answered OK */
	uint64_t connect_refused;	/* CONNECT_REQ answered with an error */
	uint64_t apdus;			/* TRANSFER_APDU_REQ answered OK */
	uint64_t apdu_errors;		/* TRANSFER_APDU_REQ answered with an error */
	uint64_t atrs;
	uint64_t power_offs;
	uint64_t power_ons;
	uint64_t resets;
	uint64_t reader_status;
	uint64_t protocol_reqs;
	uint64_t status_inds;		/* STATUS_IND sent */
	uint64_t disconnects;		/* DISCONNECT_REQ / _IND ends */
	uint64_t error_resps;		/* ERROR_RESP sent */
	uint64_t bad_msgs;		/* malformed, or wrong parameters */
	uint64_t unknown_msgs;		/* unknown MsgId */
	uint64_t out_of_order;		/* valid, but not in this state */
	uint64_t oversized;		/* longer than the negotiated size */
	uint64_t overflows;		/* output full: the link is dropped */
};

#define SAP_SERVER_OUT_MAX	(4 * (SAP_MAX_MSG_SIZE_DEF + 8))

struct sap_server {
	enum sap_server_state state;
	const struct sap_card_ops *ops;
	void *ctx;
	uint16_t max_msg_size;		/* offered (SAP_MAX_MSG_SIZE_DEF) */
	uint16_t msg_size;		/* negotiated */
	bool powered;
	bool card_removed;		/* until the card is back */
	uint8_t in[SAP_MSG_MAX + 1];	/* bytes of an incomplete message */
	size_t in_len;
	size_t skip;			/* bytes of an oversized message to drop */
	uint8_t out[SAP_SERVER_OUT_MAX];
	size_t out_len;
	uint8_t atr[SAP_ATR_MAX];	/* of the last power on or reset */
	size_t atr_len;			/* 0: none (DATA_NOT_AVAILABLE) */
	struct sap_server_stats stats;
};

void sap_server_init(struct sap_server *s, const struct sap_card_ops *ops, void *ctx);

/*
 * Feeds bytes read from the link.  Complete messages are answered (their
 * responses queued in the output); an incomplete one is kept.  Returns 0,
 * or -ECONNRESET when the link must be closed once the output is written
 * (state SAP_SRV_CLOSED).  A message whose framing is malformed (nonzero
 * reserved bytes, too many parameters) cannot be resynchronised: it is
 * answered ERROR_RESP and the link is closed.  A message whose length is
 * known but whose content is wrong (padding, parameters, unknown MsgId) or
 * comes out of order is answered ERROR_RESP and the link stays.  A message
 * longer than the negotiated MaxMsgSize is answered ERROR_RESP and skipped
 * when its length is known from its last parameter header, else the link is
 * closed.  Input in state SAP_SRV_CLOSED is dropped (-ECONNRESET).
 */
int sap_server_input(struct sap_server *s, const uint8_t *buf, size_t len);

/* Bytes to send: *@p and the count; sap_server_sent() drops @n of them. */
size_t sap_server_output(const struct sap_server *s, const uint8_t **p);
void sap_server_sent(struct sap_server *s, size_t n);

/* Should the owner read more?  False while the output is too full. */
bool sap_server_want_input(const struct sap_server *s);

/*
 * The card changed under the client: a profile switch or a disable
 * (SAP_ST_CARD_REMOVED), a profile enabled again (SAP_ST_CARD_INSERTED), a
 * reset by someone else (SAP_ST_CARD_RESET).  Sends STATUS_IND when
 * connected.
 */
void sap_server_card_event(struct sap_server *s, enum sap_status_change st);

/*
 * The server ends the connection: graceful (DISCONNECT_IND graceful; the
 * client finishes and sends DISCONNECT_REQ) or immediate (DISCONNECT_IND
 * immediate, then closed).
 */
void sap_server_disconnect(struct sap_server *s, enum sap_disc_type type);

/* The link went down: back to SAP_SRV_IDLE, the card powered off, buffers wiped. */
void sap_server_link_lost(struct sap_server *s);

#endif
