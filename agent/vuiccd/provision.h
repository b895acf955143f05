/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's provisioning: the cards it manages created, every profile file
 * of profiles_dir installed (with its stored state) or installed again when
 * it changed, profiles whose file is gone deleted from the card (their
 * state kept), and a profile enabled on each card that has none.  The
 * policy's profiles (from the SIM server, no file) come and go here too.
 */
#ifndef VD_PROVISION_H
#define VD_PROVISION_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/nl.h"
#include "lib/profile.h"
#include "loop.h"
#include "persist.h"
#include "registry.h"

struct provision {
	const struct config *cfg;	/* profiles_dir, enable, keep_enabled, policy, modem */
	struct registry *reg;
	struct persist *store;
	struct vnl *req;
	struct loop *loop;		/* the event ring */
	bool restarted;			/* a card kept its enabled profile at start */
};

void prov_init(struct provision *pv, const struct config *cfg, struct registry *reg,
	       struct persist *store, struct vnl *req, struct loop *loop);
/* Brings the kernel in line with profiles_dir (@at_start: vuiccd is starting). */
int prov_run(struct provision *pv, bool at_start);
/* profile-enable of @name on @card, remembered for the next boot. */
int prov_enable(struct provision *pv, uint32_t card, const char *name, const char *why);
/*
 * The same with a deadline (ms of CLOCK_BOOTTIME; 0: none): the kernel
 * disables the profile on its own when it passes, unless prov_renew()
 * moved it.
 */
int prov_enable_until(struct provision *pv, uint32_t card, const char *name, const char *why,
		      uint64_t deadline_ms);
/* Moves the deadline of the enabled @name; -ESTALE: it passed, the kernel disabled it. */
int prov_renew(struct provision *pv, uint32_t card, const char *name, uint64_t deadline_ms);
/* Installs the SIM server's profile @p on @card (again, if it was). */
int prov_install_remote(struct provision *pv, uint32_t card, const struct profile *p);
/* Out of the kernel and out of the store: its keys are gone everywhere. */
int prov_delete_remote(struct provision *pv, uint32_t card, const char *name);
/*
 * A standby seed the SIM server assigned (@p parsed from @text): installed
 * and stored (C-NAME.seed) so that it is installed again at every start.
 */
int prov_add_seed(struct provision *pv, uint32_t card, struct profile *p, const char *text);
/*
 * The server withdrew it: deleted now, or (in use) once the card moves off
 * it.  True when it was one of the server's seeds here (the policy drops it).
 */
bool prov_withdraw_seed(struct provision *pv, uint32_t card, const char *name);
/* Withdrawn seeds of @card no longer enabled: deleted. */
void prov_sweep_withdrawn(struct provision *pv, uint32_t card);

#endif
