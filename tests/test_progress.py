"""Progress one can watch: the tally's summary line, the terminal's live line (rich) and what apply and sync report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typing import Any

from rich.console import Console

from reconciler.apply import apply_plan
from reconciler.progress import LiveMeter, Meter, SummaryMeter, meter_for
from tests.conftest import FAST
from tests.helpers import fleet, mcp_registry, plan_for, registry_from
from tests.mcp_servers import healthy, mcp_app, serving


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recording(Meter):
    """A meter that remembers each phase as (name, total, done, failed) when the next one begins."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int]] = []

    def phase(self, name: str, total: int) -> None:
        super().phase(name, total)
        self.seen.append((name, total))


class ScriptedStop:
    """Stands in for the summary thread's stop event: `wait` answers from a script, no time passes."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers

    def wait(self, seconds: float) -> bool:
        return self.answers.pop(0)

    def set(self) -> None:
        self.answers = [True]


def test_the_summary_line_says_the_phase_done_total_failures_and_time_left() -> None:
    clock = Clock()
    meter = Meter(clock)
    meter.phase("writing targets", 40)
    assert meter.tally.summary() == ("Progress: phase 1 (writing targets): 0/40 done, 0 failed so far, "
                                     "estimating the time left in this phase")
    clock.now += 30
    meter.advance(9)
    meter.advance(failed=True)
    assert meter.tally.summary() == ("Progress: phase 1 (writing targets): 10/40 done, 1 failed so far, "
                                     "about 1m30s left in this phase")  # 3 s each, 30 to go
    meter.phase("synchronizing targets", 4)
    assert meter.tally.summary().startswith("Progress: phase 2 (synchronizing targets): 0/4 done, 1 failed so far")


def test_without_a_terminal_a_summary_line_comes_every_interval_until_closed() -> None:
    lines: list[str] = []
    meter = SummaryMeter(lines.append, every=3600.0)
    meter.close()  # its own thread stopped at once
    assert not meter.thread.is_alive() and lines == []
    scripted = SummaryMeter(lines.append, every=15.0)
    scripted.close()
    scripted.stopped = ScriptedStop([False, False, True])  # type: ignore[assignment]
    scripted.phase("writing gateways", 7)
    scripted._report()  # what the thread runs: one line per interval that passes
    assert lines == ["Progress: phase 1 (writing gateways): 0/7 done, 0 failed so far, estimating the time left in this phase"] * 2


def test_on_a_terminal_one_live_line_shows_the_phase_done_total_and_failures() -> None:
    screen = io.StringIO()
    meter = LiveMeter(Console(file=screen, force_terminal=True, width=120))
    meter.phase("writing targets", 8)
    meter.advance(3)
    meter.advance(failed=True)
    meter.close()
    shown = screen.getvalue()
    assert "phase 1: writing targets" in shown and "4/8" in shown and "1 failed" in shown and "ETA" in shown


def test_a_meter_is_chosen_by_the_size_of_the_run_and_the_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert type(meter_for(5, Terminal(), print)) is Meter  # a handful: the per-resource lines are enough
    with meter_for(6, io.StringIO(), print) as ci:
        assert isinstance(ci, SummaryMeter)
    with meter_for(6, Terminal(), print) as terminal:
        assert isinstance(terminal, LiveMeter)


def test_apply_reports_each_phase_and_every_resource_to_the_meter(api: Any, tmp_path: Path) -> None:
    meter = Recording()
    result = apply_plan(api, plan_for(api, registry_from(tmp_path, fleet(7))), FAST, meter=meter)
    assert result.ok, result.report()
    assert meter.seen == [("writing gateways", 1), ("writing targets", 7)]
    assert (meter.tally.done, meter.tally.total, meter.tally.failed) == (7, 7, 0)


def test_apply_counts_the_synchronization_phase(api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR_IMPLICIT_SYNC", "0")  # the service does not synchronize: apply does
    meter = Recording()
    with serving(mcp_app(healthy("orders"))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        registry = registry_from(tmp_path, mcp_registry({"orders": orders.https(), "billing": billing.https()}))
        result = apply_plan(api, plan_for(api, registry), FAST, meter=meter)
    assert result.ok, result.report()
    assert meter.seen[-1] == ("synchronizing targets", 2) and meter.tally.done == 2
