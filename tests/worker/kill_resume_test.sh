#!/usr/bin/env bash
# kill -9 in the middle of training, then --resume: the final metrics and predictions must be identical to a
# run that was never interrupted. Also: a truncated trial file is refused with its name.
# Usage: kill_resume_test.sh BIN_DIR (run from the repository root)
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--config configs/demo.ini --train.max_epochs 30 --train.patience 0 --threads 1 --quiet)

"$bin/dts-train" "${args[@]}" --out "$work/reference.h5" > "$work/reference.out"

"$bin/dts-train" "${args[@]}" --out "$work/killed.h5" > /dev/null &
pid=$!
# Kill once at least two epochs are on disk, wherever training is then.
for _ in $(seq 600); do
  if [ -f "$work/killed.h5" ] && epochs=$("$bin/dts-inspect" "$work/killed.h5" 2>/dev/null | sed -n 's/^epochs run \([0-9]*\).*/\1/p') \
     && [ "${epochs:-0}" -ge 2 ]; then
    break
  fi
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
status=$("$bin/dts-inspect" "$work/killed.h5" | sed -n 's/^trial [0-9a-f]*  status \([a-z]*\).*/\1/p')
echo "killed at: $("$bin/dts-inspect" "$work/killed.h5" | grep '^epochs run'), status $status"
[ "$status" = running ] || { echo "FAIL: expected a running trial after kill -9, got '$status'"; exit 1; }

"$bin/dts-train" "${args[@]}" --out "$work/killed.h5" --resume > "$work/resumed.out"
diff "$work/reference.out" "$work/resumed.out" || { echo "FAIL: final lines differ"; exit 1; }
# The killed attempt's row stays without an end or outcome; the resume's is attempt 2, ended and completed.
attempts=$("$bin/dts-inspect" "$work/killed.h5" \
  | awk '/^attempt host/ { on = 1; next } on && NF == 0 { exit } on { print $1, ($6 == "-" ? "open" : "ended"), $7 }')
[ "$attempts" = "$(printf '1 open -\n2 ended completed')" ] \
  || { echo "FAIL: attempts after kill -9 and --resume: $attempts"; exit 1; }
"$bin/dts-inspect" "$work/reference.h5" --predictions > "$work/reference.jsonl"
"$bin/dts-inspect" "$work/killed.h5" --predictions > "$work/resumed.jsonl"
[ -s "$work/reference.jsonl" ] || { echo "FAIL: no predictions stored"; exit 1; }
cmp "$work/reference.jsonl" "$work/resumed.jsonl" || { echo "FAIL: predictions differ"; exit 1; }

# Without --resume an existing trial file is never overwritten.
if "$bin/dts-train" "${args[@]}" --out "$work/killed.h5" 2> "$work/err"; then
  echo "FAIL: dts-train overwrote an existing trial file"; exit 1
fi
grep -q "killed.h5: trial file exists" "$work/err" || { echo "FAIL: unexpected message: $(cat "$work/err")"; exit 1; }

# A truncated trial file: one line naming it, exit code 5 (I/O), no crash.
size=$(stat -c %s "$work/reference.h5")
head -c $((size / 2)) "$work/reference.h5" > "$work/truncated.h5"
set +e
"$bin/dts-inspect" "$work/truncated.h5" 2> "$work/err"
rc=$?
set -e
[ $rc -eq 5 ] || { echo "FAIL: dts-inspect on a truncated file exited $rc"; exit 1; }
{ [ "$(wc -l < "$work/err")" -eq 1 ] && grep -q "truncated.h5" "$work/err"; } || { echo "FAIL: $(cat "$work/err")"; exit 1; }
echo "PASS: kill -9 + --resume reproduced $(tail -1 "$work/reference.out")"
