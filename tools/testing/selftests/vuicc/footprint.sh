#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vuiccd idle: RSS under 4 MiB and no wake-up in 5 s, without the policy and with
# data up and the data check off; the check on is measured and reported
# (bench/footprint --check).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (with data up only on the kernel the end-to-end suites use: user space's
# behaviour, the same on every kernel)
if [ "${VUICC_KERNEL:-}" = distro-6.12 ]; then
	exec "$here/../../bench/footprint" --check --seconds 5
fi
exec "$here/../../bench/footprint" --check --seconds 5 --no-data
