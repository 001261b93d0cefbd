#!/usr/bin/env bash
# Starts (or stops) a real Slurm cluster on localhost for the Slurm integration tests: munged, slurmctld and
# slurmd with a generated slurm.conf on unprivileged ports, all state under one directory.
#   local_cluster.sh start DIR [--nodes 2]   prints the export line for SLURM_CONF once every node is idle
#   local_cluster.sh stop DIR                kills exactly the processes it started (by their recorded pids)
#   local_cluster.sh pids DIR NODE           (two nodes) the pids of every process of NODE
#   local_cluster.sh crash DIR NODE          (two nodes) SIGKILL to every process of NODE: a node crash
#   local_cluster.sh kill-jobs DIR NODE      (two nodes) SIGKILL to every process of NODE but its slurmd: the
#                                            node's jobs die (Open MPI loses its daemon there), the node lives
# One node (the default): this machine's own name. Two nodes: n1 and n2, two slurmd on 127.0.0.2 and
# 127.0.0.3, each in its own UTS namespace (its own host name, so that dts sees two hosts) kept alive by an
# "anchor" process (`sleep infinity`, pid in DIR/anchor-NODE.pid) whose namespace holds slurmd and everything
# it starts: slurmstepd, the batch shell, Open MPI's orted, the ranks and their trials. A node's processes are
# found by that namespace, never by name.
set -euo pipefail
usage="usage: local_cluster.sh start DIR [--nodes 1|2] | stop DIR | pids DIR NODE | crash|kill-jobs DIR NODE"
action=${1:?$usage}
dir=${2:?$usage}

# anchor_ns NODE: the UTS namespace of NODE's anchor; fails when the anchor is gone, is not our sleep (a
# recycled pid), or shares this machine's namespace (then every process would match).
anchor_ns() {
  local anchor ns
  anchor=$(cat "$dir/anchor-$1.pid" 2>/dev/null) || return 1
  ns=$(readlink "/proc/$anchor/ns/uts" 2>/dev/null) || return 1
  [ "$ns" != "$(readlink /proc/$$/ns/uts)" ] || return 1
  tr '\0' ' ' <"/proc/$anchor/cmdline" 2>/dev/null | grep -q '^sleep infinity' || return 1
  echo "$ns"
}

# node_pids NODE [KEEP_PID]: every process in NODE's UTS namespace but its anchor (and KEEP_PID).
node_pids() {
  local ns anchor link pid
  ns=$(anchor_ns "$1") || return 0
  anchor=$(cat "$dir/anchor-$1.pid")
  for link in /proc/[0-9]*/ns/uts; do
    pid=${link#/proc/}
    pid=${pid%%/*}
    if [ "$pid" = "$anchor" ] || [ "$pid" = "${2:-}" ]; then continue; fi
    [ "$(readlink "$link" 2>/dev/null)" != "$ns" ] || echo "$pid"
  done
}

# crash_node NODE [KEEP_PID]: SIGKILL to every process of NODE (but KEEP_PID), repeated until none is left (a
# dying process may have started another meanwhile). Prints the pids.
crash_node() {
  local pids all=() deadline=$((SECONDS + 20))
  while pids=$(node_pids "$1" "${2:-}") && [ -n "$pids" ]; do
    # shellcheck disable=SC2086  # a list of pids
    kill -KILL $pids 2>/dev/null || true
    # shellcheck disable=SC2206
    all+=($pids)
    [ $SECONDS -lt $deadline ] || { echo "local_cluster.sh: processes of $1 survive SIGKILL: $pids" >&2; return 1; }
    sleep 0.05
  done
  echo "${all[*]-}"
}

stop_pid_file() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

stop() {
  local f node
  for f in "$dir"/slurmd*.pid; do stop_pid_file "$f"; done
  # Two nodes: what slurmd left behind in a node's namespace (slurmstepd, job processes), then its anchor.
  for f in "$dir"/anchor-*.pid; do
    [ -f "$f" ] || continue
    node=${f##*/anchor-}
    node=${node%.pid}
    crash_node "$node" >/dev/null || true
    if anchor_ns "$node" >/dev/null; then kill -9 "$(cat "$f")" 2>/dev/null || true; fi
    rm -f "$f"
  done
  for f in slurmctld munged; do stop_pid_file "$dir/$f.pid"; done
}

case "$action" in
  stop) stop; exit 0 ;;
  pids) node_pids "${3:?$usage}"; exit 0 ;;
  crash) crash_node "${3:?$usage}"; exit ;;
  kill-jobs)
    slurmd_pid=$(cat "$dir/slurmd-${3:?$usage}.pid") || { echo "local_cluster.sh: no slurmd pid of $3" >&2; exit 1; }
    crash_node "$3" "$slurmd_pid"
    exit
    ;;
  start) ;;
  *) echo "local_cluster.sh: unknown action '$action' ($usage)" >&2; exit 2 ;;
