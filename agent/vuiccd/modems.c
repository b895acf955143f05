// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd: the modems of the cards (modem.c) in the event loop.  Each
 * modem's tty and timerfd are in vuiccd's epoll; a modem that vanishes is
 * reopened by its own timer, so its tty fd is re-registered here whenever
 * it changes.  A profile switch on a card tells its modem that the card
 * changed.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "lib/log.h"
#include "vuiccd.h"

static void on_input(void *arg, uint32_t events);

static void sync_epoll(struct vd *d, unsigned int c)
{
	struct modem *m = &d->modems[c];

	if (m->fd == d->modem_polled[c])
		return;
	/* a closed fd left epoll by itself */
	loop_forget(&d->loop, d->modem_polled[c], on_input, m);
	d->modem_polled[c] = -1;
	if (m->fd < 0)
		return;
	if (loop_add(&d->loop, m->fd, EPOLLIN, on_input, m))
		log_err("modem %u: not watched", c);
	else
		d->modem_polled[c] = m->fd;
}

static void on_input(void *arg, uint32_t events)
{
	struct modem *m = arg;
	struct vd *d = m->arg;

	modem_input(m);
	sync_epoll(d, (unsigned int)(m - d->modems));
}

static void on_timer(void *arg, uint32_t events)
{
	struct modem *m = arg;
	struct vd *d = m->arg;

	modem_timer(m);
	sync_epoll(d, (unsigned int)(m - d->modems));
}

static void on_event(void *arg, struct modem *m, const struct modem_event *e)
{
	struct vd *d = arg;

	switch (e->kind) {
	case MODEM_EV_STATE:
		log_info("modem %u (%s): %s%s%s", m->card, m->path, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? ", address " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		loop_event(&d->loop, "card %u modem: %s%s%s", m->card, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? " " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		break;
	case MODEM_EV_REG:
		log_info("modem %u: +%s stat %d%s%d", m->card, m->reg.domain, m->reg.stat,
			 m->reg.reject_cause >= 0 ? ", reject cause #" : "",
			 m->reg.reject_cause >= 0 ? m->reg.reject_cause : 0);
		if (m->reg.stat == AT_REG_DENIED)
			loop_event(&d->loop, "card %u modem: registration denied, cause #%d", m->card,
				 m->reg.reject_cause);
		break;
	case MODEM_EV_ERROR:
		log_warn("modem %u: %s", m->card, m->last_error);
		break;
	default:
		break;
	}
	if (d->modem_listener)
		d->modem_listener(d, m, e);
}

void vd_modems_start(struct vd *d, vd_modem_listener listener)
{
	unsigned int c;
	int rc;

	d->modem_listener = listener;
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		d->modem_polled[c] = -1;
		d->modems[c].fd = d->modems[c].tfd = -1;
		if (!reg_mine(&d->reg, c) || !d->cfg.modem[c][0])
			continue;
		d->modems[c].event = on_event;
		d->modems[c].arg = d;
		d->modems[c].card = ~0u;
		rc = modem_open(&d->modems[c], c, d->cfg.modem[c], d->cfg.apn);
		if (rc)
			log_warn("modem %u: %s (tried again every 2 s)", c,
				    d->modems[c].last_error);
		if (d->modems[c].tfd >= 0)
			loop_add(&d->loop, d->modems[c].tfd, EPOLLIN, on_timer, &d->modems[c]);
		/* with the policy on, it says when to register */
		if (d->cfg.connect && !d->cfg.policy)
			modem_connect(&d->modems[c]);
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(d->modem_profile[c], d->reg.cards[c].enabled, sizeof(d->modem_profile[c]));
		sync_epoll(d, c);
	}
}

void vd_modems_card_check(struct vd *d)
{
	unsigned int c;

	for (c = d->cfg.card_base; c < VD_CARD_END(d) && c < VUICC_CARDS_MAX; c++) {
		if (!d->cfg.modem[c][0] || !strcmp(d->modem_profile[c], d->reg.cards[c].enabled))
			continue;
		log_info("modem %u: the card now has profile '%s'", c,
			 d->reg.cards[c].enabled[0] ? d->reg.cards[c].enabled : "(none)");
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(d->modem_profile[c], d->reg.cards[c].enabled, sizeof(d->modem_profile[c]));
		modem_card_changed(&d->modems[c]);
		sync_epoll(d, c);
	}
}

void vd_modems_stop(struct vd *d)
{
	unsigned int c;

	for (c = 0; c < VUICC_CARDS_MAX; c++)
		if (d->cfg.modem[c][0])
			modem_close(&d->modems[c]);
}
