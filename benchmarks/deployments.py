"""Deployments harness (not a test): a plan of 4 deployments x N targets against one deployment's plan alone.

    python benchmarks/deployments.py                       # 4 deployments x 1,000 targets at 10 reads/s each
    python benchmarks/deployments.py --targets 200         # a reduced size
    python benchmarks/deployments.py --smoke --out /tmp/b  # 20 targets each, well under a minute (CI)

The registry (the layout of benchmarks/workload.py: gateways of 100 targets,
one file per team of 10) declares four deployments in two accounts and two
regions, each reached through an assumed role; the emulator keeps each account
and region apart, with its own quotas (10 reads/s, 5 writes/s, 50 ms per
call). The first apply runs seeded (`--seed-rates`, raised quotas in the
emulator and the files), then both go back to the account's quotas and two
cold plans (empty observed-state cache, no change to find) are measured:

    one deployment      `plan --deployment d1`: one account+region's reads at its quota
    all deployments     `plan`: the four read in parallel, each at its own quota

Deployments are read in parallel, so the second should take about as long as
the first (issue 17's goal: at most 1.3x). Each step reports wall time, calls
(counted by the emulator), throttled calls, CPU and peak memory beside its
quota bound. Results go to OUT/deployments.json (OUT defaults to
benchmarks/results/). A plan with changes is a wrong outcome (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import REPO, Emulator, Quotas, run_cli  # noqa: E402
from benchmarks.scale import PLAN, WrongOutcome, apply_command, check, figures, machine, rates  # noqa: E402
from reconciler.waiting import Polling  # noqa: E402
from benchmarks.workload import Layout, platform_text, write_registry  # noqa: E402

PLACES = (("d1", "111111111111", "us-east-1"), ("d2", "111111111111", "eu-west-1"),
          ("d3", "222222222222", "us-east-1"), ("d4", "222222222222", "eu-west-1"))
GOAL_RATIO = 1.3


def main() -> None:
    args = parse_arguments()
    layout = Layout(20, 10) if args.smoke else Layout(args.targets)
    quotas = Quotas(args.reads_per_second, args.writes_per_second, args.latency, args.ready_delay)
    seed = replace(quotas, reads_per_second=args.seed_rates[0], writes_per_second=args.seed_rates[1])
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deployments-") as work:
        try:
            steps = measure(layout, quotas, seed, Path(work), args.timeout, args.poll_interval)
        except WrongOutcome as error:
            print(f"WRONG OUTCOME: {error}", file=sys.stderr)
            sys.exit(1)
    one, every = steps["one deployment"], steps["all deployments"]
    ratio = round(every["wall_s"] / one["wall_s"], 3)
    results = {"quotas": asdict(quotas), "seed_quotas": asdict(seed), "machine": machine(), "deployments": len(PLACES),
               "targets_per_deployment": layout.targets, "gateways_per_deployment": layout.gateways, "steps": steps,
               "all_over_one": ratio, "goal": f"<= {GOAL_RATIO}x"}
    (args.out / "deployments.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, step in steps.items():
        print(f"{name:16} {step['wall_s']:8.1f} s  bound {step['bound_s']:7.1f} s  {step['calls']:6,} calls  "
              f"{step['throttled']} throttled  CPU {step['cpu_s']:.1f} s  {step['peak_rss_mb']:.0f} MB")
    print(f"{len(PLACES)} deployments x {layout.targets:,} targets: {ratio}x the time of one (goal <= {GOAL_RATIO}x)")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=1000, help="targets per deployment (in gateways of 100)")
    parser.add_argument("--smoke", action="store_true", help="20 targets per deployment: a check that it all runs")
    parser.add_argument("--reads-per-second", type=float, default=Quotas.reads_per_second)
    parser.add_argument("--writes-per-second", type=float, default=Quotas.writes_per_second)
    parser.add_argument("--latency", type=float, default=Quotas.latency, help="seconds the emulator takes per call")
    parser.add_argument("--ready-delay", type=float, default=Quotas.ready_delay, help="seconds a resource takes to become READY")
    parser.add_argument("--seed-rates", type=rates, default=(1000.0, 500.0), metavar="R,W",
                        help="the first apply runs at R reads/s and W writes/s per account and region (default 1000,500)")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds one CLI run may take")
    parser.add_argument("--poll-interval", type=float, default=Polling.initial, help="apply's first status poll delay (its --poll-interval)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    return parser.parse_args()


def deployments_text(layout: Layout, quotas: Quotas) -> str:
    """platform.yaml of the scale layout, in four deployments (the same gateways and targets in each)."""
    head = ["deployments:"] + [f"  {name}: {{account: '{account}', region: {region}, roleArn: 'arn:aws:iam::{account}:role/bench'}}"
                               for name, account, region in PLACES]
    return platform_text(layout, quotas).replace("region: us-east-1\n", "\n".join(head) + "\n", 1)


def measure(layout: Layout, quotas: Quotas, seed: Quotas, work: Path, timeout: float, poll_interval: float) -> dict[str, Any]:
    folder = work / "registry"
    write_registry(folder, layout, seed)
    (folder / "platform.yaml").write_text(deployments_text(layout, seed))
    steps: dict[str, Any] = {}
    with Emulator(quotas) as emulator:
        emulator.set_quotas(seed)
        applied = run_cli(apply_command(poll_interval), folder, emulator.environment(work / "apply-cache"), timeout)
        check("apply", applied, None)
        emulator.set_quotas(quotas)
        (folder / "platform.yaml").write_text(deployments_text(layout, quotas))
        for name, extra, budgets in (("one deployment", ["--deployment", "d1"], 1), ("all deployments", [], len(PLACES))):
            before = emulator.calls()
            run = run_cli([*PLAN, *extra], folder, emulator.environment(work / f"cache-{budgets}"), timeout)
            check(name, run, set())
            # Each account+region has its own quota: `budgets` of them read at once.
            under = replace(quotas, reads_per_second=quotas.reads_per_second * budgets,
                            writes_per_second=quotas.writes_per_second * budgets)
            steps[name] = figures(run, emulator.calls().since(before), under)
    return steps


if __name__ == "__main__":
    main()
