"""The tick scheduler's reports, each pinned field by field: the diagnostics it raises (who, how severe, what it
says), how the tick after an unstable one is scheduled, and the guards of flush_now."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tick_support import counter, diagnostics, ticks

from runtime import Runtime, SchedulingError, TickConfig, TickTelemetry


def only(rt: Runtime, code: str) -> dict:
    (event,) = diagnostics(rt, code)
    return {"moduleId": event["moduleId"], "instanceId": event["instanceId"], **event["meta"],
            **({"errorName": event["errorSummary"]["name"]} if event.get("errorSummary") else {})}


def _low(inst, value: int) -> None:
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", origin_name="low", priority="low",
                  commit_mode="lowPriority")


@pytest.mark.listener_may_throw
def test_a_listener_that_raises_is_reported_with_its_topic_and_tick() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())

    def broken() -> None:
        raise ValueError("listener bug")

    rt.store.topic(inst).subscribe(broken)
    inst.dispatch("add", 1)
    assert only(rt, "runtime_store::listener_threw") == {
        "moduleId": "counter", "instanceId": "counter#1", "code": "runtime_store::listener_threw", "severity": "error",
        "message": f"listener {broken!r} of topic 'counter::counter#1' raised ValueError: listener bug",
        "tickSeq": 1, "topic": "counter::counter#1", "errorName": "ValueError"}


def test_a_selector_that_raises_is_reported_with_its_topic() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    topic = rt.store.select(inst, lambda s: 10 // s["count"] if s["label"] else 0, reads=["count", "label"],
                            selector_id="ratio")
    topic.subscribe(lambda: None)
    inst.dispatch("setLabel", "x")  # count is 0: the selector divides by zero
    report = only(rt, "read_query::eval_error")
    assert report == {
        "moduleId": "counter", "instanceId": "counter#1", "code": "read_query::eval_error", "severity": "error",
        "message": f"selector of topic {topic.key!r} raised ZeroDivisionError: integer division or modulo by zero; "
                   "it keeps its last value", "topic": topic.key, "errorName": "ZeroDivisionError"}


def test_deferred_work_with_subscribers_is_a_priority_inversion_named_by_its_module() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(4)]
    rt.store.topic(insts[3]).subscribe(lambda: None)  # only the last has a subscriber
    with rt.batch():
        for n, inst in enumerate(insts):
            _low(inst, n + 1)
    assert only(rt, "warn:priority-inversion") == {
        "moduleId": "m3", "instanceId": "m3#1", "code": "warn:priority-inversion", "severity": "warning",
        "message": "tick 1 deferred non-urgent work of m3::m3#1, which has subscribers", "tickSeq": 1,
        "reason": "deferredBacklog"}
    assert ticks(rt, "settled")[0]["backlog"] == {
        "pendingExternalInputs": 0, "pendingDeferredWork": 2,
        "deferredPrimary": {"kind": "unknown", "moduleId": "m2", "instanceId": "m2#1"}}


def test_a_dirty_topic_that_is_no_topic_key_is_dropped_and_reported_by_the_runtime() -> None:
    rt = Runtime(diagnostics="light", label="app")
    inst = rt.mount(counter())
    seen: list[int] = []
    rt.store.topic(inst).subscribe(lambda: seen.append(1))
    rt.scheduler.mark_topic_dirty("garbage")
    rt.scheduler.mark_topic_dirty(rt.store.topic(inst).key)
    rt.flush_now()
    assert only(rt, "runtime_store::topic_key_unparseable") == {
        "moduleId": "runtime", "instanceId": "app", "code": "runtime_store::topic_key_unparseable",
        "severity": "warning", "message": "dirty topic 'garbage' is not a topic key; it was dropped"}
    assert seen == [1]  # the good key after the bad one was still told


@pytest.mark.asyncio
async def test_the_tick_after_an_unstable_one_is_a_forced_macrotask_that_says_why() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(5)]
    for n, inst in enumerate(insts):
        _low(inst, n + 1)
    while rt.scheduler.has_work():
        await asyncio.sleep(0)
    assert [t["schedule"] for t in ticks(rt, "start")] == [
        {"startedAs": "microtask", "microtaskChainDepth": 0},
        {"startedAs": "macrotask", "microtaskChainDepth": 1, "forcedMacrotask": True, "reason": "budget"},
        {"startedAs": "macrotask", "microtaskChainDepth": 1, "forcedMacrotask": True, "reason": "budget"}]
    assert [t["result"]["stable"] for t in ticks(rt, "settled")] == [False, False, True]
    rt.dispose()


@pytest.mark.asyncio
async def test_a_cycle_forces_the_next_tick_with_reason_cycle_detected() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(urgent_step_cap=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(3)]
    for inst in insts:
        inst.dispatch("add", 1)
    while rt.scheduler.has_work():
        await asyncio.sleep(0)
    schedules = [t["schedule"] for t in ticks(rt, "start")]
    assert schedules[0] == {"startedAs": "microtask", "microtaskChainDepth": 0}
    assert schedules[1] == {"startedAs": "macrotask", "microtaskChainDepth": 1, "forcedMacrotask": True,
                            "reason": "cycle_detected"}
    assert all(rt.store.topic(i).get_snapshot()["count"] == 1 for i in insts)
    rt.dispose()


def test_flush_now_inside_a_window_says_why_and_after_disposal_does_nothing() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())

    def flushes(draft, _payload) -> None:
        rt.flush_now()

    inst.module.reducers["flushes"] = flushes
    with pytest.raises(Exception) as err:
        inst.dispatch("flushes")
    cause = err.value if isinstance(err.value, SchedulingError) else err.value.__cause__
    assert isinstance(cause, SchedulingError)
    assert str(cause) == "flush_now() cannot run inside a transaction window; the tick runs after it commits"
    rt.dispose()
    before = rt.store.tick_seq
    rt.flush_now()  # disposed: nothing runs, nothing raises
    assert rt.store.tick_seq == before


def test_a_telemetry_hook_that_raises_is_logged_and_the_tick_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    def hook(event) -> None:
        raise RuntimeError("telemetry bug")

    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=1, telemetry=TickTelemetry(sample_rate=1.0,
                                                                                           on_tick_degraded=hook)))
    insts = [rt.mount(counter(f"m{i}")) for i in range(2)]
    with caplog.at_level(logging.ERROR), rt.batch():
        for inst in insts:
            _low(inst, 7)
    assert [r.getMessage() for r in caplog.records if "on_tick_degraded" in r.getMessage()] == [
        f"on_tick_degraded hook {hook!r} raised"]
    assert all(rt.store.topic(i).get_snapshot()["count"] == 7 for i in insts)


def test_an_unstable_window_is_reported_once_when_it_starts_and_once_when_it_ends() -> None:
    rt = Runtime(diagnostics="light", label="app", tick=TickConfig(max_steps=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(5)]
    with rt.batch():
        for n, inst in enumerate(insts):
            _low(inst, n + 1)
    assert only(rt, "scheduling::degrade") == {
        "moduleId": "runtime", "instanceId": "app", "code": "scheduling::degrade", "severity": "warning",
        "message": "tick 1 was not stable (budget_steps); 3 deferred entries follow in later ticks", "tickSeq": 1,
        "degradeReason": "budget_steps", "backlogCount": 3, "configScope": "runtime_default"}
    assert only(rt, "scheduling::recover") == {
        "moduleId": "runtime", "instanceId": "app", "code": "scheduling::recover", "severity": "info",
        "message": "tick 3 is stable again (unstable since tick 1)", "tickSeq": 3, "fromTickSeq": 1,
        "fromReason": "budget_steps", "backlogCount": 0, "previousBacklogCount": 3, "configScope": "runtime_default"}


def test_a_chain_of_ticks_past_the_limit_is_a_starvation_warning_of_the_runtime() -> None:
    rt = Runtime(diagnostics="light", label="app", tick=TickConfig(microtask_chain_depth_limit=3))
    inst = rt.mount(counter())
    rt.store.topic(inst).subscribe(lambda: inst.dispatch("add", 1) if inst.get_state()["count"] < 10 else None)
    inst.dispatch("add", 1)
    assert only(rt, "warn:microtask-starvation") == {
        "moduleId": "runtime", "instanceId": "app", "code": "warn:microtask-starvation", "severity": "warning",
        "message": "3 ticks chained (listeners keep committing); tick 4 waits for a later turn", "tickSeq": 4,
        "microtaskChainDepth": 3}
