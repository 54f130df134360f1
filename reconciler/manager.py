"""The Manager (octoDNS's name for it): the one entry point of the pipeline, files -> plan -> apply -> verify.

Every command that plans or applies goes through a Manager: `plan` and
`drift` through `plan`, `apply` through `apply` (lock, compute, the reviewed
plan's check, the safety refusals, the confirmation the command asks for,
execution, the result), `reconcile sync`'s catalog refresh through
`refresh_records`, `verify` through `verify`; the tests plan and converge one
registry through `compute` and `converge`. So a plan made for review, a saved
plan replayed by apply and a drift report are computed the same way, with
ownership confirmation, the observed-state cache and the records' publisher.
The command only parses flags and renders what the Manager returns.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from reconciler.apply import ApplyResult, ApplySettings, apply_plan
from reconciler.aws import Api
from reconciler.catalog.publish import Publisher, Source
from reconciler.catalog.refresh import records_to_refresh
from reconciler.deployments import Fleet, load_desired_state, load_fleet
from reconciler.desired import DesiredState
from reconciler.errors import UserAbort
from reconciler.interrupts import Cancellation, interruptible
from reconciler.kinds import RECORD
from reconciler.locking import new_lock_info
from reconciler.plan import Plan
from reconciler.planning import DeploymentPlan, PlanRequest, Progress, api_for, plan_deployment
from reconciler.progress import Meter
from reconciler.rollout import FleetPlan, FleetResult, Rollout, each_deployment, holding_locks, qualified
from reconciler.saved_plan import SavedPlan, StalePlan, checksum

if TYPE_CHECKING:
    from reconciler.mcp.verify import VerifyReport

__all__ = ["Applied", "ApplyRequest", "DeploymentPlan", "FleetPlan", "Manager", "PlanRequest", "Review", "api_for"]


@dataclass
class ApplyRequest:
    plan: PlanRequest
    settings: ApplySettings
    saved: SavedPlan | None = None  # `apply PLAN_FILE`: what was reviewed
    expected_checksum: str | None = None  # `apply --checksum`
    lock_timeout: float = 0.0


@dataclass
class Review:
    """What the command does between planning and applying: show the plan, then confirm (or raise UserAbort)."""

    show: Callable[[Plan], None]
    confirm: Callable[[], None]


@dataclass
class Applied:
    fleet: Fleet
    apis: dict[str, Api]
    computed: FleetPlan
    result: FleetResult | None = None  # None: nothing to apply
    interrupted: int | None = None  # the exit code an interrupt asks for, when one stopped the run
    seconds: float = 0.0
    writes: int = 0


class Manager:
    def __init__(self, progress: Progress, meter: Callable[[int], Meter] = lambda changes: Meter()):
        self.progress = progress
        self.meter = meter  # the meter an apply of N changes reports to

    # --- plan -------------------------------------------------------------------------------------

    def load(self, request: PlanRequest) -> Fleet:
        return load_fleet(request.paths).select(request.deployments)

    def plan(self, request: PlanRequest) -> FleetPlan:
        """The plan of every selected deployment (of the registry alone, without `deployments:`)."""
        fleet = self.load(request)
        return Rollout(self.progress).compute(request, fleet, Rollout.connect(fleet))

    def compute(self, request: PlanRequest, registry: DesiredState | None = None, api: Api | None = None,
                sources: dict[str, Source] | None = None) -> DeploymentPlan:
        """One registry's plan (the files of `request`, or `registry` as given, e.g. loaded with test secrets)."""
        registry = registry or load_desired_state(request.paths)
        return plan_deployment(request, registry, api or api_for(registry), self.progress, sources)

    # --- apply ------------------------------------------------------------------------------------

    def apply(self, request: ApplyRequest, review: Review) -> Applied:
        """Under the deployments' locks: plan, check it is what was reviewed, show it, refuse or confirm, execute."""
        fleet = self.load(request.plan)
        rollout = Rollout(self.progress)
        apis = rollout.connect(fleet)  # every deployment's credentials, before the first write (the locks)
        with holding_locks(fleet, new_lock_info(fleet.name, "apply"), request.lock_timeout, self.progress):
            computed = rollout.compute(request.plan, fleet, apis)
            check_reviewed(computed, request.saved, request.expected_checksum)
            review.show(computed.plan)
            if computed.plan.empty:
                return Applied(fleet, apis, computed)
            if computed.plan.refusals and not request.plan.force:
                raise UserAbort("refusing to apply: " + "; ".join(computed.plan.refusals))
            review.confirm()
            return self._execute(rollout, Applied(fleet, apis, computed), request.settings)

    def _execute(self, rollout: Rollout, applied: Applied, settings: ApplySettings) -> Applied:
        """Run the plan (Ctrl-C / SIGTERM stop it cleanly, see interrupts.py)."""
        started = time.monotonic()
        with interruptible(self.progress) as cancellation, self.meter(len(applied.computed.plan.changes)) as meter:
            result = rollout.apply(applied.computed, settings, cancellation, meter)
        return dataclasses.replace(
            applied, result=result, interrupted=cancellation.exit_code if result.cancelled else None,
            seconds=time.monotonic() - started, writes=sum(part.api.writes_made() for part in applied.computed.parts))

    def converge(self, computed: DeploymentPlan, settings: ApplySettings | None = None,
                 cancellation: Cancellation | None = None) -> ApplyResult:
        """Apply one registry's plan as apply does (with the records' publisher), without the confirmation."""
        publisher = Publisher(computed.api, computed.registry, self.progress)
        with self.meter(len(computed.plan.changes)) as meter:
            return apply_plan(computed.api, computed.plan, settings, self.progress, cancellation, publisher, meter)

    def refresh_records(self, api: Api, registry: DesiredState, targets: list[str], settings: ApplySettings,
                        cancellation: Cancellation | None = None) -> ApplyResult | None:
        """Create or update the catalog records of `targets` (addresses) from their gateways' listings: a plan of
        the records alone (their agent registries, gateways and targets are read, never changed), applied like any
        plan. None when none of them is published."""
        records, scope = records_to_refresh(registry, targets)
        if not records:
            return None
        request = PlanRequest(registry.files, scope=list(scope.patterns), narrate=False)
        computed = self.compute(request, registry, api)
        plan = dataclasses.replace(computed.plan, changes=[c for c in computed.plan.changes if c.kind == RECORD])
        self.progress(f"Catalog: {len(plan.changes)} of {len(records)} records to refresh.")
        return self.converge(dataclasses.replace(computed, plan=plan), settings, cancellation)

    # --- verify -----------------------------------------------------------------------------------

    def verify(self, fleet: Fleet, apis: dict[str, Api], gateways: tuple[str, ...], query: str | None) -> VerifyReport:
        """List tools through each selected deployment's gateways (as an agent would) and check expectTools."""
        from reconciler.mcp.verify import VerifyReport, verify  # the MCP SDK: only for the commands that talk MCP

        return VerifyReport([g for deployment, registry, (own, _) in each_deployment(fleet, gateways, ())
                             for g in qualified(deployment, verify(apis[deployment.name], registry, own, query).gateways)])


def check_reviewed(computed: FleetPlan, saved: SavedPlan | None, expected_checksum: str | None) -> None:
    """A saved plan or a checksum pins what was reviewed; anything else since makes it stale."""
    if saved is not None:
        now = computed.saved()
        saved.check(now.files_digest, now.live_digest, now.plan_digest)
    if expected_checksum and checksum(computed.plan) != expected_checksum:
        raise StalePlan(f"stale plan: the plan computed now has checksum {checksum(computed.plan)}, not {expected_checksum}; review it again")
