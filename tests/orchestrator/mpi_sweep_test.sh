#!/bin/sh
# The one test that runs the real mpirun: 3 ranks, the synthetic sweep, every planned trial completed once.
# Usage: mpi_sweep_test.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL
set -eu
mpiexec=$1; preflags=$2; sweep_bin=$3; trial_bin=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# shellcheck disable=SC2086
"$mpiexec" -np 3 $preflags "$sweep_bin" --config tests/orchestrator/data/synthetic-sweep.ini --out "$dir/out" \
  --trial-command "$trial_bin" --json > "$dir/events.jsonl"
planned=$(grep -c '"event":"trial"' "$dir/events.jsonl")
executed=$(wc -l < "$dir/out/synthetic-executions.log")
unique=$(sort -u "$dir/out/synthetic-executions.log" | wc -l)
grep -q '"event":"sweep".*"failed":0.*"status":"completed"' "$dir/events.jsonl"
# The manifest's row count (the ablation's size depends on which configuration wins: 17 to 21 rows).
total=$(grep '"event":"sweep"' "$dir/events.jsonl" | sed 's/.*"planned":\([0-9]*\).*/\1/')
echo "trials planned $total, reported $planned, executed $executed, unique $unique"
test "$total" -ge 17 && test "$planned" -eq "$total" && test "$executed" -eq "$total" && test "$unique" -eq "$total"
