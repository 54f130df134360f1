"""The apply lock on S3 (conditional put): exclusive, waits or fails naming the holder, force-unlock by id."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import boto3
import pytest

from reconciler.errors import ReconcilerError
from reconciler.locking import LockHeld, S3Lock, force_unlock, holding, new_lock_info
from tests.conftest import REGION, hang_bound
from tests.helpers import BASE, SECRETS, reconcile
from tests.test_cli_e2e import RECONCILE, run

BUCKET = "platform-locks"
LOCK_BLOCK = f"lock: {{s3: {{bucket: {BUCKET}}}}}\n"


@pytest.fixture
def lock(emulator: None) -> S3Lock:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    return S3Lock(BUCKET, "agentcore-reconciler/test.lock", REGION)


def test_a_held_lock_refuses_a_second_holder_and_names_the_first(lock: S3Lock) -> None:
    first = new_lock_info("test", "apply")
    with holding(lock, first, timeout=0, warn=lambda line: None):
        assert lock.holder() == first
        with pytest.raises(LockHeld, match=f"held by .* since .*force-unlock {first.id}"):
            with holding(lock, new_lock_info("test", "apply"), timeout=0, warn=lambda line: None):
                pass
    assert lock.holder() is None  # released on the way out


def test_a_waiting_run_gets_the_lock_once_it_is_released(lock: S3Lock) -> None:
    first = new_lock_info("test", "apply")
    assert lock.try_acquire(first)
    waited: list[str] = []

    def warn(line: str) -> None:
        waited.append(line)
        if line.startswith("Waiting for the lock"):
            lock.release(first.id)  # the first run ends while the second waits, however late the second came

    second = new_lock_info("test", "apply")
    with holding(lock, second, timeout=hang_bound(10), warn=warn, poll=0.05):
        assert lock.holder() == second
    assert waited[0].startswith("Waiting for the lock") and waited[-1].startswith("Acquired")


def test_force_unlock_needs_the_right_id(lock: S3Lock) -> None:
    stale = new_lock_info("test", "apply")
    assert lock.try_acquire(stale)
    with pytest.raises(ReconcilerError, match=f"the lock is {stale.id}, not wrong-id"):
        force_unlock(lock, "wrong-id")
    assert force_unlock(lock, stale.id) == stale
    assert lock.holder() is None
    with pytest.raises(ReconcilerError, match="no lock is held"):
        force_unlock(lock, stale.id)


def test_apply_without_a_lock_warns_once(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    monkeypatch.chdir(tmp_path)
    result = reconcile("apply", "--auto-approve", "--poll-interval", "0.02")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("no `lock:` configured") == 1


def test_force_unlock_command(lock: S3Lock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateways.yaml").write_text(LOCK_BLOCK.replace("}}", ", key: agentcore-reconciler/test.lock}}") + BASE)
    monkeypatch.chdir(tmp_path)
    stale = new_lock_info("test", "apply")
    assert lock.try_acquire(stale)
    result = reconcile("force-unlock", stale.id)
    assert result.exit_code == 0, result.output
    assert f"Released lock {stale.id}" in result.stdout and lock.holder() is None


def test_two_concurrent_applies_never_interleave(emulator_url: str, tmp_path: Path) -> None:
    """Two real `reconcile apply` processes against the emulator server: one applies, the other waits or fails clearly."""
    boto3.client("s3", region_name=REGION, endpoint_url=emulator_url).create_bucket(Bucket=BUCKET)
    text = LOCK_BLOCK + BASE.replace("test-registry", "locked-registry").replace("  main:", "  main-locked:")
    for name in ("m2m", "vendor"):
        text = text.replace(f"  {name}:\n", f"  {name}-locked:\n").replace(f"provider: {name},", f"provider: {name}-locked,")
    (tmp_path / "gateways.yaml").write_text(text)
    environment = {**os.environ, **SECRETS, "AWS_ENDPOINT_URL": emulator_url}
    command = [RECONCILE, "apply", "--auto-approve", "--poll-interval", "0.05"]
    processes = [subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=hang_bound(120)) for p in processes]  # reads the pipes while waiting: no full-pipe deadlock
    results = [(p.returncode, *output) for p, output in zip(processes, outputs)]
    applied = [r for r in results if "Apply complete: 6 done" in r[1]]
    assert len(applied) == 1, results
    other = next(r for r in results if r is not applied[0])
    assert (other[0] == 1 and "Another apply is running" in other[2]) or "No changes" in other[1], other
    client = boto3.client("bedrock-agentcore-control", region_name=REGION, endpoint_url=emulator_url)
    names = [g["name"] for page in client.get_paginator("list_gateways").paginate() for g in page["items"]]
    assert names.count("main-locked") == 1
    assert run(["plan", "--detailed-exitcode"], emulator_url, tmp_path).returncode == 0
