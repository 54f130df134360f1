"""Flags whose old spelling meant two things: `--registry` named the owning registry in `import` and an AWS Agent
Registry in `catalog`. Each now has its own name; the old spelling stays, as a documented alias."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import catalog, cli


@pytest.mark.parametrize(("command", "new", "parameter", "value"), [
    (cli.commands["import"], "--owner", "registry_name", "adopted"),
    (catalog.commands["search"], "--agent-registry", "names", ("central",)),
    (catalog.commands["serve"], "--agent-registry", "names", ("central",)),
])
def test_the_new_flag_and_its_old_spelling_set_the_same_value(command: click.Command, new: str, parameter: str,
                                                              value: object) -> None:
    given = value[0] if isinstance(value, tuple) else value
    query = ["q"] if command.name == "search" else []
    for spelling in (new, "--registry"):
        context = command.make_context(command.name or "", [*query, spelling, str(given)])
        assert context.params[parameter] == value
    assert f"{new}, --registry" in command.get_help(click.Context(command))


def test_a_catalog_search_without_agent_registries_names_the_new_flag(tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text("registry: plain\nregion: us-east-1\n")
    result = CliRunner().invoke(cli, ["catalog", "search", "weather", "-f", str(tmp_path / "gateways.yaml")])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: the registry declares no agentRegistries: name one with --agent-registry"
