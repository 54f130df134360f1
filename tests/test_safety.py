"""Blast-radius thresholds, always-confirm gateway deletes, and preventDestroy that survives removal from the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import PlanError
from reconciler.safety import PROTECT_TAG, child_tag
from tests.helpers import BASE, converge, fleet, plan_for, reconcile, registry_from

FAST_APPLY = ("--auto-approve", "--poll-interval", "0.02")


def messages(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return list(plan.refusals)


def test_deleting_more_than_the_threshold_refuses_until_forced(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    converge(api, registry_from(tmp_path, fleet(10)))
    plan = plan_for(api, registry_from(tmp_path, fleet(6)))
    assert messages(plan) == [
        "the plan would delete 4 of 10 existing targets of gateway/fleet (40%, above the deletePercent threshold of 30%); "
        "pass --force if this is intended"
    ]
    monkeypatch.chdir(tmp_path)
    refused = reconcile("apply", *FAST_APPLY)
    assert refused.exit_code == 1 and "refusing to apply" in refused.stderr and "4 of 10" in refused.stderr
    assert "Apply will refuse this plan without --force" in refused.stdout
    assert len(plan_for(api, registry_from(tmp_path, fleet(6))).changes) == 4  # nothing was deleted
    forced = reconcile("apply", *FAST_APPLY, "--force")
    assert forced.exit_code == 0, forced.output
    assert plan_for(api, registry_from(tmp_path, fleet(6))).empty


def test_thresholds_need_a_minimum_of_existing_resources(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(9)))
    assert messages(plan_for(api, registry_from(tmp_path, fleet(1)))) == []  # 8 of 9, but fewer than 10 exist


def test_thresholds_are_configurable_per_registry_and_per_gateway(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(10)))
    lenient = registry_from(tmp_path, fleet(6, "safety: {deletePercent: 50}\n"))
    assert messages(plan_for(api, lenient)) == []
    strict_gateway = fleet(8, "safety: {deletePercent: 50}\n").replace("    authorizerType: AWS_IAM\n", "    authorizerType: AWS_IAM\n    safety: {deletePercent: 10}\n")
    assert "above the deletePercent threshold of 10%" in messages(plan_for(api, registry_from(tmp_path, strict_gateway)))[0]


def test_updating_too_many_refuses(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(10)))
    changed = fleet(10).replace("description: Run", "description: Runs", 1)  # one target only: 10% is fine
    assert messages(plan_for(api, registry_from(tmp_path, changed))) == []
    everything = fleet(10).replace("description: Run", "description: Runs")
    assert "would update or replace 10 of 10 existing targets" in messages(plan_for(api, registry_from(tmp_path, everything)))[0]


def test_deleting_a_gateway_needs_force_unless_the_registry_allows_it(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(1)))
    gone = "registry: test-registry\nregion: us-east-1\n"
    assert "gateway/fleet: delete of a gateway needs --force" in messages(plan_for(api, registry_from(tmp_path, gone)))[0]
    allowed = gone + "safety: {allowGatewayDestroy: true}\n"
    assert messages(plan_for(api, registry_from(tmp_path, allowed))) == []


def test_prevent_destroy_is_remembered_after_removal_from_the_files(api, client, tmp_path: Path) -> None:
    protected = BASE.replace("      weather:\n", "      weather:\n        lifecycle: {preventDestroy: true}\n").replace(
        "  vendor:\n", "  vendor:\n    lifecycle: {preventDestroy: true}\n"
    )
    converge(api, registry_from(tmp_path, protected))
    gateway = next(g for g in client.list_gateways()["items"] if g["name"] == "main")
    tags = client.list_tags_for_resource(resourceArn=client.get_gateway(gatewayIdentifier=gateway["gatewayId"])["gatewayArn"])["tags"]
    assert tags[child_tag("target", "weather")] == "true"
    without_target = protected.split("      weather:\n")[0] + "      holidays:\n" + protected.split("      holidays:\n")[1]
    with pytest.raises(PlanError, match="gateway/main/target/weather: lifecycle.preventDestroy forbids deleting it"):
        plan_for(api, registry_from(tmp_path, without_target))
    provider = client.get_api_key_credential_provider(name="vendor")["credentialProviderArn"]
    assert client.list_tags_for_resource(resourceArn=provider)["tags"][PROTECT_TAG] == "true"


def test_lifting_prevent_destroy_then_deleting_works(api, tmp_path: Path) -> None:
    protected = BASE.replace("      weather:\n", "      weather:\n        lifecycle: {preventDestroy: true}\n")
    converge(api, registry_from(tmp_path, protected))
    converge(api, registry_from(tmp_path, BASE))  # preventDestroy lifted: the gateway tag goes away
    without_target = BASE.split("      weather:\n")[0] + "      holidays:\n" + BASE.split("      holidays:\n")[1]
    plan = plan_for(api, registry_from(tmp_path, without_target))
    assert [(c.address, c.action) for c in plan.changes] == [("gateway/main/target/weather", "delete")]
