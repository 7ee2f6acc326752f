#!/usr/bin/env bash
# The peer side by side: a single-node Slurm on loopback running the same
# short-job workload as ffleet's batch figure (K one-frame libx264 ffmpeg jobs,
# two at a time: the node has 2 CPUs and each job asks for one) and a cancel
# workload (scancel of a running job to its process gone, like ffleet's
# stop-to-gone).
#
#   bench/peers/slurm.sh [--jobs K] [--cancels C] [--repeats R] [--variant default|tuned|both] [--json]
#
# Installs Debian's slurm-wlm and munge when they are missing (root; not part
# of `make test`). Everything runs from a temp dir: our own munged (its own
# key and socket), slurmctld and slurmd with the config written below, on
# 127.0.0.1 and free ports. Every daemon it started is stopped on exit, even
# on failure (trap). Prints one JSON line per figure with --json
# ({"figure","median","min","max","unit","n"}, as bench/run.py --with-peers reads
# them), else a table.
set -euo pipefail

JOBS=100 CANCELS=5 REPEATS=1 VARIANT=both JSON=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS=$2; shift 2 ;;
    --cancels) CANCELS=$2; shift 2 ;;
    --repeats) REPEATS=$2; shift 2 ;;
    --variant) VARIANT=$2; shift 2 ;;
    --json) JSON=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "slurm.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "slurm.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "run as root (it installs packages and runs slurmd)"; exit 2; }

