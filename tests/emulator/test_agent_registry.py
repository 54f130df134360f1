"""AWS Agent Registry (GA) in the emulator, through boto3's agent-registry-control and agent-registry clients:
registries, records, the approval lifecycle, discovery, tags, and the preview API switched off."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any, Callable

import boto3
import botocore.session
import pytest
import yaml
from botocore.exceptions import ClientError

from botocore.config import Config

from reconciler.emulator.holds import holding
from reconciler.emulator.preview import preview_calls
from reconciler.emulator.registry_api import agentregistry_backends
from reconciler.emulator.quotas import stats
from reconciler.emulator.registry_discovery import SEMANTIC_REGIONS_VARIABLE
from tests.conftest import FIXTURES, REGION, running_emulator
from tests.emulator.support import ACCOUNT, error, until

BAD_RECORDS = sorted((FIXTURES / "registry_records").glob("*.yaml"))
CONTROL_MODEL = botocore.session.get_session().get_service_model("agent-registry-control")
AUTO = {"autoApprovalRules": ["APPROVE_ALL"]}
GATEWAY_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/orders-0123456789"


@pytest.fixture
def control(emulator: None):  # type: ignore[no-untyped-def]
    return boto3.client("agent-registry-control", region_name=REGION)


@pytest.fixture
def discovery(emulator: None):  # type: ignore[no-untyped-def]
    return boto3.client("agent-registry", region_name=REGION)


def server_json(description: str = "Weather forecasts", url: str = "https://gw.example/mcp") -> str:
    return json.dumps({"name": "io.example/weather", "description": description, "version": "1.0.0",
                       "remotes": [{"type": "streamable-http", "url": url}]})


def tools_json(*tools: tuple[str, str]) -> str:
    return json.dumps({"tools": [{"name": n, "description": d, "inputSchema": {"type": "object"}} for n, d in tools]})


def descriptors(*tools: tuple[str, str]) -> dict[str, Any]:
    return {"mcpServer": {"data": server_json(), "dataSchemaVersion": "2025-12-11",
                          "additionalData": {"tools": {"data": tools_json(*tools)}}}}


def new_tools(*tools: tuple[str, str]) -> dict[str, Any]:
    """UpdateRegistryRecord's wrapped form of new tools: the server.json and its schema version stay."""
    tools_data = {"data": {"optionalValue": tools_json(*tools)}}
    return {"optionalValue": {"mcpServer": {"optionalValue": {"additionalData": {"optionalValue": {"tools": {"optionalValue": tools_data}}}}}}}


