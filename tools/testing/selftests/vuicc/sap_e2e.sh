#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vuicc-sap end to end, in the VM (vuicc.ko with cards=2): card 0 gets the
# ex-35207-1 profile (3GPP TS 35.207 test set 1 keys), its ATR is read with
# vuiccctl reset, vuicc-sap serves it on a UNIX socket (and, with
# SAP_E2E_TCP=1, on tcp:127.0.0.1:7330 too) and sap_e2e.py, an independent
# SAP client, runs the whole profile against it (sap_e2e.py's header).
#
#   tools/testing/vm/run --kernel distro-6.12 --modargs cards=2 -- \
#       tools/testing/selftests/vuicc/sap_e2e.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
card=${SAP_CARD:-0}
name=ex-35207-1
prof=$top/tools/testing/profiles/$name.conf
sock=/run/vuicc-sap-e2e.sock
log=${SAP_LOG:-/tmp/sap-e2e-server.log}
py=/usr/bin/python3
spid=
rc=0

for tool in vuiccctl ${VUICC_SAP:-vuicc-sap} osmo-auc-gen; do
	command -v $tool >/dev/null || { echo "not ok - $tool missing (make tools; make deps)"; exit 1; }
done
cleanup() {
	[ -n "$spid" ] && { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
	spid=
	vuiccctl profile del $name --card $card >/dev/null 2>&1
}
trap cleanup EXIT

vuiccctl profile del $name --card $card >/dev/null 2>&1
vuiccctl profile add "$prof" --card $card >/dev/null &&
	vuiccctl profile enable $name --card $card >/dev/null ||
	{ echo "not ok - profile $name on card $card"; exit 1; }
atr=$(vuiccctl --json reset --card $card | $py -c "import json,sys; print(json.load(sys.stdin)['atr'])") ||
	{ echo "not ok - vuiccctl reset --card $card"; exit 1; }
echo "# card $card: profile $name, ATR $atr"

status=/tmp/sap-e2e-status.json
serve() {	# LISTEN
	: >"$log"
	${VUICC_SAP:-vuicc-sap} --card $card --listen "$1" --status $status >>"$log" 2>&1 &
	spid=$!
}
stop() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	echo "# vuicc-sap exit status $? on SIGTERM"
	spid=
}

rm -f $sock
serve unix:$sock
for i in $(seq 100); do
	[ -S $sock ] && break
	sleep 0.05
done
$py "$here/sap_e2e.py" --unix $sock --profile "$prof" --atr "$atr" --count ${SAP_COUNT:-200} \
	--card $card ${SAP_IDLE_TEST:+--idle-test} || rc=1
# the counters (vuicc-sap.rst): SIGUSR1 rewrites the status file
kill -USR1 $spid 2>/dev/null
sleep 1.2
if $py - $status <<'EOP'; then echo "ok - vuicc-sap status counters"; else echo "not ok - vuicc-sap status counters"; rc=1; fi
import json, sys
s = json.load(open(sys.argv[1]))
print("# status: " + ", ".join(f"{k} {v}" for k, v in s.items()))
want = {"card_errors": lambda v: v == 0, "overflows": lambda v: v == 0, "oversized": lambda v: v >= 1,
        "unknown_msgs": lambda v: v >= 1, "bad_msgs": lambda v: v >= 4, "out_of_order": lambda v: v >= 3,
        "apdus": lambda v: v >= 3000, "status_inds": lambda v: v >= 20, "busy": lambda v: v >= 1,
        "error_resps": lambda v: v >= 10, "state": lambda v: v == "idle", "client": lambda v: v is None}
bad = [k for k, f in want.items() if k not in s or not f(s[k])]
for k in bad:
    print(f"# status: {k} = {s.get(k)!r} unexpected")
sys.exit(1 if bad else 0)
EOP
# SIGTERM with a client connected: DISCONNECT_IND immediate
$py "$here/sap_e2e.py" --unix $sock --profile "$prof" --hold 15 >/tmp/sap-e2e-hold.log 2>&1 &
hpid=$!
for i in $(seq 100); do
	grep -q "holding the card" /tmp/sap-e2e-hold.log && break
	sleep 0.1
done
stop
wait $hpid || rc=1
cat /tmp/sap-e2e-hold.log
sed 's/^/# vuicc-sap: /' "$log" | tail -n 30
if grep -qiE '465b5ce8b199b49faa5f0a2ee238a6bc|cd63cb71954a9f4e48a5994e37a02baf' "$log"; then
	echo "not ok - vuicc-sap logged a key"
	rc=1
fi

