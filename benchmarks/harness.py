"""What the benchmarks share: the emulator as a server process, and the `reconcile` CLI run and measured as a user runs it.

The CLI runs as a subprocess with AWS_ENDPOINT_URL pointing at the emulator, so
its wall time, CPU (user + system, from wait4) and peak memory (max RSS) are the
real ones, start-up included. API calls are counted by the emulator, on the
server side: what the account's quotas would have seen.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.aws import is_read
from reconciler.quotas import READS_PER_SECOND, WRITES_PER_SECOND

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Quotas:
    """The emulated account: its rates, its per-call latency, and how long a resource takes to become READY."""

    reads_per_second: float = READS_PER_SECOND
    writes_per_second: float = WRITES_PER_SECOND
    latency: float = 0.05
    ready_delay: float = 1.0

    def bound(self, reads: int, writes: int) -> float:
        """The least time those calls can take within the quotas (reads and writes are separate budgets)."""
        return max(reads / self.reads_per_second, writes / self.writes_per_second)

    @property
    def rates(self) -> str:
        return f"{self.reads_per_second:g} r/s, {self.writes_per_second:g} w/s"

    def emulated(self) -> dict[str, float]:
        """These quotas as the emulator's /_emulator/quotas takes them (the target-write limit stays the service's)."""
        return {"reads": self.reads_per_second, "writes": self.writes_per_second, "latency": self.latency}


@dataclass
class Calls:
    """API calls by operation as the emulator counted them: `throttled` over the rate quotas, `refused` for
    more than 5 target writes in flight on one gateway (both did nothing: wasted calls)."""

    by_operation: dict[str, int] = field(default_factory=dict)
    throttled: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)

    def since(self, before: Calls) -> Calls:
        return Calls(_minus(self.by_operation, before.by_operation), _minus(self.throttled, before.throttled),
                     _minus(self.refused, before.refused))

    def admitted(self, reads: bool) -> int:
        """Calls that passed the rate quota: what the bound counts (a refused call still spent its token)."""
        return sum(n - self.throttled.get(op, 0) for op, n in self.by_operation.items() if is_read(op) == reads)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    @property
    def throttled_total(self) -> int:
        return sum(self.throttled.values())

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def _minus(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {op: n - before.get(op, 0) for op, n in sorted(after.items()) if n != before.get(op, 0)}


class Emulator:
    """`reconcile emulator` as a server process on loopback, with the account's quotas emulated."""

    def __init__(self, quotas: Quotas):
        self.quotas = quotas
        self.url = ""  # once started: the server binds a free port and reports it
        self.process: subprocess.Popen[str] | None = None
        self.log = tempfile.TemporaryFile("w+")

    def __enter__(self) -> Emulator:
        command = [sys.executable, "-m", "reconciler", "emulator", "--port", "0",
                   "--delay", str(self.quotas.ready_delay), *self.quota_flags()]
        # Its output goes to a file: a pipe nobody drains would stall the server once its buffer is full.
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True, cwd=REPO,
                                        env=os.environ | {"PYTHONPATH": str(REPO)})
        deadline = time.monotonic() + 60
        while not (listening := re.search(r"listening on (http://\S+)", self._output())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the emulator did not start: {self._output()}")
            time.sleep(0.1)
        self.url = listening.group(1)
        return self

    def __exit__(self, *_: Any) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()

    def _output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def quota_flags(self) -> list[str]:
        return ["--reads-per-second", str(self.quotas.reads_per_second), "--writes-per-second", str(self.quotas.writes_per_second),
                "--latency", str(self.quotas.latency)]

    def set_quotas(self, quotas: Quotas) -> None:
        """The account's rates and latency are now these (the emulator restarts its buckets and zeroes its counters)."""
        request = urllib.request.Request(f"{self.url}/_emulator/quotas", data=json.dumps(quotas.emulated()).encode(), method="PUT")
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback
            pass

    def calls(self) -> Calls:
        """The emulator's counters so far: calls by operation, and those it throttled or refused."""
        with urllib.request.urlopen(f"{self.url}/_emulator/stats", timeout=30) as answer:  # noqa: S310 - loopback
            operations = json.load(answer)["operations"]
        return Calls({op: o["calls"] for op, o in operations.items()},
                     {op: o["throttled"] for op, o in operations.items() if o["throttled"]},
                     {op: o["refused"] for op, o in operations.items() if o["refused"]})

    def environment(self, cache_dir: Path) -> dict[str, str]:
        """What a user exports to point the CLI at this emulator, with the observed-state cache in `cache_dir`."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RECONCILER_"))}
        return keep | {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_REGION": "us-east-1", "RECONCILER_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}


@dataclass
class Run:
    """One CLI run: its outcome and what it cost."""

    command: list[str]
    exit_code: int
    stdout: str
    stderr: str
    wall: float
    cpu: float
    peak_rss_kb: int


def run_cli(arguments: list[str], cwd: Path, environment: dict[str, str], timeout: float) -> Run:
    """`reconcile ARGUMENTS` in `cwd`, measured: wall clock, CPU and peak RSS of that process (and the git it runs)."""
    command = [sys.executable, "-m", "reconciler", *arguments]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=out, stderr=err, text=True)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, which Popen.wait would not give
            wall = time.monotonic() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            killer.cancel()
        if process.returncode == -signal.SIGKILL:
            raise SystemExit(f"`reconcile {' '.join(arguments)}` took more than {timeout:.0f} s")
        out.seek(0)
        err.seek(0)
        return Run(command, process.returncode, out.read(), err.read(), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
