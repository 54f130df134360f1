"""Fault injection and quota emulation, through boto3 as a client of the real service would see them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import types
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from reconciler.emulator import base, faults as fault_injection
from reconciler.emulator.faults import parse_faults, reset
from reconciler.emulator.holds import holding
from reconciler.emulator.quotas import TokenBucket, parse_quotas, reset_stats, stats
from reconciler.errors import ConfigError
from tests.conftest import EMULATOR_DELAY, REGION, hang_bound, running_emulator

ROLE = "arn:aws:iam::123456789012:role/r"
MCP = {"mcp": {"mcpServer": {"endpoint": "https://e.example.com/mcp"}}}
LAMBDA = {"mcp": {"lambda": {"lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                             "toolSchema": {"inlinePayload": []}}}}
POLLS = 200  # bounded waits: 200 polls of a 0.02 s pause
NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 0}, read_timeout=2, connect_timeout=2)
HOLD = str(hang_bound(30))  # seconds the server holds a lost answer: far past the impatient client's 2 s read timeout
# Through the server: every call but the lost one waits as long as a busy machine may take to answer it.
PATIENT = Config(retries={"mode": "standard", "max_attempts": 0}, read_timeout=hang_bound(60))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The emulator's transitions (and slow faults) on a clock only the test moves: now[0] += seconds."""
    now = [time.monotonic()]
    moved = types.SimpleNamespace(monotonic=lambda: now[0], sleep=time.sleep)
    for module in (base, fault_injection):
        monkeypatch.setattr(module, "time", moved)
    return now


def make_client(config: Config = NO_RETRIES, endpoint_url: str | None = None) -> Any:
    return boto3.client("bedrock-agentcore-control", region_name=REGION, config=config, endpoint_url=endpoint_url)


def gateway(client: Any, name: str = "g") -> str:
    return client.create_gateway(name=name, roleArn=ROLE, authorizerType="NONE")["gatewayId"]


def target(client: Any, gid: str, name: str = "t", configuration: dict[str, Any] = MCP, **extra: Any) -> str:
    return client.create_gateway_target(gatewayIdentifier=gid, name=name, targetConfiguration=configuration, **extra)["targetId"]


def settled(read: Callable[[], dict[str, Any]], transient: tuple[str, ...] = ("CREATING", "UPDATING", "SYNCHRONIZING")) -> dict[str, Any]:
    """The resource once it has left its transient status (bounded)."""
    for _ in range(POLLS):
        found = read()
        if found["status"] not in transient:
            return found
        time.sleep(0.02)
    raise AssertionError(f"still {found['status']} after {POLLS} polls")


def refused(call: Callable[[], Any]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def target_names(client: Any, gid: str) -> list[str]:
    return [t["name"] for t in client.list_gateway_targets(gatewayIdentifier=gid)["items"]]


# --- call faults ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("throttle", "ThrottlingException", 429), ("internal", "InternalServerException", 500),
     ("unavailable", "ServiceUnavailableException", 503)],
)
def test_call_errors_are_the_services_own_and_botocore_retries_them(faults, kind: str, code: str, status: int) -> None:
    faults(f"{kind}:op=GetGateway")
    client = make_client(Config(retries={"mode": "standard", "max_attempts": 2}))
    gid = gateway(client)
    error = refused(lambda: client.get_gateway(gatewayIdentifier=gid))
    assert error.response["Error"]["Code"] == code
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == code
    assert error.response["ResponseMetadata"]["RetryAttempts"] == 2  # botocore saw a retryable error, as from AWS
    assert stats()["operations"]["GetGateway"] == {"calls": 3, "throttled": 0, "refused": 0, "faults": {kind: 3}}


