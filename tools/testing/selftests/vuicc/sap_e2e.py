#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""End-to-end test of a SIM Access Profile server (vuicc-sap) with the
independent client of sap_client.py:

  connect (MaxMsgSize negotiation with a retry after 0x02 / 0x03), STATUS_IND
  card reset, the ATR (against --atr, and as an ISO 7816-3 ATR), a modem's
  boot reads (MF, EF.DIR and ADF.USIM by its AID, EF.IMSI, EF.AD, EF.ICCID,
  EF.UST) against the profile file, AUTHENTICATE 3G against osmo-auc-gen
  (libosmocore as the AuC) and a flipped MAC, power off / on, reset, the
  card reader status, SET_TRANSPORT_PROTOCOL T=1, bad inputs (each followed
  by a fresh connection that must work), a second client while one is
  connected, a flood, and DISCONNECT.  Prints the connect-to-ATR time and
  the APDU round trip over --count APDUs.  Never prints keys, RES, CK, IK or
  PINs: only pass or fail and lengths.

  sap_e2e.py (--unix PATH | --tcp HOST:PORT | --rfcomm BDADDR:CH)
             --profile FILE.conf [--atr HEX] [--count N]

sap_e2e.sh sets a card up, starts vuicc-sap and runs this in the VM.
"""
import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sap_client as sap  # noqa: E402

USIM_AID_PREFIX = bytes.fromhex("A0000000871002")
STATUS = bytes.fromhex("80F2000C00")     # TS 102 221 §11.1.2, no data


class T:
    fails = 0
    notes = []

    @classmethod
    def check(cls, good, what, detail=""):
        if good:
            print(f"ok - {what}")
        else:
            cls.fails += 1
            print(f"not ok - {what}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return good

    @classmethod
    def note(cls, what):
        cls.notes.append(what)
        print(f"# {what}")


def ms(t):
    return f"{t * 1000:.2f} ms"


def sw(rsp):
    return rsp[-2:].hex().upper() if rsp and len(rsp) >= 2 else "none"


def load_profile(path):
    p = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if line.startswith("["):
            break
        if "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            p[k] = v
    return p


def tlv(data, tag):
    """the value of the first BER-TLV @tag (one byte tags) at the top level
    of @data, or None"""
    i = 0
    while i + 2 <= len(data):
        t, n = data[i], data[i + 1]
        j = i + 2
        if n == 0x81:
            n, j = data[j], j + 1
        elif n == 0x82:
            n, j = struct.unpack_from(">H", data, j)[0], j + 2
        if t == tag:
            return data[j:j + n]
        i = j + n
    return None


def fcp(rsp):
    """the FCP template (62) of a SELECT response, or None"""
    if rsp and len(rsp) > 2 and rsp[0] == 0x62:
        return tlv(rsp[:-2], 0x62)
    return None


def bcd_swapped(b):
    return "".join(f"{x & 0xF:X}{x >> 4:X}" for x in b).rstrip("F")


class Session:
    """A connected client: CONNECT, STATUS_IND card reset, the ATR."""

    def __init__(self, args, what, size=0xFFFF, tries=20):
        self.args = args
        last = None
        for i in range(tries):
            t0 = time.monotonic()
            self.c = None
            try:
                self.c = sap.SapClient.open(args.transport)
                self.steps = self.c.connect(size)
                break
            except (sap.SapError, OSError) as e:
                # a server still letting go of the last client may refuse
                # (0x01) or close: a modem would try again
                last = e
                if self.c:
                    self.c.close()
                time.sleep(0.1)
        else:
            raise sap.SapError(f"{what}: no connection in {tries} tries: {last}")
        if i:
            T.note(f"{what}: connected at try {i + 1} (refused before: {last})")
        ind = self.c.indication()
        self.ind = ind
        self.atr_res, self.atr = self.c.transfer_atr()
        self.t_atr = time.monotonic() - t0

    def ok(self):
        return (self.ind.id == sap.STATUS_IND and self.ind.byte(sap.P_STATUS_CHANGE) == sap.ST_RESET
                and self.atr_res == sap.R_OK and self.atr)

    def apdu(self, hexcmd):
        return self.c.apdu(bytes.fromhex(hexcmd) if isinstance(hexcmd, str) else hexcmd)

    def close(self):
        self.c.close()


def fresh(args, what):
    """a new client must connect and reach the card"""
    try:
        s = Session(args, what)
        res, rsp, _ = s.apdu(STATUS)
        good = s.ok() and res == sap.R_OK and sw(rsp) == "9000"
        T.check(good, f"{what}: a fresh connection is served (ATR, STATUS {sw(rsp)})",
                f"indication {s.ind!r}, ATR result {sap.result_name(s.atr_res)}, "
                f"APDU result {sap.result_name(res)}")
        s.c.disconnect()
        s.close()
    except (sap.SapError, OSError) as e:
        T.check(False, f"{what}: a fresh connection is served", str(e))


# ---------------------------------------------------------------------------

def test_connect(args):
    """MaxMsgSize: too small, too big, then the server's own"""
    c = sap.SapClient.open(args.transport)
    st, mx = c.connect_req(16)
    T.check(st == sap.CONN_MAX_TOO_SMALL and mx is not None,
            f"CONNECT_REQ MaxMsgSize 16: status {st} (03, too small) with the server's size {mx}")
    try:
        st, mx = c.connect_req(0xFFFF)
    except sap.LinkClosed:
        T.note("the server closed the link after CONNECT_RESP 03: connecting again")
        c.close()
        c = sap.SapClient.open(args.transport)
        st, mx = c.connect_req(0xFFFF)
    if st == sap.CONN_OK:
        T.note("the server took MaxMsgSize 65535 (no 0x02 retry exercised)")
        size = 0xFFFF
    else:
        T.check(st == sap.CONN_MAX_UNSUPPORTED and mx and mx >= 5 + 16,
                f"CONNECT_REQ MaxMsgSize 65535: status {st} (02) with the server's size {mx}")
        size = mx
        st, mx2 = c.connect_req(size)
        T.check(st in (sap.CONN_OK, sap.CONN_OK_CALL),
                f"CONNECT_REQ again with MaxMsgSize {size}: status {st} (00)")
    c.max_msg_size = size
    return c, size


