"""MCP harness (not a test): probe, apply with synchronization, sync and verify N targets backed by real servers.

    python benchmarks/mcp_flow.py --targets 40 --servers 4

Runs the in-process emulator and N MCP-server targets spread over a few real
MCPServer instances on 127.0.0.1, then prints the seconds each step takes.
API pacing is off (--paced keeps the real quotas' pace) to measure the MCP side.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
                  RECONCILER_EMULATOR_DELAY="0.01", RECONCILER_LOOPBACK_HTTP="1")

from moto import mock_aws  # noqa: E402

from reconciler.apply import ApplySettings  # noqa: E402
from reconciler.aws import Api  # noqa: E402
from reconciler.deployments import load_desired_state  # noqa: E402
from reconciler.desired import TARGET  # noqa: E402
from reconciler.emulator import install  # noqa: E402
from reconciler.live import read_live  # noqa: E402
from reconciler.manager import Manager, PlanRequest  # noqa: E402
from reconciler.mcp.probe import probe  # noqa: E402
from reconciler.mcp.verify import verify  # noqa: E402
from reconciler.sync import SyncSettings, Synchronizer  # noqa: E402
from reconciler.waiting import Polling  # noqa: E402
from tests.helpers import mcp_registry  # noqa: E402
from tests.mcp_servers import healthy, mcp_app, serving  # noqa: E402


def timed(label: str, step):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = step()
    print(f"{label:>28}: {time.monotonic() - started:7.2f}s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=40)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--paced", action="store_true")
    args = parser.parse_args()
    install()
    folder = Path(tempfile.mkdtemp())
    with ExitStack() as stack, mock_aws():
        servers = [stack.enter_context(serving(mcp_app(healthy(f"s{i}")))) for i in range(args.servers)]
        targets = {f"t{i}": servers[i % len(servers)].https() for i in range(args.targets)}
        (folder / "gateways.yaml").write_text(mcp_registry(targets))
        registry = load_desired_state([str(folder)])
        api = Api(region="us-east-1", **({} if args.paced else {"reads_per_second": 1e6, "writes_per_second": 1e6}))
        settings = ApplySettings(polling=Polling(initial=0.02, maximum=0.1))
        report = timed(f"probe {args.targets} targets", lambda: probe(registry))
        assert report.ok
        manager, request = Manager(lambda line: None), PlanRequest([str(folder)], cache_dir=str(folder / "cache"))
        result = timed("apply (create + sync)", lambda: manager.converge(manager.compute(request, registry, api), settings))
        assert result.ok, result.report()
        live = read_live(api, registry.name, set(registry.resources)).managed_by(registry.name)
        refs = [r.ref for r in live.values() if r.ref.kind == TARGET]
        synchronizer = Synchronizer(api, settings.polling, settings.retrying, SyncSettings(), lambda line: None)
        synced = timed(f"sync {len(refs)} targets", lambda: synchronizer.run(refs))
        assert synced.ok
        checked = timed("verify through the gateway", lambda: verify(api, registry))
        assert checked.ok
        print(f"tools listed through the gateway: {sum(len(t.present) for g in checked.gateways for t in g.targets)}")


if __name__ == "__main__":
    main()
