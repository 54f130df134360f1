"""Read live AWS state concurrently: every gateway and credential provider (for ownership tags),
and the targets of the gateways this registry manages.

Reads run on a bounded thread pool; the Api's token bucket keeps them under
the Get/List quota however many workers there are.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeVar

from reconciler.aws import Api
from reconciler.desired import GATEWAY, TARGET
from reconciler.errors import AwsError
from reconciler.kinds import KINDS
from reconciler.kinds.base import NOT_FOUND, Live, Ref
from reconciler.scope import Scope

DEFAULT_READ_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class LiveState:
    resources: dict[str, Live] = field(default_factory=dict)

    def managed_by(self, registry: str, adopted: set[str] | None = None) -> dict[str, Live]:
        """Resources owned by `registry` (or being adopted by it); targets belong to their managed gateway."""
        adopted = adopted or set()
        owned = {a: r for a, r in self.resources.items() if r.ref.kind != TARGET and (r.owner == registry or a in adopted)}
        for addr, live in self.resources.items():
            if live.ref.kind == TARGET and f"{GATEWAY}/{live.ref.parent}" in owned:
                owned[addr] = live
        return owned


def read_live(
    api: Api,
    registry: str,
    declared: set[str],
    scope: Scope | None = None,
    workers: int = DEFAULT_READ_WORKERS,
) -> LiveState:
    """Declared resources are read in full; every other gateway and provider only for its tags (ownership).

    That halves the reads of an account with many gateways (Get+ListTags -> ListTags). Targets are read for
    the gateways `registry` owns and for the declared ones (they may be adopted). With a scope, only the
    resources it includes are read (listing stays complete).
    """
    wanted = scope.includes if scope else (lambda addr: True)
    state = LiveState()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        top_kinds = [k for k in KINDS.values() if k.key != TARGET]
        refs = [ref for listed in _map(pool, lambda k: k.list(api), top_kinds) for ref in listed if wanted(ref.address)]
        full = [r for r in refs if r.address in declared]
        for live in _map(pool, lambda r: _read(api, r), full):
            if live:
                state.resources[live.address] = live
        rest = _with_arns([r for r in refs if r.address not in declared], state, api)
        for live in _map(pool, lambda r: _read(api, r, ownership_only=True), rest):
            if live:
                state.resources[live.address] = live
        gateways = [
            g.ref for g in state.resources.values()
            if g.ref.kind == GATEWAY and (g.owner == registry or g.address in declared)
        ]
        target_refs = [ref for listed in _map(pool, lambda g: _list_targets(api, g), gateways) for ref in listed if wanted(ref.address)]
        for live in _map(pool, lambda r: _read(api, r), target_refs):
            if live:
                state.resources[live.address] = live
    return state


def _map(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    return list(pool.map(fn, items))


def _list_targets(api: Api, gateway: Ref) -> list[Ref]:
    try:
        return KINDS[TARGET].list(api, gateway)
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
