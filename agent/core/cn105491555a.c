// SPDX-License-Identifier: GPL-2.0
/*
 * CN105491555A's network access method (see cn105491555a.h), with the
 * event and action types of the policy core.  Paragraph numbers are the
 * patent's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cn105491555a.h"

static struct pol_action *emit(struct cn105 *c, enum pol_action_kind k, int prof,
			       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct pol_action *emit(struct cn105 *c, enum pol_action_kind k, int prof,
			       const char *fmt, ...)
{
	struct pol_action *a = pol_action_next(c->out, &c->n_out, c->max_out);
	va_list ap;

	va_start(ap, fmt);
	pol_action_vset(a, k, prof >= 0 ? c->prof[prof].name : NULL, fmt, ap);
	va_end(ap);
	return a;
}

void cn_init(struct cn105 *c, const struct pol_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	/* the user-set weights of claim 2; the benchmark gives both policies 0.5/0.5 */
	c->budget_ms = cfg->t_card_ms + cfg->t_register_ms + cfg->t_dial_ms + cfg->t_data_ms;
	c->cur = -1;
	c->vsim = -1;
}

int cn_add_profile(struct cn105 *c, const struct pol_profile *pp)
{
	int i = pol_find_profile(c->prof, c->n, pp->name);

	if (i < 0) {
		if (c->n >= POL_PROFILES_MAX)
			return -1;
		i = (int)c->n++;
	}
	c->prof[i] = *pp;
	return 0;
}

static void remove_profile(struct cn105 *c, int i)
{
	memmove(&c->prof[i], &c->prof[i + 1], (c->n - (unsigned int)i - 1) * sizeof(c->prof[0]));
	c->n--;
}

void cn_remove_profile(struct cn105 *c, const char *name)
{
	int i = pol_find_profile(c->prof, c->n, name);
	unsigned int k, o = 0;

	if (i < 0 || i == c->cur || i == c->vsim)
		return;
	for (k = 0; k < c->n_order; k++) {
		if (c->order[k] == i) {
			if (k < c->next)
				c->next--;
			continue;
		}
		c->order[o++] = c->order[k] > i ? c->order[k] - 1 : c->order[k];
	}
	c->n_order = o;
	for (k = (unsigned int)i; k + 1 < c->n; k++)
		c->score[k] = c->score[k + 1];
	if (c->cur > i)
		c->cur--;
	if (c->vsim > i)
		c->vsim--;
	remove_profile(c, i);
}

const char *cn_phase_name(enum cn_phase ph)
{
	static const char *const n[] = { "idle", "connect", "scan", "seed-up", "vsim", "vsim-up" };

	return ph < sizeof(n) / sizeof(n[0]) ? n[ph] : "?";
}

/* S210 / S230: a connection request, judged as one ([0054]-[0056]). */
static void connect(struct cn105 *c, int i, const char *why)
{
	c->phase = c->prof[i].kind == POL_VSIM ? CN_VSIM : CN_CONNECT;
	c->cur = i;
	c->stage = POL_STAGE_CARD;
	c->deadline = c->now + c->budget_ms;
	c->attempts++;
	emit(c, POL_ACT_ENABLE, i, "%s", why);
}

static void start_over(struct cn105 *c, const char *why)
{
	int m = pol_find_master(c->prof, c->n);

	c->rounds++;
	c->n_order = c->next = 0;
	if (m < 0)
		return;
	connect(c, m, why);
}

/*
 * Claim 2: index = A1*a + B1*b, A1 the normalised signal (the best the
 * scan saw of the seed's networks on its RATs), B1 the normalised charge
 * (cheaper higher), with vuiccd's normalisation and index (pol_index():
 * the configured a and b, 0.5/0.5 in the benchmark).  The patent knows no
 * forbidden-network flag: the signal is the signal.
 */
