// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's policy glue (policy.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/cn105491555a.h"
#include "io/probe.h"
#include "lib/log.h"
#include "learn.h"
#include "policy.h"

struct vpol {
	struct policy pol;
	/* policy = cn105491555a: the source's method instead (cn is used, pol not) */
	bool source;
	struct cn105 cn;
	struct polglue *pg;
	unsigned int card;
	uint64_t t0;			/* the policy's clock starts here */
	struct profile *vsim;		/* sent by the server, not installed yet */
	char vsim_lease[64];
	bool reg_pending;		/* registered: the operator read comes next */
	enum modem_state last_state;
	unsigned int depth;
	/* the learning on disk (learn.h): Unix-epoch ms minus policy-clock ms,
	 * and what was written last (a write only when it changes) */
	int64_t wall_offset;
	uint64_t learn_gen;
	size_t learn_len;
	char learn_last[LEARN_TEXT_MAX];
	unsigned long learn_writes, learn_write_errors;
	/* physical cards (kind = card): a slot to select once the modem's
	 * identity is read (0: none); a selection running, whose end is the
	 * card stage's outcome */
	int slot_pending;
	char slot_profile[POL_NAME_MAX + 1];	/* ... for this profile */
	bool slot_wait;
	/* the data check (data_check): its client, and what the last probe saw */
	bool have_probe;
	struct probe probe;
	struct vd_check check;
};

/*
 * The policy's clock starts this far from zero, so that what was learned
 * before the start (a location outcome of yesterday) has a time on it.
 */
#define VD_POL_EPOCH_MS	(8ULL * 24 * 3600 * 1000)

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the method in use: the policy core, or the source's ---- */

static unsigned int vp_step(struct vpol *vp, uint64_t now, const struct pol_event *ev,
			    struct pol_action *out, unsigned int max)
{
	return vp->source ? cn_step(&vp->cn, now, ev, out, max) : pol_step(&vp->pol, now, ev, out, max);
}

static uint64_t vp_deadline(const struct vpol *vp)
{
	return vp->source ? cn_deadline(&vp->cn) : pol_deadline(&vp->pol);
}

static unsigned int vp_count(const struct vpol *vp)
{
	return vp->source ? vp->cn.n : vp->pol.n;
}

static const struct pol_profile *vp_prof(const struct vpol *vp, unsigned int k)
{
	return vp->source ? &vp->cn.prof[k] : &vp->pol.prof[k];
}

static int vp_add(struct vpol *vp, const struct pol_profile *pp)
{
	return vp->source ? cn_add_profile(&vp->cn, pp) : pol_add_profile(&vp->pol, pp);
}

static void vp_remove(struct vpol *vp, const char *name)
{
	if (vp->source)
		cn_remove_profile(&vp->cn, name);
	else
		pol_remove_profile(&vp->pol, name);
}

static uint64_t pol_now(const struct vpol *vp)
{
	return loop_now_ms() - vp->t0 + VD_POL_EPOCH_MS;
}

static enum pol_rat rat_of_act(int act)
{
	/* TS 27.007 <AcT>: 0-1 GSM, 2-6 UTRAN, 7+ E-UTRAN */
	return act >= 7 ? POL_RAT_LTE : act >= 2 ? POL_RAT_UMTS : POL_RAT_GSM;
}

static void feed(struct vpol *vp, const struct pol_event *ev);

static void simple_event(struct vpol *vp, enum pol_event_kind k, bool ok)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = k;
	ev.ok = ok;
	ev.cause = -1;
	ev.cme = -1;
	feed(vp, &ev);
}

static int32_t serving_dbm(const struct modem *m, enum pol_rat rat)
{
	int32_t v = rat == POL_RAT_LTE ? m->signal.rsrp_dbm :
		    rat == POL_RAT_UMTS ? m->signal.rssi_dbm : m->signal.rssi_dbm;

	return v == INT32_MIN ? POL_DBM_UNKNOWN : v;
}

static void reg_event(struct vpol *vp, const struct modem *m)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_REG;
	ev.stat = (enum pol_reg_stat)m->reg.stat;
	ev.cause = m->reg.stat == AT_REG_DENIED ? m->reg.reject_cause : -1;
	ev.cme = -1;
	if ((m->reg.stat == 1 || m->reg.stat == 5) && m->cops.oper[0])
		snprintf(ev.plmn, sizeof(ev.plmn), "%.6s", m->cops.oper);
	ev.tac = m->reg.lac_tac;
	ev.rat = rat_of_act(m->reg.act >= 0 ? m->reg.act : m->cops.act);
	ev.dbm = serving_dbm(m, ev.rat);
	feed(vp, &ev);
}

/* ---- the server ---- */

struct srv_ctx {
	struct vpol *vp;
	enum pol_srv_req req;
};

/* A survey is what is here for this long (the policy's SCAN_VALID_MS). */
#define REPORT_SCAN_MS	(5 * 60 * 1000)

static int level_or_unknown(int32_t v)
{
	return v != INT32_MIN ? v : SRV_DBM_UNKNOWN;
}

/*
 * What CN105491555A's device reports once connected: its location (PLMN,
 * TAC/LAC, cell), the RATs its modem has (+WS46=?; all three when the modem
 * does not say), the level per RAT (the serving cell's, and for the other
 * RATs the serving network's level in a fresh survey), and the operators
 * the last scan saw with their levels.
 */
static enum srv_rat srv_rat_of_act(int act)
{
	return act >= 7 ? SRV_RAT_LTE : act >= 2 ? SRV_RAT_UMTS : SRV_RAT_GSM;
}

/*
 * What CN105491555A's device reports once connected: its location (PLMN,
 * TAC/LAC, cell), the RATs its modem has (+WS46=?; all three when the modem
 * does not say), the level per RAT (the serving cell's, and for the other
 * RATs the serving network's level in the scan), and the operators it sees:
 * the serving network, and those of a fresh scan made here (one that saw
 * the serving network; after a move an older scan is of another place).
 */
