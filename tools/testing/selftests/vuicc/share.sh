#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sharing one profile between three devices, in the VM (vuicc.ko with
# cards=3): each device is a vuiccd with its own card (card_base) and its
# own network namespace for the short-range link (TCP in place of RFCOMM);
# netsim gives the two slaves their modems and the network, and fails if
# it ever sees the shared IMSI attached twice.
#
#   M  master, card 0, no modem: shares seed-netsim (share_profile_file)
#   A  slave, card 1, modem1; its link goes through a relay that can tamper
#      with or replay one record (tools/testing/selftests/vuicc/share_mitm.py)
#   B  slave, card 2, modem2
#
# A activates; B is refused while A holds the lease; a tampered and a
# replayed record are dropped and logged; A's link drops (silently, as out
# of range): A deactivates when its lease runs out, then B activates; A's
# link comes back and its late RELEASE of the old epoch is rejected as
# stale.  A's vuiccd killed (SIGKILL) while it holds the lease: the
# kernel's deadline takes A's modem off the network before B gets the
# lease (VUICC_SHARE_KILL_COUNT times, 2; make soak 20).  VUICC_SHARE_COUNT=N
# repeats the handover N times.
#
# VUICC_SHARE_LINK=rfcomm: the link is Bluetooth RFCOMM between virtual
# controllers (bt_rig.sh): M has two, rig 0 facing A and rig 3 facing B, and
# listens on both (share_listen = rfcomm:CHANNEL); A is rig 1, paired with
# rig 0; B is rig 2, paired with rig 3; A's link drops when its controller
# is powered off.  (Two controllers for M because on bluez's btvirt, as of
# 5.66, a controller cannot carry two links at once: a slave's RFCOMM
# connect fails with ECONNRESET while the other is linked; see the rig's
# section of Documentation/dev-tools/vuicc-testing.rst.)  The
# tampering relay is a TCP proxy, so the tampered and replayed records are
# checked on TCP only; everything else runs on either link.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
d=/tmp/share-test
failed=0
pids=()

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

for tool in netsim vuiccd vuiccctl ip python3; do
	command -v $tool >/dev/null ||
		{ echo "not ok - $tool missing (make tools; make deps)"; exit 1; }
done

LINK=${VUICC_SHARE_LINK:-tcp}
case $LINK in tcp|rfcomm) ;; *) echo "not ok - VUICC_SHARE_LINK=$LINK: tcp or rfcomm"; exit 1 ;; esac

IMSI=001010000000011
# (the guard covers netsim's T=0 modem noticing a card gone: a STATUS poll
# every 500 ms that times out after WWT and 1.5 s of slack, 3.3-3.8 s)
LEASE=12000 DRIFT=3000 GUARD=5000 ANSWER=2000
# (the debug kernel under emulation: a restarted master takes seconds to
# listen again and a slave to dial it, which a 12 s lease, 7 s of it before
# the guard, does not always cover: B lost its lease through M's restart
# on a loaded machine; a longer lease keeps that check about the protocol)
[ "${VUICC_KERNEL:-}" = debug ] && LEASE=20000

