#!/usr/bin/env bash
# Starts (or stops) a real one-node Slurm cluster on localhost for the Slurm integration test:
# munged, slurmctld and slurmd with a generated slurm.conf on unprivileged ports, all state under one
# directory. `start DIR` prints the export line for SLURM_CONF; `stop DIR` kills exactly the pids it started.
set -euo pipefail
action=${1:?usage: local_cluster.sh start|stop DIR}
dir=${2:?usage: local_cluster.sh start|stop DIR}

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

if [ "$action" = stop ]; then stop; exit 0; fi
[ "$action" = start ] || { echo "local_cluster.sh: unknown action '$action'" >&2; exit 2; }
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
# 8 CPUs declared on any machine (config_overrides): the tests run 3-4 MPI ranks on 2 real cores, the way
# mpirun --oversubscribe does outside Slurm.
node_line="NodeName=$node_name CPUs=8 RealMemory=$memory"
# Ports: chosen from the pid so that two clusters (or a stale one) on one machine do not collide.
base_port=$((20000 + ($$ % 20000)))
cat > "$dir/slurm.conf" <<CONF
ClusterName=dtstest
SlurmctldHost=$node_name(127.0.0.1)
SlurmctldPort=$base_port
SlurmdPort=$((base_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
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
$node_line State=UNKNOWN
PartitionName=debug Nodes=$node_name Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$node_name"
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "local_cluster.sh: the node did not become idle; see $dir/log" >&2
sinfo >&2 || true
stop
exit 1
