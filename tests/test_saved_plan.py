"""Reviewed plans: `plan --out` then `apply FILE`, refused when stale; `--checksum`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.plan import SENSITIVE
from tests.helpers import BASE, SECRETS, plan_for, reconcile, registry_from

FAST = ("--poll-interval", "0.02")


@pytest.fixture
def registry_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "gateways.yaml").write_text(BASE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_saved_plan_applies_exactly_and_holds_no_secret(api, registry_in_cwd: Path) -> None:
    planned = reconcile("plan", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    saved = (registry_in_cwd / "plan.json").read_text()
    assert all(secret not in saved for secret in SECRETS.values())
    assert SENSITIVE in saved and json.loads(saved)["plan"]["summary"]["create"] == 6
    applied = reconcile("apply", "plan.json", *FAST)  # no prompt: the plan was reviewed
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 6 done" in applied.stdout
    assert plan_for(api, registry_from(registry_in_cwd)).empty


def test_a_plan_is_stale_when_the_files_changed(api, registry_in_cwd: Path) -> None:
    assert reconcile("plan", "--out", "plan.json").exit_code == 0
    (registry_in_cwd / "gateways.yaml").write_text(BASE.replace("Main gateway", "Main gateway v2"))
    refused = reconcile("apply", "plan.json", *FAST)
    assert refused.exit_code == 1
    assert "stale plan: the registry files" in refused.stderr
    assert api.writes_made() == 0


def test_a_plan_is_stale_when_live_state_changed(api, client, registry_in_cwd: Path) -> None:
    assert reconcile("apply", "--auto-approve", *FAST).exit_code == 0
    (registry_in_cwd / "gateways.yaml").write_text(BASE.replace("Main gateway", "Main gateway v2"))
    assert reconcile("plan", "--out", "plan.json").exit_code == 0
    (registry_in_cwd / "gateways.yaml").write_text(BASE)
    assert reconcile("plan", "--out", "plan.json").exit_code == 0  # a plan with no change at all
    client.delete_api_key_credential_provider(name="vendor")
    refused = reconcile("apply", "plan.json", *FAST)
    assert refused.exit_code == 1 and "stale plan: live state in AWS" in refused.stderr


def test_a_plan_is_stale_when_a_secret_changed(api, registry_in_cwd: Path) -> None:
    assert reconcile("plan", "--out", "plan.json").exit_code == 0
    refused = reconcile("apply", "plan.json", *FAST, env={"VENDOR_KEY": "another-key"})
    assert refused.exit_code == 1 and "stale plan: the computed plan" in refused.stderr


def test_apply_with_a_checksum_runs_only_the_reviewed_plan(api, registry_in_cwd: Path) -> None:
    planned = reconcile("plan", "--checksum")
    digest = re.search(r"Plan checksum: ([0-9a-f]{16})", planned.stderr)
    assert digest, planned.stderr
    (registry_in_cwd / "gateways.yaml").write_text(BASE.replace("Main gateway", "Other"))
    refused = reconcile("apply", "--auto-approve", "--checksum", digest.group(1), *FAST)
    assert refused.exit_code == 1 and "stale plan" in refused.stderr and api.writes_made() == 0
    (registry_in_cwd / "gateways.yaml").write_text(BASE)
    applied = reconcile("apply", "--auto-approve", "--checksum", digest.group(1), *FAST)
    assert applied.exit_code == 0, applied.output


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not a readable saved plan"),
        ('{"format": "something-else"}', "not a saved plan"),
        ('{"format": "agentcore-reconciler-saved-plan", "version": 99}', "version 99 is not supported"),
    ],
)
def test_a_bad_plan_file_is_one_clear_error(registry_in_cwd: Path, content: str, message: str) -> None:
    (registry_in_cwd / "bad.json").write_text(content)
    refused = reconcile("apply", "bad.json")
    assert refused.exit_code == 1 and message in refused.stderr and "Traceback" not in refused.output


def test_a_saved_plan_refuses_extra_files(registry_in_cwd: Path) -> None:
    refused = reconcile("apply", "plan.json", "-f", "gateways.yaml")
    assert refused.exit_code == 1 and "carries its own files" in refused.stderr
