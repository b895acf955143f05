// SPDX-License-Identifier: GPL-2.0
/*
 * Cards: creation and destruction, references, power and the APDU
 * exchange.  A card is listed in vuicc_cards while it exists; the list, every
 * open file and every lookup hold a reference, so destroying a card that is
 * open or busy only marks it dead and wakes its waiters, and the memory goes
 * with the last reference.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "vuicc_apdu.h"
#include "vuicc_card.h"
#include "vuicc_chrdev.h"
#include "vuicc_engine.h"
#include "vuicc_kunit.h"
#include "vuicc_netlink.h"
#include "vuicc_profile.h"
#include "vuicc_trace.h"

/* Serialises creation, destruction and lookups of cards. */
static DEFINE_MUTEX(vuicc_cards_lock);
static DEFINE_XARRAY(vuicc_cards);
/*
 * Bumped by every change to the set of cards or of profiles, so that a dump
 * that spans a change is flagged NLM_F_DUMP_INTR.
 */
static atomic_t vuicc_generation = ATOMIC_INIT(1);

u32 vuicc_cards_generation(void)
{
	return atomic_read(&vuicc_generation);
}

void vuicc_cards_changed(void)
{
	atomic_inc(&vuicc_generation);
}

static void vuicc_card_free(struct kref *kref)
{
	struct vuicc_card *card = container_of(kref, struct vuicc_card, kref);

	pr_debug("%s destroyed\n", card->name);
	kvfree_sensitive(card->rsp, VUICC_RAPDU_MAX);
	mutex_destroy(&card->lock);
	kfree(card);
}

void vuicc_card_get(struct vuicc_card *card)
{
	kref_get(&card->kref);
}

/**
 * vuicc_card_put() - drop a reference to a card
 * @card: the card, or NULL
 *
 * The last reference frees it.
 */
void vuicc_card_put(struct vuicc_card *card)
{
	if (card)
		kref_put(&card->kref, vuicc_card_free);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_put);

