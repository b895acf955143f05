// SPDX-License-Identifier: GPL-2.0
/*
 * netsim's modem: the SIM interface on /dev/vuiccN (power on, the boot
 * reads, AUTHENTICATE, the location updates a modem writes after attach,
 * re-reading the card after a removal and insertion) and the AT port on a
 * pty (3GPP TS 27.007), with delays that look like a modem's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "netsim.h"
#include "lib/vuicc_dev.h"

static const char *const dom_name[3] = { "CREG", "CGREG", "CEREG" };

/* ---- the SIM interface ---- */

static long apdu(struct ns_modem *m, const uint8_t *c, size_t len, uint8_t *r, size_t max)
{
	long n = sim_apdu(m, c, len, r, max, true);

	if (n < 2)
		return -1;
	return n;
}

static bool sw_ok(const uint8_t *r, long n)
{
	return n >= 2 && r[n - 2] == 0x90 && r[n - 1] == 0x00;
}

/* the value of @tag in an FCP template (62 ...); NULL if absent */
static const uint8_t *fcp_find(const uint8_t *f, long n, uint8_t tag, unsigned int *vlen)
{
	long i, end;

	if (n < 2 || f[0] != 0x62)
		return NULL;
	end = 2 + f[1];
	if (end > n)
		end = n;
	for (i = 2; i + 2 <= end; i += 2 + f[i + 1]) {
		if (i + 2 + f[i + 1] > end)
			return NULL;
		if (f[i] == tag) {
			*vlen = f[i + 1];
			return f + i + 2;
		}
	}
	return NULL;
}

/*
 * SELECT @fid by path and read it whole: a transparent EF,
 * or record 1 of a record EF.  Returns the length read or -1.
 */
/*
 * SELECT by path from the MF (TS 102 221 §11.1.1.2, P1 = 08): an EF of the
 * MF, or (7FFF) of the USIM, wherever a +CSIM left the selection.
 */
static long select_path(struct ns_modem *m, uint16_t fid, uint8_t p2, uint8_t *r, size_t max)
{
	uint8_t c[9] = { 0x00, 0xA4, 0x08, p2, 0x02 };
	size_t n = 5;

	if ((fid & 0xFF00) != 0x2F00) {
		c[4] = 4;
		c[n++] = 0x7F;
		c[n++] = 0xFF;
	}
	c[n++] = (uint8_t)(fid >> 8);
	c[n++] = (uint8_t)fid;
	return apdu(m, c, n, r, max);
}

static long read_ef(struct ns_modem *m, uint16_t fid, uint8_t *out, size_t max)
{
	uint8_t r[300];
	const uint8_t *v;
	unsigned int vl, size;
	long n;

	n = select_path(m, fid, 0x04, r, sizeof(r));
	if (!sw_ok(r, n))
		return -1;
	v = fcp_find(r, n - 2, 0x82, &vl);
	if (v && vl >= 5 && (v[0] & 0x07) != 0x01) {	/* a record EF: record 1 */
		uint8_t rr[5] = { 0x00, 0xB2, 0x01, 0x04, v[3] };

		n = apdu(m, rr, sizeof(rr), r, sizeof(r));
		if (!sw_ok(r, n) || (size_t)(n - 2) > max)
			return -1;
		memcpy(out, r, (size_t)n - 2);
		return n - 2;
	}
	v = fcp_find(r, n - 2, 0x80, &vl);
	if (!v || vl != 2)
		return -1;
	size = (unsigned int)v[0] << 8 | v[1];
	if (size > max || size > 255)
		return -1;
	{
		uint8_t rb[5] = { 0x00, 0xB0, 0x00, 0x00, (uint8_t)size };

		n = apdu(m, rb, sizeof(rb), r, sizeof(r));
		if (!sw_ok(r, n) || (unsigned int)(n - 2) != size)
			return -1;
	}
	memcpy(out, r, size);
	return size;
}

static int update_ef(struct ns_modem *m, uint16_t fid, const uint8_t *data, uint8_t len)
{
	uint8_t u[5 + 255], r[64];
	long n;

	n = select_path(m, fid, 0x0C, r, sizeof(r));
	if (!sw_ok(r, n))
		return -1;
	memcpy(u, "\x00\xD6\x00\x00", 4);
	u[4] = len;
	memcpy(u + 5, data, len);
	n = apdu(m, u, 5u + len, r, sizeof(r));
	return sw_ok(r, n) ? 0 : -1;
}

static void bcd_swapped(const uint8_t *b, size_t n, char *out, size_t max)
{
	size_t i, o = 0;
	uint8_t d;

	for (i = 0; i < n * 2 && o + 1 < max; i++) {
		d = i & 1 ? b[i / 2] >> 4 : b[i / 2] & 0x0F;
		if (d > 9)
			break;
		out[o++] = (char)('0' + d);
	}
	out[o] = 0;
}

/* PLMN as in TS 24.008 §10.5.1.13 (MCC2 MCC1, MNC3 MCC3, MNC2 MNC1) */
static void plmn_encode(const char *p, uint8_t *b)
{
	int d[6], i;
	size_t n = strlen(p);

	for (i = 0; i < 6; i++)
		d[i] = i < (int)n ? p[i] - '0' : 0xF;
	b[0] = (uint8_t)(d[1] << 4 | d[0]);
	b[1] = (uint8_t)((n == 6 ? d[5] : 0xF) << 4 | d[2]);
	b[2] = (uint8_t)(d[4] << 4 | d[3]);
}

static void plmn_decode(const uint8_t *b, char *p)
{
	p[0] = (char)('0' + (b[0] & 0xF));
	p[1] = (char)('0' + (b[0] >> 4));
	p[2] = (char)('0' + (b[1] & 0xF));
	p[3] = (char)('0' + (b[2] & 0xF));
	p[4] = (char)('0' + (b[2] >> 4));
	p[5] = (b[1] >> 4) == 0xF ? 0 : (char)('0' + (b[1] >> 4));	/* MNC digit 3 */
	p[6] = 0;
}

static void card_down(struct ns_modem *m)
{
	m->card_ready = false;
	m->pin_need = PIN_NONE;
	m->pin_tries = -1;
	m->iccid[0] = m->imsi[0] = 0;
	m->n_fplmn = 0;
}

/* ---- SIM slots: physical cards and vuicc's ---- */

static const struct ns_slot *active_slot(const struct ns_modem *m)
{
	return m->slot ? &m->cfg->slots[m->slot - 1] : NULL;
}

bool modem_slot_physical(const struct ns_modem *m)
{
	const struct ns_slot *sl = active_slot(m);

	return sl && !sl->vuicc;
}

/* A physical card's boot: what a modem reads of it, without APDUs. */
static int card_boot_physical(struct ns_modem *m)
{
	const struct ns_slot *sl = active_slot(m);

	card_down(m);
	m->boots++;
	snprintf(m->iccid, sizeof(m->iccid), "%s", sl->iccid);
	snprintf(m->imsi, sizeof(m->imsi), "%s", sl->imsi);
	m->mnc_len = 2;
	m->card_ready = true;
	ns_log("%s: card read: physical card in slot %u: ICCID %s, IMSI %s", m->cfg->name,
	       m->slot, m->iccid, m->imsi);
	return 0;
}

/* The reads of a modem at boot; 0 when the USIM is ready. */
/*
 * Whether PIN1 is enabled, from the PIN status template DO of a DF's FCP
 * (TS 102 221 §9.5.2): PS_DO bit b8 of its first byte is the first key
 * reference listed, PIN1 (key reference 01) on our cards.
 */
static bool fcp_pin1_enabled(const uint8_t *f, long n)
{
	const uint8_t *v;
	unsigned int vl;

	v = fcp_find(f, n, 0xC6, &vl);
	if (!v || vl < 3 || v[0] != 0x90 || v[1] < 1 || 2u + v[1] > vl)
		return false;
	if (2u + v[1] + 3 <= vl && v[2 + v[1]] == 0x83 && v[2 + v[1] + 2] != 0x01)
		return false;	/* the first key reference is not PIN1 */
	return v[2] & 0x80;
}

/* VERIFY PIN1 (TS 102 221 §11.1.9, P2 = 01); @pin NULL: no data, the counter */
static uint16_t verify_pin1(struct ns_modem *m, const char *pin)
{
	uint8_t c[5 + 8] = { 0x00, 0x20, 0x00, 0x01, 0x08 }, r[16];
	size_t len = 4, i;
	long n;

	if (pin) {
		memset(c + 5, 0xFF, 8);
		for (i = 0; i < 8 && pin[i]; i++)
			c[5 + i] = (uint8_t)pin[i];
		len = sizeof(c);
	}
	n = apdu(m, c, len, r, sizeof(r));
	memset(c, 0, sizeof(c));	/* the PIN */
	if (n < 2)
		return 0;
	return (uint16_t)(r[n - 2] << 8 | r[n - 1]);
}

/* What the card says of PIN1: 0 verified (or not asked), 1 asked for */
static int pin_state(struct ns_modem *m, uint16_t sw)
{
	if (sw == 0x9000) {
		m->pin_need = PIN_NONE;
		m->pin_tries = 3;
		return 0;
	}
	if ((sw & 0xFFF0) == 0x63C0) {
		m->pin_need = PIN_SIM_PIN;
		m->pin_tries = sw & 0x0F;
		return 1;
	}
	if (sw == 0x6983) {
		m->pin_need = PIN_SIM_PUK;
		m->pin_tries = 0;
		return 1;
	}
	return -1;
}

