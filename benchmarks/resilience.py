"""Resilience harness (issue 9): faults, `kill -9`, secrets and ownership, through the `reconcile` CLI as a process
against `reconcile emulator` started with fault rules. tests/test_resilience.py runs each check at CI counts; this
harness runs the same checks at larger counts and prints their figures.

    python benchmarks/resilience.py                          # 40 targets a registry, 30 crash points (about 5 minutes)
    python benchmarks/resilience.py --targets 12 --crash-points 8 --out figures.json

The checks:

    faults     apply under throttling of every third call, 500s, 503s and connection resets at a rate, lost answers
               to Create* (the write happens, the answer is lost), IAM propagation refusals and busy conflicts:
               apply ends exit 0 (at most one re-run), the next plan is empty, each declared resource exists once
    crashes    `kill -9` of apply after its Nth progress line plus a seeded delay, at points spread over a first
               apply (creates) and over the apply of the next revision (deletes, updates), and while a gateway is
               CREATING (the emulator holds it so until the re-run has met it busy); after each, the documented
               recovery (apply; `force-unlock` of the lock a dead run leaves first) converges: each declared
               resource once, nothing removed left, an empty plan
    secrets    `${env:}` secrets (an OAuth2 clientSecret and an apiKey, used for real by MCP servers) never appear
               in any output of validate, plan (every format, --out, --checksum), apply (saved plan, rotation),
               drift, import, sync, probe and verify, nor in any file written (the observed-state cache included),
               nor in the errors of a file whose type errors hold secrets inside lists and maps
    ownership  another registry's resources and hand-made ones are never written by plan/apply/drift/sync of this
               registry (their Get descriptions and tags are unchanged), and declaring one of their names refuses

Every run's stdout and stderr is checked for a Python traceback. Exit 1 when any check fails.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Sequence, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from benchmarks.harness import REPO, Emulator, Quotas, Run, run_cli  # noqa: E402
from tests.helpers import ROLE, lambda_targets  # noqa: E402
from tests.mcp_servers import RequireApiKey, RequireBearer, healthy, mcp_app, oauth_server, serving  # noqa: E402

REGION = "us-east-1"
T = TypeVar("T")
DEADLINE = 240.0  # seconds any one CLI run may take
READY_DELAY = 0.2  # seconds the emulator's resources stay CREATING/UPDATING
POLL = ("--poll-interval", "0.1")
# Declared in every registry: the account's quotas raised, so runs are not paced at 10 reads/s (the emulator then
# enforces the same rates and the service's 5 target writes in flight per gateway).
RATE = 1000.0
CLIENT_ID = "resilience-client"
PATIENT = Config(retries={"mode": "standard", "max_attempts": 10})  # the checks' own reads, through the faults


# --- secrets ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Secrets:
    """Distinctive values for the registry's `${env:}` secrets."""

    client_secret: str = "rz-oauth-client-secret-7f3c91d2e8"
    api_key: str = "rz-vendor-api-key-4b60aa15c3"

    def environment(self) -> dict[str, str]:
        return {"CLIENT_SECRET": self.client_secret, "VENDOR_KEY": self.api_key}

    def rotated(self) -> Secrets:
        return Secrets(self.client_secret + "-rotated-91", self.api_key + "-rotated-92")

    def found_in(self, text: str) -> list[str]:
        """Which secrets `text` holds, as they are or base64-encoded (as an HTTP Basic header carries one)."""
        found = []
        for label, value in (("clientSecret", self.client_secret), ("apiKey", self.api_key)):
            forms = (value, base64.b64encode(value.encode()).decode(), base64.b64encode(f"{CLIENT_ID}:{value}".encode()).decode())
            if any(form in text for form in forms):
                found.append(label)
        return found