# a python expression over device X's status JSON: s, h (its share part)
js() {	# DEV EXPR
	timeout 5 vuiccctl --json status --socket $d/$1.sock 2>/dev/null | python3 -c "import json,sys
s=json.load(sys.stdin); h=s.get('share') or {}
sys.exit(0 if ($2) else 1)" 2>/dev/null
}
wait_for() {	# SECONDS DEV EXPR (wall clock: the debug kernel is slow)
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		js "$2" "$3" && return 0
		sleep 0.2
	done
	js "$2" "$3"
}
wait_log() {	# SECONDS PATTERN FILE
	local end=$((SECONDS + $1))
	until grep -q "$2" "$3"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

start() {	# DEV CONF: vuiccd of device DEV in the background, its pid in pid_DEV
	vuiccd -f -c $d/$2.conf 2>>$d/$1.log &
	eval "pid_$1=$!"
	pids+=($!)
}
stop() {	# DEV
	local p rc
	eval "p=\$pid_$1"
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	died "$1" "$rc"
}
died() {	# DEV STATUS: a vuiccd that did not end by SIGTERM's clean exit
	case $2 in 0|143|127) return 0 ;; esac	# (127: waited for already)
	nok "$1's vuiccd ended with status $2 (not a clean SIGTERM exit)"
	tail -40 $d/$1.log | sed "s/^/# $1 log: /"
}
stop_all() {
	local p
	for p in m a b; do eval "[ -z \"\${pid_$p:-}\" ]" || stop $p; done
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=()
	for p in m a b; do ip netns del dev-$p 2>/dev/null; done
	[ "$LINK" = rfcomm ] && bt_rig_down
}
# VUICC_SHARE_SAVE=FILE: the devices' logs (and the rig's, and a btsnoop
# capture on RFCOMM) in a tar file, e.g. /run/vuicc-vm/save with the
# harness's --save
save_logs() {
	[ -n "${VUICC_SHARE_SAVE:-}" ] || return 0
	tar -czf "$VUICC_SHARE_SAVE" -C / ${d#/} \
		$( [ "$LINK" = rfcomm ] && echo "${BT_RIG_DIR#/}" ) 2>/dev/null || true
}
trap 'stop_all; save_logs' EXIT

rm -rf $d
mkdir -p $d/shared $d/empty
for x in m a b; do mkdir -p $d/$x/profiles $d/$x/state; done
install -m 0600 "$top/tools/testing/profiles/seed-netsim.conf" $d/shared/

if [ "$LINK" = tcp ]; then
# ---- the link: a namespace per device, veths from each slave to the master ----
for x in m a b; do ip netns add dev-$x && ip -n dev-$x link set lo up; done
ip link add va netns dev-a type veth peer name vam netns dev-m &&
ip link add vb netns dev-b type veth peer name vbm netns dev-m &&
ip -n dev-a addr add 10.9.1.2/24 dev va && ip -n dev-m addr add 10.9.1.1/24 dev vam &&
ip -n dev-b addr add 10.9.2.2/24 dev vb && ip -n dev-m addr add 10.9.2.1/24 dev vbm &&
for l in "a va" "m vam" "b vb" "m vbm"; do set -- $l; ip -n dev-$1 link set $2 up; done ||
	{ echo "not ok - the link namespaces (iproute2)"; exit 1; }
# what each device's configuration says of the link
LINK_M="share_listen = tcp:0.0.0.0:7000
share_netns = dev-m"
LINK_A="share_connect = tcp:10.9.1.1:7001
share_netns = dev-a"
LINK_B="share_connect = tcp:10.9.2.1:7000
share_netns = dev-b"
link_down() { ip -n dev-a link set va down; }
link_up() { ip -n dev-a link set va up; }
else
# ---- the link: three virtual Bluetooth controllers, A's and B's paired with M's ----
# (Bluetooth sockets live in the initial network namespace only)
. "$here/bt_rig.sh"
t_rig=$(now_ms)
bt_rig_up 4 || { echo "not ok - the Bluetooth rig is up"; exit 1; }
[ -n "${VUICC_SHARE_SAVE:-}" ] && bt_rig_btmon_start "$BT_RIG_DIR/share.btsnoop"
bt_rig_pair 1 0 && bt_rig_pair 2 3 || { echo "not ok - A and B paired with M"; exit 1; }
BD_M=$(bt_rig_addr 0) BD_M2=$(bt_rig_addr 3) BD_A=$(bt_rig_addr 1) BD_B=$(bt_rig_addr 2)
echo "# rig: M $BD_M and $BD_M2, A $BD_A, B $BD_B: up and paired in $(($(now_ms) - t_rig)) ms"
LINK_M="share_listen = rfcomm:5"
LINK_A="share_connect = rfcomm:$BD_M:5
share_adapter = $BD_A"
LINK_B="share_connect = rfcomm:$BD_M2:5
share_adapter = $BD_B"
link_down() { bt_rig_hci_down 1; }
link_up() { bt_rig_hci_up 1; }
fi

# ---- keys: each device's own; A's and M's pinned in advance, B pairs by a code ----
for x in m a b; do
	eval "pk_$x=\$(vuiccd --share-key $d/$x/share.key)" ||
		{ echo "not ok - vuiccd --share-key"; exit 1; }
done
check "the key files are private (0600)" sh -c "[ \$(stat -c %a $d/m/share.key) = 600 ]"
common() {	# DEV CARD
	cat <<EOC
cards = 1
card_base = $2
profiles_dir = $d/$1/profiles
state_dir = $d/$1/state
socket = $d/$1.sock
log = stderr
log_level = info
share_profile = seed-netsim
share_key_file = $d/$1/share.key
share_lease_ms = $LEASE
share_drift_ms = $DRIFT
share_guard_ms = $GUARD
share_answer_ms = $ANSWER
share_retry_ms = 1000
EOC
}
{ common m 0; cat <<EOC; } >$d/m.conf
share = master
share_profile_file = $d/shared/seed-netsim.conf
$LINK_M
share_mode = push
share_peer_key = $pk_a
EOC
{ common a 1; cat <<EOC; } >$d/a.conf
share = slave
modem = 1 /run/netsim/modem1
$LINK_A
share_peer_key = $pk_m
EOC
{ common b 2; cat <<EOC; } >$d/b.conf
share = slave
modem = 2 /run/netsim/modem2
$LINK_B
share_peer_key = $pk_m
EOC
# pairing B with M by a one-time code: a wrong code first, then the right one
pair() {	# CODE-M CODE-B
	vuiccd --share-pair "$1" -c $d/mp.conf >$d/pair-m.out 2>$d/pair-m.err &
	local p=$!
	sleep 1
	vuiccd --share-pair "$2" -c $d/bp.conf >$d/pair-b.out 2>$d/pair-b.err
	local rb=$?
	wait $p
	local rm=$?
	return $((rm || rb))
}
{ common m 0; printf 'share = master\nshare_profile_file = %s\n%s\n' \
	$d/shared/seed-netsim.conf "$LINK_M"; } >$d/mp.conf
grep -v '^share_peer_key' $d/b.conf >$d/bp.conf
fails() { ! "$@"; }
check "pairing with a wrong code fails on both sides" fails pair 48151623 48151624
check "the master says the codes differ" grep -q 'codes differ' $d/pair-m.err
check "pairing with the right code gives each the other's key" pair 20261201 20261201
check "each learnt the right key" sh -c \
	"grep -qx 'share_peer_key = $pk_b' $d/pair-m.out && grep -qx 'share_peer_key = $pk_m' $d/pair-b.out"
cat $d/pair-m.out >>$d/m.conf
sed -i '/^share_peer_key/d' $d/b.conf
cat $d/pair-b.out >>$d/b.conf

for x in m a b; do check "vuiccd -t accepts device $x's configuration" vuiccd -t -c $d/$x.conf; done
# (the old name of share_mode, which still works with a warning)
sed "s/^share_mode = push/share_embodiment = compare/" $d/m.conf >$d/m5.conf

# ---- the network: two modems, the shared subscription ----
cat >$d/share.scn <<EOS
[netsim]
netns = netsim-inet
server = 192.0.2.1

[location here]
operator = plmn=00101 name=Home lte=-85 tac=00c3 ci=1a2b301

EOS
for c in 1 2; do cat >>$d/share.scn <<EOS
[modem modem$c]
card = $c
at_link = /run/netsim/modem$c
location = here
at_delay_ms = 2
boot_ms = 100
search_ms = 300
attach_ms = 300
pdp_ms = 100

EOS
done
cat >>$d/share.scn <<EOS
[subscriber $IMSI]
algorithm = milenage
k = 465b5ce8b199b49faa5f0a2ee238a6bc
opc = cd63cb71954a9f4e48a5994e37a02baf
sqn = 0x1000
status = active
EOS

netsim --scenario $d/share.scn --report $d/report.json >$d/netsim.log 2>&1 &
npid=$!
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ] && ! [ -L /run/netsim/modem2 ]; do sleep 0.05; done
touch $d/mitm.log
if [ "$LINK" = tcp ]; then
ip netns exec dev-m python3 "$here/share_mitm.py" --listen 10.9.1.1:7001 \
	--to 127.0.0.1:7000 --control $d/mitm.cmd >$d/mitm.log 2>&1 &
