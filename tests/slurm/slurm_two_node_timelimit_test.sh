#!/usr/bin/env bash
# Two-node Slurm test 3 (issue 24): a time-limit continuation that lands on the other node. A one-node sweep
# job (slurm/dts-submit --nodes 1 --ntasks-per-node 3 --time 1 --signal-lead 45: Slurm warns the batch shell
# with USR1 within the first ~30 s) starts on n1 (n2 drained meanwhile); once it runs, n1 is drained and n2
# resumed, so the continuation that sweep.sbatch submits after the checkpoint (exit 75) can only run on n2.
# Asserts: the first allocation ran on n1, got the warning, checkpointed and submitted a continuation; the
# continuation ran on n2 and finished the sweep (further continuations, if the warning comes again, also on
# n2); trials interrupted on n1 resumed on n2 (sweep.h5 /attempts: an attempt on n1, then on n2); every planned
# trial trained exactly once; results identical to an uninterrupted plain-mpirun run; the report job ran.
# Usage: slurm_two_node_timelimit_test.sh BIN_DIR DTS_SYNTHETIC_TRIAL (from the repository root, as root).
# shellcheck source-path=SCRIPTDIR
# shellcheck source=two_node_lib.sh disable=SC1091
. "$(dirname "$0")/two_node_lib.sh"
tn_init "$@"

tn_sweep_ini "$TN_WORK/sweep.ini"
tn_reference "$TN_WORK/sweep.ini" "$TN_WORK/ref"

# 18 trials of 6 s on 2 workers: about 54 s of work. Slurm sends the warning at its first time-limit check
# after the start (every 30 s), so the first allocation has at most about 30 s.
export DTS_SYNTHETIC_SECONDS=6
out=$TN_WORK/out
scontrol update nodename=n2 state=drain reason=dts-test-hold || tn_fail "cannot drain n2"
tn_submit "$TN_WORK/sweep.ini" "$out" --nodes 1 --ntasks-per-node 3 --time 1 --signal-lead 45 \
  --retry-delay 0
job=$TN_JOB
tn_wait_running "$job" n1 60
scontrol update nodename=n1 state=drain reason=dts-test-hold || tn_fail "cannot drain n1"
scontrol update nodename=n2 state=resume || tn_fail "cannot resume n2"
tn_log "sweep job $job runs on n1; n1 drained, n2 back: a continuation can only run on n2"
tn_wait_continuation "$job" "$out" 120
next=$TN_NEXT
tn_log "job $job continued as job $next after $(tn_executions "$out") trainings"
tn_wait_jobs 240
scontrol update nodename=n1 state=resume || true

first_log=$out/slurm/sweep-$job.log
echo "--- $first_log:"
grep -E "^dts-submit:" "$first_log" | sed 's/^/  /'
grep -q "^dts-submit: sweep job $job (continuation 0) on n1" "$first_log" || tn_fail "job $job did not run on n1"
grep -q "signal received, checkpointing" "$first_log" || tn_fail "job $job did not get the time-limit warning"
grep -q "time limit near: every trial checkpointed" "$first_log" || tn_fail "job $job did not checkpoint"
grep -q "continued as job $next" "$first_log" || tn_fail "job $job did not continue as job $next"
allocations=0
for log in "$out"/slurm/sweep-*.log; do
  allocations=$((allocations + 1))
  [ "$log" != "$first_log" ] || continue
  echo "--- $log:"
  grep -E "^dts-submit:|lock" "$log" | sed 's/^/  /'
  grep -q "^dts-submit: sweep job [0-9]* (continuation [1-9][0-9]*) on n2" "$log" ||
    tn_fail "$log: a continuation did not run on n2"
done
[ "$allocations" -ge 2 ] || tn_fail "no continuation ran"
grep -q "dts-sweep exited 0" "$out"/slurm/sweep-*.log || tn_fail "no allocation finished the sweep"
tn_check_once "$out" "$TN_PLANNED"
moved=$(tn_attempts "$out" | awk '$2 == "n1" { n1[$1] = 1 } $2 == "n2" && ($1 in n1) { m[$1] = 1 }
  END { n = 0; for (t in m) n++; print n }')
tn_log "sweep.h5 /attempts by host:$(tn_attempts "$out" | awk '{ print $2 }' | sort | uniq -c | tr -s ' \n' '  ')"
tn_log "trials interrupted on n1 and resumed on n2: $moved"
[ "$moved" -ge 1 ] || tn_fail "no trial interrupted on n1 went on on n2"
tn_same_results "$TN_WORK/ref" "$out"
tn_check_report "$out"
echo "PASS: a time-limit continuation ran on the other node, every trial once, in $allocations allocations ($((SECONDS - TN_START_S)) s)"
