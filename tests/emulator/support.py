"""What the emulator tests share: errors as one line, bounded waits, a gateway with a target, the backend itself."""

from __future__ import annotations

import time
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError

from reconciler.emulator import install
from tests.conftest import REGION

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
WAIT = 10.0  # seconds a bounded wait may take before the test fails
SLOW = "0.5"  # a transition delay that keeps a change in progress while the next write comes right after it
SETTLED = "0"  # no transition delay: consecutive writes of a gateway's rules and rate limits never meet its lock
TOOLS = [
    {"name": "get_order", "description": "Look up an order.",
     "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "integer"}}}},
    {"name": "cancel_order", "description": "Cancel an order.",
     "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}}},
]


def error(call: Callable[[], Any]) -> str:
    """`Code: message` of the ClientError the call raises."""
    with pytest.raises(ClientError) as caught:
        call()
    return f"{caught.value.response['Error']['Code']}: {caught.value.response['Error']['Message']}"


def until(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = WAIT) -> Any:
    """Read until `done` holds (bounded); the last reading."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    assert done(value), f"still {value!r} after {timeout} s"
    return value


def lambda_target(tools: list[dict[str, Any]] = TOOLS) -> dict[str, Any]:
    """A Lambda target with inline tools: its tools are listed once it is READY, with no server to run."""
    return {"mcp": {"lambda": {"lambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders", "toolSchema": {"inlinePayload": tools}}}}


def gateway(client: Any, name: str = "g", **members: Any) -> str:
    return str(client.create_gateway(name=name, roleArn=ROLE, authorizerType="NONE", **members)["gatewayId"])


def ready_target(client: Any, gateway_id: str, name: str = "orders") -> str:
    target_id = client.create_gateway_target(gatewayIdentifier=gateway_id, name=name, targetConfiguration=lambda_target())["targetId"]
    until(lambda: client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)["status"], lambda s: s == "READY")
    return str(target_id)


def associate_web_acl(gateway_arn: str, name: str = "agents") -> str:
    """A WAF web ACL associated with the gateway as the real account does it: wafv2 AssociateWebACL with its ARN."""
    waf = boto3.client("wafv2", region_name=REGION)
    acl = waf.create_web_acl(Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig={
        "SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name})["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=gateway_arn)
    return str(acl)


def backend() -> Any:
    """The in-process emulator backend of the test account and region (for what the API cannot do)."""
    return install()[ACCOUNT][REGION]
