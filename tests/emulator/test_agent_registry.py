"""AWS Agent Registry in the emulator, through boto3: registries, records, approval, search."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import yaml

from reconciler.emulator.base import DELAY_VARIABLE
from tests.conftest import FIXTURES, REGION
from tests.emulator.support import SLOW, error, until

BAD_RECORDS = sorted((FIXTURES / "registry_records").glob("*.yaml"))
CONTROL_MODEL = botocore.session.get_session().get_service_model("bedrock-agentcore-control")


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transitions slow enough to see CREATING, UPDATING and DELETING without racing them."""
    monkeypatch.setenv(DELAY_VARIABLE, SLOW)


def pattern(shape: str) -> str:
    return str(CONTROL_MODEL.shape_for(shape).metadata["pattern"])


def server_json(name: str = "io.example/weather", description: str = "Weather forecasts", url: str = "https://gw.example/mcp") -> str:
    return json.dumps({"name": name, "description": description, "version": "1.0.0",
                       "remotes": [{"type": "streamable-http", "url": url}]})


def tools_json(*tools: tuple[str, str]) -> str:
    return json.dumps({"tools": [{"name": n, "description": d, "inputSchema": {"type": "object"}} for n, d in tools]})


def descriptors(*tools: tuple[str, str], server: str | None = None) -> dict[str, Any]:
    return {"mcp": {"server": {"inlineContent": server or server_json()}, "tools": {"inlineContent": tools_json(*tools)}}}


def patch(*tools: tuple[str, str]) -> dict[str, Any]:
    """UpdateRegistryRecord's wrapped form of new tools (the server definition stays)."""
    return {"optionalValue": {"mcp": {"optionalValue": {"tools": {"optionalValue": {"inlineContent": tools_json(*tools)}}}}}}


