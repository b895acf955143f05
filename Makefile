# SPDX-License-Identifier: GPL-2.0
#
# vuicc: make builds the module and the tools; make check runs every test;
# make demo runs the main job in a VM (make demo T0=1: the modem on a T=0
# line); make deps installs what they need.
#
#   make [KERNEL=debug|distro-6.1|distro-6.12 | KDIR=/path/to/kernel/build]
#   make dkms-install | dkms-remove   the module through DKMS (as root)
#   make deb                          the Debian packages (into DEBDIR)
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
# (64-bit file offsets on 32-bit targets too: glibc's 32-bit readdir fails
# with EOVERFLOW on a file system with 64-bit directory cookies; found on
# 32-bit PowerPC, issue 21)
CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I$(TOP)/uapi -I$(TOP)/agent $(NL_CFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# The kselftest harness comes from the kernel source tree (linux-source-6.12);
# evaluated only when a selftest is built.
KSELFTEST = $(shell $(TOP)/tools/testing/vm/kernel src)/tools/testing/selftests

# The agent is built in layers, each a static library (agent/lib, core, io)
# or a program (agent/vuiccd, agent/vuiccctl) linked from what it uses;
# dependencies point down only (tools/testing/layers checks it):
#   lib      formats, parsers, kernel clients            -> uapi, libc, libnl
#   core     no I/O, no clock: at, policy, share(_chan)  -> lib (libsodium)
#   io       clients that own an fd: modem, server       -> core, lib (json-c, libcurl)
#   vuiccd   the daemon's parts                          -> io, core, lib
#   vuiccctl the command line                            -> lib only
# Objects go to build/obj (and build/obj-san with ASan + UBSan for the host
# tests), with their header dependencies (-MMD -MP).
OBJ := $(BUILD)/obj
SOBJ := $(BUILD)/obj-san
LAYERS := lib core io
layer_src = $(wildcard agent/$(1)/*.c)
layer_obj = $(patsubst %.c,$(2)/%.o,$(call layer_src,$(1)))
LIB_A := $(foreach l,$(LAYERS),$(BUILD)/lib/libvuicc-$(l).a)
SLIB_A := $(foreach l,$(LAYERS),$(BUILD)/lib-san/libvuicc-$(l).a)
# link order: the upper layers first
LINK_A := $(BUILD)/lib/libvuicc-io.a $(BUILD)/lib/libvuicc-core.a $(BUILD)/lib/libvuicc-lib.a
SLINK_A := $(subst $(BUILD)/lib/,$(BUILD)/lib-san/,$(LINK_A))

VUICCCTL_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard agent/vuiccctl/*.c))
# vuicc-sap, the SIM Access Profile server: core (the SAP codec and server)
# and lib; libdbus-1 for BlueZ's profile manager
SAPD_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard agent/sap/*.c))
DBUS_CFLAGS := $(shell pkg-config --cflags dbus-1 2>/dev/null || echo -I/usr/include/dbus-1.0)
DBUS_LIBS := $(shell pkg-config --libs dbus-1 2>/dev/null || echo -ldbus-1)
# the daemon's parts (all but main.c) are a library too, for their host tests
VUICCD_PARTS := $(filter-out agent/vuiccd/main.c,$(wildcard agent/vuiccd/*.c))
VUICCD_A := $(BUILD)/lib/libvuicc-vuiccd.a
SVUICCD_A := $(BUILD)/lib-san/libvuicc-vuiccd.a
LIBNL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
LIBNL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
NL_CFLAGS := $(LIBNL_CFLAGS)
# the SIM-server client (agent/io/server*.c): libcurl and json-c
NL_CFLAGS += $(shell pkg-config --cflags libcurl json-c 2>/dev/null)
# the sharing channel (agent/core/share_chan.c, share_chan_pair.c): libsodium
NL_CFLAGS += $(shell pkg-config --cflags libsodium 2>/dev/null)
# what vuiccd and the tests link (server_curl.c opens libcurl with dlopen: it is
# linked only into the tests that call it)
NL_LIBS := $(LIBNL_LIBS) $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	-Wl,--push-state,--as-needed $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl) \
	-Wl,--pop-state $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
AGENT_TEST_SRC := $(wildcard agent/tests/*/*_test.c)
AGENT_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(AGENT_TEST_SRC)))
# (failover_world.c is a part of bench/failover, not a program)
BENCH := $(patsubst tools/testing/bench/%.c,$(BUILD)/bench/%,$(filter-out \
	tools/testing/bench/failover_world.c, $(wildcard tools/testing/bench/*.c)))
SELFTESTS := $(patsubst tools/testing/selftests/vuicc/%.c,$(BUILD)/selftests/vuicc/%,\
	$(wildcard tools/testing/selftests/vuicc/*.c))

.PHONY: all modules tools tools-arm64 agent-arm64 tools-ppc32 deps check check-static check-host check-vm demo soak clean \
	help model-check agent dkms-source dkms-install dkms-remove deb

all: modules tools

help:
	@sed -n '3,13p' $(TOP)/Makefile | sed 's/^# \{0,1\}//'

modules:
	@$(TOP)/tools/testing/build-modules \
		$(if $(KDIR),--kdir $(KDIR),--kernel $(KERNEL)) $(if $(filter 1,$(V)),V=1) $(KBUILD_ARGS)

tools: $(BUILD)/bin/vuiccctl $(BUILD)/bin/vuiccd $(BUILD)/bin/vuicc-vpcd $(BUILD)/bin/netsim \
	$(BUILD)/bin/vuicc-sap \
	$(AGENT_TESTS) $(SELFTESTS) $(BENCH)

# what the packages ship (debian/rules builds only these: no test program)
AGENT_BIN := $(addprefix $(BUILD)/bin/,vuiccd vuiccctl vuicc-sap vuicc-vpcd)
agent: $(AGENT_BIN)

# The programs the arm64 VM runs (tools/testing/vm/run --arch arm64),
# cross-built with gcc-aarch64-linux-gnu into build-arm64/ by this Makefile
# itself; the harness gives the guest the arm64 shared libraries they need.
ARM64_TOOLS := bin/vuiccctl selftests/vuicc/chardev selftests/vuicc/netlink selftests/vuicc/fuzz
tools-arm64:
	@PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	$(MAKE) -C $(TOP) --no-print-directory BUILD=$(TOP)/build-arm64 \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		$(addprefix $(TOP)/build-arm64/,$(ARM64_TOOLS))

# the whole agent and its host tests for arm64 (make soak runs the tests
# under qemu-aarch64-static; the .san builds link, but the host has no arm64
# libasan to run them with)
agent-arm64:
	@PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	$(MAKE) -C $(TOP) --no-print-directory BUILD=$(TOP)/build-arm64 \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		$(subst $(BUILD)/,$(TOP)/build-arm64/,$(AGENT_BIN) $(AGENT_TESTS))

# The programs of the 32-bit big-endian VM (tools/testing/vm/run-ppc32),
# static, with gcc-powerpc-linux-gnu: its /init and the two kselftests.
# Debian 12 has no powerpc libraries, so netlink's libmnl calls go to
# tools/testing/lib/mnl_lite.h.
# Also the agent's host tests of the layers that need no library Debian 12
# lacks for powerpc (libnl, libsodium, json-c, libcurl), static, for
# qemu-ppc-static on the host (tools/testing/check's ppc32 step).
STATIC_AGENT_SRC := $(filter-out agent/core/share_chan%.c,$(wildcard agent/core/*.c)) \
	$(filter-out agent/lib/nl.c,$(wildcard agent/lib/*.c))
STATIC_AGENT_TESTS := $(patsubst %.c,tests-static/%,$(notdir $(filter-out \
	%/share_chan_test.c,$(wildcard agent/tests/core/*_test.c agent/tests/lib/*_test.c))))
PPC32_TOOLS := init selftests/vuicc/chardev selftests/vuicc/netlink $(STATIC_AGENT_TESTS)
tools-ppc32:
	@PKG_CONFIG_LIBDIR=/nonexistent \
	$(MAKE) -C $(TOP) --no-print-directory BUILD=$(TOP)/build-ppc32 \
		CC=powerpc-linux-gnu-gcc AR=powerpc-linux-gnu-ar MNL_LITE=1 \
		SELFTEST_LDFLAGS=-static $(addprefix $(TOP)/build-ppc32/,$(PPC32_TOOLS))

$(BUILD)/init: tools/testing/vm/init-static.c tools/testing/selftests/vuicc/modload.h Makefile
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -static -o $@ $<

$(OBJ)/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(SOBJ)/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -MMD -MP -c -o $@ $<

# objects and libraries reached through pattern rules are kept, not
# deleted as intermediates (an incremental build recompiles only what changed)
.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/lib/libvuicc-%.a: $$(call layer_obj,$$*,$(OBJ))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/lib-san/libvuicc-%.a: $$(call layer_obj,$$*,$(SOBJ))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/vuicc-vpcd: tools/vpcd-bridge/vuicc-vpcd.c uapi/linux/vuicc.h Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# vuiccctl: the library layer only (libnl; no libsodium, json-c or libcurl)
$(BUILD)/bin/vuiccctl: $(VUICCCTL_OBJ) $(BUILD)/lib/libvuicc-lib.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBNL_LIBS)

$(OBJ)/agent/sap/%.o: CFLAGS += $(DBUS_CFLAGS)
$(BUILD)/bin/vuicc-sap: $(SAPD_OBJ) $(BUILD)/lib/libvuicc-core.a $(BUILD)/lib/libvuicc-lib.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(DBUS_LIBS)

$(VUICCD_A): $(patsubst %.c,$(OBJ)/%.o,$(VUICCD_PARTS))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(SVUICCD_A): $(patsubst %.c,$(SOBJ)/%.o,$(VUICCD_PARTS))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/vuiccd: $(OBJ)/agent/vuiccd/main.o $(VUICCD_A) $(LINK_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(NL_LIBS)

# Host unit tests of the agent (agent/tests/<layer>/), built twice: plain,
# and with ASan + UBSan.
# (agent/tests/vuiccd/ tests the daemon's parts: libvuicc-vuiccd.a)
$(BUILD)/tests/%_test: $(OBJ)/agent/tests/$$(call test_dir,$$*)/%_test.o $(VUICCD_A) $(LINK_A) \
		$(SOBJ)/agent/tests/$$(call test_dir,$$*)/%_test.o $(SVUICCD_A) $(SLINK_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter $(OBJ)/%,$^) $(VUICCD_A) $(LINK_A) $(LDFLAGS) $(NL_LIBS) \
		-lpthread
	$(CC) $(CFLAGS) $(SANITIZE) -o $@.san $(filter $(SOBJ)/%,$^) $(SVUICCD_A) $(SLINK_A) \
		$(LDFLAGS) $(NL_LIBS) -lpthread
test_dir = $(notdir $(patsubst %/,%,$(dir $(filter %/$(1)_test.c,$(AGENT_TEST_SRC)))))

# the static tests of tools-ppc32 (no library beyond libc)
$(BUILD)/lib/libvuicc-static.a: $(patsubst %.c,$(OBJ)/%.o,$(STATIC_AGENT_SRC))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests-static/%_test: $(OBJ)/agent/tests/$$(call test_dir,$$*)/%_test.o \
		$(BUILD)/lib/libvuicc-static.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $^ -lpthread

# kselftests build as the kernel's do (-Wall): kselftest_harness.h is not
# -Wextra clean.
SELFTEST_CFLAGS := -O2 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I$(TOP)/uapi

$(BUILD)/selftests/vuicc/%: tools/testing/selftests/vuicc/%.c uapi/linux/vuicc.h \
		tools/testing/selftests/vuicc/modload.h Makefile
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(KSELFTEST) -o $@ $< $(SELFTEST_LDFLAGS) $(MNL_LIBS) -lpthread

# MNL_LITE=1 builds the netlink selftest against tools/testing/lib/mnl_lite.h
# instead of libmnl, for a target with no libmnl (a static 32-bit PowerPC
# build: CC='powerpc-linux-gnu-gcc -static').  Give it a BUILD of its own:
# a binary already built the other way is not rebuilt.
MNL_LIBS := -lmnl
ifeq ($(MNL_LITE),1)
MNL_LIBS :=
$(BUILD)/selftests/vuicc/netlink: SELFTEST_CFLAGS += -DVUICC_MNL_LITE
$(BUILD)/selftests/vuicc/netlink: tools/testing/lib/mnl_lite.h
endif

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

# the stored-blob driver of the power-cut and kill tests runs vuiccd's own
# store code (libvuicc-vuiccd.a)
$(BUILD)/selftests/vuicc/blob_driver: tools/testing/selftests/vuicc/blob_driver.c \
		$(VUICCD_A) $(LINK_A) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(VUICCD_A) $(LINK_A) $(LDFLAGS) $(NL_LIBS) -lpthread

# libosmocore (Debian libosmocore-dev): the AuC of osmo_auth and bench/auth
OSMO_LIBS = $(shell pkg-config --cflags --libs libosmogsm libosmocore 2>/dev/null || \
	echo -losmogsm -losmocore)

# netsim: the simulated modem, network and data link (libosmocore as the AuC)
NETSIM_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tools/testing/netsim/*.c) \
	tools/testing/lib/t0term.c)

$(BUILD)/bin/netsim: $(NETSIM_OBJ) $(BUILD)/lib/libvuicc-lib.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(OSMO_LIBS)

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
FAILOVER_SRC := tools/testing/bench/failover.c tools/testing/bench/failover_world.c

$(BUILD)/bench/failover: $(patsubst %.c,$(OBJ)/%.o,$(FAILOVER_SRC)) $(BUILD)/lib/libvuicc-core.a \
		$(patsubst %.c,$(SOBJ)/%.o,$(FAILOVER_SRC)) $(BUILD)/lib-san/libvuicc-core.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter $(OBJ)/% $(BUILD)/lib/%,$^) -lm
	$(CC) $(CFLAGS) $(SANITIZE) -o $@.san $(filter $(SOBJ)/% $(BUILD)/lib-san/%,$^) -lm

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
	rm -rf $(BUILD) $(TOP)/build-arm64 $(TOP)/build-ppc32

# The version of the module source, the DKMS tree and the Debian packages:
# the top-level VERSION file is the one place it is written (debian/changelog
# must name the same upstream version; debian/rules checks).
VERSION := $(shell cat $(TOP)/VERSION)
DKMS_SRC := /usr/src/vuicc-$(VERSION)

# The module's source as DKMS builds it (Kbuild, kernel/ without the KUnit
# suites, uapi/, dkms.conf with its version) into $(DESTDIR)$(DKMS_SRC).
dkms-source:
	install -d $(DESTDIR)$(DKMS_SRC)/kernel/generated $(DESTDIR)$(DKMS_SRC)/uapi/linux
	install -m 0644 $(TOP)/Kbuild $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 $(wildcard $(TOP)/kernel/*.[ch]) $(DESTDIR)$(DKMS_SRC)/kernel/
	install -m 0644 $(wildcard $(TOP)/kernel/generated/*.[ch]) $(DESTDIR)$(DKMS_SRC)/kernel/generated/
	install -m 0644 $(wildcard $(TOP)/uapi/linux/*.h) $(DESTDIR)$(DKMS_SRC)/uapi/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' $(TOP)/dkms.conf >$(DESTDIR)$(DKMS_SRC)/dkms.conf

# As root: the module for the running kernel (or KVER=release) through
# DKMS, which rebuilds it when a kernel's headers are installed; and its
# removal from DKMS for every kernel.
DKMS_K = $(if $(KVER),-k $(KVER))
dkms-install: dkms-source
	dkms add -m vuicc -v $(VERSION)
	dkms build -m vuicc -v $(VERSION) $(DKMS_K)
	dkms install -m vuicc -v $(VERSION) $(DKMS_K)

dkms-remove:
	-dkms remove -m vuicc -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# The Debian packages (debian/): vuicc-dkms, vuiccd, vuicc-tools, built
# without network, VM or debug kernel; the results (.deb, .changes,
# .buildinfo) are moved from the parent directory into DEBDIR.
DEBDIR ?= $(or $(VUICC_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vuicc)/deb
deb:
	cd $(TOP) && dpkg-buildpackage -us -uc -b -j1
	mkdir -p $(DEBDIR)
	cd $(TOP)/.. && dcmd mv vuicc_$(VERSION)_$(shell dpkg-architecture -qDEB_HOST_ARCH).changes $(DEBDIR)/
	cd $(TOP) && debian/rules clean
	@echo "packages in $(DEBDIR)"

-include $(shell find $(OBJ) $(SOBJ) -name '*.d' 2>/dev/null)
