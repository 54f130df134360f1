"""Idempotency tokens derived from the desired request, so a retried create cannot duplicate."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def client_token(request: dict[str, Any], run_id: str) -> str:
    """64 hex characters (the API wants 33 to 256): the same for every retry of one call in one run.

    The run id keeps a later run (after the resource was deleted) from reusing a
    token the service may still remember for the deleted resource.
    """
    canonical = json.dumps([run_id, request], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
