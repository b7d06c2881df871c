#!/usr/bin/env bash
# gpu-check.sh: stages pipec-generated programs here, then builds, checks and times them on a GPU machine without LLVM.
#
#   bash bench/gpu-check.sh prepare [STAGE]   # here, with pipec built (PIPEC_BUILD_DIR, default build)
#   bash bench/gpu-check.sh build [STAGE]     # anywhere with nvcc, CMake and ninja: builds, and runs the host references
#   bash bench/gpu-check.sh run [STAGE]       # on the GPU machine: build, then every GPU check in order of value
#
# STAGE defaults to the folder this script sits in when that is a staged folder (prepare copies
# the script into it), else out/gpu-stage (under out/, which git ignores: copy it to the GPU
# machine with the working tree). Logs and GPU-RESULTS.md go to $OUT (default bench/gpu-logs);
# after the GPU steps ran, GPU-RESULTS.md is also copied to bench/. Builds go to $GPU_BUILD
# (default out/gpu-build), outside the stage, so a second run on the same machine rebuilds nothing.
# TIME_BUDGET (seconds, default 540) bounds one run: no step starts after it, and a running step
# is stopped at HARD_LIMIT (default TIME_BUDGET + 45), so the results are always written. The
# steps run in order of value, so what a short budget drops is the least valuable. Also: JOBS
# (build jobs, default nproc), PYTHON (default python3, with PyTorch), BF16_STEPS (10),
# SPEED_STEPS (10) and SPEED_SKIP (3, steps left out of tokens/s).
#
# Why two halves: pipec needs LLVM/MLIR and the GPU machine has none, while the generated programs,
# the runtime and the op library need only a C++ compiler, nvcc and CMake. So `prepare` compiles
# every .pipe file the checks need here and copies them, with the runtime, op library and test
# sources, GoogleTest's sources (the GPU machine has no package registry) and the data, into one
# folder; `run` builds and runs that folder there. A failing step is recorded and the next one runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
start_s=$SECONDS

