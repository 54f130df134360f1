"""Ctrl-C and SIGTERM during `reconcile apply`, as a pipeline sends them: the CLI runs as a process against
`reconcile emulator` (slow transitions, so the interrupt lands mid-run), with an S3 lock.

What must hold: no write starts after the first interrupt (queued target writes included), the report says
what was done and what was not, the lock is released, the exit code is 130 (SIGINT) or 1 (SIGTERM), a second
interrupt exits at once, and a re-run converges without duplicates.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import boto3
import pytest

from reconciler.apply import apply_plan
from reconciler.interrupts import Cancellation
from reconciler.outputs.mcp import render_sync_text
from reconciler.sync import SyncSettings, Synchronizer, synchronize_declared
from tests.conftest import FAST, REGION, running_emulator
from tests.helpers import SECRETS, converge, fleet, mcp_registry, plan_for, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

TARGETS = 12
BUCKET = "interrupt-locks"
DEADLINE = 60.0  # seconds any process here may take


@pytest.fixture
def slow_emulator() -> Iterator[str]:
    """An emulator whose resources stay CREATING for a second and a half."""
    with running_emulator("--delay", "1.5") as url:
        yield url


def environment(url: str) -> dict[str, str]:
    return {**os.environ, **SECRETS, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def start_apply(folder: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--poll-interval", "0.1"],
                            cwd=folder, env=environment(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(process: subprocess.Popen[str], text: str) -> list[str]:
    """Read stderr until a line contains `text` (bounded by DEADLINE)."""
    assert process.stderr is not None
    seen, started = [], time.monotonic()
    while time.monotonic() - started < DEADLINE:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never saw {text!r}: {''.join(seen)}")


@pytest.fixture
def registry(tmp_path: Path, slow_emulator: str) -> Path:
    boto3.client("s3", region_name=REGION, endpoint_url=slow_emulator).create_bucket(Bucket=BUCKET)
    (tmp_path / "gateways.yaml").write_text(fleet(TARGETS, head=f"lock: {{s3: {{bucket: {BUCKET}}}}}\n"))
    return tmp_path


def targets_in(url: str) -> list[str]:
    client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=url)
    gateway = client.list_gateways()["items"][0]["gatewayId"]
    return sorted(t["name"] for t in client.get_paginator("list_gateway_targets").paginate(gatewayIdentifier=gateway).search("items"))


def lock_objects(url: str) -> list[str]:
    listed = boto3.client("s3", region_name=REGION, endpoint_url=url).list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_first_sigint_finishes_in_flight_reports_releases_the_lock_and_exits_130(registry: Path, slow_emulator: str) -> None:
    apply = start_apply(registry, slow_emulator)
    wait_for_line(apply, "target/t0: Creating...")
    apply.send_signal(signal.SIGINT)
    out, err = apply.communicate(timeout=DEADLINE)
    assert apply.returncode == 130, err
    assert "Interrupt received" in err and "Apply interrupted:" in out
    assert "not attempted: gateway/fleet/target/" in out  # queued behind the gateway's 5 write slots: never sent
    created = targets_in(slow_emulator)
    assert 0 < len(created) <= 5  # only the writes in flight when the interrupt came
    time.sleep(2.0)  # a write still queued would have been sent by now
    assert targets_in(slow_emulator) == created
    assert lock_objects(slow_emulator) == []  # released on the way out

    again = start_apply(registry, slow_emulator)
    out, err = again.communicate(timeout=DEADLINE * 2)
    assert again.returncode == 0, err
    assert targets_in(slow_emulator) == sorted(f"t{i}" for i in range(TARGETS))  # converged, no duplicate


def test_sigterm_exits_1(registry: Path, slow_emulator: str) -> None:
    apply = start_apply(registry, slow_emulator)
    wait_for_line(apply, "gateway/fleet: Creating...")
    apply.send_signal(signal.SIGTERM)
    out, err = apply.communicate(timeout=DEADLINE)
    assert apply.returncode == 1 and "Apply interrupted:" in out, err
    assert "interrupted: gateway/fleet: interrupted while waiting for gateway/fleet" in out
    assert lock_objects(slow_emulator) == []


def test_a_second_interrupt_exits_at_once(tmp_path: Path) -> None:
    with running_emulator("--latency", "2") as url:  # every call takes two seconds: the interrupt finds one in flight
        (tmp_path / "gateways.yaml").write_text(fleet(1))
        apply = start_apply(tmp_path, url)
        wait_for_line(apply, "gateway/fleet: Creating...")
        apply.send_signal(signal.SIGINT)
        wait_for_line(apply, "Interrupt received")
        apply.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = apply.communicate(timeout=DEADLINE)
        assert apply.returncode == 130 and time.monotonic() - started < 1.5
        assert "Interrupted again: exiting now" in err


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
