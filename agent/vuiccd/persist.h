/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's persistence: the state of every profile (SQN array, changed
 * EFs) and of every card (the profile in use) in the state directory, kept
 * up to date from the kernel's state events.
 *
 * The kernel is authoritative for what the modem did; the store for what
 * survives a reboot.  Every state-ntf carries the profile's state-seq: an
 * event at or below the stored one is stale, one that skips a number means
 * events were lost, and state-get then fetches the whole state.  SQN
 * changes are written when a batch of events ends (before vuiccd waits
 * again); EF changes within writeback_ms.
 */
#ifndef VD_PERSIST_H
#define VD_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/nl.h"
#include "lib/store.h"
#include "loop.h"
#include "registry.h"

struct persist {
	struct registry *reg;
	struct vnl *req;		/* state-get */
	struct vnl *ev;			/* the kernel's events */
	struct loop *loop;		/* the event ring */
	const struct store_io *io;
	const char *state_dir;		/* (for messages) */
	unsigned int writeback_ms;
	int dirfd;			/* the state directory */
	int timerfd;			/* the write-back deadline */
	bool timer_armed;
	unsigned long resyncs, overflows;
};

/* Sets @p up on the open state directory @dirfd; the timerfd is made here. */
int persist_init(struct persist *p, struct registry *reg, struct vnl *req, struct vnl *ev,
		 struct loop *loop, const struct store_io *io, int dirfd,
		 const char *state_dir, unsigned int writeback_ms);
void persist_close(struct persist *p);

/* Reads every stored profile and card state into the registry; how many profiles. */
int persist_load(struct persist *p);
/* Writes @v's state now; 0 or -errno (then it is retried after max(writeback_ms, 1 s)). */
int persist_save(struct persist *p, struct vprof *v);
/* Writes @card's state (the profile in use) if it changed. */
void persist_save_card(struct persist *p, uint32_t card);
/* state-get: the kernel's whole state of @v, stored at once if it differs. */
int persist_fetch_state(struct persist *p, struct vprof *v);
/* The kernel mirror and every installed profile's state fetched again. */
int persist_resync(struct persist *p);
/* Reads the queued kernel events (the event socket is readable). */
int persist_events(struct persist *p);
/* Re-arms the timerfd for the earliest EF change due. */
void persist_arm_timer(struct persist *p);
/* The timerfd fired: the changes due are written. */
void persist_on_timer(struct persist *p);

/*
 * A SIM server's standby seed, stored so that a reboot does not lose it:
 * "C-NAME.seed", its profile text as the server sent it (keys included:
 * 0600 in the 0700 state directory, as profile files), written crash-safely
 * like the states.  @gen: the generation of the copy it replaces (0 none).
 */
int persist_save_seed(struct persist *p, uint32_t card, const char *name, const char *text,
		      uint64_t gen);
/* Every copy of "C-NAME.seed" overwritten with zeros and unlinked. */
int persist_forget_seed(struct persist *p, uint32_t card, const char *name);
/*
 * Calls @fn for each stored seed of a card in @cards (a bitmap) with its
 * text (NUL-terminated; @fn may keep nothing of it, it is wiped after) and
 * generation; a damaged one is set aside as NAME.damaged.  How many.
 */
int persist_load_seeds(struct persist *p, uint64_t cards,
		       void (*fn)(void *arg, uint32_t card, const char *name, const char *text,
				  size_t len, uint64_t gen),
		       void *arg);

/* A card's learning ("cardC.learn", STORE_KIND_LEARN): written, read (0, -ENOENT, -EBADMSG). */
int persist_save_blob(struct persist *p, const char *fname, uint16_t kind, uint64_t gen,
		      const uint8_t *buf, size_t len);
int persist_load_blob(struct persist *p, const char *fname, uint16_t kind, uint8_t **buf,
		      size_t *len, uint64_t *gen);
/* Writes the changes due (@all: every change). */
void persist_writeback(struct persist *p, bool all);
/* Removes @name's state files of @card (its keys are gone everywhere). */
int persist_forget(struct persist *p, uint32_t card, const char *name);

#endif
