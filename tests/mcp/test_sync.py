"""Synchronization against the emulator, whose SynchronizeGatewayTargets lists the real server's tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.apply import apply_plan
from tests.conftest import FAST
from tests.helpers import converge, mcp_registry, plan_for, reconcile, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

SYNC = ("--poll-interval", "0.02", "--backoff", "0.2")


def tools_of(client, target: str) -> dict:  # type: ignore[no-untyped-def]
    gateway = client.list_gateways()["items"][0]["gatewayId"]
    target_id = next(t["targetId"] for t in client.list_gateway_targets(gatewayIdentifier=gateway)["items"] if t["name"] == target)
    return client.get_gateway_target(gatewayIdentifier=gateway, targetId=target_id)


def test_a_slowly_restarting_server_is_synchronized_on_a_later_attempt(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(mcp_app(healthy())) as first:
        port, endpoint = first.port, first.https()
        converge(api, registry_from(tmp_path, mcp_registry({"orders": endpoint})))
    monkeypatch.chdir(tmp_path)
    # The team deploys version 2; it listens again only after the first synchronization failed (whatever the
    # machine's load, the first attempt meets a server that is not up yet).
    with serving(mcp_app(healthy(version=2)), port=port,
                 start_when=lambda: tools_of(client, "orders")["status"] == "SYNCHRONIZE_UNSUCCESSFUL"):
        result = reconcile("sync", "--all", "--attempts", "6", *SYNC)
    assert result.exit_code == 0, result.output
    assert "Sync complete: 1 synchronized, 0 failed" in result.stdout
    assert "SYNCHRONIZE_UNSUCCESSFUL" in result.stderr and "trying again" in result.stderr  # the first attempt failed
    assert tools_of(client, "orders")["status"] == "READY"


def test_a_server_that_stays_down_is_reported_with_reasons_and_a_hint(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(mcp_app(healthy())) as server:
        converge(api, registry_from(tmp_path, mcp_registry({"orders": server.https()})))
    monkeypatch.chdir(tmp_path)
    result = reconcile("sync", "--target", "tools/orders", "--attempts", "2", *SYNC)
    assert result.exit_code == 1
    assert "failed: gateway/tools/target/orders: gateway/tools/target/orders is SYNCHRONIZE_UNSUCCESSFUL: Failed to list tools from the MCP server" in result.stdout
    assert "hint: the gateway cannot reach the server" in result.stdout and "0.0.0.0" in result.stdout


def test_create_with_an_unreachable_server_fails_with_the_service_reasons(api, tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        endpoint = server.https()
    result = apply_plan(api, plan_for(api, registry_from(tmp_path, mcp_registry({"orders": endpoint}))), FAST)
    assert not result.ok
    assert "gateway/tools/target/orders is FAILED: Failed to list tools from the MCP server" in result.failed[0][1]


def test_pending_authorization_is_reported_not_hammered(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    three_legged = {"orders": "{credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: "
                              "{provider: idp, scopes: [orders], grantType: AUTHORIZATION_CODE, defaultReturnUrl: 'https://app.example.com/cb'}}}"}
    head = ("credentialProviders:\n  idp:\n    oauth2:\n      credentialProviderVendor: CustomOauth2\n      oauth2ProviderConfigInput:\n"
            "        customOauth2ProviderConfig:\n          oauthDiscovery: {discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration'}\n"
            "          clientId: app\n          clientSecret: '${env:CLIENT_SECRET}'\n")
    registry = registry_from(tmp_path, mcp_registry({"orders": "https://orders.example.com/mcp"}, head, three_legged))
    result = apply_plan(api, plan_for(api, registry), FAST)
    assert result.ok, result.report()
    assert result.pending == [("gateway/tools/target/orders", "CREATE_PENDING_AUTH")]
    assert "pending authorization: gateway/tools/target/orders is CREATE_PENDING_AUTH" in result.report()
    monkeypatch.chdir(tmp_path)
    synced = reconcile("sync", "--all", *SYNC)
    assert synced.exit_code == 0 and "1 pending authorization" in synced.stdout
    target = tools_of(client, "orders")
    assert target["status"] == "CREATE_PENDING_AUTH" and "lastSynchronizedAt" not in target  # never asked to synchronize


def test_static_tool_schemas_are_skipped_with_a_note(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = mcp_registry({"static": "https://static.example.com/mcp"}).replace(
        'endpoint: "https://static.example.com/mcp"}',
        'endpoint: "https://static.example.com/mcp", mcpToolSchema: {inlinePayload: "[]"}}',
    )
    (tmp_path / "gateways.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    result = reconcile("sync", "--all", *SYNC)
    assert result.exit_code == 0, result.output
    assert "skipped: gateway/tools/target/static: static mcpToolSchema" in result.stdout


def test_sync_needs_a_selection(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateways.yaml").write_text(mcp_registry({"orders": "https://orders.example.com/mcp"}))
    monkeypatch.chdir(tmp_path)
    result = reconcile("sync")
    assert result.exit_code == 1 and "--all, --gateway NAME or --target GW/NAME" in result.stderr


def test_apply_relies_on_the_synchronization_of_create_and_update(api, client, tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        text = mcp_registry({"orders": server.https()})
        created = converge(api, registry_from(tmp_path, text))
        target = tools_of(client, "orders")
        updated = converge(api, registry_from(tmp_path, text.replace("      orders:\n", "      orders:\n        description: v2\n")))
    assert created.synchronized == updated.synchronized == ["gateway/tools/target/orders"]
    assert api.calls.get("SynchronizeGatewayTargets", 0) == 0  # one write per change: the service synchronized with it
    assert target["lastSynchronizedAt"] >= target["updatedAt"]


def test_apply_synchronizes_where_the_service_did_not(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR_IMPLICIT_SYNC", "0")  # create and update leave the tools as they were
    with serving(mcp_app(healthy())) as server:
        text = mcp_registry({"orders": server.https()})
        created = converge(api, registry_from(tmp_path, text))
        synchronized_once = tools_of(client, "orders")
        updated = converge(api, registry_from(tmp_path, text.replace("      orders:\n", "      orders:\n        description: v2\n")))
        target = tools_of(client, "orders")
    assert created.synchronized == updated.synchronized == ["gateway/tools/target/orders"]
    assert api.calls["SynchronizeGatewayTargets"] == 2
    assert synchronized_once["lastSynchronizedAt"] >= synchronized_once["updatedAt"]
    assert target["lastSynchronizedAt"] >= target["updatedAt"]


def test_dynamic_listing_and_static_schemas_are_never_synchronized(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR_IMPLICIT_SYNC", "0")  # nothing would show a synchronization: none is asked for
    with serving(mcp_app(healthy())) as server:
        text = mcp_registry({"live": server.https(), "fixed": server.https()}).replace(", searchType: SEMANTIC", "")
        text = text.replace(f'endpoint: "{server.https()}"}}}}}}\n', f'endpoint: "{server.https()}", listingMode: DYNAMIC}}}}}}\n', 1)
        text = text.replace(f'endpoint: "{server.https()}"}}}}}}\n',
                            f'endpoint: "{server.https()}", mcpToolSchema: {{inlinePayload: "[]"}}}}}}}}\n', 1)
        result = converge(api, registry_from(tmp_path, text))
    assert "listingMode: DYNAMIC" in text and "mcpToolSchema" in text
    assert result.synchronized == [] and api.calls.get("SynchronizeGatewayTargets", 0) == 0
