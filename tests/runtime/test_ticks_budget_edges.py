"""The tick budgets at their edges and what the scheduler says about them: a TickConfig refuses what is no count
(and accepts any delay >= 0), a tick exactly at a budget is stable, the degrade/recover pair names where the budgets
came from and the ticks after a recovery run normally, a marked topic ticks at once outside any window (urgent by
default, low-priority when asked), and each tick counts only its own triggers."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter, diagnostics, ticks, watched

from runtime import DefinitionError, Module, Runtime, TickConfig, TickTelemetry, external_store, value_store
from runtime.ticks import tick_trace
from runtime.ticks.telemetry import sampled


@pytest.fixture(autouse=True)
def fresh_meta_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta parts built by this test, not reused from an earlier one (see test_ticks_entry_points.py)."""
    monkeypatch.setattr(tick_trace, "_shared", {})


def _low(inst, value: int) -> None:
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", priority="low")


@pytest.mark.parametrize("value", [True, 2.5, "3", 0])
def test_a_tick_budget_that_is_no_count_is_refused_by_name(value) -> None:
    with pytest.raises(DefinitionError) as err:
        TickConfig(max_steps=value)
    assert str(err.value) == f"TickConfig.max_steps must be an integer >= 1, not {value!r}"


def test_any_low_priority_delay_from_zero_is_accepted_and_a_wrong_telemetry_is_named() -> None:
    assert [TickConfig(low_priority_delay_ms=d).low_priority_delay_ms for d in (0, 0.5)] == [0, 0.5]
    with pytest.raises(DefinitionError) as err:
        TickConfig(telemetry="often")  # type: ignore[arg-type]
    assert str(err.value) == "TickConfig.telemetry must be a TickTelemetry, not 'often'"


@pytest.mark.parametrize("urgent", [True, False])
def test_a_tick_exactly_at_its_budget_is_stable(urgent: bool) -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=2, urgent_step_cap=2))
    insts = [rt.mount(counter(f"m{i}")) for i in range(2)]
    with rt.batch():
        for inst in insts:
            inst.dispatch("add", 1) if urgent else _low(inst, 1)
    (settled,) = ticks(rt, "settled")[-1:]
    assert settled["result"] == {"stable": True} and settled["budget"]["steps"] == 2
    assert not rt.scheduler.has_work() and not diagnostics(rt, "scheduling::degrade")
    rt.dispose()


@pytest.mark.parametrize("config, scope", [(None, "builtin"), (TickConfig(), "runtime_default")])
def test_degrade_and_recover_name_the_budgets_source_and_the_ticks_after_run_normally(config, scope) -> None:
    rt = Runtime(diagnostics="light", tick=config)
    insts = [rt.mount(counter(f"m{i}")) for i in range(rt.scheduler.config.max_steps + 1)]
    with rt.batch():
        for inst in insts:
            _low(inst, 1)  # one more non-urgent instance than a tick takes: the synchronous tick after it recovers
    for round_ in (2, 3):
        insts[0].dispatch("add", 1)
        assert rt.store.topic(insts[0]).get_snapshot()["count"] == round_
    (degrade,) = [d["meta"] for d in diagnostics(rt, "scheduling::degrade")]
    (recover,) = [d["meta"] for d in diagnostics(rt, "scheduling::recover")]
    assert (degrade["configScope"], recover["configScope"]) == (scope, scope)
    assert not diagnostics(rt, "warn:microtask-starvation")  # a budget, not a feedback loop
    rt.dispose()


def test_a_topic_marked_outside_any_window_is_told_in_a_tick_of_its_own_at_once() -> None:
    rt = Runtime(diagnostics="light")
    seen = watched(rt, rt.mount(counter()))
    topic = seen.facade
    rt.scheduler.mark_topic_dirty(topic.key)
    assert seen.calls == [(1, topic.get_snapshot())] and topic.version == 1
    assert ticks(rt, "start")[-1]["schedule"] == {"startedAs": "unknown", "microtaskChainDepth": 0}
    rt.dispose()


@pytest.mark.asyncio  # a running loop: a low-priority call waits for its delay, an urgent one is made in the tick
async def test_a_marked_topic_is_urgent_unless_asked_to_be_low_priority() -> None:
    rt = Runtime(tick=TickConfig(low_priority_delay_ms=60_000.0))
    urgent, lazy = rt.mount(counter("urgent")), rt.mount(counter("lazy"))
    seen = {i.module_id: watched(rt, i) for i in (urgent, lazy)}
    with rt.batch():
        rt.scheduler.mark_topic_dirty(rt.store.topic(urgent).key)
        rt.scheduler.mark_topic_dirty(rt.store.topic(lazy).key, low_priority=True)
    assert (seen["urgent"].count, seen["lazy"].count) == (1, 0)
    rt.flush_now()  # the owed low-priority call, now
    assert (seen["urgent"].count, seen["lazy"].count) == (1, 1)
    rt.dispose()


def test_each_tick_counts_only_the_commits_that_triggered_it() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())
    for amount in (1, 2):
        inst.dispatch("add", amount)
    summaries = [t["triggerSummary"] for t in ticks(rt, "settled")[-2:]]
    assert [s["total"] for s in summaries] == [1, 1]
    assert [s["kinds"] for s in summaries] == [[{"kind": "dispatch", "count": 1}]] * 2
    rt.dispose()


