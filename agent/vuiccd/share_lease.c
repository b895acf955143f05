// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's sharing: the lease state machines (core/share.c) wired to the
 * card.  A slave installs and enables what a GRANT pushes (or opens the
 * sealed copy it holds with the key an activation brings) and deletes it,
 * kernel and store, when its lease ends; a master keeps the shared
 * profile's dynamic state and the fencing epoch in its store, and may use
 * the profile itself (vuiccctl share take, give).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/log.h"
#include "lib/profile.h"
#include "lib/store.h"
#include "share_glue.h"

#define STORE_KIND_SHARE	3

/* slave: the lease's GRANT brought a key, so a sealed copy is kept (compare) */
static bool d_compare(const struct vshare *v)
{
	return v->keep_copy;
}

/* ---- the store: epoch, version, dynamic state ---- */

static int lease_save(struct vshare *v)
{
	static uint8_t buf[16 + STORE_PAYLOAD_MAX];
	char name[VUICC_PROFILE_NAME_MAX + 16];
	size_t n;
	int i, ret;

	for (i = 0; i < 8; i++) {
		buf[i] = (uint8_t)(v->m.epoch >> (56 - 8 * i));
		buf[8 + i] = (uint8_t)(v->m.version >> (56 - 8 * i));
	}
	n = pstate_encode(&v->ps, buf + 16, sizeof(buf) - 16);
	snprintf(name, sizeof(name), "share-%s.lease", v->cfg->share_profile);
	ret = store_write_blob(v->store->dirfd, name, STORE_KIND_SHARE, ++v->gen, buf, 16 + n,
			       v->store->io);
	sodium_memzero(buf, 16 + n);
	if (ret)
		log_err("share: cannot write %s: %s", name, strerror(-ret));
	return ret;
}

int vs_lease_load(struct vshare *v, uint64_t *epoch)
{
	char name[VUICC_PROFILE_NAME_MAX + 16], note[200];
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t n;
	int i, ret;

	*epoch = 0;
	snprintf(name, sizeof(name), "share-%s.lease", v->cfg->share_profile);
	ret = store_read_blob(v->store->dirfd, name, STORE_KIND_SHARE, &buf, &n, &v->gen, note,
			      sizeof(note));
	if (ret == -ENOENT)
		return 0;
	if (ret || n < 16) {
		log_err("share: %s: no valid copy; the epoch cannot be trusted, refusing to share",
			name);
		free(buf);
		return -EBADMSG;
	}
	for (i = 0; i < 8; i++) {
		*epoch = *epoch << 8 | buf[i];
		v->m.version = v->m.version << 8 | buf[8 + i];
	}
	ret = pstate_decode(buf + 16, n - 16, &v->ps, &why);
	sodium_memzero(buf, n);
	free(buf);
	if (ret)
		log_warn("share: %s: its card state is damaged (%s); starting from the profile's",
			 name, why ? why : "?");
	return 0;
}

/* ---- the master ---- */

/* A lease that ran out: the state's version moved, so it goes to the store. */
static void master_expire(struct vshare *v)
{
	if (share_master_timer(&v->m, vs_now()) != SHARE_MASTER_EXPIRED)
		return;
	lease_save(v);
	log_notice("share: lease %llu ran out (its holder neither renewed nor released it); the profile is free",
		   (unsigned long long)v->m.epoch);
	loop_event(v->loop, "share: lease %llu expired", (unsigned long long)v->m.epoch);
}

/* GRANT: the epoch on disk first, then the copy's key (compare) or the push. */
static void master_grant(struct vshare *v, struct sconn *c, const struct share_msg *in,
			 struct share_msg *out, const char *why)
{
	static uint8_t blob[SHARE_BLOB_MAX];
	size_t n;

	/* the epoch is on disk before any slave can use it */
	if (lease_save(v)) {
		v->m.state = MST_FREE;
		return;
	}
	if (v->m.compare)
		vs_copy_key(v, c->peer, out->mode == GRANT_ACTIVATE ? in->epoch : out->epoch,
			    out->key);
	if (out->mode == GRANT_PUSH) {
		n = vs_push_blob(v->text, v->text_len, &v->ps, blob, sizeof(blob));
		if (!n) {
			log_err("share: the profile is larger than a GRANT can carry");
			sodium_memzero(out->key, sizeof(out->key));
			return;
		}
		out->blob = blob;
		out->blob_len = n;
	}
	v->last_denied = -1;
	log_notice("share: GRANT: %s", why);
	loop_event(v->loop, "share: lease %llu granted to peer %d", (unsigned long long)out->epoch,
		 c->peer);
	vs_send_msg(v, c, out);
	sodium_memzero(blob, sizeof(blob));
	sodium_memzero(out->key, sizeof(out->key));
}

