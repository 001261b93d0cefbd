# shellcheck shell=bash
# Shared steps of the two-node Slurm tests (slurm_two_node_*_test.sh), sourced by each:
#
#   . tests/slurm/two_node_lib.sh
#   tn_init "$@"      # BIN_DIR SYNTHETIC_TRIAL: checks, then a two-node cluster (n1, n2) of local_cluster.sh
#
# The cluster: tests/slurm/local_cluster.sh start DIR --nodes 2, two slurmd on 127.0.0.2 and 127.0.0.3, each
# in its own UTS namespace (host names n1 and n2, the same file systems), one slurmctld, one munged; SLURM_CONF
# is exported. The sweeps are tests/orchestrator/data/synthetic-sweep.ini (18 trials, all three stages) with
# dts-synthetic-trial as the trial command, paced by DTS_SYNTHETIC_SECONDS (sbatch --export=ALL hands it to the
# job, srun to the orted of the other node, the ranks to their trials). The EXIT trap cancels every job of the
# test cluster, stops its daemons and every process left in the nodes' namespaces (local_cluster.sh stop, by
# pid) and removes the temp dir (KEEP_WORK=1 keeps it).
#
# Exit codes: 0 pass, 1 fail, 77 skip (not root, Slurm/munge/Open MPI/h5dump missing, unshare refused).

set -euo pipefail
TN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TN_ROOT=$(cd "$TN_SRC/../.." && pwd)
TN_WORK=
TN_START_S=$SECONDS

tn_log() { echo "[$(date -u +%H:%M:%S) +$((SECONDS - TN_START_S))s] $*"; }

# tn_fail MESSAGE: the message, the jobs' logs and the controller's last lines; exit 1.
tn_fail() {
  echo "FAIL: $*"
  local f
  if [ -n "$TN_WORK" ]; then
    squeue 2>/dev/null || true
    sinfo -N 2>/dev/null || true
    for f in "$TN_WORK"/out*/slurm/*.log "$TN_WORK"/cluster/log/slurmctld.log; do
      [ -f "$f" ] || continue
      echo "--- $f"
      tail -25 "$f" || true
    done
  fi
  exit 1
}

tn_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$TN_WORK" ] && [ -d "$TN_WORK" ]; then
    if [ -n "${SLURM_CONF:-}" ]; then scancel --user=root 2>/dev/null; fi
    "$TN_SRC/local_cluster.sh" stop "$TN_WORK/cluster"
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $TN_WORK"; else rm -rf "$TN_WORK"; fi
  fi
  tn_log "exit $rc"
  exit "$rc"
}

# tn_init BIN_DIR SYNTHETIC_TRIAL
tn_init() {
  [ $# -eq 2 ] || { echo "FAIL: usage: $0 BIN_DIR DTS_SYNTHETIC_TRIAL (from the repository root)"; exit 1; }
  TN_BIN=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL: $1: no such build directory"; exit 1; }
  TN_TRIAL=$(readlink -f "$2")
  local tool
  for tool in "$TN_BIN/dts-sweep" "$TN_BIN/dts-train" "$TN_BIN/dts-report" "$TN_TRIAL"; do
    [ -x "$tool" ] || { echo "FAIL: $tool not built"; exit 1; }
  done
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP: the Slurm tests need root (slurmd runs jobs as their user)"; exit 77; fi
  for tool in slurmctld slurmd munged sbatch squeue scancel sinfo scontrol srun mpirun unshare h5dump; do
    if ! command -v "$tool" >/dev/null; then
      echo "SKIP: $tool not installed (scripts/setup.sh installs slurm-wlm munge openmpi-bin hdf5-tools)"
      exit 77
    fi
  done
  local why
  if ! why=$(unshare --uts sh -c 'hostname dts-tn-probe' 2>&1); then
    echo "SKIP: unshare --uts is refused here, so there is no second node: ${why//$'\n'/ }"
    exit 77
  fi
  TN_WORK=$(mktemp -d /tmp/dts-slurm-2n.XXXXXX)
  trap tn_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local cluster_env
  cluster_env=$("$TN_SRC/local_cluster.sh" start "$TN_WORK/cluster" --nodes 2) ||
    tn_fail "the two-node Slurm cluster did not start"
  eval "$cluster_env"
  [ -n "${SLURM_CONF:-}" ] || tn_fail "local_cluster.sh printed no SLURM_CONF"
  export SLURM_CONF
  tn_log "cluster up: $(sinfo -h -N -o '%N %T' | tr '\n' ' ')($TN_WORK)"
}

# tn_sweep_ini DEST: the synthetic sweep with absolute paths, dts-synthetic-trial as its trial command and a
# 3 s lock lease (a continuation under another job id takes over a dead coordinator's lock after it).
tn_sweep_ini() {
  sed -e "s|^base = .*|base = $TN_ROOT/tests/orchestrator/data/synthetic-base.ini|" \
    -e "s|^trial_command = .*|trial_command = $TN_TRIAL\nlock_lease_s = 3|" \
    "$TN_ROOT/tests/orchestrator/data/synthetic-sweep.ini" >"$1"
  grep -q "^lock_lease_s = 3" "$1" || tn_fail "could not write $1"
}

# tn_reference SWEEP OUT: the same sweep, uninterrupted, by plain mpirun outside Slurm; sets TN_PLANNED (the
# planned trial count).
tn_reference() {
  DTS_SYNTHETIC_SECONDS=0.01 mpirun --allow-run-as-root --oversubscribe -np 3 "$TN_BIN/dts-sweep" \
    --config "$1" --out "$2" --json >"$2.out" 2>"$2.err" || { tail "$2.err"; tn_fail "the reference sweep failed"; }
  TN_PLANNED=$(grep '"event":"sweep"' "$2.out" | tail -n 1 | sed -n 's/.*"planned":\([0-9]*\).*/\1/p')
  [ -n "$TN_PLANNED" ] || tn_fail "the reference sweep reported no planned trials"
  tn_log "reference (plain mpirun, uninterrupted): $TN_PLANNED trials"
}