static int vuicc_card_pick_id(u32 *id)
{
	u32 i;

	if (*id != VUICC_CARD_ID_ANY) {
		if (*id >= VUICC_CARDS_MAX)
			return -ERANGE;
		return xa_load(&vuicc_cards, *id) ? -EEXIST : 0;
	}
	for (i = 0; i < VUICC_CARDS_MAX; i++) {
		if (!xa_load(&vuicc_cards, i)) {
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static void vuicc_card_deadline_work(struct work_struct *work);

static enum hrtimer_restart vuicc_card_deadline_fire(struct hrtimer *timer)
{
	struct vuicc_card *card = container_of(timer, struct vuicc_card, deadline_timer);

	schedule_work(&card->deadline_work);
	return HRTIMER_NORESTART;
}

/**
 * vuicc_card_create() - create a card and its /dev/vuiccN
 * @id: the card number, or %VUICC_CARD_ID_ANY for the lowest free one
 *
 * Return: the card, with a reference for the caller (vuicc_card_put() it;
 * the card list holds its own), or an ERR_PTR: -ERANGE for an id beyond
 * %VUICC_CARDS_MAX, -EEXIST for an id in use, -ENOSPC when all are, -ENOMEM.
 */
struct vuicc_card *vuicc_card_create(u32 id)
{
	struct vuicc_card *card;
	int ret;

	card = kzalloc(sizeof(*card), GFP_KERNEL);
	if (!card)
		return ERR_PTR(-ENOMEM);
	card->rsp = kvmalloc(VUICC_RAPDU_MAX, GFP_KERNEL);
	if (!card->rsp) {
		kfree(card);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&card->kref);
	mutex_init(&card->lock);
	init_waitqueue_head(&card->wait);
	INIT_LIST_HEAD(&card->profiles);
	INIT_WORK(&card->deadline_work, vuicc_card_deadline_work);
	hrtimer_init(&card->deadline_timer, CLOCK_BOOTTIME, HRTIMER_MODE_ABS);
	card->deadline_timer.function = vuicc_card_deadline_fire;
	vuicc_engine_reset(card);

	mutex_lock(&vuicc_cards_lock);
	ret = vuicc_card_pick_id(&id);
	if (ret)
		goto err_unlock;
	card->id = id;
	snprintf(card->name, sizeof(card->name), "vuicc%u", id);

	ret = xa_err(xa_store(&vuicc_cards, id, card, GFP_KERNEL));
	if (ret)
		goto err_unlock;
	/* Last: once registered, the device can be opened. */
	ret = vuicc_chrdev_register(card);
	if (ret)
		goto err_erase;
	vuicc_cards_changed();
	vuicc_card_get(card);
	mutex_unlock(&vuicc_cards_lock);
	pr_debug("%s created\n", card->name);
	return card;

err_erase:
	xa_erase(&vuicc_cards, id);
err_unlock:
	mutex_unlock(&vuicc_cards_lock);
	vuicc_card_put(card);
	return ERR_PTR(ret);
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_create);

/*
 * Called with vuicc_cards_lock held.  The profiles, and their keys, go at
 * once, not with the last reference, which an opener may keep for long.
 */
static void vuicc_card_unlist(struct vuicc_card *card)
{
	struct vuicc_profile *p, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&card->lock);
	card->dead = true;
	card->powered = false;
	vuicc_card_rsp_clear(card);
	card->enabled = NULL;
	vuicc_engine_reset(card);
	list_splice_init(&card->profiles, &gone);
	card->n_profiles = 0;
	if (card->line)
		card->line->ops->changed(card->line);
	card->deadline = 0;
	mutex_unlock(&card->lock);
	/* @dead: nothing arms the timer again; the work finds nothing to do */
	hrtimer_cancel(&card->deadline_timer);
	cancel_work_sync(&card->deadline_work);
	list_for_each_entry_safe(p, tmp, &gone, node) {
		list_del(&p->node);
		vuicc_profile_free(p);
	}
	vuicc_cards_changed();
	wake_up_interruptible_all(&card->wait);

	/* No open() can find the card after this returns. */
	vuicc_chrdev_unregister(card);
	xa_erase(&vuicc_cards, card->id);
	vuicc_card_put(card);
}

/**
 * vuicc_card_remove() - remove a card that was looked up
 * @card: the card, with a reference the caller keeps
 *
 * Removes this card, not whatever card has its number now: between a
 * lookup and the removal, another operation may have removed it and created
 * a new card with the same number, which stays.  An opener of the card's
 * device gets ENODEV from then on and EPOLLHUP from poll(); the memory is
 * freed when it closes.
 *
 * Return: 0, or -ENOENT when the card was removed meanwhile.
 */
int vuicc_card_remove(struct vuicc_card *card)
{
	int ret = -ENOENT;

	mutex_lock(&vuicc_cards_lock);
	if (xa_load(&vuicc_cards, card->id) == card) {
		vuicc_card_unlist(card);
		ret = 0;
	}
	mutex_unlock(&vuicc_cards_lock);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_remove);

/**
 * vuicc_card_destroy() - remove a card by number
 * @id: the card number
 *
 * As vuicc_card_remove() for the card that has number @id now.
 *
 * Return: 0, or -ENOENT when there is no such card.
 */
int vuicc_card_destroy(u32 id)
{
	struct vuicc_card *card;

	mutex_lock(&vuicc_cards_lock);
	card = xa_load(&vuicc_cards, id);
	if (card)
		vuicc_card_unlist(card);
	mutex_unlock(&vuicc_cards_lock);
	return card ? 0 : -ENOENT;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_destroy);

/**
 * vuicc_card_lookup() - find a card by number
 * @id: the card number
 *
 * Return: the card with a reference (vuicc_card_put() it), or NULL.
 */
struct vuicc_card *vuicc_card_lookup(u32 id)
{
	struct vuicc_card *card;

	mutex_lock(&vuicc_cards_lock);
	card = xa_load(&vuicc_cards, id);
	if (card)
		vuicc_card_get(card);
	mutex_unlock(&vuicc_cards_lock);
	return card;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_lookup);

void vuicc_card_destroy_all(void)
{
	struct vuicc_card *card;
	unsigned long id;

	mutex_lock(&vuicc_cards_lock);
	xa_for_each(&vuicc_cards, id, card)
		vuicc_card_unlist(card);
	mutex_unlock(&vuicc_cards_lock);
}

/* Called with card->lock held. */
static void vuicc_card_deactivate(struct vuicc_card *card)
{
	if (card->powered)
		vuicc_trace_event(card, VUICC_TRACE_EVENT_POWER_OFF);
	card->powered = false;
	vuicc_card_rsp_clear(card);
	vuicc_engine_reset(card);
}

/* Called with card->lock held; @event says what the trace calls it. */
static void vuicc_card_activate(struct vuicc_card *card, struct vuicc_atr *atr,
				u32 event)
{
	vuicc_engine_reset(card);
	card->powered = true;
	vuicc_card_rsp_clear(card);
	card->resets++;
	vuicc_engine_atr(card, atr);
	vuicc_trace_event(card, event);
	vuicc_trace_atr(card, atr);
	wake_up_interruptible_all(&card->wait);
}

/**
 * vuicc_card_power_on() - activate a card
 * @card: the card
 * @atr: filled with its ATR
 *
 * A cold reset when the card is off; only the ATR when it is on.
 *
 * Return: 0, or -ENODEV for a removed card.
 */
int vuicc_card_power_on(struct vuicc_card *card, struct vuicc_atr *atr)
{
	bool changed = false;
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead) {
		ret = -ENODEV;
	} else if (card->powered) {
		vuicc_engine_atr(card, atr);
	} else {
		vuicc_card_activate(card, atr, VUICC_TRACE_EVENT_POWER_ON);
		changed = true;
	}
	mutex_unlock(&card->lock);
	if (changed)
		vuicc_nl_notify_card(card, VUICC_CMD_CARD_POWER_NTF);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_power_on);

int vuicc_card_power_off(struct vuicc_card *card)
{
	bool changed = false;
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead) {
		ret = -ENODEV;
	} else {
		changed = card->powered;
		vuicc_card_deactivate(card);
	}
	mutex_unlock(&card->lock);
	if (changed)
		vuicc_nl_notify_card(card, VUICC_CMD_CARD_POWER_NTF);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_power_off);

