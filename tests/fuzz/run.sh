#!/usr/bin/env bash
# Runs the fuzz targets for a bounded time each, a few at a time, and fails
# if any of them fails (a crash, a sanitizer report, a broken property, a
# timeout or running out of memory). See README.md.
#
#   tests/fuzz/run.sh [-b BUILD_DIR] [-t SECONDS] [-j PARALLEL] [TARGET...]
#
# Defaults: build/fuzz, $FUZZ_SECONDS (60), $FUZZ_JOBS (2), every target.
# Each target starts from its seeds (tests/fuzz/corpus/TARGET, every one run
# first) and from what earlier runs found (BUILD_DIR/fuzz-work/TARGET/corpus);
# what a run finds stays there, so the next run goes on from it. A failing
# input is written to BUILD_DIR/fuzz-work/TARGET/artifacts/.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=build/fuzz
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
while getopts "b:t:j:" opt; do
  case $opt in
    b) build=$OPTARG ;;
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-t SECONDS] [-j PARALLEL] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$here"/fuzz_*.cpp; do
    t=$(basename "$f" .cpp)
    targets+=("${t#fuzz_}")
  done
fi

for t in "${targets[@]}"; do
  if [ ! -x "$build/bin/fuzz_$t" ]; then
    echo "fuzz: $build/bin/fuzz_$t is missing (make fuzz builds it)" >&2
    exit 2
  fi
done

# Every sanitizer report ends the run with an error, and says where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 work="$build/fuzz-work/$1"
  mkdir -p "$work/corpus" "$work/artifacts"
  # Frames of a long Reply and a whole `ffmpeg -encoders` list pass 4 KB.
  local max_len=4096
  case $t in wire | encoders) max_len=16384 ;; esac
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1
              -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/corpus/$t")
  [ -f "$here/$t.dict" ] && args=(-dict="$here/$t.dict" "${args[@]}")
  "$build/bin/fuzz_$t" "${args[@]}" >"$work/log" 2>&1
  echo $? >"$work/status"
}

# A summary line from libFuzzer's log: executions, seconds, coverage.
summary() {
  local log=$1
  local execs secs done_line
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -1 |
              sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[0-9]+[a-zA-Z]*).*/\1/')
  echo "${execs:-?} execs in ${secs:-?} s, ${done_line:-no coverage line}"
}

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time ($build)"
running=0
for t in "${targets[@]}"; do
  rm -f "$build/fuzz-work/$t/status"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  status=$(cat "$work/status" 2>/dev/null || echo "?")
  if [ "$status" = 0 ]; then
    printf '  %-18s ok    %s\n' "$t" "$(summary "$work/log")"
  else
    printf '  %-18s FAIL  (exit %s) %s\n' "$t" "$status" "$(summary "$work/log")"
    failed+=("$t")
  fi
done

for t in "${failed[@]}"; do
  work="$build/fuzz-work/$t"
  echo
  echo "==== fuzz_$t failed; the end of $work/log:"
  grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' "$work/log" | tail -40
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] || continue
    echo "---- input: $a"
    echo "     again:  $build/bin/fuzz_$t $a"
    echo "     keep it: cp $a $here/corpus/$t/regress-<what it breaks>  (and add a *_fuzz_regression_test.cpp)"
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
