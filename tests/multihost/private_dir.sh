#!/bin/bash
# Multi-host case 6 (issue 23): `--out` on a path that is private per host (/tmp: each simulated host has its
# own). Every host can create such a directory, but each gets its own: the sweep must be refused at start,
# non-zero, with an error naming the directory and a host that cannot see the coordinator's.
# Usage: private_dir.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

mh_hostfile "$MH_T/hosts-ab" 2 2
# On the hosts' private /tmp (which goes away with them); nothing is made on this machine's /tmp.
out=/tmp/$DTS_MH_TAG/out
export DTS_SYNTHETIC_SECONDS=0.05
mh_run private "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS \
  "$MH_SWEEP" --config "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" --out "$out" \
  --trial-command "$MH_TRIAL" --json
echo "exit code with --out $out: $MH_RC"
mh_show private 6
[ ! -e "$out" ] || mh_fail "$out appeared on this machine, where no rank runs"
[ "$MH_RC" -ne 0 ] || mh_fail "the sweep ran on a directory that each host sees a different copy of"
grep -F "$out" "$MH_T/private.err" | grep -qE 'dts-node-(a|b)' ||
  mh_fail "no error line names $out and a host (dts-node-a or dts-node-b)"
! grep -q '"event":"trial"' "$MH_T/private.out" || mh_fail "trials were dispatched before the refusal"
