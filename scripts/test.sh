#!/usr/bin/env bash
# The test command: installs what is missing, builds everything and runs every suite
# (GoogleTest unit tests, the lit suite, end-to-end tests and a bounded fuzzing run) under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${PIPEC_BUILD_DIR:-build}
mkdir -p "$build"
cmake -G Ninja -S . -B "$build" -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DCMAKE_BUILD_TYPE=Release >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "${PIPEC_JOBS:-2}"
ctest --test-dir "$build" --output-on-failure -j "${PIPEC_JOBS:-2}"
