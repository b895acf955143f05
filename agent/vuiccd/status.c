// SPDX-License-Identifier: GPL-2.0
/*
 * vuiccd: the status report of the control socket (vuiccctl status).
 * Names, counters and outcomes; never a key, an EF content or an SQN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn105491555a.h"
#include "lib/t0_line.h"
#include "sharing.h"
#include "status.h"

static const char *kind_name(uint32_t k)
{
	return k == VUICC_PROFILE_KIND_SEED ? "seed" : k == VUICC_PROFILE_KIND_VSIM ? "vsim" : "?";
}

/* A profile's kind as its file says: a physical card is "card". */
static const char *vkind_name(const struct vprof *v)
{
	return v->hard && !v->installed ? "card" : kind_name(v->kind);
}

/* A seed of the ranking: a physical card in a modem slot, or vuicc's. */
static const struct vprof *hard_of(const struct status *rep, unsigned int c, const char *name)
{
	size_t i;

	for (i = 0; i < rep->reg->n_profs; i++) {
		const struct vprof *v = rep->reg->profs[i];

		if (v->ps.card == c && v->hard && !v->installed && !strcmp(v->ps.name, name))
			return v;
	}
	return NULL;
}

static const char *role_name(uint32_t r)
{
	return r == VUICC_PROFILE_ROLE_MASTER ? "master" :
	       r == VUICC_PROFILE_ROLE_STANDBY ? "standby" : "";
}

/* A JSON string: our names and messages have no control characters, but be sure. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *health(const struct vprof *v)
{
	if (v->last_error[0] || v->write_errors)
		return "error";
	if (v->managed && !v->installed)
		return "not-installed";
	if (v->last_auth > 0)
		return "auth-failing";
	return "ok";
}

static void jint(FILE *f, const char *key, long v, bool known)
{
	if (known)
		fprintf(f, ",\"%s\":%ld", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* the operator, once registered (a stale one after losing it is not shown) */
static const char *modem_operator(const struct modem *m)
{
	return m->cops.oper[0] && m->state >= MODEM_DIALING ? m->cops.oper : NULL;
}

static void modem_json(const struct status *rep, unsigned int c, FILE *f)
{
	const struct modem *m = &rep->modems->m[c];
	static const char *const rat_names[] = { "gsm", "umts", "lte" };	/* AT_RAT_* */
	const struct at_signal *s = &m->signal;
	const char *sep;
	unsigned int k;

	if (!rep->cfg->modem[c][0]) {
		fputs(",\"modem\":null", f);
		return;
	}
	fputs(",\"modem\":{\"tty\":", f);
	jstr(f, rep->cfg->modem[c]);
	fprintf(f, ",\"state\":\"%s\",\"creg\":%d,\"cgreg\":%d,\"cereg\":%d",
		modem_state_name(m->state), m->stat[0], m->stat[1], m->stat[2]);
	jint(f, "reject_cause", m->reg.reject_cause, m->reg.stat == AT_REG_DENIED &&
	     m->reg.reject_cause >= 0);
	jint(f, "rssi_dbm", s->rssi_dbm, s->rssi_dbm != INT32_MIN);
	jint(f, "rscp_dbm", s->rscp_dbm, s->rscp_dbm != INT32_MIN);
	jint(f, "rsrp_dbm", s->rsrp_dbm, s->rsrp_dbm != INT32_MIN);
	fputs(",\"operator\":", f);
	if (modem_operator(m))
		jstr(f, modem_operator(m));
	else
		fputs("null", f);
	fputs(",\"address\":", f);
	if (m->addr[0])
		jstr(f, m->addr);
	else
		fputs("null", f);
	{
		char t[48];

		fputs(",\"pin\":", f);
		jstr(f, modem_pin_text(m, t, sizeof(t)));
		fputs(",\"pin_why\":", f);
		if (m->pin_why[0])
			jstr(f, m->pin_why);
		else
			fputs("null", f);
		jint(f, "pin_retries", m->pin_retries, m->pin_retries >= 0);
		fprintf(f, ",\"pin_attempts\":%lu", m->pin_attempts);
	}
	fprintf(f, ",\"registrations\":%lu,\"denials\":%lu,\"dials\":%lu,"
		"\"dial_failures\":%lu,\"timeouts\":%lu,\"last_error\":",
		m->registrations, m->denials, m->dials, m->dial_failures, m->timeouts);
	if (m->last_error[0])
		jstr(f, m->last_error);
	else
		fputs("null", f);
	fputs(",\"manufacturer\":", f);
	jstr(f, m->manufacturer);
	fputs(",\"model\":", f);
	jstr(f, m->model);
	fprintf(f, ",\"dialect\":\"%s\",\"rats\":[", survey_dialect_name(m->dialect));
	for (k = 0, sep = ""; k < 3; k++)
		if (m->rats & AT_RAT_BIT(k)) {
			fprintf(f, "%s\"%s\"", sep, rat_names[k]);
			sep = ",";
		}
	fprintf(f, "],\"slot_dialect\":\"%s\",\"vuicc_slot\":%d,\"slot_switches\":%lu,"
		"\"slot\":", slot_dialect_name(modem_slot_dialect(m)),
		config_vuicc_slot(rep->cfg, c), m->slot_switches);
	if (m->slot)
		fprintf(f, "%d", m->slot);
	else
		fputs("null", f);
	fputs(",\"scan_port\":", f);
	if (m->aux)
		jstr(f, m->aux_path);
	else
		fputs("null", f);
	fprintf(f, ",\"scanning\":%s,\"scans\":%lu,\"scans_aborted\":%lu,\"last_scan\":",
		m->scanning ? "true" : "false", m->scans, m->scans_aborted);
	if (m->scan_at)
		jstr(f, m->scan_source);
	else
		fputs("null", f);
	fputc('}', f);
}

