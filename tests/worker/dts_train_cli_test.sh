#!/usr/bin/env bash
# dts-train's side of the sweep contract (schema/trial_contract.h): --count-parameters answers in a JSON file
# and prints nothing on stdout; a training run's stdout is one line for people, and its answer is the trial file.
# Usage: dts_train_cli_test.sh BIN_DIR (run from the repository root)
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--config configs/demo.ini --threads 1 --quiet)

"$bin/dts-train" "${args[@]}" --count-parameters "$work/count.json" > "$work/count.out"
[ ! -s "$work/count.out" ] || { echo "FAIL: --count-parameters printed: $(cat "$work/count.out")"; exit 1; }
counted=$(sed -n 's/^{"trainable_parameters":\([0-9]*\)}$/\1/p' "$work/count.json")
[ -n "$counted" ] || { echo "FAIL: unexpected count file: $(cat "$work/count.json")"; exit 1; }

"$bin/dts-train" "${args[@]}" --train.max_epochs 1 --out "$work/t.h5" > "$work/train.out"
{ [ "$(wc -l < "$work/train.out")" -eq 1 ] && grep -q '^final test ' "$work/train.out"; } \
  || { echo "FAIL: stdout of a training run: $(cat "$work/train.out")"; exit 1; }
trained=$("$bin/dts-inspect" "$work/t.h5" | sed -n 's/.*  parameters \([0-9]*\).*/\1/p')
[ "$counted" = "$trained" ] || { echo "FAIL: counted $counted parameters, the trial file says $trained"; exit 1; }

"$bin/dts-train" --help > "$work/help.out"
for option in config out resume trial-id config-id threads device count-parameters; do
  grep -q -- "--$option " "$work/help.out" || { echo "FAIL: --help does not list --$option"; exit 1; }
done
echo "PASS: --count-parameters wrote $counted, as the trained trial file says"
