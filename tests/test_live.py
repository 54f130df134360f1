"""Reading live state: declared resources in full, every other gateway and provider only for its owner tag."""

from __future__ import annotations

from pathlib import Path

from reconciler.live import read_live
from tests.helpers import ROLE, converge, registry_from


def test_undeclared_gateways_cost_one_tag_read_each(api, client, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    for i in range(12):
        client.create_gateway(name=f"team-{i}", roleArn=ROLE, authorizerType="AWS_IAM")
    api.calls.clear()
    state = read_live(api, registry.name, set(registry.resources))
    assert api.calls["GetGateway"] == 1  # the declared gateway only: the others' ARNs come from its ARN
    assert api.calls["ListTagsForResource"] == 1 + 12 + 2  # every gateway, plus the two providers
    team = state.resources["gateway/team-3"]
    assert team.owner is None and team.body == {} and team.ref.arn.endswith(f"/{team.ref.ident}")
    assert state.resources["gateway/main"].body["description"] == "Main gateway"


def test_without_any_declared_gateway_one_is_read_to_learn_the_arn_shape(api, client, tmp_path: Path) -> None:
    for i in range(3):
        client.create_gateway(name=f"team-{i}", roleArn=ROLE, authorizerType="AWS_IAM")
    api.calls.clear()
    state = read_live(api, "nobody", set())
    assert api.calls["GetGateway"] == 1 and len(state.resources) == 3
    arns = {client.get_gateway(gatewayIdentifier=r.ref.ident)["gatewayArn"] for r in state.resources.values()}
    assert arns == {r.ref.arn for r in state.resources.values()}
