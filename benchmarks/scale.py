"""Scale harness (not a test): plan and apply N gateways x M targets on the in-process emulator.

    python benchmarks/scale.py --gateways 20 --targets 50

Prints the seconds and API calls of the first plan, the apply, and the no-op
plan. Rates default to the real quotas' pace (reads 10/s, writes 5/s); pass
--unthrottled to measure the reconciler's own overhead.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1", RECONCILER_EMULATOR_DELAY="0.01")

from moto import mock_aws  # noqa: E402

from reconciler.apply import ApplySettings, apply_plan  # noqa: E402
from reconciler.aws import Api  # noqa: E402
from reconciler.desired import load_registry  # noqa: E402
from reconciler.emulator import install  # noqa: E402
from reconciler.live import read_live  # noqa: E402
from reconciler.planner import make_plan  # noqa: E402
from reconciler.waiting import Polling  # noqa: E402


def registry_text(gateways: int, targets: int) -> str:
    lines = ["registry: bench", "region: us-east-1", "gateways:"]
    for g in range(gateways):
        lines += [f"  gw{g}:", "    roleArn: arn:aws:iam::123456789012:role/r", "    authorizerType: NONE", "    targets:"]
        lines += [f"      t{t}: {{targetConfiguration: {{mcp: {{mcpServer: {{endpoint: 'https://s{g}-{t}.example.com/mcp'}}}}}}}}" for t in range(targets)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--unthrottled", action="store_true")
    args = parser.parse_args()
    install()
    folder = Path(tempfile.mkdtemp())
    (folder / "gateways.yaml").write_text(registry_text(args.gateways, args.targets))
    rates = {"read_rate": 1e6, "write_rate": 1e6} if args.unthrottled else {}
    with mock_aws():
        api = Api(region="us-east-1", **rates)
        registry = load_registry([str(folder)])
        for label in ("first plan", "apply", "no-op plan"):
            started, calls = time.monotonic(), sum(api.calls.values())
            plan = make_plan(registry, read_live(api, registry.name, set(registry.resources)))
            if label == "apply":
                result = apply_plan(api, plan, ApplySettings(polling=Polling(initial=0.01, maximum=0.05)))
                assert result.ok, result.report()
            print(f"{label:>10}: {time.monotonic() - started:7.2f}s {sum(api.calls.values()) - calls:6d} calls "
                  f"{len(plan.changes)} changes")


if __name__ == "__main__":
    main()