static int card_read_usim(struct ns_modem *m);

/*
 * The reads of a modem at boot; 0 when the USIM is ready, 1 when the card
 * waits for PIN1 (or its PUK): the rest of the reads after +CPIN.
 */
static int card_boot(struct ns_modem *m)
{
	static const uint8_t mf[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00 };
	uint8_t b[256], r[300];
	bool pin1;
	long n;

	if (modem_slot_physical(m))
		return card_boot_physical(m);
	card_down(m);
	m->boots++;
	if (sim_power_on(m))
		return -1;
	n = apdu(m, mf, sizeof(mf), r, sizeof(r));
	if (!sw_ok(r, n))
		return -1;
	pin1 = fcp_pin1_enabled(r, n - 2);
	n = read_ef(m, 0x2FE2, b, sizeof(b));
	if (n < 10)
		return -1;
	bcd_swapped(b, 10, m->iccid, sizeof(m->iccid));
	if (pin1) {
		switch (pin_state(m, verify_pin1(m, NULL))) {
		case 1:
			ns_log("%s: card %s asks for %s (%d tries left)", m->cfg->name, m->iccid,
			       m->pin_need == PIN_SIM_PUK ? "PUK1" : "PIN1", m->pin_tries);
			return 1;
		case 0:
			break;
		default:
			return -1;
		}
	}
	return card_read_usim(m);
}

/* The reads after the PIN: EF_DIR, the USIM and its files. */
static int card_read_usim(struct ns_modem *m)
{
	static const uint16_t more[] = { 0x6F38, 0x6F7E, 0x6F73, 0x6FE3 };	/* UST, LOCIs */
	uint8_t b[256], r[300], sel[5 + 16] = { 0x00, 0xA4, 0x04, 0x04 };
	const uint8_t *aid = NULL;
	long n, i;

	n = read_ef(m, 0x2F00, b, sizeof(b));		/* EF_DIR record 1 */
	for (i = 0; n > 4 && i + 2 < n; i++)
		if (b[i] == 0x4F && b[i + 1] >= 5 && b[i + 1] <= 16 && i + 2 + b[i + 1] <= n) {
			aid = b + i + 2;
			break;
		}
	if (!aid)
		return -1;
	sel[4] = b[i + 1];
	memcpy(sel + 5, aid, sel[4]);
	if (!sw_ok(r, apdu(m, sel, 5u + sel[4], r, sizeof(r))))
		return -1;
	n = read_ef(m, 0x6F07, b, sizeof(b));		/* IMSI */
	if (n != 9 || b[0] < 4 || b[0] > 8)
		return -1;
	{
		char digits[20];

		bcd_swapped(b + 1, b[0], digits, sizeof(digits));	/* parity nibble first */
		if (strlen(digits) < 7 || strlen(digits) > 16)
			return -1;
		memcpy(m->imsi, digits + 1, strlen(digits));
	}
	m->mnc_len = 2;
	n = read_ef(m, 0x6FAD, b, sizeof(b));		/* AD */
	if (n >= 4 && ((b[3] & 0x0F) == 2 || (b[3] & 0x0F) == 3))
		m->mnc_len = b[3] & 0x0F;
	n = read_ef(m, 0x6F7B, b, sizeof(b));		/* FPLMN */
	for (i = 0; i + 3 <= n && m->n_fplmn < NS_FPLMN_MAX; i += 3)
		if (b[i] != 0xFF)
			plmn_decode(b + i, m->fplmn[m->n_fplmn++]);
	for (i = 0; i < (long)(sizeof(more) / sizeof(more[0])); i++)
		read_ef(m, more[i], b, sizeof(b));
	m->card_ready = true;
	ns_log("%s: card read: ICCID %s, IMSI %s, MNC length %u, %u forbidden PLMNs", m->cfg->name,
	       m->iccid, m->imsi, m->mnc_len, m->n_fplmn);
	return 0;
}

int modem_card_authenticate(struct ns_modem *m, const uint8_t *rand, const uint8_t *autn,
			    uint8_t *res, unsigned int *res_len, uint8_t *auts)
{
	uint8_t c[5 + 34] = { 0x00, 0x88, 0x00, 0x81, 0x22, 0x10 }, r[300];
	long n;

	memcpy(c + 6, rand, 16);
	c[22] = 0x10;
	memcpy(c + 23, autn, 16);
	n = apdu(m, c, sizeof(c), r, sizeof(r));
	m->auths++;
	if (n == 2 && r[0] == 0x98 && r[1] == 0x62)
		return 2;
	if (!sw_ok(r, n) || n < 4)
		return -1;
	if (r[0] == 0xDC && r[1] == 14 && n == 18) {
		memcpy(auts, r + 2, 14);
		return 1;
	}
	if (r[0] != 0xDB || r[1] < 4 || r[1] > 16 || 2 + r[1] > n - 2)
		return -1;
	*res_len = r[1];
	memcpy(res, r + 2, r[1]);
	explicit_bzero(r, sizeof(r));
	return 0;
}

/* LOCI, PSLOCI and EPSLOCI as a modem writes them after attach */
static int card_write_locations(struct ns_modem *m);

int modem_card_write_locations(struct ns_modem *m)
{
	if (modem_slot_physical(m))
		return 0;	/* the physical card's own files: not netsim's to see */
	return card_write_locations(m);
}

static int card_write_locations(struct ns_modem *m)
{
	uint8_t loci[11], psloci[14], eps[18], plmn[3];
	uint32_t tmsi = 0xC0000000u | (uint32_t)(m->idx << 16) | (m->attaches & 0xFFFF);
	int rc = 0;

	plmn_encode(m->plmn, plmn);
	/* TMSI, LAI (PLMN + LAC), TMSI TIME, update status "updated" */
	loci[0] = tmsi >> 24, loci[1] = tmsi >> 16, loci[2] = tmsi >> 8, loci[3] = tmsi;
	memcpy(loci + 4, plmn, 3);
	loci[7] = m->tac >> 8, loci[8] = m->tac;
	loci[9] = 0xFF, loci[10] = 0x00;
	/* P-TMSI, P-TMSI signature, RAI (LAI + RAC), routing area update status */
	memcpy(psloci, loci, 4);
	psloci[4] = 0x12, psloci[5] = 0x34, psloci[6] = 0x56;
	memcpy(psloci + 7, loci + 4, 5);
	psloci[12] = 0x01, psloci[13] = 0x00;
	/* GUTI (length, type, PLMN, MMEGI, MMEC, M-TMSI), last TAI, EPS update status */
	eps[0] = 0x0B, eps[1] = 0xF6;
	memcpy(eps + 2, plmn, 3);
	eps[5] = 0x80, eps[6] = 0x01, eps[7] = 0x01;
	memcpy(eps + 8, loci, 4);
	memcpy(eps + 12, plmn, 3);
	eps[15] = m->tac >> 8, eps[16] = m->tac;
	eps[17] = 0x00;
	if (update_ef(m, 0x6F7E, loci, sizeof(loci)))
		rc = -1;
	if (update_ef(m, 0x6F73, psloci, sizeof(psloci)))
		rc = -1;
	if (m->rat == RAT_LTE && update_ef(m, 0x6FE3, eps, sizeof(eps)))
		rc = -1;
	return rc;
}

int modem_card_add_fplmn(struct ns_modem *m, const char *plmn)
{
	uint8_t b[256];
	long n, i;

	if (modem_slot_physical(m)) {
		/* the physical card keeps it: netsim remembers it while it is selected */
		if (m->n_fplmn >= NS_FPLMN_MAX)
			return -1;
		strcpy(m->fplmn[m->n_fplmn++], plmn);
		return 0;
	}
	n = read_ef(m, 0x6F7B, b, sizeof(b));
	for (i = 0; i + 3 <= n; i += 3)
		if (b[i] == 0xFF) {
			plmn_encode(plmn, b + i);
			if (update_ef(m, 0x6F7B, b, (uint8_t)n))
				return -1;
			if (m->n_fplmn < NS_FPLMN_MAX)
				strcpy(m->fplmn[m->n_fplmn++], plmn);
			return 0;
		}
	return -1;
}

/* ---- the AT port ---- */

static void port_out(struct ns_port *p, const char *s, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(p->ptm, s, n);
		if (w <= 0)
			return;		/* nobody reads: the modem's buffer overflows */
		s += w;
		n -= (size_t)w;
	}
}

static void at_out(struct ns_modem *m, const char *s, size_t n)
{
	port_out(m->io, s, n);
}

