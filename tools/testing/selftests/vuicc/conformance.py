#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The card against the specifications, through /dev/vuiccN.

Written from ETSI TS 102 221, 3GPP TS 31.102 and TS 51.011, not from the
card's template (kernel/vuicc_fs.c) nor its service table (vuicc_svc.c):

  files     the mandatory files of the MF, the USIM and DF_GSM; for every
            service the card's EF_UST / EF_SST declare, the files that service
            brings; EF_SUCI_Calc_Info absent while USIM service 124 is off
  linked    files that a UICC shares between DF_GSM / DF_TELECOM and the USIM:
            an update under one path is read under the other, and the
            persistent state names the file once
  cases     every command in every APDU form a T=0 terminal sends (case 1 as
            P3 = 00, case 2 with P3 = 00 and with a wrong P3, case 3, case 4
            sent as case 3), each answer's status word class checked against
            the case the specification gives the command
  services  a profile whose service table claims a service whose files the
            card lacks is refused, naming the service and the file; so is the
            content of a file that shall not be available

Run as root in the VM harness (vuicc.ko loaded):  conformance.py [--card N]
"""
import argparse
import fcntl
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "../../../.."))
PROFILE = os.path.join(TOP, "tools/testing/profiles/seed-master.conf")

VUICC_ATR_SIZE = 40
IOC_POWER_ON = (2 << 30) | (VUICC_ATR_SIZE << 16) | (0xC7 << 8) | 0x00
USIM_AID = "A0000000871002FFFFFFFF8907090000"

# TS 102 221 §13, TS 31.102 §4.2, TS 51.011 §10.3: files every card has
MANDATORY = {
    "MF": ["2F00", "2FE2", "2F05", "2F06"],
    # LI IMSI KEYS KEYSPS HPPLMN UST ACC FPLMN LOCI AD ECC PSLOCI START-HFN
    # THRESHOLD ARR NETPAR
    "7FFF": ["6F05", "6F07", "6F08", "6F09", "6F31", "6F38", "6F78", "6F7B", "6F7E",
             "6FAD", "6FB7", "6F73", "6F5B", "6F5C", "6F06", "6FC4"],
    # LP IMSI Kc HPPLMN SST BCCH ACC FPLMN LOCI AD Phase
    "7F20": ["6F05", "6F07", "6F20", "6F31", "6F38", "6F74", "6F78", "6F7B", "6F7E",
             "6FAD", "6FAE"],
}

# TS 31.102 §4.2.8 / §5 (USIM service -> files under the ADF), and the
# files that shall not be available while the service is off
UST_FILES = {
    2: ["6F3B"], 3: ["6F4B"], 4: ["6F49"], 5: ["6F4C"], 6: ["6F4D"], 7: ["6F55"],
    8: ["6F80", "6F81"], 9: ["6F82", "6F83"], 10: ["6F3C", "6F43"], 11: ["6F47"],
    12: ["6F42"], 13: ["6F39", "6F37", "6F41"], 14: ["6F4F"], 15: ["6F45"], 16: ["6F50"],
    17: ["6F3E"], 18: ["6F3F"], 19: ["6F46"], 20: ["6F60"], 21: ["6F40"],
    27: ["5F3B/4F20", "5F3B/4F52"], 29: ["6F48"], 34: ["6F56"], 35: ["6F57"],
    42: ["6F61"], 43: ["6F62"], 45: ["6FC5"], 46: ["6FC6"], 47: ["6FC7", "6FC9"],
    48: ["6FCA"], 49: ["6FCB"], 51: ["6FCD"], 71: ["6FD9"], 85: ["6FE3", "6FE4"],
    122: ["5FC0/4F01", "5FC0/4F02", "5FC0/4F03", "5FC0/4F04"], 123: ["5FC0/4F05"],
    124: ["5FC0/4F07", "5FC0/4F0A"], 126: ["5FC0/4F06"], 129: ["5FC0/4F08"],
}
UST_HIDDEN_OFF = {124: ["5FC0/4F07"]}          # TS 31.102 §4.4.11.8
# TS 51.011 §10.3.7 (SIM service -> files)
SST_FILES = {
    2: ["7F10/6F3A"], 3: ["7F10/6F3B"], 4: ["7F10/6F3C"], 5: ["7F20/6F39", "7F20/6F37"],
    6: ["7F10/6F3D"], 7: ["7F20/6F30"], 9: ["7F10/6F40"], 10: ["7F10/6F4A"],
    11: ["7F10/6F4B"], 12: ["7F10/6F42"], 13: ["7F10/6F44"], 14: ["7F20/6F45"],
    15: ["7F20/6F3E"], 16: ["7F20/6F3F"], 17: ["7F20/6F46"], 18: ["7F10/6F49"],
}

fd = None
card = 50
results = []


def check(ok, what, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}" + (f" # {detail}" if detail and not ok else ""))
    return ok


def vuiccctl(*args, ok=True):
    r = subprocess.run(["vuiccctl", *args], capture_output=True, text=True)
    if ok and r.returncode:
        raise SystemExit(f"conformance: vuiccctl {' '.join(args)}: {r.stderr.strip()}")
    return r


def tx(hexapdu):
    """One APDU to the card, the response data and SW as given."""
    os.write(fd, bytes.fromhex(hexapdu.replace(" ", "")))
    r = os.read(fd, 65538)
    return r[:-2], r[-2] << 8 | r[-1]


def t0(hexapdu):
    """As a T=0 terminal: follows 6Cxx once and 61xx / 9Fxx with GET RESPONSE."""
    cmd = bytes.fromhex(hexapdu.replace(" ", ""))
    data, sw = tx(cmd.hex())
    if sw >> 8 == 0x6C:
        data, sw = tx(cmd[:4].hex() + f"{sw & 0xFF:02X}")
    while sw >> 8 in (0x61, 0x9F):
        more, sw = tx(f"{cmd[0] if cmd[0] == 0xA0 else cmd[0] & 0x03:02X}C00000{sw & 0xFF:02X}")
        data += more
    return data, sw


def select_path(path):
    """SELECT by path from the MF, no data back (P2 0C); path "7FFF/6F07"."""
    fids = "".join(path.split("/"))
    return tx(f"00A4080C{len(fids) // 2:02X}{fids}")[1]


def select_usim():
    return tx(f"00A4040C10{USIM_AID}")[1]


def read_binary_path(path, n):
    if select_path(path) != 0x9000:
        return None
    data, sw = tx(f"00B00000{n:02X}")
    return data if sw == 0x9000 else None


def service_bits(raw, two_bits):
    on = set()
    for i, b in enumerate(raw):
        if two_bits:
            for j in range(4):
                if (b >> (2 * j)) & 3 == 3:
                    on.add(4 * i + j + 1)
        else:
            for j in range(8):
                if b >> j & 1:
                    on.add(8 * i + j + 1)
    return on


# ---- files ----

def test_files():
    select_usim()
    for f in MANDATORY["MF"]:
        check(select_path(f) == 0x9000, f"mandatory 3F00/{f}")
    for df in ("7FFF", "7F20"):
        for f in MANDATORY[df]:
            check(select_path(f"{df}/{f}") == 0x9000, f"mandatory {df}/{f}")
    # the FCP of a USIM file names the USIM's own EF_ARR (TS 31.102 §4.2.55)
    select_usim()
    fcp, sw = t0("00A4000402 6F07")
    check(sw == 0x9000 and bytes.fromhex("8B036F06") in fcp, "USIM EF_IMSI's FCP refers to EF_ARR 6F06",
          fcp.hex())
    ust = read_binary_path("7FFF/6F38", 0) or b""
    sst = read_binary_path("7F20/6F38", 0) or b""
    check(len(ust) > 0 and len(sst) > 0, "EF_UST and EF_SST read")
    u_on, s_on = service_bits(ust, False), service_bits(sst, True)
    print(f"# USIM services on: {sorted(u_on)}; SIM services on: {sorted(s_on)}")
    for n in sorted(u_on):
        for f in UST_FILES.get(n, []):
            check(select_path(f"7FFF/{f}") == 0x9000, f"USIM service {n} is on: 7FFF/{f} present")
    for n, files in UST_HIDDEN_OFF.items():
        if n not in u_on:
            for f in files:
                check(select_path(f"7FFF/{f}") == 0x6A82,
                      f"USIM service {n} is off: 7FFF/{f} not available")
    for n in sorted(s_on):
        for f in SST_FILES.get(n, []):
            check(select_path(f) == 0x9000, f"SIM service {n} is on: {f} present")
    # the operator turns service 124 on (ADM): EF_SUCI_Calc_Info appears; off: it goes
    if 124 not in u_on and len(ust) > 15:
        check(tx("002000 0A 08 3131313131313131".replace(" ", ""))[1] == 0x9000, "VERIFY ADM1")
        select_usim()
        tx("00A4000C026F38")
        check(tx(f"00D6000F01{ust[15] | 0x08:02X}")[1] == 0x9000, "UPDATE EF_UST: service 124 on")
        check(select_path("7FFF/5FC0/4F07") == 0x9000, "service 124 on: 7FFF/5FC0/4F07 available")
        select_usim()
        tx("00A4000C026F38")
        check(tx(f"00D6000F01{ust[15]:02X}")[1] == 0x9000, "UPDATE EF_UST: service 124 off")
        check(select_path("7FFF/5FC0/4F07") == 0x6A82, "service 124 off again: 4F07 gone")
    # GSM terminals reach DF_TELECOM/EF_SMS with CLA A0 too (C3)
    tx("A0A40000023F00")
    tx("A0A40000027F10")
    check(tx("A0A40000026F3C")[1] >> 8 == 0x9F, "A0 SELECT 7F10/6F3C")
    # EF_SMSP has a record a client can read
    select_path("7F10/6F42")
    data, sw = t0("00B2010400")
    check(sw == 0x9000 and len(data) >= 28, "EF_SMSP record 1", f"{sw:04X}")


# ---- linked files ----

def test_linked():
    check(tx("002000010831323334FFFFFFFF")[1] == 0x9000, "VERIFY PIN1")
    # FPLMN updated under DF_GSM, read under the USIM (by its SFI 0D)
    tx("A0A40000027F20")
    tx("A0A40000026F7B")
    fplmn = "32F454FFFFFFFFFFFFFFFFFF"
    check(tx(f"A0D600000C{fplmn}")[1] == 0x9000, "A0 UPDATE BINARY 7F20/6F7B")
    select_usim()
    data, sw = tx("00B08D000C")
    check(sw == 0x9000 and data.hex().upper() == fplmn, "7FFF/6F7B reads what 7F20/6F7B got",
          data.hex())
    # MSISDN updated under the USIM, read under DF_TELECOM
    select_path("7FFF/6F40")
    rec = "AA" * 14
    check(tx(f"00DC01040E{rec}")[1] == 0x9000, "UPDATE RECORD 7FFF/6F40")
    tx("A0A40000023F00")
    tx("A0A40000027F10")
    tx("A0A40000026F40")
    data, sw = tx("A0B201040E")
    check(sw == 0x9000 and data.hex().upper() == rec, "7F10/6F40 reads what 7FFF/6F40 got", data.hex())
    # EF_Kc: DF_GSM's is the USIM's DF_GSM-ACCESS one (TS 31.102 §4.4.3)
    kc = read_binary_path("7F20/6F20", 9)
    kc3g = read_binary_path("7FFF/5F3B/4F20", 9)
    check(kc is not None and kc == kc3g, "7F20/6F20 and 7FFF/5F3B/4F20 hold one EF_Kc")
    # the persistent state names each changed file once, by its USIM path
    st = vuiccctl("state", "seed-master", "--card", str(card)).stdout
    print("# " + st.strip().replace("\n", "\n# "))
    check("3F007FFF6F7B" in st.upper().replace("/", "") or "ADF.USIM/EF.FPLMN" in st.upper(),
          "state names 7FFF/6F7B")
    check("3F007F206F7B" not in st.upper().replace("/", "") and "DF.GSM/EF.FPLMN" not in st.upper(),
          "state does not name 7F20/6F7B as well")


# ---- APDU cases ----

LEN = "length error (67xx / 6Cxx)"


def sw_class(sw):
    if sw == 0x9000 or sw >> 8 in (0x61, 0x9F, 0x91):
        return "ok"
    if sw >> 8 in (0x67, 0x6C):
        return "len"
    return "err"


def test_cases():
    """Each row: a command of TS 102 221 §11 / TS 51.011 §9.2, its setup,
    the cases the specification allows it, and valid command data."""
    rand = "00112233445566778899AABBCCDDEEFF"
    rows = [
        # name, setup APDUs, header, cases, data for case 3/4, wrong (too long) P3 or None
        ("SELECT by path", [], "00A40804", "34", "2FE2", None),
        ("SELECT parent", ["00A4000C027F20"], "00A4030C", "12", None, None),
        ("STATUS no data", [], "80F2000C", "1", None, None),
        ("STATUS FCP", [], "80F20000", "12", None, "FF"),
        ("READ BINARY", ["00A4000C022FE2"], "00B00000", "2", None, "20"),
        ("UPDATE BINARY", ["00A4000C022F05"], "00D60000", "3", "656E", None),
        ("READ RECORD", ["00A4000C022F00"], "00B20104", "2", None, "30"),
        ("UPDATE RECORD", [f"00A4040C10{USIM_AID}", "00A4000C026F40"], "00DC0104", "3",
         "FF" * 14, None),
        ("SEARCH RECORD", [f"00A4040C10{USIM_AID}", "00A4000C026FB7"], "00A20104", "34", "19F1", None),
        ("INCREASE", [f"00A4040C10{USIM_AID}", "00A4000C026F7E"], "80320000", "34", "000001", None),
        ("VERIFY", [], "00200001", "13", "31323334FFFFFFFF", None),
        ("CHANGE PIN", [], "00240001", "3", "31323334FFFFFFFF31323334FFFFFFFF", None),
        ("UNBLOCK PIN", [], "002C0001", "13", "313233343536373831323334FFFFFFFF", None),
        ("ENABLE PIN", [], "00280001", "3", "31323334FFFFFFFF", None),
        ("DISABLE PIN", [], "00260001", "3", "31323334FFFFFFFF", None),
        ("MANAGE CHANNEL open, card picks", [], "00700000", "2", None, None),
        ("MANAGE CHANNEL close", ["0070000200"], "00708002", "1", None, None),
        ("MANAGE CHANNEL open channel 3", [], "00700003", "1", None, None),
        ("TERMINAL PROFILE", [], "80100000", "3", "FFFFFFFF7F9F00DFFF00", None),
        ("TERMINAL CAPABILITY", [], "80AA0000", "3", "A9028100", None),
        ("ENVELOPE", [], "80C20000", "34", "D30482028181", None),
        ("FETCH", [], "80120000", "2", None, None),
        ("TERMINAL RESPONSE", [], "80140000", "3", "810301130002028281830100", None),
        ("GET CHALLENGE", [], "00840000", "2", None, None),
        ("AUTHENTICATE, GSM context", [f"00A4040C10{USIM_AID}"], "00880080", "34", "10" + rand, None),
        ("GET RESPONSE", ["00A40004023F00"], "00C00000", "2", None, "FF"),
        ("A0 SELECT", [], "A0A40000", "34", "7F20", None),
        ("A0 STATUS", [], "A0F20000", "2", None, "FF"),
        ("A0 READ BINARY", ["A0A40000022FE2"], "A0B00000", "2", None, "20"),
        ("A0 VERIFY CHV", [], "A0200001", "3", "31323334FFFFFFFF", None),
        ("A0 RUN GSM ALGORITHM", ["A0A40000027F20"], "A0880000", "34", rand, None),
        ("A0 GET RESPONSE", ["A0A40000027F20"], "A0C00000", "2", None, "FF"),
    ]
    for name, setup, hdr, cases, data, wrong in rows:
        forms = []
        # case 1 as T=0 sends it: P3 = 00 (for a case 2 command: Le = 256)
        forms.append(("P3=00", hdr + "00"))
        if wrong:
            forms.append((f"P3={wrong}", hdr + wrong))
        if "1" in cases and "2" not in cases:
            forms.append(("P3=05", hdr + "05"))
        forms.append(("case 3", hdr + f"{len(data or '0000') // 2:02X}" + (data or "0000")))
        if "4" in cases:
            forms.append(("case 4", hdr + f"{len(data) // 2:02X}" + data + "00"))
        for form, apdu in forms:
            # a fresh session for each: the card's state does not leak between forms
            os.close(globals()["fd"])
            open_card()
            for s in setup:
                tx(s)
            rdata, sw = tx(apdu)
            cls = sw_class(sw)
            if form == "P3=00":
                if "1" in cases and "2" not in cases:
                    good = cls != "len"            # case 1: never a length error (C1)
                    want = "no length error"
                elif "2" in cases:
                    # Le = 256: the data, or 6Cxx with the length there is
                    good = cls != "len" or (sw >> 8 == 0x6C and sw & 0xFF != 0)
                    want = "data or 6Cxx"
                    if sw >> 8 == 0x6C:
                        _, sw2 = tx(hdr + f"{sw & 0xFF:02X}")
                        good = good and sw_class(sw2) != "len"
                else:
                    good, want = cls == "len", LEN
            elif form.startswith("P3=") and form != "P3=05":
                good, want = sw >> 8 == 0x6C or cls == "err", "6Cxx (the length there is)"
                if sw >> 8 == 0x6C:
                    _, sw2 = tx(hdr + f"{sw & 0xFF:02X}")
                    good = sw_class(sw2) != "len"
            elif form == "P3=05":
                good, want = sw == 0x6700, "6700 (case 1 carries P3 = 00)"
            elif form == "case 3":
                if "3" in cases or "4" in cases:
                    good, want = cls != "len", "no length error"
                    if "4" in cases and cls == "ok" and sw != 0x9000:
                        good = sw >> 8 in (0x61, 0x9F, 0x91)
                else:
                    good, want = cls == "len", LEN
            else:  # case 4 through the APDU device: the T=0 answer, 61xx / 9Fxx or 9000
                good, want = cls != "len", "61xx / 9Fxx / no length error"
            check(good, f"{name}: {form} ({apdu[:10]}...) -> {sw:04X}", f"want {want}")


# ---- profiles whose service tables disagree with the files ----

def test_services():
    base = open(PROFILE).read().split("[file")[0].replace("name = seed-master", "name = conf-bad")
    cases = [
        ("USIM service 2 (FDN) on",
         "[file ADF.USIM/EF.UST]\ndata = 02\n",
         ["USIM service 2", "EF_FDN", "6F3B"]),
        ("GSM service 3 (FDN) on",
         "[file DF.GSM/EF.SST]\ndata = 3f\n",
         ["GSM service 3", "EF_FDN", "7F10/6F3B"]),
        ("USIM service 52 (MMS) on, a service the card does not have",
         "[file ADF.USIM/EF.UST]\ndata = 00000000000008\n",
         ["USIM service", "does not support"]),
        ("EF_SUCI_Calc_Info given with service 124 off",
         "[file ADF.USIM/DF.5GS/EF.SUCI_CALC_INFO]\ndata = a0020000\n",
         ["EF_SUCI_Calc_Info", "service 124"]),
    ]
    for name, extra, words in cases:
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(base + extra)
            path = f.name
        r = vuiccctl("profile", "add", path, "--card", str(card), ok=False)
        os.unlink(path)
        vuiccctl("profile", "del", "conf-bad", "--card", str(card), ok=False)
        msg = (r.stdout + r.stderr).strip()
        print(f"# {name}: {msg}")
        check(r.returncode != 0 and all(w in msg for w in words),
              f"profile refused: {name}, naming {', '.join(words)}", msg)
    # the same service on, with the file the card has: accepted
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(base + "[file ADF.USIM/EF.UST]\ndata = 0002\n")   # service 10 only
        path = f.name
    r = vuiccctl("profile", "add", path, "--card", str(card), ok=False)
    os.unlink(path)
    check(r.returncode == 0, "profile with USIM service 10 only: accepted", r.stderr.strip())
    vuiccctl("profile", "del", "conf-bad", "--card", str(card), ok=False)


def open_card():
    global fd
    fd = os.open(f"/dev/vuicc{card}", os.O_RDWR)
    fcntl.ioctl(fd, IOC_POWER_ON, bytearray(VUICC_ATR_SIZE))


def main():
    global card
    ap = argparse.ArgumentParser()
    ap.add_argument("--card", type=int, default=51)
    card = ap.parse_args().card
    vuiccctl("card", "del", str(card), ok=False)
    vuiccctl("card", "add", str(card))
    try:
        vuiccctl("profile", "add", PROFILE, "--card", str(card))
        vuiccctl("profile", "enable", "seed-master", "--card", str(card))
        open_card()
        test_files()
        test_linked()
        test_cases()
        os.close(fd)
        test_services()
    finally:
        vuiccctl("card", "del", str(card), ok=False)
    bad = results.count(False)
    print(f"conformance: {len(results)} checks, {bad} failed")
    sys.exit(1 if bad or not results else 0)


if __name__ == "__main__":
    main()
