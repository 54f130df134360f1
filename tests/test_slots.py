"""Per-parent write slots, and how a phase's items are spread over parents so workers never idle on one parent."""

from __future__ import annotations

import threading

from reconciler.kinds import GATEWAY, KINDS, TARGET
from reconciler.slots import WriteSlots, spread
from tests.conftest import hang_bound


def test_items_are_started_round_robin_across_parents_with_as_many_workers_as_slots_can_use() -> None:
    items = [(gateway, n) for gateway in ("a", "b", "c") for n in range(7 if gateway == "a" else 2)]
    ordered, workers = spread(KINDS[TARGET], items, lambda item: item[0])
    assert ordered[:6] == [("a", 0), ("b", 0), ("c", 0), ("a", 1), ("b", 1), ("c", 1)]
    assert sorted(ordered) == sorted(items)
    assert workers == 5 + 2 + 2  # a's 5 slots, and b's and c's two items


def test_a_kind_without_a_parent_limit_gets_a_worker_per_item_up_to_the_ceiling() -> None:
    gateways = [f"g{i}" for i in range(100)]
    assert spread(KINDS[GATEWAY], gateways, lambda g: None, ceiling=64)[1] == 64
    assert spread(KINDS[GATEWAY], gateways[:3], lambda g: None)[1] == 3


def test_a_parent_never_has_more_writes_in_flight_than_its_slots() -> None:
    slots, kind = WriteSlots(), KINDS[TARGET]
    in_flight, peak, lock = 0, 0, threading.Lock()
    # Each write keeps its slot until as many writes as the parent has slots are in flight together: the slots are
    # all used however the threads are scheduled (fewer slots would break the barrier, more would show in the peak).
    full = threading.Barrier(kind.parent_write_limit, timeout=hang_bound(10))

    def write() -> None:
        nonlocal in_flight, peak
        with slots.hold(kind, "gateway/a"):
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            full.wait()
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=write) for _ in range(4 * kind.parent_write_limit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=hang_bound(10))
    assert not full.broken and peak == kind.parent_write_limit
