#!/bin/bash
# Multi-host case 3 (issue 23): the whole sweep is killed (SIGKILL to mpirun and to every process of both
# hosts) while rank 0 on dts-node-a holds DIR/sweep.lock. Rerun with the hostfile reversed, so that rank 0
# lands on dts-node-b: it must resume without anyone removing the lock (the holder renews it as a lease; a
# lock not renewed for sweep.lock_lease_s, set to 2 s here, is taken over from any host) and complete every
# planned trial exactly once.
# Usage: restart_other_host.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

mh_sweep_ini "$MH_T/sweep.ini" "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" lock_lease_s=2
mh_hostfile "$MH_T/hosts-ab" 2 2 ab
mh_hostfile "$MH_T/hosts-ba" 2 2 ba
out=$MH_T/run/out
cmd=("$MH_SWEEP" --config "$MH_T/sweep.ini" --out "$out" --trial-command "$MH_TRIAL" --json)

export DTS_SYNTHETIC_SECONDS=0.8
mh_start killed "$MH_T/hosts-ab" 4 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
mh_wait_executions "$out" 3 60
grep -q 'dts-node-a' "$out/sweep.lock" 2> /dev/null || mh_fail "no lock of dts-node-a in $out/sweep.lock"
kill -KILL "$MH_PID"
mh_log "SIGKILL to mpirun and to every process of both hosts: $(mh_kill_host dts-node-a) $(mh_kill_host dts-node-b)"
mh_wait "$MH_PID" 10 || mh_fail "mpirun survived SIGKILL"
mh_wait_hosts_gone 10
[ -e "$out/sweep.lock" ] || mh_fail "the killed coordinator left no lock: nothing to test"
echo "the lock left behind: $(tr '\n' ' ' < "$out/sweep.lock")"
mh_log "executions before the kill: $(mh_executions "$out")"

export DTS_SYNTHETIC_SECONDS=0.05
mh_run other-host "$MH_T/hosts-ba" 4 120 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
mh_show other-host 4
echo "what the rerun said about the lock:"
grep -i 'lock' "$MH_T/other-host.err" | head -n 3 || true
[ "$MH_RC" -eq 0 ] || mh_fail "the rerun with rank 0 on dts-node-b exited $MH_RC"
grep -q '"event":"sweep".*"failed":0.*"status":"completed"' "$MH_T/other-host.out" ||
  mh_fail "the rerun did not complete every trial"
mh_check_once "$out" "$(mh_planned other-host)"
[ ! -e "$out/sweep.lock" ] || mh_fail "the rerun left $out/sweep.lock behind"
