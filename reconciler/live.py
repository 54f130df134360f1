"""Read live AWS state: every top-level resource (for ownership tags), and the children of the parents this
registry manages or declares.

The read streams through one bounded pool with no barrier between phases:
each List answer submits the reads it calls for, each parent read submits
the listing of its children, so the pacer is never idle while a slow phase
finishes. The Api's pacer keeps the whole under the Get/List quota.

With an observed-state cache, a resource whose List stamp (`updatedAt`) has
not moved since it was last read in full is taken from the cache: no Get.
Tags (ownership, secret fingerprints) are always read, never cached: from the
ownership index (`reconciler.ownership`: one query for all of them, which also
spares the List of a kind the registry neither declares nor owns), or per
resource where the index cannot vouch. The cache never vouches for what a List
does not show.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass, field
from typing import Any, Callable

from reconciler.aws import UNAVAILABLE, Api
from reconciler.aws_model import SERVICE
from reconciler.errors import AwsError
from reconciler.kinds import KINDS, children_of, roots
from reconciler.kinds.base import MANAGES_TAG, NOT_FOUND, Kind, Live, Ref
from reconciler.observed import ObservedCache
from reconciler.ownership import FALLBACK_NOTE, OwnershipIndex, load_index
from reconciler.scope import Scope

DEFAULT_READ_WORKERS = 8
# How long the ownership index (GetResources, eventually consistent) may take to show a change: the resources
# created or changed within it are confirmed by a read of their own tags (minutes are usual; an hour is safe).
INDEX_LAG = timedelta(hours=1)


@dataclass
class LiveState:
    resources: dict[str, Live] = field(default_factory=dict)
    from_cache: int = 0  # descriptions the observed-state cache vouched for (no Get)
    notes: list[str] = field(default_factory=list)  # what the user should know about how it was read
    indexed: set[str] = field(default_factory=set)  # resources whose tags came from the ownership index

    def managed_by(self, registry: str, adopted: set[str] | None = None) -> dict[str, Live]:
        """Resources owned by `registry` (or being adopted by it); children belong to their managed parent."""
        adopted = adopted or set()
        owned = {a: r for a, r in self.resources.items() if r.ref.parent is None and (r.owner == registry or a in adopted)}
        for addr, live in self.resources.items():
            if live.ref.parent is not None and live.ref.parent.address in owned and live.off_limits_reason is None:
                # A child that carries tags (an agent registry's record) is ours only with our tag: others share the parent.
                if not KINDS[live.ref.kind].taggable or live.owner == registry or addr in adopted:
                    owned[addr] = live
        return owned


def read_live(
    api: Api,
    registry: str,
    declared: set[str],
    scope: Scope | None = None,
    workers: int = DEFAULT_READ_WORKERS,
    cache: ObservedCache | None = None,
    refresh: bool = False,
) -> LiveState:
    """Declared resources are read in full; every other top-level resource only for its tags (ownership).

    Children are read for the parents `registry` owns and for the declared ones (they may be adopted). With
    a scope, only the resources it includes are read (listing stays complete). With `refresh`, everything is
    read in full, tags per resource, and the cache only learns from it.
    """
    return _Reader(api, registry, declared, scope, cache, refresh).run(workers)


class _Reader:
    def __init__(self, api: Api, registry: str, declared: set[str], scope: Scope | None, cache: ObservedCache | None,
                 refresh: bool):
        self.api = api
        self.registry = registry
        self.declared = declared
        self.wanted: Callable[[str], bool] = scope.includes if scope else (lambda addr: True)
        self.cache = cache
        self.refresh = refresh
        self.declared_children = _child_kinds(declared)
        self.declared_kinds = {address.split("/", 1)[0] for address in declared}
        self.index: OwnershipIndex | None = None
        self.index_loaded: Future[None] | None = None
        self.listed: set[str] = set()  # the top-level kinds whose List has been submitted
        self.state = LiveState()
        self.lock = threading.Lock()
        self.settled = threading.Condition()  # its own lock: a done-callback may run in the submitting thread
        self.outstanding = 0
        self.failure: BaseException | None = None

    def run(self, workers: int) -> LiveState:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            self.pool = pool
            # AgentCore's own kinds and the declared ones are listed while the ownership index loads (one page each:
            # a lagging index must not hide a resource the last apply made); it then tells which others to list.
            self.index_loaded = self._submit(self._load_index)
            self._list_kinds([k for k in roots() if k.key in self.declared_kinds or k.arn_resource_pattern is None
                              or k.service == SERVICE])
            self._drain()
        return self.state

    def _submit(self, work: Callable[..., object], *args: Any) -> Future[None]:
        with self.settled:
            self.outstanding += 1
        future = self.pool.submit(self._unless_failed, work, *args)
        future.add_done_callback(self._finished)
        return future

    def _unless_failed(self, work: Callable[..., object], *args: Any) -> None:
        """After the first failure, what has not started yet does nothing (no future is kept to cancel it)."""
        if self.failure is None:
            work(*args)

    def _finished(self, future: Future[None]) -> None:
        with self.settled:
            self.outstanding -= 1
            if self.failure is None and not future.cancelled():
                self.failure = future.exception()
            self.settled.notify()

    def _drain(self) -> None:
        """Until no work is left; after the first failure, what has not started does nothing, and it is raised.

        Completions are counted as they happen: waiting on the set of pending futures instead would cost a
        pass over all of them per completion (10,000 targets: 10^8 steps)."""
        with self.settled:
            while self.outstanding and self.failure is None:
                self.settled.wait()
            failure = self.failure
        if failure is not None:
            raise failure

    def _list_kinds(self, kinds: list[Kind]) -> None:
        with self.lock:
            kinds = [k for k in kinds if k.key not in self.listed]
            self.listed.update(k.key for k in kinds)
        for kind in kinds:
            self._submit(self._list_roots, kind)

    # --- the steps ---------------------------------------------------------------------
    def _load_index(self) -> None:
        """The ownership index, then the Lists of the kinds it shows the registry owns (all of them without it).

        With `refresh` it only tells which kinds to list: the tags are read resource by resource."""
        index = load_index(self.api, self.registry)
        owned = index.kinds() if index is not None else None
        if index is None:
            self.state.notes.append(FALLBACK_NOTE)
        self.index = None if self.refresh else index
        self._list_kinds(roots() if owned is None else [k for k in roots() if k.key in owned])

    def _list_roots(self, kind: Kind) -> None:
        refs = [ref for ref in self._listed(kind) if self.wanted(ref.address)]
        if self.index_loaded is not None:
            self.index_loaded.result()  # started first: it holds no worker another task waits for
        if self.index is not None:
            for ref in refs:
                ref.arn = ref.arn or self.index.arn_of(kind, ref.ident)
            # Undeclared and not in the index: not ours, and nothing to read, unless the index cannot vouch for it.
            unexplained = self._unexplained(refs)
            refs = [r for r in refs if r.address in self.declared or self.index.tags(r.arn) is not None or r.address in unexplained]
        full = [r for r in refs if r.address in self.declared]
        rest = [r for r in refs if r.address not in self.declared]
        if any(r.arn is None for r in rest):
            self._fill_arns(kind, full, rest)
        for ref in full + [r for r in rest if r.address not in self.state.resources]:
            self._submit(self._read_root, ref, ref.address not in self.declared)

    def _unexplained(self, refs: list[Ref]) -> set[str]:
        """Undeclared resources of one kind the index does not show, whose tags must be read all the same: those
        created or changed within the index's lag (the last apply may have made one the files no longer declare),
        and all of them when the index shows none of the kind although the registry has older declared ones
        (it does not cover that resource type)."""
        assert self.index is not None
        settled = [r for r in refs if r.address in self.declared and not recent(r.stamp)]
        covered = not settled or any(self.index.tags(r.arn) is not None for r in refs)
        if not covered:
            with self.lock:
                self.state.notes.append(f"The ownership index shows no {KINDS[refs[0].kind].noun} of this registry: "
                                        "their ownership is read one by one.")
        return {r.address for r in refs if r.address not in self.declared and (not covered or recent(r.stamp))}

    def _listed(self, kind: Kind) -> list[Ref]:
        """Every resource of a top-level kind; a kind the files do not declare may be unavailable to these
        credentials or in this region (a service not offered, a permission not granted): that is a warning."""
        try:
            return kind.list(self.api)
        except AwsError as error:
            if kind.key in self.declared_kinds or error.code not in UNAVAILABLE:
                raise
            with self.lock:
                self.state.notes.append(f"Warning: the files declare no {kind.noun}, and they cannot be listed here: {error}")
            return []

    def _fill_arns(self, kind: Kind, full: list[Ref], rest: list[Ref]) -> None:
        """Listing gave no ARNs: one resource read in full shows the pattern the others' ARNs follow."""
        sample = full[0] if full else rest[0]
        self._read_root(sample, ownership_only=False)
        for ref in rest:
            if ref.arn is None and sample.arn is not None:
                ref.arn = kind.sibling_arn(sample.arn, ref)

    def _read_root(self, ref: Ref, ownership_only: bool) -> None:
        if ref.address in self.state.resources:
            return  # read already, as the sample for its siblings' ARNs
        live = self._read(ref, ownership_only)
        if live is not None and (live.owner == self.registry or live.address in self.declared):
            for kind in children_of(ref.kind):
                if self._manages(kind, live):
                    self._submit(self._list_children, kind, live.ref)

    def _manages(self, kind: Kind, parent: Live) -> bool:
        """An opt-in kind is read under a parent only where the registry declares it, or its tag says it did."""
        if not kind.opt_in:
            return True
        return kind.key in self.declared_children.get(parent.address, set()) or kind.key in parent.tags.get(MANAGES_TAG, "").split()

    def _list_children(self, kind: Kind, parent: Ref) -> None:
        try:
            refs = kind.list(self.api, parent)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return
            raise
        for ref in refs:
            if not self.wanted(ref.address) or self._not_ours(kind, ref):
                continue
            # What the cache vouches for is taken here and now: a future per target would cost more than the read.
            cached = None if kind.taggable else self._cached(kind, ref)
            if cached is None:
                self._submit(self._read, ref, False)
            else:
                self._record(cached)

    def _not_ours(self, kind: Kind, ref: Ref) -> bool:
        """A tagged child (a record in a shared agent registry) neither declared nor in the index, nor changed
        within the index's lag: someone else's."""
        return (kind.taggable and self.index is not None and ref.address not in self.declared
                and self.index.tags(ref.arn) is None and not recent(ref.stamp))

    def _read(self, ref: Ref, ownership_only: bool) -> Live | None:
        """The resource's configuration (or, for ownership, only its tags); None if it vanished since it was listed."""
        kind = KINDS[ref.kind]
        try:
            if ownership_only and ref.arn:
                live = kind.read_ownership(self.api, ref)
            else:
                live = self._cached(kind, ref) or self._read_in_full(kind, ref)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return None
            raise
        self._record(live)
        return live

    def _record(self, live: Live) -> None:
        with self.lock:
            self.state.resources[live.address] = live

    def _cached(self, kind: Kind, ref: Ref) -> Live | None:
        usable = self.cache is not None and not self.refresh and ref.summary is None
        entry = self.cache.lookup(kind.key, ref.ident, ref.stamp) if usable else None  # type: ignore[union-attr]
        if entry is None:
            return None
        ref.arn = ref.arn or entry.get("arn")
        with self.lock:
            self.state.from_cache += 1
        tags = self._indexed_tags(ref)
        if tags is None:
            tags = kind.read_tags(self.api, ref) if kind.taggable and ref.arn else {}
        # The entry was decoded for this call alone: its lists and maps are the Live's without a copy.
        return Live(ref, entry["body"], tags, entry.get("status"), entry.get("reasons", []), entry.get("foreign"),
                    entry.get("outputs", {}))

    def _indexed_tags(self, ref: Ref) -> dict[str, str] | None:
        """A declared resource's tags from the index (undeclared ones are confirmed by a read of their own)."""
        if self.index is None or ref.address not in self.declared:
            return None
        tags = self.index.tags(ref.arn)
        if tags is not None:
            with self.lock:
                self.state.indexed.add(ref.address)
        return tags

    def _read_in_full(self, kind: Kind, ref: Ref) -> Live:
        live = kind.read(self.api, ref, self._indexed_tags(ref))
        if self.cache is not None and ref.summary is None:
            self.cache.store(kind.key, ref.ident, ref.stamp, {
                "body": live.body, "status": live.status, "reasons": live.status_reasons, "foreign": live.off_limits_reason, "arn": ref.arn,
                "outputs": live.outputs,
            })
        return live


