/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy core: which profile a card uses, decided without I/O.
 *
 * One struct policy per card (and its modem).  The owner feeds it events
 * (pol_step()) with the current time in milliseconds, carries out the
 * actions it returns (enable a profile, register, dial, ask the SIM server,
 * install or delete a VSIM, scan) and calls pol_step() with POL_EV_TIMER
 * when pol_deadline() is reached.  The same events in the same order at the
 * same times give the same actions: the only randomness (the back-off
 * jitter) comes from a generator seeded by pol_config.rng_seed.  vuiccd
 * (vd_policy.c) and the failover benchmark (tools/testing/bench/failover)
 * run this same code.
 *
 * What it does (Documentation/admin-guide/vuiccd.rst, "Seed policy"):
 *
 *  - ranks the seeds by the comprehensive evaluation index a*A1 + b*B1 of
 *    CN105491555A: A1 the signal normalised on fixed physical bounds, B1
 *    the tariff normalised on a configured range and inverted; hard gates
 *    first (quarantined, forbidden here, no common RAT, breaker open,
 *    network not visible, network congested);
 *  - connects in stages (card, registration, dial, data), each judged by an
 *    explicit result or by its own timeout;
 *  - fails over: the master seed first, then the standby seeds by index;
 *    reject causes decide what a failure means (SIM-level causes quarantine
 *    the seed, PLMN and area causes are remembered for the location,
 *    congestion waits out the network's back-off); a per-seed circuit
 *    breaker with exponential back-off and jitter; never stuck;
 *  - once data is up through a seed: standby seeds from the server on the
 *    first connection, then a VSIM, verified in the same stages, replaced
 *    on failure or expiry, with a fall back to a seed;
 *  - switches back from a standby seed to the master after a period that
 *    doubles after each failed try (hysteresis: it never flaps).
 */
#ifndef VUICC_POLICY_H
#define VUICC_POLICY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POL_PROFILES_MAX	16	/* seeds and VSIMs of one card */
#define POL_NAME_MAX		32
#define POL_PLMNS_MAX		8	/* the networks a seed can attach to */
#define POL_SCAN_MAX		16
#define POL_MEMORY_MAX		64	/* (seed, PLMN, TAC) outcomes remembered */
#define POL_CONGESTED_MAX	8
#define POL_EXCLUDE_MAX		8	/* VSIMs that failed, sent to the server */
#define POL_WHY_MAX		192
#define POL_STANDBYS_MAX	5	/* from the server: CN105491555A's M */

enum pol_rat { POL_RAT_GSM, POL_RAT_UMTS, POL_RAT_LTE, POL_RAT_N };
#define POL_RAT_BIT(r)	(1u << (r))
#define POL_RATS_ALL	(POL_RAT_BIT(POL_RAT_GSM) | POL_RAT_BIT(POL_RAT_UMTS) | \
			 POL_RAT_BIT(POL_RAT_LTE))
#define POL_DBM_UNKNOWN	INT32_MIN

enum pol_kind { POL_SEED_MASTER, POL_SEED_STANDBY, POL_VSIM };

/* A profile as the policy sees it: no keys, only what ranking needs. */
struct pol_profile {
	char name[POL_NAME_MAX + 1];
	enum pol_kind kind;
	unsigned int rats;		/* POL_RAT_BIT()s; 0: all */
	bool has_tariff;
	double tariff;			/* price, lower is better */
	unsigned int n_plmns;		/* 0: any network */
	char plmns[POL_PLMNS_MAX][7];
	uint64_t expires_ms;		/* VSIM: its expiry on the policy's clock; 0 none */
	bool hard;			/* a physical card in a modem slot (for status) */
	char blocked[64];		/* "": may be tried; else why it never can (the glue's) */
};

