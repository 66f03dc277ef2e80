"""What an unstable tick tells the debug sink: its `budgetExceeded` and `settled` events carry the same schedule,
time and commit anchors a stable tick's do (at full, more than four commits), and the backlog counts what is left
for later ticks: the deferred entries (a deferred removal named as the primary one), the links a cycle left to
apply, and an external store a listener wrote during the tick."""

from __future__ import annotations

from typing import Any

from tick_support import counter, ticks

from runtime import Module, Runtime, TickConfig, external_store, value_store


def _low(inst, value: int) -> None:
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", priority="low")


def tick_events(rt: Runtime, tick_seq: int) -> dict[str, dict[str, Any]]:
    """The trace:tick events of one tick, by phase (whole events: envelope and meta)."""
    return {e["meta"]["phase"]: e for e in rt.hub.events()
            if e["label"] == "trace:tick" and e["meta"]["tickSeq"] == tick_seq}


def test_a_tick_over_its_step_budget_reports_its_schedule_time_and_every_commit_it_carried() -> None:
    rt = Runtime(diagnostics="full", tick=TickConfig(max_steps=5))
    insts = [rt.mount(counter(f"m{i}")) for i in range(7)]
    with rt.batch():
        for i, inst in enumerate(insts):
            _low(inst, i + 1)
    events = tick_events(rt, rt.store.tick_seq - 1)  # the first of the two ticks the batch took
    start, exceeded, settled = (events[p] for p in ("start", "budgetExceeded", "settled"))
    assert settled["meta"]["result"] == {"stable": False, "degradeReason": "budget_steps"}
    assert exceeded["meta"]["schedule"] == settled["meta"]["schedule"] == {"startedAs": "batch",
                                                                           "microtaskChainDepth": 0}
    assert start["timestamp"] <= settled["timestamp"]
    assert [e["meta"]["timestampMs"] for e in (exceeded, settled)] == [settled["timestamp"]] * 2
    assert [c["moduleId"] for c in settled["meta"]["anchors"]["commits"]] == [f"m{i}" for i in range(5)]
    assert settled["meta"]["backlog"] == {
        "pendingExternalInputs": 0, "pendingDeferredWork": 2,
        "deferredPrimary": {"kind": "unknown", "moduleId": "m5", "instanceId": insts[5].instance_id}}
    assert [rt.store.topic(i).get_snapshot()["count"] for i in insts] == [1, 2, 3, 4, 5, 6, 7]
    rt.dispose()


def test_removals_past_the_urgent_cap_are_published_later_and_the_first_deferred_one_is_named() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(urgent_step_cap=1))
    insts = [rt.mount(counter(f"m{i}")) for i in range(3)]
    topics = [rt.store.topic(i) for i in insts]
    with rt.batch():
        for inst in insts:
            rt.unmount(inst)
    settled = tick_events(rt, rt.store.tick_seq - 2)["settled"]["meta"]
    assert settled["result"] == {"stable": False, "degradeReason": "cycle_detected"}
    assert settled["backlog"] == {
        "pendingExternalInputs": 0, "pendingDeferredWork": 2,
        "deferredPrimary": {"kind": "unknown", "moduleId": "m1", "instanceId": insts[1].instance_id}}
    assert [t.get_snapshot() for t in topics] == [None, None, None]
    rt.dispose()


def test_a_link_cycle_cut_by_the_drain_rounds_counts_the_link_left_to_apply_as_deferred_work() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_drain_rounds=2))
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    rt.links.declare("a-to-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setCount")
    rt.links.declare("b-to-a", source=b, read=lambda s: s["count"] + 1, reads=["count"], target=a, action="setCount")
    a.dispatch("add", 1)  # a -> b -> a + 1 -> ...: never settles
    first = tick_events(rt, 1)
    for phase in ("budgetExceeded", "settled"):
        assert first[phase]["meta"]["result"] == {"stable": False, "degradeReason": "cycle_detected"}
        assert first[phase]["meta"]["backlog"] == {"pendingExternalInputs": 0, "pendingDeferredWork": 1}
    rt.dispose()


def test_an_external_store_a_listener_writes_during_a_tick_is_reported_pending_and_read_by_the_next_tick() -> None:
    mirrored = value_store(0)
    rt = Runtime(diagnostics="light")
    mirror = rt.mount(Module("mirror", {"x": 0}, fields=[external_store("x", mirrored)]))
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    unsubscribe = topic.subscribe(lambda: mirrored.set(topic.get_snapshot()["count"]))
    seq = rt.store.tick_seq
    inst.dispatch("add", 5)
    backlogs = [t["backlog"] for t in ticks(rt, "settled") if t["tickSeq"] > seq]
    assert backlogs == [{"pendingExternalInputs": 1, "pendingDeferredWork": 0},
                        {"pendingExternalInputs": 0, "pendingDeferredWork": 0}]
    assert rt.store.topic(mirror).get_snapshot() == {"x": 5}
    unsubscribe()  # before the removal the disposal publishes
    rt.dispose()
