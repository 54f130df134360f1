"""One deployment's plan: its registry -> scope -> live state (cache, ownership, records) -> Plan.

This is the inside of `Manager.compute`; rollout.py runs it once per
deployment. Nothing outside the Manager and the rollout calls it: commands,
`reconcile sync`'s catalog refresh and the tests go through the Manager.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from reconciler.aws import Api
from reconciler.catalog.publish import Publisher, Source
from reconciler.desired import DesiredState
from reconciler.kinds import KINDS, RECORD
from reconciler.live import LiveState, confirm_ownership, read_live, top_level
from reconciler.observed import ObservedCache
from reconciler.plan import Plan
from reconciler.planner import make_plan
from reconciler.saved_plan import SavedPlan, files_digest, live_digest, plan_digest
from reconciler.scope import Scope, changed_since, targeted

Progress = Callable[[str], None]


@dataclass
class PlanRequest:
    paths: list[str]
    targets: tuple[str, ...] = ()  # --target patterns
    changed_since: str | None = None  # --changed-only REF
    scope: list[str] | None = None  # a saved plan's resolved scope
    adopt: bool = False
    force: bool = False
    refresh: bool = False  # read everything in full (the observed-state cache only learns)
    cache_dir: str | None = None
    deployments: tuple[str, ...] = ()  # --deployment: only these (all when empty)
    narrate: bool = True  # say what is planned and how the read went (not for sync's catalog refresh)

    @classmethod
    def replaying(cls, saved: SavedPlan, force: bool) -> PlanRequest:
        return cls(saved.paths, scope=saved.scope, adopt=saved.adopt, force=saved.force or force,
                   deployments=tuple(saved.deployments or ()))


@dataclass
class DeploymentPlan:
    """One deployment's plan and what it was computed from (the registry as scoped, the connection, the live read)."""

    request: PlanRequest
    registry: DesiredState
    api: Api
    live: LiveState
    plan: Plan
    scope: Scope | None = None
    looked_at: set[str] = field(default_factory=set)  # live addresses the plan depends on

    def saved(self) -> SavedPlan:
        return SavedPlan(
            paths=self.request.paths,
            files_digest=files_digest(self.registry.files),
            live_digest=live_digest(self.live.resources, self.looked_at),
            plan_digest=plan_digest(self.plan),
            plan=self.plan.to_dict(),
            scope=list(self.scope.patterns) if self.scope else None,
            adopt=self.request.adopt,
            force=self.request.force,
        )


def api_for(registry: DesiredState) -> Api:
    """The AWS connection paced at the account's quotas as the registry declares them (`quotas:`)."""
    return Api(region=registry.region, reads_per_second=registry.reads_per_second, writes_per_second=registry.writes_per_second)


def plan_deployment(request: PlanRequest, registry: DesiredState, api: Api, progress: Progress,
                    sources: dict[str, Source] | None = None) -> DeploymentPlan:
    """Scope the registry, read live state (through the cache), fill the records, plan, confirm ownership."""
    scope = _scope(request, registry)
    say = progress if request.narrate else _quiet
    if scope is not None:
        selected = ", ".join(scope.patterns) or "nothing (no declaration changed)"
        say(f"Planning only: {selected}.")
        registry = scope.restrict(registry)
    started = time.monotonic()
    cache = _cache(registry, api, request, progress)
    live = read_live(api, registry.name, set(registry.resources), scope, cache=cache, refresh=request.refresh)
    cache.save(prune=scope is None)
    for note in live.notes:
        progress(note)
    if registry.of_kind(RECORD):
        publisher = Publisher(api, registry, progress, sources=sources)
        publisher.fill(live)
        publisher.note_discoverable(live)
    plan = make_plan(registry, live, request.adopt, request.force)
    if confirm_ownership(api, live, {top_level(change.address) for change in plan.changes}):
        plan = make_plan(registry, live, request.adopt, request.force)
    plan.region = plan.region or api.region
    cached = f" ({live.from_cache} unchanged since the last read, from the cache)" if live.from_cache else ""
    say(f"Read {len(live.resources)} live resources in {time.monotonic() - started:.1f}s{cached}.")
    looked_at = set(live.managed_by(registry.name)) | set(registry.resources)
    return DeploymentPlan(request, registry, api, live, plan, scope, looked_at)


def _quiet(line: str) -> None:
    """Progress nobody asked for."""


def _cache(registry: DesiredState, api: Api, request: PlanRequest, progress: Progress) -> ObservedCache:
    secrets = {kind.key: {tuple(map(str, p)) for p in kind.secret_members} for kind in KINDS.values()}
    return ObservedCache.open_soon(registry.name, api.region, api.account_soon(), request.cache_dir, secrets=secrets,
                                   warn=progress)


def _scope(request: PlanRequest, registry: DesiredState) -> Scope | None:
    if request.scope is not None:
        return Scope(tuple(request.scope))
    if request.changed_since:
        return changed_since(request.changed_since, request.paths, registry)
    return targeted(request.targets, registry)