def registry_status(control, registry_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(control.get_registry(registryId=registry_id)["status"])


def status(control, registry_id: str, record_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(control.get_registry_record(registryId=registry_id, recordId=record_id)["status"])


def new_registry(control, name: str = "catalog", **members: Any) -> str:  # type: ignore[no-untyped-def]
    registry_id = control.create_registry(name=name, **members)["registryArn"].rsplit("/", 1)[-1]
    until(lambda: registry_status(control, registry_id), lambda now: now == "READY")
    return str(registry_id)


def new_record(control, registry_id: str, name: str, *tools: tuple[str, str], **members: Any) -> str:  # type: ignore[no-untyped-def]
    arn = control.create_registry_record(registryId=registry_id, name=name, recordType="MCP", descriptors=descriptors(*tools),
                                         **members)["recordArn"]
    record_id = arn.rsplit("/", 1)[-1]
    until(lambda: status(control, registry_id, record_id), lambda now: now == "DRAFT")
    return str(record_id)


def approved(control, registry_id: str, name: str, *tools: tuple[str, str], **members: Any) -> str:  # type: ignore[no-untyped-def]
    record_id = new_record(control, registry_id, name, *tools, **members)
    control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    control.update_registry_record_status(registryId=registry_id, recordId=record_id, status="APPROVED", statusReason="ok")
    return record_id


def found(discovery, registry_id: str, query: str, **members: Any) -> list[str]:  # type: ignore[no-untyped-def]
    hits = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery=query, **members)
    return [hit["name"] for hit in hits["registryRecords"]]


def refusal(call: Any) -> tuple[str, str, str]:
    """Code, reason and message of the ClientError the call raises."""
    with pytest.raises(ClientError) as caught:
        call()
    answer = caught.value.response
    return answer["Error"]["Code"], answer.get("reason", ""), answer["Error"]["Message"]


# --- registries -------------------------------------------------------------------------------------
def test_identifiers_and_arns_follow_the_model_and_either_form_is_accepted(control) -> None:
    registry_id = new_registry(control)
    registry = control.get_registry(registryId=registry_id)
    record_id = new_record(control, registry["registryArn"], "weather", ("get_forecast", "Forecast"))
    record = control.get_registry_record(registryId=registry["registryArn"], recordId=record_id)
    assert re.fullmatch(CONTROL_MODEL.shape_for("RegistryArn").metadata["pattern"], registry["registryArn"])
    assert re.fullmatch(CONTROL_MODEL.shape_for("RegistryRecordArn").metadata["pattern"], record["recordArn"])
    assert registry["registryArn"] == f"arn:aws:agent-registry:{REGION}:{ACCOUNT}:registry/{registry_id}"
    assert record["recordArn"] == f"{registry['registryArn']}/record/{record_id}"
    assert control.get_registry_record(registryId=registry_id, recordId=record["recordArn"])["recordId"] == record_id


def test_create_registry_is_accepted_then_creating_then_ready(control) -> None:
    with holding("registry:status=CREATING"):  # still CREATING when read back
        created = control.create_registry(name="catalog", description="Tools", approvalConfiguration=AUTO)
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 202 and set(created) == {"registryArn", "ResponseMetadata"}
        assert registry_status(control, created["registryArn"]) == "CREATING"
    until(lambda: registry_status(control, created["registryArn"]), lambda now: now == "READY")
    registry = control.get_registry(registryId=created["registryArn"])
    assert (registry["name"], registry["description"], registry["approvalConfiguration"]) == ("catalog", "Tools", AUTO)
    assert error(lambda: control.create_registry(name="catalog")) == "ConflictException: A registry named catalog already exists"


def test_update_registry_patches_keep_unset_and_set_asynchronously(control) -> None:
    registry_id = new_registry(control, description="old", approvalConfiguration=AUTO)
    with holding("registry:status=UPDATING"):  # still UPDATING when the next update comes
        updated = control.update_registry(registryId=registry_id, description={},
                                          customMetadataSchemaConfiguration={"optionalValue": {"defaultSchema": '{"type": "object"}'}})
        assert (updated["ResponseMetadata"]["HTTPStatusCode"], updated["status"]) == (202, "UPDATING")
        assert "wait until the change completes" in error(lambda: control.update_registry(registryId=registry_id, name="x"))
    until(lambda: registry_status(control, registry_id), lambda now: now == "READY")
    registry = control.get_registry(registryId=registry_id)
    assert "description" not in registry  # {} unset it
    assert registry["approvalConfiguration"] == AUTO  # left out: kept
    assert registry["customMetadataSchemaConfiguration"] == {"defaultSchema": '{"type": "object"}'}  # set
    control.update_registry(registryId=registry_id, approvalConfiguration={"optionalValue": {"autoApprovalRules": []}})
    until(lambda: registry_status(control, registry_id), lambda now: now == "READY")
    assert control.get_registry(registryId=registry_id)["approvalConfiguration"] == {"autoApprovalRules": []}


def test_custom_jwt_needs_its_authorizer_configuration_and_discovery_needs_a_bearer_token(control, discovery) -> None:
    code, reason, message = refusal(lambda: control.create_registry(name="jwt", discoveryConfiguration={"authorizerType": "CUSTOM_JWT"}))
    assert (code, reason) == ("ValidationException", "FieldValidationFailed") and "authorizerConfiguration is required" in message
    jwt = {"customJWTAuthorizer": {"discoveryUrl": "https://idp.example/.well-known/openid-configuration", "allowedClients": ["c"]}}
    registry_id = new_registry(control, "jwt", discoveryConfiguration={"authorizerType": "CUSTOM_JWT", "authorizerConfiguration": jwt})
    assert control.get_registry(registryId=registry_id)["discoveryConfiguration"]["authorizerConfiguration"] == jwt
    assert error(lambda: found(discovery, registry_id, "x")).startswith("UnauthorizedException: ")
    assert control.get_registry(registryId=new_registry(control))["discoveryConfiguration"] == {"authorizerType": "AWS_IAM"}


def test_auto_detection_stays_inactive_without_organizations(control) -> None:
    registry_id = new_registry(control, autoDetectionConfiguration={"scope": "ORGANIZATION", "enabled": True})
    detection = control.get_registry(registryId=registry_id)["autoDetection"]
    assert (detection["configuration"], detection["status"]) == ({"scope": "ORGANIZATION", "enabled": True}, "INACTIVE")


def test_client_token_replays_the_first_create_and_a_mismatch_is_a_validation_error(control) -> None:
    token = "t" * 40
    first = control.create_registry(name="catalog", clientToken=token)["registryArn"]
    assert control.create_registry(name="catalog", clientToken=token)["registryArn"] == first
    assert [r["name"] for r in control.list_registries()["registries"]] == ["catalog"]
    code, reason, _ = refusal(lambda: control.create_registry(name="other", clientToken=token))
    assert (code, reason) == ("ValidationException", "IdempotentParameterMismatchException")


def test_deleting_a_registry_is_asynchronous_and_takes_its_records_and_tags(control) -> None:
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    registry_id = new_registry(control, tags={"owner": "platform"})
    record_id = new_record(control, registry_id, "weather", tags={"owner": "platform"})
    record_arn = control.get_registry_record(registryId=registry_id, recordId=record_id)["recordArn"]
    with holding("registry:status=DELETING"):  # still DELETING when read back and deleted again
        assert control.delete_registry(registryId=registry_id)["status"] == "DELETING"
        assert registry_status(control, registry_id) == "DELETING"
        assert error(lambda: control.delete_registry(registryId=registry_id)).startswith("ConflictException")
    until(lambda: [r["registryId"] for r in control.list_registries()["registries"]], lambda ids: registry_id not in ids)
    assert error(lambda: control.get_registry(registryId=registry_id)) == f"ResourceNotFoundException: Registry {registry_id} not found"
    assert error(lambda: control.list_tags_for_resource(resourceArn=record_arn)).startswith("ResourceNotFoundException")
    assert tagging.get_resources(ResourceTypeFilters=["agent-registry"])["ResourceTagMappingList"] == []


def test_tags_at_create_are_found_by_get_resources_per_arn_service(control) -> None:
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    owner = {"agentcore-reconciler:registry": "platform"}
    registry_id = new_registry(control, tags=owner)
    registry_arn = control.get_registry(registryId=registry_id)["registryArn"]
    record_id = new_record(control, registry_id, "weather", tags=owner)
    new_record(control, registry_id, "theirs")
    record_arn = f"{registry_arn}/record/{record_id}"
    assert control.list_tags_for_resource(resourceArn=record_arn)["tags"] == owner
    mapping = tagging.get_resources(TagFilters=[{"Key": "agentcore-reconciler:registry"}], ResourceTypeFilters=["agent-registry"])
    assert sorted(item["ResourceARN"] for item in mapping["ResourceTagMappingList"]) == sorted([registry_arn, record_arn])
    control.untag_resource(resourceArn=registry_arn, tagKeys=list(owner))
    control.tag_resource(resourceArn=registry_arn, tags={"team": "a"})
    assert control.list_tags_for_resource(resourceArn=registry_arn)["tags"] == {"team": "a"}
    assert "agent-registry" not in str(tagging.get_resources(ResourceTypeFilters=["bedrock-agentcore"]))


def test_lists_are_posts_with_typed_filters_and_small_pages(control) -> None:
    for index in range(3):
        control.create_registry(name=f"r{index}")
    first = control.list_registries(maxResults=2)
    rest = control.list_registries(maxResults=2, nextToken=first["nextToken"])
    assert [r["name"] for r in first["registries"] + rest["registries"]] == ["r0", "r1", "r2"] and "nextToken" not in rest
    iam = control.list_registries(filters=[{"name": "discoveryConfiguration.authorizerType", "values": ["AWS_IAM"]}])
    assert len(iam["registries"]) == 3
    registry_id = new_registry(control)
    for name in ("a", "b", "c"):
        new_record(control, registry_id, name)
    pages = list(control.get_paginator("list_registry_records").paginate(registryId=registry_id, PaginationConfig={"PageSize": 2}))
    assert [[r["name"] for r in page["registryRecords"]] for page in pages] == [["a", "b"], ["c"]]
    assert "descriptors" not in pages[0]["registryRecords"][0]
    by_name = control.list_registry_records(registryId=registry_id, filters=[{"name": "name", "values": ["b"]}])
    assert [r["name"] for r in by_name["registryRecords"]] == ["b"]
    assert control.list_registry_records(registryId=registry_id, filters=[{"name": "status", "values": ["APPROVED"]}])["registryRecords"] == []
    assert "Member must have length less than or equal to 1" in error(lambda: control.list_registry_records(
        registryId=registry_id, filters=[{"name": "name", "values": ["a", "b"]}]))


# --- records ------------------------------------------------------------------------------------------
def test_record_creation_is_asynchronous_and_names_are_unique_in_a_registry(control) -> None:
    registry_id = new_registry(control)
    with holding("record:status=CREATING"):  # still CREATING when read back and submitted
        created = control.create_registry_record(registryId=registry_id, name="weather", recordType="MCP",
                                                 descriptors=descriptors(("get_forecast", "Forecast")), recordVersion="1.0.0")
        assert (created["ResponseMetadata"]["HTTPStatusCode"], created["status"]) == (202, "CREATING")
        record_id = created["recordArn"].rsplit("/", 1)[-1]
        assert status(control, registry_id, record_id) == "CREATING"
        assert error(lambda: control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)) == (
            f"ConflictException: Record {record_id} is CREATING; wait until the change completes")
    until(lambda: status(control, registry_id, record_id), lambda now: now == "DRAFT")
    record = control.get_registry_record(registryId=registry_id, recordId=record_id)
    assert (record["recordVersion"], record["createdByAutoDetection"], record["createdBy"]) == ("1.0.0", False, ACCOUNT)
    tools = json.loads(record["descriptors"]["mcpServer"]["additionalData"]["tools"]["data"])["tools"]
    assert [tool["name"] for tool in tools] == ["get_forecast"]
    again = dict(registryId=registry_id, name="weather", recordType="MCP", descriptors=descriptors())
    assert error(lambda: control.create_registry_record(**again)).startswith("ConflictException: A record named weather already exists")


