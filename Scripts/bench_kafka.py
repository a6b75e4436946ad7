#!/usr/bin/env python3
"""Kafka throughput benchmark for `make bench`.

Produces N messages of ~300 bytes through SkillStream's Kafka module, then consumes the same
topic alternately with kcat and with SkillStream's consumer, in the same run, on the same
librdkafka runtime (LD_LIBRARY_PATH from the Makefile), each as a whole process timed from
start to exit. Also has kcat produce the same records, for the producer side by side. Writes
the table between the kafka-throughput markers of BENCHMARKS.md.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from benchmarks_document import replace_section

def run_timed(command, **kwargs):
    start = time.perf_counter()
    completed = subprocess.run(command, check=True, **kwargs)
    return time.perf_counter() - start, completed

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench-binary", required=True)
    parser.add_argument("--brokers", default=os.environ.get("SKILLSTREAM_KAFKA_BROKERS"))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default="BENCHMARKS.md")
    args = parser.parse_args()
    if not args.brokers:
        sys.exit("bench_kafka: no brokers (run through `make bench`, which starts one)")

    topic = f"bench-{int(time.time())}"
    print(f"bench: producing {args.messages:,} messages of ~{args.size} bytes to {topic}", file=sys.stderr)
    _, produced = run_timed([args.bench_binary, "kafka-produce", "--brokers", args.brokers, "--topic", topic,
                             "--messages", str(args.messages), "--size", str(args.size)], capture_output=True, text=True)
    ours_produce = json.loads(produced.stdout.strip().splitlines()[-1])

    # kcat producing the same records (one per line) into a topic of its own.
    kcat_topic = topic + "-kcat"
    subprocess.run([args.bench_binary, "kafka-produce", "--brokers", args.brokers, "--topic", kcat_topic, "--messages", "1"],
                   check=True, capture_output=True)
    filler = "x" * max(0, args.size - 64)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as lines:
        for index in range(args.messages - 1):
            lines.write(f'{{"event_id":"e-{index}","pad":"{filler}"}}\n')
        path = lines.name
    with open(path) as source:
        kcat_produce_seconds, _ = run_timed(["kcat", "-P", "-b", args.brokers, "-t", kcat_topic, "-X", "enable.idempotence=true"], stdin=source)
    os.unlink(path)

    consume = {"kcat": [], "skillstream": []}
    for round_number in range(args.rounds):
        order = ["kcat", "skillstream"] if round_number % 2 == 0 else ["skillstream", "kcat"]
        for who in order:
            if who == "kcat":
                seconds, _ = run_timed(["kcat", "-C", "-b", args.brokers, "-t", topic, "-o", "beginning", "-e", "-q"],
                                       stdout=subprocess.DEVNULL)
            else:
                seconds, completed = run_timed([args.bench_binary, "kafka-consume", "--brokers", args.brokers, "--topic", topic,
                                                "--messages", str(args.messages)], capture_output=True, text=True)
                result = json.loads(completed.stdout.strip().splitlines()[-1])
                assert int(result["messages"]) >= args.messages, result
            consume[who].append(args.messages / seconds)
            print(f"bench: round {round_number + 1} {who} consumed {args.messages / seconds:,.0f} msg/s", file=sys.stderr)

    kcat_rate = statistics.median(consume["kcat"])
    ours_rate = statistics.median(consume["skillstream"])
    kcat_produce_rate = (args.messages - 1) / kcat_produce_seconds
    table = f"""<!-- kafka-throughput:start -->
Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_kafka.py): {args.messages:,} messages of ~{args.size} bytes,
one partition, Tansu (memory storage) on 127.0.0.1, broker and client sharing the machine's 2 cores;
librdkafka {ours_produce['librdkafka']} for both clients (LD_LIBRARY_PATH). Each consume is a whole process from start to exit
(metadata, offsets and fetches included), reading the topic from the beginning without a group join;
median of {args.rounds} alternating rounds. The SkillStream consumer converts every record to a Swift
`KafkaConsumerMessage` (key, value and headers copied).

| | SkillStream (Swift, release) | kcat | ratio |
|---|---|---|---|
| consume, messages/s | {ours_rate:,.0f} | {kcat_rate:,.0f} | **{ours_rate / kcat_rate:.2f}** |
| produce, messages/s (idempotent, every delivery awaited) | {ours_produce['per_second']:,.0f} | {kcat_produce_rate:,.0f} | {ours_produce['per_second'] / kcat_produce_rate:.2f} |

Consume rounds, messages/s: SkillStream {', '.join(f'{r:,.0f}' for r in consume['skillstream'])}; kcat {', '.join(f'{r:,.0f}' for r in consume['kcat'])}.
<!-- kafka-throughput:end -->"""
    print(table)
    replace_section(args.output, "kafka-throughput", table)

if __name__ == "__main__":
    main()
