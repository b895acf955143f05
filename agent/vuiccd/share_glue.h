/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's side of sharing, inside (Documentation/admin-guide/vuicc-sharing.rst).
 * The files, bottom up (a file calls only files below it; the link's news
 * goes up through vshare.news, which share.c registers):
 *   share_sealed.c  share_mode compare's sealed copies, and what a push carries
 *   share_link.c    the link (TCP, or RFCOMM through BlueZ sockets), the secure
 *                   channel (core/share_chan.c) on it, their fds in the loop,
 *                   and the timer
 *   share_pair.c    pairing by a one-time code, the key file
 *   share_lease.c   the lease state machines (core/share.c) wired to the card
 *                   and the store
 *   share.c         start, stop, status, vuiccctl share, the timer's ticks
 */
#ifndef VUICCD_SHARE_GLUE_H
#define VUICCD_SHARE_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/share.h"
#include "core/share_chan.h"
#include "lib/config.h"
#include "lib/store.h"
#include "loop.h"
#include "persist.h"
#include "provision.h"
#include "registry.h"
#include "sharing.h"

#define SHARE_CONNS		CONFIG_SHARE_PEERS

struct sconn {
	int fd;			/* -1: none */
	bool connecting;	/* non-blocking connect() under way */
	bool up;		/* handshake done */
	struct sc_hs hs;
	struct sc_session sess;
	int peer;
	unsigned int bad;
	uint64_t last_rx, last_tx;
	uint64_t wait_since;	/* the first message sent since the last one received */
	uint64_t since;		/* connected (accepted or dialled) at */
	size_t in_len, out_len;
	uint8_t in[2 * SC_REC_MAX_LEN];
	uint8_t out[4 * SC_REC_MAX_LEN];
	struct vshare *owner;	/* (not cleared with the rest on accept) */
};

struct vshare {
	/* the parts it uses (vd_share_start()) */
	const struct config *cfg;
	struct loop *loop;
	struct registry *reg;
	struct persist *store;
	struct provision *prov;
	int role;
	uint32_t card;
	struct sc_identity id;
	int tfd, lfd;
	struct sconn c[SHARE_CONNS];
	/*
	 * The link's news for the lease glue: message @m came on @c, or (@m
	 * NULL) the slave's link went up or down
	 */
	void (*news)(struct vshare *v, struct sconn *c, const struct share_msg *m);
	struct share_master m;
	struct share_slave s;
	/* master: the profile shared and its dynamic state */
	char *text;
	size_t text_len;
	struct pstate ps;
	uint64_t gen;
	/* slave: the dynamic state to return */
	uint8_t *pending;
	size_t pending_len;
	/* slave, share_mode compare: the profile while active, the sealed copy after */
	char *held_text;
	size_t held_text_len;
	uint8_t grant_key[SHARE_KEY_LEN];
	uint8_t *sealed;
	size_t sealed_len;
	uint64_t sealed_saved_version;
	bool keep_copy;
	uint64_t key_epoch;	/* the lease whose key grant_key is (what seals the next copy) */
	int last_denied;	/* the peer refused last; -1: none since a grant */
	uint64_t give_at;	/* master: its own use ends (MST_SELF -> MST_FREE) then */
	bool connect_failing;	/* said once until a connection works */
	int connect_err;	/* the last connect attempt's errno (0: it connected) */
	/* master, compare: the keys of the sealed copies derive from it */
	uint8_t wrap[SHARE_KEY_LEN];
	uint64_t connect_at;
	unsigned long tampered, replayed, malformed, stale, links, link_losses, refused;
	uint64_t activated_at, deactivated_at;
	/* slave: the deadline the kernel holds for the profile (boot time ms); 0: none */
	uint64_t kdeadline;
	unsigned long renewals_refused;
};

/* A share_listen or share_connect address, parsed (vs_parse_addr()). */
struct vs_addr {
	bool rfcomm;
	char host[128], port[16];
	uint8_t bdaddr[6];
	uint8_t channel;
	bool has_src;		/* RFCOMM: connect from this controller (share_adapter) */
	uint8_t src[6];
	bool listen;
	int fd;
};

/* share_sealed.c */
size_t vs_state_blob(const struct pstate *from, uint8_t *out, size_t max);
size_t vs_push_blob(const char *text, size_t text_len, const struct pstate *ps,
		    uint8_t *out, size_t max);
void vs_copy_key(struct vshare *v, int peer, uint64_t epoch, uint8_t key[SHARE_KEY_LEN]);
void vs_sealed_drop(struct vshare *v);
void vs_sealed_save(struct vshare *v);
void vs_sealed_load(struct vshare *v);
void vs_sealed_make(struct vshare *v, const uint8_t *state, size_t state_len);

/* share_link.c */
uint64_t vs_now(void);
int vs_parse_addr(const char *s, struct vs_addr *a);
int vs_open(const struct config *cfg, struct vs_addr *a);
void vs_conn_close(struct vshare *v, struct sconn *c, const char *why);
int vs_send_msg(struct vshare *v, struct sconn *c, const struct share_msg *m);
void vs_conn_event(struct vshare *v, uint32_t idx, uint32_t events);
void vs_conns_expire(struct vshare *v, uint64_t now);
int vs_slave_connect(struct vshare *v);
int vs_listen(struct vshare *v);
void vs_arm(struct vshare *v);

/* share_lease.c */
int vs_lease_load(struct vshare *v, uint64_t *epoch);
void vs_news(struct vshare *v, struct sconn *c, const struct share_msg *m);
void vs_slave_run(struct vshare *v, const struct share_msg *in);
void vs_master_tick(struct vshare *v, uint64_t now);
int vs_master_take(struct vshare *v, char *msg, size_t max);
int vs_master_give(struct vshare *v, char *msg, size_t max);

#endif
