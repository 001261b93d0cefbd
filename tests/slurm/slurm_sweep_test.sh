#!/usr/bin/env bash
# The Slurm integration test: a real one-node Slurm cluster on localhost (tests/slurm/local_cluster.sh),
# the demo sweep submitted with dts-submit under a time limit too short for it, seen interrupted, continued
# and finished, with the report job run after it; then a sweep cancelled with scancel and submitted again
# completes every trial exactly once. Usage: slurm_sweep_test.sh BIN_DIR (from the repository root, as root).
#
# Exit status: 0 passed; 77 skipped, with the reason on stdout (not root, or Slurm/munge/Open MPI not
# installed: CTest's SKIP_RETURN_CODE, so it reports "Skipped", never a pass); anything else failed.
set -euo pipefail
readonly kSkip=77
skip() { echo "SKIP: $*"; exit $kSkip; }
# Before the cluster is up: a failure with nothing to clean up.
early_fail() { echo "FAIL: $*"; exit 1; }

[ $# -eq 1 ] || early_fail "usage: slurm_sweep_test.sh BIN_DIR (run from the repository root)"
bin=$(cd "$1" 2>/dev/null && pwd) || early_fail "$1: no such build directory"
root=$(pwd)
[ -x "$root/slurm/dts-submit" ] || early_fail "run from the repository root: no slurm/dts-submit in $root"
for tool in dts-sweep dts-train dts-report dts-inspect; do
  [ -x "$bin/$tool" ] || early_fail "$bin/$tool not built"
done
if [ "$(id -u)" -ne 0 ]; then skip "the Slurm test needs root (slurmd runs jobs as their user)"; fi
for tool in slurmctld slurmd munged sbatch squeue scancel sinfo scontrol mpirun; do
  command -v $tool >/dev/null ||
    skip "$tool not installed (scripts/setup.sh installs slurm-wlm munge openmpi-bin)"
done

work=$(mktemp -d /tmp/dts-slurm-test.XXXXXX)
cleanup() {
  if [ -n "${SLURM_CONF:-}" ]; then scancel --user=root 2>/dev/null || true; fi
  "$root/tests/slurm/local_cluster.sh" stop "$work/cluster" || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for f in "$work"/out*/slurm/*.log "$work"/cluster/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f"
    tail -20 "$f" || true
  done
  exit 1
}

# local_cluster.sh prints the export line only once the node is up; a failed start must not go unnoticed
# (eval of its empty output would succeed).
cluster_env=$("$root/tests/slurm/local_cluster.sh" start "$work/cluster") || fail "the local Slurm cluster did not start"
eval "$cluster_env"
[ -n "${SLURM_CONF:-}" ] || fail "local_cluster.sh printed no SLURM_CONF"
export SLURM_CONF
echo "cluster up: $SLURM_CONF"

wait_for_jobs() {  # until no job of ours is pending or running, at most $1 seconds
  local deadline=$((SECONDS + $1)) queued
  while queued=$(squeue -h -o %i) || fail "squeue failed"; [ -n "$queued" ]; do
    [ $SECONDS -lt $deadline ] || { squeue; fail "jobs still queued after $1 s"; }
    sleep 2
  done
}

# Every planned trial has exactly one trial file, completed, whose epoch rows run 1..N with none repeated:
# an interrupted trial resumed from its checkpoint instead of starting over.
check_sweep() {
  local out=$1
  "$bin/dts-report" "$out" > "$out/report.txt" || fail "dts-report failed on $out"
  grep -q "^| ablation " "$out/report.txt" || fail "no ablation stage in $out"
  local planned completed
  planned=$(awk -F'|' '/^\| (search|final|ablation) /{s+=$3} END{print s}' "$out/report.txt")
  completed=$(awk -F'|' '/^\| (search|final|ablation) /{s+=$4} END{print s}' "$out/report.txt")
  { [ "$planned" -gt 0 ] && [ "$planned" = "$completed" ]; } || fail "$out: $completed of $planned trials completed"
  local files
  files=$(find "$out/trials" -maxdepth 1 -name '*.h5' 2>/dev/null | wc -l) || true
  [ "$files" = "$planned" ] || fail "$out: $files trial files for $planned planned trials"
  for f in "$out"/trials/*.h5; do
    local epochs
    epochs=$("$bin/dts-inspect" "$f" | awk '/^epoch +loss/{table=1; next} table && NF==0{exit} table{print $1}') ||
      fail "dts-inspect failed on $f"
    [ -n "$epochs" ] || fail "$f has no epochs"
    [ "$(echo "$epochs" | sort -n | uniq -d)" = "" ] || fail "$f repeats epochs: $epochs"
    [ "$(echo "$epochs" | head -1)" = 1 ] || fail "$f does not start at epoch 1"
  done
  echo "$out: $completed/$planned trials completed once each"
}

# 1. Time limit too short: one minute per allocation, warned 45 s before (Slurm may signal up to a minute
#    early, so the warning comes soon after the start); each continuation picks up the checkpoints.
#    The demo sweep itself can finish in ~30 s on an idle machine, near the warning; 60 epochs per trial
#    instead of 20 (~90 s of work on 2 cores, the generated demo corpus) make sure the time limit interrupts
#    it whatever the machine's load, without making CI wait for much more.
sed -e "s|^base = demo.ini|base = $root/configs/demo.ini|" -e "s|^data.path = \.\./|data.path = $root/|" \
  -e 's|^train.max_epochs = 20|train.max_epochs = 60|' configs/demo-sweep.ini > "$work/long-demo-sweep.ini"
grep -q "^train.max_epochs = 60" "$work/long-demo-sweep.ini" || fail "could not lengthen configs/demo-sweep.ini"
"$root/slurm/dts-submit" "$work/long-demo-sweep.ini" --out "$work/out1" --ntasks-per-node 3 --time 1 \
  --signal-lead 45 --bin "$bin" | tee "$work/submit1.txt" || fail "dts-submit failed (time-limit run)"
wait_for_jobs 1200
logs=$(find "$work/out1/slurm" -maxdepth 1 -name 'sweep-*.log' 2>/dev/null | wc -l) || true
[ "$logs" -ge 2 ] || fail "the sweep finished in one allocation; the time limit did not interrupt it"
grep -q "signal received, checkpointing" "$work"/out1/slurm/sweep-*.log || fail "no allocation saw the warning signal"
grep -q "continued as job" "$work"/out1/slurm/sweep-*.log || fail "no continuation was submitted"
grep -q "dts-sweep exited 0" "$work"/out1/slurm/sweep-*.log || fail "no allocation finished the sweep"
ls "$work"/out1/slurm/report-*.log >/dev/null 2>&1 || fail "the report job did not run"
[ -f "$work/out1/report/index.md" ] || fail "the report job wrote no report"
newest_trial=$(find "$work/out1/trials" -maxdepth 1 -name '*.h5' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
[ "$work/out1/report/index.md" -nt "$newest_trial" ] || fail "the report is older than the last trial"
echo "time-limit run: $logs allocations, report after the last one"
check_sweep "$work/out1"

# 2. scancel mid-sweep, then submit again: nothing lost, nothing repeated.
"$root/slurm/dts-submit" configs/demo-sweep.ini --out "$work/out2" --ntasks-per-node 3 --time 30 \
  --bin "$bin" > "$work/submit2.txt" || fail "dts-submit failed (scancel run)"
job=$(cat "$work/out2/slurm/sweep_job_id") || fail "dts-submit wrote no sweep_job_id"
deadline=$((SECONDS + 600))
trial_files() { find "$1/trials" -maxdepth 1 -name '*.h5' 2>/dev/null | wc -l; }
until [ "$(trial_files "$work/out2")" -ge 4 ]; do
  [ $SECONDS -lt $deadline ] || fail "no progress before scancel"
  sleep 1
done
scancel "$job" || fail "scancel $job failed"
deadline=$((SECONDS + 300))
while squeue -h -j "$job" -o %i 2>/dev/null | grep -q .; do
  [ $SECONDS -lt $deadline ] || fail "cancelled job $job did not end"
  sleep 1
done
grep -q "continued as job" "$work"/out2/slurm/sweep-*.log && fail "a cancelled sweep submitted a continuation"
scancel --user=root 2>/dev/null || true   # the report job, whose dependency can no longer be met
wait_for_jobs 60
echo "cancelled job $job with $(trial_files "$work/out2") trial files on disk"
"$root/slurm/dts-submit" configs/demo-sweep.ini --out "$work/out2" --ntasks-per-node 3 --time 30 \
  --bin "$bin" > "$work/submit3.txt" || fail "dts-submit failed (resubmission)"
wait_for_jobs 1200
[ -f "$work/out2/report/index.md" ] || fail "the resubmitted sweep's report job did not run"
check_sweep "$work/out2"
echo "PASS: Slurm time-limit continuation, dependent report, scancel + resubmit"
