"""A loop that stops while a tick is scheduled on it (here the second tick of a budget-exceeded batch, scheduled
for a later turn that never comes) does not hold the ticks of the code that runs after it: the next dispatch, or
an external store's write, ticks at once as without a loop and publishes what was waiting too; nor does a
low-priority timer left on it hold the low-priority listeners of a later loop. Kept out of the ticks mutation
selection until the target is scored on code with this fix (main 687d9df fails it; the low-priority one fails on
s30-base 8853590)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from tick_support import counter

from runtime import Module, Runtime, TickConfig, external_store, value_store


@pytest.fixture
def stopped_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def over_budget_on(loop: asyncio.AbstractEventLoop, rt: Runtime, *insts) -> None:
    """Low-priority commits of more instances than a tick takes: the loop stops after the first tick, with the
    next one scheduled."""

    async def commit() -> None:
        for inst in insts:
            inst.transact(lambda d: d.__setitem__("count", 7), origin_kind="test", priority="low")

    loop.run_until_complete(commit())
    assert [rt.store.topic(i).get_snapshot()["count"] for i in insts] == [7, 0] and rt.scheduler.has_work()


def test_a_dispatch_after_a_loop_stopped_with_a_tick_scheduled_is_published_at_once(stopped_loop) -> None:
    rt = Runtime(tick=TickConfig(max_steps=1))
    a, b, other = rt.mount(counter("a")), rt.mount(counter("b")), rt.mount(counter("other"))
    over_budget_on(stopped_loop, rt, a, b)
    other.dispatch("add", 1)
    assert rt.store.topic(other).get_snapshot()["count"] == 1
    assert rt.store.topic(b).get_snapshot()["count"] == 7 and not rt.scheduler.has_work()
    rt.dispose()


def test_an_external_store_written_after_a_loop_stopped_with_a_tick_scheduled_is_mirrored_at_once(
        stopped_loop) -> None:
    source = value_store(0)
    rt = Runtime(tick=TickConfig(max_steps=1))
    mirror = rt.mount(Module("mirror", {"x": 0}, fields=[external_store("x", source)]))
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    over_budget_on(stopped_loop, rt, a, b)
    source.set(3)
    assert rt.store.topic(mirror).get_snapshot() == {"x": 3}
    assert rt.store.topic(b).get_snapshot()["count"] == 7 and not rt.scheduler.has_work()
    rt.dispose()


def test_low_priority_listeners_are_told_on_a_later_loop_after_one_stopped_with_their_timer_pending(
        stopped_loop) -> None:
    # The first loop stops before the low-priority delay: its timer never fires. Low-priority work on the next loop
    # must get a timer of its own instead of waiting behind that dead one (until an urgent tick or flush_now), and
    # what the first loop's timer owed is told with it.
    rt = Runtime(tick=TickConfig(low_priority_delay_ms=1.0))
    first, second = rt.mount(counter("first")), rt.mount(counter("second"))
    told: list[int] = []
    first_told: list[int] = []
    unsubscribe_first = rt.store.topic(first).subscribe(
        lambda: first_told.append(rt.store.topic(first).get_snapshot()["count"]))

    async def low_commit(inst, value: int) -> None:
        inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", priority="low")

    stopped_loop.run_until_complete(low_commit(first, 1))  # returns at once: the 1 ms timer is left behind
    assert rt.store.topic(first).get_snapshot()["count"] == 1 and first_told == []
    stopped_loop.close()

    async def on_a_new_loop() -> None:
        seen = asyncio.get_running_loop().create_future()

        def listener() -> None:
            told.append(rt.store.topic(second).get_snapshot()["count"])
            if not seen.done():
                seen.set_result(None)

        unsubscribe = rt.store.topic(second).subscribe(listener)
        await low_commit(second, 2)
        await asyncio.wait_for(seen, 30.0)  # an upper bound only: told about 1 ms after the tick
        unsubscribe()

    asyncio.run(on_a_new_loop())
    assert told == [2] and first_told == [1]
    unsubscribe_first()
    rt.dispose()
