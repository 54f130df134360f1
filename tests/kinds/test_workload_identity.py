"""Workload identities, the kind added as one module (reconciler/kinds/workload_identity.py) and one registration line.

Declared ones are created, updated, reported as drift, deleted when removed and imported; the identity the service
makes for each gateway is listed beside them but is never drift, never deleted, never imported and never declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.aws import Api
from reconciler.drift import CHANGED, EXTRA, drift_report
from reconciler.errors import ConfigError, PlanError
from reconciler.kinds.base import OWNER_TAG
from reconciler.live import read_live
from reconciler.planner import make_plan
from tests.helpers import ROLE, actions, converge, plan_for, reconcile, registry_from

FAST = ("--auto-approve", "--poll-interval", "0.02")
CALLBACK = "https://app.example.com/oauth/callback"
GATEWAY = f"gateways:\n  edge:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n"


def registry_text(*urls: str, identity: str = "agent-one", gateway: bool = True) -> str:
    declared = f"workloadIdentities:\n  {identity}:\n    allowedResourceOauth2ReturnUrls: [{', '.join(urls)}]\n" if urls else ""
    return "registry: identities\nregion: us-east-1\n" + declared + (GATEWAY if gateway else "")


def identities(client: Any) -> dict[str, dict[str, Any]]:
    """Every identity in the directory, as GetWorkloadIdentity answers, with its tags."""
    found = {}
    for item in client.list_workload_identities()["workloadIdentities"]:
        got = client.get_workload_identity(name=item["name"])
        got["tags"] = client.list_tags_for_resource(resourceArn=item["workloadIdentityArn"])["tags"]
        found[item["name"]] = got
    return found


def gateway_identity(client: Any) -> str:
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    return str(client.get_gateway(gatewayIdentifier=gateway_id)["workloadIdentityDetails"]["workloadIdentityArn"].rsplit("/", 1)[-1])


def drifted(api: Api, tmp_path: Path, text: str) -> list[tuple[str, str, list[str]]]:
    registry = registry_from(tmp_path, text)
    live = read_live(api, registry.name, set(registry.resources))
    return [(d.address, d.status, [f.dotted for f in d.fields]) for d in drift_report(make_plan(registry, live), live.resources).drifted]


def test_declared_identities_are_created_updated_drifted_and_deleted_and_the_gateways_own_is_left_alone(
        api: Api, client: Any, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, registry_text(CALLBACK))
    assert actions(plan_for(api, registry)) == {"workload-identity/agent-one": "create", "gateway/edge": "create"}
    converge(api, registry)
    assert plan_for(api, registry).empty
    made = gateway_identity(client)
    directory = identities(client)
    assert sorted(directory) == sorted(["agent-one", made])
    assert directory["agent-one"]["allowedResourceOauth2ReturnUrls"] == [CALLBACK]
    assert directory["agent-one"]["tags"][OWNER_TAG] == "identities" and directory[made]["tags"] == {}
    assert drifted(api, tmp_path, registry_text(CALLBACK)) == []  # the gateway's identity is not drift

    client.update_workload_identity(name="agent-one", allowedResourceOauth2ReturnUrls=["https://console.example.com/cb"])
    assert drifted(api, tmp_path, registry_text(CALLBACK)) == [
        ("workload-identity/agent-one", CHANGED, ["allowedResourceOauth2ReturnUrls"])]

    second = "https://app.example.com/oauth/second"
    changed = registry_from(tmp_path, registry_text(CALLBACK, second))
    plan = plan_for(api, changed)
    assert actions(plan) == {"workload-identity/agent-one": "update"}
    assert [(f.dotted, f.after) for f in plan.changes[0].fields] == [("allowedResourceOauth2ReturnUrls", [CALLBACK, second])]
    converge(api, changed)
    assert identities(client)["agent-one"]["allowedResourceOauth2ReturnUrls"] == [CALLBACK, second]

    assert drifted(api, tmp_path, registry_text()) == [("workload-identity/agent-one", EXTRA, [])]
    removed = registry_from(tmp_path, registry_text())
    assert actions(plan_for(api, removed)) == {"workload-identity/agent-one": "delete"}  # never the gateway's
    converge(api, removed)
    assert list(identities(client)) == [made]


def test_a_hand_made_identity_is_imported_by_its_address_then_adopted(api: Api, client: Any, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client.create_workload_identity(name="hand-made", allowedResourceOauth2ReturnUrls=[CALLBACK])
    monkeypatch.chdir(tmp_path)
    written = reconcile("import", "--resource", "workload-identity/hand-made", "--owner", "adopted", "--out", "gateways.yaml")
    assert written.exit_code == 0, written.output
    document = yaml.safe_load((tmp_path / "gateways.yaml").read_text())
    assert document["workloadIdentities"] == {"hand-made": {"allowedResourceOauth2ReturnUrls": [CALLBACK]}}

    assert "workload-identity/hand-made will be adopted" in reconcile("plan", "--adopt").stdout
    adopted = reconcile("apply", "--adopt", *FAST)
    assert adopted.exit_code == 0, adopted.output
    assert reconcile("plan", "--detailed-exitcode").exit_code == 0
    assert identities(client)["hand-made"]["tags"][OWNER_TAG] == "adopted"


def test_the_identity_the_service_made_is_never_imported_nor_declared(api: Api, client: Any, tmp_path: Path) -> None:
    client.create_gateway(name="legacy", roleArn=ROLE, authorizerType="AWS_IAM")
    client.create_workload_identity(name="hand-made")
    made = gateway_identity(client)

    everything = reconcile("import")
    assert everything.exit_code == 0, everything.output
    assert list(yaml.safe_load(everything.stdout)["workloadIdentities"]) == ["hand-made"]
    named = reconcile("import", "--resource", f"workload-identity/{made}")
    assert named.exit_code == 1 and f"workload-identity/{made} was made by the service for gateway {made}" in named.stderr

    claimed = registry_from(tmp_path, registry_text(CALLBACK, identity=made, gateway=False))
    with pytest.raises(PlanError, match=f"workload-identity/{made}: the workload identity at this name was made by the service"):
        plan_for(api, claimed)


def test_declarations_are_checked_against_the_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allowedResourceOauth2ReturnUrls"):
        registry_from(tmp_path, registry_text("not-a-url", gateway=False))
    with pytest.raises(ConfigError, match="unknown member 'roleArn'"):
        registry_from(tmp_path, "registry: r\nworkloadIdentities:\n  agent-one: {roleArn: x}\n")
