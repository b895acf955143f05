#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# PC/SC interop: a card relayed by vuicc-vpcd to pcscd through vsmartcard's
# vpcd driver (which listens on port 35963; vuicc-vpcd dials 127.0.0.1),
# then pcsc_walk.py
# (python3-pyscard) reads every EF through pcscd.  Run in the VM harness.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
CARD=55
PORT=35963

for need in /usr/sbin/pcscd:pcscd /usr/lib/pcsc/drivers/serial/libifdvpcd.so:vsmartcard-vpcd; do
	[ -e "${need%%:*}" ] || { echo "not ok - ${need%%:*} missing: install ${need#*:} (make deps)"; exit 1; }
done
/usr/bin/python3 -c 'import smartcard' 2>/dev/null ||
	{ echo "not ok - pyscard missing: install python3-pyscard (make deps)"; exit 1; }

work=$(mktemp -d)
cleanup() {
	kill "$bridge" "$pcscd" 2>/dev/null
	wait 2>/dev/null
	vuiccctl card del $CARD >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

vuiccctl card del $CARD >/dev/null 2>&1
vuiccctl card add $CARD >/dev/null &&
	vuiccctl profile add "$top/tools/testing/profiles/seed-master.conf" --card $CARD >/dev/null 2>&1 &&
	vuiccctl profile enable seed-master --card $CARD || { echo "not ok - cannot set up card $CARD"; exit 1; }

# vpcd listens (only lo is up in the VM); the bridge dials it
mkdir -p "$work/reader.conf.d"
cat >"$work/reader.conf.d/vuicc" <<CONF
FRIENDLYNAME "vuicc"
DEVICENAME   /dev/null:0x$(printf %X $PORT)
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    0x$(printf %X $PORT)
CONF
/usr/sbin/pcscd --foreground --config "$work/reader.conf.d" >"$work/pcscd.log" 2>&1 &
pcscd=$!
vuicc-vpcd --card $CARD --connect 127.0.0.1:$PORT --wait 30 &
bridge=$!
# the card is in the reader once pcscd has seen the bridge's ATR
for _ in $(seq 150); do
	grep -q "Card ATR" "$work/pcscd.log" 2>/dev/null && break
	/usr/bin/python3 -c 'from smartcard.System import readers; import sys
r = readers(); c = r[0].createConnection() if r else None
try: c.connect(); sys.exit(0)
except Exception: sys.exit(1)' 2>/dev/null && break
	sleep 0.2
done
/usr/bin/python3 "$here/pcsc_walk.py"
rc=$?
if [ $rc != 0 ]; then
	echo "# pcscd log:"
	sed 's/^/#   /' "$work/pcscd.log" | tail -30
fi
exit $rc