static void rank(struct cn105 *c, const struct pol_event *ev)
{
	unsigned int i, k, j;

	c->n_order = 0;
	c->next = 0;
	for (i = 0; i < c->n; i++) {
		const struct pol_profile *pp = &c->prof[i];
		unsigned int rats = pol_profile_rats(&c->cfg, pp);
		double a1 = 0, b1;

		if (pp->kind != POL_SEED_STANDBY)
			continue;
		for (k = 0; ev && ev->ok && k < ev->n_scan && k < POL_SCAN_MAX; k++) {
			const struct pol_scan_entry *e = &ev->scan[k];
			double x;

			if (!(rats & POL_RAT_BIT(e->rat)) || !pol_allows_plmn(pp, e->plmn))
				continue;
			x = pol_signal_norm(e->rat, e->dbm);
			if (x > a1)
				a1 = x;
		}
		b1 = pp->has_tariff ? pol_tariff_norm(&c->cfg, pp->tariff) : 0;
		c->score[i] = pol_index(&c->cfg, a1, b1);
		/* descending, stable */
		for (j = c->n_order; j > 0 && c->score[c->order[j - 1]] < c->score[i]; j--)
			c->order[j] = c->order[j - 1];
		c->order[j] = (int)i;
		c->n_order++;
	}
}

static void try_standby(struct cn105 *c)
{
	char why[POL_WHY_MAX];
	int i;

	if (c->next >= c->n_order) {
		start_over(c, "every standby seed failed: start over from the master seed");
		return;
	}
	i = c->order[c->next];
	snprintf(why, sizeof(why), "standby %u of %u by index a*A1+b*B1 = %.3f (S230)",
		 c->next + 1, c->n_order, c->score[i]);
	connect(c, i, why);
}

static void failed(struct cn105 *c, const char *what, bool timeout)
{
	int i = c->cur;

	c->failures++;
	if (timeout)
		c->timeouts++;
	if (c->phase == CN_VSIM) {
		emit(c, POL_ACT_DELETE, i, "VSIM %s: %s: back to the seed method", c->prof[i].name,
		     what);
		remove_profile(c, i);
		c->vsim = -1;
		c->cur = -1;
		start_over(c, "the VSIM failed: the seed method again, master first");
		return;
	}
	if (c->prof[i].kind == POL_SEED_MASTER) {
		c->phase = CN_SCAN;
		c->stage = POL_STAGE_NONE;
		c->deadline = c->now + c->cfg.t_scan_ms;
		emit(c, POL_ACT_SCAN, -1, "master seed judged failed (%s): scan for the standbys' signal",
		     what);
		return;
	}
	c->next++;
	{
		struct pol_action *a;

		try_standby(c);
		/* say why the one before failed */
		a = c->n_out ? &c->out[c->n_out - 1] : NULL;
		if (a) {
			size_t l = strlen(a->why);

			snprintf(a->why + l, sizeof(a->why) - l, "; %s judged failed: %s",
				 c->prof[i].name, what);
		}
	}
}

static void data_stage(struct cn105 *c)
{
	struct pol_action *a;

	c->stage = POL_STAGE_DATA;
	a = emit(c, POL_ACT_SERVER, c->cur, c->phase == CN_VSIM ?
		 "VSIM dialed: data connection to the server" :
		 "dialed: data connection to the server, reporting location, RATs and signal "
		 "for a local VSIM ([0041])");
	a->req = c->phase == CN_VSIM ? POL_REQ_REPORT : POL_REQ_VSIM;
	a->report_kind = c->prof[c->cur].kind;
	a->stage = POL_STAGE_UP;
	a->success = true;
}

static void on_server(struct cn105 *c, const struct pol_event *ev)
{
	enum pol_srv_req want = c->phase == CN_VSIM ? POL_REQ_REPORT : POL_REQ_VSIM;
	int v;

	if ((c->phase != CN_CONNECT && c->phase != CN_VSIM) || c->stage != POL_STAGE_DATA ||
	    ev->req != want)
		return;
	if (ev->result == POL_SRV_UNREACHABLE) {
		failed(c, "the server did not answer through it", false);
		return;
	}
	c->stage = POL_STAGE_UP;
	c->deadline = 0;
	if (c->phase == CN_VSIM) {
		c->phase = CN_VSIM_UP;
		return;
	}
	c->phase = CN_SEED_UP;
	if (ev->result != POL_SRV_OK || !ev->profile.name[0])
		return;		/* connected; the server had no VSIM: stay */
	{
		struct pol_profile pp = ev->profile;

		pp.kind = POL_VSIM;
		if (cn_add_profile(c, &pp))
			return;
		v = pol_find_profile(c->prof, c->n, pp.name);
	}
	c->vsim = v;
	c->deadline = c->now + c->cfg.t_card_ms;
	emit(c, POL_ACT_INSTALL, v, "connected through %s: install the VSIM the server assigned",
	     c->prof[c->cur].name);
}