/* Stage timeouts: defaults, and the 3GPP timers they follow (policy.c). */
struct pol_config {
	double a, b;			/* weights of A1 (signal) and B1 (tariff) */
	double tariff_min, tariff_max;	/* B1's range */
	unsigned int modem_rats;	/* what the modem supports */
	uint32_t t_card_ms;		/* card ready after enable */
	uint32_t t_register_ms;		/* registered after card ready */
	uint32_t t_dial_ms;		/* PDP context active */
	uint32_t t_data_ms;		/* the SIM server answered */
	uint32_t t_scan_ms;		/* the operator scan */
	uint32_t backoff_base_ms, backoff_max_ms;	/* the circuit breaker */
	uint32_t round_backoff_max_ms;	/* every seed failed: the longest wait */
	uint32_t congestion_ms;		/* #22 without T3346 from the network */
	uint32_t quarantine_ms;		/* SIM-level causes; 0: until restart */
	uint32_t memory_ms;		/* how long a location outcome is trusted */
	uint32_t switchback_ms;		/* standby -> master after this; 0: never */
	uint32_t switchback_max_ms;	/* the doubling stops here */
	uint32_t vsim_retry_ms;		/* no VSIM to be had: ask again after */
	uint32_t vsim_renew_ms;		/* ask for the next VSIM this long before expiry */
	unsigned int vsim_attempts;	/* VSIMs tried in a row before waiting */
	unsigned int standby_count;	/* standby seeds held from the server (0: never asked) */
	bool want_vsim;			/* ask for a VSIM once a seed is up */
	/*
	 * The data-path check (POL_ACT_PROBE) once data is up: a probe every
	 * check_interval_ms (0: off, the default: no timer); check_failures
	 * failed in a row fail the data stage ("data check"), as a lost link.
	 */
	uint32_t check_interval_ms;
	unsigned int check_failures;	/* 3 */
	uint64_t rng_seed;
};

void pol_config_defaults(struct pol_config *c);

enum pol_stage { POL_STAGE_NONE, POL_STAGE_CARD, POL_STAGE_REGISTER, POL_STAGE_DIAL,
		 POL_STAGE_DATA, POL_STAGE_UP };

/* TS 27.007 +CxREG <stat> */
enum pol_reg_stat { POL_REG_NOT_SEARCHING = 0, POL_REG_HOME = 1, POL_REG_SEARCHING = 2,
		    POL_REG_DENIED = 3, POL_REG_UNKNOWN = 4, POL_REG_ROAMING = 5 };

enum pol_srv_req { POL_REQ_SEEDS, POL_REQ_VSIM, POL_REQ_RELEASE, POL_REQ_REPORT };

enum pol_srv_result {
	POL_SRV_OK,
	POL_SRV_REFUSED,	/* the server answered with an error (code) */
	POL_SRV_UNREACHABLE,	/* transport failure after the client's retries */
};

enum pol_event_kind {
	POL_EV_START,		/* power on (or vuiccd started) */
	POL_EV_TIMER,		/* pol_deadline() passed */
	POL_EV_CARD,		/* the modem read the enabled profile: ok or not */
	POL_EV_REG,		/* a registration report */
	POL_EV_SCAN,		/* the operator scan ended (ok: entries valid) */
	POL_EV_DIAL,		/* PDP activation ended: ok, or cme */
	POL_EV_DATA_LOST,	/* the PDP context went down */
	POL_EV_SERVER,		/* a SIM-server request ended */
	POL_EV_INSTALLED,	/* a VSIM (or seed) install ended: ok or not */
	POL_EV_PROBE,		/* a POL_ACT_PROBE ended: ok (answered) or not */
};

struct pol_scan_entry {
	char plmn[7];
	enum pol_rat rat;
	int32_t dbm;		/* RSRP (LTE), RSSI (GSM, UMTS) */
	bool forbidden;		/* +COPS=? stat 3 */
};

#define POL_SOURCE_MAX	24
/*
 * An abandoned scan that the modem cannot abort (POL_ACT_SCAN_ABORT) is
 * waited for at most this long: the longest survey a modem manual allows
 * (Quectel's 360 s) and the abort.
 */
#define POL_SCAN_BACKSTOP_MS	400000

#define POL_CARD_WHY_MAX	96

