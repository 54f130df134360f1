"""The `reconcile` command: parses flags, runs one step, turns errors into exit codes and one-line messages."""

from __future__ import annotations

import functools
import json
import sys
import time
from typing import Any, Callable

import click

from reconciler.apply import ApplySettings, apply_plan
from reconciler.aws import Api
from reconciler.config.schema import registry_schema
from reconciler.desired import Registry, load_registry
from reconciler.errors import ReconcilerError, UserAbort
from reconciler.live import read_live
from reconciler.outputs import RENDERERS
from reconciler.plan import Plan
from reconciler.planner import make_plan

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


def compute_plan(paths: tuple[str, ...]) -> tuple[Registry, Api, Plan]:
    registry = load_registry(_paths(paths))
    api = Api(region=registry.region)
    started = time.monotonic()
    live = read_live(api, registry.name)
    plan = make_plan(registry, live)
    if not plan.region:
        plan.region = api.region
    _progress(f"Read {len(live.resources)} live resources in {time.monotonic() - started:.1f}s.")
    return registry, api, plan


@click.group()
@click.version_option(package_name="agentcore-reconciler")
def cli() -> None:
    """Manage Amazon Bedrock AgentCore gateways, targets and credential providers as code."""


@cli.command()
@files_option
@handled
def validate(paths: tuple[str, ...]) -> None:
    """Check the registry files offline (no AWS call)."""
    registry = load_registry(_paths(paths))
    click.echo(f"Valid: registry '{registry.name}', {len(registry.resources)} resources in {len(registry.files)} file(s).")


@cli.command()
@files_option
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@handled
def plan(paths: tuple[str, ...], fmt: str, detailed_exitcode: bool) -> None:
    """Show what apply would change. Read-only."""
    _, _, the_plan = compute_plan(paths)
    click.echo(RENDERERS[fmt](the_plan), nl=False)
    if detailed_exitcode and not the_plan.empty:
        sys.exit(EXIT_CHANGES)


@cli.command()
@files_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--poll-interval", type=float, default=ApplySettings.poll_initial, show_default=True, help="First status poll delay in seconds.")
@click.option("--timeout", type=float, default=ApplySettings.timeout, show_default=True, help="Seconds to wait for each resource.")
@handled
def apply(paths: tuple[str, ...], auto_approve: bool, poll_interval: float, timeout: float) -> None:
    """Converge live state to the files: create, update, replace, delete, then synchronize MCP targets."""
    _, api, the_plan = compute_plan(paths)
    click.echo(RENDERERS["text"](the_plan), nl=False)
    if the_plan.empty:
        return
    _confirm(auto_approve)
    started = time.monotonic()
    settings = ApplySettings(poll_initial=poll_interval, poll_max=max(poll_interval, ApplySettings.poll_max), timeout=timeout)
    result = apply_plan(api, the_plan, settings, _progress)
    click.echo(result.report())
    click.echo(f"Apply took {time.monotonic() - started:.1f}s, {api.writes_made()} write calls.", err=True)
    if not result.ok:
        sys.exit(EXIT_ERROR)


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise UserAbort("refusing to apply without a terminal to confirm; pass --auto-approve in pipelines")
    if click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False) != "yes":
        raise UserAbort("apply cancelled")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of registry files (generated from the installed botocore model)."""
    click.echo(json.dumps(registry_schema(), indent=2, sort_keys=False))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=4566, show_default=True)
@click.option("--delay", type=float, default=None, help="Seconds resources stay CREATING/UPDATING (default 1).")
def emulator(host: str, port: int, delay: float | None) -> None:
    """Run the bundled AgentCore control-plane emulator (moto + corrections) on loopback."""
    try:
        from reconciler.emulator.server import serve
    except ImportError:
        _fail("the emulator needs moto: pip install 'agentcore-reconciler[emulator]'")
    serve(host, port, delay)


def main() -> None:
    cli(prog_name="reconcile")
