# shellcheck shell=bash
# Two simulated hosts on this one machine for real `mpirun` sweeps (issue 23). Sourced by the case scripts:
#
#   . tests/multihost/lib.sh
#   mh_init "$@"      # MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
#
# Open MPI's rsh launcher starts its daemons through agent.sh instead of ssh, on the hosts 127.0.0.2
# (dts-node-a) and 127.0.0.3 (dts-node-b) of a hostfile: each host has its own host name, its own /tmp and a
# clean login environment (see agent.sh). The test's files live under one mktemp -d on the shared file
# system (/var/tmp, not /tmp, which is private per host): $MH_T. A host's processes are found by their UTS
# namespace (and their /tmp mount, named after this test), never by name, and are signalled by pid only. The
# EXIT trap kills every process of both hosts and every mpirun this test started, then removes $MH_T.
#
# Exit codes: 0 pass, 1 fail, 77 skip (only where unshare(1) is refused: not root, no namespaces).

set -eu
set -o pipefail

MH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # used by the case scripts
MH_REPO=$(cd "$MH_SRC/../.." && pwd)
MH_T=
MH_PIDS=()          # mpirun processes started and not yet waited for
MH_DIRS=()          # more directories for the cleanup to remove (outside $MH_T)
MH_PID=             # the last one started
MH_RC=              # exit code from mh_wait
MH_START_S=$SECONDS

mh_log() { echo "[$(date +%H:%M:%S) +$((SECONDS - MH_START_S))s] $*"; }
mh_fail() {
  echo "FAIL: $*"
  exit 1
}

# Kills every process of both hosts and every mpirun still running; removes $MH_T.
mh_cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  set +e
  for p in "${MH_PIDS[@]+"${MH_PIDS[@]}"}"; do kill -KILL "$p" 2> /dev/null; done
  for p in "${MH_PIDS[@]+"${MH_PIDS[@]}"}"; do wait "$p" 2> /dev/null; done
  if [ -n "$MH_T" ] && [ -d "$MH_T" ]; then
    mh_kill_host dts-node-a > /dev/null 2>&1
    mh_kill_host dts-node-b > /dev/null 2>&1
    if [ -n "$(mh_host_pids dts-node-a; mh_host_pids dts-node-b)" ]; then
      echo "cleanup: processes of the simulated hosts survive; leaving $MH_T"
    elif [ -n "${DTS_MH_KEEP-}" ]; then
      echo "cleanup: DTS_MH_KEEP is set: keeping $MH_T"
    else
      rm -rf "$MH_T" "${MH_DIRS[@]+"${MH_DIRS[@]}"}"
    fi
  fi
  mh_log "exit $rc"
  exit "$rc"
}

