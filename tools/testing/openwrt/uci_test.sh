#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The OpenWrt integration on the host, without OpenWrt: /etc/config/vuiccd
# through agent/dist/openwrt/vuiccd-uci.sh (with functions.sh here, a shim
# of OpenWrt's config_load and friends) must give the expected vuiccd.conf,
# and vuiccd -t (the real parser, build/bin/vuiccd) must accept it; bad
# values are refused without being printed; the init scripts' start and
# reload are run against stubs of procd's functions.
#
#   tools/testing/openwrt/uci_test.sh [VUICCD]     (default build/bin/vuiccd)
# (ok and bad return 0: "[ test ] && ok ... || bad ..." is an if-then-else
# here; the scripts sourced are checked on their own)
# shellcheck disable=SC2015,SC1091
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
dist=$top/agent/dist/openwrt
vuiccd=${1:-$top/build/bin/vuiccd}
for tool in awk cmp md5sum mktemp sed stat grep; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "uci_test: '$tool' is missing (coreutils, gawk/mawk, grep, sed, diffutils)"; exit 1; }
done
[ -x "$vuiccd" ] || { echo "uci_test: $vuiccd is missing: run 'make tools' first"; exit 1; }

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/etc" "$T/profiles" "$T/run"
# what must never show: a secret in a file, and one given inline
SECRET=file-s3cret-not-real-4711
INLINE=inline-s3cret-not-real-0815
(umask 077 && echo "$SECRET" >"$T/device.secret")
KEY1=$(printf '%064d' 1)
KEY2=$(printf '%064d' 2)
pass=0
fail=0
export VUICCD_UCI_SYSLOG=0 UCI_CONFIG_DIR="$T/etc"

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# the translator in a subshell: $T/out (stdout), $T/err; its status
translate() {
	(
		. "$here/functions.sh"
		. "$dist/vuiccd-uci.sh"
		config_load vuiccd || { echo "config_load failed" >&2; exit 2; }
		vuiccd_uci_conf main
	) >"$T/out" 2>"$T/err"
}

# NAME: /etc/config/vuiccd is $T/etc/vuiccd, the expected text on stdin
expect_conf() {
	local name="$1"

	{ echo "# Written by /etc/init.d/vuiccd from /etc/config/vuiccd: edit that, not this."; cat; } \
		>"$T/expect"
	if ! translate; then
		bad "$name: the translator failed: $(cat "$T/err")"
		return
	fi
	if ! cmp -s "$T/expect" "$T/out"; then
		bad "$name: not the expected vuiccd.conf:"
		diff -u "$T/expect" "$T/out" | sed 's/^/     /'
		return
	fi
	ok "$name: the expected vuiccd.conf"
	# vuiccd reads it (profiles from the test's directory)
	sed "s|^profiles_dir = .*|profiles_dir = $T/profiles|" "$T/out" >"$T/check.conf"
	grep -q '^profiles_dir' "$T/check.conf" || echo "profiles_dir = $T/profiles" >>"$T/check.conf"
	if "$vuiccd" -t -c "$T/check.conf" >"$T/t.out" 2>"$T/t.err"; then
		ok "$name: vuiccd -t accepts it"
	else
		bad "$name: vuiccd -t rejects it: $(cat "$T/t.err")"
	fi
	cat "$T/out" "$T/err" "$T/t.out" "$T/t.err" >>"$T/all"
}

# NAME OPTION: the translator must fail and name OPTION, and print no value
expect_refusal() {
	local name="$1" opt="$2"

	if translate; then
		bad "$name: accepted"
	elif ! grep -q "option '$opt'" "$T/err"; then
		bad "$name: the error does not name option '$opt': $(cat "$T/err")"
	else
		ok "$name: refused ($(head -n 1 "$T/err"))"
	fi
	cat "$T/out" "$T/err" >>"$T/all"
}

# ---- vuiccd.conf from UCI ----

cp "$dist/vuiccd.uci" "$T/etc/vuiccd"
expect_conf "the shipped /etc/config/vuiccd" <<EOC
cards = 1
profiles_dir = /etc/vuicc/profiles
state_dir = /etc/vuicc/state
socket = /var/run/vuicc/vuiccd.sock
log_level = info
writeback_ms = 2000
keep_enabled = yes
apn = internet
connect = yes
EOC

