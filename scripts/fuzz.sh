#!/usr/bin/env bash
# Fuzzes the readers of untrusted input with libFuzzer + ASan + UBSan (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS]     build build-fuzz/ (clang-14, DTS_FUZZ=ON), then fuzz each target for SECONDS
#                                 (default 60), one after the other; print executions and findings per target
#   scripts/fuzz.sh --replay      build, then run each target once over its seeds (fuzz/corpus/<target>/) and its
#                                 regression inputs (fuzz/crashes/<target>/), without fuzzing: the CI check
#
# DTS_FUZZ_TARGETS="ini json" limits either mode to some targets. Findings (crash-*, leak-*, oom-*, timeout-*)
# land in fuzz/crashes/<target>/; commit them as regression inputs. One that fails inside a third-party library
# dts cannot fix (libhdf5) moves to fuzz/known/<target>/ instead, which --replay leaves out (docs/fuzzing.md).
# Inputs the fuzzer finds interesting go to build-fuzz/corpus/<target>/ (not committed).
# Exit status: 0 when nothing was found (with --replay: every input passes), 1 otherwise, 2 on a usage or build
# error.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=fuzz
seconds=60
case "${1:-}" in
  --replay) mode=replay ;;
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  "") ;;
  *)
    [[ "$1" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS] | --replay" >&2; exit 2; }
    seconds=$1
    ;;
esac

all_targets="ade conll04 json ini trial_file sweep_manifest"
targets=${DTS_FUZZ_TARGETS:-$all_targets}
build="build-fuzz"
cc=${DTS_FUZZ_CC:-clang-14}
cxx=${DTS_FUZZ_CXX:-clang++-14}
command -v "$cxx" > /dev/null || { echo "fuzz.sh: $cxx not found (apt-get install clang-14)" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DDTS_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDTS_BUILD_TESTS=OFF -DDTS_BUILD_BENCH=OFF > /dev/null || exit 2
fi
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j "${DTS_FUZZ_JOBS:-$(nproc)}" --target "${build_targets[@]}" > "$build/fuzz-build.log" 2>&1 ||
  { tail -n 30 "$build/fuzz-build.log" >&2; echo "fuzz.sh: build failed ($build/fuzz-build.log)" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks inside libhdf5 on corrupt files are HDF5's (fuzz/lsan.supp says which); any other leak is a finding.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
common_flags=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024)
mkdir -p "$build/logs"
status=0

if [ "$mode" = replay ]; then
  for t in $targets; do
    mapfile -t inputs < <(find "fuzz/corpus/$t" "fuzz/crashes/$t" -type f ! -name '.*' 2> /dev/null | sort)
    if [ ${#inputs[@]} -eq 0 ]; then
      echo "$t: no inputs"
      continue
    fi
    # Each input in its own process: one failing input does not hide the others.
    failed=()
    for input in "${inputs[@]}"; do
      if ! "$build/fuzz/fuzz_$t" "${common_flags[@]}" "$input" > "$build/logs/replay-$t.log" 2>&1; then
        failed+=("$input")
        cp "$build/logs/replay-$t.log" "$build/logs/replay-$t-$(basename "$input").log"
      fi
    done
    if [ ${#failed[@]} -eq 0 ]; then
      echo "$t: ${#inputs[@]} inputs pass"
    else
      status=1
      echo "$t: ${#failed[@]} of ${#inputs[@]} inputs FAIL:"
      for input in "${failed[@]}"; do
        echo "  $input: $(grep -m1 -E 'ERROR: |FINDING: |runtime error: ' \
          "$build/logs/replay-$t-$(basename "$input").log" || echo 'see log')"
      done
    fi
  done
  exit $status
fi

printf '%-16s %12s %8s %10s  %s\n' target executions exec/s findings "new findings (fuzz/crashes/<target>/)"
for t in $targets; do
  work="$build/corpus/$t"
  crashes="fuzz/crashes/$t"
  mkdir -p "$work" "$crashes"
  before=$(find "$crashes" -type f | sort)
  log="$build/logs/$t.log"
  # Fork mode with -ignore_*: a finding is saved and fuzzing goes on for the whole time budget.
  "$build/fuzz/fuzz_$t" "${common_flags[@]}" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -artifact_prefix="$crashes/" -print_final_stats=1 \
    "$work" "fuzz/corpus/$t" > "$log" 2>&1 || true
  after=$(find "$crashes" -type f | sort)
  new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
  # The fork-mode status line: "#<executions>: cov: ... exec/s: <n> oom/timeout/crash: a/b/c time: ..."
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$last")
  rate=$(sed -nE 's/.*exec\/s:? ([0-9]+).*/\1/p' <<< "$last")
  found=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<< "$last")
  printf '%-16s %12s %8s %10s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${found:-?}" "${new//$'\n'/ }"
  [ -z "$new" ] || status=1
done
echo "(findings: oom/timeout/crash counts of this run; logs in $build/logs/)"
exit $status