struct pol_event {
	enum pol_event_kind kind;
	bool ok;
	/* POL_EV_CARD not ok: why, when the card itself refuses to be used
	 * (its PIN): a SIM-level failure, the seed is quarantined; "" other.
	 * Taken in the card and the registration stages (a PIN check may end
	 * after the card was reported ready). */
	char card_why[POL_CARD_WHY_MAX];
	/* POL_EV_REG */
	enum pol_reg_stat stat;
	int cause;		/* EMM/MM reject cause; -1 none */
	char plmn[7];		/* the network, "" unknown */
	uint32_t tac;		/* TAC or LAC, 0 unknown */
	enum pol_rat rat;
	int32_t dbm;		/* its signal, POL_DBM_UNKNOWN */
	uint32_t backoff_ms;	/* T3346 from the network with #22; 0 none */
	/* POL_EV_DIAL: +CME ERROR, -1 none / timeout */
	int cme;
	/* POL_EV_SCAN: what measured it ("AT+QSCAN", "AT+COPS=?"), the entries */
	char source[POL_SOURCE_MAX];
	unsigned int scan_rats;	/* the RATs it covered (POL_RAT_BIT()s); 0: all */
	unsigned int n_scan;
	struct pol_scan_entry scan[POL_SCAN_MAX];
	/* POL_EV_SERVER */
	enum pol_srv_req req;
	enum pol_srv_result result;
	char error[32];		/* the server's error code */
	/* POL_EV_SERVER POL_REQ_VSIM ok: the VSIM; POL_EV_INSTALLED: what */
	struct pol_profile profile;
	/* POL_EV_SERVER POL_REQ_SEEDS ok: the seeds (vuiccd installed them) */
	unsigned int n_profiles;
	struct pol_profile profiles[POL_STANDBYS_MAX];
};

enum pol_action_kind {
	POL_ACT_ENABLE,		/* enable .profile on the card (the modem sees a new card) */
	POL_ACT_REGISTER,	/* automatic network selection (the modem registers) */
	POL_ACT_DIAL,		/* activate PDP context 1 */
	POL_ACT_SCAN,		/* a survey, or +COPS=? */
	POL_ACT_SERVER,		/* a SIM-server request: .req */
	POL_ACT_INSTALL,	/* install the VSIM .profile the server sent */
	POL_ACT_DELETE,		/* delete .profile from the kernel and the store */
	POL_ACT_NOTE,		/* nothing to do: a decision to log (.why) */
	POL_ACT_SCAN_ABORT,	/* abandon the scan (POL_EV_SCAN comes back, not ok) */
	POL_ACT_PROBE,		/* one data-path probe (POL_EV_PROBE comes back) */
};

struct pol_action {
	enum pol_action_kind kind;
	char profile[POL_NAME_MAX + 1];
	/* POL_ACT_SERVER */
	enum pol_srv_req req;
	unsigned int count;			/* POL_REQ_SEEDS */
	unsigned int n_exclude;			/* POL_REQ_VSIM */
	char exclude[POL_EXCLUDE_MAX][POL_NAME_MAX + 1];
	char current[POL_NAME_MAX + 1];		/* POL_REQ_VSIM: the VSIM to replace */
	/* POL_REQ_REPORT */
	enum pol_kind report_kind;
	enum pol_stage stage;
	bool success;
	bool timeout;
	int cause;
	char why[POL_WHY_MAX];			/* the decision and its reason */
};

#define POL_ACTIONS_MAX	8

/* Where a profile stands in the ranking (vuiccctl status). */
struct pol_rank {
	char name[POL_NAME_MAX + 1];
	enum pol_kind kind;
	double score, a1, b1;
	bool signal_known;
	int32_t dbm;
	char signal_from[12];		/* "scan", "memory", "serving", "" */
	char signal_source[POL_SOURCE_MAX];	/* the command that measured it */
	uint64_t signal_age_ms;		/* how long ago */
	const char *gate;		/* NULL: eligible; else why not */
	unsigned int failures;		/* in a row */
	uint64_t retry_at;		/* the breaker closes; 0 closed */
	int last_cause;			/* -1 none */
};

enum pol_phase {
	POL_P_IDLE,		/* not started */
	POL_P_SEED,		/* connecting a seed */
	POL_P_SCAN,		/* waiting for the scan to rank the standbys */
	POL_P_WAIT,		/* every seed failed: waiting (back-off) */
	POL_P_SEED_UP,		/* data through a seed; asking for seeds / a VSIM */
	POL_P_VSIM,		/* connecting a VSIM */
	POL_P_VSIM_UP,		/* data through the VSIM */
};

struct pol_memory {
	char seed[POL_NAME_MAX + 1];
	char plmn[7];
	uint32_t tac;
	bool ok;		/* connected here; else refused with .cause */
	int cause;
	uint64_t at;
};

struct pol_seed_state {
	unsigned int failures;		/* in a row */
	uint64_t retry_at;		/* breaker open until */
	bool quarantined;
	uint64_t quarantined_until;	/* 0: until restart */
	int last_cause;
	bool tried;			/* in this round */
	bool no_network;		/* its last failure: no network for it (stat 0) */
	unsigned long attempts, successes;
};

