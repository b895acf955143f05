/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's modems (io/modem.h), one per card that has one configured, in
 * the event loop.  Each modem's tty and timerfd are watched; a modem that
 * vanishes is reopened by its own timer, so its tty is watched again
 * whenever it was reopened (even on the same fd number).  A profile switch
 * on a card tells its modem that the card changed.  What a modem reports
 * goes to the listener (the policy glue).
 */
#ifndef VD_MODEMS_H
#define VD_MODEMS_H

#include "io/modem.h"
#include "lib/config.h"
#include "loop.h"
#include "registry.h"

typedef void (*modems_listener)(void *arg, struct modem *m, const struct modem_event *e);

struct modems {
	struct modem m[VUICC_CARDS_MAX];
	int polled[VUICC_CARDS_MAX];		/* the tty fd in the loop; -1 */
	unsigned long polled_open[VUICC_CARDS_MAX];	/* its m->reopens then */
	int polled_aux[VUICC_CARDS_MAX];	/* the second port's fd in the loop; -1 */
	/* the card's profile the modem last saw */
	char profile[VUICC_CARDS_MAX][VUICC_PROFILE_NAME_MAX + 1];
	const struct config *cfg;		/* modem, apn, connect, policy */
	const struct registry *reg;		/* the cards' enabled profiles */
	struct loop *loop;
	modems_listener listener;
	void *listener_arg;
};

/* Opens the configured modems and watches them; their events go to @fn(@arg). */
void modems_start(struct modems *ms, const struct config *cfg, const struct registry *reg,
		  struct loop *loop, modems_listener fn, void *arg);
/* Tells each modem whose card changed profile since it last looked. */
void modems_card_check(struct modems *ms);
void modems_stop(struct modems *ms);

#endif