def test_main(args, prof):
    t0 = time.monotonic()
    c, size = test_connect(args)
    ind = c.indication()
    T.check(ind.id == sap.STATUS_IND and ind.byte(sap.P_STATUS_CHANGE) == sap.ST_RESET,
            f"STATUS_IND card reset after CONNECT_RESP ({ind!r})")
    res, atr = c.transfer_atr()
    t_atr = time.monotonic() - t0
    T.check(res == sap.R_OK and atr, f"TRANSFER_ATR: result {sap.result_name(res)}, {len(atr or b'')} bytes")
    try:
        a = sap.parse_atr(atr)
        T.check(True, f"ATR is ISO 7816-3: protocols T={a['protocols']}, "
                f"{len(a['historical'])} historical bytes, TCK {'ok' if a['tck'] is not None else 'absent (T=0 only)'}")
    except sap.SapError as e:
        T.check(False, "ATR is ISO 7816-3", str(e))
    if args.atr:
        T.check(atr == bytes.fromhex(args.atr), "ATR is the card's (vuiccctl reset)",
                f"SAP {atr.hex().upper()}, card {args.atr.upper()}")
    s = Sess(c)
    boot(s, prof)
    authenticate(s, prof)
    timings(s, args.count, t_atr)
    power(s, atr)
    c.close()
    return size


class Sess:
    def __init__(self, c):
        self.c = c

    def apdu(self, hexcmd):
        return self.c.apdu(bytes.fromhex(hexcmd) if isinstance(hexcmd, str) else hexcmd)