if [ -n "${SAP_E2E_TCP:-}" ]; then
	serve tcp:127.0.0.1:7330
	sleep 0.5
	$py "$here/sap_e2e.py" --tcp 127.0.0.1:7330 --profile "$prof" --atr "$atr" \
		--count ${SAP_COUNT:-200} || rc=1
	stop
fi
# ---- over Bluetooth RFCOMM: the virtual rig (bt_rig.sh), a btmon capture ----
# (SAP_E2E_RFCOMM=1; the client on hci1, vuicc-sap registered with BlueZ on hci0)
if [ -n "${SAP_E2E_RFCOMM:-}" ]; then
	. "$here/bt_rig.sh"
	cap=/tmp/sap-e2e.btsnoop
	if bt_rig_up 2 && bt_rig_pair 1 0; then
		bd=$(bt_rig_addr 0)
		bt_rig_btmon_start $cap
		: >"$log"
		${VUICC_SAP:-vuicc-sap} --card $card --rfcomm 8 --status $status >>"$log" 2>&1 &
		spid=$!
		for i in $(seq 200); do
			grep -q 'profile registered with BlueZ' "$log" && break
			sleep 0.05
		done
		grep -q 'profile registered with BlueZ' "$log" ||
			{ echo "not ok - vuicc-sap registered the SIM Access profile with BlueZ"; rc=1; }
		# the SDP record BlueZ publishes for it, as a client on hci1 finds it
		# (sdptool as a remote client only: the record is registered over D-Bus)
		sdp=$(timeout 30 sdptool -i "$(bt_rig_hci 1)" search --bdaddr "$bd" 0x112d 2>&1)
		if echo "$sdp" | grep -q 'Channel: 8' && echo "$sdp" | grep -q '"SIM Access" (0x112d)' &&
		   echo "$sdp" | grep -q '"Generic Telephony" (0x1204)'; then
			echo "ok - SDP: SIM Access + Generic Telephony on RFCOMM channel 8"
		else
			echo "not ok - SDP: SIM Access + Generic Telephony on RFCOMM channel 8"
			echo "$sdp" | sed 's/^/# sdptool: /' | head -30
			rc=1
		fi
		# the captured session is the modem's: connect, ATR, boot reads,
		# AUTHENTICATE, power, reset, disconnect; the bad inputs follow
		# uncaptured (tshark rightly calls them malformed)
		$py "$here/sap_e2e.py" --rfcomm "$bd:8" --local "$(bt_rig_addr 1)" --profile "$prof" --atr "$atr" \
			--count ${SAP_COUNT:-200} --skip-bad || rc=1
		bt_rig_btmon_stop
		$py "$here/sap_e2e.py" --rfcomm "$bd:8" --local "$(bt_rig_addr 1)" --profile "$prof" --atr "$atr" \
			--count 20 --card $card || rc=1
		stop
		# tshark's SAP dissector over the capture: SAP seen, nothing malformed
		# (the client goes straight to channel 8, so the channel is named:
		# DLCI 16/17 are channel 8 either way)
		tsh() { tshark -r $cap -d btrfcomm.dlci==16,btsap -d btrfcomm.dlci==17,btsap "$@" 2>/dev/null; }
		nsap=$(tsh -Y btsap | wc -l)
		nbad=$(tsh -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)
		echo "# capture: $(tsh | wc -l) frames, $nsap SAP messages, $nbad malformed"
		if [ "$nsap" -ge 100 ] && [ "$nbad" = 0 ]; then
			echo "ok - tshark decodes the SAP session with no malformed packet"
		else
			echo "not ok - tshark decodes the SAP session with no malformed packet"
			tsh -Y '_ws.malformed || _ws.expert.severity == error' | head -5 | sed 's/^/# /'
			rc=1
		fi
		tsh -Y btsap -T fields -e btsap.msg_id | sort | uniq -c | sed 's/^/# msg /' | head -25
		# the card's keys never cross the link; the capture holds only what SAP carries
		if xxd -p $cap | tr -d '\n' | grep -qiE "$(sed -n 's/^\(k\|opc\) *= *//p' "$prof" | paste -sd'|')"; then
			echo "not ok - no key of the card in the capture"
			rc=1
		else
			echo "ok - no key of the card in the capture"
		fi
		[ -n "${SAP_CAPTURE_SAVE:-}" ] && cp $cap "$SAP_CAPTURE_SAVE"
	else
		echo "not ok - the Bluetooth rig (2 controllers, paired)"
		for f in /run/bt-rig/*.log; do tail -n 8 "$f" | sed "s|^|# ${f##*/}: |"; done
		rc=1
	fi
	bt_rig_down
fi
[ $rc = 0 ] && echo "ok - sap_e2e" || echo "not ok - sap_e2e"
exit $rc