cat >"$T/etc/vuiccd" <<EOU
# lists, booleans in UCI's spellings, a comment   # and a trailing one
config vuiccd 'main'
	option cards 2
	option profiles_dir '$T/profiles'
	option state_dir "$T/state"
	option keep_enabled 0
	option connect 'off'
	option switchback 'true'
	option apn internet.example
	list enable 'seed-a'
	list enable 'seed-b'
	list modem '0 /dev/ttyUSB2'
	list modem '1 /dev/ttyUSB6'
	list modem_scan_port '0 /dev/ttyUSB3'
	list modem_vuicc_slot '1 2'
EOU
expect_conf "lists and booleans" <<EOC
cards = 2
profiles_dir = $T/profiles
state_dir = $T/state
keep_enabled = no
apn = internet.example
connect = no
switchback = yes
enable = seed-a
enable = seed-b
modem = 0 /dev/ttyUSB2
modem = 1 /dev/ttyUSB6
modem_scan_port = 0 /dev/ttyUSB3
modem_vuicc_slot = 1 2
EOC

cat >"$T/etc/vuiccd" <<EOU
config vuiccd 'main'
	option profiles_dir '$T/profiles'
	option share 'master'
	option share_profile 'vsim-home'
	option share_profile_file '/etc/vuicc/shared/vsim-home.conf'
	option share_listen 'rfcomm:3'
	option share_key_file '/etc/vuicc/share.key'
	option share_mode 'compare'
	option share_lease_ms '60000'
	list share_peer_key '$KEY1'
	list share_peer_key '$KEY2'
EOU
expect_conf "a sharing master" <<EOC
profiles_dir = $T/profiles
share = master
share_profile = vsim-home
share_profile_file = /etc/vuicc/shared/vsim-home.conf
share_listen = rfcomm:3
share_key_file = /etc/vuicc/share.key
share_mode = compare
share_lease_ms = 60000
share_peer_key = $KEY1
share_peer_key = $KEY2
EOC

cat >"$T/etc/vuiccd" <<EOU
config vuiccd 'main'
	option profiles_dir '$T/profiles'
	option share 'slave'
	option share_profile 'vsim-home'
	option share_connect 'rfcomm:00:1A:7D:DA:71:13:3'
	option share_key_file '/etc/vuicc/share.key'
	option share_want '0'
	list share_peer_key '$KEY1'
EOU
expect_conf "a sharing slave" <<EOC
profiles_dir = $T/profiles
share = slave
share_profile = vsim-home
share_connect = rfcomm:00:1A:7D:DA:71:13:3
share_key_file = /etc/vuicc/share.key
share_want = no
share_peer_key = $KEY1
EOC

cat >"$T/etc/vuiccd" <<EOU
config vuiccd 'main'
	option profiles_dir '$T/profiles'
	option policy '1'
	option weight_signal '0.7'
	option weight_tariff '0.3'
	option server_url 'https://sim.example.net/v1'
	option device_id 'board-0001'
	option device_secret_file '$T/device.secret'
	option data_check 'dns:example.net@192.0.2.1'
EOU
expect_conf "the policy and the SIM server" <<EOC
profiles_dir = $T/profiles
policy = yes
weight_signal = 0.7
weight_tariff = 0.3
data_check = dns:example.net@192.0.2.1
server_url = https://sim.example.net/v1
device_id = board-0001
device_secret_file = $T/device.secret
EOC

# ---- refused ----

printf "config vuiccd 'main'\n\toption apn 'internet\nstate_dir = /tmp'\n" >"$T/etc/vuiccd"
expect_refusal "a newline in a value" apn
printf "config vuiccd 'main'\n\toption device_id 'board\"0001'\n" >"$T/etc/vuiccd"
expect_refusal "a quote in a value" device_id
printf "config vuiccd 'main'\n\tlist modem '0 /dev/tty\\\\USB2'\n" >"$T/etc/vuiccd"
expect_refusal "a backslash in a list item" modem
printf "config vuiccd 'main'\n\toption state_dir ' /etc/vuicc/state'\n" >"$T/etc/vuiccd"
expect_refusal "a leading space" state_dir
printf "config vuiccd 'main'\n\toption connect 'maybe'\n" >"$T/etc/vuiccd"
expect_refusal "not a boolean" connect
printf "config vuiccd 'main'\n\toption device_secret '%s'\n" "$INLINE" >"$T/etc/vuiccd"
expect_refusal "an inline device_secret" device_secret

