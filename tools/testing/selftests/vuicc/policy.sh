#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The seed policy end to end, in the VM (vuicc.ko with cards=2): netsim
# (modem, network with libosmocore's AuC, data link), the reference SIM
# server inside netsim's "internet" namespace (TLS, device secret), and
# vuiccd with policy = yes driving card 0.  One scenario a case:
#
#   master     the master seed works, then a VSIM is allocated and attaches
#   absent     the master's operator is not here: a standby connects
#   expired    the master is rejected with #8: quarantined, a standby connects
#   silent     the master's network never answers: the registration stage
#              times out, a standby connects
#   coverage   no seed's network is here; the device moves into coverage
#   vsimfail   the first VSIM is rejected: deleted, reported, replaced
#   congestion the master's network answers #22: waited out, a standby used
#   restart    vuiccd is killed (SIGKILL) mid-failover and started again
#   survey     a Telit-like modem with a second AT port: its survey gives
#              each standby's level, which outranks the tariff; the SIM
#              server gets the modem's RATs (+WS46=?) and the operators seen
#   standbys   only a master: the server gives standby seeds over it, they
#              are stored; after a reboot (cards emptied) the master fails
#              and a stored standby connects; the server withdraws one
#   learn      vuiccd killed mid-failover: the new one keeps the master's
#              quarantine and never enables it again
#   hardcard   the master is a physical card in the modem's slot 1 (a
#              Quectel-like modem, AT+QUIMSLOT; vuicc's card in slot 2):
#              its registration is refused for a while, a soft standby
#              connects on vuicc's slot, switch-back returns to the card
#   pin        the master's PIN1 is enabled: vuiccd unlocks it (+CPIN=) with
#              the profile's pin1 and connects; then (pin-wrong) the card's
#              PIN differs from the profile's: exactly one VERIFY, the card
#              keeps 2 tries, never PUK, the master quarantined, a standby
#              connects; no PIN digits in any log or status
#   blackhole  the VSIM's data link goes black while it stays registered
#              with its PDP context up: the data check (HTTP to a server in
#              the internet) fails it at data; it is reported, and the seed
#              and then another VSIM, whose data flows, take over
#
# Every case checks netsim's report (who attached, never an IMSI twice)
# and vuiccd's status.  POLICY_CASES="a b" runs some.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
d=/tmp/policy-test
sock=$d/vuiccd.sock
failed=0
vpid= npid= spid= hpid=

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

for tool in netsim vuiccd vuiccctl ip python3 openssl; do
	command -v $tool >/dev/null ||
		{ echo "not ok - $tool missing (make tools; make deps)"; exit 1; }
done
# VUICC_SIM=sap: the modem reaches card 0 through vuicc-sap (sap_lib.sh)
. "$here/sap_lib.sh"
if sap_on; then
	command -v ${VUICC_SAP:-vuicc-sap} >/dev/null ||
		{ echo "not ok - vuicc-sap missing (make tools)"; exit 1; }
fi
server=$top/tools/simserver/vuicc-simserver

MASTER=001010000000011 SA=001020000000021 SB=001030000000031 HM=001010000000077
VB=001010000000202 VA=001010000000201 V2=001020000000301

