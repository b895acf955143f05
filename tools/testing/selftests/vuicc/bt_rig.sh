# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The virtual Bluetooth rig: a bash library, sourced by tests that run in
# the VM harness (tools/testing/vm/run), that gives them N virtual BR/EDR
# controllers (btvirt over hci_vhci) which see each other, managed by a
# bluetoothd on a private system D-Bus, with state on tmpfs.
#
#   bt_rig_up N             modules, D-Bus, bluetoothd, agent, btvirt -lN;
#                           hci0..hci{N-1} powered, connectable, discoverable,
#                           pairable
#   bt_rig_addr IDX         hciIDX's BD address
#   bt_rig_pair A B         pair hciA with hciB (A initiates): numeric
#                           comparison confirmed by the agent (DisplayYesNo
#                           on both sides), so an authenticated link key;
#                           both sides Paired and Trusted
#   bt_rig_key_type A B     the link key type hciA stored for hciB (HCI
#                           codes: 4/5 unauthenticated/authenticated P-192,
#                           7/8 unauthenticated/authenticated P-256)
#   bt_rig_hci_down IDX     power hciIDX off (its links drop: the controller
#   bt_rig_hci_up IDX       disconnects them first), and on again
#   bt_rig_btmon_start FILE btsnoop capture of all controllers (btmon -w);
#   bt_rig_btmon_stop       read it with tshark -r FILE or btmon -r FILE
#   bt_rig_down             stop what bt_rig_up started
#
# Functions return non-zero with a "bt_rig: error:" line on failure.  The
# time-out of each wait is BT_RIG_TIMEOUT (default 60 s, for emulation);
# logs are in BT_RIG_DIR (default /run/bt-rig).  Needs the packages bluez,
# bluez-test-tools (btvirt), dbus, python3-dbus and python3-gi.

BT_RIG_DIR=${BT_RIG_DIR:-/run/bt-rig}
# (the debug kernel, KASAN and lockdep under emulation, is several times slower)
if [ "${VUICC_KERNEL:-}" = debug ]; then
	BT_RIG_TIMEOUT=${BT_RIG_TIMEOUT:-240}
else
	BT_RIG_TIMEOUT=${BT_RIG_TIMEOUT:-60}
fi
BT_RIG_AGENT_CAP=${BT_RIG_AGENT_CAP:-DisplayYesNo}
# extra btvirt options, e.g. -B for BR/EDR-only controllers (Bluetooth 3.0:
# no Secure Connections, so P-192 keys)
BT_RIG_BTVIRT_OPTS=${BT_RIG_BTVIRT_OPTS:-}
# the emulator: bluez's btvirt up to at least 5.66 forwards ACL data under
# the sender's connection handle, not the receiver's, so a controller with
# two links at once (hci0 with hci1 and hci2) gets its second link's data
# on its first link's handle and the peer never hears back: an RFCOMM
# connect fails with ECONNRESET after about 4 s (L2CAP's information
# request unanswered) while another link is up.  BT_RIG_BTVIRT names
# another btvirt (Documentation/dev-tools/vuicc-testing.rst).
BT_RIG_BTVIRT=${BT_RIG_BTVIRT:-btvirt}
BT_RIG_PY=/usr/bin/python3	# Debian's: AF_BLUETOOTH, python3-dbus, gi
_bt_rig_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_bt_rig_helper=$_bt_rig_here/bt_rig.py
_bt_rig_n=0

bt_rig_log() { printf 'bt_rig: %s\n' "$*" >&2; }
bt_rig_err() { printf 'bt_rig: error: %s\n' "$*" >&2; return 1; }

# bt_rig_now: seconds since boot, to the millisecond
bt_rig_now() { local up _; read -r up _ </proc/uptime; echo "$up"; }
bt_rig_since() { echo "$(bt_rig_now) - $1" | bc; }

# _bt_rig_wait TIMEOUT WHAT CMD...: poll CMD until it succeeds
_bt_rig_wait() {
	local timeout=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + ${timeout%.*} ))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$end" ]; then
			bt_rig_err "timed out after ${timeout}s waiting for $what"
			return 1
		fi
		sleep 0.2
	done
}