def registry_status(client, registry_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(client.get_registry(registryId=registry_id)["status"])


def status(client, registry_id: str, record_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(client.get_registry_record(registryId=registry_id, recordId=record_id)["status"])


def ready(client, registry_id: str) -> str:  # type: ignore[no-untyped-def]
    until(lambda: registry_status(client, registry_id), lambda now: now == "READY")
    return registry_id


def drafted(client, registry_id: str, record_id: str) -> str:  # type: ignore[no-untyped-def]
    until(lambda: status(client, registry_id, record_id), lambda now: now == "DRAFT")
    return record_id


def registry_ids(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["registryId"] for page in client.get_paginator("list_registries").paginate() for r in page["registries"]]


def new_registry(client, name: str = "catalog", **members: Any) -> str:  # type: ignore[no-untyped-def]
    arn = client.create_registry(name=name, authorizerType="AWS_IAM", **members)["registryArn"]
    return ready(client, arn.rsplit("/", 1)[-1])


def new_record(client, registry_id: str, name: str, *tools: tuple[str, str], **members: Any) -> str:  # type: ignore[no-untyped-def]
    created = client.create_registry_record(registryId=registry_id, name=name, descriptorType="MCP",
                                            descriptors=descriptors(*tools), recordVersion="1", **members)
    return drafted(client, registry_id, created["recordArn"].rsplit("/", 1)[-1])


@pytest.fixture
def search(emulator: None):  # type: ignore[no-untyped-def]
    return boto3.client("bedrock-agentcore", region_name=REGION)


def found(search, registry_id: str, query: str, **members: Any) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit["name"] for hit in search.search_registry_records(registryIds=[registry_id], searchQuery=query, **members)["registryRecords"]]


# --- registries -------------------------------------------------------------------------------------

def test_registry_and_record_identifiers_follow_the_model_patterns(client) -> None:
    registry_id = new_registry(client)
    registry = client.get_registry(registryId=registry_id)
    assert re.fullmatch(pattern("RegistryId"), registry_id)
    assert re.fullmatch(pattern("RegistryArn"), registry["registryArn"])
    record_id = new_record(client, registry_id, "weather", ("get_forecast", "Forecast"))
    record = client.get_registry_record(registryId=registry["registryArn"], recordId=record_id)
    assert re.fullmatch(pattern("RegistryRecordId"), record_id)
    assert re.fullmatch(pattern("RegistryRecordArn"), record["recordArn"])
    assert client.get_registry_record(registryId=registry_id, recordId=record["recordArn"])["recordId"] == record_id


def test_registry_is_created_then_ready_and_found_by_id_or_arn(client, slow: None) -> None:
    created = client.create_registry(name="catalog", authorizerType="AWS_IAM")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert registry_status(client, created["registryArn"]) == "CREATING"
    registry = client.get_registry(registryId=ready(client, created["registryArn"].rsplit("/", 1)[-1]))
    assert (registry["status"], registry["name"], registry["authorizerType"]) == ("READY", "catalog", "AWS_IAM")


def test_registry_names_are_unique(client) -> None:
    new_registry(client)
    assert error(lambda: client.create_registry(name="catalog")) == "ConflictException: A registry named catalog already exists"


def test_auto_approval_defaults_to_false_and_custom_jwt_needs_its_configuration(client) -> None:
    registry_id = new_registry(client)
    assert client.get_registry(registryId=registry_id)["approvalConfiguration"] == {"autoApproval": False}
    message = error(lambda: client.create_registry(name="jwt", authorizerType="CUSTOM_JWT"))
    assert message == "ValidationException: authorizerConfiguration is required when authorizerType is CUSTOM_JWT"
    jwt = {"customJWTAuthorizer": {"discoveryUrl": "https://idp.example/.well-known/openid-configuration", "allowedClients": ["c"]}}
    arn = client.create_registry(name="jwt", authorizerType="CUSTOM_JWT", authorizerConfiguration=jwt)["registryArn"]
    assert client.get_registry(registryId=arn)["authorizerConfiguration"] == jwt


def test_client_token_replays_the_first_create_and_refuses_other_parameters(client) -> None:
    token = "t" * 40
    first = client.create_registry(name="catalog", clientToken=token)["registryArn"]
    assert client.create_registry(name="catalog", clientToken=token)["registryArn"] == first
    assert [r["name"] for r in client.list_registries()["registries"]] == ["catalog"]
    assert "was already used for a request with other parameters" in error(lambda: client.create_registry(name="other", clientToken=token))
    registry_id = ready(client, first.rsplit("/", 1)[-1])
    once = dict(registryId=registry_id, name="weather", descriptorType="MCP", descriptors=descriptors(), clientToken=token)
    record_arn = client.create_registry_record(**once)["recordArn"]
    assert client.create_registry_record(**once)["recordArn"] == record_arn
    assert len(client.list_registry_records(registryId=registry_id)["registryRecords"]) == 1


def test_registry_tags_are_listed_on_its_arn_and_go_with_it(client) -> None:
    registry_id = new_registry(client)
    arn = client.get_registry(registryId=registry_id)["registryArn"]
    client.tag_resource(resourceArn=arn, tags={"agentcore-reconciler:registry": "platform"})
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"agentcore-reconciler:registry": "platform"}
    client.delete_registry(registryId=registry_id)
    until(lambda: registry_ids(client), lambda ids: registry_id not in ids)
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {}


def test_update_registry_is_an_asynchronous_patch(client, slow: None) -> None:
    registry_id = new_registry(client, description="old")
    updated = client.update_registry(registryId=registry_id, description={},
                                     approvalConfiguration={"optionalValue": {"autoApproval": True}})
    assert updated["status"] == "UPDATING"
    assert "wait until the change completes" in error(lambda: client.update_registry(registryId=registry_id, name="x"))
    registry = client.get_registry(registryId=ready(client, registry_id))
    assert (registry["status"], registry["name"], registry["approvalConfiguration"]) == ("READY", "catalog", {"autoApproval": True})
    assert "description" not in registry  # an empty wrapper clears the member
    assert client.update_registry(registryId=registry_id, name="renamed")["name"] == "renamed"


def test_a_registry_with_records_cannot_be_deleted_and_deletion_is_asynchronous(client, slow: None) -> None:
    registry_id = new_registry(client)
    record_id = new_record(client, registry_id, "weather")
    assert "still has 1 records: delete them first" in error(lambda: client.delete_registry(registryId=registry_id))
    client.delete_registry_record(registryId=registry_id, recordId=record_id)
    assert error(lambda: status(client, registry_id, record_id)).startswith("ResourceNotFoundException")
    assert client.delete_registry(registryId=registry_id)["status"] == "DELETING"
    assert registry_status(client, registry_id) == "DELETING"
    until(lambda: registry_ids(client), lambda ids: registry_id not in ids)
    assert error(lambda: client.get_registry(registryId=registry_id)) == f"ResourceNotFoundException: Registry {registry_id} not found"