/* The state a RELEASE brought: its SQNs always, its EFs only from the lease's holder. */
static void master_merge_state(struct vshare *v, struct sconn *c, const struct share_msg *in,
			       int r)
{
	struct pstate *t;
	const char *bad = NULL;
	size_t n;

	t = calloc(1, sizeof(*t));
	if (t && !pstate_decode(in->blob, in->blob_len, t, &bad)) {
		pstate_merge_sqn(&v->ps, t->sqn, t->sqn_len);
		if (r == SHARE_MASTER_RELEASED) {
			for (n = 0; n < t->n_efs; n++)
				pstate_set_ef(&v->ps, t->efs[n].path, t->efs[n].path_len,
					      t->efs[n].data, t->efs[n].len);
		}
	} else {
		log_warn("share: peer %d: RELEASE with a damaged state (%s)", c->peer,
			 bad ? bad : "no memory");
	}
	if (t)
		pstate_clear(t);
	free(t);
}

/* RELEASED, or a stale message (a RELEASE's SQNs still count). */
static void master_released(struct vshare *v, struct sconn *c, const struct share_msg *in,
			    const struct share_msg *out, int r, const char *why)
{
	if (in->type == RELEASE && in->blob_len)
		master_merge_state(v, c, in, r);
	if (r == SHARE_MASTER_RELEASED || in->blob_len)
		lease_save(v);	/* the version moved, or the SQN array did */
	if (r == SHARE_MASTER_STALE) {
		v->stale++;
		log_warn("share: peer %d: %s", c->peer, why);
		loop_event(v->loop, "share: stale %s from peer %d rejected",
			 share_msg_name(in->type), c->peer);
	} else {
		log_notice("share: %s", why);
		loop_event(v->loop, "share: peer %d released lease %llu", c->peer,
			 (unsigned long long)in->epoch);
	}
	vs_send_msg(v, c, out);
}

static void master_recv(struct vshare *v, struct sconn *c, const struct share_msg *in)
{
	struct share_msg out;
	char why[300];
	int r;

	master_expire(v);
	r = share_master_recv(&v->m, vs_now(), c->peer, in, &out, why, sizeof(why));
	switch (r) {
	case SHARE_MASTER_GRANT:
		master_grant(v, c, in, &out, why);
		return;
	case SHARE_MASTER_DENY:
		/* a slave asks again every few seconds: the first refusal said it */
		if (v->last_denied != c->peer) {
			log_notice("share: DENY peer %d: %s", c->peer, why);
			loop_event(v->loop, "share: peer %d refused: %s", c->peer,
				 share_deny_name(out.reason));
		} else {
			log_info("share: DENY peer %d again: %s", c->peer, why);
		}
		v->last_denied = c->peer;
		vs_send_msg(v, c, &out);
		return;
	case SHARE_MASTER_RENEWED:
		vs_send_msg(v, c, &out);
		return;
	case SHARE_MASTER_STALE:
	case SHARE_MASTER_RELEASED:
		master_released(v, c, in, &out, r, why);
		return;
	default:
		log_warn("share: peer %d: %s", c->peer, why);
	}
}

/* ---- the slave ---- */

/* compare: the profile's text kept while active, to seal the copy at the end */
static void held_text_drop(struct vshare *v)
{
	if (v->held_text) {
		sodium_memzero(v->held_text, v->held_text_len);
		free(v->held_text);
	}
	v->held_text = NULL;
	v->held_text_len = 0;
}

static void held_text_keep(struct vshare *v, const uint8_t *text, size_t len)
{
	held_text_drop(v);
	v->held_text = malloc(len);
	if (v->held_text)
		memcpy(v->held_text, text, len);
	v->held_text_len = v->held_text ? len : 0;
}

/* The card continues from the last holder's state @t. */
static void card_take_state(struct vshare *v, struct vprof *vp, const char *name,
			    const struct pstate *t)
{
	size_t i;

	pstate_clear(&vp->ps);
	snprintf(vp->ps.name, sizeof(vp->ps.name), "%s", name);
	vp->ps.card = v->card;
	vp->ps.sqn_len = t->sqn_len;
	memcpy(vp->ps.sqn, t->sqn, t->sqn_len);
	for (i = 0; i < t->n_efs; i++)
		pstate_set_ef(&vp->ps, t->efs[i].path, t->efs[i].path_len, t->efs[i].data,
			      t->efs[i].len);
}

