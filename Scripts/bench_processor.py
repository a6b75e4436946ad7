#!/usr/bin/env python3
"""End-to-end processor throughput for `make bench`: records per second from the input topics
to committed state (PostgreSQL checkpoints), against the raw consume ceiling measured in the
same run — SkillStream's consumer reading 1,000,000 records of ~300 bytes — both pinned to one
core (taskset -c 0); Tansu and PostgreSQL run unpinned beside them.

The processor's input is a simulated restaurant group published to 6 co-partitioned topics; each
round processes it from the start with a fresh database and consumer group, and reports
(`--statistics-json`) the records committed per second from its first assignment to its last
checkpoint. Writes the section between the processor-throughput markers of BENCHMARKS.md."""
import argparse, json, os, statistics, subprocess, sys, tempfile, time, uuid
from benchmarks_document import replace_section

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--bench-binary", required=True)
parser.add_argument("--brokers", default=os.environ.get("SKILLSTREAM_KAFKA_BROKERS"))
parser.add_argument("--postgres", default=os.environ.get("SKILLSTREAM_POSTGRES_URL"))
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--restaurants", type=int, default=40)
parser.add_argument("--days", type=int, default=30)
parser.add_argument("--output", default="BENCHMARKS.md")
args = parser.parse_args()
if not args.brokers or not args.postgres:
    sys.exit("bench_processor: no broker or database (run through `make bench`, which starts both)")
pin = ["taskset", "-c", "0"]
quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}

# The ceiling: the raw consumer on one core.
topic = f"bench-ceiling-{uuid.uuid4().hex[:8]}"
subprocess.run([args.bench_binary, "kafka-produce", "--brokers", args.brokers, "--topic", topic, "--messages", "1000000"], check=True, **quiet)
ceiling = []
for _ in range(args.rounds):
    started = time.perf_counter()
    subprocess.run(pin + [args.bench_binary, "kafka-consume", "--brokers", args.brokers, "--topic", topic, "--messages", "1000000"], check=True, **quiet)
    ceiling.append(1_000_000 / (time.perf_counter() - started))
    print(f"bench: raw consume {ceiling[-1]:,.0f} records/s", file=sys.stderr)

# The processor's input.
prefix = f"bench{uuid.uuid4().hex[:6]}."
truth = tempfile.mktemp(suffix=".json")
subprocess.run([args.binary, "simulate", "--brokers", args.brokers, "--topic-prefix", prefix, "--partitions", "6", "--seed", "11",
                "--restaurants", str(args.restaurants), "--days", str(args.days), "--quiet", "--ground-truth", truth], check=True, **quiet)
records = sum(json.load(open(truth))["records_per_topic"].values())
base = args.postgres.rsplit("/", 1)[0]
rates, checkpoints = [], []
for round_number in range(args.rounds):
    database = f"bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {database}"], check=True, **quiet)
    url = f"{base}/{database}"
    subprocess.run([args.binary, "migrate", "--postgres", url], check=True, **quiet)
    report = tempfile.mktemp(suffix=".json")
    subprocess.run(pin + [args.binary, "process", "--brokers", args.brokers, "--postgres", url, "--topic-prefix", prefix,
                          "--group", prefix + f"g{round_number}", "--exit-when-idle", "3", "--log-level", "warning", "--statistics-json", report,
                          "--consumer-property", "session.timeout.ms=6000", "--consumer-property", "heartbeat.interval.ms=500"],
                   check=True, **quiet)
    result = json.load(open(report))
    rates.append(result["records_per_second"])
    checkpoints.append(result["checkpoints"])
    print(f"bench: processor {rates[-1]:,.0f} records/s ({result['checkpointed_records']:,} records, {result['checkpoints']} checkpoints)", file=sys.stderr)
    subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE {database}"], check=True, **quiet)

ceiling_rate, rate = statistics.median(ceiling), statistics.median(rates)
ratio = rate / ceiling_rate
table = f"""<!-- processor-throughput:start -->
Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_processor.py), release build, both sides pinned to one core
(`taskset -c 0`), Tansu and PostgreSQL unpinned on the same 2-core machine. Ceiling: SkillStream's consumer reading
1,000,000 records of ~300 bytes (no processing). Processor: `skillstream process` over a simulated group of
{args.restaurants} restaurants × 25 staff × {args.days} days ({records:,} records, faults included, 6 co-partitioned partitions), from
the start, with a fresh database and group per round; records committed per second from the first assignment to the
last checkpoint (default checkpointing: every second or 50,000 records). Median of {args.rounds} rounds.

| | records/s | rounds |
|---|---|---|
| raw consume ceiling | {ceiling_rate:,.0f} | {', '.join(f'{r:,.0f}' for r in ceiling)} |
| processor, input to committed state | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in rates)} |

| target | measured | verdict |
|---|---|---|
| processor ≥ 50% of the raw consume ceiling | {ratio:.1%} | {"met" if ratio >= 0.5 else "**not met**"} |
<!-- processor-throughput:end -->"""
print(table)
replace_section(args.output, "processor-throughput", table)
