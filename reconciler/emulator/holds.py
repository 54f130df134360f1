"""Holds: the emulator keeps a resource in its transient status, or a call waiting, until the hold is released.

A test then creates the state a race would otherwise have to produce (a gateway still CREATING when a re-run
arrives, a call in flight when an interrupt comes) instead of sleeping and hoping. Off unless a hold is placed:
in-process with `place(RULE)` / `release(...)` (or the `holding(RULE)` context manager), through `reconcile
emulator` with `--hold RULE` or the /_emulator/holds endpoint (see reconciler.emulator.server).

    RULE = KIND[:KEY=VALUE,...], or as JSON {"kind": KIND, KEY: VALUE, ...}
    KIND            gateway, target, rule, rate-limit, policy-engine, policy, registry, record: resources of that kind;
                    call: calls of the API
    name=GLOB       resources by name (a rule by its priority, a rate limit by its id); a target also matches as
                    GATEWAY/TARGET (default *)
    status=STATUS   only that transient status: CREATING, UPDATING, SYNCHRONIZING or DELETING (default: any)
    op=GLOB[|GLOB]  call: the operations whose calls wait (default all)

A held resource keeps its transient status past its transition time; released, it moves on at its next read.
A held call waits before it is carried out (call holds need the fault injector: `reconcile emulator` always has
it, in-process `reconciler.emulator.faults.install_faults()`). Each hold counts what it held: the names of the
resources it kept, the calls it made wait and how many wait now.
"""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Iterator

from reconciler.errors import ConfigError

CALL = "call"
RESOURCE_KINDS = ("gateway", "target", "rule", "rate-limit", "policy-engine", "policy", "registry", "record")
TRANSIENT = ("CREATING", "UPDATING", "SYNCHRONIZING", "DELETING")
KEYS = {CALL: ("op",), **{kind: ("name", "status") for kind in RESOURCE_KINDS}}


@dataclass
class Hold:
    kind: str
    name: str = "*"
    status: str = "*"
    operations: tuple[str, ...] = ("*",)
    id: int = 0
    kept: set[str] = field(default_factory=set)  # names of the resources it held in their transient status
    calls: int = 0  # calls it made wait
    waiting: int = 0  # calls waiting now
    released: threading.Event = field(default_factory=threading.Event)

    def keeps(self, resource: Any) -> bool:
        """Whether this hold keeps `resource` in its transient status (recording it when it does)."""
        if self.kind == CALL or self.kind not in _kinds_of(resource.__class__):
            return False
        current = resource._current
        if self.status not in ("*", current):
            return False
        matching = [name for name in _names(resource) if fnmatchcase(name, self.name)]
        if matching:
            self.kept.add(matching[0])
        return bool(matching)

    def stops(self, operation: str) -> bool:
        return self.kind == CALL and any(fnmatchcase(operation, pattern) for pattern in self.operations)

    def as_json(self) -> dict[str, Any]:
        rule = {"op": "|".join(self.operations)} if self.kind == CALL else {"name": self.name, "status": self.status}
        return {"id": self.id, "kind": self.kind, **rule, "kept": sorted(self.kept), "calls": self.calls, "waiting": self.waiting}


_holds: dict[int, Hold] = {}
_lock = threading.Lock()
_ids = itertools.count(1)


def parse_hold(rule: str | dict[str, Any]) -> Hold:
    """A hold from its text (KIND[:KEY=VALUE,...]) or JSON form; a mistake is one ConfigError line."""
    text = rule if isinstance(rule, str) else str(rule)
    members = _members(rule) if isinstance(rule, str) else dict(rule)
    kind = str(members.pop("kind", "")).strip().lower()
    if kind not in KEYS:
        raise _problem(text, f"unknown kind '{kind}' (known: {', '.join(KEYS)})")
    hold = Hold(kind)
    for key, value in members.items():
        if key not in KEYS[kind]:
            raise _problem(text, f"'{key}' is not a key of a {kind} hold (its keys: {', '.join(KEYS[kind])})")
        if not isinstance(value, str) or not value:
            raise _problem(text, f"{key} must be a non-empty string")
        if key == "status" and value not in TRANSIENT:
            raise _problem(text, f"status={value}: expected one of {', '.join(TRANSIENT)}")
        if key == "op":
            hold.operations = tuple(value.split("|"))
        else:
            setattr(hold, key, value)
    return hold


def _members(text: str) -> dict[str, Any]:
    kind, _, options = text.partition(":")
    members: dict[str, Any] = {"kind": kind}
    for item in filter(None, (part.strip() for part in options.split(","))):
        key, _, value = (piece.strip() for piece in item.partition("="))
        members[key] = value
    return members


def _problem(text: str, message: str) -> ConfigError:
    return ConfigError([(None, f"hold '{text}': {message}")])


def place(rule: str | dict[str, Any]) -> Hold:
    """Place a hold now; it holds until released."""
    hold = parse_hold(rule)
    with _lock:
        hold.id = next(_ids)
        _holds[hold.id] = hold
    return hold


def release(hold_id: int | None = None) -> list[Hold]:
    """Release one hold (by id) or, with None, every hold; the holds released. A held resource moves on at its next
    read, a waiting call is carried out. An unknown id is a ConfigError."""
    with _lock:
        if hold_id is not None and hold_id not in _holds:
            raise ConfigError([(None, f"no hold {hold_id} (placed: {', '.join(map(str, _holds)) or 'none'})")])
        released = [_holds.pop(hold_id)] if hold_id is not None else list(_holds.values())
        if hold_id is None:
            _holds.clear()
    for hold in released:
        hold.released.set()
    return released


def placed() -> list[Hold]:
    with _lock:
        return list(_holds.values())


@contextmanager
def holding(rule: str | dict[str, Any]) -> Iterator[Hold]:
    """A hold for the duration of the block (in-process tests)."""
    hold = place(rule)
    try:
        yield hold
    finally:
        if hold.id in _holds:
            release(hold.id)


def keeps(resource: Any) -> bool:
    """Whether a hold keeps `resource` in its transient status (called when its transition time is over)."""
    if not _holds:  # the common case: no lock, no matching
        return False
    with _lock:
        return any([hold.keeps(resource) for hold in _holds.values()])


def wait_while_held(operation: str) -> None:
    """Before a call is carried out: wait until every hold that stops `operation` is released."""
    if not _holds:
        return
    with _lock:
        stopping = [hold for hold in _holds.values() if hold.stops(operation)]
        for hold in stopping:
            hold.calls += 1
            hold.waiting += 1
    for hold in stopping:
        hold.released.wait()
        with _lock:
            hold.waiting -= 1


@lru_cache(maxsize=None)
def _kinds_of(cls: type) -> frozenset[str]:
    """The hold kinds a resource class answers to: those its class names (or its bases') end with."""
    names = [base.__name__.lower() for base in cls.__mro__]
    return frozenset(kind for kind in RESOURCE_KINDS if any(name.endswith(kind.replace("-", "")) for name in names))


def _names(resource: Any) -> list[str]:
    # A rule is named by its priority, a rate limit by its id: neither has a name of its own.
    name = getattr(resource, "name", None) or getattr(resource, "priority", None) or getattr(resource, "rate_limit_id", None)
    gateway = getattr(getattr(resource, "gateway", None), "name", None)
    return [str(name)] + ([f"{gateway}/{name}"] if gateway else []) if name else []