need=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  # The packages' own services are not ours (and would take the default
  # ports): nothing is started at install time.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.ffleet-bench
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ $had_policy = 1 ] || { mv /usr/sbin/policy-rc.d.ffleet-bench /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  rc=0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || rc=$?
  [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
  rm -f /usr/sbin/policy-rc.d.ffleet-bench
  [ $rc = 0 ] || { log "apt-get install ${need[*]} failed ($rc)"; exit 1; }
  systemctl disable --now slurmctld slurmd munge >/dev/null 2>&1 || true
fi

T=$(mktemp -d /tmp/ffleet-slurm-XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for f in "$T"/slurmctld.pid "$T"/slurmd.pid "$T"/munged.pid; do
    [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.5
  for f in "$T"/slurmctld.pid "$T"/slurmd.pid "$T"/munged.pid; do
    [ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  if [ $rc != 0 ]; then
    for l in "$T"/*.log; do [ -f "$l" ] && { log "--- $l (last 15 lines)"; tail -15 "$l" >&2; }; done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# Polls a command until it succeeds, at most $1 seconds.
wait_for() {
  local secs=$1; shift
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt $end ] || return 1
    sleep 0.1
  done
}

# --- munge: our own daemon, key and socket ------------------------------------
mkdir -p "$T"/munge
dd if=/dev/urandom of="$T"/munge/munge.key bs=1024 count=1 status=none
chmod 755 "$T" "$T"/munge; chmod 400 "$T"/munge/munge.key
/usr/sbin/munged --force --key-file "$T"/munge/munge.key --socket "$T"/munge/munge.sock \
  --pid-file "$T"/munged.pid --log-file "$T"/munged.log --seed-file "$T"/munge/munge.seed
wait_for 10 test -S "$T"/munge/munge.sock || { log "munged did not start"; exit 1; }
munge -S "$T"/munge/munge.sock -n | unmunge -S "$T"/munge/munge.sock >/dev/null \
  || { log "munge round trip failed"; exit 1; }

CPUS=$(nproc)
MEM=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)

# --- slurm.conf ---------------------------------------------------------------
write_conf() {  # $1: default|tuned
  local ctl_port=$2 d_port=$3
  cat > "$T"/slurm.conf <<EOF
# Single-node Slurm on loopback for ffleet's bench (bench/peers/slurm.sh).
ClusterName=ffleetbench
SlurmctldHost=$(hostname -s)(127.0.0.1)
# sbatch would mail nobody; the default mailer is not installed.
MailProg=/bin/true
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
# Both daemons as root, as this script runs them.
SlurmUser=root
SlurmdUser=root
# Our own munged, not the system's.
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
# Process groups, no cgroups (a container may not delegate them; ffleet's
# agent also tracks its ffmpeg by process group).
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
# No accounting database: ffleet's figures have no slurmdbd equivalent.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# One core per job: two one-frame jobs at a time on this 2-CPU node, the
# parallelism of ffleet's batch figure.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
NodeName=benchnode NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=bench Nodes=benchnode Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  if [ "$1" = tuned ]; then
    cat >> "$T"/slurm.conf <<'EOF'
# --- tuned for many short jobs (Slurm's high-throughput guide) ---
# sched_min_interval=0: the event-driven scheduler may run right after each
#   submit and each completion (default 2 s between runs).
# batch_sched_delay=0: a batch job is launched as soon as it is scheduled.
# default_queue_depth=1000: consider more pending jobs per event (default 100).
# bf_interval=1: the backfill pass every second (default 30 s).
# max_rpc_cnt=150: defer scheduling only when this many RPCs are waiting.
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,default_queue_depth=1000,bf_interval=1,max_rpc_cnt=150
# Finished jobs leave the controller's tables after 2 s (default 300 s):
# fewer records to walk per scheduling pass.
MinJobAge=2
# SIGTERM to SIGKILL of a cancelled job after 1 s (default 30 s); ffleet's
# stop waits 500 ms then signals again, then kills.
KillWait=1
# Less logging on every job event.
SlurmctldDebug=error
SlurmdDebug=error
# No per-job prolog/epilog round trips.
PrologFlags=NoHold
EOF
  fi
}

start_slurm() {  # $1: variant
  mkdir -p "$T"/state "$T"/spool
  rm -rf "$T"/state/* "$T"/spool/*
  write_conf "$1" "$(free_port)" "$(free_port)"
  export SLURM_CONF="$T"/slurm.conf
  /usr/sbin/slurmctld -i -f "$T"/slurm.conf
  wait_for 20 test -s "$T"/slurmctld.pid || { log "slurmctld did not start"; exit 1; }
  /usr/sbin/slurmd -N benchnode -f "$T"/slurm.conf
  wait_for 20 test -s "$T"/slurmd.pid || { log "slurmd did not start"; exit 1; }
  wait_for 60 sh -c "sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'" || {
    log "the node never became idle: $(sinfo -N 2>&1 | tail -2)"; exit 1; }
}

stop_slurm() {
  for f in "$T"/slurmd.pid "$T"/slurmctld.pid; do
    if [ -s "$f" ]; then
      local pid; pid=$(cat "$f")
      kill -TERM "$pid" 2>/dev/null || true
      wait_for 20 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
      rm -f "$f"
    fi
  done
}

FFMPEG_JOB='ffmpeg -hide_banner -nostdin -y -loglevel error -f lavfi -i testsrc=size=320x240:rate=25:duration=0.04 -c:v libx264'

short_jobs() {  # jobs/s of $JOBS one-frame jobs, submit of the first to the last ended
  mkdir -p "$T"/out; rm -f "$T"/out/*
  local t0 t1 n
  t0=$(now)
  for i in $(seq 1 "$JOBS"); do
    sbatch -Q -c 1 -o /dev/null -e "$T"/out/err-$i --wrap="$FFMPEG_JOB $T/out/j$i.mp4" >/dev/null
  done
  wait_for 1800 sh -c "[ -z \"\$(squeue -h -o %i)\" ]" || { log "short jobs still queued after 1800 s"; return 1; }
  t1=$(now)
  n=$(ls "$T"/out/*.mp4 2>/dev/null | wc -l)
  [ "$n" = "$JOBS" ] || { log "only $n of $JOBS jobs wrote their output: $(cat "$T"/out/err-* 2>/dev/null | head -3)"; return 1; }
  python3 -c "print($JOBS / ($t1 - $t0))"
}

cancel_ms() {  # median ms from scancel to the job's process gone, over $CANCELS running jobs
  local out=() base=$((70000 + RANDOM % 1000 * 10))
  for i in $(seq 1 "$CANCELS"); do
    sbatch -Q -c 1 -o /dev/null --wrap="exec sleep $((base + i))" | awk '{print $4}' >/dev/null
    local id; id=$(squeue -h -o %i | sort -n | tail -1)
    wait_for 60 pgrep -fx "sleep $((base + i))" || { log "job $id never ran"; return 1; }
    local t0 t1
    t0=$(now)
    scancel "$id"
    wait_for 60 sh -c "! pgrep -fx 'sleep $((base + i))'" || { log "job $id not gone 60 s after scancel"; return 1; }
    t1=$(now)
    out+=("$(python3 -c "print(($t1 - $t0) * 1000)")")
  done
  printf '%s\n' "${out[@]}" | python3 -c 'import sys, statistics; print(statistics.median(float(x) for x in sys.stdin))'
}

declare -A RES
variants=(default tuned)
[ "$VARIANT" = both ] || variants=("$VARIANT")
for v in "${variants[@]}"; do
  for r in $(seq 1 "$REPEATS"); do
    log "$v: starting slurmctld and slurmd (repeat $r)"
    start_slurm "$v"
    js=$(short_jobs); log "$v: $JOBS short jobs: $js jobs/s"
    cm=$(cancel_ms); log "$v: scancel to gone: $cm ms (median of $CANCELS)"
    RES[slurm_${v}_jobs_per_s]+="$js "
    RES[slurm_${v}_cancel_to_gone_ms]+="$cm "
    stop_slurm
  done
done

for k in $(printf '%s\n' "${!RES[@]}" | sort); do
  unit=ms; [[ $k == *jobs_per_s ]] && unit=jobs/s
  python3 - "$k" "$unit" "$JSON" ${RES[$k]} <<'EOF'
import json, statistics, sys
name, unit, as_json, vals = sys.argv[1], sys.argv[2], sys.argv[3] == "1", [float(x) for x in sys.argv[4:]]
d = {"figure": name, "median": statistics.median(vals), "min": min(vals), "max": max(vals), "unit": unit, "n": len(vals)}
print(json.dumps(d) if as_json else f"{name:<34}{d['median']:>10.3g}{d['min']:>10.3g}{d['max']:>10.3g}  {unit:<8}slurm")
EOF
done
