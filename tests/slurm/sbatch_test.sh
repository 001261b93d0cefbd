#!/usr/bin/env bash
# slurm/dts-submit and slurm/sweep.sbatch without a cluster: stand-ins for sbatch, scontrol and mpirun on PATH
# record what they are given (argv, one argument per line, and the DTS_* settings) and answer like Slurm and
# Open MPI would. Needs neither root nor Slurm. Usage: tests/slurm/sbatch_test.sh (from the repository root).
#   1. The exit codes sweep.sbatch names are common/exit_codes.h's.
#   2. dts-submit --dry-run creates nothing, and the commands it prints, run as printed, hand paths with spaces
#      and commas to the job intact.
#   3. dts-submit writes DIR/slurm/sweep.args and the job ids, and makes the report job depend on the sweep.
#   4. sweep.sbatch's continuation rule, one mpirun exit at a time: 0 ends the chain; 75 (with or without the
#      time-limit warning USR1) continues at once; an infrastructure failure (205: Open MPI lost a node, 1, 5,
#      137; lost ranks, 69) continues after --retry-delay; 7 (the sweep ended with failed trials) is done, so
#      the report runs; 2, 3, 4 and a TERM (scancel) end it; --max-continuations bounds it.
#   5. mpirun's command line: every rank may use the allocation's cores (--bind-to none) and trials get
#      --threads-per-rank = SLURM_CPUS_PER_TASK (and OMP_NUM_THREADS).
set -euo pipefail
root=$(pwd)
[ -x "$root/slurm/dts-submit" ] || { echo "FAIL: run from the repository root"; exit 1; }
work=$(mktemp -d "/tmp/dts sbatch test.XXXXXX")  # a space in every path below
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
checks=0
pass() { checks=$((checks + 1)); }

