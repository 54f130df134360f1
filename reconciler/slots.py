"""Per-parent write limits: the service allows only so many concurrent writes of some kinds on one parent
(at most 5 target creates/updates/deletes/synchronizations per gateway). Apply and sync share one instance,
so together they never exceed it."""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import ContextManager

from reconciler.kinds.base import Kind


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
            return self._slots.setdefault((kind.key, parent_address), threading.Semaphore(limit))
