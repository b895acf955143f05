#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The T=0 line on a real serial driver: the VM's third UART (ttyS2, a
16550A emulated by qemu, nothing behind it) in loopback, so that the card
hears its own bytes as on a joined SIM I/O line.  vuiccctl attach reads the
UART's base rate, reports the rate reached, sets DCD interrupts up for
--reset dcd (ASYNC_HARDPPS_CD) and the 8250 driver's termios to the T=0
frame (9600 bit/s, 8 data bits, even parity, 2 stop bits, CLOCAL); a reset
sends the ATR through the driver, paced by the emulated UART, and with
--echo every byte that comes back is taken as the card's own echo: no
collision, nothing unexpected."""
import fcntl
import json
import os
import struct
import subprocess
import termios
import time

failed = 0
CARD = 1
TTY = "/dev/ttyS2"
TIOCM_LOOP = 0x8000
ASYNC_HARDPPS_CD = 1 << 11


def check(what, cond, got=None):
    global failed
    if cond:
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + ("" if got is None else "  (got %r)" % (got,)))


def run(*args):
    return subprocess.run(["vuiccctl"] + list(args), capture_output=True, text=True)


def line():
    out = run("--json", "card", "list").stdout
    return [c for c in json.loads(out) if c["card"] == CARD][0]["t0"]


def serial_info(fd):
    # struct serial_struct: type, line, port, irq, flags, xmit_fifo_size,
    # custom_divisor, baud_base, ...
    buf = fcntl.ioctl(fd, termios.TIOCGSERIAL, bytes(72))
    typ, _, _, _, flags, _, _, base = struct.unpack("iiIiiiii", buf[:32])
    return typ, flags, base


try:
    fd = os.open(TTY, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    typ, flags, base = serial_info(fd)
except OSError as e:
    print("not ok - %s: %s (the VM harness gives the guest a third UART)" % (TTY, e))
    raise SystemExit(1)
check("ttyS2 is a 16550A with a base of 115200", typ == 4 and base == 115200, (typ, base))
run("profile", "add", "tools/testing/profiles/seed-master.conf", "--card", str(CARD))
run("profile", "enable", "seed-master", "--card", str(CARD))

p = subprocess.Popen(["vuiccctl", "attach", "--foreground", "--card", str(CARD), TTY,
                      "--clock", "3571200", "--echo", "--reset", "dcd"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
end = time.time() + 10
while time.time() < end and line() is None:
    time.sleep(0.05)
st = line()
check("attach on a 16550A: held", st is not None and st["tty"] == "ttyS2", st)
_, flags, _ = serial_info(fd)
check("--reset dcd turned DCD interrupts on (ASYNC_HARDPPS_CD)", flags & ASYNC_HARDPPS_CD, flags)
iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
check("the driver runs the T=0 frame: 8 data bits, even parity, 2 stop bits, CLOCAL",
      cflag & termios.CSIZE == termios.CS8 and cflag & termios.PARENB and
      not cflag & termios.PARODD and cflag & termios.CSTOPB and cflag & termios.CLOCAL, cflag)
check("at 9600 bit/s (3.5712 MHz / 372)", ospeed == termios.B9600, ospeed)
check("the counters say the UART reaches it exactly", st["bit_rate"] == 9600 and
      st["uart_rate"] == 9600, st)

# loopback: what the card sends comes back to it, as on a joined I/O line
fcntl.ioctl(fd, termios.TIOCMBIS, struct.pack("I", TIOCM_LOOP))
r = run("t0-reset", "--card", str(CARD))
check("t0-reset", r.returncode == 0, r.stderr)
end = time.time() + 5
while time.time() < end and (line()["rx_bytes"] < line()["tx_bytes"] or not line()["tx_bytes"]):
    time.sleep(0.05)
st = line()
check("the ATR left through the driver and came back whole",
      st["tx_bytes"] >= 17 and st["rx_bytes"] == st["tx_bytes"], st)
check("all of it taken as the echo: no collision, nothing unexpected, no line error",
      st["collisions"] == 0 and st["unexpected"] == 0 and st["line_errors"] == 0 and
      st["parity_errors"] == 0, st)
check("the ATR left 400 or more cycles after the reset", st["atr_delay_cycles"] >= 400, st)
print("# ATR delay on the 16550A at 3.5712 MHz: %d cycles" % st["atr_delay_cycles"])
fcntl.ioctl(fd, termios.TIOCMBIC, struct.pack("I", TIOCM_LOOP))

r = run("detach", "--card", str(CARD))
try:
    p.wait(5)
except subprocess.TimeoutExpired:
    p.kill()
check("detach ends the holder", r.returncode == 0 and p.returncode == 0, (r.stderr, p.returncode))
check("the card is free", line() is None)
os.close(fd)
run("profile", "del", "seed-master", "--card", str(CARD))
print("# t0_uart: %d failed" % failed)
raise SystemExit(1 if failed else 0)
