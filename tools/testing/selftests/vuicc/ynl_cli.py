#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL tooling (tools/net/ynl of the 6.12 source tree)
# drives every operation of the vuicc family from the spec alone, and
# receives its events; nothing it prints holds a key.  cli.py itself runs
# twice (list the operations, one request); the rest goes through the
# library cli.py is a wrapper of (lib.YnlFamily), in this one process: a
# Python start costs seconds in the VM.  Run in the VM harness (root,
# vuicc.ko loaded).
import json
import os
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../../..'))
KSRC = os.environ.get('VUICC_KSRC') or subprocess.run(
    [os.path.join(TOP, 'tools/testing/vm/kernel'), 'src'],
    check=True, capture_output=True, text=True).stdout.strip()
os.environ['VUICC_KSRC'] = KSRC
sys.path.insert(0, os.path.join(KSRC, 'tools/net/ynl'))
from lib import YnlFamily, NlError  # noqa: E402  (the kernel tree's)

SPEC = os.path.join(TOP, 'Documentation/netlink/specs/vuicc.yaml')
SCHEMA = os.path.join(KSRC, 'Documentation/netlink/genetlink-legacy.yaml')
CLI = os.path.join(TOP, 'tools/net/ynl-cli')
K = '465b5ce8b199b49faa5f0a2ee238a6bc'
OPC = 'cd63cb71954a9f4e48a5994e37a02baf'
CARD = 33
KEY_PARTS = [K, OPC, K[:8], OPC[:8], K[8:16], OPC[8:16]]
fails = 0


def ok(cond, what, shown=None):
    global fails
    if cond:
        print(f'ok - {what}')
    else:
        print(f'not ok - {what}')
        if shown is not None:
            for line in str(shown).splitlines():
                print(f'#   {line}')
        fails += 1


def run(what, fn):
    """Runs a request that must succeed; returns its reply (None on failure)."""
    try:
        r = fn()
    except NlError as e:
        ok(False, what, e)
        return None
    ok(True, what)
    return r


def fails_with(what, text, fn):
    try:
        r = fn()
    except NlError as e:
        ok(text in str(e), what, e)
        return
    ok(False, what, f'succeeded: {r}')


def check(what, r, pred):
    try:
        good = r is not None and pred(r)
    except (KeyError, IndexError, TypeError):
        good = False
    ok(good, what, json.dumps(r, default=str) if r is not None else 'no reply')


def cli_py():
    """cli.py itself: loads the spec, and one request through it."""
    p = subprocess.run([CLI, '--list-ops'], capture_output=True, text=True)
    ok(p.returncode == 0 and 'profile-add' in p.stdout, 'cli.py loads the spec and lists the ops',
       p.stdout + p.stderr)
    p = subprocess.run([CLI, '--output-json', '--dump', 'card-get'], capture_output=True, text=True)
    try:
        cards = json.loads(p.stdout)
    except ValueError:
        cards = None
    ok(p.returncode == 0 and isinstance(cards, list) and any(c['card-id'] == 0 for c in cards),
       'cli.py --dump card-get lists card 0', p.stdout + p.stderr)