unsigned int cn_step(struct cn105 *c, uint64_t now_ms, const struct pol_event *ev,
		     struct pol_action *out, unsigned int max)
{
	bool active;
	char what[64];

	if (now_ms > c->now)
		c->now = now_ms;
	c->out = out;
	c->n_out = 0;
	c->max_out = max;
	active = c->phase == CN_CONNECT || c->phase == CN_VSIM;

	switch (ev->kind) {
	case POL_EV_START:
		if (c->phase == CN_IDLE)
			start_over(c, "power on: the master seed's connection request (S210)");
		break;
	case POL_EV_TIMER:
		if (!c->deadline || c->now < c->deadline)
			break;
		c->deadline = 0;
		if (active) {
			snprintf(what, sizeof(what), "no success within %u s", c->budget_ms / 1000);
			failed(c, what, true);
		} else if (c->phase == CN_SCAN) {
			rank(c, NULL);
			try_standby(c);
		} else if (c->phase == CN_SEED_UP && c->vsim >= 0) {
			start_over(c, "the VSIM was not installed: the seed method again");
		}
		break;
	case POL_EV_CARD:
		if (!active || c->stage != POL_STAGE_CARD)
			break;
		if (!ev->ok) {
			failed(c, "card error", false);
			break;
		}
		c->stage = POL_STAGE_REGISTER;
		emit(c, POL_ACT_REGISTER, c->cur, "card ready: authentication and registration");
		break;
	case POL_EV_REG:
		if (!active || c->stage < POL_STAGE_REGISTER)
			break;
		if (c->stage == POL_STAGE_REGISTER &&
		    (ev->stat == POL_REG_HOME || ev->stat == POL_REG_ROAMING)) {
			c->stage = POL_STAGE_DIAL;
			emit(c, POL_ACT_DIAL, c->cur, "registered on %s: dial", ev->plmn);
		} else if (ev->stat == POL_REG_DENIED) {
			/* claim 5: the network's failure message */
			snprintf(what, sizeof(what), "the network refused it, cause #%d", ev->cause);
			failed(c, what, false);
		}
		/* stat 0/2: no message from the network; the timeout judges (claim 6) */
		break;
	case POL_EV_DIAL:
		if (!active || c->stage != POL_STAGE_DIAL)
			break;
		if (!ev->ok) {
			snprintf(what, sizeof(what), "dialing failed, +CME ERROR: %d", ev->cme);
			failed(c, what, false);
			break;
		}
		data_stage(c);
		break;
	case POL_EV_SERVER:
		on_server(c, ev);
		break;
	case POL_EV_SCAN:
		if (c->phase != CN_SCAN)
			break;
		rank(c, ev);
		try_standby(c);
		break;
	case POL_EV_INSTALLED:
		if (c->phase != CN_SEED_UP || c->vsim < 0 || strcmp(ev->profile.name,
								     c->prof[c->vsim].name))
			break;
		c->deadline = 0;
		if (!ev->ok) {
			remove_profile(c, c->vsim);
			c->vsim = -1;
			start_over(c, "the VSIM was not installed: the seed method again");
			break;
		}
		connect(c, c->vsim, "VSIM installed: enable it and connect");
		break;
	case POL_EV_DATA_LOST:
		if (active && c->stage == POL_STAGE_DATA) {
			failed(c, "the data connection went down", false);
		} else if (c->phase == CN_SEED_UP || c->phase == CN_VSIM_UP) {
			if (c->vsim >= 0) {
				/* the server assigns a VSIM for where the device is next */
				emit(c, POL_ACT_DELETE, c->vsim, "data connection lost: VSIM dropped");
				remove_profile(c, c->vsim);
				c->vsim = -1;
			}
			c->cur = -1;
			start_over(c, "data connection lost: the method starts over");
		}
		break;
	case POL_EV_PROBE:
		/* the source has no data-path check: it never asks for a probe */
		break;
	}
	c->out = NULL;
	return c->n_out < max ? c->n_out : max;
}

uint64_t cn_deadline(const struct cn105 *c)
{
	return c->deadline;
}