# a python expression over the status JSON: s, c (card 0), p (its policy)
js() { timeout 5 vuiccctl --json status --socket $sock 2>/dev/null | python3 -c "import json,sys
s=json.load(sys.stdin); c=[c for c in s['cards'] if c['card'] == 0][0]; p=c['policy']
sys.exit(0 if ($1) else 1)" 2>/dev/null; }
wait_for() {	# SECONDS EXPR (wall clock: a status query is slow on the debug kernel)
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		js "$2" && return 0
		sleep 0.2
	done
	js "$2"
}
log_wait() {	# SECONDS TEXT FILE
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		grep -q "$2" "$3" && return 0
		sleep 0.5
	done
	grep -q "$2" "$3"
}
report() { python3 -c "import json,sys
r=json.load(open('$d/report.json')); m=r['modems'][0]
sys.exit(0 if ($1) else 1)"; }

clear_cards() {
	local c n
	for c in 0 1; do
		for n in $(vuiccctl --json profile list --card $c 2>/dev/null |
			   python3 -c "import json,sys; [print(p['name']) for p in json.load(sys.stdin)]"); do
			vuiccctl profile del "$n" --card $c >/dev/null
		done
	done
}

stop_all() {
	[ -n "$vpid" ] && { kill -TERM "$vpid" 2>/dev/null; wait "$vpid" 2>/dev/null; }
	[ -n "$hpid" ] && { kill -TERM "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null; }
	[ -n "$spid" ] && { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
	local rc=0
	if [ -n "$npid" ]; then
		kill -TERM "$npid" 2>/dev/null
		wait "$npid"
		rc=$?
	fi
	vpid= spid= npid= hpid=
	sap_stop
	return $rc
}
trap 'stop_all; clear_cards' EXIT

# ---- set-up: PKI, profiles, the server's pool ----
rm -rf $d
mkdir -p $d/pki $d/profiles
(
	cd $d/pki
	umask 077
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj /CN=vuicc-test-ca \
		-addext basicConstraints=critical,CA:TRUE 2>/dev/null
	openssl req $ec -keyout server.key -out server.csr -subj /CN=192.0.2.1 2>/dev/null
	printf 'subjectAltName=IP:192.0.2.1\n' >ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out server.crt -days 2 -extfile ext 2>/dev/null
) || { echo "not ok - the test PKI (openssl)"; exit 1; }
# a made-up device secret; never printed by vuiccd or the server
secret=$(openssl rand -hex 16)
echo "dev-policy:$secret" >$d/devices
for p in seed-netsim standby-a standby-b; do
	install -m 0600 "$top/tools/testing/profiles/$p.conf" $d/profiles/
done

vsim() {	# NAME IMSI PLMN ICCID
	python3 -c "import json,sys
n,i,p,c=sys.argv[1:]
print(json.dumps({'name':n,'plmn':p,'rats':['lte','umts','gsm'],'profile':
'# made-up VSIM (3GPP TS 35.207 test set 1 keys)\nname = %s\nkind = vsim\niccid = %s\nimsi = %s\n'
'algorithm = milenage\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n'
'opc = cd63cb71954a9f4e48a5994e37a02baf\nrats = lte,umts,gsm\nplmns = %s\n' % (n,c,i,p)}))" "$@"
}
cat >$d/pool.json <<EOP
{"lease_seconds": 3600, "seeds": [], "vsims": [
 $(vsim vsim-a $VA 00101 8988211000000002010),
 $(vsim vsim-b $VB 00101 8988211000000002028),
 $(vsim vsim-02 $V2 00102 8988211000000003018)
]}
EOP

cat >$d/vuiccd.conf <<EOC
cards = 2
profiles_dir = $d/profiles
state_dir = $d/state
socket = $sock
log = stderr
log_level = info
modem = 0 /run/netsim/modem0
policy = yes
t_card_ms = 5000
t_register_ms = 15000
t_dial_ms = 30000
t_data_ms = 15000
t_scan_ms = 8000
switchback = no
server_url = https://192.0.2.1:8443/v1
device_id = dev-policy
device_secret = $secret
server_ca = $d/pki/ca.crt
server_timeout_ms = 3000
server_attempts = 2
EOC
check "vuiccd -t accepts the policy configuration" vuiccd -t -c $d/vuiccd.conf

sub() {	# IMSI [STATUS]
	printf '[subscriber %s]\nalgorithm = milenage\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n' "$1"
	printf 'opc = cd63cb71954a9f4e48a5994e37a02baf\nsqn = 0x1000\nstatus = %s\n\n' "${2:-active}"
}
# scenario: a modem, locations (stdin), subscribers (the seeds and VSIMs);
# MODEM_EXTRA: more keys of the modem
scenario() {	# FILE MASTER-STATUS VA-STATUS
	{
		cat <<EOS
[netsim]
netns = netsim-inet
server = 192.0.2.1

[modem modem0]
card = 0
at_link = /run/netsim/modem0
location = here
at_delay_ms = 2
boot_ms = 100
search_ms = 300
attach_ms = 300
pdp_ms = 100
scan_ms = 600
${MODEM_EXTRA:-}

EOS
		cat
		sub $MASTER "${2:-active}"
		sub $SA
		sub $SB
		sub $VB
		sub $V2
		[ "${3:-}" = absent ] || sub $VA "${3:-active}"
	} >"$1"
}

# One case: start netsim, the server, vuiccd; wait for EXPR; stop.
start_case() {	# NAME
	local i
	case_failed=$failed
	clear_cards
	# (keep_state=1: a reboot; the kernel's cards are empty, the store stays)
	[ -n "${keep_state:-}" ] || rm -rf $d/state
	: >$d/vuiccd-$1.log
	SAP_LOG=$d/sap-$1.log sap_start 0 || nok "$1: vuicc-sap serves card 0"
	netsim --scenario $d/${scn:-$1}.scn --report $d/report.json >$d/netsim-$1.log 2>&1 &
	npid=$!
	for i in $(seq 100); do
		ip netns list 2>/dev/null | grep -q netsim-inet && [ -L /run/netsim/modem0 ] && break
		sleep 0.05
	done
	ip netns exec netsim-inet python3 "$server" --pool ${pool:-$d/pool.json} --listen 192.0.2.1:8443 \
		--cert $d/pki/server.crt --key $d/pki/server.key --devices $d/devices --seed 1 \
		--state-dump $d/server-state.json >$d/server-$1.log 2>&1 &
	spid=$!
	for i in $(seq 100); do
		grep -q "listening" $d/server-$1.log 2>/dev/null && break
		sleep 0.05
	done
	# a case's own set-up of the cards before vuiccd starts
	[ -n "${pre_vuiccd:-}" ] && eval "$pre_vuiccd"
	vuiccd -f -c ${conf:-$d/vuiccd.conf} 2>>$d/vuiccd-$1.log &
	vpid=$!
	t0=$(date +%s%N)
	if [ -n "${POLICY_DEMO:-}" ]; then
		# make demo: each decision and why, as it is taken
		tail -n +1 -f $d/vuiccd-$1.log | grep --line-buffered -E 'policy|SIM server' |
			sed -u 's/^.*vuiccd[^:]*: //' &
		tpid=$!
	fi
}
elapsed() { echo $((($(date +%s%N) - t0) / 1000000)); }
end_case() {	# NAME
	local ms=$(elapsed)
	if [ -n "${POLICY_DEMO:-}" ]; then
		sleep 0.5
		kill "$tpid" 2>/dev/null
		printf '\n$ vuiccctl status\n'
		timeout 5 vuiccctl status --socket $sock
		printf '\n'
	else
		grep 'policy' $d/vuiccd-$1.log | sed 's/^.*policy: /#   /' | head -40
		timeout 5 vuiccctl status --socket $sock 2>/dev/null |
			sed -n '/policy:/,/^  card/p' | sed 's/^/# /' | head -12
	fi
	stop_all
	check "$1: netsim saw no IMSI attached twice" test $? = 0
	if [ "${VUICC_SIM:-chardev}" = t0 ]; then
		check "$1: the modems reached their cards over T=0 lines" \
			grep -q 'on a T=0 line' $d/netsim-$1.log
	fi
	if sap_on; then
		check "$1: the modem reached its card through SAP" \
			grep -q 'SAP connected to unix:/run/vuicc-sap0.sock' $d/netsim-$1.log
		# a profile switch reaches the modem as STATUS_IND card removed / inserted
		# (hardcard: the soft card starts empty and is only ever inserted; the
		# way back to the physical card is a slot switch, not a removal)
		local removed="grep -q 'SAP STATUS_IND 3' $d/netsim-$1.log &&"
		[ "$1" = hardcard ] && removed=
		check "$1: profile switches came as STATUS_IND, the link never lost" sh -c \
			"$removed grep -q 'SAP STATUS_IND 4' $d/netsim-$1.log &&
			 ! grep -q 'SAP link lost' $d/netsim-$1.log"
	fi
	check "$1: vuiccd logged no key or secret" sh -c \
		"! grep -qiE '465b5ce8b199b49faa5f0a2ee238a6bc|cd63cb71954a9f4e48a5994e37a02baf|$secret' \
		$d/vuiccd-$1.log $d/server-$1.log $d/netsim-$1.log $(sap_on && echo $d/sap-$1.log)"
	echo "# $1: $ms ms to the end state"
	# a failed case shows what the modem and the network did
	if [ $failed -gt $case_failed ]; then
		sed 's/^/# netsim: /' $d/netsim-$1.log | tail -n 80
	fi
}
want() { case " ${POLICY_CASES:-all} " in *" all "* | *" $1 "*) return 0 ;; esac; return 1; }

here_ops="operator = plmn=00101 name=Home lte=-85 tac=00c3 ci=1a2b301
operator = plmn=00102 name=LocalA lte=-95 tac=0101 ci=5
operator = plmn=00103 name=LocalB lte=-100 tac=0202 ci=6"

# ---- master works, then a VSIM ----
if want master; then
	printf '[location here]\n%s\n\n' "$here_ops" | scenario $d/master.scn active active
	start_case master
	check "master: online on the master seed, then a VSIM allocated and up" \
		wait_for 150 "p['phase'] == 'vsim-up' and c['enabled'] == 'vsim-a'"
	check "master: status shows each seed's index with A1 and B1" \
		js "len(p['seeds']) == 3 and p['seeds'][0]['name'] == 'seed-netsim' and \
		    all('a1' in x and 'b1' in x and 'score' in x for x in p['seeds'])"
	end_case master
	check "master: netsim attached the master, then the VSIM" \
		report "m['attaches'] >= 2 and m['imsi'] == '$VA'"
fi

# ---- the master's operator is absent here ----
if want absent; then
	printf '[location here]\n%s\n%s\n\n' "operator = plmn=00102 name=LocalA lte=-95 tac=0101 ci=5" \
		"operator = plmn=00103 name=LocalB lte=-100 tac=0202 ci=6" |
		scenario $d/absent.scn active absent
	start_case absent
	check "absent: a standby seed connects, then the VSIM of its network" \
		wait_for 90 "p['phase'] == 'vsim-up' and c['enabled'] == 'vsim-02'"
	check "absent: the master is out of the ranking with a reason" \
		js "p['seeds'][0]['name'] == 'seed-netsim' and p['seeds'][0]['failures'] >= 1"
	end_case absent
	check "absent: standby-a (the better index) was the standby used" \
		grep -q 'standby-a: connected' $d/vuiccd-absent.log
fi

# ---- the master's subscription expired: #8 ----
if want expired; then
	printf '[location here]\n%s\n\n' "$here_ops" | scenario $d/expired.scn expired absent
	start_case expired
	check "expired: #8 quarantines the master; a standby connects and gets a VSIM" \
		wait_for 90 "p['phase'] == 'vsim-up' and p['quarantines'] >= 1"
	check "expired: status says why the master is out" \
		js "'quarantined' in (p['seeds'][0]['gate'] or '') and p['seeds'][0]['last_cause'] == 8"
	end_case expired
fi

# ---- a silent network: judged by the registration stage's timeout ----
if want silent; then
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		printf '[fail quiet]\nstage = register\nmode = silence\nimsi = %s\n\n' $MASTER
	} | scenario $d/silent.scn active absent
	start_case silent
	check "silent: the master times out at registration; a standby connects" \
		wait_for 90 "p['phase'] in ('seed-up', 'vsim', 'vsim-up') and p['timeouts'] >= 1 and \
			     p['current'] != 'seed-netsim'"
	end_case silent
	check "silent: the timeout was the registration stage's (t_register_ms)" \
		grep -q 'seed-netsim: no register result within' $d/vuiccd-silent.log
fi

# ---- no coverage for any seed; then the device moves into coverage ----
if want coverage; then
	{
		printf '[location here]\noperator = plmn=00109 name=Nobody lte=-90 tac=0909 ci=9\n\n'
		printf '[location there]\n%s\n\n' "$here_ops"
		# a modem on a T=0 line notices a profile switch only when the
		# card stops answering its presence check: every seed's turn is
		# longer, and all three must have failed before the move
		printf '[events]\nevent = %s move modem0 there\n\n' \
			"$([ "${VUICC_SIM:-chardev}" = t0 ] && echo 30000 || echo 15000)"
	} | scenario $d/coverage.scn active absent
	start_case coverage
	# (the wait is short: the modem's own search starts the next round)
	check "coverage: every seed fails; vuiccd waits, never stuck" \
		log_wait 45 "no seed can connect now: trying again" $d/vuiccd-coverage.log
	check "coverage: after the move a seed connects and a VSIM follows" \
		wait_for 120 "p['phase'] == 'vsim-up'"
	end_case coverage
fi

# ---- the first VSIM fails: deleted, reported, replaced ----
if want vsimfail; then
	printf '[location here]\n%s\n\n' "$here_ops" | scenario $d/vsimfail.scn active absent
	start_case vsimfail
	check "vsimfail: the failed VSIM is replaced by another one" \
		wait_for 120 "p['phase'] == 'vsim-up' and c['enabled'] == 'vsim-b'"
	check "vsimfail: the failed VSIM is gone from the kernel" \
		sh -c "! vuiccctl profile list --card 0 | grep -q vsim-a"
	check "vsimfail: ... and from the store" sh -c "! ls $d/state | grep -q vsim-a"
	end_case vsimfail
	check "vsimfail: the server got the failure report and excluded it" \
		grep -q 'report.*vsim-a\|/v1/report' $d/server-vsimfail.log
fi

# ---- congestion (#22) on the master's network ----
if want congestion; then
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		printf '[fail busy]\nstage = register\nmode = reject\ncause = 22\nplmn = 00101\n\n'
	} | scenario $d/congestion.scn active absent
	start_case congestion
	check "congestion: #22 marks the network congested; a seed elsewhere connects" \
		wait_for 90 "p['phase'] in ('seed-up', 'vsim', 'vsim-up') and p['current'] != 'seed-netsim'"
	check "congestion: the master was not quarantined (a network's fault)" \
		js "p['quarantines'] == 0"
	end_case congestion
	check "congestion: logged as waited out" grep -q 'congested' $d/vuiccd-congestion.log
fi

# ---- vuiccd killed mid-failover, started again ----
if want restart; then
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		printf '[fail quiet]\nstage = register\nmode = silence\nimsi = %s\n\n' $MASTER
	} | scenario $d/restart.scn active absent
	start_case restart
	check "restart: vuiccd is in the registration stage of the master" \
		wait_for 30 "p['current'] == 'seed-netsim' and p['stage'] == 'register'"
	kill -KILL $vpid
	wait $vpid 2>/dev/null
	vuiccd -f -c $d/vuiccd.conf 2>>$d/vuiccd-restart.log &
	vpid=$!
	check "restart: the new vuiccd carries on and a standby connects" \
		wait_for 120 "p['phase'] in ('seed-up', 'vsim', 'vsim-up') and p['current'] != 'seed-netsim'"
	check "restart: it carried on with the enabled seed, no reset" \
		grep -q 'vuiccd restarted: carry on with the enabled seed' $d/vuiccd-restart.log
	end_case restart
