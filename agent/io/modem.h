/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's modem backend: one modem per card, reached by AT commands
 * (3GPP TS 27.007) over its tty.  Operations are asynchronous: each queues
 * AT commands and its outcome comes back as a struct modem_event, so the
 * event loop never blocks.  The owner polls modem_fd() for input and
 * modem_timer_fd() for deadlines and calls modem_input() / modem_timer().
 *
 * modem_connect() is the sequence vuiccd runs until the policy core takes
 * over: power on with registration reports (+CxREG=3, with reject causes),
 * wait for registration, define and activate PDP context 1, read its
 * address.  Registration lost or a card switch starts it over.
 */
#ifndef VUICC_MODEM_H
#define VUICC_MODEM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/at.h"
#include "core/slot.h"
#include "core/survey.h"

enum modem_state {
	MODEM_CLOSED,		/* the tty is not open (retried) */
	MODEM_INIT,		/* echo off, error reports, registration reports */
	MODEM_IDLE,		/* ready; not connecting */
	MODEM_REGISTERING,	/* waiting for the network */
	MODEM_DENIED,		/* registration denied (cause in reg) */
	MODEM_DIALING,		/* PDP context activation */
	MODEM_ONLINE,		/* PDP context active, address known */
};

enum modem_event_kind {
	MODEM_EV_STATE,		/* state changed */
	MODEM_EV_REG,		/* registration report (URC or read) */
	MODEM_EV_SIGNAL,	/* signal read */
	MODEM_EV_SCAN,		/* a scan ended: result AT_R_OK with scan[], else why not */
	MODEM_EV_ERROR,		/* an operation failed: op, result, cme */
	MODEM_EV_CSIM,		/* +CSIM answer */
	MODEM_EV_OPERATOR,	/* +COPS? read: cops */
	MODEM_EV_IDENTITY,	/* +CGMI/+CGMM/+WS46=? read: the dialect is known */
	MODEM_EV_SLOT,		/* a slot selection ended: result AT_R_OK, else why not */
	MODEM_EV_PIN,		/* the PIN check of the card ended: AT_R_OK ready,
				 * else it cannot be used (pin_why says why) */
};

/*
 * PIN1 (TS 27.007 §8.3, §8.65).  After the initialisation and after every
 * card change the backend reads +CPIN?; on SIM PIN it reads the retries
 * (+CPINR) and, unless one attempt or fewer is left, sends the enabled
 * profile's PIN (modem_set_pin) once: a (profile, PIN value) the card
 * refused is never sent again.  SIM PUK: nothing is sent.  The PIN is
 * never logged: the AT client shows "AT+CPIN=<hidden>".
 */
enum modem_pin {
	MODEM_PIN_UNKNOWN,	/* not read (yet), or the modem has no +CPIN */
	MODEM_PIN_CHECKING,	/* being read, or the PIN being sent */
	MODEM_PIN_READY,	/* nothing asked for, or the PIN was accepted */
	MODEM_PIN_WRONG,	/* the card refused the profile's PIN */
	MODEM_PIN_NOT_TRIED,	/* SIM PIN with one attempt (or fewer) left */
	MODEM_PIN_NONE,		/* SIM PIN, and the profile has none */
	MODEM_PIN_PUK,		/* SIM PUK: blocked */
	MODEM_PIN_ERROR,	/* +CPIN= failed otherwise (counted as the attempt) */
};

#define MODEM_PIN_MAX		8	/* digits, TS 102 221 §9.5.1 */
#define MODEM_PIN_WRONG_MAX	16	/* (profile, PIN) pairs remembered as refused */

struct modem_event {
	enum modem_event_kind kind;
	const char *op;		/* the command, for MODEM_EV_ERROR */
	enum at_result result;
	int cme;
};

#define MODEM_APN_MAX	64