static void fill_location(const struct modem *m, struct srv_request *r)
{
	bool fresh = m->scan_at && loop_now_ms() - m->scan_at < REPORT_SCAN_MS, here = false;
	int serving_rat = m->cops.act >= 0 ? (int)srv_rat_of_act(m->cops.act) : -1;
	unsigned int k;

	if (m->cops.oper[0] && strlen(m->cops.oper) <= 6)
		snprintf(r->location.plmn, sizeof(r->location.plmn), "%s", m->cops.oper);
	r->location.tac = m->reg.lac_tac ? m->reg.lac_tac : SRV_UNKNOWN;
	r->location.cell = m->reg.ci ? m->reg.ci : SRV_UNKNOWN;
	/* AT_RAT_* and SRV_RAT_* are both GSM, UMTS, LTE in that order */
	r->rats = m->rats ? m->rats : SRV_RAT_BIT(SRV_RAT_GSM) | SRV_RAT_BIT(SRV_RAT_UMTS) |
				      SRV_RAT_BIT(SRV_RAT_LTE);
	r->signal_dbm[SRV_RAT_GSM] = level_or_unknown(m->signal.rssi_dbm);
	r->signal_dbm[SRV_RAT_UMTS] = level_or_unknown(m->signal.rscp_dbm);
	r->signal_dbm[SRV_RAT_LTE] = level_or_unknown(m->signal.rsrp_dbm);
	for (k = 0; fresh && k < m->n_scan; k++)
		here |= !strcmp(m->scan[k].numeric, r->location.plmn);
	for (k = 0; fresh && here && k < m->n_scan; k++) {
		const struct at_scan_entry *e = &m->scan[k];
		enum srv_rat rat = srv_rat_of_act(e->act);

		if (strlen(e->numeric) < 5 || strlen(e->numeric) > 6)
			continue;
		if (r->n_operators < SRV_MAX_OPERATORS) {
			struct srv_operator *o = &r->operators[r->n_operators++];

			snprintf(o->plmn, sizeof(o->plmn), "%s", e->numeric);
			o->rat = rat;
			o->dbm = level_or_unknown(e->dbm);
			/* the serving cell's level is newer than the scan's */
			if (!strcmp(e->numeric, r->location.plmn) && (int)rat == serving_rat &&
			    r->signal_dbm[rat] != SRV_DBM_UNKNOWN)
				o->dbm = r->signal_dbm[rat];
		}
		if (!strcmp(e->numeric, r->location.plmn) &&
		    r->signal_dbm[rat] == SRV_DBM_UNKNOWN)
			r->signal_dbm[rat] = level_or_unknown(e->dbm);
	}
	/* a scan of another place (a move since): only the serving network is
	 * known to be here; with no scan at all the server goes by the location */
	if (!r->n_operators && r->location.plmn[0] && serving_rat >= 0 && m->scan_at) {
		struct srv_operator *o = &r->operators[r->n_operators++];

		snprintf(o->plmn, sizeof(o->plmn), "%s", r->location.plmn);
		o->rat = (enum srv_rat)serving_rat;
		o->dbm = r->signal_dbm[serving_rat];
	}
}

static void server_done(void *arg, struct srv_reply *rep)
{
	struct srv_ctx *ctx = arg;
	struct vpol *vp = ctx->vp;
	struct pol_event *ev = calloc(1, sizeof(*ev));
	unsigned int k;

	if (!ev) {
		free(ctx);
		return;
	}
	ev->kind = POL_EV_SERVER;
	ev->req = ctx->req;
	ev->cause = -1;
	ev->cme = -1;
	free(ctx);
	if (rep->status == SRV_OK) {
		ev->result = POL_SRV_OK;
	} else if (rep->status == SRV_ERR_SERVER) {
		ev->result = POL_SRV_REFUSED;
		snprintf(ev->error, sizeof(ev->error), "%s", rep->error_code);
	} else {
		ev->result = POL_SRV_UNREACHABLE;
	}
	log_info("card %u: SIM server %s: %s%s%s (%u attempt%s, %llu ms)", vp->card,
		 pol_req_name(ev->req), srv_status_name(rep->status),
		 rep->message[0] ? ": " : "", rep->message, rep->attempts,
		 rep->attempts == 1 ? "" : "s", (unsigned long long)rep->elapsed_ms);
	if (rep->status == SRV_OK && ev->req == POL_REQ_VSIM && rep->n_profiles == 1) {
		struct profile *p = rep->profiles;
		struct vprof tmp;

		rep->profiles = NULL;
		rep->n_profiles = 0;
		if (vp->vsim) {
			profile_wipe(vp->vsim);
			free(vp->vsim);
		}
		p->kind = VUICC_PROFILE_KIND_VSIM;
		p->card = (int)vp->card;
		vp->vsim = p;
		snprintf(vp->vsim_lease, sizeof(vp->vsim_lease), "%s", rep->lease);
		memset(&tmp, 0, sizeof(tmp));
		reg_pol_info(&tmp, p);
		ev->profile = tmp.pol;
		ev->profile.kind = POL_VSIM;
		if (rep->expires > 0) {
			int64_t left = rep->expires - (int64_t)time(NULL);

			ev->profile.expires_ms = pol_now(vp) + (left > 0 ? (uint64_t)left * 1000 : 1);
		}
	} else if (rep->status == SRV_OK && ev->req == POL_REQ_SEEDS) {
		/* (out of the policy at once; out of the kernel once not in use) */
		for (k = 0; k < rep->n_withdraw; k++) {
			if (prov_withdraw_seed(vp->pg->prov, vp->card, rep->withdraw[k]))
				vp_remove(vp, rep->withdraw[k]);
		}
		for (k = 0; k < rep->n_profiles && ev->n_profiles < POL_STANDBYS_MAX; k++) {
			struct profile *p = &rep->profiles[k];
			struct vprof *v;

			/* (the client checked kind and role) */
			if (prov_add_seed(vp->pg->prov, vp->card, p, rep->texts[k]))
				continue;
			v = reg_find(vp->pg->reg, vp->card, p->name);
			if (!v)
				continue;
			ev->profiles[ev->n_profiles++] = v->pol;
		}
	}
	feed(vp, ev);
	free(ev);
}