def boot(s, prof):
    """the reads of a modem's boot (TS 31.102 §5.1.1), as T=0 terminals send
    them (case 3 SELECT; the server or this client fetches the response)"""
    extras = 0

    def ap(what, cmd, want="9000"):
        nonlocal extras
        res, rsp, extra = s.apdu(cmd)
        extras += extra
        good = res == sap.R_OK and sw(rsp) == want
        T.check(good, f"{what}: {sw(rsp)}" + (f", {len(rsp) - 2} bytes" if rsp and len(rsp) > 2 else ""),
                f"result {sap.result_name(res)}, want {want}")
        return rsp if good else None

    r = ap("SELECT MF", "00A40004023F00")
    T.check(fcp(r) is not None, "SELECT MF answers an FCP")
    r = ap("SELECT EF.DIR", "00A40004022F00")
    d = tlv(fcp(r) or b"", 0x82) or b""
    if not T.check(len(d) >= 5 and d[0] & 0x07 == 2, "EF.DIR is linear fixed with its record size"):
        return
    reclen, nrec = struct.unpack(">H", d[2:4])[0], d[4]
    aid = None
    for n in range(1, nrec + 1):
        r = ap(f"READ RECORD EF.DIR {n}", f"00B2{n:02X}04{reclen:02X}")
        a = tlv(tlv(r[:-2], 0x61) or b"", 0x4F) if r else None
        if a and a.startswith(USIM_AID_PREFIX):
            aid = a
            break
    if not T.check(aid is not None, "EF.DIR names a USIM AID (A0000000871002...)"):
        return
    r = ap("SELECT ADF.USIM by its AID from EF.DIR", f"00A40404{len(aid):02X}{aid.hex()}")
    T.check(fcp(r) is not None, "SELECT ADF.USIM answers an FCP")

    def read_ef(name, fid, path=False):
        r = ap(f"SELECT {name}", ("00A40804" if path else "00A40004") + f"02{fid}")
        size = tlv(fcp(r) or b"", 0x80)
        if not size:
            T.check(False, f"{name}: FCP with a file size")
            return None
        n = min(int.from_bytes(size, "big"), 255)
        return ap(f"READ BINARY {name} ({n} bytes)", f"00B00000{n:02X}")

    r = read_ef("EF.IMSI", "6F07")
    if r:
        imsi = bcd_swapped(r[1:1 + r[0]])[1:] if r[0] <= 8 else ""
        T.check(imsi == prof.get("imsi"), "EF.IMSI is the profile's IMSI")
    r = read_ef("EF.AD", "6FAD")
    if r:
        mnc = r[3] & 0x0F if len(r) > 5 else None
        T.check(mnc == int(prof.get("mnc_len", mnc or 0)) and mnc in (2, 3),
                f"EF.AD: MNC length {mnc}")
    r = read_ef("EF.UST", "6F38")
    if r:
        T.check(r[0] & 0x01 or len(r) > 2, f"EF.UST: {len(r) - 2} bytes")
    r = read_ef("EF.ICCID (path from MF)", "2FE2", path=True)
    if r:
        T.check(bcd_swapped(r[:-2]) == prof.get("iccid"), "EF.ICCID is the profile's ICCID")
    # the USIM is selected again for AUTHENTICATE
    ap("SELECT ADF.USIM again (no FCP)", f"00A4040C{len(aid):02X}{aid.hex()}")
    if extras:
        T.note(f"{extras} GET RESPONSE / Le exchanges were left to the client "
               "(the server answered 61xx or 6Cxx)")


