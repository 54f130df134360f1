"""`reconcile sync` refreshes the catalog records of the targets it synchronized.

A team's server gained a tool and its pipeline ran `reconcile sync`: the
gateway lists the new tool now, so the target's record must show it. Which
records, and what must be read to plan them, is decided here; the Manager
plans and applies them like any plan (`Manager.refresh_records`): a record
whose content did not change is not written.
"""

from __future__ import annotations

from reconciler.desired import Desired, DesiredState
from reconciler.kinds import RECORD
from reconciler.scope import Scope


def records_to_refresh(registry: DesiredState, targets: list[str]) -> tuple[list[Desired], Scope]:
    """The records of `targets` (addresses), and the scope that plans them: the records, their sources and
    everything those depend on. Records another deployment publishes here are refreshed by its plans."""
    records = [r for r in registry.of_kind(RECORD) if r.extras["target"] in targets and "deployment" not in r.extras]
    sources = {a for r in records for a in r.depends_on}
    return records, Scope(tuple(sorted({r.address for r in records} | sources))).with_dependencies(registry)
