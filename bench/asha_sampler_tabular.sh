#!/usr/bin/env bash
# ASHA then racing with rung 0 drawn at random against rung 0 proposed by TPE (asha_sampler), through the
# product's own code path on the 76-configuration tabular ADE benchmark (docs/benchmarks.md).
#
#   bench/asha_sampler_tabular.sh [SEEDS] [BUDGET] [TPE_STARTUP]     (defaults 10, 24, 8)
#
# For each sweep seed 1..SEEDS and each sampler, runs dts-sweep on configs/ade-tabular-asha-racing-sweep.ini
# with `budget = BUDGET` (of the table's 76 configurations), one worker, build/bench/table_trial answering each
# run from bench/data/ade-tabular.csv; then bench/search_replay --check holds the run against the replay of its
# own start order and reports its fold-trainings and regret (F1 points below the table's best configuration,
# by mean dev score over the 10 folds). Prints one row per run and the means. Sweep directories go to a
# temporary directory that is removed at the end. Needs the build: dts-sweep, table_trial, search_replay.
set -euo pipefail

seeds=${1:-10}
budget=${2:-24}
startup=${3:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
for binary in apps/dts-sweep bench/table_trial bench/search_replay; do
  [ -x "$root/build/$binary" ] || {
    echo "asha_sampler_tabular: build/$binary is not built (cmake --build build --target $(basename "$binary"))" >&2
    exit 2
  }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '| sampler | seed | fold-trainings | regret (F1 points) | chose |\n|---|---:|---:|---:|---|\n'
for sampler in random tpe; do
  total_trainings=0
  total_regret=0
  for seed in $(seq 1 "$seeds"); do
    ini=$work/$sampler-$seed.ini
    extra="asha_sampler = $sampler"
    [ "$sampler" = tpe ] && extra="$extra\ntpe_startup = $startup"
    sed -e "s|^base = ade.ini|base = $root/configs/ade.ini|" -e "s/^budget = .*/budget = $budget\n$extra\nseed = $seed/" \
      "$root/configs/ade-tabular-asha-racing-sweep.ini" >"$ini"
    (cd "$root" && DTS_TABLE_TRIAL_CSV=bench/data/ade-tabular.csv OMP_NUM_THREADS=1 build/apps/dts-sweep \
      --config "$ini" --out "$work/$sampler-$seed" --local-ranks 2 --trial-command build/bench/table_trial \
      >"$work/$sampler-$seed.log" 2>&1) || {
      echo "asha_sampler_tabular: dts-sweep failed for $sampler seed $seed (log: $work/$sampler-$seed.log)" >&2
      cat "$work/$sampler-$seed.log" >&2
      exit 1
    }
    check=$(cd "$root" && build/bench/search_replay --table bench/data/ade-tabular.csv --sweep "$ini" \
      --check "$work/$sampler-$seed")
    trainings=$(sed -n 's/.*fold-trainings: sweep \([0-9.]*\),.*/\1/p' <<<"$check")
    regret=$(sed -n 's/.*regret \([0-9.]*\) F1 points.*/\1/p' <<<"$check")
    chose=$(sed -n 's/.*chose: sweep \([0-9a-f]*\),.*/\1/p' <<<"$check")
    if [ -z "$trainings" ] || [ -z "$regret" ]; then
      echo "asha_sampler_tabular: search_replay --check gave no figures for $sampler seed $seed:" >&2
      echo "$check" >&2
      exit 1
    fi
    printf '| %s | %d | %s | %s | %s |\n' "$sampler" "$seed" "$trainings" "$regret" "$chose"
    total_trainings=$(awk -v a="$total_trainings" -v b="$trainings" 'BEGIN { print a + b }')
    total_regret=$(awk -v a="$total_regret" -v b="$regret" 'BEGIN { print a + b }')
  done
  awk -v s="$sampler" -v n="$seeds" -v t="$total_trainings" -v r="$total_regret" \
    'BEGIN { printf "| **%s, mean of %d** | | **%.1f** | **%.2f** | |\n", s, n, t / n, r / n }'
done