/* The policy of card @c: its phase and every seed's score with its parts. */
/* The data check: off (null), or its target, state and counts. */
static const char *check_state(const struct policy *p)
{
	if (p->cur < 0 || p->stage != POL_STAGE_UP)
		return "idle";	/* runs once data is up */
	return p->check_pending ? "probing" : "waiting";
}

static void check_json(const struct status *rep, unsigned int c, const struct policy *p, FILE *f)
{
	const struct vd_check *ck = vd_policy_check_of(rep->pol, c);

	if (!ck) {
		fputs("\"data_check\":null", f);
		return;
	}
	fputs("\"data_check\":{\"target\":", f);
	jstr(f, rep->cfg->data_check);
	fprintf(f, ",\"interval_ms\":%u,\"failures_to_fail\":%u,\"timeout_ms\":%u,\"state\":\"%s\","
		"\"last\":", p->cfg.check_interval_ms, p->cfg.check_failures,
		rep->cfg->data_check_timeout_ms, check_state(p));
	if (ck->last_at)
		jstr(f, ck->last);
	else
		fputs("null", f);
	fprintf(f, ",\"last_ok\":%s,\"failures_in_row\":%u,\"probes_sent\":%lu,"
		"\"probes_failed\":%lu,\"data_stages_failed\":%lu}",
		ck->last_at ? ck->last_ok ? "true" : "false" : "null", p->check_fails,
		p->probes_sent, p->probes_failed, p->check_trips);
}

static void check_text(const struct status *rep, unsigned int c, const struct policy *p, FILE *f)
{
	const struct vd_check *ck = vd_policy_check_of(rep->pol, c);

	if (!ck)
		return;
	fprintf(f, "  data check: %s every %u ms, %s; last: ", rep->cfg->data_check,
		p->cfg.check_interval_ms, check_state(p));
	if (ck->last_at)
		fprintf(f, "%s %s, %lld s ago", ck->last_ok ? "answered" : "failed", ck->last,
			(long long)(time(NULL) - ck->last_at));
	else
		fputs("none", f);
	fprintf(f, "; %u of %u failed in a row; %lu sent, %lu failed; %lu data stage%s failed by it\n",
		p->check_fails, p->cfg.check_failures, p->probes_sent, p->probes_failed,
		p->check_trips, p->check_trips == 1 ? "" : "s");
}

