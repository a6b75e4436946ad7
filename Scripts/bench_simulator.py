#!/usr/bin/env python3
"""Simulator benchmark for `make bench`: `skillstream simulate --out` for 100 restaurants x 40 staff x
90 days, pinned to one core, timed from process start to exit (JSON Lines files and the ground truth
written). Records are counted from the files. Writes the section between the simulator markers of
BENCHMARKS.md. Median of --rounds runs."""
import argparse, os, shutil, statistics, subprocess, tempfile, time
from benchmarks_document import replace_section

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--output", default="BENCHMARKS.md")
args = parser.parse_args()

arguments = ["simulate", "--restaurants", "100", "--staff-per-restaurant", "40", "--days", "90", "--quiet"]
runs = []
for _ in range(args.rounds):
    directory = tempfile.mkdtemp(prefix="skillstream-sim-")
    try:
        started = time.monotonic()
        subprocess.run(["taskset", "-c", "0", args.binary, *arguments, "--out", directory], check=True, capture_output=True)
        seconds = time.monotonic() - started
        records = 0
        size = 0
        for name in os.listdir(directory):
            if name.endswith(".jsonl"):
                path = os.path.join(directory, name)
                size += os.path.getsize(path)
                with open(path, "rb") as handle:
                    records += sum(1 for _ in handle)
        runs.append({"seconds": seconds, "records": records, "bytes": size, "per_second": records / seconds})
    finally:
        shutil.rmtree(directory)

median = statistics.median(run["per_second"] for run in runs)
first = runs[0]
met = "met" if median >= 200_000 else "**not met**"
table = f"""<!-- simulator:start -->
Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_simulator.py): `skillstream {' '.join(arguments)} --out DIR`,
release build, pinned to one core with `taskset -c 0`, timed from process start to exit. {first['records']:,} records
({first['bytes'] / 1e6:,.0f} MB of JSON Lines) per run. Median of {args.rounds} runs.

| measure | result | target |
|---|---|---|
| records written per second (all five topics, faults included) | {median:,.0f} | ≥ 200,000 ({met}) |
| seconds for 100 restaurants × 40 staff × 90 days | {statistics.median(run['seconds'] for run in runs):.1f} | |

Runs, records/s: {', '.join(f"{run['per_second']:,.0f}" for run in runs)}.
<!-- simulator:end -->"""
print(table)
replace_section(args.output, "simulator", table)
