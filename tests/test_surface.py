"""The rest of the gateway surface end to end on the emulator: policy engines and their Cedar policies,
rate limits, rules, the resource policy and the UpdateGateway-only members.

Each kind: the first plan creates, apply converges, the second plan is empty and writes nothing, an
in-place change is a field-level update, and removal deletes in the right order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from reconciler.apply import ApplyResult, apply_plan
from reconciler.aws import Api
from reconciler.desired import DesiredState
from reconciler.drift import CHANGED
from reconciler.emulator import install
from reconciler.errors import PlanError
from reconciler.manager import Manager, PlanRequest
from tests.conftest import FAST, REGION
from tests.emulator.support import associate_web_acl
from tests.helpers import ROLE, actions, drift_of, plan_for, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

GATEWAY = "gateway/tools"
POLICY = 'permit(principal, action == AgentCore::Action::"orders___get_order", resource);'


def surface(endpoint: str, *, engine: str = "Tool access", policy: str = POLICY, waf: str | None = None,
            statement_action: str = "bedrock-agentcore:InvokeGateway", rate: int = 100, rule_description: str = "to orders",
            with_engine: bool = True, with_children: bool = True) -> str:
    engines = (f"policyEngines:\n  guard:\n    description: {engine}\n    policies:\n      allow_orders:\n"
               f"        description: Agents may read orders\n        validationMode: FAIL_ON_ANY_FINDINGS\n"
               f"        definition: {{cedar: {{statement: '{policy}'}}}}\n") if with_engine else ""
    attach = "    policyEngineConfiguration: {policyEngine: guard, mode: ENFORCE}\n" if with_engine else ""
    children = (
        "    resourcePolicy:\n      Version: '2012-10-17'\n      Statement:\n"
        f"        - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::123456789012:root'}}, Action: '{statement_action}', Resource: '*'}}\n"
        "    rateLimits:\n"
        f"      per-agent: {{dimensionKeys: ['$.context.iam.principal'], entries: [{{dimensions: {{'$.context.iam.principal': '*'}}, requests: [{{rate: {rate}, period: minute}}]}}]}}\n"
        "      per-tool: {dimensionKeys: [toolName], entries: [{dimensions: {toolName: '*'}, requests: [{rate: 10, period: second}]}]}\n"
        f"    rules:\n      10: {{description: {rule_description}, actions: [{{routeToTarget: {{staticRoute: {{targetName: orders}}}}}}]}}\n"
    ) if with_children else ""
    firewall = f"    wafConfiguration: {{failureMode: {waf}}}\n" if waf else ""  # needs a web ACL associated first
    return (f"registry: surface\nregion: us-east-1\n{engines}gateways:\n  tools:\n    roleArn: {ROLE}\n"
            f"    authorizerType: AWS_IAM\n{firewall}{attach}{children}"
            f"    targets:\n      orders: {{targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{endpoint}'}}}}}}}}\n")


@pytest.fixture
def endpoint() -> Iterator[str]:
    with serving(mcp_app(healthy())) as server:
        yield server.https()


def applied(api: Api, registry: DesiredState) -> tuple[ApplyResult, list[str]]:
    lines: list[str] = []
    result = apply_plan(api, plan_for(api, registry), FAST, lines.append)
    assert result.ok, result.report()
    return result, lines


def done_order(result: ApplyResult) -> list[str]:
    return [entry.split(" ")[0] for entry in result.done]


def fields_of(plan: Any) -> dict[str, list[str]]:
    return {c.address: [f.dotted for f in c.fields] for c in plan.changes}


def test_the_whole_surface_converges_in_dependency_order(api: Api, client: Any, endpoint: str, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, surface(endpoint))
    first = plan_for(api, registry)
    assert actions(first) == {
        "policy-engine/guard": "create", GATEWAY: "create", f"{GATEWAY}/target/orders": "create",
        "policy-engine/guard/policy/allow_orders": "create", f"{GATEWAY}/rate-limit/per-agent": "create",
        f"{GATEWAY}/rate-limit/per-tool": "create", f"{GATEWAY}/rule/10": "create", f"{GATEWAY}/resource-policy": "create",
    }
    result, lines = applied(api, registry)
    order = done_order(result)
    assert order.index("policy-engine/guard") < order.index(GATEWAY) < order.index(f"{GATEWAY}/target/orders")
    assert result.synchronized == [f"{GATEWAY}/target/orders"]
    # The service synchronized the target with its create: its tools are listed once the create completed.
    synchronized_at = next(i for i, line in enumerate(lines) if line.startswith(f"{GATEWAY}/target/orders: Creation complete"))
    policy_at = next(i for i, line in enumerate(lines) if line.startswith("policy-engine/guard/policy/allow_orders: Creating"))
    assert synchronized_at < policy_at  # the Cedar check needs the target's tools
    assert any("2 rate limits: writing in one BatchPutGatewayRateLimits call" in line for line in lines)

    gateway = client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])
    assert gateway["policyEngineConfiguration"]["arn"].endswith(client.list_policy_engines()["policyEngines"][0]["policyEngineId"])

    writes = api.writes_made()
    again = plan_for(api, registry)
    assert again.empty, fields_of(again)  # the re-serialized resource policy and write-only validationMode are quiet
    assert apply_plan(api, again, FAST).ok and api.writes_made() == writes


def test_in_place_changes_are_field_level_updates(api: Api, client: Any, endpoint: str, tmp_path: Path) -> None:
    applied(api, registry_from(tmp_path, surface(endpoint)))
    associate_web_acl(client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])["gatewayArn"])
    other = 'permit(principal, action == AgentCore::Action::"orders___list_orders", resource);'
    changed = registry_from(tmp_path, surface(endpoint, engine="Tool access v2", policy=other, waf="FAIL_CLOSE",
                                              statement_action="bedrock-agentcore:*", rate=50, rule_description="orders first"))
    plan = plan_for(api, changed)
    assert actions(plan) == {
        "policy-engine/guard": "update", GATEWAY: "update", "policy-engine/guard/policy/allow_orders": "update",
        f"{GATEWAY}/rate-limit/per-agent": "update", f"{GATEWAY}/rule/10": "update", f"{GATEWAY}/resource-policy": "update",
    }
    assert fields_of(plan)["policy-engine/guard"] == ["description"]
    assert fields_of(plan)[GATEWAY] == ["wafConfiguration"]
    assert fields_of(plan)["policy-engine/guard/policy/allow_orders"] == ["definition.cedar.statement"]
    assert fields_of(plan)[f"{GATEWAY}/rate-limit/per-agent"] == ["entries"]
    assert fields_of(plan)[f"{GATEWAY}/rule/10"] == ["description"]
    assert fields_of(plan)[f"{GATEWAY}/resource-policy"] == ["policy.Statement"]
    applied(api, changed)
    assert plan_for(api, changed).empty


def test_removal_deletes_children_first_and_detaches_gateways_before_their_engine(api: Api, client: Any, endpoint: str,
                                                                                 tmp_path: Path) -> None:
    applied(api, registry_from(tmp_path, surface(endpoint)))
    bare = registry_from(tmp_path, surface(endpoint, with_engine=False, with_children=False))
    plan = plan_for(api, bare)
    assert actions(plan) == {
        "policy-engine/guard": "delete", "policy-engine/guard/policy/allow_orders": "delete", GATEWAY: "update",
        f"{GATEWAY}/rate-limit/per-agent": "delete", f"{GATEWAY}/rate-limit/per-tool": "delete",
        f"{GATEWAY}/rule/10": "delete", f"{GATEWAY}/resource-policy": "delete",
    }
    order = done_order(applied(api, bare)[0])
    assert order.index("policy-engine/guard/policy/allow_orders") < order.index(GATEWAY) < order.index("policy-engine/guard")
    assert order.index(f"{GATEWAY}/resource-policy") < order.index(f"{GATEWAY}/rule/10") < order.index(f"{GATEWAY}/rate-limit/per-agent")
    assert client.list_policy_engines()["policyEngines"] == []
    assert plan_for(api, bare).empty


def test_moving_a_rule_to_another_priority_is_a_delete_and_a_create(api: Api, endpoint: str, tmp_path: Path) -> None:
    applied(api, registry_from(tmp_path, surface(endpoint)))
    moved = registry_from(tmp_path, surface(endpoint).replace("      10: {", "      20: {"))
    assert {a: v for a, v in actions(plan_for(api, moved)).items() if "/rule/" in a} == {
        f"{GATEWAY}/rule/10": "delete", f"{GATEWAY}/rule/20": "create"}


def test_a_hand_set_waf_configuration_shows_in_plan_and_drift(api: Api, client: Any, endpoint: str, tmp_path: Path) -> None:
    """UpdateGateway replaces the whole configuration: an undeclared WAF would be reset, so the plan must show it."""
    registry = registry_from(tmp_path, surface(endpoint, with_engine=False, with_children=False))
    applied(api, registry)
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    live = client.get_gateway(gatewayIdentifier=gateway_id)
    associate_web_acl(live["gatewayArn"])
    client.update_gateway(gatewayIdentifier=gateway_id, name="tools", roleArn=ROLE, authorizerType="AWS_IAM",
                          protocolType="MCP", wafConfiguration={"failureMode": "FAIL_CLOSE"})
    assert "wafConfiguration" not in live
    plan = plan_for(api, registry)
    assert [(f.dotted, f.before) for f in plan.changes[0].fields] == [("wafConfiguration", {"failureMode": "FAIL_CLOSE"})]
    report = drift_of(api, registry)
    assert [(d.address, d.status, [f.dotted for f in d.fields]) for d in report.drifted] == [(GATEWAY, CHANGED, ["wafConfiguration"])]


def test_rules_the_service_manages_are_never_touched(api: Api, client: Any, endpoint: str, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, surface(endpoint, with_engine=False))
    applied(api, registry)
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    install()["123456789012"][REGION].add_managed_rule(gateway_id, 5, [{"routeToTarget": {"staticRoute": {"targetName": "orders"}}}])
    assert plan_for(api, registry).empty  # neither deleted nor adopted
    clash = registry_from(tmp_path, surface(endpoint, with_engine=False).replace("      10: {", "      5: {"))
    with pytest.raises(PlanError, match=r"gateway/tools/rule/5: the rule at this priority is managed by the service"):
        plan_for(api, clash)


def test_kinds_a_registry_does_not_declare_on_a_gateway_are_neither_read_nor_deleted(api: Api, client: Any, endpoint: str,
                                                                                      tmp_path: Path) -> None:
    registry = registry_from(tmp_path, surface(endpoint, with_engine=False, with_children=False))
    applied(api, registry)
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=7, actions=[{"routeToTarget": {"staticRoute": {"targetName": "orders"}}}])
    api.calls.clear()
    assert plan_for(api, registry).empty  # the security team's rule stays
    assert not {"ListGatewayRules", "ListGatewayRateLimits", "GetResourcePolicy"} & set(api.calls)
    assert [r["priority"] for r in client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"]] == [7]


def test_a_policy_naming_an_unknown_tool_fails_with_the_service_reasons(api: Api, endpoint: str, tmp_path: Path) -> None:
    unknown = 'permit(principal, action == AgentCore::Action::"orders___drop_tables", resource);'
    result = apply_plan(api, plan_for(api, registry_from(tmp_path, surface(endpoint, policy=unknown, with_children=False))), FAST)
    assert not result.ok
    address, why = result.failed[0]
    assert address == "policy-engine/guard/policy/allow_orders"
    assert "CREATE_FAILED" in why and "orders___drop_tables" in why


def test_validation_mode_is_write_only_and_never_a_change(api: Api, endpoint: str, tmp_path: Path) -> None:
    applied(api, registry_from(tmp_path, surface(endpoint, with_children=False)))
    relaxed = registry_from(tmp_path, surface(endpoint, with_children=False).replace("FAIL_ON_ANY_FINDINGS", "IGNORE_ALL_FINDINGS"))
    assert plan_for(api, relaxed).empty


def test_target_scope_and_thresholds_work_for_the_new_kinds(api: Api, endpoint: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    applied(api, registry_from(tmp_path, surface(endpoint)))
    (tmp_path / "gateways.yaml").write_text(surface(endpoint, rate=7, rule_description="changed"))
    monkeypatch.chdir(tmp_path)
    computed = Manager(lambda line: None).compute(PlanRequest(["gateways.yaml"], targets=(f"{GATEWAY}/rule/*",)))
    assert actions(computed.plan) == {f"{GATEWAY}/rule/10": "update"}
    strict = surface(endpoint, rate=7).replace("registry: surface\n", "registry: surface\nsafety: {updatePercent: 10, minExisting: 1}\n")
    (tmp_path / "gateways.yaml").write_text(strict)
    computed = Manager(lambda line: None).compute(PlanRequest(["gateways.yaml"]))
    assert any("rate-limits of gateway/tools" in refusal for refusal in computed.plan.refusals)


def test_prevent_destroy_protects_a_rule_after_it_leaves_the_files(api: Api, endpoint: str, tmp_path: Path) -> None:
    protected = surface(endpoint, with_engine=False).replace("      10: {description", "      10: {lifecycle: {preventDestroy: true}, description")
    applied(api, registry_from(tmp_path, protected))
    without = registry_from(tmp_path, surface(endpoint, with_engine=False, with_children=False))
    with pytest.raises(PlanError, match=r"gateway/tools/rule/10: lifecycle.preventDestroy forbids deleting it"):
        plan_for(api, without)
