#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The golden APDU transcripts (transcripts/*.txt) through /dev/vuiccN.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$here/transcript.py" "$here"/transcripts/*.txt
