// SPDX-License-Identifier: GPL-2.0
/*
 * netsim's SIM interface: the card through /dev/vuiccN, or (sim = t0) the
 * card on a T=0 line, as on a board: a pty whose slave carries vuicc's line
 * discipline (attached the way vuiccctl attach does it), the modem playing
 * the terminal on the master end (tools/testing/lib/t0term.c) with cold
 * resets, PPS, procedure bytes, GET RESPONSE and its own WWT timeout.  A
 * modem on a wire learns nothing of card events: it checks presence with
 * STATUS and finds a switched profile when the card stops answering.  Or
 * (sim = sap ADDRESS) the card through a SIM Access Profile server
 * (sap_client.c), whose STATUS_IND tells the modem of removals, insertions
 * and resets as the chardev's events do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "netsim.h"
#include "lib/t0_line.h"
#include "lib/vuicc_dev.h"

static int sim_open_t0(struct ns_modem *m)
{
	const struct ns_modem_cfg *c = m->cfg;
	struct t0_line l = { .card = c->card, .clock_hz = c->sim_clock, .baud_base = 0 };
	char dir[NS_PATH_MAX], msg[256], *slash;
	struct termios tio;

	m->sim_io = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m->sim_io < 0 || grantpt(m->sim_io) || unlockpt(m->sim_io) ||
	    ptsname_r(m->sim_io, m->sim_pts, sizeof(m->sim_pts)))
		return -errno;
	if (tcgetattr(m->sim_io, &tio))
		return -errno;
	cfmakeraw(&tio);
	tcsetattr(m->sim_io, TCSANOW, &tio);
	m->sim_hold = t0_line_attach(m->sim_pts, &l, msg, sizeof(msg), NULL, 0);
	if (m->sim_hold < 0) {
		ns_log("%s: %s", c->name, msg);
		return m->sim_hold;
	}
	t0term_init(&m->t0, m->sim_io, m->sim_hold, c->sim_clock);
	/*
	 * The modem's own margin over WWT: generous, as modems are, for a VM
	 * under software emulation whose guest may not run for a second; a
	 * presence check that timed out too soon would take the card for gone.
	 */
	m->t0.slack_ms = 1500;
	snprintf(dir, sizeof(dir), "%s", c->sim_link);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	unlink(c->sim_link);
	if (symlink(m->sim_pts, c->sim_link))
		return -errno;
	return 0;
}

/* sim = sap: the server's address, by default unix:/run/vuicc-sapN.sock */
const char *sim_sap_addr(const struct ns_modem *m, char *buf, size_t len)
{
	if (m->cfg->sim_sap_addr[0])
		return m->cfg->sim_sap_addr;
	snprintf(buf, len, "unix:/run/vuicc-sap%u.sock", m->cfg->card);
	return buf;
}

/*
 * sim = sap: connects to the server.  1: a card is there (STATUS_IND card
 * reset); 0: the link is up without a card, or no link (logged; tried
 * again later).
 */
int sim_sap_connect(struct ns_modem *m)
{
	char buf[NS_PATH_MAX], err[NS_PATH_MAX + 64];
	const char *addr = sim_sap_addr(m, buf, sizeof(buf));
	int st = nsap_open(&m->sap, addr, err, sizeof(err));

	if (st < 0) {
		if (!m->sap_links || m->sap_retry_at == 0)
			ns_log("%s: SAP %s", m->cfg->name, err);
		m->sap_retry_at = 1;	/* logged once */
		return 0;
	}
	m->sap_links++;
	m->sap_retry_at = 0;
	ns_log("%s: SAP connected to %s, MaxMsgSize %u, card %s", m->cfg->name, addr,
	       m->sap.msg_size, st == NS_SAP_ST_RESET || st == NS_SAP_ST_INSERTED ? "there" :
	       "not there");
	return st == NS_SAP_ST_RESET || st == NS_SAP_ST_INSERTED || st == NS_SAP_ST_RECOVERED;
}

int sim_open(struct ns_modem *m)
{
	m->sim_io = m->sim_hold = -1;
	if (m->cfg->sim_sap) {
		m->cfd = -1;
		m->sap.fd = -1;
		m->sap.lost = true;
		return 0;	/* connected by modem_open(): a server not up yet is tried again */
	}
	if (m->cfg->sim_t0) {
		m->cfd = -1;
		return sim_open_t0(m);
	}
	m->cfd = vuicc_dev_open(m->cfg->card, O_RDWR | O_CLOEXEC);
	return m->cfd < 0 ? m->cfd : 0;
}

void sim_close(struct ns_modem *m)
{
	if (m->cfg->sim_sap)
		nsap_close(&m->sap);
	if (m->cfd >= 0) {
		vuicc_dev_power_off(m->cfd);
		close(m->cfd);
		m->cfd = -1;
	}
	if (m->sim_io >= 0) {
		t0term_off(&m->t0);
		/* the modem's end goes: the line hangs up and lets go of the card */
		close(m->sim_io);
		close(m->sim_hold);
		unlink(m->cfg->sim_link);
		m->sim_io = m->sim_hold = -1;
	}
}

