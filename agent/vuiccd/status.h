/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vuiccd's status report (vuiccctl status): what each part shows of itself,
 * read when the report is asked for.  It reports on every part, so it holds
 * a pointer to each; it changes none of them (it asks the kernel for the
 * cards' T=0 lines through @req).
 */
#ifndef VUICCD_STATUS_H
#define VUICCD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/config.h"
#include "lib/nl.h"
#include "loop.h"
#include "modems.h"
#include "persist.h"
#include "policy.h"
#include "registry.h"

struct vshare;

struct status {
	const struct config *cfg;
	struct vnl *req;
	const struct registry *reg;
	const struct persist *store;
	const struct modems *modems;
	const struct polglue *pol;
	const struct loop *loop;
	struct vshare *const *share;	/* the sharing glue, once started (NULL inside: off) */
	time_t started;
};

/**
 * status_report() - the report, as text or JSON
 * @rep:  the parts to report on
 * @json: JSON (vuiccctl --json status) rather than text
 * @len:  set to the report's length
 *
 * Return: the report (the caller frees it), or NULL on allocation failure.
 */
char *status_report(const struct status *rep, bool json, size_t *len);

#endif