pids+=($!)
fi
start m m
wait_for 30 m "h.get('role') == 'master'" || { cat $d/m.log; nok "the master is up"; }

# ---- A activates ----
t0=$(now_ms)
start a a
check "A: granted a lease, the profile enabled on its card" \
	wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 1 and \
		any(c['card'] == 1 and c['enabled'] == 'seed-netsim' for c in s['cards'])"
echo "# A active $(($(now_ms) - t0)) ms after its vuiccd started"
check "M: the status says A (peer 0) holds lease 1" \
	js m "h['holder'] == 'peer0' and h['epoch'] == 1 and h['state'] == 'MST_GRANTED'"
check "A: attached to the network with the shared profile" \
	wait_for 60 a "any(c['card'] == 1 and (c.get('modem') or {}).get('state') in ('dialing', 'online') for c in s['cards'])"

# ---- B is refused while A holds the lease ----
start b b
check "B: refused while A holds the lease" wait_for 30 b "h['denies'] >= 2 and h['state'] != 'SLV_ACTIVE'"
check "M: refusals counted, A still the holder" js m "h['denies'] >= 2 and h['holder'] == 'peer0'"
check "B: its card holds no shared profile" \
	js b "not any(p.get('name') == 'seed-netsim' for p in s.get('profiles', []))"

