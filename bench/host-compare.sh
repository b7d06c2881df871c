#!/usr/bin/env bash
# host-compare.sh: CPU training throughput of the pipec-generated program (host backend, 1 and
# 2 ranks) against PyTorch eager on the same machine in the same run, on tiny-gpt's shape and a
# GEMM-heavier GPT (bench/host-gpt-*.pipe, synthetic tokens, f32, AdamW); then pipeops-host-bench
# (the host GEMM entry points against OpenBLAS called directly). Prints tokens/s and ratios;
# asserts nothing.
#
#   bash bench/host-compare.sh [BUILD_DIR]   # STEPS=20 SKIP=3 THREADS=$(nproc) PYTHON=/usr/bin/python3
#
# PyTorch is Debian's python3-torch (`apt-get install --no-install-recommends python3-torch`;
# not in scripts/setup.sh, only this benchmark needs it). It gets its BLAS from libblas.so.3;
# here LD_LIBRARY_PATH points it at the OpenMP build of the same OpenBLAS 0.3.21 the host backend
# links (libopenblas0-openmp; the host backend calls the pthread build single-threaded), since
# PyTorch's own threads are OpenMP too and pthread OpenBLAS oversubscribes them. PyTorch runs
# with THREADS and with 1 intra-op thread; the ratios are against the faster of the two.
# Logs go to out/host-compare/.
set -uo pipefail

build=$(cd "${1:-build}" && pwd)
steps=${STEPS:-20}
skip=${SKIP:-3}
threads=${THREADS:-$(nproc)}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
work=out/host-compare
mkdir -p "$work"

# Overall tokens/s of a program's step lines ("step N loss X lr L [norm G] tokens/s Y") after
# step $2: every step has the same tokens, so it is the harmonic mean of the per-step rates.
tokens_per_s() {
  awk -v skip="$2" '$1 == "step" && $3 == "loss" && $2 + 0 > skip {
      for (i = 5; i < NF; i++) if ($i == "tokens/s") { inv += 1 / $(i + 1); c++ } }
    END { if (c == 0) print "nan"; else printf "%.1f\n", c / inv }' "$1"
}

# Builds the program of $1 (a .pipe) with the --set overrides that follow, in $work/$name.
build_program() {
  local pipe=$1 name=$2
  shift 2
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  rm -rf "$work/$name"
  "$build/bin/pipec" "$pipe" -o "$work/$name" "${sets[@]}" >"$work/$name.pipec.log" 2>&1 &&
    cmake -G Ninja -S "$work/$name" -B "$work/$name/build" -DCMAKE_BUILD_TYPE=Release \
      >"$work/$name.cmake.log" 2>&1 &&
    cmake --build "$work/$name/build" >>"$work/$name.cmake.log" 2>&1
}

echo "host-compare: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $steps timed steps after $skip"
torch_blas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -e "$torch_blas/libblas.so.3" ] || torch_blas=
echo "BLAS: pipec's host backend $(ldd "$build/bin/pipeops-host-bench" | awk '/openblas/ { print $3 }');" \
  "PyTorch's libblas.so.3 from ${torch_blas:-the system default}"
for shape in tiny 256; do
  pipe="$here/host-gpt-$shape.pipe"
  declare -A rate=()
  for variant in "1-rank:ranks=1" "2-ranks:ranks=2"; do
    name="gpt-$shape-${variant%%:*}"
    if build_program "$pipe" "$name" "${variant#*:}" "steps=$((steps + skip))"; then
      PIPEOPS_HOST_THREADS=$threads "$work/$name/build/gpt" --backend=host >"$work/$name.log" 2>&1
      rate[${variant%%:*}]=$(tokens_per_s "$work/$name.log" "$skip")
    else
      rate[${variant%%:*}]=nan
      echo "  $name: build failed (see $work/$name.*.log)"
    fi
  done
  for t in "$threads" 1; do
    LD_LIBRARY_PATH=$torch_blas "$python" "$here/torch_gpt2.py" --pipe "$pipe" --device cpu \
      --threads "$t" --steps "$steps" --warmup "$skip" >"$work/gpt-$shape-torch-$t.log" 2>&1
    r=$(awk '/^torch gpt2 tokens\/s/ { print $4 }' "$work/gpt-$shape-torch-$t.log")
    rate[torch-$t]=${r:-nan}
  done
  rate[torch]=$(awk -v a="${rate[torch-$threads]}" -v b="${rate[torch-1]}" \
    'BEGIN { print (b + 0 > a + 0) ? b : a }')
  echo "gpt-$shape: pipec 1 rank ${rate[1-rank]} tokens/s, 2 ranks ${rate[2-ranks]};" \
    "PyTorch ${rate[torch-$threads]} ($threads threads), ${rate[torch-1]} (1 thread)"
  awk -v a="${rate[1-rank]}" -v b="${rate[2-ranks]}" -v t="${rate[torch]}" 'BEGIN {
    printf "  ratios: 1 rank / PyTorch %.2fx, 2 ranks / PyTorch %.2fx, 2 ranks / 1 rank %.2fx\n",
      a / t, b / t, b / a }'
  unset rate
done
echo
PIPEOPS_HOST_THREADS=$threads "$build/bin/pipeops-host-bench"
