"""The benchmark harnesses keep running: the smallest registries, as CI's smoke tests (no timing or memory is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.workload import Layout
from tests.conftest import ROOT

STEPS = {"apply", "cold plan", "warm plan", "one target changed", "changed-only plan"}
# A smoke test checks that a harness runs, not how fast: no per-call latency, resources READY at once and polled as
# often, and an account that reads at 100/s (the service's 10/s would only make the plans wait).
QUICK = ("--latency", "0", "--ready-delay", "0.05", "--poll-interval", "0.05", "--reads-per-second", "100", "--writes-per-second", "50")


def harness(tmp_path: Path, script: str, *arguments: str) -> dict[str, Any]:
    """Run benchmarks/SCRIPT with its results in tmp_path; the JSON it wrote."""
    done = subprocess.run([sys.executable, f"benchmarks/{script}.py", *arguments, "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads((tmp_path / f"{script}.json").read_text()))


def test_the_scale_harness_runs_its_smallest_registry(tmp_path: Path) -> None:
    (size,) = harness(tmp_path, "scale", "--smoke", *QUICK)["sizes"]
    assert size["targets"] == 10 and set(size["steps"]) == STEPS
    assert size["steps"]["cold plan"]["calls"] > 0 and size["steps"]["apply"]["writes"] > 0
    assert not any(step["seeded"] for step in size["steps"].values())


def test_a_seeded_apply_runs_at_the_seeding_rates_and_the_plans_at_the_accounts(tmp_path: Path) -> None:
    results = harness(tmp_path, "scale", "--sizes", "20:10", "--seed-rates", "1000,500", *QUICK)
    (size,) = results["sizes"]
    assert (size["size"], size["gateways"], size["targets_per_gateway"]) == ("20:10", 2, 10)
    assert size["steps"]["apply"]["seeded"] and size["steps"]["apply"]["quotas"] == "1000 r/s, 500 w/s"
    assert {size["steps"][name]["quotas"] for name in STEPS - {"apply"}} == {results["plans_ran_under"]} == {"100 r/s, 50 w/s"}
    assert size["steps"]["apply"]["by_operation"]["CreateGateway"] == 2


def test_the_memory_harness_runs_at_tiny_sizes(tmp_path: Path) -> None:
    results = harness(tmp_path, "memory", "--sizes", "10,20")
    assert [size["targets"] for size in results["sizes"]] == [10, 20]
    assert all(size["cold"]["live_resources"] >= size["resources"] for size in results["sizes"])
    assert results["sizes"][-1]["warm"]["from_cache"] > 0  # the warm plan did read through the cache
    description = results["description_bytes"]
    assert description["python"]["target"] > description["json"]["target"] > 0  # parsed objects outweigh their text
    assert set(results["per_resource"]) == {"cold", "warm"}


def test_a_layout_names_its_targets_per_gateway() -> None:
    layout = Layout.parse("200:50")
    assert (layout.gateways, layout.teams, layout.resources, layout.label) == (4, 20, 204, "200:50")
    assert [layout.gateway_of(team) for team in (0, 4, 5, 19)] == ["gw0000", "gw0000", "gw0001", "gw0003"]
    assert (Layout.parse("1000").gateways, Layout.parse("1000").label) == (10, "1000")


@pytest.mark.parametrize("size", ["200:55", "200:0", "10:200", "0", "many"])
def test_a_bad_size_is_one_line_from_the_scale_harness(size: str) -> None:
    done = subprocess.run([sys.executable, "benchmarks/scale.py", "--sizes", size], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1].startswith(f"scale.py: error: argument --sizes: '{size}': ")


def test_the_deployments_harness_runs_its_smallest_registry(tmp_path: Path) -> None:
    results = harness(tmp_path, "deployments", "--smoke", *QUICK)
    assert results["deployments"] == 4 and results["targets_per_deployment"] == 20
    one, every = results["steps"]["one deployment"], results["steps"]["all deployments"]
    assert every["reads"] > 3 * one["reads"]  # every deployment was read, in its own account and region
