"""Request constraints from botocore's model, checked as the service checks them.

botocore checks types, required members and minimums on the client; the service
also refuses a value over a maximum, outside an enum or not matching a pattern.
`violations` walks a request against its input shape and words each problem as
the service does, so the emulator can answer ValidationException where AWS would.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape


def violations(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Every constraint of `shape` (and of its members, recursively) that `value` breaks."""
    if value is None:
        return []
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, value, path)
    if kind == "list" and isinstance(value, list):
        return _bounds(shape, len(value), path, "length") + [
            problem for index, item in enumerate(value, 1) for problem in violations(shape.member, item, f"{path}.{index}")
        ]
    if kind == "map" and isinstance(value, dict):
        return _bounds(shape, len(value), path, "length") + [
            problem
            for key, item in value.items()
            for problem in violations(shape.key, key, f"{path}.key") + violations(shape.value, item, f"{path}.{key}")
        ]
    if kind == "string" and isinstance(value, str):
        return _string(shape, value, path)
    if kind in ("integer", "long") and isinstance(value, int):
        return _bounds(shape, value, path, "value")
    return []


def validation_message(problems: list[str]) -> str:
    """The service's wording for a ValidationException that lists constraint violations."""
    noun = "error" if len(problems) == 1 else "errors"
    return f"{len(problems)} validation {noun} detected: " + "; ".join(problems)


def _structure(shape: Shape, value: Any, path: str) -> list[str]:
    if shape.metadata.get("document") or not isinstance(value, dict):
        return []
    problems = [
        f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null"
        for name in shape.required_members
        if value.get(name) is None
    ]
    for name, member in shape.members.items():
        if name in value:
            problems += violations(member, value[name], _join(path, name))
    return problems


def _string(shape: Shape, value: str, path: str) -> list[str]:
    problems = _bounds(shape, len(value), path, "length")
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        problems.append(_failed(path, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
    pattern = _compiled(shape.metadata.get("pattern"))
    if pattern is not None and not pattern.fullmatch(value):
        problems.append(_failed(path, f"Member must satisfy regular expression pattern: {pattern.pattern}"))
    return problems


def _bounds(shape: Shape, amount: int, path: str, measure: str) -> list[str]:
    meta = shape.metadata
    if "max" in meta and amount > meta["max"]:
        return [_failed(path, f"Member must have {measure} less than or equal to {meta['max']}")]
    if "min" in meta and amount < meta["min"]:
        return [_failed(path, f"Member must have {measure} greater than or equal to {meta['min']}")]
    return []


@lru_cache(maxsize=None)
def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    """AWS patterns match the whole value; one Python's `re` cannot read is not checked."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _failed(path: str, constraint: str) -> str:
    return f"Value at '{path}' failed to satisfy constraint: {constraint}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