# ---- a tampered and a replayed record on A's link ----
if [ "$LINK" = tcp ]; then
echo tamper >$d/mitm.cmd
check "M: a tampered record is dropped and logged" \
	wait_for 30 m "h['tampered'] >= 1"
echo replay >$d/mitm.cmd
check "M: a replayed record is dropped and logged" \
	wait_for 30 m "h['replayed'] >= 1"
check "M: the log says what was dropped" sh -c \
	"grep -q 'failed its tag' $d/m.log && grep -q 'was replayed' $d/m.log"
check "A: still holds its lease after both" js a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 1"
else
	echo "# tampered and replayed records: checked on the TCP link (make soak), not here"
fi

# ---- A's link drops: A deactivates when its lease runs out, then B activates ----
stale_count() {	# the master's stale counter now
	timeout 5 vuiccctl --json status --socket $d/m.sock 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)['share']['stale'])" 2>/dev/null || echo 0
}
handover() {	# ROUND
	local t_drop t_off t_b stale0
	stale0=$(stale_count)
	t_drop=$(now_ms)
	link_down
	echo "# round $1: A's link down at uptime $(cut -d' ' -f1 /proc/uptime) s"
	if wait_for 60 a "h['state'] != 'SLV_ACTIVE'"; then
		t_off=$(now_ms)
		ok "round $1: A deactivated when its lease ran out"
	else
		nok "round $1: A deactivated when its lease ran out"
		t_off=$(now_ms)
	fi
	check "round $1: A's card no longer holds the shared profile" \
		js a "not any(c['card'] == 1 and c['enabled'] == 'seed-netsim' for c in s['cards'])"
	if wait_for 90 b "h['state'] == 'SLV_ACTIVE'"; then
		t_b=$(now_ms)
		ok "round $1: B activated after A's lease and the margin"
	else
		nok "round $1: B activated after A's lease and the margin"
		t_b=$(now_ms)
		# what the master and B did meanwhile (the place to look for a stall)
		for x in m b; do
			grep -h 'share' $d/$x.log | tail -n 40 | sed "s/^/# $x log: /"
		done
		timeout 5 vuiccctl status --socket $d/m.sock | sed -n '/^share:/,/^last/p' | sed 's/^/# M /'
		timeout 5 vuiccctl status --socket $d/b.sock | sed -n '/^share:/,/^last/p' | sed 's/^/# B /'
	fi
	check "round $1: M says B (peer 1) holds a newer epoch" \
		js m "h['holder'] == 'peer1' and h['epoch'] >= 2"
	echo "# round $1 ($LINK): link drop -> A off the network $((t_off - t_drop)) ms; -> B active (handover) $((t_b - t_drop)) ms (lease $LEASE, margin $DRIFT, guard $GUARD)"
	# A's link comes back: its RELEASE of the old epoch is stale
	link_up
	check "round $1: A's late RELEASE of its old epoch is rejected as stale" \
		wait_for 60 m "h['stale'] > $stale0"
}
handover 1
# (a RENEW A sent into the dead link may come first and be the stale one counted)
check "M: the log names the stale RELEASE" wait_log 30 "RELEASE of epoch 1 from peer 0: stale" $d/m.log
check "A: refused now that B holds the lease" wait_for 30 a "h['denies'] >= 1 and h['state'] != 'SLV_ACTIVE'"

