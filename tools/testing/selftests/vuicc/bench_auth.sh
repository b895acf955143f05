#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The authentication benchmark, small: it must run, and every card answer
# must match libosmocore's vector (it exits 1 on any error).  Its figures
# are printed, not judged: the debug kernel's sanitizers dominate them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
"$top/build/bench/auth" --count "${VUICC_BENCH_COUNT:-2000}" || {
	echo "not ok - bench/auth"
	exit 1
}
echo "ok - bench/auth"
