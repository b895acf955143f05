# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# A test shim of the part of OpenWrt's /lib/functions.sh that vuicc's init
# scripts use: config_load, config_get, config_get_bool, config_foreach,
# config_list_foreach.  Written for the host test (uci_test.sh); it is not
# OpenWrt's code.  OpenWrt's config_load evaluates `uci export`; here a
# small awk tokenizer reads $UCI_CONFIG_DIR/NAME (UCI's file syntax: package,
# config TYPE [NAME], option NAME VALUE, list NAME VALUE; '#' comments; words
# bare, in '...' or in "..." with backslash escapes; a quoted value may span
# lines) and prints the same calls, each word single-quoted, to evaluate.
# Variables as OpenWrt keeps them: CONFIG_<section>_<option>, a list's items
# as CONFIG_<section>_<option>_ITEM<n> and _LENGTH, CONFIG_<section>_TYPE.

UCI_CONFIG_DIR=${UCI_CONFIG_DIR:-/etc/config}
CONFIG_SECTIONS=
CONFIG_NUM_SECTIONS=0
CONFIG_SECTION=

_uci_name_ok() {
	case $1 in
	'' | *[!A-Za-z0-9_]*) echo "uci shim: '$1' is not a section or option name" >&2; return 1 ;;
	esac
}

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$CONFIG_NUM_SECTIONS}
	_uci_name_ok "$CONFIG_SECTION" || return 1
	CONFIG_SECTIONS="$CONFIG_SECTIONS $CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
}

option() {
	_uci_name_ok "$1" || return 1
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}

list() {
	local n

	_uci_name_ok "$1" || return 1
	eval "n=\$((\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0} + 1))"
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$n"
}

package() {
	:
}

# the file as shell calls, every word single-quoted; 1 on a syntax error
_uci_export() {
	awk '
	function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
	function flush(   i, out) {
		if (!n)
			return
		if (w[1] != "package" && w[1] != "config" && w[1] != "option" && w[1] != "list") {
			printf "%s:%d: unknown keyword %s\n", FILENAME, sline, w[1] > "/dev/stderr"
			bad = 1
		} else if ((w[1] == "option" || w[1] == "list") && n != 3) {
			printf "%s:%d: %s needs a name and one value\n", FILENAME, sline, w[1] > "/dev/stderr"
			bad = 1
		}
		out = w[1]
		for (i = 2; i <= n; i++)
			out = out " " q(w[i])
		print out
		n = 0
	}
	{ text = text $0 "\n" }
	END {
		len = length(text); line = 1; n = 0; i = 1
		while (i <= len && !bad) {
			c = substr(text, i, 1)
			if (c == "\n") { flush(); line++; i++; continue }
			if (c == " " || c == "\t" || c == "\r") { i++; continue }
			if (c == "#") { while (i <= len && substr(text, i, 1) != "\n") i++; continue }
			if (!n) sline = line
			word = ""
			while (i <= len) {
				c = substr(text, i, 1)
				if (c == " " || c == "\t" || c == "\n" || c == "\r" || c == "#") break
				if (c == "\047") {
					i++
					while (i <= len && (c = substr(text, i, 1)) != "\047") {
						if (c == "\n") line++
						word = word c; i++
					}
					if (i > len) { printf "%s:%d: unterminated quote\n", FILENAME, sline > "/dev/stderr"; bad = 1; break }
					i++
				} else if (c == "\"") {
					i++
					while (i <= len && (c = substr(text, i, 1)) != "\"") {
						if (c == "\\" && i < len) { i++; c = substr(text, i, 1) }
						if (c == "\n") line++
						word = word c; i++
					}
					if (i > len) { printf "%s:%d: unterminated quote\n", FILENAME, sline > "/dev/stderr"; bad = 1; break }
					i++
				} else {
					if (c == "\\" && i < len) { i++; c = substr(text, i, 1) }
					word = word c; i++
				}
			}
			w[++n] = word
		}
		if (!bad) flush()
		exit bad
	}' "$1"
}

config_load() {
	local text

	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	CONFIG_SECTION=
	[ -f "$UCI_CONFIG_DIR/$1" ] || return 1
	text=$(_uci_export "$UCI_CONFIG_DIR/$1") || return 1
	eval "$text"
}

# config_get VAR SECTION OPTION [DEFAULT], or config_get SECTION OPTION (printed)
config_get() {
	case $3 in
	'')
		_uci_name_ok "$1" && _uci_name_ok "$2" || return 1
		eval "printf '%s\n' \"\${CONFIG_$1_$2:-}\"" ;;
	*)
		_uci_name_ok "$1" && _uci_name_ok "$2" && _uci_name_ok "$3" || return 1
		eval "$1=\${CONFIG_$2_$3:-\${4:-}}" ;;
	esac
}

config_get_bool() {
	local _v

	config_get _v "$2" "$3" "${4:-}"
	case $_v in
	1 | on | true | yes | enabled) _v=1 ;;
	0 | off | false | no | disabled) _v=0 ;;
	*) _v=${4:-} ;;
	esac
	eval "$1=\$_v"
}

# config_foreach FUNCTION [TYPE] [ARG...]
config_foreach() {
	local fn="$1" type="$2" s t

	shift
	[ $# -gt 0 ] && shift
	for s in $CONFIG_SECTIONS; do
		eval "t=\${CONFIG_${s}_TYPE}"
		[ -z "$type" ] || [ "$t" = "$type" ] || continue
		"$fn" "$s" "$@"
	done
}

# config_list_foreach SECTION OPTION FUNCTION [ARG...]: FUNCTION ITEM ARG...
config_list_foreach() {
	local s="$1" o="$2" fn="$3" n i=1 v

	shift 3
	_uci_name_ok "$s" && _uci_name_ok "$o" || return 1
	eval "n=\${CONFIG_${s}_${o}_LENGTH:-0}"
	while [ "$i" -le "$n" ]; do
		eval "v=\${CONFIG_${s}_${o}_ITEM$i}"
		"$fn" "$v" "$@"
		i=$((i + 1))
	done
}
