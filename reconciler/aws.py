"""The AWS connection: one client, client-side rate limits, error translation, pagination.

Rate limits are token buckets shared by all threads, applied through botocore's
`before-call` event so every call (reads ~10/s, writes ~5/s by default) is
paced before AWS has to throttle; botocore's adaptive retry mode handles any
throttling that still happens.
"""

from __future__ import annotations

import threading
import uuid
import time
from typing import Any, Callable

import boto3
import botocore.exceptions
from botocore.config import Config

from reconciler.aws_model import SERVICE
from reconciler.errors import AwsError

DEFAULT_READ_RATE = 10.0
DEFAULT_WRITE_RATE = 5.0
READ_PREFIXES = ("Get", "List")

# Error codes worth another try later: the service is busy or eventually consistent.
TEMPORARY_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServerException", "ServiceUnavailableException"}
)


class TokenBucket:
    """At most `rate` acquisitions per second on average, with a burst of `rate`."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.clock = clock
        self.tokens = rate
        self.updated = clock()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait:
            time.sleep(wait)
        return wait


class Api:
    """Calls to bedrock-agentcore-control, paced and with one kind of error."""

    def __init__(
        self,
        region: str | None = None,
        read_rate: float = DEFAULT_READ_RATE,
        write_rate: float = DEFAULT_WRITE_RATE,
        client: Any = None,
    ):
        self.client = client or _make_client(region)
        self.region = self.client.meta.region_name
        self.reads = TokenBucket(read_rate)
        self.writes = TokenBucket(write_rate)
        self.calls: dict[str, int] = {}
        self.run_id = uuid.uuid4().hex
        self.lock = threading.Lock()
        self.client.meta.events.register(f"before-call.{SERVICE}", self._pace)

    def _pace(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls[model.name] = self.calls.get(model.name, 0) + 1
        (self.reads if model.name.startswith(READ_PREFIXES) else self.writes).acquire()

    def writes_made(self) -> int:
        return sum(n for op, n in self.calls.items() if not op.startswith(READ_PREFIXES))

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call `operation` (snake_case method name); failures become AwsError."""
        return call_client(self.client, operation, **params)

    def list_all(self, operation: str, items_key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated List call, always following nextToken."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.call(operation, **params, **({"nextToken": token} if token else {}))
            items.extend(page.get(items_key, []))
            token = page.get("nextToken")
            if not token:
                return items


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
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(f"{operation}: {error}", code=type(error).__name__, temporary=True) from None


def _make_client(region: str | None) -> Any:
    """A client honouring the standard chain: profiles, AWS_REGION, AWS_ENDPOINT_URL(_BEDROCK_AGENTCORE_CONTROL)."""
    session = boto3.session.Session(region_name=region) if region else boto3.session.Session()
    if not session.region_name:
        raise AwsError("no AWS region: set `region:` in the registry or AWS_REGION", code="NoRegion")
    config = Config(retries={"mode": "adaptive", "max_attempts": 8}, max_pool_connections=32)
    try:
        return session.client(SERVICE, config=config)
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(f"cannot create the AWS client: {error}", code=type(error).__name__) from None
