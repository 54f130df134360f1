"""Declared members the service does not read back, compared by a fingerprint of their last-applied value.

Two sources tell which members a read leaves out: the model (members of the
write requests that the read response has no place for: secrets, a policy's
validationMode) and the read itself (members the response could carry but
does not: an OAuth2 provider's clientId, a gateway's
customTransformConfiguration). Apply reads a resource back after writing it
and records, in the FINGERPRINT_TAG, a fingerprint of each declared member the
read left out (reconciler.fingerprint). A plan then compares such a member by
its fingerprint: the same value plans nothing, another value plans an update
of that member ("(not read back)" before), a recorded member no longer
declared plans its removal. A declared member that the read leaves out and the
tag does not know was never applied, or was removed outside the registry: it
is a change, as any other missing member.

Only taggable kinds have a tag. The others (targets, rules, rate limits,
policies) do not compare their model write-only members at all (a changed
validationMode alone plans nothing; it is sent with the policy's next update)
and compare everything else with what the read returns. Their parent's tag
would not do: 256 characters for up to 100 targets, and concurrent writes of
one gateway's targets would race on it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from reconciler.aws_model import ITEM, member_paths
from reconciler.diff import ABSENT, FieldChange
from reconciler.fingerprint import LEGACY, fingerprint_tag, legacy_fingerprint, path_digest, recorded, value_digest
from reconciler.kinds import KINDS
from reconciler.kinds.base import FINGERPRINT_TAG, Kind, Live, _get
from reconciler.vocabulary import KeyPath

if TYPE_CHECKING:
    from reconciler.desired import Desired

NOT_READ_BACK = "(not read back)"


def unread_values(kind: Kind, body: dict[str, Any], live_body: dict[str, Any] | None) -> dict[KeyPath, Any]:
    """The declared values the service does not read back: write-only ones, and those `live_body` lacks (if known)."""
    values = {p: v for p in kind.write_only if (v := _get(body, p)) is not None}
    if live_body is not None:
        values.update(_missing(kind.comparable(body), live_body, ()))
    return values


def is_secret(desired: Desired, path: KeyPath) -> bool:
    """A path inside a secret value, or holding one (a list with a `${env:}` item)."""
    secret = desired.secret_paths | KINDS[desired.kind].secret_members
    return any(path[: len(s)] == s or s[: len(path)] == path for s in secret)


def wanted_fingerprint(desired: Desired, body: dict[str, Any], live_body: dict[str, Any] | None, registry: str) -> str | None:
    """The FINGERPRINT_TAG value for `body`, given the last read (None before the resource exists)."""
    kind = KINDS[desired.kind]
    if not kind.taggable:
        return None
    values = unread_values(kind, body, live_body)
    return fingerprint_tag(values, lambda p: is_secret(desired, p), registry, desired.address)


def compare_unread(desired: Desired, body: dict[str, Any], live: Live, registry: str) -> tuple[dict[str, Any], list[FieldChange]]:
    """The live body to diff against (unread members that match their fingerprint filled in, changed ones marked
    NOT_READ_BACK) and the changes of write-only members, which no body holds."""
    kind = KINDS[desired.kind]
    current, fields = live.body, list[FieldChange]()
    if not kind.taggable:
        return current, fields
    values = unread_values(kind, body, live.body)
    tag = live.tags.get(FINGERPRINT_TAG)
    entries = recorded(tag)
    legacy = tag is not None and tag.startswith(LEGACY) and tag == legacy_fingerprint(
        {".".join(p): v for p, v in values.items() if p in kind.write_only}, registry, desired.address)
    for path, value in values.items():
        written = entries.pop(path_digest(path), None)
        if legacy or written == value_digest(path, value, registry, desired.address, is_secret(desired, path)):
            current = current if path in kind.write_only else _with(current, path, value)
        elif path in kind.write_only:
            fields.append(FieldChange(path, NOT_READ_BACK, value))
        elif written is not None:
            current = _with(current, path, NOT_READ_BACK)
    for digest in entries:  # recorded members the files no longer declare
        removed = _paths(kind.key).get(digest)
        if removed is None or _get(current, removed) is not None:
            continue
        if removed in kind.write_only:
            fields.append(FieldChange(removed, NOT_READ_BACK, ABSENT))
        else:
            current = _with(current, removed, NOT_READ_BACK)
    return current, fields


@lru_cache(maxsize=None)
def _paths(kind: str) -> dict[str, KeyPath]:
    """Path digest -> member path, for every member of the kind outside lists."""
    return {path_digest(p): p for p, _ in member_paths(KINDS[kind].declared_members) if ITEM not in p}


def _missing(wanted: dict[str, Any], live: dict[str, Any], path: KeyPath) -> dict[KeyPath, Any]:
    """The outermost members of `wanted` that `live` lacks."""
    found: dict[KeyPath, Any] = {}
    for key, value in wanted.items():
        if key not in live:
            found[path + (key,)] = value
        elif isinstance(value, dict) and isinstance(live[key], dict):
            found.update(_missing(value, live[key], path + (key,)))
    return found


def _with(body: dict[str, Any], path: KeyPath, value: Any) -> dict[str, Any]:
    """A copy of `body` (only along `path`) with `value` at `path`."""
    head, rest = path[0], path[1:]
    child = body.get(head)
    return {**body, head: _with(child if isinstance(child, dict) else {}, rest, value) if rest else value}
