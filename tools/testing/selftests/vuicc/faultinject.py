#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every allocation of the authentication path fails once; the card survives.

For a MILENAGE profile (TS 35.207/35.208 test set 1) and a TUAK profile
(TS 35.233 test set 1), on the success path (a fresh AUTN) and on the
synchronisation-failure path (the same AUTN again, AUTS from f1* and f5*),
the test makes the n-th fault-injection site reached by the AUTHENTICATE
exchange fail (/proc/thread-self/fail-nth, with failslab failing GFP_KERNEL
allocations too, in every slab cache but kmemleak's), for n = 1, 2, ... until the exchange reaches no n-th site.
Each time:

  - the exchange either fails with ENOMEM (write() or read()), or answers
    the status word 6F00 alone (technical problem: no RES, CK, IK or AUTS
    byte in it), or answers exactly what it answers without a failure (the
    allocation that failed was not one the answer needs: an event);
  - with the failure gone, the same AUTHENTICATE gives exactly the expected
    answer: a failed attempt consumed no SQN and left nothing half done;
  - the card still answers SELECT of the MF;
  - when the answer came although an allocation failed, what failed was an
    event for the monitor group: its listener (this test) gets every event
    all the same (the allocation was netlink's trim of it), or is told: its
    next receive fails with ENOBUFS, as after an overflow, which makes
    vuiccd fetch the state again instead of missing an SQN array.

At the end kmemleak finds nothing of vuicc's, and the kernel log (checked by
the harness) has no BUG, WARNING or sanitizer report.  Needs the debug
kernel (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS, kmemleak):
tools/testing/vm/run --kernel debug -- tools/testing/selftests/vuicc/faultinject.py
Only published test keys are used.
"""
import errno
import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile

CARD = 53
VUICC_ATR_SIZE = 40
IOC_POWER_ON = (2 << 30) | (VUICC_ATR_SIZE << 16) | (0xC7 << 8) | 0x00
USIM_AID = "A0000000871002FFFFFFFF8907090000"
FAILSLAB = "/sys/kernel/debug/failslab"
KMEMLEAK = "/sys/kernel/debug/kmemleak"
SLABS = "/sys/kernel/slab"

# TS 35.207/35.208 test set 1 (../shared/vectors/apdu_examples.txt example 2)
MILENAGE = {
    "profile": """name = fi-milenage
kind = vsim
iccid = 8988211000000000075
imsi = 001010000000075
algorithm = milenage
k = 465b5ce8b199b49faa5f0a2ee238a6bc
opc = cd63cb71954a9f4e48a5994e37a02baf
sqn_delta = 0
""",
    "rand": "23553cbe9637a89d218ae64dae47bf35",
    "autn": "55f328b43577b9b94a9ffac354dfafb3",
    "ok": "DB08A54211D5E3BA50BF10B40BA9A3C58B2A05BBF0D987B21BF8CB10F769BCD751044604127672711C6D3441",
}

# TS 35.233 section 6.3 test set 1 (../shared/vectors/tuak_35233.txt)
_sqn, _ak, _amf, _mac = 0x111111111111, 0x719F1E9B9054, "ffff", "f9a54e6aeaa8618d"
TUAK = {
    "profile": """name = fi-tuak
kind = vsim
iccid = 8988211000000000083
imsi = 001010000000083
algorithm = tuak
k = abababababababababababababababab
top = 5555555555555555555555555555555555555555555555555555555555555555
tuak_res_bits = 32
tuak_mac_bits = 64
tuak_iterations = 1
sqn_delta = 0
""",
    "rand": "42424242424242424242424242424242",
    "autn": f"{_sqn ^ _ak:012x}{_amf}{_mac}",
    "ok": "DB04657ACD6410D71A1E5C6CAFFE986A26F783E5C78BE110BE849FA2564F869AECEE6F62D4337E72",
}

results = []


def nl_attrs(buf):
    """netlink attributes: {type: payload}"""
    out = {}
    while len(buf) >= 4:
        ln, ty = struct.unpack_from("HH", buf)
        if ln < 4:
            break
        out[ty & 0x7FFF] = buf[4:ln]
        buf = buf[(ln + 3) & ~3:]
    return out


def monitor_socket():
    """A generic netlink socket in vuicc's monitor group (as vuiccd has)."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)	# NETLINK_GENERIC
    s.bind((0, 0))
    name = b"vuicc\0"
    attr = struct.pack("HH", 4 + len(name), 2) + name + b"\0" * (-len(name) % 4)
    payload = struct.pack("BBH", 3, 1, 0) + attr	# CTRL_CMD_GETFAMILY
    s.send(struct.pack("IHHII", 16 + len(payload), 0x10, 1, 1, 0) + payload)
    r = s.recv(65536)
    attrs = nl_attrs(r[20:])
    grp = None
    for g in nl_attrs(attrs.get(7, b"")).values():	# CTRL_ATTR_MCAST_GROUPS
        ga = nl_attrs(g)
        if ga.get(1, b"").rstrip(b"\0") == b"monitor":
            grp = struct.unpack("I", ga[2])[0]
    if grp is None:
        raise SystemExit("faultinject: no vuicc monitor group (is vuicc.ko loaded?)")
    s.setsockopt(270, 1, grp)	# SOL_NETLINK, NETLINK_ADD_MEMBERSHIP
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    return s


def events(s):
    """Drains the monitor socket: (events received, whether one failed with ENOBUFS)."""
    n, lost = 0, False
    while True:
        try:
            s.recv(65536, socket.MSG_DONTWAIT)
            n += 1
        except BlockingIOError:
            return n, lost
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            lost = True


def check(ok, what, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}" + (f" # {detail}" if detail and not ok else ""))
    return ok


def vuiccctl(*args):
    r = subprocess.run(["vuiccctl", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"faultinject: vuiccctl {' '.join(args)}: {r.stderr.strip()}")


def write_knob(path, value):
    with open(path, "w") as f:
        f.write(value)


class Card:
    def __init__(self, algo):
        self.algo = algo
        with tempfile.NamedTemporaryFile("w", suffix=".conf", dir="/tmp", delete=False) as f:
            f.write(algo["profile"])
            path = f.name
        os.chmod(path, 0o600)
        self.name = algo["profile"].split("\n")[0].split("= ")[1]
        vuiccctl("profile", "del", self.name, "--card", str(CARD)) if self.exists() else None
        vuiccctl("profile", "add", path, "--card", str(CARD))
        os.unlink(path)
        vuiccctl("profile", "enable", self.name, "--card", str(CARD))
        self.fd = os.open(f"/dev/vuicc{CARD}", os.O_RDWR)
        fcntl.ioctl(self.fd, IOC_POWER_ON, bytearray(VUICC_ATR_SIZE))
        if self.tx(f"00A4040C10{USIM_AID}") != "9000":
            raise SystemExit("faultinject: SELECT of the USIM failed")

    def exists(self):
        r = subprocess.run(["vuiccctl", "profile", "list", "--card", str(CARD)],
                           capture_output=True, text=True)
        return self.name in r.stdout

    def close(self):
        os.close(self.fd)
        vuiccctl("profile", "del", self.name, "--card", str(CARD))

    def tx(self, hexapdu):
        os.write(self.fd, bytes.fromhex(hexapdu))
        return os.read(self.fd, 65538).hex().upper()

    def authenticate(self, nth=None):
        """AUTHENTICATE with GET RESPONSE; with nth, the nth fault site fails.

        Returns (answer or "ENOMEM", whether the nth site was reached)."""
        a = self.algo
        cmd = f"0088008122 10{a['rand']} 10{a['autn']} 00".replace(" ", "")
        reached = False
        nthfd = os.open("/proc/thread-self/fail-nth", os.O_RDWR) if nth else None
        try:
            if nthfd is not None:
                os.write(nthfd, str(nth).encode())
            try:
                r = self.tx(cmd)
                if r.startswith("61"):
                    r = self.tx(f"00C00000{r[2:4]}")
            except OSError as e:
                if e.errno != errno.ENOMEM:
                    raise
                r = "ENOMEM"
            if nthfd is not None:
                left = int(os.pread(nthfd, 16, 0).decode().strip() or "0")
                reached = left == 0
        finally:
            if nthfd is not None:
                os.write(nthfd, b"0")
                os.close(nthfd)
        return r, reached


def run(label, algo, replay, mon):
    """Fails each fault site of one path in turn; returns how many there were.

    The success path starts each attempt on a freshly installed profile (a
    success consumes the SQN); the resynchronisation path replays on one."""
    card = Card(algo)
    events(mon)
    first, _ = card.authenticate()
    n_events, _ = events(mon)
    # RES, CK and IK of the test set (and Kc after them when the profile has GSM access)
    if not check(first.startswith(algo["ok"]) and first.endswith("9000"),
                 f"{label}: the answer without a failure has the test set's RES, CK, IK", first):
        card.close()
        return 0
    # the answer to the same AUTHENTICATE once it succeeded: a resynchronisation
    auts, _ = card.authenticate()
    n_auts_events, _ = events(mon)
    if not check(auts.startswith("DC0E") and auts.endswith("9000"),
                 f"{label}: the replay gives a synchronisation failure", auts):
        card.close()
        return 0
    expect, after, n_expect = (auts, auts, n_auts_events) if replay else (first, auts, n_events)
    sites = 0
    bad = []
    told = [0]
    for n in range(1, 200):
        if not replay:
            card.close()
            card = Card(algo)
        events(mon)
        got, reached = card.authenticate(nth=n)
        if not reached:
            break
        sites += 1
        got_events, lost = events(mon)
        if got not in ("ENOMEM", "6F00", expect):
            bad.append(f"site {n}: answered {got[:12]}.. (len {len(got) // 2})")
        if got == expect:
            # what failed was not needed for the answer: an event, which
            # its listener got anyway (a failed trim of it) or is told of
            if lost:
                told[0] += 1
            elif got_events != n_expect:
                bad.append(f"site {n}: {got_events} of {n_expect} events and no ENOBUFS")
        # a failure took nothing; a success consumed the SQN as ever
        again, _ = card.authenticate()
        if again != (after if got == expect else expect):
            bad.append(f"site {n}: then {again[:12]}.. instead of the expected answer")
        if card.tx("00A4000C023F00") != "9000":
            bad.append(f"site {n}: SELECT MF then failed")
    check(sites > 0, f"{label}: the exchange reaches fault sites ({sites})")
    check(not bad, f"{label}: each of the {sites} failures: ENOMEM or 6F00 alone, or the "
          f"answer with every event or its listener told ({told[0]}); then the expected "
          f"answer, the card answering", "; ".join(bad[:4]))
    card.close()
    return sites


def main():
    if not os.path.isdir(FAILSLAB):
        if not os.path.ismount("/sys/kernel/debug"):
            subprocess.run(["mount", "-t", "debugfs", "none", "/sys/kernel/debug"])
    if not os.path.isdir(FAILSLAB) or not os.path.exists("/proc/thread-self/fail-nth"):
        print("not ok - failslab or fail-nth missing: run on the debug kernel "
              "(CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS; tools/testing/vm/run --kernel debug)")
        sys.exit(1)
    # GFP_KERNEL allocations may fail too; nothing printed per failure (a
    # stack trace would trip the harness's gate); every slab cache but
    # kmemleak's own (whose failures it absorbs from a reserve: sites that
    # would count and change nothing)
    write_knob(f"{FAILSLAB}/ignore-gfp-wait", "N")
    write_knob(f"{FAILSLAB}/verbose", "0")
    caches = [c for c in os.listdir(SLABS) if not c.startswith("kmemleak")
              and not os.path.islink(os.path.join(SLABS, c))
              and os.path.exists(os.path.join(SLABS, c, "failslab"))]
    for c in caches:
        write_knob(os.path.join(SLABS, c, "failslab"), "1")
    write_knob(f"{FAILSLAB}/cache-filter", "Y")
    subprocess.run(["vuiccctl", "card", "del", str(CARD)], capture_output=True)
    vuiccctl("card", "add", str(CARD))
    total = 0
    mon = monitor_socket()
    try:
        for label, algo in (("MILENAGE", MILENAGE), ("TUAK", TUAK)):
            total += run(f"{label} success path", algo, False, mon)
            total += run(f"{label} resynchronisation path", algo, True, mon)
    finally:
        write_knob(f"{FAILSLAB}/ignore-gfp-wait", "Y")
        write_knob(f"{FAILSLAB}/cache-filter", "N")
        for c in caches:
            write_knob(os.path.join(SLABS, c, "failslab"), "0")
        subprocess.run(["vuiccctl", "card", "del", str(CARD)], capture_output=True)
    if os.path.exists(KMEMLEAK):
        write_knob(KMEMLEAK, "scan")
        write_knob(KMEMLEAK, "scan")
        with open(KMEMLEAK) as f:
            leaks = [b for b in f.read().split("unreferenced object") if "vuicc" in b]
        check(not leaks, "kmemleak: nothing of vuicc's left behind",
              leaks[0].strip().splitlines()[0] if leaks else "")
    else:
        check(False, "kmemleak: /sys/kernel/debug/kmemleak missing (the debug kernel has it)")
    bad = results.count(False)
    print(f"faultinject: {total} fault sites failed in turn, {len(results)} checks, {bad} failed")
    sys.exit(1 if bad or not results else 0)


if __name__ == "__main__":
    main()
