"""Drift: what changed in AWS outside the registry, for a scheduled read-only job.

Derived from a full plan: an update or replace is a resource whose live
fields differ from the files; a create is a declared resource absent from AWS
(deleted by hand, or never applied); a delete is a resource this registry
owns that the files no longer declare. Top-level resources (gateways,
credential providers, policy engines) that no registry owns are listed too,
so shadow infrastructure is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.diff import FieldChange
from reconciler.kinds.base import Live
from reconciler.plan import CREATE, DELETE, Plan

CHANGED, MISSING, EXTRA = "changed", "missing", "extra"
MEANINGS = {
    CHANGED: "live configuration differs from the files",
    MISSING: "declared, but absent from AWS (deleted outside the registry, or never applied)",
    EXTRA: "owned by this registry, but no longer declared (not yet deleted by apply)",
}


@dataclass
class Drifted:
    address: str
    status: str
    fields: list[FieldChange] = field(default_factory=list)  # before = live, after = declared


@dataclass
class DriftReport:
    registry: str
    region: str
    drifted: list[Drifted]
    unmanaged: list[str]  # addresses of top-level resources without any registry's tag
    statuses: dict[str, str] = field(default_factory=dict)  # live statuses reviewers watch (records' approval)

    @property
    def has_drift(self) -> bool:
        return bool(self.drifted)


def drift_report(plan: Plan, live: dict[str, Live]) -> DriftReport:
    status = {CREATE: MISSING, DELETE: EXTRA}
    drifted = [Drifted(c.address, status.get(c.action, CHANGED), c.fields if c.action not in status else []) for c in plan.changes]
    unmanaged = sorted(a for a, r in live.items() if r.ref.parent is None and r.owner is None)
    return DriftReport(plan.registry, plan.region, drifted, unmanaged, dict(plan.statuses))
