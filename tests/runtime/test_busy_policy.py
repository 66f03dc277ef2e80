"""Busy policy 091 on a manual clock: a fast pending never shows, a slow one shows for at least its minimum; busy is
fed by the pending registry, which action runs report to (and resource loads will)."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import settle_tasks

from runtime import DefinitionError, Module, Runtime, resource, resource_key
from runtime.actions import ActionCoordinator, action
from runtime.busy import BusyBoundary, BusyPolicy, PendingRegistry, resources_of, runs_of
from runtime.operations import ManualClock


def boundary(policy: BusyPolicy | None = None, **kw):
    pending = PendingRegistry()
    clock = ManualClock()
    return pending, clock, BusyBoundary(pending, policy, clock=clock, **kw)


def test_a_pending_shorter_than_the_delay_never_shows():
    pending, clock, busy = boundary()
    seen = []
    busy.subscribe(lambda: seen.append(busy.get_snapshot().phase))
    pending.begin("run", "a::o1", owner="save")
    clock.advance(0.149)
    pending.end("run", "a::o1")
    clock.advance(1.0)
    assert seen == ["waiting", "idle"]
    assert not any(s == "visible" for s in seen)
    assert clock.pending_timers == 0


def test_a_slow_pending_shows_after_the_delay_and_stays_for_the_minimum():
    pending, clock, busy = boundary()
    pending.begin("run", "a::o1", owner="save")
    clock.advance(0.150)
    state = busy.get_snapshot()
    assert state.shown and state.visible_since_mono_ms == pytest.approx(150.0)
    assert state.first_pending_at_mono_ms == 0.0
    clock.advance(0.050)
    pending.end("run", "a::o1")  # 200 ms: shown only 50 ms so far
    assert busy.get_snapshot().shown and busy.get_snapshot().pending_count == 0
    clock.advance(0.249)
    assert busy.get_snapshot().shown
    clock.advance(0.001)  # 450 ms = visible since 150 + 300
    assert busy.get_snapshot().phase == "idle"


def test_a_pending_that_outlasts_the_minimum_hides_at_once_when_it_ends():
    pending, clock, busy = boundary()
    pending.begin("run", "a::o1", owner="save")
    clock.advance(1.0)
    pending.end("run", "a::o1")
    assert busy.get_snapshot().phase == "idle"


def test_pending_again_during_the_minimum_keeps_it_visible_without_a_blink():
    pending, clock, busy = boundary(BusyPolicy(delay_ms=100, min_duration_ms=300))
    phases = []
    busy.subscribe(lambda: phases.append(busy.get_snapshot().phase))
    pending.begin("run", "a::o1", owner="save")
    clock.advance(0.1)
    pending.end("run", "a::o1")
    clock.advance(0.1)
    pending.begin("run", "a::o2", owner="save")
    clock.advance(0.5)
    assert busy.get_snapshot().shown
    pending.end("run", "a::o2")
    assert phases == ["waiting", "visible", "visible", "visible", "idle"]
    assert busy.transitions == 3


def test_counts_aggregate_and_only_matching_entries_count():
    pending, clock, busy = boundary(match=runs_of("save"))
    pending.begin("run", "a::o1", owner="save")
    pending.begin("run", "a::o2", owner="load")
    pending.begin("resource", "user:1#1", owner="user:1")
    pending.begin("run", "a::o3", owner="save")
    assert busy.get_snapshot().pending_count == 2
    pending.end("run", "a::o1")
    clock.advance(0.2)
    assert busy.get_snapshot().pending_count == 1 and busy.get_snapshot().shown


def test_resource_pending_feeds_a_boundary_like_run_pending():
    pending, clock, busy = boundary(match=resources_of("user:1"))
    pending.begin("resource", "load-1", owner="user:1", link_id="a::o1")
    clock.advance(0.2)
    assert busy.get_snapshot().shown
    assert pending.entries()[0].link_id == "a::o1"


def test_a_nested_boundary_is_suppressed_while_its_visible_ancestor_shows():
    pending = PendingRegistry()
    clock = ManualClock()
    outer = BusyBoundary(pending, clock=clock)
    inner = BusyBoundary(pending, clock=clock, match=runs_of("save"), parent=outer)
    nested = BusyBoundary(pending, BusyPolicy(allow_nested=True), clock=clock, match=runs_of("save"), parent=outer)
    pending.begin("run", "a::o1", owner="save")
    clock.advance(0.2)
    assert outer.get_snapshot().shown
    assert inner.get_snapshot().visible and not inner.get_snapshot().shown
    assert inner.get_snapshot().suppressed_by_ancestor
    assert nested.get_snapshot().shown
    pending.end("run", "a::o1")
    clock.advance(1.0)
    assert not inner.get_snapshot().suppressed_by_ancestor and inner.get_snapshot().phase == "idle"


def test_bad_policies_and_unknown_pending_kinds_are_refused():
    with pytest.raises(DefinitionError, match="delay_ms"):
        BusyPolicy(delay_ms=-1)
    with pytest.raises(DefinitionError, match="min_duration_ms"):
        BusyPolicy(min_duration_ms="300")  # type: ignore[arg-type]  # the wrong type on purpose
    with pytest.raises(DefinitionError, match="action runs and resource loads"):
        PendingRegistry().begin("flag", "x", owner="me")  # type: ignore[arg-type]  # an unknown kind on purpose


def test_a_boundary_built_while_something_is_pending_starts_waiting():
    pending = PendingRegistry()
    pending.begin("run", "a::o1", owner="save")
    clock = ManualClock()
    busy = BusyBoundary(pending, clock=clock)
    assert busy.get_snapshot().phase == "waiting"
    busy.close()
    pending.end("run", "a::o1")
    assert busy.get_snapshot().phase == "waiting"  # closed: it listens no more
    assert clock.pending_timers == 0


@pytest.mark.asyncio
async def test_action_runs_report_pending_to_their_runtime_and_drive_a_boundary():
    rt = Runtime(label="app")
    inst = rt.mount(Module("todos", initial={"runs": {}}))
    actions = ActionCoordinator(inst)
    clock = ManualClock()
    busy = BusyBoundary(rt.pending, clock=clock, match=runs_of("save", instance_id=inst.instance_id))
    gate = asyncio.Event()

    async def save(ctx, payload):
        await gate.wait()
        return payload

    run = actions.trigger(action("save", save), 1)
    assert [(e.kind, e.key, e.owner) for e in rt.pending.entries()] == [("run", run.link_id, "save")]
    clock.advance(0.2)
    assert busy.get_snapshot().shown
    gate.set()
    await run.settled()
    assert not rt.pending.entries()
    clock.advance(0.3)
    assert busy.get_snapshot().phase == "idle"
    cancelled = actions.trigger(action("slow", save), 2)
    actions.cancel(cancelled)
    assert not rt.pending.entries()  # every way a run settles ends its pending
    await actions.aclose()
    rt.dispose()
    assert not await settle_tasks()


@pytest.mark.asyncio
async def test_resource_loads_report_pending_to_their_runtime_and_drive_a_boundary():
    rt = Runtime(label="app")
    clock = ManualClock()
    gate = asyncio.Event()

    async def search(query):
        await gate.wait()
        return [query]

    catalog = resource("catalog", search)
    key = resource_key(catalog, "tea")
    busy = BusyBoundary(rt.pending, clock=clock, match=resources_of(key))
    other = BusyBoundary(rt.pending, clock=clock, match=runs_of())  # runs only: a load is not a run
    read = asyncio.ensure_future(rt.resources.read(catalog, "tea", link_id="app::o7"))
    await asyncio.sleep(0)
    assert [(e.kind, e.owner, e.link_id) for e in rt.pending.entries()] == [("resource", key, "app::o7")]
    clock.advance(0.2)
    assert busy.get_snapshot().shown and not other.get_snapshot().shown
    gate.set()
    assert await read == ["tea"]
    assert not rt.pending.entries()  # the load's end ends its pending
    clock.advance(0.3)
    assert busy.get_snapshot().phase == "idle"
    rt.dispose()
    assert not await settle_tasks()


def test_a_listener_that_raises_neither_silences_the_others_nor_fails_the_pending_it_hears_of(caplog):
    pending, clock, busy = boundary()
    seen = []

    def broken(*_args):
        raise RuntimeError("a widget binding broke")

    pending.subscribe(broken)
    busy.subscribe(broken)
    busy.subscribe(lambda: seen.append(busy.get_snapshot().phase))
    entry = pending.begin("run", "a::o1", owner="save")  # told to `broken` first: still registered and returned
    assert entry.key == "a::o1" and len(pending) == 1
    clock.advance(0.150)
    assert pending.end("run", "a::o1")
    clock.advance(1.0)
    phases = [phase for i, phase in enumerate(seen) if i == 0 or seen[i - 1] != phase]
    assert phases == ["waiting", "visible", "idle"]
    assert len(pending) == 0 and clock.pending_timers == 0
    assert "a widget binding broke" in caplog.text and "busy boundary" in caplog.text