def test_update_record_patches_at_every_level(control) -> None:
    registry_id = new_registry(control)
    record_id = new_record(control, registry_id, "weather", ("get_forecast", "Forecast"), description="Weather", displayName="Weather")
    with holding("record:status=UPDATING"):  # UPDATING however late the answer is made
        updated = control.update_registry_record(registryId=registry_id, recordId=record_id, description={}, recordVersion="2",
                                                 descriptors=new_tools(("get_tides", "Tide tables")))
    assert (updated["ResponseMetadata"]["HTTPStatusCode"], updated["status"]) == (202, "UPDATING")
    until(lambda: status(control, registry_id, record_id), lambda now: now == "DRAFT")
    record = control.get_registry_record(registryId=registry_id, recordId=record_id)
    server = record["descriptors"]["mcpServer"]
    assert "description" not in record and record["displayName"] == "Weather" and record["recordVersion"] == "2"
    assert (server["data"], server["dataSchemaVersion"]) == (server_json(), "2025-12-11")  # inner members left out: kept
    assert json.loads(server["additionalData"]["tools"]["data"])["tools"][0]["name"] == "get_tides"


def test_submit_waits_for_a_curator_and_rejection_carries_its_reason(control) -> None:
    registry_id = new_registry(control)
    record_id = new_record(control, registry_id, "weather")
    submitted = control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    assert (submitted["ResponseMetadata"]["HTTPStatusCode"], submitted["status"]) == (202, "PENDING_APPROVAL")
    assert "only a DRAFT record can be submitted" in error(
        lambda: control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id))
    rejected = control.update_registry_record_status(registryId=registry_id, recordId=record_id, status="REJECTED",
                                                     statusReason="no owner listed")
    assert (rejected["status"], rejected["statusReason"]) == ("REJECTED", "no owner listed")
    control.update_registry_record_status(registryId=registry_id, recordId=record_id, status="APPROVED", statusReason="owner added")
    assert status(control, registry_id, record_id) == "APPROVED"
    assert "a curator sets APPROVED, REJECTED, DEPRECATED" in error(lambda: control.update_registry_record_status(
        registryId=registry_id, recordId=record_id, status="DRAFT", statusReason=""))


