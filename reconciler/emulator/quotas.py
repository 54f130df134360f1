"""Quota emulation for the emulator: the account's request rates, a per-call latency, the per-gateway
limit on target writes in flight, and counters of calls a harness can read.

Off by default. Configured by `reconcile emulator` flags (`--reads-per-second`, `--writes-per-second`,
`--latency`, `--target-writes-per-gateway`) or, for in-process use with `moto.mock_aws`, by the
environment variable RECONCILER_EMULATOR_QUOTAS holding comma-separated KEY=VALUE pairs:

    RECONCILER_EMULATOR_QUOTAS="reads=10,writes=5,latency=0.05,target-writes=5"

    reads=R          Get*/List* calls per second, per account and region (a token bucket holding R)
    writes=W         every other call, per second, per account and region (a token bucket holding W)
    latency=S        seconds every call takes before it is answered
    target-writes=N  at most N targets of one gateway CREATING/UPDATING/DELETING at once; a
                     Create/Update/DeleteGatewayTarget beyond that is refused with ConflictException.
                     5 (the service's limit) once any quota is set; 0 turns it off.

A call over its rate gets ThrottlingException (HTTP 429, "Rate exceeded") and does nothing. The
value is read on every call; a new value starts from full buckets and zeroed counters.

The same quotas as JSON, with the same keys ({"reads": 50, "writes": 5, "latency": 0.05,
"target-writes": 5}; a key left out or null is no quota): `quotas_from_json()` reads them and
`Quotas.as_json()` writes them; `reconcile emulator` serves them as GET/PUT /_emulator/quotas, so a
harness can change an account's quotas while the server runs.

`stats()` returns the counters (calls, throttled, refused and injected faults, in total and per
operation), `call_log()` the last calls as they arrived (time, operation, the `name` they carried), and
`reset_stats()` zeroes both; `reconcile emulator` serves the same as
GET /_emulator/stats (DELETE /_emulator/stats zeroes them and returns the last counts).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, fields
from typing import Any, Callable

from reconciler.errors import ConfigError

QUOTAS_VARIABLE = "RECONCILER_EMULATOR_QUOTAS"
READ_PREFIXES = ("Get", "List")
TARGET_WRITES = frozenset({"CreateGatewayTarget", "UpdateGatewayTarget", "DeleteGatewayTarget"})
IN_FLIGHT = frozenset({"CREATING", "UPDATING", "DELETING"})
SERVICE_TARGET_WRITES = 5  # SERVICE-FACTS: at most 5 concurrent target create/update/delete operations on one gateway


@dataclass(frozen=True)
class Quotas:
    reads: float | None = None
    writes: float | None = None
    latency: float | None = None
    target_writes: int | None = None  # None: the service's limit when any other quota is set

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def target_write_limit(self) -> int:
        if self.target_writes is not None:
            return self.target_writes
        return SERVICE_TARGET_WRITES if self.active else 0

    def spec(self) -> str:
        """The RECONCILER_EMULATOR_QUOTAS value that means these quotas."""
        return ",".join(f"{_key(f.name)}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) is not None)

    def as_json(self) -> dict[str, Any]:
        """The quotas in force by key, null for none; `target-writes` is the limit that applies."""
        values = {_key(f.name): getattr(self, f.name) for f in fields(self)}
        return values | {"target-writes": self.target_write_limit}


def _key(field_name: str) -> str:
    return field_name.replace("_", "-")


PARSERS: dict[str, Callable[[str], Any]] = {"reads": float, "writes": float, "latency": float, "target-writes": int}


def parse_quotas(spec: str) -> Quotas:
    """Quotas from a RECONCILER_EMULATOR_QUOTAS value; a mistake is one ConfigError line."""
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, text = item.partition("=")
        name, value = _quota(item, key.strip(), text.strip())
        values[name] = value
    return Quotas(**values)


def quotas_from_json(document: Any) -> Quotas:
    """Quotas from a decoded JSON object of the same keys (a number each, or null for none); a mistake is one
    ConfigError line."""
    if not isinstance(document, dict):
        raise ConfigError([(None, f"quotas: expected a JSON object of {', '.join(PARSERS)}, got {type(document).__name__}")])
    numbers = {key: value for key, value in document.items() if value is not None}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _problem(f"{key}={json.dumps(value)}", "not a number")
    return Quotas(**dict(_quota(f"{key}={value}", key, str(value)) for key, value in numbers.items()))


def _quota(item: str, key: str, text: str) -> tuple[str, Any]:
    """The Quotas field and value of one KEY=VALUE `item`."""
    if key not in PARSERS:
        raise _problem(item, f"unknown quota '{key}' (known: {', '.join(PARSERS)})")
    try:
        value = PARSERS[key](text)
    except ValueError:
        raise _problem(item, "not a number") from None
    if value < 0:
        raise _problem(item, "cannot be negative")
    return key.replace("-", "_"), value


def _problem(item: str, message: str) -> ConfigError:
    return ConfigError([(None, f"quota '{item}': {message}")])


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class TokenBucket:
    """`rate` tokens a second, holding at most `rate` (at least one): take() never waits, it says no."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateLimits:
    """One read and one write bucket per account and region, as the service's quotas are."""

    def __init__(self, quotas: Quotas):
        self.quotas = quotas
        self.buckets: dict[tuple[str, str, bool], TokenBucket] = {}
        self.lock = threading.Lock()

    def admit(self, account: str, region: str, operation: str) -> bool:
        read = is_read(operation)
        rate = self.quotas.reads if read else self.quotas.writes
        if not rate:
            return True
        with self.lock:
            bucket = self.buckets.setdefault((account, region, read), TokenBucket(rate))
            return bucket.take()


