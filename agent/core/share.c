// SPDX-License-Identifier: GPL-2.0
/*
 * The sharing messages and lease state machines (share.h).  No I/O, no
 * clock: the caller passes the time, so the tests run them on a virtual
 * clock and tools/testing/model/lease.pml checks the same rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "share.h"

/* ---- messages ---- */

static const char *const msg_names[] = {
	[REQUEST] = "REQUEST", [GRANT] = "GRANT", [DENY] = "DENY", [RENEW] = "RENEW",
	[RENEWED] = "RENEWED", [RELEASE] = "RELEASE", [RELEASED] = "RELEASED",
};

const char *share_msg_name(int type)
{
	return type >= REQUEST && type <= RELEASED ? msg_names[type] : "unknown";
}

static const char *const deny_names[] = {
	[DENY_BUSY] = "busy", [DENY_MASTER_USE] = "master-use", [DENY_STALE] = "stale",
	[DENY_NOT_READY] = "not-ready",
};

const char *share_deny_name(int reason)
{
	return reason >= DENY_BUSY && reason <= DENY_NOT_READY ? deny_names[reason] : "unknown";
}

struct wr {
	uint8_t *p;
	size_t n, cap;
	bool over;
};

static void put(struct wr *w, const void *v, size_t len)
{
	if (w->over || len > w->cap - w->n) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->n, v, len);
	w->n += len;
}

static void put_be(struct wr *w, uint64_t v, int bytes)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	put(w, b, (size_t)bytes);
}

int share_msg_encode(const struct share_msg *m, uint8_t *buf, size_t cap)
{
	struct wr w = { .p = buf, .cap = cap };

	if (m->blob_len > SHARE_BLOB_MAX)
		return -EMSGSIZE;
	put_be(&w, m->type, 1);
	switch (m->type) {
	case REQUEST:
		put_be(&w, m->nonce, 8);
		put(&w, m->digest, SHARE_DIGEST_LEN);
		put_be(&w, m->version, 8);
		put_be(&w, m->epoch, 8);
		break;
	case GRANT:
		put_be(&w, m->epoch, 8);
		put_be(&w, m->nonce, 8);
		put_be(&w, m->lease_ms, 4);
		put_be(&w, m->mode, 1);
		put_be(&w, m->version, 8);
		put(&w, m->key, SHARE_KEY_LEN);
		put_be(&w, m->blob_len, 4);
		if (m->blob_len)
			put(&w, m->blob, m->blob_len);
		break;
	case DENY:
		put_be(&w, m->nonce, 8);
		put_be(&w, m->epoch, 8);
		put_be(&w, m->reason, 1);
		break;
	case RENEW:
		put_be(&w, m->epoch, 8);
		put_be(&w, m->nonce, 8);
		break;
	case RENEWED:
		put_be(&w, m->epoch, 8);
		put_be(&w, m->nonce, 8);
		put_be(&w, m->lease_ms, 4);
		break;
	case RELEASE:
		put_be(&w, m->epoch, 8);
		put_be(&w, m->blob_len, 4);
		if (m->blob_len)
			put(&w, m->blob, m->blob_len);
		break;
	case RELEASED:
		put_be(&w, m->epoch, 8);
		put_be(&w, m->version, 8);
		break;
	default:
		return -EINVAL;
	}
	return w.over ? -EMSGSIZE : (int)w.n;
}

struct rd {
	const uint8_t *p;
	size_t n, len;
	bool bad;
};

static uint64_t get_be(struct rd *r, int bytes)
{
	uint64_t v = 0;
	int i;

	if (r->bad || (size_t)bytes > r->len - r->n) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v = v << 8 | r->p[r->n++];
	return v;
}

static void get(struct rd *r, void *v, size_t len)
{
	if (r->bad || len > r->len - r->n) {
		r->bad = true;
		return;
	}
	memcpy(v, r->p + r->n, len);
	r->n += len;
}

