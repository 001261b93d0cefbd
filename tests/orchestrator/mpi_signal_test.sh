#!/bin/sh
# Signals to the real mpirun (issue 15). Usage: mpi_signal_test.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL
#  1. SIGUSR1 to mpirun (relayed to every rank): the trials checkpoint, the sweep exits 75 ("resume me").
#  2. SIGTERM to mpirun: Open MPI turns it into an abort (exit 1, ranks SIGTERMed then SIGKILLed 1 s later;
#     it cannot relay TERM). The manifest is written at the stop, and the rerun finishes.
#  3. SIGKILL to mpirun alone: no orphaned trial may write a trial file that the restarted sweep writes too.
#  After all three, every planned trial has completed exactly once.
set -eu
mpiexec=$1; preflags=$2; sweep_bin=$3; trial_bin=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$dir/out
export DTS_SYNTHETIC_SECONDS=0.6

# Starts the sweep in the background; sets $pid.
start() {
  # shellcheck disable=SC2086
  "$mpiexec" -np 3 $preflags "$sweep_bin" --config tests/orchestrator/data/synthetic-sweep.ini --out "$out" \
    --trial-command "$trial_bin" --json >> "$dir/events.jsonl" 2>> "$dir/stderr" &
  pid=$!
}
# shellcheck source=tests/orchestrator/mpi_lib.sh
. "$(dirname "$0")/mpi_lib.sh"

start; wait_for_executions 1; kill -USR1 "$pid"; finish
echo "SIGUSR1: exit $rc"
test "$rc" -eq 75 || { cat "$dir/stderr"; exit 1; }
grep -q "sweep interrupted" "$dir/stderr"

start; wait_for_executions 3; kill -TERM "$pid"; finish
echo "SIGTERM: exit $rc (Open MPI's mpirun exits 1 after a SIGTERM whatever the ranks return)"
test "$rc" -ne 0
sleep 2  # the trials the killed ranks left behind checkpoint and exit (they hold their trial locks)

start; wait_for_executions 5; kill -KILL "$pid"; finish
echo "SIGKILL: exit $rc"
# A rank that outlived mpirun (rank 0 keeps DIR/sweep.lock while it lives) must be gone before the rerun.
i=0
while pgrep -f "$sweep_bin --config tests/orchestrator/data/synthetic-sweep.ini --out $out" > /dev/null; do
  i=$((i + 1)); [ $i -lt 400 ] || { echo "ranks outlived mpirun by 20 s"; exit 1; }
  sleep 0.05
done

export DTS_SYNTHETIC_SECONDS=0.01
start; finish
echo "rerun: exit $rc"
test "$rc" -eq 0 || { cat "$dir/stderr"; exit 1; }
check_every_trial_once
