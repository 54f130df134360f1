"""The Plan: ordered changes that apply executes and the outputs render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.desired import ArnRef, Desired
from reconciler.diff import ABSENT, FieldChange
from reconciler.kinds import KINDS
from reconciler.kinds.base import UNKNOWN, Live, Ref

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
ACTIONS = (CREATE, UPDATE, REPLACE, DELETE)
ADOPT, TAKEOVER = "adopt", "takeover"  # how an update brings a resource under this registry
SENSITIVE = "(sensitive)"
KNOWN_AFTER_APPLY = "(known after apply)"


@dataclass
class Change:
    address: str
    kind: str
    action: str
    fields: list[FieldChange] = field(default_factory=list)
    desired: Desired | None = None
    live: Live | None = None
    tags: dict[str, str] = field(default_factory=dict)  # wanted tags, for create/update/replace
    body_changed: bool = True  # False when only tags (or the secret fingerprint tag) differ
    reasons: list[str] = field(default_factory=list)  # why a replace is needed
    adopt: str | None = None  # ADOPT (unmanaged) or TAKEOVER (another registry's): tagged for this one

    @property
    def parent_address(self) -> str | None:
        """The parent a child resource's change belongs to (None for top-level kinds)."""
        if self.desired is not None:
            return self.desired.parent_address
        parent = self.live.ref.parent if self.live else None
        return parent.address if parent else None

    def sort_key(self) -> tuple[int, str]:
        return (KINDS[self.kind].order, self.address)


@dataclass
class Plan:
    registry: str
    region: str
    changes: list[Change]
    unchanged: int = 0
    known: dict[str, Ref] = field(default_factory=dict)  # every managed live resource, for apply's lookups
    refusals: list[str] = field(default_factory=list)  # why apply needs --force (see safety.py)
    statuses: dict[str, str] = field(default_factory=dict)  # live status of kinds reviewers watch (records' approval)
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> account, region (with deployments:)

    def __post_init__(self) -> None:
        self.changes.sort(key=Change.sort_key)

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for change in self.changes:
            counts[change.action] += 1
        return {**counts, "unchanged": self.unchanged}

    def to_dict(self) -> dict[str, Any]:
        """The contract's plan JSON (format_version 1); never contains a secret value."""
        return {
            "format_version": 1,
            "registry": self.registry,
            "region": self.region,
            "changes": [
                {
                    "address": c.address,
                    "action": c.action,
                    "fields": [
                        {"path": f.dotted, "before": display(f.before, f.sensitive), "after": display(f.after, f.sensitive)}
                        | ({"forces_replacement": True} if f.forces_replacement else {})
                        for f in c.fields
                    ],
                }
                | ({"reasons": c.reasons} if c.reasons else {})
                | ({"adopt": c.adopt} if c.adopt else {})
                for c in self.changes
            ],
            "summary": self.summary(),
        } | ({"needs_force": list(self.refusals)} if self.refusals else {}) | ({"statuses": dict(self.statuses)} if self.statuses else {}) \
          | ({"deployments": dict(self.deployments)} if self.deployments else {})


def display(value: Any, sensitive: bool) -> Any:
    """A value as every output shows it: secrets masked, unknowns named, absent as null."""
    if value is ABSENT:
        return None
    if sensitive:
        return SENSITIVE
    if isinstance(value, ArnRef) or value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, dict):
        return {k: display(v, False) for k, v in value.items()}
    if isinstance(value, list):
        return [display(v, False) for v in value]
    return value
