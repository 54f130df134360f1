"""Plan and apply against the in-process emulator: the reconciler's core loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.apply import apply_plan
from reconciler.errors import PlanError
from reconciler.kinds.base import FINGERPRINT_TAG, OWNER_TAG
from reconciler.outputs import RENDERERS
from tests.conftest import FAST
from tests.helpers import BASE, ROLE, SECRETS, actions, converge, plan_for, registry_from


def gateway_id(client, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(g["gatewayId"] for g in client.list_gateways()["items"] if g["name"] == name)


def target_ids(client, gateway: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    items = client.list_gateway_targets(gatewayIdentifier=gateway_id(client, gateway))["items"]
    return {t["name"]: t["targetId"] for t in items}


def test_first_apply_creates_everything_in_order_then_plan_is_empty(api, client, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    plan = plan_for(api, registry)
    assert set(actions(plan).values()) == {"create"}
    assert [c.address for c in plan.changes][:2] == ["api-key-credential-provider/vendor", "oauth2-credential-provider/m2m"]
    result = apply_plan(api, plan, FAST)
    assert result.ok, result.report()
    assert len(result.done) == 6
    assert sorted(result.synchronized) == ["gateway/main/target/orders", "gateway/main/target/weather"]
    writes = api.writes_made()
    again = plan_for(api, registry)
    assert again.empty, RENDERERS["text"](again)
    assert again.unchanged == 6
    assert api.writes_made() == writes  # planning never writes
    target = client.get_gateway_target(gatewayIdentifier=gateway_id(client, "main"), targetId=target_ids(client, "main")["orders"])
    provider_arn = target["credentialProviderConfigurations"][0]["credentialProvider"]["oauthCredentialProvider"]["providerArn"]
    assert provider_arn.endswith("oauth2credentialprovider/m2m")


def test_a_run_with_nothing_to_change_makes_no_write_call(api, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    before = api.writes_made()
    result = apply_plan(api, plan_for(api, registry), FAST)
    assert result.done == [] and api.writes_made() == before


def test_drift_made_by_hand_is_shown_and_repaired(api, client, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    gid = gateway_id(client, "main")
    live = client.get_gateway(gatewayIdentifier=gid)
    client.update_gateway(
        gatewayIdentifier=gid, name="main", roleArn=ROLE, authorizerType="CUSTOM_JWT",
        authorizerConfiguration=live["authorizerConfiguration"], description="changed by hand",
        protocolConfiguration=live["protocolConfiguration"],
    )
    plan = plan_for(api, registry)
    (change,) = plan.changes
    assert change.action == "update"
    assert [(f.dotted, f.before, f.after) for f in change.fields] == [("description", "changed by hand", "Main gateway")]
    converge(api, registry)
    assert client.get_gateway(gatewayIdentifier=gid)["description"] == "Main gateway"
    assert plan_for(api, registry).empty


def test_unmanaged_gateway_with_another_name_is_never_touched(api, client, tmp_path: Path) -> None:
    client.create_gateway(name="handmade", roleArn=ROLE, authorizerType="NONE")
    registry = registry_from(tmp_path)
    plan = plan_for(api, registry)
    assert "gateway/handmade" not in actions(plan)
    converge(api, registry)
    assert "handmade" in [g["name"] for g in client.list_gateways()["items"]]


def test_declared_name_that_exists_unmanaged_is_an_error(api, client, tmp_path: Path) -> None:
    client.create_gateway(name="main", roleArn=ROLE, authorizerType="NONE")
    with pytest.raises(PlanError, match="gateway/main: a gateway named 'main' already exists .* not managed by any registry"):
        plan_for(api, registry_from(tmp_path))


def test_another_registrys_resource_is_an_error_naming_it(api, client, tmp_path: Path) -> None:
    client.create_api_key_credential_provider(name="vendor", apiKey="k", tags={OWNER_TAG: "other-team"})
    with pytest.raises(PlanError, match="belongs to registry 'other-team'"):
        plan_for(api, registry_from(tmp_path))


def test_removed_resources_are_deleted_targets_before_gateways_before_providers(api, client, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    (tmp_path / "gateways.yaml").write_text("registry: test-registry\nregion: us-east-1\n")
    from reconciler.deployments import load_desired_state

    empty = load_desired_state([str(tmp_path)], environ={})
    plan = plan_for(api, empty)
    assert set(actions(plan).values()) == {"delete"}
    progress: list[str] = []
    result = apply_plan(api, plan, FAST, progress.append)
    assert result.ok, result.report()
    finished = [line.split(":")[0] for line in progress if "Destruction complete" in line]
    assert finished.index("gateway/main") > max(finished.index(f"gateway/main/target/{t}") for t in ("orders", "weather", "holidays"))
    assert finished.index("oauth2-credential-provider/m2m") > finished.index("gateway/main")
    assert client.list_gateways()["items"] == []
    assert plan_for(api, empty).empty


def test_removing_one_target_deletes_only_it(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    text = BASE.split("      holidays:")[0]
    registry = registry_from(tmp_path, text)
    assert actions(plan_for(api, registry)) == {"gateway/main/target/holidays": "delete"}
    converge(api, registry)
    assert sorted(target_ids(client, "main")) == ["orders", "weather"]


def test_authorizer_type_change_is_a_replace_that_recreates_targets(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    old_id = gateway_id(client, "main")
    text = BASE.replace("    authorizer: jwt\n", "    authorizerType: AWS_IAM\n")
    registry = registry_from(tmp_path, text)
    plan = plan_for(api, registry)
    acts = actions(plan)
    assert acts["gateway/main"] == "replace"
    assert {a for a, act in acts.items() if "/target/" in a and act == "replace"} == {
        "gateway/main/target/orders", "gateway/main/target/weather", "gateway/main/target/holidays"
    }
    text_plan = RENDERERS["text"](plan)
    assert '-/+ gateway/main' in text_plan and "# forces replacement" in text_plan
    converge(api, registry)
    assert gateway_id(client, "main") != old_id
    assert client.get_gateway(gatewayIdentifier=gateway_id(client, "main"))["authorizerType"] == "AWS_IAM"
    assert len(target_ids(client, "main")) == 3
    assert plan_for(api, registry).empty


def test_secret_change_is_detected_by_fingerprint_and_never_shown(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    tags = client.list_tags_for_resource(resourceArn=client.get_api_key_credential_provider(name="vendor")["credentialProviderArn"])["tags"]
    assert tags[OWNER_TAG] == "test-registry" and tags[FINGERPRINT_TAG].startswith("v2-")
    registry = registry_from(tmp_path, env={"VENDOR_KEY": "rotated-key-value-99"})
    plan = plan_for(api, registry)
    assert actions(plan) == {"api-key-credential-provider/vendor": "update"}
    for render in RENDERERS.values():
        out = render(plan)
        assert "rotated-key-value-99" not in out and "(sensitive)" in out
    converge(api, registry)
    assert plan_for(api, registry).empty


def test_tag_only_change_updates_tags_without_an_update_call(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    registry = registry_from(tmp_path, BASE.replace("tags: {team: platform}", "tags: {team: platform, env: prod}"))
    plan = plan_for(api, registry)
    assert set(actions(plan).values()) == {"update"}
    assert all(not c.body_changed for c in plan.changes)
    before = dict(api.calls)
    converge(api, registry)
    assert api.calls.get("UpdateGateway", 0) == before.get("UpdateGateway", 0)
    arn = client.get_gateway(gatewayIdentifier=gateway_id(client, "main"))["gatewayArn"]
    assert client.list_tags_for_resource(resourceArn=arn)["tags"]["env"] == "prod"


def test_team_file_adding_a_target_to_a_gateway_declared_elsewhere(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    (tmp_path / "teams").mkdir()
    team = "gateways:\n  main:\n    targets:\n      search:\n        targetConfiguration:\n          mcp: {mcpServer: {endpoint: 'https://search.example.com/mcp'}}\n"
    (tmp_path / "teams" / "search.yaml").write_text(team)
    registry = registry_from(tmp_path)
    assert actions(plan_for(api, registry)) == {"gateway/main/target/search": "create"}
    result = converge(api, registry)
    assert result.synchronized == ["gateway/main/target/search"]
    assert "search" in target_ids(client, "main")


def test_failure_midway_reports_done_failed_and_not_attempted(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    weather = BASE[BASE.index("      weather:") : BASE.index("      holidays:")]
    vendor = BASE[BASE.index("  vendor:") : BASE.index("gateways:")]
    extra = "      extra:\n        targetConfiguration:\n          mcp: {mcpServer: {endpoint: 'https://x.example.com/mcp'}}\n"
    registry = registry_from(tmp_path, BASE.replace(weather, extra).replace(vendor, ""))
    plan = plan_for(api, registry)
    assert actions(plan) == {
        "gateway/main/target/weather": "delete",
        "gateway/main/target/extra": "create",
        "api-key-credential-provider/vendor": "delete",
    }
    # Someone creates the same target by hand between plan and apply: the create fails.
    client.create_gateway_target(
        gatewayIdentifier=gateway_id(client, "main"), name="extra",
        targetConfiguration={"mcp": {"mcpServer": {"endpoint": "https://x.example.com/mcp"}}},
    )
    result = apply_plan(api, plan, FAST)
    assert not result.ok
    assert result.done == ["gateway/main/target/weather (delete)"]
    assert [a for a, _ in result.failed] == ["gateway/main/target/extra"]
    assert "ConflictException" in result.failed[0][1]
    assert result.not_attempted == ["api-key-credential-provider/vendor"]
    assert "run apply again" in result.report()


def test_json_plan_matches_the_contract(api, tmp_path: Path) -> None:
    import json

    plan = plan_for(api, registry_from(tmp_path))
    data = json.loads(RENDERERS["json"](plan))
    assert data["format_version"] == 1 and data["registry"] == "test-registry" and data["region"] == "us-east-1"
    assert data["summary"] == {"create": 6, "update": 0, "replace": 0, "delete": 0, "unchanged": 0}
    fields = {f["path"]: f for c in data["changes"] for f in c["fields"] if c["address"] == "oauth2-credential-provider/m2m"}
    assert fields["oauth2ProviderConfigInput.customOauth2ProviderConfig.clientSecret"] == {
        "path": "oauth2ProviderConfigInput.customOauth2ProviderConfig.clientSecret", "before": None, "after": "(sensitive)"
    }
    assert SECRETS["CLIENT_SECRET"] not in json.dumps(data)


def test_prevent_destroy_refuses_a_replace(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    text = BASE.replace("    authorizer: jwt\n", "    authorizerType: AWS_IAM\n    lifecycle: {preventDestroy: true}\n")
    with pytest.raises(PlanError, match=r"gateway/main: lifecycle.preventDestroy forbids replacing it \(authorizerType: cannot be changed in place\)"):
        plan_for(api, registry_from(tmp_path, text))
