"""Publishing to AWS Agent Registry end to end on the emulator, with real MCP servers on loopback.

Apply publishes one record per published target with exactly the tools its gateway lists; a tool added on
a server plus `reconcile sync` updates that record only; unpublishing deletes it; registries are owned
like gateways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import PlanError
from tests.helpers import ROLE, actions, plan_for, reconcile, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

CATALOG = "agent-registry/tools-catalog"
FAST = ("--poll-interval", "0.02")


def registry_text(orders: str, billing: str, billing_publish: str = "") -> str:
    return (
        "registry: catalog-test\nregion: us-east-1\n"
        "agentRegistries:\n  tools-catalog:\n    description: Every tool of the organisation\n"
        "    authorizerType: AWS_IAM\n    approvalConfiguration: {autoApproval: true}\n"
        f"gateways:\n  tools:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n    publish: {{registry: tools-catalog}}\n"
        "    protocolConfiguration: {mcp: {supportedVersions: ['2025-03-26', '2025-06-18'], searchType: SEMANTIC}}\n"
        "    targets:\n"
        f"      orders:\n        description: Orders of the shop\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{orders}'}}}}}}\n"
        f"      billing:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{billing}'}}}}}}\n{billing_publish}"
    )


def record(client: Any, name: str) -> dict[str, Any]:
    registry = client.list_registries()["registries"][0]["registryId"]
    summary = next(r for r in client.list_registry_records(registryId=registry)["registryRecords"] if r["name"] == name)
    return client.get_registry_record(registryId=registry, recordId=summary["recordId"])


def tools_of(found: dict[str, Any]) -> list[str]:
    return [t["name"] for t in json.loads(found["descriptors"]["mcp"]["tools"]["inlineContent"])["tools"]]


def test_apply_publishes_sync_refreshes_and_unpublishing_deletes(api: Any, client: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy("orders"))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https()))
        planned = reconcile("plan")
        assert "agent-registry/tools-catalog/record/tools.orders will be created" in planned.stdout
        assert "(known after apply)" in planned.stdout  # its tools are known once the target is synchronized
        applied = reconcile("apply", "--auto-approve", *FAST)
        assert applied.exit_code == 0, applied.output

        published = record(client, "tools.orders")
        assert tools_of(published) == ["orders___get_order", "orders___list_orders"]
        server = json.loads(published["descriptors"]["mcp"]["server"]["inlineContent"])
        gateway = client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])
        assert server["remotes"] == [{"type": "streamable-http", "url": gateway["gatewayUrl"]}]
        assert server["name"] == "agentcore.tools/orders" and server["description"] == "Orders of the shop"
        assert published["status"] == "APPROVED" and published["recordVersion"] == server["version"]
        again = reconcile("plan", "--detailed-exitcode")
        assert again.exit_code == 0, again.output
        assert f"{CATALOG}/record/tools.orders: APPROVED" in again.stdout
        drift = reconcile("drift", "--format", "json")
        assert drift.exit_code == 0 and json.loads(drift.stdout)["statuses"][f"{CATALOG}/record/tools.orders"] == "APPROVED"

        billing_before = record(client, "tools.billing")
        ports = orders.port, billing.port
    # The orders team deploys version 2 (one more tool) and its pipeline synchronizes its target.
    with serving(mcp_app(healthy("orders", version=2)), port=ports[0]), serving(mcp_app(healthy("billing")), port=ports[1]):
        synced = reconcile("sync", "--target", "tools/orders", *FAST)
        assert synced.exit_code == 0, synced.output
        assert "Catalog refresh complete: 1 done" in synced.stdout
    refreshed = record(client, "tools.orders")
    assert tools_of(refreshed) == ["orders___cancel_order", "orders___get_order", "orders___list_orders"]
    refreshed_server = json.loads(refreshed["descriptors"]["mcp"]["server"]["inlineContent"])
    assert refreshed_server["version"] != server["version"] and refreshed["status"] == "APPROVED"
    assert refreshed["recordVersion"] != published["recordVersion"]  # the service increments it on update
    assert record(client, "tools.billing")["updatedAt"] == billing_before["updatedAt"]  # only the synchronized one

    found = reconcile("catalog", "search", "cancel shipped")  # words of the new tool's description
    assert found.exit_code == 0, found.output
    assert "tools.orders [APPROVED]" in found.stdout and f"gateway: {gateway['gatewayUrl']}" in found.stdout
    assert "tool orders___cancel_order: Cancel an order that has not shipped." in found.stdout

    (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https(), "        publish: false\n"))
    unpublish = reconcile("plan")
    assert "agent-registry/tools-catalog/record/tools.billing will be destroyed" in unpublish.stdout
    removed = reconcile("apply", "--auto-approve", *FAST)
    assert removed.exit_code == 0, removed.output
    names = [r["name"] for r in client.list_registry_records(registryId=client.list_registries()["registries"][0]["registryId"])["registryRecords"]]
    assert names == ["tools.orders"]


def test_an_unowned_registry_of_the_same_name_is_refused_like_a_gateway(api: Any, client: Any, tmp_path: Path) -> None:
    client.create_registry(name="tools-catalog", authorizerType="AWS_IAM")
    with serving(mcp_app(healthy())) as server:
        registry = registry_from(tmp_path, registry_text(server.https(), server.https()))
        with pytest.raises(PlanError, match="agent-registry/tools-catalog: a agent registry named 'tools-catalog' already exists"):
            plan_for(api, registry)


def test_publish_must_name_a_declared_agent_registry(tmp_path: Path) -> None:
    text = registry_text("https://a.example.com/mcp", "https://b.example.com/mcp").replace("publish: {registry: tools-catalog}", "publish: {registry: nope}")
    (tmp_path / "gateways.yaml").write_text(text)
    result = reconcile("validate", "-f", str(tmp_path / "gateways.yaml"))
    assert result.exit_code == 1 and "gateways.tools.publish.registry: unknown agent registry 'nope' (known: tools-catalog)" in result.stderr


def test_records_are_derived_and_planned_in_order(api: Any, tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        registry = registry_from(tmp_path, registry_text(server.https(), server.https()))
        assert actions(plan_for(api, registry)) == {
            CATALOG: "create", "gateway/tools": "create", "gateway/tools/target/orders": "create",
            "gateway/tools/target/billing": "create", f"{CATALOG}/record/tools.orders": "create",
            f"{CATALOG}/record/tools.billing": "create",
        }
