#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The APDU trace, read by an independent decoder: netsim's modem boots the
# card over a T=0 line and authenticates (libosmocore's AuC), vuiccctl
# verifies a PIN through /dev/vuicc1, while `vuiccctl trace` writes pcap
# (GSMTAP) and the tracepoints record.  tshark (Wireshark's dissectors)
# must decode every packet with no malformed one, and no RES, CK, IK, Kc,
# K, OPc or PIN byte may appear in what tshark, vuiccctl trace or tracefs
# show.  The secrets to look for come from libosmocore's osmo-auc-gen for
# the RAND the trace shows.
#
#   tools/testing/vm/run --modargs cards=2 -- tools/testing/selftests/vuicc/trace.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
d=/tmp/trace-test
failed=0
tpid=
npid=

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

for tool in netsim vuiccctl tshark osmo-auc-gen python3; do
	command -v $tool >/dev/null || {
		echo "not ok - $tool missing (make tools; make deps installs tshark and libosmocore-utils)"
		exit 1
	}
done

cleanup() {
	[ -n "$tpid" ] && kill -TERM $tpid 2>/dev/null && wait $tpid 2>/dev/null
	[ -n "$npid" ] && kill -TERM $npid 2>/dev/null && wait $npid 2>/dev/null
	vuiccctl profile del seed-netsim --card 0 >/dev/null 2>&1
	vuiccctl profile del seed-master --card 1 >/dev/null 2>&1
	[ -w /sys/kernel/tracing/events/vuicc/enable ] &&
		echo 0 >/sys/kernel/tracing/events/vuicc/enable
}
trap cleanup EXIT
rm -rf $d
mkdir -p $d
k=465b5ce8b199b49faa5f0a2ee238a6bc
opc=cd63cb71954a9f4e48a5994e37a02baf

vuiccctl profile del seed-netsim --card 0 >/dev/null 2>&1
vuiccctl profile del seed-master --card 1 >/dev/null 2>&1
install -m 0600 "$top/tools/testing/profiles/seed-netsim.conf" "$top/tools/testing/profiles/seed-master.conf" $d/
vuiccctl profile add $d/seed-netsim.conf --card 0 >/dev/null &&
	vuiccctl profile enable seed-netsim --card 0 >/dev/null &&
	vuiccctl profile add $d/seed-master.conf --card 1 >/dev/null &&
	vuiccctl profile enable seed-master --card 1 >/dev/null ||
	{ echo "not ok - cannot install the test profiles"; exit 1; }

# the tracepoints too, where the kernel has tracefs
tracefs=/sys/kernel/tracing
[ -d $tracefs/events ] || mount -t tracefs nodev $tracefs 2>/dev/null
if [ -d $tracefs/events/vuicc ]; then
	echo > $tracefs/trace
	echo 1 > $tracefs/events/vuicc/enable
fi

vuiccctl trace --pcap $d/trace.pcap >$d/trace.txt 2>$d/trace.err &
tpid=$!
for i in $(seq 50); do grep -q . $d/trace.pcap 2>/dev/null && break; sleep 0.1; done

# a modem boot and an AUTHENTICATE on a T=0 line
cat >$d/boot.scn <<EOS
[netsim]
datalink = no

[modem modem0]
card = 0
sim = t0
at_link = /run/netsim/trace-modem0
location = home
boot_ms = 50
search_ms = 50
attach_ms = 50

[location home]
operator = plmn=00101 name=VuiccTest lte=-85 tac=00c3 ci=1a2b301

[subscriber 001010000000011]
algorithm = milenage
k = $k
opc = $opc
sqn = 0x2000
EOS
netsim --scenario $d/boot.scn >$d/netsim.log 2>&1 &
npid=$!
for i in $(seq 300); do grep -q 'attached to 00101' $d/netsim.log && break; sleep 0.1; done
check "netsim's modem booted the card on a T=0 line and attached" grep -q 'attached to 00101' $d/netsim.log
kill -TERM $npid; wait $npid; npid=

# a PIN through /dev/vuicc1: the right one and a wrong one
vuiccctl apdu --card 1 002000010831323334FFFFFFFF 002000010839393939FFFFFFFF >$d/apdu.txt 2>&1
check "VERIFY through /dev/vuicc1 answered (9000, then 63C2)" grep -qi '63C2' $d/apdu.txt
sleep 0.5
kill -TERM $tpid; wait $tpid; tpid=
[ -d $tracefs/events/vuicc ] && { echo 0 > $tracefs/events/vuicc/enable; cat $tracefs/trace >$d/tracefs.txt; }