static void policy_json(const struct status *rep, unsigned int c, FILE *f)
{
	const struct policy *p = vd_policy_of(rep->pol, c);
	const struct cn105 *cn = vd_policy_source_of(rep->pol, c);
	struct pol_rank r[POL_PROFILES_MAX];
	unsigned long lw, le;
	unsigned int n, k;

	if (cn) {
		/* the source's method: its phase, stage and counters */
		fprintf(f, ",\"policy\":{\"method\":\"cn105491555a\",\"phase\":\"%s\","
			"\"stage\":\"%s\",\"current\":", cn_phase_name(cn->phase),
			pol_stage_name(cn->stage));
		if (cn->cur >= 0)
			jstr(f, cn->prof[cn->cur].name);
		else
			fputs("null", f);
		fprintf(f, ",\"attempts\":%lu,\"timeouts\":%lu,\"failures\":%lu,\"rounds\":%lu}",
			cn->attempts, cn->timeouts, cn->failures, cn->rounds);
		return;
	}
	if (!p) {
		fputs(",\"policy\":null", f);
		return;
	}
	n = pol_ranking(p, vd_policy_now(rep->pol, c), r, POL_PROFILES_MAX);
	fprintf(f, ",\"policy\":{\"method\":\"vuiccd\",\"phase\":\"%s\",\"stage\":\"%s\","
		"\"current\":", pol_phase_name(p->phase), pol_stage_name(p->stage));
	if (p->cur >= 0)
		jstr(f, p->prof[p->cur].name);
	else
		fputs("null", f);
	vd_policy_learn_stats(rep->pol, c, &lw, &le);
	fprintf(f, ",\"a\":%.3f,\"b\":%.3f,\"attempts\":%lu,\"switches\":%lu,"
		"\"timeouts\":%lu,\"rejects\":%lu,\"quarantines\":%lu,"
		"\"learning\":{\"writes\":%lu,\"write_errors\":%lu},",
		p->cfg.a, p->cfg.b, p->attempts, p->switches, p->timeouts, p->rejects,
		p->quarantines, lw, le);
	check_json(rep, c, p, f);
	fputs(",\"seeds\":[", f);
	for (k = 0; k < n; k++) {
		const struct vprof *hv = hard_of(rep, c, r[k].name);

		fprintf(f, "%s{\"name\":", k ? "," : "");
		jstr(f, r[k].name);
		if (hv)
			fprintf(f, ",\"kind\":\"card\",\"slot\":%d", hv->slot);
		else
			fputs(",\"kind\":\"seed\",\"slot\":null", f);
		fprintf(f, ",\"role\":\"%s\",\"score\":%.4f,\"a1\":%.4f,\"b1\":%.4f",
			r[k].kind == POL_SEED_MASTER ? "master" : "standby", r[k].score, r[k].a1,
			r[k].b1);
		jint(f, "dbm", r[k].dbm, r[k].signal_known);
		fputs(",\"signal_from\":", f);
		jstr(f, r[k].signal_from);
		fputs(",\"signal_source\":", f);
		if (r[k].signal_known)
			jstr(f, r[k].signal_source);
		else
			fputs("null", f);
		jint(f, "signal_age_ms", (long)r[k].signal_age_ms, r[k].signal_known);
		fputs(",\"gate\":", f);
		if (r[k].gate)
			jstr(f, r[k].gate);
		else
			fputs("null", f);
		fprintf(f, ",\"failures\":%u", r[k].failures);
		jint(f, "last_cause", r[k].last_cause, r[k].last_cause >= 0);
		fputc('}', f);
	}
	fputs("]}", f);
}