_bt_rig_need() {
	local c missing=
	for c in bluetoothd:bluez btmgmt:bluez btmon:bluez btvirt:bluez-test-tools \
		 dbus-daemon:dbus dbus-send:dbus bc:bc; do
		if [ "${c%%:*}" = bluetoothd ]; then
			[ -x /usr/libexec/bluetooth/bluetoothd ] ||
				command -v bluetoothd >/dev/null || missing+=" ${c#*:}"
		else
			command -v "${c%%:*}" >/dev/null || missing+=" ${c#*:}"
		fi
	done
	"$BT_RIG_PY" -c 'import dbus, gi, socket; socket.AF_BLUETOOTH' 2>/dev/null ||
		missing+=" python3-dbus python3-gi"
	[ -z "$missing" ] && return 0
	bt_rig_err "missing tools: install bluez bluez-test-tools dbus python3-dbus python3-gi (make deps; missing:$missing)"
}

# _bt_rig_start NAME CMD...: CMD in the background, its pid in NAME.pid,
# its output in NAME.log
_bt_rig_start() {
	local name=$1
	shift
	"$@" >"$BT_RIG_DIR/$name.log" 2>&1 &
	echo $! >"$BT_RIG_DIR/$name.pid"
}

_bt_rig_stop() {
	local name=$1 pid i
	[ -s "$BT_RIG_DIR/$name.pid" ] || return 0
	pid=$(cat "$BT_RIG_DIR/$name.pid")
	rm -f "$BT_RIG_DIR/$name.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

_bt_rig_alive() {
	local name=$1
	[ -s "$BT_RIG_DIR/$name.pid" ] && kill -0 "$(cat "$BT_RIG_DIR/$name.pid")" 2>/dev/null
}

_bt_rig_bus_ok() {
	dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetId
}

_bt_rig_bluez_ok() {
	dbus-send --system --print-reply --dest=org.bluez / \
		org.freedesktop.DBus.ObjectManager.GetManagedObjects
}

_bt_rig_modules() {
	local m
	if [ -d "/lib/modules/$(uname -r)" ] && [ -e "/lib/modules/$(uname -r)/modules.dep" ]; then
		for m in bluetooth hci_vhci rfcomm; do
			modprobe "$m" 2>"$BT_RIG_DIR/modprobe.log" || {
				cat "$BT_RIG_DIR/modprobe.log" >&2
				bt_rig_err "modprobe $m failed (kernel $(uname -r))"
				return 1
			}
		done
	fi
	[ -c /dev/vhci ] || bt_rig_err "no /dev/vhci: the kernel lacks CONFIG_BT_HCIVHCI (debug.config) or the module hci_vhci"
}

bt_rig_up() {
	local n=${1:?bt_rig_up N} t0 bluetoothd i
	t0=$(bt_rig_now)
	if [ "${VUICC_VM:-}" != 1 ] && [ "${BT_RIG_ON_HOST:-}" != 1 ]; then
		bt_rig_err "the rig mounts over /var/lib/bluetooth and owns the system bus: run it in the VM (tools/testing/vm/run), or set BT_RIG_ON_HOST=1"
		return 1
	fi
	_bt_rig_need || return 1
	mkdir -p "$BT_RIG_DIR" || return 1
	_bt_rig_modules || return 1
	local old=(/sys/class/bluetooth/hci*)
	if [ -e "${old[0]}" ]; then
		bt_rig_err "there are controllers already (${old[*]##*/}): the rig wants hci0.. for itself"
		return 1
	fi

	# bluetoothd's state (keys) on tmpfs: the host's file system is read-only
	if ! mountpoint -q /var/lib/bluetooth; then
		[ -d /var/lib/bluetooth ] || { bt_rig_err "/var/lib/bluetooth missing (bluez installed?)"; return 1; }
		mount -t tmpfs -o mode=0700 bt-rig /var/lib/bluetooth ||
			{ bt_rig_err "cannot mount a tmpfs on /var/lib/bluetooth"; return 1; }
		touch "$BT_RIG_DIR/mounted"
	fi

	# a system bus of our own, where bluetoothd looks for it
	if ! _bt_rig_bus_ok >/dev/null 2>&1; then
		mkdir -p /run/dbus
		cat >"$BT_RIG_DIR/dbus.conf" <<-'EOF'
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <type>system</type>
		  <listen>unix:path=/run/dbus/system_bus_socket</listen>
		  <auth>EXTERNAL</auth>
		  <policy context="default">
		    <allow user="*"/>
		    <allow own="*"/>
		    <allow send_type="method_call"/>
		    <allow send_type="signal"/>
		    <allow send_requested_reply="true" send_type="method_return"/>
		    <allow send_requested_reply="true" send_type="error"/>
		    <allow receive_type="method_call"/>
		    <allow receive_type="method_return"/>
		    <allow receive_type="error"/>
		    <allow receive_type="signal"/>
		  </policy>
		</busconfig>
		EOF
		_bt_rig_start dbus dbus-daemon --config-file="$BT_RIG_DIR/dbus.conf" --nofork --nopidfile
		_bt_rig_wait "$BT_RIG_TIMEOUT" "the system D-Bus (log: $BT_RIG_DIR/dbus.log)" _bt_rig_bus_ok || return 1
	fi

	# bluetoothd, adapters on as they come
	cat >"$BT_RIG_DIR/main.conf" <<-'EOF'
	[General]
	Name = vuicc-rig
	DiscoverableTimeout = 0
	PairableTimeout = 0
	AlwaysPairable = true
	[Policy]
	AutoEnable = false
	EOF
	bluetoothd=/usr/libexec/bluetooth/bluetoothd
	[ -x "$bluetoothd" ] || bluetoothd=$(command -v bluetoothd)
	_bt_rig_start bluetoothd "$bluetoothd" -n -d -f "$BT_RIG_DIR/main.conf" \
		-P hostname,sap,a2dp,avrcp,midi,health,wiimote,battery
	_bt_rig_wait "$BT_RIG_TIMEOUT" "bluetoothd on the bus (log: $BT_RIG_DIR/bluetoothd.log)" _bt_rig_bluez_ok || return 1

	# the agent that confirms numeric comparison on every adapter
	_bt_rig_start agent "$BT_RIG_PY" "$_bt_rig_helper" agent "$BT_RIG_AGENT_CAP"
	_bt_rig_wait "$BT_RIG_TIMEOUT" "the agent (log: $BT_RIG_DIR/agent.log)" \
		grep -q 'registered as default' "$BT_RIG_DIR/agent.log" || return 1

	# N controllers in one emulator: they page and inquire each other.
	# btvirt creates them all before it answers any, and under load (the
	# debug kernel, a busy guest) the first one's HCI_Reset can time out
	# meanwhile (2 s): it never reaches bluetoothd.  So one more is made,
	# rig index I is the I-th controller that did come up (BT_RIG_DIR/map),
	# and only those are powered (AutoEnable off): a spare left powered
	# would be the kernel's route for an unbound socket, unpaired.
	local extra=1
	_bt_rig_start btvirt "$BT_RIG_BTVIRT" -l"$((n + extra))" $BT_RIG_BTVIRT_OPTS
	_bt_rig_wait "$BT_RIG_TIMEOUT" "$((n + extra)) controllers from btvirt (log: $BT_RIG_DIR/btvirt.log)" \
		test -e "/sys/class/bluetooth/hci$((n + extra - 1))" || return 1
	timeout $((BT_RIG_TIMEOUT * 3)) "$BT_RIG_PY" "$_bt_rig_helper" adapters "$n" "$BT_RIG_TIMEOUT" \
		>"$BT_RIG_DIR/map" 2>>"$BT_RIG_DIR/helper.log" ||
		{ tail -n 5 "$BT_RIG_DIR/helper.log" >&2; bt_rig_err "adapters did not come up (in $(bt_rig_since "$t0") s)"; return 1; }
	_bt_rig_n=$n
	[ "$(cat "$BT_RIG_DIR/map")" = "$(seq -s ' ' 0 $((n - 1)))" ] ||
		bt_rig_log "rig controllers 0..$((n - 1)) are hci $(cat "$BT_RIG_DIR/map")"
	for ((i = 0; i < n; i++)); do
		bt_rig_addr "$i" >/dev/null || return 1
	done
	bt_rig_log "up: $n controllers in $(bt_rig_since "$t0") s"
}

# bt_rig_hci I: the hci index of rig controller I
bt_rig_hci() {
	local m
	read -r -a m <"$BT_RIG_DIR/map" || { bt_rig_err "the rig is not up"; return 1; }
	[ -n "${m[$1]:-}" ] || { bt_rig_err "no rig controller $1"; return 1; }
	echo "${m[$1]}"
}

bt_rig_addr() {
	local idx=${1:?bt_rig_addr IDX} f=$BT_RIG_DIR/addr.$1 a
	if [ ! -s "$f" ]; then
		a=$(timeout "$BT_RIG_TIMEOUT" "$BT_RIG_PY" "$_bt_rig_helper" addr "$(bt_rig_hci "$idx")" 2>>"$BT_RIG_DIR/helper.log") ||
			{ bt_rig_err "no address for hci$idx"; return 1; }
		echo "$a" >"$f"
	fi
	cat "$f"
}

# bt_rig_key_type A B: the link key type in bluetoothd's store, once it is
# there (bluetoothd writes it a moment after the pairing)
bt_rig_key_type() {
	local a b f
	a=$(bt_rig_addr "${1:?}") && b=$(bt_rig_addr "${2:?}") || return 1
	f=/var/lib/bluetooth/$a/$b/info
	_bt_rig_wait "$BT_RIG_TIMEOUT" "a link key for $b in $f" grep -q '^\[LinkKey\]' "$f" || return 1
	awk '/^\[/ { s = $0 } s == "[LinkKey]" && /^Type=/ { sub(/^Type=/, ""); print; exit }' "$f"
}

bt_rig_pair() {
	local a=${1:?bt_rig_pair A B} b=${2:?bt_rig_pair A B} t0 ta tb
	t0=$(bt_rig_now)
	timeout $((BT_RIG_TIMEOUT * 3)) "$BT_RIG_PY" "$_bt_rig_helper" pair "$(bt_rig_hci "$a")" "$(bt_rig_hci "$b")" "$BT_RIG_TIMEOUT" \
		2>>"$BT_RIG_DIR/helper.log" ||
		{ tail -n 5 "$BT_RIG_DIR/helper.log" >&2; bt_rig_err "pairing hci$a with hci$b failed (logs in $BT_RIG_DIR)"; return 1; }
	ta=$(bt_rig_key_type "$a" "$b") && tb=$(bt_rig_key_type "$b" "$a") || return 1
	bt_rig_log "paired hci$a <-> hci$b in $(bt_rig_since "$t0") s, link key types $ta/$tb"
	case "$ta$tb" in
	55|88) ;;
	*) bt_rig_err "hci$a/hci$b: link key types $ta/$tb, not authenticated (5 P-192, 8 P-256)"; return 1 ;;
	esac
}

