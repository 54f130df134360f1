"""Reviewed plans: `plan --out FILE` and `apply FILE`, and the plan checksum.

A saved plan holds the contract's plan JSON (for humans and tools), how it was
made (files, scope, adopt/force) and three digests: of the files' bytes, of
the live state it was computed from, and of the plan itself. Secret values
are never in it; apply reads them from the environment again. `apply FILE`
recomputes the plan the same way and refuses, as Terraform does, when any
digest differs: the plan is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.kinds.base import Live
from reconciler.plan import Plan

FORMAT = "agentcore-reconciler-saved-plan"
VERSION = 1
CHECKSUM_LENGTH = 16


class StalePlan(ReconcilerError):
    """The saved plan no longer matches the files or live state."""


@dataclass
class SavedPlan:
    paths: list[str]
    files_digest: str
    live_digest: str
    plan_digest: str
    plan: dict[str, Any]
    scope: list[str] | None = None
    adopt: bool = False
    force: bool = False
    deployments: list[str] | None = None  # those planned (--deployment), when the registry has deployments
    format: str = FORMAT
    version: int = VERSION

    def write(self, path: str) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: str) -> SavedPlan:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise ReconcilerError(f"{path}: not a readable saved plan: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ReconcilerError(f"{path}: not a saved plan (make one with `reconcile plan --out {path}`)")
        if data.get("version") != VERSION:
            raise ReconcilerError(f"{path}: saved plan version {data.get('version')} is not supported (expected {VERSION})")
        try:
            return cls(**data)
        except TypeError as error:
            raise ReconcilerError(f"{path}: malformed saved plan: {error}") from None

    def check(self, files: str, live: str, plan: str) -> None:
        """Raise StalePlan naming what changed since the plan was saved."""
        changed = [what for what, saved, now in (
            ("the registry files", self.files_digest, files),
            ("live state in AWS", self.live_digest, live),
            ("the computed plan (e.g. a secret in the environment)", self.plan_digest, plan),
        ) if saved != now]
        if changed:
            raise StalePlan(f"stale plan: {' and '.join(changed)} changed since it was saved; run `reconcile plan --out` again and review it")


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def files_digest(files: list[str]) -> str:
    contents: dict[str, str | None] = {}
    for name in sorted(files):
        try:
            contents[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        except OSError:
            contents[name] = None
    return _digest(contents)


def live_digest(resources: dict[str, Live], addresses: set[str]) -> str:
    """Configuration and tags of the live resources the plan looked at; statuses do not count."""
    return _digest({a: [resources[a].body, resources[a].tags] for a in sorted(addresses) if a in resources})


def plan_digest(plan: Plan) -> str:
    """The plan JSON plus the tags each change writes (these carry the secret fingerprints, never secrets)."""
    return _digest([plan.to_dict(), {c.address: c.tags for c in plan.changes}])


def checksum(plan: Plan) -> str:
    return plan_digest(plan)[:CHECKSUM_LENGTH]
