// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd's modems in the event loop (modems.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "lib/log.h"
#include "modems.h"

static void on_input(void *arg, uint32_t events);
static void on_aux_input(void *arg, uint32_t events);

static void sync_epoll(struct modems *ms, unsigned int c)
{
	struct modem *m = &ms->m[c];
	bool reopened = m->reopens != ms->polled_open[c];

	if (m->aux_fd != ms->polled_aux[c] || reopened) {
		loop_forget(ms->loop, ms->polled_aux[c], on_aux_input, m);
		ms->polled_aux[c] = -1;
		if (m->aux_fd >= 0 && !loop_add(ms->loop, m->aux_fd, EPOLLIN, on_aux_input, m))
			ms->polled_aux[c] = m->aux_fd;
	}
	if (m->fd == ms->polled[c] && !reopened)
		return;
	/* a closed fd left epoll by itself (and a reopen may get its number) */
	loop_forget(ms->loop, ms->polled[c], on_input, m);
	ms->polled[c] = -1;
	if (m->fd < 0)
		return;
	if (loop_add(ms->loop, m->fd, EPOLLIN, on_input, m)) {
		log_err("modem %u: not watched", c);
		return;
	}
	ms->polled[c] = m->fd;
	ms->polled_open[c] = m->reopens;
}

static void on_input(void *arg, uint32_t events)
{
	struct modem *m = arg;
	struct modems *ms = m->arg;

	modem_input(m);
	sync_epoll(ms, (unsigned int)(m - ms->m));
}

static void on_aux_input(void *arg, uint32_t events)
{
	struct modem *m = arg;
	struct modems *ms = m->arg;

	modem_aux_input(m);
	sync_epoll(ms, (unsigned int)(m - ms->m));
}

static void on_timer(void *arg, uint32_t events)
{
	struct modem *m = arg;
	struct modems *ms = m->arg;

	modem_timer(m);
	sync_epoll(ms, (unsigned int)(m - ms->m));
}

