"""The tick scheduler's entry points as a store subscriber sees them: how each tick says it was scheduled (its
`schedule` record), `flush_now()` from a script's coroutine and from a listener of a running tick, and what a disposed
runtime still does (nothing: no tick, no owed low-priority call)."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter, diagnostics, ticks, turns_until

from runtime import Runtime, TickConfig
from runtime.ticks import tick_trace


@pytest.fixture(autouse=True)
def fresh_meta_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start with no shared meta parts: they are built once per process and reused, so without this a schedule
    record would come from an earlier test (or, under mutmut, from the run before the mutant was switched on)."""
    monkeypatch.setattr(tick_trace, "_shared", {})


def _low(inst, value: int) -> None:
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", priority="low")


@pytest.mark.asyncio
async def test_each_tick_says_how_it_was_scheduled() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=1))
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    start = len(ticks(rt, "start"))
    with rt.batch():
        a.dispatch("add", 1)
    _low(a, 5)
    _low(b, 6)  # two non-urgent instances, one step each: the microtask tick defers one
    await turns_until(lambda: not rt.scheduler.has_work(), "the deferred work")
    assert [t["schedule"] for t in ticks(rt, "start")[start:]] == [
        {"startedAs": "batch", "microtaskChainDepth": 0},
        {"startedAs": "microtask", "microtaskChainDepth": 0},
        {"startedAs": "macrotask", "microtaskChainDepth": 1, "forcedMacrotask": True, "reason": "budget"}]
    assert (rt.store.topic(a).get_snapshot()["count"], rt.store.topic(b).get_snapshot()["count"]) == (5, 6)
    assert not diagnostics(rt, "warn:microtask-starvation")  # forced by the budget, not by a feedback loop
    rt.dispose()


@pytest.mark.asyncio
async def test_flush_now_in_a_coroutine_publishes_at_once_and_leaves_no_tick_behind() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    heard: list[int] = []
    rt.store.topic(inst).subscribe(lambda: heard.append(rt.store.topic(inst).get_snapshot()["count"]))
    start = len(ticks(rt, "start"))
    inst.dispatch("add", 3)
    assert heard == []  # with a loop running the tick is a callback of a later turn ...
    rt.flush_now()
    assert heard == [3]  # ... unless flushed: published and told before flush_now returns
    assert [t["schedule"] for t in ticks(rt, "start")[start:]] == [{"startedAs": "unknown", "microtaskChainDepth": 0}]
    seq = rt.store.tick_seq
    for _ in range(5):
        await asyncio.sleep(0)  # the tick it replaced was cancelled: later turns publish nothing more
    assert rt.store.tick_seq == seq and heard == [3]
    rt.dispose()


def test_flush_now_from_a_listener_of_a_running_tick_waits_for_that_tick_to_end() -> None:
    rt = Runtime()
    source, follower = rt.mount(counter("source")), rt.mount(counter("follower"))
    seen_inside: list[tuple[int, int]] = []

    def follow() -> None:
        if follower.get_state()["count"] == 0:
            follower.dispatch("add", 1)
            rt.flush_now()  # inside a tick: it must not start another one in the middle of this one
            seen_inside.append((rt.store.tick_seq, rt.store.topic(follower).get_snapshot()["count"]))

    rt.store.topic(source).subscribe(follow)
    source.dispatch("add", 1)
    first = rt.store.tick_seq
    assert seen_inside == [(first - 1, 0)]  # still the tick that called the listener, the follower not published
    assert rt.store.topic(follower).get_snapshot()["count"] == 1  # the chained tick published it after
    rt.dispose()


@pytest.mark.asyncio
async def test_a_disposed_runtime_runs_no_tick_and_tells_no_owed_low_priority_listener() -> None:
    rt = Runtime(tick=TickConfig(low_priority_delay_ms=60_000.0))  # the owed call is left to flush_now
    lazy, busy = rt.mount(counter("lazy")), rt.mount(counter("busy"))
    heard: list[str] = []
    rt.store.topic(lazy).subscribe(lambda: heard.append("lazy"))
    rt.store.topic(busy).subscribe(lambda: heard.append("busy"))
    with rt.batch():
        _low(lazy, 1)  # published now, its listener's call owed
    busy.dispatch("add", 1)  # a tick scheduled for a later loop turn
    assert heard == [] and rt.scheduler.has_work()
    seq = rt.store.tick_seq
    rt.dispose()
    rt.flush_now()
    for _ in range(5):
        await asyncio.sleep(0)  # nothing scheduled survives the disposal either
    assert heard == [] and rt.store.tick_seq == seq