# ---- the master restarts, now comparing (embodiment 5): B's lease goes on ----
stop m
start m m5
check "M restarted: B's renewal makes it the known holder of lease 2 again" \
	wait_for 40 m "h['holder'] == 'peer1' and h['epoch'] == 2"
check "B: kept its lease through the master's restart" js b "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 2"
check "A: still refused while B holds it" wait_for 20 m "h['denies'] >= 1 and h['holder'] == 'peer1'"

# ---- B stops: off the network, the lease and the card's state given back; A takes it ----
t_stop=$(now_ms)
stop b
check "M: B's RELEASE of lease 2 applied" wait_for 20 m "h['releases'] >= 1"
check "A: active under lease 3 (pushed: it held no copy)" \
	wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 3"
echo "# B stopped -> A active $(($(now_ms) - t_stop)) ms (release, no wait for the lease)"
check "M: lease 3 was a push" js m "h['pushes'] == 1 and h['activations'] == 0"

# ---- A stops and starts again: its sealed copy is current, so only the activation goes ----
stop a
check "M: A's RELEASE of lease 3 applied" wait_for 20 m "h['releases'] >= 2 and h['state'] == 'MST_FREE'"
check "A: keeps only a sealed copy: the profile is out of its card and store" sh -c \
	"[ -s $d/a/state/share-seed-netsim.sealed ] && ! ls $d/a/state | grep -q '^1-seed-netsim'"
check "A's sealed copy holds no key in the clear" sh -c \
	"! grep -qi 465b5ce8b199b49faa5f0a2ee238a6bc $d/a/state/share-seed-netsim.sealed"
t_start=$(now_ms)
start a a
check "A: active under lease 4 by the activation command" \
	wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 4 and \
		any(c['card'] == 1 and c['enabled'] == 'seed-netsim' for c in s['cards'])"
echo "# A restarted -> active $(($(now_ms) - t_start)) ms (activation, no push)"
check "M: lease 4 was an activation, not a push" js m "h['activations'] == 1"
check "A's log says it activated the copy held" grep -q 'activate the copy held' $d/a.log
# once more: the copy sealed under an activated lease opens with the key of that copy
check "A: 'share off' gives lease 4 back" sh -c "vuiccctl share off --socket $d/a.sock | grep -q '^ok'"
check "M: A's RELEASE of lease 4 applied" wait_for 30 m "h['state'] == 'MST_FREE' and h['releases'] >= 3"
vuiccctl share on --socket $d/a.sock >/dev/null
check "A: active under lease 5, again by the activation command" \
	wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 5"
check "M: two activations, one push since its restart" js m "h['activations'] == 2 and h['pushes'] == 1"

# ---- the master's own use counts as active; a slave's off and on ----
check "A: 'share off' gives the lease back" sh -c \
	"vuiccctl share off --socket $d/a.sock | grep -q '^ok'"
check "M: A's RELEASE of lease 5 applied" wait_for 30 m "h['state'] == 'MST_FREE' and h['releases'] >= 4"
check "M: 'share take' puts the profile on the master's card" sh -c \
	"vuiccctl share take --socket $d/m.sock | grep -q '^ok'"
check "M: its own use is epoch 6 and shows as the holder" \
	js m "h['state'] == 'MST_SELF' and h['holder'] == 'master' and h['epoch'] == 6 and \
		any(c['card'] == 0 and c['enabled'] == 'seed-netsim' for c in s['cards'])"
stop m
start m m5
check "M restarted: its card still holds the profile, so its own use goes on" \
	wait_for 30 m "h['state'] == 'MST_SELF' and h['holder'] == 'master' and h['epoch'] == 6"
