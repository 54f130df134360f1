"""GetResources (Resource Groups Tagging API) answers for the emulator's AgentCore resources, with the API's filters."""

from __future__ import annotations

from typing import Any

import boto3

from tests.conftest import REGION
from tests.helpers import ROLE

OWNER = "agentcore-reconciler:registry"


def tagged(tagging: Any, **filters: Any) -> dict[str, dict[str, str]]:
    found = {}
    for page in tagging.get_paginator("get_resources").paginate(ResourcesPerPage=100, **filters):
        found.update({item["ResourceARN"]: {t["Key"]: t["Value"] for t in item["Tags"]} for item in page["ResourceTagMappingList"]})
    return found


def test_get_resources_finds_agentcore_resources_by_tag_and_type(client) -> None:  # type: ignore[no-untyped-def]
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    ours = client.create_gateway(name="ours", roleArn=ROLE, authorizerType="NONE", tags={OWNER: "a", "team": "x"})
    client.create_gateway(name="theirs", roleArn=ROLE, authorizerType="NONE", tags={OWNER: "b"})
    client.create_gateway(name="untagged", roleArn=ROLE, authorizerType="NONE")
    key = client.create_api_key_credential_provider(name="key", apiKey="k", tags={OWNER: "a"})
    mine = tagged(tagging, TagFilters=[{"Key": OWNER, "Values": ["a"]}], ResourceTypeFilters=["bedrock-agentcore"])
    assert mine == {ours["gatewayArn"]: {OWNER: "a", "team": "x"}, key["credentialProviderArn"]: {OWNER: "a"}}
    gateways = tagged(tagging, TagFilters=[{"Key": OWNER}], ResourceTypeFilters=["bedrock-agentcore:gateway"])
    assert len(gateways) == 2 and key["credentialProviderArn"] not in gateways
    client.delete_gateway(gatewayIdentifier=ours["gatewayId"])
    assert ours["gatewayArn"] not in tagged(tagging, TagFilters=[{"Key": OWNER, "Values": ["a"]}])


def test_get_resources_pages_past_one_hundred(client) -> None:  # type: ignore[no-untyped-def]
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    for i in range(105):
        client.create_api_key_credential_provider(name=f"k{i}", apiKey="k", tags={OWNER: "a"})
    first = tagging.get_resources(TagFilters=[{"Key": OWNER}], ResourcesPerPage=100)
    assert len(first["ResourceTagMappingList"]) < 105 and first["PaginationToken"]
    assert len(tagged(tagging, TagFilters=[{"Key": OWNER}])) == 105


def test_the_index_lags_like_the_real_one_new_tags_and_removed_tags_show_late(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.emulator.support import until

    monkeypatch.setenv("RECONCILER_EMULATOR_INDEX_LAG", "0.3")
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    ours = client.create_gateway(name="ours", roleArn=ROLE, authorizerType="NONE", tags={OWNER: "a"})
    assert tagged(tagging, TagFilters=[{"Key": OWNER}]) == {}  # not yet
    until(lambda: tagged(tagging, TagFilters=[{"Key": OWNER}]), lambda found: ours["gatewayArn"] in found)
    client.untag_resource(resourceArn=ours["gatewayArn"], tagKeys=[OWNER])
    assert ours["gatewayArn"] in tagged(tagging, TagFilters=[{"Key": OWNER}])  # the removed tag still shows
    until(lambda: tagged(tagging, TagFilters=[{"Key": OWNER}]), lambda found: found == {})
