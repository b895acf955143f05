#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares a profile's state in vuiccd's store with the kernel's.

  store_vs_kernel.py STATE_DIR CARD NAME

The kernel's view is `vuiccctl state` (state-seq, SQN array and the EFs the
modem changed, as CRC-32s); the store's `vuiccd --check-store`.  They agree
when the state-seq and the SQN array are equal and every EF of the kernel
is in the store with the same length and CRC.  Exit 0 when they agree."""
import re
import subprocess
import sys


def parse(text, header):
    seq = sqn = None
    efs = {}
    m = re.search(header, text, re.M)
    if not m:
        return None
    seq, sqn = int(m.group('seq')), m.group('sqn')
    for line in text[m.end():].splitlines()[1:]:
        e = re.match(r'\s+ef (\w+) len (\d+) crc (\w+)', line)
        if not e:
            break
        efs[e.group(1)] = (int(e.group(2)), e.group(3))
    return seq, sqn, efs


def main():
    state_dir, card, name = sys.argv[1:4]
    kern = subprocess.run(['vuiccctl', 'state', name, '--card', card],
                          capture_output=True, text=True)
    store = subprocess.run(['vuiccd', '--check-store', state_dir],
                           capture_output=True, text=True)
    if kern.returncode:
        print(f'not ok - vuiccctl state {name}: {kern.stderr.strip()}')
        return 1
    k = parse(kern.stdout, r'^seq (?P<seq>\d+) sqn-slots \d+ sqn-crc (?P<sqn>\w+).*$')
    s = parse(store.stdout, r'^card %s profile %s: gen \d+ seq (?P<seq>\d+) sqn-slots \d+ '
              r'sqn-crc (?P<sqn>\w+).*$' % (card, re.escape(name)))
    if s is None:
        print(f'not ok - the store has no valid state for card {card} profile {name}')
        print(store.stdout)
        return 1
    problems = []
    if k[0] != s[0]:
        problems.append(f'state-seq: kernel {k[0]}, store {s[0]}')
    if k[1] != s[1]:
        problems.append('the SQN arrays differ')
    for path, v in k[2].items():
        if s[2].get(path) != v:
            problems.append(f'EF {path}: kernel {v}, store {s[2].get(path)}')
    if problems:
        print(f'not ok - card {card} {name}: store and kernel differ: ' + '; '.join(problems))
        return 1
    print(f'ok - card {card} {name}: the store matches the kernel (seq {k[0]}, '
          f'{len(k[2])} changed EFs, SQN array)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
