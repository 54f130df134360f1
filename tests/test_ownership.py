"""The ownership index: one GetResources for all the registry's tags, which kinds need no List at all, and the
rules that keep an eventually consistent index harmless (a lagging answer is modelled by a snapshot taken earlier)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from reconciler import live as live_module
from reconciler.aws_model import SERVICE
from reconciler.kinds import API_KEY, GATEWAY, KINDS, roots
from reconciler.kinds.base import OWNER_TAG
from reconciler.errors import PlanError
from reconciler.live import read_live
from reconciler.ownership import FALLBACK_NOTE, OwnershipIndex, load_index
from reconciler.planner import make_plan
from tests.helpers import actions, converge, fleet, plan_for, planned, registry_from
from tests.test_live import warm_read

EMPTY = "registry: test-registry\nregion: us-east-1\n"
API_KEY_PROVIDER = "credentialProviders:\n  key:\n    apiKey:\n      apiKey: ${env:VENDOR_KEY}\n"


def test_a_warm_read_of_a_gateway_registry_costs_the_index_and_the_lists_it_uses(api, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, fleet(12))
    warm = warm_read(api, tmp_path, registry)
    # AgentCore's kinds are listed, a page each (the index may lag); no agent registry: none declared, none owned.
    agentcore = {kind.list_operation: 1 for kind in roots() if kind.service == SERVICE}
    assert api.calls == {"GetResources": 1, "ListGatewayTargets": 1, **agentcore}
    assert {"ListGateways", "ListPolicyEngines"} <= set(agentcore) and "ListRegistries" not in api.calls
    assert make_plan(registry, warm).empty


def test_a_kind_the_registry_still_owns_is_listed_after_its_last_declaration_goes(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(1, head=API_KEY_PROVIDER)))
    registry = registry_from(tmp_path, fleet(1))
    assert actions(plan_for(api, registry)) == {KINDS[API_KEY].address("key"): "delete"}


def test_a_declared_resource_the_index_does_not_show_yet_is_read_directly(api, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    registry = registry_from(tmp_path, fleet(2))
    converge(api, registry)
    monkeypatch.setattr(live_module, "load_index", lambda api, registry: OwnershipIndex({}))  # created moments ago
    api.calls.clear()
    state = read_live(api, registry.name, set(registry.resources))
    assert api.calls["ListTagsForResource"] == 1 and state.resources["gateway/fleet"].owner == registry.name
    assert make_plan(registry, state).empty


def test_a_stale_index_never_makes_a_disowned_resource_a_deletion(api, client, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    converge(api, registry_from(tmp_path, fleet(2)))
    stale = load_index(api, "test-registry")  # still shows the gateway as the registry's
    gateway_arn = next(iter(stale.tags_by_arn))
    client.untag_resource(resourceArn=gateway_arn, tagKeys=[OWNER_TAG])  # handed over to someone else
    registry = registry_from(tmp_path, EMPTY)
    monkeypatch.setattr(live_module, "load_index", lambda api, registry: stale)
    api.calls.clear()
    state = read_live(api, registry.name, set(registry.resources))
    assert api.calls["ListTagsForResource"] == 1  # the direct read that overrules the index
    assert make_plan(registry, state).empty


def test_without_permission_for_get_resources_ownership_is_read_per_resource(api, tmp_path: Path,
                                                                            faults: Callable[..., None]) -> None:
    registry = registry_from(tmp_path, fleet(2, head=API_KEY_PROVIDER))
    converge(api, registry)
    faults("denied:op=GetResources")
    api.calls.clear()
    state = read_live(api, registry.name, set(registry.resources))
    assert state.notes == [FALLBACK_NOTE] and api.calls["GetResources"] == 1
    assert api.calls["ListTagsForResource"] == 3  # the gateway's, the provider's and the gateway's workload identity's
    assert make_plan(registry, state).empty


def test_the_index_names_kinds_by_their_arns_and_gives_up_on_an_arn_it_cannot_place() -> None:
    gateway_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/fleet-abcde12345"
    provider_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/key"
    index = OwnershipIndex({gateway_arn: {OWNER_TAG: "r"}, provider_arn: {OWNER_TAG: "r"}})
    assert index.kinds() == {GATEWAY, API_KEY}
    assert index.arn_of(KINDS[GATEWAY], "fleet-abcde12345") == gateway_arn
    assert index.arn_of(KINDS[API_KEY], "fleet-abcde12345") is None
    unknown = OwnershipIndex({**index.tags_by_arn, "arn:aws:bedrock-agentcore:us-east-1:123456789012:memory/m-1": {}})
    assert unknown.kinds() is None  # then every kind is listed


def test_a_plan_confirms_the_ownership_of_what_it_would_write(api, client, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    converge(api, registry_from(tmp_path, fleet(2)))
    stale = load_index(api, "test-registry")
    client.untag_resource(resourceArn=next(iter(stale.tags_by_arn)), tagKeys=[OWNER_TAG])  # handed over to someone else
    monkeypatch.setattr(live_module, "load_index", lambda api, registry: stale)
    registry = registry_from(tmp_path, fleet(3))  # a third target: a write under the gateway
    with pytest.raises(PlanError, match="gateway/fleet: a gateway named 'fleet' already exists .* is not managed by any registry"):
        planned(api, registry)  # refused, not planned on a stale answer


def test_a_resource_the_last_apply_made_and_the_files_dropped_is_deleted_while_the_index_lags(
        api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = load_index(api, "test-registry")  # the index as it answers minutes after the apply: without it
    converge(api, registry_from(tmp_path, fleet(1, head=API_KEY_PROVIDER)))
    monkeypatch.setattr(live_module, "load_index", lambda api, registry: before)
    registry = registry_from(tmp_path, fleet(1))
    assert actions(plan_for(api, registry)) == {KINDS[API_KEY].address("key"): "delete"}  # its stamp is recent: its tags were read


def test_a_resource_type_the_index_does_not_cover_is_read_directly(api, client, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    converge(api, registry_from(tmp_path, fleet(1, head=API_KEY_PROVIDER) + "  other:\n    roleArn: arn:aws:iam::123456789012:role/r\n"
                                "    authorizerType: NONE\n"))
    monkeypatch.setattr(live_module, "recent", lambda stamp, now=None: False)  # everything was made long ago
    monkeypatch.setattr(live_module, "load_index", lambda api, registry: OwnershipIndex({}))  # it never shows gateways
    registry = registry_from(tmp_path, fleet(1, head=API_KEY_PROVIDER))
    computed = planned(api, registry)
    assert "The ownership index shows no gateway of this registry: their ownership is read one by one." in computed.live.notes
    assert actions(computed.plan) == {"gateway/other": "delete"}


def test_with_the_emulators_lagging_index_a_dropped_resource_is_still_deleted(api, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR_INDEX_LAG", "600")  # the index shows nothing made in the last ten minutes
    converge(api, registry_from(tmp_path, fleet(1, head=API_KEY_PROVIDER)))
    assert load_index(api, "test-registry").tags_by_arn == {}
    registry = registry_from(tmp_path, fleet(1))
    assert actions(plan_for(api, registry)) == {KINDS[API_KEY].address("key"): "delete"}
