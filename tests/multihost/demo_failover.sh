#!/bin/bash
# Multi-host case 8 (issue 23): the demo sweep, real training, survives a node failure with its coordinator
# moving to the other host, and ends bit-identical to the same sweep run uninterrupted on one host.
#  1. The reference: the shortened demo sweep on one host (plain local mpirun -np 3).
#  2. Across hosts, rank 0 on dts-node-a: once dts-node-b has trained at least one epoch of a trial, every
#     process of dts-node-b gets SIGKILL (a node crash). mpirun ends (Open MPI: 205) and takes dts-node-a's
#     ranks with it; their trial children checkpoint and exit; DIR/sweep.lock stays, naming dts-node-a.
#  3. The same command with rank 0 on dts-node-b and both workers on dts-node-a: it takes the dead
#     coordinator's lock over (its lease ran out; nobody removes it) and completes the sweep; the trial killed
#     on dts-node-b resumes on dts-node-a from its checkpoint, and its attempt history says so.
#  4. Every trial file's scores and epoch losses equal the reference's at full precision.
# Usage: demo_failover.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

# The shortened demo sweep with a short lock lease, so that the restart need not wait the default minute for
# the dead coordinator's lock.
mh_demo_sweep "$MH_T/demo-sweep.ini" "lock_lease_s = 2"

read -r -a local_mpi <<< "$MH_PREFLAGS"
mh_log "reference: the demo sweep on one host (mpirun -np 3)"
"$MH_MPIEXEC" "${local_mpi[@]}" -np 3 "$MH_SWEEP" --config "$MH_T/demo-sweep.ini" --out "$MH_T/one/out" \
  --trial-command "$MH_TRAIN" --json > "$MH_T/one.out" 2> "$MH_T/one.err" &
MH_PID=$!
MH_PIDS+=("$MH_PID")
mh_wait "$MH_PID" 180 || { mh_show one; mh_fail "the one-host demo sweep did not end within 180s"; }
[ "$MH_RC" -eq 0 ] || { mh_show one; mh_fail "the one-host demo sweep exited $MH_RC"; }

cmd=("$MH_SWEEP" --config "$MH_T/demo-sweep.ini" --out "$MH_T/two/out" --trial-command "$MH_TRAIN" --json)
mh_hostfile "$MH_T/hosts-ab" 2 1 # rank 0 and worker 1 on dts-node-a, worker 2 on dts-node-b
mh_start first "$MH_T/hosts-ab" 3 "${cmd[@]}"
# dts-node-b's worker runs a trial that has checkpointed at least one epoch (its trial file exists).
victim=
deadline=$((SECONDS + 120))
while [ -z "$victim" ]; do
  mh_alive "$MH_PID" || { mh_show first; mh_fail "the sweep ended before dts-node-b checkpointed a trial"; }
  [ $SECONDS -lt "$deadline" ] || mh_fail "dts-node-b checkpointed no trial within 120s"
  for log in "$MH_T/two/out/trials/"*.log; do
    [ -e "$log" ] || continue
    id=$(basename "$log" .log)
    last=$(grep '^=== attempt' "$log" | tail -n 1)
    case $last in *" on host dts-node-b,"*) ;; *) continue ;; esac
    if [ -e "$MH_T/two/out/trials/$id.h5" ] && [ "$(mh_trial_attr "$MH_T/two/out/trials/$id.h5" status)" = running ]; then
      victim=$id
    fi
  done
  sleep 0.2
done
mh_log "dts-node-b trains trial $victim: SIGKILL to every process of dts-node-b (pids $(mh_kill_host dts-node-b))"
mh_wait "$MH_PID" 60 || { mh_show first; mh_fail "mpirun still runs 60s after dts-node-b died"; }
mh_log "after dts-node-b died, mpirun exited $MH_RC"
mh_show first 4
mh_wait_hosts_gone 30 # dts-node-a's trial children checkpoint and exit
[ -e "$MH_T/two/out/sweep.lock" ] || mh_fail "the dead coordinator left no lock: nothing was tested"
grep -q '^host=dts-node-a$' "$MH_T/two/out/sweep.lock" || mh_fail "the lock is not dts-node-a's"

printf '127.0.0.3 slots=1\n127.0.0.2 slots=2\n' > "$MH_T/hosts-b-coordinates" # rank 0 alone on dts-node-b
mh_run second "$MH_T/hosts-b-coordinates" 3 240 "${cmd[@]}"
[ "$MH_RC" -eq 0 ] || { mh_show second; mh_fail "the restart on the other host exited $MH_RC"; }
grep -E "took over the stale lock .*host dts-node-a" "$MH_T/second.err" ||
  mh_fail "the restart did not say it took over dts-node-a's lock"
[ ! -e "$MH_T/two/out/sweep.lock" ] || mh_fail "the lock is left after the sweep"

echo "attempt history of trial $victim (killed on dts-node-b, resumed on dts-node-a):"
"$MH_INSPECT" "$MH_T/two/out/trials/$victim.h5" | sed -n '/^attempt /,/^$/p' | tee "$MH_T/victim-attempts"
awk '$1 == 1 && $2 == "dts-node-b" && !/ completed /' "$MH_T/victim-attempts" | grep -q . ||
  mh_fail "attempt 1 of $victim is not an unfinished attempt on dts-node-b"
awk '$1 == 2 && $2 == "dts-node-a" && / completed /' "$MH_T/victim-attempts" | grep -q . ||
  mh_fail "attempt 2 of $victim did not complete on dts-node-a"
echo "trials per host in the attempts of the sweep (host: attempts):"
h5dump -d /attempts "$MH_T/two/out/sweep.h5" | grep -oE '"dts-node-[ab]"' | sort | uniq -c

mh_diff_results one-host "$MH_T/one/out" failover "$MH_T/two/out" ||
  mh_fail "the sweep that lost a node differs from the uninterrupted one-host sweep"
