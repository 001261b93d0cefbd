#!/usr/bin/python3
"""dts against the PyTorch implementation in ../shared/peer, in one run, on one pinned core (issue 17).

  bench/compare_peer.py [--core 0] [--repeats 2] [--sentences 3460]

Runs build/bench/model_throughput and `bench.py --one` for 1+1+1 and 3+3+3, LSTM and GRU (H = 64, batch 16),
interleaved repeat by repeat, each pinned with taskset to the same core, and prints the medians and the ratios,
then model_throughput's own table of its last repeat (FLOPs per sentence and the GFLOP/s reached against the
one-core sgemm rate).
Both report sentences per CPU second of the measuring process (model_throughput's table, bench.py's
train_cpu_sps / infer_cpu_sps), and both build their batches before the timed loops (bench.py times that
separately; model_throughput prints it beside the rates). Like for like: dts in file order (model_throughput --file-order-all 1) against
the peer's unbucketed batches; as dts trains: its length-bucketed batches. Absolute figures move
between machines (1.7x here); compare only within one run.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = [("1+1+1", "lstm"), ("1+1+1", "gru"), ("3+3+3", "lstm"), ("3+3+3", "gru")]


def run_dts(args):
    """{(layers, cell, batches): (train, infer)} from model_throughput's Markdown table, and its output."""
    out = subprocess.run(["taskset", "-c", str(args.core), args.dts, "--sentences", str(args.sentences),
                          "--file-order-all", "1"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*(\d\+\d\+\d)\s*\|\s*(\w+)\s*\|\s*([\w -]+?)\s*\|\s*\d+\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[(m.group(1), m.group(2).lower(), m.group(3))] = (float(m.group(4)), float(m.group(5)))
    if not rows:
        sys.exit("compare_peer: no rows in model_throughput's output:\n" + out)
    return rows, out


def run_peer(args, layers, cell):
    out = subprocess.run(["taskset", "-c", str(args.core), "/usr/bin/python3", args.peer, "--one", "--cell", cell,
                          "--layers", layers.replace("+", ","), "--hidden", "64", "--batch", "16", "--threads", "1"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["train_cpu_sps"], result["infer_cpu_sps"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--sentences", type=int, default=3460)
    ap.add_argument("--dts", default=os.path.join(ROOT, "build", "bench", "model_throughput"))
    ap.add_argument("--peer", default=os.path.join(ROOT, "..", "shared", "peer", "bench.py"))
    args = ap.parse_args()
    dts, peer = {}, {}
    dts_output = ""
    for r in range(args.repeats):
        rows, dts_output = run_dts(args)
        for key, value in rows.items():
            dts.setdefault(key, []).append(value)
        for layers, cell in CONFIGS:
            peer.setdefault((layers, cell), []).append(run_peer(args, layers, cell))
        print(f"repeat {r + 1}/{args.repeats} done", file=sys.stderr)

    def median(values, i):
        return statistics.median(v[i] for v in values) if values else None

    def cell_text(x):
        return "–" if x is None else f"{x:.0f}"

    def ratio(a, b):
        return "–" if a is None or b is None else f"{a / b:.2f}x"

    print(f"sentences per CPU second, core {args.core}, medians of {args.repeats} interleaved repeats, "
          f"{args.sentences} ADE training sentences, batch 16, H = 64")
    print("| config | dts train, file order | dts train, bucketed | peer train | train ratio, like for like | "
          "train ratio, as dts trains | dts infer, file order | dts infer, bucketed | peer infer | infer ratio, "
          "like for like | infer ratio, bucketed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for layers, cell in CONFIGS:
        file_order = dts.get((layers, cell, "file order"), [])
        bucketed = dts.get((layers, cell, "length-bucketed"), [])
        p = peer[(layers, cell)]
        dt_f, dt_b, pt = median(file_order, 0), median(bucketed, 0), median(p, 0)
        di_f, di_b, pi = median(file_order, 1), median(bucketed, 1), median(p, 1)
        print(f"| {layers} {cell.upper()} | {cell_text(dt_f)} | {cell_text(dt_b)} | {cell_text(pt)} | "
              f"{ratio(dt_f, pt)} | {ratio(dt_b, pt)} | {cell_text(di_f)} | {cell_text(di_b)} | {cell_text(pi)} | "
              f"{ratio(di_f, pi)} | {ratio(di_b, pi)} |")
    # model_throughput's own table (last repeat): build time, phases, FLOPs per sentence and GFLOP/s reached
    # against the one-core sgemm rate it measures.
    print("\nmodel_throughput, last repeat:")
    print(dts_output.rstrip())


if __name__ == "__main__":
    main()
