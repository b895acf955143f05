#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The virtual Bluetooth rig's own test (bt_rig.sh), in the VM:
#
#   tools/testing/vm/run --kernel distro-6.12 -- tools/testing/selftests/vuicc/bt_rig_test.sh
#
# Three controllers; hci0 paired with hci1 and with hci2, authenticated link
# keys on both sides; an RFCOMM echo server on hci0 channel 8 (security
# high: authenticated and encrypted, as SAP needs), a client on hci1 that
# exchanges bytes both ways; hci0 powered off: the client sees the link
# drop; hci0 on again: the client connects again.  Prints the timings.
# BT_RIG_BTSNOOP=FILE keeps a btsnoop capture of the run.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. "$here/bt_rig.sh"

CH=8
# seconds for the client to see the drop (debug kernel: 60)
DROP_LIMIT=${BT_RIG_DROP_LIMIT:-15}
[ "${VUICC_KERNEL:-}" = debug ] && DROP_LIMIT=${BT_RIG_DROP_LIMIT:-60}
failed=0
state=$BT_RIG_DIR/test
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
timing() { echo "# timing: $*"; }

cleanup() {
	local p
	for p in ${srv_pid:-} ${srv2_pid:-} ${cli_pid:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	bt_rig_down
}
trap cleanup EXIT

dump_logs() {
	local f
	for f in "$BT_RIG_DIR"/*.log "$state"/*.log; do
		[ -s "$f" ] || continue
		echo "# ---- $f (last 40 lines) ----"
		tail -n 40 "$f" | sed 's/^/# /'
	done
}

mkdir -p "$BT_RIG_DIR"
rm -rf "$state"
mkdir -p "$state"
echo "# kernel $(uname -r)"

t=$(bt_rig_now)
if ! bt_rig_up 3; then
	nok "rig up"
	dump_logs
	exit 1
fi
ok "rig up: hci0 $(bt_rig_addr 0), hci1 $(bt_rig_addr 1), hci2 $(bt_rig_addr 2)"
timing "rig up $(bt_rig_since "$t") s"
[ -n "${BT_RIG_BTSNOOP:-}" ] && bt_rig_btmon_start "$BT_RIG_BTSNOOP"

for peer in 1 2; do
	t=$(bt_rig_now)
	if bt_rig_pair 0 "$peer"; then
		ok "pair hci0 <-> hci$peer (key types $(bt_rig_key_type 0 "$peer")/$(bt_rig_key_type "$peer" 0))"
		timing "pairing hci0 <-> hci$peer $(bt_rig_since "$t") s"
	else
		nok "pair hci0 <-> hci$peer"
	fi
done
grep 'agent: Request' "$BT_RIG_DIR/agent.log" | sed 's/^/# /'
if grep -q 'RequestConfirmation' "$BT_RIG_DIR/agent.log"; then
	ok "numeric comparison confirmed by the agent ($(grep -c RequestConfirmation "$BT_RIG_DIR/agent.log") requests)"
else
	nok "the agent saw no numeric comparison"
fi
[ "$failed" = 0 ] || { dump_logs; exit 1; }

a0=$(bt_rig_addr 0)
a1=$(bt_rig_addr 1)

# RFCOMM: the echo server on hci0, a client on hci1
"$BT_RIG_PY" "$here/bt_rig.py" rfcomm-server "$a0" "$CH" >"$state/server.out" 2>"$state/server.log" &
srv_pid=$!
_bt_rig_wait "$BT_RIG_TIMEOUT" "the RFCOMM server" grep -q listening "$state/server.out" || nok "RFCOMM server"

client() {	# client RUN [hold]
	mkdir -p "$state/$1"
	"$BT_RIG_PY" "$here/bt_rig.py" rfcomm-client "$a1" "$a0" "$CH" "$state/$1" "$BT_RIG_TIMEOUT" "${2:-once}" \
		>"$state/$1/client.out" 2>"$state/client-$1.log"
}

t=$(bt_rig_now)
client 1 hold &
cli_pid=$!
if _bt_rig_wait "$BT_RIG_TIMEOUT" "the RFCOMM client's exchange" test -e "$state/1/connected"; then
	ok "RFCOMM hci1 -> hci0 channel $CH: connected, bytes echoed by the server"
	timing "RFCOMM connect $(cat "$state/1/connect-time") s (with the exchange $(bt_rig_since "$t") s)"
else
	nok "RFCOMM hci1 -> hci0 channel $CH"
fi
check "RFCOMM: the client echoed the server's bytes" \
	_bt_rig_wait "$BT_RIG_TIMEOUT" "the server's check" grep -q 'server-echo ok 1' "$state/server.out"

# two links at once on hci0 (what a master with two slaves needs): while
# hci1's client holds its link, a client on hci2 (a second server, on
# channel CH+1) connects and exchanges bytes
a2=$(bt_rig_addr 2)
"$BT_RIG_PY" "$here/bt_rig.py" rfcomm-server "$a0" "$((CH + 1))" >"$state/server2.out" 2>"$state/server2.log" &
srv2_pid=$!
_bt_rig_wait 30 "the second RFCOMM server" grep -q listening "$state/server2.out" || nok "second RFCOMM server"
mkdir -p "$state/1b"
t=$(bt_rig_now)
if "$BT_RIG_PY" "$here/bt_rig.py" rfcomm-client "$a2" "$a0" "$((CH + 1))" "$state/1b" 30 once \
	>"$state/1b/client.out" 2>"$state/client-1b.log"; then
	ok "RFCOMM hci2 -> hci0 while hci1's link is up: connected, bytes echoed"
	timing "second link's connect $(cat "$state/1b/connect-time") s"
else
	nok "RFCOMM hci2 -> hci0 while hci1's link is up ($(bt_rig_since "$t") s: $(tail -n 1 "$state/client-1b.log"))"
fi
kill "$srv2_pid" 2>/dev/null
wait "$srv2_pid" 2>/dev/null
srv2_pid=

# link loss: hci0 off; the client must see it
t=$(bt_rig_now)
t_wall=$(date +%s.%N)
if bt_rig_hci_down 0; then
	ok "hci0 powered off"
else
	nok "hci0 power off"
fi
if _bt_rig_wait "$DROP_LIMIT" "the client to see the link drop" test -e "$state/1/dropped"; then
	read -r t_drop why <"$state/1/dropped"
	ok "the client saw the link drop ($why) $(printf '%.2f' "$(echo "$t_drop - $t_wall" | bc)") s after the power-off"
	timing "link drop seen after $(printf '%.2f' "$(echo "$t_drop - $t_wall" | bc)") s (power-off command took $(bt_rig_since "$t") s in all)"
else
	nok "the client did not see the link drop within $DROP_LIMIT s"
fi
wait "$cli_pid" 2>/dev/null
cli_pid=

# hci0 back: connect again
t=$(bt_rig_now)
check "hci0 powered on again" bt_rig_hci_up 0
if client 2; then
	ok "RFCOMM reconnect after hci0 came back"
	timing "RFCOMM reconnect $(cat "$state/2/connect-time") s (power-on to echo $(bt_rig_since "$t") s)"
else
	nok "RFCOMM reconnect after hci0 came back"
fi
check "RFCOMM: the client echoed the server's bytes again" \
	_bt_rig_wait "$BT_RIG_TIMEOUT" "the server's check" grep -q 'server-echo ok 2' "$state/server.out"

# the links used the stored authenticated keys: no new pairing happened
n=$(grep -c RequestConfirmation "$BT_RIG_DIR/agent.log")
check "no pairing beyond the first two ($n confirmation requests)" [ "$n" -le 4 ]

[ -n "${BT_RIG_BTSNOOP:-}" ] && bt_rig_btmon_stop
if [ "$failed" != 0 ]; then
	dump_logs
	echo "# $failed failed"
	exit 1
fi
echo "# all passed"
