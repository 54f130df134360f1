"""Resource-based policies of gateways, through boto3 against the in-process emulator."""

from __future__ import annotations

import json

from tests.emulator.support import error, gateway

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "bedrock-agentcore:InvokeGateway",
                   "Resource": "*"}],
}


def gateway_arn(client) -> str:  # type: ignore[no-untyped-def]
    return str(client.get_gateway(gatewayIdentifier=gateway(client))["gatewayArn"])


def test_the_policy_comes_back_as_the_same_json_in_other_text(client) -> None:
    arn = gateway_arn(client)
    sent = json.dumps(POLICY, indent=2)
    answered = client.put_resource_policy(resourceArn=arn, policy=sent)["policy"]
    read = client.get_resource_policy(resourceArn=arn)["policy"]
    assert answered == read and read != sent and json.loads(read) == POLICY


def test_a_policy_must_be_a_json_object(client) -> None:
    arn = gateway_arn(client)
    assert error(lambda: client.put_resource_policy(resourceArn=arn, policy="[1, 2]")) == "ValidationException: The resource policy must be a JSON object"
    assert error(lambda: client.put_resource_policy(resourceArn=arn, policy="{not json")).startswith(
        "ValidationException: The resource policy is not valid JSON")


def test_none_yet_and_deleted_are_not_found(client) -> None:
    arn = gateway_arn(client)
    assert error(lambda: client.get_resource_policy(resourceArn=arn)) == f"ResourceNotFoundException: No resource policy exists for {arn}"
    client.put_resource_policy(resourceArn=arn, policy=json.dumps(POLICY))
    client.delete_resource_policy(resourceArn=arn)
    assert error(lambda: client.get_resource_policy(resourceArn=arn)).startswith("ResourceNotFoundException")
    assert error(lambda: client.delete_resource_policy(resourceArn=arn)).startswith("ResourceNotFoundException")


def test_an_arn_of_no_gateway_or_runtime_is_not_found(client) -> None:
    arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gone-0123456789"
    assert error(lambda: client.put_resource_policy(resourceArn=arn, policy=json.dumps(POLICY))) == f"ResourceNotFoundException: Resource {arn} not found"
