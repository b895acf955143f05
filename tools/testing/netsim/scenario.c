// SPDX-License-Identifier: GPL-2.0
/*
 * netsim's scenario file: "[section NAME]" headers, "key = value" lines and
 * '#' comments (Documentation/dev-tools/netsim.rst).  Every error names the
 * file, the line and the key.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "lib/lines.h"

struct parse {
	struct ns_scenario *s;
	struct lines l;
	enum { SEC_NONE, SEC_NETSIM, SEC_MODEM, SEC_LOCATION, SEC_SUB, SEC_FAIL,
	       SEC_EVENTS } sec;
	/* names to resolve after the whole file is read */
	char modem_loc[NS_MODEMS_MAX][NS_NAME_MAX];
	char ev_modem[NS_EVENTS_MAX][NS_NAME_MAX];
	unsigned int ev_line[NS_EVENTS_MAX];
};

/* an error about the line being read (or, at line 0, about the whole file) */
#define perr(p, ...) lines_err(&(p)->l, NULL, __VA_ARGS__)

static int num(struct parse *p, const char *key, const char *v, long long lo, long long hi,
	       long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 0);
	if (errno || end == v || *end || *out < lo || *out > hi)
		return perr(p, "key '%s': '%s' is not a number in %lld..%lld", key, v, lo, hi);
	return 0;
}

static int uint_key(struct parse *p, const char *key, const char *v, unsigned int hi,
		    unsigned int *out)
{
	long long x;

	if (num(p, key, v, 0, hi, &x))
		return -1;
	*out = (unsigned int)x;
	return 0;
}

static int copy(struct parse *p, const char *key, const char *v, char *dst, size_t len)
{
	if (!*v || strlen(v) >= len)
		return perr(p, "key '%s': empty or longer than %zu characters", key, len - 1);
	strcpy(dst, v);
	return 0;
}

static bool is_plmn(const char *v)
{
	size_t n = strlen(v), i;

	if (n != 5 && n != 6)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

static int plmn_key(struct parse *p, const char *key, const char *v, char *dst)
{
	if (!is_plmn(v))
		return perr(p, "key '%s': '%s' is not a PLMN (MCC and MNC, 5 or 6 digits)",
			    key, v);
	strcpy(dst, v);
	return 0;
}

static int hex16(struct parse *p, const char *key, const char *v, uint8_t *out)
{
	unsigned int i, b;

	if (strlen(v) != 32)
		return perr(p, "key '%s': 16 bytes in hex (32 digits)", key);
	for (i = 0; i < 16; i++) {
		if (!isxdigit((unsigned char)v[2 * i]) || !isxdigit((unsigned char)v[2 * i + 1]) ||
		    sscanf(v + 2 * i, "%2x", &b) != 1)
			return perr(p, "key '%s': not hex", key);
		out[i] = (uint8_t)b;
	}
	return 0;
}

static int rat_of(const char *v)
{
	if (!strcmp(v, "gsm"))
		return RAT_GSM;
	if (!strcmp(v, "umts"))
		return RAT_UMTS;
	if (!strcmp(v, "lte"))
		return RAT_LTE;
	return -1;
}

static int rats_key(struct parse *p, const char *key, const char *v, unsigned int *out)
{
	char buf[64], *tok, *save;
	int r;

	if (strlen(v) >= sizeof(buf))
		return perr(p, "key '%s': too long", key);
	strcpy(buf, v);
	*out = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		r = rat_of(tok);
		if (r < 0)
			return perr(p, "key '%s': '%s' is not gsm, umts or lte", key, tok);
		*out |= RAT_BIT(r);
	}
	if (!*out)
		return perr(p, "key '%s': no RAT", key);
	return 0;
}