bt_rig_hci_down() {
	local idx=${1:?bt_rig_hci_down IDX}
	timeout "$BT_RIG_TIMEOUT" btmgmt --index "$(bt_rig_hci "$idx")" power off >>"$BT_RIG_DIR/btmgmt.log" 2>&1 ||
		{ bt_rig_err "btmgmt --index $idx power off failed"; return 1; }
}

bt_rig_hci_up() {
	local idx=${1:?bt_rig_hci_up IDX}
	timeout "$BT_RIG_TIMEOUT" btmgmt --index "$(bt_rig_hci "$idx")" power on >>"$BT_RIG_DIR/btmgmt.log" 2>&1 ||
		{ bt_rig_err "btmgmt --index $idx power on failed"; return 1; }
}

bt_rig_btmon_start() {
	local file=${1:?bt_rig_btmon_start FILE}
	mkdir -p "$BT_RIG_DIR"
	_bt_rig_start btmon btmon -w "$file"
	_bt_rig_wait "$BT_RIG_TIMEOUT" "btmon writing $file" test -s "$file"
}

bt_rig_btmon_stop() {
	_bt_rig_stop btmon
}

bt_rig_down() {
	local i
	bt_rig_btmon_stop
	for ((i = 0; i < _bt_rig_n; i++)); do
		timeout 10 btmgmt --index "$(bt_rig_hci "$i")" power off >/dev/null 2>&1 || true
	done
	_bt_rig_stop agent
	_bt_rig_stop bluetoothd
	_bt_rig_stop btvirt
	_bt_rig_stop dbus
	rm -f "$BT_RIG_DIR"/addr.* "$BT_RIG_DIR/map"
	if [ -e "$BT_RIG_DIR/mounted" ]; then
		umount /var/lib/bluetooth 2>/dev/null || true
		rm -f "$BT_RIG_DIR/mounted"
	fi
	_bt_rig_n=0
}