static void get_blob(struct rd *r, struct share_msg *m)
{
	uint64_t len = get_be(r, 4);

	if (r->bad || len > SHARE_BLOB_MAX || len > r->len - r->n) {
		r->bad = true;
		return;
	}
	m->blob = len ? r->p + r->n : NULL;
	m->blob_len = (size_t)len;
	r->n += (size_t)len;
}

int share_msg_decode(struct share_msg *m, const uint8_t *buf, size_t len)
{
	struct rd r = { .p = buf, .len = len };

	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)get_be(&r, 1);
	switch (m->type) {
	case REQUEST:
		m->nonce = get_be(&r, 8);
		get(&r, m->digest, SHARE_DIGEST_LEN);
		m->version = get_be(&r, 8);
		m->epoch = get_be(&r, 8);
		break;
	case GRANT:
		m->epoch = get_be(&r, 8);
		m->nonce = get_be(&r, 8);
		m->lease_ms = (uint32_t)get_be(&r, 4);
		m->mode = (uint8_t)get_be(&r, 1);
		m->version = get_be(&r, 8);
		get(&r, m->key, SHARE_KEY_LEN);
		get_blob(&r, m);
		if (m->mode != GRANT_PUSH && m->mode != GRANT_ACTIVATE)
			r.bad = true;
		/* a push carries the profile, an activation nothing */
		if ((m->mode == GRANT_PUSH) != (m->blob_len > 0))
			r.bad = true;
		if (!m->epoch || !m->lease_ms)
			r.bad = true;
		break;
	case DENY:
		m->nonce = get_be(&r, 8);
		m->epoch = get_be(&r, 8);
		m->reason = (uint8_t)get_be(&r, 1);
		if (m->reason < DENY_BUSY || m->reason > DENY_NOT_READY)
			r.bad = true;
		break;
	case RENEW:
		m->epoch = get_be(&r, 8);
		m->nonce = get_be(&r, 8);
		break;
	case RENEWED:
		m->epoch = get_be(&r, 8);
		m->nonce = get_be(&r, 8);
		m->lease_ms = (uint32_t)get_be(&r, 4);
		if (!m->lease_ms)
			r.bad = true;
		break;
	case RELEASE:
		m->epoch = get_be(&r, 8);
		get_blob(&r, m);
		break;
	case RELEASED:
		m->epoch = get_be(&r, 8);
		m->version = get_be(&r, 8);
		break;
	default:
		r.bad = true;
	}
	if (r.bad || r.n != len) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	return 0;
}

/* ---- the master ---- */

static const char *const mst_names[] = {
	[MST_FREE] = "MST_FREE", [MST_SELF] = "MST_SELF", [MST_GRANTED] = "MST_GRANTED",
};

const char *share_master_state_name(int state)
{
	return state >= MST_FREE && state <= MST_GRANTED ? mst_names[state] : "unknown";
}

void share_master_init(struct share_master *m, uint64_t now, uint64_t epoch, uint32_t lease_ms,
	      uint32_t drift_ms)
{
	memset(m, 0, sizeof(*m));
	m->epoch = epoch;
	m->lease_ms = lease_ms;
	m->drift_ms = drift_ms;
	m->holder = SHARE_PEER_NONE;
	m->last_holder = SHARE_PEER_NONE;
	m->state = MST_FREE;
	if (epoch) {
		/* a lease granted before the restart may still run */
		m->state = MST_GRANTED;
		m->holder = SHARE_PEER_UNKNOWN;
		m->held_until = now + lease_ms + drift_ms;
	}
}

static void deny(struct share_master *m, const struct share_msg *in, struct share_msg *out,
		 int reason)
{
	memset(out, 0, sizeof(*out));
	out->type = DENY;
	out->nonce = in->nonce;
	out->epoch = in->epoch;
	out->reason = (uint8_t)reason;
	if (reason == DENY_STALE)
		m->stale++;
	else
		m->denies++;
}