/* operator = plmn=00101 name=Test lte=-85 umts=-95 gsm=-70 tac=00c3 ci=1a2b3 */
static int operator_key(struct parse *p, struct ns_location *l, char *v)
{
	struct ns_operator *o;
	char *tok, *save, *eq;
	long long x;
	int r;

	if (l->n_ops >= NS_OPS_MAX)
		return perr(p, "key 'operator': more than %d operators here", NS_OPS_MAX);
	o = &l->ops[l->n_ops];
	memset(o, 0, sizeof(*o));
	for (tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return perr(p, "key 'operator': '%s' is not name=value", tok);
		*eq++ = 0;
		if (!strcmp(tok, "plmn")) {
			if (plmn_key(p, "operator plmn", eq, o->plmn))
				return -1;
		} else if (!strcmp(tok, "name")) {
			if (copy(p, "operator name", eq, o->name, sizeof(o->name)))
				return -1;
		} else if ((r = rat_of(tok)) >= 0) {
			if (num(p, tok, eq, -150, -20, &x))
				return -1;
			o->rats |= RAT_BIT(r);
			o->signal[r] = (int)x;
		} else if (!strcmp(tok, "tac") || !strcmp(tok, "ci")) {
			char *end;
			unsigned long u = strtoul(eq, &end, 16);

			if (!*eq || *end || u > (!strcmp(tok, "tac") ? 0xFFFFul : 0xFFFFFFFul))
				return perr(p, "key 'operator': %s '%s' is not hex in range", tok,
					    eq);
			if (!strcmp(tok, "tac"))
				o->tac = (uint32_t)u;
			else
				o->ci = (uint32_t)u;
		} else {
			return perr(p, "key 'operator': unknown field '%s'", tok);
		}
	}
	if (!o->plmn[0] || !o->rats)
		return perr(p, "key 'operator': needs plmn= and a signal (gsm=, umts=, lte=)");
	if (!o->name[0])
		strcpy(o->name, o->plmn);
	if (!o->tac)
		o->tac = 1;
	if (!o->ci)
		o->ci = 1;
	l->n_ops++;
	return 0;
}

