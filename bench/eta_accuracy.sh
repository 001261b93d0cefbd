#!/usr/bin/env bash
# How good dts-status's ETA is on a real run.
#
#   bench/eta_accuracy.sh DIR [SECONDS]
#
# Polls `dts-status --json DIR` every SECONDS (default 30) while the sweep in DIR runs and logs each snapshot
# (one JSON line, plus the poll's time) to $ETA_LOG (default ./eta-<basename of DIR>.jsonl: never inside DIR,
# which dts-status only reads). Once the sweep has ended it prints, at 10%, 25% and 50% of the work (runs
# finished, of the final count), the predicted end (expected, and the range) against the actual end (the last
# write of DIR/sweep.h5), the error, and the error as a share of the time that was left; then the same at 10,
# 25 and 50% of the wall time from the first snapshot to the end.
# Start it before or beside the sweep; with ETA_ANALYZE=1 it only analyzes an existing $ETA_LOG.
# DTS_STATUS picks the binary (default: build/apps/dts-status of this checkout). Needs jq.
set -euo pipefail

dir=${1:?usage: bench/eta_accuracy.sh DIR [SECONDS]}
interval=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
status=${DTS_STATUS:-$root/build/apps/dts-status}
log=${ETA_LOG:-./eta-$(basename "$dir").jsonl}
command -v jq >/dev/null || {
  echo "eta_accuracy: needs jq (apt-get install jq)" >&2
  exit 2
}
[ -x "$status" ] || {
  echo "eta_accuracy: $status is not built (cmake --build build --target dts-status)" >&2
  exit 2
}

if [ "${ETA_ANALYZE:-0}" != 1 ]; then
  echo "eta_accuracy: polling $status --json $dir every ${interval}s into $log" >&2
  while :; do
    if [ -f "$dir/sweep.h5" ] || [ -f "$dir/sweep.lock" ]; then
      snapshot=$("$status" --json "$dir") || {
        echo "eta_accuracy: dts-status failed; retrying" >&2
        sleep "$interval"
        continue
      }
      jq -c --argjson t "$(date +%s)" '. + {poll_epoch_s: $t}' <<<"$snapshot" >>"$log"
      [ "$(jq -r '.ended' <<<"$snapshot")" = true ] && break
    fi
    sleep "$interval"
  done
fi

[ -s "$log" ] || {
  echo "eta_accuracy: $log holds no snapshot" >&2
  exit 1
}
state=$(tail -n 1 "$log" | jq -r '.state')
actual=$(stat -c %Y "$dir/sweep.h5")
total=$(tail -n 1 "$log" | jq -r '.eta.runs_done')
echo "sweep $dir: $state, $total runs, ended $(date -u -d "@$actual" +%FT%TZ) (sweep.h5's last write)"
[ "$state" = completed ] || echo "note: the sweep did not complete ($state): its 'end' is where it stopped"
# Two views of "work done": runs finished (of the final count), and wall time since the first snapshot (of the
# whole run). They differ most for ASHA, whose first rung's runs are short: 10% of its runs can be 2% of its time.
for measure in runs time; do
  echo "-- at 10, 25 and 50% of the $measure"
  printf '%-5s %-20s %-20s %-42s %9s %8s %s\n' work "at" "predicted end" "range" error "of left" "in range"
  jq -s -r --argjson actual "$actual" --argjson total "$total" --arg measure "$measure" '
    def iso: strftime("%Y-%m-%dT%H:%M:%SZ");
    def dur: (if . < 0 then "-" else "+" end) + ((if . < 0 then -. else . end) | floor
             | if . >= 3600 then "\(. / 3600 | floor)h\(. % 3600 / 60 | floor)m"
               else "\(. / 60 | floor)m\(. % 60)s" end);
    (.[0].poll_epoch_s) as $start
    | [.[] | select(.eta.available)] as $s
    | (10, 25, 50) as $p
    | ($s | map(select(if $measure == "runs" then .eta.runs_done >= $p / 100 * $total
                       else .poll_epoch_s - $start >= $p / 100 * ($actual - $start) end)) | first) as $x
    | if $x == null then "\($p)%   no snapshot with an ETA at this point"
      else
        ($x.eta.end.expected_epoch_s - $actual) as $err
        | ($actual - $x.poll_epoch_s) as $left
        | [("\($p)%"), ($x.poll_epoch_s | iso), ($x.eta.end.expected_epoch_s | iso),
           (($x.eta.end.lo_epoch_s | iso) + ".." + ($x.eta.end.hi_epoch_s | iso)), ($err | dur),
           (if $left > 0 then "\($err / $left * 100 | round)%" else "-" end),
           (if $x.eta.end.lo_epoch_s - 60 <= $actual and $actual <= $x.eta.end.hi_epoch_s + 60 then "yes"
            else "no" end)]
        | "\(.[0] | . + " " * (5 - length)) \(.[1]) \(.[2]) \(.[3]) \(.[4] | " " * (9 - length) + .) \(.[5] | " " * (8 - length) + .) \(.[6])"
      end' "$log"
done
echo "(in range: the actual end within the reported range, give or take a minute of polling; the basis of each"
echo " estimate is in $log: .eta.basis)"
