"""When ticks run: on the asyncio loop, synchronously without one, at the end of a batch, on flush_now."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import Recorder, counter, diagnostics, ticks

from runtime import Module, Runtime, SchedulingError, external_store, value_store


def test_without_a_loop_a_dispatch_returns_with_its_commit_published() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic("counter::counter#1")
    seen = Recorder(topic)
    topic.subscribe(seen)

    inst.dispatch("add", 2)

    assert rt.store.tick_seq == 1
    assert topic.get_snapshot()["count"] == 2 and topic.get_snapshot()["doubled"] == 4
    assert seen.calls == [(1, topic.get_snapshot())]


def test_without_a_loop_entries_queued_behind_a_window_publish_in_one_tick() -> None:
    rt = Runtime()
    a = rt.mount(counter("a"))
    b = rt.mount(counter("b"))
    a.subscribe(lambda record, state: b.dispatch("add", state["count"]))  # runs queued behind a's window

    a.dispatch("add", 3)

    assert rt.store.tick_seq == 1
    assert rt.store.topic(a).get_snapshot()["count"] == 3
    assert rt.store.topic(b).get_snapshot()["count"] == 3


def test_without_a_loop_one_store_emit_reaches_every_subscribed_module_in_one_tick() -> None:
    rt = Runtime(diagnostics="light")
    store = value_store(0)
    mirror = Module("mirror", initial={"value": 0}, fields=[external_store("value", store)])
    a, b = rt.mount(mirror, "a"), rt.mount(mirror, "b")
    both = rt.store.topic("mirror::a")
    views: list[tuple[int, int]] = []
    both.subscribe(lambda: views.append((a.get_state()["value"], b.get_state()["value"])))
    before = rt.store.tick_seq

    store.set(7)

    assert rt.store.tick_seq == before + 1
    assert views == [(7, 7)]  # the watcher never saw a updated and b not yet
    (settled,) = [t for t in ticks(rt, "settled") if t["tickSeq"] == before + 1]
    assert sorted(c["instanceId"] for c in settled["anchors"]["commits"]) == ["a", "b"]


def test_a_dispatch_made_by_a_store_listener_ticks_after_the_emit_with_its_peers() -> None:
    rt = Runtime()
    store = value_store(0)
    inst = rt.mount(counter())
    mirror = rt.mount(Module("mirror", initial={"value": 0}, fields=[external_store("value", store)]), "m")
    store.subscribe(lambda: inst.dispatch("setCount", store.get_snapshot()))
    before = rt.store.tick_seq

    store.set(4)

    assert rt.store.tick_seq == before + 1
    assert inst.get_state()["count"] == 4 and mirror.get_state()["value"] == 4


@pytest.mark.asyncio
async def test_with_a_loop_commits_coalesce_into_one_tick_scheduled_with_call_soon() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    seen = Recorder(topic)
    topic.subscribe(seen)

    for _ in range(5):
        inst.dispatch("add", 1)
    assert inst.get_state()["count"] == 5  # committed ...
    assert topic.get_snapshot()["count"] == 0 and rt.store.tick_seq == 0  # ... but not published yet

    await asyncio.sleep(0)

    assert rt.store.tick_seq == 1
    assert seen.calls == [(1, topic.get_snapshot())]
    assert topic.get_snapshot()["count"] == 5


def test_batch_defers_the_tick_to_the_end_of_the_outermost_batch() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    with rt.batch():
        inst.dispatch("add", 1)
        with rt.batch():
            inst.dispatch("add", 1)
        assert topic.get_snapshot()["count"] == 0  # the inner batch's end is not the outermost one
        inst.dispatch("setLabel", "x")
        assert rt.store.tick_seq == 0
    assert rt.store.tick_seq == 1
    assert topic.get_snapshot()["count"] == 2 and topic.get_snapshot()["label"] == "x"
    assert [t["schedule"]["startedAs"] for t in ticks(rt, "start")] == ["batch"]


def test_a_batch_that_raises_still_publishes_what_committed_inside() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    with pytest.raises(RuntimeError), rt.batch():
        inst.dispatch("add", 1)
        raise RuntimeError("boom")
    assert rt.store.topic(inst).get_snapshot()["count"] == 1


@pytest.mark.asyncio
async def test_batch_with_a_loop_flushes_synchronously_at_its_end() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    with rt.batch():
        inst.dispatch("add", 1)
    assert rt.store.tick_seq == 1 and rt.store.topic(inst).get_snapshot()["count"] == 1
    await asyncio.sleep(0)
    assert rt.store.tick_seq == 1  # the call_soon scheduled before had nothing left to do


@pytest.mark.asyncio
async def test_flush_now_publishes_at_once_and_refuses_inside_a_transaction() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    inst.dispatch("add", 1)
    rt.flush_now()
    assert rt.store.tick_seq == 1 and rt.store.topic(inst).get_snapshot()["count"] == 1

    def reducer_that_flushes(draft, _payload):
        draft["count"] += 1
        rt.flush_now()

    inst.module.reducers["flushInside"] = reducer_that_flushes
    with pytest.raises(SchedulingError):
        try:
            inst.dispatch("flushInside")
        except Exception as exc:  # the kernel wraps what a reducer raises; the cause is what we check
            raise exc.__cause__ from None
    await asyncio.sleep(0)
    assert rt.store.topic(inst).get_snapshot()["count"] == 1  # the aborted transaction changed nothing


@pytest.mark.asyncio
async def test_ticks_caused_by_listeners_chain_and_past_32_move_to_a_later_loop_turn() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)

    def keep_going() -> None:
        if topic.get_snapshot()["count"] < 40:
            inst.dispatch("add", 1)

    topic.subscribe(keep_going)
    inst.dispatch("add", 1)
    for _ in range(200):
        await asyncio.sleep(0)
        if topic.get_snapshot()["count"] == 40:
            break

    assert topic.get_snapshot()["count"] == 40  # nothing lost
    starts = ticks(rt, "start")
    depths = [t["schedule"]["microtaskChainDepth"] for t in starts]
    assert depths[:32] == list(range(32))
    forced = starts[32]["schedule"]
    assert forced == {"startedAs": "macrotask", "microtaskChainDepth": 32, "forcedMacrotask": True,
                      "reason": "microtask_starvation"}  # the depth of the chain that forced it
    (warn,) = diagnostics(rt, "warn:microtask-starvation")
    assert warn["meta"]["tickSeq"] == starts[32]["tickSeq"]  # the forced tick's own tickSeq
    assert warn["meta"]["microtaskChainDepth"] == 32
    assert starts[33]["schedule"]["microtaskChainDepth"] == 1  # a later loop turn starts a new chain


def test_without_a_loop_a_listener_feedback_loop_stops_after_32_chained_ticks() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    topic.subscribe(lambda: inst.dispatch("add", 1))  # never settles

    inst.dispatch("add", 1)
    assert rt.store.tick_seq == 32
    assert rt.scheduler.has_work()  # the 33rd commit waits for the next entry point or flush_now
    warn = diagnostics(rt, "warn:microtask-starvation")
    assert warn and warn[0]["meta"]["microtaskChainDepth"] == 32
    assert warn[0]["meta"]["tickSeq"] == 33  # the tick that will carry what is left

    rt.flush_now()
    assert rt.store.tick_seq == 64
    assert topic.get_snapshot()["count"] == inst.get_state()["count"] - 1


@pytest.mark.asyncio
async def test_a_disposed_runtime_runs_no_scheduled_tick() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    inst.dispatch("add", 1)
    rt.dispose()
    await asyncio.sleep(0)
    assert rt.store.tick_seq == 0
