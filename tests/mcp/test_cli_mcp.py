"""End to end on one machine: the installed `reconcile`, `reconcile emulator` as a server, and real MCP servers."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import mcp_registry
from tests.mcp_servers import healthy, mcp_app, not_mcp, serving
from tests.test_cli_e2e import run

FAST = ("--poll-interval", "0.05")


def unique(text: str, suffix: str) -> str:
    """Own registry and gateway names, so tests sharing the emulator server never see each other's resources."""
    return text.replace("registry: mcp-test", f"registry: mcp-{suffix}").replace("  tools:\n", f"  tools-{suffix}:\n")


def test_probe_plan_apply_verify_sync_through_the_emulator_server(emulator_url: str, tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        text = unique(mcp_registry({"orders": server.https()}, expect={"orders": ["get_order", "list_orders"]}), "flow")
        (tmp_path / "gateways.yaml").write_text(text)
        planned = run(["plan", "--probe"], emulator_url, tmp_path)
        applied = run(["apply", "--auto-approve", "--verify", *FAST], emulator_url, tmp_path)
        synced = run(["sync", "--gateway", "tools-flow", *FAST], emulator_url, tmp_path)
        verified = run(["verify", "--format", "json", "--search", "list orders"], emulator_url, tmp_path)
        probed = run(["probe", "--format", "json"], emulator_url, tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "✓ gateway/tools-flow/target/orders: 2 tools, protocol 2025-06-18" in planned.stdout
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "1 synchronized" in applied.stdout and "Verify: 1 passed, 0 failed." in applied.stdout
    assert synced.returncode == 0 and "Sync complete: 1 synchronized" in synced.stdout, synced.stdout + synced.stderr
    gateway = json.loads(verified.stdout)["gateways"][0]
    assert gateway["ok"] and gateway["targets"][0]["present"] == ["get_order", "list_orders"]
    assert gateway["search"][0] == "orders___list_orders"
    assert json.loads(probed.stdout)["ok"] is True


def test_plan_probe_fails_before_a_bad_server_is_registered(emulator_url: str, tmp_path: Path) -> None:
    with serving(not_mcp()) as html:
        (tmp_path / "gateways.yaml").write_text(unique(mcp_registry({"portal": html.https()}), "bad"))
        planned = run(["plan", "--probe"], emulator_url, tmp_path)
        as_json = run(["plan", "--probe", "--format", "json"], emulator_url, tmp_path)
    assert planned.returncode == 1
    assert "✗ gateway/tools-bad/target/portal: not-mcp:" in planned.stdout
    assert "Traceback" not in planned.stderr
    document = json.loads(as_json.stdout)  # one JSON object: the plan, with the probe inside
    assert as_json.returncode == 1 and document["summary"]["create"] == 2 and document["probe"]["ok"] is False


def test_probe_a_local_server_before_deploying(emulator_url: str, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(unique(mcp_registry({"orders": "https://orders.example.com/mcp"}), "local"))
    with serving(mcp_app(healthy(version=2))) as local:
        probed = run(["probe", "--endpoint", f"tools-local/orders={local.url}"], emulator_url, tmp_path)
    assert probed.returncode == 0, probed.stdout + probed.stderr
    assert "3 tools, protocol 2025-06-18" in probed.stdout and local.url in probed.stdout
    bad = run(["probe", "--endpoint", "nonsense"], emulator_url, tmp_path)
    assert bad.returncode == 1 and "give GATEWAY/TARGET=URL" in bad.stderr
