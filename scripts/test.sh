#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs every test: the Release build's CTest suite (unit, MPI and
# Slurm tests), the non-LibTorch libraries' tests again under AddressSanitizer + UBSan, and the lint
# (scripts/lint.sh: clang-format over the tree, clang-tidy over the non-LibTorch libraries), and the fuzz
# targets' regression inputs (scripts/fuzz.sh --replay).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc)
status=0
ctest --test-dir build --output-on-failure -j "$jobs" || status=1

# ASan/UBSan build of common, data, schema and reports (LibTorch is not ASan-instrumented, so it stays out).
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan -DDTS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DDTS_BUILD_BENCH=OFF
fi
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" || status=1

scripts/lint.sh || status=1
# The fuzz targets over their seeds and every input that once crashed them (no fuzzing: docs/fuzzing.md).
scripts/fuzz.sh --replay || status=1
exit $status
