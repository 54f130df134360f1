"""Ctrl-C and SIGTERM during apply and sync: stop starting work, finish what is in flight, report, exit.

The first SIGINT/SIGTERM sets the run's Cancellation: no step starts any
more (queued ones included, also those waiting for a gateway's write slot),
waits and retry back-offs end at once, and the calls already sent finish
within a grace period. The command then prints the same done / failed /
not attempted report as a failed run, releases its lock and exits 130
(SIGINT) or 1 (SIGTERM). A second signal exits at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

from reconciler.errors import ReconcilerError

SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL = 0.1  # seconds between looks at the pool while it works
T = TypeVar("T")
EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 1}


class Interrupted(ReconcilerError):
    """The run was interrupted before this step could finish."""


class Cancellation:
    """Shared by every worker of one run; set once, by the first interrupt."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal: int | None = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, signum: int = signal.SIGINT) -> None:
        self.signal = signum
        self._event.set()

    def check(self, doing: str) -> None:
        if self.cancelled:
            raise Interrupted(f"interrupted while {doing}")

    def sleep(self, seconds: float, doing: str) -> None:
        """Sleep, unless (or until) the run is cancelled: then raise Interrupted."""
        self._event.wait(seconds)
        self.check(doing)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signal or signal.SIGINT, 1)


@contextmanager
def interruptible(progress: Callable[[str], None]) -> Iterator[Cancellation]:
    """Handle SIGINT/SIGTERM for the block (main thread only): the first cancels, a second exits at once."""
    cancellation = Cancellation()
    if threading.current_thread() is not threading.main_thread():
        yield cancellation
        return

    def handle(signum: int, frame: Any) -> None:
        if cancellation.cancelled:
            sys.stderr.write("Interrupted again: exiting now; calls in flight may have completed. Run apply again.\n")
            sys.stderr.flush()
            os._exit(EXIT_CODES.get(signum, 1))
        cancellation.cancel(signum)
        progress("Interrupt received: no new work starts; finishing the calls in flight (interrupt again to exit now).")

    previous = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield cancellation
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_all(work: Callable[[T], None], items: list[T], workers: int, cancellation: Cancellation,
            grace: float) -> tuple[list[T], list[T]]:
    """Run `work` on every item on a bounded pool. After an interrupt, wait at most `grace` seconds for the
    items already running. Returns (still running when the grace period ended, never started)."""
    pool = ThreadPoolExecutor(max_workers=workers)
    futures = {pool.submit(work, item): item for item in items}
    pending: set[Future[None]] = set(futures)
    deadline: float | None = None
    while pending:
        _, pending = wait(pending, timeout=POLL)
        if cancellation.cancelled and pending:
            deadline = deadline if deadline is not None else time.monotonic() + grace
            if time.monotonic() >= deadline:
                break
    running = [futures[f] for f in pending if f.running()]
    never = [futures[f] for f in pending if not f.running()]
    pool.shutdown(wait=not pending, cancel_futures=True)
    return running, never
