"""`reconcile sync` refreshes the catalog records of the targets it synchronized.

A team's server gained a tool and its pipeline ran `reconcile sync`: the
gateway lists the new tool now, so the target's record must show it. This is
a plan of the records alone (their registries, gateways and targets are read,
never changed), applied like any plan: a record whose content did not change
is not written.
"""

from __future__ import annotations

import dataclasses

from reconciler.apply import ApplyResult, ApplySettings, apply_plan
from reconciler.aws import Api
from reconciler.catalog.publish import Progress, Publisher
from reconciler.desired import Registry
from reconciler.interrupts import Cancellation
from reconciler.kinds import RECORD
from reconciler.live import read_live
from reconciler.planner import make_plan
from reconciler.scope import Scope


def refresh_records(api: Api, registry: Registry, targets: list[str], settings: ApplySettings, progress: Progress,
                    cancellation: Cancellation | None = None) -> ApplyResult | None:
    """Create or update the records of `targets` (addresses) from their gateways' listings; None when none is published."""
    # Records of this registry's own targets; those another deployment publishes here are refreshed by its plans.
    records = [r for r in registry.of_kind(RECORD) if r.extras["target"] in targets and "deployment" not in r.extras]
    if not records:
        return None
    sources = {a for r in records for a in r.depends_on}
    scope = Scope(tuple(sorted({r.address for r in records} | sources))).with_dependencies(registry)
    scoped = scope.restrict(registry)
    live = read_live(api, registry.name, set(scoped.resources), scope)
    publisher = Publisher(api, registry, progress)
    publisher.fill(live)
    plan = make_plan(scoped, live)
    plan = dataclasses.replace(plan, changes=[c for c in plan.changes if c.kind == RECORD])
    progress(f"Catalog: {len(plan.changes)} of {len(records)} records to refresh.")
    return apply_plan(api, plan, settings, progress, cancellation, publisher)