check "vuiccctl trace wrote records of both paths" \
	sh -c "grep -q ' t0 .*apdu' $d/trace.txt && grep -q ' chardev .*apdu' $d/trace.txt"
check "the trace shows the T=0 line's ATR and PPS exchange" \
	sh -c "grep -q ' t0 .*atr' $d/trace.txt && grep -q ' t0 .*pps' $d/trace.txt"

tshark -r $d/trace.pcap -V -x >$d/decoded.txt 2>$d/tshark.err
# (and every field's bytes in one piece: the hex dump breaks lines)
tshark -r $d/trace.pcap -T pdml >$d/decoded.pdml 2>>$d/tshark.err
check "tshark reads the pcap" test -s $d/decoded.txt
n=$(tshark -r $d/trace.pcap 2>/dev/null | wc -l)
echo "# $n packets decoded"
check "tshark finds no malformed packet" sh -c "! grep -qiE 'malformed|Expert Info \\(Error' $d/decoded.txt"
check "tshark decodes the boot: SELECT, READ BINARY, GET RESPONSE" \
	sh -c "grep -q 'SELECT' $d/decoded.txt && grep -q 'READ BINARY' $d/decoded.txt && grep -q 'GET RESPONSE' $d/decoded.txt"
check "tshark decodes the AUTHENTICATE and the VERIFY" \
	sh -c "grep -q 'AUTHENTICATE' $d/decoded.txt && grep -q 'VERIFY' $d/decoded.txt"

# the secrets of this exchange, from libosmocore: the RAND is in the trace
# (from vuiccctl's own lines: Wireshark 4.0 reads a 3G context's RAND one
# byte early, its length byte first)
rand=$(sed -n 's/.* apdu *0088008122\(10[0-9A-F]\{32\}\).*/\1/p' $d/trace.txt | head -1)
rand=${rand#10}
check "the trace shows the AUTHENTICATE's RAND" test ${#rand} = 32
check "tshark shows it too (its field starts one byte early)" sh -c \
	"tshark -r $d/trace.pcap -T fields -e gsm_sim.auth_rand 2>/dev/null | tr -d ':' |
	 grep -qi '^10${rand:0:30}'"
[ ${#rand} = 32 ] || rand=00000000000000000000000000000000
secrets=$(osmo-auc-gen -3 -a milenage -k $k -o $opc -r "$rand" -s 0 2>/dev/null |
	  awk '/^(RES|CK|IK|Kc):/ { print $2 }')
# the card computed the same RES: it is in the clear nowhere, but the
# network (netsim's libosmocore) accepted it, which the attach above shows
check "osmo-auc-gen gives RES, CK, IK and Kc for it" test "$(echo "$secrets" | wc -w)" = 4
secrets="$secrets $k $opc 31323334ffffffff 39393939ffffffff"
# every form a byte string takes in the outputs: 0a1b.., 0a:1b:.., 0a 1b ..
flat() { tr -d ' :\n' <"$1" | tr 'A-F' 'a-f'; }
leak=
for f in decoded.txt decoded.pdml trace.txt tracefs.txt; do
	[ -e $d/$f ] || continue
	hay=$(flat $d/$f)
	# (the hex dump's offsets and ASCII columns are in there too: only long secrets count)
	for s in $secrets; do
		s=$(echo "$s" | tr 'A-F' 'a-f')
		case "$hay" in *"$s"*) leak="$leak $f:${s:0:4}..";; esac
	done
done
check "no RES, CK, IK, Kc, K, OPc or PIN in tshark's, vuiccctl's or tracefs's output" test -z "$leak"
[ -n "$leak" ] && echo "# found:$leak"
check "the AUTHENTICATE answer is marked redacted" grep -q 'redacted' $d/trace.txt
if [ -d $tracefs/events/vuicc ]; then
	check "the tracepoints recorded APDUs (redacted) and the ATR" \
		sh -c "grep -q 'vuicc_apdu:.*(redacted)' $d/tracefs.txt && grep -q 'vuicc_atr:' $d/tracefs.txt"
fi
check "vuiccctl trace had nothing to complain of" test ! -s $d/trace.err

echo "# trace: $failed failed"
[ $failed = 0 ]
