"""Progress one can watch during a long apply or sync: done/total of the phase, failures so far, time left.

On a terminal, one live line drawn by rich (a well-kept library: it redraws
the line in place and prints the per-resource lines above it, so nothing here
writes escape codes). Without a terminal (a CI log), a summary line every
`SUMMARY_EVERY` seconds instead, beside the per-resource lines tests and
people grep. A run of a handful of resources or fewer shows only its
per-resource lines: a meter would flash by.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from rich.console import Console

HANDFUL = 5  # resources; more than this gets a meter
SUMMARY_EVERY = 15.0  # seconds between summary lines without a terminal (the issue asks for 10-30 s)


@dataclass
class Tally:
    """What a meter shows; updated from the worker threads under `lock`."""

    clock: Callable[[], float] = time.monotonic
    phase: str = ""
    phases: int = 0  # phases begun so far
    total: int = 0  # of this phase
    done: int = 0  # of this phase
    failed: int = 0  # of the whole run
    started: float = 0.0  # when this phase began
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, phase: str, total: int) -> None:
        with self.lock:
            self.phase, self.total, self.done, self.started = phase, total, 0, self.clock()
            self.phases += 1

    def advance(self, count: int, failed: bool) -> None:
        with self.lock:
            self.done += count
            self.failed += count if failed else 0

    def seconds_left(self) -> float | None:
        """The phase's remaining work at its pace so far; None before the first resource is done."""
        if not self.done:
            return None
        return (self.clock() - self.started) / self.done * max(self.total - self.done, 0)

    def summary(self) -> str:
        left = self.seconds_left()
        eta = "estimating the time left" if left is None else f"about {_duration(left)} left"
        return (f"Progress: phase {self.phases} ({self.phase}): {self.done}/{self.total} done, "
                f"{self.failed} failed so far, {eta} in this phase")


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


class Meter:
    """Counts a run's work and shows nothing: runs of a handful of resources, and library callers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.tally = Tally(clock)

    def phase(self, name: str, total: int) -> None:
        self.tally.begin(name, total)

    def advance(self, count: int = 1, failed: bool = False) -> None:
        self.tally.advance(count, failed)

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop showing (the base meter shows nothing)."""


class SummaryMeter(Meter):
    """No terminal: `echo` gets the tally's summary line every `every` seconds until closed."""

    def __init__(self, echo: Callable[[str], None], every: float = SUMMARY_EVERY, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.echo = echo
        self.every = every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._report, name="progress-summary", daemon=True)
        self.thread.start()

    def _report(self) -> None:
        while not self.stopped.wait(self.every):
            if self.tally.phases:
                self.echo(self.tally.summary())

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.every)


class LiveMeter(Meter):
    """A terminal: one line redrawn in place by rich's Progress (the phase, done/total, failures so far, time left)."""

    def __init__(self, console: Console | None = None, clock: Callable[[], float] = time.monotonic):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        super().__init__(clock)
        self.display = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"), TextColumn("ETA"), TimeRemainingColumn(),
            console=console or Console(stderr=True),
            redirect_stderr=True,  # the per-resource lines (click.echo to stderr) print above the live line
        )
        self.task = self.display.add_task("starting", total=None, failed=0)
        self.display.start()

    def phase(self, name: str, total: int) -> None:
        super().phase(name, total)
        self.display.reset(self.task, total=total, description=f"phase {self.tally.phases}: {name}", failed=self.tally.failed)

    def advance(self, count: int = 1, failed: bool = False) -> None:
        super().advance(count, failed)
        self.display.update(self.task, advance=count, failed=self.tally.failed)

    def close(self) -> None:
        self.display.stop()


def meter_for(resources: int, stream: IO[str], echo: Callable[[str], None]) -> Meter:
    """The meter a run of `resources` gets when its progress goes to `stream`."""
    if resources <= HANDFUL:
        return Meter()
    return LiveMeter() if stream.isatty() else SummaryMeter(echo)
