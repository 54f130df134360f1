"""Publishing to AWS Agent Registry (GA) end to end on the emulator, with real MCP servers on loopback.

Apply publishes one APPROVED MCP record per published target with exactly the tools its gateway lists and
the gateway's URL; the second plan is empty; a tool added on a server plus `reconcile sync` updates that
record only; unpublishing takes it out of discovery; records others wrote are never touched; registries
are owned like gateways; a registry without agent registries makes no Agent Registry call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from reconciler.aws import Api
from reconciler.aws_model import REGISTRY_SERVICE, service_model
from reconciler.errors import PlanError
from reconciler.manager import Manager, PlanRequest
from tests.catalog.support import ORDERS, gateway_url, new_registry, record
from tests.helpers import BASE, ROLE, actions, plan_for, reconcile, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

CATALOG = "agent-registry/tools-catalog"
FAST = ("--poll-interval", "0.02")


def registry_text(orders: str, billing: str, billing_publish: str = "", approval: str = "approvalConfiguration: {autoApprovalRules: [APPROVE_ALL]}") -> str:
    return (
        "registry: catalog-test\nregion: us-east-1\n"
        "agentRegistries:\n  tools-catalog:\n    description: Every tool of the organisation\n"
        f"    discoveryConfiguration: {{authorizerType: AWS_IAM}}\n    {approval}\n"
        f"gateways:\n  tools:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n    publish: {{registry: tools-catalog}}\n"
        "    protocolConfiguration: {mcp: {supportedVersions: ['2025-03-26', '2025-06-18'], searchType: SEMANTIC}}\n"
        "    targets:\n"
        f"      orders:\n        description: Orders of the shop\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{orders}'}}}}}}\n"
        f"      billing:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{billing}'}}}}}}\n{billing_publish}"
    )


def catalog_id(registries: Any) -> str:
    return str(next(r["registryId"] for r in registries.list_registries()["registries"] if r["name"] == "tools-catalog"))


def record_named(registries: Any, name: str) -> dict[str, Any]:
    registry = catalog_id(registries)
    summary = next(r for r in registries.list_registry_records(registryId=registry)["registryRecords"] if r["name"] == name)
    return registries.get_registry_record(registryId=registry, recordId=summary["recordId"])  # type: ignore[no-any-return]


def server_of(found: dict[str, Any]) -> dict[str, Any]:
    return json.loads(found["descriptors"]["mcpServer"]["data"])  # type: ignore[no-any-return]


def tools_of(found: dict[str, Any]) -> list[str]:
    return [t["name"] for t in json.loads(found["descriptors"]["mcpServer"]["additionalData"]["tools"]["data"])["tools"]]


def discoverable(discovery: Any, registries: Any, query: str) -> list[str]:
    return [r["name"] for r in discovery.search_discoverable_registry_records(registryIds=[catalog_id(registries)], searchQuery=query,
                                                                          searchType="KEYWORD")["registryRecords"]]


def whole_plan(api: Api, tmp_path: Path, text: str) -> Any:
    """The plan as the CLI makes it (records filled from the gateways' listings)."""
    return Manager(lambda _: None).compute(PlanRequest([str(tmp_path)]), registry_from(tmp_path, text), api).plan


def test_apply_publishes_sync_refreshes_and_unpublishing_takes_it_out_of_discovery(
        api: Any, client: Any, registries: Any, discovery: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy("orders"))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https()))
        planned = reconcile("plan")
        assert "agent-registry/tools-catalog/record/tools.orders will be created" in planned.stdout
        assert "(known after apply)" in planned.stdout  # its tools are known once the target is synchronized
        applied = reconcile("apply", "--auto-approve", *FAST)
        assert applied.exit_code == 0, applied.output

        published = record_named(registries, "tools.orders")
        assert published["recordType"] == "MCP" and tools_of(published) == ["orders___get_order", "orders___list_orders"]
        server = server_of(published)
        gateway = client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])
        assert server["remotes"] == [{"type": "streamable-http", "url": gateway["gatewayUrl"]}]
        assert server["name"] == "agentcore.tools/orders" and server["description"] == "Orders of the shop"
        assert published["status"] == "APPROVED" and published["recordVersion"] == server["version"]
        assert sorted(r["name"] for r in registries.list_registry_records(registryId=catalog_id(registries))["registryRecords"]) == [
            "tools.billing", "tools.orders"]  # one per published target
        again = reconcile("plan", "--detailed-exitcode")
        assert again.exit_code == 0, again.output
        assert f"{CATALOG}/record/tools.orders: APPROVED" in again.stdout
        drift = reconcile("drift", "--format", "json")
        assert drift.exit_code == 0 and json.loads(drift.stdout)["statuses"][f"{CATALOG}/record/tools.orders"] == "APPROVED"

        billing_before = record_named(registries, "tools.billing")
        ports = orders.port, billing.port
    # The orders team deploys version 2 (one more tool) and its pipeline synchronizes its target.
    with serving(mcp_app(healthy("orders", version=2)), port=ports[0]), serving(mcp_app(healthy("billing")), port=ports[1]):
        synced = reconcile("sync", "--target", "tools/orders", *FAST)
        assert synced.exit_code == 0, synced.output
        assert "Catalog refresh complete: 1 done" in synced.stdout
    refreshed = record_named(registries, "tools.orders")
    assert tools_of(refreshed) == ["orders___cancel_order", "orders___get_order", "orders___list_orders"]
    assert server_of(refreshed)["version"] != server["version"] and refreshed["status"] == "APPROVED"
    assert refreshed["recordVersion"] == server_of(refreshed)["version"]  # the new content's digest, sent with the PATCH
    assert record_named(registries, "tools.billing")["updatedAt"] == billing_before["updatedAt"]  # only the synchronized one

    found = reconcile("catalog", "search", "cancel shipped")  # words of the new tool's description
    assert found.exit_code == 0, found.output
    assert "tools.orders [APPROVED]" in found.stdout and f"gateway: {gateway['gatewayUrl']}" in found.stdout
    assert "tool orders___cancel_order: Cancel an order that has not shipped." in found.stdout

    assert "tools.billing" in discoverable(discovery, registries, "billing")
    (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https(), "        publish: false\n"))
    unpublish = reconcile("plan")
    assert "agent-registry/tools-catalog/record/tools.billing will be destroyed" in unpublish.stdout
    removed = reconcile("apply", "--auto-approve", *FAST)
    assert removed.exit_code == 0, removed.output
    names = [r["name"] for r in registries.list_registry_records(registryId=catalog_id(registries))["registryRecords"]]
    assert names == ["tools.orders"] and "tools.billing" not in discoverable(discovery, registries, "billing")


