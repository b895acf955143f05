#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every vuicc kselftest in the VM (vuicc.ko loaded with cards=2), going
# on after a failure, and fails if any did.
#   tools/testing/vm/run --kernel K --modargs cards=2 -- tools/testing/selftests/vuicc/run_all.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
bin=$top/build/selftests/vuicc
failed=()

for dev in /dev/vuicc0 /dev/vuicc1; do
	[ -c "$dev" ] || { echo "selftests: $dev missing: load vuicc.ko with cards=2"; exit 1; }
done
# (make soak sets VUICC_FUZZ_COUNT=1000000)
export VUICC_FUZZ_COUNT=${VUICC_FUZZ_COUNT:-100000}
export VUICC_AUTH_COUNT=${VUICC_AUTH_COUNT:-10000}
for t in "$bin/chardev" "$bin/netlink" "$here/vuiccctl.sh" "$here/transcripts.sh" "$here/apdu_examples.py" \
	 "$here/pcsc.sh" "$bin/fuzz" "$bin/osmo_auth" "$here/bench_auth.sh" "$here/vuiccd.sh" "$here/footprint.sh" "$here/netsim.sh" "$here/netsim_at.py" "$here/ynl_cli.sh"; do
	name=$(basename "$t")
	echo "# ---- $name ----"
	if [ ! -x "$t" ]; then
		echo "selftests: $t missing (make tools)"
		failed+=("$name")
	elif ! "$t"; then
		failed+=("$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "selftests: FAILED: ${failed[*]}"
	exit 1
fi
echo "selftests: all passed"
