#!/usr/bin/env bash
# Runs pipe-fuzz for a bounded time, seeded with examples/*.pipe, the
# front-end lit tests and test/fuzz/corpus (hostile shapes: long operator
# chains, CR-only lines, overflowing sizes, long lines, exponential blocks, nested repeats). Exits non-zero when libFuzzer finds a crash, leak, hang
# or sanitizer error (the reproducer is left in the artifact directory).
# Usage: test/fuzz/run-fuzz.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-${PIPE_FUZZ_SECONDS:-60}}"
fuzzer="$build/bin/pipe-fuzz"
if [[ ! -x "$fuzzer" ]]; then
  echo "run-fuzz.sh: $fuzzer not built (needs clang and PIPEC_ENABLE_FUZZER)" >&2
  exit 1
fi
work="$build/fuzz"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/examples/*.pipe "$work/corpus/"
cp "$root"/test/Frontend/*.pipe "$work/corpus/" 2>/dev/null || true
cp "$root"/test/fuzz/corpus/*.pipe "$work/corpus/"
# -timeout: any single input taking more than 10 s counts as a hang. A fixed
# seed (PIPE_FUZZ_SEED, default 1) makes the test suite's run reproducible;
# set PIPE_FUZZ_SEED=0 for a fresh random seed when fuzzing by hand.
exec "$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=10 \
  -seed="${PIPE_FUZZ_SEED:-1}" \
  -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/"