/**
 * vuicc_card_reset() - cold or warm reset
 * @card: the card
 * @flags: %VUICC_RESET_COLD or %VUICC_RESET_WARM
 * @atr: filled with its ATR
 *
 * Return: 0; -EINVAL for other flags, -ENXIO for a warm reset of a card
 * that is off, -ENODEV for a removed card.
 */
int vuicc_card_reset(struct vuicc_card *card, u32 flags, struct vuicc_atr *atr)
{
	int ret = 0;

	if (flags != VUICC_RESET_COLD && flags != VUICC_RESET_WARM)
		return -EINVAL;

	mutex_lock(&card->lock);
	if (card->dead) {
		ret = -ENODEV;
	} else if (flags == VUICC_RESET_WARM && !card->powered) {
		ret = -ENXIO;
	} else {
		/* A warm reset ends the session like a cold one (TS 102 221 §6.2). */
		bool was_on = card->powered;

		/* (a cold reset of a card that is off is its power-on) */
		card->powered = false;
		vuicc_card_rsp_clear(card);
		if (flags == VUICC_RESET_COLD && was_on)
			vuicc_trace_event(card, VUICC_TRACE_EVENT_POWER_OFF);
		vuicc_card_activate(card, atr, flags == VUICC_RESET_WARM ?
				    VUICC_TRACE_EVENT_RESET_WARM :
				    VUICC_TRACE_EVENT_RESET_COLD);
	}
	mutex_unlock(&card->lock);
	if (!ret)
		vuicc_nl_notify_card(card, VUICC_CMD_CARD_RESET_NTF);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_reset);

