/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netsim: a simulated modem, network and data link that drive the real
 * card.  See Documentation/dev-tools/netsim.rst for the scenario format.
 *
 *   scenario.c  the scenario file
 *   modem.c     the modem: the SIM interface on /dev/vuiccN and the AT port
 *   network.c   the network: PLMN selection, the libosmocore AuC,
 *               registration, failure injection, the data link
 *   netsim.c    the event loop, timers, scenario events, the report
 */
#ifndef NETSIM_H
#define NETSIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/t0term.h"

#define NS_MODEMS_MAX	8
#define NS_LOCS_MAX	8
#define NS_OPS_MAX	8
#define NS_SUBS_MAX	32
#define NS_FAILS_MAX	16
#define NS_EVENTS_MAX	32
#define NS_ROAM_MAX	8
#define NS_FPLMN_MAX	16
#define NS_NAME_MAX	32
#define NS_SLOTS_MAX	2		/* SIM slots of a modem (the slot commands address 2) */
#define NS_PATH_MAX	256

enum ns_rat { RAT_GSM, RAT_UMTS, RAT_LTE, RAT_N };
#define RAT_BIT(r)	(1u << (r))
/* TS 27.007 <AcT> of each RAT */
static const int ns_act[RAT_N] = { 0, 2, 7 };

enum ns_stage { STAGE_AUTH, STAGE_REGISTER, STAGE_DIAL, STAGE_DATA, STAGE_N };
enum ns_fail_mode { FAIL_REJECT, FAIL_SILENCE, FAIL_DELAY, FAIL_FLAP, FAIL_BLACKHOLE };
enum ns_sub_status { SUB_ACTIVE, SUB_EXPIRED, SUB_BARRED };
enum ns_algo { ALGO_MILENAGE, ALGO_XOR };

struct ns_operator {
	char plmn[7];
	char name[NS_NAME_MAX];
	unsigned int rats;		/* RAT_BIT()s */
	int signal[RAT_N];		/* dBm: RSSI (GSM), RSCP (UMTS), RSRP (LTE) */
	uint32_t tac, ci;
};

struct ns_location {
	char name[NS_NAME_MAX];
	unsigned int n_ops;
	struct ns_operator ops[NS_OPS_MAX];
};

struct ns_subscriber {
	char imsi[16];
	enum ns_algo algo;
	uint8_t k[16], opc[16];
	uint64_t sqn;
	unsigned int ind_bits, ind;
	enum ns_sub_status status;
	char home[7];
	unsigned int n_roam;
	char roam[NS_ROAM_MAX][7];
	int attached;			/* modem index, -1 */
	unsigned long auths, resyncs, mac_failures;
};

struct ns_fail {
	char name[NS_NAME_MAX];
	enum ns_stage stage;
	enum ns_fail_mode mode;
	int cause;			/* reject: the cause (or +CME ERROR code for dial) */
	unsigned int ms;		/* delay, the flap period, or when the black hole opens */
	char imsi[16];			/* "": any */
	char plmn[7];			/* "": any */
	unsigned int count;		/* times it applies; 0: always */
	unsigned int used;
};

enum ns_event_kind { EV_MOVE, EV_SIGNAL, EV_END };

struct ns_event {
	uint64_t at_ms;
	enum ns_event_kind kind;
	int modem;
	char loc[NS_NAME_MAX];
	char plmn[7];
	int rat, dbm;
	bool done;
};

/* the modem families netsim answers as (identity, survey command, ports) */
enum ns_dialect { DIALECT_GENERIC, DIALECT_QUECTEL, DIALECT_TELIT, DIALECT_UBLOX };

