#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (vuicc-dkms, vuiccd, vuicc-tools) installed, used and
# purged in the VM, on a writable copy of the host's root:
#
#   make deb                      # the .debs into ~/.cache/vuicc/deb (DEBDIR)
#   nice -n 19 tools/testing/vm/run --kernel distro-6.12 --no-load --timeout 1500 -- \
#       tools/testing/selftests/vuicc/pkg_test.sh DEBDIR
#
# (DEBDIR may also come as VUICC_DEBDIR; it must not be under /tmp, which
# the guest replaces.)  The guest's root is the host's, read-only: this
# script puts an overlay on it (lowerdir=/, upper and work on a tmpfs),
# binds /proc /sys /dev /run /tmp into it, shows the booted kernel's own
# modules at /lib/modules/$(uname -r) (writable, for DKMS) and runs itself
# again in a chroot there, where it:
#   - installs the three packages with dpkg -i: vuicc-dkms's postinst has
#     DKMS build vuicc.ko against /lib/modules/$(uname -r)/build (the
#     host's linux-headers-$(uname -r)) and install it;
#   - loads that module and runs the char-device kselftest
#     (build/selftests/vuicc/chardev, made by `make tools`) against it;
#   - starts vuiccd from the installed unit's ExecStartPre/ExecStart lines
#     (there is no systemd as PID 1 here) and asks `vuiccctl status`;
#   - runs the hook a linux-headers package runs on installation
#     (/etc/kernel/header_postinst.d/dkms) for another kernel whose headers
#     are installed, and checks DKMS built the module for that kernel;
#   - purges the three packages and checks what is left.
# Prints TAP-like ok / not ok lines; exits non-zero on any failure.  Nothing
# of it reaches the host: the overlay's upper layer is a tmpfs.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
debdir=${1:-${VUICC_DEBDIR:-}}
krel=$(uname -r)
# (the chroot's run continues the counts and the clock of the one outside)
pass=${VUICC_PKG_PASS:-0}
failed=0
start=${VUICC_PKG_START:-$(date +%s)}

ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; failed=$((failed + 1)); return 1; }
note() { echo "# $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
finish() {
	note "pkg_test: $pass ok, $failed not ok, $(($(date +%s) - start)) s"
	[ "$failed" = 0 ]
	exit
}
# a command that must exist: CMD PACKAGE
need() {
	if command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	nok "'$1' found (install $2: make deps)"
	return 1
}

# ---- outside: the writable root ----
outside() {
	local w=/tmp/pkg-root root d rc kmods
	if [ "${VUICC_VM:-}" != 1 ] || [ "$(id -u)" != 0 ]; then
		# dpkg -i and mounts on the host itself would be no test
		nok "runs as root in the VM harness (tools/testing/vm/run ... -- $0 DEBDIR)"
		finish
	fi
	if [ -z "$debdir" ] || [ ! -d "$debdir" ]; then
		nok "DEBDIR given and a directory (argument or VUICC_DEBDIR; make deb makes it)"
		finish
	fi
	debdir=$(cd "$debdir" && pwd)
	case "$debdir" in
	/tmp/*) nok "DEBDIR outside /tmp (the guest's /tmp is a fresh tmpfs): $debdir"; finish ;;
	esac
	need chroot coreutils || finish
	need mount mount || finish
	if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
		# the booted kernel's own modules (vm/init shows them at /lib/modules)
		insmod "$(find "/lib/modules/$krel/" -name 'overlay.ko*' | head -n 1)" 2>/dev/null
	fi
	check "overlayfs available" grep -qw overlay /proc/filesystems || finish

	mkdir -p $w
	mount -t tmpfs -o mode=0755 tmpfs $w
	mkdir -p $w/upper $w/work $w/root $w/mupper $w/mwork
	root=$w/root
	if ! mount -t overlay overlay -o lowerdir=/,upperdir=$w/upper,workdir=$w/work "$root"; then
		nok "overlay on / (lowerdir=/, upper on a tmpfs)"
		finish
	fi
	ok "writable root: overlay on the host's / (upper on a tmpfs)"
	for d in proc sys dev run tmp; do
		mount --rbind "/$d" "$root/$d" || { nok "bind /$d into the overlay"; finish; }
	done
	# The booted kernel's modules, writable (DKMS installs beside them);
	# the host's build and source links (linux-headers-$krel) kept.
	kmods=/lib/modules/$krel
	if [ -e "$kmods/modules.dep" ]; then
		mkdir -p "$root$kmods"
		for d in build source; do
			[ -L "$root$kmods/$d" ] && cp -P "$root$kmods/$d" $w/mupper/
		done
		mount -t overlay overlay -o lowerdir="$kmods",upperdir=$w/mupper,workdir=$w/mwork \
			"$root$kmods" || { nok "the booted kernel's modules at $kmods"; finish; }
	fi
	note "chroot $root (the host's / with a tmpfs upper layer)"
	chroot "$root" /usr/bin/env VUICC_PKG_CHROOT=1 VUICC_DEBDIR="$debdir" \
		DEBIAN_FRONTEND=noninteractive \
		VUICC_PKG_PASS=$pass VUICC_PKG_START=$start \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash "$self" "$debdir"
	rc=$?
	umount -R -l "$root" 2>/dev/null
	umount -l $w 2>/dev/null
	exit $rc
}

# ---- inside the chroot ----
mod_file() {	# KREL: the DKMS-installed module's path
	find "/lib/modules/$1/updates" -name 'vuicc.ko*' 2>/dev/null | head -n 1
}

# CMD... with its output kept, shown (the last lines) only on failure
logged() {
	local log rc
	log=$(mktemp)
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		grep -E '^dpkg: |rror|[Ff]ail' "$log" | head -n 20 | sed 's/^/#   /'
		echo "#   ..."
		tail -n 20 "$log" | sed 's/^/#   /'
	fi
	rm -f "$log"
	return $rc
}

# one Exec line of the installed unit: its program and arguments (the
# prefixes -@:+! dropped), run here
unit_exec() {	# KEY UNITFILE
	sed -n "s/^$1=[-@:+!]*//p" "$2"
}

inside() {
	local debs=() argv=() p f d other ko vm_mod pid line i st unit=/lib/systemd/system/vuiccd.service
	local tools_ok=1

	need dpkg dpkg || tools_ok=0
	need dkms dkms || tools_ok=0
	need make make || tools_ok=0
	need gcc gcc || tools_ok=0
	need modprobe kmod || tools_ok=0
	need modinfo kmod || tools_ok=0
	need xz xz-utils || tools_ok=0
	[ $tools_ok = 1 ] || finish
	if [ -e "/lib/modules/$krel/build/Makefile" ]; then
		ok "headers of the running kernel: /lib/modules/$krel/build"
	else
		nok "headers of the running kernel: /lib/modules/$krel/build missing: install linux-headers-$krel (make deps)"
		finish
	fi
	for p in vuicc-dkms vuiccd vuicc-tools; do
		f=$(ls "$debdir/${p}_"*.deb 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$f" ]; then
			nok "$p .deb in $debdir (make deb)"
			finish
		fi
		debs+=("$f")
	done
	note "packages: ${debs[*]##*/}"
	# man-db's trigger rebuilds its index: slow under emulation, not tested here
	rm -f /var/lib/man-db/auto-update

	# ---- install: DKMS builds the module for the running kernel ----
	note "dpkg -i (DKMS builds vuicc.ko for $krel: minutes under emulation)"
	i=$(date +%s)
	check "dpkg -i vuicc-dkms vuiccd vuicc-tools" logged dpkg -i "${debs[@]}" || finish
	note "dpkg -i took $(($(date +%s) - i)) s"
	check "dkms status: vuicc installed for $krel" \
		sh -c "dkms status -m vuicc -k '$krel' | grep -q ': installed'"
	ko=$(mod_file "$krel")
	check "the DKMS module is in /lib/modules/$krel/updates ($ko)" test -n "$ko"
	check "its vermagic is $krel" sh -c "modinfo -F vermagic '$ko' | grep -q '^$krel '"
	check "/usr/src/vuicc-* holds the module source and dkms.conf" \
		sh -c 'test -f /usr/src/vuicc-*/dkms.conf && test -f /usr/src/vuicc-*/Kbuild'
	check "modprobe vuicc cards=2" modprobe vuicc cards=2
	check "the loaded module is the DKMS one (srcversion)" \
		test "$(cat /sys/module/vuicc/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko")"
	check "/dev/vuicc0 and /dev/vuicc1" test -c /dev/vuicc0 -a -c /dev/vuicc1

	# ---- the char-device kselftest against the DKMS module ----
	# (it reloads the module from $VUICC_MODDIR/vuicc.ko: the DKMS one, unpacked)
	vm_mod=$(mktemp -d)
	case "$ko" in
	*.xz) xz -dc "$ko" >"$vm_mod/vuicc.ko" ;;
	*) cp "$ko" "$vm_mod/vuicc.ko" ;;
	esac
	if [ -x "$top/build/selftests/vuicc/chardev" ]; then
		note "running build/selftests/vuicc/chardev (VUICC_MODDIR: the DKMS module)"
		i=$(date +%s)
		if VUICC_MODDIR=$vm_mod "$top/build/selftests/vuicc/chardev" >"$vm_mod/log" 2>&1; then
			ok "char-device kselftest on the DKMS-built module ($(grep -c '^ok ' "$vm_mod/log") cases, $(($(date +%s) - i)) s)"
		else
			grep -E '^(not ok|#)' "$vm_mod/log" | tail -n 30 | sed 's/^/#   /'
			nok "char-device kselftest on the DKMS-built module"
		fi
	else
		nok "build/selftests/vuicc/chardev built (make tools)"
	fi

	# ---- vuiccd as its unit starts it ----
	note "no systemd as PID 1 here: running vuiccd.service's ExecStartPre/ExecStart by hand"
	note "(RuntimeDirectory=vuicc made with mkdir; the unit's sandboxing is not applied)"
	check "postinst made /var/lib/vuicc, mode 0700" \
		test "$(stat -c %a /var/lib/vuicc 2>/dev/null)" = 700
	check "/etc/vuicc/vuiccd.conf is a conffile of vuiccd" \
		sh -c "dpkg-query -W -f='\${Conffiles}' vuiccd | grep -q '/etc/vuicc/vuiccd.conf'"
	check "vuiccd.service enabled (multi-user.target.wants)" \
		test -L /etc/systemd/system/multi-user.target.wants/vuiccd.service
	install -d -m 0755 /run/vuicc
	st=0
	while IFS= read -r line; do
		note "ExecStartPre: $line"
		read -r -a argv <<<"$line"
		"${argv[@]}" || st=1
	done < <(unit_exec ExecStartPre "$unit")
	check "ExecStartPre lines succeed" test $st = 0
	line=$(unit_exec ExecStart "$unit" | head -n 1)
	note "ExecStart: $line"
	read -r -a argv <<<"$line"
	"${argv[@]}" >/tmp/vuiccd.log 2>&1 &
	pid=$!
	st=1
	for i in $(seq 300); do
		if vuiccctl status >/tmp/vuiccctl.out 2>&1; then
			st=0
			break
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	check "vuiccctl status answers (the daemon from the package)" test $st = 0
	check "vuiccctl status names card 0" grep -q 'card 0' /tmp/vuiccctl.out
	sed 's/^/#   /' /tmp/vuiccctl.out | head -n 8
	kill -TERM $pid 2>/dev/null
	st=1
	for i in $(seq 100); do
		kill -0 $pid 2>/dev/null || { st=0; break; }
		sleep 0.1
	done
	wait $pid 2>/dev/null
	check "vuiccd stops on SIGTERM (systemctl stop)" test $st = 0
	[ $st = 0 ] || { kill -KILL $pid 2>/dev/null; sed 's/^/#   /' /tmp/vuiccd.log | tail -n 10; }
	check "vuicc-sap and vuicc-vpcd installed" test -x /usr/bin/vuicc-sap -a -x /usr/bin/vuicc-vpcd
	check "vuicc-sap@ and vuicc-t0@ units installed" \
		test -f /lib/systemd/system/vuicc-sap@.service -a -f /lib/systemd/system/vuicc-t0@.service

	# ---- a new kernel's headers: DKMS builds for it ----
	other=
	for d in /lib/modules/*/; do
		d=${d%/}; d=${d##*/}
		[ "$d" != "$krel" ] && [ -e "/lib/modules/$d/build/Makefile" ] && other=$d
	done
	if [ -n "$other" ]; then
		note "the linux-headers hook for $other: /etc/kernel/header_postinst.d/dkms $other"
		i=$(date +%s)
		check "header_postinst.d/dkms $other succeeds" \
			logged /etc/kernel/header_postinst.d/dkms "$other"
		note "the build for $other took $(($(date +%s) - i)) s"
		check "dkms status: vuicc installed for $other" \
			sh -c "dkms status -m vuicc -k '$other' | grep -q ': installed'"
		ko=$(mod_file "$other")
		check "a module for $other in /lib/modules/$other/updates ($ko)" test -n "$ko"
		check "its vermagic is $other" sh -c "modinfo -F vermagic '$ko' | grep -q '^$other '"
	else
		ok "# SKIP no second kernel with headers in /lib/modules (install e.g. linux-headers-amd64)"
	fi

	# ---- purge ----
	rmmod vuicc 2>/dev/null
	check "vuicc unloaded before the purge" test ! -d /sys/module/vuicc
	check "dpkg --purge vuicc-tools vuiccd vuicc-dkms" \
		logged dpkg --purge vuicc-tools vuiccd vuicc-dkms
	check "no /usr/src/vuicc-*" sh -c '! ls -d /usr/src/vuicc-* 2>/dev/null | grep -q .'
	check "no vuicc in DKMS's tree (/var/lib/dkms/vuicc)" test ! -e /var/lib/dkms/vuicc
	check "no vuicc.ko left in /lib/modules" \
		sh -c '! find /lib/modules/ -name "vuicc.ko*" 2>/dev/null | grep -q .'
	check "no /etc/vuicc (conffile and profiles dir purged)" test ! -e /etc/vuicc
	check "no /var/lib/vuicc (postrm purge)" test ! -e /var/lib/vuicc
	check "no programs left" sh -c '! ls /usr/sbin/vuiccd /usr/bin/vuiccctl /usr/bin/vuicc-sap /usr/bin/vuicc-vpcd 2>/dev/null | grep -q .'
	check "no units or enablement links left" sh -c '! ls /lib/systemd/system/vuicc* /etc/systemd/system/*/vuicc* 2>/dev/null | grep -q .'
	for p in vuicc-dkms vuiccd vuicc-tools; do
		check "$p not known to dpkg" sh -c "! dpkg-query -W -f='\${db:Status-Status}' $p 2>/dev/null | grep -qv not-installed"
	done
	rm -rf "$vm_mod"
	finish
}

if [ "${VUICC_PKG_CHROOT:-}" = 1 ]; then
	inside
else
	outside
fi
