#!/usr/bin/env bash
# The main job, end to end on a fresh machine: installs what is missing, builds pipec and the
# runtime, compiles examples/tiny-gpt.pipe (2 ranks x 2 virtual stages, interleaved), prints the
# plan summary and the predicted timeline, builds the generated program and trains it on the
# host backend, or on the GPU when one is visible.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${PIPEC_BUILD_DIR:-build}
out=${PIPEC_OUT:-out/tiny-gpt}
mkdir -p "$build"
cmake -G Ninja -S . -B "$build" -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DCMAKE_BUILD_TYPE=Release >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target pipec pipert -j "${PIPEC_JOBS:-2}"

echo "== pipec examples/tiny-gpt.pipe -o $out"
"$build/bin/pipec" examples/tiny-gpt.pipe -o "$out"
echo "== the predicted step (pipec --emit=timeline)"
"$build/bin/pipec" examples/tiny-gpt.pipe --emit=timeline

echo "== building the generated program"
cmake -G Ninja -S "$out" -B "$out/build" -DCMAKE_CXX_COMPILER=clang++-22 >"$out/configure.log" 2>&1 ||
  { cat "$out/configure.log"; exit 1; }
cmake --build "$out/build"

backend=host
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  backend=cuda
fi
echo "== training ($backend backend)"
"$out/build/tiny_gpt" --backend=$backend "$@"
