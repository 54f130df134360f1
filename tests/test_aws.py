import pytest

from reconciler.aws import Api, TokenBucket
from reconciler.errors import AwsError


def test_token_bucket_paces_to_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(5, clock=lambda: now[0])
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == [0.0] * 5  # the burst
    assert bucket.tokens == 0
    now[0] += 1.0
    assert bucket.acquire() == 0.0  # refilled after a second


def test_list_all_follows_next_token(api: Api, client) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):
        client.create_gateway(name=f"g{i}", roleArn="arn:aws:iam::123456789012:role/r", authorizerType="NONE")
    items = api.list_all("list_gateways", "items")
    assert len(items) == 25
    assert api.calls["ListGateways"] == 3


def test_client_errors_become_one_aws_error(api: Api) -> None:
    with pytest.raises(AwsError) as caught:
        api.call("get_gateway", gatewayIdentifier="missing-0123456789")
    assert caught.value.code == "ResourceNotFoundException"
    assert str(caught.value).startswith("GetGateway: ResourceNotFoundException:")