int vuicc_card_status(struct vuicc_card *card, struct vuicc_status *st)
{
	memset(st, 0, sizeof(*st));
	mutex_lock(&card->lock);
	if (card->dead) {
		mutex_unlock(&card->lock);
		return -ENODEV;
	}
	st->card_id = card->id;
	if (card->powered)
		st->flags |= VUICC_STATUS_POWERED;
	if (card->enabled)
		st->flags |= VUICC_STATUS_PROFILE;
	if (card->rsp_ready)
		st->flags |= VUICC_STATUS_RESPONSE;
	st->events = card->events;
	st->apdus = card->apdus;
	st->resets = card->resets;
	vuicc_engine_atr(card, &st->atr);
	mutex_unlock(&card->lock);
	return 0;
}

/* Called with card->lock held: what the engine recorded goes to the monitor group. */
static void vuicc_card_announce(struct vuicc_card *card, const struct vuicc_engine_news *n)
{
	if (!n->p)
		return;
	if (n->file)
		vuicc_nl_notify_file(card, n->p, n->file);
	if (n->auth)
		vuicc_nl_notify_auth(card, n->p, n->auth_context, n->auth_result);
	if (n->sqn)
		vuicc_nl_notify_sqn(card, n->p);
}

/* Called with card->lock held: one command through the engine into @card->rsp. */
static int vuicc_card_process(struct vuicc_card *card, const struct vuicc_apdu *apdu,
			      const u8 *capdu, size_t len, size_t *rsp_len)
{
	struct vuicc_engine_news news;

	if (card->dead)
		return -ENODEV;
	if (!card->powered)
		return -ENXIO;
	*rsp_len = vuicc_engine_process(card, apdu, card->rsp, &news);
	vuicc_card_announce(card, &news);
	card->apdus++;
	vuicc_trace_apdu(card, capdu, len, card->rsp, *rsp_len, card->session.rsp_secret);
	return 0;
}

/**
 * vuicc_card_rsp_clear() - drop the response, wiping what it held
 * @card: the card, with @card->lock held
 *
 * A response may carry RES, CK, IK or Kc: once read or dropped, nothing of
 * it stays in the buffer for a later, shorter answer to leave behind.
 */
void vuicc_card_rsp_clear(struct vuicc_card *card)
{
	lockdep_assert_held(&card->lock);
	memzero_explicit(card->rsp, card->rsp_len);
	card->rsp_len = 0;
	card->rsp_ready = false;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_rsp_clear);

/**
 * vuicc_card_transact() - hand one command APDU to the card
 * @card: the card
 * @capdu: the command APDU
 * @len: its length
 *
 * The response is left in @card->rsp for vuicc_chrdev's read().
 *
 * Return: 0; -ENODEV for a dead card, -ENXIO when it is off, -EBUSY while
 * the previous response is unread, -EINVAL for inconsistent APDU lengths.
 */
int vuicc_card_transact(struct vuicc_card *card, const u8 *capdu, size_t len)
{
	struct vuicc_apdu apdu;
	int ret;

	ret = vuicc_apdu_parse(capdu, len, &apdu);
	if (ret)
		return ret;

	mutex_lock(&card->lock);
	if (card->rsp_ready && !card->dead && card->powered)
		ret = -EBUSY;
	else
		ret = vuicc_card_process(card, &apdu, capdu, len, &card->rsp_len);
	if (!ret) {
		card->rsp_ready = true;
		card->rsp_seq++;
	}
	mutex_unlock(&card->lock);
	if (!ret)
		wake_up_interruptible(&card->wait);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_transact);

/**
 * vuicc_card_exchange() - one command APDU for a line that holds the card
 * @card: the card
 * @capdu: the command APDU
 * @len: its length
 * @rsp: filled with the response APDU
 * @max: room in @rsp
 * @rsp_len: set to the response's length
 *
 * The engine and its T=0 semantics are the ones /dev/vuiccN sees.
 *
 * Return: 0; -ENODEV for a dead card, -ENXIO when it is off, -EINVAL for
 * inconsistent APDU lengths, -EMSGSIZE when the response does not fit.
 */
