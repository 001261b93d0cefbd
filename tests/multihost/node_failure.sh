#!/bin/bash
# Multi-host case 2 (issue 23): a host dies mid-sweep. While trials run on dts-node-b, every process of that
# host gets SIGKILL (a node crash); the sweep (mpirun) must end. The same command again completes: every
# planned trial completed exactly once overall, with results identical to an uninterrupted run of the sweep.
# Usage: node_failure.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

mh_hostfile "$MH_T/hosts-ab" 2 2
sweep() { # sweep OUT: the sweep's command line
  echo "$MH_SWEEP" --config "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" --out "$1" \
    --trial-command "$MH_TRIAL" --json
}
read -r -a ref_cmd <<< "$(sweep "$MH_T/ref/out")"
read -r -a cmd <<< "$(sweep "$MH_T/run/out")"

# The reference: the same sweep, uninterrupted, across the same hosts.
export DTS_SYNTHETIC_SECONDS=0.01
mh_run reference "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS "${ref_cmd[@]}"
[ "$MH_RC" -eq 0 ] || { mh_show reference; mh_fail "the uninterrupted sweep exited $MH_RC"; }

export DTS_SYNTHETIC_SECONDS=0.8
mh_start crashed "$MH_T/hosts-ab" 4 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
mh_wait_executions "$MH_T/run/out" 3 60
mh_wait_host_runs dts-node-b "$MH_TRIAL" 30
mh_log "dts-node-b runs a trial: SIGKILL to every process of dts-node-b (pids $(mh_kill_host dts-node-b))"
mh_wait "$MH_PID" 60 || { mh_show crashed; mh_fail "mpirun still runs 60s after dts-node-b died"; }
mh_log "after dts-node-b died, mpirun exited $MH_RC; executions so far $(mh_executions "$MH_T/run/out")"
mh_show crashed 6
# The trials that dts-node-a's ranks leave behind checkpoint and exit (PR_SET_PDEATHSIG).
mh_wait_hosts_gone 30

export DTS_SYNTHETIC_SECONDS=0.05
mh_run rerun "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
[ "$MH_RC" -eq 0 ] || { mh_show rerun; mh_fail "the rerun after the node failure exited $MH_RC"; }
mh_check_once "$MH_T/run/out" "$(mh_planned rerun)"
[ "$(mh_planned rerun)" = "$(mh_planned reference)" ] || mh_fail "planned $(mh_planned rerun), not $(mh_planned reference)"
mh_diff_results uninterrupted "$MH_T/ref/out" after-failure "$MH_T/run/out" ||
  mh_fail "the sweep resumed after a node failure differs from an uninterrupted one"
