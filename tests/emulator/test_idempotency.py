"""clientToken idempotency of the Create* and BatchPut* operations."""

from __future__ import annotations

import pytest

from reconciler.emulator.idempotency import token_member
from tests.emulator.support import ROLE, error, gateway, until

TOKEN = "0123456789abcdef0123456789abcdef-1"  # the model wants 33 to 256 characters
OTHER = "0123456789abcdef0123456789abcdef-2"


def test_a_repeated_create_returns_the_first_result_and_creates_nothing_more(client) -> None:
    first = client.create_gateway(name="g", roleArn=ROLE, authorizerType="NONE", clientToken=TOKEN)
    until(lambda: client.get_gateway(gatewayIdentifier=first["gatewayId"])["status"], lambda s: s == "READY")
    again = client.create_gateway(name="g", roleArn=ROLE, authorizerType="NONE", clientToken=TOKEN)
    assert again["gatewayId"] == first["gatewayId"] and again["status"] == "CREATING"  # the first response, as it was
    assert [g["gatewayId"] for g in client.list_gateways()["items"]] == [first["gatewayId"]]
    assert error(lambda: client.create_gateway(name="g", roleArn=ROLE, authorizerType="NONE", clientToken=OTHER)).startswith(
        "ConflictException: A gateway named g already exists")


def test_the_same_token_with_other_parameters_is_a_conflict(client) -> None:
    engine = client.create_policy_engine(name="E", description="one", clientToken=TOKEN)
    assert error(lambda: client.create_policy_engine(name="E", description="two", clientToken=TOKEN)) == (
        f"ConflictException: The client token {TOKEN} was already used for a request with other parameters (CreatePolicyEngine)")
    assert client.create_policy_engine(name="E", description="one", clientToken=TOKEN)["policyEngineId"] == engine["policyEngineId"]


def test_tokens_are_remembered_per_operation(client) -> None:
    gateway_id = gateway(client)
    rule = client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=1, clientToken=TOKEN,
                                      actions=[{"configurationBundle": {"staticOverride": {
                                          "bundleArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:configuration-bundle/b-0123456789",
                                          "bundleVersion": "01234567-89ab-cdef-0123-456789abcdef"}}}])
    # A gateway takes one rule or rate-limit change at a time: the next write waits for this one to settle.
    until(lambda: client.get_gateway_rule(gatewayIdentifier=gateway_id, ruleId=rule["ruleId"])["status"], lambda s: s == "ACTIVE")
    limit = client.create_gateway_rate_limit(gatewayIdentifier=gateway_id, clientToken=TOKEN, dimensionKeys=["toolName"],
                                             entries=[{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}])
    assert rule["ruleId"] != limit["rateLimitId"]
    assert len(client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"]) == 1


def test_a_failed_request_is_not_remembered(client) -> None:
    gateway_id = gateway(client)
    request = {"gatewayIdentifier": gateway_id, "rateLimitId": "rl", "clientToken": TOKEN, "dimensionKeys": ["toolName"],
               "entries": [{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}]}
    client.create_gateway_rate_limit(**{**request, "clientToken": OTHER})
    until(lambda: client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl")["status"], lambda s: s == "ACTIVE")
    assert error(lambda: client.create_gateway_rate_limit(**request)).startswith("ConflictException: A rate limit rl already exists")
    client.delete_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="rl")
    until(lambda: client.list_gateway_rate_limits(gatewayIdentifier=gateway_id)["rateLimits"], lambda limits: limits == [])
    assert client.create_gateway_rate_limit(**request)["rateLimitId"] == "rl"  # the same token runs again after its failure


def test_a_batch_put_replayed_changes_nothing_more(client) -> None:
    gateway_id = gateway(client)
    batch = [{"dimensionKeys": ["toolName"], "entries": [{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}]}]
    first = client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=batch, clientToken=TOKEN)["rateLimits"]
    again = client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=batch, clientToken=TOKEN)["rateLimits"]
    assert again == first and len(client.list_gateway_rate_limits(gatewayIdentifier=gateway_id)["rateLimits"]) == 1


@pytest.mark.parametrize("operation, member", [("CreateGateway", "clientToken"), ("BatchPutGatewayRateLimits", "clientToken"),
                                               ("CreatePolicy", "clientToken"), ("UpdateMemory", None), ("GetGateway", None),
                                               ("CreateOauth2CredentialProvider", None)])
def test_the_token_member_comes_from_the_model(operation: str, member: str | None) -> None:
    assert token_member(operation) == member
