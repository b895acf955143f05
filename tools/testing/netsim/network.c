// SPDX-License-Identifier: GPL-2.0
/*
 * netsim's network: attach (authentication with libosmocore as the AuC,
 * then registration against the subscriber database and the roaming
 * agreements), the single-attach check per IMSI, failure injection per
 * stage, and the data link: a veth pair into the "internet" namespace
 * while a PDP context is active.
 *
 * Reject causes (TS 24.301 §9.9.3.9) the network gives: unknown IMSI #8,
 * barred #3, expired #8, no roaming agreement #11, a wrong RES #3 (an
 * Authentication Reject, which the UE treats as #3), a MAC failure the UE
 * reports #20; injected ones as the scenario says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <osmocom/crypt/auth.h>

#include "netsim.h"

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		ns_log("command failed (%d): %s", rc, cmd);
	return rc;
}

struct ns_fail *net_fail(struct ns_modem *m, enum ns_stage st, const char *plmn)
{
	unsigned int i;

	for (i = 0; i < ns.sc.n_fails; i++) {
		struct ns_fail *f = &ns.sc.fails[i];

		if (f->stage != st || (f->imsi[0] && strcmp(f->imsi, m->imsi)) ||
		    (f->plmn[0] && plmn && strcmp(f->plmn, plmn)) ||
		    (f->count && f->used >= f->count))
			continue;
		f->used++;
		return f;
	}
	return NULL;
}

const struct ns_operator *net_operator(int loc, const char *plmn)
{
	const struct ns_location *l = &ns.sc.locs[loc];
	unsigned int i;

	for (i = 0; i < l->n_ops; i++)
		if (!strcmp(l->ops[i].plmn, plmn))
			return &l->ops[i];
	return NULL;
}

static struct ns_subscriber *find_sub(const char *imsi)
{
	unsigned int i;

	for (i = 0; i < ns.sc.n_subs; i++)
		if (!strcmp(ns.sc.subs[i].imsi, imsi))
			return &ns.sc.subs[i];
	return NULL;
}

static void reject(struct ns_modem *m, int cause, const char *why)
{
	m->rejects++;
	snprintf(m->ceer, sizeof(m->ceer), "EMM cause #%d: %s", cause, why);
	ns_log("%s: IMSI %s on %s: rejected, cause #%d (%s)", m->cfg->name, m->imsi, m->plmn,
	       cause, why);
	modem_set_reg(m, REG_DENIED, cause);
}

/* TS 33.102 Annex C.1.1 for XOR, which libosmocore does not step */
static void xor_next_sqn(struct osmo_sub_auth_data *aud, const struct ns_subscriber *u)
{
	if (u->algo == ALGO_XOR)
		aud->u.umts.sqn = (((aud->u.umts.sqn >> u->ind_bits) + 1) << u->ind_bits) | u->ind;
}

/*
 * One authentication: the AuC's vector, AUTHENTICATE on the card, and on a
 * synchronisation failure the AUTS to the AuC and one more try.  Returns 0
 * or the reject cause.
 */
static int authenticate(struct ns_modem *m, struct ns_subscriber *u)
{
	struct osmo_sub_auth_data aud;
	struct osmo_auth_vector v;
	uint8_t rand[16], rand2[16], res[16], auts[14];
	unsigned int res_len = 0;
	int rc, cause = 0;

	memset(&aud, 0, sizeof(aud));
	aud.type = OSMO_AUTH_TYPE_UMTS;
	aud.algo = u->algo == ALGO_XOR ? OSMO_AUTH_ALG_XOR : OSMO_AUTH_ALG_MILENAGE;
	memcpy(aud.u.umts.k, u->k, 16);
	memcpy(aud.u.umts.opc, u->opc, 16);
	aud.u.umts.amf[0] = 0x80;	/* the E-UTRAN separation bit */
	aud.u.umts.sqn = u->sqn;
	aud.u.umts.ind_bitlen = u->ind_bits;
	aud.u.umts.ind = u->ind;
	if (getrandom(rand, 16, 0) != 16 || getrandom(rand2, 16, 0) != 16) {
		cause = 17;
		goto out;
	}
	xor_next_sqn(&aud, u);
	if (osmo_auth_gen_vec(&v, &aud, rand)) {
		ns_log("%s: the AuC could not make a vector", m->cfg->name);
		cause = 17;		/* network failure */
		goto out;
	}
	u->auths++;
	if (modem_slot_physical(m)) {
		/* a physical card: its keys are the subscriber's, which netsim
		 * holds; it answers as the AuC expects (no APDUs, no resync) */
		memcpy(res, v.res, v.res_len);
		res_len = v.res_len;
		m->auths++;
		rc = 0;
	} else {
		rc = modem_card_authenticate(m, rand, v.autn, res, &res_len, auts);
	}
	if (rc == 1) {
		/* libosmocore's XOR checks MAC-S with the new RAND (see osmo_auth.c) */
		if (osmo_auth_gen_vec_auts(&v, &aud, auts, rand,
					   u->algo == ALGO_XOR ? rand : rand2)) {
			ns_log("%s: IMSI %s: the AuC refused the card's AUTS", m->cfg->name, m->imsi);
			cause = 21;	/* synch failure */
			goto out;
		}
		if (u->algo == ALGO_XOR) {
			aud.u.umts.sqn = aud.u.umts.sqn_ms;
			xor_next_sqn(&aud, u);
			if (osmo_auth_gen_vec(&v, &aud, rand2)) {
				cause = 17;
				goto out;
			}
		}
		u->resyncs++;
		m->resyncs++;
		ns_log("%s: IMSI %s: synchronisation failure; the AuC took the AUTS, SQN "
		       "resynchronised", m->cfg->name, m->imsi);
		u->auths++;
		rc = modem_card_authenticate(m, rand2, v.autn, res, &res_len, auts);
	}
	u->sqn = aud.u.umts.sqn;
	if (rc == 2) {
		u->mac_failures++;
		cause = 20;
	} else if (rc == 1) {
		cause = 21;
	} else if (rc < 0) {
		cause = 3;	/* no valid answer: Authentication Reject */
	} else if (res_len != v.res_len || memcmp(res, v.res, res_len)) {
		cause = 3;
	}
out:
	explicit_bzero(&aud, sizeof(aud));
	explicit_bzero(&v, sizeof(v));
	explicit_bzero(res, sizeof(res));
	return cause;
}