def test_an_edited_approved_record_stays_discoverable_as_approved_until_the_new_revision_is(control, discovery) -> None:
    registry_id = new_registry(control, approvalConfiguration=AUTO)
    record_id = new_record(control, registry_id, "weather", ("get_forecast", "Forecast of rain"), recordVersion="1")
    assert control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)["status"] == "APPROVED"
    control.update_registry_record(registryId=registry_id, recordId=record_id, recordVersion="2",
                                   descriptors=new_tools(("get_tides", "Tide tables")))
    until(lambda: status(control, registry_id, record_id), lambda now: now == "DRAFT")
    assert found(discovery, registry_id, "rain") == ["weather"]  # the approved revision
    assert found(discovery, registry_id, "tides") == []  # not the newer draft
    batch = discovery.batch_get_discoverable_registry_record(entries=[{"registryId": registry_id, "recordIds": [record_id]}])
    assert [(r["recordVersion"], r["status"]) for r in batch["registryRecords"]] == [("1", "APPROVED")]
    control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    hits = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery="tides")["registryRecords"]
    assert [(hit["name"], hit["recordVersion"], hit["status"]) for hit in hits] == [("weather", "2", "APPROVED")]


def test_a_rejected_new_revision_keeps_the_approved_one_and_rejecting_the_approved_one_hides_it(control, discovery) -> None:
    registry_id = new_registry(control)
    record_id = approved(control, registry_id, "weather", ("get_forecast", "Forecast of rain"))
    control.update_registry_record(registryId=registry_id, recordId=record_id, descriptors=new_tools(("get_tides", "Tide tables")))
    until(lambda: status(control, registry_id, record_id), lambda now: now == "DRAFT")
    control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    control.update_registry_record_status(registryId=registry_id, recordId=record_id, status="REJECTED", statusReason="no")
    assert found(discovery, registry_id, "rain") == ["weather"]
    other = approved(control, registry_id, "storms", ("storm_alerts", "Rain warnings"))
    control.update_registry_record_status(registryId=registry_id, recordId=other, status="REJECTED", statusReason="withdrawn")
    assert found(discovery, registry_id, "rain") == ["weather"]