static void do_server(struct vpol *vp, const struct pol_action *a)
{
	struct polglue *pg = vp->pg;
	struct srv_request *r = calloc(1, sizeof(*r));
	struct srv_ctx *ctx = calloc(1, sizeof(*ctx));
	unsigned int k;
	int ret;

	if (!r || !ctx) {
		free(r);
		free(ctx);
		return;
	}
	srv_request_init(r, (enum srv_req_kind)a->req);
	fill_location(&pg->modems->m[vp->card], r);
	switch (a->req) {
	case POL_REQ_SEEDS:
		/* what the server gave before: it keeps them, withdraws them, or
		 * adds to them up to count (profile files' seeds are not its) */
		r->count = a->count;
		for (k = 0; k < pg->reg->n_profs && r->n_names < SRV_MAX_NAMES; k++) {
			const struct vprof *v = pg->reg->profs[k];

			if (v->ps.card == vp->card && v->from_server && !v->withdrawn)
				snprintf(r->names[r->n_names++], SRV_NAME_LEN, "%s", v->ps.name);
		}
		break;
	case POL_REQ_VSIM:
		for (k = 0; k < a->n_exclude && k < SRV_MAX_NAMES; k++)
			snprintf(r->names[r->n_names++], SRV_NAME_LEN, "%s", a->exclude[k]);
		snprintf(r->current, sizeof(r->current), "%s", a->current);
		break;
	case POL_REQ_RELEASE:
		snprintf(r->name, sizeof(r->name), "%s", a->profile);
		snprintf(r->lease, sizeof(r->lease), "%s", vp->vsim_lease);
		break;
	case POL_REQ_REPORT:
		snprintf(r->name, sizeof(r->name), "%s", a->profile);
		r->report_kind = a->report_kind == POL_VSIM ? VUICC_PROFILE_KIND_VSIM :
				 VUICC_PROFILE_KIND_SEED;
		r->stage = a->stage == POL_STAGE_CARD ? SRV_STAGE_CARD :
			   a->stage == POL_STAGE_REGISTER ? SRV_STAGE_REGISTER :
			   a->stage == POL_STAGE_DIAL ? SRV_STAGE_DIAL : SRV_STAGE_DATA;
		r->result = a->success ? SRV_RESULT_OK : a->timeout ? SRV_RESULT_TIMEOUT :
			    a->cause >= 0 ? SRV_RESULT_REJECT : SRV_RESULT_ERROR;
		r->cause = a->cause;
		break;
	}
	ctx->vp = vp;
	ctx->req = a->req;
	ret = pg->have_srv ? srv_submit(&pg->srv, r, server_done, ctx) : -ENOTCONN;
	free(r);
	if (ret) {
		struct pol_event ev;

		log_warn("card %u: SIM server %s: not sent: %s", vp->card, pol_req_name(a->req),
			 strerror(-ret));
		free(ctx);
		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_SERVER;
		ev.req = a->req;
		ev.result = POL_SRV_UNREACHABLE;
		feed(vp, &ev);
	}
}

/* ---- physical cards in the modem's slots (kind = card) ---- */

static void card_event(struct vpol *vp);

/*
 * The PIN the modem may send after a slot switch: none to a physical card
 * (its PIN is not in its profile, and a wrong try costs the card one); the
 * kernel's enabled profile's on vuicc's slot.
 */
static void slot_pin(struct vpol *vp, int slot, const char *profile)
{
	struct polglue *pg = vp->pg;
	struct modem *m = &pg->modems->m[vp->card];
	const char *name = pg->reg->cards[vp->card].enabled;
	const struct vprof *v;

	if (slot != config_vuicc_slot(pg->cfg, vp->card)) {
		modem_set_pin(m, profile, NULL);
		return;
	}
	v = name[0] ? reg_find(pg->reg, vp->card, name) : NULL;
	modem_set_pin(m, name, v ? v->pin1 : NULL);
}

/* Why the physical card @v cannot be used on this card's modem; NULL if it can. */
static const char *hard_blocked(const struct polglue *pg, unsigned int c, const struct vprof *v,
				char *buf, size_t len)
{
	const struct modem *m = &pg->modems->m[c];
	enum slot_dialect d;

	if (!m->manufacturer[0] && !m->model[0])
		return NULL;		/* not read yet: an enable waits for it */
	d = modem_slot_dialect(m);
	if (d == SLOT_NONE)
		snprintf(buf, len, "no SIM slot command for this modem (%.20s)",
			 m->model[0] ? m->model : m->manufacturer);
	else if (v->slot > slot_count(d))
		snprintf(buf, len, "modem slot %d: the %s dialect has %d", v->slot,
			 slot_dialect_name(d), slot_count(d));
	else if (v->slot == config_vuicc_slot(pg->cfg, c))
		snprintf(buf, len, "modem slot %d is vuicc's card (modem_vuicc_slot)", v->slot);
	else
		return NULL;
	return buf;
}

/* Whether @card has a physical card's profile (then a switch waits for the
 * modem's identity: its slot command depends on it). */
static bool has_hard(const struct polglue *pg, unsigned int card)
{
	size_t i;

	for (i = 0; i < pg->reg->n_profs; i++)
		if (pg->reg->profs[i]->ps.card == card && pg->reg->profs[i]->hard &&
		    reg_present(pg->reg->profs[i]))
			return true;
	return false;
}

