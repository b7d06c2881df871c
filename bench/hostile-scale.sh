#!/usr/bin/env bash
# Prints the scale figures of issue 16 (items 13-15): wall seconds and peak
# memory of pipec on large plans, many cells, long lines and deep block
# inlining. Asserts nothing; record the output in bench/RESULTS.md.
# Usage: bench/hostile-scale.sh [BUILD_DIR]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
pipec="$build/bin/pipec"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One figure: LABEL then the pipec arguments; prints seconds, MB and rc.
measure() {
  local label="$1"
  shift
  # Address space capped at 16 GB: on a shared machine a run past it fails
  # (and is reported) instead of swapping.
  (ulimit -v 16000000
   /usr/bin/time -f "%e %M" -o "$work/time" "$pipec" "$@" >/dev/null 2>"$work/err")
  local rc=$?
  read -r secs kb <"$work/time" 2>/dev/null || { secs='?'; kb=0; }
  [[ "$secs" == Command* ]] && read -r secs kb < <(tail -1 "$work/time")
  printf '%-52s %8s s %8d MB  rc %d  %s\n' "$label" "$secs" $((kb / 1024)) "$rc" \
    "$(head -c 100 "$work/err" | head -1)"
}

tiny="$here/../examples/tiny-gpt.pipe"
# tiny-gpt: 2 ranks x 2 virtual (interleaved): 4 stages x mb x 2 actions, so
# 31250 micro-batches are 250,000 actions, 125000 are 1 M (the goal of
# issue 16, item 13; the action limit, plan::kMaxActions, allows it).
for mb in 3125 31250 125000; do
  for kind in plan trace; do
    measure "tiny-gpt interleaved, $mb mb, --emit=$kind" "$tiny" \
      --emit=$kind --set microbatches=$mb
  done
  measure "tiny-gpt interleaved, $mb mb, -o" "$tiny" --set microbatches=$mb \
    -o "$work/out-$mb"
done

# Many cells: N statements, one cell each, on 1 and 64 ranks.
for cells in 10000 100000; do
  {
    echo 'model m(x: f32[batch, 16], y: f32[batch, 16]) {'
    for ((i = 0; i < cells; ++i)); do echo '  x = relu(x)'; done
    echo '  return mse(x, y)'
    echo '}'
  } >"$work/cells.pipe"
  for ranks in 1 64; do
    measure "$cells cells x $ranks ranks, --emit=plan" "$work/cells.pipe" \
      --emit=plan --set ranks=$ranks --set microbatches=$((ranks * 4))
  done
done

# An error at the end of a 10 MB line.
python3 -c "
print('model m(x: f32[batch, 4], y: f32[batch, 4]) {')
print('  h = linear(x, 4)' + ' ' * 10_000_000 + '\$')
print('  return mse(h, y)')
print('}')" >"$work/long.pipe"
measure "error deep in a 10 MB line" "$work/long.pipe"

# Exponential inlining: block b_k calls b_{k-1} twice.
{
  echo 'block b0(x) {'
  echo '  return relu(x)'
  echo '}'
  for ((k = 1; k <= 40; ++k)); do
    echo "block b$k(x) {"
    echo "  return b$((k - 1))(b$((k - 1))(x))"
    echo '}'
  done
  echo 'model m(x: f32[batch, 4], y: f32[batch, 4]) {'
  echo '  return mse(b40(x), y)'
  echo '}'
} >"$work/blocks.pipe"
measure "blocks inlined 2^40 times" "$work/blocks.pipe"
