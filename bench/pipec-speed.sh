#!/usr/bin/env bash
# pipec-speed.sh - pipec's wall time on the GPT-3 175B shape (issue 3) and the
# zb-v schedule benchmark (issue 4). Builds nothing, asserts nothing.
# Usage: bench/pipec-speed.sh BUILD_DIR [RUNS]   (RUNS defaults to 5)
set -u
build=${1:?usage: $0 BUILD_DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
pipe="$here/gpt3-175b.pipe"
pipec="$build/bin/pipec"
bench="$build/bin/pipec-schedule-bench"

# Median wall seconds of `pipec ARGS --emit=plan` over $runs runs.
median_wall() {
  local times=() t0 t1
  for ((i = 0; i < runs; ++i)); do
    t0=$(date +%s.%N)
    "$pipec" "$pipe" --emit=plan "$@" >/dev/null || echo "pipec failed: $*" >&2
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m }'
}

report() {
  local name=$1
  shift
  local m
  m=$(median_wall "$@")
  printf '%-34s median %6.3f s over %d runs  (%.2f x the 1 s goal)\n' \
    "$name" "$m" "$runs" "$m"
}

echo "pipec --emit=plan on bench/gpt3-175b.pipe (machine load: $(cut -d' ' -f1-3 /proc/loadavg))"
report "64 ranks, 1f1b, 128 micro-batches"
report "32 ranks x 2 virtual, interleaved" \
  --set ranks=32 --set virtual=2 --set schedule=interleaved
echo
if [ -x "$bench" ]; then
  echo "zb schedule bench (64 ranks x 512 micro-batches from stage costs; goal < 200 ms each):"
  "$bench"
else
  echo "no $bench (build target pipec-schedule-bench)"
fi
