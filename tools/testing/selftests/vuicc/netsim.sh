#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vuiccd and netsim in the VM (vuicc.ko loaded with cards=2): with the
# one-seed scenario, vuiccd provisions the master seed, its modem backend
# drives netsim's modem over the AT port, the modem reads the card and
# attaches, the network (libosmocore's AuC) authenticates it, vuiccd
# activates data, and a TCP echo server inside the "internet" namespace
# answers through the veth link.  Then netsim restarts with the network's
# SQN where it was at the first start (stale): the card answers a
# synchronisation failure, the AuC takes the AUTS, and the device attaches
# and reaches the server again.  Last, two cards with the same profile
# attach at once, and netsim must report the scenario as failed.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
scn=$top/tools/testing/netsim/scenarios
d=/tmp/netsim-test
sock=$d/vuiccd.sock
failed=0
vpid=
npid=

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

for tool in netsim vuiccd vuiccctl ip python3; do
	command -v $tool >/dev/null || { echo "not ok - $tool missing (make tools; make deps)"; exit 1; }
done
# VUICC_SIM=sap: the modems reach their cards through vuicc-sap (sap_lib.sh)
. "$here/sap_lib.sh"
if sap_on; then
	command -v ${VUICC_SAP:-vuicc-sap} >/dev/null ||
		{ echo "not ok - vuicc-sap missing (make tools)"; exit 1; }
fi

json() { vuiccctl --json status --socket $sock 2>/dev/null; }
# a python expression over the status JSON ("s"; "m" is card 0's modem)
js() { json | python3 -c "import json,sys
s=json.load(sys.stdin); m=[c for c in s['cards'] if c['card'] == 0][0]['modem']
sys.exit(0 if ($1) else 1)" 2>/dev/null; }
wait_for() {	# SECONDS EXPR
	local i
	for i in $(seq $(($1 * 10))); do
		js "$2" && return 0
		sleep 0.1
	done
	return 1
}
report() { python3 -c "import json,sys
r=json.load(open('$1')); sys.exit(0 if ($2) else 1)"; }
start_netsim() {	# SCENARIO REPORT
	netsim --scenario "$1" --report "$2" >>$d/netsim.log 2>&1 &
	npid=$!
	local i
	for i in $(seq 100); do
		[ -L /run/netsim/modem0 ] && grep -q "scenario $1" $d/netsim.log && return 0
		sleep 0.05
	done
	return 1
}
stop_netsim() {
	[ -n "$npid" ] || return 0
	kill -TERM "$npid" 2>/dev/null
	wait "$npid"
	local rc=$?
	npid=
	return $rc
}
stop_vuiccd() {
	[ -n "$vpid" ] || return 0
	kill -TERM "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	vpid=
}
cleanup() {
	stop_vuiccd
	stop_netsim
	sap_stop
	[ -n "${epid:-}" ] && kill "$epid" 2>/dev/null
	for c in 0 1; do
		for n in seed-netsim; do
			vuiccctl profile del $n --card $c >/dev/null 2>&1
		done
	done
}
trap cleanup EXIT

# an echo server in the internet namespace once it exists
echo_server() {
	ip netns exec netsim-inet python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 7007)); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(c.recv(100)); c.close()' &
	epid=$!
	sleep 0.5
}
reach() {
	python3 -c '
import socket, sys
c = socket.create_connection(("192.0.2.1", 7007), timeout=3)
c.sendall(b"vuicc"); sys.exit(0 if c.recv(100) == b"vuicc" else 1)' 2>/dev/null
}

# the cards start empty: earlier tests leave profiles (an enabled one would be kept)
clear_cards() {
	local c n
	for c in 0 1; do
		for n in $(vuiccctl --json profile list --card $c 2>/dev/null |
			   python3 -c "import json,sys; [print(p['name']) for p in json.load(sys.stdin)]"); do
			vuiccctl profile del "$n" --card $c >/dev/null
		done
	done
}
clear_cards
rm -rf $d
mkdir -p $d/profiles
install -m 0600 "$top/tools/testing/profiles/seed-netsim.conf" $d/profiles/
cat >$d/vuiccd.conf <<EOC
cards = 2
profiles_dir = $d/profiles
state_dir = $d/state
socket = $sock
log = stderr
log_level = info
writeback_ms = 300
modem = 0 /run/netsim/modem0
apn = internet
EOC

# ---- the scenario file is checked ----
printf '[netsim]\nduration_ms = 10\n[modem m]\nlocation = nowhere\n[location home]\noperator = plmn=001 lte=-80\n' >$d/bad.scn
out=$(netsim --scenario $d/bad.scn 2>&1)
rc=$?
echo "# $out"
check "a bad scenario is refused with its file, line and key" \
	test $rc = 2 -a -n "$(echo "$out" | grep "bad.scn:6: key 'operator plmn'")"

# ---- one seed: attach, authenticate, data ----
if sap_on; then
	SAP_LOG=$d/sap.log
	check "vuicc-sap serves cards 0 and 1" sap_start 0 1