/* The modem to slot @slot; the card stage's outcome when it answers. */
static void select_slot(struct vpol *vp, int slot, const char *profile)
{
	struct modem *m = &vp->pg->modems->m[vp->card];

	vp->reg_pending = false;
	if (m->slot == slot && !m->slot_want) {
		card_event(vp);
		return;
	}
	slot_pin(vp, slot, profile);
	if (modem_select_slot(m, slot)) {
		log_warn("card %u policy: %s: the modem cannot select SIM slot %d now (%s)",
			 vp->card, profile, slot, slot_dialect_name(modem_slot_dialect(m)));
		simple_event(vp, POL_EV_CARD, false);
		return;
	}
	log_notice("card %u policy: %s: modem SIM slot %d", vp->card, profile, slot);
	vp->slot_wait = true;
}

/* The slot @slot once the identity is read, or now if it is. */
static void want_slot(struct vpol *vp, int slot, const char *profile)
{
	const struct modem *m = &vp->pg->modems->m[vp->card];

	if ((!m->manufacturer[0] && !m->model[0]) || m->slot_want) {
		/* its command depends on who the modem is; one selection at a time */
		log_info("card %u policy: %s: modem SIM slot %d once %s", vp->card, profile, slot,
			 m->slot_want ? "the selection under way ends" : "the modem says what it is");
		vp->slot_pending = slot;
		snprintf(vp->slot_profile, sizeof(vp->slot_profile), "%s", profile);
		return;
	}
	select_slot(vp, slot, profile);
}

/* A soft profile is enabled on vuicc's card: the modem to its slot. */
static void card_on_vuicc_slot(struct vpol *vp, const char *profile)
{
	struct polglue *pg = vp->pg;
	const struct modem *m = &pg->modems->m[vp->card];
	int want = config_vuicc_slot(pg->cfg, vp->card);

	if ((m->slot == want && !m->slot_want) ||
	    (!has_hard(pg, vp->card) && modem_slot_dialect(m) == SLOT_NONE)) {
		card_event(vp);
		return;
	}
	if (modem_slot_dialect(m) == SLOT_NONE && (m->manufacturer[0] || m->model[0])) {
		/* no slot command: the modem has vuicc's card alone */
		card_event(vp);
		return;
	}
	want_slot(vp, want, profile);
}

/* A physical card's profile: the modem's slot command, no kernel enable
 * (the kernel's card keeps what it has).  False: @a is not one. */
static bool enable_hard(struct vpol *vp, const struct pol_action *a)
{
	struct vprof *v = reg_find(vp->pg->reg, vp->card, a->profile);

	if (!v || !v->hard || v->installed)
		return false;
	want_slot(vp, v->slot, a->profile);
	return true;
}

/* The modem said what it is: the gates of physical cards, a waiting switch. */
static void identity_known(struct vpol *vp, const struct modem *m)
{
	int slot = vp->slot_pending;

	vd_policy_sync_profiles(vp->pg);
	if (!slot)
		return;
	vp->slot_pending = 0;
	if (modem_slot_dialect(m) == SLOT_NONE) {
		/* vuicc's slot is the one it has; a physical card cannot be had */
		simple_event(vp, POL_EV_CARD, slot == config_vuicc_slot(vp->pg->cfg, vp->card));
		return;
	}
	select_slot(vp, slot, vp->slot_profile);
}

/* ---- the data check ---- */

static void probe_done(void *arg, bool ok, const char *detail)
{
	struct vpol *vp = arg;
	struct pol_event ev;

	vp->check.last_ok = ok;
	vp->check.last_at = time(NULL);
	snprintf(vp->check.last, sizeof(vp->check.last), "%s", detail);
	if (ok)
		log_debug("card %u data check: %s: %s", vp->card, vp->pg->cfg->data_check, detail);
	else
		log_notice("card %u data check: %s: failed: %s", vp->card,
			   vp->pg->cfg->data_check, detail);
	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_PROBE;
	ev.ok = ok;
	ev.cause = ev.cme = -1;
	feed(vp, &ev);
}

static void do_probe(struct vpol *vp)
{
	if (!vp->have_probe) {
		probe_done(vp, false, "no data check configured");
		return;
	}
	probe_start(&vp->probe, probe_done, vp);
}

static void on_probe_fd(void *arg, uint32_t events)
{
	struct vpol *vp = arg;

	probe_input(&vp->probe);
	vd_policy_arm(vp->pg);
}

/* ---- actions ---- */

/*
 * The card stage's outcome: ready at once (registration takes as long as
 * the modem needs to read the card), unless the modem's PIN check of this
 * card already said it cannot be used.  A check that says so later
 * (MODEM_EV_PIN) is a card-stage failure too, with its reason: the policy
 * takes it as a SIM-level failure.
 */
static void card_event(struct vpol *vp)
{
	struct modem *m = &vp->pg->modems->m[vp->card];
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_CARD;
	ev.ok = m->state < MODEM_INIT || modem_pin_pending(m) || !m->pin_why[0];
	ev.cause = -1;
	ev.cme = -1;
	if (!ev.ok)
		snprintf(ev.card_why, sizeof(ev.card_why), "%s", m->pin_why);
	feed(vp, &ev);
}

static void do_enable(struct vpol *vp, const struct pol_action *a)
{
	struct polglue *pg = vp->pg;
	char why[POL_WHY_MAX + 16];

	/* a selection of an earlier attempt no longer decides this one's card stage */
	vp->slot_pending = 0;
	vp->slot_wait = false;
	if (enable_hard(vp, a))
		return;
	if (!strcmp(pg->reg->cards[vp->card].enabled, a->profile)) {
		card_on_vuicc_slot(vp, a->profile);
		return;
	}
	snprintf(why, sizeof(why), "policy: %s", a->why);
	if (prov_enable(pg->prov, vp->card, a->profile, why)) {
		simple_event(vp, POL_EV_CARD, false);
		return;
	}
	prov_sweep_withdrawn(pg->prov, vp->card);
	/* the modem sees the card removed and inserted: it reads it again */
	vp->reg_pending = false;
	modems_card_check(pg->modems);
	card_on_vuicc_slot(vp, a->profile);
}

