#!/usr/bin/env bash
# Installs every Debian package dts needs, then configures and builds it (Release) in build/.
# Idempotent: when the packages are present and the build is current it only runs a no-op make.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake git pkg-config
  libtorch-dev libopenblas0-openmp       # OpenBLAS: Debian's libtorch otherwise falls back to the reference BLAS
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libboost-program-options-dev
  libgtest-dev
  nlohmann-json3-dev libfmt-dev libspdlog-dev
  libfasttext-dev                        # dts-vectors: in-domain subword word vectors
  gnuplot-nox                            # report plots
  chromium fonts-dejavu-core             # the report test renders index.html in headless Chromium (it may not skip)
  python3                                # scripts/test.sh: the demo corpus is its generator's output
  slurm-wlm munge                        # the Slurm integration test runs a one-node cluster
  clang-format clang-tidy                # scripts/lint.sh (clang-tidy brings run-clang-tidy)
  shellcheck                             # scripts/lint.sh: every shell script
  tmux                                   # tests/status: dts-status --watch runs in a tmux pane
  clang-14 libclang-rt-14-dev            # scripts/fuzz.sh: libFuzzer targets (CI replays their inputs)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# OpenBLAS must be the libblas.so.3 that libtorch loads (measured 5.3x faster for a BiLSTM step).
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 resolves to '$blas', not OpenBLAS; run update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2 ;;
esac

jobs=$(nproc)
build_dir=${DTS_BUILD_DIR:-build}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" -j "$jobs"