static int stage_of(const char *v)
{
	static const char *const names[] = { "auth", "register", "dial", "data" };
	int i;

	for (i = 0; i < STAGE_N; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static int fail_key(struct parse *p, struct ns_fail *f, const char *key, const char *v)
{
	long long x;
	int i;

	if (!strcmp(key, "stage")) {
		i = stage_of(v);
		if (i < 0)
			return perr(p, "key 'stage': auth, register, dial or data");
		f->stage = i;
	} else if (!strcmp(key, "mode")) {
		if (!strcmp(v, "reject"))
			f->mode = FAIL_REJECT;
		else if (!strcmp(v, "silence"))
			f->mode = FAIL_SILENCE;
		else if (!strcmp(v, "delay"))
			f->mode = FAIL_DELAY;
		else if (!strcmp(v, "flap"))
			f->mode = FAIL_FLAP;
		else if (!strcmp(v, "blackhole"))
			f->mode = FAIL_BLACKHOLE;
		else
			return perr(p, "key 'mode': reject, silence, delay, flap or blackhole");
	} else if (!strcmp(key, "cause")) {
		if (num(p, key, v, 1, 255, &x))
			return -1;
		f->cause = (int)x;
	} else if (!strcmp(key, "ms")) {
		return uint_key(p, key, v, 3600000, &f->ms);
	} else if (!strcmp(key, "imsi")) {
		return copy(p, key, v, f->imsi, sizeof(f->imsi));
	} else if (!strcmp(key, "plmn")) {
		return plmn_key(p, key, v, f->plmn);
	} else if (!strcmp(key, "count")) {
		return uint_key(p, key, v, 1000000, &f->count);
	} else {
		return perr(p, "unknown key '%s' in [fail]", key);
	}
	return 0;
}

static int sub_key(struct parse *p, struct ns_subscriber *u, const char *key, char *v)
{
	long long x;

	if (!strcmp(key, "algorithm")) {
		if (!strcmp(v, "milenage"))
			u->algo = ALGO_MILENAGE;
		else if (!strcmp(v, "xor"))
			u->algo = ALGO_XOR;
		else
			return perr(p, "key 'algorithm': milenage or xor");
	} else if (!strcmp(key, "k")) {
		return hex16(p, key, v, u->k);
	} else if (!strcmp(key, "opc")) {
		return hex16(p, key, v, u->opc);
	} else if (!strcmp(key, "sqn")) {
		if (num(p, key, v, 0, 0xFFFFFFFFFFFFll, &x))
			return -1;
		u->sqn = (uint64_t)x;
	} else if (!strcmp(key, "ind_bits")) {
		return uint_key(p, key, v, 10, &u->ind_bits);
	} else if (!strcmp(key, "ind")) {
		return uint_key(p, key, v, 1023, &u->ind);
	} else if (!strcmp(key, "status")) {
		if (!strcmp(v, "active"))
			u->status = SUB_ACTIVE;
		else if (!strcmp(v, "expired"))
			u->status = SUB_EXPIRED;
		else if (!strcmp(v, "barred"))
			u->status = SUB_BARRED;
		else
			return perr(p, "key 'status': active, expired or barred");
	} else if (!strcmp(key, "home")) {
		return plmn_key(p, key, v, u->home);
	} else if (!strcmp(key, "roaming")) {
		char *tok, *save;

		for (tok = strtok_r(v, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			if (u->n_roam >= NS_ROAM_MAX)
				return perr(p, "key 'roaming': more than %d PLMNs", NS_ROAM_MAX);
			if (plmn_key(p, key, tok, u->roam[u->n_roam++]))
				return -1;
		}
	} else {
		return perr(p, "unknown key '%s' in [subscriber]", key);
	}
	return 0;
}

/* "slotN = card IMSI [ICCID]" (a physical card) or "slotN = vuicc" */
static int slot_key(struct parse *p, struct ns_modem_cfg *m, const char *key, const char *v)
{
	unsigned int n = (unsigned int)(key[4] - '0');
	struct ns_slot *sl = &m->slots[n - 1];
	char imsi[32] = "", iccid[32] = "", extra[8] = "";
	int got;

	if (sl->used)
		return perr(p, "key '%s' given twice", key);
	if (!strcmp(v, "vuicc")) {
		sl->vuicc = true;
	} else {
		got = sscanf(v, "card %31s %31s %7s", imsi, iccid, extra);
		if (got < 1 || got > 2 || strlen(imsi) < 6 || strlen(imsi) > 15 ||
		    strspn(imsi, "0123456789") != strlen(imsi))
			return perr(p, "key '%s': 'card IMSI [ICCID]' or 'vuicc', not '%s'", key, v);
		if (got == 2 && (strlen(iccid) < 18 || strlen(iccid) > 20 ||
				 strspn(iccid, "0123456789") != strlen(iccid)))
			return perr(p, "key '%s': '%s' is not an ICCID (18 to 20 digits)", key, iccid);
		strcpy(sl->imsi, imsi);
		if (got == 2)
			strcpy(sl->iccid, iccid);
		else	/* made up: 89 (telecom), then the IMSI's digits, padded */
			snprintf(sl->iccid, sizeof(sl->iccid), "89%.15s%0*d", imsi,
				 (int)(17 - strlen(imsi)), 0);
	}
	sl->used = true;
	if (n > m->n_slots)
		m->n_slots = n;
	return 0;
}

static int modem_key(struct parse *p, struct ns_modem_cfg *m, const char *key, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} ms[] = {
		{ "at_delay_ms", offsetof(struct ns_modem_cfg, at_delay_ms) },
		{ "boot_ms", offsetof(struct ns_modem_cfg, boot_ms) },
		{ "search_ms", offsetof(struct ns_modem_cfg, search_ms) },
		{ "attach_ms", offsetof(struct ns_modem_cfg, attach_ms) },
		{ "pdp_ms", offsetof(struct ns_modem_cfg, pdp_ms) },
		{ "scan_ms", offsetof(struct ns_modem_cfg, scan_ms) },
		{ "survey_ms", offsetof(struct ns_modem_cfg, survey_ms) },
		{ "attach_timeout_ms", offsetof(struct ns_modem_cfg, attach_timeout_ms) },
	};
	size_t i;

	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (!strcmp(key, ms[i].key))
			return uint_key(p, key, v, 600000,
					(unsigned int *)((char *)m + ms[i].off));
	if (!strcmp(key, "card"))
		return uint_key(p, key, v, 63, &m->card);
	if (!strcmp(key, "sim")) {
		m->sim_sap = !strncmp(v, "sap", 3) && (!v[3] || v[3] == ' ' || v[3] == '\t');
		if (m->sim_sap) {
			/* sim = sap [ADDRESS]: none, unix:/run/vuicc-sapN.sock */
			const char *a = v + 3;

			a += strspn(a, " \t");
			if (*a && strncmp(a, "unix:", 5) && strncmp(a, "tcp:", 4) &&
			    strncmp(a, "rfcomm:", 7))
				return perr(p, "key 'sim': sap unix:PATH, tcp:HOST:PORT or rfcomm:BDADDR:CHANNEL, not '%s'", a);
			if (strlen(a) >= sizeof(m->sim_sap_addr))
				return perr(p, "key 'sim': address too long");
			strcpy(m->sim_sap_addr, a);
			m->sim_t0 = false;
			return 0;
		}
		if (strcmp(v, "t0") && strcmp(v, "chardev"))
			return perr(p, "key 'sim': t0, chardev or sap ADDRESS, not '%s'", v);
		m->sim_t0 = !strcmp(v, "t0");
		return 0;
	}
	if (!strcmp(key, "sim_pps")) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return perr(p, "key 'sim_pps': yes or no, not '%s'", v);
		m->sim_pps = !strcmp(v, "yes");
		return 0;
	}
	if (!strcmp(key, "sim_clock")) {
		if (uint_key(p, key, v, 20000000, &m->sim_clock))
			return -1;
		if (m->sim_clock < 1000000)
			return perr(p, "key 'sim_clock': 1000000 to 20000000 Hz");
		return 0;
	}
	if (!strcmp(key, "sim_poll_ms"))
		return uint_key(p, key, v, 600000, &m->sim_poll_ms);
	if (!strncmp(key, "slot", 4) && key[4] >= '1' && key[4] <= '0' + NS_SLOTS_MAX && !key[5])
		return slot_key(p, m, key, v);
	if (!strcmp(key, "active_slot")) {
		if (uint_key(p, key, v, NS_SLOTS_MAX, &m->active_slot))
			return -1;
		if (!m->active_slot)
			return perr(p, "key 'active_slot': 1 to %d", NS_SLOTS_MAX);
		return 0;
	}
	if (!strcmp(key, "sim_link"))
		return copy(p, key, v, m->sim_link, sizeof(m->sim_link));
	if (!strcmp(key, "at_link"))
		return copy(p, key, v, m->at_link, sizeof(m->at_link));
	if (!strcmp(key, "at2_link"))
		return copy(p, key, v, m->at2_link, sizeof(m->at2_link));
	if (!strcmp(key, "dialect")) {
		static const char *const d[] = { "generic", "quectel", "telit", "ublox" };
		size_t k;

		for (k = 0; k < sizeof(d) / sizeof(d[0]); k++)
			if (!strcmp(v, d[k])) {
				m->dialect = (enum ns_dialect)k;
				return 0;
			}
		return perr(p, "key 'dialect': generic, quectel, telit or ublox, not '%s'", v);
	}
	if (!strcmp(key, "location"))
		return copy(p, key, v, p->modem_loc[p->s->n_modems - 1], NS_NAME_MAX);
	if (!strcmp(key, "rats"))
		return rats_key(p, key, v, &m->rats);
	return perr(p, "unknown key '%s' in [modem]", key);
}

/* event = MS move MODEM LOCATION | MS signal LOCATION PLMN RAT DBM | MS end */
static int event_key(struct parse *p, char *v)
{
	struct ns_event *e;
	char *a[6], *save;
	int n = 0;
	long long x;

	if (p->s->n_events >= NS_EVENTS_MAX)
		return perr(p, "more than %d events", NS_EVENTS_MAX);
	e = &p->s->events[p->s->n_events];
	memset(e, 0, sizeof(*e));
	for (a[n] = strtok_r(v, " \t", &save); a[n] && n < 5; a[n] = strtok_r(NULL, " \t", &save))
		n++;
	if (n < 2 || num(p, "event", a[0], 0, 86400000, &x))
		return n < 2 ? perr(p, "key 'event': 'MS move|signal|end ...'") : -1;
	e->at_ms = (uint64_t)x;
	e->modem = -1;
	if (!strcmp(a[1], "move") && n == 4) {
		e->kind = EV_MOVE;
		if (strlen(a[2]) >= NS_NAME_MAX || strlen(a[3]) >= NS_NAME_MAX)
			return perr(p, "key 'event': name too long");
		strcpy(p->ev_modem[p->s->n_events], a[2]);
		strcpy(e->loc, a[3]);
	} else if (!strcmp(a[1], "signal") && n == 5) {
		char *rat = strchr(a[4], '=');

		e->kind = EV_SIGNAL;
		if (strlen(a[2]) >= NS_NAME_MAX || plmn_key(p, "event", a[3], e->plmn))
			return perr(p, "key 'event': MS signal LOCATION PLMN RAT=DBM");
		strcpy(e->loc, a[2]);
		if (!rat)
			return perr(p, "key 'event': MS signal LOCATION PLMN RAT=DBM");
		*rat++ = 0;
		e->rat = rat_of(a[4]);
		if (e->rat < 0 || num(p, "event", rat, -150, -20, &x))
			return perr(p, "key 'event': MS signal LOCATION PLMN RAT=DBM");
		e->dbm = (int)x;
	} else if (!strcmp(a[1], "end") && n == 2) {
		e->kind = EV_END;
	} else {
		return perr(p, "key 'event': 'MS move MODEM LOCATION', "
			    "'MS signal LOCATION PLMN RAT=DBM' or 'MS end'");
	}
	p->ev_line[p->s->n_events++] = p->l.line;
	return 0;
}

static int section(struct parse *p, char *h)
{
	struct ns_scenario *s = p->s;
	char *name = strchr(h, ' ');

	if (name) {
		*name++ = 0;
		name = lines_trim(name);
	}
	if (!strcmp(h, "netsim") || !strcmp(h, "events")) {
		if (name)
			return perr(p, "[%s] takes no name", h);
		p->sec = !strcmp(h, "netsim") ? SEC_NETSIM : SEC_EVENTS;
		return 0;
	}
	if (!name || !*name || strlen(name) >= NS_NAME_MAX)
		return perr(p, "[%s] needs a name of at most %d characters", h, NS_NAME_MAX - 1);
	if (!strcmp(h, "modem")) {
		struct ns_modem_cfg *m;

		if (s->n_modems >= NS_MODEMS_MAX)
			return perr(p, "more than %d modems", NS_MODEMS_MAX);
		m = &s->modems[s->n_modems++];
		strcpy(m->name, name);
		m->card = s->n_modems - 1;
		m->rats = RAT_BIT(RAT_GSM) | RAT_BIT(RAT_UMTS) | RAT_BIT(RAT_LTE);
		m->at_delay_ms = 5;
		m->boot_ms = 300;
		m->search_ms = 800;
		m->attach_ms = 600;
		m->pdp_ms = 300;
		m->scan_ms = 3000;
		m->attach_timeout_ms = 15000;
		/* VUICC_SIM=t0 puts every modem without a 'sim' key on a T=0 line */
		m->sim_t0 = getenv("VUICC_SIM") && !strcmp(getenv("VUICC_SIM"), "t0");
		/* VUICC_SIM=sap: through vuicc-sap on unix:/run/vuicc-sapN.sock */
		m->sim_sap = getenv("VUICC_SIM") && !strcmp(getenv("VUICC_SIM"), "sap");
		m->sim_pps = true;
		m->sim_clock = 3571200;
		m->sim_poll_ms = 500;
		p->sec = SEC_MODEM;
	} else if (!strcmp(h, "location")) {
		if (s->n_locs >= NS_LOCS_MAX)
			return perr(p, "more than %d locations", NS_LOCS_MAX);
		strcpy(s->locs[s->n_locs++].name, name);
		p->sec = SEC_LOCATION;
	} else if (!strcmp(h, "subscriber")) {
		struct ns_subscriber *u;
		size_t i;

		if (s->n_subs >= NS_SUBS_MAX)
			return perr(p, "more than %d subscribers", NS_SUBS_MAX);
		if (strlen(name) < 6 || strlen(name) > 15)
			return perr(p, "[subscriber IMSI]: '%s' is not an IMSI", name);
		for (i = 0; name[i]; i++)
			if (!isdigit((unsigned char)name[i]))
				return perr(p, "[subscriber IMSI]: '%s' is not an IMSI", name);
		u = &s->subs[s->n_subs++];
		strcpy(u->imsi, name);
		u->ind_bits = 5;
		u->attached = -1;
		snprintf(u->home, sizeof(u->home), "%.5s", name);
		p->sec = SEC_SUB;
	} else if (!strcmp(h, "fail")) {
		if (s->n_fails >= NS_FAILS_MAX)
			return perr(p, "more than %d failures", NS_FAILS_MAX);
		strcpy(s->fails[s->n_fails].name, name);
		s->fails[s->n_fails++].cause = -1;
		p->sec = SEC_FAIL;
	} else {
		return perr(p, "unknown section [%s]", h);
	}
	return 0;
}

/* a line from lines_next(): a section or a key */
static int line(struct parse *p, int kind)
{
	struct ns_scenario *s = p->s;
	char *key = p->l.key, *v = p->l.value;

	if (kind == LINES_SECTION) {
		if (!p->l.section)
			return perr(p, "a section header is '[kind NAME]'");
		return section(p, lines_trim(p->l.section));
	}
	switch (p->sec) {
	case SEC_NONE:
		return perr(p, "key '%s' before any section", key);
	case SEC_NETSIM:
		if (!strcmp(key, "duration_ms"))
			return uint_key(p, key, v, 86400000, &s->duration_ms);
		if (!strcmp(key, "netns"))
			return copy(p, key, v, s->netns, sizeof(s->netns));
		if (!strcmp(key, "server"))
			return copy(p, key, v, s->server, sizeof(s->server));
		if (!strcmp(key, "datalink")) {
			if (strcmp(v, "yes") && strcmp(v, "no"))
				return perr(p, "key 'datalink': yes or no");
			s->datalink = !strcmp(v, "yes");
			return 0;
		}
		return perr(p, "unknown key '%s' in [netsim]", key);
	case SEC_MODEM:
		return modem_key(p, &s->modems[s->n_modems - 1], key, v);
	case SEC_LOCATION:
		if (strcmp(key, "operator"))
			return perr(p, "unknown key '%s' in [location]", key);
		return operator_key(p, &s->locs[s->n_locs - 1], v);
	case SEC_SUB:
		return sub_key(p, &s->subs[s->n_subs - 1], key, v);
	case SEC_FAIL:
		return fail_key(p, &s->fails[s->n_fails - 1], key, v);
	case SEC_EVENTS:
		if (strcmp(key, "event"))
			return perr(p, "unknown key '%s' in [events]", key);
		return event_key(p, v);
	}
	return 0;
}

int ns_find_loc(const struct ns_scenario *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n_locs; i++)
		if (!strcmp(s->locs[i].name, name))
			return (int)i;
	return -1;
}