static void do_register(struct vpol *vp)
{
	struct modem *m = &vp->pg->modems->m[vp->card];

	if (m->state == MODEM_DIALING || m->state == MODEM_ONLINE) {
		/* registered already (a restart): say so */
		reg_event(vp, m);
		return;
	}
	modem_connect(m);
}

static void do_install(struct vpol *vp, const struct pol_action *a)
{
	struct pol_event ev;
	int ret = -ENOENT;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_INSTALLED;
	snprintf(ev.profile.name, sizeof(ev.profile.name), "%s", a->profile);
	if (vp->vsim && !strcmp(vp->vsim->name, a->profile))
		ret = prov_install_remote(vp->pg->prov, vp->card, vp->vsim);
	if (vp->vsim) {
		profile_wipe(vp->vsim);
		free(vp->vsim);
		vp->vsim = NULL;
	}
	ev.ok = ret == 0;
	if (ret)
		log_err("card %u: VSIM %s: not installed (%s)", vp->card, a->profile,
			strerror(-ret));
	feed(vp, &ev);
}

/*
 * The policy no longer waits for the scan.  On a second port it runs on
 * (its result is kept for later rounds) and the main port is free now; a
 * survey the manual says is abortable is aborted; anything else cannot be
 * stopped without the modem's answers going out of step (V.250), so the
 * policy goes on only when it ends (its own AT timeout bounds that).
 */
static void do_scan_abort(struct vpol *vp, struct modem *m)
{
	struct pol_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = POL_EV_SCAN;
	if (!m->scanning || m->aux) {
		feed(vp, &ev);
		return;
	}
	if (modem_scan_abortable(m)) {
		modem_scan_abort(m);
		return;
	}
	log_notice("card %u policy: %s cannot be aborted on this modem: waiting for its end",
		   vp->card, m->scan_cmd);
}

static void run(struct vpol *vp, const struct pol_action *a)
{
	struct polglue *pg = vp->pg;
	struct modem *m = &pg->modems->m[vp->card];

	if (a->kind == POL_ACT_NOTE) {
		log_notice("card %u policy: %s", vp->card, a->why);
		loop_event(pg->loop, "card %u: %s", vp->card, a->why);
		return;
	}
	if (a->kind == POL_ACT_PROBE) {
		/* one every interval: not news unless it fails */
		log_debug("card %u policy: %s", vp->card, a->why);
		do_probe(vp);
		return;
	}
	log_notice("card %u policy: %s%s%s: %s", vp->card, pol_action_name(a->kind),
		   a->kind == POL_ACT_SERVER ? " " : "",
		   a->kind == POL_ACT_SERVER ? pol_req_name(a->req) : "", a->why);
	if (a->kind != POL_ACT_REGISTER && a->kind != POL_ACT_DIAL)
		loop_event(pg->loop, "card %u: %s", vp->card, a->why);
	switch (a->kind) {
	case POL_ACT_ENABLE:
		do_enable(vp, a);
		break;
	case POL_ACT_REGISTER:
		do_register(vp);
		break;
	case POL_ACT_DIAL:
		/* the modem's connect sequence dials once registered */
		if (m->state == MODEM_ONLINE)
			simple_event(vp, POL_EV_DIAL, true);
		break;
	case POL_ACT_SCAN:
		/* one on the second port since an earlier round: its result comes */
		if (!m->scanning && modem_scan(m)) {
			struct pol_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.kind = POL_EV_SCAN;
			feed(vp, &ev);
		}
		break;
	case POL_ACT_SCAN_ABORT:
		do_scan_abort(vp, m);
		break;
	case POL_ACT_SERVER:
		do_server(vp, a);
		break;
	case POL_ACT_INSTALL:
		do_install(vp, a);
		break;
	case POL_ACT_DELETE:
		prov_delete_remote(pg->prov, vp->card, a->profile);
		break;
	case POL_ACT_PROBE:	/* sent above */
	case POL_ACT_NOTE:
		break;
	}
}

/* ---- the learning, kept across restarts ---- */

static void learn_filename(unsigned int card, char *out, size_t max)
{
	snprintf(out, max, "card%u.learn", card);
}

/* Written when it changed (the source's method as written learns nothing kept). */
static void learn_save(struct vpol *vp)
{
	struct pol_learned *l;
	char fname[32], *text;
	size_t n;
	int ret;

	if (vp->source)
		return;
	l = malloc(sizeof(*l));
	text = malloc(LEARN_TEXT_MAX);
	if (!l || !text)
		goto out;
	pol_learned_get(&vp->pol, l);
	n = learn_encode(l, vp->wall_offset, text, LEARN_TEXT_MAX);
	if (n == vp->learn_len && !memcmp(text, vp->learn_last, n))
		goto out;
	learn_filename(vp->card, fname, sizeof(fname));
	ret = persist_save_blob(vp->pg->prov->store, fname, STORE_KIND_LEARN, vp->learn_gen + 1,
				(const uint8_t *)text, n);
	if (ret) {
		vp->learn_write_errors++;
		log_err("card %u policy: %s: not written (%s); a restart would forget it",
			vp->card, fname, strerror(-ret));
		goto out;
	}
	vp->learn_gen++;
	vp->learn_writes++;
	memcpy(vp->learn_last, text, n);
	vp->learn_len = n;
out:
	free(l);
	free(text);
}

