"""Partial plans: `--target` (with dependencies) and `--changed-only REF` (only what a pull request touches)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.manager import Manager, PlanRequest
from tests.helpers import BASE, SECRETS, converge, fleet, lambda_targets, registry_from

TEAM_FILE = "gateways:\n  main:\n    targets:\n" + lambda_targets(1, prefix="team")


def compute(api, tmp_path: Path, **request) -> tuple:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    computed = Manager(lines.append).compute(PlanRequest([str(tmp_path)], **request), api=api)
    return computed, lines


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True)


def test_target_plans_the_address_and_its_dependencies_only(api, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    computed, lines = compute(api, tmp_path, targets=("gateway/main/target/weather",))
    assert [c.address for c in computed.plan.changes] == [
        "api-key-credential-provider/vendor",
        "gateway/main",
        "gateway/main/target/weather",
    ]
    assert "Planning only: api-key-credential-provider/vendor, gateway/main, gateway/main/target/weather." in lines


def test_target_never_deletes_outside_its_scope(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, fleet(3)))
    (tmp_path / "gateways.yaml").write_text(fleet(1))  # t1 and t2 are gone from the files
    computed, _ = compute(api, tmp_path, targets=("gateway/fleet/target/t2",))
    assert [(c.address, c.action) for c in computed.plan.changes] == [("gateway/fleet/target/t2", "delete")]


def test_a_partial_plan_keeps_the_tags_a_parent_holds_for_children_out_of_its_scope(api, tmp_path: Path) -> None:
    protected = fleet(2).replace("      t1:\n", "      t1:\n        lifecycle: {preventDestroy: true}\n")
    converge(api, registry_from(tmp_path, protected))
    computed, _ = compute(api, tmp_path, targets=("gateway/fleet/target/t0",))
    assert computed.plan.empty  # t1's protection tag on the gateway is not dropped because t1 is out of scope


def test_changed_only_plans_what_the_pull_request_touches(api, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE + fleet(2).split("gateways:\n")[1])
    converge(api, registry_from(tmp_path))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "team.yaml").write_text(TEAM_FILE)  # a team's one-file pull request
    api.calls.clear()
    computed, lines = compute(api, tmp_path, changed_since="HEAD")
    assert [(c.address, c.action) for c in computed.plan.changes] == [("gateway/main/target/team0", "create")]
    assert "Planning only: gateway/main, gateway/main/target/team0." in lines
    assert api.calls.get("GetGatewayTarget", 0) == 0  # the other targets are not read
    assert api.calls["GetGateway"] == 1  # only main: fleet is not read


def test_changed_only_sees_removed_files_as_deletes(api, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    (tmp_path / "team.yaml").write_text(TEAM_FILE)
    converge(api, registry_from(tmp_path))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "team.yaml").unlink()
    computed, _ = compute(api, tmp_path, changed_since="HEAD")
    assert [(c.address, c.action) for c in computed.plan.changes] == [("gateway/main/target/team0", "delete")]


def test_changed_only_with_nothing_changed_plans_nothing(api, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    computed, lines = compute(api, tmp_path, changed_since="HEAD")
    assert computed.plan.empty and "Planning only: nothing (no declaration changed)." in lines


def test_changed_only_with_a_bad_ref_is_one_clear_error(api, tmp_path: Path) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    with pytest.raises(Exception, match="no-such-ref"):
        compute(api, tmp_path, changed_since="no-such-ref")
