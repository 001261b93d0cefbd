# shellcheck shell=sh disable=SC2154,SC2034  # dir, out, pid: the sourcing script's; rc: read by it
# Steps shared by the mpirun signal tests (mpi_signal_test.sh, mpi_launcher_test.sh), sourced after they set
# $dir (their temp dir), $out (the sweep directory) and define start(), which sets $pid.

# Waits until $1 trials have finished in all, so that others are running.
wait_for_executions() {
  i=0
  while [ "$(wc -l 2> /dev/null < "$out/synthetic-executions.log" || echo 0)" -lt "$1" ]; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "no progress"; cat "$dir/stderr"; exit 1; }
    sleep 0.05
  done
}

# Waits for $pid; sets $rc.
finish() {
  rc=0; wait "$pid" || rc=$?
}

# After the last run: every planned trial (the last "sweep" event's count) trained to its end exactly once.
check_every_trial_once() {
  total=$(grep '"event":"sweep"' "$dir/events.jsonl" | tail -1 | sed 's/.*"planned":\([0-9]*\).*/\1/')
  executed=$(wc -l < "$out/synthetic-executions.log")
  unique=$(cut -d' ' -f1 "$out/synthetic-executions.log" | sort -u | wc -l)
  echo "trials planned $total, completed $unique, trainings finished $executed"
  test "$unique" -eq "$total"
  # Interrupted trials log nothing; a trial that two writers trained to the end would be logged twice.
  test "$executed" -eq "$unique"
}
