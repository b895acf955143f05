/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtual card: its lifetime, power state and APDU exchange.
 */
#ifndef _VUICC_CARD_H
#define _VUICC_CARD_H

#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/vuicc.h>

#include "vuicc_engine.h"

struct vuicc_profile;

/* vuicc_card_create() picks the lowest free number */
#define VUICC_CARD_ID_ANY	U32_MAX

enum vuicc_card_bits {
	VUICC_CARD_OPEN,	/* the char device or a line has the card */
};

struct vuicc_card_line;

/**
 * struct vuicc_card_line_ops - what a card tells the line that holds it
 * @changed: the card was deactivated behind the line's back (a profile
 *	switch) or removed (@card->dead).  Called with the card's lock held:
 *	it may only record the news and schedule work.
 */
struct vuicc_card_line_ops {
	void (*changed)(struct vuicc_card_line *line);
};

/**
 * struct vuicc_card_line - a transport inside the kernel that holds a card
 *	in place of /dev/vuiccN's opener (the T=0 line discipline)
 * @ops: its callbacks
 * @lock: guards @stats and @tty_name, which it publishes for netlink
 * @stats: its counters
 * @tty_name: the tty it is on
 */
struct vuicc_card_line {
	const struct vuicc_card_line_ops *ops;
	spinlock_t lock;	/* see the kernel-doc above */
	struct vuicc_t0_stats stats;
	char tty_name[64];
};

/**
 * struct vuicc_card - one virtual UICC
 * @kref: references: the card list holds one while the card is listed, each
 *	open file one, and any lookup one while it works on the card
 * @id: the card's number, N of /dev/vuiccN
 * @name: "vuiccN"
 * @misc: the modem-side character device
 * @bits: &enum vuicc_card_bits, atomic
 * @lock: serialises everything below and the engine
 * @wait: readers and pollers wait here for a response or an event
 * @dead: the card is being destroyed; every operation fails with ENODEV
 * @powered: the card is activated
 * @rsp_ready: @rsp holds a response that has not been read
 * @events: pending &enum vuicc_event bits for the opener
 * @rsp: the response buffer, %VUICC_RAPDU_MAX bytes; only the unread
 *	response is ever in it (vuicc_card_rsp_clear() wipes it when read or
 *	dropped: it may hold RES, CK, IK or Kc)
 * @rsp_len: length of the response in @rsp
 * @rsp_seq: counts responses, so a reader that copied one out of @rsp
 *	knows whether it is still the one to consume
 * @rsp_reading: a reader copies the response to its user outside @lock;
 *	another reader waits until it is done
 * @apdus: command APDUs answered
 * @resets: activations and resets
 * @profiles: the installed &struct vuicc_profile, in order of installation
 * @n_profiles: entries in @profiles
 * @enabled: the enabled profile, or NULL
 * @switches: profile enables and disables
 * @deadline: when the kernel disables @enabled unless it is renewed first
 *	(CLOCK_BOOTTIME); 0: no deadline
 * @deadline_timer: fires at @deadline and queues @deadline_work
 * @deadline_work: disables @enabled if @deadline has passed (the timer
 *	cannot take @lock)
 * @expiries: profiles disabled because their deadline passed
 * @session: the engine's state while powered
 * @line: the line that holds the card in place of an opener, or NULL
 */
struct vuicc_card {
	struct kref kref;
	u32 id;
	char name[16];
	struct miscdevice misc;
	unsigned long bits;

	struct mutex lock;	/* see the kernel-doc above */
	wait_queue_head_t wait;
	bool dead;
	bool powered;
	bool rsp_ready;
	u32 events;
	u8 *rsp;
	size_t rsp_len;
	u64 rsp_seq;
	bool rsp_reading;
	u64 apdus;
	u64 resets;
	struct list_head profiles;
	unsigned int n_profiles;
	struct vuicc_profile *enabled;
	u64 switches;
	ktime_t deadline;
	struct hrtimer deadline_timer;
	struct work_struct deadline_work;
	u64 expiries;
	struct vuicc_session session;
	struct vuicc_card_line *line;
};

struct vuicc_card *vuicc_card_create(u32 id);
int vuicc_card_destroy(u32 id);
int vuicc_card_remove(struct vuicc_card *card);
void vuicc_card_destroy_all(void);
void vuicc_card_put(struct vuicc_card *card);
void vuicc_card_get(struct vuicc_card *card);
struct vuicc_card *vuicc_card_lookup(u32 id);
u32 vuicc_cards_generation(void);
void vuicc_cards_changed(void);

int vuicc_card_power_on(struct vuicc_card *card, struct vuicc_atr *atr);
int vuicc_card_power_off(struct vuicc_card *card);
int vuicc_card_reset(struct vuicc_card *card, u32 flags, struct vuicc_atr *atr);
int vuicc_card_status(struct vuicc_card *card, struct vuicc_status *st);
int vuicc_card_take_events(struct vuicc_card *card, u32 *events);
int vuicc_card_transact(struct vuicc_card *card, const u8 *capdu, size_t len);
void vuicc_card_rsp_clear(struct vuicc_card *card);
int vuicc_card_exchange(struct vuicc_card *card, const u8 *capdu, size_t len,
			u8 *rsp, size_t max, size_t *rsp_len);
void vuicc_card_opened(struct vuicc_card *card);
bool vuicc_card_is_open(struct vuicc_card *card);
int vuicc_card_line_attach(struct vuicc_card *card, struct vuicc_card_line *line);
void vuicc_card_line_detach(struct vuicc_card *card, struct vuicc_card_line *line);
bool vuicc_card_line_stats(struct vuicc_card *card, struct vuicc_t0_stats *st,
			   char *tty_name);

struct vuicc_profile *vuicc_card_profile_find(struct vuicc_card *card,
					      const char *name);
int vuicc_card_profile_add(struct vuicc_card *card, struct vuicc_profile *p);
int vuicc_card_profile_del(struct vuicc_card *card, const char *name);
int vuicc_card_profile_enable(struct vuicc_card *card, const char *name, ktime_t deadline);
int vuicc_card_profile_renew(struct vuicc_card *card, const char *name, ktime_t deadline);
int vuicc_card_profile_disable(struct vuicc_card *card, const char *name);
void vuicc_card_closed(struct vuicc_card *card);

#endif /* _VUICC_CARD_H */