die() {
  echo "gpu-check.sh: error: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# prepare (needs pipec, hence LLVM)
# ---------------------------------------------------------------------------------------------

# The f32 comparisons: model × schedule, each with 2 ranks sharing the GPU on cuda.
f32_models=(tiny-gpt mlp)
f32_schedules=(1f1b interleaved zb-v)

prepare() {
  local repo stage pipec
  repo=$(cd "$here/.." && pwd)
  [[ -f $repo/CMakeLists.txt && -d $repo/runtime ]] || die "prepare runs from the repository's bench/"
  stage=$(realpath -m "${1:-$repo/out/gpu-stage}")
  pipec=$(realpath -m "${PIPEC_BUILD_DIR:-$repo/build}")/bin/pipec
  [[ -x $pipec ]] || die "no pipec at $pipec (build it, or set PIPEC_BUILD_DIR)"
  echo "== staging into $stage"
  rm -rf "$stage"
  mkdir -p "$stage/src" "$stage/projects" "$stage/pipe"

  # The sources the GPU machine builds: the top-level CMake project restricted to lib and runtime
  # (PIPEC_PARTS), and their tests. Tracked files only, as they are in the working tree.
  (cd "$repo" && git ls-files -z -- CMakeLists.txt cmake lib runtime test/CMakeLists.txt \
    test/lib test/runtime bench/torch_gpt2.py bench/torch_ops.py examples/gpt2.pipe \
    examples/data | xargs -0 cp --parents -t "$stage/src")

  # GoogleTest: the op library's and runtime's GPU tests use it, and the GPU machine cannot
  # install it. Debian's googletest package ships the sources.
  local gtest=${GTEST_SRC:-/usr/src/googletest}
  if [[ -f $gtest/CMakeLists.txt ]]; then
    cp -r "$gtest" "$stage/googletest"
  else
    echo "gpu-check.sh: warning: no GoogleTest sources at $gtest; the GPU machine needs its own" >&2
  fi
  # NCCL's header, in case the GPU machine has NCCL's library (PyTorch's wheel) but no header.
  local h
  for h in /usr/local/cuda/include/nccl.h /usr/include/nccl.h; do
    if [[ -f $h ]]; then
      mkdir -p "$stage/nccl-include"
      cp "$h" "$stage/nccl-include/"
      break
    fi
  done

  # The data path is made absolute in each generated program; the run step replaces this
  # machine's path with the stage's own copy of the data.
  local data_dir=$repo/examples/data
  local shakespeare="bytes(\"$data_dir/tiny-shakespeare.txt\")"
  # gpt2-shaped with 4 layers for the bf16 check: the shape of every matmul and op of GPT-2
  # small, a third of its time.
  sed 's/^const layers = 12$/const layers = 4/' "$repo/examples/gpt2.pipe" >"$stage/pipe/gpt2-4l.pipe"
  grep -q '^const layers = 4$' "$stage/pipe/gpt2-4l.pipe" || die "examples/gpt2.pipe has no 'const layers = 12'"

  : >"$stage/manifest.tsv"
  compile() { # NAME PURPOSE FILE ARGS...
    local name=$1 purpose=$2 file=$3
    shift 3
    local dir=$stage/projects/$name
    echo "pipec $file $* -o projects/$name"
    if ! "$pipec" "$file" "$@" -o "$dir" >"$stage/projects/$name.pipec.log" 2>&1; then
      cat "$stage/projects/$name.pipec.log" >&2
      die "pipec failed on $name"
    fi
    { grep -rl --null -F "$data_dir/" "$dir" || true; } | xargs -0 -r sed -i "s|$data_dir/|@PIPEC_STAGE_DATA@/|g"
    printf '%s\t%s\tpipec %s %s\n' "$name" "$purpose" "${file#"$repo"/}" "$*" >>"$stage/manifest.tsv"
  }
  local m s virtual
  for m in "${f32_models[@]}"; do
    for s in "${f32_schedules[@]}"; do
      virtual=2
      [[ $s == 1f1b ]] && virtual=1
      compile "f32-$m-$s" f32 "$repo/examples/$m.pipe" --set precision=f32 --set ranks=2 \
        --set virtual="$virtual" --set schedule="$s" --set steps=20 --set log_every=1
    done
  done
  compile bf16-gpt2-4l bf16 "$stage/pipe/gpt2-4l.pipe" --set "data=$shakespeare" \
    --set steps=20 --set log_every=1
  compile speed-gpt2-r1 speed "$repo/examples/gpt2.pipe" --set ranks=1 --set steps=20 --set log_every=1
  compile speed-gpt2-r4 speed "$repo/examples/gpt2.pipe" --set ranks=4 --set steps=20 --set log_every=1

  cp "${BASH_SOURCE[0]}" "$stage/gpu-check.sh"
  {
    echo "staged by bench/gpu-check.sh prepare"
    echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
    echo "commit: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)')"
    echo "pipec: $pipec"
  } >"$stage/stage.txt"
  echo "== staged $(du -sh "$stage" | cut -f1) in $stage"
  echo "   on the GPU machine: bash ${stage#"$repo"/}/gpu-check.sh run   (OUT=logs dir, GPU_BUILD=build dir)"
}

# ---------------------------------------------------------------------------------------------
# build and run (no LLVM; CUDA toolkit, CMake, ninja; PyTorch for the speed comparison)
# ---------------------------------------------------------------------------------------------

# Step records: one line per step, "NAME<TAB>STATUS<TAB>SECONDS<TAB>DETAIL", STATUS pass, FAIL or
# skipped. GPU-RESULTS.md is written from them and from the logs.
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$out/steps.tsv"
  echo "gpu-check.sh: $1: $2${4:+ ($4)}"
}

# step NAME FUNCTION ARGS...: runs FUNCTION in a fresh bash (so that `set -e` holds inside it)
# with its output in $out/NAME.log; a failure is recorded and the run goes on. No step starts
# after TIME_BUDGET seconds, and a running one is stopped at HARD_LIMIT (default budget + 45 s),
# so the results are written before a 10-minute command limit.
step() {
  local name=$1 t0=$SECONDS rc=0 left
  shift
  if ((SECONDS - start_s > budget)); then
    record "$name" skipped 0 "not started: over TIME_BUDGET=${budget}s"
    return 0
  fi
  left=$((hard - (SECONDS - start_s)))
  echo "== $name"
  timeout -k 5 "$left" bash -euo pipefail -c '"$@"' "$name" "$@" >"$out/$name.log" 2>&1 || rc=$?
  if ((rc == 0)); then
    record "$name" pass $((SECONDS - t0)) "$out/$name.log"
  elif ((rc == 124 || rc == 137)); then
    record "$name" FAIL $((SECONDS - t0)) "stopped at HARD_LIMIT=${hard}s, see $out/$name.log"
  else
    record "$name" FAIL $((SECONDS - t0)) "exit $rc, see $out/$name.log"
    tail -n 5 "$out/$name.log" | sed 's/^/    /' >&2
  fi
  return 0
}