def authenticate(s, prof):
    if prof.get("algorithm", "milenage").lower() != "milenage" or not prof.get("k") or not prof.get("opc"):
        T.check(False, "AUTHENTICATE: the profile must be MILENAGE with k and opc")
        return
    rand = os.urandom(16)
    ind = 3
    seq = int(time.time() * 10) & ((1 << 40) - 1)
    sqn = (seq << 5) | ind
    try:
        out = subprocess.run(["osmo-auc-gen", "-3", "-a", "milenage", "-k", prof["k"], "-o", prof["opc"],
                              "-s", str(sqn), "-r", rand.hex()], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        T.check(False, "osmo-auc-gen (libosmocore-utils) runs", str(e))
        return
    v = {k: bytes.fromhex(x) for k, x in re.findall(r"^(AUTN|RES|CK|IK):\s*([0-9a-fA-F]+)$", out, re.M)}
    if not T.check(set(v) == {"AUTN", "RES", "CK", "IK"}, "osmo-auc-gen made a 3G vector"):
        return
    cmd = bytes.fromhex("0088008122") + b"\x10" + rand + b"\x10" + v["AUTN"]
    res, rsp, _ = s.apdu(cmd)
    good = res == sap.R_OK and sw(rsp) == "9000" and rsp[0] == 0xDB
    if T.check(good, f"AUTHENTICATE 3G: {sw(rsp)}, {len(rsp or b'') - 2} bytes",
               f"result {sap.result_name(res)}"):
        b, i, got = rsp[:-2], 1, []
        for _ in range(3):
            n = b[i] if i < len(b) else 0
            got.append(b[i + 1:i + 1 + n])
            i += 1 + n
        for name, val in zip(("RES", "CK", "IK"), got):
            T.check(val == v[name], f"AUTHENTICATE 3G: {name} ({len(val)} bytes) is the AuC's")
    bad = bytearray(v["AUTN"])
    bad[-1] ^= 0x01
    res, rsp, _ = s.apdu(bytes.fromhex("0088008122") + b"\x10" + rand + b"\x10" + bytes(bad))
    T.check(res == sap.R_OK and sw(rsp) == "9862", f"AUTHENTICATE with a flipped MAC: {sw(rsp)} (9862)")


def timings(s, count, t_atr):
    rtt = []
    bad = 0
    for _ in range(count):
        t = time.monotonic()
        res, rsp = s.c.apdu_raw(STATUS)
        rtt.append(time.monotonic() - t)
        bad += res != sap.R_OK or sw(rsp) != "9000"
    rtt.sort()
    T.check(not bad, f"{count} STATUS APDUs: {bad} not 9000")
    res, rsp = s.c.apdu_raw(STATUS, p=sap.P_COMMAND_APDU_7816)
    T.check(res == sap.R_OK and sw(rsp) == "9000",
            f"STATUS as CommandAPDU7816 (parameter 0x10): {sap.result_name(res)}, {sw(rsp)}")
    p50, p99 = rtt[len(rtt) // 2], rtt[min(len(rtt) - 1, (len(rtt) * 99) // 100)]
    print(f"# timing: connect to ATR {ms(t_atr)}; APDU round trip over {count}: "
          f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(rtt[-1])}")


def power(s, atr):
    c = s.c
    r, st = c.reader_status()
    T.check(r == sap.R_OK and st is not None and st & 0x40 and st & 0x80,
            f"CARD_READER_STATUS powered: {sap.result_name(r)}, status {st if st is None else f'{st:02X}'} "
            "(b7 card present, b8 powered)")
    T.check(c.power_off() == sap.R_OK, "POWER_SIM_OFF: OK")
    res, _ = c.apdu_raw(STATUS)
    T.check(res == sap.R_POWERED_OFF, f"APDU while off: result {sap.result_name(res)} (03 powered off)")
    res, a = c.transfer_atr()
    T.check(res == sap.R_POWERED_OFF, f"TRANSFER_ATR while off: result {sap.result_name(res)} (03)")
    r = c.power_off()
    T.check(r == sap.R_POWERED_OFF, f"POWER_SIM_OFF again: result {sap.result_name(r)} (03 already off)")
    r, st = c.reader_status()
    T.check(r == sap.R_OK and st is not None and st & 0x40 and not st & 0x80,
            f"CARD_READER_STATUS off: {sap.result_name(r)}, status {st if st is None else f'{st:02X}'} "
            "(b7 set, b8 clear)")
    T.check(c.power_on() == sap.R_OK, "POWER_SIM_ON: OK")
    res, a = c.transfer_atr()
    T.check(res == sap.R_OK and a == atr, f"TRANSFER_ATR after POWER_SIM_ON: {sap.result_name(res)}, the same ATR")
    r = c.power_on()
    T.check(r == sap.R_POWERED_ON, f"POWER_SIM_ON again: result {sap.result_name(r)} (05 already on)")
    res, rsp = c.apdu_raw(STATUS)
    T.check(res == sap.R_OK and sw(rsp) == "9000", f"STATUS after power on: {sw(rsp)}")
    T.check(c.reset() == sap.R_OK, "RESET_SIM: OK")
    res, a = c.transfer_atr()
    T.check(res == sap.R_OK and a == atr, f"TRANSFER_ATR after RESET_SIM: {sap.result_name(res)}, the same ATR")
    res, rsp = c.apdu_raw(bytes.fromhex("00A40004023F00"))
    T.check(res == sap.R_OK and sw(rsp)[:2] in ("90", "61"), f"SELECT MF after reset: {sw(rsp)}")
    if c.indications:
        T.note(f"indications during power / reset: {c.indications}")
        c.indications.clear()
    r = c.set_protocol(1)
    T.check(r in (sap.R_NOT_SUPPORTED,), f"SET_TRANSPORT_PROTOCOL T=1: result {sap.result_name(r)} (07 not supported)")
    time.sleep(0.1)
    res, rsp = c.apdu_raw(STATUS)
    T.check(res == sap.R_OK and sw(rsp) == "9000", f"STATUS after SET_TRANSPORT_PROTOCOL: {sw(rsp)}")
    if c.indications:
        T.note(f"indications after SET_TRANSPORT_PROTOCOL: {c.indications}")


# ---------------------------------------------------------------------------
# bad inputs: the answer is ERROR_RESP or the link closed, then a fresh
# connection must be served

def answer(link, timeout=3.0):
    """'closed', 'ERROR_RESP', 'timeout' or the message"""
    try:
        m = link.recv(timeout)
        return "ERROR_RESP" if m.id == sap.ERROR_RESP else m
    except sap.LinkClosed:
        return "closed"
    except socket.timeout:
        return "timeout"
    except sap.SapError as e:
        return f"malformed answer ({e})"
    except OSError:
        return "closed"


def bad_input(args, what, data, connected=True, kind="content"):
    try:
        _bad_input(args, what, data, connected, kind)
    except (sap.SapError, OSError) as e:
        T.check(False, f"{what}: the test went on", f"{e.__class__.__name__}: {e}")


def _bad_input(args, what, data, connected=True, kind="content"):
    """vuicc-sap.rst, "Bad input": each is answered ERROR_RESP (§5.1.19).
    kind "frame" (a header that cannot be framed): then the link closes;
    "content" (padding, wrong parameters, unknown MsgId, oversized with its
    length known) and "order" (valid, not in this state): the link stays
    and serves; "either": closed or not."""
    if connected:
        s = Session(args, what)
        link, c = s.c.link, s.c
    else:
        link = sap.SapLink.open(args.transport)
        c = sap.SapClient(link)
    link.send(data)
    a = answer(link)
    if kind == "either":
        # the profile does not say whether a server's message from the
        # client is unknown or out of order: ERROR_RESP, closed or not
        closed, extra = link.wait_closed(0.5) if a == "ERROR_RESP" else (a == "closed", [])
        T.check(a == "ERROR_RESP" and not extra, f"{what}: ERROR_RESP (link {'closed' if closed else 'kept'})",
                f"got {a!r} {extra or ''}")
    elif kind == "frame":
        closed, extra = link.wait_closed(3) if a == "ERROR_RESP" else (a == "closed", [])
        T.check(a == "ERROR_RESP" and closed and not extra,
                f"{what}: ERROR_RESP, then the link closed",
                f"got {a!r}, then {'closed' if closed else 'open'} {extra or ''}")
    else:
        good = a == "ERROR_RESP"
        try:
            if connected:
                res, rsp = c.apdu_raw(STATUS)
                after = f"STATUS {sw(rsp)}" if res == sap.R_OK else f"result {res}"
                good = good and res == sap.R_OK and sw(rsp) == "9000"
            else:
                c.connect(0xFFFF)
                ind = c.indication()
                after = f"CONNECT then {ind!r}"
                good = good and ind.byte(sap.P_STATUS_CHANGE) == sap.ST_RESET
        except (sap.SapError, OSError) as e:
            good, after = False, f"{e.__class__.__name__}: {e}"
        T.check(good, f"{what}: ERROR_RESP, the connection stays ({after})", f"got {a!r}")
    link.close()
    fresh(args, what)


def test_bad(args, size):
    apdu_req = sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_COMMAND_APDU, STATUS)])
    # a truncated message, then the client closes
    s = Session(args, "truncated message then close")
    s.c.link.send(apdu_req[:10])
    time.sleep(0.2)
    s.close()
    fresh(args, "truncated message then close")

    big = bytes.fromhex("00D6000000") + bytes(size)     # longer than MaxMsgSize
    bad_input(args, f"oversized message ({len(sap.encode(5, [(4, big)]))} bytes > MaxMsgSize {size})",
              sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_COMMAND_APDU, big)]))
    bad_input(args, "nonzero padding", sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_COMMAND_APDU, STATUS)],
                                                  pad=b"\xAA"))
    bad_input(args, "unknown MsgId 0x20", sap.encode(0x20))
    bad_input(args, "a server's MsgId sent by the client (STATUS_IND)",
              sap.encode(sap.STATUS_IND, [(sap.P_STATUS_CHANGE, b"\x01")]), kind="either")
    bad_input(args, "TRANSFER_APDU_REQ without its parameter", sap.encode(sap.TRANSFER_APDU_REQ))
    bad_input(args, "TRANSFER_APDU_REQ with a ResultCode parameter",
              sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_RESULT_CODE, b"\x00")]))
    bad_input(args, "header reserved bytes nonzero",
              sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_COMMAND_APDU, STATUS)], reserved=b"\x00\x01"),
              kind="frame")
    bad_input(args, "more parameters than any message has (5)",
              sap.encode(sap.TRANSFER_APDU_REQ, [(sap.P_COMMAND_APDU, STATUS)] * 5), kind="frame")
    b = bytearray(apdu_req)
    b[5] = 0x80
    bad_input(args, "parameter reserved byte nonzero", bytes(b), kind="either")
    bad_input(args, "APDU before CONNECT", apdu_req, connected=False, kind="order")
    bad_input(args, "ATR before CONNECT", sap.encode(sap.TRANSFER_ATR_REQ), connected=False, kind="order")
    bad_input(args, "a second CONNECT_REQ", sap.encode(sap.CONNECT_REQ, [(sap.P_MAX_MSG_SIZE,
                                                                            struct.pack(">H", size))]),
              kind="order")
    bad_input(args, "DISCONNECT_RESP sent by the client", sap.encode(sap.DISCONNECT_RESP), kind="either")

    # a client that vanishes mid-exchange: an APDU sent, the link gone
    for n in range(3):
        s = Session(args, "vanishing client")
        s.c.link.send(apdu_req * 5)
        s.close()
    fresh(args, "client vanished with 5 APDUs unanswered (x3)")
    # and one whose card was powered off
    s = Session(args, "vanishing client (card off)")
    s.c.power_off()
    s.close()
    fresh(args, "client vanished with the card powered off")

    # a second client while one is connected: closed at once (vuicc-sap.rst)
    s = Session(args, "first client")
    try:
        l2 = sap.SapLink.open(args.transport, timeout=3)
        try:
            l2.send(sap.encode(sap.CONNECT_REQ, [(sap.P_MAX_MSG_SIZE, struct.pack(">H", size))]))
        except OSError:
            pass
        a = answer(l2)
        good = a == "closed" or (isinstance(a, sap.Msg) and a.id == sap.CONNECT_RESP and
                                 a.byte(sap.P_CONNECTION_STATUS) == sap.CONN_ERROR)
        T.check(good, f"a second client while one holds the card: {a!r} (closed, or CONNECT_RESP 01)")
        l2.close()
    except OSError as e:
        T.check(True, f"a second client: not accepted ({e})")
    res, rsp = s.c.apdu_raw(STATUS)
    T.check(res == sap.R_OK and sw(rsp) == "9000", f"the first client is still served: {sw(rsp)}")
    s.c.disconnect()
    s.close()

    # a flood of requests without reading the answers
    n = 3000
    s = Session(args, "flood")
    sent = [0]
    err = []

    def sender():
        try:
            for _ in range(n):
                s.c.link.sock.sendall(apdu_req)
                sent[0] += 1
        except OSError as e:
            err.append(e)
    s.c.link.sock.settimeout(30)
    th = threading.Thread(target=sender, daemon=True)
    t = time.monotonic()
    th.start()
    time.sleep(1.0)
    got, good = 0, 0
    how = "all answered"
    while got < n:
        a = answer(s.c.link, timeout=10)
        if not isinstance(a, sap.Msg):
            how = f"{a} after {got} answers"
            break
        got += 1
        good += a.id == sap.TRANSFER_APDU_RESP and a.result == sap.R_OK and sw(a.get(sap.P_RESPONSE_APDU)) == "9000"
    th.join(5)
    dt = time.monotonic() - t
    T.check((got == n and good == n) or how.startswith("closed"),
            f"flood of {n} APDUs unread: {sent[0]} sent, {got} answered ({good} 9000), {how}, {dt:.1f} s")
    s.close()
    fresh(args, "after the flood")


