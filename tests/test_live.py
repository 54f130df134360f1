"""Reading live state: declared resources in full, others only for ownership (from the ownership index, or, with
`refresh`, one owner-tag read each); what the observed-state cache vouches for (an unmoved List stamp) without a Get."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Callable

import pytest

from reconciler.desired import DesiredState
from reconciler.errors import AwsError
from reconciler.kinds import GATEWAY, KINDS
from reconciler import live as live_module
from reconciler.live import LiveState, read_live
from reconciler.observed import ObservedCache
from reconciler.planner import make_plan
from tests.conftest import REGION
from tests.helpers import ROLE, SECRETS, actions, converge, fleet, registry_from


def among_other_teams(api, client, tmp_path: Path) -> DesiredState:  # type: ignore[no-untyped-def]
    """The base registry applied, in an account where 12 gateways of other teams exist; the call counts zeroed."""
    registry = registry_from(tmp_path)
    converge(api, registry)
    for i in range(12):
        client.create_gateway(name=f"team-{i}", roleArn=ROLE, authorizerType="AWS_IAM")
    api.calls.clear()
    return registry


def test_other_teams_gateways_cost_nothing_with_the_ownership_index(api, client, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    registry = among_other_teams(api, client, tmp_path)
    monkeypatch.setattr(live_module, "recent", lambda stamp, now=None: False)  # made long ago, not by the last apply
    state = read_live(api, registry.name, set(registry.resources))
    assert api.calls["GetResources"] == 1 and "ListTagsForResource" not in api.calls  # all tags in one answer
    assert api.calls["GetGateway"] == 1 and "gateway/team-3" not in state.resources
    assert state.resources["gateway/main"].owner == registry.name
    assert state.resources["gateway/main"].body["description"] == "Main gateway"


def test_with_refresh_undeclared_gateways_cost_one_tag_read_each(api, client, tmp_path: Path) -> None:
    registry = among_other_teams(api, client, tmp_path)
    state = read_live(api, registry.name, set(registry.resources), refresh=True)
    assert api.calls["GetGateway"] == 1  # the declared gateway only: the others' ARNs come from its ARN
    # Every gateway and the workload identity the service made for it, plus the two providers.
    assert api.calls["ListTagsForResource"] == 2 * (1 + 12) + 2
    team = state.resources["gateway/team-3"]
    assert team.owner is None and team.body == {} and team.ref.arn.endswith(f"/{team.ref.ident}")
    assert state.resources["gateway/main"].body["description"] == "Main gateway"


def test_without_any_declared_gateway_one_is_read_to_learn_the_arn_shape(api, client, tmp_path: Path) -> None:
    for i in range(3):
        client.create_gateway(name=f"team-{i}", roleArn=ROLE, authorizerType="AWS_IAM")
    api.calls.clear()
    state = read_live(api, "nobody", set(), refresh=True)
    gateways = [r for r in state.resources.values() if r.ref.kind == GATEWAY]  # beside the identities the service made
    assert api.calls["GetGateway"] == 1 and len(gateways) == 3
    arns = {client.get_gateway(gatewayIdentifier=r.ref.ident)["gatewayArn"] for r in gateways}
    assert arns == {r.ref.arn for r in gateways}


def cache_for(registry: DesiredState, cache_dir: Path) -> ObservedCache:
    secrets = {kind.key: {tuple(map(str, p)) for p in kind.secret_members} for kind in KINDS.values()}
    return ObservedCache.open(registry.name, REGION, "in-process", cache_dir, secrets=secrets, warn=lambda line: None)


def warm_read(api, tmp_path: Path, registry: DesiredState) -> LiveState:  # type: ignore[no-untyped-def]
    """`registry` applied and read once into a cache; then read again through it, the call counts zeroed before."""
    converge(api, registry)
    cold_cache = cache_for(registry, tmp_path / "cache")
    read_live(api, registry.name, set(registry.resources), cache=cold_cache)
    cold_cache.save()
    api.calls.clear()
    return read_live(api, registry.name, set(registry.resources), cache=cache_for(registry, tmp_path / "cache"))


def test_a_warm_read_gets_only_what_changed_and_a_hand_edit_still_shows(api, client, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, fleet(12))
    warm = warm_read(api, tmp_path, registry)
    assert warm.from_cache == 13 and "GetGatewayTarget" not in api.calls and "GetGateway" not in api.calls
    assert make_plan(registry, warm).empty

    gateway = client.list_gateways()["items"][0]["gatewayId"]
    listed = client.get_paginator("list_gateway_targets").paginate(gatewayIdentifier=gateway).search("items")
    target = next(t for t in listed if t["name"] == "t3")
    current = client.get_gateway_target(gatewayIdentifier=gateway, targetId=target["targetId"])
    client.update_gateway_target(gatewayIdentifier=gateway, targetId=target["targetId"], name="t3", description="edited by hand",
                                 targetConfiguration=current["targetConfiguration"],
                                 credentialProviderConfigurations=current["credentialProviderConfigurations"])
    api.calls.clear()
    edited = read_live(api, registry.name, set(registry.resources), cache=cache_for(registry, tmp_path / "cache"))
    assert api.calls["GetGatewayTarget"] == 1 and edited.from_cache == 12  # only the edited target is read again
    assert actions(make_plan(registry, edited)) == {"gateway/fleet/target/t3": "update"}

    api.calls.clear()
    refreshed = read_live(api, registry.name, set(registry.resources), cache=cache_for(registry, tmp_path / "cache"), refresh=True)
    assert refreshed.from_cache == 0 and api.calls["GetGatewayTarget"] == 12


def test_the_cache_file_holds_no_secret_and_a_corrupt_one_is_an_empty_cache(api, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    cache = cache_for(registry, tmp_path / "cache")
    read_live(api, registry.name, set(registry.resources), cache=cache)
    cache.save()
    written = gzip.decompress(cache.path.read_bytes()).decode()
    assert "oauth2-credential-provider" in written
    assert all(secret not in written for secret in SECRETS.values())
    cache.path.write_bytes(b"not a cache")
    state = read_live(api, registry.name, set(registry.resources), cache=cache_for(registry, tmp_path / "cache"))
    assert state.from_cache == 0 and make_plan(registry, state).empty


def test_a_read_that_fails_fails_the_whole_read_and_nothing_waits_for_it(api, tmp_path: Path,
                                                                         faults: Callable[..., None]) -> None:
    registry = registry_from(tmp_path, fleet(30))
    converge(api, registry)
    faults("denied:op=GetGatewayTarget,every=7")
    with pytest.raises(AwsError, match="GetGatewayTarget: AccessDeniedException"):
        read_live(api, registry.name, set(registry.resources))


def test_other_teams_gateways_made_within_the_index_lag_have_their_tags_read(api, client, tmp_path: Path) -> None:
    registry = among_other_teams(api, client, tmp_path)  # just made: the index may not show them yet
    state = read_live(api, registry.name, set(registry.resources))
    assert api.calls["ListTagsForResource"] == 12 and state.resources["gateway/team-3"].owner is None
    assert actions(make_plan(registry, state)) == {}