# tn_submit SWEEP OUT DTS-SUBMIT-OPTIONS...: slurm/dts-submit; sets TN_JOB (the sweep job's id).
tn_submit() {
  local sweep=$1 out=$2
  shift 2
  "$TN_ROOT/slurm/dts-submit" "$sweep" --out "$out" --bin "$TN_BIN" "$@" >"$out.submit" 2>&1 ||
    tn_fail "dts-submit failed: $(cat "$out.submit")"
  # shellcheck disable=SC2034  # used by the test scripts
  TN_JOB=$(cat "$out/slurm/sweep_job_id")
}

# tn_wait_running JOB NODE TIMEOUT_S: until Slurm runs JOB on NODE.
tn_wait_running() {
  local deadline=$((SECONDS + $3)) state
  while :; do
    state=$(squeue -h -j "$1" -o '%T %N' 2>/dev/null) || state="(squeue failed)"
    [ "$state" != "RUNNING $2" ] || return 0
    [ -n "$state" ] || tn_fail "job $1 ended before running on $2"
    [ $SECONDS -lt "$deadline" ] || tn_fail "job $1 not running on $2 after $3 s ($state)"
    sleep 0.5
  done
}

# tn_wait_continuation JOB OUT TIMEOUT_S: until JOB has submitted its continuation (OUT/slurm/sweep_job_id
# changes); sets TN_NEXT. Fails if JOB ends without one.
tn_wait_continuation() {
  local deadline=$((SECONDS + $3)) state
  while TN_NEXT=$(cat "$2/slurm/sweep_job_id") && [ "$TN_NEXT" = "$1" ]; do
    [ $SECONDS -lt "$deadline" ] || tn_fail "job $1 submitted no continuation within $3 s"
    state=$(squeue -h -j "$1" -o %T 2>/dev/null) || state="(squeue failed)"
    if [ -z "$state" ] && [ "$(cat "$2/slurm/sweep_job_id")" = "$1" ]; then
      tn_fail "job $1 ended without a continuation"
    fi
    sleep 0.5
  done
}