def test_a_marked_key_after_one_that_is_no_topic_is_still_told() -> None:
    rt = Runtime(diagnostics="light")
    seen = watched(rt, rt.mount(counter()))
    topic = seen.facade
    with rt.batch():
        rt.scheduler.mark_topic_dirty("garbage")  # dropped with a diagnostic ...
        rt.scheduler.mark_topic_dirty(topic.key)  # ... and the next key is bumped all the same
    assert seen.count == 1 and topic.version == 1
    assert len(diagnostics(rt, "runtime_store::topic_key_unparseable")) == 1
    rt.dispose()


def test_at_full_diagnostics_a_tick_anchors_more_than_four_commits() -> None:
    rt = Runtime(diagnostics="full")
    insts = [rt.mount(counter(f"m{i}")) for i in range(6)]
    with rt.batch():
        for inst in insts:
            inst.dispatch("add", 1)
    anchors = ticks(rt, "settled")[-1]["anchors"]
    assert [c["moduleId"] for c in anchors["commits"]] == [f"m{i}" for i in range(6)]
    rt.dispose()


def test_a_sampled_telemetry_hook_hears_the_degraded_ticks_its_rate_picks() -> None:
    heard: list[int] = []
    forced: list[object] = []

    def hook(event) -> None:
        heard.append(event.tick_seq)
        forced.append(event.forced_macrotask)

    telemetry = TickTelemetry(sample_rate=0.5, on_tick_degraded=hook)
    rt = Runtime(tick=TickConfig(max_steps=1, telemetry=telemetry))
    insts = [rt.mount(counter(f"m{i}")) for i in range(2)]
    degraded = []
    for round_ in range(12):
        with rt.batch():
            for inst in insts:
                _low(inst, round_)  # two non-urgent instances, one step a tick: every other tick degrades
        degraded.append(rt.store.tick_seq - 1)
    assert heard == [seq for seq in degraded if sampled(seq, 0.5)] and 0 < len(heard) < len(degraded)
    assert set(forced) == {False}  # synchronous ticks are never forced onto a later loop turn
    rt.dispose()


@pytest.mark.asyncio  # a running loop: coalescing windows are loop timers
async def test_every_coalescing_window_that_elapsed_before_a_tick_counts_as_one_timer_trigger() -> None:
    first, second = value_store(0), value_store(0)
    rt = Runtime(diagnostics="light")
    inst = rt.mount(Module("v", {"a": 0, "b": 0}, fields=[external_store("a", first, coalesce_window_ms=1),
                                                          external_store("b", second, coalesce_window_ms=1)]))
    with rt.batch():  # the tick waits for the batch: both windows elapse before it
        first.set(1)
        second.set(2)
        for _ in range(5000):  # wait on the event (both windows closed), polling the loop's timers
            if rt.external_fields.pending_windows() == 0:
                break
            await asyncio.sleep(0.001)
        assert rt.external_fields.pending_windows() == 0
    assert rt.store.topic(inst).get_snapshot() == {"a": 1, "b": 2}
    assert ticks(rt, "settled")[-1]["triggerSummary"]["kinds"] == [
        {"kind": "externalStore", "count": 2}, {"kind": "timer", "count": 2}]
    rt.dispose()


@pytest.mark.asyncio  # a running loop: the window is a loop timer, left far in the future
async def test_a_tick_reports_a_coalescing_window_still_open_as_a_pending_external_input() -> None:
    slow = value_store(0)
    rt = Runtime(diagnostics="light")
    rt.mount(Module("v", {"slow": 0}, fields=[external_store("slow", slow, coalesce_window_ms=60_000)]))
    inst = rt.mount(counter())
    slow.set(1)  # held in its window
    inst.dispatch("add", 1)
    rt.flush_now()
    assert ticks(rt, "settled")[-1]["backlog"] == {"pendingExternalInputs": 1, "pendingDeferredWork": 0}
    rt.dispose()


def test_a_commit_a_link_made_inside_a_tick_is_not_counted_again_by_the_next_one() -> None:
    rt = Runtime(diagnostics="light")
    a, b, c = rt.mount(counter("a")), rt.mount(counter("b")), rt.mount(counter("c"))
    rt.links.declare("a-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setOther")
    a.dispatch("add", 3)  # its tick applies the link: b commits inside that tick
    c.dispatch("add", 1)
    assert rt.store.topic(b).get_snapshot()["other"] == 3
    last = ticks(rt, "settled")[-1]["triggerSummary"]
    assert last["total"] == 1 and last["primary"]["moduleId"] == "c"
    rt.dispose()


def test_a_chain_of_links_as_long_as_the_drain_rounds_settles_stable_in_one_tick() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_drain_rounds=2))
    a, b, c = rt.mount(counter("a")), rt.mount(counter("b")), rt.mount(counter("c"))
    rt.links.declare("a-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setCount")
    rt.links.declare("b-c", source=b, read=lambda s: s["count"], reads=["count"], target=c, action="setCount")
    seq = rt.store.tick_seq
    a.dispatch("add", 4)  # round 1 applies a-b, round 2 b-c; c's commit leads nowhere
    assert rt.store.tick_seq == seq + 1 and rt.store.topic(c).get_snapshot()["count"] == 4
    assert ticks(rt, "settled")[-1]["result"] == {"stable": True} and not rt.scheduler.has_work()
    rt.dispose()


def test_a_link_cycle_of_a_single_instance_is_reported_as_cycle_detected() -> None:
    rt = Runtime(diagnostics="light", tick=TickConfig(max_drain_rounds=2))
    inst = rt.mount(counter())
    rt.links.declare("self", source=inst, read=lambda s: s["count"], reads=["count"], target=inst, action="add")
    inst.dispatch("add", 1)  # every application of the link changes what it reads: it never settles
    assert ticks(rt, "settled")[0]["result"] == {"stable": False, "degradeReason": "cycle_detected"}
    rt.dispose()
