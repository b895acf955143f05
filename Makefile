# SPDX-License-Identifier: GPL-2.0
#
# vuicc: make builds the module and the tools; make check runs every test;
# make demo runs the main job in a VM (make demo T0=1: the modem on a T=0
# line); make deps installs what they need.
#
#   make [KERNEL=debug|distro-6.1|distro-6.12 | KDIR=/path/to/kernel/build]
#
# The module is built out of tree in a cache directory per kernel
# (${XDG_CACHE_HOME:-~/.cache}/vuicc/mod/...); `make modules` prints it.
# User-space programs go to build/.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KERNEL ?= debug
KDIR ?=
BUILD := $(TOP)/build
V ?= 0

CC ?= cc
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -I$(TOP)/uapi -I$(TOP)/agent $(NL_CFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# The kselftest harness comes from the kernel source tree (linux-source-6.12);
# evaluated only when a selftest is built.
KSELFTEST = $(shell $(TOP)/tools/testing/vm/kernel src)/tools/testing/selftests

AGENT_LIB_SRC := agent/hex.c agent/vuicc_dev.c agent/profile.c agent/nl.c agent/store.c \
	agent/config.c agent/log.c agent/at.c agent/modem.c agent/policy.c agent/server.c \
	agent/share.c agent/share_chan.c agent/gsmtap.c agent/t0_line.c
VUICCCTL_SRC := agent/vuiccctl.c agent/ctl_card.c agent/ctl_apdu.c \
	agent/ctl_profile.c agent/ctl_status.c agent/ctl_t0.c agent/ctl_trace.c $(AGENT_LIB_SRC)
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
# the SIM-server client (agent/server.c): libcurl and json-c
NL_CFLAGS += $(shell pkg-config --cflags libcurl json-c 2>/dev/null)
# (server.c opens libcurl with dlopen: it is linked only into the tests that call it)
NL_LIBS += $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	-Wl,--push-state,--as-needed $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl) \
	-Wl,--pop-state