struct policy {
	struct pol_config cfg;
	unsigned int n;
	struct pol_profile prof[POL_PROFILES_MAX];
	struct pol_seed_state st[POL_PROFILES_MAX];

	enum pol_phase phase;
	int cur;			/* the profile being connected or in use; -1 */
	int enabled;			/* what the card has (as asked); -1 */
	bool card_ok;			/* the modem read it */
	char card_why[POL_CARD_WHY_MAX];	/* the card stage's refusal (its PIN); "" */
	enum pol_stage stage;
	uint64_t stage_since, stage_deadline;
	bool searched;			/* stat 2 seen in this registration stage */
	bool new_card;			/* the attempt enabled its profile */
	bool relaxed;			/* this round ignores all but the RAT gate */
	bool relax_next;		/* the next round does */
	int seed_up;			/* the seed data went through last; -1 */
	bool scanned;			/* a scan of this round came back */
	uint64_t scan_at;
	bool scan_ok;			/* the last scan was answered */
	bool scan_aborting;		/* POL_ACT_SCAN_ABORT sent, POL_EV_SCAN not back */
	unsigned int scan_rats;		/* what the scan covered: absent on others is unknown */
	char scan_source[POL_SOURCE_MAX];
	int scan_profile;		/* enabled when the scan ran: its "forbidden" marks */
	unsigned int n_scan;
	struct pol_scan_entry scan[POL_SCAN_MAX];
	/* where the modem is: the latest registration report */
	char plmn[7];
	uint32_t tac;
	enum pol_rat rat;
	int32_t dbm;
	uint64_t dbm_at;		/* when .dbm was measured */

	struct {
		char plmn[7];
		uint32_t tac;
	} area[POL_CONGESTED_MAX];	/* the TAC each network reported last */
	unsigned int n_memory;
	struct pol_memory memory[POL_MEMORY_MAX];
	struct {
		char plmn[7];
		uint64_t until;
	} congested[POL_CONGESTED_MAX];

	uint64_t wait_until;		/* POL_P_WAIT, VSIM retry */
	bool wait_broken;		/* this wait was cut short once */
	unsigned int rounds_failed;	/* in a row */
	/* the server */
	bool standbys_asked;
	bool req_pending;
	enum pol_srv_req req_kind;
	uint64_t req_deadline;
	unsigned int n_queue;		/* requests to send once data is up */
	struct pol_action queue[4];
	/* VSIM */
	unsigned int n_exclude;
	char exclude[POL_EXCLUDE_MAX][POL_NAME_MAX + 1];
	unsigned int vsim_failures;	/* in a row */
	uint64_t vsim_retry_at;
	int vsim_old;			/* the VSIM being replaced; -1 */
	bool installing;		/* POL_ACT_INSTALL sent, POL_EV_INSTALLED not back */
	bool renew_asked;		/* the next VSIM was asked for */
	bool report_pending;		/* a VSIM failure to report once a seed is up */
	struct pol_action report;
	/* switch back to the master */
	uint64_t switchback_at;
	uint32_t switchback_period;
	bool switchback_try;		/* the master attempt is a switch back */
	int switchback_from;		/* the standby to return to */

	/* the data-path check (cfg.check_interval_ms), in the up stage only */
	uint64_t check_at;		/* the next probe; 0: none */
	bool check_pending;		/* POL_ACT_PROBE sent, POL_EV_PROBE not back */
	unsigned int check_fails;	/* failed in a row */
	int check_last;			/* the last probe: 1 answered, 0 failed, -1 none */
	const char *fail_why;		/* the next pol_attempt_failed()'s reason, if not the stage's */

	uint64_t rng;
	uint64_t now;
	/* counters */
	unsigned long attempts, switches, timeouts, rejects, quarantines;
	unsigned long probes_sent, probes_failed;
	unsigned long check_trips;	/* data stages failed by the data check */

	/* the actions of the pol_step() in progress */
	struct pol_action *out;
	unsigned int n_out, max_out;
};

void pol_init(struct policy *p, const struct pol_config *c);

/*
 * What the policy learned that a restart must not forget: each seed's
 * breaker, failures and quarantine (not an "until restart" one:
 * quarantine_ms = 0), the outcomes remembered per location, the congested
 * networks.  Times are on the policy's clock.
 */
