#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vuiccd idle: RSS under 4 MiB and no wake-up in 5 s, without the policy and with
# data up and the data check off; the check on is measured and reported
# (bench/footprint --check).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/../../bench/footprint" --check --seconds 5
