"""The `reconcile` command: parses flags, runs one step, turns errors into exit codes and one-line messages."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from reconciler.apply import ApplySettings
from reconciler.aws import Api, assumed_session
from reconciler.config.loader import OfflineEnviron
from reconciler.config.schema import registry_schema
from reconciler.deployments import Deployment, load_desired_state, load_fleet
from reconciler.kinds import AGENT_REGISTRY, API_KEY, GATEWAY, OAUTH2, POLICY_ENGINE, TARGET
from reconciler.kinds.target import mcp_server
from reconciler.errors import ReconcilerError, UserAbort
from reconciler.importer import Wanted, import_registry, wanted_resource
from reconciler.interrupts import interruptible
from reconciler.locking import force_unlock, lock_for
from reconciler.manager import ApplyRequest, FleetPlan, Manager, PlanRequest, Review, api_for
from reconciler.rollout import Rollout, deployment_lock, each_deployment, qualified
from reconciler.outputs import RENDERERS
from reconciler.progress import meter_for
from reconciler.outputs.drift import DRIFT_RENDERERS
from reconciler.outputs.mcp import PROBE_RENDERERS, VERIFY_RENDERERS, probe_data, render_sync_text
from reconciler.saved_plan import SavedPlan, checksum
from reconciler.sync import SyncSettings, Synchronizer, synchronize_declared
from reconciler.waiting import Polling

if TYPE_CHECKING:
    from reconciler.catalog.search import Searched
    from reconciler.desired import DesiredState
    from reconciler.mcp.probe import ProbeReport
    from reconciler.mcp.verify import VerifyReport

# The MCP SDK (reconciler.mcp.probe / verify) is imported by the commands that talk MCP, not at start-up:
# it would add about a third of a second to every `reconcile validate` a pre-commit hook runs.

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2

files_option = click.option(
    "-f", "--file", "paths", multiple=True, type=str, help="Registry file or folder (repeatable). Default: gateways.yaml"
)


def _paths(paths: tuple[str, ...]) -> list[str]:
    return list(paths) or ["gateways.yaml"]


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_ERROR)


def handled(command: Callable[..., Any]) -> Callable[..., Any]:
    """Every ReconcilerError becomes its message on stderr and exit 1: never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ReconcilerError as error:
            _fail(f"Error: {error}" if "\n" not in str(error) else str(error))

    return run


def _progress(line: str) -> None:
    click.echo(line, err=True)


target_option = click.option(
    "--target", "targets", multiple=True, metavar="ADDRESS",
    help="Only this address (globs allowed) and what it depends on. For emergencies: the rest of the registry is not reconciled.",
)
refresh_option = click.option(
    "--refresh", is_flag=True,
    help="Read every resource in full, ignoring the observed-state cache (it still learns from this read).",
)
cache_dir_option = click.option(
    "--cache-dir", metavar="DIR", envvar="RECONCILER_CACHE_DIR",
    help="Where the observed-state cache lives (default: the user cache directory). A CI job keeps it between runs.",
)
adopt_option = click.option("--adopt", is_flag=True, help="Tag declared resources that exist unmanaged instead of refusing.")
deployment_option = click.option(
    "--deployment", "deployments", multiple=True, metavar="NAME",
    help="Only this deployment of a registry with `deployments:` (repeatable; default: all).",
)
force_option = click.option(
    "--force", is_flag=True,
    help="Pass the blast-radius thresholds and always-confirm rules; with --adopt, take over another registry's resources.",
)


@click.group()
@click.version_option(package_name="agentcore-reconciler")
def cli() -> None:
    """Manage Amazon Bedrock AgentCore gateways, targets and credential providers as code."""


