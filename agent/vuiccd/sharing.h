/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's sharing glue, from outside (share_glue.h is its inside):
 * sharing a profile between a master device and slave devices
 * (Documentation/admin-guide/vuicc-sharing.rst).  It takes the parts it
 * uses: the configuration, the loop (its link's fds and its timer), the
 * registry, the store (leases and sealed copies) and provisioning (a pushed
 * profile into the kernel).
 */
#ifndef VUICCD_SHARING_H
#define VUICCD_SHARING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/config.h"
#include "loop.h"
#include "persist.h"
#include "provision.h"
#include "registry.h"

struct vshare;
struct sc_identity;

/*
 * Start sharing as the configuration says (*@out stays NULL with sharing
 * off).  On an error *@out may be set: vd_share_stop() frees it.
 */
int vd_share_start(struct vshare **out, const struct config *cfg, struct loop *loop,
		   struct registry *reg, struct persist *store, struct provision *prov);
/* A slave holding a lease gives it back first; *@vp is NULL after. */
void vd_share_stop(struct vshare **vp);
/* The sharing part of vuiccctl status (nothing with @v NULL). */
void vd_share_status(const struct vshare *v, FILE *f, bool json);
/* vuiccctl share take|give|want|unwant: the answer in @msg. */
int vd_share_command(struct vshare *v, const char *cmd, char *msg, size_t max);
int vd_share_key_file(const char *path, struct sc_identity *id, bool create);
int vd_share_pair(const struct config *cfg, const char *code, unsigned int timeout_s);

#endif
