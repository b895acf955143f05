/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's registry: the cards it manages and every profile it knows (from
 * a profile file, the kernel or the store), and the mirror of what the
 * kernel has of them (card-get and profile-get dumps).  It keeps no state
 * of its own on disk: persist.c does.
 */
#ifndef VD_REGISTRY_H
#define VD_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/policy.h"
#include "lib/config.h"
#include "lib/nl.h"
#include "lib/profile.h"
#include "lib/store.h"

#define VD_PROFILES_MAX	(VUICC_CARDS_MAX * VUICC_PROFILES_MAX)

/* A profile vuiccd knows: from a profile file, the kernel or the store. */
struct vprof {
	struct pstate ps;
	bool in_store;		/* a state file exists (or will, at the next write) */
	bool installed;		/* the kernel has it */
	bool was_installed;	/* before the last refresh */
	bool enabled;
	bool managed;		/* a profile file in profiles_dir describes it */
	bool from_server;	/* a SIM server's standby seed, stored as C-NAME.seed */
	bool withdrawn;		/* ... which the server took back: deleted once not in use */
	uint64_t seed_gen;	/* the generation of its stored copy */
	bool changed;		/* its file changed: what the policy learned of it is void */
	bool seen;		/* found in the current scan of profiles_dir */
	char file[CONFIG_PATH_MAX + 64];
	uint64_t file_fpr;
	uint32_t kind, role;
	/* kind = card: a physical card in the modem's SIM slot @slot; never in
	 * the kernel, the policy has it while its file is there (reg_present) */
	bool hard;
	int slot;
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
	/* its file's PIN1, for the modem's +CPIN (a secret: wiped with it); "" */
	char pin1[9];
	/* ranking data of its file (or the server's text) for the policy */
	bool has_pol;
	struct pol_profile pol;
};

/* The names of vprof.auth[]'s results (enum vuicc_auth_result - 1). */
extern const char *const reg_auth_names[4];

struct vcard {
	bool exists;
	bool configured;
	bool powered;
	uint64_t apdus, resets, switches;
	char enabled[VUICC_PROFILE_NAME_MAX + 1];
	struct cstate cs;
};

struct registry {
	struct vprof *profs[VD_PROFILES_MAX];
	size_t n_profs;
	struct vcard cards[VUICC_CARDS_MAX];
	uint32_t card_base, n_cards;	/* the cards this vuiccd manages */
	struct vnl *nl;			/* requests to the kernel */
};

/* An empty registry for cards @base..@base+@n-1, asking the kernel through @nl. */
void reg_init(struct registry *r, struct vnl *nl, uint32_t base, uint32_t n);
/* Frees every profile (their state wiped). */
void reg_free(struct registry *r);

/* Whether @card is one of the cards this vuiccd manages. */
static inline bool reg_mine(const struct registry *r, uint32_t card)
{
	return card >= r->card_base && card - r->card_base < r->n_cards;
}

#define REG_CARD_END(r)	((r)->card_base + (r)->n_cards)

struct vprof *reg_find(struct registry *r, uint32_t card, const char *name);
/* reg_find(), or a new empty profile; NULL when full or the name is too long. */
struct vprof *reg_get(struct registry *r, uint32_t card, const char *name);
/* Forgets @v (its state wiped) and frees it. */
void reg_remove(struct registry *r, struct vprof *v);

/* The kernel mirror: cards and profiles as the kernel has them now (no state). */
int reg_snapshot(struct registry *r);
/*
 * Takes a full state (state-get) or one change (state-ntf), the message
 * @nlh with its attributes @tb, into @v; true if it changed.
 */
bool reg_apply(struct vprof *v, const struct nlmsghdr *nlh, struct nlattr **tb);

/* Whether the policy may have @v: installed, or a physical card's file. */
static inline bool reg_present(const struct vprof *v)
{
	return (v->installed || (v->hard && v->managed)) && !v->withdrawn;
}

/* What ranking needs of a profile file (never a key) into v->pol. */
void reg_pol_info(struct vprof *v, const struct profile *p);

#endif
