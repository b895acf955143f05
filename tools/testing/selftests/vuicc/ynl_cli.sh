#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own tools/net/ynl/cli.py drives every operation of the vuicc
# family from the spec alone, and receives its events; nothing it prints
# holds a key.  Run in the VM harness (root, vuicc.ko loaded).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
cli=$top/tools/net/ynl-cli
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CARD=33
fails=0
out=$(mktemp)
ev=$(mktemp)
trap 'rm -f "$out" "$ev"' EXIT

check() {	# check DESCRIPTION PYTHON-EXPRESSION-ON-r   (r: the JSON output)
	if python3 -c "import json,sys; r=json.load(open('$out')); sys.exit(0 if ($2) else 1)" 2>/dev/null; then
		echo "ok - $1"
	else
		echo "not ok - $1"; sed 's/^/#   /' "$out"; fails=$((fails + 1))
	fi
}

run() {		# run DESCRIPTION CLI-ARGS...: must succeed
	local what=$1; shift
	if "$cli" --output-json "$@" >"$out" 2>&1; then
		echo "ok - $what"
	else
		echo "not ok - $what"; sed 's/^/#   /' "$out"; fails=$((fails + 1))
	fi
}

fails_with() {	# fails_with DESCRIPTION TEXT CLI-ARGS...: must fail, printing TEXT
	local what=$1 text=$2; shift 2
	if ! "$cli" "$@" >"$out" 2>&1 && grep -q -- "$text" "$out"; then
		echo "ok - $what"
	else
		echo "not ok - $what"; sed 's/^/#   /' "$out"; fails=$((fails + 1))
	fi
}

"$cli" --list-ops >/dev/null || { echo "not ok - cli.py cannot load the spec"; exit 1; }

"$cli" --do card-del --json "{\"card-id\": $CARD}" >/dev/null 2>&1
run "card-new" --do card-new --json "{\"card-id\": $CARD}"
check "card-new replies with the card" "r['card-id'] == $CARD and r['card-powered'] == 0"
run "card-get" --do card-get --json "{\"card-id\": $CARD}"
check "card-get" "r['card-id'] == $CARD and r['card-profiles'] == 0"
run "card-get dump" --dump card-get
check "card-get dump lists it" "any(c['card-id'] == $CARD for c in r)"
run "profile-add" --do profile-add --json "{\"card-id\": $CARD, \"profile-name\": \"cli\",
	\"profile-kind\": \"seed\", \"profile-role\": \"master\", \"iccid\": \"8988211000000000018\",
	\"imsi\": \"001010000000001\", \"mnc-len\": 2, \"algorithm\": \"milenage\",
	\"k\": \"$K\", \"opc\": \"$OPC\", \"pin1\": \"1234\", \"sqn-ind-bits\": 5,
	\"file\": [{\"path\": \"3f002f05\", \"data\": \"656e\"}]}"
run "profile-get" --do profile-get --json "{\"card-id\": $CARD, \"profile-name\": \"cli\"}"
check "profile-get shows the profile" "r['profile-name'] == 'cli' and r['profile-kind'] == 'seed' and r['algorithm'] == 'milenage' and r['profile-files'] == 1"
check "profile-get has no key attribute" "not any(k in r for k in ('k', 'op', 'opc', 'pin1', 'puk1', 'adm1'))"
run "profile-get dump" --dump profile-get
check "profile-get dump lists it" "any(p['profile-name'] == 'cli' for p in r)"
run "profile-get dump of one card" --dump profile-get --json "{\"card-id\": $CARD}"
check "the dump keeps to that card" "len(r) == 1 and r[0]['card-id'] == $CARD"
run "profile-enable" --do profile-enable --json "{\"card-id\": $CARD, \"profile-name\": \"cli\"}"
run "card-get after enable" --do card-get --json "{\"card-id\": $CARD}"
check "the card has the profile" "r['card-profile'] == 'cli' and r['card-switches'] == 1"
run "profile-disable" --do profile-disable --json "{\"card-id\": $CARD}"
run "profile-del" --do profile-del --json "{\"card-id\": $CARD, \"profile-name\": \"cli\"}"
fails_with "profile-del of a missing profile names it" "no such profile" \
	--do profile-del --json "{\"card-id\": $CARD, \"profile-name\": \"cli\"}"
fails_with "a 15-byte k is refused, naming k" "k" --do profile-add --json "{\"card-id\": $CARD,
	\"profile-name\": \"bad\", \"profile-kind\": \"vsim\", \"iccid\": \"8988211000000000018\",
	\"imsi\": \"001010000000001\", \"algorithm\": \"xor\", \"k\": \"${K:0:30}\"}"
run "card-del" --do card-del --json "{\"card-id\": $CARD}"
fails_with "card-get of a removed card" "no such card" --do card-get --json "{\"card-id\": $CARD}"

# events: cli.py subscribes; vuiccctl (quick to start) makes the events
"$cli" --output-json --subscribe monitor --sleep 30 >"$ev" 2>&1 &
mon=$!
# cli.py starts slowly on a debug kernel: make the events only once it has
# joined the group (its bit shows in /proc/net/netlink).
ksrc=${VUICC_KSRC:-$("$top/tools/testing/vm/kernel" src)}
grp=$(python3 "$ksrc/tools/net/ynl/cli.py" --spec "$ksrc/Documentation/netlink/specs/nlctrl.yaml" \
	--schema "$ksrc/Documentation/netlink/genetlink-legacy.yaml" --output-json \
	--do getfamily --json '{"family-name": "vuicc"}' |
	python3 -c 'import json,sys; print([g for e in json.load(sys.stdin)["mcast-groups"] for g in e.values() if g["name"] == "monitor"][0]["id"])')
joined=0
for _ in $(seq 120); do
	if [ -n "$grp" ] && [ "$grp" -le 32 ]; then
		while read -r _ proto _ groups _; do
			[ "$proto" = 16 ] && (( 0x$groups & (1 << (grp - 1)) )) && joined=1
		done < <(tail -n +2 /proc/net/netlink)
	fi
	[ "$joined" = 1 ] && break
	sleep 0.25
done
[ "$joined" = 1 ] || { echo "not ok - cli.py never joined the monitor group"; fails=$((fails + 1)); }
vuiccctl card add $CARD >/dev/null &&
	vuiccctl profile add "$top/tools/testing/profiles/seed-master.conf" --card $CARD &&
	vuiccctl profile enable seed-master --card $CARD &&
	vuiccctl profile disable --card $CARD &&
	vuiccctl profile del seed-master --card $CARD &&
	vuiccctl card del $CARD || { echo "not ok - vuiccctl could not make the events"; fails=$((fails + 1)); }
wait "$mon"
cp "$ev" "$out"
check "the monitor saw the events" "{'card-new-ntf', 'profile-add-ntf', 'profile-enable-ntf', 'profile-del-ntf', 'card-del-ntf'} <= {e['name'] for e in r}"
if grep -qiE "$K|$OPC|${K:0:8}|${OPC:0:8}|${K:8:8}|${OPC:8:8}" "$ev"; then
	echo "not ok - an event holds key material"; fails=$((fails + 1))
else
	echo "ok - no event holds key material"
fi

echo "ynl-cli: $fails failed"
[ "$fails" = 0 ]
