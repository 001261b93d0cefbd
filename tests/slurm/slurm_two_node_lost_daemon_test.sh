#!/usr/bin/env bash
# Two-node Slurm test 4 (issue 24, item 2): a node failure that Open MPI notices before Slurm does. A sweep
# spread over both nodes (slurm/dts-submit --nodes 2 --ntasks-per-node 2 --retry-delay 3) is mid-sweep when
# every process of n2's job gets SIGKILL (slurmstepd, Open MPI's orted, the ranks, the trials: the processes
# in n2's UTS namespace but its slurmd, by pid), so the node itself stays up. Asserts: mpirun ends with an
# infrastructure exit (Open MPI: 205, "lost communication with a remote daemon"), sweep.sbatch continues the
# chain as a new job (after --retry-delay) instead of failing, the report job's dependency moves onto it; the
# continuation runs on n1 and n2 and takes over the dead coordinator's lock if it left one; every planned
# trial trained exactly once; results identical to an uninterrupted plain-mpirun run; the report job ran.
# Usage: slurm_two_node_lost_daemon_test.sh BIN_DIR DTS_SYNTHETIC_TRIAL (from the repository root, as root).
# shellcheck source-path=SCRIPTDIR
# shellcheck source=two_node_lib.sh disable=SC1091
. "$(dirname "$0")/two_node_lib.sh"
tn_init "$@"

tn_sweep_ini "$TN_WORK/sweep.ini"
tn_reference "$TN_WORK/sweep.ini" "$TN_WORK/ref"

export DTS_SYNTHETIC_SECONDS=1.5
out=$TN_WORK/out
tn_submit "$TN_WORK/sweep.ini" "$out" --nodes 2 --ntasks-per-node 2 --time 10 --retry-delay 3
job=$TN_JOB
tn_wait_running "$job" "n[1-2]" 60
tn_wait_executions "$out" 4 90
pids=$("$TN_SRC/local_cluster.sh" kill-jobs "$TN_WORK/cluster" n2) || tn_fail "could not kill n2's job processes"
tn_log "after $(tn_executions "$out") trainings: SIGKILL to the job's processes on n2 (pids $pids); n2's slurmd lives"
tn_wait_continuation "$job" "$out" 90
next=$TN_NEXT
tn_log "job $job continued as job $next"
tn_wait_running "$next" "n[1-2]" 90
tn_wait_jobs 150

first_log=$out/slurm/sweep-$job.log
echo "--- $first_log, the job that lost n2's daemon:"
grep -E "^dts-submit:|ORTE has lost|lost communication" "$first_log" | sed 's/^/  /'
rc=$(sed -n 's/^dts-submit: dts-sweep exited \([0-9]*\) .*/\1/p' "$first_log")
case "$rc" in
  "" | 0 | 2 | 3 | 4 | 7 | 75) tn_fail "job $job: mpirun exited '${rc}', not an infrastructure failure" ;;
esac
grep -q "infrastructure failure (exit $rc" "$first_log" || tn_fail "job $job did not treat exit $rc as infrastructure"
grep -q "continuing in 3 s" "$first_log" || tn_fail "job $job did not wait --retry-delay"
grep -q "continued as job $next" "$first_log" || tn_fail "job $job did not continue as job $next"
second_log=$out/slurm/sweep-$next.log
echo "--- $second_log, the continuation:"
grep -E "^dts-submit:|lock" "$second_log" | sed 's/^/  /'
grep -q "^dts-submit: sweep job $next (continuation 1) on n1" "$second_log" || tn_fail "job $next did not run on n1"
grep -q "dts-sweep exited 0" "$second_log" || tn_fail "job $next did not finish the sweep"
[ "$(find "$out/slurm" -name 'sweep-*.log' | wc -l)" -eq 2 ] || tn_fail "more than one continuation"
tn_check_once "$out" "$TN_PLANNED"
tn_same_results "$TN_WORK/ref" "$out"
tn_check_report "$out"
echo "PASS: Open MPI lost n2's daemon (exit $rc); the chain continued as job $next, every trial once ($((SECONDS - TN_START_S)) s)"
