/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's SIM-server client: the protocol of
 * Documentation/admin-guide/vuicc-server-protocol.rst (HTTP/1.1 + JSON over
 * TLS) on libcurl's multi interface and json-c, for an epoll loop.  Nothing
 * blocks: srv_submit() queues a request and its outcome comes back through
 * its callback, from srv_input() or srv_timer().
 *
 * The owner polls two fds for EPOLLIN: srv_fd() (an epoll fd of the
 * client's own, readable when one of its sockets is ready) and
 * srv_timer_fd() (a timerfd for curl's timeouts and the back-off between
 * attempts), and calls srv_input() / srv_timer() when they are readable.
 * With no request in flight neither fd wakes up.
 *
 * Every request carries an Idempotency-Key and is tried up to
 * config.attempts times (transport errors, timeouts, HTTP 408, 429, 502,
 * 503, 504) with the same key, so a retried VSIM allocation never allocates
 * twice.  Every field of a reply is checked; a bad one is SRV_ERR_REPLY with
 * a message naming the field.  Profiles in replies are parsed with
 * profile_parse(); the client never logs a body and wipes every buffer of
 * its own that held one.
 */
#ifndef VUICC_SERVER_H
#define VUICC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/profile.h"

#define SRV_MAX_INFLIGHT	4	/* requests queued or in flight */
#define SRV_MAX_NAMES		16	/* have / exclude */
#define SRV_MAX_OPERATORS	16	/* visible operators in a SEEDS or VSIM request */
#define SRV_MAX_SEEDS		8	/* seeds asked for at once */
#define SRV_REPLY_MAX		(64 * 1024)	/* a bigger reply is an error */
#define SRV_KEY_MAX		96	/* Idempotency-Key, with its NUL */
#define SRV_NAME_LEN		(VUICC_PROFILE_NAME_MAX + 1)
#define SRV_UNKNOWN		UINT32_MAX	/* tac, lac, cell not known */
#define SRV_DBM_UNKNOWN		INT32_MIN	/* no level on this RAT */

/* defaults of the struct srv_config fields left 0 */
#define SRV_TIMEOUT_MS		10000
#define SRV_CONNECT_TIMEOUT_MS	5000
#define SRV_ATTEMPTS		5
#define SRV_BACKOFF_BASE_MS	500
#define SRV_BACKOFF_CAP_MS	8000
#define SRV_RETRY_AFTER_MAX_S	60	/* a longer Retry-After ends the request */

/* RAT bits of srv_request.rats; signal_dbm[] and operators use the index */
enum srv_rat { SRV_RAT_GSM, SRV_RAT_UMTS, SRV_RAT_LTE, SRV_RATS };
#define SRV_RAT_BIT(r)		(1u << (r))

struct srv_config {
	char url[256];		/* base URL, https only: "https://192.0.2.1:8443/v1" */
	char device[64];	/* device id: 1-63 of A-Z a-z 0-9 . _ - */
	char secret[128];	/* HTTP Basic secret; "" with a client certificate */
	char ca_file[256];	/* CA of the server's certificate; "": the system's */
	char cert_file[256];	/* client certificate (PEM); "" for none */
	char key_file[256];	/* its key; "": in cert_file */
	char interface[32];	/* CURLOPT_INTERFACE (e.g. "wwan0"); "" any */
	unsigned int timeout_ms;	/* per attempt; 0: SRV_TIMEOUT_MS */
	unsigned int connect_timeout_ms;/* 0: SRV_CONNECT_TIMEOUT_MS */
	unsigned int attempts;		/* 1-20; 0: SRV_ATTEMPTS */
	unsigned int backoff_base_ms;	/* 0: SRV_BACKOFF_BASE_MS (tests change it) */
	unsigned int backoff_cap_ms;	/* 0: SRV_BACKOFF_CAP_MS */
};

enum srv_req_kind { SRV_SEEDS, SRV_VSIM, SRV_RELEASE, SRV_REPORT };
enum srv_stage { SRV_STAGE_CARD, SRV_STAGE_REGISTER, SRV_STAGE_DIAL, SRV_STAGE_DATA };
enum srv_result { SRV_RESULT_OK, SRV_RESULT_REJECT, SRV_RESULT_TIMEOUT, SRV_RESULT_ERROR };

struct srv_location {
	char plmn[7];		/* MCC+MNC, 5 or 6 digits; "" : no location */
	uint32_t tac, lac, cell;	/* SRV_UNKNOWN when not known */
	bool has_coords;
	double lat, lon;
};

struct srv_operator {		/* one visible operator on one RAT */
	char plmn[7];
	enum srv_rat rat;
	int dbm;		/* SRV_DBM_UNKNOWN: seen, level unknown */
};

struct srv_request {
	enum srv_req_kind kind;
	struct srv_location location;	/* VSIM: required; SEEDS, REPORT: optional */
	unsigned int rats;		/* SEEDS, VSIM: SRV_RAT_BIT()s the device has */
	int signal_dbm[SRV_RATS];	/* VSIM: serving level per RAT, or SRV_DBM_UNKNOWN */
	unsigned int n_operators;	/* SEEDS, VSIM: 0: "operators" not sent */
	struct srv_operator operators[SRV_MAX_OPERATORS];
	unsigned int n_names;		/* SEEDS: "have"; VSIM: "exclude" */
	char names[SRV_MAX_NAMES][SRV_NAME_LEN];
	unsigned int count;		/* SEEDS: how many to hold, "have" included:
					 * 1 to SRV_MAX_SEEDS */
	char current[SRV_NAME_LEN];	/* VSIM: the VSIM in use, "" none */
	char name[SRV_NAME_LEN];	/* RELEASE: the VSIM; REPORT: the profile */
	char lease[64];			/* RELEASE */
	uint32_t report_kind;		/* REPORT: VUICC_PROFILE_KIND_SEED or _VSIM */
	enum srv_stage stage;		/* REPORT */
	enum srv_result result;		/* REPORT */
	int cause;			/* REPORT: reject cause, -1 none */
	char idem_key[SRV_KEY_MAX];	/* "": a new key; else the key of a retry */
};

enum srv_status {
	SRV_OK = 0,
	SRV_ERR_TRANSPORT = -1,	/* connect, timeout, reset... after every attempt */
	SRV_ERR_TLS = -2,	/* certificate verification, local cert or key */
	SRV_ERR_SERVER = -3,	/* an error reply: http, error_code, message */
	SRV_ERR_REPLY = -4,	/* a reply that breaks the protocol: message names it */
};

struct srv_reply {
	enum srv_req_kind kind;
	int status;		/* enum srv_status */
	long http;		/* the last attempt's HTTP status; 0: none */
	char error_code[32];	/* SRV_ERR_SERVER: the server's code or "http-NNN" */
	char message[256];	/* for every error: what went wrong (no secrets) */
	unsigned int n_profiles;	/* SEEDS: 0 or more; VSIM: 1 */
	struct profile *profiles;	/* parsed; take them (set NULL) or they are
					 * wiped and freed after the callback */
	char **texts;			/* SEEDS: each profile's text as sent (to
					 * store it), wiped and freed with them */
	unsigned int n_withdraw;	/* SEEDS: names of "have" the server withdrew */
	char withdraw[SRV_MAX_NAMES][SRV_NAME_LEN];
	int64_t expires;	/* VSIM: the lease's end, Unix seconds */
	char lease[64];		/* VSIM: the lease id, for RELEASE */
	bool released;		/* RELEASE: the server ended a lease */
	unsigned int attempts;	/* attempts made */
	uint64_t elapsed_ms;	/* from srv_submit() to the reply */
	char idem_key[SRV_KEY_MAX];	/* the key used: submit again with it to retry */
};

typedef void srv_done_fn(void *arg, struct srv_reply *rep);

struct srv_slot;

struct srv {
	struct srv_config cfg;
	int epfd;		/* srv_fd() */
	int tfd;		/* srv_timer_fd() */
	void *multi;		/* CURLM * */
	uint64_t curl_deadline;	/* CLOCK_MONOTONIC ns; 0: none */
	uint64_t rng;
	struct srv_slot *slots;	/* SRV_MAX_INFLIGHT */
};

/*
 * Checks @c (https URL, device id, a secret or a certificate...) and sets
 * the client up; 0, or -1 with a message in @err.
 */
int srv_init(struct srv *s, const struct srv_config *c, char *err, size_t errlen);

/* Drops every request (no callback) and frees; not from a callback. */
void srv_free(struct srv *s);

static inline int srv_fd(const struct srv *s) { return s->epfd; }
static inline int srv_timer_fd(const struct srv *s) { return s->tfd; }

void srv_input(struct srv *s);
void srv_timer(struct srv *s);

/*
 * Queues @r; @done(@arg, reply) is called exactly once, later, from
 * srv_input() or srv_timer() (never from srv_submit()).  0, -EINVAL (a
 * field of @r is invalid), -EBUSY (SRV_MAX_INFLIGHT requests already) or
 * -ENOMEM.  May be called from a callback.
 */
int srv_submit(struct srv *s, const struct srv_request *r, srv_done_fn *done, void *arg);

/* Drops every request: their callbacks are not called. */
void srv_cancel_all(struct srv *s);

/* Requests queued or in flight. */
unsigned int srv_pending(const struct srv *s);

/* A request with the defaults: no location, signals unknown, cause -1. */
void srv_request_init(struct srv_request *r, enum srv_req_kind kind);

const char *srv_status_name(int status);

#endif
