"""The degraded-tick telemetry hook: called for unstable or forced ticks, sampled by its rate (deterministically,
by tickSeq), even at diagnostics off; a hook that raises never breaks a tick."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter

from runtime import DefinitionError, Runtime, TickConfig
from runtime.ticks.telemetry import DegradedTick, TickTelemetry, sampled


def _low_write(inst, value):
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", origin_name="low",
                  priority="low", commit_mode="lowPriority")


def budget_run(rate: float, seen: list[DegradedTick]) -> Runtime:
    telemetry = TickTelemetry(sample_rate=rate, on_tick_degraded=seen.append)
    rt = Runtime(diagnostics="off", tick=TickConfig(max_steps=1, telemetry=telemetry))
    insts = [rt.mount(counter(f"m{i}")) for i in range(4)]
    with rt.batch():
        for i, inst in enumerate(insts):
            _low_write(inst, i + 1)
    return rt


def test_degraded_ticks_reach_the_hook_at_diagnostics_off():
    seen: list[DegradedTick] = []
    rt = budget_run(1.0, seen)
    assert rt.hub.events() == []  # nothing exported at off; the hook still hears
    assert [(t.tick_seq, t.stable, t.degrade_reason, t.deferred_work_count) for t in seen] == [
        (1, False, "budget_steps", 3), (2, False, "budget_steps", 2), (3, False, "budget_steps", 1)]
    assert seen[0].to_json() == {"tickSeq": 1, "stable": False, "microtaskChainDepth": 0, "deferredWorkCount": 3,
                                 "degradeReason": "budget_steps"}


def test_a_rate_of_zero_calls_nothing_and_sampling_is_deterministic():
    seen: list[DegradedTick] = []
    budget_run(0.0, seen)
    assert seen == []
    picks = [n for n in range(1, 2001) if sampled(n, 0.25)]
    assert picks == [n for n in range(1, 2001) if sampled(n, 0.25)]  # the same ticks every time
    assert 350 < len(picks) < 650  # about a quarter


def test_a_raising_hook_is_logged_and_the_ticks_go_on(caplog):
    def boom(_tick: DegradedTick) -> None:
        raise RuntimeError("telemetry down")

    rt = Runtime(tick=TickConfig(max_steps=1, telemetry=TickTelemetry(1.0, boom)))
    insts = [rt.mount(counter(f"m{i}")) for i in range(3)]
    with rt.batch():
        for i, inst in enumerate(insts):
            _low_write(inst, i + 5)
    assert [rt.store.topic(i).get_snapshot()["count"] for i in insts] == [5, 6, 7]
    assert "telemetry down" in caplog.text


@pytest.mark.asyncio
async def test_a_tick_forced_onto_a_later_turn_is_degraded_too():
    seen: list[DegradedTick] = []
    rt = Runtime(tick=TickConfig(microtask_chain_depth_limit=3, telemetry=TickTelemetry(1.0, seen.append)))
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    topic.subscribe(lambda: inst.dispatch("add", 1) if topic.get_snapshot()["count"] < 6 else None)
    inst.dispatch("add", 1)
    for _ in range(50):
        await asyncio.sleep(0)
    assert topic.get_snapshot()["count"] == 6
    forced = [t for t in seen if t.forced_macrotask]
    assert forced and forced[0].stable and forced[0].schedule_reason == "microtask_starvation"
    assert forced[0].microtask_chain_depth == 3


@pytest.mark.parametrize("bad", [-0.1, 1.5, "x", True])
def test_the_rate_must_be_a_fraction(bad):
    with pytest.raises(DefinitionError, match="sample_rate"):
        TickTelemetry(sample_rate=bad)