esac
nodes=1
if [ $# -ge 3 ]; then
  if [ "$3" != --nodes ] || [ $# -ne 4 ]; then echo "$usage" >&2; exit 2; fi
  nodes=$4
fi
case "$nodes" in 1 | 2) ;; *) echo "local_cluster.sh: --nodes 1 or 2, not '$nodes'" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "local_cluster.sh: needs root (slurmd runs jobs as their user)" >&2; exit 2; }

mkdir -p "$dir"/{munge,spool/ctld,spool/d,log}
chmod 700 "$dir/munge"
# munged refuses keys and sockets with loose permissions; a private key per test cluster.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
chmod 400 "$dir/munge/munge.key"
munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" --force

node_name=$(slurmd -C | head -1 | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
memory=$(slurmd -C | head -1 | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
# Ports: chosen from the pid so that two clusters (or a stale one) on one machine do not collide.
base_port=$((20000 + ($$ % 20000)))
if [ "$nodes" -eq 1 ]; then
  # 8 CPUs declared on any machine (config_overrides): the tests run 3-4 MPI ranks on 2 real cores, the way
  # mpirun --oversubscribe does outside Slurm.
  node_lines="NodeName=$node_name CPUs=8 RealMemory=$memory State=UNKNOWN"
  partition_nodes=$node_name
  node_files="SlurmdSpoolDir=$dir/spool/d
SlurmdPidFile=$dir/slurmd.pid
SlurmdLogFile=$dir/log/slurmd.log"
  extra=""
else
  # n1 and n2: each its own address on the loopback range, its own port, half the memory, 4 CPUs declared.
  # (SlurmctldHost must be this machine's real name: a made-up one is "not a valid controller".) The
  # schedulers run every 2 s instead of 30-60 s, and a requeued job may start again after 10 s instead of
  # 120 (cred_expire), so that a node failure and its requeue fit in a test.
  node_lines="NodeName=n1 NodeAddr=127.0.0.2 NodeHostname=n1 Port=$((base_port + 2)) CPUs=4 RealMemory=$((memory / 2)) State=UNKNOWN
NodeName=n2 NodeAddr=127.0.0.3 NodeHostname=n2 Port=$((base_port + 3)) CPUs=4 RealMemory=$((memory / 2)) State=UNKNOWN"
  partition_nodes=n1,n2
  mkdir -p "$dir/spool/n1" "$dir/spool/n2"
  node_files="SlurmdSpoolDir=$dir/spool/%n
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmdLogFile=$dir/log/slurmd-%n.log"
  extra=",cred_expire=10
SchedulerParameters=sched_interval=2,bf_interval=2"
fi
cat > "$dir/slurm.conf" <<CONF
ClusterName=dtstest
SlurmctldHost=$node_name(127.0.0.1)
SlurmctldPort=$base_port
SlurmdPort=$((base_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket$extra
CredType=cred/munge
StateSaveLocation=$dir/spool/ctld
$node_files
SlurmctldPidFile=$dir/slurmctld.pid
SlurmctldLogFile=$dir/log/slurmctld.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobRequeue=1
SlurmdParameters=config_overrides
KillWait=30
MinJobAge=3600
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
$node_lines
PartitionName=debug Nodes=$partition_nodes Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
if [ "$nodes" -eq 1 ]; then
  slurmd -f "$SLURM_CONF" -N "$node_name"
else
  for node in n1 n2; do
    # unshare without --fork: $! is the shell, in the new namespace, which names the host, starts slurmd
    # (it daemonizes) and becomes the anchor.
    # shellcheck disable=SC2016  # expanded by that shell
    unshare --uts sh -c 'hostname "$1" && slurmd -f "$2" -N "$1" && exec sleep infinity' sh "$node" "$SLURM_CONF" \
      >"$dir/log/anchor-$node.log" 2>&1 &
    echo $! >"$dir/anchor-$node.pid"
  done
fi
for _ in $(seq 100); do
  if [ "$(sinfo -h -N -o '%T' 2>/dev/null | grep -cE '^(idle|mixed|allocated)')" -eq "$nodes" ]; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "local_cluster.sh: the nodes did not become idle; see $dir/log" >&2
sinfo >&2 || true
stop
exit 1
