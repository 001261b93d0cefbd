#!/bin/bash
# Multi-host case 7 (issue 23): a relative `--out`.
#  a. mpirun started in a directory of the shared file system: the sweep completes, and every trial file is
#     in ONE directory, LAUNCH_DIR/rel/out.
#  b. mpirun started in a directory that only the launching machine sees (its /tmp): no host can follow it
#     there (Open MPI then starts the ranks in their home directories, silently). The sweep must either put
#     every trial file in LAUNCH_DIR/rel/out or refuse, non-zero, naming the directory; never spread the sweep
#     over directories that happen to exist on each host.
#  Also prints what a remote rank sees of the launch directory (pwd, PWD, OMPI_MCA_initial_wdir), for both.
# Usage: relative_out.sh MPIEXEC "PREFLAGS" DTS_SWEEP DTS_SYNTHETIC_TRIAL DTS_TRAIN DTS_INSPECT
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mh_init "$@"

mh_hostfile "$MH_T/hosts-ab" 2 2
mh_hostfile "$MH_T/hosts-1-1" 1 1
shared_launch=$MH_T/launch
mkdir -p "$shared_launch"
local_launch=$(mktemp -d /tmp/dts-multihost-launch.XXXXXX)
MH_DIRS+=("$local_launch")
cmd=("$MH_SWEEP" --config "$MH_REPO/tests/orchestrator/data/synthetic-sweep.ini" --out rel/out
  --trial-command "$MH_TRIAL" --json)
export DTS_SYNTHETIC_SECONDS=0.05

# Where trial files went: "COUNT DIR" per directory holding trial files, anywhere in $MH_T or the local dir.
trial_dirs() {
  find "$MH_T" "$local_launch" -path '*/trials/*.h5' -printf '%h\n' 2> /dev/null | sort | uniq -c
}

# What a remote rank knows of mpirun's working directory.
for launch in "$shared_launch" "$local_launch"; do
  name=env-$(basename "$launch")
  cd "$launch"
  # shellcheck disable=SC2016  # expanded by the remote rank
  mh_run "$name" "$MH_T/hosts-1-1" 2 60 sh -c 'echo "rank $OMPI_COMM_WORLD_RANK on $(hostname): pwd=$(pwd)
    PWD=$PWD OMPI_MCA_initial_wdir=${OMPI_MCA_initial_wdir-(unset)} HOME=$HOME"' > /dev/null
  cd "$MH_REPO"
  echo "mpirun started in $launch; its remote ranks say:"
  sed 's/^/  /' "$MH_T/$name.out"
  if grep -q "$launch" "$MH_T/$name.out"; then
    echo "  (the launch directory reaches them)"
  else
    echo "  (nothing in their environment names $launch)"
  fi
done

# --- a. launched in a shared directory
cd "$shared_launch"
mh_run shared "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
cd "$MH_REPO"
summary=$(grep '"event":"sweep"' "$MH_T/shared.out" | tail -n 1 || true)
summary=$(echo "$summary" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
echo "a. launched in $shared_launch: exit $MH_RC, sweep status '${summary:-none}'; trial files per directory:"
trial_dirs | sed 's/^/  /'
if [ "$MH_RC" -ne 0 ] || [ "$summary" != completed ]; then
  mh_show shared
  mh_fail "the sweep launched in a shared directory did not complete"
fi
[ "$(trial_dirs | wc -l)" -eq 1 ] || mh_fail "trial files in more than one directory"
[ "$(trial_dirs | awk '{ print $2 }')" = "$shared_launch/rel/out/trials" ] ||
  mh_fail "the trial files are not in $shared_launch/rel/out/trials"
mh_check_once "$shared_launch/rel/out" "$(mh_planned shared)"
rm -rf "$shared_launch/rel"

# --- b. launched in a directory that only this machine sees
cd "$local_launch"
mh_run local "$MH_T/hosts-ab" 4 120 -x DTS_SYNTHETIC_SECONDS "${cmd[@]}"
cd "$MH_REPO"
summary=$(grep '"event":"sweep"' "$MH_T/local.out" | tail -n 1 || true)
summary=$(echo "$summary" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
echo "b. launched in $local_launch: exit $MH_RC, sweep status '${summary:-none}'; trial files per directory:"
trial_dirs | sed 's/^/  /'
mh_show local 4
dirs=$(trial_dirs | wc -l)
[ "$dirs" -le 1 ] || mh_fail "one sweep, trial files in $dirs directories (each host's home directory)"
if [ "$dirs" -eq 1 ]; then
  [ "$(trial_dirs | awk '{ print $2 }')" = "$local_launch/rel/out/trials" ] ||
    mh_fail "trial files in $(trial_dirs | awk '{ print $2 }'), not under the launch directory $local_launch"
  [ "$summary" = completed ] || mh_fail "trial files were written, but the sweep did not complete"
else
  [ "$MH_RC" -ne 0 ] || mh_fail "the sweep exited 0 without any trial file"
  grep -qE "rel/out|$local_launch" "$MH_T/local.err" ||
    mh_fail "the refusal does not name the directory (rel/out or $local_launch)"
fi
