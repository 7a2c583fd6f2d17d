#!/usr/bin/env bash
# `make demo`: start the simulated bank with its faults, sweep it, show the findings, stop it.
# Runs the same commands an engineer types, from the project's .venv.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PATROL_STATE_DIR="${PATROL_STATE_DIR:-$PWD/var/demo-state}"

echo "== patrol-lab up --scenario faults --detach"
$BIN/patrol-lab up --scenario faults --detach || exit 1
trap '$BIN/patrol-lab down >/dev/null 2>&1' EXIT

echo
echo "== patrol sweep --customer fzbank"
$BIN/patrol sweep --customer fzbank --json var/demo-sweep.json
echo "(sweep exit status $?: the worst status of the bank, Nagios-style)"

echo
echo "== patrol diagnose fz-hq-core-01"
$BIN/patrol diagnose fz-hq-core-01
echo
echo "Demo done. The lab stops now; run 'patrol-lab up --scenario faults' to keep it."
exit 0
