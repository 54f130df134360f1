"""The examples stay true: pipeline files are valid YAML whose `reconcile ...` commands parse; example registries validate."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
import yaml

from reconciler.cli import cli
from tests.conftest import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"
EXAMPLES = [p for p in sorted((ROOT / "examples").glob("*.y*ml")) if "pre-commit" not in p.name] + [HOOKS]
SHELL_STOPS = {">", ">>", "|", "&&", ";", "2>&1", "#"}


def commands(path: Path) -> list[list[str]]:
    found = []
    for line in path.read_text().splitlines():
        for match in re.finditer(r"\breconcile ([a-z][a-z-]*[^\n`]*)", line):
            words = []
            for word in shlex.split(match.group(1).replace('"', "")):
                if word in SHELL_STOPS or word.startswith(">"):
                    break
                words.append(word)
            found.append(words)
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_yaml_and_its_commands_parse(path: Path) -> None:
    yaml.safe_load(path.read_text())
    found = commands(path)
    assert found, f"{path.name} runs no reconcile command"
    for words in found:
        command = cli.get_command(click.Context(cli), words[0])
        assert command is not None, f"{path.name}: unknown command {words[0]}"
        command.make_context(words[0], words[1:])  # raises on an unknown flag or a missing value


def test_the_pre_commit_example_uses_hooks_this_repository_defines() -> None:
    defined = {hook["id"] for hook in yaml.safe_load(HOOKS.read_text())}
    config = yaml.safe_load((ROOT / "examples" / "pre-commit-config.yaml").read_text())
    used = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert used and used <= defined


REGISTRIES = [ROOT / "gateways.yaml", ROOT / "examples" / "central-registry", ROOT / "examples" / "deployments"]


@pytest.mark.parametrize("path", REGISTRIES, ids=lambda p: p.name)
def test_example_registry_is_valid(path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--allow-unset-env", "-f", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Valid: registry")
