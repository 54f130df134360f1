"""The new operations through `reconcile emulator` as a process (moto's server routes them by method and URI)."""

from __future__ import annotations

import json

import boto3

from tests.conftest import REGION
from tests.emulator.support import ROLE, error, until

TOKEN = "server-token-0123456789abcdef0123456789"


def test_the_gateway_surface_through_the_emulator_server(emulator_url: str) -> None:
    client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=emulator_url)
    engine = client.create_policy_engine(name="Served", tags={"team": "platform"}, clientToken=TOKEN)
    assert client.create_policy_engine(name="Served", tags={"team": "platform"}, clientToken=TOKEN)["policyEngineId"] == engine["policyEngineId"]
    assert client.list_tags_for_resource(resourceArn=engine["policyEngineArn"])["tags"] == {"team": "platform"}
    until(lambda: client.get_policy_engine(policyEngineId=engine["policyEngineId"])["status"], lambda s: s == "ACTIVE")

    gateway = client.create_gateway(name="served", roleArn=ROLE, authorizerType="NONE",
                                    policyEngineConfiguration={"arn": engine["policyEngineArn"], "mode": "LOG_ONLY"})
    gateway_id, arn = gateway["gatewayId"], gateway["gatewayArn"]
    limits = client.batch_put_gateway_rate_limits(gatewayIdentifier=gateway_id, rateLimits=[
        {"rateLimitId": "tools", "dimensionKeys": ["toolName"], "entries": [{"dimensions": {"toolName": "*"}, "requests": [{"rate": 5, "period": "second"}]}]}])
    assert [limit["rateLimitId"] for limit in limits["rateLimits"]] == ["tools"]
    assert error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=1,
                                                    actions=[{"routeToTarget": {"staticRoute": {"targetName": "missing"}}}])).startswith("ValidationException")

    sent = json.dumps({"Version": "2012-10-17", "Statement": []}, indent=4)
    client.put_resource_policy(resourceArn=arn, policy=sent)  # the ARN travels URL-encoded in the path
    read = client.get_resource_policy(resourceArn=arn)["policy"]
    assert read != sent and json.loads(read) == json.loads(sent)
    assert error(lambda: client.get_policy(policyEngineId=engine["policyEngineId"], policyId="Nope-0123456789")).startswith("ResourceNotFoundException")
