#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Replays golden APDU transcripts through /dev/vuiccN and checks every response.

A transcript is a text file:

    # comment
    profile tools/testing/profiles/seed-master.conf   (installed and enabled first)
    reset                                              (a cold reset: a new session)
    > 00A40004023F00                                   (a command APDU, hex)
    < 6126                                             (its response; '?' matches any
                                                        hex digit, a final '*' any rest)

Run as root in the VM harness:
    transcript.py [--card N] [--record] FILE...
--record prints each file with its '<' lines set to what the card answers,
between "=== FILE" and "=== end" lines (review them before committing!).
"""
import argparse
import fcntl
import os
import re
import subprocess
import sys

VUICC_ATR_SIZE = 40
# _IOR(0xC7, 0, struct vuicc_atr) and _IOWR(0xC7, 2, struct vuicc_reset)
IOC_POWER_ON = (2 << 30) | (VUICC_ATR_SIZE << 16) | (0xC7 << 8) | 0x00
IOC_RESET = (3 << 30) | (48 << 16) | (0xC7 << 8) | 0x02
RESET_COLD = 1


def vuiccctl(*args):
    r = subprocess.run(["vuiccctl", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"transcript: vuiccctl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def matches(want, got):
    want = want.upper().replace(" ", "")
    if want.endswith("*"):
        want = want[:-1]
        got = got[:len(want)]
    return len(want) == len(got) and all(w in ("?", g) for w, g in zip(want, got))


def cold_reset(fd):
    buf = bytearray(48)
    buf[0] = RESET_COLD
    fcntl.ioctl(fd, IOC_RESET, buf)


def run(path, card, record):
    lines = open(path).read().splitlines()
    out, fails, count = [], 0, 0
    fd = None
    pending = None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("profile "):
            conf = line.split(None, 1)[1]
            name = re.search(r"^name\s*=\s*(\S+)", open(conf).read(), re.M).group(1)
            vuiccctl("profile", "add", conf, "--card", str(card))
            vuiccctl("profile", "enable", name, "--card", str(card))
        elif line == "reset" and fd is not None:
            cold_reset(fd)
        elif line.startswith(">"):
            if fd is None:
                fd = os.open(f"/dev/vuicc{card}", os.O_RDWR)
                fcntl.ioctl(fd, IOC_POWER_ON, bytearray(VUICC_ATR_SIZE))
            capdu = bytes.fromhex(line[1:].strip())
            os.write(fd, capdu)
            pending = os.read(fd, 65538).hex().upper()
            count += 1
        elif line.startswith("<"):
            want = line[1:].strip()
            if pending is None:
                raise SystemExit(f"{path}:{no}: a response with no command")
            if record:
                raw = "< " + pending
            elif not matches(want, pending):
                print(f"not ok - {path}:{no}: want {want}\n#                got  {pending}")
                fails += 1
            pending = None
        out.append(raw)
    if fd is not None:
        os.close(fd)
    if record:
        # the checkout is read-only in the VM: the new text goes to stdout
        print(f"=== {path}")
        print("\n".join(out))
        print("=== end")
    print(f"{'ok' if not fails else 'not ok'} - {os.path.basename(path)}: {count} APDUs, {fails} mismatches")
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--card", type=int, default=50)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    fails = 0
    for f in a.files:
        subprocess.run(["vuiccctl", "card", "del", str(a.card)], capture_output=True)
        vuiccctl("card", "add", str(a.card))
        try:
            fails += run(f, a.card, a.record)
        finally:
            subprocess.run(["vuiccctl", "card", "del", str(a.card)], capture_output=True)
    print(f"transcripts: {len(a.files)} files, {fails} mismatches")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