def test_every_nth_call_fails_up_to_a_limit_and_other_operations_are_untouched(faults) -> None:
    faults("throttle:op=List*,every=3,limit=2")
    client = make_client()
    gid = gateway(client)
    outcomes = []
    for _ in range(9):
        try:
            client.list_gateways()
            outcomes.append("ok")
        except client.exceptions.ThrottlingException:
            outcomes.append("throttled")
    assert outcomes == ["ok", "ok", "throttled", "ok", "ok", "throttled", "ok", "ok", "ok"]
    assert client.get_gateway(gatewayIdentifier=gid)["gatewayId"] == gid
    assert stats()["faults"] == 2


def test_a_fault_limited_to_the_first_tries_lets_the_retry_through(faults) -> None:
    faults("internal:op=GetGateway,tries=2")
    client = make_client(Config(retries={"mode": "standard", "max_attempts": 3}))
    gid = gateway(client)
    answer = client.get_gateway(gatewayIdentifier=gid)  # tries 1 and 2 fail, the third is answered
    assert answer["gatewayId"] == gid and answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert stats()["operations"]["GetGateway"] == {"calls": 3, "throttled": 0, "refused": 0, "faults": {"internal": 2}}
    assert refused(lambda: make_client().get_gateway(gatewayIdentifier=gid)).response["Error"]["Code"] == "InternalServerException"


def test_a_rate_is_drawn_from_a_seed_so_runs_repeat(faults) -> None:
    def run() -> list[bool]:
        client = make_client()
        pattern = []
        for _ in range(40):
            try:
                client.list_gateways()
                pattern.append(False)
            except client.exceptions.InternalServerException:
                pattern.append(True)
        return pattern

    faults("seed=7; internal:op=ListGateways,rate=0.3")
    first = run()
    reset()
    assert run() == first
    assert 0 < sum(first) < 40
    faults("seed=8; internal:op=ListGateways,rate=0.3")
    assert run() != first


@pytest.mark.parametrize(("kind", "raised"), [("reset", ConnectionClosedError), ("timeout", ReadTimeoutError)])
def test_a_reset_or_timed_out_call_writes_nothing(faults, kind: str, raised: type[Exception]) -> None:
    faults(f"{kind}:op=CreateGateway,limit=1")
    client = make_client()
    with pytest.raises(raised):
        gateway(client)
    assert client.list_gateways()["items"] == []
    assert stats()["operations"]["CreateGateway"]["faults"] == {kind: 1}


@pytest.mark.parametrize(("lost_as", "raised"), [("timeout", ReadTimeoutError), ("reset", ConnectionClosedError)])
def test_a_lost_response_still_writes(faults, lost_as: str, raised: type[Exception]) -> None:
    faults(f"lost:op=CreateGatewayTarget,limit=1,as={lost_as}")
    client = make_client()
    gid = gateway(client)
    with pytest.raises(raised):
        target(client, gid, "orders")
    assert target_names(client, gid) == ["orders"]
    assert stats()["operations"]["CreateGatewayTarget"]["faults"] == {"lost": 1}


def assert_a_lost_create_retried_with_its_token_makes_no_duplicate(client: Any, impatient: Any = None) -> None:
    """`impatient` (default: client) makes the create whose answer is lost: it gives up waiting for it."""
    gid = gateway(client, "idem")
    token = "a-client-token-that-is-33-characters-long"
    with pytest.raises(ReadTimeoutError):
        target(impatient or client, gid, "orders", clientToken=token)
    retried = target(client, gid, "orders", clientToken=token)
    listed = client.list_gateway_targets(gatewayIdentifier=gid)["items"]
    assert [(t["name"], t["targetId"]) for t in listed] == [("orders", retried)]


def test_a_retry_with_the_same_client_token_after_a_lost_response_creates_no_duplicate(faults) -> None:
    faults("lost:op=CreateGatewayTarget,limit=1")
    assert_a_lost_create_retried_with_its_token_makes_no_duplicate(make_client())


