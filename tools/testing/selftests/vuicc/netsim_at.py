#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""netsim's AT port against 3GPP TS 27.007, in the VM (vuicc.ko with
cards=2): echo, +CMEE, +CFUN, +CPIN?, +CIMI, +CCID, +CSIM, +COPS read, set
and test, +CREG/+CGREG/+CEREG with mode 3 reject causes and unsolicited
reports, +CSQ, +CESQ, +CGDCONT, +CGACT, +CGPADDR, +CEER; failure
injection (a PLMN without a roaming agreement, a rejected PDP activation,
a silent network), a move between locations, and a profile switch that
makes the modem read the card again."""
import os
import re
import select
import subprocess
import sys
import time
import tty

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "../../../.."))
D = "/tmp/netsim-at"
failed = 0


def check(what, cond, got=None):
    global failed
    if cond:
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + ("" if got is None else "  (got %r)" % (got,)))


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


class Port:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = b""
        self.tail = b""     # what came after the last final result code

    def read_until(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if pred(self.buf):
                return True
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                self.buf += os.read(self.fd, 4096)
        return pred(self.buf)

    def cmd(self, c, timeout=5.0):
        """Sends one command; returns (echo+lines, final) as text."""
        self.buf = b""
        os.write(self.fd, (c + "\r").encode())
        final = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n")
        self.read_until(lambda b: final.search(b), timeout)
        m = final.search(self.buf)
        if m:
            self.tail = self.buf[m.end():]
            self.buf = self.buf[:m.end()]
        text = self.buf.decode(errors="replace")
        return text, (m.group(1).decode() if m else None)

    def urc(self, pattern, timeout):
        rx = re.compile(pattern.encode())
        self.buf, self.tail = self.tail, b""
        self.read_until(lambda b: rx.search(b), timeout)
        m = rx.search(self.buf)
        return m.group(0).decode() if m else None


SCENARIO = """
[netsim]
datalink = yes

[modem m0]
card = 0
at_link = /run/netsim/at0
location = home
at_delay_ms = 2
boot_ms = 100
search_ms = 100
attach_ms = 100
pdp_ms = 100
scan_ms = 300

[location home]
operator = plmn=00101 name=VuiccTest lte=-85 umts=-97 tac=00c3 ci=1a2b301
operator = plmn=00102 name=NoAgreement lte=-70 tac=0101 ci=5

[location away]
operator = plmn=00103 name=Partner umts=-80 tac=0202 ci=7

[subscriber 001010000000011]
k = 465b5ce8b199b49faa5f0a2ee238a6bc
opc = cd63cb71954a9f4e48a5994e37a02baf
sqn = 0x5000
roaming = 00103

[fail pdp-once]
stage = dial
mode = reject
cause = 133
count = 1

"""

# the same, and the device moves where only a roaming partner is
SCENARIO_MOVE = SCENARIO + """
[events]
event = 1500 move m0 away
"""


# failures injected at each stage
SCENARIO_FAULTS = SCENARIO.replace("scan_ms = 300", "scan_ms = 300\nattach_timeout_ms = 1500") \
    .split("[fail pdp-once]")[0] + """
[fail silent-once]
stage = auth
mode = silence
count = 1

[fail flap]
stage = register
mode = flap
ms = 700
count = 1

[fail dial-slow]
stage = dial
mode = delay
ms = 1500
count = 1

[fail data-refused]
stage = data
mode = reject
count = 1

