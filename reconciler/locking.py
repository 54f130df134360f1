"""The apply lock: two applies of one registry never interleave.

Backend: an S3 object created with a conditional put (`If-None-Match: *`),
as Terraform's S3 backend does with `use_lockfile`. The object holds who took
the lock, when, and an id that `reconcile force-unlock ID` needs. A run that
finds the lock held waits up to its lock timeout, then fails naming the holder.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator


from reconciler.aws import call_client, default_region
from reconciler.errors import AwsError, ReconcilerError

HELD_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class LockHeld(ReconcilerError):
    """Another run holds the lock."""


@dataclass(frozen=True)
class LockInfo:
    id: str
    owner: str
    created: str
    operation: str
    registry: str

    def describe(self) -> str:
        return f"lock {self.id} held by {self.owner} since {self.created} ({self.operation})"


def new_lock_info(registry: str, operation: str) -> LockInfo:
    """Who is locking: the CI job when there is one, else user@host."""
    ci = os.environ.get("GITHUB_RUN_ID") or os.environ.get("CI_JOB_ID")
    who = f"{getpass.getuser()}@{socket.gethostname()}" + (f" (CI job {ci})" if ci else "")
    return LockInfo(uuid.uuid4().hex, who, datetime.now(timezone.utc).isoformat(timespec="seconds"), operation, registry)


class S3Lock:
    def __init__(self, bucket: str, key: str, region: str | None, client: Any = None):
        self.bucket = bucket
        self.key = key
        import boto3  # only a run that takes the lock needs it

        self.client = client or boto3.client("s3", region_name=default_region(region))

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def try_acquire(self, info: LockInfo) -> bool:
        try:
            call_client(self.client, "put_object", Bucket=self.bucket, Key=self.key, IfNoneMatch="*",
                        Body=json.dumps(asdict(info)).encode(), ContentType="application/json")
        except AwsError as error:
            if error.code in HELD_CODES:
                return False
            raise
        return True

    def holder(self) -> LockInfo | None:
        try:
            body = call_client(self.client, "get_object", Bucket=self.bucket, Key=self.key)["Body"].read()
        except AwsError as error:
            if error.code in MISSING_CODES:
                return None
            raise
        try:
            return LockInfo(**json.loads(body))
        except (ValueError, TypeError):
            return LockInfo("(unreadable)", "(unknown)", "(unknown)", "(unknown)", "(unknown)")

    def release(self, lock_id: str) -> None:
        """Delete the lock object, but only while it is still ours."""
        current = self.holder()
        if current is None:
            return
        if current.id != lock_id:
            raise LockHeld(f"{self.where}: {current.describe()}; not releasing a lock that is not {lock_id}")
        call_client(self.client, "delete_object", Bucket=self.bucket, Key=self.key)


def lock_for(settings: dict[str, Any], registry: str, region: str | None) -> S3Lock | None:
    """The lock the registry's `lock:` block configures, or None."""
    if "s3" not in settings:
        return None
    s3 = settings["s3"]
    return S3Lock(s3["bucket"], s3.get("key") or f"agentcore-reconciler/{registry}.lock", region)


@contextmanager
def holding(
    lock: S3Lock | None,
    info: LockInfo,
    timeout: float,
    warn: Callable[[str], None],
    poll: float = 2.0,
) -> Iterator[None]:
    """Hold `lock` for the duration of the block; without one, warn once that nothing stops a concurrent apply."""
    if lock is None:
        warn("Warning: no `lock:` configured; nothing stops two applies of this registry from interleaving.")
        yield
        return
    deadline = time.monotonic() + timeout
    while not lock.try_acquire(info):
        holder = lock.holder()  # None: released between our put and our read
        if time.monotonic() >= deadline:
            held_by = holder.describe() if holder else "the lock was held"
            unlock = f"`reconcile force-unlock {holder.id}`" if holder else "`reconcile force-unlock ID`"
            raise LockHeld(f"{lock.where}: {held_by}. Another apply is running; retry later, or, if it died, run {unlock}")
        if holder is not None:
            warn(f"Waiting for the lock: {holder.describe()}...")
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
    warn(f"Acquired {lock.where} ({info.id}).")
    try:
        yield
    finally:
        lock.release(info.id)


def force_unlock(lock: S3Lock, lock_id: str) -> LockInfo:
    """Remove a lock left by a run that died; the id must match so a live lock is not broken by mistake."""
    holder = lock.holder()
    if holder is None:
        raise ReconcilerError(f"{lock.where}: no lock is held")
    if holder.id != lock_id:
        raise ReconcilerError(f"{lock.where}: the lock is {holder.id}, not {lock_id} ({holder.describe()})")
    lock.release(lock_id)
    return holder