@cli.command()
@files_option
@click.option("--allow-unset-env", is_flag=True, help="Do not require the ${env:VAR} variables (for pre-commit hooks without the secrets).")
@handled
def validate(paths: tuple[str, ...], allow_unset_env: bool) -> None:
    """Check the registry files offline (no AWS call)."""
    fleet = load_fleet(_paths(paths), OfflineEnviron(os.environ) if allow_unset_env else None)
    views = list(fleet.views.values())
    spread = f", {len(views)} deployments ({', '.join(fleet.views)})" if fleet.named else ""
    click.echo(f"Valid: registry {views[0].shown_name}, {sum(len(v.resources) for v in views)} resources in "
               f"{len(views[0].files)} file(s){spread}.")


@cli.command()
@files_option
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@click.option("--out", "out", metavar="FILE", help="Save the plan for `reconcile apply FILE` (never contains a secret).")
@click.option("--checksum", "show_checksum", is_flag=True, help="Print the plan's checksum, for `apply --checksum`.")
@click.option("--changed-only", "changed_since", metavar="GIT_REF", help="Plan only resources whose declarations differ from GIT_REF.")
@click.option("--probe", "run_probe", is_flag=True, help="Also probe the MCP servers of targets the plan creates or changes; exit 1 if a probe fails.")
@target_option
@deployment_option
@adopt_option
@force_option
@refresh_option
@cache_dir_option
@handled
def plan(paths: tuple[str, ...], fmt: str, detailed_exitcode: bool, out: str | None, show_checksum: bool,
         changed_since: str | None, run_probe: bool, targets: tuple[str, ...], deployments: tuple[str, ...], adopt: bool,
         force: bool, refresh: bool, cache_dir: str | None) -> None:
    """Show what apply would change. Read-only (in AWS: it writes only its own observed-state cache file)."""
    request = PlanRequest(_paths(paths), targets, changed_since, adopt=adopt, force=force, refresh=refresh, cache_dir=cache_dir,
                          deployments=deployments)
    computed = _manager().plan(request)
    report = _probe_plan(computed) if run_probe else None
    if fmt == "json" and report is not None:
        click.echo(json.dumps(computed.plan.to_dict() | {"probe": probe_data(report)}, indent=2, ensure_ascii=False))
    else:
        click.echo(RENDERERS[fmt](computed.plan), nl=False)
        if report is not None:
            click.echo(PROBE_RENDERERS["text"](report), nl=False)
    if out:
        computed.saved().write(out)
        _progress(f"Saved the plan to {out}; apply exactly it with `reconcile apply {out}`.")
    if show_checksum:
        _progress(f"Plan checksum: {checksum(computed.plan)}")
    if report is not None and not report.ok:
        sys.exit(EXIT_ERROR)
    if detailed_exitcode and not computed.plan.empty:
        sys.exit(EXIT_CHANGES)


@cli.command()
@click.argument("plan_file", required=False, metavar="[PLAN_FILE]")
@files_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--checksum", "expected_checksum", metavar="DIGEST", help="Apply only if the plan computed now has this checksum.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True, help="Seconds to wait for another apply's lock.")
@click.option("--poll-interval", type=float, default=Polling.initial, show_default=True, help="First status poll delay in seconds.")
@click.option("--timeout", type=float, default=Polling.timeout, show_default=True, help="Seconds to wait for each resource.")
@click.option("--verify", "run_verify", is_flag=True, help="After synchronizing, list tools through each gateway and check expectTools.")
@target_option
@deployment_option
@adopt_option
@force_option
@refresh_option
@cache_dir_option
@handled
def apply(plan_file: str | None, paths: tuple[str, ...], auto_approve: bool, expected_checksum: str | None, lock_timeout: float,
          poll_interval: float, timeout: float, run_verify: bool, targets: tuple[str, ...], deployments: tuple[str, ...],
          adopt: bool, force: bool, refresh: bool, cache_dir: str | None) -> None:
    """Converge live state to the files (or run a saved plan): create, update, replace, delete, then synchronize MCP targets.

    With `deployments:`, the waves of `rollout:` in order, each wave's deployments in parallel."""
    if plan_file and (paths or targets or adopt or deployments):
        raise UserAbort("a saved plan carries its own files, targets, deployments and --adopt; give only the plan file (and --force)")
    saved = SavedPlan.read(plan_file) if plan_file else None
    request = PlanRequest.replaying(saved, force) if saved else PlanRequest(_paths(paths), targets, adopt=adopt, force=force,
                                                                            deployments=deployments)
    request.refresh, request.cache_dir = refresh, cache_dir
    review = Review(show=lambda plan: click.echo(RENDERERS["text"](plan), nl=False),
                    confirm=lambda: _confirm(auto_approve or saved is not None))
    manager = _manager()
    applied = manager.apply(ApplyRequest(request, _settings(poll_interval, timeout), saved, expected_checksum, lock_timeout), review)
    result = applied.result
    if result is not None:
        click.echo(result.report())
        click.echo(f"Apply took {applied.seconds:.1f}s, {applied.writes} write calls.", err=True)
        if not result.ok:  # the lock is released by now
            _exit(applied.interrupted if applied.interrupted is not None else EXIT_ERROR, abandoned=bool(result.in_flight))
    if run_verify:
        _render_verify(manager.verify(applied.fleet, applied.apis, (), None), "text")


