"""Read live AWS state concurrently: every top-level resource (for ownership tags), and the children of
the parents this registry manages or declares.

Reads run on a bounded thread pool; the Api's pacer keeps them under the Get/List quota however many
workers there are. Kinds whose List items carry the whole description cost no Get per resource.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeVar

from reconciler.aws import Api
from reconciler.errors import AwsError
from reconciler.kinds import KINDS, children_of, roots
from reconciler.kinds.base import NOT_FOUND, Kind, Live, Ref
from reconciler.scope import Scope

DEFAULT_READ_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class LiveState:
    resources: dict[str, Live] = field(default_factory=dict)

    def managed_by(self, registry: str, adopted: set[str] | None = None) -> dict[str, Live]:
        """Resources owned by `registry` (or being adopted by it); children belong to their managed parent."""
        adopted = adopted or set()
        owned = {a: r for a, r in self.resources.items() if r.ref.parent is None and (r.owner == registry or a in adopted)}
        for addr, live in self.resources.items():
            if live.ref.parent is not None and live.ref.parent.address in owned and live.foreign is None:
                owned[addr] = live
        return owned


def read_live(
    api: Api,
    registry: str,
    declared: set[str],
    scope: Scope | None = None,
    workers: int = DEFAULT_READ_WORKERS,
) -> LiveState:
    """Declared resources are read in full; every other top-level resource only for its tags (ownership).

    That halves the reads of an account with many gateways (Get+ListTags -> ListTags). Children are read
    for the parents `registry` owns and for the declared ones (they may be adopted). With a scope, only the
    resources it includes are read (listing stays complete).
    """
    wanted = scope.includes if scope else (lambda addr: True)
    state = LiveState()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        refs = [ref for listed in _map(pool, lambda k: k.list(api), roots()) for ref in listed if wanted(ref.address)]
        _read_all(pool, api, [r for r in refs if r.address in declared], state)
        rest = _with_arns([r for r in refs if r.address not in declared], state, api)
        _read_all(pool, api, rest, state, ownership_only=True)
        parents = [live.ref for live in state.resources.values() if live.owner == registry or live.address in declared]
        pairs = [(kind, parent) for parent in parents for kind in children_of(parent.kind)]
        children = [ref for listed in _map(pool, lambda pair: _list_children(api, *pair), pairs) for ref in listed]
        _read_all(pool, api, [r for r in children if wanted(r.address)], state)
    return state


def _map(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    return list(pool.map(fn, items))


def _read_all(pool: ThreadPoolExecutor, api: Api, refs: list[Ref], state: LiveState, ownership_only: bool = False) -> None:
    for live in _map(pool, lambda r: _read(api, r, ownership_only), refs):
        if live:
            state.resources[live.address] = live


def _list_children(api: Api, kind: Kind, parent: Ref) -> list[Ref]:
    try:
        return kind.list(api, parent)
    except AwsError as error:
        if error.code == NOT_FOUND:
            return []
        raise


def _with_arns(refs: list[Ref], state: LiveState, api: Api) -> list[Ref]:
    """Fill ARNs that listing left out from a sibling's (reading one resource in full if none is known yet)."""
    siblings = {live.ref.kind: live.ref.arn for live in state.resources.values() if live.ref.arn}
    for ref in refs:
        if ref.arn is not None:
            continue
        if ref.kind not in siblings:
            sample = _read(api, ref)
            if sample is not None:
                state.resources[sample.address] = sample
                if sample.ref.arn:
                    siblings[ref.kind] = sample.ref.arn
            continue
        ref.arn = KINDS[ref.kind].sibling_arn(siblings[ref.kind], ref)
    return [r for r in refs if r.address not in state.resources]


def _read(api: Api, ref: Ref, ownership_only: bool = False) -> Live | None:
    """The resource's configuration (or, for ownership, only its tags); None if it vanished since it was listed."""
    kind = KINDS[ref.kind]
    try:
        return kind.read_ownership(api, ref) if ownership_only and ref.arn else kind.read(api, ref)
    except AwsError as error:
        if error.code == NOT_FOUND:
            return None
        raise