/* a REQUEST: a DENY while the profile is not free, else a GRANT (push or activate) */
static int master_request(struct share_master *m, uint64_t now, int peer,
			  const struct share_msg *in, struct share_msg *out, char *why,
			  size_t whylen)
{
	if (!m->ready) {
		deny(m, in, out, DENY_NOT_READY);
		snprintf(why, whylen, "no profile to share");
		return SHARE_MASTER_DENY;
	}
	if (m->state == MST_SELF) {
		deny(m, in, out, DENY_MASTER_USE);
		snprintf(why, whylen, "the master uses the profile (epoch %llu)",
			 (unsigned long long)m->epoch);
		return SHARE_MASTER_DENY;
	}
	if (m->state == MST_GRANTED) {
		deny(m, in, out, DENY_BUSY);
		if (m->holder == SHARE_PEER_UNKNOWN)
			snprintf(why, whylen, "a lease from before the restart may run for %llu ms",
				 (unsigned long long)(m->held_until - now));
		else
			snprintf(why, whylen, "peer %d holds lease %llu for %llu ms more",
				 m->holder, (unsigned long long)m->epoch,
				 (unsigned long long)(m->held_until - now));
		return SHARE_MASTER_DENY;
	}
	m->epoch++;
	m->state = MST_GRANTED;
	m->holder = peer;
	m->held_until = now + m->lease_ms + m->drift_ms;
	memset(out, 0, sizeof(*out));
	out->type = GRANT;
	out->epoch = m->epoch;
	out->nonce = in->nonce;
	out->lease_ms = m->lease_ms;
	out->version = m->version;
	out->mode = GRANT_PUSH;
	if (m->compare && m->version && in->version == m->version &&
	    !memcmp(in->digest, m->digest, SHARE_DIGEST_LEN))
		out->mode = GRANT_ACTIVATE;
	m->grants++;
	if (out->mode == GRANT_PUSH)
		m->pushes++;
	else
		m->activations++;
	snprintf(why, whylen, "lease %llu to peer %d for %u ms (%s)",
		 (unsigned long long)m->epoch, peer, m->lease_ms,
		 out->mode == GRANT_PUSH ? (m->compare ? "its copy differs: push" : "push")
					 : "its copy is current: activate");
	return SHARE_MASTER_GRANT;
}

/* a RENEW: RENEWED to the holder of the current lease, a stale DENY to anyone else */
static int master_renew(struct share_master *m, uint64_t now, int peer,
			const struct share_msg *in, struct share_msg *out, char *why,
			size_t whylen)
{
	/* after a restart the holder of the stored epoch makes itself known */
	if (m->state == MST_GRANTED && m->holder == SHARE_PEER_UNKNOWN &&
	    in->epoch == m->epoch) {
		m->holder = peer;
		snprintf(why, whylen, "peer %d renews lease %llu granted before the restart",
			 peer, (unsigned long long)m->epoch);
	}
	if (m->state == MST_GRANTED && m->holder == peer && in->epoch == m->epoch) {
		m->held_until = now + m->lease_ms + m->drift_ms;
		memset(out, 0, sizeof(*out));
		out->type = RENEWED;
		out->epoch = m->epoch;
		out->nonce = in->nonce;
		out->lease_ms = m->lease_ms;
		return SHARE_MASTER_RENEWED;
	}
	deny(m, in, out, DENY_STALE);
	snprintf(why, whylen, "RENEW of epoch %llu from peer %d: stale (epoch %llu, %s)",
		 (unsigned long long)in->epoch, peer, (unsigned long long)m->epoch,
		 share_master_state_name(m->state));
	return SHARE_MASTER_STALE;
}

/* a RELEASE: RELEASED (a new version) for the current lease, a stale DENY otherwise */
static int master_release(struct share_master *m, int peer, const struct share_msg *in,
			  struct share_msg *out, char *why, size_t whylen)
{
	bool current;