def test_an_edited_approved_record_stays_discoverable_until_its_new_revision_is_approved(
        api: Any, registries: Any, discovery: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy("orders"))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https(), approval=""))
        assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
        pending = record_named(registries, "tools.orders")
        assert pending["status"] == "PENDING_APPROVAL"  # a curator reviews it
        registries.update_registry_record_status(registryId=catalog_id(registries), recordId=pending["recordId"],
                                                 status="APPROVED", statusReason="reviewed")
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https(), approval="").replace(
            "Orders of the shop", "Orders and refunds of the shop"))
        edited = reconcile("apply", "--auto-approve", *FAST)
        assert edited.exit_code == 0, edited.output
        assert record_named(registries, "tools.orders")["status"] == "PENDING_APPROVAL"  # the new revision
        assert "tools.orders" in discoverable(discovery, registries, "orders")  # the approved one is still found
        status = reconcile("plan")
        approved = server_of(pending)["version"]
        assert (f"{CATALOG}/record/tools.orders: PENDING_APPROVAL: approved revision {approved} stays discoverable until this "
                "one is approved") in status.stdout


def test_records_others_wrote_in_the_same_registry_are_never_touched(
        api: Any, registries: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy("orders"))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https()))
        assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
        registry = catalog_id(registries)
        theirs = record(registries, registry, "search-gw", "docs", {"find_doc": "Find a document."})
        before = registries.get_registry_record(registryId=registry, recordId=theirs)
        no_change = reconcile("plan", "--detailed-exitcode")
        assert no_change.exit_code == 0, no_change.output
        drift = reconcile("drift", "--format", "json")
        assert drift.exit_code == 0 and "search-gw" not in drift.stdout
        (tmp_path / "gateways.yaml").write_text(registry_text(orders.https(), billing.https()).replace(
            "    publish: {registry: tools-catalog}\n", ""))  # nothing published any more
        unpublished = reconcile("apply", "--auto-approve", *FAST)
        assert unpublished.exit_code == 0, unpublished.output
    names = [r["name"] for r in registries.list_registry_records(registryId=registry)["registryRecords"]]
    assert names == ["search-gw.docs"]
    assert registries.get_registry_record(registryId=registry, recordId=theirs)["updatedAt"] == before["updatedAt"]