fi

# ---- a survey dialect on a second AT port: levels, not only tariffs ----
if want survey; then
	# standby-a (tariff 0.20) is weak here, standby-b (0.50) strong: by tariff
	# alone a wins (0.400 against 0.250); with the levels b does
	# (0.5*A1(-75 dBm) + 0.25 = 0.589 against 0.5*A1(-125 dBm) + 0.4 = 0.478)
	printf '[location here]\n%s\n%s\n\n' \
		"operator = plmn=00102 name=LocalA lte=-125 umts=-110 tac=0101 ci=5" \
		"operator = plmn=00103 name=LocalB lte=-75 tac=0202 ci=6" |
		MODEM_EXTRA="dialect = telit
at2_link = /run/netsim/modem0-scan
survey_ms = 1500
rats = lte,umts" scenario $d/survey.scn active absent
	sed 's|^modem = 0 /run/netsim/modem0$|&\nmodem_scan_port = 0 /run/netsim/modem0-scan|' \
		$d/vuiccd.conf >$d/vuiccd-survey.conf
	conf=$d/vuiccd-survey.conf start_case survey
	check "survey: data through a standby, then a VSIM" wait_for 90 "p['phase'] == 'vsim-up'"
	check "survey: the strong standby-b was the one (its level outranks a's tariff)" \
		sh -c "grep -q 'standby-b: connected' $d/vuiccd-survey.log &&
		       ! grep -q 'standby-a: connected' $d/vuiccd-survey.log"
	check "survey: status gives each standby's A1 with its source and age" \
		js "[(x['dbm'], x['signal_source']) for x in p['seeds'] if x['name'] == 'standby-b'] == \
		    [(-75, 'AT#CSURV')] and all(x['signal_age_ms'] is not None for x in p['seeds'] \
		    if x['name'] != 'seed-netsim')"
	check "survey: status shows the modem's identity, dialect, RATs and scan port" \
		js "c['modem']['manufacturer'] == 'Telit' and c['modem']['dialect'] == 'telit' and \
		    c['modem']['rats'] == ['umts', 'lte'] and \
		    c['modem']['scan_port'] == '/run/netsim/modem0-scan'"
	end_case survey
	check "survey: the survey ran on the second port" \
		grep -q 'modem0: port 1: #CSURV survey' $d/netsim-survey.log
	check "survey: the SIM server got the modem's RATs and the operators with levels" \
		grep -q 'rats=umts+lte operators=.*00103/lte/-75' $d/server-survey.log