	current = in->epoch == m->epoch &&
		  ((m->state == MST_GRANTED &&
		    (m->holder == peer || m->holder == SHARE_PEER_UNKNOWN)) ||
		   (m->state == MST_FREE && m->last_holder == peer));
	if (!current) {
		deny(m, in, out, DENY_STALE);
		snprintf(why, whylen, "RELEASE of epoch %llu from peer %d: stale (epoch %llu); only its SQN array is merged",
			 (unsigned long long)in->epoch, peer, (unsigned long long)m->epoch);
		return SHARE_MASTER_STALE;
	}
	if (m->state == MST_GRANTED)
		m->releases++;
	m->state = MST_FREE;
	m->holder = SHARE_PEER_NONE;
	m->last_holder = SHARE_PEER_NONE;
	m->version++;
	memset(out, 0, sizeof(*out));
	out->type = RELEASED;
	out->epoch = in->epoch;
	out->version = m->version;
	snprintf(why, whylen, "peer %d released lease %llu; its state is version %llu",
		 peer, (unsigned long long)in->epoch, (unsigned long long)m->version);
	return SHARE_MASTER_RELEASED;
}

int share_master_recv(struct share_master *m, uint64_t now, int peer, const struct share_msg *in,
	     struct share_msg *out, char *why, size_t whylen)
{
	share_master_timer(m, now);
	why[0] = '\0';
	switch (in->type) {
	case REQUEST:
		return master_request(m, now, peer, in, out, why, whylen);
	case RENEW:
		return master_renew(m, now, peer, in, out, why, whylen);
	case RELEASE:
		return master_release(m, peer, in, out, why, whylen);
	default:
		snprintf(why, whylen, "%s from peer %d: not a slave's message",
			 share_msg_name(in->type), peer);
		return SHARE_MASTER_NONE;
	}
}

int share_master_timer(struct share_master *m, uint64_t now)
{
	if (m->state != MST_GRANTED || now < m->held_until)
		return SHARE_MASTER_NONE;
	m->state = MST_FREE;
	m->last_holder = m->holder;
	m->holder = SHARE_PEER_NONE;
	/* the holder's state is not back: what the master has is not the latest */
	m->version++;
	m->expiries++;
	return SHARE_MASTER_EXPIRED;
}

uint64_t share_master_deadline(const struct share_master *m)
{
	return m->state == MST_GRANTED ? m->held_until : 0;
}

int share_master_take(struct share_master *m)
{
	if (m->state != MST_FREE)
		return -EBUSY;
	m->epoch++;
	m->state = MST_SELF;
	m->last_holder = SHARE_PEER_NONE;
	return 0;
}

void share_master_give(struct share_master *m)
{
	if (m->state != MST_SELF)
		return;
	m->state = MST_FREE;
	m->version++;
}

/* ---- the slave ---- */

static const char *const slv_names[] = {
	[SLV_IDLE] = "SLV_IDLE", [SLV_REQUESTING] = "SLV_REQUESTING",
	[SLV_ACTIVE] = "SLV_ACTIVE", [SLV_RELEASING] = "SLV_RELEASING",
};

const char *share_slave_state_name(int state)
{
	return state >= SLV_IDLE && state <= SLV_RELEASING ? slv_names[state] : "unknown";
}

void share_slave_init(struct share_slave *s, uint64_t seed, uint32_t guard_ms, uint32_t answer_ms,
	      uint32_t retry_ms)
{
	memset(s, 0, sizeof(*s));
	s->state = SLV_IDLE;
	s->guard_ms = guard_ms;
	s->answer_ms = answer_ms;
	s->retry_ms = retry_ms;
	s->rng = seed | 1;
}

