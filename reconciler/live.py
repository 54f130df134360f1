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

DEFAULT_READ_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class LiveState:
    resources: dict[str, Live] = field(default_factory=dict)

    def managed_by(self, registry: str) -> dict[str, Live]:
        """Resources owned by `registry`; targets belong to their managed gateway."""
        owned = {a: r for a, r in self.resources.items() if r.ref.kind != TARGET and r.owner == registry}
        for addr, live in self.resources.items():
            if live.ref.kind == TARGET and f"{GATEWAY}/{live.ref.parent}" in owned:
                owned[addr] = live
        return owned


def read_live(api: Api, registry: str, workers: int = DEFAULT_READ_WORKERS) -> LiveState:
    state = LiveState()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        top_kinds = [k for k in KINDS.values() if k.key != TARGET]
        refs = [ref for listed in _map(pool, lambda k: k.list(api), top_kinds) for ref in listed]
        for live in _map(pool, lambda r: _read(api, r), refs):
            if live:
                state.resources[live.address] = live
        gateways = [g.ref for g in state.resources.values() if g.ref.kind == GATEWAY and g.owner == registry]
        target_refs = [ref for listed in _map(pool, lambda g: _list_targets(api, g), gateways) for ref in listed]
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


def _read(api: Api, ref: Ref) -> Live | None:
    """The resource's full configuration and tags; None if it vanished since it was listed."""
    try:
        return KINDS[ref.kind].read(api, ref)
    except AwsError as error:
        if error.code == NOT_FOUND:
            return None
        raise
