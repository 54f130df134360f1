"""Resilience at the product level (issue 9): the `reconcile` CLI as a process against `reconcile emulator` started with
fault rules, at CI counts. benchmarks/resilience.py holds the checks and runs them at larger counts.

What must hold: apply converges under throttling, server errors, lost answers, IAM propagation and busy conflicts with
no duplicate; `kill -9` at any point is followed by a re-run that converges with no duplicate; no `${env:}` secret in any
output or file; resources of another registry or of nobody are never written; no run prints a traceback.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


from benchmarks.harness import Run, run_cli
from benchmarks.resilience import (
    CHANGING,
    CREATING,
    DEADLINE,
    LOST_ONCE,
    SECRETS_MISPLACED,
    Census,
    Layout,
    Secrets,
    bench,
    converge_under_faults,
    crash_and_rerun,
    fault_rules,
    foreign_untouched,
    inventory,
    secrets_never_shown,
)

SEED = 7
TARGETS = 12
SECRETS = Secrets()


def runs_of(runs: list[Run], *words: str) -> list[Run]:
    """The runs whose command has these words, in the order they ran."""
    return [run for run in runs if all(word in run.command for word in words)]


def test_apply_converges_under_faults_with_no_duplicate(tmp_path: Path) -> None:
    # Call faults on the first three tries of each request only, and every Nth call rather than at a rate: botocore's 8
    # attempts provably cover them (and the product's own retries the refusals), so the first apply must converge and
    # each kind is injected whatever the timing. The harness's figures draw them at rates on every try
    # (benchmarks/resilience.py), where a re-run may be needed.
    outcome = converge_under_faults(tmp_path, TARGETS, SEED, SECRETS, rules=fault_rules(TARGETS, tries=3))
    print(json.dumps({"faults": outcome.faults, "lost": outcome.lost, "calls": outcome.calls, "apply_exits": outcome.apply_exits}))
    assert outcome.problems() == []  # converged, an empty plan after, each declared resource once, no traceback
    assert outcome.apply_exits == [0] and outcome.plan_exit == 0, outcome.first_failures  # with no re-run
    # Every kind of fault the rules name was injected (busy conflicts need a write to a busy resource: apply waits for
    # READY before writing children, so it meets none here; the crash check's re-runs do).
    assert {"throttle", "internal", "unavailable", "reset", "lost", "iam-propagation"} <= outcome.faults.keys()
    # One answer lost for each Create*, three of the targets'; the retries made no duplicate.
    assert outcome.lost == {operation: 1 for operation in LOST_ONCE} | {"CreateGatewayTarget": 3}
    assert outcome.faults["iam-propagation"] == 3  # t1, t10, t11 refused once each
    assert outcome.faults["throttle"] >= outcome.calls // 4  # every third call that reached the rule
    assert outcome.census.duplicates == {} and outcome.census.missing == []


def test_kill_9_at_any_point_then_a_rerun_converges_with_no_duplicate(tmp_path: Path) -> None:
    crashes = crash_and_rerun(tmp_path, targets=6, points=8, seed=SEED, secrets=SECRETS, lock_every=4)
    print(json.dumps({"reference_lines": crashes.reference_lines, "faults": crashes.faults,
                      "points": [(p.kill.apply, p.kill.after, p.kill.delay, p.recovery_exits) for p in crashes.points]}))
    # Each kill landed mid-run; after it, apply (force-unlock first when it left its lock) converged to an empty plan,
    # each declared resource once, the removed ones gone; no traceback.
    assert crashes.problems() == []
    assert Counter(p.kill.apply for p in crashes.points) == {CREATING: 5, CHANGING: 4}
    assert [p.lock_left for p in crashes.points] == [p.kill.locked for p in crashes.points] and sum(p.lock_left for p in crashes.points) == 2
    assert crashes.duplicates == {}
    # The re-run after the kill during the held gateway's creation met it CREATING (the emulator held it so until then):
    # its target creates were refused as busy, and retried.
    assert crashes.faults.get("busy-conflict", 0) >= 1


def test_no_secret_in_any_output_or_file(tmp_path: Path) -> None:
    secrecy = secrets_never_shown(tmp_path, targets=2, secrets=SECRETS)
    assert secrecy.leaks == []
    # Searched: the saved plans, the imported YAML and the observed-state cache (gzip, opened), beside every output.
    assert {"secrets/plan.json", "secrets/reviewed.json", "secrets/imported.yaml"} <= set(secrecy.files)
    assert any(name.startswith("cache/") and name.endswith(".json.gz") for name in secrecy.files), secrecy.files
    assert secrecy.problems() == []  # every command worked (the secrets were used for real) but those that must fail
    assert "2 synchronized" in runs_of(secrecy.runs, "sync", "--all")[0].stdout  # tokens from the OAuth2 secret, the API key
    [rotated] = [run.stdout for run in runs_of(secrecy.runs, "apply", "--auto-approve")]
    assert "Plan: 0 to create, 2 to update" in rotated and "(sensitive) -> (sensitive)" in rotated
    # Failures that involve the secrets: a saved plan made stale by a rotation, servers refusing the rotated secrets.
    assert "stale plan" in secrecy.refused["stale saved plan"].stderr
    assert secrecy.refused["probe"].stdout.count(": auth: ") == 2
    assert secrecy.refused["sync"].stdout.count("SYNCHRONIZE_UNSUCCESSFUL") == 2
    for run in secrecy.bad_file:  # secrets inside lists and maps where a string belongs: one line each, masked
        problems = run.stderr.strip().splitlines()
        assert [line.split(": ")[0] for line in problems] == [f"{SECRETS_MISPLACED}:{n}" for n in (4, 13, 16, 21, 24)]
        assert all("must be of type string" in line for line in problems)


def test_resources_of_another_registry_or_of_nobody_are_never_written(tmp_path: Path) -> None:
    ownership = foreign_untouched(tmp_path, targets=3, secrets=SECRETS)
    # Get descriptions and tags of each foreign resource identical before and after; each claim on a foreign name
    # refused (exit 1, naming it) and writing nothing; every other run exit 0; no traceback.
    assert ownership.problems() == []
    assert ownership.changed == [] and len(ownership.refusals) == 4 and ownership.claimed == []


def test_a_lost_answer_to_a_credential_provider_create_does_not_fail_the_apply(tmp_path: Path) -> None:
    outcome = converge_under_faults(tmp_path, 1, SEED, SECRETS, rules=["lost:op=Create*CredentialProvider,limit=1,as=reset"])
    assert outcome.faults == {"lost": 1} and outcome.census.duplicates == {} and outcome.plan_exit == 0
    assert outcome.apply_exits == [0], outcome.first_failures


def test_import_honours_aws_region(tmp_path: Path) -> None:
    with bench(tmp_path, SECRETS) as b:
        environment = {k: v for k, v in b.environment.items() if k != "AWS_DEFAULT_REGION"} | {"AWS_REGION": "us-east-1"}
        imported = run_cli(["import"], tmp_path, environment, DEADLINE)
    assert "no AWS region" not in imported.stderr
    assert imported.exit_code == 0, imported.stderr


def test_a_lost_answer_to_a_delete_does_not_fail_the_apply(tmp_path: Path) -> None:
    layout = Layout("deletes", 2)
    # The server holds the answer a second, past the target's DELETING, then drops it: the retry finds it gone.
    with bench(tmp_path, SECRETS, ["lost:op=DeleteGatewayTarget,limit=1,seconds=1"]) as b:
        folder = layout.folder(tmp_path)
        created = b.apply(folder)
        layout.changed().folder(tmp_path)  # t1 removed
        deleted = b.apply(folder)
        faults = b.emulator.faults_injected()
        census = Census.of(layout.changed(), inventory(b.emulator.client()))
    assert created.exit_code == 0 and faults == {"lost": 1} and census.problems("deletes") == []
    assert deleted.exit_code == 0, deleted.stdout[-1000:]
