"""092 end-to-end segments in the runtime: a sampled run's chain from trigger to notify, one event per segment,
tick-level segments once per tickSeq with at most 4 linkIds; off by default; sampled by a rate; against the real
loopback backend for io:wait. The UI side (react:commit, paint) is tested with the Qt adapter in tests/devtools."""

from __future__ import annotations

import asyncio

import pytest
from schema_check import validator

from runtime import DefinitionError, E2EConfig, Module, Runtime
from runtime.actions import ActionCoordinator, action
from runtime.trace import TraceWriter
from test_actions_operations import save as save_to_backend
from test_actions_operations import setup, teardown

META = validator("e2e-trace-segment-meta")


def e2e_events(rt: Runtime) -> list[dict]:
    events = [e for e in rt.hub.events() if e["label"] == "trace:e2e"]
    for e in events:
        assert e["kind"] == "devtools" and e["linkId"]
        assert not list(META.iter_errors(e["meta"])), e["meta"]
    return events


def kinds(events: list[dict], link_id: str | None = None) -> list[str]:
    return [e["meta"]["segmentKind"] for e in events
            if link_id is None or e["linkId"] == link_id or link_id in e["meta"].get("linkIds", ())]


def counter() -> Module:
    m = Module("counter", initial={"runs": {}, "n": 0})

    @m.reducer("bump")
    def bump(draft, _):
        draft["n"] += 1

    return m


async def step(ctx, payload):
    await asyncio.sleep(0)
    ctx.dispatch("bump")
    return payload