def _manager() -> Manager:
    """The pipeline, its progress on stderr (a live meter on a terminal, summary lines in CI)."""
    return Manager(_progress, meter=lambda changes: meter_for(changes, sys.stderr, _progress))


def _probe_plan(computed: FleetPlan) -> ProbeReport:
    """Preflight: probe the MCP-server targets this plan would create, update or replace."""
    from reconciler.mcp.probe import ProbeReport, probe
    probes = []
    for part in computed.parts:
        names = tuple(
            f"{c.desired.parent}/{c.desired.name}" for c in part.plan.changes
            if c.desired is not None and c.kind == TARGET and mcp_server(c.desired.body.get("targetConfiguration"))
        )
        probes += qualified(part.deployment, probe(part.computed.registry, names).probes) if names else []
    if not probes:
        _progress("Probe: no MCP-server target in this plan.")
    return ProbeReport(probes)


def _settings(poll_interval: float, timeout: float, sync: SyncSettings | None = None) -> ApplySettings:
    polling = Polling(initial=poll_interval, maximum=max(poll_interval, Polling.maximum), timeout=timeout)
    return ApplySettings(polling=polling, sync=sync or SyncSettings())


def _exit(code: int, abandoned: bool) -> None:
    """Exit with `code`; calls still running after an interrupt's grace period must not hold the process."""
    if abandoned:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


@cli.command()
@files_option
@click.option("--gateway", "gateways", multiple=True, metavar="NAME", help="Synchronize this gateway's MCP-server targets (repeatable).")
@click.option("--target", "targets", multiple=True, metavar="GW/NAME", help="Synchronize this target (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Synchronize every MCP-server target of the registry.")
@click.option("--attempts", type=click.IntRange(1, 20), default=SyncSettings.attempts, show_default=True,
              help="Synchronizations per target before SYNCHRONIZE_UNSUCCESSFUL is reported.")