def test_lists_come_in_small_pages_and_filter(client) -> None:
    for index in range(4):
        client.create_registry(name=f"r{index}", authorizerType="AWS_IAM")
    pages = list(client.get_paginator("list_registries").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(page["registries"]) for page in pages] == [3, 1]
    registry_id = ready(client, pages[0]["registries"][0]["registryId"])
    assert registry_id in [r["registryId"] for r in client.list_registries(status="READY")["registries"]]
    for name in ("a", "b", "c"):
        new_record(client, registry_id, name)
    first = client.list_registry_records(registryId=registry_id, maxResults=2)
    rest = client.list_registry_records(registryId=registry_id, maxResults=2, nextToken=first["nextToken"])
    assert [r["name"] for r in first["registryRecords"] + rest["registryRecords"]] == ["a", "b", "c"]
    assert "nextToken" not in rest
    assert [r["name"] for r in client.list_registry_records(registryId=registry_id, name="b")["registryRecords"]] == ["b"]
    assert client.list_registry_records(registryId=registry_id, status="APPROVED")["registryRecords"] == []


# --- records ------------------------------------------------------------------------------------------

def test_record_creation_is_asynchronous(client, slow: None) -> None:
    registry_id = new_registry(client)
    created = client.create_registry_record(registryId=registry_id, name="weather", descriptorType="MCP",
                                            descriptors=descriptors(("get_forecast", "Forecast")), recordVersion="1.0.0")
    assert (created["ResponseMetadata"]["HTTPStatusCode"], created["status"]) == (202, "CREATING")
    record_id = created["recordArn"].rsplit("/", 1)[-1]
    assert status(client, registry_id, record_id) == "CREATING"
    record = client.get_registry_record(registryId=registry_id, recordId=drafted(client, registry_id, record_id))
    assert (record["status"], record["recordVersion"]) == ("DRAFT", "1.0.0")
    assert json.loads(record["descriptors"]["mcp"]["tools"]["inlineContent"])["tools"][0]["name"] == "get_forecast"
    again = dict(registryId=registry_id, name="weather", descriptorType="MCP", descriptors=descriptors())
    assert error(lambda: client.create_registry_record(**again)).startswith("ConflictException: A record named weather already exists")


def test_submit_waits_for_a_curator_without_auto_approval(client) -> None:
    registry_id = new_registry(client)
    record_id = new_record(client, registry_id, "weather")
    submitted = client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    assert (submitted["ResponseMetadata"]["HTTPStatusCode"], submitted["status"]) == (202, "PENDING_APPROVAL")
    assert "only a DRAFT record can be submitted" in error(
        lambda: client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id))
    approved = client.update_registry_record_status(registryId=registry_id, recordId=record_id, status="APPROVED", statusReason="looks good")
    assert (approved["status"], approved["statusReason"]) == ("APPROVED", "looks good")
    assert status(client, registry_id, record_id) == "APPROVED"


def test_submit_approves_at_once_with_auto_approval(client) -> None:
    registry_id = new_registry(client, approvalConfiguration={"autoApproval": True})
    record_id = new_record(client, registry_id, "weather")
    assert client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)["status"] == "APPROVED"


def test_a_record_in_transit_refuses_writes(client, slow: None) -> None:
    registry_id = new_registry(client)
    record_id = client.create_registry_record(registryId=registry_id, name="weather", descriptorType="MCP",
                                              descriptors=descriptors())["recordArn"].rsplit("/", 1)[-1]
    assert error(lambda: client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)) == (
        f"ConflictException: Record {record_id} is CREATING; wait until the change completes")


def test_rejection_carries_its_reason_and_a_rejected_record_can_be_approved_directly(client) -> None:
    registry_id = new_registry(client)
    record_id = new_record(client, registry_id, "weather")
    client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    client.update_registry_record_status(registryId=registry_id, recordId=record_id, status="REJECTED", statusReason="no owner listed")
    record = client.get_registry_record(registryId=registry_id, recordId=record_id)
    assert (record["status"], record["statusReason"]) == ("REJECTED", "no owner listed")
    client.update_registry_record_status(registryId=registry_id, recordId=record_id, status="APPROVED", statusReason="owner added")
    assert status(client, registry_id, record_id) == "APPROVED"
    assert "a curator sets APPROVED, REJECTED, DEPRECATED" in error(lambda: client.update_registry_record_status(
        registryId=registry_id, recordId=record_id, status="DRAFT", statusReason=""))


