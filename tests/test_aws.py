"""The AWS connection: the AIMD pacer (on an injected clock, then against the emulator's quotas), attempts and throttles, errors."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Callable

import pytest

from reconciler.aws import AimdRate, Api, Pacer, largest_page
from reconciler.emulator.quotas import stats
from reconciler.errors import AwsError
from tests.conftest import REGION


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class AccountQuota:
    """A token bucket of `rate` per second with a burst of `rate`, as the service's throttling is commonly built."""

    rate: float
    tokens: float = 0.0
    updated: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = self.rate

    def admits(self, at: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (at - self.updated) * self.rate)
        self.updated = at
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Run:
    sent: int = 0
    throttled: int = 0
    seconds: float = 0.0
    rates: list[float] = field(default_factory=list)

    @property
    def throttled_share(self) -> float:
        return self.throttled / self.sent


def simulate(declared: float, account: float, calls: int, latency: float = 0.05) -> Run:
    """`calls` calls through one Pacer against an account quota, each answered `latency` seconds after it left.

    Calls stay in flight while later ones are paced (as the live read's thread pool does), so
    the pacer learns of a throttle only when its answer arrives. A throttled call is sent again.
    """
    time = FakeTime()
    pacer = Pacer(declared, clock=time, sleep=time.sleep)
    quota = AccountQuota(account)
    answers: list[tuple[float, float, bool]] = []  # (arrives, sent_at, admitted)
    run, done = Run(), 0
    while done < calls:
        sent_at = pacer.acquire()
        while answers and answers[0][0] <= sent_at:
            _, their_sent_at, admitted = heapq.heappop(answers)
            pacer.control.succeeded() if admitted else pacer.control.throttled(their_sent_at)
        admitted = quota.admits(sent_at + latency / 2)
        heapq.heappush(answers, (sent_at + latency, sent_at, admitted))
        run.sent += 1
        run.throttled += not admitted
        done += admitted
        run.rates.append(pacer.control.rate)
    run.seconds = time.now
    return run


def test_rate_starts_just_under_the_declared_rate() -> None:
    assert AimdRate(10).rate == pytest.approx(9.5)


def test_a_throttle_halves_the_rate_once_per_overload() -> None:
    time = FakeTime()
    control = AimdRate(10, clock=time)
    time.now = 5.0
    control.throttled(sent_at=4.9)
    assert control.rate == pytest.approx(4.75)
    control.throttled(sent_at=4.95)  # sent before the decrease: it was part of the same overload
    assert control.rate == pytest.approx(4.75)
    time.now = 6.0
    control.throttled(sent_at=5.5)  # sent at the lower rate and still throttled: slow down again
    assert control.rate == pytest.approx(2.375)


def test_successes_climb_back_to_the_cap_and_never_past_it() -> None:
    time = FakeTime()
    control = AimdRate(10, clock=time)
    control.throttled(sent_at=0.0)
    successes = 0
    while control.rate < control.cap:
        control.succeeded()
        successes += 1
    assert control.rate == control.cap
    # Additive: about RECOVERY_SECONDS of calls at the average of half and full rate.
    expected = AimdRate.RECOVERY_SECONDS * 0.75 * control.cap
    assert expected * 0.9 < successes < expected * 1.1
    for _ in range(100):
        control.succeeded()
    assert control.rate == control.cap


def test_rate_never_drops_below_its_floor() -> None:
    time = FakeTime()
    control = AimdRate(10, clock=time)
    for step in range(50):
        time.now = float(step)
        control.throttled(sent_at=time.now)
    assert control.rate == pytest.approx(control.cap * AimdRate.FLOOR_FRACTION)


def test_a_non_positive_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        AimdRate(0)


