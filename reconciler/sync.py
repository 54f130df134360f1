"""SynchronizeGatewayTargets, the one way both `apply` and `reconcile sync` refresh a gateway's tool catalogue.

One target per call (the API takes one id), at most the target kind's
per-gateway write limit in flight per gateway (shared with apply's writes). A synchronization that ends SYNCHRONIZE_UNSUCCESSFUL is
tried again with backoff (a slow-starting server succeeds later), then
reported with the service's statusReasons and a hint for the known causes.
A target waiting for a user's authorization (*_PENDING_AUTH) is reported and
left alone: the API refuses to synchronize it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

from reconciler.aws import Api
from reconciler.desired import Desired, DesiredState
from reconciler.errors import ReconcilerError
from reconciler.interrupts import Cancellation, Interrupted, run_all
from reconciler.kinds import KINDS, TARGET
from reconciler.kinds.base import Ref
from reconciler.kinds.target import TargetKind, is_synchronizable, unsynchronizable
from reconciler.live import read_live
from reconciler.progress import Meter
from reconciler.scope import Scope
from reconciler.slots import MAX_WORKERS, WriteSlots, spread
from reconciler.waiting import Polling, Progress, Retrying, failure_text, settle, with_retries

UNSUCCESSFUL = "SYNCHRONIZE_UNSUCCESSFUL"
HINTS = (  # the first whose words appear in the statusReasons wins
    (("auth:", "401", "403", "unauthorized", "invalid_client", "credentials"),
     "the server refused the gateway's credentials: check the target's credential provider, scopes and audience"),
    (("protocol version",), "the server must accept one of the gateway's protocolConfiguration.mcp.supportedVersions"),
    (("collision", "collide", "duplicate"), "two tools share a name on this gateway: rename one on the server"),
    (("connect", "refused", "unreachable", "resolve", "timed out", "timeout", "no answer"),
     "the gateway cannot reach the server: is it running, and listening on 0.0.0.0 (not 127.0.0.1) inside its container, "
     "behind a public or VPC-reachable HTTPS endpoint?"),
    (("tool", "schema"), "a tool or its input schema is not accepted by the gateway: run `reconcile probe` for details"),
)


def hint_for(reasons: list[str]) -> str:
    text = " ".join(reasons).lower()
    return next((hint for words, hint in HINTS if any(w in text for w in words)), "")


@dataclass
class SyncSettings:
    attempts: int = 3  # synchronizations per target before it is reported unsuccessful
    backoff: float = 20.0  # seconds before the second attempt, doubling after


@dataclass
class SyncResult:
    synchronized: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    pending: list[tuple[str, str]] = field(default_factory=list)  # (address, *_PENDING_AUTH status)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (address, why it cannot be synchronized)
    interrupted: list[tuple[str, str]] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)  # still running when the interrupt's grace period ended
    not_attempted: list[str] = field(default_factory=list)  # left out after an interrupt

    @property
    def ok(self) -> bool:
        return not (self.failed or self.interrupted or self.in_flight or self.not_attempted)


class Synchronizer:
    def __init__(self, api: Api, polling: Polling, retrying: Retrying, settings: SyncSettings, progress: Progress,
                 slots: WriteSlots | None = None, cancellation: Cancellation | None = None, meter: Meter | None = None):
        kind = KINDS[TARGET]
        assert isinstance(kind, TargetKind)
        self.kind = kind
        self.api = api
        self.polling = polling
        self.retrying = retrying
        self.settings = settings
        self.progress = progress
        self.slots = slots if slots is not None else WriteSlots()
        self.cancellation = cancellation or Cancellation()
        api.stop_writes_on(self.cancellation)
        self.meter = meter or Meter()
        self.result = SyncResult()
        self.lock = threading.Lock()

    def run(self, refs: list[Ref], settled: Iterable[str] = (), workers: int = MAX_WORKERS, grace: float = 30.0) -> SyncResult:
        """Synchronize `refs`. Those in `settled` the caller has just seen settled and not waiting for a user's
        authorization; the others' status is read first (a *_PENDING_AUTH target cannot be synchronized)."""
        self.settled = set(settled)
        if refs:
            self.meter.phase("synchronizing targets", len(refs))
        ordered, useful = spread(self.kind, sorted(refs, key=lambda r: r.address), lambda r: r.parent.address if r.parent else None,
                                 workers)
        running, never = run_all(self._guarded, ordered, useful, self.cancellation, grace)
        self.result.in_flight += [r.address for r in running]
        self.result.not_attempted += [r.address for r in never]
        return self.result

    def _guarded(self, ref: Ref) -> None:
        try:
            self._synchronize(ref)
        except Interrupted as interrupt:
            with self.lock:
                self.result.interrupted.append((ref.address, str(interrupt)))
        except ReconcilerError as error:
            self._fail(ref, str(error))
        with self.lock:
            failed = any(address == ref.address for address, _ in self.result.failed)
        self.meter.advance(failed=failed)

    def _synchronize(self, ref: Ref) -> None:
        current = None if ref.address in self.settled else self.kind.status(self.api, ref)
        if current is not None and current.status in self.kind.pending_statuses:
            self._pending(ref, current.status)
            return
        for attempt in range(1, self.settings.attempts + 1):
            with self.slots.hold(self.kind, ref.parent.address if ref.parent else None):
                if self.cancellation.cancelled:
                    with self.lock:
                        self.result.not_attempted.append(ref.address)
                    return
                self.progress(f"{ref.address}: Synchronizing{f' (attempt {attempt})' if attempt > 1 else ''}...")
                started = time.monotonic()
                with_retries(ref.address, lambda: self.kind.synchronize(self.api, ref), self.retrying, self.progress,
                             self.cancellation)
                status = settle(self.api, self.kind, ref, self.polling, self.progress, "synchronizing", False, self.cancellation)
            assert status is not None
            if status.status in self.kind.ready_statuses:
                self.progress(f"{ref.address}: Synchronization complete after {time.monotonic() - started:.0f}s")
                with self.lock:
                    self.result.synchronized.append(ref.address)
                return
            if status.status in self.kind.pending_statuses:
                self._pending(ref, status.status)
                return
            if status.status != UNSUCCESSFUL or attempt == self.settings.attempts:
                hint = hint_for(status.reasons)
                self._fail(ref, failure_text(ref, status) + (f" (hint: {hint})" if hint else ""))
                return
            delay = self.settings.backoff * 2 ** (attempt - 1)
            self.progress(f"{ref.address}: {UNSUCCESSFUL} ({'; '.join(status.reasons)}); trying again in {delay:.0f}s")
            self.cancellation.sleep(delay, f"waiting to synchronize {ref.address} again")

    def _pending(self, ref: Ref, status: str) -> None:
        self.progress(f"{ref.address}: {status}: waiting for a user to authorize the OAuth grant; not synchronized")
        with self.lock:
            self.result.pending.append((ref.address, status))

    def _fail(self, ref: Ref, message: str) -> None:
        self.progress(f"{ref.address}: synchronization failed: {message}")
        with self.lock:
            self.result.failed.append((ref.address, message))


def synchronize_declared(synchronizer: Synchronizer, registry: DesiredState, chosen: list[Desired]) -> SyncResult:
    """`reconcile sync`: the chosen declared targets, found live (reading only them and their gateways)."""
    wanted = [t.address for t in chosen if is_synchronizable(t.body)]
    scope = Scope(tuple(wanted)).with_dependencies(registry)
    live = read_live(synchronizer.api, registry.name, set(registry.resources), scope).managed_by(registry.name)
    found = [a for a in wanted if a in live]
    result = synchronizer.run([live[a].ref for a in found], [a for a in found if live[a].status in synchronizer.kind.ready_statuses])
    result.failed += [(a, "not in AWS (or not managed by this registry): apply first") for a in wanted if a not in live]
    result.skipped += [(t.address, why) for t in chosen if (why := unsynchronizable(t.body))]
    return result
