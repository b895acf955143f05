# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# /etc/config/vuiccd (UCI) -> vuiccd.conf, for /etc/init.d/vuiccd.
# Installed as /usr/share/vuicc/vuiccd-uci.sh; sourced after OpenWrt's
# /lib/functions.sh (config_load, config_get, config_list_foreach), or after
# tools/testing/openwrt/functions.sh, the host test's shim of them.
#
#   config_load vuiccd
#   vuiccd_uci_conf main            the vuiccd.conf text on stdout; 1 on a bad value
#   vuiccd_uci_prepare main FILE    the file vuiccd is to read: option config_file
#                                   as it is, or FILE written from the section
#                                   (umask 077, checked with vuiccd -t, replaced
#                                   only when valid); sets VUICCD_UCI_PATH and
#                                   VUICCD_UCI_CHANGED (1: not what vuiccd read
#                                   last time)
#
# Errors go to standard error and (VUICCD_UCI_SYSLOG=1, the default) syslog.
# They name the option and what is wrong, never the value: a value pasted
# into the wrong option may be a secret.
# Documentation/admin-guide/vuicc-openwrt.rst describes the options.

# vuiccd.conf keys given at most once, in the order they are written
VUICCD_UCI_ONCE='cards card_base profiles_dir state_dir socket socket_group log
log_level writeback_ms keep_enabled apn connect policy weight_signal
weight_tariff tariff_min tariff_max t_card_ms t_register_ms t_dial_ms t_data_ms
t_scan_ms switchback switchback_ms vsim vsim_retry_ms standby_count data_check
data_check_interval_ms data_check_failures data_check_timeout_ms server_url
device_id device_secret_file server_ca device_cert device_key server_timeout_ms
server_attempts share share_profile share_profile_file share_listen
share_connect share_adapter share_netns share_key_file share_mode share_want share_lease_ms
share_drift_ms share_guard_ms share_answer_ms share_retry_ms'
# the keys that repeat: UCI lists ("modem = CARD TTY" once per card)
VUICCD_UCI_LISTS='enable modem modem_scan_port modem_vuicc_slot share_peer_key'
# yes/no keys: UCI's 1/0, on/off, true/false, enabled/disabled are taken too
VUICCD_UCI_BOOLS='keep_enabled connect switchback vsim share_want'

vuiccd_uci_err() {
	printf 'vuiccd: %s\n' "$*" >&2
	if [ "${VUICCD_UCI_SYSLOG:-1}" = 1 ] && command -v logger >/dev/null 2>&1; then
		logger -t vuiccd -p daemon.err -- "$*"
	fi
	return 1
}

# $1 = option, $2 = value: 0 if vuiccd.conf can carry it as one "key = value" line
vuiccd_uci_value_ok() {
	case $2 in
	*[[:cntrl:]]*)
		vuiccd_uci_err "/etc/config/vuiccd: option '$1': a newline or another control" \
			"character (vuiccd.conf holds one value per line)"
		return 1 ;;
	*[\"\'\`\\]*)
		vuiccd_uci_err "/etc/config/vuiccd: option '$1': quotes or backslashes (no" \
			"vuiccd key takes them; vuiccd.conf has no quoting)"
		return 1 ;;
	[[:space:]]* | *[[:space:]])
		vuiccd_uci_err "/etc/config/vuiccd: option '$1': spaces at the start or the end"
		return 1 ;;
	esac
	if [ "${#2}" -gt 900 ]; then
		vuiccd_uci_err "/etc/config/vuiccd: option '$1': longer than 900 characters"
		return 1
	fi
	return 0
}

# $1 = option, $2 = value: yes or no on stdout
vuiccd_uci_bool() {
	case $2 in
	1 | yes | on | true | enabled) echo yes ;;
	0 | no | off | false | disabled) echo no ;;
	*)
		vuiccd_uci_err "/etc/config/vuiccd: option '$1': not a boolean (1/0, yes/no)"
		return 1 ;;
	esac
}

