#!/usr/bin/env python3
"""The stream processor's benchmarks for `make bench`, each writing its section of BENCHMARKS.md:

- throughput: records per second from the input topics to committed state (PostgreSQL
  checkpoints), against the raw consume ceiling measured in the same run — SkillStream's consumer
  reading 1,000,000 records of ~300 bytes — both pinned to one core (taskset -c 0); Tansu and
  PostgreSQL run unpinned beside them. The input is a simulated restaurant group published to 6
  co-partitioned topics; each round processes it from the start with a fresh database and group
  and reports (`--statistics-json`) the records committed per second from its first assignment
  to its last checkpoint. Beside it, in the same rounds, the engine alone: `skillstream replay`
  of the same records from JSON Lines files (no Kafka, no PostgreSQL), pinned the same way,
  timed from its start to its end — what the processor's share of the engine's own rate is.
- latency: the simulator feeds the topics live at 10,000 records/s (`simulate --rate`, records
  stamped as sent) while the processor (pinned to core 0) keeps up; the event-to-committed-output
  latency comes from the processor's own histogram on /metrics.
- state: resident memory of a processor holding 100,000 staff, and its recovery after kill -9
  (from the restart to /readyz answering 200 with every partition restored)."""
import argparse, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request, uuid
from benchmarks_document import replace_section

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--bench-binary", required=True)
parser.add_argument("--brokers", default=os.environ.get("SKILLSTREAM_KAFKA_BROKERS"))
parser.add_argument("--postgres", default=os.environ.get("SKILLSTREAM_POSTGRES_URL"))
parser.add_argument("--only", choices=["throughput", "latency", "state"], action="append", help="run only these parts (repeatable)")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--restaurants", type=int, default=40)
parser.add_argument("--days", type=int, default=30)
parser.add_argument("--rate", type=int, default=10_000, help="latency: records per second fed live")
parser.add_argument("--latency-seconds", type=int, default=60, help="latency: how long the live feed runs")
parser.add_argument("--state-staff", type=int, default=100_000, help="state: staff held by the processor")
parser.add_argument("--output", default="BENCHMARKS.md")
args = parser.parse_args()
if not args.brokers or not args.postgres:
    sys.exit("bench_processor: no broker or database (run through `make bench`, which starts both)")
parts = args.only or ["throughput", "latency", "state"]
pin = ["taskset", "-c", "0"]
quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
group_settings = ["--consumer-property", "session.timeout.ms=6000", "--consumer-property", "heartbeat.interval.ms=500"]
today = time.strftime("%Y-%m-%d")


def log(line):
    print("bench: " + line, file=sys.stderr, flush=True)


# The processes' logs, reports and ground truths: removed after a successful run, kept to read after a failure.
scratch_directory = tempfile.mkdtemp(prefix="skillstream-bench-")


def scratch(suffix):
    return os.path.join(scratch_directory, uuid.uuid4().hex[:8] + suffix)


def fresh_database():
    """A new migrated database on the benchmark's PostgreSQL; returns its URL and name."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True, **quiet)
    url = f"{args.postgres.rsplit('/', 1)[0]}/{name}"
    subprocess.run([args.binary, "migrate", "--postgres", url], check=True, **quiet)
    return url, name


def drop_database(name):
    subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], check=True, **quiet)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path):
    """(status, body) of the processor's operators' endpoint, or (None, "") when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None, ""


def samples(exposition, metric):
    """{labels: value} of one metric in a Prometheus text exposition."""
    found = {}
    for line in exposition.splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            labels, _, value = line.rpartition(" ")
            found[labels[len(metric):]] = float(value)
    return found


def start_processor(url, prefix, group, port, log_path, extra=()):
    return subprocess.Popen(pin + [args.binary, "process", "--brokers", args.brokers, "--postgres", url, "--topic-prefix", prefix,
                                   "--group", group, "--metrics-port", str(port), "--log-level", "warning", *group_settings, *extra],
                            stdout=subprocess.DEVNULL, stderr=open(log_path, "w"))