def test_botocore_retries_a_lost_create_with_its_own_token_and_gets_the_first_result(faults) -> None:
    faults("lost:op=CreateGatewayTarget,limit=1")
    client = make_client(Config(retries={"mode": "standard", "max_attempts": 2}))
    gid = gateway(client)
    created = target(client, gid, "orders")  # botocore fills clientToken once and resends the same request
    listed = client.list_gateway_targets(gatewayIdentifier=gid)["items"]
    assert [(t["name"], t["targetId"]) for t in listed] == [("orders", created)]


# --- resource faults -------------------------------------------------------------------------------
def test_a_matching_create_ends_failed_with_reasons(faults) -> None:
    faults("create-failed:name=*broken*")
    client = make_client()
    bad, good = gateway(client, "broken-gw"), gateway(client, "good-gw")
    failed = settled(lambda: client.get_gateway(gatewayIdentifier=bad))
    assert failed["status"] == "FAILED" and "create-failed" in failed["statusReasons"][0]
    assert settled(lambda: client.get_gateway(gatewayIdentifier=good))["status"] == "READY"
    broken, fine = target(client, good, "broken"), target(client, good, "fine")
    failed = settled(lambda: client.get_gateway_target(gatewayIdentifier=good, targetId=broken))
    assert failed["status"] == "FAILED" and failed["statusReasons"]
    assert settled(lambda: client.get_gateway_target(gatewayIdentifier=good, targetId=fine))["status"] == "READY"
    assert stats()["faults"] == 2


def test_a_matching_update_or_synchronization_ends_unsuccessful(faults) -> None:
    faults("update-unsuccessful:name=g/flaky; update-unsuccessful:op=UpdateGateway; sync-unsuccessful")
    client = make_client()
    gid = gateway(client)
    settled(lambda: client.get_gateway(gatewayIdentifier=gid))
    flaky, steady = target(client, gid, "flaky"), target(client, gid, "steady")
    for tid in (flaky, steady):
        settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid))
        client.update_gateway_target(gatewayIdentifier=gid, targetId=tid, name="flaky" if tid == flaky else "steady",
                                     targetConfiguration=MCP)
    updated = settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=flaky))
    assert updated["status"] == "UPDATE_UNSUCCESSFUL" and updated["statusReasons"]
    assert settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=steady))["status"] == "READY"
    client.synchronize_gateway_targets(gatewayIdentifier=gid, targetIdList=[steady])
    synced = settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=steady))
    assert synced["status"] == "SYNCHRONIZE_UNSUCCESSFUL" and synced["statusReasons"]
    client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE")
    assert settled(lambda: client.get_gateway(gatewayIdentifier=gid))["status"] == "UPDATE_UNSUCCESSFUL"


def test_a_slow_resource_stays_creating_after_the_others_are_ready(faults, clock: list[float]) -> None:
    faults("slow:name=big*,seconds=1.5")
    client = make_client()
    big, small = gateway(client, "big"), gateway(client, "small")
    clock[0] += 1.0  # 20 times the normal delay
    assert client.get_gateway(gatewayIdentifier=small)["status"] == "READY"
    assert client.get_gateway(gatewayIdentifier=big)["status"] == "CREATING"
    clock[0] += 0.6
    assert client.get_gateway(gatewayIdentifier=big)["status"] == "READY"


def test_target_creation_is_refused_while_iam_propagates_then_succeeds(faults) -> None:
    faults("iam-propagation:attempts=2")
    client = make_client()
    gid = gateway(client)
    messages = [refused(lambda: target(client, gid, "fn", LAMBDA)).response["Error"] for _ in range(2)]
    assert {m["Code"] for m in messages} == {"ValidationException"}
    assert messages[0]["Message"] == ("Gateway execution role lacks permission to invoke Lambda function "
                                      "arn:aws:lambda:us-east-1:123456789012:function:f. Update the permission and retry")
    assert target(client, gid, "fn", LAMBDA)
    assert refused(lambda: target(client, gid, "other")).response["Error"]["Code"] == "ValidationException"
    assert target_names(client, gid) == ["fn"]
    assert stats()["operations"]["CreateGatewayTarget"] == {"calls": 4, "throttled": 0, "refused": 0,
                                                             "faults": {"iam-propagation": 3}}


