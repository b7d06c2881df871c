#!/bin/bash
# compare-outputs.sh: runs two pipec binaries over every example under a few
# schedules and reports any difference in what they print or write.
# usage: test/compare-outputs.sh PIPEC_BEFORE PIPEC_AFTER [EXAMPLE...]
# Exit status 0 when every output (stdout, stderr, exit code, -o files) is
# byte-identical. Run from anywhere; examples default to examples/*.pipe.
set -u
before=$(realpath "$1") after=$(realpath "$2")
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
examples=("$@")
[ ${#examples[@]} -eq 0 ] && examples=("$root"/examples/*.pipe)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0 runs=0
# Runs one pipec invocation with both binaries (in the example's folder, so
# relative paths such as data files and .cu files resolve the same way).
compare() {
  local name=$1 dir=$2
  shift 2
  for side in before after; do
    local bin=$before
    [ $side = after ] && bin=$after
    mkdir -p "$work/$side"
    rm -rf "$work/gen" "$work/gen-$side"
    (cd "$dir" && "$bin" "$@" >"$work/$side/out" 2>"$work/$side/err"
     echo $? >"$work/$side/rc")
    # -o writes to the same path for both sides, so printed paths agree.
    [ -e "$work/gen" ] && mv "$work/gen" "$work/gen-$side"
  done
  if [ -e "$work/gen-before" ] || [ -e "$work/gen-after" ]; then
    if ! diff -r "$work/gen-before" "$work/gen-after" >"$work/gendiff" 2>&1; then
      echo "DIFF [$name] files: pipec $*"
      head -20 "$work/gendiff"
      fail=1
    fi
  fi
  runs=$((runs + 1))
  for f in out err rc; do
    if ! cmp -s "$work/before/$f" "$work/after/$f"; then
      echo "DIFF [$name] $f: pipec $*"
      diff "$work/before/$f" "$work/after/$f" | head -20
      fail=1
    fi
  done
}
for ex in "${examples[@]}"; do
  dir=$(dirname "$ex") base=$(basename "$ex" .pipe)
  for sched in default gpipe 1f1b interleaved zb-h1 zb-v; do
    set_args=()
    [ $sched != default ] && set_args=(--set "schedule=$sched")
    for emit in plan partitioned cpp; do
      compare "$base/$sched/$emit" "$dir" "$ex" --emit=$emit "${set_args[@]}"
    done
    compare "$base/$sched/-o" "$dir" "$ex" -o "$work/gen" "${set_args[@]}"
  done
done
echo "compare-outputs: $runs runs, $([ $fail = 0 ] && echo identical || echo DIFFERENT)"
exit $fail