int vuicc_card_exchange(struct vuicc_card *card, const u8 *capdu, size_t len,
			u8 *rsp, size_t max, size_t *rsp_len)
{
	struct vuicc_apdu apdu;
	size_t n;
	int ret;

	ret = vuicc_apdu_parse(capdu, len, &apdu);
	if (ret)
		return ret;

	mutex_lock(&card->lock);
	ret = vuicc_card_process(card, &apdu, capdu, len, &n);
	if (!ret) {
		if (n > max) {
			ret = -EMSGSIZE;
		} else {
			memcpy(rsp, card->rsp, n);
			*rsp_len = n;
		}
		/* RES and keys go no further than the caller's copy */
		memzero_explicit(card->rsp, n);
	}
	mutex_unlock(&card->lock);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_exchange);

/* Collect and clear the pending card events. */
int vuicc_card_take_events(struct vuicc_card *card, u32 *events)
{
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead)
		ret = -ENODEV;
	*events = card->events;
	card->events = 0;
	mutex_unlock(&card->lock);
	return ret;
}

/* A new opener starts with no stale events or response. */
void vuicc_card_opened(struct vuicc_card *card)
{
	mutex_lock(&card->lock);
	card->events = 0;
	vuicc_card_rsp_clear(card);
	mutex_unlock(&card->lock);
}

/*
 * When the modem side lets go, the card loses power, as a card does when
 * the reader releases it; the next opener starts from a cold reset.
 */
void vuicc_card_closed(struct vuicc_card *card)
{
	bool changed = false;

	mutex_lock(&card->lock);
	if (!card->dead) {
		changed = card->powered;
		vuicc_card_deactivate(card);
	}
	mutex_unlock(&card->lock);
	if (changed)
		vuicc_nl_notify_card(card, VUICC_CMD_CARD_POWER_NTF);
}

bool vuicc_card_is_open(struct vuicc_card *card)
{
	return test_bit(VUICC_CARD_OPEN, &card->bits);
}

/**
 * vuicc_card_line_attach() - let a line hold the card as its one opener
 * @card: the card
 * @line: the line; it stays valid until vuicc_card_line_detach()
 *
 * Return: 0; -ENODEV for a removed card, -EBUSY when the card is open or
 * held by another line.
 */
int vuicc_card_line_attach(struct vuicc_card *card, struct vuicc_card_line *line)
{
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead)
		ret = -ENODEV;
	else if (test_and_set_bit(VUICC_CARD_OPEN, &card->bits))
		ret = -EBUSY;
	if (!ret) {
		card->line = line;
		card->events = 0;
		vuicc_card_rsp_clear(card);
	}
	mutex_unlock(&card->lock);
	return ret;
}

/**
 * vuicc_card_line_detach() - the line lets go of the card
 * @card: the card
 * @line: the line that holds it
 *
 * The card loses power, as when /dev/vuiccN's opener closes it.
 */
void vuicc_card_line_detach(struct vuicc_card *card, struct vuicc_card_line *line)
{
	bool changed = false;

	mutex_lock(&card->lock);
	if (card->line == line) {
		if (!card->dead) {
			changed = card->powered;
			vuicc_card_deactivate(card);
		}
		card->line = NULL;
		clear_bit(VUICC_CARD_OPEN, &card->bits);
	}
	mutex_unlock(&card->lock);
	if (changed)
		vuicc_nl_notify_card(card, VUICC_CMD_CARD_POWER_NTF);
}

/**
 * vuicc_card_line_stats() - the counters of the card's line
 * @card: the card, locked
 * @st: filled with the counters
 * @tty_name: filled with the line's tty, sizeof(&vuicc_card_line.tty_name)
 *
 * Return: false when no line holds the card.
 */
