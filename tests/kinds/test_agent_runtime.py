"""Agent runtimes and their endpoints, two kinds added as one module each (reconciler/kinds/agent_runtime.py,
agent_runtime_endpoint.py) and their registration line.

A runtime is created, updated (each update a new version), reported as drift, deleted and imported; a gateway
target routes to it by name (`runtime: NAME`, resolved to its ARN); an endpoint pins a version or keeps the one the
service gave it; the DEFAULT endpoint the service makes with every runtime is never drift, never deleted, never
imported and never declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.aws import Api
from reconciler.drift import CHANGED, EXTRA, drift_report
from reconciler.errors import ConfigError, PlanError
from reconciler.kinds import KINDS
from reconciler.kinds.base import OWNER_TAG
from reconciler.live import read_live
from reconciler.planner import make_plan
from tests.helpers import ROLE, actions, converge, plan_for, reconcile, registry_from

FAST = ("--auto-approve", "--poll-interval", "0.02")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1"
RUNTIME = "agent_one"
OTHER_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other-abcdefghij"


def registry_text(env: str = "prod", endpoint: str = "    endpoints:\n      live: {description: serves customers}\n",
                  runtime: bool = True, target: bool = True) -> str:
    text = "registry: runtimes\nregion: us-east-1\n"
    if runtime:
        text += (f"agentRuntimes:\n  {RUNTIME}:\n    roleArn: {ROLE}\n"
                 f"    agentRuntimeArtifact: {{containerConfiguration: {{containerUri: '{IMAGE}'}}}}\n"
                 f"    networkConfiguration: {{networkMode: PUBLIC}}\n    environmentVariables: {{STAGE: {env}}}\n" + endpoint)
    routed = (f"    targets:\n      agent:\n        targetConfiguration: {{http: {{agentcoreRuntime: {{runtime: {RUNTIME}}}}}}}\n"
              if target else "")
    return text + f"gateways:\n  edge:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n" + routed


def the_runtime(client: Any) -> dict[str, Any]:
    item = client.list_agent_runtimes()["agentRuntimes"][0]
    return client.get_agent_runtime(agentRuntimeId=item["agentRuntimeId"])  # type: ignore[no-any-return]


def endpoints(client: Any, runtime_id: str) -> dict[str, dict[str, Any]]:
    listed = client.list_agent_runtime_endpoints(agentRuntimeId=runtime_id)["runtimeEndpoints"]
    return {e["name"]: client.get_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName=e["name"]) for e in listed}


def drifted(api: Api, tmp_path: Path, text: str) -> list[tuple[str, str, list[str]]]:
    registry = registry_from(tmp_path, text)
    live = read_live(api, registry.name, set(registry.resources))
    return [(d.address, d.status, [f.dotted for f in d.fields]) for d in drift_report(make_plan(registry, live), live.resources).drifted]


ENDPOINT = f"agent-runtime/{RUNTIME}/agent-runtime-endpoint/live"


def test_a_runtime_is_created_routed_to_updated_into_a_new_version_drifted_and_deleted(api: Api, client: Any, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, registry_text())
    assert actions(plan_for(api, registry)) == {f"agent-runtime/{RUNTIME}": "create", ENDPOINT: "create",
                                               "gateway/edge": "create", "gateway/edge/target/agent": "create"}
    converge(api, registry)
    assert plan_for(api, registry).empty
    runtime = the_runtime(client)
    runtime_id = runtime["agentRuntimeId"]
    assert runtime["agentRuntimeVersion"] == "1" and runtime["environmentVariables"] == {"STAGE": "prod"}
    assert client.list_tags_for_resource(resourceArn=runtime["agentRuntimeArn"])["tags"][OWNER_TAG] == "runtimes"
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    target_id = client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"][0]["targetId"]
    routed = client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)["targetConfiguration"]
    assert routed == {"http": {"agentcoreRuntime": {"arn": runtime["agentRuntimeArn"]}}}  # the name became the ARN
    assert {n: e["targetVersion"] for n, e in endpoints(client, runtime_id).items()} == {"DEFAULT": "1", "live": "1"}
    assert drifted(api, tmp_path, registry_text()) == []  # the service's DEFAULT endpoint is not drift

    client.update_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeArtifact=runtime["agentRuntimeArtifact"], roleArn=ROLE,
                                networkConfiguration={"networkMode": "PUBLIC"}, environmentVariables={"STAGE": "by-hand"})
    assert drifted(api, tmp_path, registry_text()) == [(f"agent-runtime/{RUNTIME}", CHANGED, ["environmentVariables.STAGE"])]

    changed = registry_from(tmp_path, registry_text(env="next"))
    assert actions(plan_for(api, changed)) == {f"agent-runtime/{RUNTIME}": "update"}  # the endpoint's version is the service's
    converge(api, changed)
    assert plan_for(api, changed).empty
    assert the_runtime(client)["agentRuntimeVersion"] == "3"  # one by hand, one by the registry
    assert {n: e["targetVersion"] for n, e in endpoints(client, runtime_id).items()} == {"DEFAULT": "3", "live": "1"}

    pinned = registry_from(tmp_path, registry_text(env="next", endpoint="    endpoints:\n      live: {description: serves customers, agentRuntimeVersion: '3'}\n"))
    plan = plan_for(api, pinned)
    assert actions(plan) == {ENDPOINT: "update"}
    assert [(f.dotted, f.before, f.after) for f in plan.changes[0].fields] == [("agentRuntimeVersion", "1", "3")]
    converge(api, pinned)
    assert endpoints(client, runtime_id)["live"]["targetVersion"] == "3"

    without = registry_text(env="next", endpoint="")
    assert drifted(api, tmp_path, without) == [(ENDPOINT, EXTRA, [])]
    removed = registry_from(tmp_path, without)
    assert actions(plan_for(api, removed)) == {ENDPOINT: "delete"}  # never the DEFAULT endpoint
    converge(api, removed)
    assert list(endpoints(client, runtime_id)) == ["DEFAULT"]

    gone = registry_from(tmp_path, registry_text(runtime=False, target=False))
    assert actions(plan_for(api, gone)) == {f"agent-runtime/{RUNTIME}": "delete", "gateway/edge/target/agent": "delete"}
    converge(api, gone)
    assert client.list_agent_runtimes()["agentRuntimes"] == []


def test_a_hand_made_runtime_is_imported_with_its_endpoints_but_not_the_default_then_adopted(
        api: Api, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = client.create_agent_runtime(agentRuntimeName="hand_made", agentRuntimeArtifact={"containerConfiguration": {"containerUri": IMAGE}},
                                       roleArn=ROLE, networkConfiguration={"networkMode": "PUBLIC"})
    client.create_agent_runtime_endpoint(agentRuntimeId=made["agentRuntimeId"], name="prod", description="p")
    monkeypatch.chdir(tmp_path)
    written = reconcile("import", "--resource", "agent-runtime/hand_made", "--owner", "adopted", "--out", "gateways.yaml")
    assert written.exit_code == 0, written.output
    declared = yaml.safe_load((tmp_path / "gateways.yaml").read_text())["agentRuntimes"]["hand_made"]
    assert declared["endpoints"] == {"prod": {"agentRuntimeVersion": "1", "description": "p"}}  # no DEFAULT
    assert declared["agentRuntimeArtifact"] == {"containerConfiguration": {"containerUri": IMAGE}} and declared["roleArn"] == ROLE

    assert "agent-runtime/hand_made will be adopted" in reconcile("plan", "--adopt").stdout
    adopted = reconcile("apply", "--adopt", *FAST)
    assert adopted.exit_code == 0, adopted.output
    assert reconcile("plan", "--detailed-exitcode").exit_code == 0
    assert client.list_tags_for_resource(resourceArn=made["agentRuntimeArn"])["tags"][OWNER_TAG] == "adopted"
    assert the_runtime(client)["agentRuntimeVersion"] == "1"  # adopting tags it: no new version


def test_the_default_endpoint_is_never_declared(api: Api, client: Any, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, registry_text(target=False)))
    claimed = registry_from(tmp_path, registry_text(endpoint="    endpoints:\n      DEFAULT: {description: mine}\n", target=False))
    with pytest.raises(PlanError, match=f"agent-runtime/{RUNTIME}/agent-runtime-endpoint/DEFAULT: the agent runtime endpoint at "
                                        "this name was made by the service with its agent runtime"):
        plan_for(api, claimed)


def test_declarations_are_checked_against_the_model_and_the_names_they_reference(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown agent runtime 'other'"):
        registry_from(tmp_path, registry_text(runtime=False).replace(f"runtime: {RUNTIME}", "runtime: other"))
    with pytest.raises(ConfigError, match="give exactly one of `runtime:`"):
        registry_from(tmp_path, registry_text().replace(f"runtime: {RUNTIME}", f"runtime: {RUNTIME}, arn: '{OTHER_ARN}'"))
    with pytest.raises(ConfigError, match="agentRuntimeVersion"):
        registry_from(tmp_path, registry_text(endpoint="    endpoints:\n      live: {agentRuntimeVersion: latest}\n"))
    with pytest.raises(ConfigError, match="networkMode"):
        registry_from(tmp_path, registry_text().replace("networkMode: PUBLIC", "networkMode: OPEN"))


def test_the_defaults_a_runtime_compares_with_come_from_the_model_docs() -> None:
    """Derived from the model's "Defaults to ..." (protocol, capacity provider), plus the lifecycle's, whose docs give them
    in prose; none for an endpoint."""
    assert KINDS["agent-runtime"].defaults == {
        ("protocolConfiguration", "port"): 8080, ("protocolConfiguration", "path"): "/invocations",
        ("capacityProviderConfiguration", "operatingSystemConfiguration", "linux", "privilegeMode"): "STANDARD",
        ("lifecycleConfiguration", "idleRuntimeSessionTimeout"): 900, ("lifecycleConfiguration", "maxLifetime"): 28800}
    assert KINDS["agent-runtime-endpoint"].defaults == {}
