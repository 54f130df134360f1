"""Gateway rate limits, through boto3 against the in-process emulator."""

from __future__ import annotations

import re

import pytest

from reconciler.emulator.base import DELAY_VARIABLE
from reconciler.emulator.holds import holding
from tests.emulator.support import SETTLED, error, gateway, until

PER_SECOND = [{"rate": 10, "period": "second"}]


def entry(requests: list[dict] = PER_SECOND, **dimensions: str) -> dict:  # type: ignore[type-arg]
    return {"dimensions": dimensions, "requests": requests}


def status(client, gateway_id: str, rate_limit_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId=rate_limit_id)["status"])


def test_a_rate_limit_with_a_chosen_or_generated_id_becomes_active(client) -> None:
    gateway_id = gateway(client)
    with holding("rate-limit:status=CREATING"):  # CREATING however late the answer is made
        chosen = client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool", dimensionKeys=["toolName"],
                                                  entries=[entry(toolName="*")], description="every tool")
    assert chosen["rateLimitId"] == "per-tool" and chosen["gatewayIdentifier"] == gateway_id and chosen["status"] == "CREATING"
    until(lambda: status(client, gateway_id, "per-tool"), lambda s: s == "ACTIVE")
    generated = client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, dimensionKeys=["targetName", "toolName"],
                                                 entries=[entry(targetName="orders", toolName="*")])
    assert re.fullmatch(r"[0-9a-f-]{36}", generated["rateLimitId"])
    until(lambda: status(client, gateway_id, "per-tool"), lambda s: s == "ACTIVE")
    assert client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool")["entries"] == [entry(toolName="*")]


def test_ids_and_dimension_keys_are_unique_in_a_gateway(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway(client)
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="aa", dimensionKeys=["toolName", "targetName"],
                                     entries=[entry(toolName="*", targetName="*")])
    assert error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="aa", dimensionKeys=["qualifiedModelId"],
                                                          entries=[entry(qualifiedModelId="*")])).startswith("ConflictException: A rate limit aa")
    assert error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, dimensionKeys=["targetName", "toolName"],
                                                          entries=[entry(toolName="*", targetName="*")])) == (
        "ConflictException: Rate limit aa already has the dimension keys ['toolName', 'targetName']")


@pytest.mark.parametrize(
    "keys, entries, message",
    [
        (["toolName"], [entry(targetName="orders")], "entries.1.dimensions must name exactly the dimension keys ['toolName'], not ['targetName']"),
        (["targetName", "toolName"], [entry(targetName="*", toolName="get")], "entries.1.dimensions may use * only in trailing positions"),
        (["toolName"], [{"dimensions": {"toolName": "*"}}], "entries.1 must set one of requests, tokens, connections"),
        (["toolName"], [entry(toolName="a"), entry(toolName="a")], "entries.2 has the same dimensions as entries.1"),
        (["toolName", "toolName"], [entry(toolName="a")], "dimensionKeys repeats a key"),
    ],
)
def test_entries_must_fit_the_dimension_keys(client, keys: list[str], entries: list[dict], message: str) -> None:  # type: ignore[type-arg]
    found = error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway(client), dimensionKeys=keys, entries=entries))
    assert found.startswith("ValidationException: ") and message in found


def test_a_dimension_key_outside_the_model_pattern_is_refused(client) -> None:
    found = error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway(client), dimensionKeys=["userName"],
                                                           entries=[entry(userName="*")]))
    assert found.startswith("ValidationException: 2 validation errors detected: Value at 'dimensionKeys.1' failed to satisfy constraint")


def test_update_changes_entries_and_description_only(client) -> None:
    gateway_id = gateway(client)
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl", dimensionKeys=["toolName"],
                                     entries=[entry(toolName="*")], description="first")
    until(lambda: status(client, gateway_id, "rl"), lambda s: s == "ACTIVE")
    with holding("rate-limit:status=UPDATING"):
        updated = client.update_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl",
                                                   entries=[entry([{"rate": 1, "period": "minute"}], toolName="*")])
    assert updated["status"] == "UPDATING" and updated["description"] == "first" and updated["dimensionKeys"] == ["toolName"]
    until(lambda: status(client, gateway_id, "rl"), lambda s: s == "ACTIVE")
    assert "must name exactly the dimension keys" in error(lambda: client.update_gateway_rate_limit(
        gatewayIdentifier=gateway_id, rateLimitId="rl", entries=[entry(targetName="orders")]))
    client.update_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl", entries=[entry(toolName="*")], description="")
    assert "description" not in client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl")  # an empty one clears it


