#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite of a foreign architecture's VM (issue 21): vuicc's KUnit suites,
# the char-device and netlink kselftests, the APDU fuzz and a vuiccctl
# smoke, with no python in the guest.  Prints an ok/not ok line per part (and per KUnit
# suite) with its time, and exits non-zero when any failed.
#   tools/testing/vm/run --arch arm64 -- tools/testing/selftests/vuicc/arch_suite.sh
# Also runs on x86 (build/ instead of build-arm64/).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
build=$top/build${VUICC_ARCH:+-$VUICC_ARCH}
moddir=${VUICC_MODDIR:?run this in the VM harness (tools/testing/vm/run)}
prof=$top/tools/testing/profiles
CARD=40
fails=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; [ -s "$out" ] && sed 's/^/#   /' "$out" | tail -n 40; fails=$((fails + 1)); }
now() { local up _; read -r up _ </proc/uptime; echo "$up"; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

echo "# arch suite on $(uname -m), $(uname -r)"

# KUnit: the suites run while vuicc_kunit.ko loads; each one's KTAP must
# end in "ok 1 <suite>", with no "not ok" in it.
t=$(now)
: >"$out"
if [ ! -e "$moddir/vuicc_kunit.ko" ]; then
	echo "$moddir/vuicc_kunit.ko missing: the kernel has no CONFIG_KUNIT" >"$out"
	nok "kunit"
elif ! insmod "$moddir/vuicc_kunit.ko" >"$out" 2>&1; then
	nok "kunit: insmod vuicc_kunit.ko"
else
	n=0
	for d in /sys/kernel/debug/kunit/vuicc*; do
		[ -r "$d/results" ] || continue
		name=${d##*/}
		n=$((n + 1))
		cat "$d/results" >"$out"
		cases=$(grep -cE '^    (not )?ok [0-9]+ ' "$out")
		if grep -qx "ok 1 $name" "$out" && ! grep -qE '^ *not ok ' "$out"; then
			ok "kunit $name ($cases cases)"
		else
			nok "kunit $name ($(grep -cE '^ *not ok ' "$out") not ok of $cases)"
		fi
	done
	: >"$out"
	[ "$n" -gt 0 ] || nok "kunit: no vuicc suite in /sys/kernel/debug/kunit"
	rmmod vuicc_kunit >"$out" 2>&1 || nok "kunit: rmmod vuicc_kunit"
fi
echo "# kunit: $(secs "$t")"

# The kselftests want two cards.
: >"$out"
if [ ! -c /dev/vuicc1 ]; then
	{ rmmod vuicc 2>/dev/null; insmod "$moddir/vuicc.ko" cards=2; } >"$out" 2>&1 ||
		nok "insmod vuicc.ko cards=2"
fi

for k in chardev netlink; do
	t=$(now)
	: >"$out"
	if [ ! -x "$build/selftests/vuicc/$k" ]; then
		echo "$build/selftests/vuicc/$k missing (make tools${VUICC_ARCH:+-$VUICC_ARCH})" >"$out"
		nok "kselftest $k"
	elif "$build/selftests/vuicc/$k" >"$out" 2>&1; then
		ok "kselftest $k ($(grep -cE '^ok ' "$out") passed, $(grep -cE '^ok .*# SKIP' "$out") skipped)"
	else
		nok "kselftest $k ($(grep -cE '^not ok ' "$out") failed)"
	fi
	echo "# $k: $(secs "$t")"
done

# The APDU fuzz on card 0 (VUICC_FUZZ_COUNT APDUs: 2000 unless make soak
# sets it), from the checkout (its profiles) with vuiccctl on PATH.
t=$(now)
: >"$out"
count=${VUICC_FUZZ_COUNT:-2000}
if [ ! -x "$build/selftests/vuicc/fuzz" ]; then
	echo "$build/selftests/vuicc/fuzz missing (make tools${VUICC_ARCH:+-$VUICC_ARCH})" >"$out"
	nok "fuzz"
elif (cd "$top" && PATH="$build/bin:$PATH" VUICC_FUZZ_COUNT=$count \
	"$build/selftests/vuicc/fuzz" --card 0) >"$out" 2>&1; then
	ok "fuzz ($count APDUs, then the known sequence)"
else
	nok "fuzz ($count APDUs)"
fi
echo "# fuzz: $(secs "$t")"

# vuiccctl: a card, a test profile on it, enabled; an APDU; the status.
t=$(now)
ctl=$build/bin/vuiccctl
smoke() {	# smoke DESCRIPTION CMD...
	local what=$1
	shift
	if "$@" >"$out" 2>&1; then ok "vuiccctl $what"; else nok "vuiccctl $what (exit $?)"; fi
}
"$ctl" card del $CARD >/dev/null 2>&1
smoke "card add" "$ctl" card add $CARD
smoke "profile add" "$ctl" profile add "$prof/seed-master.conf" --card $CARD
smoke "profile enable" "$ctl" profile enable seed-master --card $CARD
# SELECT MF, STATUS, SELECT EF_ICCID, READ BINARY: ICCID 8988211000000000018
smoke "apdu" "$ctl" apdu --card $CARD --get-response 00A40004023F00 80F2000000 \
	00A4000C022FE2 00B000000A
mapfile -t r <"$out"
if [ "${#r[@]}" = 4 ] && [ "${r[1]: -4}" = 9000 ] && [ "${r[2]}" = 9000 ] &&
	[ "${r[3]}" = 988812010000000010F89000 ]; then
	ok "vuiccctl apdu: STATUS 9000 and EF_ICCID's content"
else
	nok "vuiccctl apdu: STATUS 9000 and EF_ICCID's content"
fi
smoke "card list" "$ctl" card list
if grep -q "seed-master" "$out"; then
	ok "vuiccctl card list shows the enabled profile"
else
	nok "vuiccctl card list shows the enabled profile"
fi
smoke "profile disable" "$ctl" profile disable --card $CARD
smoke "card del" "$ctl" card del $CARD
echo "# vuiccctl: $(secs "$t")"

if [ "$fails" -gt 0 ]; then
	echo "# arch suite: $fails FAILED"
	exit 1
fi
echo "# arch suite: all passed"
