#!/bin/bash
# Multi-host case 4 (issue 23): on dts-node-b the trial command cannot even start (an empty tmpfs is mounted
# over the directory of the trial binary on that host only, so exec fails there). The sweep must finish every
# trial on the healthy dts-node-a, name dts-node-b's rank(s) as quarantined in its log, and end no trial
# `failed`.
# Usage: broken_host.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

# A copy of the trial binary in a directory of its own, hidden on dts-node-b by agent.sh.
mkdir -p "$MH_T/bin"
cp "$MH_TRIAL" "$MH_T/bin/dts-synthetic-trial"
export DTS_MH_HIDE_dts_node_b=$MH_T/bin
mh_hostfile "$MH_T/hosts-ab" 2 2
out=$MH_T/run/out
export DTS_SYNTHETIC_SECONDS=0.2
mh_run broken "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS \
  "$MH_SWEEP" --config "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" --out "$out" \
  --trial-command "$MH_T/bin/dts-synthetic-trial" --json
echo "exit code with a broken dts-node-b: $MH_RC"
mh_show broken 8
summary=$(grep '"event":"sweep"' "$MH_T/broken.out" | tail -n 1)
echo "summary: $summary"
echo "trials per host: $(mh_trial_hosts "$out" | tr -s ' \n' ' ')"
echo "quarantine lines:"
grep -i 'quarantin' "$MH_T/broken.err" | head -n 5 || true

failed=$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' <<< "$summary")
[ -n "$summary" ] || mh_fail "no sweep summary (exit $MH_RC)"
[ "$failed" = 0 ] || mh_fail "$failed trials ended failed: a broken host's failures were charged to the trials"
grep -q '"status":"completed"' <<< "$summary" || mh_fail "the sweep did not complete"
grep -i 'quarantin' "$MH_T/broken.err" | grep -q 'dts-node-b' ||
  mh_fail "the log does not name dts-node-b's rank as quarantined"
mh_check_once "$out" "$(mh_planned broken)"
! mh_trial_hosts "$out" | grep -q 'dts-node-b' || mh_fail "a trial file says it ran on the broken dts-node-b"
