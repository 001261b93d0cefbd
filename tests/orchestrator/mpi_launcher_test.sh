#!/bin/sh
# scripts/dts-mpirun, the documented way to start a sweep (issue 28): a plain `kill` (SIGTERM) or Ctrl-C
# (SIGINT) of it stops the sweep with exit 75 ("resume me"), as SIGUSR1 to mpirun does, where SIGTERM to
# mpirun itself exits 1. The rerun then completes every planned trial exactly once.
# Usage: mpi_launcher_test.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL LAUNCHER
set -eu
mpiexec=$1; preflags=$2; sweep_bin=$3; trial_bin=$4; launcher=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$dir/out
export DTS_SYNTHETIC_SECONDS=0.6
export MPIRUN="$mpiexec"

# Starts the sweep through the launcher in the background; sets $pid. A shell starts background commands with
# SIGINT ignored, which no trap can undo: reset it, as for a launcher started from a terminal.
start() {
  # shellcheck disable=SC2086
  env --default-signal=INT "$launcher" -np 3 $preflags "$sweep_bin" --config tests/orchestrator/data/synthetic-sweep.ini --out "$out" \
    --trial-command "$trial_bin" --json >> "$dir/events.jsonl" 2>> "$dir/stderr" &
  pid=$!
}
# shellcheck source=tests/orchestrator/mpi_lib.sh
. "$(dirname "$0")/mpi_lib.sh"

start; wait_for_executions 1; kill -TERM "$pid"; finish
echo "SIGTERM to the launcher: exit $rc"
test "$rc" -eq 75 || { cat "$dir/stderr"; exit 1; }
grep -q "sweep interrupted" "$dir/stderr"

start; wait_for_executions 3; kill -INT "$pid"; finish
echo "SIGINT to the launcher: exit $rc"
test "$rc" -eq 75 || { cat "$dir/stderr"; exit 1; }

export DTS_SYNTHETIC_SECONDS=0.01
start; finish
echo "rerun: exit $rc"
test "$rc" -eq 0 || { cat "$dir/stderr"; exit 1; }
check_every_trial_once
