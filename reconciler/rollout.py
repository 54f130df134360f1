"""A run over a registry's deployments: connect each, plan each in parallel, show one plan, apply in waves.

The Manager runs it (commands never do). A registry without `deployments:`
is one implicit deployment: one connection (the caller's credentials), one
plan with plain addresses (planning.py's), one apply. With deployments, each has its own
connection (an assumed role's session; pacers per account and region), its
own ownership, cache and lock, and the plan shows every deployment's changes
with qualified addresses (`DEPLOYMENT:gateway/NAME`). Apply runs the waves of
`rollout:` in order, the deployments of a wave in parallel; a wave starts only
when the previous one applied cleanly. A deployment whose agent registry
holds records of other deployments (a central catalog) is planned and
applied after them, in the same wave.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

from reconciler.apply import ApplyResult, ApplySettings, Executor
from reconciler.aws import Api, Pacer, assumed_session, caller_account
from reconciler.catalog.publish import Publisher, Source
from reconciler.deployments import QUALIFIER, Deployment, Fleet
from reconciler.desired import DesiredState
from reconciler.drift import DriftReport, drift_report
from reconciler.errors import ReconcilerError, UserAbort
from reconciler.interrupts import Cancellation
from reconciler.kinds import GATEWAY, KINDS, TARGET
from reconciler.kinds.base import Ref
from reconciler.locking import LockInfo, holding, lock_for
from reconciler.planning import DeploymentPlan, PlanRequest, api_for, plan_deployment
from reconciler.plan import DELETE, Plan
from reconciler.progress import Meter
from reconciler.saved_plan import SavedPlan, files_digest, plan_digest

Progress = Callable[[str], None]
T = TypeVar("T")


def prefixed(progress: Progress, deployment: Deployment) -> Progress:
    """Progress lines of a deployment's work say which deployment they are about (plain without deployments)."""
    return progress if not deployment.name else lambda line: progress(f"{deployment.name}: {line}")


def parallel(deployments: list[Deployment], work: Callable[[Deployment], T]) -> dict[str, T]:
    """`work` for each deployment at once; every failure is reported, each naming its deployment."""
    if len(deployments) <= 1:
        return {d.name: _named(d, work) for d in deployments}
    with ThreadPoolExecutor(max_workers=len(deployments)) as pool:
        futures = {d.name: pool.submit(_named, d, work) for d in deployments}
    failures = [error for f in futures.values() if (error := f.exception()) is not None]
    unexpected = [error for error in failures if not isinstance(error, ReconcilerError)]
    if unexpected or len(failures) == 1:
        raise (unexpected or failures)[0]
    if failures:
        raise ReconcilerError("\n".join(f"Error: {failure}" for failure in failures))
    return {name: future.result() for name, future in futures.items()}


def _named(deployment: Deployment, work: Callable[[Deployment], T]) -> T:
    try:
        return work(deployment)
    except ReconcilerError as error:
        if not deployment.name:
            raise
        raise ReconcilerError(f"deployment {deployment.name}: {error}") from None


# --- connections -------------------------------------------------------------------------------


def connect(fleet: Fleet, names: list[str] | None = None) -> dict[str, Api]:
    """One connection per deployment, its credentials had now: a role that cannot be assumed (or credentials of
    another account than declared) fails the run, naming the deployment, before anything is read or written."""
    chosen = [fleet.deployment(n) for n in (names if names is not None else fleet.selected)]
    if not fleet.named:
        return {"": api_for(fleet.views[""])}
    pacers: dict[tuple[str | None, str | None], dict[str, tuple[Pacer, Pacer]]] = {}
    shared = {d.name: pacers.setdefault((d.account, d.region), {}) for d in chosen}  # quotas are per account and region
    return parallel(chosen, lambda d: _connection(fleet, d, shared[d.name]))