@click.option("--backoff", type=float, default=SyncSettings.backoff, show_default=True, help="Seconds before the next attempt, doubling.")
@click.option("--poll-interval", type=float, default=Polling.initial, show_default=True, help="First status poll delay in seconds.")
@click.option("--timeout", type=float, default=Polling.timeout, show_default=True, help="Seconds to wait for each synchronization.")
@deployment_option
@handled
def sync(paths: tuple[str, ...], gateways: tuple[str, ...], targets: tuple[str, ...], everything: bool, attempts: int,
         backoff: float, poll_interval: float, timeout: float, deployments: tuple[str, ...]) -> None:
    """Synchronize MCP-server targets (SynchronizeGatewayTargets) and wait; exit 1 if any ends unsuccessful."""
    if not (gateways or targets or everything):
        raise UserAbort("choose what to synchronize: --all, --gateway NAME or --target GW/NAME")
    fleet = load_fleet(_paths(paths)).select(deployments)
    apis = Rollout.connect(fleet)
    settings = _settings(poll_interval, timeout, SyncSettings(attempts, backoff))
    failed = in_flight = False
    manager = _manager()
    with interruptible(_progress) as cancellation:
        for deployment, registry, (own_gateways, own_targets) in each_deployment(fleet, gateways, targets):
            api = apis[deployment.name]
            _heading(deployment)
            chosen = registry.mcp_server_targets(own_gateways, own_targets)
            with meter_for(len(chosen), sys.stderr, _progress) as meter:
                synchronizer = Synchronizer(api, settings.polling, settings.retrying, settings.sync, _progress,
                                            cancellation=cancellation, meter=meter)
                result = synchronize_declared(synchronizer, registry, chosen)
            click.echo(render_sync_text(result), nl=False)
            published = manager.refresh_records(api, registry, result.synchronized, settings, cancellation)
            if published is not None:
                click.echo(published.report("Catalog refresh"))
            failed |= not result.ok or (published is not None and not published.ok)
            in_flight |= bool(result.in_flight)
            if cancellation.cancelled:
                break
    if failed:
        _exit(cancellation.exit_code if cancellation.cancelled else EXIT_ERROR, abandoned=in_flight)


def _heading(deployment: Deployment) -> None:
    if deployment.name:
        click.echo(f"Deployment {deployment.label}:")


@cli.command(name="probe")
@files_option
@click.option("--target", "targets", multiple=True, metavar="GW/NAME", help="Probe only this target (repeatable).")
@click.option("--endpoint", "endpoints", multiple=True, metavar="GW/NAME=URL",
              help="Probe URL instead of the target's endpoint, e.g. a server running locally (http only on loopback).")
@click.option("--format", "fmt", type=click.Choice(sorted(PROBE_RENDERERS)), default="text", show_default=True)
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds for each network step.")
@deployment_option
@handled
def probe_(paths: tuple[str, ...], targets: tuple[str, ...], endpoints: tuple[str, ...], fmt: str, timeout: float,
           deployments: tuple[str, ...]) -> None:
    """Talk MCP to each MCP-server target's server (no AWS call); exit 1 if a check fails."""
    from reconciler.mcp.probe import ProbeReport, probe
    overrides = dict(_endpoint(e) for e in endpoints)
    fleet = load_fleet(_paths(paths)).select(deployments)
    report = ProbeReport([p for deployment, registry, (_, own) in each_deployment(fleet, (), targets)
                          for p in qualified(deployment, probe(registry, own, {k: v for k, v in overrides.items() if k in own or not own}, timeout).probes)])
    click.echo(PROBE_RENDERERS[fmt](report), nl=False)
    if not report.ok:
        sys.exit(EXIT_ERROR)


def _endpoint(text: str) -> tuple[str, str]:
    name, sep, url = text.partition("=")
    if not sep or "/" not in name or not url:
        raise UserAbort(f"--endpoint {text!r}: give GATEWAY/TARGET=URL")
    return name, url


@cli.command(name="verify")
@files_option
@click.option("--gateway", "gateways", multiple=True, metavar="NAME", help="Verify only this gateway (repeatable).")
@click.option("--search", "query", metavar="QUERY", help="Also run the gateway's semantic search tool with QUERY.")
@click.option("--format", "fmt", type=click.Choice(sorted(VERIFY_RENDERERS)), default="text", show_default=True)
@deployment_option
@handled
def verify_(paths: tuple[str, ...], gateways: tuple[str, ...], query: str | None, fmt: str, deployments: tuple[str, ...]) -> None:
    """List tools through each gateway (as an agent would) and check each target's expectTools."""
    fleet = load_fleet(_paths(paths)).select(deployments)
    _render_verify(_manager().verify(fleet, Rollout.connect(fleet), gateways, query), fmt)


def _render_verify(report: VerifyReport, fmt: str) -> None:
    click.echo(VERIFY_RENDERERS[fmt](report), nl=False)
    if not report.ok:
        sys.exit(EXIT_ERROR)


