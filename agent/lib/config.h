/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's configuration, /etc/vuicc/vuiccd.conf: "key = value" lines and
 * '#' comments.  Documentation/admin-guide/vuiccd.rst lists every key with
 * its default.
 */
#ifndef VUICC_CONFIG_H
#define VUICC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/vuicc.h>

#define CONFIG_PATH_MAX		256
#define CONFIG_ENABLE_MAX	VUICC_CARDS_MAX
#define CONFIG_SHARE_PEERS	8
/* standby seeds from the SIM server: CN105491555A's M */
#define CONFIG_STANDBYS_MAX	5
#define CONFIG_STANDBYS_AUTO	(~0u)	/* (while parsing: not given) */

enum log_target { LOG_TO_DEFAULT, LOG_TO_STDERR, LOG_TO_SYSLOG };

struct config {
	unsigned int cards;			/* cards 0..cards-1; default 1 */
	char profiles_dir[CONFIG_PATH_MAX];	/* /etc/vuicc/profiles */
	char state_dir[CONFIG_PATH_MAX];	/* /var/lib/vuicc */
	char socket[CONFIG_PATH_MAX];		/* /run/vuicc/vuiccd.sock */
	char socket_group[64];			/* "": root only */
	enum log_target log;			/* default: syslog, stderr with -f */
	int log_level;				/* syslog priority; default LOG_INFO */
	unsigned int writeback_ms;		/* EF write-back bound; default 2000 */
	bool keep_enabled;			/* on restart; default yes */
	size_t n_enable;
	char enable[CONFIG_ENABLE_MAX][VUICC_PROFILE_NAME_MAX + 1];
	/* the modem backend: "modem = CARD TTY" per card with a modem */
	char modem[VUICC_CARDS_MAX][CONFIG_PATH_MAX];	/* "": no modem */
	/* "modem_scan_port = CARD TTY": a second AT port for scans and surveys */
	char modem_scan[VUICC_CARDS_MAX][CONFIG_PATH_MAX];
	/* "modem_vuicc_slot = CARD N": the modem's SIM slot wired to vuicc's
	 * card (physical cards are in the others); 0: not given (slot 1) */
	int modem_vuicc_slot[VUICC_CARDS_MAX];
	char apn[64];				/* PDP context APN; "internet" */
	bool connect;				/* run the connect sequence; yes */
	/* the policy core (vd_policy.c): it drives the modems when on */
	bool policy;				/* no */
	bool policy_source;			/* policy = cn105491555a */
	double weight_signal, weight_tariff;	/* a, b: 0.5, 0.5 */
	double tariff_min, tariff_max;		/* B1's range: 0, 1 */
	unsigned int t_card_ms, t_register_ms, t_dial_ms, t_data_ms, t_scan_ms;	/* 0: default */
	unsigned int switchback_ms;		/* 0: default (30 min) */
	bool switchback;			/* yes */
	bool vsim;				/* ask for a VSIM; yes */
	unsigned int vsim_retry_ms;		/* 0: default */
	unsigned int standby_count;		/* standby seeds held from the server:
						 * CONFIG_STANDBYS_MAX with a server, else 0 */
	/* the data-path check once data is up (io/probe.h): "" off */
	char data_check[384];			/* dns:NAME@ADDR[:PORT] or http://ADDR[:PORT][/PATH] */
	unsigned int data_check_interval_ms;	/* 30000 */
	unsigned int data_check_failures;	/* in a row; 3 */
	unsigned int data_check_timeout_ms;	/* each probe; 5000 */
	/* the SIM server */
	char server_url[256];			/* "": none */
	char device_id[64];
	char device_secret[128];		/* never logged */
	char device_secret_file[CONFIG_PATH_MAX];	/* read by config_load() */
	char server_ca[CONFIG_PATH_MAX];
	char device_cert[CONFIG_PATH_MAX], device_key[CONFIG_PATH_MAX];
	unsigned int server_timeout_ms, server_attempts;	/* 0: the client's */
	/* the cards: card_base..card_base+cards-1 (several vuiccds on one kernel) */
	unsigned int card_base;			/* 0 */
	/* sharing a profile (vuiccd/share*.c, Documentation/admin-guide/vuicc-sharing.rst) */
	int share;				/* CONFIG_SHARE_*; off */
	char share_profile[VUICC_PROFILE_NAME_MAX + 1];
	char share_profile_file[CONFIG_PATH_MAX];	/* master: the profile shared */
	char share_listen[CONFIG_PATH_MAX];	/* master: tcp:HOST:PORT or rfcomm:CHANNEL */
	char share_connect[CONFIG_PATH_MAX];	/* slave: tcp:HOST:PORT or rfcomm:BDADDR:CHANNEL */
	char share_netns[64];			/* the link's sockets in this netns (tests) */
	char share_adapter[18];			/* RFCOMM: the local controller, BDADDR */
	char share_key_file[CONFIG_PATH_MAX];	/* this device's X25519 secret key */
	size_t n_share_peers;
	unsigned char share_peer_key[CONFIG_SHARE_PEERS][32];	/* pinned public keys */
	bool share_compare;			/* share_mode = compare; no: push */
	bool share_want;			/* slave: ask for the profile; yes */
	unsigned int share_lease_ms, share_drift_ms, share_guard_ms;	/* 30 s, 5 s, 5 s */
	unsigned int share_answer_ms, share_retry_ms;	/* 3 s, 2 s */
	/* "FILE:LINE: key 'old' is deprecated: use 'new'\n" lines; "" if none */
	char warnings[512];
};

enum { CONFIG_SHARE_OFF, CONFIG_SHARE_MASTER, CONFIG_SHARE_SLAVE };

#define CONFIG_ERR_MAX 256

void config_defaults(struct config *c);

/* Parses @text; 0, or -1 with "FILE:LINE: key 'k': what" in @err. */
int config_parse(const char *text, size_t len, const char *fname, struct config *c,
		 char *err, size_t errlen);

/* Reads @path; a missing file gives the defaults when @optional. */
int config_load(const char *path, bool optional, struct config *c, char *err, size_t errlen);

/* The modem slot wired to vuicc's card @card: modem_vuicc_slot, or 1. */
static inline int config_vuicc_slot(const struct config *c, unsigned int card)
{
	return card < VUICC_CARDS_MAX && c->modem_vuicc_slot[card] ? c->modem_vuicc_slot[card] : 1;
}

#endif
