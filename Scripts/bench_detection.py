#!/usr/bin/env python3
"""Gap-detection quality for `make bench`: `skillstream evaluate-scenario` on the default scenario for
seeds 1, 2 and 3, scored against the simulator's ground truth, the same seeds with smaller teams, and
`skillstream replay --truth` on seeds 1-3 of the world Scripts/second_world.py writes (a simulator written
apart from SkillStream's own, from the contract alone). Writes the section between the detection markers
of BENCHMARKS.md."""
import argparse, json, subprocess, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from benchmarks_document import replace_section

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--output", default="BENCHMARKS.md")
args = parser.parse_args()

def evaluate(seed, policy, follow_share=None, staff=None, partitions=None, share_effects_days=None):
    command = [args.binary, "evaluate-scenario", "--seed", str(seed), "--policy", policy, "--json"]
    if partitions is not None:
        command += ["--partitions", str(partitions)]
    if share_effects_days is not None:
        command += ["--share-effects-days", str(share_effects_days)]
    if follow_share is not None:
        command += ["--follow-share", str(follow_share)]
    if staff is not None:
        command += ["--staff-per-restaurant", str(staff)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])

# The training comparison over more seeds than the target's three: a seed's closed loop moves by chance
# (who is alerted decides who is trained), so the policies are also compared over seeds 1-24, two runs at a time.
POLICY_SEEDS = range(1, 25)
with ThreadPoolExecutor(max_workers=2) as pool:
    by_policy = {policy: list(pool.map(lambda seed: evaluate(seed, policy), POLICY_SEEDS)) for policy in ("measured", "random", "oracle")}
runs, baselines, oracles = (by_policy[policy][:3] for policy in ("measured", "random", "oracle"))
open_loop = [evaluate(seed, "measured", follow_share=0) for seed in (1, 2, 3)]
small_teams = [(staff, evaluate(seed, "measured", staff=staff)) for staff in (12, 8) for seed in (1, 2, 3)]
partitioned = [(share, evaluate(seed, "measured", partitions=6, share_effects_days=share)) for share in (0, 7) for seed in (1, 2, 3)]

def second_world(seed):
    with tempfile.TemporaryDirectory(prefix="skillstream-second-world-") as directory:
        subprocess.run(["python3", "Scripts/second_world.py", "--seed", str(seed), "--out", directory], check=True, capture_output=True)
        replay = [args.binary, "replay", "--events", directory, "--output", directory + "/out", "--truth", directory + "/ground-truth.json"]
        summary = json.loads(subprocess.run(replay, check=True, capture_output=True, text=True).stdout)
    return dict(summary["detection"], seed=seed, records=sum(summary["read_by_topic"].values()))

second_worlds = [second_world(seed) for seed in (1, 2, 3)]

def verdict(ok):
    return "met" if ok else "**not met**"

def delay(run):
    return "n/a" if run["median_delay_days"] is None else f"{run['median_delay_days']:.1f}"

def detection_row(r):
    return f"| {r['seed']} | {r['alerts_opened']} | {r['precision']:.1%} | {r['true_gaps']} | {r['recall']:.1%} | {delay(r)} | {r['confounded_share']:.1%} |"

def detection_rows(runs):
    return "\n".join(detection_row(r) for r in runs)

def ending_row(label, r):
    days = "n/a" if r["median_days_recovery_to_resolution"] is None else f"{r['median_days_recovery_to_resolution']:.1f}"
    return (f"| {label} | {r['seed']} | {r['recovered_gaps']} | {r['recovered_gaps_resolved']} | {days} | {r['recovered_gaps_still_open']} "
            f"| {r['resolutions']} | {r['resolved_while_weak']} |")

rows = detection_rows(runs)

def trained(r):
    return f"{r['gap_days_after_alert_when_trained']:.1f} ({r['gaps_trained']} gaps)"

def mean_trained(policy):
    return sum(r["gap_days_after_alert_when_trained"] for r in by_policy[policy]) / len(POLICY_SEEDS)