bool vuicc_card_line_stats(struct vuicc_card *card, struct vuicc_t0_stats *st,
			   char *tty_name)
{
	struct vuicc_card_line *line = card->line;

	lockdep_assert_held(&card->lock);
	if (!line)
		return false;
	spin_lock(&line->lock);
	*st = line->stats;
	memcpy(tty_name, line->tty_name, sizeof(line->tty_name));
	spin_unlock(&line->lock);
	return true;
}

/* Called with card->lock held. */
struct vuicc_profile *vuicc_card_profile_find(struct vuicc_card *card,
					      const char *name)
{
	struct vuicc_profile *p;

	list_for_each_entry(p, &card->profiles, node)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/**
 * vuicc_card_profile_add() - install a profile on a card, disabled
 * @card: the card
 * @p: the profile; the card owns it on success
 *
 * Return: 0; -ENODEV for a removed card, -EEXIST for a name in use,
 * -ENOSPC when the card holds %VUICC_PROFILES_MAX profiles.
 */
int vuicc_card_profile_add(struct vuicc_card *card, struct vuicc_profile *p)
{
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead)
		ret = -ENODEV;
	else if (vuicc_card_profile_find(card, p->name))
		ret = -EEXIST;
	else if (card->n_profiles >= VUICC_PROFILES_MAX)
		ret = -ENOSPC;
	if (!ret) {
		list_add_tail(&p->node, &card->profiles);
		card->n_profiles++;
		vuicc_cards_changed();
		vuicc_nl_notify_profile(card, p, VUICC_CMD_PROFILE_ADD_NTF);
	}
	mutex_unlock(&card->lock);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_profile_add);

/*
 * Called with card->lock held: the modem side sees the card go (and come
 * back with @next), and must power it on again.
 */
static void vuicc_card_switch(struct vuicc_card *card, struct vuicc_profile *next)
{
	struct vuicc_profile *prev = card->enabled;

	if (prev)
		card->events |= VUICC_EVENT_REMOVED;
	/* a deadline belongs to one enabling; the work finds it gone */
	card->deadline = 0;
	hrtimer_try_to_cancel(&card->deadline_timer);
	/* the engine drops its session, and with it any hold on @prev */
	card->enabled = next;
	vuicc_card_deactivate(card);
	if (next)
		card->events |= VUICC_EVENT_INSERTED;
	card->switches++;
	vuicc_cards_changed();
	if (card->line)
		card->line->ops->changed(card->line);
	wake_up_interruptible_all(&card->wait);
	if (prev)
		vuicc_nl_notify_profile(card, prev, VUICC_CMD_PROFILE_ENABLE_NTF);
	if (next)
		vuicc_nl_notify_profile(card, next, VUICC_CMD_PROFILE_ENABLE_NTF);
}

/* Called with card->lock held; @deadline 0 clears it. */
static void vuicc_card_set_deadline(struct vuicc_card *card, ktime_t deadline)
{
	card->deadline = deadline;
	if (deadline)
		hrtimer_start(&card->deadline_timer, deadline, HRTIMER_MODE_ABS);
	else
		hrtimer_try_to_cancel(&card->deadline_timer);
}

static bool vuicc_deadline_passed(ktime_t deadline)
{
	return ktime_compare(ktime_get_boottime(), deadline) >= 0;
}

static void vuicc_card_deadline_work(struct work_struct *work)
{
	struct vuicc_card *card = container_of(work, struct vuicc_card, deadline_work);
	struct vuicc_profile *p;

	mutex_lock(&card->lock);
	p = card->enabled;
	/* renewed, disabled or replaced since the timer fired: nothing to do */
	if (!card->dead && p && card->deadline && vuicc_deadline_passed(card->deadline)) {
		card->expiries++;
		vuicc_card_switch(card, NULL);
		pr_info("%s: profile %s disabled: its deadline passed\n", card->name, p->name);
		vuicc_nl_notify_profile(card, p, VUICC_CMD_PROFILE_EXPIRE_NTF);
	}
	mutex_unlock(&card->lock);
}

