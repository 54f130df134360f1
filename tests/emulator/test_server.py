"""`reconcile emulator` as a process: the new operations (moto's server routes them by method and URI), and the
emulator-only paths for counters and quotas."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import REGION, running_emulator
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
    until(lambda: client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="tools")["status"],
          lambda s: s == "ACTIVE")  # the gateway takes one rule or rate-limit change at a time
    assert error(lambda: client.create_gateway_rule(gatewayIdentifier=gateway_id, priority=1,
                                                    actions=[{"routeToTarget": {"staticRoute": {"targetName": "missing"}}}])).startswith("ValidationException")

    sent = json.dumps({"Version": "2012-10-17", "Statement": []}, indent=4)
    client.put_resource_policy(resourceArn=arn, policy=sent)  # the ARN travels URL-encoded in the path
    read = client.get_resource_policy(resourceArn=arn)["policy"]
    assert read != sent and json.loads(read) == json.loads(sent)
    assert error(lambda: client.get_policy(policyEngineId=engine["policyEngineId"], policyId="Nope-0123456789")).startswith("ResourceNotFoundException")


# --- the quotas, changed while the server runs ------------------------------------------------------------
def emulator_path(url: str, name: str, method: str = "GET", body: bytes | None = None) -> tuple[int, str]:
    """The status and text of a request to /_emulator/NAME (an HTTP error's too)."""
    request = urllib.request.Request(f"{url}/_emulator/{name}", data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def quotas(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, str]:
    return emulator_path(url, "quotas", method, body)


def counters(url: str) -> dict[str, Any]:
    return dict(json.loads(emulator_path(url, "stats")[1]))


def set_quotas(url: str, **values: float) -> dict[str, Any]:
    status, text = quotas(url, "PUT", json.dumps({key.replace("_", "-"): v for key, v in values.items()}).encode())
    assert status == 200, text
    return dict(json.loads(text))


def throttled_in_a_burst(client: Any, calls: int = 6) -> int:
    """How many of `calls` ListGateways made at once are throttled (the client never retries)."""
    throttled = 0
    for _ in range(calls):
        try:
            client.list_gateways()
        except client.exceptions.ThrottlingException:
            throttled += 1
    return throttled


def test_quotas_changed_at_run_time_throttle_and_stop_throttling() -> None:
    with running_emulator("--reads-per-second", "1000", "--latency", "0.001") as url:
        client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=url,
                              config=Config(retries={"total_max_attempts": 1}))
        assert json.loads(quotas(url)[1]) == {"reads": 1000.0, "writes": None, "latency": 0.001, "target-writes": 5}
        assert throttled_in_a_burst(client) == 0

        assert set_quotas(url, reads=1, latency=0.001) == {"reads": 1.0, "writes": None, "latency": 0.001, "target-writes": 5}
        throttled = throttled_in_a_burst(client)
        assert throttled >= 4  # one token in the bucket, refilled at one a second
        assert counters(url)["operations"]["ListGateways"] == {"calls": 6, "throttled": throttled, "refused": 0, "faults": {}}

        assert set_quotas(url, reads=1000, target_writes=0)["target-writes"] == 0
        assert throttled_in_a_burst(client) == 0
        assert counters(url)["throttled"] == 0  # the counters started over with the new quotas
        assert json.loads(quotas(url)[1]) == {"reads": 1000.0, "writes": None, "latency": None, "target-writes": 0}


@pytest.mark.parametrize(("body", "line"), [
    (b"{reads: 5}", "quotas: the body is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    (b"[5]", "quotas: expected a JSON object of reads, writes, latency, target-writes, got list"),
    (b'{"reeds": 5}', "quota 'reeds=5': unknown quota 'reeds' (known: reads, writes, latency, target-writes)"),
    (b'{"reads": "fast"}', "quota 'reads=\"fast\"': not a number"),
    (b'{"writes": -1}', "quota 'writes=-1': cannot be negative"),
])
def test_a_bad_quotas_body_is_400_with_one_line_and_changes_nothing(body: bytes, line: str) -> None:
    with running_emulator("--reads-per-second", "7") as url:
        assert quotas(url, "PUT", body) == (400, line + "\n")
        assert json.loads(quotas(url)[1])["reads"] == 7.0


def test_the_emulator_paths_answer_405_to_other_methods() -> None:
    with running_emulator() as url:
        assert quotas(url, "POST", b"{}")[0] == 405
        assert quotas(url, "DELETE")[0] == 405
        assert emulator_path(url, "stats", "PUT", b"{}")[0] == 405