def test_writes_to_a_busy_gateway_or_target_conflict(faults) -> None:
    faults("busy-conflict")
    client = make_client()
    with holding("gateway:name=g"):  # CREATING until the block ends
        gid = gateway(client)
        update = lambda: client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE")  # noqa: E731
        assert refused(update).response["Error"]["Code"] == "ConflictException"
        assert refused(lambda: target(client, gid)).response["Error"]["Code"] == "ConflictException"
    settled(lambda: client.get_gateway(gatewayIdentifier=gid))
    with holding("target:name=t"):
        tid = target(client, gid)
        error = refused(lambda: client.delete_gateway_target(gatewayIdentifier=gid, targetId=tid)).response["Error"]
    assert error == {"Code": "ConflictException", "Message": f"Target {tid} is CREATING: another operation is in progress on it"}
    settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid))
    client.delete_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert stats()["faults"] == 3


# --- quotas ------------------------------------------------------------------------------------------
def test_token_bucket_holds_one_second_of_calls_and_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert [bucket.take() for _ in range(2)] == [True, False]


def test_calls_over_the_read_quota_are_throttled_and_counted(faults) -> None:
    faults(quotas="reads=1,writes=100")
    client = make_client()
    answers = []
    for _ in range(4):
        try:
            client.list_gateways()
            answers.append("ok")
        except client.exceptions.ThrottlingException as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            answers.append("throttled")
    assert answers[0] == "ok" and "throttled" in answers
    assert stats()["operations"]["ListGateways"]["throttled"] == answers.count("throttled")
    gateway(client)  # writes have their own bucket
    assert reset_stats()["calls"] == 5
    assert stats() == {"calls": 0, "throttled": 0, "refused": 0, "faults": 0, "operations": {}, "first_call_monotonic": None}


def test_every_call_takes_the_configured_latency(faults) -> None:
    faults(quotas="latency=0.02")
    client = make_client()
    started = time.monotonic()
    for _ in range(5):
        client.list_gateways()
    assert time.monotonic() - started >= 0.1  # a lower bound only: sleeping never ends early


@holding("target")  # every target stays CREATING during the test
def test_a_sixth_target_write_in_flight_on_one_gateway_is_refused(faults) -> None:
    faults(quotas="target-writes=5")
    client = make_client()
    gid, other = gateway(client, "g"), gateway(client, "h")
    for index in range(5):
        target(client, gid, f"t{index}")
    error = refused(lambda: target(client, gid, "t5")).response["Error"]
    assert error["Code"] == "ConflictException" and "at most 5 at a time" in error["Message"]
    assert target(client, other, "t5")  # the limit is per gateway
    assert len(target_names(client, gid)) == 5
    assert stats()["refused"] == 1


@holding("target")
def test_without_quotas_target_writes_are_unlimited(faults) -> None:
    faults()
    client = make_client()
    gid = gateway(client)
    for index in range(7):
        target(client, gid, f"t{index}")
    assert len(target_names(client, gid)) == 7


# --- settings ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [("thrtle", "unknown fault 'thrtle'"), ("throttle:name=x", "'name' is not a key of throttle"),
     ("internal:rate=2", "rate is a probability"), ("lost:as=drop", "as=drop: expected one of reset, timeout"),
     ("reset:every=0", "every=0 is out of range"), ("seed=x", "seed=x is not an integer"),
     ("slow:seconds=soon", "seconds=soon is not a number"), ("reset:tries=0", "tries=0 is out of range"),
     ("slow:tries=1", "'tries' is not a key of slow")],
)
def test_a_bad_fault_rule_is_one_clear_line(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_faults(spec)
    assert str(caught.value).startswith(f"fault rule '{spec}': ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("spec", "message"), [("reeds=1", "quota 'reeds=1': unknown quota 'reeds'"),
                                               ("reads=-1", "quota 'reads=-1': cannot be negative"),
                                               ("writes=5,latency=x", "quota 'latency=x': not a number")])