static void on_event(void *arg, struct modem *m, const struct modem_event *e)
{
	struct modems *ms = arg;

	switch (e->kind) {
	case MODEM_EV_STATE:
		log_info("modem %u (%s): %s%s%s", m->card, m->path, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? ", address " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		loop_event(ms->loop, "card %u modem: %s%s%s", m->card, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? " " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		break;
	case MODEM_EV_REG:
		log_info("modem %u: +%s stat %d%s%d", m->card, m->reg.domain, m->reg.stat,
			 m->reg.reject_cause >= 0 ? ", reject cause #" : "",
			 m->reg.reject_cause >= 0 ? m->reg.reject_cause : 0);
		if (m->reg.stat == AT_REG_DENIED)
			loop_event(ms->loop, "card %u modem: registration denied, cause #%d", m->card,
				 m->reg.reject_cause);
		break;
	case MODEM_EV_ERROR:
		log_warn("modem %u: %s", m->card, m->last_error);
		break;
	case MODEM_EV_PIN: {
		char t[48];

		if (m->pin_why[0]) {
			log_warn("modem %u: profile '%s': %s", m->card, m->pin_profile, m->pin_why);
			loop_event(ms->loop, "card %u modem: %s", m->card, m->pin_why);
		} else {
			log_info("modem %u: PIN %s%s", m->card, modem_pin_text(m, t, sizeof(t)),
				 m->pin_unlocked ? " (PIN1 accepted)" : "");
		}
		break;
	}
	case MODEM_EV_IDENTITY:
		log_info("modem %u: %s %s, survey %s%s%s, RATs%s%s%s%s", m->card,
			 m->manufacturer[0] ? m->manufacturer : "(maker unknown)",
			 m->model[0] ? m->model : "(model unknown)", survey_dialect_name(m->dialect),
			 survey_command(m->dialect) ? " " : "",
			 survey_command(m->dialect) ? survey_command(m->dialect) : "",
			 m->rats & AT_RAT_BIT(AT_RAT_GSM) ? " GSM" : "",
			 m->rats & AT_RAT_BIT(AT_RAT_UMTS) ? " UMTS" : "",
			 m->rats & AT_RAT_BIT(AT_RAT_LTE) ? " LTE" : "", m->rats ? "" : " unknown");
		break;
	case MODEM_EV_SLOT:
		if (e->result == AT_R_OK) {
			log_notice("modem %u: SIM slot %d selected (%s); the modem reads its card",
				   m->card, m->slot, e->op);
			loop_event(ms->loop, "card %u modem: SIM slot %d", m->card, m->slot);
		}
		break;
	case MODEM_EV_SCAN:
		if (e->result == AT_R_OK)
			log_info("modem %u: %s: %u networks", m->card, m->scan_source, m->n_scan);
		else
			log_warn("modem %u: %s", m->card, m->last_error);
		break;
	default:
		break;
	}
	if (ms->listener)
		ms->listener(ms->listener_arg, m, e);
}

/* The modem gets the PIN1 of the profile its card has enabled ("" none). */
static void give_pin(struct modems *ms, unsigned int c)
{
	const struct registry *r = ms->reg;
	const struct vprof *v = NULL;
	size_t i;

	for (i = 0; i < r->n_profs && ms->profile[c][0]; i++)
		if (r->profs[i]->ps.card == c && !strcmp(r->profs[i]->ps.name, ms->profile[c])) {
			v = r->profs[i];
			break;
		}
	modem_set_pin(&ms->m[c], ms->profile[c], v ? v->pin1 : NULL);
}

void modems_start(struct modems *ms, const struct config *cfg, const struct registry *reg,
		  struct loop *loop, modems_listener fn, void *arg)
{
	unsigned int c;
	int rc;

	ms->cfg = cfg;
	ms->reg = reg;
	ms->loop = loop;
	ms->listener = fn;
	ms->listener_arg = arg;
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		struct modem *m = &ms->m[c];

		ms->polled[c] = ms->polled_aux[c] = -1;
		m->fd = m->tfd = m->aux_fd = -1;
		if (!reg_mine(reg, c) || !cfg->modem[c][0])
			continue;
		m->event = on_event;
		m->arg = ms;
		m->card = ~0u;
		rc = modem_open(m, c, cfg->modem[c], cfg->modem_scan[c], cfg->apn);
		if (rc)
			log_warn("modem %u: %s (tried again every 2 s)", c, m->last_error);
		if (m->tfd >= 0)
			loop_add(loop, m->tfd, EPOLLIN, on_timer, m);
		/* with the policy on, it says when to register */
		if (cfg->connect && !cfg->policy)
			modem_connect(m);
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(ms->profile[c], reg->cards[c].enabled, sizeof(ms->profile[c]));
		give_pin(ms, c);
		sync_epoll(ms, c);
	}
}

void modems_card_check(struct modems *ms)
{
	const struct registry *r = ms->reg;
	unsigned int c;

	for (c = r->card_base; c < REG_CARD_END(r) && c < VUICC_CARDS_MAX; c++) {
		if (!ms->cfg->modem[c][0])
			continue;
		/* a profile file edited: its PIN1 may be new (then it is tried) */
		give_pin(ms, c);
		if (!strcmp(ms->profile[c], r->cards[c].enabled))
			continue;
		log_info("modem %u: the card now has profile '%s'", c,
			 r->cards[c].enabled[0] ? r->cards[c].enabled : "(none)");
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(ms->profile[c], r->cards[c].enabled, sizeof(ms->profile[c]));
		give_pin(ms, c);
		modem_card_changed(&ms->m[c]);
		sync_epoll(ms, c);
	}
}

void modems_stop(struct modems *ms)
{
	unsigned int c;

	for (c = 0; c < VUICC_CARDS_MAX; c++)
		if (ms->cfg && ms->cfg->modem[c][0])
			modem_close(&ms->m[c]);
}