def targets_in_flight(targets: list[Any], excluding: Any = None) -> int:
    """How many of a gateway's targets are being created, updated or deleted (not counting `excluding`)."""
    return sum(1 for target in targets if target is not excluding and target.status in IN_FLIGHT)


@dataclass(frozen=True)
class Call:
    """One call as it arrived: when (time.monotonic()), which operation, and the `name` it carried (what it creates)."""

    at: float
    operation: str
    name: str | None = None


LOG_SIZE = 10_000  # the last calls kept in the log


class CallStats:
    """Calls by operation and what became of them: throttled, refused, or a fault kind; and a log of the last calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.log: deque[Call] = deque(maxlen=LOG_SIZE)

    def call(self, operation: str, name: str | None = None) -> None:
        with self.lock:
            self.calls[operation] += 1
            self.log.append(Call(time.monotonic(), operation, name))

    def arrivals(self) -> list[Call]:
        with self.lock:
            return list(self.log)

    def record(self, operation: str, outcome: str) -> None:
        with self.lock:
            self.outcomes[operation][outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            operations = {op: self._operation(op) for op in sorted(self.calls)}
            first = self.log[0] if self.log else None
        return {
            "calls": sum(o["calls"] for o in operations.values()),
            "throttled": sum(o["throttled"] for o in operations.values()),
            "refused": sum(o["refused"] for o in operations.values()),
            "faults": sum(sum(o["faults"].values()) for o in operations.values()),
            "operations": operations,
            "first_call_monotonic": first.at if first else None,  # this machine's monotonic clock: a harness times start-up
        }

    def _operation(self, operation: str) -> dict[str, Any]:
        outcomes = dict(self.outcomes[operation])
        return {
            "calls": self.calls[operation],
            "throttled": outcomes.pop("throttled", 0),
            "refused": outcomes.pop("refused", 0),
            "faults": outcomes,
        }

    def reset(self) -> dict[str, Any]:
        last = self.snapshot()
        with self.lock:
            self.calls.clear()
            self.outcomes.clear()
            self.log.clear()
        return last


STATS = CallStats()


def stats() -> dict[str, Any]:
    """The counters since the last reset: {calls, throttled, refused, faults, operations: {OP: {...}}}."""
    return STATS.snapshot()


def call_log() -> list[Call]:
    """The last calls since the last reset, in the order they arrived."""
    return STATS.arrivals()


def reset_stats() -> dict[str, Any]:
    """Zero the counters; returns the counts they held."""
    return STATS.reset()
