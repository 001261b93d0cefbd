#!/usr/bin/env bash
# Two-node Slurm test 1 (issue 24): a sweep spread over both nodes of the two-node local cluster
# (local_cluster.sh --nodes 2), submitted with slurm/dts-submit --nodes 2 --ntasks-per-node 2: rank 0 and one
# worker on n1, two workers on n2 (Open MPI starts n2's orted through srun). Asserts: the job ran on n1 and n2,
# trials ran on both (the trial files' host attribute and DIR/sweep.h5 /attempts), every planned trial
# trained exactly once, results identical to an uninterrupted plain-mpirun run of the same sweep, and the
# report job ran after the sweep.
# Usage: slurm_two_node_spread_test.sh BIN_DIR DTS_SYNTHETIC_TRIAL (from the repository root, as root).
# shellcheck source-path=SCRIPTDIR
# shellcheck source=two_node_lib.sh disable=SC1091
. "$(dirname "$0")/two_node_lib.sh"
tn_init "$@"

tn_sweep_ini "$TN_WORK/sweep.ini"
tn_reference "$TN_WORK/sweep.ini" "$TN_WORK/ref"

export DTS_SYNTHETIC_SECONDS=0.6
out=$TN_WORK/out
tn_submit "$TN_WORK/sweep.ini" "$out" --nodes 2 --ntasks-per-node 2 --time 10 --retry-delay 0
job=$TN_JOB
tn_wait_running "$job" "n[1-2]" 60
tn_log "sweep job $job runs on n1 and n2"
tn_wait_jobs 150
log=$out/slurm/sweep-$job.log
grep -q "dts-sweep exited 0" "$log" || tn_fail "the sweep job did not finish the sweep"
grep -q "continued as job" "$log" && tn_fail "the sweep needed a continuation"
tn_check_once "$out" "$TN_PLANNED"

hosts=$(for f in "$out"/trials/*.h5; do
  h5dump -a host "$f" | sed -n 's/^ *(0): "\(.*\)"$/\1/p'
done | sort | uniq -c | tr -s ' \n' '  ')
tn_log "trial files by host:$hosts"
[[ "$hosts" == *" n1 "* ]] || tn_fail "no trial ran on n1"
[[ "$hosts" == *" n2 "* ]] || tn_fail "no trial ran on n2"
attempts=$(tn_attempts "$out" | awk '{ print $2 }' | sort | uniq -c | tr -s ' \n' '  ')
tn_log "sweep.h5 /attempts by host:$attempts"
[[ "$attempts" == *" n1 "* && "$attempts" == *" n2 "* ]] || tn_fail "sweep.h5 /attempts does not name both nodes"
tn_same_results "$TN_WORK/ref" "$out"
tn_check_report "$out"
echo "PASS: a sweep spread over two Slurm nodes, every trial once, the report after it ($((SECONDS - TN_START_S)) s)"