# --- registries -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """One registry of the checks, with names of its own (checks share an emulator): a gateway with `targets` Lambda
    targets, a rate limit and a rule, an OAuth2 and an API-key credential provider; optionally two MCP-server targets
    that use the providers for real, and an S3 lock. A name given explicitly replaces the derived one."""

    name: str
    targets: int
    lock_bucket: str | None = None
    mcp: tuple[str, str] | None = None  # endpoints: (OAuth2-protected server, API-key-protected server)
    discovery_url: str = "https://idp.example.com/.well-known/openid-configuration"
    gateway_name: str = ""
    oauth2_name: str = ""
    api_key_name: str = ""
    revision: int = 0  # > 0: the gateway and its rule say so (updates)

    def changed(self) -> Layout:
        """The next revision: half the targets removed (deletes), the gateway and its rule updated."""
        return replace(self, targets=self.targets // 2, revision=self.revision + 1)

    @property
    def gateway(self) -> str:
        return self.gateway_name or f"{self.name}-gw"

    @property
    def oauth2(self) -> str:
        return self.oauth2_name or f"{self.name}-m2m"

    @property
    def api_key(self) -> str:
        return self.api_key_name or f"{self.name}-key"

    def yaml(self) -> str:
        lock = f"lock: {{s3: {{bucket: {self.lock_bucket}}}}}\n" if self.lock_bucket else ""
        return (
            f"registry: {self.name}\nregion: {REGION}\nquotas: {{readsPerSecond: {RATE:g}, writesPerSecond: {RATE:g}}}\n{lock}"
            "safety: {deletePercent: 60}\n"  # the next revision deletes half the targets
            f"credentialProviders:\n  {self.oauth2}:\n    oauth2:\n      credentialProviderVendor: CustomOauth2\n"
            f"      oauth2ProviderConfigInput:\n        customOauth2ProviderConfig:\n"
            f"          oauthDiscovery: {{discoveryUrl: \"{self.discovery_url}\"}}\n"
            f"          clientId: {CLIENT_ID}\n          clientSecret: ${{env:CLIENT_SECRET}}\n"
            f"  {self.api_key}:\n    apiKey:\n      apiKey: ${{env:VENDOR_KEY}}\n"
            f"gateways:\n  {self.gateway}:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n"
            + (f"    description: revision {self.revision}\n" if self.revision else "")
            + "    rateLimits:\n      per-tool:\n        dimensionKeys: [toolName]\n"
            "        entries: [{dimensions: {toolName: \"*\"}, requests: [{rate: 200, period: second}]}]\n"
            f"    rules:\n      10: {{description: rule {self.revision}, actions: [{{routeToTarget: {{staticRoute: {{targetName: t0}}}}}}]}}\n"
            f"    targets:\n{lambda_targets(self.targets)}{self._mcp_targets()}"
        )

    def _mcp_targets(self) -> str:
        if self.mcp is None:
            return ""
        oauth = f"{{oauthCredentialProvider: {{provider: {self.oauth2}, scopes: [orders/read]}}}}"
        key = f"{{apiKeyCredentialProvider: {{provider: {self.api_key}, credentialParameterName: x-api-key, credentialLocation: HEADER}}}}"
        return "".join(
            f"      {target}:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: \"{endpoint}\"}}}}}}\n"
            f"        credentialProviderConfigurations: [{{credentialProviderType: {kind}, credentialProvider: {provider}}}]\n"
            for target, endpoint, kind, provider in (("orders", self.mcp[0], "OAUTH", oauth), ("weather", self.mcp[1], "API_KEY", key))
        )

    def addresses(self) -> set[str]:
        """What must exist exactly once once the registry is applied."""
        gateway = f"gateway/{self.gateway}"
        targets = [f"t{i}" for i in range(self.targets)] + (["orders", "weather"] if self.mcp else [])
        return {gateway, f"{gateway}/rate-limit/per-tool", f"{gateway}/rule/10", f"oauth2-credential-provider/{self.oauth2}",
                f"api-key-credential-provider/{self.api_key}", *(f"{gateway}/target/{t}" for t in targets)}

    def folder(self, root: Path) -> Path:
        """The registry written to a folder of its own under `root` (its working directory for the CLI)."""
        folder = root / self.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "gateways.yaml").write_text(self.yaml())
        return folder


# --- the emulator and the CLI -------------------------------------------------------------------------------
class FaultyEmulator(Emulator):
    """The harness's emulator server, with fault rules beside its quotas."""

    def __init__(self, faults: Sequence[str] = (), seed: int = 0, holds: Sequence[str] = ()):
        super().__init__(Quotas(reads_per_second=RATE, writes_per_second=RATE, latency=0.0, ready_delay=READY_DELAY))
        self.faults, self.seed, self.holds = tuple(faults), seed, tuple(holds)

    def quota_flags(self) -> list[str]:  # the flags the harness's Emulator starts the server with
        return [*super().quota_flags(), "--fault-seed", str(self.seed), *(flag for rule in self.faults for flag in ("--fault", rule)),
                *(flag for rule in self.holds for flag in ("--hold", rule))]

    def held(self) -> list[dict[str, Any]]:
        """The holds in place, each with what it has kept (/_emulator/holds)."""
        with urllib.request.urlopen(f"{self.url}/_emulator/holds", timeout=30) as answer:  # noqa: S310 - loopback
            return json.load(answer)["holds"]  # type: ignore[no-any-return]

    def release(self) -> None:
        """Release every hold: held resources move on, held calls are carried out."""
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/_emulator/holds", method="DELETE"), timeout=30):  # noqa: S310
            pass

    def counters(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_emulator/stats", timeout=30) as answer:  # noqa: S310 - loopback
            return json.load(answer)  # type: ignore[no-any-return]

    def faults_injected(self) -> dict[str, int]:
        """Faults by kind so far (and calls over the rate quotas, refused target writes), from the emulator's counters."""
        injected: Counter[str] = Counter()
        for operation in self.counters()["operations"].values():
            injected.update(operation["faults"])
            injected.update({"quota-throttled": operation["throttled"], "target-writes-refused": operation["refused"]})
        return dict(sorted((kind, n) for kind, n in injected.items() if n))

    def client(self, service: str = "bedrock-agentcore-control") -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, aws_access_key_id="resilience",
                            aws_secret_access_key="resilience", config=PATIENT)

    def log_text(self) -> str:
        return self._output()