static void rsp(struct ns_modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rsp(struct ns_modem *m, const char *fmt, ...)
{
	struct ns_port *p = m->io;
	size_t room = sizeof(p->resp) - p->resp_len;
	va_list ap;
	int n;

	if (room < 8)
		return;
	memcpy(p->resp + p->resp_len, "\r\n", 2);
	p->resp_len += 2;
	va_start(ap, fmt);
	n = vsnprintf(p->resp + p->resp_len, room - 4, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	p->resp_len += (size_t)n < room - 4 ? (size_t)n : room - 5;
	memcpy(p->resp + p->resp_len, "\r\n", 2);
	p->resp_len += 2;
}

static void final_in(struct ns_modem *m, unsigned int ms)
{
	m->io->busy = true;
	m->io->abortable = false;
	m->io->abort_text = NULL;
	m->io->resp_at = ns_now() + ms;
}

static void ok(struct ns_modem *m)
{
	rsp(m, "OK");
}

static const char *cme_text(int code)
{
	switch (code) {
	case 3: return "operation not allowed";
	case 4: return "operation not supported";
	case 10: return "SIM not inserted";
	case 11: return "SIM PIN required";
	case 12: return "SIM PUK required";
	case 13: return "SIM failure";
	case 14: return "SIM busy";
	case 16: return "incorrect password";
	case 30: return "no network service";
	case 50: return "incorrect parameters";
	case 111: return "PLMN not allowed";
	case 113: return "roaming not allowed in this location area";
	case 133: return "requested service option not subscribed";
	case 134: return "service option temporarily out of order";
	case 148: return "unspecified GPRS error";
	case 149: return "PDP authentication failure";
	default: return "unknown";
	}
}

static void cme(struct ns_modem *m, int code)
{
	if (m->cmee == 1)
		rsp(m, "+CME ERROR: %d", code);
	else if (m->cmee == 2)
		rsp(m, "+CME ERROR: %s", cme_text(code));
	else
		rsp(m, "ERROR");
}

static void urc(struct ns_modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void urc(struct ns_modem *m, const char *fmt, ...)
{
	struct ns_port *p = &m->port[0];	/* URCs come on the main port */
	char b[256];
	va_list ap;
	int n;

	b[0] = '\r', b[1] = '\n';
	va_start(ap, fmt);
	n = vsnprintf(b + 2, sizeof(b) - 4, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > sizeof(b) - 5)
		return;
	memcpy(b + 2 + n, "\r\n", 2);
	/*
	 * As modems do (Quectel's AT manuals, "URC output"), a URC raised
	 * while a command is answered waits for its final result: an answer
	 * read before a change never arrives after the change's URC.
	 */
	if (p->busy) {
		if (p->urcs_len + (size_t)n + 4 > sizeof(p->urcs)) {
			m->urcs_lost++;
			return;
		}
		memcpy(p->urcs + p->urcs_len, b, (size_t)n + 4);
		p->urcs_len += (size_t)n + 4;
		return;
	}
	port_out(p, b, (size_t)n + 4);
}

static bool registered(const struct ns_modem *m)
{
	return m->stat == REG_HOME || m->stat == REG_ROAMING;
}

/* the fields after <stat> of a +CxREG for @n (TS 27.007 §7.2, §10.1.20, §10.1.22) */
static void reg_tail(const struct ns_modem *m, int dom, int n, char *b, size_t len)
{
	bool loc = n >= 2 && (registered(m) || m->stat == REG_DENIED) && m->plmn[0];
	size_t o = 0;

	b[0] = 0;
	if (!loc)
		return;
	if (dom == 2)
		o = (size_t)snprintf(b, len, ",\"%04X\",\"%08X\",%d", m->tac, m->ci, m->act);
	else
		o = (size_t)snprintf(b, len, ",\"%04X\",\"%08X\",%d%s", m->tac & 0xFFFF, m->ci,
				     m->act, dom == 1 ? ",\"00\"" : "");
	if (n >= 3 && m->stat == REG_DENIED && m->reject_cause >= 0 && o < len)
		snprintf(b + o, len - o, ",0,%d", m->reject_cause);
}

static void reg_urcs(struct ns_modem *m)
{
	char tail[96];
	int d;

	for (d = 0; d < 3; d++) {
		if (!m->reg_n[d])
			continue;
		reg_tail(m, d, m->reg_n[d], tail, sizeof(tail));
		urc(m, "+%s: %d%s", dom_name[d], m->stat, tail);
	}
}

void modem_set_reg(struct ns_modem *m, int stat, int cause)
{
	bool changed = m->stat != stat || m->reject_cause != cause;

	m->stat = stat;
	m->reject_cause = cause;
	if (changed)
		reg_urcs(m);
}

/* ---- procedures: boot, network search, attach ---- */

static void proc(struct ns_modem *m, enum ns_proc p, unsigned int ms)
{
	m->proc = p;
	m->proc_at = ns_now() + ms;
}

static void start_search(struct ns_modem *m, bool fresh)
{
	if (fresh)
		m->tried = 0;
	if (!m->card_ready || m->cfun != 1 || m->cops_mode == 2) {
		m->proc = PROC_IDLE;
		return;
	}
	modem_set_reg(m, REG_SEARCHING, -1);
	proc(m, PROC_SEARCH, m->cfg->search_ms);
}

static bool forbidden(const struct ns_modem *m, const char *plmn)
{
	unsigned int i;

	for (i = 0; i < m->n_fplmn; i++)
		if (!strcmp(m->fplmn[i], plmn))
			return true;
	return false;
}

static bool tried(const struct ns_modem *m, const char *plmn)
{
	unsigned int i;

	for (i = 0; i < m->tried; i++)
		if (!strcmp(m->tried_plmn[i], plmn))
			return true;
	return false;
}

static int best_rat(const struct ns_modem *m, const struct ns_operator *o)
{
	int r;

	for (r = RAT_N - 1; r >= 0; r--)
		if (o->rats & m->cfg->rats & RAT_BIT(r))
			return r;
	return -1;
}

/* The next network to try: the one chosen by hand, or the HPLMN, then by signal. */
static const struct ns_operator *pick(struct ns_modem *m, int *rat)
{
	const struct ns_location *l = &ns.sc.locs[m->loc];
	const struct ns_operator *best = NULL, *o;
	char home[7];
	unsigned int i;

	snprintf(home, sizeof(home), "%.*s", 3 + (int)m->mnc_len, m->imsi);
	for (i = 0; i < l->n_ops; i++) {
		o = &l->ops[i];
		if (best_rat(m, o) < 0 || tried(m, o->plmn))
			continue;
		if (m->cops_mode == 1) {
			if (strcmp(o->plmn, m->cops_plmn))
				continue;
		} else if (forbidden(m, o->plmn)) {
			continue;
		}
		if (!strcmp(o->plmn, home) || m->cops_mode == 1) {
			best = o;
			break;
		}
		if (!best || o->signal[best_rat(m, o)] > best->signal[best_rat(m, best)])
			best = o;
	}
	if (best)
		*rat = best_rat(m, best);
	return best;
}

static void cops_outcome(struct ns_modem *m)
{
	struct ns_port *p = m->port[0].cops_wait ? &m->port[0] :
			    m->port[1].cops_wait ? &m->port[1] : NULL;

	if (!p || !p->busy)
		return;
	p->cops_wait = false;
	m->io = p;
	if (registered(m))
		ok(m);
	else if (m->reject_cause == 11)
		cme(m, 111);
	else if (m->reject_cause == 13)
		cme(m, 113);
	else
		cme(m, 30);
	final_in(m, 0);
}

static void do_search(struct ns_modem *m)
{
	const struct ns_operator *o;
	struct ns_fail *f;
	unsigned int delay = m->cfg->attach_ms;
	int rat, st;

	o = pick(m, &rat);
	if (!o) {
		ns_log("%s: no network to register on at %s", m->cfg->name,
		       ns.sc.locs[m->loc].name);
		m->proc = PROC_IDLE;
		if (m->stat == REG_SEARCHING && m->reject_cause < 0 && m->tried)
			modem_set_reg(m, REG_NOT, -1);
		cops_outcome(m);
		return;
	}
	strcpy(m->tried_plmn[m->tried++ % NS_OPS_MAX], o->plmn);
	strcpy(m->plmn, o->plmn);
	m->rat = rat;
	m->act = ns_act[rat];
	m->tac = o->tac;
	m->ci = o->ci;
	for (st = STAGE_AUTH; st <= STAGE_REGISTER; st++) {
		f = net_fail(m, st, o->plmn);
		if (!f)
			continue;
		if (f->mode == FAIL_SILENCE) {
			ns_log("%s: %s on %s: the network does not answer (fail %s)",
			       m->cfg->name, st == STAGE_AUTH ? "authentication" : "registration",
			       o->plmn, f->name);
			/* T3410 runs out, and the modem tries again */
			proc(m, PROC_SILENT, m->cfg->attach_timeout_ms);
			cops_outcome(m);
			return;
		}
		if (f->mode == FAIL_DELAY)
			delay += f->ms;
		else
			f->used--;	/* applied at attach */
	}
	proc(m, PROC_ATTACH, delay);
}

static void after_attach(struct ns_modem *m)
{
	int c = m->reject_cause;

	if (registered(m)) {
		m->proc = PROC_IDLE;
		cops_outcome(m);
		return;
	}
	/* PLMN-level causes: the next network, as TS 24.301 §5.5.1.2.5 */
	if (m->cops_mode == 0 && (c == 11 || c == 13 || c == 15)) {
		if (c == 11)
			modem_card_add_fplmn(m, m->plmn);
		proc(m, PROC_SEARCH, m->cfg->search_ms);
		return;
	}
	if (c == 22) {		/* congestion: T3346, then again */
		m->tried = 0;
		proc(m, PROC_SEARCH, 10000);
		cops_outcome(m);
		return;
	}
	m->proc = PROC_IDLE;
	cops_outcome(m);
}

static void card_removed(struct ns_modem *m)
{
	ns_log("%s: card removed", m->cfg->name);
	if (m->sub >= 0 || registered(m))
		net_detach(m, "card removed");
	card_down(m);
	m->card_present = false;
	m->proc = PROC_IDLE;
	m->flap_ms = 0;
	modem_set_reg(m, REG_NOT, -1);
}

static void card_inserted(struct ns_modem *m)
{
	ns_log("%s: card inserted", m->cfg->name);
	m->card_present = true;
	if (m->cfun != 0)
		proc(m, PROC_BOOT, m->cfg->boot_ms);
}

void modem_card_event(struct ns_modem *m)
{
	uint32_t ev = 0;

	if (ioctl(m->cfd, VUICC_IOC_GET_EVENTS, &ev))
		return;
	if (ev & VUICC_EVENT_REMOVED)
		m->vuicc_present = false;
	if (ev & VUICC_EVENT_INSERTED)
		m->vuicc_present = true;
	if (modem_slot_physical(m))
		return;		/* vuicc's card is in a slot the modem does not use now */
	if (ev & VUICC_EVENT_REMOVED)
		card_removed(m);
	if (ev & VUICC_EVENT_INSERTED)
		card_inserted(m);
}

/*
 * sim = t0: a card on a wire raises no event.  Like a modem, check its
 * presence with STATUS; a card that went silent (a profile switch
 * deactivated it) is taken as removed and read again from a cold reset; a
 * card with no profile (its boot reads fail) is tried again at each check.
 */
static void sim_check(struct ns_modem *m, uint64_t now)
{
	if (!m->cfg->sim_t0 || now < m->sim_poll_at || modem_slot_physical(m))
		return;
	m->sim_poll_at = now + m->cfg->sim_poll_ms;
	if (m->cfun == 0 || m->proc == PROC_BOOT)
		return;
	if (m->card_ready || m->pin_need != PIN_NONE) {
		if (sim_present(m))
			return;
		m->sim_lost++;
		ns_log("%s: presence check: STATUS unanswered (asked %llu ms ago)", m->cfg->name,
		       (unsigned long long)(ns_now() - now));
		card_removed(m);
		/* the next check tries to read it again, first with a warm reset */
		m->sim_warm = true;
		return;
	}
	if (!m->card_present) {
		m->card_present = true;
		proc(m, PROC_BOOT, 0);
	}
}

/*
 * sim = sap: the server tells of the card with STATUS_IND (read every
 * SAP_POLL_MS): removed or not accessible, the modem detaches as on the
 * chardev's removal event; inserted or recovered, it reads the card; a
 * reset it did not ask for (someone else reset the card) loses the card's
 * state: read again, as a removal and an insertion.  A lost link is a
 * removal; the server is tried again every second.
 */
#define SAP_POLL_MS 100

static void sap_status(struct ns_modem *m, int st)
{
	bool physical = modem_slot_physical(m);

	ns_log("%s: SAP STATUS_IND %d", m->cfg->name, st);
	switch (st) {
	case NS_SAP_ST_REMOVED:
	case NS_SAP_ST_NOT_ACCESSIBLE:
		m->vuicc_present = false;
		if (!physical)
			card_removed(m);
		break;
	case NS_SAP_ST_INSERTED:
	case NS_SAP_ST_RECOVERED:
	case NS_SAP_ST_RESET:
		if (st == NS_SAP_ST_RESET && m->vuicc_present && !physical)
			card_removed(m);
		m->vuicc_present = true;
		if (!physical)
			card_inserted(m);
		break;
	default:
		break;
	}
}

static void sap_check(struct ns_modem *m, uint64_t now)
{
	int st;

	if (!m->cfg->sim_sap || now < m->sim_poll_at)
		return;
	m->sim_poll_at = now + SAP_POLL_MS;
	if (m->sap.fd >= 0 && !m->sap.lost)
		nsap_poll(&m->sap);
	while ((st = nsap_next_status(&m->sap)) >= 0)
		sap_status(m, st);
	if (m->sap.fd >= 0 && m->sap.lost) {
		ns_log("%s: SAP link lost", m->cfg->name);
		nsap_close(&m->sap);
		m->sim_lost++;
		m->vuicc_present = false;
		if (!modem_slot_physical(m))
			card_removed(m);
		m->sap_retry_at = now + 1000;
		return;
	}
	if (m->sap.fd < 0 && now >= m->sap_retry_at) {
		if (sim_sap_connect(m) > 0) {
			m->vuicc_present = true;
			if (!modem_slot_physical(m))
				card_inserted(m);
		} else {
			m->sap_retry_at = now + 1000;
		}
	}
}

static void select_slot(struct ns_modem *m, unsigned int n);

void modem_tick(struct ns_modem *m, uint64_t now)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct ns_port *p = &m->port[k];

		if (p->ptm < 0 || !p->busy || now < p->resp_at)
			continue;
		port_out(p, p->resp, p->resp_len);
		p->resp_len = 0;
		p->busy = false;
		p->abortable = false;
		port_out(p, p->urcs, p->urcs_len);
		p->urcs_len = 0;
		if (p->in_len)
			modem_at_input(m, k);
	}
	if (m->slot_next && !m->port[0].busy && !m->port[1].busy) {
		unsigned int n = m->slot_next;

		m->slot_next = 0;
		select_slot(m, n);
	}
	if (m->blackhole_at && now >= m->blackhole_at)
		net_blackhole(m);
	if (m->flap_ms && now >= m->flap_at) {
		if (registered(m) || m->stat == REG_SEARCHING) {
			int st = m->stat == REG_SEARCHING ? (m->sub >= 0 &&
				 !strcmp(ns.sc.subs[m->sub].home, m->plmn) ? REG_HOME : REG_ROAMING)
				 : REG_SEARCHING;

			ns_log("%s: coverage flaps: stat %d", m->cfg->name, st);
			modem_set_reg(m, st, -1);
		}
		m->flap_at = now + m->flap_ms;
	}
	sim_check(m, now);
	sap_check(m, now);
	if (m->proc == PROC_IDLE || now < m->proc_at)
		return;
	switch (m->proc) {
	case PROC_BOOT: {
		int rc;

		uint64_t t0 = ns_now();

		m->proc = PROC_IDLE;
		rc = card_boot(m);
		/* the modems share one thread: a boot that held it is worth a line */
		if (rc < 0 && ns_now() - t0 >= 1000)
			ns_log("%s: the boot reads failed after %llu ms", m->cfg->name,
			       (unsigned long long)(ns_now() - t0));
		if (rc > 0) {		/* waits for +CPIN: no search, no authentication */
			m->sim_boot_ok = true;
			return;
		}
		if (rc) {
			if (!m->cfg->sim_t0 || m->boots == 1 || m->sim_boot_ok)
				ns_log("%s: the card did not answer the boot reads", m->cfg->name);
			m->sim_boot_ok = false;
			card_down(m);
			if (m->cfg->sim_t0)
				m->card_present = false;	/* no profile: tried again */
			return;
		}
		m->sim_boot_ok = true;
		start_search(m, true);
		break;
	}
	case PROC_SEARCH:
		do_search(m);
		break;
	case PROC_SILENT:
		ns_log("%s: no answer from the network (T3410): trying again", m->cfg->name);
		m->tried = 0;
		do_search(m);
		break;
	case PROC_ATTACH: {
		const struct ns_operator *o = net_operator(m->loc, m->plmn);

		m->proc = PROC_IDLE;
		if (!o) {
			start_search(m, false);
			break;
		}
		net_attach(m, o, m->rat);
		after_attach(m);
		break;
	}
	default:
		break;
	}
}

uint64_t modem_deadline(const struct ns_modem *m)
{
	uint64_t d = UINT64_MAX;

	unsigned int k;

	for (k = 0; k < 2; k++)
		if (m->port[k].busy && m->port[k].resp_at < d)
			d = m->port[k].resp_at;
	if (m->flap_ms && m->flap_at < d)
		d = m->flap_at;
	if (m->blackhole_at && m->blackhole_at < d)
		d = m->blackhole_at;
	if (m->proc != PROC_IDLE && m->proc_at < d)
		d = m->proc_at;
	if ((m->cfg->sim_t0 || m->cfg->sim_sap) && m->sim_poll_at < d)
		d = m->sim_poll_at;
	return d;
}

void modem_moved(struct ns_modem *m, int loc)
{
	ns_log("%s: moved to %s", m->cfg->name, ns.sc.locs[loc].name);
	if (m->sub >= 0 || registered(m))
		net_detach(m, "moved");
	m->loc = loc;
	m->flap_ms = 0;
	modem_set_reg(m, REG_NOT, -1);
	if (m->proc != PROC_BOOT)	/* a boot in progress searches when done */
		start_search(m, true);
}

/* ---- AT commands ---- */

enum at_kind { AT_ACT, AT_READ, AT_TEST, AT_SET };

/* splits "a,b,\"c\"" into at most @max fields (quotes removed) */
static int args(char *s, char **f, int max)
{
	int n = 0;
	bool q = false;
	char *o = s;

	if (!*s)
		return 0;
	f[n++] = o;
	for (; *s; s++) {
		if (*s == '"') {
			q = !q;
			continue;
		}
		if (*s == ',' && !q) {
			*o++ = 0;
			if (n == max)
				return -1;
			f[n++] = o;
			continue;
		}
		*o++ = *s;
	}
	*o = 0;
	return q ? -1 : n;
}

static bool int_arg(const char *s, int lo, int hi, int *v)
{
	char *e;
	long x;

	if (!*s)
		return false;
	x = strtol(s, &e, 10);
	if (*e || x < lo || x > hi)
		return false;
	*v = (int)x;
	return true;
}

static int signal_of(const struct ns_modem *m, int rat)
{
	const struct ns_operator *o = m->plmn[0] ? net_operator(m->loc, m->plmn) : NULL;

	if (!o || !(o->rats & RAT_BIT(rat)) || m->cfun != 1 || !m->card_present)
		return INT_MIN;
	return o->signal[rat];
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void cmd_creg(struct ns_modem *m, int dom, enum at_kind k, char **a, int na)
{
	char tail[96];
	int n;

	if (k == AT_TEST) {
		rsp(m, "+%s: (0-3)", dom_name[dom]);
	} else if (k == AT_READ) {
		reg_tail(m, dom, m->reg_n[dom], tail, sizeof(tail));
		rsp(m, "+%s: %d,%d%s", dom_name[dom], m->reg_n[dom], m->stat, tail);
	} else if (k == AT_SET && na == 1 && int_arg(a[0], 0, 3, &n)) {
		m->reg_n[dom] = n;
	} else {
		cme(m, 50);
		return;
	}
	ok(m);
}

static void cmd_cops(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	const struct ns_location *l = &ns.sc.locs[m->loc];
	char list[2048];
	size_t o = 0;
	unsigned int i;
	int r, mode;

	if (k == AT_TEST) {
		if (m->cfun != 1) {
			cme(m, 3);
			return;
		}
		for (i = 0; i < l->n_ops; i++)
			for (r = RAT_N - 1; r >= 0; r--) {
				const struct ns_operator *op = &l->ops[i];
				int st = forbidden(m, op->plmn) ? 3 :
					 registered(m) && !strcmp(m->plmn, op->plmn) &&
					 m->rat == r ? 2 : 1;

				if (!(op->rats & m->cfg->rats & RAT_BIT(r)) || o > sizeof(list) - 128)
					continue;
				o += (size_t)snprintf(list + o, sizeof(list) - o,
						      "%s(%d,\"%s\",\"%.15s\",\"%s\",%d)",
						      o ? "," : "", st, op->name, op->name, op->plmn,
						      ns_act[r]);
			}
		rsp(m, "+COPS: %s,,(0,1,2,3,4),(0,1,2)", list);
		ok(m);
		final_in(m, m->cfg->scan_ms);
		return;
	}
	if (k == AT_READ) {
		if (registered(m))
			rsp(m, "+COPS: %d,2,\"%s\",%d", m->cops_mode, m->plmn, m->act);
		else
			rsp(m, "+COPS: %d", m->cops_mode);
		ok(m);
		return;
	}
	if (k != AT_SET || na < 1 || !int_arg(a[0], 0, 4, &mode)) {
		cme(m, 50);
		return;
	}
	if (mode == 3) {		/* only sets the format */
		ok(m);
		return;
	}
	if (mode == 2) {
		m->cops_mode = 2;
		if (m->sub >= 0 || registered(m))
			net_detach(m, "deregistered (+COPS=2)");
		m->proc = PROC_IDLE;
		modem_set_reg(m, REG_NOT, -1);
		ok(m);
		return;
	}
	if (mode == 1 || mode == 4) {
		if (na < 3 || strlen(a[2]) < 5 || strlen(a[2]) > 6) {
			cme(m, 50);
			return;
		}
		if (!m->card_ready) {
			cme(m, 10);
			return;
		}
		if (registered(m) && !strcmp(m->plmn, a[2])) {
			m->cops_mode = 1;
			strcpy(m->cops_plmn, a[2]);
			ok(m);
			return;
		}
		if (m->sub >= 0 || registered(m))
			net_detach(m, "manual network selection");
		m->cops_mode = 1;
		strcpy(m->cops_plmn, a[2]);
		start_search(m, true);
		m->io->cops_wait = true;
		m->io->busy = true;
		m->io->resp_at = UINT64_MAX;	/* answered when the attempt ends */
		return;
	}
	/* automatic */
	m->cops_mode = 0;
	if (!registered(m) && m->proc == PROC_IDLE)
		start_search(m, true);
	ok(m);
}

static void cmd_cfun(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	int f;

	if (k == AT_TEST) {
		rsp(m, "+CFUN: (0,1,4),(0,1)");
	} else if (k == AT_READ) {
		rsp(m, "+CFUN: %d", m->cfun);
	} else if (k == AT_SET && na >= 1 && int_arg(a[0], 0, 4, &f) && f != 2 && f != 3) {
		if (f == m->cfun && !(na > 1 && !strcmp(a[1], "1"))) {
			ok(m);
			return;
		}
		if (f != 1) {
			if (m->sub >= 0 || registered(m))
				net_detach(m, f == 0 ? "+CFUN=0" : "+CFUN=4");
			m->proc = PROC_IDLE;
			m->flap_ms = 0;
			modem_set_reg(m, REG_NOT, -1);
		}
		if (f == 0) {
			sim_power_off(m);
			card_down(m);
		}
		m->cfun = f;
		if (f != 0 && !m->card_ready && m->pin_need == PIN_NONE && m->card_present)
			proc(m, PROC_BOOT, m->cfg->boot_ms);
		else if (f == 1)
			start_search(m, true);
		ok(m);
		final_in(m, f == 1 ? 100 : 50);
		return;
	} else {
		cme(m, 50);
		return;
	}
	ok(m);
}

/*
 * sim = t0: a card on a wire raises no event, and a profile switch is seen
 * at the next presence check.  Before answering for the card, check it
 * now, as sim_check() does: a card that went silent is taken as removed
 * (+CME ERROR: 10 until it is read again), never answered for with the
 * PIN state of the card before.
 */
static void sim_check_now(struct ns_modem *m)
{
	if (!m->cfg->sim_t0 || (!m->card_ready && m->pin_need == PIN_NONE))
		return;
	if (sim_present(m))
		return;
	m->sim_lost++;
	card_removed(m);
	m->sim_warm = true;
	m->sim_poll_at = ns_now();	/* read again at once */
}

/*
 * +CPIN (TS 27.007 §8.3): what the card waits for, and PIN1 to it.  The
 * card is the truth: its VERIFY PIN answer, never the scenario.  The PIN
 * is not logged.  Unblocking with the PUK (+CPIN=puk,newpin) is not done:
 * SIM PUK is answered +CME ERROR: 12.
 */
static void cmd_cpin(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	uint16_t sw;
	size_t len;

	if (k == AT_TEST)
		return ok(m);
	if (k != AT_READ && k != AT_SET)
		return cme(m, 50);
	sim_check_now(m);
	if (!m->card_present || m->cfun == 0)
		return cme(m, 10);
	if (!m->card_ready && m->pin_need == PIN_NONE)
		return cme(m, m->proc == PROC_BOOT ? 14 : 13);
	if (k == AT_READ) {
		rsp(m, "+CPIN: %s", m->pin_need == PIN_SIM_PUK ? "SIM PUK" :
		    m->pin_need == PIN_SIM_PIN ? "SIM PIN" : "READY");
		return ok(m);
	}
	if (m->pin_need == PIN_NONE)
		return cme(m, 3);	/* nothing asked for */
	if (m->pin_need == PIN_SIM_PUK)
		return cme(m, 12);
	len = na >= 1 ? strlen(a[0]) : 0;
	if (na < 1 || len < 4 || len > 8 || strspn(a[0], "0123456789") != len)
		return cme(m, 50);
	m->pin_verifies++;
	sw = verify_pin1(m, a[0]);
	memset(a[0], 0, len);
	switch (pin_state(m, sw)) {
	case 0:
		ns_log("%s: VERIFY PIN1: verified", m->cfg->name);
		ok(m);
		if (card_read_usim(m)) {
			ns_log("%s: the card did not answer the reads after the PIN", m->cfg->name);
			return;
		}
		if (m->cfun == 1)
			start_search(m, true);
		return;
	case 1:
		m->pin_wrong++;
		ns_log("%s: VERIFY PIN1: %04X, %s (%d tries left)", m->cfg->name, sw,
		       m->pin_need == PIN_SIM_PUK ? "blocked: PUK required" : "wrong PIN",
		       m->pin_tries);
		return cme(m, m->pin_need == PIN_SIM_PUK ? 12 : 16);
	default:
		ns_log("%s: VERIFY PIN1: %04X", m->cfg->name, sw);
		return cme(m, 13);
	}
}

/*
 * +CPINR (TS 27.007 §8.65): the retry counters, from the card (VERIFY and
 * UNBLOCK PIN without data).  "+CPINR: <code>,<retries>,<default retries>"
 * for SIM PIN and SIM PUK, those matching the optional <sel_code> (with *).
 */
static void cmd_cpinr(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	static const uint8_t unblock[] = { 0x00, 0x2C, 0x00, 0x01 };
	const char *sel = k == AT_SET && na >= 1 ? a[0] : "*";
	uint8_t r[16];
	uint16_t sw;
	long n;

	if (k == AT_TEST)
		return ok(m);
	if (k != AT_ACT && k != AT_SET)
		return cme(m, 50);
	sim_check_now(m);
	if (!m->card_present || m->cfun == 0)
		return cme(m, 10);
	if (!fnmatch(sel, "SIM PIN", 0)) {
		sw = verify_pin1(m, NULL);
		if (sw == 0x9000)
			rsp(m, "+CPINR: SIM PIN,3,3");
		else if ((sw & 0xFFF0) == 0x63C0 || sw == 0x6983)
			rsp(m, "+CPINR: SIM PIN,%d,3", sw == 0x6983 ? 0 : sw & 0x0F);
	}
	if (!fnmatch(sel, "SIM PUK", 0)) {
		n = apdu(m, unblock, sizeof(unblock), r, sizeof(r));
		sw = n >= 2 ? (uint16_t)(r[n - 2] << 8 | r[n - 1]) : 0;
		if ((sw & 0xFFF0) == 0x63C0 || sw == 0x6983)
			rsp(m, "+CPINR: SIM PUK,%d,10", sw == 0x6983 ? 0 : sw & 0x0F);
	}
	ok(m);
}

static void cmd_csim(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	uint8_t c[300], r[300];
	char hex[601];
	int len, i;
	long n;

	if (k != AT_SET || na != 2 || !int_arg(a[0], 10, 522, &len) ||
	    (size_t)len != strlen(a[1]) || len % 2) {
		cme(m, 50);
		return;
	}
	if (!m->card_present) {
		cme(m, 10);
		return;
	}
	for (i = 0; i < len / 2; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)a[1][2 * i]) ||
		    !isxdigit((unsigned char)a[1][2 * i + 1]) || sscanf(a[1] + 2 * i, "%2x", &b) != 1) {
			cme(m, 50);
			return;
		}
		c[i] = (uint8_t)b;
	}
	n = sim_apdu(m, c, (size_t)len / 2, r, sizeof(r), false);
	if (n < 2) {
		cme(m, 13);
		return;
	}
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02X", r[i]);
	rsp(m, "+CSIM: %ld,\"%s\"", n * 2, hex);
	ok(m);
}

