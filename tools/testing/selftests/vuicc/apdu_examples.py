#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The worked APDU examples of ../shared/vectors/apdu_examples.txt, each
through `vuiccctl apdu --get-response` on a card with the example's keys:
the responses must be exactly the listed ones.  Run in the VM harness."""
import os
import re
import subprocess
import sys

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "../../../.."))
EXAMPLES = os.environ.get("VUICC_SHARED", os.path.join(TOP, "..", "shared")) + \
    "/vectors/apdu_examples.txt"
PROFILES = os.path.join(TOP, "tools/testing/profiles")
CARD = "57"
USIM = "00A4040C10A0000000871002FFFFFFFF8907090000"
DF_GSM = "A0A40000027F20"
# example number -> (profile, selection before the command)
SETUP = {1: ("ex-sysmo", USIM), 2: ("ex-35207-1", USIM), 3: ("ex-resync", USIM),
         4: ("ex-resync", USIM), 5: ("ex-35207-1", USIM), 6: ("ex-35207-1", DF_GSM)}


def sh(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def fresh_card(profile):
    sh("vuiccctl", "card", "del", CARD)
    for cmd in (["card", "add", CARD],
                ["profile", "add", f"{PROFILES}/{profile}.conf", "--card", CARD],
                ["profile", "enable", profile, "--card", CARD]):
        rc, _, err = sh("vuiccctl", *cmd)
        if rc:
            raise SystemExit(f"not ok - vuiccctl {' '.join(cmd)}: {err}")


def main():
    if not os.path.exists(EXAMPLES):
        print(f"not ok - {EXAMPLES} missing (../shared beside the checkout)")
        return 1
    text = open(EXAMPLES).read()
    cases = []
    for m in re.finditer(r"^## (\d+)\.(.*?)(?=^## |\Z)", text, re.S | re.M):
        n, body = int(m.group(1)), m.group(2)
        capdu = re.search(r"^C-APDU\s*:\s*([0-9A-F ]+)$", body, re.M)
        rapdu = re.search(r"^R-APDU\s*:\s*([0-9A-F ]+?)(?:\s{2,}|\s*\(|$)", body, re.M)
        if n in SETUP and capdu and rapdu:
            cases.append((n, SETUP[n], capdu.group(1).replace(" ", ""),
                          rapdu.group(1).replace(" ", "")))
        # the XOR-2G variant of example 6, given in a comment
        x = re.search(r"Ki=000102\.\.0f, RAND=([0-9a-f]{32}):\s*\n#\s*R-APDU ([0-9A-F ]+?) \(", body)
        if n == 6 and x:
            cases.append(("6 (XOR-2G)", ("ex-xor2g", DF_GSM), "A088000010" + x.group(1).upper(),
                          x.group(2).replace(" ", "")))
    if len(cases) < 7:
        print(f"not ok - found {len(cases)} examples in {EXAMPLES}, expected 7")
        return 1
    fails = 0
    for n, (profile, sel), capdu, want in cases:
        fresh_card(profile)
        rc, out, err = sh("vuiccctl", "apdu", "--card", CARD, "--get-response", sel, capdu)
        got = out.splitlines()[-1] if rc == 0 and out else err
        if got == want:
            print(f"ok - example {n} ({profile}): {want}")
        else:
            print(f"not ok - example {n} ({profile}):\n#   want {want}\n#   got  {got}")
            fails += 1
    sh("vuiccctl", "card", "del", CARD)
    print(f"apdu examples: {len(cases)} run, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
