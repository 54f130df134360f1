"""Speed harness of issue 19 (not a test): what a team waiting on its pull request feels.

    python benchmarks/speed.py                      # the 1,001-file layout (10,000 targets) and a small registry
    python benchmarks/speed.py --targets 1000       # a smaller layout, said so in the results

Against `reconcile emulator` at the account's quotas (10 reads/s, 5 writes/s,
50 ms per call), with the `reconcile` CLI run as a user runs it (a subprocess):

    changed-only plan   `plan --changed-only HEAD` after one target of one team file was edited, on the layout of
                        benchmarks/workload.py (platform.yaml + one file per team of 10 targets; 10,000 targets:
                        1,001 files). The emulator holds the edited team's gateway and its targets (applied with
                        `--target`, at raised rates): a changed-only plan reads nothing else, so its calls are
                        those it makes against the whole registry.
    validate            `reconcile validate` of those files.
    start-up            seconds from the process start to the first AWS call the emulator receives, for a
                        no-change plan of a small registry (10 targets), warm cache; the median of 3 runs.

Results go to OUT/speed.json (OUT defaults to benchmarks/results/). The other
rows of issue 19 come from benchmarks/scale.py (see the README's Performance
section): the no-change plan of 4 x 50 targets at 50 reads/s, and the first
apply's writes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import REPO, Emulator, Quotas, run_cli  # noqa: E402
from benchmarks.workload import Layout, declare_quotas, edit_team, write_registry  # noqa: E402

PLAN = ["plan", "--format", "json", "--detailed-exitcode", "-f", "."]
SEED = (1000.0, 500.0)  # reads/s, writes/s of the seeding apply
GOALS = {"changed-only plan": 2.0, "validate": 0.8, "start-up": 0.3}  # seconds (issue 19); read, never asserted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=10_000, help="targets of the pull-request layout (10 per team file)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the median is reported")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    quotas = Quotas()
    results: dict[str, Any] = {"quotas": quotas.rates, "latency_s": quotas.latency, "layout_targets": args.targets}
    with tempfile.TemporaryDirectory(prefix="speed-") as work:
        with Emulator(quotas) as emulator:  # an account of its own each: both registries are `bench`
            results["start-up"] = start_up(emulator, Path(work), args)
        with Emulator(quotas) as emulator:
            results["changed-only plan"], results["validate"] = pull_request(emulator, Layout(args.targets), Path(work), args)
    for name, figures in results.items():
        if isinstance(figures, dict):
            goal = GOALS[name]
            print(f"{name}: {figures['seconds']:.2f} s (goal < {goal:g} s: {'met' if figures['seconds'] < goal else 'NOT met'}) {figures}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(results, indent=2) + "\n")


def pull_request(emulator: Emulator, layout: Layout, work: Path, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The edited team's gateway applied, then its pull request planned with --changed-only, and the files validated."""
    folder = work / "registry"
    seeded = replace(emulator.quotas, reads_per_second=SEED[0], writes_per_second=SEED[1])
    write_registry(folder, layout, seeded)
    emulator.set_quotas(seeded)
    seed = run_cli(["apply", "--auto-approve", "--target", f"gateway/{layout.gateway_of(0)}*", "-f", "."],
                   folder, emulator.environment(work / "seed-cache"), args.timeout)
    if seed.exit_code != 0:
        raise SystemExit(f"the seeding apply failed: {seed.stderr[-2000:]}")
    emulator.set_quotas(emulator.quotas)
    declare_quotas(folder, layout, emulator.quotas)  # committed: the plans run at the account's quotas
    edited = edit_team(folder, layout, 0)
    plans, validations = [], []
    for _ in range(args.runs):
        before = emulator.calls()
        run = run_cli([PLAN[0], "--changed-only", "HEAD", *PLAN[1:]], folder, emulator.environment(work / "cache"), args.timeout)
        changes = [change["address"] for change in json.loads(run.stdout)["changes"]] if run.exit_code in (0, 2) else None
        if changes != [edited]:
            raise SystemExit(f"the changed-only plan planned {changes}, expected [{edited}]: {run.stderr[-2000:]}")
        plans.append({"seconds": round(run.wall, 3), "cpu_s": round(run.cpu, 3),
                      "calls": emulator.calls().since(before).by_operation})
        check = run_cli(["validate", "-f", "."], folder, emulator.environment(work / "cache"), args.timeout)
        if check.exit_code != 0:
            raise SystemExit(f"validate failed: {check.stderr[-2000:]}")
        validations.append({"seconds": round(check.wall, 3), "cpu_s": round(check.cpu, 3)})
    files = {"files": layout.teams + 1, "targets": layout.targets}
    return median(plans) | files, median(validations) | files


def start_up(emulator: Emulator, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Seconds from `reconcile plan`'s start to the first call the emulator receives (a small registry, warm cache)."""
    layout, folder, cache = Layout(10), work / "small", work / "small-cache"
    write_registry(folder, layout, emulator.quotas)
    environment = emulator.environment(cache)
    if run_cli(["apply", "--auto-approve", "-f", "."], folder, environment, args.timeout).exit_code != 0:
        raise SystemExit("the small registry's apply failed")
    run_cli(PLAN, folder, environment, args.timeout)  # the cache is warm: what a team's second plan finds
    runs = []
    for _ in range(args.runs):
        reset = urllib.request.Request(f"{emulator.url}/_emulator/stats", method="DELETE")
        with urllib.request.urlopen(reset, timeout=30):  # noqa: S310 - loopback
            pass
        started = time.monotonic()
        run = run_cli(PLAN, folder, environment, args.timeout)
        with urllib.request.urlopen(f"{emulator.url}/_emulator/stats", timeout=30) as answer:  # noqa: S310 - loopback
            first = json.load(answer)["first_call_monotonic"]
        if run.exit_code != 0 or first is None:
            raise SystemExit(f"the small plan failed: {run.stderr[-2000:]}")
        runs.append({"seconds": round(first - started, 3), "plan_seconds": round(run.wall, 3), "cpu_s": round(run.cpu, 3)})
    return median(runs) | {"targets": layout.targets}


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median `seconds`, with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    return ordered[len(ordered) // 2] | {"runs_s": [run["seconds"] for run in runs], "median_of": len(runs),
                                          "spread_s": round(statistics.pstdev([run["seconds"] for run in runs]), 3)}


if __name__ == "__main__":
    main()