# the sharing channel (agent/share_chan.c): libsodium
NL_CFLAGS += $(shell pkg-config --cflags libsodium 2>/dev/null)
NL_LIBS += $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
AGENT_HDR := $(wildcard agent/*.h) uapi/linux/vuicc.h
AGENT_TESTS := $(patsubst agent/tests/%.c,$(BUILD)/tests/%,$(wildcard agent/tests/*_test.c))
# (failover_world.c and cn105491555a.c are parts of bench/failover, not programs)
BENCH := $(patsubst tools/testing/bench/%.c,$(BUILD)/bench/%,$(filter-out \
	tools/testing/bench/failover_world.c tools/testing/bench/cn105491555a.c, \
	$(wildcard tools/testing/bench/*.c)))
SELFTESTS := $(patsubst tools/testing/selftests/vuicc/%.c,$(BUILD)/selftests/vuicc/%,\
	$(wildcard tools/testing/selftests/vuicc/*.c))

.PHONY: all modules tools deps check check-static check-host check-vm demo soak clean help \
	model-check

all: modules tools

help:
	@sed -n '3,11p' $(TOP)/Makefile | sed 's/^# \{0,1\}//'

modules:
	@$(TOP)/tools/testing/build-modules \
		$(if $(KDIR),--kdir $(KDIR),--kernel $(KERNEL)) $(if $(filter 1,$(V)),V=1) $(KBUILD_ARGS)

tools: $(BUILD)/bin/vuiccctl $(BUILD)/bin/vuiccd $(BUILD)/bin/vuicc-vpcd $(BUILD)/bin/netsim \
	$(AGENT_TESTS) $(SELFTESTS) $(BENCH)

$(BUILD)/bin/vuicc-vpcd: tools/vpcd-bridge/vuicc-vpcd.c uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/bin/vuiccctl: $(VUICCCTL_SRC) $(AGENT_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(VUICCCTL_SRC) $(LDFLAGS) $(NL_LIBS)

VUICCD_SRC := agent/vuiccd.c agent/vd_sync.c agent/vd_status.c agent/vd_modem.c agent/vd_policy.c \
	agent/vd_share.c $(AGENT_LIB_SRC)

$(BUILD)/bin/vuiccd: $(VUICCD_SRC) $(AGENT_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(VUICCD_SRC) $(LDFLAGS) $(NL_LIBS)

# Host unit tests of the agent, built twice: plain, and with ASan + UBSan.
$(BUILD)/tests/%: agent/tests/%.c agent/tests/testlib.h $(AGENT_LIB_SRC) $(AGENT_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(AGENT_LIB_SRC) $(LDFLAGS) $(NL_LIBS)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@.san $< $(AGENT_LIB_SRC) $(LDFLAGS) $(NL_LIBS)

# kselftests build as the kernel's do (-Wall): kselftest_harness.h is not
# -Wextra clean.
SELFTEST_CFLAGS := -O2 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE -I$(TOP)/uapi

$(BUILD)/selftests/vuicc/%: tools/testing/selftests/vuicc/%.c uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(KSELFTEST) -o $@ $< -lmnl -lpthread

# the T=0 selftest plays the terminal with tools/testing/lib/t0term.c
$(BUILD)/selftests/vuicc/t0 $(BUILD)/selftests/vuicc/t0_fuzz: $(BUILD)/selftests/vuicc/%: \
		tools/testing/selftests/vuicc/%.c tools/testing/lib/t0term.c \
		tools/testing/lib/t0term.h uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(KSELFTEST) -o $@ $< tools/testing/lib/t0term.c -lpthread

# the selftests that use libosmocore as the network
$(BUILD)/selftests/vuicc/osmo_auth $(BUILD)/selftests/vuicc/persist_driver: \
		$(BUILD)/selftests/vuicc/%: tools/testing/selftests/vuicc/%.c \
		tools/testing/selftests/vuicc/vuicc_auc.h uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(OSMO_LIBS)

# libosmocore (Debian libosmocore-dev): the AuC of osmo_auth and bench/auth
OSMO_LIBS = $(shell pkg-config --cflags --libs libosmogsm libosmocore 2>/dev/null || \
	echo -losmogsm -losmocore)

# netsim: the simulated modem, network and data link (libosmocore as the AuC)
NETSIM_SRC := $(wildcard tools/testing/netsim/*.c) agent/vuicc_dev.c agent/t0_line.c \
	tools/testing/lib/t0term.c

$(BUILD)/bin/netsim: $(NETSIM_SRC) tools/testing/netsim/netsim.h agent/vuicc_dev.h \
		agent/t0_line.h tools/testing/lib/t0term.h uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itools/testing/netsim -o $@ $(NETSIM_SRC) $(OSMO_LIBS)

$(BUILD)/bench/auth: tools/testing/bench/auth.c tools/testing/selftests/vuicc/vuicc_auc.h \
		uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(OSMO_LIBS)

# the card on a T=0 line, timed (libosmocore for the AUTHENTICATE's vector)
$(BUILD)/bench/t0: tools/testing/bench/t0.c tools/testing/lib/t0term.c tools/testing/lib/t0term.h \
		tools/testing/selftests/vuicc/vuicc_auc.h uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< tools/testing/lib/t0term.c $(OSMO_LIBS)

# the failover benchmark: vuiccd's policy core against CN105491555A's method
# in one simulated world; built twice, plain and with ASan + UBSan
FAILOVER_SRC := tools/testing/bench/failover.c tools/testing/bench/failover_world.c \
	tools/testing/bench/cn105491555a.c agent/policy.c
FAILOVER_HDR := tools/testing/bench/failover_world.h tools/testing/bench/cn105491555a.h \
	agent/policy.h

$(BUILD)/bench/failover: $(FAILOVER_SRC) $(FAILOVER_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(FAILOVER_SRC) -lm
	$(CC) $(CFLAGS) $(SANITIZE) -o $@.san $(FAILOVER_SRC) -lm

$(BUILD)/bench/failover.san: $(BUILD)/bench/failover

$(BUILD)/bench/%: tools/testing/bench/%.c uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

deps:
	@$(TOP)/tools/testing/deps

check: deps
	@$(TOP)/tools/testing/check

# the lease protocol's Promela model, checked with spin (make check runs it)
model-check: deps
	@$(TOP)/tools/testing/model/check

soak: deps
	@VUICC_SOAK=1 $(TOP)/tools/testing/check soak

# make demo T0=1: the simulated modem on a T=0 line instead of /dev/vuicc0
demo: deps
	@T0=$(T0) $(TOP)/tools/testing/demo

clean:
	rm -rf $(BUILD)
