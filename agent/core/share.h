/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sharing one profile between a master device and slave devices: the
 * messages and the lease state machines, with no I/O.  Time is an input
 * (milliseconds of the caller's monotonic clock); the caller moves the
 * messages over the secure channel (share_chan.h) and carries out the
 * actions.  Documentation/admin-guide/vuicc-sharing.rst describes the
 * protocol; tools/testing/model/lease.pml is its model, with the same
 * state and message names.
 */
#ifndef VUICC_SHARE_H
#define VUICC_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHARE_DIGEST_LEN	32
#define SHARE_KEY_LEN		32
#define SHARE_BLOB_MAX		(12 * 1024)
#define SHARE_MSG_MAX		(SHARE_BLOB_MAX + 128)

enum share_msg_type {
	REQUEST = 1,
	GRANT,
	DENY,
	RENEW,
	RENEWED,
	RELEASE,
	RELEASED,
};

enum share_deny {
	DENY_BUSY = 1,		/* another slave holds the lease */
	DENY_MASTER_USE,	/* the master uses the profile itself */
	DENY_STALE,		/* an epoch that is over */
	DENY_NOT_READY,		/* the master cannot share now (no profile, restarting) */
};

enum share_grant_mode {
	GRANT_PUSH = 1,		/* the profile is in the message */
	GRANT_ACTIVATE,		/* activate the copy held (embodiment 5) */
};

/* One message; blob points into the buffer it was decoded from. */
struct share_msg {
	uint8_t type;
	uint8_t reason;		/* DENY */
	uint8_t mode;		/* GRANT */
	uint32_t lease_ms;	/* GRANT, RENEWED */
	uint64_t epoch;		/* REQUEST: of the copy held (its key) */
	uint64_t nonce;
	uint64_t version;	/* REQUEST: held; GRANT, RELEASED: the master's */
	uint8_t digest[SHARE_DIGEST_LEN];	/* REQUEST: of the copy held */
	uint8_t key[SHARE_KEY_LEN];	/* GRANT: the key of the sealed copy (compare) */
	const uint8_t *blob;	/* GRANT (push): the profile; RELEASE: dynamic state */
	size_t blob_len;
};

/**
 * share_msg_encode() - a message's bytes
 * @m: the message
 * @buf: where to put them
 * @cap: room in @buf
 *
 * Return: the length, or -EMSGSIZE, or -EINVAL for an unknown type.
 */
int share_msg_encode(const struct share_msg *m, uint8_t *buf, size_t cap);

/**
 * share_msg_decode() - parse a message
 * @m: the message; its blob points into @buf
 * @buf: the bytes (a whole record's plaintext)
 * @len: their number
 *
 * Return: 0, or -EBADMSG for a truncated, oversized or unknown message or
 * one with a field out of range.
 */
int share_msg_decode(struct share_msg *m, const uint8_t *buf, size_t len);

const char *share_msg_name(int type);
const char *share_deny_name(int reason);

/* ---- the master ---- */

enum share_mst_state {
	MST_FREE,		/* nobody holds the profile */
	MST_SELF,		/* the master uses it: active */
	MST_GRANTED,		/* a slave (or, after a restart, someone) holds it */
};

#define SHARE_PEER_UNKNOWN	(-1)	/* after a restart: a lease may be out */
#define SHARE_PEER_NONE		(-2)

struct share_master {
	enum share_mst_state state;
	uint64_t epoch;		/* the fencing epoch: +1 per grant, kept in the store */
	int holder;		/* peer index, or SHARE_PEER_* */
	int last_holder;	/* MST_FREE after an expiry: its RELEASE still counts */
	uint64_t held_until;	/* MST_GRANTED: ms; the lease is over after it */
	uint32_t lease_ms, drift_ms;
	bool compare;		/* embodiment 5 */
	uint8_t digest[SHARE_DIGEST_LEN];	/* of the profile shared */
	uint64_t version;	/* of its dynamic state; +1 per state applied */
	bool ready;		/* a profile to share */
	unsigned long grants, pushes, activations, denies, stale, expiries, releases;
};

/* What a message or the timer made the master do. */
enum share_mst_result {
	SHARE_MASTER_NONE,
	SHARE_MASTER_GRANT,		/* reply: a GRANT (the caller adds the profile if pushed) */
	SHARE_MASTER_DENY,		/* reply: a DENY */
	SHARE_MASTER_RENEWED,		/* reply: a RENEWED */
	SHARE_MASTER_RELEASED,		/* reply: RELEASED; apply the state returned */
	SHARE_MASTER_STALE,		/* reply: DENY stale; merge only the SQN array */
	SHARE_MASTER_EXPIRED,		/* the lease ran out: free */
};

/**
 * share_master_init() - a master at start
 * @m: the master
 * @now: the time
 * @epoch: the last epoch in the store (0: none)
 * @lease_ms: the lease granted
 * @drift_ms: the margin for clock drift and the slave's deactivation
 *
 * After a restart a lease granted before it may still run: with @epoch > 0
 * the master counts the profile as held by an unknown peer for one lease
 * and margin from @now.
 */
void share_master_init(struct share_master *m, uint64_t now, uint64_t epoch, uint32_t lease_ms,
	      uint32_t drift_ms);

/**
 * share_master_recv() - a message from a slave
 * @m: the master
 * @now: the time
 * @peer: the slave's index (its pinned key)
 * @in: the message
 * @out: the reply, when the result asks for one
 * @why: a line for the log: why this result
 * @whylen: its room
 *
 * Return: what to do (enum share_mst_result).  With SHARE_MASTER_GRANT the epoch
 * has grown: store it before sending the reply.
 */
int share_master_recv(struct share_master *m, uint64_t now, int peer, const struct share_msg *in,
	     struct share_msg *out, char *why, size_t whylen);

/**
 * share_master_timer() - the time passed
 * @m: the master
 * @now: the time
 *
 * Return: SHARE_MASTER_EXPIRED when a lease ended, else SHARE_MASTER_NONE.
 */
int share_master_timer(struct share_master *m, uint64_t now);

/* The next time share_master_timer() has something to do; 0: none. */
uint64_t share_master_deadline(const struct share_master *m);

/**
 * share_master_take() - the master uses the profile itself
 * @m: the master
 *
 * Return: 0 (the epoch grew: store it), or -EBUSY when a lease is out.
 */
int share_master_take(struct share_master *m);

/* The master no longer uses it (its card has left the network): free. */
void share_master_give(struct share_master *m);

const char *share_master_state_name(int state);

/* ---- the slave ---- */

enum share_slv_state {
	SLV_IDLE,
	SLV_REQUESTING,		/* REQUEST sent, no answer yet */
	SLV_ACTIVE,		/* holding a lease: the profile is enabled */
	SLV_RELEASING,		/* deactivated, RELEASE sent */
};

struct share_slave {
	enum share_slv_state state;
	bool want;		/* the profile is wanted (config or vuiccctl) */
	bool link;		/* the secure channel is up */
	bool pending_state;	/* dynamic state not yet returned */
	bool held;		/* deactivated, but the profile is not yet out of the kernel */
	uint64_t epoch, nonce;	/* the lease held (or last held), the last nonce sent */
	uint64_t sent_at;	/* the time the last REQUEST/RENEW went */
	uint64_t lease_end;	/* SLV_ACTIVE: by this clock */
	uint64_t next_at;	/* the next REQUEST/RENEW or timeout */
	uint32_t guard_ms;	/* deactivate this long before the lease ends */
	uint32_t answer_ms;	/* wait this long for an answer */
	uint32_t retry_ms;	/* after a DENY or a silent master */
	uint8_t digest[SHARE_DIGEST_LEN];	/* of the sealed copy held */
	uint64_t version;	/* of its state; 0: none held */
	uint64_t copy_epoch;	/* the lease its copy was sealed under (its key's) */
	uint64_t rng;		/* nonces */
	unsigned long requests, grants, denies, renewals, expiries, stale;
};

/* What the slave is to do; several at once. */
struct share_slv_out {
	struct share_msg msg;
	bool send;		/* send msg */
	bool activate;		/* install (GRANT_PUSH: from the GRANT) and enable */
	bool deactivate;	/* disable, delete from kernel and store, keep the state to return;
				 * then share_slave_deleted() */
	bool delete_again;	/* the deletion failed: try it again (then share_slave_deleted()) */
	char why[160];
};

/**
 * share_slave_init() - a slave at start (holding nothing)
 * @s: the slave
 * @seed: for the nonces (any value; nonces need only be fresh)
 * @guard_ms: deactivation starts this long before the lease ends
 * @answer_ms: an unanswered REQUEST/RENEW is given up after it
 * @retry_ms: the wait after a refusal
 */
void share_slave_init(struct share_slave *s, uint64_t seed, uint32_t guard_ms, uint32_t answer_ms,
	      uint32_t retry_ms);

/**
 * share_slave_step() - an event: a message (@in), the link going up or down
 * (@link changes), the wish changing (@want changes), or the time
 * @s: the slave
 * @now: the time
 * @in: a message from the master, or NULL
 * @out: what to do
 *
 * Return: 0, or -EPROTO for a message that makes no sense here (ignored,
 * @out->why says why: log it).
 */
int share_slave_step(struct share_slave *s, uint64_t now, const struct share_msg *in,
	     struct share_slv_out *out);

/*
 * After a deactivation the device has certainly left the network (the
 * modem reports it detached): the RELEASE may go before the guard time.
 */
void share_slave_offline(struct share_slave *s, uint64_t now);

/*
 * The profile of a deactivation is out of the kernel (deleted, or gone):
 * until this is said, no RELEASE goes, whatever the time (the next holder
 * must not come on the network while this device may still be on it);
 * share_slave_step() asks for the deletion again meanwhile (@delete_again).
 * A deletion that comes late restarts the guard time: the modem detaches
 * after it, not after the first attempt.  (A device that never manages it
 * is still bounded by the lease's end at the master.)
 */
void share_slave_deleted(struct share_slave *s, uint64_t now);

/* The next time share_slave_step() has something to do; 0: none. */
uint64_t share_slave_deadline(const struct share_slave *s);

const char *share_slave_state_name(int state);

#endif
