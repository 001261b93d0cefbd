#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs every test: the Release build's CTest suite (unit, MPI and
# Slurm tests), the non-LibTorch libraries' tests again under AddressSanitizer + UBSan, and the lint
# (scripts/lint.sh: clang-format over the tree, clang-tidy over the non-LibTorch libraries), the fuzz
# targets' regression inputs (scripts/fuzz.sh --replay), and the check that the demo corpus is its generator's
# output. A test that skips itself fails this script unless it is one that may skip here (check_skips).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc)
status=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# CTest counts a test that skipped itself (GTEST_SKIP, or exit 77 under SKIP_RETURN_CODE) as passed, so a
# check whose tool is missing would never run and nobody would notice. Only these may skip (README, "Tests
# that may skip"); any other skipped test is a failure:
#  - Cells/CudaPath.*: the CUDA path, where LibTorch sees no GPU (Debian's LibTorch is CPU-only);
#  - RealData.*, RealVectors.*: the real corpora, where ${DTS_SHARED_DATA:-../shared/data} does not hold them;
#  - slurm_*, multihost_*: a one-node Slurm cluster and network namespaces, which need root; CI runs as root.
may_skip='^(Cells/CudaPath\.)'
shared_data=${DTS_SHARED_DATA:-../shared/data}
if [ ! -f "$shared_data/ade/DRUG-AE.rel" ] || [ ! -d "$shared_data/conll04" ]; then
  may_skip+='|^(RealData|RealVectors)\.'
fi
[ "$(id -u)" -eq 0 ] || may_skip+='|^(slurm|multihost)_'

# check_skips LOG: fails (returns 1) when CTest's output LOG names a skipped test that may_skip does not allow.
check_skips() {
  local skipped unexpected
  skipped=$(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .*\*\*\*Skipped.*/\1/p' "$1" | sort)
  unexpected=$(grep -Ev "$may_skip" <<< "$skipped" || true)
  if [ -n "$skipped" ]; then
    echo "test.sh: $(wc -l <<< "$skipped") test(s) skipped; allowed here: $(grep -Ec "$may_skip" <<< "$skipped" || true)"
  fi
  if [ -n "$unexpected" ]; then
    echo "test.sh: FAILED: these tests skipped but must run here (README, \"Tests that may skip\"):"
    while IFS= read -r name; do echo "  $name"; done <<< "$unexpected"
    return 1
  fi
}

ctest --test-dir build --output-on-failure -j "$jobs" 2>&1 | tee "$logs/ctest.log" || status=1
check_skips "$logs/ctest.log" || status=1

# ASan/UBSan build of common, data, schema and reports (LibTorch is not ASan-instrumented, so it stays out).
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan -DDTS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DDTS_BUILD_BENCH=OFF
fi
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" 2>&1 | tee "$logs/ctest-asan.log" || status=1
check_skips "$logs/ctest-asan.log" || status=1

scripts/lint.sh || status=1
# The fuzz targets over their seeds and every input that once crashed them (no fuzzing: docs/fuzzing.md).
scripts/fuzz.sh --replay || status=1
# The demo corpus is committed; its generator must still write exactly it.
python3 data/samples/synthetic/generate.py --check || status=1
exit $status
