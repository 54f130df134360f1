"""Holds: resources kept in their transient status and calls kept waiting until released, in-process and through
`reconcile emulator` (its --hold flag and /_emulator/holds)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest

from reconciler.emulator import holds
from reconciler.emulator.base import DELAY_VARIABLE
from reconciler.errors import ConfigError
from tests.conftest import running_emulator
from tests.emulator.support import ROLE, SETTLED, backend, gateway, lambda_target, until
from tests.emulator.test_server import emulator_path


@pytest.fixture(autouse=True)
def no_hold_left() -> Iterator[None]:
    yield
    holds.release()


def status(client: Any, gateway_id: str) -> str:
    return str(client.get_gateway(gatewayIdentifier=gateway_id)["status"])


def test_a_held_gateway_stays_creating_until_released_and_others_move_on(client) -> None:  # type: ignore[no-untyped-def]
    hold = holds.place("gateway:name=big*")
    big, small = gateway(client, "big"), gateway(client, "small")
    until(lambda: status(client, small), lambda s: s == "READY")  # created after big: big's own delay is over too
    assert status(client, big) == "CREATING" and hold.kept == {"big"}
    holds.release(hold.id)
    assert status(client, big) == "READY"  # at its next read


def test_a_hold_on_one_status_lets_the_others_pass(client) -> None:  # type: ignore[no-untyped-def]
    gateway_id = gateway(client)
    until(lambda: status(client, gateway_id), lambda s: s == "READY")
    with holds.holding("target:name=g/orders,status=DELETING") as hold:
        targets = [client.create_gateway_target(gatewayIdentifier=gateway_id, name=name, targetConfiguration=lambda_target())["targetId"]
                   for name in ("orders", "other")]
        read = lambda: client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=targets[0])["status"]  # noqa: E731
        until(read, lambda s: s == "READY")  # CREATING is not held
        for target_id in targets:
            until(lambda: client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)["status"], lambda s: s == "READY")
            client.delete_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
        names = lambda: [t["name"] for t in client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"]]  # noqa: E731
        until(names, lambda listed: listed == ["orders"])  # other, deleted after it, is gone: orders' own delay is over
        assert read() == "DELETING" and hold.kept == {"g/orders"}
    assert names() == []  # released: its deletion ended


def test_a_held_call_waits_until_released(client, faults) -> None:  # type: ignore[no-untyped-def]
    hold = holds.place("call:op=CreateGateway")
    with ThreadPoolExecutor(max_workers=1) as pool:
        created = pool.submit(gateway, client, "waiting")
        until(lambda: hold.waiting, lambda n: n == 1)
        assert client.list_gateways()["items"] == [] and not created.done()  # not carried out yet; other calls are
        holds.release()
        gateway_id = created.result(timeout=30)
    assert [g["gatewayId"] for g in client.list_gateways()["items"]] == [gateway_id]
    assert (hold.calls, hold.waiting) == (1, 0)


@pytest.mark.parametrize(("rule", "message"), [
    ("gatway", "unknown kind 'gatway' (known: call, gateway, target, rule, rate-limit, policy-engine, policy, registry, record)"),
    ("gateway:op=CreateGateway", "'op' is not a key of a gateway hold (its keys: name, status)"),
    ("target:status=READY", "status=READY: expected one of CREATING, UPDATING, SYNCHRONIZING, DELETING"),
    ("call:name=x", "'name' is not a key of a call hold (its keys: op)"),
])
def test_a_bad_hold_is_one_clear_line(rule: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        holds.parse_hold(rule)
    assert str(caught.value) == f"hold '{rule}': {message}"


def test_every_kind_names_an_emulated_resource() -> None:
    # A kind no class answers to would hold nothing: the test relying on it would wait in vain.
    from reconciler.emulator import agent_registry, models, policies, rate_limits, rules

    classes = [models.EmulatedGateway, models.EmulatedTarget, rules.GatewayRule, rate_limits.RateLimit, policies.PolicyEngine,
               policies.Policy, agent_registry.Registry, agent_registry.Record]
    assert [sorted(holds._kinds_of(cls)) for cls in classes] == [[kind] for kind in holds.RESOURCE_KINDS]


def test_a_rate_limit_is_held_by_its_id(client, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # its transition time is over at once: only the hold keeps it CREATING
    gateway_id = gateway(client)
    limit = {"dimensionKeys": ["toolName"], "entries": [{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}]}
    with holds.holding("rate-limit:name=per-*") as hold:
        client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool", **limit)
        read = lambda: client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool")["status"]  # noqa: E731
        assert read() == "CREATING" and hold.kept == {"per-tool"}
    assert until(read, lambda s: s == "ACTIVE")


# --- through the server ---------------------------------------------------------------------------------------
def holds_of(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> tuple[int, Any]:
    code, text = emulator_path(url, "holds", method, None if body is None else json.dumps(body).encode())
    return code, json.loads(text) if code == 200 else text


def test_holds_through_the_emulator_server() -> None:
    import boto3

    with running_emulator("--delay", "0.05", "--hold", "gateway:name=held,status=CREATING") as url:
        client = boto3.client("bedrock-agentcore-control", region_name="us-east-1", endpoint_url=url)
        held = client.create_gateway(name="held", roleArn=ROLE, authorizerType="NONE")["gatewayId"]
        code, placed = holds_of(url, "POST", {"kind": "call", "op": "DeleteGateway"})
        assert code == 200 and placed == {"id": 2, "kind": "call", "op": "DeleteGateway", "kept": [], "calls": 0, "waiting": 0}
        other = client.create_gateway(name="other", roleArn=ROLE, authorizerType="NONE")["gatewayId"]
        until(lambda: status(client, other), lambda s: s == "READY")
        assert status(client, held) == "CREATING"
        with ThreadPoolExecutor(max_workers=1) as pool:
            deleted = pool.submit(client.delete_gateway, gatewayIdentifier=other)
            until(lambda: holds_of(url)[1]["holds"][1]["waiting"], lambda n: n == 1)
            listed = holds_of(url)[1]["holds"]
            assert listed[0] == {"id": 1, "kind": "gateway", "name": "held", "status": "CREATING", "kept": ["held"], "calls": 0, "waiting": 0}
            assert holds_of(url, "DELETE", {"id": 2})[1]["released"][0]["calls"] == 1
            assert deleted.result(timeout=30)["status"] == "DELETING"
        assert [h["id"] for h in holds_of(url, "DELETE")[1]["released"]] == [1]
        assert status(client, held) == "READY" and holds_of(url) == (200, {"holds": []})
        assert holds_of(url, "POST", {"kind": "gateway", "color": "red"}) == (
            400, "hold '{'kind': 'gateway', 'color': 'red'}': 'color' is not a key of a gateway hold (its keys: name, status)\n")
        assert holds_of(url, "DELETE", {"id": 9}) == (400, "no hold 9 (placed: none)\n")
        assert holds_of(url, "PUT", {})[0] == 405


def test_the_emulator_command_refuses_a_bad_hold_in_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--hold", "gateway:status=READY"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: hold 'gateway:status=READY': status=READY: expected one of CREATING, UPDATING, SYNCHRONIZING, DELETING"]