def label(run: Run) -> str:
    return "reconcile " + " ".join(run.command[3:])


class Bench:
    """The CLI runs of one check against one emulator, each recorded (for the traceback and secret checks)."""

    def __init__(self, emulator: FaultyEmulator, root: Path, secrets: Secrets):
        self.emulator = emulator
        self.cache = root / "cache"
        self.environment = emulator.environment(self.cache) | secrets.environment() | {"RECONCILER_LOOPBACK_HTTP": "1"}
        self.runs: list[Run] = []
        self.lock = threading.Lock()

    def cli(self, folder: Path, *arguments: str, env: dict[str, str] | None = None) -> Run:
        run = run_cli(list(arguments), folder, self.environment | (env or {}), DEADLINE)
        self._record(run)
        return run

    def apply(self, folder: Path, *arguments: str, env: dict[str, str] | None = None) -> Run:
        return self.cli(folder, "apply", "--auto-approve", *POLL, *arguments, env=env)

    def killed_apply(self, folder: Path, after: int | str, delay: float, until: Callable[[], bool] = lambda: True) -> tuple[Run, bool]:
        """`reconcile apply` sent SIGKILL `delay` seconds after its stderr's `after`th line (or first line holding the text
        `after`) and once `until()` holds (bounded); (run, whether it was still running then)."""
        def kill(process: subprocess.Popen[str]) -> bool:
            bounded_wait(until, f"the condition of the kill after {after!r}")
            time.sleep(delay)
            alive = process.poll() is None
            process.kill()
            return alive

        return self.watched_apply(folder, after, kill)

    def watched_apply(self, folder: Path, after: int | str, then: Callable[[subprocess.Popen[str]], T]) -> tuple[Run, T]:
        """`reconcile apply`, `then(process)` called after its stderr's `after`th line (or first line holding the text
        `after`); (run, what `then` returned). The run is killed past DEADLINE."""
        command = [sys.executable, "-m", "reconciler", "apply", "--auto-approve", *POLL]
        with tempfile.TemporaryFile("w+") as out:
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=folder, env=self.environment, stdout=out, stderr=subprocess.PIPE, text=True)
            deadline = threading.Timer(DEADLINE, process.kill)
            deadline.start()
            try:
                assert process.stderr is not None
                lines = read_until(process.stderr, after)
                outcome = then(process)
                rest = process.stderr.read()
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
            finally:
                deadline.cancel()
                process.stderr.close()  # type: ignore[union-attr]
            out.seek(0)
            run = Run(command, process.returncode, out.read(), "".join(lines) + rest, time.monotonic() - started,
                      usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
        self._record(run)
        return run, outcome

    def _record(self, run: Run) -> None:
        with self.lock:
            self.runs.append(run)

def parallel(calls: Sequence[Callable[[], Any]], workers: int = 4) -> list[Any]:
    """What each call returns, the calls run `workers` at a time (CLI runs mostly wait: on the emulator, on each other)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


def bounded_wait(condition: Callable[[], bool], what: str) -> None:
    """Until `condition()` holds; AssertionError after DEADLINE (a hang, never a race: what it waits for must come)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met after {DEADLINE:.0f} s")
        time.sleep(0.05)


def read_until(stream: IO[str], after: int | str) -> list[str]:
    """Lines of `stream` up to its `after`th line, or up to the first holding the text `after` (or its end)."""
    lines: list[str] = []
    while line := stream.readline():
        lines.append(line)
        if len(lines) == after or (isinstance(after, str) and after in line):
            break
    return lines


@contextmanager
def bench(root: Path, secrets: Secrets, faults: Sequence[str] = (), seed: int = 0, holds: Sequence[str] = ()) -> Iterator[Bench]:
    """A Bench on an emulator of its own; an emulator that logged a traceback invalidates the check (AssertionError)."""
    with FaultyEmulator(faults, seed, holds) as emulator:
        yield Bench(emulator, root, secrets)
        log = emulator.log_text()
        if "Traceback" in log:
            raise AssertionError(f"the emulator failed: {log[log.index('Traceback'):][:2000]}")


# --- what exists in the account ------------------------------------------------------------------------------
def items(client: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page[key]


def inventory(client: Any) -> Counter[str]:
    """Every gateway, target, rate limit, rule and credential provider in the account, by address, counted."""
    found: Counter[str] = Counter()
    for operation, kind in (("list_oauth2_credential_providers", "oauth2"), ("list_api_key_credential_providers", "api-key")):
        found.update(f"{kind}-credential-provider/{p['name']}" for p in items(client, operation, "credentialProviders"))
    for gateway in items(client, "list_gateways", "items"):
        address, ident = f"gateway/{gateway['name']}", {"gatewayIdentifier": gateway["gatewayId"]}
        found[address] += 1
        found.update(f"{address}/target/{t['name']}" for t in items(client, "list_gateway_targets", "items", **ident))
        found.update(f"{address}/rate-limit/{r['rateLimitId']}" for r in items(client, "list_gateway_rate_limits", "rateLimits", **ident))
        found.update(f"{address}/rule/{r['priority']}" for r in items(client, "list_gateway_rules", "gatewayRules", **ident))
    return found


@dataclass
class Census:
    """How the declared resources of one registry exist: more than once, or not at all; and what its gateway holds that
    is not declared (removed, but still there)."""

    duplicates: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    undeclared: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, layout: Layout, found: Counter[str]) -> Census:
        wanted, children = layout.addresses(), f"gateway/{layout.gateway}/"
        return cls({a: n for a, n in sorted(found.items()) if a in wanted and n > 1}, sorted(a for a in wanted if found[a] == 0),
                   sorted(a for a in found if a.startswith(children) and a not in wanted))

    def problems(self, where: str) -> list[str]:
        return ([f"{where}: {address} exists {n} times" for address, n in self.duplicates.items()]
                + [f"{where}: {address} is missing" for address in self.missing]
                + [f"{where}: {address} was removed from the files but still exists" for address in self.undeclared])


def run_problems(runs: Sequence[Run], failing: Sequence[Run] = (), killed: bool = False) -> list[str]:
    """A traceback in any run; a run that did not exit 0, but the `failing` ones, which must exit 1 (and, when `killed`,
    those the check sent SIGKILL)."""
    def expected(run: Run) -> bool:
        return run.exit_code == (1 if run in failing else 0) or killed and run.exit_code == -signal.SIGKILL

    return ([f"{label(run)}: printed a traceback" for run in runs if "Traceback" in run.stdout + run.stderr]
            + [f"{label(run)}: exit {run.exit_code}: {run.stderr.strip()[-300:]}" for run in runs if not expected(run)])


# --- 1. convergence under faults -------------------------------------------------------------------------------
LOST_ONCE = ("CreateOauth2CredentialProvider", "CreateApiKeyCredentialProvider", "CreateGateway", "CreateGatewayRateLimit",
             "CreateGatewayRule")


def fault_rules(targets: int, tries: int | None = None) -> list[str]:
    """The faults apply must converge under; the first rule that fires answers a call. With `tries` (the tests'), the
    call faults fire on a request's first `tries` tries only and those drawn at a rate fire every Nth call instead: each
    kind is injected whatever the order of the calls, and a client that tries more often than that (botocore: 8
    attempts) provably gets every answer, so one apply converges whatever the timing."""
    bounded = f",tries={tries}" if tries else ""

    def often(kind: str, rate: float) -> str:
        return f"{kind}:{f'every={round(1 / rate)}' if tries else f'rate={rate}'}{bounded}"

    return [
        # One answer lost for each Create*, and one in four of the targets' (the writes happen). The providers' creates take
        # no clientToken: their retry meets the provider the lost call made.
        *(f"lost:op={operation},limit=1,as=reset{bounded}" for operation in LOST_ONCE),
        f"lost:op=CreateGatewayTarget,every=4,limit={lost_targets(targets)},as=reset{bounded}",
        f"throttle:every=3{bounded}",
        often("internal", 0.04),
        often("unavailable", 0.04),
        often("reset", 0.03),  # the connection is reset: nothing written, no answer
        "iam-propagation:name=*/t1*,attempts=1",  # t1, t10..t19...: the gateway role is still propagating
        "busy-conflict",
    ]


def lost_targets(targets: int) -> int:
    return max(1, targets // 4)


@dataclass
class Convergence:
    apply_exits: list[int]
    first_failures: list[str]  # the `failed:` lines of the runs before the last
    plan_exit: int
    census: Census
    faults: dict[str, int]
    lost: dict[str, int]  # lost answers by operation
    calls: int
    runs: list[Run]

    def problems(self) -> list[str]:
        """apply converged (a first failed run excused: it is re-run), the plan after it is empty, each resource once."""
        return run_problems(self.runs[1:] if len(self.apply_exits) > 1 else self.runs) + self.census.problems("faults")


def converge_under_faults(root: Path, targets: int, seed: int, secrets: Secrets, rules: Sequence[str] | None = None) -> Convergence:
    """Apply under the fault rules (default: fault_rules), once more if the first run fails; then a plan, and what exists."""
    layout = Layout("faults", targets)
    with bench(root, secrets, fault_rules(targets) if rules is None else rules, seed) as b:
        folder = layout.folder(root)
        applies = [b.apply(folder)]
        if applies[0].exit_code != 0:
            applies.append(b.apply(folder))
        plan_exit = b.cli(folder, "plan", "--detailed-exitcode").exit_code
        counters, faults = b.emulator.counters(), b.emulator.faults_injected()
        census = Census.of(layout, inventory(b.emulator.client()))
    failures = [line.strip() for run in applies[:-1] for line in run.stdout.splitlines() if line.startswith("  failed:")]
    lost = {op: o["faults"]["lost"] for op, o in counters["operations"].items() if "lost" in o["faults"]}
    return Convergence([a.exit_code for a in applies], failures, plan_exit, census, faults, lost, counters["calls"], b.runs)


# --- 2. kill -9 and a re-run -------------------------------------------------------------------------------------
BUSY = "crash-busy"  # the emulator holds its gateway CREATING until the re-run has met it so
CRASH_FAULTS = ("busy-conflict",)
CRASH_HOLDS = (f"gateway:name={BUSY}-gw,status=CREATING",)
LOCK_ID = re.compile(r"reconcile force-unlock ([0-9a-f-]+)")
CRASH_BUCKET = "resilience-locks"
CREATING, CHANGING = "creating", "changing"  # the apply killed: the first one, or the one of the next revision


@dataclass(frozen=True)
class Kill:
    registry: str
    apply: str  # CREATING or CHANGING
    after: int | str  # the progress line (its number, or a text in it) the kill follows
    delay: float  # seconds after that line
    locked: bool  # the registry holds an S3 lock (the killed apply leaves it behind)


@dataclass
class CrashPoint:
    kill: Kill
    killed_running: bool  # False: the apply had finished before the kill
    lock_left: bool
    recovery_exits: list[int]  # apply (force-unlock, apply when a lock was left)
    plan_exit: int
    census: Census

    def problems(self) -> list[str]:
        where = f"kill of {self.kill.registry}'s {self.kill.apply} apply after {self.kill.after!r}"
        expected = [1, 0, 0] if self.kill.locked else [0]  # a lock left behind: refused, force-unlock, apply
        return ([f"{where}: the apply had ended"] * (not self.killed_running)
                + [f"{where}: recovery exits {self.recovery_exits}, not {expected}"] * (self.recovery_exits != expected)
                + [f"{where}: the plan after it exits {self.plan_exit}"] * (self.plan_exit != 0) + self.census.problems(where))


@dataclass
class Crashes:
    reference_lines: dict[str, int]  # stderr lines of each apply when it is not killed
    points: list[CrashPoint]
    faults: dict[str, int]
    runs: list[Run]

    @property
    def duplicates(self) -> dict[str, int]:
        return {a: n for p in self.points for a, n in p.census.duplicates.items()}

    def problems(self) -> list[str]:
        """Each kill landed mid-run and its recovery converged; the refused applies (a lock left) are expected."""
        refused = [run for run in self.runs if "force-unlock" in run.stderr and run.exit_code == 1]
        return run_problems(self.runs, refused, killed=True) + [problem for point in self.points for problem in point.problems()]


def kills(lines: dict[str, int], count: int, lock_every: int, rng: random.Random) -> list[Kill]:
    """A kill while the held gateway of registry BUSY is CREATING (no lock: the re-run must start while it still is), and
    `count` kills, alternately of the creating and the changing apply, spread over its stderr lines: after line N and a
    random delay."""
    spread = []
    for i in range(count):
        apply, rank, per_apply = (CREATING, CHANGING)[i % 2], i // 2, (count + 1) // 2
        spread.append(Kill(f"crash-{i}", apply, 1 + rank * (lines[apply] - 1) // per_apply, round(rng.uniform(0, 0.3), 3),
                           rank % lock_every == 0))
    return [Kill(BUSY, CREATING, f"gateway/{BUSY}-gw: Creating...", 0.0, locked=False)] + spread


def crash_and_rerun(root: Path, targets: int, points: int, seed: int, secrets: Secrets, at_once: int = 4,
                    lock_every: int = 2) -> Crashes:
    """Apply `kill -9`ed at `points` points spread over a first apply (creates) and over the apply of the next revision
    (deletes and updates), and once while a gateway is CREATING, each followed by the recovery, in registries of their
    own (`at_once` at a time); the registries of every `lock_every`th pair of points hold the S3 lock a killed apply
    leaves behind."""
    with bench(root, secrets, CRASH_FAULTS, seed, CRASH_HOLDS) as b:
        b.emulator.client("s3").create_bucket(Bucket=CRASH_BUCKET)

        def prepared(kill: Kill) -> tuple[Layout, Path]:
            """The registry at the revision the killed apply applies (the first one applied before, when it changes)."""
            layout = Layout(kill.registry, targets, CRASH_BUCKET if kill.locked else None)
            folder = layout.folder(root)
            if kill.apply == CHANGING:
                succeeded(b.apply(folder))
                layout = layout.changed()
                layout.folder(root)
            return layout, folder

        def reference(apply: str) -> int:
            layout, folder = prepared(Kill(f"crash-reference-{apply}", apply, 0, 0.0, locked=True))
            return len(succeeded(b.apply(folder)).stderr.splitlines())

        def kept_busy() -> bool:
            """The hold keeps BUSY's gateway CREATING: it was created (the killed apply waits for it), its time is over."""
            return any(f"{BUSY}-gw" in hold["kept"] for hold in b.emulator.held())

        def recover_busy(folder: Path) -> Run:
            """The re-run, BUSY's gateway held CREATING until the re-run's writes to it were refused as busy."""
            return b.watched_apply(folder, "ConflictException", lambda _: b.emulator.release())[0]

        def crash(kill: Kill) -> CrashPoint:
            layout, folder = prepared(kill)
            busy = kill.registry == BUSY
            _, alive = b.killed_apply(folder, kill.after, kill.delay, kept_busy if busy else lambda: True)
            recovery = [recover_busy(folder) if busy else b.apply(folder)]
            held = LOCK_ID.search(recovery[0].stderr)
            if recovery[0].exit_code != 0 and held:
                recovery.append(b.cli(folder, "force-unlock", held.group(1)))
                recovery.append(b.apply(folder))
            plan_exit = b.cli(folder, "plan", "--detailed-exitcode").exit_code
            return CrashPoint(kill, alive, held is not None, [r.exit_code for r in recovery], plan_exit,
                              Census.of(layout, inventory(b.emulator.client())))

        lines = dict(zip((CREATING, CHANGING), parallel([lambda: reference(CREATING), lambda: reference(CHANGING)])))
        chosen = kills(lines, points, lock_every, random.Random(seed))
        results = parallel([lambda kill=kill: crash(kill) for kill in chosen], at_once)
        return Crashes(lines, results, b.emulator.faults_injected(), b.runs)


def succeeded(run: Run) -> Run:
    """A run that had to succeed for the check to mean anything."""
    if run.exit_code != 0:
        raise AssertionError(f"{label(run)} failed: {run.stdout[-2000:]}{run.stderr[-2000:]}")
    return run


# --- 3. secrets ----------------------------------------------------------------------------------------------------
SECRETS_MISPLACED = REPO / "tests" / "fixtures" / "secrets" / "in_lists_and_maps.yaml"


@dataclass
class Secrecy:
    leaks: list[str]  # "WHERE: SECRET"
    files: list[str]  # the files written, searched for secrets (relative to the check's folder)
    bad_file: list[Run]  # validate and plan of the file whose type errors hold secrets
    refused: dict[str, Run]  # runs that must fail because the secrets were rotated
    runs: list[Run]

    def problems(self) -> list[str]:
        """No secret anywhere; every command worked but those that must fail; the bad file's errors: one masked line each."""
        bad_lines = [line for run in self.bad_file for line in run.stderr.strip().splitlines()]
        return (self.leaks + run_problems(self.runs, self.bad_file + list(self.refused.values()))
                + [f"bad file: {line}" for line in bad_lines
                   if not line.startswith(f"{SECRETS_MISPLACED}:") or "(sensitive value)" not in line])


def written(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def leaks_in(runs: Sequence[Run], root: Path, secrets: Sequence[Secrets]) -> list[str]:
    """Every output and every file under `root` (gzip files opened) that holds a secret."""
    found = [f"{label(run)} {stream}: {which}" for run in runs for stream in ("stdout", "stderr")
             for s in secrets for which in s.found_in(getattr(run, stream))]
    for path in written(root):
        data = path.read_bytes()
        text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode(errors="replace")
        found += [f"{path.relative_to(root)}: {which}" for s in secrets for which in s.found_in(text)]
    return found


def secrets_never_shown(root: Path, targets: int, secrets: Secrets) -> Secrecy:
    """Every command on a registry whose MCP servers take the secrets for real (an OAuth2 client secret, an API key),
    then with the secrets rotated; and the file whose type errors hold secrets. Outputs and files are searched."""
    rotated = secrets.rotated()
    with ExitStack() as stack:
        authority = stack.enter_context(oauth_server({CLIENT_ID: secrets.client_secret}))
        orders = stack.enter_context(serving(RequireBearer(mcp_app(healthy()), authority)))
        weather = stack.enter_context(serving(RequireApiKey(mcp_app(healthy("weather")), "x-api-key", secrets.api_key)))
        b = stack.enter_context(bench(root, secrets))
        layout = Layout("secrets", targets, mcp=(orders.https(), weather.https()), discovery_url=authority.discovery_url)
        folder = layout.folder(root)
        parallel([lambda: b.cli(folder, "validate"), lambda: b.cli(folder, "plan", "--format", "json"),
                    lambda: b.cli(folder, "plan", "--format", "markdown"),
                    lambda: b.cli(folder, "plan", "--out", "plan.json", "--checksum")])  # text, with the saved plan
        b.cli(folder, "apply", "plan.json", *POLL)
        parallel([lambda f=f: b.cli(folder, "drift", "--format", f) for f in ("text", "json", "markdown")]
                   + [lambda: b.cli(folder, "import", "--gateway", layout.gateway, "--credential-provider", layout.oauth2,
                                    "--credential-provider", layout.api_key, "--out", "imported.yaml"),
                      lambda: b.cli(folder, "sync", "--all", *POLL),
                      lambda: b.cli(folder, "probe", "--format", "json"),
                      lambda: b.cli(folder, "verify")])
        b.cli(folder, "plan", "--out", "reviewed.json")  # nothing to change, reviewed with the secrets as they were
        # The secrets rotated: the reviewed plan is stale, the servers refuse the new ones, apply updates the providers.
        new = rotated.environment()

        def rotate_then_sync() -> Run:
            b.apply(folder, env=new)  # its plan updates both providers
            return b.cli(folder, "sync", "--all", "--attempts", "1", *POLL, env=new)

        *failing, validated, planned = parallel([
            lambda: b.cli(folder, "apply", "reviewed.json", *POLL, env=new), lambda: b.cli(folder, "probe", env=new), rotate_then_sync,
            lambda: b.cli(root, "validate", "-f", str(SECRETS_MISPLACED)), lambda: b.cli(root, "plan", "-f", str(SECRETS_MISPLACED))])
    refused = dict(zip(("stale saved plan", "probe", "sync"), failing))
    files = [str(path.relative_to(root)) for path in written(root)]
    return Secrecy(leaks_in(b.runs, root, (secrets, rotated)), files, [validated, planned], refused, b.runs)


# --- 4. ownership --------------------------------------------------------------------------------------------------
@dataclass
class Ownership:
    changed: list[str]  # foreign resources whose description or tags differ afterwards
    refusals: dict[str, Run]  # apply of a registry declaring a foreign name, by whose name
    claimed: list[str]  # what those refused applies created all the same
    runs: list[Run]

    def problems(self) -> list[str]:
        """Foreign resources unchanged; a claim on one of their names refused, naming it, and writing nothing."""
        return (run_problems(self.runs, list(self.refusals.values())) + [f"{name} was written" for name in self.changed]
                + [f"declaring {name}: not refused as existing" for name, run in self.refusals.items()
                   if f"named '{name}' already exists" not in run.stderr]
                + [f"{address} was created by a refused apply" for address in self.claimed])


def describe(client: Any, gateways: Sequence[str], providers: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Full Get descriptions and tags of these gateways (with their targets) and (kind, name) credential providers."""
    def plain(answer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in answer.items() if k != "ResponseMetadata"}

    def tags(arn: str) -> dict[str, str]:
        return client.list_tags_for_resource(resourceArn=arn)["tags"]  # type: ignore[no-any-return]

    seen: dict[str, Any] = {}
    by_name = {g["name"]: g["gatewayId"] for g in items(client, "list_gateways", "items")}
    for name in gateways:
        gateway = plain(client.get_gateway(gatewayIdentifier=by_name[name]))
        targets = {t["name"]: plain(client.get_gateway_target(gatewayIdentifier=by_name[name], targetId=t["targetId"]))
                   for t in items(client, "list_gateway_targets", "items", gatewayIdentifier=by_name[name])}
        seen[f"gateway/{name}"] = {"description": gateway, "tags": tags(gateway["gatewayArn"]), "targets": targets}
    for kind, name in providers:
        provider = plain(getattr(client, f"get_{kind}_credential_provider")(name=name))
        seen[f"{kind}/{name}"] = {"description": provider, "tags": tags(provider["credentialProviderArn"])}
    return seen


def ready(read: Callable[[], dict[str, Any]]) -> None:
    """Until the resource reads READY twice in a row, as the service's may flap once (bounded: the emulator's
    transitions last READY_DELAY)."""
    in_a_row = 0
    for _ in range(200):
        in_a_row = in_a_row + 1 if read()["status"] == "READY" else 0
        if in_a_row == 2:
            return
        time.sleep(0.05)
    raise AssertionError(f"never READY: {read()}")


def make_by_hand(client: Any) -> None:
    """Resources nobody's registry owns: a gateway with a target, and two providers (one with a tag of its own)."""
    gateway = client.create_gateway(name="handmade-gw", roleArn=ROLE, authorizerType="AWS_IAM")["gatewayId"]
    ready(lambda: client.get_gateway(gatewayIdentifier=gateway))
    target = client.create_gateway_target(gatewayIdentifier=gateway, name="legacy", targetConfiguration={"mcp": {"lambda": {
        "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:legacy", "toolSchema": {"inlinePayload": []}}}})["targetId"]
    ready(lambda: client.get_gateway_target(gatewayIdentifier=gateway, targetId=target))
    client.create_oauth2_credential_provider(name="handmade-m2m", credentialProviderVendor="CustomOauth2", oauth2ProviderConfigInput={
        "customOauth2ProviderConfig": {"oauthDiscovery": {"discoveryUrl": "https://idp.example.com/.well-known/openid-configuration"},
                                       "clientId": "legacy", "clientSecret": "legacy-secret"}})
    client.create_api_key_credential_provider(name="handmade-key", apiKey="legacy-key", tags={"team": "legacy"})


def foreign_untouched(root: Path, targets: int, secrets: Secrets) -> Ownership:
    """Another registry's resources and hand-made ones, described before and after this registry's plan, apply, drift,
    sync and next revision, and after applies of registries that declare their names."""
    other, ours = Layout("other", 2), Layout("ours", targets)
    foreign_gateways = ["handmade-gw", other.gateway]
    foreign_providers = [("oauth2", "handmade-m2m"), ("api_key", "handmade-key"), ("oauth2", other.oauth2), ("api_key", other.api_key)]
    with bench(root, secrets) as b:
        client = b.emulator.client()
        succeeded(b.apply(other.folder(root)))
        make_by_hand(client)
        before = describe(client, foreign_gateways, foreign_providers)
        folder = ours.folder(root)
        b.cli(folder, "plan")
        b.apply(folder)
        parallel([lambda f=f: b.cli(folder, "drift", "--format", f) for f in ("text", "json", "markdown")]
                   + [lambda: b.cli(folder, "sync", "--all", *POLL), lambda: b.cli(folder, "plan", "--format", "json")])
        ours.changed().folder(root)  # deletes and updates next to the foreign resources
        b.apply(folder)
        claims = [("gateway_name", "handmade-gw"), ("gateway_name", other.gateway), ("oauth2_name", "handmade-m2m"),
                  ("api_key_name", other.api_key)]
        claiming = [Layout(f"claim-{i}", 1, **{member: name}).folder(root) for i, (member, name) in enumerate(claims)]
        refusals = dict(zip((name for _, name in claims), parallel([lambda f=f: b.apply(f) for f in claiming])))
        after = describe(client, foreign_gateways, foreign_providers)
        claimed = sorted(address for address in inventory(client) if "claim-" in address)
    changed = sorted(name for name in before if before[name] != after[name])
    return Ownership(changed, refusals, claimed, b.runs)


# --- the harness ----------------------------------------------------------------------------------------------------
def figures(convergence: Convergence, crashes: Crashes, secrecy: Secrecy, ownership: Ownership) -> dict[str, Any]:
    runs = convergence.runs + crashes.runs + secrecy.runs + ownership.runs
    censuses = [convergence.census] + [p.census for p in crashes.points]
    return {
        "runs": len(runs),
        "faults": {"convergence": convergence.faults, "crashes": crashes.faults},
        "convergence": {"apply_exits": convergence.apply_exits, "first_failures": convergence.first_failures,
                        "plan_exit": convergence.plan_exit, "calls": convergence.calls, "lost": convergence.lost},
        "crash_reference_lines": crashes.reference_lines,
        "crash_points_tried": len(crashes.points),
        "crash_points": [asdict(p) for p in crashes.points],
        "duplicates_found": sum(len(c.duplicates) for c in censuses),
        "secrets_found": len(secrecy.leaks),
        "tracebacks_found": sum("Traceback" in run.stdout + run.stderr for run in runs),
        "problems": convergence.problems() + crashes.problems() + secrecy.problems() + ownership.problems(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=40, help="Lambda targets per registry")
    parser.add_argument("--crash-points", type=int, default=30)
    parser.add_argument("--at-once", type=int, default=4, help="crash points run at a time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    secrets = Secrets()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        convergence = converge_under_faults(root / "faults", args.targets, args.seed, secrets)
        crashes = crash_and_rerun(root / "crashes", args.targets, args.crash_points, args.seed, secrets, args.at_once)
        secrecy = secrets_never_shown(root / "secrets", args.targets, secrets)
        ownership = foreign_untouched(root / "ownership", args.targets, secrets)
    found = figures(convergence, crashes, secrecy, ownership) | {"seconds": round(time.monotonic() - started, 1)}
    text = json.dumps(found, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text)
    sys.exit(1 if found["problems"] else 0)


if __name__ == "__main__":
    main()