passed() { awk -F'\t' -v n="$1" '$1 == n && $2 == "pass" { ok = 1 } END { exit !ok }' "$out/steps.tsv"; }

build_gtest() {
  if [[ -f $build/gtest-install/lib/cmake/GTest/GTestConfig.cmake ]] ||
    [[ -f $build/gtest-install/lib64/cmake/GTest/GTestConfig.cmake ]]; then
    echo "GoogleTest already built in $build/gtest-install"
    return 0
  fi
  [[ -f $stage/googletest/CMakeLists.txt ]] || {
    echo "no GoogleTest sources in the stage"
    return 1
  }
  cmake -G Ninja -S "$stage/googletest" -B "$build/gtest" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_GMOCK=OFF -DCMAKE_INSTALL_PREFIX="$build/gtest-install"
  cmake --build "$build/gtest" -j "$jobs"
  cmake --install "$build/gtest"
}

# Where NCCL is: a system install, the CUDA toolkit, or PyTorch's nvidia-nccl wheel (library
# libnccl.so.2 only; the stage carries a header for that case). Sets nccl_lib and nccl_inc.
find_nccl() {
  nccl_lib="" nccl_inc=""
  local d
  for d in /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/lib64; do
    if [[ -e $d/libnccl.so ]]; then
      nccl_lib=$d/libnccl.so
      break
    fi
  done
  if [[ -z $nccl_lib ]] && d=$("$python" -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__) if nvidia.nccl.__file__ else list(nvidia.nccl.__path__)[0])' 2>/dev/null); then
    [[ -e $d/lib/libnccl.so.2 ]] && nccl_lib=$d/lib/libnccl.so.2
    [[ -f $d/include/nccl.h ]] && nccl_inc=$d/include
  fi
  if [[ -z $nccl_inc ]]; then
    for d in /usr/include /usr/local/cuda/include "$stage/nccl-include"; do
      if [[ -f $d/nccl.h ]]; then
        nccl_inc=$d
        break
      fi
    done
  fi
  echo "NCCL library: ${nccl_lib:-none}; header: ${nccl_inc:-none}"
  [[ -n $nccl_lib && -n $nccl_inc ]]
}

# Copies the files of tree $1 into $2 that differ there, and only those: a stage copied again
# (with new timestamps) then rebuilds nothing that did not change.
sync_tree() {
  local f
  (cd "$1" && find . -type f -print0) | while IFS= read -r -d '' f; do
    if ! cmp -s "$1/$f" "$2/$f"; then
      mkdir -p "$(dirname "$2/$f")"
      cp "$1/$f" "$2/$f"
    fi
  done
}

configure_pipec() {
  sync_tree "$stage/src" "$build/src"
  local args=(-G Ninja -S "$build/src" -B "$build/pipec" -DCMAKE_BUILD_TYPE=Release
    "-DPIPEC_PARTS=lib;runtime" -DCMAKE_PREFIX_PATH="$build/gtest-install")
  [[ -n $nccl_lib ]] && args+=(-DPIPEC_NCCL_LIBRARY="$nccl_lib")
  [[ -n $nccl_inc ]] && args+=(-DPIPEC_NCCL_INCLUDE="$nccl_inc")
  cmake "${args[@]}" | tee "$build/pipec-configure.txt"
  grep -q 'pipec: CUDA backend ON' "$build/pipec-configure.txt" || {
    echo "the CUDA backend is off: is nvcc on PATH or at /usr/local/cuda/bin/nvcc?"
    return 1
  }
}

# The op library's and runtime's GPU test executables and the op benchmark; the runtime's
# GPU tests exist only when NCCL was found.
build_pipec() {
  local targets=(pipert pipeops-gpu-test pipeops-bench)
  grep -q 'pipert-gpu-tests' "$build/pipec/build.ninja" && targets+=(pipert-gpu-tests)
  cmake --build "$build/pipec" -j "$jobs" --target "${targets[@]}"
  grep -q 'pipert-gpu-tests' "$build/pipec/build.ninja" || {
    echo "no pipert-gpu-tests target: NCCL was not found, so the cuda backend is not built"
    return 1
  }
}

