"""Gateway rules, through boto3 against the in-process emulator."""

from __future__ import annotations

import re

import pytest

from reconciler.emulator.base import DELAY_VARIABLE
from reconciler.emulator.holds import holding
from tests.emulator.support import SETTLED, backend, error, gateway, ready_target, until

PRINCIPALS = [{"matchPrincipals": {"anyOf": [{"iamPrincipal": {"arn": "arn:aws:iam::123456789012:role/agents", "operator": "StringEquals"}}]}}]


def route(target: str) -> list[dict]:  # type: ignore[type-arg]
    return [{"routeToTarget": {"staticRoute": {"targetName": target}}}]


def gateway_with_target(client) -> str:  # type: ignore[no-untyped-def]
    gateway_id = gateway(client)
    ready_target(client, gateway_id, "orders")
    ready_target(client, gateway_id, "billing")
    return gateway_id


def rule_status(client, gateway_id: str, rule_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId=rule_id)["status"])


def test_a_rule_gets_a_uuid_and_becomes_active(client) -> None:
    gateway_id = gateway_with_target(client)
    with holding("rule:status=CREATING"):  # CREATING however late the answer is made
        created = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=10, conditions=PRINCIPALS, actions=route("orders"))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created["ruleId"])
    assert created["status"] == "CREATING" and created["gatewayArn"].endswith(gateway_id) and "updatedAt" not in created
    until(lambda: rule_status(client, gateway_id, created["ruleId"]), lambda s: s == "ACTIVE")
    rule = client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId=created["ruleId"])
    assert rule["conditions"] == PRINCIPALS and rule["actions"] == route("orders") and "updatedAt" in rule


def test_priorities_are_unique_in_a_gateway(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway_with_target(client)
    first = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=10, actions=route("orders"))["ruleId"]
    assert error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=10, actions=route("billing"))) == (
        f"ConflictException: Rule {first} already has priority 10 in gateway {gateway_id}")
    assert "Member must have value less than or equal to 1000000" in error(
        lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=1_000_001, actions=route("orders")))


def test_actions_must_name_targets_of_the_gateway_and_split_all_traffic(client) -> None:
    gateway_id = gateway_with_target(client)
    assert error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=1, actions=route("shipping"))) == (
        f"ValidationException: Target shipping does not exist in gateway {gateway_id}")
    split = [{"routeToTarget": {"weightedRoute": {"trafficSplit": [
        {"name": "a", "targetName": "orders", "weight": 70}, {"name": "b", "targetName": "billing", "weight": 20}]}}}]
    assert error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=2, actions=split)) == (
        "ValidationException: trafficSplit weights must sum to 100, not 90")


def test_update_is_a_patch_that_keeps_what_it_leaves_out(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway_with_target(client)
    rule_id = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=10, conditions=PRINCIPALS, actions=route("orders"),
                                         description="agents to orders")["ruleId"]
    other = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=20, actions=route("billing"))["ruleId"]
    until(lambda: rule_status(client, gateway_id, rule_id), lambda s: s == "ACTIVE")
    with holding("rule:status=UPDATING"):  # still UPDATING when the next update comes
        updated = client.update_gateway_rule(gatewayIdentifier=gateway_id, ruleId=rule_id, actions=route("billing"))
        assert updated["status"] == "UPDATING"
        assert (updated["priority"], updated["conditions"], updated["description"]) == (10, PRINCIPALS, "agents to orders")
        assert error(lambda: client.update_gateway_rule(gatewayIdentifier=gateway_id, ruleId=rule_id, priority=11)).startswith("ConflictException")
    until(lambda: rule_status(client, gateway_id, rule_id), lambda s: s == "ACTIVE")
    assert error(lambda: client.update_gateway_rule(gatewayIdentifier=gateway_id, ruleId=rule_id, priority=20)) == (
        f"ConflictException: Rule {other} already has priority 20 in gateway {gateway_id}")


def test_rules_the_service_manages_are_refused_to_update_and_delete(client) -> None:
    gateway_id = gateway_with_target(client)
    managed = backend().add_managed_rule(gateway_id, 5, route("orders"))
    listed = client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"]
    assert listed[0]["system"] == {"managedBy": "bedrock-agentcore.amazonaws.com"} and listed[0]["status"] == "ACTIVE"
    message = f"ValidationException: Rule {managed.rule_id} is managed by bedrock-agentcore.amazonaws.com and cannot be changed or deleted"
    assert error(lambda: client.update_gateway_rule(gatewayIdentifier=gateway_id, ruleId=managed.rule_id, priority=6)) == message
    assert error(lambda: client.delete_gateway_rule(gatewayIdentifier=gateway_id, ruleId=managed.rule_id)) == message
    assert "system" not in client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=6, actions=route("orders"))


def test_deletion_goes_through_deleting_and_lists_are_ordered_by_priority_in_small_pages(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway_with_target(client)
    for priority in range(12, 0, -1):
        client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=priority * 10, actions=route("orders"))
    first = client.list_gateway_rules(gatewayIdentifier=gateway_id)
    assert len(first["gatewayRules"]) == 10 and first["nextToken"]
    every = [r for page in client.get_paginator("list_gateway_rules").paginate(gatewayIdentifier=gateway_id) for r in page["gatewayRules"]]
    assert [r["priority"] for r in every] == [p * 10 for p in range(1, 13)]
    with holding("rule:status=DELETING"):
        deleted = client.delete_gateway_rule(gatewayIdentifier=gateway_id, ruleId=every[0]["ruleId"])
        assert deleted == {**deleted, "ruleId": every[0]["ruleId"], "status": "DELETING"}
        assert len(client.list_gateway_rules(gatewayIdentifier=gateway_id, maxResults=100)["gatewayRules"]) == 12
    until(lambda: len(client.list_gateway_rules(gatewayIdentifier=gateway_id, maxResults=100)["gatewayRules"]), lambda n: n == 11)
    assert error(lambda: client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId=every[0]["ruleId"])).startswith("ResourceNotFoundException")


def test_a_malformed_rule_id_is_a_validation_error_an_unknown_one_is_not_found(client) -> None:
    gateway_id = gateway(client)
    assert error(lambda: client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId="x" * 36)).startswith("ValidationException: 1 validation error")
    assert error(lambda: client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId="0" * 8 + "-0000-0000-0000-" + "0" * 12)).startswith(
        "ResourceNotFoundException")


def test_a_gateway_takes_one_rule_or_rate_limit_change_at_a_time(client) -> None:
    """The service locks the gateway's rules and rate limits while one changes; its conflict never says "in progress"."""
    gateway_id = gateway_with_target(client)
    limit = {"dimensionKeys": ["toolName"], "entries": [{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}]}
    with holding("rule:name=10,status=CREATING"):  # the first rule's change is in progress until released
        first = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=10, actions=route("orders"))["ruleId"]
        refusals = [error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=20, actions=route("billing"))),
                    error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, **limit)),
                    error(lambda: client.delete_gateway_rule(gatewayIdentifier=gateway_id, ruleId=first))]
    assert refusals == [f"ConflictException: Gateway {gateway_id} is locked by a concurrent modification of its rules or rate limits; "
                        "retry the request"] * 3
    until(lambda: rule_status(client, gateway_id, first), lambda s: s == "ACTIVE")
    with holding("rate-limit:status=CREATING"):
        assert client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, **limit)["status"] == "CREATING"  # free again
