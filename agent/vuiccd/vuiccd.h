/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd: the agent daemon.  vuiccd.c has the event loop and the control
 * socket; vd_sync.c provisioning, reconciliation with the kernel and the
 * persistence of state events; vd_status.c the status report.
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

#define VD_PROFILES_MAX	(VUICC_CARDS_MAX * VUICC_PROFILES_MAX)
#define VD_EVENTS	16

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

struct vd_event {
	time_t t;
	char what[120];
};

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
	struct vd_event events[VD_EVENTS];
	unsigned int n_events;
	/* the modem backend (vd_modem.c), by card */
	struct modem modems[VUICC_CARDS_MAX];
	int modem_polled[VUICC_CARDS_MAX];	/* the tty fd in epoll; -1 */
	char modem_profile[VUICC_CARDS_MAX][VUICC_PROFILE_NAME_MAX + 1];
	int epfd;
	time_t started;
	unsigned long resyncs, overflows;
	const struct store_io *io;
	bool restarted;		/* a card kept its enabled profile at start */
	/* the policy core (vd_policy.c), by card with a modem */
	struct vpol *vpol[VUICC_CARDS_MAX];
	int pol_tfd;
	struct srv srv;
	bool have_srv;
};

/* The cards this vuiccd manages: card_base..card_base+cards-1. */
static inline bool vd_card_mine(const struct vd *d, uint32_t card)
{
	return card >= d->cfg.card_base && card - d->cfg.card_base < d->cfg.cards;
}

#define VD_CARD_END(d)	((d)->cfg.card_base + (d)->cfg.cards)

uint64_t vd_now_ms(void);
void vd_event(struct vd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vd_sync.c */
struct vprof *vd_find(struct vd *d, uint32_t card, const char *name);
int vd_load_store(struct vd *d);
int vd_resync(struct vd *d);
int vd_snapshot(struct vd *d);
int vd_provision(struct vd *d, bool at_start);
int vd_handle_events(struct vd *d);
void vd_writeback(struct vd *d, bool all);
void vd_arm_timer(struct vd *d);
int vd_save(struct vd *d, struct vprof *v);

/* vd_modem.c: epoll data of the modems' fds is (TAG << 32 | card) */
void vd_modems_start(struct vd *d, int epfd, uint32_t tag_in, uint32_t tag_timer);
void vd_modem_input(struct vd *d, unsigned int card);
void vd_modem_timer(struct vd *d, unsigned int card);
void vd_modems_card_check(struct vd *d);
void vd_modems_stop(struct vd *d);

/* vd_sync.c: profiles of the policy */
int vd_enable_profile(struct vd *d, uint32_t card, const char *name, const char *why);
int vd_install_remote(struct vd *d, uint32_t card, const struct profile *p);
int vd_delete_remote(struct vd *d, uint32_t card, const char *name);

/* vd_policy.c */
int vd_policy_start(struct vd *d, int epfd, uint32_t tag_timer, uint32_t tag_srv,
		    uint32_t tag_srv_timer);
void vd_policy_stop(struct vd *d);
void vd_policy_timer(struct vd *d);
void vd_policy_arm(struct vd *d);
void vd_policy_modem_event(struct vd *d, struct modem *m, const struct modem_event *e);
void vd_policy_profile_info(struct vprof *v, const struct profile *p);
void vd_policy_sync_profiles(struct vd *d);
const struct policy *vd_policy_of(const struct vd *d, unsigned int card);
uint64_t vd_policy_now(const struct vd *d, unsigned int card);

/* vd_sync.c: for sharing */
struct vprof *vd_get(struct vd *d, uint32_t card, const char *name);
int vd_share_refresh_state(struct vd *d, struct vprof *v);

/* vd_share.c: epoll data of the link's fds is (TAG << 32 | index) */
struct sc_identity;
int vd_share_start(struct vd *d, int epfd, uint32_t tag_fd, uint32_t tag_timer);
void vd_share_stop(struct vd *d);
void vd_share_fd(struct vd *d, uint32_t idx, uint32_t events);
void vd_share_timer(struct vd *d);
void vd_share_status(struct vd *d, FILE *f, bool json);
int vd_share_key_file(const char *path, struct sc_identity *id, bool create);
int vd_share_pair(const struct config *cfg, const char *code, unsigned int timeout_s);
int vd_share_command(struct vd *d, const char *cmd, char *msg, size_t max);

/* vd_status.c */
char *vd_status(struct vd *d, bool json, size_t *len);

#endif
