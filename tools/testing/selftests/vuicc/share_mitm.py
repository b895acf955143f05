#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A relay on a sharing link (share.sh): forwards a slave's connection to
the master and, when told through the control file, changes one record
from the slave (flips its last tag byte: "tamper") or sends it twice
("replay").  It parses only the framing of agent/core/share_chan.h: the
initiator's handshake frames M1 (82 bytes) and M3 (34 bytes), then
records of length(2) | counter(8) | ciphertext | tag(16)."""
import argparse
import os
import socket
import sys
import threading

HS_FROM_INITIATOR = 82 + 34


def parse_addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def take_command(path):
    try:
        with open(path) as f:
            cmd = f.read().strip()
        os.unlink(path)
        return cmd
    except FileNotFoundError:
        return ""


def pump_back(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump_forward(src, dst, control):
    buf = b""
    passed = 0
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            buf += b
            out = b""
            if passed < HS_FROM_INITIATOR:
                n = min(HS_FROM_INITIATOR - passed, len(buf))
                out, buf, passed = buf[:n], buf[n:], passed + n
            while passed >= HS_FROM_INITIATOR and len(buf) >= 2:
                total = 10 + int.from_bytes(buf[:2], "big") + 16
                if len(buf) < total:
                    break
                rec, buf = buf[:total], buf[total:]
                cmd = take_command(control)
                if cmd == "tamper":
                    rec = rec[:-1] + bytes([rec[-1] ^ 0x01])
                    print("mitm: tampered with a record", flush=True)
                    out += rec
                elif cmd == "replay":
                    print("mitm: replayed a record", flush=True)
                    out += rec + rec
                else:
                    out += rec
            if out:
                dst.sendall(out)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--control", required=True)
    a = ap.parse_args()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(parse_addr(a.listen))
    ls.listen(4)
    print("mitm: listening", flush=True)
    while True:
        c, _ = ls.accept()
        try:
            m = socket.create_connection(parse_addr(a.to), timeout=5)
            m.settimeout(None)
        except OSError as e:
            print("mitm: cannot reach the master: %s" % e, flush=True)
            c.close()
            continue
        print("mitm: a connection", flush=True)
        threading.Thread(target=pump_forward, args=(c, m, a.control), daemon=True).start()
        threading.Thread(target=pump_back, args=(m, c), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
