"""The AWS connection: one client, paced to the account's quotas, error translation, pagination.

Quotas are the account's and adjustable (reads ~10/s, writes ~5/s by default), and
shared with everything else in the account, so the client paces itself: every
HTTP attempt, retries included, waits for a slot of its quota's pacer (reads:
Get*/List*, writes: the rest). Each pacer is an AIMD controller: it starts a
little under the declared rate, halves on a throttle and climbs back by
additive steps, never past that start. A correct quota then costs almost no
throttled call; an over-declared one converges under the real limit instead
of storming the account's budget.

Botocore runs in *standard* retry mode, not *adaptive*: adaptive mode brings a
second client-side limiter (a CUBIC-driven token bucket on `before-send`,
enabled by the first throttle) that would pace the same calls again from its
own estimate, and two limiters fighting over one budget is a bug. Standard mode
keeps what we want from botocore (which errors are retried, exponential backoff
with jitter, the retry quota); the pacing is ours. Throttles are recognised by
botocore's own ThrottlingErrorDetector on the `needs-retry` event, the same
test its retry handler applies, so both agree on what a throttle is.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import botocore.exceptions
import botocore.session
from botocore.config import Config
from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

from reconciler.aws_model import SERVICE, input_shape, model_loader
from reconciler.errors import AwsError
from reconciler.interrupts import Cancellation
from reconciler.quotas import READS_PER_SECOND, WRITES_PER_SECOND

READ_PREFIXES = ("Get", "List")
MAX_ATTEMPTS = 8
TAGGING_SERVICE = "resourcegroupstaggingapi"
TAGGING_PAGE = 100  # GetResources' largest ResourcesPerPage (documented; the model gives no maximum)

# Error codes worth another try later: the service is busy or eventually consistent.
TEMPORARY_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServerException", "ServiceUnavailableException"}
)

# Errors that say an API is not there for these credentials or in this region, rather than that a call failed.
UNAVAILABLE = frozenset({"UnknownOperationException", "AccessDeniedException", "AccessDenied", "UnauthorizedOperation",
                         "EndpointConnectionError", "UnknownEndpointError", "UnknownServiceError"})

_SENT_AT = "reconciler.sent_at"  # request-context key: when this attempt left, for the pacer
_THROTTLING = ThrottlingErrorDetector(RetryEventAdapter())

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class AimdRate:
    """The send rate for one quota: additive increase, multiplicative decrease, capped under the declared rate."""

    HEADROOM = 0.95  # pace this far under the declared rate: its remainder absorbs jitter in arrival times
    DECREASE = 0.5
    RECOVERY_SECONDS = 20.0  # from half the cap back to the cap, when every slot is used
    FLOOR_FRACTION = 0.02  # never slower than this share of the cap: progress, even under a storm

    def __init__(self, declared: float, clock: Clock = time.monotonic):
        if declared <= 0:
            raise ValueError(f"a rate must be positive, not {declared}")
        self.cap = declared * self.HEADROOM
        self.rate = self.cap
        self.clock = clock
        self.last_decrease = float("-inf")
        self.step = self.cap * (1 - self.DECREASE) / self.RECOVERY_SECONDS  # per second of full use
        self.lock = threading.Lock()

    def succeeded(self) -> None:
        """One admitted call: climb by step/rate, i.e. `step` per second while the pacer is busy."""
        with self.lock:
            self.rate = min(self.cap, self.rate + self.step / self.rate)

    def throttled(self, sent_at: float) -> None:
        """One throttled call: slow down, once per overload (calls sent before the last decrease say nothing new)."""
        with self.lock:
            if sent_at < self.last_decrease:
                return
            self.rate = max(self.cap * self.FLOOR_FRACTION, self.rate * self.DECREASE)
            self.last_decrease = self.clock()


class Pacer:
    """Evenly spaced send slots at the AIMD rate, shared by all threads (no burst after an idle spell)."""

    def __init__(self, declared: float, clock: Clock = time.monotonic, sleep: Sleep = time.sleep):
        self.control = AimdRate(declared, clock)
        self.clock = clock
        self.sleep = sleep
        self.next_slot = float("-inf")
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next slot; returns the time it was taken (when the call leaves)."""
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + 1.0 / self.control.rate
        if slot > now:
            self.sleep(slot - now)
        return slot


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class Api:
    """Calls to one AWS service (bedrock-agentcore-control unless told), paced per quota, with one kind of error.

    `on(service)` gives the same connection's view of another service (AWS Agent
    Registry): its own client and pacers, since quotas are per service, and the
    same run id and counters. `calls` and `throttled` count HTTP attempts per
    operation (a retried call counts each attempt: each one spends quota).
    """

    def __init__(
        self,
        region: str | None = None,
        reads_per_second: float = READS_PER_SECOND,
        writes_per_second: float = WRITES_PER_SECOND,
        client: Any = None,
        service: str = SERVICE,
        session: Any = None,
        pacers: dict[str, tuple[Pacer, Pacer]] | None = None,
    ):
        self.service = service
        self.session = session  # a deployment's (assumed role's) boto3 Session; None: the standard chain
        self.client = client or _make_client(region, service, session)
        self.region = self.client.meta.region_name
        self.rates = (reads_per_second, writes_per_second)
        # Quotas are per account, region and service: connections to the same account and region share pacers.
        self._pacers = {} if pacers is None else pacers
        self.reads, self.writes = self._pacers.setdefault(service, (Pacer(reads_per_second), Pacer(writes_per_second)))
        self._account: Future[str] | None = None
        self.calls: dict[str, int] = {}
        self.throttled: dict[str, int] = {}
        self.run_id = uuid.uuid4().hex
        self.lock = threading.Lock()
        self._tagging: Any = None
        self._services: dict[str, Api] = {service: self}
        self.cancellation: Cancellation | None = None  # once set, no write attempt leaves (stop_writes_on)
        self._pace(self.client)

    def on(self, service: str) -> Api:
        """This connection's view of `service`, made on first use."""
        with self.lock:
            sibling = self._services.get(service)
        if sibling is not None:
            return sibling
        made = Api(self.region, *self.rates, service=service, session=self.session, pacers=self._pacers)
        with self.lock:
            sibling = self._services.setdefault(service, made)
            if sibling is made:
                # One run: the same clientToken seed, counters and sibling table for every service.
                made.run_id, made.calls, made.throttled, made.lock, made._services, made.cancellation = (
                    self.run_id, self.calls, self.throttled, self.lock, self._services, self.cancellation)
        return sibling

    def _pace(self, client: Any) -> None:
        """Every attempt of `client` waits for its quota's pacer and reports how it went."""
        service = client.meta.service_model.service_id.hyphenize()
        # First, before the signer: a request that waited in the pacer is signed when it leaves.
        client.meta.events.register_first(f"request-created.{service}", self._before_attempt)
        client.meta.events.register(f"needs-retry.{service}", self._after_attempt)

    def account(self) -> str:
        """The AWS account the credentials act in (STS GetCallerIdentity, once), else the endpoint's URL.

        It keys the observed-state cache: two accounts planning the same registry never share entries.
        """
        return self.account_soon().result()

    def know_account(self, account: str) -> None:
        """The account is known already (a deployment's): no STS call for it."""
        known: Future[str] = Future()
        known.set_result(account)
        with self.lock:
            self._account = known

    def account_soon(self) -> Future[str]:
        """`account()` as it will be: asked in the background on first use, so the first List need not wait for STS."""
        with self.lock:
            if self._account is None:
                asking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sts")
                self._account = asking.submit(self._ask_account)
                asking.shutdown(wait=False)
            return self._account

    def _ask_account(self) -> str:
        try:
            return str(_make_client(self.region, "sts", self.session).get_caller_identity()["Account"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, AwsError):
            return str(self.client.meta.endpoint_url)

    def _pacer(self, operation: str) -> Pacer:
        return self.reads if is_read(operation) else self.writes

    def stop_writes_on(self, cancellation: Cancellation) -> None:
        """After an interrupt no write attempt leaves, a retry included: botocore retries only attempts the service
        refused (throttled, 5xx) or that got no answer, so the retry is new work. Raises Interrupted instead.
        Every service of the connection stops."""
        with self.lock:
            for api in self._services.values():
                api.cancellation = cancellation

    def _before_attempt(self, request: Any, operation_name: str, **_: Any) -> None:
        request.context[_SENT_AT] = self._pacer(operation_name).acquire()
        if self.cancellation is not None and not is_read(operation_name):  # checked when it would leave, after the pacer
            self.cancellation.check(f"about to send {operation_name} (not sent)")

    def _after_attempt(self, **event: Any) -> None:
        """Count the attempt and tell its pacer how it went; returns None so botocore's retry handler decides."""
        operation = event["operation"].name
        throttled = _THROTTLING.is_throttling_error(**event)
        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            if throttled:
                self.throttled[operation] = self.throttled.get(operation, 0) + 1
        control = self._pacer(operation).control
        if throttled:
            control.throttled(event["request_dict"]["context"].get(_SENT_AT, float("-inf")))
        elif event["response"] is not None:  # no response (a connection error) says nothing about the quota
            control.succeeded()

    def writes_made(self) -> int:
        return sum(n for op, n in self.calls.items() if not is_read(op))

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call `operation` (snake_case method name); failures become AwsError."""
        return call_client(self.client, operation, **params)

    def tagged(self, key: str, value: str, services: list[str]) -> dict[str, dict[str, str]]:
        """ARN -> tags of every resource of these ARN services in the region tagged `key`=`value`: the Resource
        Groups Tagging API's GetResources, paced as a read, in its largest pages."""
        if self._tagging is None:
            self._tagging = _make_client(self.region, TAGGING_SERVICE, self.session)
            self._pace(self._tagging)
        found: dict[str, dict[str, str]] = {}
        token = ""
        while True:
            page = call_client(self._tagging, "get_resources", TagFilters=[{"Key": key, "Values": [value]}],
                               ResourceTypeFilters=services, ResourcesPerPage=TAGGING_PAGE, PaginationToken=token)
            for item in page.get("ResourceTagMappingList", []):
                found[item["ResourceARN"]] = {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])}
            token = page.get("PaginationToken", "")
            if not token:
                return found

    def list_all(self, operation: str, items_key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated List call, always following nextToken, in the largest pages the API allows.

        Pages cost quota, not items: asking for the model's maximum `maxResults` (1000 targets where the
        default page holds 10) cuts a large registry's List calls a hundredfold.
        """
        page_size = largest_page(self.client.meta.method_to_api_mapping[operation], self.service)
        if page_size and "maxResults" not in params:
            params["maxResults"] = page_size
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.call(operation, **params, **({"nextToken": token} if token else {}))
            items.extend(page.get(items_key, []))
            token = page.get("nextToken")
            if not token:
                return items


@functools.lru_cache(maxsize=None)
def largest_page(operation: str, service: str = SERVICE) -> int | None:
    """The largest `maxResults` the service model allows for a List operation (None: it takes none)."""
    member = input_shape(operation, service).members.get("maxResults")
    return member.metadata.get("max") if member is not None else None


def call_client(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Call any boto3 client's `operation`; failures become one AwsError, marked temporary or not."""
    try:
        return getattr(client, operation)(**params)
    except botocore.exceptions.ClientError as error:
        info = error.response.get("Error", {})
        raise AwsError(
            f"{error.operation_name}: {info.get('Code', 'Error')}: {info.get('Message', error)}",
            code=info.get("Code", ""),
            temporary=info.get("Code") in TEMPORARY_CODES,
            reason=str(error.response.get("reason") or ""),
        ) from None
    except botocore.exceptions.ParamValidationError as error:
        # The request itself is wrong: no retry can make it right.
        raise AwsError(f"{operation}: {error}", code=type(error).__name__) from None
    except botocore.exceptions.BotoCoreError as error:  # connection trouble, timeouts: worth another try
        raise AwsError(f"{operation}: {error}", code=type(error).__name__, temporary=True) from None


