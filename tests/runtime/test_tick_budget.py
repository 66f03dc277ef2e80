"""Tick budgets: deferred non-urgent work, the urgent cap, cycles, and the degrade/recover diagnostics."""

from __future__ import annotations

import pytest
from tick_support import Recorder, counter, diagnostics, ticks

from runtime import DefinitionError, Runtime, TickConfig


def _low_write(inst, value):
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", origin_name="low",
                  priority="low", commit_mode="lowPriority")


def test_non_urgent_work_past_max_steps_is_deferred_to_later_ticks_never_lost() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(5)]
    recorders = []
    for inst in insts:
        rec = Recorder(rt.store.topic(inst))
        rt.store.topic(inst).subscribe(rec)
        recorders.append(rec)

    with rt.batch():
        for i, inst in enumerate(insts):
            _low_write(inst, i + 10)

    assert rt.store.tick_seq == 3  # 2 + 2 + 1 instances
    assert [rt.store.topic(i).get_snapshot()["count"] for i in insts] == [10, 11, 12, 13, 14]
    assert [r.count for r in recorders] == [1, 1, 1, 1, 1]
    assert [r.calls[0][0] for r in recorders] == [1, 1, 2, 2, 3]

    exceeded = ticks(rt, "budgetExceeded")
    assert [t["tickSeq"] for t in exceeded] == [1, 2]
    assert exceeded[0]["result"] == {"stable": False, "degradeReason": "budget_steps"}
    assert exceeded[0]["backlog"]["pendingDeferredWork"] == 3
    assert exceeded[0]["budget"]["steps"] == 2 and exceeded[0]["budget"]["maxSteps"] == 2
    settled = ticks(rt, "settled")
    assert [t["result"]["stable"] for t in settled] == [False, False, True]
    # once per unstable window, then recover on the first stable tick
    (degrade,) = [d["meta"] for d in diagnostics(rt, "scheduling::degrade")]
    (recover,) = [d["meta"] for d in diagnostics(rt, "scheduling::recover")]
    assert (degrade["tickSeq"], degrade["backlogCount"], degrade["configScope"]) == (1, 3, "runtime_default")
    assert (recover["tickSeq"], recover["fromTickSeq"], recover["fromReason"]) == (3, 1, "budget_steps")
    assert recover["configScope"] == "runtime_default" and recover["previousBacklogCount"] == 3
    # deferred non-urgent work whose topic has subscribers is a priority inversion
    inversion = diagnostics(rt, "warn:priority-inversion")
    assert inversion and inversion[0]["meta"]["reason"] == "deferredBacklog"


def test_urgent_work_is_never_deferred_by_max_steps() -> None:
    rt = Runtime(tick=TickConfig(max_steps=1))
    insts = [rt.mount(counter(f"m{i}")) for i in range(4)]
    with rt.batch():
        for inst in insts:
            inst.dispatch("add", 1)
    assert rt.store.tick_seq == 1
    assert all(rt.store.topic(i).get_snapshot()["count"] == 1 for i in insts)


def test_more_urgent_instances_than_the_cap_defer_the_rest_as_cycle_detected() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(urgent_step_cap=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(3)]
    low = rt.mount(counter("low"))
    with rt.batch():
        for inst in insts:
            inst.dispatch("add", 1)
        _low_write(low, 7)
    first = ticks(rt, "budgetExceeded")[0]
    assert first["result"] == {"stable": False, "degradeReason": "cycle_detected"}
    assert first["budget"]["steps"] == 2 and first["backlog"]["pendingDeferredWork"] == 2
    assert rt.store.tick_seq == 2
    assert all(rt.store.topic(i).get_snapshot()["count"] == 1 for i in insts)
    assert rt.store.topic(low).get_snapshot()["count"] == 7


def test_links_that_never_settle_are_cut_after_the_drain_rounds_as_cycle_detected() -> None:
    rt = Runtime(diagnostics="light", buffer_size=10_000)
    a = rt.mount(counter("a"))
    b = rt.mount(counter("b"))
    rt.links.declare("a-to-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setCount")
    rt.links.declare("b-to-a", source=b, read=lambda s: s["count"] + 1, reads=["count"], target=a, action="setCount")

    a.dispatch("add", 1)  # a -> b -> a+1 -> b ... forever

    first = ticks(rt, "budgetExceeded")[0]
    assert first["tickSeq"] == 1 and first["result"]["degradeReason"] == "cycle_detected"
    assert len(diagnostics(rt, "scheduling::degrade")) == 1
    # without a loop the chain stops at the chained-tick limit; the rest waits, nothing raised
    assert rt.store.tick_seq == 32
    assert rt.scheduler.has_work()
    before = rt.store.topic(a).get_snapshot()["count"]
    rt.flush_now()
    assert rt.store.topic(a).get_snapshot()["count"] > before


def test_tick_config_rejects_nonsense_budgets() -> None:
    with pytest.raises(DefinitionError, match="max_steps"):
        TickConfig(max_steps=0)
    with pytest.raises(DefinitionError, match="low_priority_delay_ms"):
        TickConfig(low_priority_delay_ms=-1)
