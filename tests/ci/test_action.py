"""action.yml, the packaged pipeline step: valid for actionlint (through a workflow that uses it, as actionlint
checks actions), and its command script builds the right `reconcile` call and outputs (with a stand-in reconcile)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
USING_IT = """\
on: pull_request
permissions: {contents: read, pull-requests: write}
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - id: reconcile
        uses: ./
        with: {command: plan, files: "registry more", deployment: prod, args: "--refresh", comment-key: prod, INPUT: VALUE}
      - run: echo "${{ steps.reconcile.outputs.changes }} ${{ steps.reconcile.outputs.exit-code }}"
"""


def actionlint(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("no actionlint: pip install '.[test]'")
    return subprocess.run([found, "-no-color", "-oneline", *files], cwd=folder, capture_output=True, text=True, timeout=120)


def project_using_the_action(tmp_path: Path, extra_input: str) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copyfile(ACTION, tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows" / "registry.yml").write_text(USING_IT.replace("INPUT: VALUE", extra_input))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)  # actionlint finds the project by its repository
    return tmp_path


def test_actionlint_accepts_the_action_and_the_example_workflow(tmp_path: Path) -> None:
    project = project_using_the_action(tmp_path, "python-version: '3.12'")
    checked = actionlint(project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    example = actionlint(ROOT, "examples/github-actions.yml")
    assert example.returncode == 0, example.stdout + example.stderr


def test_actionlint_reads_the_action_s_inputs(tmp_path: Path) -> None:
    checked = actionlint(project_using_the_action(tmp_path, "file: registry"))  # a typo of `files`
    assert checked.returncode == 1 and 'input "file" is not defined in action "agentcore-reconciler"' in checked.stdout


def run_step(tmp_path: Path, exit_code: int, **inputs: str) -> tuple[list[str], dict[str, str], str]:
    """The action's `run` step under bash with a stand-in `reconcile` (prints its arguments, exits `exit_code`):
    the arguments it got, the step's outputs and its job summary."""
    step: dict[str, Any] = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "reconcile"
    stand_in.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/args"\necho "plan text"\nexit {exit_code}\n')
    stand_in.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(tmp_path / "outputs"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "COMMAND": "plan", "FILES": "gateways.yaml",
           "DEPLOYMENT": "", "ARGS": "", "PLAN_FILE": "", **inputs}
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    subprocess.run(["bash", "-e", str(script)], cwd=tmp_path, env=env, check=True, timeout=60)  # as `shell: bash` runs it
    outputs = dict(line.split("=", 1) for line in (tmp_path / "outputs").read_text().splitlines())
    return (tmp_path / "args").read_text().splitlines(), outputs, (tmp_path / "summary").read_text()


def test_plan_passes_files_deployment_and_extra_flags_and_reports_changes(tmp_path: Path) -> None:
    args, outputs, summary = run_step(tmp_path, 2, FILES="registry\nteams/orders.yaml", DEPLOYMENT="prod", ARGS="--changed-only origin/main")
    assert args == ["plan", "-f", "registry", "-f", "teams/orders.yaml", "--deployment", "prod", "--out", "plan.json",
                    "--format", "markdown", "--detailed-exitcode", "--changed-only", "origin/main"]
    assert outputs == {"exit-code": "2", "changes": "true"}
    assert summary == "plan text\n" and (tmp_path / "reconcile.md").read_text() == "plan text\n"  # the PR comment's body


def test_apply_of_a_saved_plan_keeps_its_exit_code(tmp_path: Path) -> None:
    args, outputs, summary = run_step(tmp_path, 1, COMMAND="apply", PLAN_FILE="plan.json", ARGS="--lock-timeout 600")
    assert args == ["apply", "plan.json", "--lock-timeout", "600"]
    assert outputs == {"exit-code": "1", "changes": "false"} and summary == "```\nplan text\n```\n"


def test_drift_without_drift_is_exit_0(tmp_path: Path) -> None:
    args, outputs, _ = run_step(tmp_path, 0, COMMAND="drift")
    assert args == ["drift", "-f", "gateways.yaml", "--format", "markdown"] and outputs["exit-code"] == "0"