# Copies a staged project into the build area with the data path set to the stage's copy,
# touching no file that did not change, so ninja rebuilds nothing on a second run.
build_project() {
  local name=$1 src=$stage/projects/$1 dst=$build/projects/$1 f tmp
  mkdir -p "$dst"
  for f in "$src"/*; do
    tmp=$dst/.$(basename "$f").new
    sed "s|@PIPEC_STAGE_DATA@/|$stage/src/examples/data/|g" "$f" >"$tmp"
    if cmp -s "$tmp" "$dst/$(basename "$f")"; then rm "$tmp"; else mv "$tmp" "$dst/$(basename "$f")"; fi
  done
  cmake -G Ninja -S "$dst" -B "$dst/build" -Dpipec_DIR="$build/pipec/lib/cmake/pipec"
  cmake --build "$dst/build" -j "$jobs"
}

# The executable of a built project: build/MODEL, MODEL from its plan.
program() {
  local model
  model=$(sed -n 's/^ *"model": *"\([^"]*\)".*/\1/p' "$build/projects/$1/plan.json" 2>/dev/null | head -1)
  [[ -n $model && -x $build/projects/$1/build/$model ]] && echo "$build/projects/$1/build/$model"
}

# Field 4 ("loss X") of the step line of step $2 in log $1.
step_loss() { awk -v s="$2" '$1 == "step" && $2 == s && $3 == "loss" { print $4; exit }' "$1"; }

# Overall tokens/s of a program's step lines after step $2: every step has the same tokens, so
# it is the harmonic mean of the per-step rates. Fails when fewer than $3 step lines are there.
tokens_per_s() {
  awk -v skip="$2" -v want="$3" '
    $1 == "step" && $3 == "loss" {
      for (i = 5; i < NF; i++) if ($i == "tokens/s") {
        n++
        if ($2 + 0 > skip) { inv += 1 / $(i + 1); c++ }
      }
    }
    END { if (n < want || c == 0 || inv <= 0) exit 1; printf "%.1f\n", c / inv }' "$1"
}

# Markdown table of the step losses of logs $1 (cuda) and $2 (host) for steps 1..$3; fails unless
# every step of both has a finite loss and they agree within 1e-4 relative.
compare_losses() {
  awk -v want="$3" -v cuda="$1" '
    $1 == "step" && $3 == "loss" { loss[FILENAME == cuda ? 1 : 2, $2 + 0] = $4 }
    END {
      bad = 0; worst = 0
      num = "^-?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?$"
      for (s = 1; s <= want; s++) {
        a = loss[1, s]; b = loss[2, s]
        if (a !~ num || b !~ num) { printf "step %d: cuda %s host %s: missing or not finite\n", s, a, b; bad = 1; continue }
        d = a - b; if (d < 0) d = -d
        m = b < 0 ? -b : b
        rel = d / (m > 0 ? m : 1)
        if (rel > worst) worst = rel
        if (rel > 1e-4) { printf "step %d: cuda %s host %s: %.2e over 1e-4\n", s, a, b, rel; bad = 1 }
      }
      printf "%d steps, largest relative difference %.2e\n", want, worst
      exit bad
    }' "$1" "$2"
}

# Host references of the f32 comparisons, in the background: they need no GPU, so they run
# while the GPU tests do.
host_refs_start() {
  local name exe
  host_pids=()
  for name in "${f32_names[@]}"; do
    exe=$(program "$name") || true
    [[ -n $exe ]] || continue
    timeout 300 "$exe" --backend=host --steps 20 >"$out/$name.host.log" 2>&1 &
    host_pids+=("$!:$name")
  done
}

host_refs_wait() {
  local entry rc
  for entry in "${host_pids[@]}"; do
    rc=0
    wait "${entry%%:*}" || rc=$?
    if ((rc == 0)); then
      record "host-${entry#*:}" pass - "in the background; $out/${entry#*:}.host.log"
    else
      record "host-${entry#*:}" FAIL - "exit $rc, see $out/${entry#*:}.host.log"
    fi
  done
  host_pids=()
}

# A GPU test target; a skipped test counts as a failure, since the tests skip when no GPU is
# usable and that must not read as a pass.
check_target() {
  cmake --build "$build/pipec" --target "$1" | tee "$build/$1.out"
  if grep -q '^\[  SKIPPED \]' "$build/$1.out"; then
    echo "gpu-check.sh: tests were skipped (no usable GPU?)"
    return 1
  fi
}