static void policy_text(const struct status *rep, unsigned int c, FILE *f)
{
	const struct policy *p = vd_policy_of(rep->pol, c);
	const struct cn105 *cn = vd_policy_source_of(rep->pol, c);
	struct pol_rank r[POL_PROFILES_MAX];
	unsigned int n, k;

	if (cn) {
		fprintf(f, "  policy: CN105491555A's method as written: %s, %s%s%s; %lu attempts, "
			"%lu timeouts, %lu rounds\n", cn_phase_name(cn->phase),
			cn->cur >= 0 ? cn->prof[cn->cur].name : "(none)", cn->cur >= 0 ? " at " : "",
			cn->cur >= 0 ? pol_stage_name(cn->stage) : "", cn->attempts, cn->timeouts,
			cn->rounds);
		return;
	}
	if (!p)
		return;
	n = pol_ranking(p, vd_policy_now(rep->pol, c), r, POL_PROFILES_MAX);
	fprintf(f, "  policy: %s, %s%s%s; index = %.2f*A1 + %.2f*B1; %lu attempts, %lu switches,"
		" %lu timeouts, %lu rejects\n", pol_phase_name(p->phase),
		p->cur >= 0 ? p->prof[p->cur].name : "(none)", p->cur >= 0 ? " at " : "",
		p->cur >= 0 ? pol_stage_name(p->stage) : "", p->cfg.a, p->cfg.b, p->attempts,
		p->switches, p->timeouts, p->rejects);
	check_text(rep, c, p, f);
	for (k = 0; k < n; k++) {
		char sig[80];

		if (r[k].signal_known)
			snprintf(sig, sizeof(sig), "%d dBm, %s %s, %llu s ago", r[k].dbm,
				 r[k].signal_from, r[k].signal_source,
				 (unsigned long long)(r[k].signal_age_ms / 1000));
		else
			snprintf(sig, sizeof(sig), "unknown");
		fprintf(f, "    %-20s %-7s index %.3f = A1 %.3f [%s] + B1 %.3f%s%s",
			r[k].name, r[k].kind == POL_SEED_MASTER ? "master" : "standby", r[k].score,
			r[k].a1, sig, r[k].b1, r[k].gate ? "; out: " : "; eligible",
			r[k].gate ? r[k].gate : "");
		if (hard_of(rep, c, r[k].name))
			fprintf(f, "; physical card in modem slot %d", hard_of(rep, c, r[k].name)->slot);
		if (r[k].failures)
			fprintf(f, "; %u failure%s", r[k].failures, r[k].failures == 1 ? "" : "s");
		if (r[k].last_cause >= 0)
			fprintf(f, ", last cause #%d", r[k].last_cause);
		fputc('\n', f);
	}
}

static void modem_text(const struct status *rep, unsigned int c, FILE *f)
{
	const struct modem *m = &rep->modems->m[c];

	if (!rep->cfg->modem[c][0])
		return;
	fprintf(f, "  modem %s: %s, registration %d/%d/%d (CREG/CGREG/CEREG)",
		rep->cfg->modem[c], modem_state_name(m->state), m->stat[0], m->stat[1], m->stat[2]);
	if (m->reg.stat == AT_REG_DENIED && m->reg.reject_cause >= 0)
		fprintf(f, ", reject cause #%d", m->reg.reject_cause);
	if (m->signal.rsrp_dbm != INT32_MIN)
		fprintf(f, ", RSRP %d dBm", m->signal.rsrp_dbm);
	else if (m->signal.rssi_dbm != INT32_MIN)
		fprintf(f, ", RSSI %d dBm", m->signal.rssi_dbm);
	if (modem_operator(m))
		fprintf(f, ", operator %s", modem_operator(m));
	if (m->addr[0])
		fprintf(f, ", address %s", m->addr);
	{
		char t[48];

		fprintf(f, ", PIN %s", modem_pin_text(m, t, sizeof(t)));
		if (m->pin_why[0])
			fprintf(f, " (%s)", m->pin_why);
	}
	if (m->last_error[0])
		fprintf(f, "; last error: %s", m->last_error);
	fprintf(f, "\n    %s %s, survey %s%s%s", m->manufacturer[0] ? m->manufacturer : "?",
		m->model[0] ? m->model : "?", survey_dialect_name(m->dialect),
		m->aux ? " on " : "", m->aux ? m->aux_path : "");
	if (modem_slot_dialect(m) != SLOT_NONE || m->slot)
		fprintf(f, "; SIM slot %d (%s; vuicc's card in %d)", m->slot,
			slot_dialect_name(modem_slot_dialect(m)), config_vuicc_slot(rep->cfg, c));
	if (m->scan_at)
		fprintf(f, "; last scan %s: %u networks", m->scan_source, m->n_scan);
	if (m->scanning)
		fprintf(f, "; %s running", m->scan_cmd);
	fputc('\n', f);
}

