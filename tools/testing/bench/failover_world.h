/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world of the failover benchmark: a modem, the networks around it,
 * the seeds' subscriptions and the SIM server, on a virtual clock.  It
 * carries out the actions of a policy (struct pol_action) and feeds it the
 * events (struct pol_event) that vuiccd's modem backend and server client
 * would, with no I/O and no wall clock.
 *
 * Fairness: every random outcome is a function of the scenario seed and of
 * what is attempted (which profile, its attempt ordinal, the PLMN, the
 * ordinal of the request within the attempt), never of a shared stream, so
 * two policies that do the same thing meet the same world.
 *
 * Documentation/dev-tools/vuicc-failover-bench.rst describes the model.
 */
#ifndef FAILOVER_WORLD_H
#define FAILOVER_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/policy.h"
#include "core/survey.h"

#define FW_NEVER	UINT64_MAX
#define FW_LOCS_MAX	3
#define FW_OPS_MAX	4
#define FW_SEEDS_MAX	6	/* master + up to 5 standbys */
#define FW_SCHED_MAX	24
#define FW_PLMN_N	32	/* the PLMN universe (fw_plmn_code()) */

/* Scenario classes: what happens to the master seed's first attempt. */
enum fw_class {
	FW_C_MASTER_OK,		/* works at once */
	FW_C_MASTER_ABSENT,	/* none of its networks here: the modem says stat 0 */
	FW_C_MASTER_SIM,	/* expired (#8) or barred (#3) */
	FW_C_SILENT,		/* its network never answers the attach */
	FW_C_CONGESTION,	/* #22 with T3346, then fine */
	FW_C_DIAL_DATA,		/* registers; the PDP context or the server path fails */
	FW_C_ROAMING,		/* #11 or #13 on its strongest network */
	FW_C_NO_COVERAGE,	/* no network at all at power-on for 30-300 s */
	FW_C_MOVE,		/* works, then the device moves */
	FW_C_OUTAGE,		/* works, then its network goes away for 30-300 s */
	FW_C_N
};

/* The behaviour of a network towards one seed (its roaming agreement, APN, route). */
enum fw_beh {
	FW_B_NORMAL,
	FW_B_SILENT,		/* the attach is never answered */
	FW_B_REJ11,		/* PLMN not allowed */
	FW_B_REJ13,		/* roaming not allowed in this tracking area */
	FW_B_DIAL_CME,		/* +CGACT answers +CME ERROR */
	FW_B_DIAL_SILENT,	/* +CGACT never answers */
	FW_B_DATA_UNREACH,	/* the server is unreachable through it */
	FW_B_DATA_SILENT,	/* requests through it are never answered */
	FW_B_N
};

enum fw_validity { FW_VALID, FW_EXPIRED, FW_BARRED };

struct fw_op {
	int plmn;			/* index in the universe */
	unsigned int rats;		/* POL_RAT_BIT()s */
	int32_t dbm[POL_RAT_N];
	uint32_t tac;
};

struct fw_loc {
	int country;
	unsigned int n_ops;
	struct fw_op op[FW_OPS_MAX];
};

struct fw_seed {
	struct pol_profile prof;
	enum fw_validity validity;
	uint64_t allowed;		/* PLMN mask (prof.plmns) */
	uint8_t beh[FW_PLMN_N];
	int16_t cme[FW_PLMN_N];		/* FW_B_DIAL_CME: the error */
};

enum fw_sched_kind { FW_S_MOVE, FW_S_OUT_START, FW_S_OUT_END };

struct fw_sched {
	uint64_t at;
	enum fw_sched_kind kind;
	int loc;			/* MOVE: where to; OUT_*: where */
	int op;				/* OUT_*: the operator's slot at .loc */
};

struct fw_scenario {
	unsigned int index;
	uint64_t seed;
	enum fw_class cls;
	bool overlay;			/* an extra move or outage besides the class */
	unsigned int modem_rats;
	/* what the modem's scan gives (survey.h): +COPS=? alone has no level;
	 * Quectel's survey sees LTE only; Telit's and u-blox's every RAT */
	enum survey_dialect dialect;
	unsigned int n_locs;
	struct fw_loc loc[FW_LOCS_MAX];
	unsigned int n_seeds;		/* [0] the master */
	struct fw_seed seeds[FW_SEEDS_MAX];
	uint64_t congested_until[FW_PLMN_N];	/* network-wide #22 from t = 0 */
	unsigned int n_sched;		/* sorted by .at */
	struct fw_sched sched[FW_SCHED_MAX];
	/* the oracle: the earliest time some seed could have had data; FW_NEVER */
	uint64_t usable_at;
	int usable_seed;
};

/* A policy under test: the benchmark's two implementations of one interface. */
struct fw_agent {
	const char *name;
	void *ctx;
	unsigned int (*step)(void *ctx, uint64_t now, const struct pol_event *ev,
			     struct pol_action *out, unsigned int max);
	uint64_t (*deadline)(void *ctx);
	unsigned long (*timeouts)(void *ctx);
};

struct fw_result {
	uint64_t t_data;		/* first server answer through a seed; FW_NEVER */
	uint64_t t_vsim;		/* first server answer through a VSIM; FW_NEVER */
	uint64_t service_ms;		/* time with a data link the server answered on */
	unsigned long attempts;		/* ENABLE actions */
	unsigned long switches;		/* changes of the enabled profile */
	unsigned long timeouts;		/* the policy's own count */
	unsigned long events, actions;
	unsigned long vsims;		/* VSIMs handed out */
	bool stuck;			/* the policy looped at one instant or ran away */
	char stuck_why[128];
};

const char *fw_class_name(enum fw_class c);
const char *fw_class_text(enum fw_class c);
/* The share of each class in the generator, in percent. */
unsigned int fw_class_weight(enum fw_class c);
const char *fw_plmn_code(int plmn);

/* Scenario @index of the run with seed @run_seed; ends at @end_ms. */
void fw_generate(struct fw_scenario *s, uint64_t run_seed, unsigned int index, uint64_t end_ms);
void fw_describe(const struct fw_scenario *s, FILE *f);

/* Runs @ag in @s until @end_ms; @trace (may be NULL) gets the timeline. */
void fw_run(const struct fw_scenario *s, const struct fw_agent *ag, uint64_t end_ms,
	    FILE *trace, struct fw_result *r);

#endif