# mh_init MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
mh_init() {
  [ $# -eq 6 ] || mh_fail "usage: $0 MPIEXEC \"PREFLAGS\" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT"
  MH_MPIEXEC=$1
  MH_PREFLAGS=$2
  MH_SWEEP=$3
  MH_TRIAL=$4
  MH_TRAIN=$5
  MH_INSPECT=$6
  local f
  for f in "$MH_MPIEXEC" "$MH_SWEEP" "$MH_TRIAL" "$MH_TRAIN" "$MH_INSPECT"; do
    [ -x "$f" ] || mh_fail "$f is not an executable"
  done
  # Absolute: the cases run mpirun from other directories.
  MH_SWEEP=$(readlink -f "$MH_SWEEP")
  MH_TRIAL=$(readlink -f "$MH_TRIAL")
  MH_TRAIN=$(readlink -f "$MH_TRAIN")
  MH_INSPECT=$(readlink -f "$MH_INSPECT")
  for f in unshare hostname mount h5dump readlink find grep awk; do
    command -v "$f" > /dev/null || mh_fail "$f is missing"
  done
  # The one reason to skip: this machine cannot make the hosts' namespaces.
  local why
  if ! why=$(unshare --uts --mount --propagation private -- \
    sh -c 'hostname dts-mh-probe && mount -t tmpfs dts-mh-probe /tmp' 2>&1); then
    echo "SKIP: unshare --uts --mount is refused here (needs root or user namespaces): ${why//$'\n'/ }"
    exit 77
  fi
  MH_T=$(mktemp -d "${DTS_MH_TMPDIR:-/var/tmp}/dts-multihost.XXXXXX")
  trap mh_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  export DTS_MH_STATE=$MH_T/state
  export DTS_MH_TAG=dtsmh-${MH_T##*.}
  mkdir -p "$DTS_MH_STATE"
  : > "$DTS_MH_STATE/hosts"
  MH_MPI=("$MH_MPIEXEC")
  # shellcheck disable=SC2206  # PREFLAGS is a list of words, as CMake passes it
  MH_MPI+=($MH_PREFLAGS)
  MH_MPI+=(--mca plm_rsh_agent "$MH_SRC/agent.sh" --mca plm_rsh_no_tree_spawn 1
    --mca btl "tcp,self" --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
  mh_log "temp dir $MH_T (tag $DTS_MH_TAG)"
}

# mh_hostfile FILE SLOTS_A SLOTS_B [ab|ba]: a hostfile; its first host gets rank 0 (the coordinator).
mh_hostfile() {
  local a="127.0.0.2 slots=$2" b="127.0.0.3 slots=$3"
  if [ "${4:-ab}" = ab ]; then printf '%s\n%s\n' "$a" "$b" > "$1"; else printf '%s\n%s\n' "$b" "$a" > "$1"; fi
}

# mh_start NAME HOSTFILE NP MPIRUN-ARGS-AND-COMMAND...: mpirun across the simulated hosts, in the background,
# stdout to $MH_T/NAME.out and stderr to $MH_T/NAME.err; sets MH_PID.
mh_start() {
  local name=$1 hostfile=$2 np=$3
  shift 3
  "${MH_MPI[@]}" --hostfile "$hostfile" -np "$np" "$@" > "$MH_T/$name.out" 2> "$MH_T/$name.err" &
  MH_PID=$!
  MH_PIDS+=("$MH_PID")
  mh_log "started $name: mpirun pid $MH_PID, $np ranks over $(tr '\n' ' ' < "$hostfile")"
}

# mh_alive PID: whether PID runs (a zombie does not).
mh_alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2> /dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# mh_wait PID TIMEOUT_S: waits for a process started by mh_start; sets MH_RC. Returns 1 if it still runs
# after TIMEOUT_S (it is left running).
mh_wait() {
  local pid=$1 deadline=$((SECONDS + $2)) p rest=()
  while mh_alive "$pid"; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
  MH_RC=0
  wait "$pid" || MH_RC=$?
  for p in "${MH_PIDS[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
  MH_PIDS=("${rest[@]+"${rest[@]}"}")
  return 0
}

# mh_run NAME HOSTFILE NP TIMEOUT_S ARGS...: mh_start, then mh_wait; fails the test on a timeout.
mh_run() {
  local name=$1 hostfile=$2 np=$3 timeout=$4
  shift 4
  mh_start "$name" "$hostfile" "$np" "$@"
  if ! mh_wait "$MH_PID" "$timeout"; then
    mh_show "$name"
    mh_fail "$name did not end within ${timeout}s"
  fi
  mh_log "$name: exit $MH_RC"
}

# mh_show NAME [LINES]: the last lines of a run's stderr.
mh_show() {
  echo "--- last ${2:-15} lines of $1's stderr:"
  tail -n "${2:-15}" "$MH_T/$1.err" || true
  echo "---"
}

# mh_executions DIR: trainings finished (lines of DIR/synthetic-executions.log).
mh_executions() {
  if [ -f "$1/synthetic-executions.log" ]; then wc -l < "$1/synthetic-executions.log"; else echo 0; fi
}

# mh_wait_executions DIR N TIMEOUT_S: waits until N trainings have finished while $MH_PID runs.
mh_wait_executions() {
  local deadline=$((SECONDS + $3))
  while [ "$(mh_executions "$1")" -lt "$2" ]; do
    mh_alive "$MH_PID" || mh_fail "the sweep ended before $2 executions"
    [ $SECONDS -lt "$deadline" ] || mh_fail "fewer than $2 executions after ${3}s"
    sleep 0.05
  done
}

# mh_host_pids HOST: the pids of HOST's processes (dts-node-a or dts-node-b), from every run of this test.
mh_host_pids() {
  local host=$1 nslist matches=()
  nslist=$(awk -v h="$host" '$1 == h { print $2 }' "$DTS_MH_STATE/hosts" | sort -u)
  [ -n "$nslist" ] || return 0
  local pid ns
  while read -r pid ns; do
    case $'\n'"$nslist"$'\n' in *$'\n'"$ns"$'\n'*) matches+=("/proc/$pid/mountinfo") ;; esac
  done < <(find /proc/[0-9]*/ns/uts -maxdepth 0 -printf '%p %l\n' 2> /dev/null | sed 's|^/proc/\([0-9]*\)/ns/uts |\1 |')
  [ ${#matches[@]} -gt 0 ] || return 0
  # A namespace's inode number is reused once it is gone: the /tmp mount named after this test decides.
  grep -l -F " $DTS_MH_TAG-$host " "${matches[@]}" 2> /dev/null | sed 's|^/proc/\([0-9]*\)/mountinfo$|\1|' || true
}

# mh_signal_host HOST SIGNAL: sends SIGNAL to every process of HOST, by pid; repeated until none is left
# unsignalled (a worker may start a trial meanwhile). KILL: until every process is gone; STOP: until every
# process is stopped. Prints the pids.
mh_signal_host() {
  local host=$1 sig=$2 deadline=$((SECONDS + 20)) pids p all=() pending
  while :; do
    pids=$(mh_host_pids "$host")
    pending=()
    for p in $pids; do
      case $sig in
        STOP) [ "$(awk '{ print $3 }' "/proc/$p/stat" 2> /dev/null)" = T ] && continue ;;
        CONT) [[ " ${all[*]-} " = *" $p "* ]] && continue ;;
        *) ;;
      esac
      pending+=("$p")
    done
    [ ${#pending[@]} -gt 0 ] || break
    kill "-$sig" "${pending[@]}" 2> /dev/null || true
    all+=("${pending[@]}")
    [ $SECONDS -lt "$deadline" ] || mh_fail "could not $sig every process of $host within 20s"
    sleep 0.05
  done
  echo "${all[*]-}"
}

mh_kill_host() { mh_signal_host "$1" KILL; }

# mh_wait_hosts_gone TIMEOUT_S: waits until no process of either host is left (orphaned trials checkpoint and
# exit after their rank died).
mh_wait_hosts_gone() {
  local deadline=$((SECONDS + $1))
  while [ -n "$(mh_host_pids dts-node-a; mh_host_pids dts-node-b)" ]; do
    [ $SECONDS -lt "$deadline" ] || mh_fail "processes of the simulated hosts still run after ${1}s"
    sleep 0.1
  done
}

# mh_host_runs HOST EXECUTABLE: whether a process of HOST runs EXECUTABLE (a trial on that host).
mh_host_runs() {
  local p exe
  exe=$(readlink -f "$2")
  for p in $(mh_host_pids "$1"); do
    [ "$(readlink "/proc/$p/exe" 2> /dev/null)" = "$exe" ] && return 0
  done
  return 1
}

# mh_wait_host_runs HOST EXECUTABLE TIMEOUT_S
mh_wait_host_runs() {
  local deadline=$((SECONDS + $3))
  until mh_host_runs "$1" "$2"; do
    mh_alive "$MH_PID" || mh_fail "the sweep ended before $1 ran $2"
    [ $SECONDS -lt "$deadline" ] || mh_fail "$1 did not run $2 within ${3}s"
    sleep 0.05
  done
}

# mh_sweep_ini DEST SRC [KEY=VALUE...]: copies a sweep file, adding [sweep] settings; a KEY that this
# dts-sweep does not declare (dts-sweep --config-reference) is left out with a note, so that the case runs
# against code without it. The base file goes beside it when it is a relative name.
mh_sweep_ini() {
  local dest=$1 src=$2 kv key added=""
  shift 2
  local reference
  reference=$("$MH_SWEEP" --config-reference)
  for kv in "$@"; do
    key=${kv%%=*}
    if grep -q "\`sweep\.$key\`" <<< "$reference"; then
      added+="$key = ${kv#*=}"$'\n'
    else
      mh_log "note: this dts-sweep has no sweep.$key: left out"
    fi
  done
  awk -v add="$added" '{ print } /^\[sweep\]/ { printf "%s", add }' "$src" > "$dest"
  local base
  base=$(awk -F' *= *' '/^\[/ { s = $0 } s == "[sweep]" && $1 == "base" { print $2 }' "$src")
  if [ -n "$base" ] && [ "${base#/}" = "$base" ]; then cp "$(dirname "$src")/$base" "$(dirname "$dest")/$base"; fi
}

# mh_demo_sweep DEST [SETTING...]: the demo sweep (configs/demo-sweep.ini), shortened for these cases: its base
# by absolute path, 1 ablation seed (the search and final stages as they are: fewer epochs give F1 0 on the
# sample corpus), a progress line per event; each SETTING ("key = value") is added to [sweep].
mh_demo_sweep() {
  local dest=$1 added=""
  shift
  for setting in "$@"; do added+="$setting"$'\n'; done
  # [base] data.path is relative to the sweep file, which moves: anchor it at the repository.
  sed -e "s|^base = demo.ini|base = $MH_REPO/configs/demo.ini|" -e "s|^data.path = \.\./|data.path = $MH_REPO/|" \
    -e 's/^ablation_seeds = .*/ablation_seeds = 1/' \
    -e 's/^progress_every_s = .*/progress_every_s = 0/' "$MH_REPO/configs/demo-sweep.ini" |
    awk -v add="$added" '{ print } /^\[sweep\]/ { printf "%s", add }' > "$dest"
  grep -q "^base = $MH_REPO/configs/demo.ini" "$dest" || mh_fail "configs/demo-sweep.ini changed: no 'base = demo.ini'"
}

# mh_has_key KEY: whether this dts-sweep declares sweep.KEY.
mh_has_key() { "$MH_SWEEP" --config-reference | grep -q "\`sweep\.$1\`"; }

# mh_planned NAME: the planned trial count of a run's --json output (its last "sweep" event), or nothing.
mh_planned() {
  grep '"event":"sweep"' "$MH_T/$1.out" 2> /dev/null | tail -n 1 | sed -n 's/.*"planned":\([0-9]*\).*/\1/p'
}

# mh_check_once DIR TOTAL: every one of TOTAL trials finished training exactly once (synthetic trials).
mh_check_once() {
  local executed unique
  executed=$(mh_executions "$1")
  unique=$(cut -d' ' -f1 "$1/synthetic-executions.log" | sort -u | wc -l)
  mh_log "trials planned $2, completed $unique, trainings finished $executed"
  [ "$unique" -eq "$2" ] || mh_fail "$unique distinct trials completed, $2 planned"
  [ "$executed" -eq "$unique" ] || mh_fail "$executed trainings for $unique trials: some trial ran twice"
}

# mh_trial_attr FILE ATTR: a string attribute of a trial file's root group (e.g. host, status).
mh_trial_attr() {
  h5dump -a "$2" "$1" 2> /dev/null | sed -n 's/^ *(0): "\(.*\)"$/\1/p' | head -n 1
}

# mh_trial_hosts DIR: "COUNT HOST" for the hosts recorded in DIR's trial files.
mh_trial_hosts() {
  local f
  for f in "$1"/trials/*.h5; do mh_trial_attr "$f" host; done | sort | uniq -c
}

# mh_results DIR: one line per trial file, sorted: "ID status=... best_epoch=... /metrics/dev/...=V ...
# epoch1.train_loss=V ...": every score (dev and test) and every epoch's losses and dev scores, at full
# precision (-m %.17g); wall-clock fields (seconds, sentences_per_second) and host/time attributes left out.
mh_results() {
  local f
  for f in "$1"/trials/*.h5; do
    [ -e "$f" ] || continue
    printf '%s status=%s %s %s\n' "$(basename "$f" .h5)" "$(mh_trial_attr "$f" status)" \
      "$(h5dump -A -m %.17g -g /metrics "$f" | awk '
        / GROUP "/ { g = $2; gsub(/"/, "", g) }
        /ATTRIBUTE "/ { a = $2; gsub(/"/, "", a) }
        /^ *\(0\):/ { printf "%s.%s=%s ", g, a, $2 }')" \
      "$(h5dump -m %.17g -d /epochs "$f" | awk '
        /H5T_/ && /"[a-z0-9_]+";/ { n++; name[n] = $NF; gsub(/[";]/, "", name[n]) }
        /^ *\([0-9]+\): \{/ { row = $1; gsub(/[(): ]/, "", row); k = 0; next }
        row != "" && /^ *-?[0-9.e+-]+,?$|^ *-?nan,?$|^ *-?inf,?$/ {
          k++; v = $1; gsub(/,/, "", v)
          if (name[k] != "seconds" && name[k] != "sentences_per_second") printf "e%s.%s=%s ", row, name[k], v
        }')"
  done | sort
}

# mh_diff_results NAME_A DIR_A NAME_B DIR_B: compares mh_results of two sweeps; prints the trials that
# differ (with the first differing values) and returns 1 if any does.
mh_diff_results() {
  mh_results "$2" > "$MH_T/results-$1"
  mh_results "$4" > "$MH_T/results-$3"
  local n
  n=$(wc -l < "$MH_T/results-$1")
  [ "$n" -gt 0 ] || mh_fail "no trial files in $2"
  if cmp -s "$MH_T/results-$1" "$MH_T/results-$3"; then
    mh_log "results of $1 and $3 identical: $n trial files, every score and epoch loss at full precision"
    return 0
  fi
  echo "results differ between $1 ($2) and $3 ($4):"
  awk 'NR == FNR { a[$1] = $0; next }
       { b = $0; id = $1
         if (!(id in a)) { print "  " id ": only in the second"; next }
         if (a[id] == b) { same++; delete a[id]; next }
         split(a[id], x, " "); split(b, y, " "); shown = 0; diff = 0
         for (i = 2; i in x || i in y; i++) if (x[i] != y[i]) {
           diff++; if (shown < 2) { printf "  %s: %s vs %s\n", id, x[i], y[i]; shown++ } }
         printf "  %s: %d values differ\n", id, diff; delete a[id] }
       END { for (id in a) print "  " id ": only in the first"; printf "  %d trials identical\n", same }' \
    "$MH_T/results-$1" "$MH_T/results-$3"
  return 1
}
