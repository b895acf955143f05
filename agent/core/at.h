/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AT client of vuiccd's modem backend (3GPP TS 27.007, V.250).
 *
 * at.c has no I/O of its own: the owner feeds it the bytes read from the
 * modem's tty (at_feed()), gives it the time, and writes what it asks to
 * send (the write callback).  So the same code runs on a tty in vuiccd's
 * epoll loop and on recorded transcripts in the unit tests.
 *
 * One command is in flight at a time; the others wait in a queue.  Lines
 * are split on CR or LF; empty lines are skipped.  While a command is in
 * flight a line is, in this order:
 *   - the echo of the command (dropped);
 *   - a final result code: OK, ERROR, "+CME ERROR: n", "+CMS ERROR: n",
 *     NO CARRIER, NO DIALTONE, BUSY, NO ANSWER, CONNECT, ABORTED (ends the
 *     command);
 *   - an unsolicited result code (URC) when at_is_urc() says so;
 *   - an information response of the command: a line that starts with the
 *     command's prefix, or any line when the command has no prefix
 *     (AT+CIMI answers bare digits);
 *   - otherwise garbage (counted, dropped).
 * With no command in flight, a line is a URC or garbage.  A line longer than
 * AT_LINE_MAX is garbage up to its end; NUL and other control bytes in a
 * line make it garbage.  A command with no final result code within its
 * timeout ends with AT_R_TIMEOUT, and the next one is sent.  A modem that
 * answers the timed-out command late answers in order, so its late final
 * code ends the next command, and that command's own answer is then
 * garbage: the client cannot tell them apart (nor can any V.250 client).
 * The backend's commands are reads and idempotent settings that its
 * sequences repeat, so the skew heals at the next command.
 */
#ifndef VUICC_AT_H
#define VUICC_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AT_LINE_MAX	512	/* longest line kept, without its CR LF */
#define AT_CMD_MAX	600	/* longest command, "AT" included */
#define AT_INFO_MAX	96	/* information lines kept per command (a survey) */
#define AT_QUEUE_MAX	16	/* commands waiting */
#define AT_TIMEOUT_DEF	5000	/* ms, when a command gives 0 */
#define AT_ABORT_MS	3000	/* an aborted command's final result comes within */

enum at_result {
	AT_R_OK,
	AT_R_ERROR,		/* ERROR, or another final code but OK */
	AT_R_CME,		/* +CME ERROR: code in .cme */
	AT_R_CMS,		/* +CMS ERROR: code in .cme */
	AT_R_TIMEOUT,		/* no final result code in time */
	AT_R_CANCELLED,		/* at_reset(), or at_abort() answered */
};

struct at_response {
	enum at_result result;
	int cme;		/* +CME/+CMS ERROR code; -1 if given as text */
	char final[AT_LINE_MAX + 1];	/* the final result code line */
	unsigned int n;		/* information lines */
	char info[AT_INFO_MAX][AT_LINE_MAX + 1];
};

struct at_client;

/* called once per command, when it ends (for every result) */
typedef void (*at_done_fn)(void *arg, const char *cmd, const struct at_response *r);
/* called for each URC line */
typedef void (*at_urc_fn)(void *arg, const char *line);
/* asked to send @len bytes; returns 0, or -1 (the command then ends AT_R_ERROR) */
typedef int (*at_write_fn)(void *arg, const char *data, size_t len);

struct at_ops {
	at_write_fn write;
	at_urc_fn urc;
	void *arg;
};

struct at_stats {
	unsigned long sent, ok, errors, timeouts, urcs, garbage, echoes;
};

struct at_client *at_new(const struct at_ops *ops);
/* Frees @c; from inside one of its callbacks too (the owner closing the
 * port on an error): nothing more is sent or called back, and the memory
 * goes when the call that ran the callback returns. */
void at_free(struct at_client *c);

/*
 * Queues "@cmd\r" (@cmd without CR, e.g. "AT+CEREG?").  @prefix is the
 * information response prefix ("+CEREG:"), NULL for any line.  @timeout_ms
 * 0 gives AT_TIMEOUT_DEF.  Returns 0, or -1 when the queue is full or the
 * command too long (@done is then not called).
 */
int at_send(struct at_client *c, const char *cmd, const char *prefix,
	    unsigned int timeout_ms, at_done_fn done, void *arg, uint64_t now_ms);

/*
 * at_send() for a command that carries a secret (AT+CPIN="1234"): its text
 * is wiped from the client when it has been answered, and @done is given
 * only "AT+CPIN=<hidden>" (the text up to '=' and "<hidden>"), so neither
 * a log nor an error message made from it can show the secret.
 */
int at_send_secret(struct at_client *c, const char *cmd, const char *prefix,
		   unsigned int timeout_ms, at_done_fn done, void *arg, uint64_t now_ms);

/* Bytes read from the modem. */
void at_feed(struct at_client *c, const char *data, size_t len, uint64_t now_ms);

/* Ends a command whose time is up; call at the deadline (or any time). */
void at_tick(struct at_client *c, uint64_t now_ms);

/* When at_tick() must next be called; UINT64_MAX when nothing waits. */
uint64_t at_deadline(const struct at_client *c);