int sim_power_on(struct ns_modem *m)
{
	struct vuicc_atr atr;
	int r;

	if (m->cfg->sim_sap) {
		uint8_t a[64];
		size_t n = sizeof(a);

		return nsap_power_on(&m->sap, a, &n);
	}
	if (!m->cfg->sim_t0)
		return vuicc_dev_power_on(m->cfd, &atr);
	/*
	 * After a card went silent the modem first tries a warm reset (RST
	 * low and high, power kept), as modems do before a power cycle; a
	 * card that was switched off answers it as a cold one.
	 */
	r = t0term_reset(&m->t0, m->sim_warm ? VUICC_T0_RESET_WARM : VUICC_T0_RESET_COLD);
	if (r && m->sim_warm)
		r = t0term_reset(&m->t0, VUICC_T0_RESET_COLD);
	m->sim_warm = false;
	if (r)
		return r;
	/* §9: the card offers a faster F/D in TA1 (the byte after T0); ask for it */
	if (m->cfg->sim_pps && (m->t0.fi != 372 || m->t0.di != 1) && (m->t0.atr[1] & 0x10) &&
	    t0term_pps(&m->t0, m->t0.atr[2]) < 0)
		ns_log("%s: PPS %02X: no answer", m->cfg->name, m->t0.atr[2]);
	return 0;
}

void sim_power_off(struct ns_modem *m)
{
	if (m->cfg->sim_sap)
		nsap_power_off(&m->sap);
	else if (m->cfg->sim_t0)
		t0term_off(&m->t0);
	else
		vuicc_dev_power_off(m->cfd);
}

/*
 * SAP carries APDUs as the card's contacts do (T=0 at APDU level): 61xx
 * (9Fxx in the GSM class) and 6Cxx are the client's to follow, as a
 * terminal does: GET RESPONSE on the command's logical channel (TS 102 221
 * §10.1.1), the command again with Le = SW2.
 */
static long sim_sap_apdu_t0(struct ns_modem *m, const uint8_t *c, size_t len, uint8_t *r,
			    size_t max)
{
	uint8_t cmd[5 + 256];
	long n = nsap_apdu(&m->sap, c, len, r, max);
	int round;

	for (round = 0; n >= 2 && round < 8; round++) {
		uint8_t sw1 = r[n - 2], sw2 = r[n - 1];

		if (sw1 == 0x6C && len >= 4 && len < sizeof(cmd)) {
			memcpy(cmd, c, len);
			if (len == 4)
				cmd[len++] = sw2;
			else
				cmd[len - 1] = sw2;
		} else if (sw1 == 0x61 || (sw1 == 0x9F && c[0] == 0xA0)) {
			cmd[0] = c[0] == 0xA0 ? 0xA0 : (c[0] & 0x40) ? (uint8_t)(0x40 | (c[0] & 0x0F)) :
			    (uint8_t)(c[0] & 0x03);
			cmd[1] = 0xC0;
			cmd[2] = cmd[3] = 0x00;
			cmd[4] = sw2;
			len = 5;
		} else {
			break;
		}
		c = cmd;
		n = nsap_apdu(&m->sap, cmd, len, r, max);
	}
	return n;
}

long sim_apdu(struct ns_modem *m, const uint8_t *c, size_t len, uint8_t *r, size_t max, bool t0)
{
	/* SAP: one TRANSFER_APDU a command; with @t0 the T=0 procedure here */
	if (m->cfg->sim_sap)
		return t0 ? sim_sap_apdu_t0(m, c, len, r, max) : nsap_apdu(&m->sap, c, len, r, max);
	if (!m->cfg->sim_t0)
		return t0 ? vuicc_dev_transmit_t0(m->cfd, c, len, r, max) :
			    vuicc_dev_transmit(m->cfd, c, len, r, max);
	if (t0)
		return t0term_apdu(&m->t0, c, len, r, max);
	{
		/* +CSIM: one TPDU, the answer as the card gives it */
		uint8_t tpdu[5 + 255];
		bool out = len == 5;

		if (len < 4 || len > sizeof(tpdu) + 1)
			return -EINVAL;
		memcpy(tpdu, c, len);
		if (len == 4) {
			tpdu[4] = 0;
			len = 5;
		} else if (len > 5 && len == 6u + c[4]) {
			len--;		/* case 4: Le is not sent */
		}
		return t0term_tpdu(&m->t0, tpdu, len, out, r, max);
	}
}

int sim_present(struct ns_modem *m)
{
	/* TS 102 221 §11.1.2: STATUS, no indication, no data returned */
	static const uint8_t status[] = { 0x80, 0xF2, 0x00, 0x0C, 0x00 };
	uint8_t r[300];
	long n;

	n = sim_apdu(m, status, sizeof(status), r, sizeof(r), false);
	return n >= 2 ? 1 : 0;
}