struct modem {
	unsigned int card;
	char path[256];
	int fd, tfd;
	struct at_client *at;
	enum modem_state state;
	bool connect;		/* modem_connect() asked for */
	struct at_reg reg;	/* the latest, of the domain that reported it */
	int stat[3];		/* CREG, CGREG, CEREG stat; -1 unknown */
	struct at_signal signal;
	struct at_cops cops;
	/* who it is: +CGMI, +CGMM; the survey dialect that follows; +WS46=? */
	char manufacturer[48], model[48];
	enum survey_dialect dialect;
	unsigned int rats;		/* AT_RAT_BIT()s; 0 unknown */
	/* the last scan: a survey with levels, or +COPS=? without */
	unsigned int n_scan;
	struct at_scan_entry scan[AT_SCAN_MAX];
	char scan_source[24];		/* "AT+QSCAN", "AT#CSURV", "AT+COPS=5", "AT+COPS=?" */
	uint64_t scan_at;		/* CLOCK_MONOTONIC ms it ended; 0 never */
	unsigned int scan_rats;		/* the RATs it covered (AT_RAT_BIT()s) */
	bool scanning;
	char scan_cmd[24];		/* the one running */
	bool survey_failed;		/* the dialect's survey answered ERROR: +COPS=? now */
	unsigned long scans, scans_aborted;
	/* the second AT port (modem_scan_port): scans and surveys, so the main
	 * port stays free for registration, dialling and reads */
	char aux_path[256];
	int aux_fd;
	struct at_client *aux;
	char imsi[16];
	char addr[64];
	char apn[MODEM_APN_MAX];
	char last_error[160];
	uint64_t retry_at;	/* reopen or re-dial; 0: none */
	uint64_t state_since;
	unsigned long registrations, denials, dials, dial_failures, timeouts, reopens;
	uint8_t csim[300];
	int csim_len;
	/* PIN1: the enabled profile's (a secret: wiped when replaced) */
	enum modem_pin pin;
	int pin_retries;		/* +CPINR's SIM PIN retries; -1 unknown */
	char pin_why[96];		/* why the card cannot be used; "" */
	char pin1[MODEM_PIN_MAX + 1];
	char pin_profile[64];
	uint64_t pin_wrong[MODEM_PIN_WRONG_MAX];	/* keyed hashes of refused pairs */
	unsigned int n_pin_wrong;
	int pin_phase;			/* the step of the check in modem.c */
	unsigned int pin_stale;		/* answers of a check a card change made stale */
	unsigned int pin_polls;		/* +CPIN? answered "busy" in this check */
	uint64_t pin_at;		/* when to read +CPIN? next; 0 none */
	unsigned long pin_attempts;	/* +CPIN=<pin> sent */
	bool pin_unlocked;		/* this check sent the PIN and it was accepted */
	void (*event)(void *arg, struct modem *m, const struct modem_event *e);
	void *arg;
	/* SIM slots (modem_select_slot): the one selected, 1-based; 0 not known */
	int slot;
	int slot_want;			/* the one being selected; 0 none */
	unsigned long slot_switches;
};

const char *modem_state_name(enum modem_state s);

/* Opens @path (raw, non-blocking) and initialises; 0 or -errno (retried).
 * @aux ("" or NULL: none) is a second AT port for scans, opened with it. */
int modem_open(struct modem *m, unsigned int card, const char *path, const char *aux,
	       const char *apn);
void modem_close(struct modem *m);

/* The fds to poll for input (EPOLLIN); -1 when closed. */
static inline int modem_fd(const struct modem *m) { return m->fd; }
static inline int modem_timer_fd(const struct modem *m) { return m->tfd; }
static inline int modem_aux_fd(const struct modem *m) { return m->aux_fd; }

void modem_input(struct modem *m);
void modem_aux_input(struct modem *m);
void modem_timer(struct modem *m);

/* Operations: 0 queued, -1 not now (closed, or the queue is full) */
int modem_connect(struct modem *m);
int modem_disconnect(struct modem *m);
int modem_power(struct modem *m, bool on);
int modem_register(struct modem *m, const char *plmn);	/* NULL: automatic */
int modem_query_signal(struct modem *m);
int modem_query_operator(struct modem *m);	/* +COPS? in numeric format */
/* The dialect's survey (levels per network) or +COPS=?, on the second
 * port when there is one; MODEM_EV_SCAN ends it (also when aborted). */
int modem_scan(struct modem *m);
/* Aborts a running scan (V.250: a character); -1 when none runs. */
int modem_scan_abort(struct modem *m);
/* Whether the running scan's manual says it can be aborted. */
bool modem_scan_abortable(const struct modem *m);
int modem_csim(struct modem *m, const uint8_t *apdu, size_t len);

/* The card was switched or reset: registration and data start over, and
 * its PIN state is read again. */
void modem_card_changed(struct modem *m);

/* The slot dialect of the modem (from +CGMI/+CGMM; SLOT_NONE before). */
enum slot_dialect modem_slot_dialect(const struct modem *m);
/*
 * Selects SIM slot @slot (1-based) with the dialect's command; when it
 * answers OK the card changed (modem_card_changed()); MODEM_EV_SLOT ends
 * it.  -1: no slot command for this modem, @slot not one of its slots, or
 * not now.
 */
int modem_select_slot(struct modem *m, int slot);
/* The enabled profile and its PIN1 (NULL or "": none); the copy is wiped
 * when replaced.  Does not start a check by itself. */
void modem_set_pin(struct modem *m, const char *profile, const char *pin);
/* Whether a PIN check is under way (MODEM_EV_PIN follows). */
bool modem_pin_pending(const struct modem *m);
/* "ready", "sim pin", "wrong pin (2 left)", "not tried (1 left)", ... */
const char *modem_pin_text(const struct modem *m, char *buf, size_t len);

#endif