static void cmd_cgact(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	unsigned int delay = m->cfg->pdp_ms;
	int st, cid, rc;

	if (k == AT_TEST) {
		rsp(m, "+CGACT: (0,1)");
		ok(m);
		return;
	}
	if (k == AT_READ) {
		rsp(m, "+CGACT: 1,%d", m->pdp_active);
		ok(m);
		return;
	}
	if (k != AT_SET || na != 2 || !int_arg(a[0], 0, 1, &st) || !int_arg(a[1], 1, 1, &cid)) {
		cme(m, 50);
		return;
	}
	if (!st) {
		if (m->pdp_active)
			net_pdp_deactivate(m);
		ok(m);
		final_in(m, m->cfg->pdp_ms / 2);
		return;
	}
	if (m->pdp_active) {
		ok(m);
		return;
	}
	if (!registered(m)) {
		snprintf(m->ceer, sizeof(m->ceer), "no network service");
		cme(m, 30);
		return;
	}
	if (!m->pdp_defined) {
		cme(m, 148);
		return;
	}
	rc = net_pdp_activate(m, &delay);
	if (rc == -2) {		/* silence: this answer never comes; later ones do */
		m->io->resp_len = 0;
		return;
	}
	if (rc > 0)
		cme(m, rc);
	else
		ok(m);
	final_in(m, delay);
}

