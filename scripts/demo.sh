#!/usr/bin/env bash
# The main job: set everything up, then run the paper's protocol (search -> final -> ablation) as a small MPI
# sweep on the bundled demo corpus (data/samples/synthetic/synthetic-news.json: 300 generated sentences the
# small demo model learns in seconds; data/samples/README) and print the report tables. Also prints
# dts-prepare statistics for the demo corpus and, when ../shared/data holds them, the real corpora, and the
# wall time of each step.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/setup.sh
setup_s=$((SECONDS - start))

bin=build/apps
out=${DTS_DEMO_OUT:-demo-out}
shared=${DTS_SHARED_DATA:-../shared/data}

echo "== corpus statistics (dts-prepare)"
"$bin/dts-prepare" --format json --input data/samples/synthetic/synthetic-news.json
if [ -d "$shared" ]; then
  "$bin/dts-prepare" --format ade --input "$shared/ade/DRUG-AE.rel"
  "$bin/dts-prepare" --format conll04 --input "$shared/conll04"
else
  echo "(no $shared: real-corpus statistics skipped; see docs/data.md to fetch ADE and CoNLL04)"
fi

echo
echo "== demo sweep: mpirun -np 3 dts-sweep --config configs/demo-sweep.ini --out $out"
mpirun_flags=(--oversubscribe)
[ "$(id -u)" -ne 0 ] || mpirun_flags+=(--allow-run-as-root)
sweep_start=$SECONDS
# One torch thread per rank: ranks, not threads, use the cores.
OMP_NUM_THREADS=1 mpirun "${mpirun_flags[@]}" -np 3 "$bin/dts-sweep" --config configs/demo-sweep.ini --out "$out"
sweep_s=$((SECONDS - sweep_start))

echo
echo "== report: dts-report $out"
report_start=$SECONDS
"$bin/dts-report" "$out"
report_s=$((SECONDS - report_start))
echo
echo "== demo wall time: $((SECONDS - start)) s (setup and build ${setup_s} s, sweep ${sweep_s} s, report ${report_s} s)"
