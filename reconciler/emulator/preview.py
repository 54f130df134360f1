"""The preview AWS Agent Registry API, switched off: every call answers UnknownOperationException, and is counted.

The preview registry operations on bedrock-agentcore-control (CreateRegistry, ListRegistryRecords,
...) and SearchRegistryRecords on bedrock-agentcore stopped answering on 2026-09-17 (SERVICE-FACTS:
"AWS Agent Registry (GA ...)"); botocore's models still list them, so a client can still send them.
The emulator answers them as AWS does now (HTTP 404, UnknownOperationException) and counts them:
`preview_calls()` in-process, and the `preview-calls` entry of `reconcile emulator`'s GET /_emulator/stats.
The count covers the whole process (zeroing the call counters leaves it), so a test suite can assert
at its end that nothing called the preview API.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache
from typing import Any

import botocore.session

from reconciler.emulator.faults import Answer, error_answer

CODE = "UnknownOperationException"
PREVIEW_SERVICES = ("bedrock-agentcore-control", "bedrock-agentcore")
REGISTRY_OPERATION = re.compile(r"Registr(y|ies)")  # CreateRegistry, ListRegistryRecords, SearchRegistryRecords...

_calls: Counter[str] = Counter()
_lock = threading.Lock()


@lru_cache(maxsize=None)
def preview_operations(service: str) -> frozenset[str]:
    """The preview registry operations botocore's model of `service` still lists."""
    if service not in PREVIEW_SERVICES:
        return frozenset()
    names = botocore.session.get_session().get_service_model(service).operation_names
    return frozenset(name for name in names if REGISTRY_OPERATION.search(name))


def preview_calls() -> dict[str, int]:
    """Preview registry calls received since the process started, by operation (empty when none)."""
    with _lock:
        return dict(_calls)


class PreviewRefusal:
    """Response mixin: a preview registry operation is refused before anything else, and counted."""

    service_name: str

    def call_action(self) -> Answer:
        operation = self._get_action()  # type: ignore[attr-defined]
        if operation not in preview_operations(self.service_name):
            return super().call_action()  # type: ignore[misc]
        with _lock:
            _calls[operation] += 1
        return error_answer(self, CODE, f"The preview operation {operation} is no longer available: "
                                        "use AWS Agent Registry (agent-registry-control, agent-registry)")


def refusing(responses: type) -> Any:
    """`responses` (a moto response class) with the preview registry operations refused."""
    return type(responses.__name__, (PreviewRefusal, responses), {})