def default_region(region: str | None) -> str | None:
    """The region asked for, else AWS_REGION (botocore itself reads only AWS_DEFAULT_REGION and profiles)."""
    return region or os.environ.get("AWS_REGION") or None


def _make_client(region: str | None, service: str = SERVICE, session: Any = None) -> Any:
    """A client honouring the standard chain: profiles, AWS_REGION, AWS_ENDPOINT_URL(_<SERVICE>); `session`'s
    credentials when given (a deployment's assumed role's boto3 Session).

    Without one, plain botocore (boto3's import costs a tenth of a second and adds nothing to a client), sharing the
    model loader of `aws_model`: the service's model, already read to check the files, is not parsed again.
    """
    config = Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS}, max_pool_connections=32)
    if session is not None:
        fallback, create = session.region_name, session.client
    else:
        core = botocore.session.Session()
        core.register_component("data_loader", model_loader())
        fallback, create = core.get_config_variable("region"), core.create_client
    region = default_region(region) or fallback
    if not region:
        raise AwsError("no AWS region: set `region:` in the registry or AWS_REGION", code="NoRegion")
    try:
        return create(service, region_name=region, config=config)
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(f"cannot create the AWS client: {error}", code=type(error).__name__) from None


ROLE_SESSION_SECONDS = 3600


def assumed_session(role_arn: str, external_id: str | None, region: str, session_name: str) -> Any:
    """A boto3 Session acting as `role_arn` (STS AssumeRole with the caller's credentials, `external_id` when given).

    Its credentials are assumed now (a role that cannot be assumed fails here, before any other call) and
    assumed again by botocore shortly before they expire, so an apply longer than their hour goes on.
    """
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    sts = _make_client(region, "sts")
    params = {"RoleArn": role_arn, "RoleSessionName": session_name[:64], "DurationSeconds": ROLE_SESSION_SECONDS}
    if external_id:
        params["ExternalId"] = external_id

    def assume() -> dict[str, str]:
        credentials = call_client(sts, "assume_role", **params)["Credentials"]
        return {"access_key": credentials["AccessKeyId"], "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"], "expiry_time": credentials["Expiration"].isoformat()}

    core = botocore.session.Session()
    core._credentials = RefreshableCredentials.create_from_metadata(assume(), assume, "sts-assume-role")
    return boto3.session.Session(botocore_session=core, region_name=region)


def caller_account(session: Any, region: str | None) -> str:
    """The account the credentials act in (STS GetCallerIdentity)."""
    return str(call_client(_make_client(region, "sts", session), "get_caller_identity")["Account"])