def test_a_record_name_taken_by_someone_else_is_a_plan_error_until_adopted(
        api: Any, registries: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy())) as server:
        (tmp_path / "gateways.yaml").write_text(registry_text(server.https(), server.https()))
        assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
        catalog = catalog_id(registries)
        registries.delete_registry_record(registryId=catalog, recordId=record_named(registries, "tools.orders")["recordId"])
        record(registries, catalog, "tools", "orders", ORDERS)  # written by hand (or by the preview API): no tag
        refused = reconcile("plan")
        assert refused.exit_code == 1
        assert (f"{CATALOG}/record/tools.orders: a record named 'tools.orders' already exists there and belongs to no registry"
                in refused.stderr and "apply --adopt takes it over" in refused.stderr)
        adopted = reconcile("apply", "--auto-approve", "--adopt", *FAST)
        assert adopted.exit_code == 0, adopted.output
        assert tools_of(record_named(registries, "tools.orders")) == ["orders___get_order", "orders___list_orders"]
        assert reconcile("plan", "--detailed-exitcode").exit_code == 0


def test_an_unowned_registry_of_the_same_name_is_refused_like_a_gateway(api: Any, registries: Any, tmp_path: Path) -> None:
    new_registry(registries, "tools-catalog")
    with serving(mcp_app(healthy())) as server:
        registry = registry_from(tmp_path, registry_text(server.https(), server.https()))
        with pytest.raises(PlanError, match="agent-registry/tools-catalog: a agent registry named 'tools-catalog' already exists"):
            plan_for(api, registry)


def test_registry_members_are_patched_cleared_and_the_authorizer_type_replaces(
        api: Any, registries: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(mcp_app(healthy())) as server:
        text = registry_text(server.https(), server.https())
        (tmp_path / "gateways.yaml").write_text(text)
        assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
        cleared = text.replace("    approvalConfiguration: {autoApprovalRules: [APPROVE_ALL]}\n", "")
        assert actions(whole_plan(api, tmp_path, cleared)) == {CATALOG: "update"}
        assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
        assert "approvalConfiguration" not in registries.get_registry(registryId=catalog_id(registries))
        assert reconcile("plan", "--detailed-exitcode").exit_code == 0
        jwt = cleared.replace("discoveryConfiguration: {authorizerType: AWS_IAM}", "discoveryConfiguration: {authorizerType: CUSTOM_JWT, "
                              "authorizerConfiguration: {customJWTAuthorizer: {discoveryUrl: 'https://idp.example/.well-known/openid-configuration', allowedClients: [c]}}}")
        assert actions(whole_plan(api, tmp_path, jwt))[CATALOG] == "replace"


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


def test_drift_of_a_registry_without_agent_registries_makes_no_agent_registry_call(api: Api, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, BASE)
    computed = Manager(lambda _: None).compute(PlanRequest([str(tmp_path)], refresh=True), registry, api)
    registry_operations = set(service_model(REGISTRY_SERVICE).operation_names)
    assert computed.api.calls and not set(computed.api.calls) & registry_operations - {"ListTagsForResource", "TagResource", "UntagResource"}
    assert REGISTRY_SERVICE not in api._services


def test_a_kind_nobody_declared_that_cannot_be_listed_is_a_warning(api: Api, tmp_path: Path, faults: Callable[..., None]) -> None:

    registry = registry_from(tmp_path, BASE)
    # No ownership index (so every kind is listed), and credentials without the Agent Registry actions.
    faults("denied:op=GetResources|ListRegistries")
    notes: list[str] = []
    computed = Manager(notes.append).compute(PlanRequest([str(tmp_path)], refresh=True), registry, api)
    assert computed.plan.changes  # the plan itself is made
    assert any(note.startswith("Warning: the files declare no agent registry, and they cannot be listed here: ListRegistries: "
                               "AccessDeniedException") for note in notes), notes