static void cmd_cgdcont(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	int cid;

	if (k == AT_TEST) {
		rsp(m, "+CGDCONT: (1),\"IP\",,,(0),(0)");
	} else if (k == AT_READ) {
		if (m->pdp_defined)
			rsp(m, "+CGDCONT: 1,\"IP\",\"%s\",\"%s\",0,0", m->apn,
			    m->pdp_active ? m->addr : "0.0.0.0");
	} else if (k == AT_SET && na >= 1 && int_arg(a[0], 1, 1, &cid)) {
		if (na == 1) {
			m->pdp_defined = false;
		} else if (strcmp(a[1], "IP") || na < 3 || strlen(a[2]) >= sizeof(m->apn)) {
			cme(m, 50);
			return;
		} else {
			strcpy(m->apn, a[2]);
			m->pdp_defined = true;
		}
	} else {
		cme(m, 50);
		return;
	}
	ok(m);
}

static void cmd_signal(struct ns_modem *m, bool cesq)
{
	int g = signal_of(m, RAT_GSM), u = signal_of(m, RAT_UMTS), l = signal_of(m, RAT_LTE);
	int s = m->rat == RAT_LTE ? l : m->rat == RAT_UMTS ? u : g;

	if (!registered(m) && m->stat != REG_DENIED)
		g = u = l = s = INT_MIN;
	if (cesq) {
		rsp(m, "+CESQ: %d,99,%d,255,%d,%d",
		    m->rat == RAT_GSM && g != INT_MIN ? clamp(g + 111, 0, 63) : 99,
		    m->rat == RAT_UMTS && u != INT_MIN ? clamp(u + 121, 0, 96) : 255,
		    m->rat == RAT_LTE && l != INT_MIN ? 20 : 255,
		    m->rat == RAT_LTE && l != INT_MIN ? clamp(l + 141, 0, 97) : 255);
	} else {
		/* +CSQ is an RSSI: on LTE a modem maps RSRP to it roughly */
		if (s != INT_MIN && m->rat == RAT_LTE)
			s += 25;
		rsp(m, "+CSQ: %d,99", s == INT_MIN ? 99 : clamp((s + 113) / 2, 0, 31));
	}
	ok(m);
}