def test_pacer_spaces_slots_evenly_without_a_burst_after_idling() -> None:
    time = FakeTime()
    pacer = Pacer(10, clock=time, sleep=time.sleep)
    first = [pacer.acquire() for _ in range(5)]
    assert first == pytest.approx([0.0, 1 / 9.5, 2 / 9.5, 3 / 9.5, 4 / 9.5])
    time.now += 60  # idle for a minute: no saved-up burst
    later = [pacer.acquire() for _ in range(3)]
    assert later[1] - later[0] == pytest.approx(1 / 9.5) and later[2] - later[1] == pytest.approx(1 / 9.5)


def test_a_correct_quota_wastes_under_two_percent_of_calls() -> None:
    run = simulate(declared=10, account=10, calls=2000)
    assert run.throttled_share <= 0.02
    assert 2000 / run.seconds >= 9.0  # and the budget is used: within 10% of the quota


def test_a_raised_quota_is_used() -> None:
    run = simulate(declared=50, account=50, calls=2000)
    assert run.throttled_share <= 0.02
    assert 2000 / run.seconds >= 45.0


def test_an_over_declared_quota_settles_under_the_real_one() -> None:
    run = simulate(declared=50, account=10, calls=2000)
    admitted_rate = 2000 / run.seconds
    assert 8.0 <= admitted_rate <= 10.5  # the real quota is used, and not exceeded past the bucket's burst
    assert run.throttled_share <= 0.05  # a storm would be most calls throttled
    settled = run.rates[len(run.rates) // 2:]
    assert max(settled) <= 15.0  # after the first overloads it hovers near the real limit, far under the declared 47.5


def test_list_all_follows_next_token(api: Api, client) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):
        client.create_gateway(name=f"g{i}", roleArn="arn:aws:iam::123456789012:role/r", authorizerType="NONE")
    api.calls.clear()
    items = api.list_all("list_gateways", "items", maxResults=10)
    assert len(items) == 25
    assert api.calls == {"ListGateways": 3}
    assert api.throttled == {}


def test_list_all_asks_for_the_largest_page_the_model_allows(api: Api, client) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):  # more than the default page of 10
        client.create_gateway(name=f"g{i}", roleArn="arn:aws:iam::123456789012:role/r", authorizerType="NONE")
    api.calls.clear()
    assert len(api.list_all("list_gateways", "items")) == 25
    assert api.calls == {"ListGateways": 1}
    assert largest_page("ListGateways") == 1000 and largest_page("ListOauth2CredentialProviders") == 20
    assert largest_page("GetGateway") is None


def test_client_errors_become_one_aws_error(api: Api) -> None:
    with pytest.raises(AwsError) as caught:
        api.call("get_gateway", gatewayIdentifier="missing-0123456789")
    assert caught.value.code == "ResourceNotFoundException"
    assert str(caught.value).startswith("GetGateway: ResourceNotFoundException:")
    assert not caught.value.temporary


@pytest.fixture
def account_allows_20_reads(emulator: None, faults: Callable[..., None]) -> None:
    """The in-process emulator with its quota emulation: 20 reads/s for the account, from full buckets and zeroed counters."""
    faults(quotas="reads=20")


def test_throttles_from_the_account_quota_slow_the_pacer_and_are_retried(account_allows_20_reads: None) -> None:
    api = Api(region=REGION, reads_per_second=60)  # ...and the registry declares three times that
    for _ in range(40):  # bounded: about two seconds at the account's 20/s
        assert api.call("list_gateways")["items"] == []  # every call succeeds in the end: botocore retries throttles
    throttled = api.throttled["ListGateways"]
    assert throttled >= 1
    assert api.calls == {"ListGateways": 40 + throttled}  # each attempt counted, the retries too
    server = stats()["operations"]["ListGateways"]
    assert (server["calls"], server["throttled"]) == (40 + throttled, throttled)  # as the service counted them
    assert api.reads.control.rate < api.reads.control.cap  # it slowed down
    assert api.writes_made() == 0


def test_a_correct_quota_is_not_throttled(account_allows_20_reads: None) -> None:
    api = Api(region=REGION, reads_per_second=20)
    for _ in range(40):
        api.call("list_gateways")
    assert api.calls == {"ListGateways": 40} and api.throttled == {}