@cli.command()
@files_option
@click.option("--format", "fmt", type=click.Choice(sorted(DRIFT_RENDERERS)), default="text", show_default=True)
@deployment_option
@handled
def drift(paths: tuple[str, ...], fmt: str, deployments: tuple[str, ...]) -> None:
    """Report what changed in AWS outside the registry. Read-only; exit 2 when there is drift."""
    report = _manager().plan(PlanRequest(_paths(paths), refresh=True, deployments=deployments)).drift()  # drift trusts no cache
    click.echo(DRIFT_RENDERERS[fmt](report), nl=False)
    if report.has_drift:
        sys.exit(EXIT_CHANGES)


@cli.command(name="import")
@click.option("--gateway", "gateways", multiple=True, metavar="NAME", help="Gateway to import with its targets, rules, rate limits and resource policy (repeatable).")
@click.option("--credential-provider", "providers", multiple=True, metavar="NAME", help="Credential provider to import (repeatable).")
@click.option("--policy-engine", "engines", multiple=True, metavar="NAME", help="Policy engine to import with its policies (repeatable).")
@click.option("--resource", "resources", multiple=True, metavar="KIND/NAME",
              help="Any top-level resource, by its address (e.g. workload-identity/NAME; repeatable).")
@click.option("--owner", "--registry", "registry_name", default="imported", show_default=True,
              help="The owning registry's name to write (`registry:`); --registry is its old spelling.")
@click.option("--region", default=None, help="AWS region (default: the standard AWS configuration).")
@click.option("--out", "out", metavar="FILE", help="Write the YAML here instead of stdout.")
@click.option("--deployment", "deployment", metavar="NAME",
              help="Import from this deployment of the registry files (-f): its account, region and role; the YAML says deployTo: [NAME].")
@files_option
@click.option("--account", metavar="ID", help="With --role-arn: the account to import from (checked against the role's).")
@click.option("--role-arn", metavar="ARN", help="Assume this role (STS AssumeRole) to read another account.")
@click.option("--external-id", metavar="ID", help="The external id the role's trust policy asks for.")
@handled
def import_(gateways: tuple[str, ...], providers: tuple[str, ...], engines: tuple[str, ...], resources: tuple[str, ...], registry_name: str,
            region: str | None, out: str | None, deployment: str | None, paths: tuple[str, ...], account: str | None,
            role_arn: str | None, external_id: str | None) -> None:
    """Write registry YAML for existing resources (all unmanaged ones when none is named)."""
    wanted = [Wanted((GATEWAY,), n, "gateway") for n in gateways]
    wanted += [Wanted((OAUTH2, API_KEY), n, "credential provider") for n in providers]
    wanted += [Wanted((POLICY_ENGINE,), n, "policy engine") for n in engines]
    wanted += [wanted_resource(address) for address in resources]
    api, deploy_to = _import_connection(deployment, paths, account, region, role_arn, external_id)
    if deploy_to:
        registry_name = load_fleet(_paths(paths)).name if registry_name == "imported" else registry_name
    imported = import_registry(api, registry_name, wanted, deploy_to)
    for warning in imported.warnings:
        _progress(f"Warning: {warning}")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(imported.yaml())
        _progress(f"Wrote {out}. Review it, then `reconcile plan --adopt -f {out}`.")
    else:
        click.echo(imported.yaml(), nl=False)


def _import_connection(deployment: str | None, paths: tuple[str, ...], account: str | None, region: str | None,
                       role_arn: str | None, external_id: str | None) -> tuple[Api, list[str]]:
    """Where import reads: a deployment of the files, an account through a role, or the caller's account."""
    if deployment:
        fleet = load_fleet(_paths(paths)).select((deployment,))
        return Rollout.connect(fleet)[deployment], [deployment]
    if account or role_arn:
        if not (account and role_arn and region):
            raise UserAbort("--account needs --role-arn and --region (the role is assumed to read that account)")
        if f":{account}:" not in role_arn:
            raise UserAbort(f"--role-arn {role_arn} is not a role of account {account}")
        return Api(region=region, session=assumed_session(role_arn, external_id, region, "agentcore-reconciler-import")), []
    return Api(region=region), []