def vuiccctl(*a):
    r = subprocess.run(["vuiccctl", *a], capture_output=True, text=True)
    return r.returncode == 0


def test_card_events(args, prof):
    """a profile disabled and enabled under the client: STATUS_IND card
    removed, APDUs answered "card removed", card inserted, the card read
    afresh (vuicc-sap.rst)"""
    s = Session(args, "card events")
    c, card, name = s.c, str(args.card), prof["name"]
    if not T.check(vuiccctl("profile", "disable", name, "--card", card), "vuiccctl profile disable"):
        return
    try:
        ind = c.indication(5)
        T.check(ind.id == sap.STATUS_IND and ind.byte(sap.P_STATUS_CHANGE) == sap.ST_REMOVED,
                f"profile disabled: STATUS_IND card removed ({ind!r})")
        res, _ = c.apdu_raw(STATUS)
        T.check(res == sap.R_REMOVED, f"APDU with no card: result {sap.result_name(res)} (04 removed)")
        res, _ = c.transfer_atr()
        T.check(res == sap.R_REMOVED, f"TRANSFER_ATR with no card: result {sap.result_name(res)} (04)")
        r, st = c.reader_status()
        T.check(r == sap.R_OK and st is not None and not st & 0x40,
                f"CARD_READER_STATUS with no card: {sap.result_name(r)}, "
                f"{st if st is None else f'{st:02X}'} (b7 clear)")
    except (sap.SapError, OSError) as e:
        T.check(False, "card removed while connected", f"{e.__class__.__name__}: {e}")
    vuiccctl("profile", "enable", name, "--card", card)
    try:
        ind = c.indication(5)
        T.check(ind.id == sap.STATUS_IND and ind.byte(sap.P_STATUS_CHANGE) == sap.ST_INSERTED,
                f"profile enabled: STATUS_IND card inserted ({ind!r})")
        r = c.power_on()
        if r == sap.R_POWERED_ON:
            T.note("after card inserted the card was already on: RESET_SIM")
            r = c.reset()
        T.check(r == sap.R_OK, f"power on after insertion: {sap.result_name(r)}")
        res, atr = c.transfer_atr()
        T.check(res == sap.R_OK and atr == s.atr, f"TRANSFER_ATR after insertion: {sap.result_name(res)}")
        res, rsp, _ = c.apdu(bytes.fromhex("00A40004026F07"))
        T.check(res == sap.R_OK and sw(rsp) == "9000" or res == sap.R_OK and sw(rsp) == "6A82",
                f"APDUs after insertion: {sw(rsp)}")
    except (sap.SapError, OSError) as e:
        T.check(False, "card inserted while connected", f"{e.__class__.__name__}: {e}")
    c.disconnect()
    s.close()


