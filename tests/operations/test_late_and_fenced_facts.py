"""004 to the letter (issue 15), against the real loopback backend: a stream is read to the facts already sent
(a `committed` after `observed` is a late fact), facts are deduplicated by fact_id, fenced facts are shown as such,
and `never_project` is reversible so an operation can resolve late end to end."""

from __future__ import annotations

import pytest
from ops_support import wait_until

from runtime.operations import Budget, KindPolicy, Stage, StageFact
from runtime.operations.timeline import build_operation_timelines


def _copies(op, stage: Stage) -> list[str]:
    return [f.disposition for f in op.facts if f.fact.stage is stage and f.fact.source == "sse"]


@pytest.mark.asyncio
async def test_a_committed_sent_after_observed_is_read_and_recorded_as_a_late_fact(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["reordered"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="reordered", sse_reorder=True, commit_delay_s=0.05)
    heard = []
    tracker.subscribe(lambda event, state: heard.append((event.type, event.stage)))
    receipt = await tracker.submit("reordered", "r1", {})
    cid = receipt.command_id
    await wait_until(lambda: _copies(tracker.get(cid), Stage.COMMITTED), what="the committed the stream sent last")
    op = tracker.get(cid)
    assert op.stage is Stage.READY  # the stage never goes back
    assert _copies(op, Stage.COMMITTED) == ["late"]
    assert ("late_fact", Stage.COMMITTED) in heard
    late = [e for e in rt.hub.events() if e["label"] == "operation:late" and e["meta"]["commandId"] == cid]
    assert [e["meta"]["eventStage"] for e in late] == ["committed"]


@pytest.mark.asyncio
async def test_a_second_copy_of_a_fact_is_recorded_once_as_a_duplicate_and_causes_no_event(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["twice"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="twice", sse_reorder=True, sse_duplicate=True, commit_delay_s=0.05)
    heard = []
    tracker.subscribe(lambda event, state: heard.append((event.type, event.stage)))
    receipt = await tracker.submit("twice", "d1", {})
    cid = receipt.command_id
    await wait_until(lambda: len(_copies(tracker.get(cid), Stage.COMMITTED)) == 2, what="both copies of committed")
    op = tracker.get(cid)
    assert _copies(op, Stage.COMMITTED) == ["late", "duplicate"]  # the copy is recorded, once
    assert _copies(op, Stage.OBSERVED) == ["applied", "duplicate"]
    assert heard.count(("late_fact", Stage.COMMITTED)) == 1  # and never causes another continuation event
    assert [t for t, _ in heard].count("late_fact") == 1
    by_id: dict[str, list[str]] = {}
    for f in op.facts:
        if f.fact.fact_id is not None:
            by_id.setdefault(f.fact.fact_id, []).append(f.disposition)
    assert by_id and all(len(d) == 2 and d[1] == "duplicate" for d in by_id.values())  # every copy, after the first


@pytest.mark.asyncio
async def test_a_fact_from_a_superseded_observer_attempt_is_shown_as_fenced(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["resumed"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="resumed", sse_disconnect_after=1, commit_delay_s=0.2)
    receipt = await tracker.submit("resumed", "f1", {})
    cid = receipt.command_id
    await wait_until(lambda: dict(tracker.get(cid).fences).get("sse", 0) >= 1, what="the stream to resume")
    # What a connection given up on would still deliver: a fact of attempt 0, after attempt 1 spoke.
    tracker.apply(StageFact(cid, Stage.COMMITTED, "sse", "sse", attempt=0, version=1, fact_id="stale"))
    await wait_until(lambda: tracker.get(cid).stage is Stage.READY, what="ready")
    op = tracker.get(cid)
    assert [f.disposition for f in op.facts if f.fact.fact_id == "stale"] == ["fenced"]
    tl = build_operation_timelines(rt.hub.events())[cid]
    fenced = [m for m in tl.marks if m.kind == "fenced"]
    assert [(m.stage, m.attempt, m.disposition) for m in fenced] == [("committed", 0, "fenced")]
    assert all(m.kind != "fenced" for m in tl.marks if m.disposition == "duplicate")


@pytest.mark.asyncio
async def test_never_project_turned_off_projects_what_it_held_and_the_operation_resolves_late(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="held.kind", never_project=True)
    budget = Budget(accept=2.0, committed=0.4, observed=0.4, ready=0.4)
    receipt = await tracker.submit("held.kind", "h1", {"delta": 2}, budget=budget)
    cid = receipt.command_id
    await wait_until(lambda: tracker.get(cid).stage is Stage.TIMED_OUT, what="timed_out")
    assert backend.store.read("held.kind", "h1")["version"] == 0  # committed, never projected
    assert [e.command_id for e in backend.store.held_events("read_model")] == [cid]
    backend.faults.set(kind="held.kind", never_project=False)
    backend.notify()
    await wait_until(lambda: tracker.get(cid).late_resolution is not None, what="the late resolution")
    op = tracker.get(cid)
    assert op.stage is Stage.TIMED_OUT and op.late_resolution is Stage.READY  # the verdict stands
    assert backend.store.read("held.kind", "h1")["state"]["value"] == 2
    assert backend.store.held_events("read_model") == []
    resolved = [e for e in rt.hub.events() if e["label"] == "operation:resolved-late"]
    assert [e["meta"]["commandId"] for e in resolved] == [cid]


@pytest.mark.asyncio
async def test_held_events_are_projected_after_a_restart_in_order_per_aggregate(backend):
    from runtime import Runtime
    from runtime.operations import OperationTracker
    from runtime.operations.http import HttpTransport

    rt = Runtime(label="held")
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), late_grace_s=0.0)
    backend.faults.set(kind="agg", never_project=True)
    first = await tracker.submit("agg", "a1", {"delta": 1}, wait_for=Stage.COMMITTED)
    backend.faults.set(kind="agg")  # a later event of the same aggregate must wait behind the held one
    backend.faults.set(command_id=first.command_id, never_project=True)
    second = await tracker.submit("agg", "a1", {"delta": 10}, wait_for=Stage.COMMITTED)
    await wait_until(lambda: len(backend.store.held_events("read_model")) == 2, what="both events held")
    assert backend.store.read("agg", "a1")["version"] == 0
    backend.faults.clear()  # as a fresh start would have it
    await backend.restart()
    await wait_until(lambda: backend.store.read("agg", "a1")["version"] == 2, what="both projected after restart")
    assert backend.store.read("agg", "a1")["state"]["value"] == 11
    await wait_until(lambda: tracker.get(second.command_id).stage is Stage.READY, what="the second ready")
    await tracker.aclose()
    rt.dispose()