@cli.group()
def catalog() -> None:
    """Discovery: search the organisation's AWS Agent Registry, where apply publishes the MCP targets."""


def _catalog_registries(paths: tuple[str, ...], names: tuple[str, ...], deployments: tuple[str, ...]) -> list[Searched]:
    """The agent registries to search: those named, else every one the files declare, in every selected deployment
    (each through its deployment's connection)."""
    from reconciler.catalog.search import registries_named, registry_ids
    from reconciler.rollout import connect

    if names and not paths:
        if deployments:
            raise UserAbort("--deployment needs the registry files (-f PATH) that declare the deployments")
        return registry_ids(names)
    fleet = load_fleet(_paths(paths)).select(deployments)
    chosen = fleet.chosen()
    wanted = {d.name: _declared_registries(fleet.views[d.name], names, len(chosen) == 1) for d in chosen}
    if not any(wanted.values()):
        raise UserAbort("the registry declares no agentRegistries: name one with --agent-registry")
    apis = connect(fleet, [name for name, registries in wanted.items() if registries])
    return [r for name, api in apis.items() for r in registries_named(wanted[name], api, name)]


def _declared_registries(view: DesiredState, names: tuple[str, ...], only: bool) -> list[str]:
    """The agent registries of one deployment to search. A name it does not declare is looked up anyway in the one
    deployment searched (a registry the files do not manage), and skipped where several are."""
    declared = [d.name for d in view.of_kind(AGENT_REGISTRY)]
    if not names:
        return declared
    return list(names) if only else [name for name in names if name in declared]


@catalog.command(name="search")
@click.argument("query")
@files_option
@click.option("--agent-registry", "--registry", "names", multiple=True, metavar="NAME",
              help="Search this AWS Agent Registry (repeatable; default: those the files declare); --registry is its old spelling.")
@deployment_option
@click.option("--limit", type=int, default=10, show_default=True, help="Records to show (the API's maxResults range).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--search-type", metavar="TYPE", help="HYBRID, SEMANTIC or KEYWORD (default: the service's choice for the "
              "region); where semantic search is not offered, the search falls back to KEYWORD and says so.")
@handled
def catalog_search(query: str, paths: tuple[str, ...], names: tuple[str, ...], deployments: tuple[str, ...], limit: int,
                   fmt: str, search_type: str | None) -> None:
    """Find a tool, whichever gateway serves it: per hit the matching tools, the gateway URL and the record's status."""
    from reconciler.catalog.search import search
    from reconciler.outputs.catalog import SEARCH_RENDERERS

    registries = _catalog_registries(paths, names, deployments)
    click.echo(SEARCH_RENDERERS[fmt](search(registries, query, limit, search_type)), nl=False)


@catalog.command(name="serve")
@files_option
@click.option("--agent-registry", "--registry", "names", multiple=True, metavar="NAME",
              help="Serve this AWS Agent Registry (repeatable; default: those the files declare); --registry is its old spelling.")
@deployment_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8790, show_default=True)
@handled
def catalog_serve(paths: tuple[str, ...], names: tuple[str, ...], deployments: tuple[str, ...], host: str, port: int) -> None:
    """An MCP server with one tool, find_tools(query), so an agent can find which gateway to connect to."""
    from reconciler.catalog.serve import serve

    serve(_catalog_registries(paths, names, deployments), host, port)


