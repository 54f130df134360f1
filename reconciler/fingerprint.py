"""Detect a changed secret without storing or printing it: a keyed, slow fingerprint kept in a tag.

AgentCore never returns client secrets or API keys, so a plan cannot compare
them. After each write the reconciler tags the provider with a PBKDF2 digest of
its write-only values, salted with the registry and the resource address (and
RECONCILER_FINGERPRINT_KEY when set, which makes the tag useless to anyone
without that key). A different digest on the next plan means the secret changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

KEY_VARIABLE = "RECONCILER_FINGERPRINT_KEY"
ITERATIONS = 100_000


def fingerprint(values: dict[str, Any], registry: str, address: str) -> str:
    payload = json.dumps(values, sort_keys=True, separators=(",", ":")).encode()
    salt = f"{os.environ.get(KEY_VARIABLE, '')}|{registry}|{address}".encode()
    return "v1-" + hashlib.pbkdf2_hmac("sha256", payload, salt, ITERATIONS).hex()[:40]
