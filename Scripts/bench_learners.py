#!/usr/bin/env python3
"""Learner benchmark for `make bench`: every model on every stream in ../shared/data/streams,
prequentially with `skillstream evaluate --json` (release build), next to the reference figures
of River, MOA and Vowpal Wabbit in REFERENCE.md (measured on a machine like this one). Writes the
tables between the learners markers of BENCHMARKS.md.

Speeds are the median of --rounds runs of the predict + learn loop alone; accuracy, F1 and log
loss are deterministic. The targets of the learners issue are checked and reported, not asserted.
"""
import argparse, glob, json, os, re, statistics, subprocess, sys, time
from benchmarks_document import replace_section

# Columns that are integer codes of categories (REFERENCE.md: MOA treats them as nominal).
NOMINAL = {"agrawal": ["elevel", "car", "zipcode"]}

# Our configurations, and the reference rows each is compared with.
MODELS = [
    # name, evaluate flags, reference peers for accuracy/log loss, peer for speed
    ("lr", ["--model", "logistic", "--optimizer", "sgd", "--no-standardize"], ["river_lr"], "vw_cli"),
    ("lr_scaled_sgd", ["--model", "logistic", "--optimizer", "sgd"], ["river_lr_scaled"], "vw_cli"),
    ("lr_scaled", ["--model", "logistic"], ["river_lr_scaled"], "vw_cli"),
    ("ht", ["--model", "hoeffding-tree"], ["moa_java_ht_native", "river_ht"], "moa_java_ht_native"),
    ("ht_capymoa", ["--model", "hoeffding-tree", "--capymoa"], ["moa_java_ht", "capymoa_ht"], "moa_java_ht"),
    ("hat", ["--model", "hoeffding-adaptive-tree"], ["moa_java_hat_native", "river_hat"], "moa_java_hat_native"),
    ("hat_capymoa", ["--model", "hoeffding-adaptive-tree", "--capymoa"], ["moa_java_hat", "capymoa_hat"], "moa_java_hat"),
]


def parse_reference(path):
    """{stream: {model: {accuracy, f1, logloss, sps}}} from REFERENCE.md's per-stream tables."""
    tables, stream = {}, None
    number = lambda text: None if text.strip() in ("—", "-", "") else float(text.replace(",", ""))
    for line in open(path, encoding="utf-8"):
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            stream = heading.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if stream and len(cells) == 5 and cells[0] not in ("model", "") and not cells[0].startswith("---"):
            try:
                tables.setdefault(stream, {})[cells[0]] = dict(zip(["accuracy", "f1", "logloss", "sps"], map(number, cells[1:])))
            except ValueError:
                pass
    return tables


def evaluate(binary, csv, flags, nominal):
    command = [binary, "evaluate", "--csv", csv, "--json", *flags]
    if nominal:
        command += ["--nominal", ",".join(nominal)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--streams", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "streams"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default="BENCHMARKS.md")
    args = parser.parse_args()

    reference = parse_reference(os.path.join(args.streams, "REFERENCE.md"))
    results = {}
    for csv in sorted(glob.glob(os.path.join(args.streams, "*.csv"))):
        stream = os.path.splitext(os.path.basename(csv))[0]
        rows = sum(1 for _ in open(csv)) - 1
        for name, flags, _, _ in MODELS:
            runs = [evaluate(args.binary, csv, flags, NOMINAL.get(stream, [])) for _ in range(args.rounds)]
            first = runs[0]
            first["samplesPerSecond"] = statistics.median(run["samplesPerSecond"] for run in runs)
            first["rows"] = rows
            results[(stream, name)] = first
            print(f"bench: {stream:9} {name:14} acc {first['accuracy']:.4f} logloss {first['logLoss']:.4f} "
                  f"{first['samplesPerSecond']:,.0f}/s", file=sys.stderr)

    streams = sorted({stream for stream, _ in results})
    lines = ["<!-- learners:start -->",
             f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_learners.py, `skillstream evaluate --json`, release build),",
             f"one core, data preloaded, prequential over the whole stream; speed is the median of {args.rounds} runs of the",
             "predict + learn loop alone. Reference rows are copied from ../shared/data/streams/REFERENCE.md (River 0.26.1,",
             "MOA, Vowpal Wabbit 9.11.9, measured on a machine like this one, not in this run). Our configurations:",
             "`lr` plain SGD (River's defaults), `lr_scaled_sgd` the same with online standardisation (River's pipeline),",
             "`lr_scaled` the default of `--model logistic` (AdaGrad 0.1 + standardisation), `ht`/`hat` MOA's defaults,",
             "`*_capymoa` MOA `-m 33554433 -c 0.001 -z -p`.", ""]
    checks = []
    for stream in streams:
        lines += [f"### {stream}", "", "| model | accuracy | F1 | log loss | samples/s |", "|---|---|---|---|---|"]
        for name, _, peers, speed_peer in MODELS:
            result = results[(stream, name)]
            lines.append(f"| **skillstream {name}** | {result['accuracy']:.4f} | {result['f1']:.4f} | {result['logLoss']:.4f} | {result['samplesPerSecond']:,.0f} |")
        for model, figures in reference.get(stream, {}).items():
            cell = lambda key, fmt: "—" if figures[key] is None else format(figures[key], fmt)
            lines.append(f"| {model} | {cell('accuracy', '.4f')} | {cell('f1', '.4f')} | {cell('logloss', '.4f')} | {cell('sps', ',.0f')} |")
        lines.append("")
        peers_of = reference.get(stream, {})
        for name, _, peers, speed_peer in MODELS:
            result = results[(stream, name)]
            if name.startswith(("ht", "hat")):
                known = [peers_of[p]["accuracy"] for p in peers if p in peers_of and peers_of[p]["accuracy"] is not None]
                if known:
                    best = max(known)
                    gap = (result["accuracy"] - best) * 100
                    checks.append((stream, name, f"accuracy within 0.5 pp of best of {', '.join(peers)} ({best:.4f})",
                                   f"{gap:+.2f} pp", gap >= -0.5))
            if name == "lr_scaled" and "river_lr_scaled" in peers_of:
                river = peers_of["river_lr_scaled"]["logloss"]
                checks.append((stream, name, f"log loss ≤ river_lr_scaled ({river:.4f})", f"{result['logLoss']:.4f}", result["logLoss"] <= river))
            if result["rows"] >= 100_000 and speed_peer in peers_of and peers_of[speed_peer]["sps"]:
                ratio = result["samplesPerSecond"] / peers_of[speed_peer]["sps"]
                need = {"vw_cli": 5.0}.get(speed_peer, 2.0 if name.startswith("ht") else 1.0)
                if name in ("lr", "lr_scaled", "ht", "hat"):
                    checks.append((stream, name, f"speed ≥ {need:g}× {speed_peer} ({peers_of[speed_peer]['sps']:,.0f}/s)", f"{ratio:.2f}×", ratio >= need))
    lines += ["### Targets of the learners issue", "", "| stream | model | target | measured | met |", "|---|---|---|---|---|"]
    for stream, name, target, measured, met in checks:
        lines.append(f"| {stream} | {name} | {target} | {measured} | {'yes' if met else '**no**'} |")
    lines.append("<!-- learners:end -->")
    table = "\n".join(lines)
    print(table)
    replace_section(args.output, "learners", table)


if __name__ == "__main__":
    main()