fi
check "netsim starts with the one-seed scenario" start_netsim $scn/one-seed.scn $d/report1.json
vuiccd -f -c $d/vuiccd.conf 2>>$d/vuiccd.log &
vpid=$!
check "vuiccd brings the device online (attach, authentication, PDP context)" \
	wait_for 30 "m['state'] == 'online' and m['address'] == '10.64.0.2'"
check "status: registered on LTE (CEREG 1) with 00101, signal read" \
	wait_for 5 "m['cereg'] == 1 and m['rsrp_dbm'] == -85 and m['operator'] == '00101'"
echo_server
check "the device reaches the echo server inside the internet namespace" reach
# VUICC_SIM=t0: the modem reached the card over a T=0 line, not /dev/vuiccN
if [ "${VUICC_SIM:-chardev}" = t0 ]; then
	check "the modem uses the card over a T=0 line (status: its counters)" js \
		"[c for c in s['cards'] if c['card'] == 0][0]['t0']['apdus'] > 10 and [c for c in s['cards'] if c['card'] == 0][0]['t0']['state'] == 'active'"
elif sap_on; then
	check "the modem uses the card through SAP (vuicc-sap, no T=0 line)" sh -c \
		"grep -q 'SAP connected to unix:/run/vuicc-sap0.sock' $d/netsim.log"
else
	check "the modem uses the card through /dev/vuicc0 (no T=0 line)" js \
		"[c for c in s['cards'] if c['card'] == 0][0]['t0'] is None"
fi
check "status: the card answered a successful AUTHENTICATE" \
	js "[p for p in s['profiles'] if p['name'] == 'seed-netsim'][0]['auth']['success'] >= 1"
grep -E "netsim .* (card read|attached|PDP)" $d/netsim.log | sed 's/^/# /'
stop_netsim
check "netsim (one seed) ends without scenario failure" test $? = 0
check "report: one attach, one authentication, no resynchronisation" \
	report $d/report1.json "r['modems'][0]['attaches'] == 1 and r['modems'][0]['auths'] == 1 \
	and r['modems'][0]['resyncs'] == 0 and r['subscribers'][0]['auths'] == 1"
check "vuiccd sees the modem go away" wait_for 10 "m['state'] in ('closed', 'init')"
check "the modem's EF writes (LOCI, PSLOCI, EPSLOCI) reach vuiccd's store" sh -c \
	"vuiccd --check-store $d/state | grep -q '6FE3' && vuiccd --check-store $d/state | grep -q '6F7E'"

# ---- the network's SQN is stale: AUTS resynchronisation ----
kill "$epid" 2>/dev/null
epid=
check "netsim starts again, its SQN where the first run started" \
	start_netsim $scn/one-seed.scn $d/report2.json
check "vuiccd reopens the modem and the device is online again" \
	wait_for 30 "m['state'] == 'online'"
echo_server
check "the device reaches the echo server again" reach
check "status: the card answered a synchronisation failure" \
	js "[p for p in s['profiles'] if p['name'] == 'seed-netsim'][0]['auth']['sync-failure'] >= 1"
grep -E "netsim .* (synchronisation|attached)" $d/netsim.log | tail -2 | sed 's/^/# /'
stop_netsim
check "netsim (stale SQN) ends without scenario failure" test $? = 0
check "report: the AuC took the AUTS (one resynchronisation, then success)" \
	report $d/report2.json "r['modems'][0]['resyncs'] == 1 and r['modems'][0]['attaches'] == 1 \
	and r['subscribers'][0]['resyncs'] == 1"
stop_vuiccd
grep -iE "error|warn" $d/vuiccd.log | grep -v "modem 0: .*hung up\|open /run/netsim\|Input/output error\|No such file" | sed 's/^/# vuiccd: /'

# ---- the same IMSI on two cards at once ----
vuiccctl profile add $d/profiles/seed-netsim.conf --card 1 >/dev/null &&
	vuiccctl profile enable seed-netsim --card 1
vuiccctl profile enable seed-netsim --card 0 2>/dev/null
: >$d/double.log
netsim --scenario $scn/double-imsi.scn --report $d/report3.json >$d/double.log 2>&1
rc=$?
sed 's/^/# /' $d/double.log | grep -E "attached|FAILURE"
check "two cards with the same IMSI attached at once: netsim fails the scenario" \
	sh -c "test $rc = 1 && grep -q 'SCENARIO FAILURE: IMSI 001010000000011 attached on modem1 while it is attached on modem0' $d/double.log"
check "report: the failure is in the report" \
	report $d/report3.json "len(r['failures']) == 1 and 'attached on modem1' in r['failures'][0]"
vuiccctl profile del seed-netsim --card 1 >/dev/null
netsim --scenario $scn/double-imsi.scn --report $d/report4.json >$d/single.log 2>&1
check "the same scenario with one card holding the profile passes" \
	sh -c "test $? = 0 && ! grep -q FAILURE $d/single.log"

echo "# netsim: $failed failed"
[ $failed = 0 ]
