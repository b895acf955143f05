/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network access method of CN105491555A, as its claims and
 * paragraphs [0033]-[0056] describe it, driven by the same events and
 * emitting the same actions as vuiccd's policy core (policy.h), so that
 * the failover benchmark runs both in the same world, and vuiccd runs it
 * with "policy = cn105491555a" (tools/testing/bench/e2e-failover compares
 * the two on the real stack).
 *
 *  - power on: the master seed's connection request (S210);
 *  - "connected" = authentication (registration) + dialing + data
 *    connection, all three ([0036]); judged by the network's result message
 *    (claim 5) or by one timeout for the whole connection (claim 6): no
 *    success within the set time is a failure ([0056]);
 *  - on failure: the standby seeds in descending order of the comprehensive
 *    evaluation index a*A1 + b*B1 (claim 2), one after the other until one
 *    connects (S230);
 *  - then the data connection to the server, which assigns a local VSIM from
 *    the reported location, RATs and signal ([0041]).
 *
 * What the text leaves open, read generously (the benchmark's doc lists it):
 * after the last standby fails the method starts over from the master at
 * once; a lost connection starts it over; a VSIM that fails to connect
 * sends it back to the seeds.
 */
#ifndef CN105491555A_H
#define CN105491555A_H

#include "core/policy.h"

enum cn_phase {
	CN_IDLE,
	CN_CONNECT,		/* a seed's connection, judged as one */
	CN_SCAN,		/* the master failed: signal of the standbys */
	CN_SEED_UP,		/* connected through a seed, VSIM being installed */
	CN_VSIM,		/* the VSIM's connection, judged the same way */
	CN_VSIM_UP,
};

struct cn105 {
	struct pol_config cfg;
	unsigned int n;
	struct pol_profile prof[POL_PROFILES_MAX];
	enum cn_phase phase;
	int cur;			/* the profile being connected or in use */
	enum pol_stage stage;		/* where the connection is (not timed apart) */
	uint64_t deadline;		/* the one timeout of the connection */
	uint32_t budget_ms;		/* t_card + t_register + t_dial + t_data */
	int order[POL_PROFILES_MAX];	/* the standbys by index, best first */
	double score[POL_PROFILES_MAX];
	unsigned int n_order, next;
	int vsim;			/* the VSIM installed, -1 */
	uint64_t now;
	unsigned long attempts, timeouts, failures, rounds;
	struct pol_action *out;
	unsigned int n_out, max_out;
};

void cn_init(struct cn105 *c, const struct pol_config *cfg);
int cn_add_profile(struct cn105 *c, const struct pol_profile *pp);
/* Forgets a profile (its file is gone); the one being used or connected stays. */
void cn_remove_profile(struct cn105 *c, const char *name);
const char *cn_phase_name(enum cn_phase ph);
unsigned int cn_step(struct cn105 *c, uint64_t now_ms, const struct pol_event *ev,
		     struct pol_action *out, unsigned int max);
uint64_t cn_deadline(const struct cn105 *c);

#endif