def operations(y):
    try:
        y.do('card-del', {'card-id': CARD})
    except NlError:
        pass
    r = run('card-new', lambda: y.do('card-new', {'card-id': CARD}))
    check('card-new replies with the card', r,
          lambda r: r['card-id'] == CARD and r['card-powered'] == 0)
    r = run('card-get', lambda: y.do('card-get', {'card-id': CARD}))
    check('card-get', r, lambda r: r['card-id'] == CARD and r['card-profiles'] == 0)
    r = run('card-get dump', lambda: y.dump('card-get', {}))
    check('card-get dump lists it', r, lambda r: any(c['card-id'] == CARD for c in r))
    run('profile-add', lambda: y.do('profile-add', {
        'card-id': CARD, 'profile-name': 'cli', 'profile-kind': 'seed',
        'profile-role': 'master', 'iccid': '8988211000000000018',
        'imsi': '001010000000001', 'mnc-len': 2, 'algorithm': 'milenage',
        'k': K, 'opc': OPC, 'pin1': '1234',
        'sqn-ind-bits': 5,
        'file': [{'path': '3f002f05', 'data': '656e'}]}))
    r = run('profile-get', lambda: y.do('profile-get', {'card-id': CARD, 'profile-name': 'cli'}))
    check('profile-get shows the profile', r,
          lambda r: r['profile-name'] == 'cli' and r['profile-kind'] == 'seed' and
          r['algorithm'] == 'milenage' and r['profile-files'] == 1)
    check('profile-get has no key attribute', r,
          lambda r: not any(k in r for k in ('k', 'op', 'opc', 'pin1', 'puk1', 'adm1')))
    r = run('profile-get dump', lambda: y.dump('profile-get', {}))
    check('profile-get dump lists it', r, lambda r: any(p['profile-name'] == 'cli' for p in r))
    r = run('profile-get dump of one card', lambda: y.dump('profile-get', {'card-id': CARD}))
    check('the dump keeps to that card', r, lambda r: len(r) == 1 and r[0]['card-id'] == CARD)
    run('profile-enable', lambda: y.do('profile-enable', {'card-id': CARD, 'profile-name': 'cli'}))
    r = run('card-get after enable', lambda: y.do('card-get', {'card-id': CARD}))
    check('the card has the profile', r,
          lambda r: r['card-profile'] == 'cli' and r['card-switches'] == 1)
    run('profile-disable', lambda: y.do('profile-disable', {'card-id': CARD}))
    run('profile-del', lambda: y.do('profile-del', {'card-id': CARD, 'profile-name': 'cli'}))
    fails_with('profile-del of a missing profile names it', 'no such profile',
               lambda: y.do('profile-del', {'card-id': CARD, 'profile-name': 'cli'}))
    fails_with('a 15-byte k is refused, naming k', 'k', lambda: y.do('profile-add', {
        'card-id': CARD, 'profile-name': 'bad', 'profile-kind': 'vsim',
        'iccid': '8988211000000000018', 'imsi': '001010000000001', 'algorithm': 'xor',
        'k': K[:30]}))
    run('card-del', lambda: y.do('card-del', {'card-id': CARD}))
    fails_with('card-get of a removed card', 'no such card',
               lambda: y.do('card-get', {'card-id': CARD}))


def events():
    """A second family socket subscribes; vuiccctl (quick to start) makes the events."""
    want = {'card-new-ntf', 'profile-add-ntf', 'profile-enable-ntf', 'profile-del-ntf',
            'card-del-ntf'}
    mon = YnlFamily(SPEC, SCHEMA)
    mon.ntf_subscribe('monitor')
    conf = os.path.join(TOP, 'tools/testing/profiles/seed-master.conf')
    cmds = [['card', 'add', str(CARD)], ['profile', 'add', conf, '--card', str(CARD)],
            ['profile', 'enable', 'seed-master', '--card', str(CARD)],
            ['profile', 'disable', '--card', str(CARD)],
            ['profile', 'del', 'seed-master', '--card', str(CARD)], ['card', 'del', str(CARD)]]
    made = all(subprocess.run(['vuiccctl'] + c, stdout=subprocess.DEVNULL).returncode == 0
               for c in cmds)
    ok(made, 'vuiccctl made the events')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mon.check_ntf()
        if want <= {e['name'] for e in mon.async_msg_queue}:
            break
        time.sleep(0.2)
    seen = {e['name'] for e in mon.async_msg_queue}
    ok(want <= seen, 'the monitor saw the events', f'saw {sorted(seen)}')
    text = json.dumps(mon.async_msg_queue, default=lambda o: o.hex() if isinstance(o, bytes)
                      else str(o)).lower()
    ok(not any(p in text for p in KEY_PARTS), 'no event holds key material')


def main():
    cli_py()
    operations(YnlFamily(SPEC, SCHEMA))
    events()
    print(f'ynl-cli: {fails} failed')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