async def until_quiet(rt: Runtime) -> None:
    """Waits on the runtime itself (not for a time past the 16 ms low-priority delay) until no tick is queued and
    no sampled run's delayed notification is still to go out, then flushes what is left."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 30
    while rt.scheduler.has_work() or rt.e2e.low_waiting:
        assert loop.time() < give_up, "the runtime never went quiet"
        await asyncio.sleep(0.005)
    rt.flush_now()


@pytest.mark.asyncio
async def test_off_by_default_and_nothing_is_recorded():
    rt = Runtime(diagnostics="light")
    actions = ActionCoordinator(rt.mount(counter()))
    await actions.trigger(action("step", step), 1).settled()
    await until_quiet(rt)
    assert not e2e_events(rt) and rt.e2e.events == 0
    await actions.aclose()
    rt.dispose()


@pytest.mark.asyncio
async def test_a_sampled_run_has_its_chain_in_order_with_monotonic_times():
    rt = Runtime(diagnostics="light")
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    inst = rt.mount(counter())
    actions = ActionCoordinator(inst)
    run = actions.trigger(action("step", step, lane="urgent"), 1)
    await run.settled()
    await until_quiet(rt)
    events = e2e_events(rt)
    mine = kinds(events, run.link_id)
    assert mine[0] == "txn:commit" and "action:pending" in mine and "action:settle" in mine
    assert mine.count("txn:commit") == 3  # pending, the ctx.dispatch write, success
    assert {"notify:scheduled", "notify:flush"} <= set(mine)
    assert "react:commit" not in mine  # no UI adapter here
    txns = [e for e in events if e["meta"]["segmentKind"] == "txn:commit"]
    assert [e["txnSeq"] for e in txns] == [r.txn_seq for r in inst.history if r.link_id == run.link_id]
    for e in events:
        assert e["meta"]["startMonoMs"] >= 0 and e["meta"]["durationMs"] >= 0
    ticks = [e for e in events if e["meta"]["segmentKind"] == "notify:flush"]
    assert len({e["meta"]["tickSeq"] for e in ticks}) == len(ticks)  # one per tick
    settle = next(e for e in events if e["meta"]["segmentKind"] == "action:settle")
    assert settle["meta"]["reasonCode"] == "success"
    await actions.aclose()
    rt.dispose()


@pytest.mark.asyncio
async def test_a_tick_carrying_many_runs_is_one_event_with_four_link_ids_and_a_dropped_count():
    rt = Runtime(diagnostics="light")
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    actions = ActionCoordinator(rt.mount(counter()))
    defn = action("step", step, concurrency="allow-concurrent", lane="urgent")
    runs = [actions.trigger(defn, i) for i in range(6)]  # six pending commits, one tick
    await asyncio.gather(*(r.settled() for r in runs))
    await until_quiet(rt)
    events = e2e_events(rt)
    scheduled = [e for e in events if e["meta"]["segmentKind"] == "notify:scheduled"]
    first = scheduled[0]
    assert first["meta"]["linkIds"] == [r.link_id for r in runs[:4]]
    assert first["meta"]["droppedLinkIdCount"] == 2 and first["linkId"] == runs[0].link_id
    per_tick = [(e["meta"]["segmentKind"], e["meta"]["tickSeq"]) for e in events if "tickSeq" in e["meta"]]
    assert len(per_tick) == len(set(per_tick))  # deduplicated per tickSeq
    await actions.aclose()
    rt.dispose()


@pytest.mark.asyncio
async def test_the_sample_rate_picks_the_same_runs_every_time_and_the_allow_list_narrows():
    picked = []
    for _ in range(2):
        rt = Runtime(diagnostics="light")
        rt.e2e.configure(E2EConfig(enabled=True, sample_rate=0.3))
        actions = ActionCoordinator(rt.mount(counter()))
        defn = action("step", step, concurrency="allow-concurrent")
        for i in range(40):
            await actions.trigger(defn, i).settled()
        picked.append(sorted({e["linkId"] for e in e2e_events(rt) if e["meta"]["segmentKind"] == "action:settle"}))
        await actions.aclose()
        rt.dispose()
    assert picked[0] == picked[1] and 0 < len(picked[0]) < 40
    rt = Runtime(diagnostics="light")
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0, action_ids=frozenset({"other"})))
    actions = ActionCoordinator(rt.mount(counter()))
    await actions.trigger(action("step", step), 1).settled()
    assert not e2e_events(rt)
    await actions.aclose()
    rt.dispose()
    with pytest.raises(DefinitionError, match="sample_rate"):
        E2EConfig(enabled=True, sample_rate=2)


@pytest.mark.asyncio
async def test_a_non_urgent_runs_flush_ends_when_its_delayed_notification_went_out():
    rt = Runtime(diagnostics="light")
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    inst = rt.mount(counter())
    rt.store.topic(inst).subscribe(lambda: None)  # a listener: the delayed notification has someone to tell
    actions = ActionCoordinator(inst)

    async def quiet(ctx, payload):  # only the run's own bookkeeping writes, all at the nonUrgent lane's priority
        await asyncio.sleep(0)
        return payload

    run = actions.trigger(action("quiet", quiet), 1)  # nonUrgent: its topics notify 16 ms after the tick
    await run.settled()
    await until_quiet(rt)
    flushes = [e for e in e2e_events(rt) if e["meta"]["segmentKind"] == "notify:flush"]
    assert flushes and all(e["meta"]["reasonCode"] == "lowPriorityDelay" for e in flushes)
    assert all(e["meta"]["durationMs"] >= 10.0 for e in flushes)  # the 16 ms delay is part of what it measures
    await actions.aclose()
    rt.dispose()


@pytest.mark.asyncio
async def test_io_wait_covers_a_backend_write_and_the_trace_validates(backend, tmp_path, check_trace):
    rt, tracker, inst, actions = await setup(backend)
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    writer = TraceWriter(tmp_path / "e2e.jsonl", label="e2e").attach(rt.hub)
    run = actions.trigger(action("save", save_to_backend), {"id": "t1"})
    await run.settled()
    await until_quiet(rt)
    events = e2e_events(rt)
    io = [e for e in events if e["meta"]["segmentKind"] == "io:wait"]
    assert len(io) == 1 and io[0]["linkId"] == run.link_id and io[0]["meta"]["reasonCode"] == "operation"
    pending = next(e for e in events if e["meta"]["segmentKind"] == "action:pending")
    settle = next(e for e in events if e["meta"]["segmentKind"] == "action:settle")
    assert pending["meta"]["startMonoMs"] <= io[0]["meta"]["startMonoMs"] <= settle["meta"]["startMonoMs"]
    await teardown(rt, tracker, actions)
    writer.close()
    code, out = check_trace(tmp_path / "e2e.jsonl", "devtools/trace:e2e")
    assert code == 0, out