faster = sum(m["gap_days_after_alert_when_trained"] < b["gap_days_after_alert_when_trained"] for m, b in zip(by_policy["measured"], by_policy["random"]))
worst = lambda key: min(r[key] for r in runs)
delays = [r["median_delay_days"] for r in runs if r["median_delay_days"] is not None]
pooled_ranking = sum(r["ranking_correct"] for r in runs) / max(1, sum(r["ranking_pairs"] for r in runs))
table = f"""<!-- detection:start -->
Measured {time.strftime('%Y-%m-%d')} by `make bench` (Scripts/bench_detection.py): `skillstream evaluate-scenario --seed N --json`,
default scenario (12 restaurants × 25 staff, 90 days, default faults), release build. True gaps: (staff, skill) pairs
truly weak for at least 14 days, of staff who served tables while weak; an alert is correct when it opens during the
weak period or within 7 days after.

| seed | alerts opened | precision | true gaps | recall | median delay (days) | confounded staff |
|---|---|---|---|---|---|---|
{rows}

| target | worst seed | verdict |
|---|---|---|
| precision ≥ 90% | {worst('precision'):.1%} | {verdict(worst('precision') >= 0.9)} |
| recall ≥ 90% | {worst('recall'):.1%} | {verdict(worst('recall') >= 0.9)} |
| median delay ≤ 7 days | {max(delays) if delays else float('nan'):.1f} | {verdict(bool(delays) and max(delays) <= 7)} |
| confounded staff ≤ 2% | {max(r['confounded_share'] for r in runs):.1%} | {verdict(max(r['confounded_share'] for r in runs) <= 0.02)} |

The same detection without the closed loop (`--follow-share 0`: nobody follows a recommendation). In the closed loop, a
gap that is alerted early and trained away soon after stops being weak within 14 days and so drops out of the true gaps:
the quickly detected gaps are the ones that leave, which lengthens the closed loop's median delay. Without the loop
every planted weakness lasts, and the figures measure detection alone.

| seed | alerts opened | precision | true gaps | recall | median delay (days) | confounded staff |
|---|---|---|---|---|---|---|
{detection_rows(open_loop)}

How alerts end, not a target: the issue asks that an alert resolve when the skill recovers, with hysteresis so that
it does not flap. Recovered gaps: true gaps that ended before the run while the staff member stayed, with an alert open
then (most were trained away in the closed loop); days from the recovery to that alert's resolution, and how many were
still open at the end. Resolutions while still weak: resolutions (departures aside) while the skill was truly weak.

| run | seed | recovered gaps | resolved | median days to resolve | still open at the end | resolutions | … while still weak |
|---|---|---|---|---|---|---|---|
{chr(10).join(ending_row(label, r) for label, group in (("closed loop", runs), ("open loop", open_loop), ("second world", second_worlds)) for r in group)}

Profiles at the end of the run, not a target: what the dashboard shows each manager. Of the (staff, skill) cells of the
staff still employed that are shown more than 25% below the benchmark (red), how many are truly weak then; and of the
truly weak cells, how many are shown red. A competent person somewhat behind their peers is red and not truly weak.

| seed | cells shown red | of them truly weak | truly weak cells shown red |
|---|---|---|---|
{chr(10).join(f"| {r['seed']} | {r['profile_shown_far']} | {r['profile_shown_far_truly_weak']} ({r['profile_shown_far_truly_weak'] / max(1, r['profile_shown_far']):.0%}) | {r['profile_shown_far_truly_weak']}/{r['profile_truly_weak']} |" for r in runs)}

Smaller teams, not a target: fine-dining rooms often have 8 to 15 service staff, and a scenario written by someone
else may too. The same seeds in the closed loop with `--staff-per-restaurant 12` and `8`; with fewer peers their rate
is measured from fewer events, and the tests weigh that uncertainty (docs of `GapTests.widened`).

| staff per restaurant | seed | alerts opened | precision | true gaps | recall | median delay (days) | confounded staff |
|---|---|---|---|---|---|---|---|
{chr(10).join(f"| {staff} " + detection_row(r) for staff, r in small_teams)}

One engine per partition, not a target: the processor keeps each partition's state apart (its models, role
calibration and measured program effects learn from that partition's restaurants only), while evaluate-scenario and
replay run one engine for all. The same closed loop with `--partitions 6` (the restaurants spread as the producer's
partitioner spreads them, as `make demo` and the processor run them): ranking pairs are counted per partition that
holds restaurants, and such a partition that measured none of a pair's programs counts it wrong. Without sharing,
and with the partitions' measurements pooled and shared every 7 simulated days (`--share-effects-days 7`, what
`skillstream share-program-effects` on a weekly schedule does for the processor).

| seed | program effects shared | alerts opened | precision | recall | median delay (days) | ranking | … when a recommended program was completed |
|---|---|---|---|---|---|---|---|
{chr(10).join(f"| {r['seed']} | {'weekly' if share else 'never'} | {r['alerts_opened']} | {r['precision']:.1%} | {r['recall']:.1%} | {delay(r)} | {r['ranking_correct']}/{r['ranking_pairs']} | {trained(r)} |" for share, r in partitioned)}

A world written apart from the simulator, not a target: `python3 Scripts/second_world.py --seed N` was written by
someone who saw only the contract (Schemas/), never SkillStream's simulator or detector, with modelling choices of
its own (its docstring lists them): 10 restaurants of 8 to 22 staff, every guest of a table may answer, a skill is
weak below 0.45, error and complaint rates rise well above that level, levels wander daily, and a bad kitchen month
also slows the kitchen. Its events replayed (`skillstream replay --truth`, no closed loop) and scored as above.

| seed | records | alerts opened | precision | true gaps | recall | median delay (days) | confounded staff |
|---|---|---|---|---|---|---|---|
{chr(10).join(f"| {r['seed']} | {r['records']:,} " + detection_row(r)[len(f"| {r['seed']} "):] for r in second_worlds)}

Training, closed loop (the simulated restaurants follow half of the first-ranked recommendations), the measured
ranking (Thompson sampling) against a random program from the same skill (`--policy random`) and against a ranking
that knows the simulator's true effects (`--policy oracle`, the bound), same seeds. Ranking: (skill, role) pairs
whose best-estimated program at the end of the 90 days is the truly most effective one. Gap days: from the first
alert until the skill is truly back above the weak level (or the run ends), over alerted true gaps.

| seed | ranking, measured | ranking, random | gap days after alert, measured | … random | … oracle | … when a recommended program was completed, measured | … random | … oracle |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(f"| {m['seed']} | {m['ranking_correct']}/{m['ranking_pairs']} | {b['ranking_correct']}/{b['ranking_pairs']} | {m['gap_days_after_alert']:.1f} | {b['gap_days_after_alert']:.1f} | {o['gap_days_after_alert']:.1f} | {trained(m)} | {trained(b)} | {trained(o)} |" for m, b, o in zip(runs, baselines, oracles))}

| target | worst seed | verdict |
|---|---|---|
| top-ranked program truly the best in ≥ 80% of (skill, role) pairs | {worst('ranking_share'):.0%} | {verdict(worst('ranking_share') >= 0.8)} |
| trained gaps close faster than with a random program | {sum(m['gap_days_after_alert_when_trained'] < b['gap_days_after_alert_when_trained'] for m, b in zip(runs, baselines))} of 3 seeds | {verdict(all(m['gap_days_after_alert_when_trained'] < b['gap_days_after_alert_when_trained'] for m, b in zip(runs, baselines)))} |

For the planners, not a verdict: over the three seeds' (skill, role) pairs taken together, the top-ranked program is
the truly best in {pooled_ranking:.0%} of them ({sum(r['ranking_correct'] for r in runs)}/{sum(r['ranking_pairs'] for r in runs)}); the target above is read on the worst seed.
Over seeds {POLICY_SEEDS.start}–{POLICY_SEEDS.stop - 1} (same runs, same command), gaps trained with a recommended program were back above the
weak level {mean_trained('measured'):.1f} days after the alert with the measured ranking, {mean_trained('random'):.1f} with a random program and
{mean_trained('oracle'):.1f} with the oracle; the measured ranking was faster than random on {faster} of {len(POLICY_SEEDS)} seeds, and the best program was
on top at the end in {sum(r['ranking_correct'] for r in by_policy['measured'])} of {sum(r['ranking_pairs'] for r in by_policy['measured'])} (skill, role) pairs (random: {sum(r['ranking_correct'] for r in by_policy['random'])}).
<!-- detection:end -->"""
print(table)
replace_section(args.output, "detection", table)
