#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the vuicc kselftests in the VM (vuicc.ko loaded with cards=2), going
# on after a failure, and fails if any did.  Tiered by what each needs:
#   every kernel   the ABI: /dev/vuiccN, netlink, the T=0 line, vuiccctl
#                  (make check: on debug, 6.12 with the sanitizers, and on
#                  6.1; not on distro-6.12, the same release as debug;
#                  make soak runs it there too)
#   debug          what needs the sanitizers: the APDU and T=0 byte fuzzes;
#                  and its fault injection: faultinject.py
#   distro-6.12    what needs only a real kernel (once, on the fastest):
#                  the kernel's YNL CLI on the spec, PC/SC, libosmocore,
#                  vuiccd, netsim on /dev/vuiccN, the trace read by tshark,
#                  the benchmarks (netsim on a T=0 line: make check's
#                  e2e_policy and e2e_share run on T=0 lines; make soak
#                  runs netsim.sh and netsim_at.py on one too)
# VUICC_SOAK=1 (make soak) runs every test on every kernel.
#   tools/testing/vm/run --kernel K --modargs cards=2 -- tools/testing/selftests/vuicc/run_all.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
bin=$top/build/selftests/vuicc
kernel=${VUICC_KERNEL:-debug}
failed=()
table=()

for dev in /dev/vuicc0 /dev/vuicc1; do
	[ -c "$dev" ] || { echo "selftests: $dev missing: load vuicc.ko with cards=2"; exit 1; }
done
# (make soak sets VUICC_FUZZ_COUNT=1000000, VUICC_T0_FUZZ_COUNT=10000000)
export VUICC_FUZZ_COUNT=${VUICC_FUZZ_COUNT:-100000}
export VUICC_T0_FUZZ_COUNT=${VUICC_T0_FUZZ_COUNT:-50000}
export VUICC_AUTH_COUNT=${VUICC_AUTH_COUNT:-3000}

abi=("$bin/chardev" "$bin/netlink" "$bin/t0" "$here/t0_ctl.py" "$here/t0_uart.py"
     "$here/vuiccctl.sh" "$here/transcripts.sh" "$here/conformance.py")
sanitized=("$bin/fuzz" "$bin/t0_fuzz")
# needs the debug kernel's fault injection (failslab, fail-nth), even in make soak
debug_only=("$here/faultinject.py")
once=("$here/ynl_cli.py" "$here/apdu_examples.py" "$here/pcsc.sh" "$bin/osmo_auth" "$here/bench_auth.sh"
      "$here/vuiccd.sh" "$here/footprint.sh" "$here/netsim.sh" "$here/netsim_at.py" "$here/trace.sh")
soak_only=("sim=t0:$here/netsim.sh" "sim=t0:$here/netsim_at.py")

tests=("${abi[@]}")
if [ -n "${VUICC_SOAK:-}" ]; then
	tests+=("${sanitized[@]}" "${once[@]}" "${soak_only[@]}")
	[ "$kernel" = debug ] && tests+=("${debug_only[@]}")
else
	[ "$kernel" = debug ] && tests+=("${sanitized[@]}" "${debug_only[@]}")
	[ "$kernel" = distro-6.12 ] && tests=("${once[@]}")
fi
echo "selftests on $kernel: ${#tests[@]} tests"

for t in "${tests[@]}"; do
	sim=chardev
	case "$t" in sim=t0:*) sim=t0; t=${t#sim=t0:} ;; esac
	name=$(basename "$t")
	[ $sim = t0 ] && name="$name (T=0)"
	echo "# ---- $name ----"
	start=$(date +%s)
	if [ ! -x "$t" ]; then
		echo "selftests: $t missing (make tools)"
		failed+=("$name")
	elif ! VUICC_SIM=$sim "$t"; then
		failed+=("$name")
	fi
	table+=("$(printf '%-24s %4ss' "$name" $(($(date +%s) - start)))")
done
echo "# ---- times on $kernel ----"
printf '# %s\n' "${table[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "selftests: FAILED: ${failed[*]}"
	exit 1
fi
echo "selftests: all passed"