static uint64_t next_nonce(struct share_slave *s)
{
	/* xorshift64*: fresh, not secret (the channel authenticates) */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

static void deactivate(struct share_slave *s, uint64_t now, struct share_slv_out *out,
		       const char *why)
{
	out->deactivate = true;
	snprintf(out->why, sizeof(out->why), "%s", why);
	s->state = SLV_IDLE;
	s->pending_state = true;
	s->held = true;
	/*
	 * RELEASE only once the device is off the network: the guard time,
	 * or sooner when the caller sees the detach (share_slave_offline())
	 */
	s->next_at = now + s->guard_ms;
}

void share_slave_deleted(struct share_slave *s, uint64_t now)
{
	if (!s->held)
		return;
	s->held = false;
	if (s->state == SLV_IDLE && s->pending_state && s->next_at < now + s->guard_ms)
		s->next_at = now + s->guard_ms;
}

void share_slave_offline(struct share_slave *s, uint64_t now)
{
	if (s->state == SLV_IDLE && s->pending_state && s->next_at > now)
		s->next_at = now;
}

/* a master's message that does not fit the slave's state: say so, change nothing */
static int slave_ignored(const struct share_slave *s, const struct share_msg *in,
			 struct share_slv_out *out)
{
	snprintf(out->why, sizeof(out->why), "%s (epoch %llu) in %s: not for this request, ignored",
		 share_msg_name(in->type), (unsigned long long)in->epoch,
		 share_slave_state_name(s->state));
	return -EPROTO;
}

/* a GRANT: the answer to the REQUEST in flight makes the slave active */
static int slave_grant(struct share_slave *s, uint64_t now, const struct share_msg *in,
		       struct share_slv_out *out)
{
	if (s->state != SLV_REQUESTING || in->nonce != s->nonce)
		return slave_ignored(s, in, out);
	if (in->lease_ms <= 2 * s->guard_ms || in->lease_ms <= s->answer_ms) {
		s->state = SLV_IDLE;
		s->next_at = now + s->retry_ms;
		snprintf(out->why, sizeof(out->why),
			 "GRANT of a %u ms lease: too short for the %u ms guard",
			 in->lease_ms, s->guard_ms);
		return -EPROTO;
	}
	if (in->mode == GRANT_ACTIVATE && !s->version) {
		s->state = SLV_IDLE;
		s->next_at = now + s->retry_ms;
		snprintf(out->why, sizeof(out->why), "activation without a copy held");
		return -EPROTO;
	}
	s->state = SLV_ACTIVE;
	s->epoch = in->epoch;
	s->version = in->version;
	/* from when the REQUEST went: the master's count began after it */
	s->lease_end = s->sent_at + in->lease_ms;
	s->next_at = s->sent_at + in->lease_ms / 3;
	s->grants++;
	out->activate = true;
	snprintf(out->why, sizeof(out->why), "lease %llu for %u ms (%s)",
		 (unsigned long long)in->epoch, in->lease_ms,
		 in->mode == GRANT_PUSH ? "profile pushed" : "activate the copy held");
	return 0;
}

/* a DENY: of the REQUEST in flight, of the active lease, or of a late RELEASE */
static int slave_deny(struct share_slave *s, uint64_t now, const struct share_msg *in,
		      struct share_slv_out *out)
{
	if (s->state == SLV_REQUESTING && in->nonce == s->nonce) {
		s->state = SLV_IDLE;
		s->next_at = now + s->retry_ms;
		s->denies++;
		snprintf(out->why, sizeof(out->why), "refused: %s",
			 share_deny_name(in->reason));
		return 0;
	}
	if (s->state == SLV_ACTIVE && in->nonce == s->nonce && in->epoch == s->epoch) {
		s->stale++;
		deactivate(s, now, out, "the master says the lease is over (stale)");
		return 0;
	}
	if (s->state == SLV_RELEASING && in->epoch == s->epoch &&
	    in->reason == DENY_STALE) {
		/* someone held it since: the master keeps only the SQN array */
		s->state = SLV_IDLE;
		s->pending_state = false;
		s->version = 0;
		s->next_at = now;
		snprintf(out->why, sizeof(out->why),
			 "state of lease %llu returned too late: only its SQN array counted",
			 (unsigned long long)s->epoch);
		return 0;
	}
	return slave_ignored(s, in, out);
}

static int slave_msg(struct share_slave *s, uint64_t now, const struct share_msg *in,
		     struct share_slv_out *out)
{
	switch (in->type) {
	case GRANT:
		return slave_grant(s, now, in, out);
	case DENY:
		return slave_deny(s, now, in, out);
	case RENEWED:
		if (s->state != SLV_ACTIVE || in->nonce != s->nonce || in->epoch != s->epoch)
			break;
		s->lease_end = s->sent_at + in->lease_ms;
		s->next_at = s->sent_at + in->lease_ms / 3;
		s->renewals++;
		return 0;
	case RELEASED:
		if (s->state != SLV_RELEASING || in->epoch != s->epoch)
			break;
		s->state = SLV_IDLE;
		s->pending_state = false;
		s->version = in->version;
		s->next_at = now;
		snprintf(out->why, sizeof(out->why), "lease %llu returned; state version %llu",
			 (unsigned long long)s->epoch, (unsigned long long)in->version);
		return 0;
	default:
		snprintf(out->why, sizeof(out->why), "%s: not a master's message",
			 share_msg_name(in->type));
		return -EPROTO;
	}
	return slave_ignored(s, in, out);
}

int share_slave_step(struct share_slave *s, uint64_t now, const struct share_msg *in,
	     struct share_slv_out *out)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (in) {
		ret = slave_msg(s, now, in, out);
		if (out->activate || out->deactivate)
			return ret;
	}
	switch (s->state) {
	case SLV_ACTIVE:
		if (!s->want) {
			deactivate(s, now, out, "no longer wanted: deactivated");
			return ret;
		}
		if (now + s->guard_ms >= s->lease_end) {
			s->expiries++;
			deactivate(s, now, out, s->link ? "the lease was not renewed in time: deactivated"
							: "link lost: the lease ran out, deactivated");
			return ret;
		}
		if (s->link && now >= s->next_at) {
			memset(&out->msg, 0, sizeof(out->msg));
			out->msg.type = RENEW;
			out->msg.epoch = s->epoch;
			out->msg.nonce = s->nonce = next_nonce(s);
			out->send = true;
			s->sent_at = now;
			/* unanswered: again after answer_ms, the lease counting from the last answered one */
			s->next_at = now + s->answer_ms;
		}
		return ret;
	case SLV_REQUESTING:
		if (!s->link || now >= s->sent_at + s->answer_ms) {
			s->state = SLV_IDLE;
			s->next_at = now + (s->link ? s->retry_ms : 0);
		}
		if (s->state != SLV_IDLE)
			return ret;
		break;
	case SLV_RELEASING:
		if (!s->link || now >= s->next_at) {
			s->state = SLV_IDLE;
			s->next_at = now + (s->link ? s->retry_ms : 0);
		}
		if (s->state != SLV_IDLE)
			return ret;
		break;
	case SLV_IDLE:
		break;
	}
	/* the profile may still serve the modem: no RELEASE until it is out */
	if (s->state == SLV_IDLE && s->held) {
		if (now >= s->next_at && !out->deactivate) {
			out->delete_again = true;
			s->next_at = now + s->retry_ms;
		}
		return ret;
	}
	if (!s->link || now < s->next_at || out->send)
		return ret;
	memset(&out->msg, 0, sizeof(out->msg));
	if (s->pending_state) {
		/* the state first, so the next holder continues it */
		out->msg.type = RELEASE;
		out->msg.epoch = s->epoch;
		out->send = true;
		s->state = SLV_RELEASING;
		s->next_at = now + s->answer_ms;
		return ret;
	}
	if (!s->want)
		return ret;
	out->msg.type = REQUEST;
	out->msg.nonce = s->nonce = next_nonce(s);
	memcpy(out->msg.digest, s->digest, SHARE_DIGEST_LEN);
	out->msg.version = s->version;
	out->msg.epoch = s->copy_epoch;
	out->send = true;
	s->state = SLV_REQUESTING;
	s->sent_at = now;
	s->next_at = now + s->answer_ms;
	s->requests++;
	return ret;
}

uint64_t share_slave_deadline(const struct share_slave *s)
{
	uint64_t t;

	switch (s->state) {
	case SLV_ACTIVE:
		/* the renewal only when it can go: a dead link must not spin the timer */
		t = s->lease_end - s->guard_ms;
		if (s->link && s->next_at < t)
			t = s->next_at;
		return t;
	case SLV_REQUESTING:
	case SLV_RELEASING:
		return s->next_at;
	case SLV_IDLE:
		if (s->held)
			return s->next_at;
		if (!s->link || (!s->want && !s->pending_state))
			return 0;
		return s->next_at;
	}
	return 0;
}