def recent(stamp: str | None, now: datetime | None = None) -> bool:
    """Whether a List stamp (last update) falls within the ownership index's lag; a stamp that is not a time says
    nothing (False: the index is trusted, as for kinds whose List gives no stamp)."""
    try:
        when = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return False
    if when is None:
        return False
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return (now or datetime.now(timezone.utc)) - when < INDEX_LAG


def top_level(address: str) -> str:
    """The address of the top-level resource `address` is or belongs to (`gateway/a/target/b` -> `gateway/a`)."""
    return "/".join(address.split("/")[:2])


def confirm_ownership(api: Api, state: LiveState, addresses: set[str]) -> bool:
    """Read again the tags the ownership index gave for these resources (it may lag), before a plan writes to them
    or under them; True if any differed (the plan must then be made again)."""
    changed = False
    for address in sorted(addresses & state.indexed):
        live = state.resources[address]
        tags = KINDS[live.ref.kind].read_tags(api, live.ref)
        state.indexed.discard(address)
        changed = changed or tags != live.tags
        live.tags = tags
    return changed


def _child_kinds(declared: set[str]) -> dict[str, set[str]]:
    """Parent address -> the kinds declared under it (`gateway/x/rule/10` -> {"gateway/x": {"rule"}})."""
    found: dict[str, set[str]] = {}
    for address in declared:
        parts = address.split("/")
        if len(parts) > 2:
            found.setdefault("/".join(parts[:2]), set()).add(parts[2])
    return found