def test_deletion_goes_through_deleting_then_the_rate_limit_is_gone(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway(client)
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl", dimensionKeys=["toolName"], entries=[entry(toolName="*")])
    with holding("rate-limit:status=DELETING"):  # still DELETING when read back
        deleted = client.delete_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl")
        assert (deleted["rateLimitId"], deleted["status"]) == ("rl", "DELETING")
        assert status(client, gateway_id, "rl") == "DELETING"
    until(lambda: client.list_gateway_rate_limits(gatewayIdentifier=gateway_id)["rateLimits"], lambda limits: limits == [])
    assert error(lambda: client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl")).startswith("ResourceNotFoundException")


def test_batch_put_updates_matching_limits_and_creates_new_ones(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway(client)
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="tools", dimensionKeys=["toolName"], entries=[entry(toolName="*")])
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="untouched", dimensionKeys=["qualifiedModelId"],
                                     entries=[entry(qualifiedModelId="*")])
    until(lambda: status(client, gateway_id, "tools"), lambda s: s == "ACTIVE")
    with holding("rate-limit"):  # the answer shows the changes in progress however late it is made
        answer = client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=[
            {"dimensionKeys": ["toolName"], "entries": [entry([{"rate": 3, "period": "second"}], toolName="*")]},  # matched by keys
            {"rateLimitId": "targets", "dimensionKeys": ["targetName"], "entries": [entry(targetName="*")]},
        ])
    by_id = {limit["rateLimitId"]: limit for limit in answer["rateLimits"]}
    assert set(by_id) == {"tools", "targets", "untouched"}
    assert by_id["tools"]["status"] == "UPDATING" and by_id["tools"]["entries"][0]["requests"][0]["rate"] == 3
    assert by_id["targets"]["status"] == "CREATING"


def test_batch_put_is_all_or_nothing(client) -> None:
    gateway_id = gateway(client)
    client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="tools", dimensionKeys=["toolName"], entries=[entry(toolName="*")])
    until(lambda: status(client, gateway_id, "tools"), lambda s: s == "ACTIVE")
    found = error(lambda: client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=[
        {"rateLimitId": "tools", "dimensionKeys": ["toolName"], "entries": [entry([{"rate": 99, "period": "second"}], toolName="*")]},
        {"rateLimitId": "new", "dimensionKeys": ["targetName"], "entries": [entry(toolName="*")]},  # wrong dimensions
    ]))
    assert found.startswith("ValidationException: ") and "must name exactly the dimension keys" in found
    limits = client.list_gateway_rate_limits(gatewayIdentifier=gateway_id)["rateLimits"]
    assert [(limit["rateLimitId"], limit["entries"][0]["requests"][0]["rate"]) for limit in limits] == [("tools", 10.0)]
    assert "cannot change" in error(lambda: client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=[
        {"rateLimitId": "tools", "dimensionKeys": ["targetName"], "entries": [entry(targetName="*")]}]))


def test_rate_limits_come_in_small_pages(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway(client)
    keys = ["toolName", "targetName", "qualifiedModelId", "$.context.iam.principal", "$.context.iam.sourceIdentity"]
    combinations = [[a] for a in keys] + [[a, b] for a in keys for b in keys if a < b]
    for keys_of_one in combinations[:12]:
        client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, dimensionKeys=keys_of_one,
                                         entries=[{"dimensions": dict.fromkeys(keys_of_one, "*"), "requests": PER_SECOND}])
    first = client.list_gateway_rate_limits(gatewayIdentifier=gateway_id)
    assert len(first["rateLimits"]) == 10 and first["nextToken"]
    every = [limit for page in client.get_paginator("list_gateway_rate_limits").paginate(gatewayIdentifier=gateway_id)
             for limit in page["rateLimits"]]
    assert len(every) == 12


def test_a_gateway_holds_at_most_50_rate_limits(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_VARIABLE, SETTLED)  # one write after another: the gateway lock is tested apart
    gateway_id = gateway(client)
    claims = [f"$.context.jwt.claim{index}" for index in range(51)]
    for claim in claims[:50]:
        client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, dimensionKeys=[claim], entries=[entry(**{claim: "*"})])
    assert error(lambda: client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, dimensionKeys=[claims[50]],
                                                          entries=[entry(**{claims[50]: "*"})])) == (
        "ServiceQuotaExceededException: A gateway has at most 50 rate limits")