def test_a_bad_quota_is_one_clear_line(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_quotas(spec)
    assert str(caught.value).startswith(message)


def test_the_emulator_command_refuses_a_bad_rule_in_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--fault", "lost:as=drop"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: fault rule 'lost:as=drop': as=drop: expected one of reset, timeout"]


# --- through the `reconcile emulator` server ---------------------------------------------------------------
@pytest.fixture
def serve_emulator() -> Iterator[Callable[..., str]]:
    """`reconcile emulator` started with fault and quota flags, as a harness would; stopped after the test."""
    with ExitStack() as servers:
        yield lambda *flags: servers.enter_context(running_emulator(*flags))


def counters(url: str, method: str = "GET") -> dict[str, Any]:
    with urllib.request.urlopen(urllib.request.Request(f"{url}/_emulator/stats", method=method), timeout=5) as answer:
        return json.load(answer)


def test_faults_and_counters_through_the_emulator_server(serve_emulator: Callable[..., str]) -> None:
    url = serve_emulator("--delay", EMULATOR_DELAY, "--fault", f"lost:op=CreateGatewayTarget,limit=1,seconds={HOLD}",
                         "--fault", "reset:op=GetGateway,limit=1", "--fault", "throttle:op=ListGateways,every=2",
                         "--fault-seed", "3", "--reads-per-second", "1000", "--writes-per-second", "1000", "--latency", "0.001")
    client = make_client(PATIENT, url)
    gid = gateway(client, "served")
    with pytest.raises(ReadTimeoutError):  # the server holds the answer longer than the impatient client waits
        target(make_client(endpoint_url=url), gid, "orders")
    assert target_names(client, gid) == ["orders"]  # the write happened all the same
    with pytest.raises(ConnectionClosedError):
        client.get_gateway(gatewayIdentifier=gid)
    assert client.get_gateway(gatewayIdentifier=gid)["gatewayId"] == gid
    assert client.list_gateways()["items"]
    assert refused(client.list_gateways).response["Error"]["Code"] == "ThrottlingException"
    seen = counters(url)
    assert seen["operations"]["CreateGatewayTarget"] == {"calls": 1, "throttled": 0, "refused": 0, "faults": {"lost": 1}}
    assert seen["operations"]["GetGateway"]["faults"] == {"reset": 1}
    assert seen["operations"]["ListGateways"]["faults"] == {"throttle": 1}
    assert seen["calls"] == 7 and seen["faults"] == 3
    assert counters(url, "DELETE") == seen
    assert counters(url)["calls"] == 0


def test_concurrent_target_writes_beyond_five_on_one_gateway_are_refused_by_the_server(serve_emulator: Callable[..., str]) -> None:
    url = serve_emulator("--hold", "target", "--writes-per-second", "1000")  # the targets stay CREATING during the test
    gid = gateway(make_client(PATIENT, url), "busy")

    def create(index: int) -> str:
        try:
            return target(make_client(PATIENT, url), gid, f"burst{index}") and "created"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=6) as pool:  # six writes at once
        outcomes = sorted(pool.map(create, range(6)))
    assert outcomes == ["ConflictException"] + ["created"] * 5
    assert counters(url)["operations"]["CreateGatewayTarget"]["refused"] == 1


def test_a_lost_create_retried_with_its_token_through_the_server_makes_no_duplicate(serve_emulator: Callable[..., str]) -> None:
    url = serve_emulator("--delay", EMULATOR_DELAY, "--fault", f"lost:op=CreateGatewayTarget,limit=1,seconds={HOLD}")
    assert_a_lost_create_retried_with_its_token_makes_no_duplicate(make_client(PATIENT, url), make_client(endpoint_url=url))