def test_deprecation_is_terminal(client) -> None:
    registry_id = new_registry(client)
    record_id = new_record(client, registry_id, "weather")
    client.update_registry_record_status(registryId=registry_id, recordId=record_id, status="DEPRECATED", statusReason="retired")
    assert "a deprecated record cannot be edited" in error(
        lambda: client.update_registry_record(registryId=registry_id, recordId=record_id, recordVersion="1"))
    assert f"Record {record_id} is DEPRECATED and cannot become APPROVED" in error(lambda: client.update_registry_record_status(
        registryId=registry_id, recordId=record_id, status="APPROVED", statusReason=""))


def test_an_edit_is_a_new_draft_while_the_approved_revision_stays_searchable(client, search, slow: None) -> None:
    registry_id = new_registry(client, approvalConfiguration={"autoApproval": True})
    record_id = new_record(client, registry_id, "weather", ("get_forecast", "Forecast of rain"))
    client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    edited = client.update_registry_record(registryId=registry_id, recordId=record_id, recordVersion="1",  # the lock
                                           descriptors=patch(("get_forecast", "Forecast of rain"), ("get_tides", "Tide tables")))
    assert (edited["ResponseMetadata"]["HTTPStatusCode"], edited["status"]) == (202, "UPDATING")
    record = client.get_registry_record(registryId=registry_id, recordId=drafted(client, registry_id, record_id))
    assert (record["status"], record["recordVersion"]) == ("DRAFT", "2")
    assert json.loads(record["descriptors"]["mcp"]["server"]["inlineContent"])["name"] == "io.example/weather"  # PATCH kept it
    assert found(search, registry_id, "rain") == ["weather"]  # the approved revision
    assert found(search, registry_id, "tides") == []  # the draft is not searchable yet
    client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    hits = search.search_registry_records(registryIds=[registry_id], searchQuery="tides")["registryRecords"]
    assert [(hit["name"], hit["version"], hit["status"]) for hit in hits] == [("weather", "2", "APPROVED")]


def test_an_update_locks_on_the_current_version_and_the_service_increments_it(client) -> None:
    registry_id = new_registry(client)
    record_id = new_record(client, registry_id, "weather")
    stale = error(lambda: client.update_registry_record(registryId=registry_id, recordId=record_id, recordVersion="7",
                                                        description={"optionalValue": "x"}))
    assert stale.startswith("ConflictException: ") and "current version 1" in stale
    client.update_registry_record(registryId=registry_id, recordId=record_id, description={"optionalValue": "renamed"})
    assert client.get_registry_record(registryId=registry_id, recordId=drafted(client, registry_id, record_id))["recordVersion"] == "2"


@pytest.mark.parametrize("case", BAD_RECORDS, ids=lambda path: path.stem)
def test_bad_record_content_is_refused(client, case: Path) -> None:
    expected = case.read_text().splitlines()[0].removeprefix("# expect: ").strip()
    registry_id = new_registry(client)
    message = error(lambda: client.create_registry_record(registryId=registry_id, **yaml.safe_load(case.read_text())))
    assert message.startswith("ValidationException: ") and expected in message, message
    assert client.list_registry_records(registryId=registry_id)["registryRecords"] == []


def test_inline_content_over_the_model_limit_is_refused(client) -> None:
    limit = CONTROL_MODEL.shape_for("InlineContent").metadata["max"]
    registry_id = new_registry(client)
    padded = json.dumps({"tools": [{"name": "t", "description": "x" * limit, "inputSchema": {"type": "object"}}]})
    too_big = {"mcp": {"server": {"inlineContent": server_json()}, "tools": {"inlineContent": padded}}}
    message = error(lambda: client.create_registry_record(registryId=registry_id, name="big", descriptorType="MCP", descriptors=too_big))
    assert message == ("ValidationException: 1 validation error detected: Value at 'descriptors.mcp.tools.inlineContent' "
                       f"failed to satisfy constraint: Member must have length less than or equal to {limit}")


# --- search -------------------------------------------------------------------------------------------

def approved(client, registry_id: str, name: str, *tools: tuple[str, str]) -> str:  # type: ignore[no-untyped-def]
    record_id = new_record(client, registry_id, name, *tools)
    client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    client.update_registry_record_status(registryId=registry_id, recordId=record_id, status="APPROVED", statusReason="ok")
    return record_id


