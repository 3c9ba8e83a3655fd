#!/usr/bin/env bash
# Stops what start-all.sh started; both servers keep data in memory only, so this also wipes it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/gcs-emulator.sh" stop
"$HERE/ceph-mini.sh" stop
