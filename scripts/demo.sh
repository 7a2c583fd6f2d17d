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

step "patrol-server db upgrade, token create, serve   (SQLite in var/demo-server)"
export PATROL_DATABASE_URL="sqlite:///$PWD/var/demo-server/patrol.db"
export XDG_STATE_HOME="$PWD/var/demo-server/state"   # the push spool
rm -rf var/demo-server && mkdir -p var/demo-server
$BIN/patrol-server db upgrade || exit 1
AGENT_TOKEN=$($BIN/patrol-server token create --role agent --customer fzbank --name demo-sweep) || exit 1
ENGINEER_TOKEN=$($BIN/patrol-server token create --role engineer --name "Demo Engineer") || exit 1
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$BIN/patrol-server serve --port "$PORT" --log-level warning > var/demo-server/serve.log 2>&1 &
SERVER_PID=$!
trap '$BIN/patrol-lab down >/dev/null 2>&1; kill $SERVER_PID 2>/dev/null' EXIT
export PATROL_SERVER="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  $BIN/python -c 'import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$PATROL_SERVER/healthz" 2>/dev/null && break
  sleep 0.2
done
echo "serving $PATROL_SERVER (API docs at $PATROL_SERVER/docs)"

step "patrol sweep --customer fzbank --push"
PATROL_TOKEN="$AGENT_TOKEN" $BIN/patrol sweep --customer fzbank --json var/demo-sweep.json --operator demo --push
echo "(sweep exit status $?: the worst status of the bank, Nagios-style)"

step "patrol sweep --customer fzbank --push --quiet   (a second failure in a row opens the tickets)"
PATROL_TOKEN="$AGENT_TOKEN" $BIN/patrol sweep --customer fzbank --operator demo --push --quiet >/dev/null

step "patrol tickets list   (one per problem: none for the healthy devices, one for the router that is down)"
PATROL_TOKEN="$ENGINEER_TOKEN" $BIN/patrol tickets list
FIRST=$(PATROL_TOKEN="$ENGINEER_TOKEN" $BIN/patrol tickets list --json | $BIN/python -c 'import json,sys; t=json.load(sys.stdin); print(t[0]["id"] if t else "")')
if [ -n "$FIRST" ]; then
  step "patrol tickets ack $FIRST; patrol tickets show $FIRST"
  PATROL_TOKEN="$ENGINEER_TOKEN" $BIN/patrol tickets ack "$FIRST" --note "remote diagnosis started"
  PATROL_TOKEN="$ENGINEER_TOKEN" $BIN/patrol tickets show "$FIRST"
fi

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