/* The card's T=0 line, asked of the kernel when the report is made. */
static bool line_of(const struct status *rep, unsigned int card, struct vuicc_t0_stats *st, char *tty,
		    size_t len)
{
	return rep->reg->cards[card].exists && vnl_card_t0(rep->req, card, st, tty, len) == 1;
}

static void card_json(const struct status *rep, unsigned int i, FILE *f)
{
	const struct vcard *c = &rep->reg->cards[i];
	struct vuicc_t0_stats st;
	char tty[64];

	fprintf(f, "{\"card\":%u,\"exists\":%s,\"configured\":%s,\"powered\":%s,"
		"\"apdus\":%llu,\"resets\":%llu,\"switches\":%llu,\"enabled\":",
		i, c->exists ? "true" : "false",
		c->configured ? "true" : "false", c->powered ? "true" : "false",
		(unsigned long long)c->apdus, (unsigned long long)c->resets,
		(unsigned long long)c->switches);
	if (c->enabled[0])
		jstr(f, c->enabled);
	else
		fputs("null", f);
	modem_json(rep, i, f);
	policy_json(rep, i, f);
	fputs(",\"t0\":", f);
	if (line_of(rep, i, &st, tty, sizeof(tty)))
		t0_line_stats_json(f, &st, tty);
	else
		fputs("null", f);
	fputc('}', f);
}

static void profile_json(const struct vprof *v, uint64_t now, FILE *f)
{
	unsigned int k;

	fprintf(f, "{\"card\":%u,\"name\":", v->ps.card);
	jstr(f, v->ps.name);
	if (v->hard)
		fprintf(f, ",\"slot\":%d", v->slot);
	fprintf(f, ",\"kind\":\"%s\",\"role\":\"%s\",\"installed\":%s,\"enabled\":%s,"
		"\"managed\":%s,\"from_server\":%s,\"withdrawn\":%s,\"health\":\"%s\",\"file\":",
		vkind_name(v), role_name(v->role), v->installed ? "true" : "false",
		v->enabled ? "true" : "false", v->managed ? "true" : "false",
		v->from_server ? "true" : "false", v->withdrawn ? "true" : "false", health(v));
	if (v->managed)
		jstr(f, v->file);
	else
		fputs("null", f);
	fprintf(f, ",\"store\":{\"stored\":%s,\"generation\":%llu,\"state_seq\":%llu,"
		"\"efs\":%zu,\"sqn_slots\":%zu,\"pending\":%s,\"pending_ms\":%llu,"
		"\"max_pending_ms\":%llu,"
		"\"writes\":%lu,\"write_errors\":%lu,\"events\":%lu,\"stale_events\":%lu,"
		"\"fetches\":%lu},",
		v->in_store ? "true" : "false", (unsigned long long)v->ps.gen,
		(unsigned long long)v->ps.seq, v->ps.n_efs, v->ps.sqn_len / 6,
		v->dirty ? "true" : "false",
		(unsigned long long)(v->dirty ? now - v->dirty_since : 0),
		(unsigned long long)v->max_pending_ms,
		v->writes, v->write_errors, v->events, v->stale_events, v->resyncs);
	fprintf(f, "\"auth\":{");
	for (k = 0; k < 4; k++)
		fprintf(f, "\"%s\":%lu,", reg_auth_names[k], v->auth[k]);
	fprintf(f, "\"last\":");
	if (v->last_auth >= 0)
		fprintf(f, "\"%s\",\"last_time\":%ld", reg_auth_names[v->last_auth],
			(long)v->last_auth_time);
	else
		fputs("null", f);
	fprintf(f, "},\"last_error\":");
	if (v->last_error[0])
		jstr(f, v->last_error);
	else
		fputs("null", f);
	fputc('}', f);
}