def test_protocol_t0(args):
    s = Session(args, "SET_TRANSPORT_PROTOCOL T=0")
    r = s.c.set_protocol(0)
    T.check(r == sap.R_OK, f"SET_TRANSPORT_PROTOCOL T=0: result {sap.result_name(r)} (00, the card reset)")
    time.sleep(0.1)
    res, atr = s.c.transfer_atr()
    T.check(res == sap.R_OK and atr == s.atr, f"TRANSFER_ATR after T=0: {sap.result_name(res)}")
    res, rsp = s.c.apdu_raw(STATUS)
    T.check(res == sap.R_OK and sw(rsp) == "9000", f"STATUS after T=0: {sw(rsp)}")
    if s.c.indications:
        T.note(f"indications after SET_TRANSPORT_PROTOCOL T=0: {s.c.indications}")
    s.c.disconnect()
    s.close()


def test_idle_client(args):
    """a link with no CONNECT_REQ is dropped after 10 s (vuicc-sap.rst)"""
    link = sap.SapLink.open(args.transport)
    t = time.monotonic()
    a = answer(link, timeout=15)
    dt = time.monotonic() - t
    T.check(a == "closed" and 8 <= dt <= 13, f"a client that never sends CONNECT_REQ: {a} after {dt:.1f} s (10 s)")
    link.close()
    fresh(args, "after the idle client")