/* A modem's slots: gaps, one vuicc slot at most, physical cards' subscribers. */
static int check_slots(struct parse *p, const struct ns_scenario *s, struct ns_modem_cfg *m)
{
	unsigned int i, j, vuicc = 0;

	if (!m->active_slot)
		m->active_slot = 1;
	if (!m->n_slots)
		return m->active_slot == 1 ? 0 :
		       perr(p, "modem %s: active_slot without slots", m->name);
	if (m->active_slot > m->n_slots)
		return perr(p, "modem %s: active_slot %u: it has %u slots", m->name,
			    m->active_slot, m->n_slots);
	for (i = 0; i < m->n_slots; i++) {
		const struct ns_slot *sl = &m->slots[i];

		if (!sl->used)
			return perr(p, "modem %s: no slot%u (give each slot up to slot%u)",
				    m->name, i + 1, m->n_slots);
		if (sl->vuicc) {
			vuicc++;
			continue;
		}
		for (j = 0; j < s->n_subs && strcmp(s->subs[j].imsi, sl->imsi); j++)
			;
		if (j == s->n_subs)
			return perr(p, "modem %s: slot%u's card %s has no [subscriber] (its keys)",
				    m->name, i + 1, sl->imsi);
	}
	if (vuicc > 1)
		return perr(p, "modem %s: %u slots say vuicc; one card is wired to it",
			    m->name, vuicc);
	return 0;
}