static int slave_install_blob(struct vshare *v, const struct share_msg *g);

static int slave_install(struct vshare *v, const struct share_msg *g)
{
	struct share_msg pushed;
	uint8_t *pt;
	size_t pt_len;
	int ret;

	v->keep_copy = !sodium_is_zero(g->key, SHARE_KEY_LEN);
	if (d_compare(v)) {
		memcpy(v->grant_key, g->key, SHARE_KEY_LEN);
		/* an activation brings the key of the copy's epoch, a push its own */
		v->key_epoch = g->mode == GRANT_ACTIVATE ? v->s.copy_epoch : g->epoch;
	}
	if (g->mode == GRANT_PUSH)
		return slave_install_blob(v, g);
	/* the activation command: open the copy held with the key it brings */
	if (!v->sealed || v->sealed_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return -ENOENT;
	pt_len = v->sealed_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	pt = malloc(pt_len ? pt_len : 1);
	if (!pt)
		return -ENOMEM;
	if (crypto_secretbox_open_easy(pt, v->sealed + crypto_secretbox_NONCEBYTES,
				       v->sealed_len - crypto_secretbox_NONCEBYTES, v->sealed,
				       g->key)) {
		log_err("share: the activation's key does not open the copy held; dropping it");
		free(pt);
		vs_sealed_drop(v);
		return -EBADMSG;
	}
	pushed = *g;
	pushed.mode = GRANT_PUSH;
	pushed.blob = pt;
	pushed.blob_len = pt_len;
	ret = slave_install_blob(v, &pushed);
	sodium_memzero(pt, pt_len);
	free(pt);
	return ret;
}

static int slave_install_blob(struct vshare *v, const struct share_msg *g)
{
	struct profile *p = NULL;
	struct pstate *t = NULL;
	const char *bad = NULL;
	char err[PROFILE_ERR_MAX];
	uint64_t kdeadline;
	struct vprof *vp;
	size_t tlen;
	int ret = -EBADMSG;

	if (g->mode != GRANT_PUSH || g->blob_len < 4)
		goto out;
	tlen = (size_t)g->blob[0] << 24 | (size_t)g->blob[1] << 16 | (size_t)g->blob[2] << 8 |
	       g->blob[3];
	if (tlen > g->blob_len - 4)
		goto out;
	p = calloc(1, sizeof(*p));
	t = calloc(1, sizeof(*t));
	if (!p || !t) {
		ret = -ENOMEM;
		goto out;
	}
	if (profile_parse((const char *)g->blob + 4, tlen, "(shared)", p, err, sizeof(err))) {
		log_err("share: the pushed profile does not parse: %s", err);
		goto out;
	}
	if (strcmp(p->name, v->cfg->share_profile)) {
		log_err("share: the master pushed profile %s, not %s", p->name,
			v->cfg->share_profile);
		goto out;
	}
	if (d_compare(v))
		held_text_keep(v, g->blob + 4, tlen);
	if (g->blob_len > 4 + tlen &&
	    pstate_decode(g->blob + 4 + tlen, g->blob_len - 4 - tlen, t, &bad)) {
		log_err("share: the pushed card state is damaged (%s)", bad ? bad : "?");
		goto out;
	}
	p->card = (int)v->card;
	vp = reg_get(v->reg, v->card, p->name);
	if (!vp) {
		ret = -ENOSPC;
		goto out;
	}
	card_take_state(v, vp, p->name, t);
	ret = prov_install_remote(v->prov, v->card, p);
	/*
	 * a slave's card holds it until the kernel's deadline, the lease's
	 * end less the guard time: if this vuiccd dies, the kernel disables
	 * it in time all the same (the master's own use has no lease)
	 */
	kdeadline = v->role == CONFIG_SHARE_SLAVE ? v->s.lease_end - v->s.guard_ms : 0;
	if (!ret)
		ret = prov_enable_until(v->prov, v->card, p->name, "shared by the master", kdeadline);
	if (!ret)
		v->kdeadline = kdeadline;
out:
	if (p) {
		profile_wipe(p);
		free(p);
	}
	if (t) {
		pstate_clear(t);
		free(t);
	}
	return ret;
}

static void slave_deactivate(struct vshare *v, const char *why)
{
	static uint8_t blob[SHARE_BLOB_MAX];
	struct vprof *vp = reg_find(v->reg, v->card, v->cfg->share_profile);
	size_t n = 0;

	if (vp) {
		/* the card's state as it is now, then the profile out of kernel and store */
		persist_fetch_state(v->store, vp);
		n = vs_state_blob(&vp->ps, blob, sizeof(blob));
		if (prov_delete_remote(v->prov, v->card, v->cfg->share_profile))
			log_err("share: cannot delete the shared profile: no RELEASE until it is "
				"deleted (tried again every %u ms)", v->cfg->share_retry_ms);
		else
			share_slave_deleted(&v->s, vs_now());
	} else {
		share_slave_deleted(&v->s, vs_now());
	}
	v->kdeadline = 0;
	free(v->pending);
	v->pending = n ? malloc(n) : NULL;
	v->pending_len = v->pending ? n : 0;
	if (v->pending)
		memcpy(v->pending, blob, n);
	if (d_compare(v)) {
		vs_sealed_make(v, blob, n);
		held_text_drop(v);
	}
	sodium_memzero(v->grant_key, sizeof(v->grant_key));
	sodium_memzero(blob, n);
	v->deactivated_at = vs_now();
	log_notice("share: lease %llu: %s; profile %s deleted from the card and the store",
		   (unsigned long long)v->s.epoch, why, v->cfg->share_profile);
	loop_event(v->loop, "share: deactivated (%s)", why);
}

/* A deactivation whose deletion failed: again; the RELEASE waits for it. */
static void slave_delete_again(struct vshare *v)
{
	if (reg_find(v->reg, v->card, v->cfg->share_profile) &&
	    prov_delete_remote(v->prov, v->card, v->cfg->share_profile)) {
		log_warn("share: the shared profile is still not deleted; RELEASE waits");
		return;
	}
	log_notice("share: the shared profile is deleted now; the RELEASE goes after the guard time");
	share_slave_deleted(&v->s, vs_now());
}

/*
 * A lease that grew (RENEWED) moves the kernel's deadline with it.  A
 * refusal means the deadline passed and the kernel disabled the profile:
 * the lease is over for this device too.
 */
static void slave_sync_deadline(struct vshare *v)
{
	uint64_t want;
	int ret;

	if (v->s.state != SLV_ACTIVE || !v->kdeadline)
		return;
	want = v->s.lease_end - v->s.guard_ms;
	if (want == v->kdeadline)
		return;
	ret = prov_renew(v->prov, v->card, v->cfg->share_profile, want);
	if (!ret) {
		v->kdeadline = want;
		return;
	}
	v->renewals_refused++;
	log_err("share: lease %llu: the kernel did not move the profile's deadline (%s): "
		"giving the lease up", (unsigned long long)v->s.epoch, strerror(-ret));
	v->kdeadline = 0;
	v->s.lease_end = vs_now();
}

void vs_slave_run(struct vshare *v, const struct share_msg *in)
{
	struct share_slv_out o;
	int i, ret;

	for (i = 0; i < 4; i++) {
		ret = share_slave_step(&v->s, vs_now(), in, &o);
		if (ret && o.why[0])
			log_warn("share: %s", o.why);
		if (o.activate) {
			v->activated_at = vs_now();
			log_notice("share: %s", o.why);
			loop_event(v->loop, "share: active under lease %llu", (unsigned long long)v->s.epoch);
			if (slave_install(v, in)) {
				log_err("share: cannot activate the shared profile; giving the lease up");
				v->s.lease_end = vs_now();
			}
		}
		if (o.deactivate)
			slave_deactivate(v, o.why);
		if (o.delete_again)
			slave_delete_again(v);
		if (o.send) {
			if (o.msg.type == RELEASE) {
				o.msg.blob = v->pending;
				o.msg.blob_len = v->pending_len;
			}
			vs_send_msg(v, &v->c[0], &o.msg);
		}
		in = NULL;
		if (!o.send && !o.activate && !o.deactivate && !o.delete_again)
			break;
	}
	slave_sync_deadline(v);
	if (!v->s.pending_state && v->pending) {
		sodium_memzero(v->pending, v->pending_len);
		free(v->pending);
		v->pending = NULL;
		v->pending_len = 0;
	}
	/* the copy held: kept with the version the master gave it, or dropped */
	if (v->sealed && v->s.state == SLV_IDLE && !v->s.pending_state) {
		if (!v->s.version || !d_compare(v))
			vs_sealed_drop(v);
		else if (v->s.version != v->sealed_saved_version)
			vs_sealed_save(v);
	}
	vs_arm(v);
}

/* What a secured link brings (vshare.news): a message, or the slave's link up or down. */
void vs_news(struct vshare *v, struct sconn *c, const struct share_msg *m)
{
	if (v->role == CONFIG_SHARE_MASTER)
		master_recv(v, c, m);
	else
		vs_slave_run(v, m);
}

/* The master's timer: its own use ends, a lease runs out. */
void vs_master_tick(struct vshare *v, uint64_t now)
{

	if (v->give_at && now >= v->give_at) {
		v->give_at = 0;
		share_master_give(&v->m);
		lease_save(v);
		log_notice("share: the master's own use of %s ended; the profile is free",
			   v->cfg->share_profile);
		loop_event(v->loop, "share: master's own use ended");
	}
	master_expire(v);
}

/* ---- the master's own use (vuiccctl share take, give) ---- */

int vs_master_take(struct vshare *v, char *msg, size_t max)
{
	struct share_msg g = { .type = GRANT, .mode = GRANT_PUSH };
	static uint8_t blob[SHARE_BLOB_MAX];
	size_t n;
	int ret;

	if (v->give_at || share_master_take(&v->m)) {
		snprintf(msg, max, "error: the profile is held (%s); try again when it is free\n",
			 share_master_state_name(v->m.state));
		return -EBUSY;
	}
	if (lease_save(v)) {
		v->m.state = MST_FREE;
		snprintf(msg, max, "error: cannot write the epoch to the store\n");
		return -EIO;
	}
	/* the master's card takes the profile with the last holder's state */
	n = vs_push_blob(v->text, v->text_len, &v->ps, blob, sizeof(blob));
	g.blob = blob;
	g.blob_len = n;
	ret = n ? slave_install_blob(v, &g) : -EMSGSIZE;
	sodium_memzero(blob, n);
	if (ret) {
		/* out again; free only a guard time later, as after a give */
		if (reg_find(v->reg, v->card, v->cfg->share_profile))
			prov_delete_remote(v->prov, v->card, v->cfg->share_profile);
		v->give_at = vs_now() + v->cfg->share_guard_ms;
		vs_arm(v);
		snprintf(msg, max, "error: cannot install %s on card %u: %s\n", v->cfg->share_profile,
			 v->card, strerror(-ret));
		return ret;
	}
	log_notice("share: the master uses %s itself (epoch %llu): slaves are refused",
		   v->cfg->share_profile, (unsigned long long)v->m.epoch);
	loop_event(v->loop, "share: master's own use, epoch %llu", (unsigned long long)v->m.epoch);
	snprintf(msg, max, "ok: card %u uses %s (epoch %llu)\n", v->card, v->cfg->share_profile,
		 (unsigned long long)v->m.epoch);
	return 0;
}

int vs_master_give(struct vshare *v, char *msg, size_t max)
{
	struct vprof *vp = reg_find(v->reg, v->card, v->cfg->share_profile);
	struct pstate *t;
	size_t i;

	if (v->m.state != MST_SELF || v->give_at) {
		snprintf(msg, max, "error: the master does not use the profile\n");
		return -EINVAL;
	}
	if (vp) {
		/* its state for the next holder, then out of the card and the store */
		persist_fetch_state(v->store, vp);
		t = &vp->ps;
		pstate_merge_sqn(&v->ps, t->sqn, t->sqn_len);
		for (i = 0; i < t->n_efs; i++)
			if (!ef_path_secret(t->efs[i].path, t->efs[i].path_len))
				pstate_set_ef(&v->ps, t->efs[i].path, t->efs[i].path_len,
					      t->efs[i].data, t->efs[i].len);
		lease_save(v);
		prov_delete_remote(v->prov, v->card, v->cfg->share_profile);
	}
	/* free once the card has surely left the network: the guard time */
	v->give_at = vs_now() + v->cfg->share_guard_ms;
	vs_arm(v);
	log_notice("share: the master stops using %s; free in %u ms", v->cfg->share_profile,
		   v->cfg->share_guard_ms);
	snprintf(msg, max, "ok: %s off card %u; free for the slaves in %u ms\n",
		 v->cfg->share_profile, v->card, v->cfg->share_guard_ms);
	return 0;
}

