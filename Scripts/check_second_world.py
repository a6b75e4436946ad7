#!/usr/bin/env python3
"""The event contract against a producer written apart from SkillStream: the events of
Scripts/second_world.py (seed 1, written from Schemas/ alone) replayed through `skillstream replay`.
Every event that world sends as valid must be processed, each malformed one dead-lettered with the
reason its ground truth names, each duplicate counted once, and the counters must balance. Prints
the detection figures too (`replay --truth`); those are benchmarks (BENCHMARKS.md), not checked here."""
import argparse, json, subprocess, sys, tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

with tempfile.TemporaryDirectory(prefix="skillstream-contract-world-") as directory:
    subprocess.run([sys.executable, "Scripts/second_world.py", "--seed", str(args.seed), "--out", directory], check=True, capture_output=True)
    truth = json.load(open(f"{directory}/ground-truth.json"))
    replay = [args.binary, "replay", "--events", directory, "--output", f"{directory}/out", "--truth", f"{directory}/ground-truth.json"]
    summary = json.loads(subprocess.run(replay, check=True, capture_output=True, text=True).stdout)
    letters = [json.loads(line) for line in open(f"{directory}/out/skillstream.dead-letter.jsonl")]

faults = truth["faults"]
problems = []
if summary["dead_lettered_by_reason"] != faults["malformed_by_reason"]:
    problems.append(f"dead letters by reason {summary['dead_lettered_by_reason']}, the world sent {faults['malformed_by_reason']} malformed")
    problems += [f"  {letter['source_topic']} line {letter['source_line']}: {letter['reason']} {letter.get('field', '')}: {letter['message']}" for letter in letters[:20]]
if summary["duplicates"] != faults["duplicates"]:
    problems.append(f"{summary['duplicates']} duplicates counted, the world sent {faults['duplicates']}")
if summary["consumed"] != sum(truth["records_per_topic"].values()):
    problems.append(f"{summary['consumed']} consumed, the world wrote {sum(truth['records_per_topic'].values())}")
if summary["consumed"] != summary["processed"] + summary["dead_lettered"] + summary["duplicates"]:
    problems.append("consumed != processed + dead-lettered + duplicates")

detection = summary["detection"]
print(f"second world, seed {args.seed}: {summary['consumed']:,} records, {summary['processed']:,} processed, "
      f"{summary['dead_lettered']} dead-lettered {summary['dead_lettered_by_reason']}, {summary['duplicates']} duplicates; "
      f"detection (not checked): precision {detection['precision']:.1%}, recall {detection['recall']:.1%} of {detection['true_gaps']} true gaps")
for problem in problems:
    print("FAIL:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