# --- 1. exit codes -----------------------------------------------------------------------------------------
header_code() { sed -n "s/^ *$1 = \([0-9]*\),.*/\1/p" "$root/common/exit_codes.h"; }
script_codes=$(sed -n 's/^readonly \(kExit.*\)$/\1/p' "$root/slurm/sweep.sbatch")
[ -n "$script_codes" ] || fail "no 'readonly kExit...' line in slurm/sweep.sbatch"
for assignment in $script_codes; do
  name=${assignment%%=*} value=${assignment#*=}
  expected=$(header_code "$name")
  [ -n "$expected" ] || fail "slurm/sweep.sbatch names $name, which common/exit_codes.h does not declare"
  [ "$value" = "$expected" ] || fail "slurm/sweep.sbatch: $name=$value, common/exit_codes.h: $expected"
  pass
done
# No other script spells the resume code out.
if grep -nE '\b75\b' "$root/slurm/dts-submit" "$root/slurm/report.sbatch"; then
  fail "slurm/ scripts must take 75 from sweep.sbatch's kExitResumeMe"
fi

# --- stand-ins -----------------------------------------------------------------------------------------------
stubs="$work/stub bin"
mkdir -p "$stubs" "$work/bin"
record="$work/record"
# sbatch: records its argv and settings as one numbered call, answers the next job id ("id;cluster", as
# --parsable does on a multi-cluster setup).
cat >"$stubs/sbatch" <<'STUB'
#!/usr/bin/env bash
n=$(($(cat "$STUB_RECORD/sbatch.count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$STUB_RECORD/sbatch.count"
printf '%s\n' "$@" >"$STUB_RECORD/sbatch.$n.args"
env | grep '^DTS_' | sort >"$STUB_RECORD/sbatch.$n.env"
echo "$((1000 + n));cluster"
STUB
cat >"$stubs/scontrol" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" >>"$STUB_RECORD/scontrol.args"
STUB
# mpirun: records argv and OMP_NUM_THREADS; exits $STUB_MPIRUN_RC, or (STUB_MPIRUN_RC=wait) waits for USR1
# and exits 75 like dts-sweep does after checkpointing.
cat >"$stubs/mpirun" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$STUB_RECORD/mpirun.args"
echo "${OMP_NUM_THREADS:-unset}" >"$STUB_RECORD/mpirun.omp"
if [ "$STUB_MPIRUN_RC" = wait ]; then
  trap 'exit 75' USR1
  touch "$STUB_RECORD/mpirun.started"
  for _ in $(seq 300); do sleep 0.1; done
  exit 1
fi
exit "$STUB_MPIRUN_RC"
STUB
chmod +x "$stubs"/*
for tool in dts-sweep dts-report dts-train; do printf '#!/bin/sh\nexit 0\n' >"$work/bin/$tool"; done
chmod +x "$work"/bin/*
export PATH="$stubs:$PATH" STUB_RECORD="$record"
sweep="$work/my sweep, v2.ini"
printf '[sweep]\nname = x\n' >"$sweep"
out="$work/out dir, 1"

# --- 2. --dry-run --------------------------------------------------------------------------------------------
mkdir -p "$record"
"$root/slurm/dts-submit" "$sweep" --out "$out" --cpus-per-task 2 --bin "$work/bin" --dry-run >"$work/dry.txt" ||
  fail "dts-submit --dry-run failed: $(cat "$work/dry.txt")"
[ ! -e "$out" ] || fail "--dry-run created $out"
[ ! -e "$record/sbatch.count" ] || fail "--dry-run ran sbatch"
{ grep -q "sweep.sbatch" "$work/dry.txt" && grep -q "report.sbatch" "$work/dry.txt"; } ||
  fail "--dry-run does not print both sbatch commands: $(cat "$work/dry.txt")"
pass
# The printed sweep command, run as printed (by the stand-in sbatch): the settings arrive intact.
printed=$(grep -E '^env .*sweep\.sbatch $' "$work/dry.txt") || fail "no sweep command in: $(cat "$work/dry.txt")"
eval "$printed" >/dev/null
grep -qxF "DTS_CONFIG=$sweep" "$record/sbatch.1.env" || fail "DTS_CONFIG mangled: $(cat "$record/sbatch.1.env")"
grep -qxF "DTS_OUT=$out" "$record/sbatch.1.env" || fail "DTS_OUT mangled: $(cat "$record/sbatch.1.env")"
grep -qxF -- "--output=$out/slurm/sweep-%j.log" "$record/sbatch.1.args" || fail "--output mangled"
grep -qxF -- "--cpus-per-task=2" "$record/sbatch.1.args" || fail "no --cpus-per-task=2"
[ "$(tail -1 "$record/sbatch.1.args")" = "$root/slurm/sweep.sbatch" ] || fail "the sweep job is not slurm/sweep.sbatch"
pass
rm -rf "$record"

# --- 3. submission -------------------------------------------------------------------------------------------
mkdir -p "$record"
"$root/slurm/dts-submit" "$sweep" --out "$out" --cpus-per-task 2 --retry-delay 7 --bin "$work/bin" >"$work/submit.txt" ||
  fail "dts-submit failed: $(cat "$work/submit.txt")"
[ "$(cat "$out/slurm/sweep_job_id")" = 1001 ] || fail "sweep_job_id: $(cat "$out/slurm/sweep_job_id")"
[ "$(cat "$out/slurm/report_job_id")" = 1002 ] || fail "report_job_id: $(cat "$out/slurm/report_job_id")"
grep -qxF -- "--dependency=afterok:1001" "$record/sbatch.2.args" || fail "the report job does not depend on the sweep"
[ "$(tail -1 "$record/sbatch.2.args")" = "$root/slurm/report.sbatch" ] || fail "the report job is not report.sbatch"
diff <(sed '$d' "$record/sbatch.1.args" | grep -vE '^--(parsable|export=ALL)$') "$out/slurm/sweep.args" >/dev/null ||
  fail "DIR/slurm/sweep.args is not the sweep job's options: $(cat "$out/slurm/sweep.args")"
grep -qxF "DTS_RETRY_DELAY=7" "$record/sbatch.1.env" || fail "--retry-delay not passed"
pass
rm -rf "$record"

# --- 4. and 5. sweep.sbatch ------------------------------------------------------------------------------------
# run_job RC [SIGNAL] [VAR=VALUE...]: runs sweep.sbatch as Slurm would (its settings as dts-submit exports
# them), mpirun exiting RC (or, with SIGNAL, waiting for the signal sweep.sbatch forwards). Sets job_rc and
# job_log.
run_job() {
  local rc=$1 signal=${2:-}
  shift 2 || shift $#
  rm -rf "$record" && mkdir -p "$record"
  echo 555 >"$out/slurm/report_job_id"
  echo 777 >"$out/slurm/sweep_job_id"
  job_log="$record/job.log"
  env DTS_CONFIG="$sweep" DTS_OUT="$out" DTS_BIN="$work/bin" DTS_SLURM_DIR="$root/slurm" DTS_CONTINUATION=0 \
    DTS_MAX_CONTINUATIONS=3 DTS_RETRY_DELAY=7 DTS_OVERSUBSCRIBE=0 SLURM_JOB_ID=777 SLURM_NTASKS=3 \
    SLURM_CPUS_PER_TASK=2 STUB_MPIRUN_RC="$([ -n "$signal" ] && echo wait || echo "$rc")" "$@" \
    "$root/slurm/sweep.sbatch" >"$job_log" 2>&1 &
  local pid=$!
  if [ -n "$signal" ]; then
    for _ in $(seq 100); do [ -e "$record/mpirun.started" ] && break; sleep 0.05; done
    kill "-$signal" "$pid"
  fi
  job_rc=0
  wait "$pid" || job_rc=$?
}
continued() {  # $1: expected --begin option ("" for none)
  [ "$job_rc" -eq 0 ] || fail "$case: the job exited $job_rc, not 0: $(cat "$job_log")"
  [ "$(cat "$record/sbatch.count" 2>/dev/null)" = 1 ] || fail "$case: no continuation submitted: $(cat "$job_log")"
  grep -qxF "DTS_CONTINUATION=1" "$record/sbatch.1.env" || fail "$case: continuation number not 1"
  [ "$(tail -1 "$record/sbatch.1.args")" = "$root/slurm/sweep.sbatch" ] || fail "$case: not sweep.sbatch resubmitted"
  # The same allocation as the first job (sweep.args), and --begin only after a failure.
  diff <(grep -vE '^--(parsable|export=ALL|begin=.*)$' "$record/sbatch.1.args" | sed '$d') "$out/slurm/sweep.args" \
    >/dev/null || fail "$case: the continuation asks for another allocation: $(cat "$record/sbatch.1.args")"
  if [ -n "$1" ]; then
    grep -qxF -- "$1" "$record/sbatch.1.args" || fail "$case: no $1 in the continuation's options"
  else
    ! grep -q -- '^--begin' "$record/sbatch.1.args" || fail "$case: a time-limit continuation must not wait"
  fi
  [ "$(cat "$out/slurm/sweep_job_id")" = 1001 ] || fail "$case: sweep_job_id not updated"
  grep -qxF "Dependency=afterok:1001" "$record/scontrol.args" || fail "$case: the report job's dependency not moved"
  grep -q "continued as job 1001" "$job_log" || fail "$case: no 'continued as job' in the log"
  pass
}
ended() {  # $1: expected exit status of the job
  [ "$job_rc" -eq "$1" ] || fail "$case: the job exited $job_rc, not $1: $(cat "$job_log")"
  [ ! -e "$record/sbatch.count" ] || fail "$case: a continuation was submitted: $(cat "$job_log")"
  [ ! -e "$record/scontrol.args" ] || fail "$case: scontrol was called"
  [ "$(cat "$out/slurm/sweep_job_id")" = 777 ] || fail "$case: sweep_job_id changed"
  pass
}

case="mpirun exits 0"; run_job 0; ended 0
grep -q "the sweep is complete" "$job_log" || fail "$case: $(cat "$job_log")"
# 5. The command line of mpirun: one argument per line, the paths with their spaces.
expected_mpirun=$(printf '%s\n' --bind-to none --report-bindings -np 3 "$work/bin/dts-sweep" --config "$sweep" \
  --out "$out" --threads-per-rank 2)
# A root test machine adds --allow-run-as-root; it changes nothing else.
[ "$(grep -vx -- --allow-run-as-root "$record/mpirun.args")" = "$expected_mpirun" ] ||
  fail "mpirun's command line: $(cat "$record/mpirun.args")"
[ "$(cat "$record/mpirun.omp")" = 2 ] || fail "OMP_NUM_THREADS=$(cat "$record/mpirun.omp"), not SLURM_CPUS_PER_TASK=2"
run_job 0 "" DTS_OVERSUBSCRIBE=1
grep -qx -- --oversubscribe "$record/mpirun.args" || fail "DTS_OVERSUBSCRIBE=1 does not pass --oversubscribe"
pass

for rc in 205 69 1 5 137; do
  case="mpirun exits $rc (infrastructure)"; run_job "$rc"; continued "--begin=now+7"
  grep -qE "(infrastructure failure|ranks were lost) \(exit $rc" "$job_log" ||
    fail "$case: the log does not say why: $(cat "$job_log")"
done
grep -q "Open MPI lost contact" <(case=205; run_job 205; cat "$job_log") || fail "205 is not explained in the log"
case="205 with --retry-delay 0"; run_job 205 "" DTS_RETRY_DELAY=0; continued ""
case="dts-sweep exits 75 (no signal)"; run_job 75; continued ""
case="USR1 (time limit near)"; run_job 0 USR1; continued ""
grep -q "signal received, checkpointing" "$job_log" || fail "$case: $(cat "$job_log")"
grep -q "time limit near" "$job_log" || fail "$case: $(cat "$job_log")"
case="TERM (scancel)"; run_job 0 TERM; ended 75
grep -q "TERM received" "$job_log" || fail "$case: $(cat "$job_log")"
for rc in 2 3 4; do
  case="mpirun exits $rc (usage, configuration or input)"; run_job "$rc"; ended "$rc"
  grep -q "fix it and submit again" "$job_log" || fail "$case: $(cat "$job_log")"
done
case="mpirun exits 7 (sweep ended, some trials failed)"; run_job 7; ended 0
grep -q "some trials failed" "$job_log" || fail "$case: $(cat "$job_log")"
case="205 at the last continuation"; run_job 205 "" DTS_CONTINUATION=3; ended 205
grep -q "giving up after 3 continuations" "$job_log" || fail "$case: $(cat "$job_log")"
case="75 at the last continuation"; run_job 75 "" DTS_CONTINUATION=3; ended 75
case="no settings"; run_job 0 "" DTS_CONFIG=; ended 2
[ ! -e "$record/mpirun.args" ] || fail "$case: mpirun ran without DTS_CONFIG"
echo "PASS: $checks checks of dts-submit and sweep.sbatch (stand-in sbatch, scontrol and mpirun)"
