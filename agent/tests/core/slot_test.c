// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the SIM slot dialects (agent/core/slot.c): the dialect
 * from the modem's identity, as the survey dialects; each dialect's
 * command for each slot, and no command for a slot it does not have or a
 * modem of no known dialect.
 */
#include <stdio.h>
#include <string.h>

#include "core/slot.h"
#include "../testlib.h"

static void test_dialect_of(void)
{
	CHECK(slot_dialect_of("Quectel", "RM500Q-GL") == SLOT_QUECTEL);
	CHECK(slot_dialect_of("QUECTEL", "RG502Q-EA") == SLOT_QUECTEL);
	CHECK(slot_dialect_of("Quectel", "EM12-G") == SLOT_QUECTEL);
	CHECK(slot_dialect_of("Quectel", "EM160R-GL") == SLOT_QUECTEL);
	CHECK(slot_dialect_of("Quectel", "EG25") == SLOT_NONE);
	CHECK(slot_dialect_of("Quectel", "EP06") == SLOT_NONE);
	CHECK(slot_dialect_of("Telit", "LE910C1-EU") == SLOT_NONE);
	CHECK(slot_dialect_of("Sierra Wireless, Incorporated", "EM7455") == SLOT_NONE);
	CHECK(slot_dialect_of("u-blox", "SARA-R510M8S") == SLOT_NONE);
	CHECK(slot_dialect_of("vuicc", "netsim") == SLOT_NONE);
	CHECK(slot_dialect_of("", "") == SLOT_NONE);
	CHECK(slot_dialect_of(NULL, "RM500Q") == SLOT_NONE);
	CHECK(slot_dialect_of("Quectel", NULL) == SLOT_NONE);
	CHECK(!strcmp(slot_dialect_name(SLOT_QUECTEL), "quectel"));
	CHECK(!strcmp(slot_dialect_name(SLOT_NONE), "none"));
	CHECK(!strcmp(slot_dialect_name(SLOT_N), "?"));
}

static void test_commands(void)
{
	char b[32];

	CHECK(slot_command(SLOT_QUECTEL, 1, b, sizeof(b)) == 0 && !strcmp(b, "AT+QUIMSLOT=1"));
	CHECK(slot_command(SLOT_QUECTEL, 2, b, sizeof(b)) == 0 && !strcmp(b, "AT+QUIMSLOT=2"));
	CHECK(slot_command(SLOT_QUECTEL, 0, b, sizeof(b)) == -1);
	CHECK(slot_command(SLOT_QUECTEL, 3, b, sizeof(b)) == -1);
	CHECK(slot_command(SLOT_QUECTEL, -1, b, sizeof(b)) == -1);
	CHECK(slot_command(SLOT_QUECTEL, 1, b, 8) == -1);	/* does not fit */
	CHECK(slot_command(SLOT_NONE, 1, b, sizeof(b)) == -1);
	CHECK(slot_command(SLOT_N, 1, b, sizeof(b)) == -1);
	CHECK(slot_count(SLOT_QUECTEL) == 2 && slot_count(SLOT_NONE) == 0);
	CHECK(slot_timeout_ms(SLOT_QUECTEL) > 0 && slot_timeout_ms(SLOT_NONE) == 0);
}

int main(void)
{
	RUN(test_dialect_of);
	RUN(test_commands);
	DONE();
}
