// SPDX-License-Identifier: GPL-2.0
/*
 * SIM slot selection of modem families (slot.h).  Only commands whose
 * syntax could be confirmed are here; Documentation/admin-guide/vuiccd.rst
 * ("Physical cards") gives the sources and the commands left out.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "slot.h"

static const struct {
	const char *name, *cmd;		/* the command up to its <slot> */
	int first;			/* <slot> of the first slot (some count from 0) */
	int slots;
	unsigned int timeout_ms;
} dialects[SLOT_N] = {
	[SLOT_NONE] = { "none", NULL, 0, 0, 0 },
	/* Quectel +QUIMSLOT (RG50xQ/RM5xxQ and EM12/EM16 AT manuals): 1 or 2,
	 * the slot switch re-initialises the (U)SIM like a hot swap; no
	 * maximum found for its answer: 15 s, as a SIM power-up can take */
	[SLOT_QUECTEL] = { "quectel", "AT+QUIMSLOT=", 1, 2, 15000 },
};

static bool prefix(const char *s, const char *p)
{
	return !strncasecmp(s, p, strlen(p));
}

enum slot_dialect slot_dialect_of(const char *manufacturer, const char *model)
{
	if (!manufacturer || !model)
		return SLOT_NONE;
	/* +QUIMSLOT is a command of the 5G modules (RG50xQ, RM5xxQ) and of the
	 * M.2 LTE-A line (EM12, EM16); the EC2x/EP06 family answers it with
	 * ERROR on the firmware seen, so it is left out */
	if (strcasestr(manufacturer, "quectel"))
		return prefix(model, "RG5") || prefix(model, "RM5") || prefix(model, "EM12") ||
		       prefix(model, "EM16") ? SLOT_QUECTEL : SLOT_NONE;
	return SLOT_NONE;
}

const char *slot_dialect_name(enum slot_dialect d)
{
	return d < SLOT_N ? dialects[d].name : "?";
}

int slot_count(enum slot_dialect d)
{
	return d < SLOT_N ? dialects[d].slots : 0;
}

int slot_command(enum slot_dialect d, int slot, char *buf, size_t len)
{
	if (d >= SLOT_N || !dialects[d].cmd || slot < 1 || slot > dialects[d].slots)
		return -1;
	if ((size_t)snprintf(buf, len, "%s%d", dialects[d].cmd,
			     slot - 1 + dialects[d].first) >= len)
		return -1;
	return 0;
}

unsigned int slot_timeout_ms(enum slot_dialect d)
{
	return d < SLOT_N ? dialects[d].timeout_ms : 0;
}
