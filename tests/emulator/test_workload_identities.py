"""Workload identities, through boto3 against the in-process emulator: the directory lists the service's own too."""

from __future__ import annotations

from typing import Any

from tests.emulator.support import error, gateway

CALLBACK = "https://app.example.com/cb"


def names(client: Any) -> list[str]:
    return [i["name"] for i in client.get_paginator("list_workload_identities").paginate().build_full_result()["workloadIdentities"]]


def test_a_gateways_identity_is_in_the_directory_until_the_gateway_goes(client: Any) -> None:
    gateway_id = gateway(client)
    arn = client.get_gateway(gatewayIdentifier=gateway_id)["workloadIdentityDetails"]["workloadIdentityArn"]
    assert names(client) == [gateway_id]
    made = client.get_workload_identity(name=gateway_id)
    assert made["workloadIdentityArn"] == arn and "allowedResourceOauth2ReturnUrls" not in made
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    client.delete_gateway(gatewayIdentifier=gateway_id)
    assert names(client) == []
    assert error(lambda: client.get_workload_identity(name=gateway_id)).startswith("ResourceNotFoundException")


def test_create_tags_update_replaces_and_delete_frees_the_name(client: Any) -> None:
    created = client.create_workload_identity(name="agent-one", allowedResourceOauth2ReturnUrls=[CALLBACK], tags={"team": "a"})
    assert created["workloadIdentityArn"].endswith(":workload-identity-directory/default/workload-identity/agent-one")
    assert client.list_tags_for_resource(resourceArn=created["workloadIdentityArn"])["tags"] == {"team": "a"}
    assert error(lambda: client.create_workload_identity(name="agent-one")).startswith("ConflictException")

    client.update_workload_identity(name="agent-one")  # the whole configuration: no URLs given, none kept
    assert "allowedResourceOauth2ReturnUrls" not in client.get_workload_identity(name="agent-one")
    client.delete_workload_identity(name="agent-one")
    assert names(client) == []
    assert client.create_workload_identity(name="agent-one")["name"] == "agent-one"


def test_the_list_is_paged_and_names_follow_the_model(client: Any) -> None:
    for index in range(12):
        client.create_workload_identity(name=f"agent-{index:02}")
    first = client.list_workload_identities(maxResults=5)
    assert len(first["workloadIdentities"]) == 5 and first["nextToken"]
    assert names(client) == [f"agent-{index:02}" for index in range(12)]
    assert error(lambda: client.create_workload_identity(name="a b")).startswith("ValidationException")
