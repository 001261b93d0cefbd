#!/usr/bin/env bash
# Two-node Slurm test 2 (issue 24): the node that runs the sweep crashes, and Slurm requeues the job onto the
# other node. A one-node sweep job (slurm/dts-submit --nodes 1 --ntasks-per-node 3; n1 drained while it is
# scheduled, so it lands on n2, whose rank 0 holds DIR/sweep.lock) is mid-sweep when every process of n2 gets
# SIGKILL (slurmd, slurmstepd, the batch shell, mpirun, the ranks, the trials: the processes in n2's UTS
# namespace, by pid) and n2 is set DOWN (scontrol update nodename=n2 state=down), as the controller does when
# a node stops answering. Asserts: Slurm requeues the job (same job id, SLURM_RESTART_COUNT 1) and it runs on
# n1; its coordinator takes over the stale lock of host n2 at once (same job, a lower restart count), without
# waiting for the lease; every planned trial trained exactly once; results identical to an uninterrupted
# plain-mpirun run of the same sweep; the report job ran after it. Prints the log lines of the job that died
# and of the requeued one.
# Usage: slurm_two_node_failure_test.sh BIN_DIR DTS_SYNTHETIC_TRIAL (from the repository root, as root).
# shellcheck source-path=SCRIPTDIR
# shellcheck source=two_node_lib.sh disable=SC1091
. "$(dirname "$0")/two_node_lib.sh"
tn_init "$@"

tn_sweep_ini "$TN_WORK/sweep.ini"
tn_reference "$TN_WORK/sweep.ini" "$TN_WORK/ref"

export DTS_SYNTHETIC_SECONDS=1.5
out=$TN_WORK/out
scontrol update nodename=n1 state=drain reason=dts-test-hold || tn_fail "cannot drain n1"
tn_submit "$TN_WORK/sweep.ini" "$out" --nodes 1 --ntasks-per-node 3 --time 10 --retry-delay 0
job=$TN_JOB
tn_wait_running "$job" n2 60
scontrol update nodename=n1 state=resume || tn_fail "cannot resume n1"
tn_log "sweep job $job runs on n2; n1 is back in service"
tn_wait_executions "$out" 4 90
grep -q '^host=n2$' "$out/sweep.lock" 2>/dev/null || tn_fail "no lock of host n2 in $out/sweep.lock"
before=$(tn_executions "$out")
pids=$("$TN_SRC/local_cluster.sh" crash "$TN_WORK/cluster" n2) || tn_fail "could not kill n2's processes"
scontrol update nodename=n2 state=down reason=dts-test-node-failure || tn_fail "cannot set n2 down"
tn_log "n2 crashed after $before trainings (SIGKILL to pids $pids) and is DOWN"
echo "the lock it left: $(tr '\n' ' ' <"$out/sweep.lock")"
[ -z "$("$TN_SRC/local_cluster.sh" pids "$TN_WORK/cluster" n2)" ] || tn_fail "processes of n2 survive"

tn_wait_running "$job" n1 120
tn_log "job $job requeued, runs on n1: $(scontrol show job "$job" | grep -o 'Restarts=[0-9]*')"
tn_wait_jobs 150
log=$out/slurm/sweep-$job.log
second=$(grep -n "^dts-submit: sweep job $job (continuation 0) on" "$log" | sed -n '2s/:.*//p')
[ -n "$second" ] || tn_fail "$log does not show two incarnations of job $job"
echo "--- $log, the incarnation that died with n2 (its last lines):"
head -n $((second - 1)) "$log" | grep -v 'MCW rank' | tail -n 4 | sed 's/^/  /'
echo "--- the controller: $(grep -m1 "requeue job JobId=$job " "$TN_WORK/cluster/log/slurmctld.log" | cut -c1-120)"
echo "--- the requeued incarnation (same file: --open-mode=append):"
tail -n +"$second" "$log" | grep -v 'MCW rank' | grep -E "^dts-submit|lock|lease|resuming" | head -n 5 | sed 's/^/  /'
tail -n +"$second" "$log" | grep -E "^dts-submit: (dts-sweep exited|the sweep)" | sed 's/^/  /'
[ "$(grep -c "^dts-submit: sweep job $job (continuation 0) on" "$log")" -eq 2 ] ||
  tn_fail "$log does not show two incarnations of job $job"
grep -q "^dts-submit: sweep job $job (continuation 0) on n2" "$log" || tn_fail "job $job did not start on n2"
grep -q "^dts-submit: sweep job $job (continuation 0) on n1" "$log" || tn_fail "the requeued job did not run on n1"
grep -q "took over the stale lock .* of host n2 .*Slurm requeued job $job" "$log" ||
  tn_fail "the requeued job did not take over n2's lock as its own earlier incarnation's"
grep -q "waiting up to" "$log" && tn_fail "the requeued job waited for the lease of its own lock"
grep -q "dts-sweep exited 0" "$log" || tn_fail "the requeued job did not finish the sweep"
grep -q "continued as job" "$log" && tn_fail "a continuation was submitted besides the requeue (the chain forked)"
[ ! -e "$out/sweep.lock" ] || tn_fail "the finished sweep left its lock behind"
tn_check_once "$out" "$TN_PLANNED"
attempts=$(tn_attempts "$out" | awk '{ print $2 }' | sort | uniq -c | tr -s ' \n' '  ')
tn_log "sweep.h5 /attempts by host:$attempts"
tn_same_results "$TN_WORK/ref" "$out"
tn_check_report "$out"
echo "PASS: node n2 crashed mid-sweep; Slurm requeued job $job onto n1, which took over the lock at once and completed every trial once ($((SECONDS - TN_START_S)) s)"
