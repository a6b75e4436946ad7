#!/usr/bin/env python3
"""Domain benchmark for `make bench`: decode + validate + cleanse + window update of a realistic
event mix on one core, and resident memory of per-staff state for 100,000 staff. Writes the
section between the domain markers of BENCHMARKS.md. Median of --rounds runs."""
import argparse, json, statistics, subprocess, time
from benchmarks_document import replace_section

def run(binary, *arguments):
    output = subprocess.run(["taskset", "-c", "0", binary, *arguments], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])

parser = argparse.ArgumentParser()
parser.add_argument("--bench-binary", required=True)
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--output", default="BENCHMARKS.md")
args = parser.parse_args()

runs = [run(args.bench_binary, "domain-throughput", "--events", "1000000") for _ in range(args.rounds)]
median = lambda key: statistics.median(r[key] for r in runs)
memory = run(args.bench_binary, "domain-memory", "--staff", "100000")
first = runs[0]
throughput = median('per_second')
verdict = "met" if throughput >= 300_000 else "**not met yet**"
memory_verdict = "met" if memory['resident_bytes_per_staff'] <= 4_096 else "**not met**"
table = f"""<!-- domain:start -->
Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_domain.py, `skillstream-bench domain-throughput` and
`domain-memory`, release build, pinned to one core with `taskset -c 0`). The mix: {first['events']:,.0f} timed messages of
~{first['bytes_per_event']:.0f} bytes from 12 restaurants × 25 staff, in event-time order: table services, feedback for about a
third of them (a fifth without a score, some with only a comment for the lexicon), HR events, {first['dead_lettered']:,.0f} malformed
messages and {first['duplicates']:,.0f} duplicates. Timing starts after a warm-up of {first['warm_up']:,.0f} messages (a week of event
time) that brings the dedupe set and the visits awaiting feedback ({first['pending_visits']:,.0f}) to their steady size, as in a
running processor. Median of {args.rounds} runs.

| measure | result | target |
|---|---|---|
| decode + validate + cleanse + window update, events/s | {throughput:,.0f} | ≥ 300,000 ({verdict}) |
| decode + validate alone, events/s | {median('decode_per_second'):,.0f} | |
| cleanse + windows + visit join on decoded events, events/s | {median('apply_per_second'):,.0f} | |
| resident memory per staff member, 100,000 staff, 30 active days | {memory['resident_bytes_per_staff']:,.0f} bytes | ≤ 4,096 bytes ({memory_verdict}) |
| estimated state per staff member (same) | {memory['estimated_bytes_per_staff']:,.0f} bytes | |

Runs, events/s: {', '.join(f"{r['per_second']:,.0f}" for r in runs)}.
<!-- domain:end -->"""
print(table)
replace_section(args.output, "domain", table)