fi

# ---- standby seeds from the server: learned over the master, stored,
# used after a reboot when the master fails; replaced when withdrawn ----
if want standbys; then
	# three pool seeds (made-up, 3GPP TS 35.207 test set 1 keys), each its own
	# system: A on 00102 (cheap), B and C on 00103
	poolseed() {	# NAME IMSI PLMN SYSTEM TARIFF [WITHDRAWN]
		python3 -c "import json,sys
n,i,p,sy,t=sys.argv[1:6]
w=len(sys.argv) > 6
d=[int(c) for c in '89882110000000' + i[-4:]]
s=sum(d[-1-k] if k % 2 else (2*d[-1-k] - 9 if 2*d[-1-k] > 9 else 2*d[-1-k]) for k in range(len(d)))
c=''.join(map(str, d)) + str((10 - (s + 0) % 10) % 10)
e={'name':n,'system':sy,'plmn':p,'rats':['lte','umts','gsm'],'profile':
'# made-up standby seed (3GPP TS 35.207 test set 1 keys)\nname = %s\nkind = seed\nrole = standby\n'
'iccid = %s\nimsi = %s\nalgorithm = milenage\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n'
'opc = cd63cb71954a9f4e48a5994e37a02baf\ntariff = %s\nrats = lte,umts,gsm\nplmns = %s\n' % (n,c,i,t,p)}
if w: e['withdrawn'] = True
print(json.dumps(e))" "$@"
	}
	PA=001020000000041 PB=001030000000051 PC=001030000000061
	vsims="$(vsim vsim-a $VA 00101 8988211000000002010),
 $(vsim vsim-02 $V2 00102 8988211000000003018)"
	cat >$d/pool-standbys.json <<EOP
{"lease_seconds": 3600, "seeds": [
 $(poolseed pool-a $PA 00102 localA 0.20),
 $(poolseed pool-b $PB 00103 localB 0.40)
], "vsims": [ $vsims ]}
EOP
	cat >$d/pool-standbys2.json <<EOP
{"lease_seconds": 3600, "seeds": [
 $(poolseed pool-a $PA 00102 localA 0.20),
 $(poolseed pool-b $PB 00103 localB 0.40 withdrawn),
 $(poolseed pool-c $PC 00103 localB2 0.40)
], "vsims": [ $vsims ]}
EOP
	mkdir -p $d/profiles-master
	install -m 0600 "$top/tools/testing/profiles/seed-netsim.conf" $d/profiles-master/
	sed "s|^profiles_dir = .*|profiles_dir = $d/profiles-master|" $d/vuiccd.conf \
		>$d/vuiccd-standbys.conf
	extra_subs() { sub $PA; sub $PB; sub $PC; }
	{ printf '[location here]\n%s\n\n' "$here_ops"; extra_subs; } |
		scenario $d/standbys.scn active
	{ printf '[location here]\n%s\n\n' "$here_ops"; extra_subs; } |
		scenario $d/standbys2.scn expired
	# the first boot: only the master; the server gives its two standbys
	conf=$d/vuiccd-standbys.conf pool=$d/pool-standbys.json start_case standbys
	check "standbys: the master connects, the server gives two standby seeds, a VSIM follows" \
		wait_for 150 "p['phase'] == 'vsim-up' and \
			      sorted(x['name'] for x in p['seeds']) == ['pool-a', 'pool-b', 'seed-netsim']"
	check "standbys: both are stored (0600) in the state directory" \
		sh -c "[ \"\$(stat -c %a $d/state/0-pool-a.seed)\" = 600 ] &&
		       [ \"\$(stat -c %a $d/state/0-pool-b.seed)\" = 600 ]"
	check "standbys: vuiccd asked for CN105491555A's M = 5" \
		grep -q 'first connection: ask for 5 standby seeds' $d/vuiccd-standbys.log
	end_case standbys
	# a reboot: the kernel's cards are empty; the master's subscription has
	# expired; the server withdrew pool-b and has pool-c in its system's place
	clear_cards
	keep_state=1 scn=standbys2 conf=$d/vuiccd-standbys.conf pool=$d/pool-standbys2.json \
		start_case standbys2
	check "standbys: after the reboot the stored seeds are installed before the policy starts" \
		sh -c "grep -n 'standby seed.* of the SIM server restored\|policy: starting' \
		       $d/vuiccd-standbys2.log | head -1 | grep -q restored"
	check "standbys: the master fails (#8); a server-assigned standby connects" \
		wait_for 150 "p['phase'] == 'vsim-up' and p['quarantines'] >= 1 and \
			      any(x['name'] == 'pool-a' and x['failures'] == 0 for x in p['seeds'])"
	check "standbys: pool-a (the better index) was the one" \
		grep -q 'pool-a: connected' $d/vuiccd-standbys2.log
	check "standbys: the withdrawn pool-b is gone from the kernel, the store and the policy" \
		sh -c "! vuiccctl profile list --card 0 | grep -q pool-b &&
		       ! ls $d/state | grep -q pool-b"
	check "standbys: pool-c replaced it, stored" \
		sh -c "vuiccctl profile list --card 0 | grep -q pool-c && [ -f $d/state/0-pool-c.seed ]"
	end_case standbys2
	check "standbys: the server told it to withdraw pool-b" \
		grep -q 'withdrew standby seed pool-b' $d/vuiccd-standbys2.log
fi

# ---- learning kept: vuiccd killed mid-failover does not retry the
# quarantined master ----
if want learn; then
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		printf '[fail quiet]\nstage = register\nmode = silence\nimsi = %s\n\n' $SA
	} | scenario $d/learn.scn expired
	start_case learn
	check "learn: #8 quarantines the master; standby-a is being tried" \
		wait_for 60 "p['quarantines'] >= 1 and p['current'] == 'standby-a'"
	check "learn: the quarantine is on disk" grep -q '^seed seed-netsim' $d/state/card0.learn
	kill -KILL $vpid
	wait $vpid 2>/dev/null
	echo "---- restart ----" >>$d/vuiccd-learn.log
	vuiccd -f -c $d/vuiccd.conf 2>>$d/vuiccd-learn.log &
	vpid=$!
	check "learn: the new vuiccd takes what was learned (the quarantine)" \
		log_wait 20 "learned before this start: .* (1 quarantined seed" $d/vuiccd-learn.log
	check "learn: it carried on with the enabled seed, no reset" \
		log_wait 20 "vuiccd restarted: carry on with the enabled seed" $d/vuiccd-learn.log
	check "learn: standby-a times out; standby-b connects" \
		log_wait 120 "standby-b: connected" $d/vuiccd-learn.log
	check "learn: the master was never enabled again after the restart" \
		sh -c "! sed -n '/^---- restart ----/,\$p' $d/vuiccd-learn.log |
		       grep -q 'profile seed-netsim enabled'"
	check "learn: status shows the master still quarantined" \
		js "[x['gate'] for x in p['seeds'] if x['name'] == 'seed-netsim'][0].startswith('quarantined')"
	end_case learn
