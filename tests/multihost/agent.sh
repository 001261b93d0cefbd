#!/bin/sh
# A stand-in for ssh that Open MPI's rsh launcher runs (`--mca plm_rsh_agent agent.sh`): it turns this one
# machine into simulated hosts. Open MPI calls it like ssh, `agent.sh HOST COMMAND...`, with the orted command
# line as words that ssh would join with spaces and hand to the login shell. The command runs in new UTS and
# mount namespaces (unshare(1) makes mounts private there), as a host of its own:
#   - its own host name: 127.0.0.2 -> dts-node-a, 127.0.0.3 -> dts-node-b (any other name is refused);
#   - its own private /tmp (a tmpfs inside the namespace; it goes away with the namespace's last process);
#   - a clean login environment (env -i with HOME, PATH, USER, LOGNAME, SHELL, LANG only): nothing of the
#     launching shell leaks through; what the ranks need comes with mpirun's -x.
# No sshd, no system file changed, no network but loopback (the namespaces share this machine's network).
#
# Test hooks, read from the environment that mpirun gives the agent (never passed on to the host):
#   DTS_MH_STATE  (required) a directory on the shared file system. The agent appends
#                 "HOSTNAME UTS-NAMESPACE PID" to DTS_MH_STATE/hosts: PID is the namespace's first process (the
#                 login shell); every process of that host, the orted that daemonizes from it included, shares
#                 its /proc/PID/ns/uts. HOME is DTS_MH_STATE/home/HOSTNAME (created), one per host, so that
#                 nothing a test runs writes to the real home directory.
#   DTS_MH_TAG    (required) names the host's /tmp mount "DTS_MH_TAG-HOSTNAME" (its source in
#                 /proc/PID/mountinfo), which tells this test's hosts from any other namespace that reuses a
#                 recorded namespace's inode number.
#   DTS_MH_SSH_ALIVE_S  (optional) act like ssh with ServerAlive checks: give up after the host has not answered
#                 for this many seconds (see below). Unset: like plain ssh, which waits for ever.
#   DTS_MH_HIDE_<HOSTNAME with - as _>  (e.g. DTS_MH_HIDE_dts_node_b) a directory over which an empty
#                 read-only tmpfs is mounted on that host only: the files under it cannot be run there.
set -eu

if [ "${1-}" != "--inside" ]; then
  # Outside: pick the host's name, then re-enter this script in new namespaces. exec keeps the pid, so the
  # process mpirun started is the namespace's first process.
  [ $# -ge 2 ] || { echo "agent.sh: usage: agent.sh HOST COMMAND..." >&2; exit 255; }
  case $1 in
    127.0.0.2) name=dts-node-a ;;
    127.0.0.3) name=dts-node-b ;;
    *) echo "agent.sh: unknown host '$1' (only 127.0.0.2 and 127.0.0.3 are simulated)" >&2; exit 255 ;;
  esac
  host=$1
  shift
  if [ -z "${DTS_MH_SSH_ALIVE_S-}" ]; then
    exec unshare --uts --mount --propagation private -- /bin/sh "$0" --inside "$name" "$@"
  fi
  # Like ssh -o ServerAliveInterval=1 -o ServerAliveCountMax=DTS_MH_SSH_ALIVE_S: this process stays outside as
  # the ssh client and gives up (exit 255) once the host has not answered for that long, i.e. while the
  # host's first process stays stopped (a frozen host; its kernel, shared here, would still answer TCP).
  unshare --uts --mount --propagation private -- /bin/sh "$0" --inside "$name" "$@" &
  child=$!
  trap 'kill -TERM "$child" 2> /dev/null; exit 255' HUP INT TERM
  silent=0
  while :; do
    state=$(cut -d' ' -f3 "/proc/$child/stat" 2> /dev/null) || break
    case $state in
      Z | '') break ;;
      T | t) silent=$((silent + 1)) ;;
      *) silent=0 ;;
    esac
    if [ "$silent" -gt "$DTS_MH_SSH_ALIVE_S" ]; then
      echo "Timeout, server $host not responding." >&2
      exit 255
    fi
    sleep 1
  done
  rc=0
  wait "$child" || rc=$?
  exit "$rc"
fi

shift
name=$1
shift
: "${DTS_MH_STATE:?agent.sh: DTS_MH_STATE is not set}"
: "${DTS_MH_TAG:?agent.sh: DTS_MH_TAG is not set}"
hostname "$name"
mount -t tmpfs -o mode=1777 "$DTS_MH_TAG-$name" /tmp
case $name in
  dts-node-a) hide=${DTS_MH_HIDE_dts_node_a-} ;;
  *) hide=${DTS_MH_HIDE_dts_node_b-} ;;
esac
if [ -n "$hide" ]; then
  mount -t tmpfs -o ro,mode=0755 "$DTS_MH_TAG-hidden-$name" "$hide"
fi
home=$DTS_MH_STATE/home/$name
mkdir -p "$home"
echo "$name $(readlink /proc/self/ns/uts) $$" >> "$DTS_MH_STATE/hosts"

user=$(id -un)
shell=$(getent passwd "$user" | cut -d: -f7)
[ -x "$shell" ] || shell=/bin/sh
# Like sshd: the login shell runs the command line, the words joined with spaces.
exec env -i HOME="$home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin USER="$user" \
  LOGNAME="$user" SHELL="$shell" LANG=C.UTF-8 "$shell" -c "$*"
