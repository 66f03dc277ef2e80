"""A loop that stops while a tick is scheduled on it (here the second tick of a budget-exceeded batch, scheduled
for a later turn that never comes) does not hold the ticks of the code that runs after it: the next dispatch, or
an external store's write, ticks at once as without a loop and publishes what was waiting too. Kept out of the
ticks mutation selection until the target is scored on code with this fix (main 687d9df fails it)."""

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
