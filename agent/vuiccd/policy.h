/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's policy glue: the policy core (core/policy.h) in the event loop,
 * one policy per card with a modem.  Modem events and SIM-server replies
 * become policy events; the policy's actions become profile switches,
 * modem operations, server requests and installs.  Every decision is
 * logged with its reason and kept in the status events.  One timerfd
 * serves every policy's deadline.
 */
#ifndef VD_POLICY_H
#define VD_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/policy.h"
#include "io/server.h"
#include "lib/config.h"
#include "loop.h"
#include "modems.h"
#include "provision.h"
#include "registry.h"

struct vpol;

struct polglue {
	const struct config *cfg;
	struct registry *reg;
	struct provision *prov;		/* profile switches and the server's installs */
	struct modems *modems;
	struct loop *loop;
	struct vpol *vpol[VUICC_CARDS_MAX];	/* by card with a modem; NULL */
	int tfd;			/* every policy's next deadline */
	struct srv srv;			/* the SIM server's client */
	bool have_srv;
};

/* Starts a policy on each card with a modem (cfg->policy); 0 or -1. */
int vd_policy_start(struct polglue *pg, const struct config *cfg, struct registry *reg,
		    struct provision *prov, struct modems *modems, struct loop *loop);
void vd_policy_stop(struct polglue *pg);
/* Re-arms the timerfd for the earliest deadline of every policy. */
void vd_policy_arm(struct polglue *pg);
/* The modems' listener (@arg: the struct polglue). */
void vd_policy_modem_event(void *arg, struct modem *m, const struct modem_event *e);
/* The profile files changed: every policy learns the profiles of its card again. */
void vd_policy_sync_profiles(struct polglue *pg);
/* The policy of @card (NULL: none), and its clock, for the status report. */
const struct policy *vd_policy_of(const struct polglue *pg, unsigned int card);
/* Writes of @card's learning (cardC.learn) and failed ones. */
void vd_policy_learn_stats(const struct polglue *pg, unsigned int card, unsigned long *writes,
			   unsigned long *errors);
/* With policy = cn105491555a: the source's method of @card (else NULL). */
struct cn105;
const struct cn105 *vd_policy_source_of(const struct polglue *pg, unsigned int card);
uint64_t vd_policy_now(const struct polglue *pg, unsigned int card);

/* What the data check's last probe saw (the counts are the policy's). */
struct vd_check {
	bool last_ok;
	time_t last_at;			/* 0: no probe yet */
	char last[64];			/* "HTTP 204", "rcode 0", "timeout", ... */
};
/* NULL: no data check on @card. */
const struct vd_check *vd_policy_check_of(const struct polglue *pg, unsigned int card);

#endif