struct ns_modem_cfg {
	char name[NS_NAME_MAX];
	unsigned int card;
	char at_link[NS_PATH_MAX];
	char at2_link[NS_PATH_MAX];	/* a second AT port ("" none), as USB modules have */
	enum ns_dialect dialect;
	unsigned int survey_ms;		/* the survey's duration (0: the dialect's) */
	int loc;
	unsigned int rats;
	unsigned int at_delay_ms, boot_ms, search_ms, attach_ms, pdp_ms, scan_ms;
	unsigned int attach_timeout_ms;	/* T3410 */
	/* the SIM interface: /dev/vuiccN, or a T=0 line on a pty (sim = t0) */
	bool sim_t0;
	bool sim_pps;			/* ask for TA1's F/D after each ATR */
	unsigned int sim_clock;		/* Hz */
	unsigned int sim_poll_ms;	/* T=0: the presence check (STATUS) */
	char sim_link[NS_PATH_MAX];	/* T=0: a symlink to the card side's tty */
	/* sim = sap ADDRESS: the card through a SIM Access Profile server */
	bool sim_sap;
	char sim_sap_addr[NS_PATH_MAX];	/* unix:PATH, tcp:HOST:PORT, rfcomm:BDADDR:CH */
	/*
	 * SIM slots ("slotN = card IMSI [ICCID]" or "slotN = vuicc"): none
	 * given, the modem has vuicc's card alone.  A physical card's keys are
	 * its [subscriber]'s: netsim authenticates it internally, no APDUs.
	 */
	unsigned int n_slots;		/* the highest slot given; 0 none */
	struct ns_slot {
		bool used, vuicc;
		char imsi[16], iccid[21];
	} slots[NS_SLOTS_MAX];
	unsigned int active_slot;	/* the one selected at start (1-based; default 1) */
};

struct ns_scenario {
	char file[NS_PATH_MAX];
	unsigned int duration_ms;	/* 0: until SIGTERM */
	char netns[NS_NAME_MAX];	/* "the internet" */
	char server[16];		/* an address in it */
	bool datalink;			/* veth pairs on PDP activation */
	unsigned int n_modems, n_locs, n_subs, n_fails, n_events;
	struct ns_modem_cfg modems[NS_MODEMS_MAX];
	struct ns_location locs[NS_LOCS_MAX];
	struct ns_subscriber subs[NS_SUBS_MAX];
	struct ns_fail fails[NS_FAILS_MAX];
	struct ns_event events[NS_EVENTS_MAX];
};

/* scenario.c: 0, or -1 with "FILE:LINE: what" in @err */
int ns_scenario_load(const char *path, struct ns_scenario *s, char *err, size_t errlen);
int ns_find_loc(const struct ns_scenario *s, const char *name);

/* ---- the running simulation ---- */

enum ns_reg { REG_NOT = 0, REG_HOME = 1, REG_SEARCHING = 2, REG_DENIED = 3, REG_ROAMING = 5 };

enum ns_proc {
	PROC_IDLE,		/* nothing to do */
	PROC_BOOT,		/* reading the card */
	PROC_SEARCH,		/* looking for a network */
	PROC_ATTACH,		/* authentication and registration */
	PROC_SILENT,		/* the network does not answer: T3410 runs */
};

/* An AT port: a pty whose master netsim holds. */
struct ns_port {
	int ptm;
	char pts[64];
	char in[1024];
	size_t in_len;
	bool in_overflow;
	bool echo;
	bool busy;			/* a command's answer is on its way */
	bool abortable;			/* ... and a character sent now aborts it */
	const char *abort_text;		/* its final result then ("OK" when NULL) */
	bool cops_wait;			/* a manual +COPS waits for the attempt */
	uint64_t resp_at;
	char resp[8192];
	size_t resp_len;
	/* URCs held while a command is answered, sent after its final result */
	char urcs[2048];
	size_t urcs_len;
	unsigned long aborted;		/* commands aborted by a character */
};

