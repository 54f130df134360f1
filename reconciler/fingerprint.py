"""Detect a changed member the service never returns, without storing or printing it: fingerprints kept in a tag.

AgentCore never returns client secrets or API keys, nor some members a read
could carry (an OAuth2 provider's clientId, a gateway's
customTransformConfiguration), so a plan cannot compare them. After each write
the reconciler tags the resource with one short entry per such member: a digest
of the member's path and one of its value, salted with the registry and the
resource address (and RECONCILER_FINGERPRINT_KEY when set, which makes the tag
useless to anyone without that key). Secret values are digested with a slow
PBKDF2, so the tag does not help guessing them. On the next plan a different
value digest means the member changed; an entry no declared member matches
means it was removed from the files.

The tag's value: "v2-" and the entries (6 hex digits of path, 8 of value)
sorted and joined with ".": 16 members fit AWS's 256-character tag values.
A "v1-" tag (one digest over the write-only values, written by earlier
versions) still vouches for all of them at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from functools import lru_cache
from typing import Any, Callable

from reconciler.errors import PlanError
from reconciler.vocabulary import KeyPath

KEY_VARIABLE = "RECONCILER_FINGERPRINT_KEY"
ITERATIONS = 100_000
VERSION, LEGACY = "v2-", "v1-"
PATH_DIGITS, VALUE_DIGITS = 6, 8
TAG_VALUE_LIMIT = 256  # AWS's limit on a tag value


def path_digest(path: KeyPath) -> str:
    return hashlib.sha256(".".join(map(str, path)).encode()).hexdigest()[:PATH_DIGITS]


def value_digest(path: KeyPath, value: Any, registry: str, address: str, secret: bool) -> str:
    payload = json.dumps([list(map(str, path)), value], sort_keys=True, separators=(",", ":"), default=str).encode()
    return _digest(payload, _salt(registry, address), secret)


@lru_cache(maxsize=4096)  # a plan asks twice per member (the tag it wants, the comparison): PBKDF2 runs once
def _digest(payload: bytes, salt: bytes, secret: bool) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", payload, salt, ITERATIONS) if secret else hmac.new(salt, payload, "sha256").digest()
    return digest.hex()[:VALUE_DIGITS]


def fingerprint_tag(values: dict[KeyPath, Any], secret: Callable[[KeyPath], bool], registry: str, address: str) -> str | None:
    """The tag value for these members' values; None when there are none."""
    if not values:
        return None
    entries = sorted(path_digest(p) + value_digest(p, v, registry, address, secret(p)) for p, v in values.items())
    tag = VERSION + ".".join(entries)
    if len(tag) > TAG_VALUE_LIMIT:
        raise PlanError(f"{address}: {len(values)} declared members are not read back by the service; their fingerprint tag "
                        f"holds at most {(TAG_VALUE_LIMIT - len(VERSION) + 1) // (PATH_DIGITS + VALUE_DIGITS + 1)}")
    return tag


def recorded(tag: str | None) -> dict[str, str]:
    """A v2 tag's entries: path digest -> value digest."""
    if not tag or not tag.startswith(VERSION):
        return {}
    entries = tag[len(VERSION):].split(".")
    return {e[:PATH_DIGITS]: e[PATH_DIGITS:] for e in entries if len(e) == PATH_DIGITS + VALUE_DIGITS}


def legacy_fingerprint(values: dict[str, Any], registry: str, address: str) -> str:
    """The v1 tag: one digest over the write-only values by dotted path."""
    payload = json.dumps(values, sort_keys=True, separators=(",", ":")).encode()
    return LEGACY + hashlib.pbkdf2_hmac("sha256", payload, _salt(registry, address), ITERATIONS).hex()[:40]


def _salt(registry: str, address: str) -> bytes:
    return f"{os.environ.get(KEY_VARIABLE, '')}|{registry}|{address}".encode()
