# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The kernel-log gate of the VM harnesses (vm/run, vm/run-ppc32), sourced:
# any sanitizer, lockdep, kmemleak, warning or crash report fails a run.
# shellcheck disable=SC2034
VUICC_GATE='BUG:|WARNING:|UBSAN:|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|Oops|Kernel panic|general protection fault|possible (circular|recursive) locking|irq lock inversion|INFO: (task .* blocked|rcu_|possible)|rcu: INFO|Call Trace:|vuicc-vm: rmmod'