/* ---- the modem families (Documentation/dev-tools/netsim.rst, "Dialects") ---- */

static const struct {
	const char *maker, *model;
	unsigned int survey_ms;		/* typical, scaled down for tests */
} dialect_id[] = {
	[DIALECT_GENERIC] = { "vuicc", "netsim", 0 },
	[DIALECT_QUECTEL] = { "Quectel", "RM500Q-GL", 6000 },
	[DIALECT_TELIT] = { "Telit", "LE910C1-EU", 12000 },
	[DIALECT_UBLOX] = { "u-blox", "SARA-R510M8S", 8000 },
};

static unsigned int survey_ms(const struct ns_modem *m)
{
	return m->cfg->survey_ms ? m->cfg->survey_ms : dialect_id[m->cfg->dialect].survey_ms;
}

/* +WS46=? from the RATs the modem has: each alone, and the combinations */
static void cmd_ws46(struct ns_modem *m)
{
	unsigned int r = m->cfg->rats;
	bool g = r & RAT_BIT(RAT_GSM), u = r & RAT_BIT(RAT_UMTS), l = r & RAT_BIT(RAT_LTE);
	char b[64];
	size_t o = 0;

#define ADD(c, n) do { if (c) o += (size_t)snprintf(b + o, sizeof(b) - o, "%s%d", o ? "," : "", n); } while (0)
	ADD(g, 12);
	ADD(u, 22);
	ADD(g && u && l, 25);
	ADD(l, 28);
	ADD(g && u, 29);
	ADD(g && l, 30);
	ADD(u && l, 31);
#undef ADD
	rsp(m, "+WS46: (%s)", b);
	ok(m);
}

static void mcc_mnc(const char *plmn, char *mcc, char *mnc)
{
	memcpy(mcc, plmn, 3);
	mcc[3] = 0;
	strcpy(mnc, plmn + 3);
}

/* what a survey finds here: the operators the modem's RATs can see */
static bool surveyable(const struct ns_modem *m, const struct ns_operator *op, int r)
{
	return op->rats & m->cfg->rats & RAT_BIT(r);
}

/*
 * Quectel RG50xQ/RM5xxQ Network Application Note 3.2.5, AT+QSCAN=<mode>,<ext>:
 * LTE cells only here (netsim has no NR), with ext 1 the cell id and TAC.
 */
static void survey_quectel(struct ns_modem *m, char **a, int na)
{
	const struct ns_location *l = &ns.sc.locs[m->loc];
	unsigned int i;
	int mode, ext = 0;

	if (na < 1 || !int_arg(a[0], 1, 3, &mode) || (na >= 2 && !int_arg(a[1], 0, 3, &ext))) {
		cme(m, 50);
		return;
	}
	for (i = 0; i < l->n_ops && mode != 2; i++) {
		const struct ns_operator *op = &l->ops[i];
		char mcc[4], mnc[4];
		int d = op->signal[RAT_LTE];

		if (!surveyable(m, op, RAT_LTE))
			continue;
		mcc_mnc(op->plmn, mcc, mnc);
		if (ext)
			rsp(m, "+QSCAN: \"LTE\",%s,%s,%u,%u,%d,%d,%d,%d,%X,%X,100,3", mcc, mnc,
			    1850 + i * 100, 100 + i, d, -10, clamp(d + 124, -30, 90), 20,
			    op->ci, op->tac);
		else
			rsp(m, "+QSCAN: \"LTE\",%s,%s,%u,%u,%d,%d,%d,%d", mcc, mnc, 1850 + i * 100,
			    100 + i, d, -10, clamp(d + 124, -30, 90), 20);
	}
	ok(m);
	final_in(m, survey_ms(m));
}

/*
 * Telit AT#CSURV (GM862 and LE910 V2 AT references): the text form with
 * #CSURVF=0 (decimal LAC and cell id), a record per carrier between
 * "Network survey started ..." and "Network survey ended", blank lines
 * between records.
 */
