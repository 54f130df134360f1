"""Shared fixtures: fake credentials, the in-process emulator, and the emulator as a loopback server.

Tests that need an emulator (in-process or a server) or start processes are marked `e2e` here, by the fixtures
they use or their module; `pytest -m "not e2e"` is the fast lane: the rest, with no emulator installed at all.
"""

from __future__ import annotations

import json
import os
import re
import socket
from contextlib import contextmanager
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest

from reconciler.apply import ApplySettings
from reconciler.aws import Api
from reconciler.aws_model import DISCOVERY_SERVICE, REGISTRY_SERVICE
from reconciler.sync import SyncSettings
from reconciler.waiting import Polling, Retrying

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REGION = "us-east-1"
FAST = ApplySettings(polling=Polling(initial=0.02, maximum=0.1, timeout=20, report_every=60), retrying=Retrying(delay=0.01),
                     sync=SyncSettings(attempts=3, backoff=0.2))
EMULATOR_DELAY = "0.05"
# Bounds on hangs (a process or a wait that never ends), never on speed: RECONCILER_TEST_TIMEOUT_SCALE stretches them on
# a slow or busy machine.
TIMEOUT_SCALE = float(os.environ.get("RECONCILER_TEST_TIMEOUT_SCALE", "1"))


def hang_bound(seconds: float) -> float:
    """`seconds` scaled by RECONCILER_TEST_TIMEOUT_SCALE: how long a test waits before it calls something hung."""
    return seconds * TIMEOUT_SCALE

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION=REGION,
    RECONCILER_EMULATOR_DELAY=EMULATOR_DELAY,
    RECONCILER_LOOPBACK_HTTP="1",  # registered https://127.0.0.1 endpoints of the test MCP servers are dialed over http
    # Tests count calls exactly: the ownership index answers at once, except where a test turns its lag on.
    RECONCILER_EMULATOR_INDEX_LAG="0",
)
for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL"):
    os.environ.pop(variable, None)

E2E_FIXTURES = frozenset({"emulator", "api", "client", "registries", "discovery", "emulator_url", "held_emulator"})
# Modules whose tests start emulator servers or CLI processes themselves (not through a fixture).
E2E_MODULES = frozenset({"test_benchmarks", "test_resilience", "test_interrupts", "test_cli_e2e", "test_locking"})


# Modules of the longest tests (tens of seconds each), run first: handed out one at a time (pyproject's addopts), they
# spread over the workers, and the short tests that come last fill the end, so no worker idles while another ends on a
# long one.
LONG_MODULES = frozenset({"test_resilience", "test_benchmarks", "test_interrupts", "test_cli_e2e"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.stem not in LONG_MODULES)  # stable: each group keeps its order
    for item in items:
        module = item.path.stem
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())) or module in E2E_MODULES or "emulator" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def own_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's observed-state cache is its own (never the user's ~/.cache)."""
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def emulator() -> Iterator[None]:
    """The emulator in-process: every boto3 call inside the test reaches it."""
    from moto import mock_aws

    from reconciler.emulator import install

    install()
    with mock_aws():
        yield


@pytest.fixture
def faults(emulator: None, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """The in-process emulator's fault rules and quotas for this test, from a clean state (zeroed counters, full
    buckets): `faults("denied:op=GetResources")`, `faults(quotas="reads=20")`."""
    from reconciler.emulator.faults import FAULTS_VARIABLE, install_faults, reset
    from reconciler.emulator.quotas import QUOTAS_VARIABLE

    install_faults()
    reset()

    def configure(rules: str = "", quotas: str = "") -> None:
        monkeypatch.setenv(FAULTS_VARIABLE, rules)
        monkeypatch.setenv(QUOTAS_VARIABLE, quotas)
        reset()

    return configure


@pytest.fixture
def api(emulator: None) -> Api:
    return Api(region=REGION, reads_per_second=1000, writes_per_second=1000)


@pytest.fixture
def client(emulator: None):  # type: ignore[no-untyped-def]
    return boto3.client("bedrock-agentcore-control", region_name=REGION)


@pytest.fixture
def registries(emulator: None):  # type: ignore[no-untyped-def]
    """AWS Agent Registry's control plane (GA): registries and records."""
    return boto3.client(REGISTRY_SERVICE, region_name=REGION)


@pytest.fixture
def discovery(emulator: None):  # type: ignore[no-untyped-def]
    """AWS Agent Registry's data plane (GA): SearchDiscoverableRegistryRecords."""
    return boto3.client(DISCOVERY_SERVICE, region_name=REGION)


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port bound for the block but never listening: a connection to it is refused (no other process or
    xdist worker can take it meanwhile, as they could a port found free and closed again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that takes connections (the kernel completes them) and never answers: a request there times out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


PREVIEW_MARK = "preview_calls"  # a test that calls the switched-off preview Agent Registry API on purpose


@pytest.fixture(autouse=True)
def no_preview_agent_registry_call(request: pytest.FixtureRequest) -> Iterator[None]:
    """No test calls the preview Agent Registry API (switched off by AWS), unless it is about that very refusal."""
    before = _preview_calls()
    yield
    if request.node.get_closest_marker(PREVIEW_MARK) is None:
        assert _preview_calls() == before, f"preview Agent Registry operations were called: {_preview_calls()}"


def _preview_calls() -> dict[str, int]:
    """The in-process emulator's count ({} while no test has installed it: nothing could have called it)."""
    preview = sys.modules.get("reconciler.emulator.preview")
    return dict(preview.preview_calls()) if preview is not None else {}


def server_preview_calls(url: str) -> dict[str, int]:
    """The preview Agent Registry calls an emulator server has received."""
    with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=10) as answer:  # noqa: S310 - loopback only
        return dict(json.loads(answer.read())["preview-calls"])


@contextmanager
def running_emulator(*flags: str, preview_calls: bool = False) -> Iterator[str]:
    """`reconcile emulator FLAGS` as a real process on a free loopback port, as a new user starts it; its URL.

    The server binds port 0 and reports the port it got (a port picked here and closed again could be taken by
    another xdist worker before the server binds it). When it stops, it must have received no preview Agent Registry
    call (unless the test makes them on purpose)."""
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "emulator", "--port", "0", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the server listens (or the process dies)
        listening = re.search(r"listening on (http://\S+)", first)
        assert listening, first
        # Keep reading what it prints: a pipe nobody drains fills up and freezes the server.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        url = listening.group(1)
        yield url
        if not preview_calls and process.poll() is None:
            assert server_preview_calls(url) == {}, "the emulator server received preview Agent Registry calls"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """The emulator server shared by the end-to-end tests."""
    with running_emulator("--delay", EMULATOR_DELAY) as url:
        yield url


def emulator_holds(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    """/_emulator/holds of the emulator server at `url`: GET the holds, POST a hold ({"kind": ..., KEY: VALUE}), DELETE
    (release) one ({"id": N}) or all (no body). See reconciler.emulator.holds."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/_emulator/holds", data=data, method=method)
    with urllib.request.urlopen(request, timeout=hang_bound(30)) as answer:  # noqa: S310 - loopback
        return json.load(answer)
