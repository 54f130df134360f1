"""Ctrl-C and SIGTERM during `reconcile apply`, as a pipeline sends them: the CLI runs as a process against
`reconcile emulator`, with an S3 lock. The emulator holds resources in CREATING, or a call waiting, until the test
releases them, so each interrupt lands where the test says (never a race against a transition's time).

What must hold: no write starts after the first interrupt (queued target writes included), the report says
what was done and what was not, the lock is released, the exit code is 130 (SIGINT) or 1 (SIGTERM), a second
interrupt exits at once, and a re-run converges without duplicates.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import boto3
import pytest

from reconciler.apply import apply_plan
from reconciler.interrupts import Cancellation
from reconciler.outputs.mcp import render_sync_text
from reconciler.sync import SyncSettings, Synchronizer, synchronize_declared
from tests.conftest import EMULATOR_DELAY, FAST, REGION, emulator_holds, hang_bound, running_emulator
from tests.helpers import SECRETS, converge, fleet, mcp_registry, plan_for, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

TARGETS = 12
BUCKET = "interrupt-locks"
DEADLINE = hang_bound(60.0)  # seconds any process or wait here may take before it is called hung


@pytest.fixture
def held_emulator() -> Iterator[str]:
    """An emulator server for one test: its holds (placed by the test) release with it."""
    with running_emulator("--delay", EMULATOR_DELAY) as url:
        yield url


def environment(url: str) -> dict[str, str]:
    return {**os.environ, **SECRETS, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def start_apply(folder: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--poll-interval", "0.1"],
                            cwd=folder, env=environment(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(process: subprocess.Popen[str], text: str) -> list[str]:
    """Read stderr until a line contains `text` (the process ends past DEADLINE: a hang fails, it never blocks)."""
    assert process.stderr is not None
    seen = []
    while line := process.stderr.readline():
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never saw {text!r}: {''.join(seen)}")


def killed_past_deadline(process: subprocess.Popen[str]) -> None:
    """A hang bound: the process is killed if it outlives DEADLINE (readline would block on it forever)."""
    timer = threading.Timer(DEADLINE, process.kill)
    timer.daemon = True
    timer.start()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Until `condition()` holds; a hang fails after DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {DEADLINE:.0f} s"
        time.sleep(0.02)


@pytest.fixture
def registry(tmp_path: Path, held_emulator: str) -> Path:
    boto3.client("s3", region_name=REGION, endpoint_url=held_emulator).create_bucket(Bucket=BUCKET)
    (tmp_path / "gateways.yaml").write_text(fleet(TARGETS, head=f"lock: {{s3: {{bucket: {BUCKET}}}}}\n"))
    return tmp_path


def targets_in(url: str) -> list[str]:
    client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=url)
    gateway = client.list_gateways()["items"][0]["gatewayId"]
    return sorted(t["name"] for t in client.get_paginator("list_gateway_targets").paginate(gatewayIdentifier=gateway).search("items"))


def lock_objects(url: str) -> list[str]:
    listed = boto3.client("s3", region_name=REGION, endpoint_url=url).list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_first_sigint_finishes_in_flight_reports_releases_the_lock_and_exits_130(registry: Path, held_emulator: str) -> None:
    emulator_holds(held_emulator, "POST", {"kind": "target", "status": "CREATING"})  # no target write slot frees up
    apply = start_apply(registry, held_emulator)
    killed_past_deadline(apply)
    seen = wait_for_line(apply, "target/t0: Creating...")
    wait_until(lambda: emulator_holds(held_emulator)["holds"][0]["kept"] != [], "a target was created and is held")
    apply.send_signal(signal.SIGINT)
    out, err = apply.communicate(timeout=DEADLINE)
    assert apply.returncode == 130, err
    assert "Interrupt received" in err and "Apply interrupted:" in out
    assert "not attempted: gateway/fleet/target/" in out  # queued behind the gateway's 5 write slots: never sent
    created = targets_in(held_emulator)
    assert 0 < len(created) <= 5  # only the writes in flight when the interrupt came
    started = sorted(line.split("target/")[1].split(":")[0] for line in [*seen, *err.splitlines()] if ": Creating..." in line and "target/" in line)
    # Each write sent was announced; one announced but still waiting for its quota slot was never sent, and says so.
    assert set(created) <= set(started)
    assert all(f"gateway/fleet/target/{name}: interrupted while about to send" in out for name in set(started) - set(created))
    assert lock_objects(held_emulator) == []  # released on the way out

    emulator_holds(held_emulator, "DELETE")
    again = start_apply(registry, held_emulator)
    out, err = again.communicate(timeout=DEADLINE * 2)
    assert again.returncode == 0, err
    assert targets_in(held_emulator) == sorted(f"t{i}" for i in range(TARGETS))  # converged, no duplicate


def test_sigterm_exits_1(registry: Path, held_emulator: str) -> None:
    emulator_holds(held_emulator, "POST", {"kind": "gateway", "name": "fleet", "status": "CREATING"})  # the apply waits for it
    apply = start_apply(registry, held_emulator)
    killed_past_deadline(apply)
    wait_for_line(apply, "gateway/fleet: Creating...")
    wait_until(lambda: emulator_holds(held_emulator)["holds"][0]["kept"] != [], "the gateway was created and is held")
    apply.send_signal(signal.SIGTERM)
    out, err = apply.communicate(timeout=DEADLINE)
    assert apply.returncode == 1 and "Apply interrupted:" in out, err
    assert "interrupted: gateway/fleet: interrupted while waiting for gateway/fleet" in out
    assert lock_objects(held_emulator) == []


def test_a_second_interrupt_exits_at_once(tmp_path: Path, held_emulator: str) -> None:
    # The gateway's create call stays in flight until released: only a run that stops waiting for it can exit.
    hold = emulator_holds(held_emulator, "POST", {"kind": "call", "op": "CreateGateway"})
    (tmp_path / "gateways.yaml").write_text(fleet(1))
    apply = start_apply(tmp_path, held_emulator)
    killed_past_deadline(apply)
    wait_for_line(apply, "gateway/fleet: Creating...")
    wait_until(lambda: emulator_holds(held_emulator)["holds"][0]["waiting"] == 1, "the create call reached the emulator")
    apply.send_signal(signal.SIGINT)
    wait_for_line(apply, "Interrupt received")
    apply.send_signal(signal.SIGINT)
    _, err = apply.communicate(timeout=DEADLINE)
    assert apply.returncode == 130 and "Interrupted again: exiting now" in err
    assert emulator_holds(held_emulator)["holds"] == [{**hold, "calls": 1, "waiting": 1}]  # it exited with the call in flight


def test_a_cancelled_run_writes_nothing_and_says_so(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]

    plan = plan_for(api, registry_from(tmp_path, fleet(3)))
    cancellation = Cancellation()
    cancellation.cancel(signal.SIGTERM)
    result = apply_plan(api, plan, FAST, cancellation=cancellation)
    assert api.writes_made() == 0 and not result.ok and result.cancelled
    assert sorted(result.not_attempted) == sorted(c.address for c in plan.changes)
    assert result.report().startswith("Apply interrupted: 0 done, 0 failed, 0 interrupted, 4 not attempted")
    assert cancellation.exit_code == 1


def test_an_interrupted_sync_synchronizes_nothing_more(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with serving(mcp_app(healthy())) as server:
        registry = registry_from(tmp_path, mcp_registry({"orders": server.https(), "billing": server.https()}))
        converge(api, registry)
        cancellation = Cancellation()
        cancellation.cancel()
        synchronizer = Synchronizer(api, FAST.polling, FAST.retrying, SyncSettings(), lambda line: None, cancellation=cancellation)
        writes = api.writes_made()
        result = synchronize_declared(synchronizer, registry, registry.mcp_server_targets())
    assert api.writes_made() == writes and not result.ok
    assert sorted(result.not_attempted) == ["gateway/tools/target/billing", "gateway/tools/target/orders"]
    assert render_sync_text(result).startswith("Sync interrupted: 0 synchronized")
