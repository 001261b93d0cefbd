#!/usr/bin/env bash
# A trial command for the binding checks (sweep.trial_command, or dts-sweep --trial-command): it records the
# CPU affinity and the thread settings the trial process gets from the rank that runs it, then execs the real
# trial command ($DTS_WRAPPED_TRIAL, e.g. dts-train) with the same arguments, as the same process.
#
# One line per trial run, appended to affinity.log in the sweep directory (the parent of the trial file's
# directory):
#   trial=<id> threads_arg=<--threads N> omp=<OMP_NUM_THREADS> cpus=<Cpus_allowed_list> ncpus=<count>
# and, if the trial still runs DTS_AFFINITY_SAMPLE_S seconds later (default 2), a second line with the
# process's thread count then (after the exec: the real trial's threads):
#   trial=<id> threads_running=<Threads of /proc/PID/status>
set -euo pipefail
: "${DTS_WRAPPED_TRIAL:?affinity_trial.sh: set DTS_WRAPPED_TRIAL to the real trial command}"
out="" threads="" count_only=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --out) out=${args[i + 1]:-} ;;
    --threads) threads=${args[i + 1]:-} ;;
    --count-parameters) count_only=1 ;;
  esac
done
if [ "$count_only" = 0 ] && [ -n "$out" ]; then
  log="$(dirname "$(dirname "$out")")/affinity.log"
  trial=$(basename "$out" .h5)
  cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$$/status")
  ncpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)  # nproc alone honours OMP_NUM_THREADS
  echo "trial=$trial threads_arg=${threads:-none} omp=${OMP_NUM_THREADS:-unset} cpus=$cpus ncpus=$ncpus" >>"$log"
  pid=$$
  (
    sleep "${DTS_AFFINITY_SAMPLE_S:-2}"
    running=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null || true)
    [ -z "$running" ] || echo "trial=$trial threads_running=$running" >>"$log"
  ) </dev/null >/dev/null 2>&1 &
fi
exec "$DTS_WRAPPED_TRIAL" "$@"