static void survey_telit(struct ns_modem *m)
{
	const struct ns_location *l = &ns.sc.locs[m->loc];
	unsigned int i;

	rsp(m, "Network survey started ...");
	for (i = 0; i < l->n_ops; i++) {
		const struct ns_operator *op = &l->ops[i];
		char mcc[4], mnc[4];

		mcc_mnc(op->plmn, mcc, mnc);
		if (surveyable(m, op, RAT_GSM))
			rsp(m, "arfcn: %u bsic: 24 rxLev: %d ber: 0.00 mcc: %s mnc: %s lac: %u "
			    "cellId: %u cellStatus: CELL_SUITABLE numArfcn: 1 arfcn: %u\r\n",
			    20 + i, op->signal[RAT_GSM], mcc, mnc, op->tac, op->ci & 0xFFFF, 20 + i);
		if (surveyable(m, op, RAT_UMTS))
			rsp(m, "uarfcn: %u rxLev: %d mcc: %s mnc: %s scr code: %u cellId: %u lac: %u "
			    "cellStatus: CELL_SUITABLE rscp: %d ecio: -8.5\r\n", 10700 + i,
			    op->signal[RAT_UMTS] + 10, mcc, mnc, 5 + i, op->ci, op->tac,
			    op->signal[RAT_UMTS]);
		if (surveyable(m, op, RAT_LTE))
			rsp(m, "earfcn: %u rxLev: %d mcc: %s mnc: %s cellId: %u tac: %u "
			    "cellIdentity: %u cellStatus: CELL_SUITABLE rsrp: %d rsrq: -11\r\n",
			    6300 + i * 100, op->signal[RAT_LTE] + 30, mcc, mnc, 100 + i, op->tac,
			    op->ci, op->signal[RAT_LTE]);
	}
	/* a carrier whose BCCH was not decoded: level only */
	rsp(m, "arfcn: 999 rxLev: -108");
	rsp(m, "Network survey ended");
	ok(m);
	final_in(m, survey_ms(m));
}

/*
 * u-blox AT+COPS=5 (SARA-U2/G3, SARA-R5 AT manuals): one line per cell;
 * 2G RxLev (TS 45.008) in hex, 3G RSCP and 4G RSRP as levels (TS 25.133,
 * 36.133); abortable: a character gives "ABORTED".
 */
static void survey_ublox(struct ns_modem *m)
{
	const struct ns_location *l = &ns.sc.locs[m->loc];
	unsigned int i;

	for (i = 0; i < l->n_ops; i++) {
		const struct ns_operator *op = &l->ops[i];
		int mcc = atoi((char[4]){ op->plmn[0], op->plmn[1], op->plmn[2], 0 });
		int mnc = atoi(op->plmn + 3);

		if (surveyable(m, op, RAT_GSM))
			rsp(m, "MCC:%d, MNC:%d, LAC:%04x, CI:%04x, BSIC:3f, Arfcn:%05u, RxLev:%03x",
			    mcc, mnc, op->tac & 0xFFFF, op->ci & 0xFFFF, 100 + i,
			    clamp(op->signal[RAT_GSM] + 110, 0, 63));
		if (surveyable(m, op, RAT_UMTS))
			rsp(m, "MCC:%d, MNC:%d, LAC:%04x, CI:%x, DLF:%u, ULF:%u, SC:%u, RSCP LEV:%d, "
			    "ECN0 LEV:33", mcc, mnc, op->tac & 0xFFFF, op->ci, 10700 + i, 9750 + i,
			    5 + i, clamp(op->signal[RAT_UMTS] + 121, 0, 91));
		if (surveyable(m, op, RAT_LTE))
			rsp(m, "MCC:%d, MNC:%d, TAC:%x, CI:%x, DLF: %u, ULF:%u, PCI:%u, RSRP LEV:%d, "
			    "RSRQ LEV:20", mcc, mnc, op->tac, op->ci, 1300 + i, 19300 + i, 100 + i,
			    clamp(op->signal[RAT_LTE] + 141, 0, 97));
	}
	ok(m);
	final_in(m, survey_ms(m));
	m->io->abortable = true;
	m->io->abort_text = "ABORTED";
}

static void survey_log(struct ns_modem *m, const char *cmd)
{
	ns_log("%s: port %d: %s survey, answered in %u ms", m->cfg->name, (int)(m->io - m->port),
	       cmd, survey_ms(m));
}

/*
 * Selects slot @n: the card of the slot in use is removed (detach, as a
 * module's hot swap), the other is read from a boot like an inserted one.
 */
static void select_slot(struct ns_modem *m, unsigned int n)
{
	const struct ns_slot *sl = &m->cfg->slots[n - 1];

	if (n == m->slot)
		return;
	ns_log("%s: SIM slot %u selected (%s%s)", m->cfg->name, n,
	       sl->vuicc ? "vuicc's card" : "physical card ", sl->vuicc ? "" : sl->imsi);
	card_removed(m);
	m->slot = n;
	m->slot_switches++;
	m->card_present = !sl->vuicc || m->cfg->sim_t0 || m->vuicc_present;
	if (m->cfg->sim_t0 && sl->vuicc)
		m->sim_warm = false;
	if (m->card_present && m->cfun != 0)
		proc(m, PROC_BOOT, m->cfg->boot_ms);
}

/* Quectel AT+QUIMSLOT: the (U)SIM slot in use, 1 or 2 */
static void cmd_quimslot(struct ns_modem *m, enum at_kind k, char **a, int na)
{
	int v;

	if (k == AT_TEST) {
		rsp(m, "+QUIMSLOT: (1,2)");
		ok(m);
		return;
	}
	if (k == AT_READ) {
		rsp(m, "+QUIMSLOT: %u", m->slot ? m->slot : 1);
		ok(m);
		return;
	}
	if (k != AT_SET || na != 1 || !int_arg(a[0], 1, 2, &v))
		return cme(m, 50);
	if (!m->cfg->n_slots) {
		/* vuicc's card alone, in slot 1 */
		if (v != 1)
			return cme(m, 10);
		ok(m);
		return;
	}
	if ((unsigned int)v > m->cfg->n_slots)
		return cme(m, 50);
	ok(m);
	/* the OK first, then the swap (whose detach may take a while) */
	m->slot_next = (unsigned int)v;
}

/* The dialect's own commands; true when @name was one. */
static bool dialect_command(struct ns_modem *m, const char *name, enum at_kind k, char **a,
			    int na)
{
	enum ns_dialect d = m->cfg->dialect;

	if (d == DIALECT_QUECTEL && !strcmp(name, "+QUIMSLOT")) {
		cmd_quimslot(m, k, a, na);
	} else if ((!strcmp(name, "+CGMI") || !strcmp(name, "+GMI")) && k == AT_ACT) {
		rsp(m, "%s", dialect_id[d].maker);
		ok(m);
	} else if ((!strcmp(name, "+CGMM") || !strcmp(name, "+GMM")) && k == AT_ACT) {
		rsp(m, "%s", dialect_id[d].model);
		ok(m);
	} else if (!strcmp(name, "+WS46") && k == AT_TEST) {
		cmd_ws46(m);
	} else if (m->cfun != 1 && ((d == DIALECT_QUECTEL && !strcmp(name, "+QSCAN")) ||
				    (d == DIALECT_TELIT && !strcmp(name, "#CSURV")))) {
		cme(m, 3);
	} else if (d == DIALECT_QUECTEL && !strcmp(name, "+QSCAN") && k == AT_TEST) {
		rsp(m, "+QSCAN: (1-3)");
		ok(m);
	} else if (d == DIALECT_QUECTEL && !strcmp(name, "+QSCAN") && k == AT_SET) {
		survey_log(m, "+QSCAN");
		survey_quectel(m, a, na);
	} else if (d == DIALECT_TELIT && !strcmp(name, "#CSURV") && k == AT_ACT) {
		survey_log(m, "#CSURV");
		survey_telit(m);
	} else if (d == DIALECT_UBLOX && !strcmp(name, "+COPS") && k == AT_SET && na == 1 &&
		   !strcmp(a[0], "5")) {
		if (m->cfun != 1) {
			cme(m, 3);
		} else {
			survey_log(m, "+COPS=5");
			survey_ublox(m);
		}
	} else {
		return false;
	}
	return true;
}

