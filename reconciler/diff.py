"""Field-level comparison of two request-shaped bodies.

Maps are walked member by member so each change has a dotted path; lists are
compared as a whole. A list is compared in order (the service keeps the order
of most lists, and in some it matters: a rate limit's dimensionKeys), except
the `unordered` ones (paths with "[]" for list items), which deepdiff compares
ignoring order: the service returns allowedClients and the like in no
guaranteed order, and tool schemas are matched by content, not position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


from reconciler.aws_model import ITEM
from reconciler.vocabulary import KeyPath


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass
class FieldChange:
    path: KeyPath
    before: Any
    after: Any
    sensitive: bool = False
    forces_replacement: bool = False

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path)


Paths = frozenset[KeyPath]


def equal(a: Any, b: Any, path: KeyPath = (), unordered: Paths = frozenset()) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], path + (k,), unordered) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if path not in unordered:
            return len(a) == len(b) and all(equal(x, y, path + (ITEM,), unordered) for x, y in zip(a, b))
        from deepdiff import DeepDiff  # a fifth of a second to import (numpy): only when such lists differ

        return a == b or not DeepDiff(a, b, ignore_order=True, report_repetition=True)
    return type(a) is type(b) and a == b


def diff_fields(before: dict[str, Any], after: dict[str, Any], path: KeyPath = (), unordered: Paths = frozenset()) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if isinstance(old, dict) and isinstance(new, dict):
            changes.extend(diff_fields(old, new, path + (key,), unordered))
        elif not equal(old, new, path + (key,), unordered):
            changes.append(FieldChange(path + (key,), old, new))
    return changes


def leaves(body: dict[str, Any], path: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    """Every non-map value of a body with its path (what a create or delete shows)."""
    found: list[tuple[KeyPath, Any]] = []
    for key in sorted(body):
        value = body[key]
        if isinstance(value, dict) and value:
            found.extend(leaves(value, path + (key,)))
        else:
            found.append((path + (key,), value))
    return found


def mark_sensitive(changes: list[FieldChange], is_secret: Callable[[KeyPath], bool]) -> list[FieldChange]:
    for change in changes:
        change.sensitive = change.sensitive or is_secret(change.path)
    return changes