# ---- the file vuiccd reads: written, checked, replaced only when valid ----

prepare() {
	(
		. "$here/functions.sh"
		. "$dist/vuiccd-uci.sh"
		config_load vuiccd || exit 2
		VUICCD_BIN=$vuiccd vuiccd_uci_prepare main "$T/run/vuicc/vuiccd.conf" || exit 1
		echo "$VUICCD_UCI_PATH $VUICCD_UCI_CHANGED"
	) 2>>"$T/all"
}
printf "config vuiccd 'main'\n\toption profiles_dir '%s'\n\toption apn 'a.example'\n" "$T/profiles" \
	>"$T/etc/vuiccd"
r=$(prepare)
mode=$(stat -c %a "$T/run/vuicc/vuiccd.conf" 2>/dev/null)
[ "$r" = "$T/run/vuicc/vuiccd.conf 1" ] && [ "$mode" = 600 ] &&
	ok "prepare: written, mode 0600, changed" || bad "prepare: '$r', mode '$mode'"
r=$(prepare)
[ "$r" = "$T/run/vuicc/vuiccd.conf 0" ] && ok "prepare again: unchanged (a reload sends SIGHUP)" ||
	bad "prepare again: '$r'"
sed -i 's/a.example/b.example/' "$T/etc/vuiccd"
r=$(prepare)
[ "$r" = "$T/run/vuicc/vuiccd.conf 1" ] && grep -q '^apn = b.example$' "$T/run/vuicc/vuiccd.conf" &&
	ok "prepare after a change: changed (a reload restarts)" || bad "prepare after a change: '$r'"
sum=$(md5sum <"$T/run/vuicc/vuiccd.conf")
printf "config vuiccd 'main'\n\toption profiles_dir '%s'\n\toption share 'master'\n" "$T/profiles" \
	>"$T/etc/vuiccd"
: >"$T/all.before"
if r=$(prepare); then
	bad "prepare: vuiccd -t did not reject a master without share_listen: '$r'"
elif [ "$(md5sum <"$T/run/vuicc/vuiccd.conf")" != "$sum" ] || [ -e "$T/run/vuicc/vuiccd.conf.new" ]; then
	bad "prepare: a rejected configuration replaced the file"
elif ! grep -q "vuiccd -t: .*share" "$T/all"; then
	bad "prepare: no vuiccd -t error logged"
else
	ok "prepare: vuiccd -t rejects it, the previous file stays"
fi
echo "apn = mine" >"$T/my.conf"
cp "$T/my.conf" "$T/my.conf.orig"
printf "config vuiccd 'main'\n\toption config_file '%s'\n\toption apn 'ignored'\n" "$T/my.conf" \
	>"$T/etc/vuiccd"
rm -f "$T/run/vuicc/vuiccd.conf"
r1=$(prepare)
r2=$(prepare)
echo "apn = mine2" >"$T/my.conf"
r3=$(prepare)
[ "$r1" = "$T/my.conf 1" ] && [ "$r2" = "$T/my.conf 0" ] && [ "$r3" = "$T/my.conf 1" ] &&
	[ ! -e "$T/run/vuicc/vuiccd.conf" ] &&
	ok "config_file: used as it is, not rewritten; a change seen" ||
	bad "config_file: '$r1' '$r2' '$r3'"

# ---- the init scripts against stubs of procd ----

procd_open_instance() { echo "instance ${1:-}"; }
procd_set_param() { echo "set $*"; }
procd_append_param() { echo "append $*"; }
procd_close_instance() { echo "close"; }
procd_send_signal() { echo "signal $*"; }
procd_add_reload_trigger() { echo "trigger $*"; }
modprobe() { :; }
insmod() { :; }