f32_compare() { # NAME: 20 steps on cuda against the host log
  local exe
  exe=$(program "$1")
  [[ -n $exe ]] || { echo "not built"; return 1; }
  timeout 300 "$exe" --backend=cuda --steps 20 >"$out/$1.cuda.log" 2>&1 || { cat "$out/$1.cuda.log"; return 1; }
  cat "$out/$1.cuda.log"
  compare_losses "$out/$1.cuda.log" "$out/$1.host.log" 20
}

mpi_compare() { # two processes, one per rank, both on the one GPU
  local name=f32-tiny-gpt-1f1b exe
  exe=$(program "$name")
  command -v mpirun >/dev/null || { echo "no mpirun on this machine"; return 1; }
  grep -q 'PIPEC_HAVE_MPI:INTERNAL=ON' "$build/pipec/CMakeCache.txt" || {
    echo "the runtime was built without MPI (no MPI development files found)"
    return 1
  }
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 300 \
    mpirun -np 2 --oversubscribe "$exe" --backend=cuda --steps 20 >"$out/mpi.cuda.log" 2>&1 ||
    { cat "$out/mpi.cuda.log"; return 1; }
  cat "$out/mpi.cuda.log"
  compare_losses "$out/mpi.cuda.log" "$out/$name.host.log" 20
}

# Samples the GPU's used memory every 0.2 s into $1 until killed: an outside bound on what the
# program says it held (its peak lines), which nvidia-smi sees plus the CUDA context.
sample_memory() { while :; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 >>"$1" 2>/dev/null; sleep 0.2; done; }

bf16_train() {
  local exe name=bf16-gpt2-4l sampler first last
  exe=$(program "$name")
  : >"$out/$name.memory"
  sample_memory "$out/$name.memory" &
  sampler=$!
  local rc=0
  timeout 240 "$exe" --backend=cuda --steps "$bf16_steps" || rc=$?
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  ((rc == 0)) || return "$rc"
  first=$(step_loss "$out/$name.log" 1)
  last=$(step_loss "$out/$name.log" "$bf16_steps")
  echo "loss step 1 $first, step $bf16_steps $last; GPU memory used at most $(sort -n "$out/$name.memory" | tail -1) MiB"
  awk -v a="$first" -v b="$last" 'BEGIN { n = "^[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?$"; exit !(a ~ n && b ~ n && b < a) }' ||
    { echo "the loss did not fall or is not finite"; return 1; }
}

# NAME: $speed_steps steps of bf16 gpt2 on cuda. A program slower than 150 s is stopped there;
# with more than $speed_skip step lines its rate is still measured, from the steps it did.
speed_run() {
  local rc=0
  timeout 150 "$(program "$1")" --backend=cuda --steps "$speed_steps" || rc=$?
  if ((rc == 124)) && (($(grep -c '^step ' "$out/$1.log") > speed_skip)); then
    echo "gpu-check.sh: stopped after 150 s; tokens/s is over the steps done"
    return 0
  fi
  return "$rc"
}

torch_gpt2() {
  "$python" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda); sys.exit(not torch.cuda.is_available())'
  "$python" "$stage/src/bench/torch_gpt2.py" --pipe "$stage/src/examples/gpt2.pipe" --steps $((speed_steps - speed_skip)) --warmup "$speed_skip"
}

