#!/usr/bin/env bash
# cpu-profile.sh: how well the `cpu` device profile predicts the host backend's step time.
# For tiny-gpt (examples/tiny-gpt.pipe as written: 2 ranks x 2 chunks, interleaved) and the
# GEMM-heavier GPT (bench/host-gpt-256.pipe: dim 256, 4 layers, seq 128, one rank), it compiles
# with the built-in profile, runs the program, then recompiles with the run's --profile and runs
# again; each row is the plan's makespan (predicted), the program's `step_us` (median step after
# the first; the median of RUNS runs) and the error (predicted / measured - 1). Asserts nothing.
#
#   bash bench/cpu-profile.sh [BUILD_DIR]      # STEPS=12 RUNS=3
# Logs go to out/cpu-profile/.
set -uo pipefail

build=$(cd "${1:-build}" && pwd)
steps=${STEPS:-12}
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/out/cpu-profile
mkdir -p "$work"

# Generates, builds and runs one program; prints "predicted measured".
run_one() {
  local name=$1 pipe=$2
  shift 2
  rm -rf "$work/$name" "$work/$name".run*.log
  "$build/bin/pipec" "$pipe" -o "$work/$name" "$@" > "$work/$name.pipec.log" || return 1
  cmake -G Ninja -S "$work/$name" -B "$work/$name/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="${CXX:-clang++-22}" > "$work/$name.cmake.log" 2>&1 || return 1
  cmake --build "$work/$name/build" > "$work/$name.build.log" 2>&1 || return 1
  local exe i
  exe=$(find "$work/$name/build" -maxdepth 1 -type f -perm -u+x | head -1)
  for i in $(seq "$runs"); do
    (cd "$root/examples" && "$exe" --backend=host --steps "$steps" \
       --profile "$work/$name.profile.json") > "$work/$name.run$i.log" 2>&1 || return 1
  done
  # The median run's step (the profile file is the last run's).
  cat "$work/$name".run*.log | awk '$1 == "step_us" { print $4, $2 }' | sort -k2 -g |
    awk '{ row[NR] = $0 } END { print row[int((NR + 1) / 2)] }'
}

printf "%-10s %-12s %14s %14s %8s\n" model profile predicted_us measured_us error
for model in tiny-gpt:examples/tiny-gpt.pipe gpt-256:bench/host-gpt-256.pipe; do
  name=${model%%:*} pipe=$root/${model#*:}
  read -r p m < <(run_one "$name-cpu" "$pipe")
  awk -v n="$name" -v p="$p" -v m="$m" 'BEGIN {
    printf "%-10s %-12s %14.1f %14.1f %+7.1f%%\n", n, "cpu", p, m, 100 * (p / m - 1) }'
  read -r p m < <(run_one "$name-cal" "$pipe" --profile "$work/$name-cpu.profile.json")
  awk -v n="$name" -v p="$p" -v m="$m" 'BEGIN {
    printf "%-10s %-12s %14.1f %14.1f %+7.1f%%\n", n, "--profile", p, m, 100 * (p / m - 1) }'
done
