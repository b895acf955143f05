# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the netsim tests (netsim.sh, policy.sh): with VUICC_SIM=sap,
# vuicc-sap serves each card N on unix:/run/vuicc-sapN.sock and netsim's
# modems (no 'sim' key: VUICC_SIM picks) reach their cards through it, as
# a car kit reaches a phone's SIM over the SIM Access Profile.
# VUICC_SAP overrides the server's command (default: vuicc-sap); its log is
# $SAP_LOG (default /tmp/vuicc-sap.log).
sap_pids=

sap_on() { [ "${VUICC_SIM:-chardev}" = sap ]; }

sap_start() {	# CARD...
	sap_on || return 0
	local c i
	for c in "$@"; do
		rm -f /run/vuicc-sap$c.sock
		${VUICC_SAP:-vuicc-sap} --card $c --listen unix:/run/vuicc-sap$c.sock \
			>>"${SAP_LOG:-/tmp/vuicc-sap.log}" 2>&1 &
		sap_pids="$sap_pids $!"
		for i in $(seq 100); do
			[ -S /run/vuicc-sap$c.sock ] && break
			sleep 0.05
		done
		[ -S /run/vuicc-sap$c.sock ] ||
			{ echo "# vuicc-sap for card $c: no socket (see ${SAP_LOG:-/tmp/vuicc-sap.log})"; return 1; }
	done
}

sap_stop() {
	local p
	for p in $sap_pids; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sap_pids=
}
