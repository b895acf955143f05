#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Bluetooth suites in one VM (vuicc.ko with cards=3), each on its own
# virtual Bluetooth rig (bt_rig.sh): the SIM Access Profile end to end
# (sap_e2e.sh: UNIX socket, then RFCOMM with a btmon capture that tshark
# decodes), then the three-device sharing over RFCOMM (share.sh with
# VUICC_SHARE_LINK=rfcomm; VUICC_SHARE_COUNT rounds).
#
#   tools/testing/vm/run --kernel debug --modargs cards=3 -- \
#       tools/testing/selftests/vuicc/bt_all.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rc=0
t=$SECONDS
echo "# ---- sap_e2e.sh (UNIX socket, RFCOMM) ----"
SAP_E2E_RFCOMM=1 "$here/sap_e2e.sh" || rc=1
echo "# sap_e2e.sh: $((SECONDS - t)) s"
t=$SECONDS
echo "# ---- share.sh over RFCOMM ----"
VUICC_SHARE_LINK=rfcomm "$here/share.sh" || rc=1
echo "# share.sh over RFCOMM: $((SECONDS - t)) s"
[ $rc = 0 ] && echo "bt_all: all passed" || echo "bt_all: FAILED"
exit $rc