# config_list_foreach's callback: $1 = value, $2 = key; a bad value is
# remembered in VUICCD_UCI_BAD (the callback's status is not passed on)
vuiccd_uci_item() {
	if vuiccd_uci_value_ok "$2" "$1"; then
		printf '%s = %s\n' "$2" "$1"
	else
		VUICCD_UCI_BAD=1
	fi
}

# $1 = section: the vuiccd.conf text on stdout; 1 on any bad value
vuiccd_uci_conf() {
	local cfg="$1" key val bad=0

	config_get val "$cfg" device_secret
	if [ -n "$val" ]; then
		vuiccd_uci_err "/etc/config/vuiccd: option 'device_secret' is not taken: put" \
			"the secret in a file only root reads (chmod 600) and set" \
			"device_secret_file to its path"
		bad=1
	fi
	echo "# Written by /etc/init.d/vuiccd from /etc/config/vuiccd: edit that, not this."
	for key in $VUICCD_UCI_ONCE; do
		config_get val "$cfg" "$key"
		[ -n "$val" ] || continue
		vuiccd_uci_value_ok "$key" "$val" || { bad=1; continue; }
		case " $VUICCD_UCI_BOOLS " in
		*" $key "*) val=$(vuiccd_uci_bool "$key" "$val") || { bad=1; continue; } ;;
		esac
		# policy: yes, no, or the name of the source's method
		if [ "$key" = policy ] && [ "$val" != cn105491555a ]; then
			val=$(vuiccd_uci_bool "$key" "$val") || { bad=1; continue; }
		fi
		printf '%s = %s\n' "$key" "$val"
	done
	VUICCD_UCI_BAD=0
	for key in $VUICCD_UCI_LISTS; do
		config_list_foreach "$cfg" "$key" vuiccd_uci_item "$key"
	done
	[ "$VUICCD_UCI_BAD" = 0 ] || bad=1
	return "$bad"
}

# $1 = section, $2 = the file to write; sets VUICCD_UCI_PATH, VUICCD_UCI_CHANGED
vuiccd_uci_prepare() {
	local cfg="$1" out="$2" file sum old out_err

	VUICCD_UCI_PATH=
	VUICCD_UCI_CHANGED=1
	mkdir -p "${out%/*}" || return 1
	config_get file "$cfg" config_file
	if [ -n "$file" ]; then
		# the escape hatch: the user's own vuiccd.conf, read as it is; only
		# its checksum is kept, to tell a reload whether it changed
		[ -f "$file" ] || { vuiccd_uci_err "config_file $file: no such file"; return 1; }
		sum=$(md5sum <"$file") || return 1
		old=$(cat "$out.md5" 2>/dev/null)
		[ "$sum" = "$old" ] && VUICCD_UCI_CHANGED=0
		(umask 077 && echo "$sum" >"$out.md5")
		VUICCD_UCI_PATH=$file
		return 0
	fi
	rm -f "$out.md5"
	(umask 077 && vuiccd_uci_conf "$cfg" >"$out.new") || { rm -f "$out.new"; return 1; }
	# what vuiccd would say about it: a bad file never replaces a good one
	if [ -x "${VUICCD_BIN:-/usr/sbin/vuiccd}" ] &&
		! out_err=$("${VUICCD_BIN:-/usr/sbin/vuiccd}" -t -c "$out.new" 2>&1 >/dev/null); then
		vuiccd_uci_err "/etc/config/vuiccd: vuiccd -t: ${out_err#vuiccd: }"
		rm -f "$out.new"
		return 1
	fi
	if cmp -s "$out.new" "$out"; then
		VUICCD_UCI_CHANGED=0
		rm -f "$out.new"
	else
		mv -f "$out.new" "$out" || return 1
	fi
	VUICCD_UCI_PATH=$out
	return 0
}