def hold(args):
    """--hold: connected, waiting for the server's DISCONNECT_IND (SIGTERM)"""
    s = Session(args, "hold")
    print("# holding the card", flush=True)
    try:
        m = s.c.indication(args.hold)
        T.check(m.id == sap.DISCONNECT_IND and m.byte(sap.P_DISCONNECTION_TYPE) == sap.DISC_IMMEDIATE,
                f"server stopped: DISCONNECT_IND immediate ({m!r})")
        closed, extra = s.c.link.wait_closed(3)
        T.check(closed, "then the link closed")
    except (sap.SapError, OSError) as e:
        T.check(False, "server stopped: DISCONNECT_IND immediate", f"{e.__class__.__name__}: {e}")
    return 1 if T.fails else 0


def test_disconnect(args):
    s = Session(args, "disconnect")
    try:
        m = s.c.disconnect()
        T.check(m.id == sap.DISCONNECT_RESP, "DISCONNECT_REQ -> DISCONNECT_RESP")
        closed, extra = s.c.link.wait_closed(3)
        T.check(closed and not extra, "the server closes the link after DISCONNECT_RESP",
                f"{'closed' if closed else 'open after 3 s'}, {extra}")
    except (sap.SapError, OSError) as e:
        T.check(False, "DISCONNECT_REQ -> DISCONNECT_RESP", str(e))
    s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--unix", metavar="PATH")
    g.add_argument("--tcp", metavar="HOST:PORT")
    g.add_argument("--rfcomm", metavar="BDADDR:CHANNEL")
    ap.add_argument("--local", metavar="BDADDR", help="over RFCOMM: connect from this controller")
    ap.add_argument("--profile", required=True, help="the card's profile file (its K, OPc, IMSI, ICCID)")
    ap.add_argument("--atr", help="the card's ATR in hex (vuiccctl reset)")
    ap.add_argument("--count", type=int, default=200, help="APDUs timed")
    ap.add_argument("--skip-bad", action="store_true", help="no bad inputs")
    ap.add_argument("--card", type=int, help="the card's number: profile disable / enable under the client")
    ap.add_argument("--idle-test", action="store_true", help="wait out the 10 s CONNECT timeout")
    ap.add_argument("--hold", type=float, metavar="S",
                    help="only connect and wait S seconds for DISCONNECT_IND (the server stopped)")
    args = ap.parse_args()
    args.transport = (f"unix:{args.unix}" if args.unix else f"tcp:{args.tcp}" if args.tcp
                      else f"rfcomm:{args.rfcomm}")
    sap.RFCOMM_LOCAL = args.local
    prof = load_profile(args.profile)
    print(f"# sap_e2e: {args.transport}, profile {prof.get('name')}")
    if args.hold:
        return hold(args)
    t = time.monotonic()
    try:
        size = test_main(args, prof)
    except (sap.SapError, OSError) as e:
        T.check(False, "the main session ran to its end", f"{e.__class__.__name__}: {e}")
        size = 272
    steps = [lambda: test_protocol_t0(args)]
    if not args.skip_bad:
        steps.append(lambda: test_bad(args, size))
    if args.idle_test:
        steps.append(lambda: test_idle_client(args))
    if args.card is not None:
        steps.append(lambda: test_card_events(args, prof))
    steps.append(lambda: test_disconnect(args))
    for f in steps:
        try:
            f()
        except (sap.SapError, OSError) as e:
            T.check(False, "a test step ran to its end", f"{e.__class__.__name__}: {e}")
            time.sleep(1)
    print(f"# sap_e2e: {T.fails} failed, {time.monotonic() - t:.1f} s")
    return 1 if T.fails else 0


if __name__ == "__main__":
    sys.exit(main())