/* sap_client.c: a SIM Access Profile (SAP V11r00) client */
#define NS_SAP_BUF	1024		/* the longest message taken */
#define NS_SAP_MSG_SIZE	300		/* the MaxMsgSize asked first */
enum { NS_SAP_ST_UNKNOWN, NS_SAP_ST_RESET, NS_SAP_ST_NOT_ACCESSIBLE, NS_SAP_ST_REMOVED,
       NS_SAP_ST_INSERTED, NS_SAP_ST_RECOVERED };

struct ns_sap {
	int fd;
	uint8_t in[NS_SAP_BUF];
	size_t in_len;
	uint16_t msg_size;		/* negotiated */
	bool powered;			/* the card, as the client believes */
	bool lost;			/* the link is gone (closed, DISCONNECT_IND, garbage) */
	bool in_reset;			/* a STATUS_IND card reset now is our own reset's */
	uint8_t status[8];		/* STATUS_IND changes not yet seen by the modem */
	unsigned int n_status;
	unsigned long inds;		/* indications received */
};

/* connects and negotiates MaxMsgSize: the first STATUS_IND's change, or -errno */
int nsap_open(struct ns_sap *s, const char *addr, char *err, size_t errlen);
void nsap_close(struct ns_sap *s);
/* powers the card on (or resets it) and fetches the ATR: 0 or -errno */
int nsap_power_on(struct ns_sap *s, uint8_t *atr, size_t *atr_len);
int nsap_power_off(struct ns_sap *s);
/* an APDU (the server plays the T=0 terminal): the response's length or -errno */
long nsap_apdu(struct ns_sap *s, const uint8_t *c, size_t len, uint8_t *rsp, size_t max);
/* reads what the server sent unasked: 0, or -ECONNRESET when the link is gone */
int nsap_poll(struct ns_sap *s);
/* the oldest STATUS_IND change not yet taken, or -1 */
int nsap_next_status(struct ns_sap *s);

struct ns_modem {
	const struct ns_modem_cfg *cfg;
	int idx;
	struct ns_port port[2];		/* [0] the main AT port (URCs), [1] the second */
	struct ns_port *io;		/* the port whose command is being answered */
	int cfd;			/* /dev/vuiccN */
	/* sim = t0: the terminal's end of the line, the card side's tty held open */
	int sim_io, sim_hold;
	char sim_pts[64];
	struct t0term t0;
	uint64_t sim_poll_at;
	unsigned long sim_lost;		/* the card went silent (presence check) */
	bool sim_boot_ok;		/* the last boot read the card */
	bool sim_warm;			/* the next activation is a warm reset */
	/* sim = sap: the client, and when to try a lost server again */
	struct ns_sap sap;
	uint64_t sap_retry_at;
	unsigned long sap_links;	/* connections made */
	/* the AT ports' shared settings */
	int cmee, cfun;
	int reg_n[3];			/* +CREG, +CGREG, +CEREG */
	unsigned long urcs_lost;	/* held URCs that did not fit */
	char ceer[80];
	/* the card */
	bool card_present, card_ready;
	/* PIN1 (TS 27.007 §8.3), as the card says: PIN_NONE when it is not
	 * enabled or was verified since the card's power-up */
	enum { PIN_NONE, PIN_SIM_PIN, PIN_SIM_PUK } pin_need;
	int pin_tries;			/* the card's PIN1 counter; -1 unknown */
	char iccid[21], imsi[16];
	unsigned int mnc_len;
	unsigned int n_fplmn;
	char fplmn[NS_FPLMN_MAX][7];
	/* the network */
	int loc;
	int cops_mode;			/* 0 automatic, 1 manual, 2 deregistered */
	char cops_plmn[7];
	int stat, act, rat;
	char plmn[7];
	uint32_t tac, ci;
	int reject_cause;		/* -1: none */
	enum ns_proc proc;
	uint64_t proc_at;
	unsigned int tried;		/* PLMNs tried in this search */
	char tried_plmn[NS_OPS_MAX][7];
	int sub;			/* the subscriber it is attached as; -1 */
	uint64_t flap_at;
	unsigned int flap_ms;
	/* PDP context 1 */
	char apn[64];
	bool pdp_defined, pdp_active;
	char addr[16];
	/* SIM slots: the selected one (1-based; 0: no slots); whether vuicc's
	 * card has a profile while another slot is selected */
	unsigned int slot;
	unsigned int slot_next;		/* selected once the command's OK is out; 0 none */
	bool vuicc_present;
	unsigned long slot_switches;
	/* [fail] stage data mode blackhole: the link drops all traffic from then */
	uint64_t blackhole_at;		/* 0: none pending */
	bool blackholed;
	/* counters for the report */
	unsigned long boots, attaches, auths, resyncs, rejects, pdp_up, at_cmds;
	unsigned long pin_verifies, pin_wrong;	/* VERIFY PIN1 with a value; refused */
	unsigned long blackholes;	/* data links black-holed */
};

