"""What the benchmarks share: the emulator as a server process, and the `reconcile` CLI run and measured as a user runs it.

The CLI runs as a subprocess with AWS_ENDPOINT_URL pointing at the emulator, so
its wall time, CPU (user + system, from wait4) and peak memory (max RSS) are the
real ones, start-up included. API calls are counted by the emulator, on the
server side: what the account's quotas would have seen.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.session

from reconciler.aws_model import SERVICE

REPO = Path(__file__).resolve().parent.parent
READ_PREFIXES = ("Get", "List")


@dataclass(frozen=True)
class Quotas:
    """The emulated account: its rates, its per-call latency, and how long a resource takes to become READY."""

    reads_per_second: float = 10.0
    writes_per_second: float = 5.0
    latency: float = 0.05
    ready_delay: float = 1.0

    def bound(self, reads: int, writes: int) -> float:
        """The least time those calls can take within the quotas (reads and writes are separate budgets)."""
        return max(reads / self.reads_per_second, writes / self.writes_per_second)


@dataclass
class Calls:
    """API calls by operation as the emulator counted them; `throttled` are the ones it refused."""

    by_operation: dict[str, int] = field(default_factory=dict)
    throttled: dict[str, int] = field(default_factory=dict)

    def since(self, before: Calls) -> Calls:
        return Calls(_minus(self.by_operation, before.by_operation), _minus(self.throttled, before.throttled))

    def admitted(self, reads: bool) -> int:
        return sum(n - self.throttled.get(op, 0) for op, n in self.by_operation.items() if op.startswith(READ_PREFIXES) == reads)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    @property
    def throttled_total(self) -> int:
        return sum(self.throttled.values())


def _minus(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {op: n - before.get(op, 0) for op, n in sorted(after.items()) if n != before.get(op, 0)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@functools.lru_cache(maxsize=1)
def _routes() -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, operation) for every operation of the service, most literal paths first."""
    model = botocore.session.get_session().get_service_model(SERVICE)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        template = http["requestUri"].split("?")[0]
        pieces = re.split(r"(\{[^}]+\})", template)  # literal text and {label} / {greedy+} alternate
        pattern = "".join(_label_pattern(p) if p.startswith("{") else re.escape(p) for p in pieces)
        routes.append((http["method"], re.compile(pattern.rstrip("/") + "/?$"), name))
    return sorted(routes, key=lambda route: route[1].pattern.count("[^/]+") + 10 * route[1].pattern.count(".+"))


def _label_pattern(label: str) -> str:
    return ".+" if label.endswith("+}") else "[^/]+"


def operation_of(method: str, path: str) -> str:
    """The API operation a request is, from the service model's HTTP bindings."""
    for route_method, pattern, name in _routes():
        if route_method == method and pattern.match(path):
            return name
    return f"{method} {path}"


class Emulator:
    """`reconcile emulator` as a server process on loopback, with the account's quotas emulated."""

    def __init__(self, quotas: Quotas):
        self.quotas = quotas
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.recording = Path(tempfile.mkdtemp(prefix="emulator-")) / "requests.jsonl"

    def __enter__(self) -> Emulator:
        command = [sys.executable, "-m", "reconciler", "emulator", "--port", str(self.port),
                   "--delay", str(self.quotas.ready_delay), *self.quota_flags()]
        recording = {"MOTO_ENABLE_RECORDING": "1", "MOTO_RECORDER_FILEPATH": str(self.recording)}
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
                                        env=os.environ | recording | {"PYTHONPATH": str(REPO)})
        assert self.process.stdout is not None
        first = self.process.stdout.readline()  # blocks until it listens, or dies
        if "listening" not in first:
            raise SystemExit(f"the emulator did not start: {first}{self.process.stdout.read()}")
        return self

    def __exit__(self, *_: Any) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def quota_flags(self) -> list[str]:
        return []

    def calls(self) -> Calls:
        """Every request the server received so far, by operation (moto's request recording)."""
        counted: dict[str, int] = {}
        if not self.recording.exists():
            return Calls()
        with open(self.recording, encoding="utf-8") as lines:
            for line in lines:
                request = json.loads(line)
                operation = operation_of(request["method"], urlsplit(request["url"]).path)
                counted[operation] = counted.get(operation, 0) + 1
        return Calls(counted)

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
