#!/usr/bin/env bash
# `make demo`: start the simulated bank with its faults, trust its SSH host keys, sweep it over
# SNMP and SSH, show one device, an ad-hoc command and a refused one, then stop the bank.
# Runs the same commands an engineer types, from the project's .venv.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
# The demo keeps its own counters, trusted keys and audit log under var/, apart from yours.
export PATROL_STATE_DIR="$PWD/var/demo-state"
export PATROL_KNOWN_HOSTS="$PWD/var/demo-known_hosts"
export PATROL_AUDIT_LOG="$PWD/var/demo-audit.jsonl"
export PATROL_INVENTORY="$PWD/inventory.yaml"
# Wide tables when the output goes to a file or a pipe (a terminal reports its own width).
[ -t 1 ] || export COLUMNS="${COLUMNS:-150}"
rm -rf "$PATROL_STATE_DIR" "$PATROL_KNOWN_HOSTS"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "patrol-lab up --scenario faults --detach"
$BIN/patrol-lab up --scenario faults --detach || exit 1
trap '$BIN/patrol-lab down >/dev/null 2>&1' EXIT

step "patrol inventory check"
$BIN/patrol inventory check || exit 1

step "patrol ssh trust DEVICE --yes   (for each device with SSH; shows each fingerprint)"
for device in fz-hq-core-01 fz-hq-core-02 fz-hq-wan-01 fz-hq-app-01 fz-hq-aix-01 fz-hq-v7k-01 fz-mh-acc-01; do
  $BIN/patrol ssh trust "$device" --yes | tail -n 1
done

step "patrol sweep --customer fzbank"
$BIN/patrol sweep --customer fzbank --json var/demo-sweep.json --operator demo
echo "(sweep exit status $?: the worst status of the bank, Nagios-style)"

step "patrol diagnose fz-hq-core-01"
$BIN/patrol diagnose fz-hq-core-01 --operator demo

step "patrol exec fz-hq-core-01 \"disp alarm act\""
$BIN/patrol exec fz-hq-core-01 "disp alarm act" --operator demo

step "patrol exec fz-hq-core-01 \"reboot\"   (refused: never sent)"
$BIN/patrol exec fz-hq-core-01 "reboot" --operator demo
echo "(exit status $?)"

step "patrol audit --device fz-hq-core-01   (every command sent, none refused)"
$BIN/patrol audit --device fz-hq-core-01 | tail -n 12

echo
echo "Demo done. The lab stops now; 'patrol-lab up --scenario faults' keeps one running."
exit 0
