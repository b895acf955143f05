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

static uint32_t tag_in_, tag_timer_;

static void sync_epoll(struct vd *d, unsigned int c)
{
	struct modem *m = &d->modems[c];
	struct epoll_event ev = { .events = EPOLLIN };

	if (m->fd == d->modem_polled[c])
		return;
	/* a closed fd left epoll by itself */
	d->modem_polled[c] = -1;
	if (m->fd < 0)
		return;
	ev.data.u64 = (uint64_t)tag_in_ << 32 | c;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, m->fd, &ev))
		log_err("modem %u: epoll: %s", c, strerror(errno));
	else
		d->modem_polled[c] = m->fd;
}

static void on_event(void *arg, struct modem *m, const struct modem_event *e)
{
	struct vd *d = arg;

	switch (e->kind) {
	case MODEM_EV_STATE:
		log_info("modem %u (%s): %s%s%s", m->card, m->path, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? ", address " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		vd_event(d, "card %u modem: %s%s%s", m->card, modem_state_name(m->state),
			 m->state == MODEM_ONLINE ? " " : "",
			 m->state == MODEM_ONLINE ? m->addr : "");
		break;
	case MODEM_EV_REG:
		log_info("modem %u: +%s stat %d%s%d", m->card, m->reg.domain, m->reg.stat,
			 m->reg.reject_cause >= 0 ? ", reject cause #" : "",
			 m->reg.reject_cause >= 0 ? m->reg.reject_cause : 0);
		if (m->reg.stat == AT_REG_DENIED)
			vd_event(d, "card %u modem: registration denied, cause #%d", m->card,
				 m->reg.reject_cause);
		break;
	case MODEM_EV_ERROR:
		log_warn("modem %u: %s", m->card, m->last_error);
		break;
	default:
		break;
	}
	vd_policy_modem_event(d, m, e);
}

void vd_modems_start(struct vd *d, int epfd, uint32_t tag_in, uint32_t tag_timer)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int c;
	int rc;

	tag_in_ = tag_in;
	tag_timer_ = tag_timer;
	d->epfd = epfd;
	for (c = 0; c < VUICC_CARDS_MAX; c++) {
		d->modem_polled[c] = -1;
		d->modems[c].fd = d->modems[c].tfd = -1;
		if (!vd_card_mine(d, c) || !d->cfg.modem[c][0])
			continue;
		d->modems[c].event = on_event;
		d->modems[c].arg = d;
		d->modems[c].card = ~0u;
		rc = modem_open(&d->modems[c], c, d->cfg.modem[c], d->cfg.apn);
		if (rc)
			log_warn("modem %u: %s (tried again every 2 s)", c,
				    d->modems[c].last_error);
		if (d->modems[c].tfd >= 0) {
			ev.data.u64 = (uint64_t)tag_timer << 32 | c;
			epoll_ctl(epfd, EPOLL_CTL_ADD, d->modems[c].tfd, &ev);
		}
		/* with the policy on, it says when to register */
		if (d->cfg.connect && !d->cfg.policy)
			modem_connect(&d->modems[c]);
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(d->modem_profile[c], d->cards[c].enabled, sizeof(d->modem_profile[c]));
		sync_epoll(d, c);
	}
}

void vd_modem_input(struct vd *d, unsigned int card)
{
	if (card >= VUICC_CARDS_MAX)
		return;
	modem_input(&d->modems[card]);
	sync_epoll(d, card);
}

void vd_modem_timer(struct vd *d, unsigned int card)
{
	if (card >= VUICC_CARDS_MAX)
		return;
	modem_timer(&d->modems[card]);
	sync_epoll(d, card);
}

void vd_modems_card_check(struct vd *d)
{
	unsigned int c;

	for (c = d->cfg.card_base; c < VD_CARD_END(d) && c < VUICC_CARDS_MAX; c++) {
		if (!d->cfg.modem[c][0] || !strcmp(d->modem_profile[c], d->cards[c].enabled))
			continue;
		log_info("modem %u: the card now has profile '%s'", c,
			 d->cards[c].enabled[0] ? d->cards[c].enabled : "(none)");
		/* both VUICC_PROFILE_NAME_MAX + 1, NUL-terminated */
		memcpy(d->modem_profile[c], d->cards[c].enabled, sizeof(d->modem_profile[c]));
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
