#!/bin/bash
# Multi-host case 1 (issue 23): a sweep across two hosts.
#  a. The synthetic sweep across dts-node-a and dts-node-b completes; trials ran on both hosts (the trial
#     files' `host`); every planned trial trained exactly once.
#  b. The demo sweep (real training, shortened) gives identical results on one host (plain local mpirun -np 3)
#     and across the two hosts, although the launching shell sets variables that change BLAS numerics
#     (OPENBLAS_CORETYPE: a core type other than the detected one; OMP_NUM_THREADS=2): a sweep must run every
#     trial with the same numerics environment whatever host or shell started it. Every score (dev and
#     test) and every epoch's loss is compared at full precision.
# Usage: two_hosts_demo.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

# --- a. synthetic sweep across both hosts
mh_hostfile "$MH_T/hosts-ab" 2 2
export DTS_SYNTHETIC_SECONDS=0.2
mh_run synthetic "$MH_T/hosts-ab" 4 90 -x DTS_SYNTHETIC_SECONDS \
  "$MH_SWEEP" --config "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" --out "$MH_T/synthetic/out" \
  --trial-command "$MH_TRIAL" --json
[ "$MH_RC" -eq 0 ] || { mh_show synthetic; mh_fail "the synthetic sweep across two hosts exited $MH_RC"; }
planned=$(mh_planned synthetic)
[ -n "$planned" ] || { mh_show synthetic; mh_fail "no sweep summary"; }
mh_check_once "$MH_T/synthetic/out" "$planned"
hosts=$(mh_trial_hosts "$MH_T/synthetic/out")
echo "trials per host: $(echo "$hosts" | tr -s ' \n' ' ')"
grep -q ' dts-node-a$' <<< "$hosts" || mh_fail "no trial ran on dts-node-a"
grep -q ' dts-node-b$' <<< "$hosts" || mh_fail "no trial ran on dts-node-b"

# --- b. real training: one host vs two hosts, with numerics variables in the launching shell
detected=$(OPENBLAS_VERBOSE=2 "$MH_TRAIN" --help 2>&1 | sed -n 's/^Core: //p' | head -n 1)
coretype=
if [ "$(uname -m)" = x86_64 ]; then
  for candidate in Haswell:avx2 Sandybridge:avx Prescott:pni; do
    if [ "${candidate%%:*}" != "$detected" ] && grep -qw "${candidate#*:}" /proc/cpuinfo; then
      coretype=${candidate%%:*}
      break
    fi
  done
else
  [ "$detected" = ARMV8 ] || coretype=ARMV8
fi
echo "OpenBLAS detects core '${detected:-none (no OpenBLAS?)}'; the launching shell sets" \
  "OPENBLAS_CORETYPE=${coretype:-(unset)} OMP_NUM_THREADS=2"
[ -n "$coretype" ] && export OPENBLAS_CORETYPE=$coretype
export OMP_NUM_THREADS=2
export OPENBLAS_VERBOSE=2 # each trial's log then says which core its BLAS used (diagnostics only)

mh_demo_sweep "$MH_T/demo-sweep.ini"

# One host: the launching machine, plain mpirun (its ranks inherit the launching shell's environment).
# The two sweep directories are at the same depth ($MH_T/one/out, $MH_T/two/out).
read -r -a local_mpi <<< "$MH_PREFLAGS"
mh_log "demo sweep on one host (mpirun -np 3)"
"$MH_MPIEXEC" "${local_mpi[@]}" -np 3 "$MH_SWEEP" --config "$MH_T/demo-sweep.ini" --out "$MH_T/one/out" \
  --trial-command "$MH_TRAIN" --json > "$MH_T/one.out" 2> "$MH_T/one.err" &
MH_PID=$!
MH_PIDS+=("$MH_PID")
mh_wait "$MH_PID" 150 || { mh_show one; mh_fail "the one-host demo sweep did not end within 150s"; }
mh_log "one host: exit $MH_RC"
[ "$MH_RC" -eq 0 ] || { mh_show one; mh_fail "the one-host demo sweep exited $MH_RC"; }

mh_hostfile "$MH_T/hosts-demo" 2 1
mh_run two "$MH_T/hosts-demo" 3 150 "$MH_SWEEP" --config "$MH_T/demo-sweep.ini" --out "$MH_T/two/out" \
  --trial-command "$MH_TRAIN" --json
[ "$MH_RC" -eq 0 ] || { mh_show two; mh_fail "the two-host demo sweep exited $MH_RC"; }
echo "demo trials per host (two hosts): $(mh_trial_hosts "$MH_T/two/out" | tr -s ' \n' ' ')"
for run in one two; do
  echo "BLAS cores in the $run-host run's trial logs: $(cat "$MH_T/$run/out/trials/"*.log 2> /dev/null |
    sed -n 's/^Core: //p' | sort | uniq -c | tr -s ' \n' ' ')"
done
for run in one two; do
  [ "$(mh_planned "$run")" = "$(find "$MH_T/$run/out/trials" -name '*.h5' | wc -l)" ] ||
    mh_fail "the $run-host run has not one trial file per planned trial"
done
mh_diff_results one-host "$MH_T/one/out" two-hosts "$MH_T/two/out" ||
  mh_fail "a sweep across two hosts trains differently from the same sweep on one host"
