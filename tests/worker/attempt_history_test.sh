#!/usr/bin/env bash
# The trial file's /attempts table, as dts-train writes it and dts-inspect prints it: one row per attempt, a
# --resume appends one and keeps the earlier rows, the sweep's DTS_ATTEMPT / DTS_RANK are recorded (else the
# next number and rank -1), and --threads decides the thread counts whatever the launching shell's
# OMP_NUM_THREADS / OPENBLAS_NUM_THREADS say, which the row records as the environment in force.
# Usage: attempt_history_test.sh BIN_DIR (run from the repository root)
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--config configs/demo.ini --threads 1 --quiet --out "$work/t.h5")

# The test's own numerics environment, without what the runner's shell may have set.
unset_numerics=()
while IFS= read -r name; do unset_numerics+=(-u "$name"); done \
  < <(env | sed -n 's/^\(\(OMP_\|OPENBLAS_\|GOTO\|MKL_\|KMP_\|GOMP_\)[^=]*\)=.*/\1/p')
train() { env "${unset_numerics[@]}" -u DTS_ATTEMPT -u DTS_RANK "$@"; }

# The attempt rows of dts-inspect's summary: attempt host rank pid start end outcome threads blas [env ENV].
attempts() {
  "$bin/dts-inspect" "${1:-$work/t.h5}" | awk '/^attempt host/ { on = 1; next } on && NF == 0 { exit } on { print }'
}
field() { sed -n "${1}p" <<< "$rows" | awk -v f="$2" '{ print $f }'; }
expect() {  # expect ROW FIELD VALUE WHAT
  local got
  got=$(field "$1" "$2")
  [ "$got" = "$3" ] || { echo "FAIL: attempt row $1: $4 is '$got', expected '$3'"; echo "$rows"; exit 1; }
}

train OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$bin/dts-train" "${args[@]}" --train.max_epochs 1 > /dev/null
rows=$(attempts)
[ "$(wc -l <<< "$rows")" -eq 1 ] || { echo "FAIL: expected one attempt row, got: $rows"; exit 1; }
expect 1 1 1 "the attempt number"
expect 1 3 -1 "the rank outside a sweep"
expect 1 2 "$(uname -n)" "the host"
expect 1 7 completed "the outcome"
expect 1 8 1/1 "intra-op/inter-op threads with --threads 1 and OMP_NUM_THREADS=2"
expect 1 10 env "the environment marker"
expect 1 11 "OMP_NUM_THREADS=2;OPENBLAS_NUM_THREADS=2" "the numerics environment"

# A resume (an ASHA-style promotion: more epochs) by hand: attempt 2, the first row kept as it was.
first=$(sed -n 1p <<< "$rows")
train "$bin/dts-train" "${args[@]}" --train.max_epochs 2 --resume > /dev/null
rows=$(attempts)
[ "$(wc -l <<< "$rows")" -eq 2 ] || { echo "FAIL: expected two attempt rows, got: $rows"; exit 1; }
[ "$(sed -n 1p <<< "$rows")" = "$first" ] || { echo "FAIL: the first row changed: $rows"; exit 1; }
expect 2 1 2 "the attempt number of a resume"
expect 2 3 -1 "the rank outside a sweep"
expect 2 7 completed "the outcome"
[ -z "$(field 2 10)" ] || { echo "FAIL: an empty numerics environment recorded as '$(field 2 11)'"; exit 1; }

# As a sweep worker runs it: the attempt number and rank come from the environment.
train DTS_ATTEMPT=7 DTS_RANK=3 "$bin/dts-train" "${args[@]}" --train.max_epochs 3 --resume > /dev/null
rows=$(attempts)
[ "$(wc -l <<< "$rows")" -eq 3 ] || { echo "FAIL: expected three attempt rows, got: $rows"; exit 1; }
expect 3 1 7 "the attempt number from DTS_ATTEMPT"
expect 3 3 3 "the rank from DTS_RANK"
expect 3 7 completed "the outcome"

# An attempt stopped by a signal ends its row as interrupted, one that diverged as diverged.
stopped=(--config configs/demo.ini --threads 1 --quiet --out "$work/stopped.h5")
# Not through train(): $! must be dts-train's pid (env execs it), not a subshell's.
env "${unset_numerics[@]}" -u DTS_ATTEMPT -u DTS_RANK \
  "$bin/dts-train" "${stopped[@]}" --train.max_epochs 3 --debug.fault hang --debug.fault_epoch 2 &
pid=$!
for _ in $(seq 600); do  # until epoch 1 is on disk and the trial hangs at the start of epoch 2
  "$bin/dts-inspect" "$work/stopped.h5" 2> /dev/null | grep -q '^epochs run 1 ' && break
  sleep 0.05
done
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ $rc -eq 75 ] || { echo "FAIL: the stopped trial exited $rc, expected 75"; exit 1; }
rows=$(attempts "$work/stopped.h5")
expect 1 7 interrupted "the outcome of a stopped attempt"
set +e
train "$bin/dts-train" --config configs/demo.ini --threads 1 --quiet --out "$work/diverged.h5" \
  --debug.fault nan --debug.fault_epoch 1 2> /dev/null
rc=$?
set -e
[ $rc -eq 6 ] || { echo "FAIL: the diverged trial exited $rc, expected 6"; exit 1; }
rows=$(attempts "$work/diverged.h5")
expect 1 7 diverged "the outcome of a diverged attempt"
[ "$(field 1 6)" != - ] || { echo "FAIL: the diverged attempt has no end time"; exit 1; }

rows=$(attempts)
echo "PASS: attempts $(awk '{ printf "%s(rank %s) ", $1, $3 }' <<< "$rows")recorded with their numerics"