/* At the start, profiles added, before POL_EV_START. */
static void learn_load(struct vpol *vp)
{
	struct pol_learned *l;
	char fname[32], why[160];
	unsigned int n, q = 0, k;
	uint8_t *buf = NULL;
	size_t len;
	int ret;

	if (vp->source)
		return;
	learn_filename(vp->card, fname, sizeof(fname));
	ret = persist_load_blob(vp->pg->prov->store, fname, STORE_KIND_LEARN, &buf, &len,
				&vp->learn_gen);
	if (ret) {
		if (ret != -ENOENT)
			log_warn("card %u policy: nothing learned before is used (%s)", vp->card,
				 strerror(-ret));
		return;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		free(buf);
		return;
	}
	ret = learn_decode((const char *)buf, len, vp->wall_offset, l, why, sizeof(why));
	free(buf);
	if (ret) {
		log_err("card %u policy: %s: %s; nothing learned before is used", vp->card, fname,
			why);
		free(l);
		return;
	}
	n = pol_learned_put(&vp->pol, l);
	for (k = 0; k < vp->pol.n; k++)
		q += vp->pol.st[k].quarantined;
	log_notice("card %u policy: learned before this start: %u item%s kept (%u quarantined "
		   "seed%s, %u location outcome%s)", vp->card, n, n == 1 ? "" : "s", q,
		   q == 1 ? "" : "s", vp->pol.n_memory, vp->pol.n_memory == 1 ? "" : "s");
	free(l);
}

static void feed(struct vpol *vp, const struct pol_event *ev)
{
	struct pol_action out[POL_ACTIONS_MAX];
	unsigned int n, i;

	if (vp->depth > 8) {
		log_err("card %u policy: actions nest too deep; event dropped", vp->card);
		return;
	}
	vp->depth++;
	n = vp_step(vp, pol_now(vp), ev, out, POL_ACTIONS_MAX);
	for (i = 0; i < n; i++)
		run(vp, &out[i]);
	vp->depth--;
	if (!vp->depth) {
		learn_save(vp);
		vd_policy_arm(vp->pg);
	}
}

/* ---- from the modem backend ---- */

void vd_policy_modem_event(void *arg, struct modem *m, const struct modem_event *e)
{
	struct polglue *pg = arg;
	struct vpol *vp = m->card < VUICC_CARDS_MAX ? pg->vpol[m->card] : NULL;
	struct pol_event ev;
	unsigned int k;

	if (!vp)
		return;
	switch (e->kind) {
	case MODEM_EV_REG:
		if (m->reg.stat == 1 || m->reg.stat == 5) {
			/* the operator read follows: its PLMN belongs in the event */
			vp->reg_pending = true;
			return;
		}
		vp->reg_pending = false;
		reg_event(vp, m);
		break;
	case MODEM_EV_PIN:
		if (m->pin_why[0])
			card_event(vp);	/* refused: the policy's attempt fails */
		break;
	case MODEM_EV_OPERATOR:
		if (vp->reg_pending) {
			vp->reg_pending = false;
			reg_event(vp, m);
		}
		break;
	case MODEM_EV_STATE:
		if (vp->reg_pending && m->state >= MODEM_DIALING) {
			vp->reg_pending = false;
			reg_event(vp, m);
		}
		if (m->state == MODEM_ONLINE && vp->last_state != MODEM_ONLINE)
			simple_event(vp, POL_EV_DIAL, true);
		else if (vp->last_state == MODEM_ONLINE && m->state != MODEM_ONLINE)
			simple_event(vp, POL_EV_DATA_LOST, false);
		vp->last_state = m->state;
		break;
	case MODEM_EV_ERROR:
		if (e->op && strstr(e->op, "+CGACT")) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = POL_EV_DIAL;
			ev.cme = e->result == AT_R_CME ? e->cme : -1;
			ev.cause = -1;
			feed(vp, &ev);
		}
		break;
	case MODEM_EV_IDENTITY:
		identity_known(vp, m);
		break;
	case MODEM_EV_SLOT:
		if (vp->slot_pending && (m->manufacturer[0] || m->model[0])) {
			/* an earlier attempt's selection ended: now this one's */
			int slot = vp->slot_pending;

			vp->slot_pending = 0;
			vp->slot_wait = false;
			select_slot(vp, slot, vp->slot_profile);
			break;
		}
		if (!vp->slot_wait)
			break;
		vp->slot_wait = false;
		vp->reg_pending = false;
		if (e->result == AT_R_OK)
			card_event(vp);
		else
			simple_event(vp, POL_EV_CARD, false);
		break;
	case MODEM_EV_SCAN:
		memset(&ev, 0, sizeof(ev));
		ev.kind = POL_EV_SCAN;
		ev.ok = e->result == AT_R_OK;
		snprintf(ev.source, sizeof(ev.source), "%s", m->scan_source);
		ev.scan_rats = m->scan_rats;	/* AT_RAT_* and POL_RAT_* agree */
		for (k = 0; ev.ok && k < m->n_scan && ev.n_scan < POL_SCAN_MAX; k++) {
			struct pol_scan_entry *s = &ev.scan[ev.n_scan];

			if (!m->scan[k].numeric[0] || strlen(m->scan[k].numeric) > 6)
				continue;
			snprintf(s->plmn, sizeof(s->plmn), "%s", m->scan[k].numeric);
			s->rat = rat_of_act(m->scan[k].act);
			/* a survey's level; +COPS=? has none (A1 then from the serving cell) */
			s->dbm = m->scan[k].dbm == INT32_MIN ? POL_DBM_UNKNOWN : m->scan[k].dbm;
			s->forbidden = m->scan[k].stat == 3;
			ev.n_scan++;
		}
		feed(vp, &ev);
		break;
	default:
		break;
	}
}

/* ---- start, timer, stop ---- */

