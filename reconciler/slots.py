"""Per-parent write limits: the service allows only so many concurrent writes of some kinds on one parent
(at most 5 target creates/updates/deletes/synchronizations per gateway; one rule or rate-limit change at a time,
the two kinds sharing the gateway's lock). Apply and sync share one instance, so together they never exceed it."""

from __future__ import annotations

import itertools
import threading
from contextlib import nullcontext
from typing import Callable, ContextManager, TypeVar

from reconciler.kinds.base import Kind

T = TypeVar("T")
MAX_WORKERS = 64  # threads that mostly wait (for a slot, for READY); the pacer keeps the calls within the quotas


class WriteSlots:
    def __init__(self) -> None:
        self._slots: dict[tuple[str, str], threading.Semaphore] = {}
        self._lock = threading.Lock()

    def hold(self, kind: Kind, parent_address: str | None) -> ContextManager[object]:
        """A slot for one write of `kind` under that parent (no limit: nothing to hold)."""
        limit = kind.parent_write_limit
        if limit is None or parent_address is None:
            return nullcontext()
        with self._lock:
            return self._slots.setdefault((kind.write_group or kind.key, parent_address), threading.Semaphore(limit))


def spread(kind: Kind, items: list[T], parent_of: Callable[[T], str | None], ceiling: int = MAX_WORKERS) -> tuple[list[T], int]:
    """The items in the order to start them, and how many workers can make progress at once.

    Round-robin across parents (the first item of each parent, then the second...): workers taking items in
    that order spread over the parents instead of queueing on one parent's slots while the others idle. As many
    workers as all parents' slots can use, up to `ceiling`.
    """
    groups: dict[str | None, list[T]] = {}
    for item in items:
        groups.setdefault(parent_of(item), []).append(item)
    ordered = [item for layer in itertools.zip_longest(*groups.values()) for item in layer if item is not None]
    limit = kind.parent_write_limit
    useful = sum(len(group) if limit is None or parent is None else min(limit, len(group)) for parent, group in groups.items())
    return ordered, max(1, min(ceiling, useful))
