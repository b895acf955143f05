#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vuiccctl end to end against the module: profile files in, listings out,
# exit statuses, one-line errors.  Run in the VM harness.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
prof=$top/tools/testing/profiles
CARD=40
fails=0
out=$(mktemp)
tmpd=$(mktemp -d)
trap 'rm -rf "$out" "$tmpd"' EXIT

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; sed 's/^/#   /' "$out"; fails=$((fails + 1)); }
expect() {	# expect STATUS DESCRIPTION CMD...
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$out" 2>&1
	rc=$?
	if [ "$want" = "$rc" ] || { [ "$want" = fail ] && [ "$rc" != 0 ]; }; then ok "$what"; else nok "$what (exit $rc)"; fi
}
json() {	# json DESCRIPTION PYTHON-EXPR-ON-r
	if python3 -c "import json,sys; r=json.load(open('$out')); sys.exit(0 if ($2) else 1)"; then ok "$1"; else nok "$1"; fi
}

vuiccctl card del $CARD >/dev/null 2>&1
expect 0 "card add" vuiccctl card add $CARD
expect fail "a 15-byte K is refused" vuiccctl profile add "$prof/bad-k15.conf" --card $CARD
if [ "$(wc -l <"$out")" = 1 ] && grep -q "bad-k15.conf:8: key 'k': 15 bytes" "$out"; then
	ok "the error is one line naming file, line and key"
else
	nok "the error is one line naming file, line and key"
fi
expect 0 "profile add (milenage)" vuiccctl profile add "$prof/seed-master.conf" --card $CARD
expect 0 "profile add (xor)" vuiccctl profile add "$prof/seed-standby-xor.conf" --card $CARD
expect 0 "profile add (tuak)" vuiccctl profile add "$prof/vsim-tuak.conf" --card $CARD
expect fail "the same profile twice" vuiccctl profile add "$prof/seed-master.conf" --card $CARD
grep -q "profile-name: a profile of that name is on the card" "$out" && ok "... says why" || nok "... says why"
expect 0 "profile list --json" vuiccctl --json profile list --card $CARD
json "it shows name, kind, role, ICCID, IMSI and algorithm" \
	"[(p['name'], p['kind'], p['role'], p['iccid'], p['imsi'], p['algorithm']) for p in r] == [('seed-master', 'seed', 'master', '8988211000000000018', '001010000000001', 'milenage'), ('seed-standby-1', 'seed', 'standby', '8988211000000000026', '001020000000002', 'xor'), ('vsim-1', 'vsim', None, '89882110000000000034', '00103000000000', 'tuak')]"
if grep -qi "465b5ce8\|cd63cb71\|1234\|12345678" "$out"; then nok "the listing holds no key or PIN"; else ok "the listing holds no key or PIN"; fi
# the global options go anywhere on the line, as a new user types them
cp "$out" "$tmpd/list-before"
expect 0 "profile list --card N --json (the option last)" vuiccctl profile list --card $CARD --json
cmp -s "$out" "$tmpd/list-before" && ok "... the same listing" || nok "... the same listing"
expect fail "no option after --" vuiccctl profile list --card $CARD -- --json
grep -q "unexpected argument '--'" "$out" && ok "... says why" || nok "... says why"

vuiccctl --json monitor --count 3 >"$tmpd/events" 2>&1 &
mon=$!
sleep 2
expect 0 "profile enable" vuiccctl profile enable seed-master --card $CARD
expect 0 "card list --json" vuiccctl --json card list
json "the card shows the enabled profile" "any(c['card'] == $CARD and c['profile'] == 'seed-master' for c in r)"
expect 0 "switch to another profile" vuiccctl profile enable vsim-1 --card $CARD
wait $mon
cp "$tmpd/events" "$out"
if python3 -c "
import json,sys
ev=[json.loads(l) for l in open('$out')]
sys.exit(0 if [e['event'] for e in ev] == ['profile-enable']*3 and ev[0]['profile-enabled'] == 1 else 1)"; then
	ok "monitor prints the enable and the switch"
else
	nok "monitor prints the enable and the switch"
fi
# the acceptance sequence of the card engine, through vuiccctl apdu
expect 0 "profile enable seed-master" vuiccctl profile enable seed-master --card $CARD
USIM=A0000000871002FFFFFFFF8907090000
expect 0 "apdu: MF, STATUS, EF_ICCID, the USIM, EF_IMSI, a second channel" \
	vuiccctl apdu --card $CARD --get-response 00A40004023F00 80F2000000 \
	00A4000C022FE2 00B000000A 00A4040C10$USIM 00A4000C026F07 00B0000009 \
	0070000001 01A4000C022FE2 01B000000A 00B0000009
mapfile -t r <"$out"
want=("62268202782183023F00A5038001718A01058B032F0601C60F90012095010883010183018183010A9000"
      "62268202782183023F00A5038001718A01058B032F0601C60F90012095010883010183018183010A9000"
      9000 988812010000000010F89000 9000 9000 0809101000000000109000
      019000 9000 988812010000000010F89000 0809101000000000109000)
if [ "${r[*]}" = "${want[*]}" ]; then
	ok "... ICCID 8988211000000000018 and IMSI 001010000000001 encoded; each channel keeps its file"
else
	nok "... ICCID 8988211000000000018 and IMSI 001010000000001 encoded; each channel keeps its file"
fi
# the modem's updates are events with the new content
vuiccctl monitor --count 3 >"$tmpd/state" 2>&1 &	# power on, the update, power off
mon=$!
sleep 2
expect 0 "apdu: UPDATE BINARY of EF_LOCI" vuiccctl apdu --card $CARD 00A4040C10$USIM \
	00A4000C026F7E 00D600000B1234567800F1100001FF00
wait $mon
cp "$tmpd/state" "$out"
grep -q "^state card-id=$CARD profile-name=seed-master path=3F007FFF6F7E data=1234567800F1100001FF00$" "$out" &&
	ok "the update is a state event with path and content" ||
	nok "the update is a state event with path and content"
expect 0 "profile disable" vuiccctl profile disable --card $CARD
expect fail "disable with nothing enabled" vuiccctl profile disable --card $CARD
expect 0 "profile del" vuiccctl profile del vsim-1 --card $CARD
expect fail "profile del of a missing profile" vuiccctl profile del vsim-1 --card $CARD
expect fail "a card that does not exist" vuiccctl profile list --card 63x
expect fail "an unknown command" vuiccctl frobnicate

cp "$prof/seed-standby-xor.conf" "$tmpd/loose.conf"
sed -i 's/^name = .*/name = loose/' "$tmpd/loose.conf"
chmod 644 "$tmpd/loose.conf"
expect 0 "a world-readable profile file is still added" vuiccctl profile add "$tmpd/loose.conf" --card $CARD
grep -q "readable by group or others" "$out" && ok "... with a warning" || nok "... with a warning"

expect 0 "card del" vuiccctl card del $CARD
expect fail "card del again" vuiccctl card del $CARD
echo "vuiccctl: $fails failed"
[ "$fails" = 0 ]
