"""Shell completion is click's own: `_RECONCILE_COMPLETE=SHELL_source reconcile` prints the script a shell sources."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def completion(**env: str) -> str:
    run = subprocess.run([sys.executable, "-m", "reconciler"], env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=60, check=True)
    return run.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_that_asks_reconcile_for_completions(shell: str) -> None:
    assert "_RECONCILE_COMPLETE=" in completion(_RECONCILE_COMPLETE=f"{shell}_source")


def test_commands_subcommands_and_choices_complete() -> None:
    assert completion(_RECONCILE_COMPLETE="bash_complete", COMP_WORDS="reconcile catalog s", COMP_CWORD="2").split() == [
        "plain,search", "plain,serve", "plain,site"]
    assert completion(_RECONCILE_COMPLETE="bash_complete", COMP_WORDS="reconcile graph --format ", COMP_CWORD="3").split() == [
        "plain,dot", "plain,mermaid"]
