/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy's learning on disk: "cardC.learn" in the state directory
 * (a store blob of kind STORE_KIND_LEARN, written crash-safely as every
 * state file), so that a restart or a reboot does not retry a quarantined
 * seed or forget where a seed was refused.
 *
 * The payload is text, one record a line, times in ms of the Unix epoch
 * (CLOCK_REALTIME: the policy's own clock starts again at each start):
 *
 *   vuicc-learn 1
 *   seed NAME FAILURES RETRY_AT QUARANTINED_UNTIL LAST_CAUSE NO_NETWORK
 *   memory SEED PLMN TAC OK CAUSE AT
 *   congested PLMN UNTIL
 *
 * (0 for "none" in RETRY_AT and QUARANTINED_UNTIL, -1 for no cause).  At
 * most POL_PROFILES_MAX seeds, POL_MEMORY_MAX memories and
 * POL_CONGESTED_MAX networks: a few kilobytes.
 */
#ifndef VD_LEARN_H
#define VD_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "core/policy.h"

/* the largest payload learn_decode() accepts */
#define LEARN_TEXT_MAX	16384

/*
 * Writes @l as text to @out (@max bytes, LEARN_TEXT_MAX is enough);
 * @offset_ms: Unix-epoch ms minus policy-clock ms.  Returns the length.
 */
size_t learn_encode(const struct pol_learned *l, int64_t offset_ms, char *out, size_t max);

/*
 * Reads @len bytes of text into @l, its times on the policy clock given by
 * @offset_ms (a time before the policy's clock began becomes 1, long
 * expired).  0, or -EBADMSG with @why (the line and what is wrong).
 */
int learn_decode(const char *in, size_t len, int64_t offset_ms, struct pol_learned *l,
		 char *why, size_t whylen);

#endif