def _chain_once(rt: Runtime, source, follower) -> None:
    """The follower commits once from a listener of the source: the tick that publishes it is a chained one."""
    def follow() -> None:
        if follower.get_state()["count"] == 0:
            follower.dispatch("add", 1)

    rt.store.topic(source).subscribe(follow)


def test_without_a_loop_a_dispatch_and_the_ticks_it_chains_start_as_unknown() -> None:
    rt = Runtime(diagnostics="light")
    source, follower = rt.mount(counter("source")), rt.mount(counter("follower"))
    _chain_once(rt, source, follower)
    start = len(ticks(rt, "start"))
    source.dispatch("add", 1)
    with rt.batch():
        source.dispatch("add", 1)
    assert [t["schedule"] for t in ticks(rt, "start")[start:]] == [
        {"startedAs": "unknown", "microtaskChainDepth": 0}, {"startedAs": "unknown", "microtaskChainDepth": 1},
        {"startedAs": "batch", "microtaskChainDepth": 0}]
    rt.dispose()


@pytest.mark.asyncio
async def test_with_a_loop_a_chained_tick_is_a_microtask_one_level_deeper() -> None:
    rt = Runtime(diagnostics="light")
    source, follower = rt.mount(counter("source")), rt.mount(counter("follower"))
    _chain_once(rt, source, follower)
    start = len(ticks(rt, "start"))
    source.dispatch("add", 1)
    await turns_until(lambda: rt.store.topic(follower).get_snapshot()["count"] == 1, "the chained tick")
    assert [t["schedule"] for t in ticks(rt, "start")[start:]] == [
        {"startedAs": "microtask", "microtaskChainDepth": 0}, {"startedAs": "microtask", "microtaskChainDepth": 1}]
    rt.dispose()


def test_a_batch_closed_by_a_listener_of_a_running_tick_leaves_its_tick_to_after_that_one() -> None:
    rt = Runtime()
    source, follower = rt.mount(counter("source")), rt.mount(counter("follower"))
    seen_inside: list[int] = []

    def follow() -> None:
        if follower.get_state()["count"] == 0:
            with rt.batch():
                follower.dispatch("add", 1)
            seen_inside.append(rt.store.topic(follower).get_snapshot()["count"])

    rt.store.topic(source).subscribe(follow)
    source.dispatch("add", 1)
    assert seen_inside == [0] and rt.store.topic(follower).get_snapshot()["count"] == 1
    rt.dispose()


@pytest.mark.asyncio
async def test_a_tick_scheduled_before_a_batch_waits_for_the_batch_to_end_even_across_an_await() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    inst.dispatch("add", 1)  # a tick scheduled for a later loop turn
    seq = rt.store.tick_seq
    with rt.batch():
        for _ in range(5):
            await asyncio.sleep(0)  # the turn the tick was scheduled for passes inside the batch
        assert rt.store.tick_seq == seq and rt.store.topic(inst).get_snapshot()["count"] == 0
    assert rt.store.tick_seq == seq + 1 and rt.store.topic(inst).get_snapshot()["count"] == 1
    assert ticks(rt, "start")[-1]["schedule"] == {"startedAs": "batch", "microtaskChainDepth": 0}
    rt.dispose()


def test_an_unmount_is_published_in_a_tick_that_tells_the_listener_the_state_is_gone() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    heard: list[object] = []
    topic.subscribe(lambda: heard.append(topic.get_snapshot()))
    inst.dispatch("add", 1)
    rt.unmount(inst)
    assert heard == [{"count": 1, "label": "", "other": 0, "doubled": 2}, None]
    assert topic.get_snapshot() is None and rt.store.tick_seq == 2
    rt.dispose()


def test_the_scheduler_names_the_loop_of_its_last_scheduled_tick_and_none_before() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    inst.dispatch("add", 1)  # no loop running: a synchronous tick
    assert rt.scheduler.loop is None

    async def scheduled() -> asyncio.AbstractEventLoop:
        inst.dispatch("add", 1)
        await turns_until(lambda: not rt.scheduler.has_work(), "the scheduled tick")
        return asyncio.get_running_loop()

    used = asyncio.run(scheduled())
    assert rt.scheduler.loop is used
    assert rt.store.topic(inst).get_snapshot()["count"] == 2
    rt.dispose()