init_run() {	# SCRIPT FUNCTION...: its procd calls on stdout
	(
		. "$here/functions.sh"
		# shellcheck disable=SC2317 # (called by the script's reload_service)
		start() { echo "start"; }
		# shellcheck disable=SC1090
		. "$1"
		PROG=$vuiccd
		VUICCD_CONF=$T/run/vuicc/vuiccd.conf
		VUICCD_UCI_SH=$dist/vuiccd-uci.sh
		shift
		for f; do "$f"; done
	) 2>>"$T/all"
}
printf "config vuiccd 'main'\n\toption profiles_dir '%s'\n" "$T/profiles" >"$T/etc/vuiccd"
rm -rf "$T/run/vuicc"
got=$(init_run "$dist/vuiccd.init" start_service reload_service service_triggers | tr '\n' ';')
want="instance ;set command $vuiccd -f -c $T/run/vuicc/vuiccd.conf;set respawn 3600 2 0;set stderr 1;"
want="${want}set file $T/run/vuicc/vuiccd.conf;close;signal vuiccd * HUP;trigger vuiccd;"
[ "$got" = "$want" ] && ok "vuiccd.init: start, reload unchanged (SIGHUP), trigger" ||
	bad "vuiccd.init: got '$got'"
printf "\toption apn 'c.example'\n" >>"$T/etc/vuiccd"
got=$(init_run "$dist/vuiccd.init" reload_service | tr '\n' ';')
[ "$got" = "start;" ] && ok "vuiccd.init: reload after a change restarts (start)" ||
	bad "vuiccd.init: reload after a change: '$got'"
printf "\toption enabled '0'\n" >>"$T/etc/vuiccd"
got=$(init_run "$dist/vuiccd.init" start_service | tr '\n' ';')
[ -z "$got" ] && ok "vuiccd.init: enabled 0 starts nothing" || bad "vuiccd.init: enabled 0: '$got'"

cp "$dist/vuicc.uci" "$T/etc/vuicc"
got=$(init_run "$dist/vuicc-t0.init" start_service; init_run "$dist/vuicc-sap.init" start_service)
[ -z "$got" ] && ok "the shipped /etc/config/vuicc starts nothing" || bad "shipped vuicc: '$got'"
cat >"$T/etc/vuicc" <<'EOU'
config t0 'modem0'
	option card '0'
	option tty '/dev/ttyS1'
	option args '--clock 3840000 --reset dcd'
config sap 'sap0'
	option card '1'
	option rfcomm '8'
	list listen 'unix:/var/run/vuicc-sap0.sock'
	list allow_bdaddr '00:1A:7D:DA:71:13'
config sap 'off'
	option enabled '0'
	option card '2'
EOU
got=$(init_run "$dist/vuicc-t0.init" start_service service_triggers | tr '\n' ';')
want="instance modem0;set command /usr/bin/vuiccctl attach --foreground --card 0 /dev/ttyS1 --clock"
want="$want 3840000 --reset dcd;set respawn 3600 2 0;set stderr 1;close;trigger vuicc;"
[ "$got" = "$want" ] && ok "vuicc-t0.init: one line, trigger" || bad "vuicc-t0.init: got '$got'"
got=$(init_run "$dist/vuicc-sap.init" start_service service_triggers | tr '\n' ';')
want="instance sap0;set command /usr/bin/vuicc-sap --card 1;append command --rfcomm 8;"
want="${want}append command --listen unix:/var/run/vuicc-sap0.sock;"
want="${want}append command --allow-bdaddr 00:1A:7D:DA:71:13;set respawn 3600 2 0;set stderr 1;close;"
want="${want}trigger vuicc;"
[ "$got" = "$want" ] && ok "vuicc-sap.init: one server (one disabled), trigger" ||
	bad "vuicc-sap.init: got '$got'"

# ---- no secret anywhere ----
if grep -q -e "$SECRET" -e "$INLINE" "$T/all" "$T/run" -r 2>/dev/null; then
	bad "a secret appears in the output or the generated files"
else
	ok "no secret in any output or generated file"
fi

echo "uci_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