def test_deprecation_hides_a_record_for_good_and_it_cannot_be_edited(control, discovery) -> None:
    registry_id = new_registry(control)
    record_id = approved(control, registry_id, "weather", ("get_forecast", "Forecast of rain"))
    control.update_registry_record_status(registryId=registry_id, recordId=record_id, status="DEPRECATED", statusReason="retired")
    assert found(discovery, registry_id, "rain") == []
    assert status(control, registry_id, record_id) == "DEPRECATED"  # still there for audit
    assert "a deprecated record cannot be edited" in error(
        lambda: control.update_registry_record(registryId=registry_id, recordId=record_id, recordVersion="2"))
    assert f"Record {record_id} is DEPRECATED and cannot become APPROVED" in error(lambda: control.update_registry_record_status(
        registryId=registry_id, recordId=record_id, status="APPROVED", statusReason=""))
    assert error(lambda: new_record(control, registry_id, "weather")).startswith("ConflictException")  # it keeps its name


def test_deleting_a_record_is_immediate_and_frees_its_name(control, discovery) -> None:
    registry_id = new_registry(control)
    record_id = approved(control, registry_id, "weather", ("get_forecast", "Forecast of rain"))
    deleted = control.delete_registry_record(registryId=registry_id, recordId=record_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error(lambda: status(control, registry_id, record_id)).startswith("ResourceNotFoundException")
    assert found(discovery, registry_id, "rain") == []
    new_record(control, registry_id, "weather")


def test_a_detected_gateway_record_is_marked_and_carries_its_provenance(control, discovery) -> None:
    registry_id = new_registry(control, approvalConfiguration=AUTO)
    detected = agentregistry_backends[ACCOUNT][REGION].detect_gateway(registry_id, GATEWAY_ARN, "orders",
                                                                       server_json("Orders"), tools_json(("get_order", "Look up an order")))
    record = control.get_registry_record(registryId=registry_id, recordId=detected.record_id)
    assert (record["recordType"], record["status"], record["createdByAutoDetection"]) == ("GATEWAY", "APPROVED", True)
    assert record["provenance"] == [{"relation": "DETECTED_FROM", "sourceId": GATEWAY_ARN, "sourceType": "AWS::BedrockAgentCore::Gateway"}]
    summary = control.list_registry_records(registryId=registry_id)["registryRecords"][0]
    assert summary["provenanceSummaryList"][0]["sourceId"] == GATEWAY_ARN
    assert found(discovery, registry_id, "order") == ["orders"]


@pytest.mark.parametrize("case", BAD_RECORDS, ids=lambda path: path.stem)
def test_bad_record_content_is_refused_as_a_field_validation_failure(control, case: Path) -> None:
    expected = case.read_text().splitlines()[0].removeprefix("# expect: ").strip()
    registry_id = new_registry(control)
    code, reason, message = refusal(lambda: control.create_registry_record(registryId=registry_id, **yaml.safe_load(case.read_text())))
    assert (code, reason) == ("ValidationException", "FieldValidationFailed") and expected in message, message
    assert control.list_registry_records(registryId=registry_id)["registryRecords"] == []


def test_an_update_is_checked_like_a_create(control) -> None:
    registry_id = new_registry(control)
    record_id = new_record(control, registry_id, "weather")
    bad = {"optionalValue": {"mcpServer": {"optionalValue": {"data": {"optionalValue": json.dumps({"name": "weather"})}}}}}
    assert "Schema validation failed: descriptors.mcpServer.data" in error(
        lambda: control.update_registry_record(registryId=registry_id, recordId=record_id, descriptors=bad))
    assert status(control, registry_id, record_id) == "DRAFT"


# --- discovery ----------------------------------------------------------------------------------------
def test_keyword_search_finds_a_record_by_the_words_of_its_tools_best_match_first(control, discovery) -> None:
    registry_id = new_registry(control)
    approved(control, registry_id, "weather", ("get_forecast", "Hourly precipitation and wind for a city"))
    approved(control, registry_id, "orders", ("list_orders", "Orders of a customer"), ("refund", "Refund an order"))
    approved(control, registry_id, "storms", ("storm_alerts", "Precipitation warnings"), ("radar", "Precipitation radar images"))
    assert found(discovery, registry_id, "precipitation", searchType="KEYWORD") == ["storms", "weather"]
    assert found(discovery, registry_id, "refunds for customers") == ["orders"]
    assert found(discovery, registry_id, "list orders") == ["orders"]  # a tool name's words
    assert found(discovery, registry_id, "spaceships", searchType="KEYWORD") == []
    assert found(discovery, registry_id, "spaceships", searchType="SEMANTIC") != []  # semantic always answers
    hit = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery="wind")
    assert hit["searchType"] == "HYBRID"  # the default where semantic search exists
    assert json.loads(hit["registryRecords"][0]["descriptors"]["mcpServer"]["data"])["remotes"][0]["url"] == "https://gw.example/mcp"