ops_bench() {
  local json=$out/torch-ops.json args=()
  rm -f "$json"
  "$python" "$stage/src/bench/torch_ops.py" --out "$json" >"$out/torch-ops.log" 2>&1 ||
    echo "torch_ops.py failed ($(tail -1 "$out/torch-ops.log")); pipeops-bench runs without PyTorch's times"
  [[ -f $json ]] && args=(--torch "$json")
  "$build/pipec/bin/pipeops-bench" "${args[@]}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

write_results() { # [publish]: also copy to bench/GPU-RESULTS.md (only after GPU steps ran)
  local res=$out/GPU-RESULTS.md name status secs detail gpu
  gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader -i 0 2>/dev/null || echo "none visible")
  local r1 r4 rt
  r1=$(tokens_per_s "$out/speed-gpt2-r1.log" "$speed_skip" $((speed_skip + 1)) 2>/dev/null) || r1=""
  r4=$(tokens_per_s "$out/speed-gpt2-r4.log" "$speed_skip" $((speed_skip + 1)) 2>/dev/null) || r4=""
  rt=$(awk '$1 == "torch" && $2 == "gpt2" && $3 == "tokens/s" { print $4 }' "$out/torch-gpt2.log" 2>/dev/null) || rt=""
  {
    echo "# GPU results (bench/gpu-check.sh)"
    echo
    echo "- GPU: $gpu"
    echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
    sed 's/^/- stage: /' "$stage/stage.txt" | tail -n +2
    echo "- CUDA toolkit: $(nvcc --version 2>/dev/null | tail -1 || echo unknown)"
    echo "- PyTorch: $(head -1 "$out/torch-gpt2.log" 2>/dev/null || echo 'not run')"
    echo "- command: \`bash bench/gpu-check.sh run\` (logs in \`$out\`)"
    echo
    echo "## Steps"
    echo
    echo "| step | result | seconds | detail |"
    echo "|---|---|---|---|"
    while IFS=$'\t' read -r name status secs detail; do
      echo "| $name | $status | $secs | $detail |"
    done <"$out/steps.tsv"
    echo
    echo "## f32: cuda against host, 20 steps, 2 ranks sharing the GPU (1e-4 relative)"
    echo
    for name in "${f32_names[@]/#/cuda-}" mpi; do
      [[ -f $out/$name.log ]] || continue
      echo "- $name: $(grep -h 'largest relative\|over 1e-4\|missing' "$out/$name.log" | tail -1 || echo 'no comparison')"
    done
    echo
    echo "## bf16: gpt2-shaped, 4 layers, tiny Shakespeare bytes, $bf16_steps steps"
    echo
    grep -h '^loss step 1' "$out/bf16-gpt2-4l.log" 2>/dev/null || echo "not run"
    echo "The program's measured peak per rank against the plan (ranks share the GPU, so no NCCL):"
    echo
    grep -h '^rank [0-9]* peak_bytes' "$out/bf16-gpt2-4l.log" 2>/dev/null | sed 's/^/    /' || echo "    not run"
    echo
    echo "gpt2 on 1 rank, where a one-rank NCCL communicator is set up (its share is the difference):"
    echo
    grep -h '^rank [0-9]* peak_bytes' "$out/speed-gpt2-r1.log" 2>/dev/null | sed 's/^/    /' || echo "    not run"
    echo
    echo "## Speed: examples/gpt2.pipe, bf16, 16 x 8 x 1024 tokens a step, tokens/s after the first $speed_skip steps (of $speed_steps)"
    echo
    echo "| program | tokens/s | vs PyTorch eager |"
    echo "|---|---|---|"
    echo "| pipec gpt2, 1 rank | ${r1:-n/a} | $(ratio "${r1:-0}" "${rt:-0}") |"
    echo "| pipec gpt2, 4 ranks sharing the GPU | ${r4:-n/a} | $(ratio "${r4:-0}" "${rt:-0}") |"
    echo "| PyTorch eager (bf16 autocast, fused AdamW) | ${rt:-n/a} | 1.00 |"
    echo
    echo "4 ranks / 1 rank: $(ratio "${r4:-0}" "${r1:-0}") (goal 0.9); 1 rank / PyTorch: $(ratio "${r1:-0}" "${rt:-0}") (goal 1.0)."
    echo
    echo "## Op benchmark (pipeops-bench; vs torch: pipeops ms / PyTorch ms)"
    echo
    echo '```'
    cat "$out/ops-bench.log" 2>/dev/null || echo "(not run)"
    echo '```'
    echo
    echo "cuBLASLt GEMM against the 790 TFLOP/s the machine reaches: $(grep -h '^peak:' "$out/ops-bench.log" 2>/dev/null || echo n/a)"
  } >"$res"
  echo "== wrote $res"
  if [[ ${1:-} == publish && -f bench/gpu-check.sh ]]; then
    cp "$res" bench/GPU-RESULTS.md
    echo "== copied to bench/GPU-RESULTS.md"
  fi
}