@catalog.command(name="site")
@files_option
@click.option("--out", "out", required=True, metavar="DIR", help="Folder to write the site into (entered at DIR/index.html).")
@deployment_option
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds for each gateway's tool listing.")
@handled
def catalog_site(paths: tuple[str, ...], out: str, deployments: tuple[str, ...], timeout: float) -> None:
    """Write a static web catalog: every gateway, target and tool (as the gateways list them), with a search box;
    with `deployments:`, the deployments serving each gateway."""
    from reconciler.catalog.site import build_site
    from reconciler.rollout import connect

    fleet = load_fleet(_paths(paths)).select(deployments)
    gateways = build_site(connect(fleet), fleet, out, timeout)
    for gateway in gateways:
        if gateway.listing_failure:
            _progress(f"Warning: gateway/{gateway.name}: {gateway.listing_failure}")
    targets, tools = sum(len(g.targets) for g in gateways), sum(g.tool_count for g in gateways)
    click.echo(f"Wrote {os.path.join(out, 'index.html')}: {len(gateways)} gateways, {targets} targets, {tools} tools.")


@cli.command()
@files_option
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid"]), default="mermaid", show_default=True)
@handled
def graph(paths: tuple[str, ...], fmt: str) -> None:
    """Print the registry's dependency graph (parents, ARN references, records' sources). Offline."""
    from reconciler.graph import dot, mermaid, registry_graph

    registry = load_desired_state(_paths(paths), OfflineEnviron(os.environ))  # no secret is needed to draw it
    click.echo((mermaid if fmt == "mermaid" else dot)(registry_graph(registry)), nl=False)


@cli.command(name="force-unlock")
@click.argument("lock_id")
@files_option
@click.option("--deployment", "deployment", metavar="NAME", help="The deployment whose lock it is (registries with `deployments:`).")
@handled
def force_unlock_(lock_id: str, paths: tuple[str, ...], deployment: str | None) -> None:
    """Remove the apply lock a dead run left behind (the id is in the lock error)."""
    fleet = load_fleet(_paths(paths)).select((deployment,) if deployment else ())
    fleet.single()  # one deployment's lock at a time
    chosen = fleet.deployment(fleet.selected[0])
    lock = lock_for(deployment_lock(fleet, chosen), fleet.name, fleet.home_region or fleet.views[chosen.name].region)
    if lock is None:
        raise UserAbort("the registry configures no `lock:`; there is nothing to unlock")
    released = force_unlock(lock, lock_id)
    click.echo(f"Released {released.describe()}.")


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise UserAbort("refusing to apply without a terminal to confirm; pass --auto-approve in pipelines")
    if click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False) != "yes":
        raise UserAbort("apply cancelled")


@cli.command(name="deployments")
@files_option
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--wave", type=click.IntRange(1), default=None, help="Only the deployments of this wave of `rollout:` (1 is the first).")
@handled
def deployments_(paths: tuple[str, ...], fmt: str, wave: int | None) -> None:
    """List the registry's deployments; --format json prints a CI job matrix ({"include": [...]})."""
    fleet = load_fleet(_paths(paths))
    waves = fleet.waves_selected()
    if wave is not None and wave > len(waves):
        raise UserAbort(f"--wave {wave}: the rollout has {len(waves)} wave(s)")
    chosen = (waves[wave - 1] if wave else fleet.deployments) if fleet.named else []
    if fmt == "json":
        matrix = [{"deployment": d.name, "account": d.account, "region": d.region} for d in chosen]
        click.echo(json.dumps({"include": matrix}, indent=2))
        return
    if not chosen:
        click.echo(f"No deployments: the registry lives in the caller's account, region {fleet.views[''].region or '(from AWS_REGION)'}.")
        return
    numbers = {d.name: index + 1 for index, each in enumerate(waves) for d in each}
    for d in chosen:
        role = f"  role {d.role_arn}" if d.role_arn else ""
        click.echo(f"{d.name}  account {d.account}  region {d.region}  wave {numbers[d.name]}{role}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of registry files (generated from the installed botocore model)."""
    click.echo(json.dumps(registry_schema(), indent=2, sort_keys=False))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=4566, show_default=True)
