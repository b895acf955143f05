/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd: the agent daemon's shared state and its parts, bottom up (a part
 * calls only parts below it; news goes up through callbacks):
 *   loop.c     the event loop (loop.h), the clock and the event ring
 *   registry.c the cards and profiles, and the mirror of the kernel's
 *   persist.c  their state on disk, from the kernel's state events
 *   provision.c  profiles_dir into the kernel
 *   modems.c   the modems of the cards (modems.h)
 *   policy.c   the policy core and the SIM server, by card (policy.h)
 *   share*.c   sharing a profile between devices (sharing.h; inside,
 *              share_glue.h): the link
 *              (share_link.c), the lease glue (share_lease.c), sealed
 *              copies (share_sealed.c), pairing (share_pair.c)
 *   status.c   the status report (status.h)
 *   control.c  the control socket
 *   main.c     options, start-up and shut-down order
 */
#ifndef VUICCD_H
#define VUICCD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "lib/config.h"
#include "io/modem.h"
#include "lib/nl.h"
#include "core/policy.h"
#include "io/server.h"
#include "lib/store.h"
#include "loop.h"
#include "modems.h"
#include "policy.h"
#include "persist.h"
#include "provision.h"
#include "registry.h"
#include "sharing.h"
#include "status.h"

struct vd {
	struct config cfg;
	const char *cfg_path;
	struct vnl req, ev;
	struct loop loop;
	struct registry reg;	/* the cards and profiles (registry.h) */
	struct persist store;	/* their state on disk (persist.h) */
	struct provision prov;	/* profiles_dir into the kernel (provision.h) */
	struct modems modems;	/* the modems, by card (modems.h) */
	time_t started;
	struct polglue pol;	/* the policy glue (policy.h) */
	struct vshare *share;	/* the sharing glue (sharing.h), NULL with sharing off */
	struct status status;	/* the status report (status.h) */
};

#define VD_CARD_END(d)	REG_CARD_END(&(d)->reg)

#endif
