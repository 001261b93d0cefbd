#!/usr/bin/env bash
# dts-status --watch as a person uses it: in a tmux pane of 80 columns beside a running sweep (the synthetic
# sweep of tests/orchestrator, 3 s per trial, dts-sweep --local-ranks 3), captured
#   1. while it runs: the phase, the stage table, the ETA with its basis, the running trials with their host;
#   2. after one trial's child is killed with -9, and its retry too: the failure on screen, by host and class,
#      with the trial failed for good;
#   3. when the sweep has ended: the watcher exits by itself and leaves its last view on the screen.
# Also: `q` and Ctrl-C quit a watcher of a running sweep. DTS_STATUS_CAPTURES=DIR keeps the captures.
# usage (from the repository root): watch_tmux_test.sh DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_STATUS
set -euo pipefail
sweep_bin=$1
synthetic=$2
status=$3

command -v tmux >/dev/null || {
  echo "SKIP: tmux is not installed (scripts/setup.sh installs it)"
  exit 77
}

work=$(mktemp -d /tmp/dts-status-watch.XXXXXX)
out="$work/sweep"
session="dts-status-watch-$$"
sweep_pid=""
cleanup() {
  for s in "$session" "$session-q" "$session-c"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  if [ -n "$sweep_pid" ] && kill -0 "$sweep_pid" 2>/dev/null; then
    kill "$sweep_pid" 2>/dev/null || true
    wait "$sweep_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/capture-*.txt; do
    [ -f "$f" ] && { echo "--- $f" && cat "$f"; } >&2
  done
  echo "--- sweep stderr (last lines)" >&2
  tail -n 20 "$work/sweep.stderr" >&2 || true
  exit 1
}

# capture NAME [SESSION]: the pane's text now, into $work/capture-NAME.txt.
capture() {
  tmux capture-pane -p -t "${2:-$session}" >"$work/capture-$1.txt"
}
# wait_screen NAME PATTERN SECONDS [SESSION]: capture until PATTERN (grep -E) is on screen.
wait_screen() {
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    capture "$1" "${4:-}"
    grep -Eq -- "$2" "$work/capture-$1.txt" && return 0
    sleep 0.2
  done
  fail "'$2' did not appear on screen within $3 s (capture-$1.txt)"
}
# expect NAME TEXT: TEXT is in capture NAME, white space aside (the view wraps its sentences at 80 columns).
expect() {
  local screen text
  screen=$(tr '\n' ' ' <"$work/capture-$1.txt" | tr -s ' ')
  text=$(tr -s ' ' <<<"$2")
  grep -Fq -- "$text" <<<"$screen" || fail "capture $1 lacks '$2'"
}

# A running synthetic trial of this sweep, optionally of trial $1: "PID TRIAL_ID". Found by its command line,
# which names this test's unique directory (never by the program's name: other sweeps may run here).
find_trial() {
  local dir cmd id
  for dir in /proc/[0-9]*; do
    cmd=$({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null) || continue  # it may have ended meanwhile
    case $cmd in
      *"--out $out/trials/"*"--trial-id "*) ;;
      *) continue ;;
    esac
    id=${cmd#*--trial-id }
    id=${id%% *}
    if [ -z "${1:-}" ] || [ "$id" = "$1" ]; then
      echo "${dir#/proc/} $id"
      return 0
    fi
  done
  return 1
}

host=$(hostname)
DTS_SYNTHETIC_SECONDS=3 "$sweep_bin" --config tests/orchestrator/data/synthetic-sweep.ini --out "$out" \
  --local-ranks 3 --trial-command "$synthetic" >"$work/sweep.stdout" 2>"$work/sweep.stderr" &
sweep_pid=$!
for _ in $(seq 150); do
  [ -f "$out/sweep.h5" ] && break
  sleep 0.2
done
[ -f "$out/sweep.h5" ] || fail "the sweep wrote no sweep.h5"

watch_command() { printf '%q --watch 1 %q; echo %s=$?; sleep 600' "$status" "$out" "$1"; }
tmux -f /dev/null new-session -d -s "$session" -x 80 -y 50 "$(watch_command WATCH-EXIT)"

# --- 1. running --------------------------------------------------------------------------------------------
wait_screen running "^search .* lstm " 30
wait_screen running "^ETA [0-9]" 30
for text in "RUNNING:" "stage     runs  run done" "search " "final " "ablation " "$host" "epoch elapsed" \
  "workers" "q or Ctrl-C quits"; do
  expect running "$text"
done

# q and Ctrl-C quit a watcher of a running sweep (each in a pane of its own).
tmux -f /dev/null new-session -d -s "$session-q" -x 80 -y 50 "$(watch_command Q-EXIT)"
tmux -f /dev/null new-session -d -s "$session-c" -x 80 -y 50 "$(watch_command C-EXIT)"
wait_screen q "RUNNING:" 20 "$session-q"
wait_screen c "RUNNING:" 20 "$session-c"
tmux send-keys -t "$session-q" q
tmux send-keys -t "$session-c" C-c
wait_screen q "^Q-EXIT=0" 10 "$session-q"
wait_screen c "^C-EXIT=0" 10 "$session-c"
expect q "RUNNING:"  # the last view stays on the normal screen

# --- 2. a trial killed, then its retry: failed for good ------------------------------------------------------
victim=""
for _ in $(seq 150); do
  victim=$(find_trial) && break
  sleep 0.1
done
[ -n "$victim" ] || fail "no running trial to kill"
read -r pid trial <<<"$victim"
kill -9 "$pid"
retry=""
for _ in $(seq 300); do
  retry=$(find_trial "$trial") && [ "${retry%% *}" != "$pid" ] && break
  retry=""
  sleep 0.1
done
[ -n "$retry" ] || fail "trial $trial was not retried"
kill -9 "${retry%% *}"
wait_screen killed "crashed on .*2 attempts, 1 trial failed for good" 30
for text in "! crashed on $host" "FAILURES by host and class" "${trial:0:12} search #1 retried:" \
  "${trial:0:12} search #2 FAILED:" "signal 9"; do
  expect killed "$text"
done

# --- 3. finished -------------------------------------------------------------------------------------------
wait_screen finished "^WATCH-EXIT=0" 120
for text in "COMPLETED:" "1 trial failed for good (dts-sweep exits 7)" "ETA: none, the sweep has ended" \
  "dts-status: the sweep has ended (completed)"; do
  expect finished "$text"
done
rc=0
wait "$sweep_pid" || rc=$?
sweep_pid=""
[ "$rc" -eq 7 ] || fail "dts-sweep exited $rc, expected 7 (a trial failed for good)"

if [ -n "${DTS_STATUS_CAPTURES:-}" ]; then
  mkdir -p "$DTS_STATUS_CAPTURES"
  cp "$work"/capture-running.txt "$work"/capture-killed.txt "$work"/capture-finished.txt "$DTS_STATUS_CAPTURES/"
fi
echo "PASS: dts-status --watch in tmux: running, a trial killed twice, finished; q and Ctrl-C quit"