@click.option("--delay", type=float, default=None, help="Seconds resources stay CREATING/UPDATING (default 1).")
@click.option("--fault", "faults", multiple=True, metavar="RULE", help="Inject a fault: KIND[:KEY=VALUE,...] (repeatable; rules above).")
@click.option("--fault-seed", type=int, default=None, help="Seed of the random fault draws (default 0).")
@click.option("--reads-per-second", type=float, default=None, help="Quota: Get*/List* calls per second per account.")
@click.option("--writes-per-second", type=float, default=None, help="Quota: other calls per second per account.")
@click.option("--latency", type=float, default=None, help="Seconds every call takes.")
@click.option("--target-writes-per-gateway", type=int, default=None,
              help="Targets of one gateway being created/updated/deleted at once (default 5 with any quota; 0: no limit).")
@click.option("--hold", "holds", multiple=True, metavar="RULE",
              help="Keep resources in their transient status, or calls waiting, until released (repeatable; rules above).")
@handled
def emulator(host: str, port: int, delay: float | None, faults: tuple[str, ...], fault_seed: int | None,
             reads_per_second: float | None, writes_per_second: float | None, latency: float | None,
             target_writes_per_gateway: int | None, holds: tuple[str, ...]) -> None:
    """Run the bundled AgentCore control-plane emulator (moto + corrections) on loopback.

    \b
    Fault rules (--fault RULE, or RECONCILER_EMULATOR_FAULTS="seed=N; RULE; RULE"), RULE = KIND[:KEY=VALUE,...]:
      throttle (429), internal (500), unavailable (503), denied (403), reset, timeout: the call fails, nothing is written
      lost: the call is carried out, its answer lost (as=timeout|reset)
      create-failed, update-unsuccessful, sync-unsuccessful: the resource ends failed, with statusReasons
      slow: the transition lasts `seconds`; iam-propagation: CreateGatewayTarget refused `attempts` times
      busy-conflict: writes to a CREATING/UPDATING gateway or target get ConflictException
      keys: op=GLOB[|GLOB] name=GLOB account=GLOB region=GLOB rate=P every=N limit=N seconds=S as=timeout|reset attempts=N
      tries=N: a call fault fires on a request's first N tries only (its later retries get through)
      e.g. --fault 'throttle:op=List*,rate=0.1' --fault 'lost:op=CreateGatewayTarget,limit=1'
    Quotas (the flags, or RECONCILER_EMULATOR_QUOTAS="reads=R,writes=W,latency=S,target-writes=N"):
      a call over its rate gets ThrottlingException; the 6th target write in flight on a gateway, ConflictException.
    Counters of calls, throttles and faults: GET /_emulator/stats (DELETE zeroes them).
    The quotas while it runs: GET /_emulator/quotas, and PUT a JSON object of the same keys to replace them.
    Holds (--hold RULE, or POST {"kind": KIND, KEY: VALUE...} to /_emulator/holds; DELETE releases), RULE = KIND[:KEY=VALUE,...]:
      gateway, target, rule, rate-limit, policy-engine, policy, registry, record: the resource stays in its transient
      status (CREATING, UPDATING, SYNCHRONIZING, DELETING) until released; keys: name=GLOB status=STATUS
      call: calls wait before they are carried out until released; keys: op=GLOB[|GLOB]
      e.g. --hold 'gateway:name=big-*,status=CREATING' --hold 'call:op=CreateGateway'
      GET /_emulator/holds lists them with what each held; DELETE with {"id": N} releases one, with no body all.
    The Resource Groups Tagging API's GetResources answers for the emulator's resources too.
    """
    try:
        from reconciler.emulator.quotas import Quotas
        from reconciler.emulator.server import serve
    except ImportError:
        _fail("the emulator needs moto: pip install 'agentcore-reconciler[emulator]'")
    quotas = Quotas(reads=reads_per_second, writes=writes_per_second, latency=latency, target_writes=target_writes_per_gateway)
    serve(host, port, delay, faults, fault_seed, quotas, holds)


def main() -> None:
    cli(prog_name="reconcile")