def test_search_sees_only_approved_revisions(control, discovery) -> None:
    registry_id = new_registry(control)
    new_record(control, registry_id, "draft", ("a", "Tide tables"))
    pending = new_record(control, registry_id, "pending", ("b", "Tide tables"))
    control.submit_registry_record_for_approval(registryId=registry_id, recordId=pending)
    approved(control, registry_id, "published", ("d", "Tide tables"))
    assert found(discovery, registry_id, "tide") == ["published"]
    listed = discovery.list_discoverable_registry_records(registryId=registry_id)["registryRecords"]
    assert [(r["name"], r["descriptorTypes"]) for r in listed] == [("published", ["mcpServer"])]


def test_semantic_search_is_refused_where_the_region_lacks_it(control, discovery, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEMANTIC_REGIONS_VARIABLE, "us-west-2")
    registry_id = new_registry(control)
    approved(control, registry_id, "weather", ("get_forecast", "Forecast of rain"))
    for kind in ("HYBRID", "SEMANTIC"):
        code, reason, _ = refusal(lambda: found(discovery, registry_id, "rain", searchType=kind))  # noqa: B023
        assert (code, reason) == ("ValidationException", "UnsupportedInRegion")
    answer = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery="rain")
    assert (answer["searchType"], [r["name"] for r in answer["registryRecords"]]) == ("KEYWORD", ["weather"])