static bool roaming_allowed(const struct ns_subscriber *u, const char *plmn)
{
	unsigned int i;

	if (!strcmp(u->home, plmn))
		return true;
	for (i = 0; i < u->n_roam; i++)
		if (!strcmp(u->roam[i], plmn))
			return true;
	return false;
}

void net_attach(struct ns_modem *m, const struct ns_operator *op, int rat)
{
	struct ns_subscriber *u = find_sub(m->imsi);
	struct ns_fail *f;
	int cause;

	m->flap_ms = 0;
	f = net_fail(m, STAGE_AUTH, op->plmn);
	if (f && f->mode == FAIL_REJECT)
		return reject(m, f->cause, "authentication refused (injected)");
	if (!u)
		return reject(m, 8, "IMSI unknown in HSS");
	cause = authenticate(m, u);
	if (cause)
		return reject(m, cause, cause == 20 ? "MAC failure" : cause == 21 ?
			      "synch failure" : "authentication failed");
	f = net_fail(m, STAGE_REGISTER, op->plmn);
	if (f && f->mode == FAIL_REJECT)
		return reject(m, f->cause, "registration refused (injected)");
	if (u->status == SUB_BARRED)
		return reject(m, 3, "subscriber barred");
	if (u->status == SUB_EXPIRED)
		return reject(m, 8, "subscription expired");
	if (!roaming_allowed(u, op->plmn))
		return reject(m, 11, "no roaming agreement");
	if (u->attached >= 0 && u->attached != m->idx)
		ns_failure("IMSI %s attached on %s while it is attached on %s", u->imsi,
			   m->cfg->name, ns.modems[u->attached].cfg->name);
	u->attached = m->idx;
	m->sub = (int)(u - ns.sc.subs);
	m->attaches++;
	m->ceer[0] = 0;
	if (modem_card_write_locations(m))
		ns_log("%s: could not write LOCI/PSLOCI/EPSLOCI", m->cfg->name);
	ns_log("%s: IMSI %s attached to %s (%s), %s, RAT act %d, TAC %04X", m->cfg->name, m->imsi,
	       op->plmn, op->name, strcmp(u->home, op->plmn) ? "roaming" : "home", ns_act[rat],
	       op->tac);
	modem_set_reg(m, strcmp(u->home, op->plmn) ? REG_ROAMING : REG_HOME, -1);
	if (f && f->mode == FAIL_FLAP) {
		m->flap_ms = f->ms ? f->ms : 1000;
		m->flap_at = ns_now() + m->flap_ms;
	}
}

/*
 * The network forgets the IMSI first, then the data path goes: taking the
 * link down runs ip(8), which takes seconds on the debug kernel, and the
 * network's view (attached or not, the double-attach check) is the
 * detach's, not the plumbing's.
 */
void net_detach(struct ns_modem *m, const char *why)
{
	if (m->sub >= 0) {
		struct ns_subscriber *u = &ns.sc.subs[m->sub];

		if (u->attached == m->idx)
			u->attached = -1;
		ns_log("%s: IMSI %s detached (%s)", m->cfg->name, u->imsi, why);
	}
	if (m->pdp_active)
		net_pdp_deactivate(m);
	m->sub = -1;
	m->flap_ms = 0;
}

