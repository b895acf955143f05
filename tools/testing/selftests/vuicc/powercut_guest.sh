#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One boot of the power-cut test (tools/testing/selftests/vuicc/powercut
# runs it): the state directory is an ext4 file system on /dev/vda, the
# journal of what must survive a raw /dev/vdb.  vuiccd provisions the card
# from the store; the driver checks that the last cut lost nothing older
# than the bound; then (cut) it drives updates and challenges and resets
# the VM without syncing, or (final) prints the totals.
#   powercut_guest.sh cut|final
set -u
mode=${1:?cut or final}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
bin=$top/build/selftests/vuicc
wb=${VUICC_WRITEBACK_MS:-1000}
pc=/tmp/pc

fail() { echo "not ok - $*"; exit 1; }

mkdir -p $pc/state $pc/profiles
# a distro kernel builds virtio_blk and ext4 as modules
[ -b /dev/vda ] || modprobe virtio_blk 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
grep -qw ext4 /proc/filesystems || modprobe ext4 2>/dev/null
mount -t ext4 /dev/vda $pc/state || fail "mount /dev/vda (ext4)"
install -m 0600 "$top/tools/testing/profiles/seed-master.conf" $pc/profiles/
cat >$pc/vuiccd.conf <<EOC
cards = 1
profiles_dir = $pc/profiles
state_dir = $pc/state
socket = $pc/vuiccd.sock
log = stderr
log_level = notice
writeback_ms = $wb
EOC
vuiccd -f -c $pc/vuiccd.conf 2>$pc/vuiccd.log &
vpid=$!
for _ in $(seq 100); do
	vuiccctl status --socket $pc/vuiccd.sock >/dev/null 2>&1 && break
	sleep 0.1
done
vuiccctl status --socket $pc/vuiccd.sock >/dev/null 2>&1 || { cat $pc/vuiccd.log; fail "vuiccd did not come up"; }
# the store after the cut: every file valid (or recovered from its older copy)
if ! vuiccd --check-store $pc/state >$pc/check.txt; then
	cat $pc/check.txt
	fail "a state file is damaged beyond recovery"
fi
grep -q recovered $pc/check.txt && { echo "# recovered from an older copy:"; grep recovered $pc/check.txt; }
# the stored standby seed and learning: every acknowledged write survived
"$bin/blob_driver" --verify $pc/state --journal /dev/vdb || fail "stored seed or learning lost"
if [ "$mode" = final ]; then
	"$bin/persist_driver" --verify --final --journal /dev/vdb
	rc=$?
	kill "$vpid"
	wait "$vpid"
	umount $pc/state
	exit $rc
fi
"$bin/persist_driver" --verify --journal /dev/vdb
# meanwhile vuiccd's store code writes a standby seed and a learning file
# in a loop (card 7: vuiccd leaves them alone), cut with the rest
"$bin/blob_driver" --drive $pc/state --journal /dev/vdb &
# a burst of 1 to 5 s, then the cut
"$bin/persist_driver" --cut-after $((1000 + RANDOM % 4000)) --journal /dev/vdb \
	--bound-ef $((wb + 1000)) --bound-sqn 1000
fail "the driver returned instead of cutting the power"