# tn_wait_jobs TIMEOUT_S: until no job of the test cluster is queued or running.
tn_wait_jobs() {
  local deadline=$((SECONDS + $1)) queued
  while queued=$(squeue -h -o %i) || tn_fail "squeue failed"; [ -n "$queued" ]; do
    [ $SECONDS -lt "$deadline" ] || tn_fail "jobs still queued after $1 s"
    sleep 1
  done
}

# tn_executions DIR: trainings finished (lines of DIR/synthetic-executions.log).
tn_executions() {
  if [ -f "$1/synthetic-executions.log" ]; then wc -l <"$1/synthetic-executions.log"; else echo 0; fi
}

# tn_wait_executions DIR N TIMEOUT_S
tn_wait_executions() {
  local deadline=$((SECONDS + $3))
  while [ "$(tn_executions "$1")" -lt "$2" ]; do
    [ $SECONDS -lt "$deadline" ] || tn_fail "fewer than $2 trainings finished after $3 s"
    sleep 0.2
  done
}

# tn_check_once DIR PLANNED: every planned trial finished training exactly once.
tn_check_once() {
  local executed unique
  executed=$(tn_executions "$1")
  unique=$(cut -d' ' -f1 "$1/synthetic-executions.log" | sort -u | wc -l)
  tn_log "trials planned $2, completed $unique, trainings finished $executed"
  [ "$unique" -eq "$2" ] || tn_fail "$unique distinct trials completed, $2 planned"
  [ "$executed" -eq "$unique" ] || tn_fail "$executed trainings for $unique trials: some trial ran twice"
}

# tn_attempts DIR: DIR/sweep.h5's /attempts, one "TRIAL_ID HOST OUTCOME" line per attempt.
tn_attempts() {
  h5dump -d /attempts "$1/sweep.h5" | awk '
    /^ *\([0-9]+\): \{/ { row = 1; k = 0; next }
    row && /^ *\}/ { print f[1], f[6], f[10]; row = 0; next }
    row { k++; v = $0; sub(/^ */, "", v); sub(/,$/, "", v); gsub(/"/, "", v); f[k] = v }'
}

# tn_results DIR: every trial's scores and epoch losses at full precision (tests/multihost/lib.sh's
# mh_results: wall-clock fields and host/time attributes left out).
tn_results() {
  (
    # shellcheck source-path=SCRIPTDIR source=../multihost/lib.sh disable=SC1091
    . "$TN_ROOT/tests/multihost/lib.sh"
    mh_results "$1"
  )
}

# tn_same_results REF DIR: fails unless DIR's trials equal the uninterrupted reference's.
tn_same_results() {
  tn_results "$1" >"$TN_WORK/results-ref"
  tn_results "$2" >"$TN_WORK/results-run"
  [ -s "$TN_WORK/results-ref" ] || tn_fail "no trial files in $1"
  if ! diff "$TN_WORK/results-ref" "$TN_WORK/results-run" >"$TN_WORK/results.diff"; then
    head -c 3000 "$TN_WORK/results.diff"
    tn_fail "the trials in $2 differ from the uninterrupted run's"
  fi
  tn_log "results identical to the uninterrupted run: $(wc -l <"$TN_WORK/results-ref") trial files, every score and epoch loss"
}

# tn_check_report DIR: the report job ran after the sweep and wrote the report.
tn_check_report() {
  local log
  log=$(find "$1/slurm" -maxdepth 1 -name 'report-*.log' | head -n 1)
  [ -n "$log" ] || tn_fail "the report job did not run"
  [ -f "$1/report/index.md" ] || tn_fail "the report job wrote no report ($(tail -3 "$log"))"
  [ "$1/report/index.md" -nt "$1/sweep.h5" ] || tn_fail "the report is older than the sweep's manifest"
  tn_log "report job: $(grep -m1 '^dts-submit: report job' "$log")"
}
