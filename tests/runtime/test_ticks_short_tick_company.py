"""The short tick (a window's lone commit at diagnostics off, published without the queue) with what it must not
skip: low-priority notifications a finished loop still owed (the urgent commit's own listener told once, another
module's owed call made), the timer count of a later tick at diagnostics on, a coalescing window that elapses on a
loop after short ticks, and an external store a runtime commit listener writes inside the window (one tick for both)."""

from __future__ import annotations

import asyncio

from tick_support import Recorder, counter, ticks, turns_until

from runtime import Module, Runtime, TickConfig, external_store, value_store


def watched(rt: Runtime, *insts) -> list[Recorder]:
    recorders = []
    for inst in insts:
        topic = rt.store.topic(inst)
        recorders.append(Recorder(topic))
        topic.subscribe(recorders[-1])
    return recorders


def owe_low_priority_calls(rt: Runtime, *insts) -> None:
    """Low-priority commits ticked on a loop that ends before their listeners' delay (a minute) is up."""

    async def commit_and_end() -> None:
        for inst in insts:
            inst.transact(lambda d: d.__setitem__("count", 7), origin_kind="test", priority="low")
        await turns_until(lambda: not rt.scheduler.has_work(), "the low-priority tick")

    asyncio.run(commit_and_end())


def test_an_urgent_short_tick_tells_a_listener_owed_a_low_priority_call_once_with_the_latest_state() -> None:
    rt = Runtime(tick=TickConfig(low_priority_delay_ms=60_000.0))
    inst = rt.mount(counter())
    (seen,) = watched(rt, inst)
    owe_low_priority_calls(rt, inst)
    assert seen.calls == []  # the loop ended first: the call is owed
    inst.dispatch("add", 1)
    assert [(tick, state["count"]) for tick, state in seen.calls] == [(2, 8)]
    rt.dispose()


def test_an_urgent_short_tick_makes_the_low_priority_calls_other_modules_are_owed() -> None:
    rt = Runtime(tick=TickConfig(low_priority_delay_ms=60_000.0))
    urgent, lazy = rt.mount(counter("urgent")), rt.mount(counter("lazy"))
    seen_urgent, seen_lazy = watched(rt, urgent, lazy)
    owe_low_priority_calls(rt, lazy)
    urgent.dispatch("add", 1)
    assert [(tick, state["count"]) for tick, state in seen_urgent.calls] == [(2, 1)]
    assert [(tick, state["count"]) for tick, state in seen_lazy.calls] == [(2, 7)]
    rt.dispose()


def test_the_first_tick_at_diagnostics_on_after_short_ticks_counts_only_its_own_trigger() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    inst.dispatch("add", 1)  # short ticks at diagnostics off
    inst.dispatch("add", 1)
    rt.set_diagnostics("light")
    inst.dispatch("add", 1)
    (settled,) = ticks(rt, "settled")
    assert settled["triggerSummary"]["kinds"] == [{"kind": "dispatch", "count": 1}]
    rt.dispose()


def test_a_coalescing_window_elapsing_on_a_loop_after_short_ticks_delivers_its_value() -> None:
    source = value_store(0)
    rt = Runtime()
    mirror = rt.mount(Module("mirror", {"x": 0}, fields=[external_store("x", source, coalesce_window_ms=1)]))
    inst = rt.mount(counter())
    inst.dispatch("add", 1)  # a short tick, no loop running
    topic = rt.store.topic(mirror)

    async def window() -> None:
        delivered = asyncio.get_running_loop().create_future()
        unsubscribe = topic.subscribe(lambda: delivered.done() or delivered.set_result(topic.get_snapshot()))
        source.set(5)  # held for its window, a loop timer
        assert await asyncio.wait_for(delivered, 10.0) == {"x": 5}
        unsubscribe()

    asyncio.run(window())
    rt.dispose()


def test_an_external_store_a_commit_listener_writes_is_published_in_the_commits_tick() -> None:
    source = value_store(0)
    rt = Runtime()
    mirror = rt.mount(Module("mirror", {"x": 0}, fields=[external_store("x", source)]))
    inst = rt.mount(counter())
    # a runtime commit listener runs inside the window, after the scheduler took the commit
    rt.add_commit_listener(lambda committed, record, state: committed is inst and source.set(state["count"]))
    seen_mirror, seen_counter = watched(rt, mirror, inst)
    inst.dispatch("add", 3)
    assert rt.store.tick_seq == 1  # one tick: a subscriber of both never sees one without the other
    assert seen_counter.calls == [(1, {"count": 3, "label": "", "other": 0, "doubled": 6})]
    assert seen_mirror.calls == [(1, {"x": 3})]
    rt.dispose()