int net_pdp_activate(struct ns_modem *m, unsigned int *delay_ms)
{
	struct ns_fail *f = net_fail(m, STAGE_DIAL, m->plmn), *d;
	int i = m->idx;

	if (f && f->mode == FAIL_REJECT) {
		snprintf(m->ceer, sizeof(m->ceer), "PDP activation rejected: +CME ERROR %d",
			 f->cause);
		ns_log("%s: PDP activation rejected (+CME ERROR: %d)", m->cfg->name, f->cause);
		return f->cause;
	}
	if (f && f->mode == FAIL_SILENCE) {
		ns_log("%s: PDP activation: the network does not answer", m->cfg->name);
		return -2;
	}
	if (f && f->mode == FAIL_DELAY)
		*delay_ms += f->ms;
	snprintf(m->addr, sizeof(m->addr), "10.64.%d.2", i);
	if (ns.sc.datalink) {
		const char *n = ns.sc.netns;

		run("ip link del nsim%d 2>/dev/null || true", i);
		if (run("ip link add nsim%d type veth peer name nsimi%d netns %s", i, i, n) ||
		    run("ip addr add 10.64.%d.2/30 dev nsim%d", i, i) ||
		    run("ip -n %s addr add 10.64.%d.1/30 dev nsimi%d", n, i, i) ||
		    run("ip link set nsim%d up", i) || run("ip -n %s link set nsimi%d up", n, i)) {
			snprintf(m->ceer, sizeof(m->ceer), "data link could not be set up");
			run("ip link del nsim%d 2>/dev/null || true", i);
			return 148;
		}
		d = net_fail(m, STAGE_DATA, m->plmn);
		m->blackhole_at = 0;
		m->blackholed = false;
		if (d && d->mode == FAIL_BLACKHOLE) {
			/* up and routed; the black hole opens later (modem_tick) */
			run("ip route add %s/32 via 10.64.%d.1 dev nsim%d metric %d", ns.sc.server,
			    i, i, i);
			m->blackhole_at = ns_now() + (d->ms ? d->ms : 1);
			ns_log("%s: data: the link goes black in %u ms (fail %s)", m->cfg->name,
			       d->ms, d->name);
			d = NULL;
		} else if (d && d->mode == FAIL_REJECT)
			run("ip route add prohibit %s/32 metric %d", ns.sc.server, i);
		else if (d && d->mode == FAIL_SILENCE)
			run("ip -n %s link set nsimi%d down", n, i);
		else
			run("ip route add %s/32 via 10.64.%d.1 dev nsim%d metric %d", ns.sc.server,
			    i, i, i);
		if (d)
			ns_log("%s: data: the internet %s (fail %s)", m->cfg->name,
			       d->mode == FAIL_REJECT ? "refuses" : "does not answer", d->name);
	}
	m->pdp_active = true;
	m->pdp_up++;
	ns_log("%s: PDP context 1 active, APN %s, address %s", m->cfg->name, m->apn, m->addr);
	return 0;
}

/*
 * The data link drops everything while the modem stays registered and PDP
 * context 1 active: the internet routes the device's address into a black
 * hole, so requests may arrive and no answer ever comes back.
 */
void net_blackhole(struct ns_modem *m)
{
	m->blackhole_at = 0;
	if (!m->pdp_active || m->blackholed || !ns.sc.datalink)
		return;
	run("ip -n %s route add blackhole 10.64.%d.2/32", ns.sc.netns, m->idx);
	m->blackholed = true;
	m->blackholes++;
	ns_log("%s: data: black hole: the link drops all traffic (still registered, PDP active)",
	       m->cfg->name);
}

void net_pdp_deactivate(struct ns_modem *m)
{
	if (!m->pdp_active)
		return;
	m->blackhole_at = 0;
	if (m->blackholed)
		run("ip -n %s route del blackhole 10.64.%d.2/32 2>/dev/null || true",
		    ns.sc.netns, m->idx);
	m->blackholed = false;
	if (ns.sc.datalink) {
		run("ip link del nsim%d", m->idx);
		/* only there when the data stage was refused */
		run("ip route del prohibit %s/32 metric %d 2>/dev/null || true", ns.sc.server,
		    m->idx);
	}
	m->pdp_active = false;
	m->addr[0] = 0;
	ns_log("%s: PDP context 1 down", m->cfg->name);
}

int net_init(void)
{
	const char *n = ns.sc.netns;

	if (!ns.sc.datalink)
		return 0;
	if (system("command -v ip >/dev/null")) {
		fprintf(stderr, "netsim: the data link needs ip (install iproute2: make deps)\n");
		return -1;
	}
	run("ip netns del %s 2>/dev/null || true", n);
	if (run("ip netns add %s", n) || run("ip -n %s link set lo up", n) ||
	    run("ip -n %s addr add %s/32 dev lo", n, ns.sc.server))
		return -1;
	ns_log("the internet: namespace %s, server %s", n, ns.sc.server);
	return 0;
}

void net_exit(void)
{
	if (ns.sc.datalink)
		run("ip netns del %s", ns.sc.netns);
}