void vd_policy_arm(struct polglue *pg)
{
	struct itimerspec its;
	uint64_t next = 0, now = loop_now_ms();
	unsigned int c;

	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp = pg->vpol[c];
		uint64_t t;

		if (!vp)
			continue;
		t = vp_deadline(vp);
		if (!t)
			continue;
		t = t + vp->t0 - VD_POL_EPOCH_MS;	/* on CLOCK_MONOTONIC */
		if (!next || t < next)
			next = t;
	}
	memset(&its, 0, sizeof(its));
	if (next) {
		if (next <= now)
			next = now + 1;
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	}
	timerfd_settime(pg->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(void *arg, uint32_t events)
{
	struct polglue *pg = arg;
	uint64_t tick;
	unsigned int c;

	if (read(pg->tfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
		log_debug("policy timer: %s", strerror(errno));
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp = pg->vpol[c];
		uint64_t t;

		if (!vp)
			continue;
		t = vp_deadline(vp);
		if (t && t <= pol_now(vp))
			simple_event(vp, POL_EV_TIMER, false);
	}
	vd_policy_arm(pg);
}

static void policy_config(const struct config *c, struct pol_config *pc)
{
	pol_config_defaults(pc);
	pc->a = c->weight_signal;
	pc->b = c->weight_tariff;
	pc->tariff_min = c->tariff_min;
	pc->tariff_max = c->tariff_max;
#define SET(x) do { if (c->x) pc->x = c->x; } while (0)
	SET(t_card_ms);
	SET(t_register_ms);
	SET(t_dial_ms);
	SET(t_data_ms);
	SET(t_scan_ms);
	SET(switchback_ms);
	SET(vsim_retry_ms);
#undef SET
	if (!c->switchback)
		pc->switchback_ms = 0;
	pc->want_vsim = c->vsim;
	pc->standby_count = c->standby_count;
	if (c->data_check[0] && !c->policy_source) {
		pc->check_interval_ms = c->data_check_interval_ms;
		pc->check_failures = c->data_check_failures;
	}
	pc->rng_seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
}

/* Profiles of the card into the policy: files, and what the server gave. */
/*
 * A profile whose file changed (a fixed PIN, a renewed subscription) is
 * judged afresh: what the policy learned of it is forgotten.
 */
static void forget_changed(struct polglue *pg, struct vpol *vp)
{
	size_t i;

	for (i = 0; i < pg->reg->n_profs; i++) {
		struct vprof *v = pg->reg->profs[i];

		if (v->ps.card != vp->card || !v->changed)
			continue;
		v->changed = false;
		if (vp->source)
			continue;
		pol_forget_learned(&vp->pol, v->ps.name);
		log_notice("card %u policy: %s changed: what was learned of it is forgotten",
			   vp->card, v->ps.name);
	}
}

void vd_policy_sync_profiles(struct polglue *pg)
{
	unsigned int c;
	size_t i;

	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp = pg->vpol[c];
		unsigned int k;

		if (!vp)
			continue;
		for (i = 0; i < pg->reg->n_profs; i++) {
			struct vprof *v = pg->reg->profs[i];
			struct pol_profile pp;

			if (v->ps.card != c || !reg_present(v))
				continue;

			if (v->has_pol) {
				pp = v->pol;
			} else {
				memset(&pp, 0, sizeof(pp));
				snprintf(pp.name, sizeof(pp.name), "%s", v->ps.name);
				pp.kind = v->kind == VUICC_PROFILE_KIND_VSIM ? POL_VSIM :
					  v->role == VUICC_PROFILE_ROLE_MASTER ? POL_SEED_MASTER :
					  POL_SEED_STANDBY;
			}
			if (v->hard) {
				char why[sizeof(pp.blocked)];
				const char *b = hard_blocked(pg, c, v, why, sizeof(why));

				pp.hard = true;
				snprintf(pp.blocked, sizeof(pp.blocked), "%s", b ? b : "");
			}
			/* a VSIM's expiry is the server's answer's, not the registry's */
			for (k = 0; k < vp_count(vp); k++)
				if (!strcmp(vp_prof(vp, k)->name, pp.name) && !pp.expires_ms)
					pp.expires_ms = vp_prof(vp, k)->expires_ms;
			if (vp_add(vp, &pp))
				log_warn("card %u policy: more than %d profiles; %s left out", c,
					 POL_PROFILES_MAX, pp.name);
		}
		if (!pg->starting)
			forget_changed(pg, vp);
		/* gone from the card: gone from the policy */
		for (k = 0; k < vp_count(vp);) {
			struct vprof *v = reg_find(pg->reg, c, vp_prof(vp, k)->name);

			if (!v || !reg_present(v))
				vp_remove(vp, vp_prof(vp, k)->name);
			else
				k++;
		}
	}
}

static void on_srv(void *arg, uint32_t events)
{
	struct polglue *pg = arg;

	srv_input(&pg->srv);
	vd_policy_arm(pg);
}

static void on_srv_timer(void *arg, uint32_t events)
{
	struct polglue *pg = arg;

	srv_timer(&pg->srv);
	vd_policy_arm(pg);
}

int vd_policy_start(struct polglue *pg, const struct config *cfg, struct registry *reg,
		    struct provision *prov, struct modems *modems, struct loop *loop)
{
	struct pol_config pc;
	struct srv_config sc;
	struct probe_target target;
	char err[256];
	unsigned int c;

	pg->cfg = cfg;
	pg->reg = reg;
	pg->prov = prov;
	pg->modems = modems;
	pg->loop = loop;
	pg->tfd = -1;
	if (!pg->cfg->policy)
		return 0;
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.url, sizeof(sc.url), "%s", pg->cfg->server_url);
	snprintf(sc.device, sizeof(sc.device), "%s", pg->cfg->device_id);
	snprintf(sc.secret, sizeof(sc.secret), "%s", pg->cfg->device_secret);
	snprintf(sc.ca_file, sizeof(sc.ca_file), "%s", pg->cfg->server_ca);
	snprintf(sc.cert_file, sizeof(sc.cert_file), "%s", pg->cfg->device_cert);
	snprintf(sc.key_file, sizeof(sc.key_file), "%s", pg->cfg->device_key);
	sc.timeout_ms = pg->cfg->server_timeout_ms;
	sc.attempts = pg->cfg->server_attempts;
	if (srv_init(&pg->srv, &sc, err, sizeof(err))) {
		explicit_bzero(&sc, sizeof(sc));
		log_err("SIM server: %s", err);
		return -1;
	}
	explicit_bzero(&sc, sizeof(sc));
	pg->have_srv = true;
	if (loop_add(pg->loop, srv_fd(&pg->srv), EPOLLIN, on_srv, pg) ||
	    loop_add(pg->loop, srv_timer_fd(&pg->srv), EPOLLIN, on_srv_timer, pg))
		return -1;
	pg->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (pg->tfd < 0) {
		log_err("policy: timerfd: %s", strerror(errno));
		return -1;
	}
	if (loop_add(pg->loop, pg->tfd, EPOLLIN, on_timer, pg))
		return -1;
	policy_config(pg->cfg, &pc);
	if (pg->cfg->data_check[0]) {
		if (probe_parse_target(pg->cfg->data_check, &target, err, sizeof(err))) {
			log_err("data_check '%s': %s", pg->cfg->data_check, err);
			return -1;
		}
		if (pg->cfg->policy_source)
			log_warn("data_check: CN105491555A's method has no data check: not used");
	}
	for (c = pg->cfg->card_base; c < REG_CARD_END(pg->reg) && c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp;

		if (!pg->cfg->modem[c][0])
			continue;
		vp = calloc(1, sizeof(*vp));
		if (!vp)
			return -1;
		vp->pg = pg;
		vp->card = c;
		vp->t0 = loop_now_ms();
		vp->wall_offset = wall_ms() - (int64_t)pol_now(vp);
		vp->last_state = pg->modems->m[c].state;
		pc.rng_seed ^= c;
		pol_init(&vp->pol, &pc);
		vp->source = pg->cfg->policy_source;
		if (vp->source)
			cn_init(&vp->cn, &pc);
		pg->vpol[c] = vp;
		if (pc.check_interval_ms) {
			/* its fds exist only with the check on; idle they never wake */
			if (probe_init(&vp->probe, &target, pg->cfg->data_check_timeout_ms)) {
				log_err("card %u data check: %s", c, strerror(errno));
				return -1;
			}
			vp->have_probe = true;
			if (loop_add(pg->loop, probe_fd(&vp->probe), EPOLLIN, on_probe_fd, vp))
				return -1;
		}
	}
	pg->starting = true;
	vd_policy_sync_profiles(pg);
	pg->starting = false;
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp = pg->vpol[c];
		struct pol_event pev;

		if (!vp)
			continue;
		memset(&pev, 0, sizeof(pev));
		pev.kind = POL_EV_START;
		pev.cause = pev.cme = -1;
		/* a restart: the card keeps what it has, the modem is not disturbed */
		if (pg->reg->cards[c].enabled[0] && pg->prov->restarted) {
			snprintf(pev.profile.name, sizeof(pev.profile.name), "%s",
				 pg->reg->cards[c].enabled);
			pev.ok = true;
		}
		pol_set_clock(&vp->pol, pol_now(vp));
		learn_load(vp);
		forget_changed(pg, vp);
		log_notice("card %u policy: starting (%s, a=%.2f b=%.2f, %u profiles)", c,
			   vp->source ? "CN105491555A's method as written" : "vuiccd's policy core",
			   pc.a, pc.b, vp_count(vp));
		feed(vp, &pev);
	}
	return 0;
}

