/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd: the agent daemon's shared state and its parts, bottom up (a part
 * calls only parts below it; news goes up through callbacks):
 *   loop.c     the event loop (loop.h), the clock and the event ring
 *   sync.c     the profile/card registry, provisioning, reconciliation with
 *              the kernel and the persistence of state events
 *   modems.c   the modems of the cards
 *   policy.c   the policy core and the SIM server, by card
 *   share.c    sharing a profile between devices
 *   status.c   the status report
 *   control.c  the control socket
 *   main.c     options, start-up and shut-down order
 */
#ifndef VUICCD_H
#define VUICCD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "lib/config.h"
#include "io/modem.h"
#include "lib/nl.h"
#include "core/policy.h"
#include "io/server.h"
#include "lib/store.h"
#include "loop.h"

#define VD_PROFILES_MAX	(VUICC_CARDS_MAX * VUICC_PROFILES_MAX)

/* A profile vuiccd knows: from a profile file, the kernel or the store. */
struct vprof {
	struct pstate ps;
	bool in_store;		/* a state file exists (or will, at the next write) */
	bool installed;		/* the kernel has it */
	bool was_installed;	/* before the last refresh */
	bool enabled;
	bool managed;		/* a profile file in profiles_dir describes it */
	bool seen;		/* found in the current scan of profiles_dir */
	char file[CONFIG_PATH_MAX + 64];
	uint64_t file_fpr;
	uint32_t kind, role;
	/* write-back */
	bool dirty;		/* EF changes not yet on disk */
	bool sqn_dirty;		/* an SQN change read, its write due when the batch ends */
	uint64_t dirty_since;	/* ms, CLOCK_MONOTONIC */
	uint64_t max_pending_ms;	/* the longest an EF change waited for the disk */
	unsigned long writes, write_errors, events, stale_events, resyncs;
	/* health */
	unsigned long auth[4];	/* by enum vuicc_auth_result - 1 */
	int last_auth;		/* its index; -1: none */
	time_t last_auth_time;
	char last_error[300];
	/* ranking data of its file (or the server's text) for the policy */
	bool has_pol;
	struct pol_profile pol;
};

struct vcard {
	bool exists;
	bool configured;
	bool powered;
	uint64_t apdus, resets, switches;
	char enabled[VUICC_PROFILE_NAME_MAX + 1];
	struct cstate cs;
};

struct vd;
struct vshare;
/* What the modems part tells the part above it (the policy) of a modem. */
typedef void (*vd_modem_listener)(struct vd *d, struct modem *m, const struct modem_event *e);

struct vd {
	struct config cfg;
	const char *cfg_path;
	struct vnl req, ev;
	int dirfd;
	int timerfd;
	bool timer_armed;
	struct vprof *profs[VD_PROFILES_MAX];
	size_t n_profs;
	struct vcard cards[VUICC_CARDS_MAX];
	/* the modem backend (modems.c), by card */
	struct modem modems[VUICC_CARDS_MAX];
	int modem_polled[VUICC_CARDS_MAX];	/* the tty fd in the loop; -1 */
	vd_modem_listener modem_listener;
	char modem_profile[VUICC_CARDS_MAX][VUICC_PROFILE_NAME_MAX + 1];
	struct loop loop;
	time_t started;
	unsigned long resyncs, overflows;
	const struct store_io *io;
	bool restarted;		/* a card kept its enabled profile at start */
	/* the policy core (policy.c), by card with a modem */
	struct vpol *vpol[VUICC_CARDS_MAX];
	int pol_tfd;
	struct srv srv;
	bool have_srv;
	struct vshare *share;	/* share.c's, NULL with sharing off */
};

/* The cards this vuiccd manages: card_base..card_base+cards-1. */
static inline bool vd_card_mine(const struct vd *d, uint32_t card)
{
	return card >= d->cfg.card_base && card - d->cfg.card_base < d->cfg.cards;
}

#define VD_CARD_END(d)	((d)->cfg.card_base + (d)->cfg.cards)

/* sync.c */
struct vprof *vd_find(struct vd *d, uint32_t card, const char *name);
int vd_load_store(struct vd *d);
int vd_resync(struct vd *d);
int vd_snapshot(struct vd *d);
int vd_provision(struct vd *d, bool at_start);
int vd_handle_events(struct vd *d);
void vd_writeback(struct vd *d, bool all);
void vd_arm_timer(struct vd *d);
int vd_save(struct vd *d, struct vprof *v);

/* modems.c: each modem's fds in the loop; its events go to @listener */
void vd_modems_start(struct vd *d, vd_modem_listener listener);
void vd_modems_card_check(struct vd *d);
void vd_modems_stop(struct vd *d);

/* sync.c: profiles of the policy */
int vd_enable_profile(struct vd *d, uint32_t card, const char *name, const char *why);
int vd_install_remote(struct vd *d, uint32_t card, const struct profile *p);
int vd_delete_remote(struct vd *d, uint32_t card, const char *name);
/* what ranking needs of a profile file (never a key) into v->pol */
void vd_prof_pol_info(struct vprof *v, const struct profile *p);

/* policy.c */
int vd_policy_start(struct vd *d);
void vd_policy_stop(struct vd *d);
void vd_policy_arm(struct vd *d);
void vd_policy_modem_event(struct vd *d, struct modem *m, const struct modem_event *e);
void vd_policy_sync_profiles(struct vd *d);
const struct policy *vd_policy_of(const struct vd *d, unsigned int card);
uint64_t vd_policy_now(const struct vd *d, unsigned int card);

/* sync.c: for sharing */
struct vprof *vd_get(struct vd *d, uint32_t card, const char *name);
int vd_share_refresh_state(struct vd *d, struct vprof *v);

/* share.c: the link's fds and its timer in the loop */
struct sc_identity;
int vd_share_start(struct vd *d);
void vd_share_stop(struct vd *d);
void vd_share_status(struct vd *d, FILE *f, bool json);
int vd_share_key_file(const char *path, struct sc_identity *id, bool create);
int vd_share_pair(const struct config *cfg, const char *code, unsigned int timeout_s);
int vd_share_command(struct vd *d, const char *cmd, char *msg, size_t max);

/* status.c */
char *vd_status(struct vd *d, bool json, size_t *len);

#endif
