"""Agent runtimes and their endpoints, through boto3 against the in-process emulator: versions, the DEFAULT endpoint."""

from __future__ import annotations

from typing import Any

from tests.emulator.support import ACCOUNT, ROLE, error, until

IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:1"
ARTIFACT = {"containerConfiguration": {"containerUri": IMAGE}}
PUBLIC = {"networkMode": "PUBLIC"}


def runtime(client: Any, name: str = "agent_one", **members: Any) -> str:
    created = client.create_agent_runtime(agentRuntimeName=name, agentRuntimeArtifact=ARTIFACT, roleArn=ROLE,
                                          networkConfiguration=PUBLIC, **members)
    ready(client, created["agentRuntimeId"])
    return str(created["agentRuntimeId"])


def ready(client: Any, runtime_id: str) -> dict[str, Any]:
    return until(lambda: client.get_agent_runtime(agentRuntimeId=runtime_id), lambda r: r["status"] == "READY")  # type: ignore[no-any-return]


def endpoints(client: Any, runtime_id: str) -> dict[str, dict[str, Any]]:
    listed = client.get_paginator("list_agent_runtime_endpoints").paginate(agentRuntimeId=runtime_id).build_full_result()
    return {e["name"]: client.get_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName=e["name"])
            for e in listed["runtimeEndpoints"]}


def test_a_runtime_is_created_as_version_one_with_a_default_endpoint_that_follows_every_update(client: Any) -> None:
    created = client.create_agent_runtime(agentRuntimeName="agent_one", agentRuntimeArtifact=ARTIFACT, roleArn=ROLE,
                                          networkConfiguration=PUBLIC, tags={"team": "a"}, lifecycleConfiguration={"maxLifetime": 3600})
    assert created["status"] == "CREATING" and created["agentRuntimeVersion"] == "1"
    assert created["agentRuntimeId"].startswith("agent_one-")
    assert created["agentRuntimeArn"].endswith(f":{ACCOUNT}:runtime/{created['agentRuntimeId']}")
    assert client.list_tags_for_resource(resourceArn=created["agentRuntimeArn"])["tags"] == {"team": "a"}
    runtime_id = created["agentRuntimeId"]
    assert ready(client, runtime_id)["lifecycleConfiguration"] == {"idleRuntimeSessionTimeout": 900, "maxLifetime": 3600}
    default = endpoints(client, runtime_id)["DEFAULT"]
    assert default["agentRuntimeEndpointArn"] == f"{created['agentRuntimeArn']}/runtime-endpoint/DEFAULT"
    assert error(lambda: client.create_agent_runtime(agentRuntimeName="agent_one", agentRuntimeArtifact=ARTIFACT,
                                                     roleArn=ROLE, networkConfiguration=PUBLIC)).startswith("ConflictException")

    updated = client.update_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeArtifact=ARTIFACT, roleArn=ROLE,
                                          networkConfiguration=PUBLIC, description="second")
    assert updated["agentRuntimeVersion"] == "2" and updated["status"] == "UPDATING"
    assert ready(client, runtime_id)["description"] == "second"
    assert "description" not in client.get_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeVersion="1")  # versions never change
    assert endpoints(client, runtime_id)["DEFAULT"]["targetVersion"] == "2"
    versions = client.list_agent_runtime_versions(agentRuntimeId=runtime_id)["agentRuntimes"]
    assert [v["agentRuntimeVersion"] for v in versions] == ["2", "1"]

    client.update_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeArtifact=ARTIFACT, roleArn=ROLE, networkConfiguration=PUBLIC)
    assert "description" not in ready(client, runtime_id)  # a PUT: what the update leaves out is not in the new version


def test_endpoints_point_at_the_version_they_are_given_and_the_default_is_the_services(client: Any) -> None:
    runtime_id = runtime(client)
    client.update_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeArtifact=ARTIFACT, roleArn=ROLE, networkConfiguration=PUBLIC)
    ready(client, runtime_id)
    made = client.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="prod", agentRuntimeVersion="1", description="p")
    assert made["targetVersion"] == "1" and made["endpointName"] == "prod"
    latest = client.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="staging")
    assert latest["targetVersion"] == "2"
    assert error(lambda: client.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="qa", agentRuntimeVersion="9")
                 ).startswith("ValidationException")
    assert error(lambda: client.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="DEFAULT")).startswith("ConflictException")

    until(lambda: endpoints(client, runtime_id)["prod"]["status"], lambda s: s == "READY")
    client.update_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName="prod", agentRuntimeVersion="2")
    prod = until(lambda: endpoints(client, runtime_id)["prod"], lambda e: e["status"] == "READY")
    assert prod["targetVersion"] == prod["liveVersion"] == "2" and "description" not in prod  # a PUT clears the description

    for verb in (lambda: client.update_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName="DEFAULT", agentRuntimeVersion="1"),
                 lambda: client.delete_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName="DEFAULT")):
        assert error(verb).startswith("ValidationException")
    assert client.delete_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName="staging")["status"] == "DELETING"
    until(lambda: sorted(endpoints(client, runtime_id)), lambda names: names == ["DEFAULT", "prod"])


def test_a_deleted_runtime_takes_its_endpoints_and_its_workload_identity(client: Any) -> None:
    runtime_id = runtime(client)
    client.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="prod")
    assert [i["name"] for i in client.list_workload_identities()["workloadIdentities"]] == [runtime_id]
    assert client.delete_agent_runtime(agentRuntimeId=runtime_id)["status"] == "DELETING"
    until(lambda: client.list_agent_runtimes()["agentRuntimes"], lambda listed: listed == [])
    assert error(lambda: client.list_agent_runtime_endpoints(agentRuntimeId=runtime_id)).startswith("ResourceNotFoundException")
    assert client.list_workload_identities()["workloadIdentities"] == []


def test_the_list_is_paged_and_names_follow_the_model(client: Any) -> None:
    for index in range(12):
        client.create_agent_runtime(agentRuntimeName=f"agent_{index:02}", agentRuntimeArtifact=ARTIFACT, roleArn=ROLE,
                                    networkConfiguration=PUBLIC)
    first = client.list_agent_runtimes(maxResults=5)
    assert len(first["agentRuntimes"]) == 5 and first["nextToken"]
    listed = client.get_paginator("list_agent_runtimes").paginate().build_full_result()["agentRuntimes"]
    assert sorted(r["agentRuntimeName"] for r in listed) == [f"agent_{index:02}" for index in range(12)]
    assert error(lambda: client.create_agent_runtime(agentRuntimeName="agent-one", agentRuntimeArtifact=ARTIFACT, roleArn=ROLE,
                                                     networkConfiguration=PUBLIC)).startswith("ValidationException")