vuiccctl share on --socket $d/a.sock >/dev/null
check "A: refused while the master uses the profile" \
	wait_for 30 a "h['denies'] >= 1 and h['state'] != 'SLV_ACTIVE'"
check "M: a second 'share take' is refused" sh -c \
	"! vuiccctl share take --socket $d/m.sock >/dev/null"
t_give=$(now_ms)
check "M: 'share give' takes the profile off its card" sh -c \
	"vuiccctl share give --socket $d/m.sock | grep -q '^ok'"
check "A: active again (lease 7) once the master gave it up" \
	wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['epoch'] == 7"
echo "# M gave it up -> A active $(($(now_ms) - t_give)) ms (guard $GUARD)"
check "M: its card no longer holds the profile" \
	js m "not any(c['card'] == 0 and c['enabled'] == 'seed-netsim' for c in s['cards'])"

# ---- A's vuiccd killed while it holds the lease: only the kernel's deadline is left ----
mono() { python3 -c 'import time; print("%.3f" % time.monotonic())'; }
a_deadline_ms() {	# the kernel's view: ms left before card 1's shared profile is disabled
	vuiccctl --json profile list --card 1 2>/dev/null | python3 -c "import json,sys
print([p.get('deadline_ms', -1) for p in json.load(sys.stdin) if p['name'] == 'seed-netsim' and p['enabled']][0])"
}
# when things happened after T0 (CLOCK_MONOTONIC s), from the logs: the
# kernel's expiry (dmesg), A's modem's detach (netsim), B's activation (B's log)
kill_times() {	# T0
	dmesg | python3 -c "
import re, sys
t0 = float(sys.argv[1])
def first(pat, lines, conv):
    for l in lines:
        m = re.search(pat, l)
        if m and conv(m) > t0:
            return conv(m)
    return 0
k = first(r'^\[ *([0-9.]+)\] vuicc: vuicc1: profile seed-netsim disabled: its deadline passed',
          sys.stdin.read().splitlines(), lambda m: float(m.group(1)))
ns = open('$d/netsim.log').read().splitlines()
base = float(re.search(r'CLOCK_MONOTONIC ([0-9.]+) s', ns[0] + ''.join(ns[:5])).group(1))
det = first(r'^netsim +([0-9.]+) modem1: IMSI $IMSI detached', ns, lambda m: base + float(m.group(1)))
b = first(r'^vuiccd\[([0-9.]+)\] notice: share: lease [0-9]+ for', open('$d/b.log').read().splitlines(),
          lambda m: float(m.group(1)))
print('%.3f %.3f %.3f' % (k, det, b))
" "$1"
}
netsim_window() {	# FROM TO (CLOCK_MONOTONIC s): what netsim did meanwhile
	python3 - "$1" "$2" "$d/netsim.log" <<-'EOF' | sed 's/^/# netsim: /'
	import re, sys
	t0, t1 = float(sys.argv[1]) - 1, float(sys.argv[2]) + 0.5
	ns = open(sys.argv[3]).read().splitlines()
	base = float(re.search(r'CLOCK_MONOTONIC ([0-9.]+) s', ''.join(ns[:5])).group(1))
	out = [l for l in ns if (m := re.match(r'^netsim +([0-9.]+) ', l)) and t0 <= base + float(m.group(1)) <= t1]
	print('\n'.join(out[-80:]))
	EOF
}
kill_round() {	# ROUND: A active; B asking; kill -9 A's vuiccd
	local t_kill left t_dis t_det t_b
	start b b
	wait_for 30 b "h['denies'] >= 1" || nok "kill $1: B refused while A holds the lease"
	check "kill $1: A holds the lease, its modem on the network, a kernel deadline set" \
		wait_for 60 a "h['state'] == 'SLV_ACTIVE' and h['kernel_deadline_ms'] > 0 and \
			any(c['card'] == 1 and (c.get('modem') or {}).get('state') in ('dialing', 'online') for c in s['cards'])"
	t_kill=$(mono)
	kill -KILL "$pid_a"
	wait "$pid_a" 2>/dev/null
	# (read after the kill: nothing renews it any more; the kernel counts
	# what is left when it answers, between t_q0 and t_q1)
	t_q0=$(mono)
	left=$(a_deadline_ms)
	t_q1=$(mono)
	check "kill $1: B active in the end" wait_for 60 b "h['state'] == 'SLV_ACTIVE'"
	read -r t_dis t_det t_b < <(kill_times "$t_kill")
	echo "# kill $1: kill -9 at $t_kill s; kernel deadline in ${left} ms (asked $t_q0..$t_q1 s); profile disabled at $t_dis, A's modem detached at $t_det, B active at $t_b"
	check "kill $1: the kernel disabled A's profile at its deadline (within 1 s)" python3 -c "
import sys; k, l = $t_dis, ${left:--1} / 1000
sys.exit(0 if l >= 0 and k > 0 and $t_q0 + l - 0.2 <= k <= $t_q1 + l + 1 else 1)"
	if python3 -c "
import sys; sys.exit(0 if $t_det > 0 and $t_dis <= $t_det <= $t_dis + $GUARD / 1000 else 1)"; then
		ok "kill $1: A's modem detached (card removed) within the guard time of that"
	else
		nok "kill $1: A's modem detached (card removed) within the guard time of that"
		netsim_window "$t_dis" "$t_det"
	fi
	check "kill $1: B active only after A's modem detached" python3 -c "
import sys; sys.exit(0 if $t_b > $t_det > 0 else 1)"
	# A starts again: it deletes what the kernel disabled, and is refused while B holds it
	start a a
	check "kill $1: A restarted deletes the profile left on its card" \
		wait_for 30 a "not any(p.get('name') == 'seed-netsim' for p in s.get('profiles', [])) and h['state'] != 'SLV_ACTIVE'"
	stop b
	wait_for 60 a "h['state'] == 'SLV_ACTIVE'" || nok "kill $1: A active again after B stopped"
}
for r in $(seq 1 "${VUICC_SHARE_KILL_COUNT:-2}"); do kill_round "$r"; done
check "the kernel counted A's expiries" sh -c "vuiccctl --json card list | python3 -c \"import json,sys
sys.exit(0 if [c for c in json.load(sys.stdin) if c['card'] == 1 and c.get('expiries', 0) >= ${VUICC_SHARE_KILL_COUNT:-2}] else 1)\""