void vd_policy_stop(struct polglue *pg)
{
	unsigned int c;

	if (pg->have_srv) {
		loop_del(pg->loop, srv_fd(&pg->srv));
		loop_del(pg->loop, srv_timer_fd(&pg->srv));
		srv_free(&pg->srv);
		pg->have_srv = false;
	}
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct vpol *vp = pg->vpol[c];

		if (!vp)
			continue;
		if (vp->vsim) {
			profile_wipe(vp->vsim);
			free(vp->vsim);
		}
		if (vp->have_probe) {
			loop_del(pg->loop, probe_fd(&vp->probe));
			probe_free(&vp->probe);
		}
		free(vp);
		pg->vpol[c] = NULL;
	}
	if (pg->tfd >= 0) {
		loop_del(pg->loop, pg->tfd);
		close(pg->tfd);
	}
	pg->tfd = -1;
}

const struct policy *vd_policy_of(const struct polglue *pg, unsigned int card)
{
	return card < VUICC_CARDS_MAX && pg->vpol[card] && !pg->vpol[card]->source ?
	       &pg->vpol[card]->pol : NULL;
}

const struct cn105 *vd_policy_source_of(const struct polglue *pg, unsigned int card)
{
	return card < VUICC_CARDS_MAX && pg->vpol[card] && pg->vpol[card]->source ?
	       &pg->vpol[card]->cn : NULL;
}

uint64_t vd_policy_now(const struct polglue *pg, unsigned int card)
{
	return card < VUICC_CARDS_MAX && pg->vpol[card] ? pol_now(pg->vpol[card]) : 0;
}

void vd_policy_learn_stats(const struct polglue *pg, unsigned int card, unsigned long *writes,
			   unsigned long *errors)
{
	const struct vpol *vp = card < VUICC_CARDS_MAX ? pg->vpol[card] : NULL;

	*writes = vp ? vp->learn_writes : 0;
	*errors = vp ? vp->learn_write_errors : 0;
}

const struct vd_check *vd_policy_check_of(const struct polglue *pg, unsigned int card)
{
	return card < VUICC_CARDS_MAX && pg->vpol[card] && pg->vpol[card]->have_probe ?
	       &pg->vpol[card]->check : NULL;
}
