"""Polling a resource until it settles, and retrying temporary errors within a budget (kopf's split).

There are no botocore waiters for gateways or targets, so status is polled
with a growing interval until it is ready, failed, waiting for a user's
authorization, or gone. Temporary errors (throttling, IAM propagation, a
conflict in progress, any conflict on a kind whose writes lock their parent)
are retried with backoff; anything else is permanent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from reconciler.aws import Api
from reconciler.errors import AwsError, ResourceFailed, WaitTimeout
from reconciler.interrupts import Cancellation
from reconciler.kinds.base import Kind, Ref, Status

Progress = Callable[[str], None]
T = TypeVar("T")
IAM_PROPAGATION_HINTS = ("lacks permission", "not authorized to perform", "execution role")


@dataclass
class Polling:
    initial: float = 2.0  # seconds between status polls, growing by half each time
    maximum: float = 15.0
    timeout: float = 1800.0  # per resource, as Terraform's 30 minutes
    report_every: float = 10.0


@dataclass
class Retrying:
    retries: int = 6  # temporary failures per call
    delay: float = 5.0


def settle(api: Api, kind: Kind, ref: Ref, polling: Polling, progress: Progress, verb: str, gone: bool = False,
           cancellation: Cancellation | None = None) -> Status | None:
    """Poll until `ref` is ready, failed or pending authorization (its Status), or gone (None, when `gone`).

    Ready means `kind.ready_reads` READY reads in a row, a poll interval apart: a gateway or provider that reports
    READY once may still be settling (Terraform waits for two). A status the model's enum does not list (one the
    service added since) is neither ready nor failed: the wait goes on, until the timeout.
    An interrupt ends the wait at once (Interrupted): the write was made, a re-run continues from there.
    """
    cancellation = cancellation or Cancellation()
    started = last_report = time.monotonic()
    interval = polling.initial
    settled = kind.failed_statuses | kind.pending_statuses
    ready_in_a_row = 0
    # Right after a write the resource is still in progress (seconds to minutes): a poll at once would only spend
    # a read of the account's quota to learn that. A kind without a status settles with the write itself.
    if kind.has_status:
        cancellation.sleep(interval, f"waiting for {ref.address} ({verb}; the call was made)")
        interval = min(interval * 1.5, polling.maximum)
    while True:
        status = kind.status(api, ref)
        if status is None:
            if gone:
                return None
            raise ResourceFailed(f"{ref.address} disappeared while {verb}")
        ready_in_a_row = ready_in_a_row + 1 if status.status in kind.ready_statuses else 0
        if not gone and (status.status is None or status.status in settled or ready_in_a_row >= kind.ready_reads):
            return status
        elapsed = time.monotonic() - started
        if elapsed > polling.timeout:
            raise WaitTimeout(f"{ref.address}: still not {'gone' if gone else 'READY'} after {elapsed:.0f}s (last status: {status.status})")
        if time.monotonic() - last_report >= polling.report_every:
            progress(f"{ref.address}: Still {verb}... [{elapsed:.0f}s elapsed]")
            last_report = time.monotonic()
        cancellation.sleep(interval, f"waiting for {ref.address} ({verb}; the call was made)")
        interval = min(interval * 1.5, polling.maximum)


def failure_text(ref: Ref, status: Status) -> str:
    return f"{ref.address} is {status.status}: {'; '.join(status.reasons) or 'the service gave no reason'}"


def with_retries(label: str, call: Callable[[], T], retrying: Retrying, progress: Progress,
                 cancellation: Cancellation | None = None, kind: Kind | None = None) -> T:
    """`call`, again after each temporary error (of `kind`'s writes, when given) within the budget."""
    cancellation = cancellation or Cancellation()
    for attempt in range(retrying.retries + 1):
        try:
            return call()
        except AwsError as error:
            if attempt == retrying.retries or not is_temporary(error, kind):
                raise
            delay = retrying.delay * (2**attempt)
            progress(f"{label}: {error.code or 'temporary error'}, retrying in {delay:.0f}s")
            cancellation.sleep(delay, f"retrying {label} after {error.code or 'a temporary error'}")
    raise AssertionError("unreachable")


def is_temporary(error: AwsError, kind: Kind | None = None) -> bool:
    """Worth another try: throttling and the like, IAM propagating, a conflict with a change in progress; for a
    kind whose writes take a lock on their parent (rules, rate limits), any conflict, whatever its message says."""
    message = str(error).lower()
    conflict = error.code == "ConflictException"
    return error.temporary or conflict and ("in progress" in message or (kind is not None and kind.retry_conflicts)) or any(
        hint in message for hint in IAM_PROPAGATION_HINTS
    )
