"""End to end: the installed `reconcile` command against `reconcile emulator` on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.conftest import FIXTURES, REGION, hang_bound, refusing_port
from tests.helpers import BASE, SECRETS

RECONCILE = str(Path(sys.executable).parent / "reconcile")
BAD = sorted((FIXTURES / "bad").glob("*.yaml"))


def run(args: list[str], endpoint: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **SECRETS, "AWS_ENDPOINT_URL": endpoint, **(env or {})}
    return subprocess.run([RECONCILE, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=hang_bound(120))


@pytest.fixture
def own_registry_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A registry with a name of its own, so tests sharing the emulator server never see each other's resources."""
    suffix = request.node.name.replace("_", "-")[-20:].strip("-")
    text = BASE.replace("test-registry", f"e2e-{suffix}").replace("  main:", f"  main-{suffix}:")
    for name in ("m2m", "vendor"):
        text = text.replace(f"  {name}:\n", f"  {name}-{suffix}:\n").replace(f"provider: {name},", f"provider: {name}-{suffix},")
    (tmp_path / "gateways.yaml").write_text(text)
    return tmp_path


def test_plan_apply_plan_converges(emulator_url: str, own_registry_dir: Path) -> None:
    first = run(["plan", "--detailed-exitcode"], emulator_url, own_registry_dir)
    assert first.returncode == 2, first.stderr
    assert "Plan: 6 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged." in first.stdout
    applied = run(["apply", "--auto-approve", "--poll-interval", "0.05"], emulator_url, own_registry_dir)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 6 done, 0 failed, 0 not attempted, 2 synchronized." in applied.stdout
    again = run(["plan", "--detailed-exitcode", "--format", "json"], emulator_url, own_registry_dir)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"] == {"create": 0, "update": 0, "replace": 0, "delete": 0, "unchanged": 6}


def test_drift_by_hand_is_shown_and_repaired(emulator_url: str, own_registry_dir: Path) -> None:
    assert run(["apply", "--auto-approve", "--poll-interval", "0.05"], emulator_url, own_registry_dir).returncode == 0
    client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=emulator_url)
    name = next(n for n in (own_registry_dir / "gateways.yaml").read_text().split() if n.startswith("main-")).rstrip(":")
    gid = next(g["gatewayId"] for p in client.get_paginator("list_gateways").paginate() for g in p["items"] if g["name"] == name)
    live = client.get_gateway(gatewayIdentifier=gid)
    client.update_gateway(gatewayIdentifier=gid, name=name, roleArn=live["roleArn"], authorizerType=live["authorizerType"],
                          authorizerConfiguration=live["authorizerConfiguration"], description="drifted")
    drift = run(["plan", "--format", "markdown", "--detailed-exitcode"], emulator_url, own_registry_dir)
    assert drift.returncode == 2
    assert '~ description = "drifted" -> "Main gateway"' in drift.stdout
    assert "protocolConfiguration.mcp.searchType" in drift.stdout  # the full-replacement update reset it too
    assert "Apply will refuse this plan without --force" in drift.stdout  # searchType forces a gateway replace
    refused = run(["apply", "--auto-approve", "--poll-interval", "0.05"], emulator_url, own_registry_dir)
    assert refused.returncode == 1 and "replace of a gateway needs --force" in refused.stderr
    assert run(["apply", "--auto-approve", "--force", "--poll-interval", "0.05"], emulator_url, own_registry_dir).returncode == 0
    assert run(["plan", "--detailed-exitcode"], emulator_url, own_registry_dir).returncode == 0


def test_secrets_never_appear_in_any_output(emulator_url: str, own_registry_dir: Path) -> None:
    outputs = [run(["plan", "--format", fmt], emulator_url, own_registry_dir) for fmt in ("text", "json", "markdown")]
    outputs.append(run(["apply", "--auto-approve", "--poll-interval", "0.05"], emulator_url, own_registry_dir))
    rotated = {"VENDOR_KEY": "rotated-vendor-key-77"}
    outputs.append(run(["plan"], emulator_url, own_registry_dir, rotated))
    outputs.append(run(["apply", "--auto-approve", "--poll-interval", "0.05"], emulator_url, own_registry_dir, rotated))
    assert "~ apiKey = (sensitive) -> (sensitive)" in outputs[-2].stdout  # the rotation is detected, not shown
    for result in outputs:
        assert result.returncode == 0, result.stderr
        for secret in [*SECRETS.values(), *rotated.values()]:
            assert secret not in result.stdout + result.stderr


def test_apply_without_terminal_or_auto_approve_refuses(emulator_url: str, own_registry_dir: Path) -> None:
    result = run(["apply"], emulator_url, own_registry_dir)
    assert result.returncode == 1
    assert "pass --auto-approve" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_bad_input_exits_1_with_file_line_and_no_aws_call(path: Path, command: str, tmp_path: Path) -> None:
    # Nothing listens on this port: any AWS call would fail with a connection error instead.
    with refusing_port() as port:
        result = run([command, "-f", str(path)], f"http://127.0.0.1:{port}", tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Could not connect" not in result.stderr
    line = path.read_text().splitlines()[0].removeprefix("# expect: ").split(":")[0]
    assert (f"{path}:{line}:" if line != "0" else "registry:") in result.stderr, result.stderr


def test_aws_failure_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text("registry: r\nregion: us-east-1\n")
    with refusing_port() as port:
        result = run(["plan"], f"http://127.0.0.1:{port}", tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