/*
 * Aborts the command in flight (V.250 5.6.1: any character sent while an
 * abortable command runs ends it; TS 27.007 marks +COPS=? abortable, and the
 * vendors' surveys are).  Sends one CR and gives the modem AT_ABORT_MS for
 * the command's final result code, which then ends it with AT_R_CANCELLED
 * (its information lines are kept); no final code in that time is
 * AT_R_TIMEOUT as usual.  Commands queued behind it stay queued.  Returns 0,
 * or -1 when nothing is in flight or it was aborted already.
 */
int at_abort(struct at_client *c, uint64_t now_ms);

/* Ends every command with AT_R_CANCELLED and forgets partial input. */
void at_reset(struct at_client *c);

bool at_busy(const struct at_client *c);
const struct at_stats *at_stats(const struct at_client *c);

/* True for the URCs the backend knows: +CREG/+CGREG/+CEREG/+C5GREG (see
 * below), +CGEV, +CIEV, RING, +CRING, +CUSD, +CMTI.  Vendor lines (^..., %...)
 * are not URCs. */
bool at_is_urc(const char *line);

/* ---- parsers of information responses (0 on success, -1 on bad input) ---- */

/*
 * Splits the parameters after "PREFIX: " on commas outside quotes.  Quotes
 * are removed.  Returns the number of fields (at most @max), -1 on an
 * unterminated quote.  Writes into @buf (NUL-separated).
 */
int at_fields(const char *line, char *buf, size_t buflen, const char **f, int max);

/* +CREG/+CGREG/+CEREG/+C5GREG: a read response ("+CEREG: n,stat,...") or a
 * URC ("+CEREG: stat,..."); a line with one field, or whose second field is
 * quoted, is a URC. */
enum at_reg_stat {
	AT_REG_NOT = 0, AT_REG_HOME = 1, AT_REG_SEARCHING = 2, AT_REG_DENIED = 3,
	AT_REG_UNKNOWN = 4, AT_REG_ROAMING = 5,
};
struct at_reg {
	char domain[8];		/* "CREG", "CGREG", "CEREG", "C5GREG" */
	int n;			/* -1 in a URC */
	int stat;
	uint32_t lac_tac;	/* hex; 0 unknown */
	uint32_t ci;		/* hex; 0 unknown */
	int act;		/* -1 unknown */
	int cause_type;		/* -1 unknown; 0: TS 24.008/24.301 EMM cause */
	int reject_cause;	/* -1 unknown */
};
int at_parse_reg(const char *line, struct at_reg *r);

/* +CESQ: rxlev,ber,rscp,ecno,rsrq,rsrp -> dBm; unknown values give INT32_MIN */
struct at_signal {
	int32_t rssi_dbm;	/* GSM RXLEV (or +CSQ) */
	int32_t rscp_dbm;	/* UTRAN */
	int32_t rsrq_db10;	/* E-UTRAN RSRQ in tenths of a dB */
	int32_t rsrp_dbm;	/* E-UTRAN */
};
int at_parse_cesq(const char *line, struct at_signal *s);
/* +CSQ: rssi,ber -> rssi_dbm only (the fallback when +CESQ is missing) */
int at_parse_csq(const char *line, struct at_signal *s);

/* +COPS? : mode[,format,oper[,act]] */
struct at_cops {
	int mode, format, act;	/* -1 when absent */
	char oper[32];
};
int at_parse_cops(const char *line, struct at_cops *o);

/* +COPS=? : (stat,"long","short","numeric"[,act]),... ,,(modes),(formats) */
#define AT_SCAN_MAX 16
struct at_scan_entry {
	int stat, act;
	char long_name[32], short_name[16], numeric[8];
	/* a survey's (survey.h): the strongest cell's level, INT32_MIN unknown */
	int32_t dbm;
	uint32_t tac, ci;	/* 0 unknown */
};
int at_parse_cops_scan(const char *line, struct at_scan_entry *e, int max);

/*
 * +WS46=? : (n,n,...) the wireless data services the modem supports ->
 * AT_RAT_BIT()s of what they include (12 GSM, 22 UTRAN, 28 E-UTRAN, 25 all
 * three, 29..31 two of them; the 5G values count as what they include of
 * these).  Returns the bits (0 when none is known), -1 on bad input.
 */
#define AT_RAT_GSM	0
#define AT_RAT_UMTS	1
#define AT_RAT_LTE	2
#define AT_RAT_BIT(r)	(1u << (r))
int at_parse_ws46(const char *line);

/* +CGPADDR: cid,"addr"[,"addr2"] */
int at_parse_cgpaddr(const char *line, int *cid, char *addr, size_t len);

/* +CSIM: len,"hex" -> bytes; returns the byte count or -1 */
int at_parse_csim(const char *line, uint8_t *out, size_t max);

/* +CPIN: READY / SIM PIN / ... -> the text after "+CPIN: " */
int at_parse_cpin(const char *line, char *out, size_t len);

/* +CPINR: <code>,<retries>[,<default retries>] (TS 27.007 §8.65); the code
 * quoted or not ("SIM PIN") */
int at_parse_cpinr(const char *line, char *code, size_t len, int *retries);

#endif