def test_search_pages_with_next_token_and_filters(control, discovery) -> None:
    registry_id = new_registry(control)
    for name in ("alpha", "beta", "gamma"):
        approved(control, registry_id, name, ("lookup", "Look up parcels"), customMetadata={"team": name})
    first = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery="parcels", maxResults=2)
    rest = discovery.search_discoverable_registry_records(registryIds=[registry_id], searchQuery="parcels", maxResults=2,
                                                          nextToken=first["nextToken"])
    assert sorted(r["name"] for r in first["registryRecords"] + rest["registryRecords"]) == ["alpha", "beta", "gamma"]
    assert len(first["registryRecords"]) == 2 and "nextToken" not in rest
    assert "belongs to another request" in error(lambda: discovery.search_discoverable_registry_records(
        registryIds=[registry_id], searchQuery="other", nextToken=first["nextToken"]))
    assert found(discovery, registry_id, "parcels", filters={"name": {"$eq": "beta"}}) == ["beta"]
    assert sorted(found(discovery, registry_id, "", filters={"customMetadata.team": {"$in": ["alpha", "gamma"]}})) == ["alpha", "gamma"]
    assert found(discovery, registry_id, "parcels", filters={"$and": [{"recordType": {"$eq": "AGENT"}}]}) == []
    assert "filters: owner is not a filterable field" in error(lambda: found(discovery, registry_id, "p", filters={"owner": {"$eq": "x"}}))
    assert "maxResults must be at most 20 when searchType is HYBRID" in error(lambda: found(discovery, registry_id, "p", maxResults=21))
    assert "Member must have length less than or equal to 1" in error(lambda: discovery.search_discoverable_registry_records(
        registryIds=[registry_id, registry_id], searchQuery="p"))


def test_faults_and_quotas_apply_to_both_clients(emulator: None, faults: Callable[..., None]) -> None:
    faults("throttle:op=CreateRegistry,limit=1", quotas="reads=1")
    once = Config(retries={"mode": "standard", "max_attempts": 0})
    control = boto3.client("agent-registry-control", region_name=REGION, config=once)
    discovery = boto3.client("agent-registry", region_name=REGION, config=once)
    assert error(lambda: control.create_registry(name="catalog")) == "ThrottlingException: Rate exceeded"
    registry_id = control.create_registry(name="catalog")["registryArn"].rsplit("/", 1)[-1]
    discovery.list_discoverable_registry_records(registryId=registry_id)  # the one read a second allows
    assert error(lambda: discovery.list_discoverable_registry_records(registryId=registry_id)) == "ThrottlingException: Rate exceeded"
    operations = stats()["operations"]
    assert operations["CreateRegistry"] == {"calls": 2, "throttled": 0, "refused": 0, "faults": {"throttle": 1}}
    assert operations["ListDiscoverableRegistryRecords"]["throttled"] == 1


# --- the preview API is gone --------------------------------------------------------------------------
@pytest.mark.preview_calls
def test_every_preview_registry_operation_is_unknown_and_counted(emulator: None) -> None:
    preview = boto3.client("bedrock-agentcore-control", region_name=REGION)
    search = boto3.client("bedrock-agentcore", region_name=REGION)
    before = preview_calls()
    code, _, _ = refusal(lambda: preview.list_registries())
    assert code == "UnknownOperationException"
    assert error(lambda: preview.create_registry(name="catalog")).startswith("UnknownOperationException")
    assert error(lambda: search.search_registry_records(registryIds=["AAAAAAAAAAAA"], searchQuery="x")).startswith(
        "UnknownOperationException")
    after = preview_calls()
    assert {op: after[op] - before.get(op, 0) for op in after} == {"ListRegistries": 1, "CreateRegistry": 1, "SearchRegistryRecords": 1}


@pytest.mark.preview_calls
def test_both_clients_reach_the_registry_through_the_emulator_server() -> None:
    with running_emulator(preview_calls=True) as emulator_url:
        both_clients_through(emulator_url)


def both_clients_through(emulator_url: str) -> None:
    control = boto3.client("agent-registry-control", region_name=REGION, endpoint_url=emulator_url)
    discovery = boto3.client("agent-registry", region_name=REGION, endpoint_url=emulator_url)
    registry_id = new_registry(control, "server-catalog", approvalConfiguration=AUTO, tags={"team": "fleet"})
    record_id = new_record(control, registry_id, "fleet", ("vehicle_positions", "Where every delivery van is"))
    assert control.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)["status"] == "APPROVED"
    assert found(discovery, registry_id, "delivery vans") == ["fleet"]
    assert error(lambda: control.create_registry(name="server-catalog")).startswith("ConflictException")
    preview = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=emulator_url)
    assert error(lambda: preview.list_registries()).startswith("UnknownOperationException")
    with urllib.request.urlopen(f"{emulator_url}/_emulator/stats", timeout=10) as answer:  # noqa: S310 - loopback
        counters = json.loads(answer.read())
    assert counters["preview-calls"]["ListRegistries"] >= 1
    assert counters["operations"]["SearchDiscoverableRegistryRecords"]["calls"] >= 1