# more rounds (make soak: VUICC_SHARE_COUNT): B comes, A's link drops, B takes over, B stops
for r in $(seq 2 "${VUICC_SHARE_COUNT:-1}"); do
	start b b
	wait_for 30 b "h['denies'] >= 1" || nok "round $r: B refused while A holds the lease"
	handover "$r"
	stop b
	wait_for 60 a "h['state'] == 'SLV_ACTIVE'" || nok "round $r: A active again after B stopped"
done

for x in m a b; do grep -h 'share:' $d/$x.log | grep -v 'DENY peer . again' | sed -E "s/^vuiccd\[([0-9.]+)\] [a-z]+: share: /# $x \1 /" | tail -25; done
timeout 5 vuiccctl status --socket $d/m.sock | sed -n '/^share:/,/^last/p' | sed 's/^/# M /'
timeout 5 vuiccctl status --socket $d/b.sock | sed -n '/^share:/,/^last/p' | sed 's/^/# B /'
stop_all
kill -TERM $npid 2>/dev/null
wait $npid
check "netsim saw the shared IMSI attached twice never (exit status)" test $? = 0
if [ "${VUICC_SIM:-chardev}" = t0 ]; then
	check "the slaves' modems reached their cards over T=0 lines" \
		grep -q 'on a T=0 line' $d/netsim.log
fi
check "netsim: both slaves attached in turn" python3 -c "import json,sys
r=json.load(open('$d/report.json')); a=[m['attaches'] for m in r['modems']]
sys.exit(0 if len(a) == 2 and min(a) >= 1 else 1)"
check "no key or secret in any log" sh -c \
	"! grep -qiE '465b5ce8b199b49faa5f0a2ee238a6bc|cd63cb71954a9f4e48a5994e37a02baf|$(tr -d '\n' <$d/m/share.key)' \
	$d/m.log $d/a.log $d/b.log $d/netsim.log $d/mitm.log"
echo "share: $failed failed"
[ $failed = 0 ]