run() { # MODE: build or run
  local mode=$1
  stage=${2:-}
  if [[ -z $stage ]]; then
    if [[ -f $here/stage.txt ]]; then stage=$here; else stage=out/gpu-stage; fi
  fi
  [[ -f $stage/stage.txt ]] || die "no staged folder at $stage (run 'bash bench/gpu-check.sh prepare' where pipec is built)"
  stage=$(realpath "$stage")
  out=$(realpath -m "${OUT:-bench/gpu-logs}")
  build=$(realpath -m "${GPU_BUILD:-out/gpu-build}")
  budget=${TIME_BUDGET:-540}
  hard=${HARD_LIMIT:-$((budget + 45))}
  jobs=${JOBS:-$(nproc)}
  python=${PYTHON:-python3}
  # Steps of the bf16 and speed runs: few, since GPU time is short; the first speed_skip steps
  # (start-up, allocator, autotuning) are left out of tokens/s.
  bf16_steps=${BF16_STEPS:-10} speed_steps=${SPEED_STEPS:-10} speed_skip=${SPEED_SKIP:-3}
  ((speed_steps > speed_skip)) || die "SPEED_STEPS ($speed_steps) must exceed SPEED_SKIP ($speed_skip)"
  mkdir -p "$out" "$build"
  : >"$out/steps.tsv"
  command -v cmake >/dev/null || die "no cmake"
  command -v ninja >/dev/null || die "no ninja"
  # Steps run in a fresh bash (step): they see these functions and variables.
  export stage out build jobs python bf16_steps speed_steps speed_skip nccl_lib="" nccl_inc=""
  local fns
  mapfile -t fns < <(compgen -A function)
  export -f "${fns[@]}"
  f32_names=()
  local m s name
  for m in "${f32_models[@]}"; do
    for s in "${f32_schedules[@]}"; do f32_names+=("f32-$m-$s"); done
  done

  # Build: nothing here needs a GPU, so it is checked wherever the script runs.
  step build-gtest build_gtest
  step find-nccl find_nccl
  find_nccl >/dev/null || true
  step configure-pipec configure_pipec
  step build-pipec build_pipec
  while IFS=$'\t' read -r name _ _; do
    step "build-$name" build_project "$name"
  done <"$stage/manifest.tsv"
  host_refs_start
  if [[ $mode == build ]]; then
    host_refs_wait
    write_results
    grep -q $'\tFAIL\t' "$out/steps.tsv" && exit 1
    exit 0
  fi

  if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    record gpu FAIL 0 "no NVIDIA GPU visible ('nvidia-smi -L' is missing or failed); the GPU steps did not run"
    host_refs_wait
    write_results
    die "no NVIDIA GPU visible; the build steps ran (see $out/steps.tsv), no GPU step did"
  fi
  nvidia-smi -L | sed 's/^/gpu-check.sh: /'

  # In order of value (issue 15): kernels, runtime, f32 equality, bf16 training, speed.
  step check-gpu check_target check-gpu
  step check-runtime-gpu check_target check-runtime-gpu
  host_refs_wait
  for name in "${f32_names[@]}"; do
    if passed "host-$name"; then
      step "cuda-$name" f32_compare "$name"
    else
      record "cuda-$name" skipped 0 "no host reference"
    fi
  done
  # Two processes need mpirun and a runtime built with MPI; a machine without them is not a
  # failure of pipec's, so the step is skipped there.
  if ! command -v mpirun >/dev/null || ! grep -q 'PIPEC_HAVE_MPI:INTERNAL=ON' "$build/pipec/CMakeCache.txt" 2>/dev/null; then
    record mpi skipped 0 "no mpirun, or no MPI development files for the runtime"
  elif passed host-f32-tiny-gpt-1f1b; then
    step mpi mpi_compare
  else
    record mpi skipped 0 "no host reference"
  fi
  step bf16-gpt2-4l bf16_train
  step speed-gpt2-r1 speed_run speed-gpt2-r1
  step speed-gpt2-r4 speed_run speed-gpt2-r4
  step torch-gpt2 torch_gpt2
  step ops-bench ops_bench
  write_results publish
  if grep -q $'\tFAIL\t' "$out/steps.tsv"; then
    echo "gpu-check.sh: some steps failed; $out/GPU-RESULTS.md says which" >&2
    exit 1
  fi
  echo "gpu-check.sh: every step passed"
}

case ${1:-} in
prepare) prepare "${@:2}" ;;
build | run) run "$1" "${@:2}" ;;
*) die "usage: gpu-check.sh prepare [STAGE] | build [STAGE] | run [STAGE]" ;;
esac
