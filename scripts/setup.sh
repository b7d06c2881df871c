#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test pipec; quiet and quick when all is present.
set -euo pipefail

packages=(llvm-22-dev libmlir-22-dev mlir-22-tools clang-22 libclang-22-dev llvm-22-tools
          libclang-rt-22-dev libzstd-dev ninja-build cmake g++ libgtest-dev libopenmpi-dev openmpi-bin
          libopenblas-dev python3 python3-torch)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
