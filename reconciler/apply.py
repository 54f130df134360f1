"""Execute a Plan: the only code that writes to AWS.

The order comes from the kinds: deletions in reverse kind order (children
before parents, each waited on until gone), except that resources others
point at by ARN (credential providers, policy engines) are deleted last, once
what referenced them was updated; then creations and updates in kind order
(each waited on until ready). The service synchronizes an MCP-server target
implicitly when it is created or updated; where its status does not show
that (READY with `lastSynchronizedAt` at or after `updatedAt`), apply calls
SynchronizeGatewayTargets, before the first kind that needs the targets'
tools (policies), or at the end: one write per change where the service did
its part. A phase with a failure stops the
run after its in-flight work finishes, and the result says what was done,
what failed and what was not attempted.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

from reconciler.aws import Api
from reconciler.desired import Desired
from reconciler.errors import AwsError, ReconcilerError, ResourceFailed
from reconciler.interrupts import Cancellation, Interrupted, run_all
from reconciler.kinds import KINDS, ordered
from reconciler.kinds.base import FINGERPRINT_TAG, NOT_FOUND, Kind, Ref, Status
from reconciler.kinds.target import TargetKind, is_synchronizable
from reconciler.plan import CREATE, DELETE, REPLACE, UPDATE, Change, Plan
from reconciler.planner import resolve_refs
from reconciler.progress import Meter
from reconciler.slots import MAX_WORKERS, WriteSlots, spread
from reconciler.sync import SyncSettings, Synchronizer
from reconciler.unread import wanted_fingerprint
from reconciler.waiting import Polling, Progress, Retrying, failure_text, settle, with_retries

if TYPE_CHECKING:
    from reconciler.catalog.publish import Publisher  # apply fills records through it; the catalog sits above apply


@dataclass
class ApplySettings:
    polling: Polling = field(default_factory=Polling)
    retrying: Retrying = field(default_factory=Retrying)  # temporary failures (IAM propagation, throttling) per call
    sync: SyncSettings = field(default_factory=SyncSettings)
    workers: int = MAX_WORKERS  # at most; a phase uses as many as its parents' write slots can keep busy
    grace: float = 30.0  # seconds an interrupted run waits for the calls in flight


@dataclass
class ApplyResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_attempted: list[str] = field(default_factory=list)
    synchronized: list[str] = field(default_factory=list)
    pending: list[tuple[str, str]] = field(default_factory=list)  # waiting for a user's OAuth consent
    interrupted: list[tuple[str, str]] = field(default_factory=list)  # stopped by an interrupt after its call was made
    in_flight: list[str] = field(default_factory=list)  # still running when the interrupt's grace period ended
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def report(self, what: str = "Apply") -> str:
        outcome = "interrupted" if self.cancelled else "complete" if self.ok else "failed"
        lines = [f"{what} {outcome}: {len(self.done)} done, {len(self.failed)} failed, "
                 + (f"{len(self.interrupted) + len(self.in_flight)} interrupted, " if self.cancelled else "")
                 + f"{len(self.not_attempted)} not attempted, {len(self.synchronized)} synchronized."]
        lines += [f"  failed: {addr}: {why}" for addr, why in self.failed]
        lines += [f"  interrupted: {addr}: {why}" for addr, why in self.interrupted]
        lines += [f"  in flight when interrupted (outcome unknown): {addr}" for addr in self.in_flight]
        lines += [f"  not attempted: {addr}" for addr in self.not_attempted]
        lines += [f"  pending authorization: {addr} is {status}" for addr, status in self.pending]
        if not self.ok:
            lines.append("Nothing was rolled back; fix the cause and run apply again: it continues from here.")
        return "\n".join(lines)


T = TypeVar("T")
CONFLICT = "ConflictException"
BATCH = "batch"  # creates and updates of one parent's resources in one call (BatchPutGatewayRateLimits)


@dataclass
class Step:
    """One unit of work in a phase: a change and which half of it to run (a batch carries more changes)."""

    change: Change
    operation: str  # create | update | delete | batch
    more: list[Change] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [self.change, *self.more]


@dataclass
class Phase:
    steps: list[Step] = field(default_factory=list)
    synchronize: bool = False  # synchronize the MCP targets written so far, instead of steps


class Executor:
    def __init__(self, api: Api, plan: Plan, settings: ApplySettings | None = None, progress: Progress | None = None,
                 cancellation: Cancellation | None = None, publisher: Publisher | None = None, meter: Meter | None = None):
        self.api = api
        self.meter = meter or Meter()
        self.publisher = publisher
        self.cancellation = cancellation or Cancellation()
        api.stop_writes_on(self.cancellation)
        self.plan = plan
        self.settings = settings or ApplySettings()
        self.progress = progress or (lambda line: None)
        self.refs: dict[str, Ref] = dict(plan.known)
        self.lock = threading.Lock()
        self.slots = WriteSlots()
        self.result = ApplyResult()
        self.written_targets: list[str] = []  # MCP-server targets apply synchronizes
        self.synchronized_by_service: list[str] = []  # those the service synchronized with the write

    # --- phases -----------------------------------------------------------------
    def phases(self) -> list[Phase]:
        changes, kinds = self.plan.changes, ordered()
        removing = [c for c in changes if c.action in (DELETE, REPLACE) and c.live]
        building = [c for c in changes if c.action in (CREATE, UPDATE, REPLACE)]

        def of(kind: Kind, items: list[Change], operation: Callable[[Change], str], when: Callable[[Change], bool]) -> Phase:
            return Phase([Step(c, operation(c)) for c in items if c.kind == kind.key and when(c)])

        # A replaced resource frees its name first; one that others reference goes once they were updated.
        early = [of(k, removing, lambda c: DELETE, lambda c: c.action == REPLACE or not k.referenced) for k in reversed(kinds)]
        builds = [_batched(of(k, building, _build_operation, lambda c: True), k) for k in kinds]
        late = [of(k, removing, lambda c: DELETE, lambda c: c.action == DELETE) for k in reversed(kinds) if k.referenced]
        sync_at = next((i for i, k in enumerate(kinds) if k.after_sync), len(kinds))
        return early + builds[:sync_at] + [Phase(synchronize=True)] + builds[sync_at:] + late

    def run(self) -> ApplyResult:
        phases = self.phases()
        for index, phase in enumerate(phases):
            if phase.synchronize:
                self._synchronize()
            elif phase.steps:
                self.meter.phase(_phase_name(phase), sum(len(s.changes) for s in phase.steps))
                steps, workers = spread(KINDS[phase.steps[0].change.kind], phase.steps, lambda s: s.change.parent_address,
                                        self.settings.workers)
                running, never = run_all(self._run_step, steps, workers, self.cancellation, self.settings.grace)
                self.result.in_flight += [c.address for s in running for c in s.changes]
                self.result.not_attempted += [c.address for s in never for c in s.changes]
            self.result.cancelled = self.cancellation.cancelled
            if self.result.failed or self.result.cancelled:
                self.result.not_attempted += [c.address for later in phases[index + 1 :] for s in later.steps for c in s.changes]
                return self.result
        return self.result

    def _run_step(self, step: Step) -> None:
        change = step.change
        try:
            with self.slots.hold(KINDS[change.kind], change.parent_address):
                if self.cancellation.cancelled:  # also when it was queued behind the parent's write limit: never sent
                    with self.lock:
                        self.result.not_attempted += [c.address for c in step.changes]
                    return
                if step.operation == BATCH:
                    self._put_batch(step.changes)
                else:
                    {CREATE: self._create, UPDATE: self._update, DELETE: self._delete}[step.operation](change)
            with self.lock:
                if step.operation != DELETE or change.action == DELETE:
                    self.result.done += [f"{c.address} ({c.action})" for c in step.changes]
            self.meter.advance(len(step.changes))
        except Interrupted as interrupt:  # its call was made; a wait or a retry back-off was cut short
            with self.lock:
                self.result.interrupted += [(c.address, str(interrupt)) for c in step.changes]
        except ReconcilerError as error:
            with self.lock:
                self.result.failed += [(c.address, str(error)) for c in step.changes]
            self.meter.advance(len(step.changes), failed=True)
            self.progress(f"{', '.join(c.address for c in step.changes)}: failed: {error}")

    # --- operations ---------------------------------------------------------------
    @contextmanager
    def _announced(self, change: Change, doing: str, done: str) -> Iterator[dict[str, str]]:
        """Terraform-style progress lines around one operation; the caller may add an id."""
        started = time.monotonic()
        self.progress(f"{change.address}: {doing}...")
        extra: dict[str, str] = {}
        yield extra
        suffix = f" [id={extra['id']}]" if "id" in extra else ""
        self.progress(f"{change.address}: {done} complete after {time.monotonic() - started:.0f}s{suffix}")

    def _create(self, change: Change) -> None:
        kind = KINDS[change.kind]
        desired = change.desired
        assert desired is not None
        parent = self.refs.get(desired.parent_address) if desired.parent_address else None
        body = self._resolved(change)
        with self._announced(change, "Creating", "Creation") as extra:
            ref = self._with_retries(change.address, lambda: self._create_or_claim(kind, desired, body, change.tags, parent), kind)
            with self.lock:
                self.refs[change.address] = ref
            status = self._wait(kind, ref, "creating")
            if kind.update_only & body.keys():
                # Members only UpdateGateway (and the like) can set: written right after the create.
                self._with_retries(change.address, lambda: kind.update(self.api, ref, body), kind)
                status = self._wait(kind, ref, "modifying")
            self._record_unread(change, kind, ref, body)
            self._after_write(kind, ref, change.address)
            self._remember_sync(change, body, status)
            extra["id"] = ref.ident

    def _create_or_claim(self, kind: Kind, desired: Desired, body: dict, tags: dict[str, str], parent: Ref | None) -> Ref:
        """Create; a create that conflicts with a resource carrying exactly the tags this run writes is this run's
        own earlier attempt, whose answer was lost (kinds without a clientToken, such as credential providers)."""
        try:
            return kind.create(self.api, desired, body, tags, parent)
        except AwsError as error:
            own = self._own_earlier_write(kind, desired.address, tags, parent) if error.code == CONFLICT and kind.taggable else None
            if own is None:
                raise
            self.progress(f"{desired.address}: created by an earlier attempt whose answer was lost; continuing with it")
            return own

    def _own_earlier_write(self, kind: Kind, address: str, tags: dict[str, str], parent: Ref | None) -> Ref | None:
        ref = next((r for r in kind.list(self.api, parent) if r.address == address), None)
        if ref is None:
            return None
        kind.describe(self.api, ref)  # its ARN, for its tags
        return ref if ref.arn and kind.read_tags(self.api, ref) == tags else None

    def _put_batch(self, changes: list[Change]) -> None:
        """One upsert call for several resources of one parent, then each waited on."""
        kind = KINDS[changes[0].kind]
        parent = self.refs.get(changes[0].parent_address or "")
        items = [(c.desired, self._resolved(c)) for c in changes if c.desired is not None]
        label = f"{changes[0].parent_address}: {len(changes)} {kind.noun}s"
        self.progress(f"{label}: writing in one {kind.batch_operation} call...")
        refs = self._with_retries(label, lambda: kind.put_batch(self.api, parent, items), kind)
        with self.lock:
            self.refs.update({ref.address: ref for ref in refs})
        for ref in refs:
            self._wait(kind, ref, "writing")
        self.progress(f"{label}: written")

    def _update(self, change: Change) -> None:
        kind = KINDS[change.kind]
        assert change.live is not None
        ref = change.live.ref
        with self._announced(change, "Modifying", "Modifications"):
            if change.body_changed:
                body = self._resolved(change)
                if kind.derived and kind.comparable(body) == change.live.body:
                    self.progress(f"{change.address}: unchanged once its sources were written: not written")
                else:
                    self._with_retries(change.address, lambda: kind.update(self.api, ref, body), kind)
                    status = self._wait(kind, ref, "modifying")
                    self._after_write(kind, ref, change.address)
                    self._remember_sync(change, body, status)
            if kind.taggable:
                kind.set_tags(self.api, ref, change.live.tags, change.tags)
            if change.body_changed:
                self._record_unread(change, kind, ref, self._resolved(change))

    def _record_unread(self, change: Change, kind: Kind, ref: Ref, body: dict) -> None:
        """Read back what was written: its fingerprint tag keeps each declared member the read left out (reconciler.unread)."""
        if not kind.taggable or change.desired is None:
            return
        read: dict = {}
        self._with_retries(change.address, lambda: read.update(kind.normalize(kind.describe(self.api, ref))), kind)
        tag, written = wanted_fingerprint(change.desired, body, read, self.plan.registry), change.tags.get(FINGERPRINT_TAG)
        if tag != written:
            current, wanted = ({FINGERPRINT_TAG: t} if t else {} for t in (written, tag))
            self._with_retries(change.address, lambda: kind.set_tags(self.api, ref, current, wanted), kind)

    def _delete(self, change: Change) -> None:
        kind = KINDS[change.kind]
        assert change.live is not None
        ref = change.live.ref
        with self._announced(change, "Destroying", "Destruction"):
            self._with_retries(change.address, lambda: self._delete_once(kind, ref), kind)
            self._wait(kind, ref, "destroying", gone=True)
            with self.lock:
                self.refs.pop(change.address, None)

    def _delete_once(self, kind: Kind, ref: Ref) -> None:
        """A delete that finds nothing to delete has done its work (an earlier attempt's answer was lost)."""
        try:
            kind.delete(self.api, ref)
        except AwsError as error:
            if error.code != NOT_FOUND:
                raise

    def _resolved(self, change: Change) -> dict:
        """The body to send: ARNs of what this run created filled in, a derived body (a record) made now."""
        assert change.desired is not None
        with self.lock:
            arns = {addr: ref.arn for addr, ref in self.refs.items() if ref.arn}
            refs = dict(self.refs)
        body = change.desired.body
        if KINDS[change.kind].derived and self.publisher is not None:
            body = self.publisher.content(change.desired, refs)
        return resolve_refs(body, arns)

    def _after_write(self, kind: Kind, ref: Ref, address: str) -> None:
        """What the service needs once a write settled (a record's submission for approval)."""
        if self._with_retries(address, lambda: kind.after_write(self.api, ref), kind):
            self._wait(kind, ref, "submitting")

    def _remember_sync(self, change: Change, body: dict, status: Status | None) -> None:
        """An MCP-server target the service did not synchronize with this write (or not successfully) is
        synchronized by apply; one whose status shows the implicit synchronization costs no other write."""
        if isinstance(KINDS[change.kind], TargetKind) and is_synchronizable(body):
            with self.lock:
                (self.synchronized_by_service if status and status.synchronized else self.written_targets).append(change.address)

    # --- waiting and retrying -------------------------------------------------------
    def _with_retries(self, label: str, call: Callable[[], T], kind: Kind) -> T:
        return with_retries(label, call, self.settings.retrying, self.progress, self.cancellation, kind)

    def _wait(self, kind: Kind, ref: Ref, verb: str, gone: bool = False) -> Status | None:
        """Until READY (or gone): the status it ended in; a failed status stops the resource, a pending authorization is noted."""
        status = settle(self.api, kind, ref, self.settings.polling, self.progress, verb, gone, self.cancellation)
        if status is None or status.status is None or status.status in kind.ready_statuses:
            return status
        if status.status in kind.pending_statuses:
            with self.lock:
                self.result.pending.append((ref.address, status.status))
            return status
        raise ResourceFailed(failure_text(ref, status))

    # --- synchronization ----------------------------------------------------------
    def _synchronize(self) -> None:
        """SynchronizeGatewayTargets for every MCP-server target written that the service did not synchronize
        itself, sharing the per-gateway write slots; the others' records are filled all the same."""
        pending = {addr for addr, _ in self.result.pending}
        refs = [self.refs[addr] for addr in sorted(self.written_targets) if addr not in pending]
        synchronizer = Synchronizer(self.api, self.settings.polling, self.settings.retrying, self.settings.sync,
                                    self.progress, slots=self.slots, cancellation=self.cancellation, meter=self.meter)
        # Each was waited on until READY (those pending a user's authorization are left out above).
        outcome = synchronizer.run(refs, [ref.address for ref in refs], self.settings.workers, self.settings.grace)
        if self.publisher is not None:
            self.publisher.forget_listings()  # the gateways list the synchronized tools now
        self.result.synchronized += sorted(self.synchronized_by_service) + outcome.synchronized
        self.result.failed += [(addr, f"synchronization: {why}") for addr, why in outcome.failed]
        self.result.pending += outcome.pending
        self.result.interrupted += outcome.interrupted
        self.result.in_flight += outcome.in_flight
        self.result.not_attempted += outcome.not_attempted


def _batched(phase: Phase, kind: Kind) -> Phase:
    """Creates and updates of a kind with a batch upsert go in one call per parent when there are several."""
    if kind.batch_operation is None:
        return phase
    groups: dict[str | None, list[Step]] = {}
    for step in phase.steps:
        groups.setdefault(step.change.parent_address, []).append(step)
    return Phase([g[0] if len(g) == 1 else Step(g[0].change, BATCH, [s.change for s in g[1:]]) for g in groups.values()])


def _phase_name(phase: Phase) -> str:
    noun = KINDS[phase.steps[0].change.kind].noun
    return f"destroying {noun}s" if phase.steps[0].operation == DELETE else f"writing {noun}s"


def _build_operation(change: Change) -> str:
    return UPDATE if change.action == UPDATE else CREATE


def apply_plan(api: Api, plan: Plan, settings: ApplySettings | None = None, progress: Progress | None = None,
               cancellation: Cancellation | None = None, publisher: Publisher | None = None, meter: Meter | None = None) -> ApplyResult:
    return Executor(api, plan, settings, progress, cancellation, publisher, meter).run()