def wait_until(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    sys.exit(f"bench_processor: timed out waiting for {what}")


def caught_up(port, input_records):
    """The processor's metrics count every input record and show no lag."""
    metrics = get(port, "/metrics")[1]
    counted = sum(value for labels, value in samples(metrics, "skillstream_events_total").items()
                  if "ref." not in labels and any(f'outcome="{o}"' in labels for o in ("processed", "dead_lettered", "duplicate")))
    return counted >= input_records and sum(samples(metrics, "skillstream_consumer_lag_messages").values()) == 0


def simulate(prefix, extra, truth):
    subprocess.run([args.binary, "simulate", "--brokers", args.brokers, "--topic-prefix", prefix, "--partitions", "6", "--quiet",
                    "--ground-truth", truth, *extra], check=True, **quiet)
    counts = json.load(open(truth))["records_per_topic"]
    return sum(counts.values()), sum(v for k, v in counts.items() if not k.startswith("ref."))


def throughput():
    topic = f"bench-ceiling-{uuid.uuid4().hex[:8]}"
    subprocess.run([args.bench_binary, "kafka-produce", "--brokers", args.brokers, "--topic", topic, "--messages", "1000000"], check=True, **quiet)
    ceiling = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        subprocess.run(pin + [args.bench_binary, "kafka-consume", "--brokers", args.brokers, "--topic", topic, "--messages", "1000000"],
                       check=True, **quiet)
        ceiling.append(1_000_000 / (time.perf_counter() - started))
        log(f"raw consume {ceiling[-1]:,.0f} records/s")
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    world = ["--seed", "11", "--restaurants", str(args.restaurants), "--days", str(args.days)]
    records, _ = simulate(prefix, world, scratch(".json"))
    # The same world as files, for the engine alone.
    events, truth = scratch("-events"), scratch(".json")
    subprocess.run([args.binary, "simulate", "--out", events, "--partitions", "6", "--quiet", "--ground-truth", truth, *world], check=True, **quiet)
    if sum(json.load(open(truth))["records_per_topic"].values()) != records:
        sys.exit("bench_processor: the simulator wrote a different world to files than to the broker")
    rates, checkpoints, engine_rates = [], [], []
    for round_number in range(args.rounds):
        started = time.perf_counter()
        subprocess.run(pin + [args.binary, "replay", "--events", events, "--output", scratch("-replayed")], check=True, **quiet)
        engine_rates.append(records / (time.perf_counter() - started))
        log(f"engine alone (replay) {engine_rates[-1]:,.0f} records/s")
        url, name = fresh_database()
        report = scratch(".json")
        subprocess.run(pin + [args.binary, "process", "--brokers", args.brokers, "--postgres", url, "--topic-prefix", prefix,
                              "--group", prefix + f"g{round_number}", "--exit-when-idle", "3", "--log-level", "warning", "--metrics-port", "0",
                              "--statistics-json", report, *group_settings], check=True, **quiet)
        result = json.load(open(report))
        rates.append(result["records_per_second"])
        checkpoints.append(result["checkpoints"])
        log(f"processor {rates[-1]:,.0f} records/s ({result['checkpointed_records']:,} records, {result['checkpoints']} checkpoints)")
        drop_database(name)
    ceiling_rate, rate, engine_rate = statistics.median(ceiling), statistics.median(rates), statistics.median(engine_rates)
    ratio = rate / ceiling_rate
    table = f"""<!-- processor-throughput:start -->
Measured {today} by `make bench` (Scripts/bench_processor.py), release build, both sides pinned to one core
(`taskset -c 0`), Tansu and PostgreSQL unpinned on the same 2-core machine. Ceiling: SkillStream's consumer reading
1,000,000 records of ~300 bytes (no processing). Processor: `skillstream process` over a simulated group of
{args.restaurants} restaurants × 25 staff × {args.days} days ({records:,} records, faults included, 6 co-partitioned partitions), from
the start, with a fresh database and group per round; records committed per second from the first assignment to the
last checkpoint (default checkpointing: every second or 50,000 records). Engine alone: `skillstream replay` of the same
records from JSON Lines files (one engine, no Kafka, no PostgreSQL), pinned the same way, from its start to its end, in
the same rounds. Median of {args.rounds} rounds.

| | records/s | rounds |
|---|---|---|
| raw consume ceiling | {ceiling_rate:,.0f} | {', '.join(f'{r:,.0f}' for r in ceiling)} |
| processor, input to committed state | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in rates)} |
| engine alone (`skillstream replay`, same records) | {engine_rate:,.0f} | {', '.join(f'{r:,.0f}' for r in engine_rates)} |

| target | measured | verdict |
|---|---|---|
| processor ≥ 50% of the raw consume ceiling | {ratio:.1%} | {"met" if ratio >= 0.5 else "**not met**"} |

Not a target, for reading the one above: the processor runs at {rate / engine_rate:.0%} of the engine's own rate on the same
records, so Kafka, checkpoints and outputs take {1 - rate / engine_rate:.0%} of its time; the engine alone reaches {engine_rate / ceiling_rate:.1%}
of the consume ceiling.
<!-- processor-throughput:end -->"""
    print(table)
    replace_section(args.output, "processor-throughput", table)


def quantile(buckets, count, q):
    """The q-quantile from cumulative histogram buckets [(upper bound, count)], interpolated
    linearly within its bucket as Prometheus' histogram_quantile does."""
    rank, lower, below = q * count, 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(cumulative - below, 1e-9)
        lower, below = bound, cumulative
    return lower


def latency():
    restaurants = 120
    # About 4.8 records per staff member and day: enough days for the whole feed.
    days = max(2, round(args.rate * args.latency_seconds / (restaurants * 25 * 4.8)))
    prefix = f"lat{uuid.uuid4().hex[:6]}."
    subprocess.run([args.binary, "topics", "create", "--brokers", args.brokers, "--topic-prefix", prefix, "--partitions", "6"], check=True, **quiet)
    url, name = fresh_database()
    port = free_port()
    processor = start_processor(url, prefix, prefix + "g", port, scratch(".process.log"))
    wait_until("the processor to own its partitions", lambda: get(port, "/readyz")[0] == 200, 120)
    started = time.monotonic()
    truth = scratch(".json")
    records, inputs = simulate(prefix, ["--seed", "12", "--restaurants", str(restaurants), "--days", str(days), "--rate", str(args.rate)], truth)
    fed = time.monotonic() - started
    log(f"fed {records:,} records in {fed:.1f} s ({records / fed:,.0f}/s)")
    wait_until("the processor to catch up", lambda: caught_up(port, inputs), 600)
    time.sleep(3)  # the last checkpoint commits
    metrics = get(port, "/metrics")[1]
    processor.send_signal(signal.SIGTERM)
    processor.wait(timeout=30)
    drop_database(name)
    histogram = samples(metrics, "skillstream_event_to_output_latency_seconds_bucket")
    buckets = sorted((float(labels.split('"')[1].replace("+Inf", "inf")), value) for labels, value in histogram.items())
    count = samples(metrics, "skillstream_event_to_output_latency_seconds_count")[""]
    checkpoint_seconds = 1.0
    within = dict(buckets)[2 * checkpoint_seconds] / count
    p50, p99 = quantile(buckets, count, 0.5), quantile(buckets, count, 0.99)
    log(f"latency p50 {p50:.2f} s, p99 {p99:.2f} s, {within:.2%} within {2 * checkpoint_seconds:.0f} s")
    table = f"""<!-- processor-latency:start -->
Measured {today} by `make bench` (Scripts/bench_processor.py), release build. The simulator feeds the six
co-partitioned input topics live (`simulate --rate {args.rate}`: {restaurants} restaurants × 25 staff, records stamped as sent,
faults included) while `skillstream process` runs pinned to one core (`taskset -c 0`) with the default checkpointing
(every second or 50,000 records); Tansu, PostgreSQL and the simulator share the other core. Latency: from each record's
Kafka timestamp to the commit of the checkpoint holding its effects, as the processor's
`skillstream_event_to_output_latency_seconds` histogram counted it over the whole run ({int(count):,} records;
quantiles interpolated within buckets, as Prometheus' `histogram_quantile`).

| fed | records/s fed | p50 | p99 | within {2 * checkpoint_seconds:.0f} s |
|---|---|---|---|---|
| {records:,} records in {fed:.0f} s | {records / fed:,.0f} | {p50:.2f} s | {p99:.2f} s | {within:.2%} |

| target | measured | verdict |
|---|---|---|
| p99 event-to-committed-output latency at {args.rate:,} events/s ≤ 2 × the checkpoint interval ({2 * checkpoint_seconds:.0f} s) | {p99:.2f} s | {"met" if within >= 0.99 else "**not met**"} |
<!-- processor-latency:end -->"""
    print(table)
    replace_section(args.output, "processor-latency", table)


def resident_kilobytes(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def state():
    restaurants = args.state_staff // 25
    prefix = f"state{uuid.uuid4().hex[:6]}."
    truth = scratch(".json")
    records, inputs = simulate(prefix, ["--seed", "13", "--restaurants", str(restaurants), "--days", "2"], truth)
    log(f"published {records:,} records for {restaurants * 25:,} staff")
    url, name = fresh_database()
    port = free_port()
    began = time.monotonic()
    processor = start_processor(url, prefix, prefix + "g", port, scratch(".process.log"))
    wait_until("the processor to process everything", lambda: caught_up(port, inputs), 3600)
    processing = time.monotonic() - began
    metrics = get(port, "/metrics")[1]
    staff = int(sum(samples(metrics, "skillstream_state_staff").values()))
    time.sleep(3)  # the last checkpoint commits
    snapshot_bytes = int(subprocess.run(["psql", url, "-tAc", "SELECT coalesce(sum(snapshot_bytes), 0) FROM engine_checkpoints"],
                                        check=True, capture_output=True, text=True).stdout.strip() or 0)
    rss, peak = resident_kilobytes(processor.pid, "VmRSS"), resident_kilobytes(processor.pid, "VmHWM")
    log(f"{staff:,} staff: resident {rss / 1024:,.0f} MiB (peak {peak / 1024:,.0f} MiB) after {processing:.0f} s")
    processor.send_signal(signal.SIGKILL)
    processor.wait()
    restarted = time.monotonic()
    processor = start_processor(url, prefix, prefix + "g", port, scratch(".process.log"))
    wait_until("the restarted processor to restore its partitions", lambda: get(port, "/readyz")[0] == 200, 3600)
    ready = time.monotonic() - restarted
    wait_until("the restarted processor to catch up", lambda: caught_up(port, 0), 3600)
    caught = time.monotonic() - restarted
    rss_after = resident_kilobytes(processor.pid, "VmRSS")
    processor.send_signal(signal.SIGTERM)
    processor.wait(timeout=60)
    drop_database(name)
    log(f"recovery: ready after {ready:.1f} s, caught up after {caught:.1f} s, resident {rss_after / 1024:,.0f} MiB")
    table = f"""<!-- processor-state:start -->
Measured {today} by `make bench` (Scripts/bench_processor.py), release build, processor pinned to one core. A simulated
group of {restaurants:,} restaurants × 25 staff × 2 days ({records:,} records, 6 co-partitioned partitions) processed from the start;
then the processor is killed with SIGKILL and restarted on the same database and group (the group's session timeout,
6 s here, passes before the partitions are assigned again).

| | measured |
|---|---|
| staff held | {staff:,} |
| resident memory after processing (VmRSS) | {rss / 1024:,.0f} MiB (peak {peak / 1024:,.0f} MiB) |
| resident memory per staff member | {rss * 1024 / max(staff, 1):,.0f} bytes |
| engine snapshots in PostgreSQL (the last full one of each partition) | {snapshot_bytes / 1e6:,.1f} MB |
| processing {records:,} records from the start | {processing:.0f} s |
| recovery after kill -9: restart to /readyz 200 (partitions owned, snapshots loaded, logs replayed) | {ready:.1f} s |
| recovery after kill -9: restart to caught up (no lag) | {caught:.1f} s |
| resident memory after the recovery | {rss_after / 1024:,.0f} MiB |
<!-- processor-state:end -->"""
    print(table)
    replace_section(args.output, "processor-state", table)


try:
    for part in parts:
        {"throughput": throughput, "latency": latency, "state": state}[part]()
except BaseException:
    log(f"failed: the processes' logs are in {scratch_directory}")
    raise
shutil.rmtree(scratch_directory, ignore_errors=True)