fi

# ---- a physical card as the master: failover to a soft standby on vuicc's
# slot, switch-back to the card when it is accepted again ----
if want hardcard; then
	mkdir -p $d/profiles-hard
	install -m 0600 "$top/tools/testing/profiles/card-master.conf" $d/profiles-hard/
	install -m 0600 $d/profiles/standby-a.conf $d/profiles/standby-b.conf $d/profiles-hard/
	# the card's registration is refused (#17, network failure) twice
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		printf '[fail cardflaky]\nstage = register\nmode = reject\ncause = 17\n'
		printf 'imsi = %s\ncount = 2\n\n' $HM
		sub $HM
	} | MODEM_EXTRA="dialect = quectel
slot1 = card $HM
slot2 = vuicc
active_slot = 2" scenario $d/hardcard.scn active absent
	# (t_card_ms: the card stage now includes the modem's slot switch, whose
	# answer netsim gives after the detach of the card it drops)
	sed -e "s|^profiles_dir = .*|profiles_dir = $d/profiles-hard|" \
	    -e 's|^t_card_ms = .*|t_card_ms = 20000|' \
	    -e 's|^switchback = no$|switchback = yes\nswitchback_ms = 20000\nvsim = no\nmodem_vuicc_slot = 0 2|' \
		$d/vuiccd.conf >$d/vuiccd-hardcard.conf
	check "hardcard: vuiccd -t accepts the configuration" vuiccd -t -c $d/vuiccd-hardcard.conf
	conf=$d/vuiccd-hardcard.conf start_case hardcard
	check "hardcard: the card is refused; standby-a connects on vuicc's slot (2)" \
		wait_for 90 "p['current'] == 'standby-a' and p['phase'] == 'seed-up' and \
			     c['modem']['slot'] == 2"
	check "hardcard: status shows the master as a physical card in slot 1, the slot dialect" \
		js "[(x['kind'], x['slot']) for x in p['seeds'] if x['name'] == 'card-master'] == \
		    [('card', 1)] and c['modem']['slot_dialect'] == 'quectel' and \
		    c['modem']['vuicc_slot'] == 2 and \
		    [x['failures'] for x in p['seeds'] if x['name'] == 'card-master'][0] >= 1"
	check "hardcard: the physical card never went into the kernel" \
		sh -c "! vuiccctl --json profile list --card 0 | grep -q card-master"
	check "hardcard: switch-back to the physical card once it is accepted" \
		wait_for 150 "p['current'] == 'card-master' and p['phase'] == 'seed-up' and \
			      c['modem']['slot'] == 1"
	end_case hardcard
	check "hardcard: vuiccd logged the switch back to the card" \
		grep -q 'card-master: back on the master seed' $d/vuiccd-hardcard.log
	check "hardcard: netsim read the physical card in slot 1 and refused it first" \
		sh -c "grep -q 'physical card in slot 1: ICCID' $d/netsim-hardcard.log &&
		       grep -q 'IMSI $HM on 00101: rejected, cause #17' $d/netsim-hardcard.log"
	check "hardcard: netsim attached standby-a, then the card; ends on slot 1" \
		sh -c "grep -q 'IMSI $SA attached' $d/netsim-hardcard.log &&
		       grep -q 'IMSI $HM attached' $d/netsim-hardcard.log"
	check "hardcard: netsim's report: the card's IMSI on slot 1, slots switched" \
		report "m['imsi'] == '$HM' and m['slot'] == 1 and m['slot_switches'] >= 3"
	check "hardcard: vuiccctl profile add refuses a physical card's file" \
		sh -c "out=\$(vuiccctl profile add $d/profiles-hard/card-master.conf --card 1 2>&1);
		       [ \$? != 0 ] && echo \"\$out\" | grep -q 'physical card'"
