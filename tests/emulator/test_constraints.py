"""Request constraints read from botocore's model, in the service's words."""

from __future__ import annotations

import botocore.session

from reconciler.emulator.constraints import validation_message, violations

MODEL = botocore.session.get_session().get_service_model("bedrock-agentcore-control")
CREATE_RECORD = MODEL.operation_model("CreateRegistryRecord").input_shape
LIST_RECORDS = MODEL.operation_model("ListRegistryRecords").input_shape
GOOD = {"registryId": "AbCdEf123456", "name": "gw.orders", "descriptorType": "MCP", "recordVersion": "1.2-rc.1"}


def test_a_request_within_the_constraints_has_no_violation() -> None:
    assert violations(CREATE_RECORD, {**GOOD, "descriptors": {"mcp": {"server": {"inlineContent": "{}"}}}}) == []


def test_pattern_enum_and_required_members_are_checked_by_path() -> None:
    request = {"registryId": "not an id!", "name": "gw.orders", "descriptorType": "SOAP"}
    assert violations(CREATE_RECORD, request) == [
        "Value at 'registryId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        + CREATE_RECORD.members["registryId"].metadata["pattern"],
        "Value at 'descriptorType' failed to satisfy constraint: Member must satisfy enum value set: [MCP, A2A, CUSTOM, AGENT_SKILLS]",
    ]
    assert violations(CREATE_RECORD, {"registryId": "AbCdEf123456"}) == [
        "Value null at 'name' failed to satisfy constraint: Member must not be null",
        "Value null at 'descriptorType' failed to satisfy constraint: Member must not be null",
    ]


def test_lengths_and_ranges_use_the_model_limits_deep_in_the_request() -> None:
    limit = MODEL.shape_for("InlineContent").metadata["max"]
    request = {**GOOD, "descriptors": {"mcp": {"tools": {"inlineContent": "x" * (limit + 1)}}}}
    assert violations(CREATE_RECORD, request) == [
        f"Value at 'descriptors.mcp.tools.inlineContent' failed to satisfy constraint: Member must have length less than or equal to {limit}"
    ]
    assert violations(LIST_RECORDS, {"registryId": "AbCdEf123456", "maxResults": 0}) == [
        "Value at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
    ]


def test_list_members_are_numbered_from_one() -> None:
    sync = {"fromUrl": {"url": "https://x", "credentialProviderConfigurations": [
        {"credentialProviderType": "IAM", "credentialProvider": {"iamCredentialProvider": {"region": "EU WEST"}}}]}}
    assert violations(CREATE_RECORD, {**GOOD, "synchronizationConfiguration": sync}) == [
        "Value at 'synchronizationConfiguration.fromUrl.credentialProviderConfigurations.1.credentialProvider."
        "iamCredentialProvider.region' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9-]+"
    ]


def test_the_message_counts_the_problems() -> None:
    assert validation_message(["a"]) == "1 validation error detected: a"
    assert validation_message(["a", "b"]) == "2 validation errors detected: a; b"
