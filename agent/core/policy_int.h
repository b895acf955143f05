/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy core's files, and what they give one another (policy.h is the
 * API).  Each file calls only those listed above its own section:
 *
 *   policy_base.c     names, cause classes, A1 and B1, actions, the jitter,
 *                     the profile table
 *   policy_rank.c     location memory, congestion, the gates, the index
 *   policy_req.c      the SIM-server requests, queued and sent
 *   policy_round.c    an attempt begins; the next candidate; the wait
 *   policy_attempt.c  an attempt fails or succeeds
 *   policy.c          the events (pol_step), the deadline, pol_init
 */
#ifndef VUICC_POLICY_INT_H
#define VUICC_POLICY_INT_H

#include "policy.h"

/* ---- policy_base.c ---- */

enum cause_class { CC_OTHER, CC_SIM, CC_LOCATION, CC_CONGESTION };

enum cause_class pol_classify(int cause);
void pol_str_copy(char *dst, size_t size, const char *src);
/* @ms plus 0..25 %, from the policy's generator */
uint32_t pol_jittered(struct policy *p, uint64_t ms);
/* Appends an action of the pol_step() in progress; @prof -1: none. */
struct pol_action *pol_emit(struct policy *p, enum pol_action_kind k, int prof,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define pol_emit_note(p, ...) pol_emit(p, POL_ACT_NOTE, -1, __VA_ARGS__)
bool pol_is_seed(const struct policy *p, int i);

static inline int pol_find(const struct policy *p, const char *name)
{
	return pol_find_profile(p->prof, p->n, name);
}

static inline int pol_master(const struct policy *p)
{
	return pol_find_master(p->prof, p->n);
}

static inline unsigned int pol_usable_rats(const struct policy *p, int i)
{
	return pol_profile_rats(&p->cfg, &p->prof[i]);
}

/* ---- policy_rank.c ---- */

void pol_set_area(struct policy *p, const char *plmn, uint32_t tac);
/* What seed @i met at (@plmn, @tac) within memory_ms; NULL: nothing. */
const struct pol_memory *pol_recall(const struct policy *p, int i, const char *plmn,
				    uint32_t tac);
void pol_remember(struct policy *p, int i, const char *plmn, uint32_t tac, bool ok,
		  int cause);
void pol_set_congested(struct policy *p, const char *plmn, uint64_t until);
/* The hard gates; NULL when @i may be tried now. */
const char *pol_gate(const struct policy *p, int i, bool relaxed);
/* A scan that sees a network for a seed whose last failure was "no network
 * for it" closes its breaker: coverage came since. */
void pol_scan_reopens(struct policy *p);
void pol_score(const struct policy *p, int i, struct pol_rank *r);

/* ---- policy_req.c ---- */

struct pol_action *pol_queue_action(struct policy *p, enum pol_srv_req r, int prof);
void pol_queue_request(struct policy *p, enum pol_srv_req r);
void pol_send_next_request(struct policy *p);
void pol_clear_requests(struct policy *p);

/* ---- policy_round.c ---- */

void pol_set_stage(struct policy *p, enum pol_stage s, uint32_t timeout);
void pol_begin_attempt(struct policy *p, int i, enum pol_phase ph, const char *why);
void pol_start_round(struct policy *p, const char *why);
void pol_next_candidate(struct policy *p);

/* ---- policy_attempt.c ---- */

void pol_fall_back_to_seed(struct policy *p, const char *why);
void pol_vsim_failed(struct policy *p, int v, enum pol_stage stage, int cause, bool timeout);
void pol_attempt_failed(struct policy *p, enum pol_stage stage, int cause, bool timeout,
			const char *plmn, uint32_t tac, uint32_t backoff_ms);
void pol_attempt_up(struct policy *p);
void pol_enter_data(struct policy *p);

#endif