def _connection(fleet: Fleet, deployment: Deployment, pacers: dict[str, tuple[Pacer, Pacer]]) -> Api:
    view = fleet.views[deployment.name]
    assert deployment.region is not None
    if deployment.role_arn:
        try:
            session = assumed_session(deployment.role_arn, deployment.external_id, deployment.region,
                                      f"agentcore-reconciler-{deployment.name}")
        except ReconcilerError as error:
            raise ReconcilerError(f"cannot assume {deployment.role_arn}: {error}") from None
    else:
        import boto3

        session = boto3.session.Session(region_name=deployment.region)
        account = caller_account(session, deployment.region)
        if account != deployment.account:
            raise ReconcilerError(f"the credentials act in account {account}, not {deployment.account}; give the deployment a roleArn")
    api = Api(deployment.region, view.reads_per_second, view.writes_per_second, session=session, pacers=pacers)
    if deployment.account:
        api.know_account(deployment.account)  # keys the observed-state cache; known without another call
    return api


def each_deployment(fleet: Fleet, gateways: tuple[str, ...], targets: tuple[str, ...]
                    ) -> Iterator[tuple[Deployment, DesiredState, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Each selected deployment with its view and the gateways / GW/TARGET names it declares (all asked, without
    deployments); a name no selected deployment declares is an error."""
    chosen = [(d, fleet.views[d.name]) for d in fleet.chosen()]
    if not fleet.named:
        yield chosen[0][0], chosen[0][1], (gateways, targets)
        return
    def has(registry: DesiredState, name: str) -> bool:
        gateway, _, target = name.partition("/")
        return KINDS[GATEWAY].address(gateway) in registry.resources and (
            not target or KINDS[TARGET].address(target, KINDS[GATEWAY].address(gateway)) in registry.resources)
    unknown = [n for n in (*gateways, *targets) if not any(has(r, n) for _, r in chosen)]
    if unknown:
        raise UserAbort(f"not declared in any selected deployment: {', '.join(unknown)}")
    for deployment, registry in chosen:
        own = (tuple(g for g in gateways if has(registry, g)), tuple(t for t in targets if has(registry, t)))
        if (gateways or targets) and not any(own):
            continue
        yield deployment, registry, own


def qualified(deployment: Deployment, items: list[T]) -> list[T]:
    """Report items (probes, gateway checks: dataclasses with an `address`) with it qualified by the deployment."""
    return [dataclasses.replace(item, address=deployment.qualify(item.address)) for item in items] if deployment.name else items  # type: ignore[type-var, attr-defined]


# --- planning ----------------------------------------------------------------------------------


@dataclass
class Part:
    """One deployment's share of a run."""

    deployment: Deployment
    api: Api
    computed: DeploymentPlan

    @property
    def plan(self) -> Plan:
        return self.computed.plan


@dataclass
class FleetPlan:
    fleet: Fleet
    request: PlanRequest
    parts: list[Part]  # the deployments planned, in declared order
    readers: dict[str, DeploymentPlan] = field(default_factory=dict)  # deployments read only for a catalog's records
    plan: Plan = field(init=False)

    def __post_init__(self) -> None:
        self.plan = merged_plan(self.fleet, self.parts)

    def saved(self) -> SavedPlan:
        if not self.fleet.named:
            return self.parts[0].computed.saved()
        each = {p.deployment.name: p.computed.saved() for p in self.parts}
        scopes = [p.deployment.qualify(s) for name, saved in each.items() for s in (saved.scope or [])
                  for p in self.parts if p.deployment.name == name]
        return SavedPlan(
            paths=self.request.paths,
            files_digest=files_digest(self.fleet.files),
            live_digest=_digest({name: saved.live_digest for name, saved in each.items()}),
            plan_digest=plan_digest(self.plan),
            plan=self.plan.to_dict(),
            scope=scopes if any(saved.scope is not None for saved in each.values()) else None,
            adopt=self.request.adopt,
            force=self.request.force,
            deployments=list(each),
        )

    def drift(self) -> DriftReport:
        reports = [(p.deployment, drift_report(p.plan, p.computed.live.resources)) for p in self.parts]
        if not self.fleet.named:
            return reports[0][1]
        return DriftReport(
            self.plan.registry, self.plan.region,
            [dataclasses.replace(item, address=d.qualify(item.address)) for d, report in reports for item in report.drifted],
            [d.qualify(a) for d, report in reports for a in report.unmanaged],
            {d.qualify(a): s for d, report in reports for a, s in report.statuses.items()},
        )


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


class Rollout:
    """Plans (and applies) the selected deployments of a fleet."""

    def __init__(self, progress: Progress):
        self.progress = progress

    @staticmethod
    def connect(fleet: Fleet) -> dict[str, Api]:
        """Connections to the selected deployments and to those publishing into their catalogs (read only)."""
        readers = set().union(*(fleet.sources.get(n, set()) for n in fleet.selected))
        return connect(fleet, [d.name for d in fleet.deployments if d.name in fleet.selected or d.name in readers])

    def compute(self, request: PlanRequest, fleet: Fleet, apis: dict[str, Api]) -> FleetPlan:
        chosen = [d for d in fleet.chosen() if self._patterns(request, d) is not None]
        readers = [fleet.deployment(n) for n in sorted(set().union(*(fleet.sources.get(d.name, set()) for d in chosen)))
                   if n not in {d.name for d in chosen}]
        first = [d for d in chosen if d.name not in fleet.sources] + readers
        done = parallel(first, lambda d: self._one(request if d in chosen else PlanRequest(request.paths), fleet, d, apis))
        later = [d for d in chosen if d.name in fleet.sources]
        done |= parallel(later, lambda d: self._one(request, fleet, d, apis, self.sources(fleet, d, apis, done)))
        parts = [Part(d, apis[d.name], done[d.name]) for d in chosen]
        return FleetPlan(fleet, request, parts, {d.name: done[d.name] for d in readers})

    def _one(self, request: PlanRequest, fleet: Fleet, deployment: Deployment, apis: dict[str, Api],
             sources: dict[str, Source] | None = None) -> DeploymentPlan:
        patterns = self._patterns(request, deployment) or ()
        own = dataclasses.replace(request, targets=patterns if request.scope is None else (),
                                  scope=list(patterns) if request.scope is not None else None)
        return plan_deployment(own, fleet.views[deployment.name], apis[deployment.name], prefixed(self.progress, deployment),
                               sources)

    @staticmethod
    def _patterns(request: PlanRequest, deployment: Deployment) -> tuple[str, ...] | None:
        """This deployment's share of `--target` (or a saved plan's scope): `DEPLOYMENT:PATTERN`, or PATTERN for
        every deployment. None when targets are given and none is this deployment's: it is not planned."""
        given = request.scope if request.scope is not None else request.targets
        if not deployment.name:
            return tuple(given)
        own = []
        for pattern in given:
            where, sep, rest = pattern.partition(QUALIFIER)
            if not sep:
                own.append(pattern)
            elif fnmatch.fnmatchcase(deployment.name, where):
                own.append(rest)
        if request.scope is None and request.targets and not own:
            return None
        return tuple(own)

    @staticmethod
    def sources(fleet: Fleet, deployment: Deployment, apis: dict[str, Api], computed: dict[str, DeploymentPlan],
                refs: dict[str, dict[str, Ref]] | None = None) -> dict[str, Source]:
        """The deployments publishing into this one's agent registries, as their plans (and applies) saw them."""
        found = {}
        for name in fleet.sources.get(deployment.name, set()):
            seen = computed[name]
            changed = {c.address for c in seen.plan.changes if c.action != DELETE}
            found[name] = Source(apis[name], fleet.views[name], seen.live, (refs or {}).get(name, dict(seen.plan.known)), changed)
        return found

    # --- apply -------------------------------------------------------------------------------------

    def apply(self, computed: FleetPlan, settings: ApplySettings, cancellation: Cancellation,
              meter: Meter | None = None) -> FleetResult:
        """The waves in order, each wave's deployments in parallel (catalogs after the deployments they publish)."""
        fleet = computed.fleet
        parts = {p.deployment.name: p for p in computed.parts if not p.plan.empty}
        everything = {**computed.readers, **{p.deployment.name: p.computed for p in computed.parts}}
        refs = {name: dict(c.plan.known) for name, c in everything.items()}
        apis = {name: c.api for name, c in everything.items()}
        outcome = FleetResult(named=fleet.named)
        waves = [[d for d in wave if d.name in parts] for wave in fleet.waves_selected()]
        for index, wave in enumerate(w for w in waves if w):
            for group in ([d for d in wave if d.name not in fleet.sources], [d for d in wave if d.name in fleet.sources]):
                def run(d: Deployment) -> ApplyResult:
                    sources = self.sources(fleet, d, apis, everything, refs)
                    return self._apply_one(parts[d.name], sources, settings, cancellation, refs, meter)
                outcome.results += [(d, result) for d, result in zip(group, parallel(group, run).values())]
            if not outcome.ok:
                outcome.not_attempted = [d for later in [w for w in waves if w][index + 1:] for d in later]
                break
        return outcome

    def _apply_one(self, part: Part, sources: dict[str, Source], settings: ApplySettings, cancellation: Cancellation,
                   refs: dict[str, dict[str, Ref]], meter: Meter | None = None) -> ApplyResult:
        progress = prefixed(self.progress, part.deployment)
        publisher = Publisher(part.api, part.computed.registry, progress, sources=sources)
        executor = Executor(part.api, part.plan, settings, progress, cancellation, publisher, meter)
        result = executor.run()
        refs[part.deployment.name] = executor.refs
        return result


@dataclass
class FleetResult:
    named: bool
    results: list[tuple[Deployment, ApplyResult]] = field(default_factory=list)
    not_attempted: list[Deployment] = field(default_factory=list)  # later waves, after one that failed

    @property
    def ok(self) -> bool:
        return all(r.ok for _, r in self.results)

    @property
    def cancelled(self) -> bool:
        return any(r.cancelled for _, r in self.results)

    @property
    def in_flight(self) -> list[str]:
        return [d.qualify(a) for d, r in self.results for a in r.in_flight]

    def report(self) -> str:
        if not self.named:
            return self.results[0][1].report() if self.results else ApplyResult().report()
        lines = [f"{r.report(f'Deployment {d.label}: apply')}" for d, r in self.results]
        if self.not_attempted:
            lines.append("Deployments not attempted (an earlier wave did not apply cleanly): "
                         + ", ".join(d.name for d in self.not_attempted))
        return "\n".join(lines)


# --- locks ---------------------------------------------------------------------------------------


@contextmanager
def holding_locks(fleet: Fleet, info: LockInfo, timeout: float, warn: Progress) -> Iterator[None]:
    """Each selected deployment's apply lock (its own S3 object), taken in name order; one warning without `lock:`."""
    found = [lock_for(deployment_lock(fleet, d), fleet.name, fleet.home_region or d.region) for d in fleet.chosen()]
    locks = sorted((lock for lock in found if lock is not None), key=lambda lock: lock.key)
    with ExitStack() as stack:
        for lock in locks or [None]:  # type: ignore[list-item]  # None: holding() warns that nothing is locked
            stack.enter_context(holding(lock, info, timeout, warn))
        yield


def deployment_lock(fleet: Fleet, deployment: Deployment) -> dict[str, Any]:
    """The `lock:` settings of one deployment: the registry's S3 object, its key suffixed with the deployment."""
    settings = fleet.views[deployment.name].lock
    if not deployment.name or "s3" not in settings:
        return settings
    key = settings["s3"].get("key") or f"agentcore-reconciler/{fleet.name}.lock"
    return {"s3": {**settings["s3"], "key": f"{key.removesuffix('.lock')}.{deployment.name}.lock"}}


def merged_plan(fleet: Fleet, parts: list[Part]) -> Plan:
    """One plan of every deployment's changes, addresses qualified (the plan itself without deployments)."""
    if not fleet.named:
        return parts[0].plan
    plan = Plan(fleet.name, ", ".join(dict.fromkeys(p.deployment.region or "" for p in parts)), [],
                unchanged=sum(p.plan.unchanged for p in parts),
                refusals=[f"{p.deployment.name}: {r}" for p in parts for r in p.plan.refusals],
                statuses={p.deployment.qualify(a): s for p in parts for a, s in p.plan.statuses.items()})
    plan.changes = [dataclasses.replace(c, address=p.deployment.qualify(c.address)) for p in parts for c in p.plan.changes]
    plan.deployments = {p.deployment.name: {"account": p.deployment.account, "region": p.deployment.region} for p in parts}
    return plan