static int resolve(struct parse *p)
{
	struct ns_scenario *s = p->s;
	unsigned int i, j;

	p->l.line = 0;
	if (!s->n_modems)
		return perr(p, "no [modem] section");
	if (!s->n_locs)
		return perr(p, "no [location] section");
	for (i = 0; i < s->n_modems; i++) {
		s->modems[i].loc = p->modem_loc[i][0] ? ns_find_loc(s, p->modem_loc[i]) : 0;
		if (s->modems[i].loc < 0)
			return perr(p, "modem %s: no location '%s'", s->modems[i].name,
				    p->modem_loc[i]);
		if (!s->modems[i].at_link[0])
			snprintf(s->modems[i].at_link, sizeof(s->modems[i].at_link),
				 "/run/netsim/%s", s->modems[i].name);
		if (!s->modems[i].sim_link[0])
			snprintf(s->modems[i].sim_link, sizeof(s->modems[i].sim_link),
				 "/run/netsim/%s-sim", s->modems[i].name);
		if (check_slots(p, s, &s->modems[i]))
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp(s->modems[i].name, s->modems[j].name) ||
			    s->modems[i].card == s->modems[j].card)
				return perr(p, "modems %s and %s: same name or card",
					    s->modems[j].name, s->modems[i].name);
	}
	for (i = 0; i < s->n_subs; i++) {
		if (s->subs[i].ind >= (1u << s->subs[i].ind_bits))
			return perr(p, "subscriber %s: ind does not fit ind_bits", s->subs[i].imsi);
		for (j = 0; j < i; j++)
			if (!strcmp(s->subs[i].imsi, s->subs[j].imsi))
				return perr(p, "subscriber %s twice", s->subs[i].imsi);
	}
	for (i = 0; i < s->n_fails; i++)
		if (s->fails[i].mode == FAIL_REJECT && s->fails[i].cause < 0 &&
		    s->fails[i].stage != STAGE_DATA)
			return perr(p, "fail %s: mode reject needs a cause", s->fails[i].name);
	for (i = 0; i < s->n_fails; i++)
		if (s->fails[i].mode == FAIL_BLACKHOLE && s->fails[i].stage != STAGE_DATA)
			return perr(p, "fail %s: mode blackhole is of stage data", s->fails[i].name);
	for (i = 0; i < s->n_events; i++) {
		struct ns_event *e = &s->events[i];

		p->l.line = p->ev_line[i];
		if (e->kind == EV_MOVE) {
			for (j = 0; j < s->n_modems; j++)
				if (!strcmp(s->modems[j].name, p->ev_modem[i]))
					e->modem = (int)j;
			if (e->modem < 0)
				return perr(p, "key 'event': no modem '%s'", p->ev_modem[i]);
		}
		if (e->kind != EV_END && ns_find_loc(s, e->loc) < 0)
			return perr(p, "key 'event': no location '%s'", e->loc);
	}
	return 0;
}

int ns_scenario_load(const char *path, struct ns_scenario *s, char *err, size_t errlen)
{
	struct parse *p;
	char buf[1023];		/* lines of up to 1022 characters */
	char *text;
	size_t len;
	FILE *f;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->file, sizeof(s->file), "%s", path);
	strcpy(s->netns, "netsim-inet");
	strcpy(s->server, "192.0.2.1");
	s->datalink = true;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = lines_read(f, 0, &len);
	fclose(f);
	p = calloc(1, sizeof(*p));
	if (!p || !text) {
		free(p);
		free(text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->s = s;
	p->l = (struct lines){ .fname = path, .err = err, .errlen = errlen, .buf = buf,
			       .size = sizeof(buf), .flags = LINES_SECTIONS | LINES_EMPTY,
			       .no_equals = "expected 'key = value'" };
	rc = lines_start(&p->l, text, len);
	while (!rc && (rc = lines_next(&p->l)) > 0)
		rc = line(p, rc);
	if (!rc)
		rc = resolve(p);
	free(text);
	free(p);
	return rc;
}