struct netsim {
	struct ns_scenario sc;
	struct ns_modem modems[NS_MODEMS_MAX];
	uint64_t t0;
	unsigned long failures;		/* scenario failures (IMSI attached twice, ...) */
	bool stop;
	FILE *log;
};

extern struct netsim ns;

uint64_t ns_now(void);			/* ms since the start */
void ns_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ns_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* modem.c */
int modem_open(struct ns_modem *m);
void modem_close(struct ns_modem *m);
void modem_at_input(struct ns_modem *m, unsigned int port);
void modem_card_event(struct ns_modem *m);
/* whether the selected slot holds a physical card (its keys netsim's) */
bool modem_slot_physical(const struct ns_modem *m);
/* the SIM interface (sim.c): /dev/vuiccN or a T=0 line */
int sim_open(struct ns_modem *m);
void sim_close(struct ns_modem *m);
/* a cold reset; on a T=0 line a warm one when @m->sim_warm says so (then cleared) */
int sim_power_on(struct ns_modem *m);
void sim_power_off(struct ns_modem *m);
/* an APDU; with @t0 GET RESPONSE after 61xx and the command again after 6Cxx */
long sim_apdu(struct ns_modem *m, const uint8_t *c, size_t len, uint8_t *r, size_t max, bool t0);
/* T=0: 1 when the card still answers the presence check, 0 when it is silent */
int sim_present(struct ns_modem *m);
/* sim = sap: the server's address; connect: 1 a card is there, 0 not (or no link) */
const char *sim_sap_addr(const struct ns_modem *m, char *buf, size_t len);
int sim_sap_connect(struct ns_modem *m);
void modem_tick(struct ns_modem *m, uint64_t now);
uint64_t modem_deadline(const struct ns_modem *m);
void modem_set_reg(struct ns_modem *m, int stat, int cause);
void modem_moved(struct ns_modem *m, int loc);
int modem_card_write_locations(struct ns_modem *m);
int modem_card_add_fplmn(struct ns_modem *m, const char *plmn);
/* AUTHENTICATE: 0 success (res), 1 sync failure (auts), 2 MAC failure, -1 error */
int modem_card_authenticate(struct ns_modem *m, const uint8_t *rand, const uint8_t *autn,
			    uint8_t *res, unsigned int *res_len, uint8_t *auts);

/* network.c */
int net_init(void);
void net_exit(void);
/* one attach attempt of @m on @plmn at its location; sets the modem's state */
void net_attach(struct ns_modem *m, const struct ns_operator *op, int rat);
void net_detach(struct ns_modem *m, const char *why);
/* PDP activation: 0, or a +CME ERROR code; -2: no answer (silence) */
int net_pdp_activate(struct ns_modem *m, unsigned int *delay_ms);
void net_pdp_deactivate(struct ns_modem *m);
/* [fail] stage data mode blackhole: the link drops all traffic from now */
void net_blackhole(struct ns_modem *m);
struct ns_fail *net_fail(struct ns_modem *m, enum ns_stage st, const char *plmn);
const struct ns_operator *net_operator(int loc, const char *plmn);

#endif
