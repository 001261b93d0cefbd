#!/usr/bin/env bash
# Cores per trial under a real one-node Slurm cluster (tests/slurm/local_cluster.sh): slurm/dts-submit with
# 2 ranks and --cpus-per-task C (C = 1, 2), without --oversubscribe (which turns Open MPI's binding off and so
# hid the problem), a one-trial sweep whose trial command is tests/slurm/affinity_trial.sh around dts-train.
# From inside the running trial it reads the CPU affinity (Cpus_allowed_list) and the thread count. Checks:
#   - the trial may run on at least C cores (Open MPI 4.1 bound each of 2 ranks to one core before);
#   - it gets --threads C (dts-sweep --threads-per-rank, not sweep.threads_per_rank = 1 of the sweep file);
#   - with C = 2 the running trial has more threads than with C = 1.
# Usage: slurm_binding_test.sh BIN_DIR (from the repository root, as root). Exit 77: skipped (the reason on
# stdout).
set -euo pipefail
skip() { echo "SKIP: $*"; exit 77; }
early_fail() { echo "FAIL: $*"; exit 1; }
[ $# -eq 1 ] || early_fail "usage: slurm_binding_test.sh BIN_DIR (run from the repository root)"
bin=$(cd "$1" 2>/dev/null && pwd) || early_fail "$1: no such build directory"
root=$(pwd)
[ -x "$root/slurm/dts-submit" ] || early_fail "run from the repository root: no slurm/dts-submit in $root"
for tool in dts-sweep dts-train dts-report; do [ -x "$bin/$tool" ] || early_fail "$bin/$tool not built"; done
[ "$(id -u)" -eq 0 ] || skip "the Slurm test needs root (slurmd runs jobs as their user)"
for tool in slurmctld slurmd munged sbatch squeue scancel sinfo scontrol mpirun; do
  command -v $tool >/dev/null || skip "$tool not installed (scripts/setup.sh installs slurm-wlm munge openmpi-bin)"
done

# slurm.conf cannot hold a path with a space: the cluster in $work/cluster, the sweeps below "$work/with space".
work=$(mktemp -d /tmp/dts-slurm-binding.XXXXXX)
cleanup() {
  if [ -n "${SLURM_CONF:-}" ]; then scancel --user=root 2>/dev/null || true; fi
  "$root/tests/slurm/local_cluster.sh" stop "$work/cluster" || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/with\ space/out*/slurm/*.log "$work"/with\ space/out*/affinity.log "$work"/cluster/log/slurmctld.log; do
    [ -f "$f" ] || continue
    echo "--- $f"
    tail -20 "$f" || true
  done
  exit 1
}

cluster_env=$("$root/tests/slurm/local_cluster.sh" start "$work/cluster") || fail "the local Slurm cluster did not start"
eval "$cluster_env"
[ -n "${SLURM_CONF:-}" ] || fail "local_cluster.sh printed no SLURM_CONF"
export SLURM_CONF

mkdir -p "$work/with space"
# The binding sweep with absolute paths and the recording trial command (sbatch --export=ALL hands
# DTS_WRAPPED_TRIAL to the job, mpirun to the ranks, the ranks to their trials).
sed -e "s|^base = .*|base = $root/configs/demo.ini|" \
  -e "s|^threads_per_rank = 1|threads_per_rank = 1\ntrial_command = $root/tests/slurm/affinity_trial.sh|" \
  "$root/tests/slurm/data/binding-sweep.ini" >"$work/with space/binding sweep.ini"
grep -q "^trial_command = " "$work/with space/binding sweep.ini" || fail "could not set trial_command"
export DTS_WRAPPED_TRIAL="$bin/dts-train" DTS_AFFINITY_SAMPLE_S=1

declare -A threads_running
for c in 1 2; do
  out="$work/with space/out c$c"
  "$root/slurm/dts-submit" "$work/with space/binding sweep.ini" --out "$out" --ntasks-per-node 2 --cpus-per-task "$c" \
    --time 10 --retry-delay 0 --bin "$bin" >/dev/null || fail "dts-submit failed (--cpus-per-task $c)"
  deadline=$((SECONDS + 300))
  while [ -n "$(squeue -h -o %i)" ]; do
    [ $SECONDS -lt $deadline ] || fail "jobs still queued after 300 s"
    sleep 1
  done
  grep -q "dts-sweep exited 0" "$out"/slurm/sweep-*.log || fail "--cpus-per-task $c: the sweep did not finish"
  record=$(grep -m1 ' threads_arg=' "$out/affinity.log") || fail "--cpus-per-task $c: the trial recorded nothing"
  running=$(sed -n 's/.* threads_running=\([0-9]*\).*/\1/p' "$out/affinity.log" | head -1)
  echo "--cpus-per-task $c: $record threads_running=${running:-?}"
  echo "  mpirun: $(grep -m1 'MCW rank 1' "$out"/slurm/sweep-*.log | sed 's/^.*MCW //')"
  ncpus=$(sed -n 's/.* ncpus=\([0-9]*\).*/\1/p' <<<"$record")
  [ "${ncpus:-0}" -ge "$c" ] || fail "--cpus-per-task $c: the trial may run on $ncpus cores only ($record)"
  [[ "$record" == *" threads_arg=$c "* ]] || fail "--cpus-per-task $c: the trial was not given --threads $c ($record)"
  [ -n "$running" ] || fail "--cpus-per-task $c: the trial ended before its threads were counted"
  threads_running[$c]=$running
done
[ "${threads_running[2]}" -gt "${threads_running[1]}" ] ||
  fail "the trial runs ${threads_running[2]} threads with 2 cores, ${threads_running[1]} with 1"
echo "PASS: each trial may use its --cpus-per-task cores and runs that many torch threads"