[fail dial-silent]
stage = dial
mode = silence
count = 1
"""


def connect_result():
    """How a TCP connection to the server ends: 'refused' (reached: no
    listener), 'prohibited', 'timeout' or another error."""
    import socket
    t = time.time()
    try:
        socket.create_connection(("192.0.2.1", 7), timeout=2).close()
        return "connected", time.time() - t
    except ConnectionRefusedError:
        return "refused", time.time() - t
    except PermissionError:
        return "prohibited", time.time() - t
    except OSError as e:
        return ("timeout" if isinstance(e, TimeoutError) or "timed out" in str(e)
                else str(e)), time.time() - t


def start(scenario, name, log):
    with open(D + "/" + name + ".scn", "w") as f:
        f.write(scenario)
    ns = subprocess.Popen(["netsim", "--scenario", D + "/" + name + ".scn", "--report",
                           D + "/" + name + ".json"], stdout=log, stderr=subprocess.STDOUT)
    # wall clock: netsim starts slowly on a loaded debug kernel
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if os.path.islink("/run/netsim/at0") and os.path.exists("/run/netsim/at0"):
            break
        time.sleep(0.05)
    return ns


def main():
    os.makedirs(D, exist_ok=True)
    prof = TOP + "/tools/testing/profiles/seed-netsim.conf"
    sh("vuiccctl profile del seed-netsim --card 0")
    r = sh("vuiccctl profile add %s --card 0 && vuiccctl profile enable seed-netsim --card 0" % prof)
    check("the seed is installed and enabled on card 0", r.returncode == 0, r.stderr)
    log = open(D + "/netsim.log", "w")
    ns = start(SCENARIO, "at", log)
    p = Port("/run/netsim/at0")

    text, fin = p.cmd("AT")
    check("AT: echo on at start, then OK", text.startswith("AT\r") and fin == "OK", text)
    text, fin = p.cmd("ATE0")
    text, fin = p.cmd("AT")
    check("ATE0: no echo", text == "\r\nOK\r\n", text)
    text, fin = p.cmd("AT+CMEE=1")
    check("+CMEE=1", fin == "OK")
    text, fin = p.cmd("AT+CMEE?")
    check("+CMEE? reads 1", "+CMEE: 1" in text and fin == "OK", text)
    text, fin = p.cmd("AT+CEREG=3")
    p.cmd("AT+CREG=2")
    check("+CEREG=3", fin == "OK")
    text, fin = p.cmd("AT+CFUN?")
    check("+CFUN? is 1 at start", "+CFUN: 1" in text, text)
    # registered at home by itself (automatic mode, HPLMN first)
    for _ in range(50):
        text, fin = p.cmd("AT+CEREG?")
        if "+CEREG: 3,1," in text:
            break
        time.sleep(0.1)
    check("+CEREG? in mode 3: home, TAC, cell, E-UTRAN",
          '+CEREG: 3,1,"00C3","01A2B301",7' in text, text)
    text, fin = p.cmd("AT+CREG?")
    check("+CREG? in mode 2: LAC, cell, AcT", '+CREG: 2,1,"00C3","01A2B301",7' in text, text)
    text, fin = p.cmd("AT+CGREG?")
    check("+CGREG? in mode 0: n and stat only", "+CGREG: 0,1\r\n" in text, text)
    text, fin = p.cmd("AT+CPIN?")
    check("+CPIN?: READY", "+CPIN: READY" in text and fin == "OK", text)
    text, fin = p.cmd("AT+CIMI")
    check("+CIMI: the IMSI as bare digits", "\r\n001010000000011\r\n" in text, text)
    text, fin = p.cmd("AT+CCID")
    check("+CCID: the ICCID read from EF_ICCID", "+CCID: 8988211000000000117" in text, text)
    text, fin = p.cmd('AT+CSIM=14,"00A40004023F00"')
    check("+CSIM: SELECT MF answers 61xx", re.search(r'\+CSIM: 4,"61[0-9A-F]{2}"', text), text)
    text, fin = p.cmd('AT+CSIM=13,"00A40004023F0"')
    check("+CSIM with a wrong length: +CME ERROR: 50", fin == "+CME ERROR: 50", text)
    text, fin = p.cmd("AT+COPS?")
    check("+COPS?: automatic, numeric, 00101, E-UTRAN", '+COPS: 0,2,"00101",7' in text, text)
    text, fin = p.cmd("AT+CESQ")
    check("+CESQ: RSRP -85 dBm is 56, RSRQ given, others unknown",
          "+CESQ: 99,99,255,255,20,56" in text, text)
    text, fin = p.cmd("AT+CSQ")
    check("+CSQ: an RSSI index", re.search(r"\+CSQ: ([0-9]|[12][0-9]|3[01]),99", text), text)
    text, fin = p.cmd("AT+COPS=?", timeout=5)
    check("+COPS=?: every operator and RAT, current 2, then the lists",
          '(2,"VuiccTest","VuiccTest","00101",7)' in text and
          '(1,"VuiccTest","VuiccTest","00101",2)' in text and
          '(1,"NoAgreement","NoAgreement","00102",7)' in text and
          ",,(0,1,2,3,4),(0,1,2)" in text and fin == "OK", text)

    # manual selection of a PLMN without a roaming agreement: #11
    p.buf = b""
    text, fin = p.cmd('AT+COPS=1,2,"00102"', timeout=5)
    check('+COPS=1,2,"00102": +CME ERROR: 111 (PLMN not allowed)', fin == "+CME ERROR: 111", text)
    # a report raised while a command is answered waits for its final result
    check("no unsolicited report inside the answer to +COPS=1", "+CEREG:" not in text, text)
    got = p.urc(r'\+CEREG: 3,"0101","00000005",7,0,11', 3)
    check("after it, the unsolicited +CEREG says denied with cause 11", got is not None, p.buf)
    text, fin = p.cmd("AT+CEREG?")
    check("+CEREG? in mode 3: denied, cause 11", '+CEREG: 3,3,"0101","00000005",7,0,11' in text,
          text)
    text, fin = p.cmd("AT+CEER")
    check("+CEER names the cause", "#11" in text and fin == "OK", text)
    text, fin = p.cmd("AT+COPS=0")
    got = p.urc(r'\+CEREG: 1,"00C3","01A2B301",7', 5)
    check("+COPS=0: back home, reported unsolicited", got is not None, p.buf)

    # data: the first activation is rejected (injected), the second works
    text, fin = p.cmd('AT+CGDCONT=1,"IP","internet"')
    check("+CGDCONT", fin == "OK")
    text, fin = p.cmd("AT+CGDCONT?")
    check("+CGDCONT? reads it back", '+CGDCONT: 1,"IP","internet"' in text, text)
    text, fin = p.cmd("AT+CGACT=1,1")
    check("+CGACT=1,1 rejected once: +CME ERROR: 133", fin == "+CME ERROR: 133", text)
    # (netsim sets the veth link up with ip(8): seconds on a loaded debug kernel)
    text, fin = p.cmd("AT+CGACT=1,1", timeout=30)
    check("+CGACT=1,1 then OK", fin == "OK", text)
    text, fin = p.cmd("AT+CGACT?")
    check("+CGACT? active", "+CGACT: 1,1" in text, text)
    text, fin = p.cmd("AT+CGPADDR=1")
    check("+CGPADDR=1: the address", '+CGPADDR: 1,"10.64.0.2"' in text, text)
    r = sh("ip -br addr show nsim0")
    check("the device end of the data link has it", "10.64.0.2/30" in r.stdout, r.stdout)
    text, fin = p.cmd("AT+CGACT=0,1", timeout=30)
    r = sh("ip link show nsim0")
    check("+CGACT=0,1 takes the link down", fin == "OK" and r.returncode != 0, r.stdout)

    # a profile switch: removal, insertion, the card read again, attach again
    # (a modem on a T=0 line notices when the card stops answering: its
    # presence check, then its own timeout)
    switch_s = 8 if os.environ.get("VUICC_SIM") == "t0" else 3
    sh("vuiccctl profile disable seed-netsim --card 0")
    got = p.urc(r"\+CEREG: 0", switch_s)
    check("the card removed: +CEREG: 0", got is not None, p.buf)
    text, fin = p.cmd("AT+CPIN?")
    check("+CPIN? without a card: +CME ERROR: 10", fin == "+CME ERROR: 10", text)
    sh("vuiccctl profile enable seed-netsim --card 0")
    got = p.urc(r'\+CEREG: 1,"00C3"', switch_s + 2)
    check("the card inserted: read again and registered again", got is not None, p.buf)

    ns.terminate()
    rc = ns.wait(10)
    check("netsim ends without scenario failure", rc == 0, rc)

    # the move: only a roaming partner there, on UMTS
    ns = start(SCENARIO_MOVE, "move", log)
    p = Port("/run/netsim/at0")
    t0 = time.time()
    p.cmd("ATE0")
    p.cmd("AT+CEREG=3")
    text = ""
    while time.time() - t0 < 20:
        text, fin = p.cmd("AT+CEREG?")
        if '+CEREG: 3,5,' in text:
            break
        time.sleep(0.2)
    check("moved away: roaming on the partner (stat 5), UTRAN",
          '+CEREG: 3,5,"0202","00000007",2' in text, text)
    text, fin = p.cmd("AT+CESQ")
    check("+CESQ on UTRAN: RSCP -80 dBm is 41", "+CESQ: 99,99,41,255,255,255" in text, text)
    text, fin = p.cmd("AT+CFUN=4")
    text2, fin2 = p.cmd("AT+COPS?")
    check("+CFUN=4: deregistered", fin == "OK" and "+COPS: 0\r\n" in text2, text2)
    text, fin = p.cmd("AT+NOSUCH")
    check("an unknown command: ERROR", fin == "ERROR", text)
    ns.terminate()
    rc = ns.wait(10)
    check("netsim (the move) ends without scenario failure", rc == 0, rc)

    # failures injected per stage
    ns = start(SCENARIO_FAULTS, "faults", log)
    p = Port("/run/netsim/at0")
    t0 = time.time()
    p.cmd("ATE0")
    p.cmd("AT+CMEE=1")
    p.cmd("AT+CEREG=3")
    time.sleep(0.8)
    text, fin = p.cmd("AT+CEREG?")
    check("authentication unanswered: still searching", "+CEREG: 3,2" in text, text)
    got = None
    while time.time() - t0 < 10 and not got:
        got = p.urc(r'\+CEREG: 1,"00C3"', 0.5)
    check("after T3410 (1.5 s) the modem tries again and registers", got is not None, p.buf)
    got = p.urc(r"\+CEREG: 2\r\n", 3)
    got2 = p.urc(r'\+CEREG: 1,"00C3"', 3)
    check("registration flaps: searching, then registered again", got and got2, p.buf)
    p.cmd("AT+COPS=2")
    p.cmd("AT+COPS=0")
    got = p.urc(r'\+CEREG: 1,"00C3"', switch_s + 2)
    check("deregistered and registered again: no more flapping (count = 1)",
          got is not None and not p.urc(r"\+CEREG: 2\r\n", 1.5), p.buf)
    p.cmd('AT+CGDCONT=1,"IP","internet"')
    t = time.time()
    text, fin = p.cmd("AT+CGACT=1,1", timeout=30)
    took = time.time() - t
    check("a delayed PDP activation answers OK after the delay (%.1f s)" % took,
          fin == "OK" and took >= 1.5, text)
    res, took = connect_result()
    check("data refused: the server is unreachable at once (%s, %.2f s)" % (res, took),
          res == "prohibited" and took < 1, res)
    p.cmd("AT+CGACT=0,1", timeout=30)
    text, fin = p.cmd("AT+CGACT=1,1", timeout=3)
    check("a silent PDP activation is never answered", fin is None, text)
    text, fin = p.cmd("AT+CGACT?")
    check("the port still answers afterwards", fin == "OK" and "+CGACT: 1,0" in text, text)
    text, fin = p.cmd("AT+CGACT=1,1", timeout=30)
    res, took = connect_result()
    check("the next activation works and the server is reached (%s)" % res,
          fin == "OK" and res == "refused", (fin, res))
    ns.terminate()
    rc = ns.wait(10)
    check("netsim (faults) ends without scenario failure", rc == 0, rc)
    log.close()
    print("# " + open(D + "/netsim.log").read().replace("\n", "\n# "))
    sh("vuiccctl profile del seed-netsim --card 0")
    print("# netsim_at: %d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