static void status_json(const struct status *rep, FILE *f)
{
	uint64_t now = loop_now_ms();
	unsigned int i, n;
	bool first = true;

	fprintf(f, "{\"uptime_s\":%ld,\"resyncs\":%lu,\"event_overflows\":%lu,\"writeback_ms\":%u,",
		(long)(time(NULL) - rep->started), rep->store->resyncs, rep->store->overflows, rep->cfg->writeback_ms);
	fprintf(f, "\"cards\":[");
	for (i = 0; i < VUICC_CARDS_MAX; i++) {
		if (!rep->reg->cards[i].exists && !rep->reg->cards[i].configured)
			continue;
		if (!first)
			fputc(',', f);
		card_json(rep, i, f);
		first = false;
	}
	fprintf(f, "],\"profiles\":[");
	for (i = 0; i < rep->reg->n_profs; i++) {
		if (i)
			fputc(',', f);
		profile_json(rep->reg->profs[i], now, f);
	}
	fprintf(f, "],\"events\":[");
	n = loop_events(rep->loop);
	for (i = 0; i < n; i++) {
		const struct loop_event *e = loop_event_at(rep->loop, i);

		fprintf(f, "%s{\"time\":%ld,\"what\":", i ? "," : "", (long)e->t);
		jstr(f, e->what);
		fputc('}', f);
	}
	fputc(']', f);
	vd_share_status(*rep->share, f, true);
	fprintf(f, "}\n");
}

static void status_text(const struct status *rep, FILE *f)
{
	struct vuicc_t0_stats st;
	char tty[64];
	unsigned int i, n;
	char when[32];

	fprintf(f, "vuiccd: up %lds, %lu resynchronisations, %lu event overflows, write-back %u ms\n",
		(long)(time(NULL) - rep->started), rep->store->resyncs, rep->store->overflows, rep->cfg->writeback_ms);
	for (i = 0; i < VUICC_CARDS_MAX; i++) {
		const struct vcard *c = &rep->reg->cards[i];

		if (!c->exists && !c->configured)
			continue;
		fprintf(f, "card %u: %s, %s, enabled %s, %llu APDUs, %llu resets\n", i,
			c->exists ? "present" : "MISSING", c->powered ? "powered" : "off",
			c->enabled[0] ? c->enabled : "(none)", (unsigned long long)c->apdus,
			(unsigned long long)c->resets);
		if (line_of(rep, i, &st, tty, sizeof(tty))) {
			fputs("  ", f);
			t0_line_stats_text(f, &st, tty);
		}
		modem_text(rep, i, f);
		policy_text(rep, i, f);
	}
	for (i = 0; i < rep->reg->n_profs; i++) {
		const struct vprof *v = rep->reg->profs[i];

		fprintf(f, "  card %u %-20s %-4s %-7s %s%s %s: stored gen %llu seq %llu (%zu EFs)%s",
			v->ps.card, v->ps.name, vkind_name(v), role_name(v->role),
			v->hard && !v->installed ? "physical card" : v->installed ? "installed" :
			"NOT INSTALLED", v->enabled ? ", ENABLED" : "",
			health(v), (unsigned long long)v->ps.gen, (unsigned long long)v->ps.seq,
			v->ps.n_efs, v->dirty ? ", write pending" : "");
		fprintf(f, "; auth %lu ok / %lu MAC / %lu sync / %lu ctx",
			v->auth[0], v->auth[1], v->auth[2], v->auth[3]);
		if (v->last_error[0])
			fprintf(f, "; last error: %s", v->last_error);
		fputc('\n', f);
	}
	vd_share_status(*rep->share, f, false);
	n = loop_events(rep->loop);
	if (n)
		fprintf(f, "last events:\n");
	for (i = 0; i < n; i++) {
		const struct loop_event *e = loop_event_at(rep->loop, i);
		struct tm tm;

		gmtime_r(&e->t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(f, "  %s %s\n", when, e->what);
	}
}

char *status_report(const struct status *rep, bool json, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	if (json)
		status_json(rep, f);
	else
		status_text(rep, f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