struct pol_learned_seed {
	char name[POL_NAME_MAX + 1];
	unsigned int failures;
	uint64_t retry_at;		/* 0: breaker closed */
	bool quarantined;
	uint64_t quarantined_until;
	int last_cause;			/* -1 none */
	bool no_network;
};

struct pol_learned {
	unsigned int n_seeds;
	struct pol_learned_seed seeds[POL_PROFILES_MAX];
	unsigned int n_memory;
	struct pol_memory memory[POL_MEMORY_MAX];
	unsigned int n_congested;
	struct {
		char plmn[7];
		uint64_t until;
	} congested[POL_CONGESTED_MAX];
};

/* The learning of @p (seeds with something learned; what has not expired). */
void pol_learned_get(const struct policy *p, struct pol_learned *out);
/*
 * Puts @in back into @p (profiles added, before POL_EV_START), as of
 * @p->now: what expired is dropped, a seed @p does not have is skipped,
 * and a time further ahead than the configuration allows (a clock that
 * went back) is cut to it.  Returns how many items were taken.
 */
unsigned int pol_learned_put(struct policy *p, const struct pol_learned *in);
/*
 * Forgets what was learned of @name (its profile changed: a new PIN, a new
 * subscription): breaker, failures, quarantine, its location outcomes.
 */
void pol_forget_learned(struct policy *p, const char *name);
/* Sets the policy's clock before the first event (the owner's epoch). */
static inline void pol_set_clock(struct policy *p, uint64_t now_ms) { p->now = now_ms; }

/* Adds or replaces a profile by name; 0, or -1 when full. */
int pol_add_profile(struct policy *p, const struct pol_profile *pp);
/* Forgets a profile (its file is gone); the one in use is left at the next failure. */
void pol_remove_profile(struct policy *p, const char *name);

/*
 * Feeds one event at @now_ms (monotonic, never going back).  Writes up to
 * @max actions to @out and returns their number (POL_ACTIONS_MAX is always
 * enough).
 */
unsigned int pol_step(struct policy *p, uint64_t now_ms, const struct pol_event *ev,
		      struct pol_action *out, unsigned int max);

/* When the policy wants a POL_EV_TIMER; 0 for never. */
uint64_t pol_deadline(const struct policy *p);

/* The ranking as of @now_ms, seeds only, best first; returns the count. */
unsigned int pol_ranking(const struct policy *p, uint64_t now_ms, struct pol_rank *out,
			 unsigned int max);

/* Fills @a: its kind, profile (NULL: none), no cause, and why from @fmt. */
void pol_action_vset(struct pol_action *a, enum pol_action_kind k, const char *profile,
		     const char *fmt, va_list ap);

/*
 * The next of the @max slots of @out (*@n used, counted up), or past them a
 * spill slot whose contents are lost.
 */
struct pol_action *pol_action_next(struct pol_action *out, unsigned int *n, unsigned int max);

/* The index of the profile named @name among @prof[0..@n), or -1. */
int pol_find_profile(const struct pol_profile *prof, unsigned int n, const char *name);
/* The index of the first master seed among @prof[0..@n), or -1. */
int pol_find_master(const struct pol_profile *prof, unsigned int n);
/* Whether @pp may attach to @plmn (no PLMN list: any network). */
bool pol_allows_plmn(const struct pol_profile *pp, const char *plmn);
/* The RATs both @pp (0: all) and the modem of @c (0: all) have. */
unsigned int pol_profile_rats(const struct pol_config *c, const struct pol_profile *pp);
/* The comprehensive evaluation index of CN105491555A: a*A1 + b*B1 with @c's weights. */
double pol_index(const struct pol_config *c, double a1, double b1);

/* A1 of @dbm on @rat's fixed bounds, 0..1 */
double pol_signal_norm(enum pol_rat rat, int32_t dbm);
/* B1 of @tariff on the configured range, 0..1 (cheaper higher) */
double pol_tariff_norm(const struct pol_config *c, double tariff);

const char *pol_phase_name(enum pol_phase ph);
const char *pol_stage_name(enum pol_stage s);
const char *pol_action_name(enum pol_action_kind k);
const char *pol_req_name(enum pol_srv_req r);
/* What a reject cause means to the policy: "sim", "location", "congestion", "other" */
const char *pol_cause_class(int cause);

#endif
