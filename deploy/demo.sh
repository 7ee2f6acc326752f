#!/usr/bin/env bash
# The demo: a controller and two agents on loopback, two lavfi streams, shown
# running on both agents, then stopped, and everything shut down cleanly.
# Usage: deploy/demo.sh BIN_DIR
set -euo pipefail

bin=$(cd "${1:-build/bin}" && pwd)
dir=$(mktemp -d /tmp/ffleet-demo.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="tcp://127.0.0.1:$port"
export FFLEET_CONTROLLER=$endpoint
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

ffleet() { "$bin/ffleet" "$@"; }

# Polls `cmd` until its output contains `want`, for at most `secs` seconds.
wait_for() {
  local secs=$1 want=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" 2>/dev/null | grep -q -- "$want"; do
    if ((SECONDS >= deadline)); then echo "demo: timed out waiting for '$want' from: $*" >&2; return 1; fi
    sleep 0.2
  done
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "controller on $endpoint, database in $dir"
"$bin/ffleet-controller" --listen "$endpoint" --db "$dir/ffleet.db" 2>"$dir/controller.log" &
pids+=($!)
controller_pid=$!

step "two agents: alpha and beta (each at most 1 stream, so the streams spread; ffmpeg writes only in $dir/out)"
mkdir -p "$dir/out"
for name in alpha beta; do
  RESOURCE_MONITOR_INTERVAL_MS=1000 "$bin/ffleet-agent" --controller "$endpoint" --name "$name" \
    --work-dir "$dir/work-$name" --max-streams 1 --output-root "$dir/out" 2>"$dir/agent-$name.log" &
  pids+=($!)
done
wait_for 30 "beta *ready" ffleet agent ls
wait_for 30 "alpha *ready" ffleet agent ls
ffleet agent ls

step "two lavfi test streams"
for n in 1 2; do
  ffleet stream add "demo$n" --input-format lavfi --input "testsrc2=size=640x360:rate=30" \
    --output "$dir/out/demo$n.ts" --mode transcode
  ffleet stream start "demo$n"
done
wait_for 30 "demo1 .*running" ffleet stream ls
wait_for 30 "demo2 .*running" ffleet stream ls
sleep 2  # let the agents take a CPU sample worth showing
ffleet stream ls
ffleet agent ls
agents=$(ffleet --json stream ls | python3 -c 'import json,sys; print(" ".join(sorted({s["agent"] for s in json.load(sys.stdin)})))')
[[ "$agents" == "alpha beta" ]] || { echo "demo: expected the streams on alpha and beta, got: $agents" >&2; exit 1; }

step "stopping both"
ffleet stream stop demo1
ffleet stream stop demo2
wait_for 30 "demo1 .*stopped" ffleet stream ls
wait_for 30 "demo2 .*stopped" ffleet stream ls
ffleet stream ls
ffleet stream show demo1

step "shutting down: agents drain, controller exits"
status=0
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do
  if ! wait "$p"; then echo "demo: process $p exited non-zero" >&2; status=1; fi
done
pids=()
[[ $status == 0 ]] && printf '\ndemo: ok, everything exited with 0\n'
exit $status
