#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Walks the card's whole file system through pcscd with pyscard (Debian
python3-pyscard), reading every EF, and fails on any unexpected status word.

The card is relayed to pcscd by vuicc-vpcd and vsmartcard's vpcd driver.
There is no "list directory" command on a UICC: in each DF the walk tries
every file identifier the standards define there and the card must answer
each with the file (9000 / 61xx) or "not found" (6A82), nothing else.
"""
import sys

from smartcard.System import readers

# TS 102 221 §13, TS 31.102 §4.2/§4.4, TS 51.011 §10: FIDs to try in each DF
CANDIDATES = {
    "MF": [0x2F00, 0x2FE2, 0x2F05, 0x2F06, 0x2F08, 0x2FE5, 0x7F10, 0x7F20, 0x7F21, 0x7FF0],
    "ADF": [0x6F05, 0x6F06, 0x6F07, 0x6F08, 0x6F09, 0x6F2C, 0x6F31, 0x6F32, 0x6F37, 0x6F38,
            0x6F39, 0x6F3B, 0x6F3C, 0x6F3E, 0x6F3F, 0x6F40, 0x6F41, 0x6F42, 0x6F43, 0x6F45,
            0x6F46, 0x6F47, 0x6F48, 0x6F49, 0x6F4B, 0x6F4C, 0x6F4D, 0x6F4E, 0x6F4F, 0x6F50,
            0x6F55, 0x6F56, 0x6F57, 0x6F58, 0x6F5B, 0x6F5C, 0x6F60, 0x6F61, 0x6F62, 0x6F73,
            0x6F78, 0x6F7B, 0x6F7E, 0x6F80, 0x6F81, 0x6F82, 0x6F83, 0x6FAD, 0x6FB1, 0x6FB5,
            0x6FB6, 0x6FB7, 0x6FC3, 0x6FC4, 0x6FC5, 0x6FC6, 0x6FC7, 0x6FC8, 0x6FCB, 0x6FCD,
            0x6FD9, 0x6FDB, 0x6FDC, 0x6FDD, 0x6FDE, 0x6FDF, 0x6FE2, 0x6FE3, 0x6FE4, 0x6FE6,
            0x6FE8, 0x6FEC, 0x5F3A, 0x5F3B, 0x5F3C, 0x5F40, 0x5FC0],
    "5FC0": [0x4F01, 0x4F02, 0x4F03, 0x4F04, 0x4F05, 0x4F06, 0x4F07, 0x4F08, 0x4F09,
             0x4F0A, 0x4F0B, 0x4F0C, 0x4F0D],
    "5F3B": [0x4F20, 0x4F52, 0x4F63, 0x4F64],
    "7F10": [0x6F3A, 0x6F3B, 0x6F3C, 0x6F3D, 0x6F40, 0x6F42, 0x6F43, 0x6F44, 0x6F4A, 0x5F50],
    "7F20": [0x6F05, 0x6F07, 0x6F20, 0x6F30, 0x6F31, 0x6F37, 0x6F38, 0x6F39, 0x6F3E, 0x6F3F,
             0x6F41, 0x6F45, 0x6F46, 0x6F48, 0x6F52, 0x6F53, 0x6F54, 0x6F60, 0x6F61, 0x6F62,
             0x6F74, 0x6F78, 0x6F7B, 0x6F7E, 0x6FAD, 0x6FAE, 0x6FB1],
}

# files the specifications require of this card (issue 15's findings): the
# walk must have read each of them
REQUIRED = ["/3F00/7FFF/6F06", "/3F00/7FFF/6FC4", "/3F00/7FFF/6F42", "/3F00/7FFF/5F3B/4F20",
            "/3F00/7FFF/5F3B/4F52", "/3F00/7F10/6F3C", "/3F00/7F10/6F42", "/3F00/7F20/6F05"]
# and must not find
ABSENT = ["/3F00/7FFF/5FC0/4F07"]

conn = None
unexpected = []
read_files = []


def tx(apdu):
    """Sends an APDU, follows 61xx and 6Cxx as a T=0 terminal does."""
    data, sw1, sw2 = conn.transmit(list(apdu))
    if sw1 == 0x6C:
        data, sw1, sw2 = conn.transmit(list(apdu[:4]) + [sw2])
    while sw1 == 0x61:
        more, sw1, sw2 = conn.transmit([apdu[0] & 0x03, 0xC0, 0x00, 0x00, sw2])
        data += more
    return bytes(data), sw1 << 8 | sw2


def parse_fcp(fcp):
    """The tags of an FCP template (62 L ...)."""
    tags, i = {}, 2
    while i + 2 <= len(fcp):
        t, n = fcp[i], fcp[i + 1]
        tags[t] = fcp[i + 2:i + 2 + n]
        i += 2 + n
    return tags


def expect(what, sw, ok=(0x9000,)):
    if sw not in ok:
        unexpected.append(f"{what}: {sw:04X}")
        return False
    return True


def read_ef(path, tags):
    desc = tags.get(0x82, b"")
    size = int.from_bytes(tags.get(0x80, b"\x00\x00"), "big")
    if desc[:1] in (b"\x42", b"\x46"):
        reclen, nrec = int.from_bytes(desc[2:4], "big"), desc[4]
        for r in range(1, nrec + 1):
            data, sw = tx([0x00, 0xB2, r, 0x04, reclen])
            if expect(f"{path} record {r}", sw) and len(data) != reclen:
                unexpected.append(f"{path} record {r}: {len(data)} bytes, not {reclen}")
    else:
        got = b""
        while len(got) < size:
            n = min(255, size - len(got))
            data, sw = tx([0x00, 0xB0, len(got) >> 8, len(got) & 0xFF, n])
            if not expect(f"{path} at {len(got)}", sw):
                break
            got += data
        if len(got) != size:
            unexpected.append(f"{path}: read {len(got)} of {size} bytes")
    read_files.append(path)


def walk(df_key, df_path):
    for fid in CANDIDATES.get(df_key, []):
        path = f"{df_path}/{fid:04X}"
        data, sw = tx([0x00, 0xA4, 0x00, 0x04, 0x02, fid >> 8, fid & 0xFF])
        if sw == 0x6A82:
            continue
        if not expect(f"SELECT {path}", sw):
            continue
        tags = parse_fcp(data)
        if tags.get(0x82, b"")[:1] == b"\x78":      # a DF
            walk(f"{fid:04X}", path)
        else:
            read_ef(path, tags)
        # back to the DF being walked
        sel = [int(df_path[i:i + 4], 16) for i in range(1, len(df_path), 5)]
        _, sw = tx([0x00, 0xA4, 0x08, 0x0C, 2 * len(sel[1:])] +
                   [b for f in sel[1:] for b in (f >> 8, f & 0xFF)]) if len(sel) > 1 else \
            tx([0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00])
        expect(f"back to {df_path}", sw)


def main():
    global conn
    rl = readers()
    if not rl:
        print("not ok - pcscd lists no reader (is vpcd configured?)")
        return 1
    conn = rl[0].createConnection()
    conn.connect()
    atr = bytes(conn.getATR()).hex().upper()
    print(f"# reader {rl[0]}, ATR {atr}")
    expect("ATR", 0x9000 if atr.startswith("3B") else 0)
    _, sw = tx([0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00])
    expect("SELECT MF", sw)
    walk("MF", "/3F00")
    # the applications of EF_DIR, by AID
    data, sw = tx([0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0x00])
    tags = parse_fcp(data)
    reclen, nrec = int.from_bytes(tags[0x82][2:4], "big"), tags[0x82][4]
    for r in range(1, nrec + 1):
        rec, sw = tx([0x00, 0xB2, r, 0x04, reclen])
        if rec[:1] == b"\x61":
            aid = rec[4:4 + rec[3]]
            _, sw = tx([0x00, 0xA4, 0x04, 0x04, len(aid)] + list(aid))
            if expect(f"SELECT AID {aid.hex()}", sw):
                walk("ADF", "/3F00/7FFF")
    print(f"# {len(read_files)} EFs read")
    for f in REQUIRED:
        if f not in read_files:
            unexpected.append(f"{f}: required, not found")
    for f in ABSENT:
        if f in read_files:
            unexpected.append(f"{f}: readable, but its service is off")
    for u in unexpected:
        print(f"not ok - unexpected status: {u}")
    if not read_files:
        print("not ok - no EF read")
        return 1
    print(f"{'ok' if not unexpected else 'not ok'} - pcsc walk: {len(read_files)} EFs, "
          f"{len(unexpected)} unexpected status words")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