fi

# ---- PIN1: unlocked with the profile's PIN; a wrong one tried once ----
if want pin; then
	# made-up PINs whose digits appear nowhere else in the logs
	PIN_OK=73915064 PIN_BAD=46280517
	pin_profiles() {	# DIR PIN: the profiles, the master's PIN1 enabled
		mkdir -p $1
		cp $d/profiles/*.conf $1/
		printf 'pin1 = %s\npin1_enabled = 1\n' $2 >>$1/seed-netsim.conf
		chmod 600 $1/*.conf
	}
	no_pin_leak() {	# CASE: no PIN digits in any log, nor in the status
		timeout 5 vuiccctl status --socket $sock >$d/status-$1.txt 2>&1
		timeout 5 vuiccctl --json status --socket $sock >$d/status-$1.json 2>&1
		check "$1: no PIN in vuiccd's, netsim's or the server's log, nor in the status" \
			sh -c "! grep -lE '$PIN_OK|$PIN_BAD' $d/vuiccd-$1.log $d/netsim-$1.log \
			       $d/server-$1.log $d/status-$1.txt $d/status-$1.json"
	}
	pin_profiles $d/profiles-pin $PIN_OK
	sed "s|^profiles_dir = .*|profiles_dir = $d/profiles-pin|" $d/vuiccd.conf >$d/vuiccd-pin.conf
	printf '[location here]\n%s\n\n' "$here_ops" | scenario $d/pin.scn active active
	conf=$d/vuiccd-pin.conf start_case pin
	check "pin: the master (PIN1 enabled) connects" \
		log_wait 90 'seed-netsim: connected' $d/vuiccd-pin.log
	check "pin: vuiccd unlocked the card with the profile's PIN" \
		grep -q 'PIN1 accepted' $d/vuiccd-pin.log
	check "pin: netsim's modem asked for PIN1 and had it verified" sh -c \
		"grep -q 'asks for PIN1 (3 tries left)' $d/netsim-pin.log &&
		 grep -q 'VERIFY PIN1: verified' $d/netsim-pin.log"
	wait_for 60 "p['phase'] == 'vsim-up'" >/dev/null
	no_pin_leak pin
	end_case pin
	# (the master's card asks again at each power-up: one VERIFY each time)
	asked=$(grep -c 'asks for PIN1' $d/netsim-pin.log)
	check "pin: one VERIFY with a value per time the card asked ($asked), none refused" \
		report "m['pin_verifies'] == $asked and $asked >= 1 and m['pin_wrong'] == 0"

	# the card's PIN1 is not the profile file's: the kernel's copy was
	# installed by someone else (vuiccd takes it as its file's)
	pin_profiles $d/profiles-pinwrong $PIN_BAD
	pin_profiles $d/profiles-pincard $PIN_OK
	sed "s|^profiles_dir = .*|profiles_dir = $d/profiles-pinwrong|" $d/vuiccd.conf \
		>$d/vuiccd-pinwrong.conf
	printf '[location here]\n%s\n\n' "$here_ops" | scenario $d/pin-wrong.scn active absent
	pre_vuiccd="vuiccctl profile add $d/profiles-pincard/seed-netsim.conf --card 0 >/dev/null" \
		conf=$d/vuiccd-pinwrong.conf start_case pin-wrong
	check "pin-wrong: the master is quarantined for its PIN; a standby connects" \
		wait_for 90 "p['phase'] in ('seed-up', 'vsim', 'vsim-up') and \
			     p['current'] != 'seed-netsim' and p['quarantines'] >= 1 and \
			     'quarantined' in (p['seeds'][0]['gate'] or '')"
	check "pin-wrong: vuiccd logged why: wrong, 2 attempts left" \
		grep -q 'seed-netsim failed at card: PIN1 wrong: 2 attempts left' $d/vuiccd-pin-wrong.log
	check "pin-wrong: the card refused one VERIFY and kept 2 tries, never PUK" sh -c \
		"[ \$(grep -c 'VERIFY PIN1: 63C2, wrong PIN (2 tries left)' $d/netsim-pin-wrong.log) = 1 ] &&
		 ! grep -q 'PUK' $d/netsim-pin-wrong.log"
	check "pin-wrong: the modem's status is the standby's card (ready)" \
		wait_for 20 "c['modem']['pin'] == 'ready'"
	if [ $failed -gt $case_failed ]; then
		grep -E 'modem 0: (PIN|profile)|card [0-9] modem: PIN' $d/vuiccd-pin-wrong.log |
			sed 's/^/# vuiccd: /' | tail -20
	fi
	no_pin_leak pin-wrong
	end_case pin-wrong
	check "pin-wrong: exactly one VERIFY with a value, refused" \
		report "m['pin_verifies'] == 1 and m['pin_wrong'] == 1"
fi

# ---- a black-holed data link: the data check notices ----
if want blackhole; then
	{
		printf '[location here]\n%s\n\n' "$here_ops"
		# vsim-a's link drops everything 3 s after its PDP activation;
		# registration and the PDP context stay up
		printf '[fail dark]\nstage = data\nmode = blackhole\nms = 3000\nimsi = %s\n\n' $VA
	} | scenario $d/blackhole.scn active active
	# (a loaded debug VM dials in up to a minute, and answers a probe in
	# more than 800 ms: the master must connect for vsim-a to come)
	{
		sed 's/^t_dial_ms = .*/t_dial_ms = 90000/' $d/vuiccd.conf
		printf 'data_check = http://192.0.2.1:8080/gen_204\n'
		printf 'data_check_interval_ms = 1500\ndata_check_failures = 3\n'
		printf 'data_check_timeout_ms = 1500\n'
	} >$d/vuiccd-blackhole.conf
	check "blackhole: vuiccd -t accepts the data check" vuiccd -t -c $d/vuiccd-blackhole.conf
	mkdir -p $d/www
	: >$d/www/gen_204
	# the probe's target: a web server in the internet, next to the SIM server's
	hstart() {
		ip netns exec netsim-inet python3 -m http.server 8080 --bind 192.0.2.1 \
			--directory $d/www >$d/http-blackhole.log 2>&1 &
		hpid=$!
	}
	conf=$d/vuiccd-blackhole.conf start_case blackhole
	hstart
	check "blackhole: vsim-a up, its data checked and answered" \
		wait_for 240 "c['enabled'] == 'vsim-a' and p['phase'] == 'vsim-up' and \
			      p['data_check']['last_ok'] == True"
	check "blackhole: the check fails vsim-a at data; another VSIM takes over" \
		wait_for 120 "p['phase'] == 'vsim-up' and c['enabled'] == 'vsim-b'"
	check "blackhole: status counts the data stage failed by the check" \
		js "p['data_check']['data_stages_failed'] >= 1 and \
		    p['data_check']['probes_failed'] >= 3 and p['data_check']['probes_sent'] >= 4"
	check "blackhole: data flows through vsim-b (the check answered again)" \
		wait_for 30 "p['data_check']['failures_in_row'] == 0 and \
			     p['data_check']['last_ok'] == True and p['data_check']['state'] != 'idle'"
	check "blackhole: vsim-a is gone from the kernel" \
		sh -c "! vuiccctl profile list --card 0 | grep -q vsim-a"
	end_case blackhole
	check "blackhole: netsim black-holed the link" report "m['blackholes'] >= 1"
	check "blackhole: failed with the data check's reason" \
		grep -q 'vsim-a: VSIM failed at data: data check: 3 probes failed' \
		$d/vuiccd-blackhole.log
	check "blackhole: vuiccd saw no registration or PDP loss before the check failed it" \
		sh -c "sed -n '/vsim-a: VSIM connected, data up/,/data check: 3 probes failed/p' \
		       $d/vuiccd-blackhole.log | grep -q 'data check: 3 probes failed' &&
		       ! sed -n '/vsim-a: VSIM connected, data up/,/data check: 3 probes failed/p' \
		       $d/vuiccd-blackhole.log | grep -qE 'registration lost|data connection lost'"
	check "blackhole: the server got vsim-a's failure report" \
		grep -q 'report.*vsim-a\|/v1/report' $d/server-blackhole.log
fi

echo "# policy: $failed failed"
[ $failed = 0 ]
