#!/usr/bin/env bash
# Lint: clang-format, clang-tidy and shellcheck, reporting only (it never rewrites a file).
#   1. clang-format --dry-run --Werror over every tracked *.cc and *.h (the repository's .clang-format).
#   2. clang-tidy (the repository's .clang-tidy) over the .cc files of the libraries that do not need LibTorch
#      (common config data schema reports vectors), with the compile commands of a DTS_SANITIZE configuration
#      in build-lint/: that configuration builds only those libraries, so clang-tidy never parses LibTorch
#      headers. Only configured, never built (~2 min of clang-tidy on 2 cores).
#   3. shellcheck (every severity, style included) over every shell script git knows or would add (tracked,
#      or untracked and not ignored): *.sh, *.sbatch, and files without an extension whose first line is a
#      bash or sh shebang (slurm/dts-submit, .ci/run).
# Usage: scripts/lint.sh [--format-only | --tidy-only | --shell-only]. Exit status 0 when all are clean, 1
# otherwise. Fix formatting with `clang-format -i FILE...`; see one file's clang-tidy findings with
# `clang-tidy -p build-lint FILE`, a script's with `shellcheck FILE`. Environment: DTS_LINT_BUILD_DIR
# (default build-lint), DTS_LINT_JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

run_format=1 run_tidy=1 run_shell=1
case "${1:-}" in
  "") ;;
  --format-only) run_tidy=0 run_shell=0 ;;
  --tidy-only) run_format=0 run_shell=0 ;;
  --shell-only) run_format=0 run_tidy=0 ;;
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "lint.sh: unknown argument '$1' (--format-only, --tidy-only, --shell-only or --help)" >&2
    exit 2
    ;;
esac

need() {
  command -v "$1" >/dev/null || {
    echo "lint.sh: $1 not found (scripts/setup.sh installs the clang-format, clang-tidy and shellcheck packages)" >&2
    exit 2
  }
}

status=0

if [ "$run_format" = 1 ]; then
  need clang-format
  need git
  # Tracked files that still exist (a file deleted in the working tree but not yet in the index is skipped).
  files=()
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
  done < <(git ls-files -z -- '*.cc' '*.h')
  unformatted=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
  done
  echo "clang-format ($(clang-format --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')):" \
    "${#unformatted[@]} of ${#files[@]} tracked .cc/.h files not formatted"
  if [ ${#unformatted[@]} -gt 0 ]; then
    printf '  %s\n' "${unformatted[@]}"
    echo "  (clang-format --dry-run FILE shows where; clang-format -i FILE fixes it)"
    status=1
  fi
fi

if [ "$run_tidy" = 1 ]; then
  need clang-tidy
  need cmake
  build_dir=${DTS_LINT_BUILD_DIR:-build-lint}
  jobs=${DTS_LINT_JOBS:-$(nproc)}
  # Configure only: the compile commands and the configure-time generated headers are all clang-tidy needs.
  cmake -S . -B "$build_dir" -DDTS_SANITIZE=ON -DDTS_BUILD_TESTS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    >"$build_dir.configure.log" 2>&1 || {
    cat "$build_dir.configure.log" >&2
    echo "lint.sh: cmake could not configure $build_dir" >&2
    exit 2
  }
  rm -f "$build_dir.configure.log"
  # The libraries' own sources, as compiled (not generated files in the build directory).
  mapfile -t sources < <(python3 - "$build_dir/compile_commands.json" "$root" <<'PY'
import json, os, re, sys
db, root = sys.argv[1], sys.argv[2]
pattern = re.compile(re.escape(root) + r"/(common|config|stats|search|data|schema|reports|vectors)/[^/]+\.cc$")
files = {os.path.normpath(os.path.join(e["directory"], e["file"])) for e in json.load(open(db))}
print("\n".join(sorted(f for f in files if pattern.match(f))))
PY
  )
  [ ${#sources[@]} -gt 0 ] || { echo "lint.sh: no library sources in $build_dir/compile_commands.json" >&2; exit 2; }
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  start=$SECONDS
  tidy_rc=0
  if command -v run-clang-tidy >/dev/null; then
    # run-clang-tidy takes regular expressions: one alternation of the exact paths.
    regex="^($(printf '%s\n' "${sources[@]}" | sed 's/[][\.*^$+?(){}|]/\\&/g' | paste -sd '|'))\$"
    run-clang-tidy -quiet -p "$build_dir" -j "$jobs" "$regex" >"$log" 2>&1 || tidy_rc=$?
  else
    printf '%s\0' "${sources[@]}" |
      xargs -0 -n 1 -P "$jobs" clang-tidy -quiet -p "$build_dir" >"$log" 2>&1 || tidy_rc=$?
  fi
  elapsed=$((SECONDS - start))
  # One finding per place and check (a header's finding is reported by every file that includes it).
  # run-clang-tidy colours its output: strip the escape sequences first.
  sed -i 's/\x1b\[[0-9;]*m//g' "$log"
  findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): .*\[[a-z0-9.,-]+\]$' "$log" | sort -u || true)
  count=0
  [ -z "$findings" ] || count=$(printf '%s\n' "$findings" | wc -l)
  echo "clang-tidy ($(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')):" \
    "$count findings in ${#sources[@]} files, ${elapsed} s on $jobs jobs"
  if [ "$count" -gt 0 ]; then
    echo "  per check:"
    printf '%s\n' "$findings" | sed -E 's/.*\[([a-z0-9.-]+)(,-warnings-as-errors)?\]$/\1/' | sort | uniq -c |
      sort -rn | sed 's/^/  /'
    printf '%s\n' "$findings" | sed "s|^$root/|  |"
    status=1
  elif [ "$tidy_rc" -ne 0 ]; then
    # No finding, yet clang-tidy failed: a file did not compile for it.
    grep -E 'error:' "$log" | sort -u | head -20 >&2 || cat "$log" >&2
    echo "lint.sh: clang-tidy failed (exit $tidy_rc)" >&2
    status=1
  fi
fi

if [ "$run_shell" = 1 ]; then
  need shellcheck
  need git
  scripts=()
  while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue
    case "$f" in
      *.sh | *.sbatch) scripts+=("$f") ;;
      */*.* | *.*) ;;  # another extension: not a shell script
      *) head -n 1 "$f" | grep -qE '^#! */(usr/)?bin/(env +)?(ba)?sh( |$)' && scripts+=("$f") ;;
    esac
  done < <(git ls-files -z --cached --others --exclude-standard)
  shell_log=$(mktemp)
  shell_rc=0
  shellcheck --external-sources --severity=style "${scripts[@]}" >"$shell_log" 2>&1 || shell_rc=$?
  flagged=$(sed -n 's/^In \(.*\) line [0-9]*:$/\1/p' "$shell_log" | sort -u)
  flagged_count=0
  [ -z "$flagged" ] || flagged_count=$(printf '%s\n' "$flagged" | wc -l)
  echo "shellcheck ($(shellcheck --version | sed -n 's/^version: //p')): ${flagged_count} of ${#scripts[@]} shell" \
    "scripts with findings"
  if [ "$shell_rc" -ne 0 ]; then
    sed 's/^/  /' "$shell_log"
    status=1
  fi
  rm -f "$shell_log"
fi

exit $status
