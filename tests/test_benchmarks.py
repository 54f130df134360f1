"""The scale harness keeps running: its smallest registry, as CI's smoke test (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

STEPS = {"apply", "cold plan", "warm plan", "one target changed", "changed-only plan"}


def test_the_scale_harness_runs_its_smallest_registry(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "benchmarks/scale.py", "--smoke", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (size,) = json.loads((tmp_path / "scale.json").read_text())["sizes"]
    assert size["targets"] == 10 and set(size["steps"]) == STEPS
    assert size["steps"]["cold plan"]["calls"] > 0 and size["steps"]["apply"]["writes"] > 0