def test_search_finds_a_record_by_a_word_of_a_tool_description_best_match_first(client, search) -> None:
    registry_id = new_registry(client)
    approved(client, registry_id, "weather", ("get_forecast", "Hourly precipitation and wind for a city"))
    approved(client, registry_id, "orders", ("list_orders", "Orders of a customer"), ("refund", "Refund an order"))
    approved(client, registry_id, "storms", ("storm_alerts", "Precipitation warnings"), ("radar", "Precipitation radar images"))
    assert found(search, registry_id, "precipitation") == ["storms", "weather"]
    assert found(search, registry_id, "refunds for customers") == ["orders"]
    assert found(search, registry_id, "list orders") == ["orders"]  # a tool name's words
    assert found(search, registry_id, "spaceships") == []
    hit = search.search_registry_records(registryIds=[registry_id], searchQuery="wind")["registryRecords"][0]
    assert json.loads(hit["descriptors"]["mcp"]["server"]["inlineContent"])["remotes"][0]["url"] == "https://gw.example/mcp"


def test_search_never_returns_an_unapproved_record(client, search) -> None:
    registry_id = new_registry(client)
    new_record(client, registry_id, "draft", ("a", "Tide tables"))
    pending = new_record(client, registry_id, "pending", ("b", "Tide tables"))
    client.submit_registry_record_for_approval(registryId=registry_id, recordId=pending)
    for name, verdict in (("rejected", "REJECTED"), ("deprecated", "DEPRECATED")):
        record_id = approved(client, registry_id, name, ("c", "Tide tables"))
        client.update_registry_record_status(registryId=registry_id, recordId=record_id, status=verdict, statusReason="no")
    approved(client, registry_id, "published", ("d", "Tide tables"))
    assert found(search, registry_id, "tide") == ["published"]


def test_search_filters_and_limits(client, search) -> None:
    registry_id = new_registry(client)
    for name in ("alpha", "beta", "gamma"):
        approved(client, registry_id, name, ("lookup", "Look up parcels"))
    assert found(search, registry_id, "parcels", maxResults=2) == ["alpha", "beta"]
    assert found(search, registry_id, "parcels", filters={"name": {"$eq": "beta"}}) == ["beta"]
    assert found(search, registry_id, "parcels", filters={"name": {"$in": ["alpha", "gamma"]}, "descriptorType": {"$eq": "MCP"}}) == ["alpha", "gamma"]
    assert found(search, registry_id, "parcels", filters={"$or": [{"name": {"$eq": "beta"}}, {"version": {"$ne": "1"}}]}) == ["beta"]
    assert found(search, registry_id, "parcels", filters={"$and": [{"descriptorType": {"$eq": "A2A"}}]}) == []
    assert "filters: owner is not a filterable field" in error(lambda: found(search, registry_id, "parcels", filters={"owner": {"$eq": "x"}}))
    assert "Member must have value less than or equal to 20" in error(lambda: found(search, registry_id, "parcels", maxResults=21))


def test_search_of_an_unknown_or_jwt_registry_is_refused(client, search) -> None:
    assert error(lambda: found(search, "AAAAAAAAAAAA", "x")) == "ResourceNotFoundException: Registry AAAAAAAAAAAA not found"
    jwt = {"customJWTAuthorizer": {"discoveryUrl": "https://idp.example/.well-known/openid-configuration"}}
    arn = client.create_registry(name="jwt", authorizerType="CUSTOM_JWT", authorizerConfiguration=jwt)["registryArn"]
    assert error(lambda: found(search, arn, "x")).startswith("UnauthorizedException: ")


def test_registry_records_and_search_through_the_emulator_server(emulator_url: str) -> None:
    control = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=emulator_url)
    search = boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=emulator_url)
    arn = ready(control, control.create_registry(name="server-catalog", authorizerType="AWS_IAM",
                                                 approvalConfiguration={"autoApproval": True})["registryArn"])
    record_id = new_record(control, arn, "fleet", ("vehicle_positions", "Where every delivery van is"))
    assert control.submit_registry_record_for_approval(registryId=arn, recordId=record_id)["status"] == "APPROVED"
    assert found(search, arn, "delivery vans") == ["fleet"]
    assert error(lambda: control.create_registry(name="server-catalog")).startswith("ConflictException")
