#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vuiccctl attach, detach and t0-reset as an operator uses them, on a pty
(vuicc.ko with cards=2): the rate check and its message, attach in the
background (the holder process), the line in card list (text and JSON), a
reset through the card's number that makes the card send its ATR on the
tty, detach by card and by tty (the holder ends and gives the tty back to
N_TTY), --foreground ending on SIGTERM, and the errors: no such card, a
card already open, a tty that is not one, a line that holds no card, and
no CAP_NET_ADMIN (attach, and the trace group)."""
import fcntl
import json
import os
import select
import signal
import subprocess
import termios
import time
import tty

failed = 0
CARD = 1
N_TTY = 0


def check(what, cond, got=None):
    global failed
    if cond:
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + ("" if got is None else "  (got %r)" % (got,)))


def run(*args):
    return subprocess.run(["vuiccctl"] + list(args), capture_output=True, text=True)


def card_json(n):
    out = run("--json", "card", "list").stdout
    return [c for c in json.loads(out) if c["card"] == n][0]


def read_within(fd, seconds):
    data = b""
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            break
        data += os.read(fd, 256)
    return data


def ldisc_of(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    buf = fcntl.ioctl(fd, termios.TIOCGETD, b"\0\0\0\0")
    os.close(fd)
    return int.from_bytes(buf, "little")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_gone(pid, seconds=5):
    end = time.time() + seconds
    while time.time() < end and alive(pid):
        time.sleep(0.05)
    return not alive(pid)


def holder_pid(text):
    # "... (held by pid N)"
    return int(text.rsplit("pid", 1)[1].strip(" )\n"))


master, slave = os.openpty()
tty.setraw(master)
path = os.ttyname(slave)
os.close(slave)

# the rate: 4 MHz / 372 = 10753 bit/s; a UART of base 115200 reaches 10472
r = run("attach", "--card", str(CARD), path, "--clock", "4000000", "--baud-base", "115200")
check("attach refuses a rate the UART cannot reach", r.returncode != 0, r.stdout)
check("... and names both figures", "10753" in r.stderr and "10472" in r.stderr, r.stderr)
r = run("attach", "--card", str(CARD), path, "--clock", "999")
check("attach refuses a clock outside 1-20 MHz", r.returncode != 0 and "clock" in r.stderr, r.stderr)
r = run("attach", "--card", "60", path)
check("attach: no such card", r.returncode != 0 and "no such card" in r.stderr, r.stderr)
r = run("attach", "--card", str(CARD), path, "--reset", "dcd")
check("attach --reset dcd on a pty: no DCD to watch", r.returncode != 0 and
      "serial port" in r.stderr, r.stderr)
check("... and the pty keeps N_TTY", ldisc_of(path) == N_TTY)
r = run("attach", "--card", str(CARD), "/dev/null")
check("attach: not a tty", r.returncode != 0 and "not a tty" in r.stderr, r.stderr)
check("a refused attach leaves the tty's discipline alone", ldisc_of(path) == N_TTY)
fd = os.open("/dev/vuicc%d" % CARD, os.O_RDWR)
r = run("attach", "--card", str(CARD), path)
check("attach: the card is open elsewhere", r.returncode != 0 and "open" in r.stderr, r.stderr)
os.close(fd)

# attach in the background, as ldattach does
r = run("attach", "--card", str(CARD), path, "--clock", "3571200", "--baud-base", "115200")
check("attach succeeds and says what it did", r.returncode == 0 and "9600 bit/s" in r.stdout,
      r.stdout + r.stderr)
pid = holder_pid(r.stdout)
check("a holder process keeps the line", alive(pid))
check("the tty carries discipline 29", ldisc_of(path) == 29)
try:
    os.open("/dev/vuicc%d" % CARD, os.O_RDWR)
    check("/dev/vuiccN is busy while the line holds the card", False)
except OSError as e:
    check("/dev/vuiccN is busy while the line holds the card", e.errno == 16, e.errno)
c = card_json(CARD)
check("card list --json shows the line", c["t0"] is not None and c["t0"]["state"] == "off" and
      c["t0"]["bit_rate"] == 9600 and c["t0"]["uart_rate"] == 9600, c["t0"])
name = os.path.basename(path)
r = run("card", "list")
check("card list shows the tty in LINE", ("pts" + name) in r.stdout, r.stdout)

r = run("t0-reset", "--card", str(CARD))
atr = read_within(master, 1.0)
check("t0-reset --card N makes the card send its ATR on the tty",
      r.returncode == 0 and atr[:1] == b"\x3b" and len(atr) >= 10, (r.stderr, atr.hex()))
c = card_json(CARD)
check("the counters count it", c["t0"]["state"] == "active" and c["t0"]["resets"] == 1 and
      400 <= c["t0"]["atr_delay_cycles"], c["t0"])
r = run("t0-reset", path, "--off")
check("t0-reset TTY --off deactivates", r.returncode == 0 and card_json(CARD)["t0"]["state"] == "off",
      r.stderr)

r = run("detach", "--card", str(CARD))
check("detach --card N", r.returncode == 0, r.stderr)
check("the holder ends", wait_gone(pid))
check("and gives the tty back to N_TTY", ldisc_of(path) == N_TTY)
check("the card is free again", card_json(CARD)["t0"] is None)
fd = os.open("/dev/vuicc%d" % CARD, os.O_RDWR)
os.close(fd)
r = run("detach", "--card", str(CARD))
check("detach of a card on no line says so", r.returncode != 0 and "no T=0 line" in r.stderr,
      r.stderr)

# --foreground, ended by SIGTERM (a service manager stopping it)
p = subprocess.Popen(["vuiccctl", "attach", "--foreground", "--card", str(CARD), path],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
end = time.time() + 5
while time.time() < end and (card_json(CARD)["t0"] is None):
    time.sleep(0.05)
check("attach --foreground holds the line", card_json(CARD)["t0"] is not None)
r = run("detach", path)
check("detach TTY works too", r.returncode == 0, r.stderr)
try:
    p.wait(5)
except subprocess.TimeoutExpired:
    p.kill()
check("the foreground holder ends on detach, with its counters",
      p.returncode == 0 and "APDUs" in p.stderr.read(), p.returncode)
p = subprocess.Popen(["vuiccctl", "attach", "--foreground", "--card", str(CARD), path],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
end = time.time() + 5
while time.time() < end and (card_json(CARD)["t0"] is None):
    time.sleep(0.05)
p.send_signal(signal.SIGTERM)
try:
    p.wait(5)
except subprocess.TimeoutExpired:
    p.kill()
check("SIGTERM detaches and ends the holder", p.returncode == 0 and card_json(CARD)["t0"] is None)
check("... giving the tty back to N_TTY", ldisc_of(path) == N_TTY)
r = run("t0-reset", path)
check("t0-reset on a tty that is no line says so", r.returncode != 0 and "not a T=0 line" in r.stderr,
      r.stderr)

# the trace group, and attaching, need CAP_NET_ADMIN
r = subprocess.run(["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
                    "vuiccctl", "trace", "--count", "1", "--duration", "2"],
                   capture_output=True, text=True)
check("vuiccctl trace without CAP_NET_ADMIN is refused, and says why",
      r.returncode != 0 and "CAP_NET_ADMIN" in r.stderr, r.stderr)
os.chmod(path, 0o666)
r = subprocess.run(["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
                    "vuiccctl", "attach", "--foreground", "--card", str(CARD), path],
                   capture_output=True, text=True, timeout=10)
check("attach without CAP_NET_ADMIN is refused", r.returncode != 0 and
      card_json(CARD)["t0"] is None, r.stderr)
check("... and the tty keeps its discipline", ldisc_of(path) == N_TTY)

os.close(master)
print("# t0_ctl: %d failed" % failed)
raise SystemExit(1 if failed else 0)
