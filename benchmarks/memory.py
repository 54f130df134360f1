"""Memory harness (not a test): what planning holds per resource, beyond the resources' descriptions themselves.

    python benchmarks/memory.py --sizes 1000,5000
    python benchmarks/memory.py --sizes 10,20 --out /tmp/mem   # a check that it all runs (CI)

`reconcile emulator` (a process of its own, so its memory is not counted) is
filled with registries of the given sizes (the layout of benchmarks/scale.py:
gateways of 100 targets, teams of 10), one after the other: `reconcile apply
--target gateway/...` creates the gateways, the targets are created through the
API as their files declare them (see fill()), with no quota to slow either down.
Then, in this process, the product's plan path runs under
tracemalloc as `reconcile plan` runs it (Manager.compute: the files loaded, the
desired model, the live read through the observed-state cache, the planner),
twice per size: cold (an empty cache: every description is read) and warm (the
cache the cold plan left). A plan with any change is a wrong outcome (exit 1).

Per plan: the peak of traced bytes (what Python allocated at its height) and
what is still held once the plan is made. Between the smallest and the largest
size, (peak - peak) / resources added is what one more resource costs; beside
it, the average size of one resource's description (its Get answer,
ResponseMetadata left out: as JSON text, and as the Python objects a client
holds once it parsed it) and the difference from the latter: the memory per
resource beyond the description (issue 8's goal: under 2 KB); also beyond both
descriptions, the live one and the declared one (the body the files give, as
parsed objects), since a plan holds each resource's declaration too. The allocation
sites that grew most between the two sizes say where it goes. Results go to
OUT/memory.json (OUT defaults to benchmarks/results/).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402

from benchmarks.harness import REPO, Emulator, Quotas, run_cli  # noqa: E402
from benchmarks.workload import Layout, gateway_name, target_body, target_name, write_registry  # noqa: E402
from reconciler.deployments import load_desired_state  # noqa: E402
from reconciler.manager import DeploymentPlan, Manager, PlanRequest  # noqa: E402

UNLIMITED = Quotas(reads_per_second=100_000, writes_per_second=100_000, latency=0.0, ready_delay=0.05)
SITES = 12  # allocation sites reported
SAMPLE = 100  # targets whose Get answers are measured (those of the first gateway)
FILLERS = 16  # teams whose targets are created at once
CONFLICT_RETRIES = 200


class WrongOutcome(Exception):
    """A plan of an applied registry showed changes."""


def main() -> None:
    args = parse_arguments()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        results = measure(args.sizes, Path(tempfile.mkdtemp(prefix="memory-")))
    except WrongOutcome as error:
        sys.exit(f"WRONG OUTCOME: {error}")
    (args.out / "memory.json").write_text(json.dumps(results, indent=2) + "\n")
    print_results(results)
    print(f"\nresults: {args.out / 'memory.json'}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda text: sorted(int(size) for size in text.split(",")), default=[1000, 5000],
                        help="targets per registry, comma-separated (at least two: the cost per resource is their difference)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    if len(args.sizes) < 2:
        parser.error("--sizes needs at least two sizes")
    return args


def measure(sizes: list[int], work: Path) -> dict[str, Any]:
    """Each size applied to one emulator in turn (a larger registry adds to the smaller one), then planned twice."""
    measured: list[dict[str, Any]] = []
    snapshots: dict[str, list[tracemalloc.Snapshot]] = {"cold": [], "warm": []}
    with Emulator(UNLIMITED) as emulator, pointed_at(emulator, work / "unused-cache"):
        for targets in sizes:
            layout, folder = Layout(targets), work / f"registry-{targets}"
            write_registry(folder, layout, UNLIMITED)
            started = time.monotonic()
            fill(emulator, folder, layout, work / "apply-cache")
            filled = time.monotonic() - started
            if not measured:
                plan(folder, work / "warm-up")  # imports, botocore's service model: once, before anything is traced
            row: dict[str, Any] = {"targets": targets, "resources": layout.resources, "fill_s": round(filled, 1)}
            for state in ("cold", "warm"):  # the warm plan reads through the cache the cold one wrote
                row[state], snapshot = traced(lambda: plan(folder, work / f"cache-{targets}"))
                snapshots[state].append(snapshot)
            measured.append(row)
            print(f"{targets:,} targets: filled in {filled:.0f} s; peak {row['cold']['peak_mb']} MB cold, "
                  f"{row['warm']['peak_mb']} MB warm", flush=True)
        description = description_bytes(emulator, Layout(sizes[-1]))
    description["declared"] = declared_bytes(work / f"registry-{sizes[-1]}")
    return {"sizes": measured, "description_bytes": description,
            "per_resource": {state: per_resource(measured, state, description, snapshots[state]) for state in ("cold", "warm")}}


def fill(emulator: Emulator, folder: Path, layout: Layout, cache_dir: Path) -> None:
    """The emulator holds the registry: its gateways applied by `reconcile apply` (tagged as the product tags them),
    its targets created straight through the API, as their files declare them (the apply's one-by-one waits and
    synchronizations would take hours for thousands; a target's description is what its create sends)."""
    gateways_only = [option for g in range(layout.gateways) for option in ("--target", f"gateway/{gateway_name(g)}")]
    # Polled as often as the emulator moves on (its READY delay): the fill is not what is measured.
    applied = run_cli(["apply", "--auto-approve", "--poll-interval", str(UNLIMITED.ready_delay), "-f", ".", *gateways_only], folder,
                      emulator.environment(cache_dir), 3600)
    if applied.exit_code != 0:
        raise WrongOutcome(f"the apply of {layout.gateways} gateways exited {applied.exit_code}: {applied.stderr.strip()[-2000:]}")
    client = boto3.client("bedrock-agentcore-control", endpoint_url=emulator.url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    gateways = {g["name"]: g["gatewayId"] for page in client.get_paginator("list_gateways").paginate() for g in page["items"]}

    def create_team(team: int) -> None:
        gateway_id = gateways[layout.gateway_of(team)]
        existing = {t["name"] for t in client.list_gateway_targets(gatewayIdentifier=gateway_id, maxResults=100)["items"]}
        for target in layout.team_targets(team):
            if target_name(target) not in existing:
                create_target(client, gateway_id, target_name(target), target_body(team, target))

    with ThreadPoolExecutor(max_workers=FILLERS) as pool:
        list(pool.map(create_team, range(layout.teams)))


def create_target(client: Any, gateway_id: str, name: str, body: dict[str, Any]) -> None:
    """CreateGatewayTarget, again while the gateway has its 5 target writes in flight (a conflict does nothing)."""
    for _ in range(CONFLICT_RETRIES):
        try:
            client.create_gateway_target(gatewayIdentifier=gateway_id, name=name, **body)
            return
        except client.exceptions.ConflictException:
            time.sleep(UNLIMITED.ready_delay)
    raise WrongOutcome(f"{name}: the emulator kept refusing its create ({CONFLICT_RETRIES} conflicts)")


@contextmanager
def pointed_at(emulator: Emulator, cache_dir: Path) -> Iterator[None]:
    """This process's AWS settings are a user's pointed at the emulator (for the plans run in-process)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(emulator.environment(cache_dir))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def plan(folder: Path, cache_dir: Path) -> DeploymentPlan:
    """What `reconcile plan -f FOLDER` computes; an applied registry must plan no change."""
    computed = Manager(progress=lambda _: None).compute(PlanRequest(paths=[str(folder)], cache_dir=str(cache_dir)))
    if not computed.plan.empty:
        shown = [change.address for change in computed.plan.changes[:5]]
        raise WrongOutcome(f"{folder.name}: the plan shows {len(computed.plan.changes)} change(s), e.g. {shown}")
    return computed


def traced(run: Callable[[], DeploymentPlan]) -> tuple[dict[str, Any], tracemalloc.Snapshot]:
    """The peak of bytes allocated while `run` runs, what its result still holds, and a snapshot of that."""
    gc.collect()
    tracemalloc.start()
    try:
        computed = run()
        held, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    figures = {"peak_bytes": peak, "held_bytes": held, "peak_mb": round(peak / 2**20, 1), "held_mb": round(held / 2**20, 1),
               "live_resources": len(computed.live.resources), "from_cache": computed.live.from_cache}
    return figures, snapshot


def description_bytes(emulator: Emulator, layout: Layout) -> dict[str, Any]:
    """The average JSON size of a resource's Get answer: every gateway's, and the targets' of the first gateway."""
    client = boto3.client("bedrock-agentcore-control", endpoint_url=emulator.url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    gateways = [g["gatewayId"] for page in client.get_paginator("list_gateways").paginate() for g in page["items"]]
    first = client.list_gateway_targets(gatewayIdentifier=gateways[0], maxResults=SAMPLE)["items"]
    gateway = _average(client.get_gateway(gatewayIdentifier=g) for g in gateways)
    target = _average(client.get_gateway_target(gatewayIdentifier=gateways[0], targetId=t["targetId"]) for t in first)
    found = {}
    for form in ("json", "python"):
        per_resource = (gateway[form] * layout.gateways + target[form] * layout.targets) / layout.resources
        found[form] = {"gateway": round(gateway[form]), "target": round(target[form]), "per_resource": round(per_resource)}
    return found


def declared_bytes(folder: Path) -> dict[str, int]:
    """The average size of a resource's declared description (its body as the files give it), as parsed objects."""
    bodies = [json.dumps(desired.body, separators=(",", ":")) for desired in load_desired_state([str(folder)]).resources.values()]
    return {"per_resource": round(sum(map(_python_bytes, bodies)) / len(bodies))}


def _average(answers: Iterator[dict[str, Any]]) -> dict[str, float]:
    """The mean size of the answers: as JSON text, and as the Python objects a client holds once it parsed them."""
    texts = [json.dumps({k: v for k, v in answer.items() if k != "ResponseMetadata"}, default=str, separators=(",", ":"))
             for answer in answers]
    return {"json": sum(map(len, texts)) / len(texts), "python": sum(map(_python_bytes, texts)) / len(texts)}


def _python_bytes(text: str) -> int:
    """What holding one parsed description costs: the traced growth of decoding its JSON and keeping the result."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = json.loads(text)
    size = tracemalloc.get_traced_memory()[0] - before
    if not tracing:
        tracemalloc.stop()
    del held
    return size


def per_resource(sizes: list[dict[str, Any]], state: str, description: dict[str, Any],
                 snapshots: list[tracemalloc.Snapshot]) -> dict[str, Any]:
    """What one more resource costs a plan (largest size against the smallest), and where it is held."""
    small, large = sizes[0], sizes[-1]
    added = large["resources"] - small["resources"]
    peak = (large[state]["peak_bytes"] - small[state]["peak_bytes"]) / added
    held = (large[state]["held_bytes"] - small[state]["held_bytes"]) / added
    grown = sorted(snapshots[-1].compare_to(snapshots[0], "lineno"), key=lambda stat: stat.size_diff, reverse=True)[:SITES]
    return {"peak_bytes": round(peak), "held_bytes": round(held), "beyond_description_bytes": round(peak - description["python"]["per_resource"]),
            "beyond_both_descriptions_bytes": round(peak - description["python"]["per_resource"] - description["declared"]["per_resource"]),
            "sites": [{"site": _site(stat.traceback), "bytes_per_resource": round(stat.size_diff / added),
                       "blocks_per_resource": round(stat.count_diff / added, 2)} for stat in grown]}


def _site(traceback: tracemalloc.Traceback) -> str:
    frame = traceback[0]
    path = Path(frame.filename)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else Path(*path.parts[-2:])
    return f"{shown}:{frame.lineno}"


def print_results(results: dict[str, Any]) -> None:
    description = results["description_bytes"]
    print(f"\n{'targets':>8}{'resources':>11}{'fill s':>9}{'cold peak MB':>14}{'cold held MB':>14}{'warm peak MB':>14}{'warm held MB':>14}")
    for row in results["sizes"]:
        print(f"{row['targets']:>8,}{row['resources']:>11,}{row['fill_s']:>9.0f}{row['cold']['peak_mb']:>14.1f}"
              f"{row['cold']['held_mb']:>14.1f}{row['warm']['peak_mb']:>14.1f}{row['warm']['held_mb']:>14.1f}")
    for form, held_as in (("json", "as JSON text"), ("python", "as the parsed objects a plan holds")):
        print(f"one resource's description (its Get answer) {held_as}: {description[form]['per_resource']} bytes on average "
              f"(gateway {description[form]['gateway']}, target {description[form]['target']})")
    print(f"one resource's declared description (its body from the files) as parsed objects: "
          f"{description['declared']['per_resource']} bytes on average")
    for state, cost in results["per_resource"].items():
        print(f"\n{state} plan, per added resource: peak {cost['peak_bytes']:,} bytes, held after the plan {cost['held_bytes']:,} bytes; "
              f"beyond the live description: {cost['beyond_description_bytes']:,} bytes, beyond it and the declared one: "
              f"{cost['beyond_both_descriptions_bytes']:,} bytes (goal: under 2,048)")
        print("  where the held memory grew (bytes and blocks per resource, by allocation site):")
        for site in cost["sites"]:
            print(f"    {site['bytes_per_resource']:>7,} B {site['blocks_per_resource']:>6.2f}  {site['site']}")


if __name__ == "__main__":
    main()