static void command(struct ns_modem *m, char *l)
{
	char *name, *p, *a[8];
	enum at_kind k = AT_ACT;
	int na = 0, v;

	m->at_cmds++;
	if (m->io->echo) {
		at_out(m, l, strlen(l));
		at_out(m, "\r", 1);
	}
	if (strncasecmp(l, "AT", 2)) {
		return;		/* not a command: a modem ignores it */
	}
	m->io->resp_len = 0;
	name = l + 2;
	final_in(m, m->cfg->at_delay_ms);
	if (!*name) {
		ok(m);
		return;
	}
	if (!strcasecmp(name, "E0") || !strcasecmp(name, "E1") || !strcasecmp(name, "E")) {
		m->io->echo = name[1] == '1';
		ok(m);
		return;
	}
	if (!strcasecmp(name, "I")) {
		rsp(m, "vuicc netsim modem");
		ok(m);
		return;
	}
	if (*name != '+' && *name != '#') {	/* '#': Telit's own commands */
		rsp(m, "ERROR");
		return;
	}
	for (p = name; *p && *p != '=' && *p != '?'; p++)
		*p = (char)toupper((unsigned char)*p);
	if (!strcmp(p, "=?")) {
		k = AT_TEST;
	} else if (!strcmp(p, "?")) {
		k = AT_READ;
	} else if (*p == '=') {
		k = AT_SET;
		na = args(p + 1, a, 8);
		if (na < 0) {
			cme(m, 50);
			return;
		}
	} else if (*p) {
		rsp(m, "ERROR");
		return;
	}
	*p = 0;
	if (dialect_command(m, name, k, a, na))
		return;
	if (!strcmp(name, "+CMEE")) {
		if (k == AT_READ)
			rsp(m, "+CMEE: %d", m->cmee);
		else if (k == AT_TEST)
			rsp(m, "+CMEE: (0-2)");
		else if (k != AT_SET || na != 1 || !int_arg(a[0], 0, 2, &v))
			return cme(m, 50);
		else
			m->cmee = v;
		ok(m);
	} else if (!strcmp(name, "+CFUN")) {
		cmd_cfun(m, k, a, na);
	} else if (!strcmp(name, "+CPIN")) {
		cmd_cpin(m, k, a, na);
	} else if (!strcmp(name, "+CPINR")) {
		cmd_cpinr(m, k, a, na);
	} else if (!strcmp(name, "+CIMI")) {
		if (!m->card_ready)
			return cme(m, 10);
		rsp(m, "%s", m->imsi);
		ok(m);
	} else if (!strcmp(name, "+CCID") || !strcmp(name, "+ICCID")) {
		if (!m->card_ready)
			return cme(m, 10);
		rsp(m, "+CCID: %s", m->iccid);
		ok(m);
	} else if (!strcmp(name, "+CSIM") && modem_slot_physical(m)) {
		cme(m, 4);	/* netsim has no APDUs of a physical card */
	} else if (!strcmp(name, "+CSIM")) {
		cmd_csim(m, k, a, na);
	} else if (!strcmp(name, "+COPS")) {
		cmd_cops(m, k, a, na);
	} else if (!strcmp(name, "+CREG")) {
		cmd_creg(m, 0, k, a, na);
	} else if (!strcmp(name, "+CGREG")) {
		cmd_creg(m, 1, k, a, na);
	} else if (!strcmp(name, "+CEREG")) {
		cmd_creg(m, 2, k, a, na);
	} else if (!strcmp(name, "+CSQ") && k == AT_ACT) {
		cmd_signal(m, false);
	} else if (!strcmp(name, "+CESQ") && k == AT_ACT) {
		cmd_signal(m, true);
	} else if (!strcmp(name, "+CGDCONT")) {
		cmd_cgdcont(m, k, a, na);
	} else if (!strcmp(name, "+CGACT")) {
		cmd_cgact(m, k, a, na);
	} else if (!strcmp(name, "+CGATT") && k == AT_READ) {
		rsp(m, "+CGATT: %d", registered(m));
		ok(m);
	} else if (!strcmp(name, "+CGPADDR") && (k == AT_SET || k == AT_ACT)) {
		if (m->pdp_active)
			rsp(m, "+CGPADDR: 1,\"%s\"", m->addr);
		else
			rsp(m, "+CGPADDR: 1");
		ok(m);
	} else if (!strcmp(name, "+CEER") && k == AT_ACT) {
		rsp(m, "+CEER: \"%s\"", m->ceer[0] ? m->ceer : "no cause information");
		ok(m);
	} else {
		rsp(m, "ERROR");
	}
}

/*
 * Reads AT port @k; one command line at a time, the next after the answer.
 * A character that comes while an abortable command (a scan, a survey)
 * runs aborts it (V.250 5.6.1): its answer so far is dropped and the final
 * result is "OK", as TS 27.007 leaves it to the command and the modems
 * this follows answer; the character itself is discarded.
 */
void modem_at_input(struct ns_modem *m, unsigned int k)
{
	struct ns_port *p = &m->port[k];
	char buf[512], l[1024];
	ssize_t n;
	size_t i;

	n = read(p->ptm, buf, sizeof(buf));
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		if (p->busy && p->abortable) {
			p->abortable = false;
			p->aborted++;
			p->resp_len = 0;
			m->io = p;
			ns_log("%s: port %u: command aborted by the host", m->cfg->name, k);
			rsp(m, "%s", p->abort_text ? p->abort_text : "OK");
			p->resp_at = ns_now() + m->cfg->at_delay_ms;
			continue;	/* the aborting character is not a command */
		}
		if (p->in_len >= sizeof(p->in) - 1) {
			p->in_overflow = true;	/* the rest of the line is lost */
			p->in_len = 0;
		}
		p->in[p->in_len++] = buf[i];
	}
	while (!p->busy) {
		char *cr = memchr(p->in, '\r', p->in_len);
		size_t len, j, o = 0;

		if (!cr)
			break;
		len = (size_t)(cr - p->in);
		for (j = 0; j < len && o < sizeof(l) - 1; j++)
			if (p->in[j] != '\n')
				l[o++] = p->in[j];
		l[o] = 0;
		memmove(p->in, cr + 1, p->in_len - len - 1);
		p->in_len -= len + 1;
		if (p->in_overflow) {
			p->in_overflow = false;
			continue;
		}
		m->io = p;
		if (o)
			command(m, l);
	}
}

/* Opens an AT port: a pty whose slave netsim holds open, linked at @link. */
static int port_open(struct ns_port *p, const char *link)
{
	struct termios t;
	char dir[NS_PATH_MAX], *slash;
	int sfd;

	p->ptm = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->ptm < 0 || grantpt(p->ptm) || unlockpt(p->ptm) ||
	    ptsname_r(p->ptm, p->pts, sizeof(p->pts)))
		return -errno;
	/* netsim keeps the slave open itself, raw: no HUP while no one uses it */
	sfd = open(p->pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0 || tcgetattr(sfd, &t))
		return -errno;
	cfmakeraw(&t);
	tcsetattr(sfd, TCSANOW, &t);
	snprintf(dir, sizeof(dir), "%s", link);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	unlink(link);
	if (symlink(p->pts, link))
		return -errno;
	p->echo = true;
	return 0;
}

int modem_open(struct ns_modem *m)
{
	int c;

	m->io = &m->port[0];
	c = port_open(&m->port[0], m->cfg->at_link);
	if (!c && m->cfg->at2_link[0])
		c = port_open(&m->port[1], m->cfg->at2_link);
	if (c)
		return c;
	c = sim_open(m);
	if (c)
		return c;
	m->cfun = 1;
	m->sub = -1;
	m->reject_cause = -1;
	m->loc = m->cfg->loc;
	m->rat = RAT_LTE;
	m->slot = m->cfg->n_slots ? m->cfg->active_slot : 0;
	if (m->cfg->sim_t0) {
		/* a card on a wire: whether it holds a profile shows at boot */
		m->card_present = true;
		m->sim_poll_at = ns_now() + m->cfg->sim_poll_ms;
	} else if (m->cfg->sim_sap) {
		/* the first STATUS_IND says whether the card is there */
		m->card_present = sim_sap_connect(m) > 0;
		m->sap_retry_at = m->sap.fd < 0 ? ns_now() + 1000 : 0;
		m->sim_poll_at = ns_now() + SAP_POLL_MS;
	} else {
		struct vuicc_status st;

		m->card_present = !vuicc_dev_status(m->cfd, &st) &&
				  (st.flags & VUICC_STATUS_PROFILE);
		ioctl(m->cfd, VUICC_IOC_GET_EVENTS, &st.events);	/* start afresh */
	}
	m->vuicc_present = m->card_present;
	if (modem_slot_physical(m))
		m->card_present = true;
	if (m->card_present)
		proc(m, PROC_BOOT, m->cfg->boot_ms);
	if (m->cfg->sim_t0) {
		ns_log("%s: AT port %s (%s), card %u on a T=0 line %s (%s), %u Hz", m->cfg->name,
		       m->cfg->at_link, m->port[0].pts, m->cfg->card, m->cfg->sim_link, m->sim_pts,
		       m->cfg->sim_clock);
	} else if (m->cfg->sim_sap) {
		char buf[NS_PATH_MAX];

		ns_log("%s: AT port %s (%s), card %u through SAP %s%s", m->cfg->name,
		       m->cfg->at_link, m->port[0].pts, m->cfg->card,
		       sim_sap_addr(m, buf, sizeof(buf)), m->card_present ? "" : ", no card yet");
	} else {
		ns_log("%s: AT port %s (%s), card /dev/vuicc%u%s", m->cfg->name, m->cfg->at_link,
		       m->port[0].pts, m->cfg->card, m->card_present ? "" : ", no profile enabled yet");
	}
	if (m->cfg->at2_link[0])
		ns_log("%s: second AT port %s (%s)", m->cfg->name, m->cfg->at2_link, m->port[1].pts);
	if (m->cfg->n_slots)
		ns_log("%s: %u SIM slots, slot %u selected (%s)", m->cfg->name, m->cfg->n_slots,
		       m->slot, modem_slot_physical(m) ? "a physical card" : "vuicc's card");
	return 0;
}

void modem_close(struct ns_modem *m)
{
	if (m->pdp_active)
		net_pdp_deactivate(m);
	if (m->sub >= 0)
		net_detach(m, "netsim ends");
	sim_close(m);
	if (m->port[0].ptm >= 0)
		close(m->port[0].ptm);
	unlink(m->cfg->at_link);
	if (m->port[1].ptm >= 0) {
		close(m->port[1].ptm);
		unlink(m->cfg->at2_link);
	}
}