/**
 * vuicc_card_profile_enable() - enable a profile in place of the enabled one
 * @card: the card
 * @name: the profile
 * @deadline: when the kernel disables it on its own unless
 *	vuicc_card_profile_renew() moves it first (CLOCK_BOOTTIME); 0: never
 *
 * Atomic for the modem side: it sees the old profile removed and the new
 * one inserted, never a mix.  Enabling the enabled profile changes nothing
 * but its deadline.
 *
 * Return: 0, -ENODEV for a removed card, -ENOENT for no such profile,
 * -EINVAL for a deadline that has passed.
 */
int vuicc_card_profile_enable(struct vuicc_card *card, const char *name, ktime_t deadline)
{
	struct vuicc_profile *p;
	int ret = 0;

	mutex_lock(&card->lock);
	p = card->dead ? NULL : vuicc_card_profile_find(card, name);
	if (card->dead) {
		ret = -ENODEV;
	} else if (!p) {
		ret = -ENOENT;
	} else if (deadline && vuicc_deadline_passed(deadline)) {
		ret = -EINVAL;
	} else {
		if (card->enabled != p)
			vuicc_card_switch(card, p);
		vuicc_card_set_deadline(card, deadline);
	}
	mutex_unlock(&card->lock);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_profile_enable);

/**
 * vuicc_card_profile_renew() - move the deadline of the enabled profile
 * @card: the card
 * @name: the profile, which must be the enabled one
 * @deadline: its new deadline (CLOCK_BOOTTIME), earlier or later
 *
 * Return: 0, -ENODEV for a removed card, -ESTALE when @name is not enabled
 * with a deadline that is still ahead (it passed, and the profile is or is
 * about to be disabled; or the profile was disabled or replaced), -EINVAL
 * for a @deadline that has passed.
 */
int vuicc_card_profile_renew(struct vuicc_card *card, const char *name, ktime_t deadline)
{
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead)
		ret = -ENODEV;
	else if (!card->enabled || strcmp(card->enabled->name, name) || !card->deadline ||
		 vuicc_deadline_passed(card->deadline))
		ret = -ESTALE;
	else if (vuicc_deadline_passed(deadline))
		ret = -EINVAL;
	else
		vuicc_card_set_deadline(card, deadline);
	mutex_unlock(&card->lock);
	return ret;
}

VUICC_EXPORT_FOR_KUNIT(vuicc_card_profile_renew);

/**
 * vuicc_card_profile_disable() - disable the enabled profile
 * @card: the card
 * @name: if not NULL, disable only if this is the enabled profile
 *
 * The card keeps answering its ATR and selects no application.
 *
 * Return: 0, -ENODEV for a removed card, -ENOENT when no profile (or not
 * @name) is enabled.
 */
int vuicc_card_profile_disable(struct vuicc_card *card, const char *name)
{
	int ret = 0;

	mutex_lock(&card->lock);
	if (card->dead)
		ret = -ENODEV;
	else if (!card->enabled || (name && strcmp(card->enabled->name, name)))
		ret = -ENOENT;
	else
		vuicc_card_switch(card, NULL);
	mutex_unlock(&card->lock);
	return ret;
}

/**
 * vuicc_card_profile_del() - delete a profile and wipe its keys
 * @card: the card
 * @name: the profile; if enabled, it is disabled first
 *
 * Return: 0, -ENODEV for a removed card, -ENOENT for no such profile.
 */
int vuicc_card_profile_del(struct vuicc_card *card, const char *name)
{
	struct vuicc_profile *p;
	int ret = 0;

	mutex_lock(&card->lock);
	p = card->dead ? NULL : vuicc_card_profile_find(card, name);
	if (card->dead) {
		ret = -ENODEV;
	} else if (!p) {
		ret = -ENOENT;
	} else {
		if (card->enabled == p)
			vuicc_card_switch(card, NULL);
		list_del(&p->node);
		card->n_profiles--;
		vuicc_cards_changed();
		vuicc_nl_notify_profile(card, p, VUICC_CMD_PROFILE_DEL_NTF);
	}
	mutex_unlock(&card->lock);
	vuicc_profile_free(ret ? NULL : p);
	return ret;
}
