"""The tracker against the real loopback backend: each scenario of the issue, observed as a user would see it."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import FAST, assert_operation_events_valid, operation_events, wait_until

from runtime import Module
from runtime.operations import (
    Budget,
    KindPolicy,
    ManualClock,
    OperationCancelled,
    OperationRejected,
    OperationTimedOut,
    OperationTracker,
    Stage,
    StateBinding,
    rank,
)
from runtime.operations.http import HttpTransport


def progress_never_decreases(state) -> bool:
    ranks = [rank(s) for s, _ in state.stage_at]
    return ranks == sorted(ranks)


@pytest.mark.asyncio
async def test_submit_returns_at_accepted_and_implies_nothing_more(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="todo.create", commit_delay_s=0.3)
    receipt = await tracker.submit("todo.create", "t1", {"title": "x"})
    op = tracker.get(receipt.command_id)
    assert op.stage is Stage.ACCEPTED and op.detached
    assert receipt.correlation_id == receipt.command_id
    assert receipt.status_url == f"/operations/{receipt.command_id}"
    assert receipt.read_model_url == "/read/todo.create/t1"
    await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.READY, what="ready")
    op = tracker.get(receipt.command_id)
    assert [s for s, _ in op.stage_at] == [Stage.ACCEPTED, Stage.COMMITTED, Stage.OBSERVED, Stage.READY]
    assert op.version == 1


@pytest.mark.asyncio
async def test_accepted_then_failed_reaches_module_state_as_transactions(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="todo.create", fail_after_accept="quota_exceeded")
    inst = rt.mount(Module("todos", initial={"operations": {}, "errors": []}))
    binding = StateBinding(inst)
    binding.on("failed", lambda draft, ev: draft["errors"].append(ev.error.code))
    receipt = await tracker.submit("todo.create", "t2", {}, instance=inst, listener=binding, link_id="todos#1::o1")
    assert tracker.get(receipt.command_id).stage is Stage.ACCEPTED
    await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.FAILED, what="failed")
    state = inst.get_state()
    assert state["errors"] == ["quota_exceeded"]
    mirrored = state["operations"][receipt.command_id]
    assert mirrored["stage"] == "failed" and mirrored["error"]["code"] == "quota_exceeded"
    txns = [r for r in inst.history if r.origin.kind == "operation"]
    assert [r.origin.details["type"] for r in txns] == ["accepted", "failed"]
    assert all(r.link_id == "todos#1::o1" for r in txns)
    labels = [e["label"] for e in operation_events(rt) if e["meta"]["commandId"] == receipt.command_id]
    assert labels[:2] == ["operation:submitted", "operation:accepted"] and "operation:failed" in labels


@pytest.mark.asyncio
async def test_waiting_for_a_later_stage_fails_with_the_stage_reached(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="todo.create", fail_after_accept="nope")
    with pytest.raises(Exception) as err:
        await tracker.submit("todo.create", "t3", {}, wait_for=Stage.OBSERVED)
    assert type(err.value).__name__ == "OperationFailed"
    assert err.value.stage_reached is Stage.ACCEPTED and err.value.error.code == "nope"


@pytest.mark.asyncio
async def test_accepted_but_never_observed_times_out_and_a_late_resolution_keeps_the_verdict(runtime_ops, backend):
    rt, _ = runtime_ops
    backend.faults.set(kind="slow.kind", project_delay_s=30.0)  # committed, then held until the test lets it go
    budget = Budget(accept=1.0, committed=0.4, observed=0.5, ready=0.5)
    clock = ManualClock(100.0)  # the deadlines run on this clock: the test decides when they pass
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), clock=clock, budget=budget, late_grace_s=3.0)
    try:
        inst = rt.mount(Module("slow", initial={"operations": {}}))
        receipt = await tracker.submit("slow.kind", "s1", {}, instance=inst, listener=StateBinding(inst))
        await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.COMMITTED, what="committed")
        clock.advance(budget.ready - 0.01)
        assert tracker.get(receipt.command_id).stage is Stage.COMMITTED  # not before its deadline ...
        clock.advance(0.01)
        op = tracker.get(receipt.command_id)
        assert op.stage is Stage.TIMED_OUT and op.terminal_at == op.accepted_at + budget.ready  # ... and at it
        backend.faults.set(kind="slow.kind", project_delay_s=0.0)
        await backend.restart()  # the projector resumes from its checkpoint and projects the held event
        await wait_until(lambda: tracker.get(receipt.command_id).late_resolution is not None, what="late resolution")
        op = tracker.get(receipt.command_id)
        assert op.stage is Stage.TIMED_OUT and op.late_resolution is Stage.READY
        assert any(f.disposition == "late" and f.fact.stage is Stage.OBSERVED for f in op.facts)
        assert inst.get_state()["operations"][receipt.command_id]["lateResolution"] == "ready"
        assert inst.get_state()["operations"][receipt.command_id]["stage"] == "timed_out"
        await wait_until(lambda: not [t for t in tracker.running_tasks() if receipt.command_id in t.get_name()],
                         what="its observers to stop")  # the SSE observer reads on a moment after done
    finally:
        await tracker.aclose()


@pytest.mark.asyncio
async def test_never_projected_times_out_with_nothing_left_running(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.late_grace_s = 0.2
    backend.faults.set(kind="lost.kind", never_project=True)
    budget = Budget(accept=1.0, committed=0.5, observed=0.6, ready=0.6)
    receipt = await tracker.submit("lost.kind", "l1", {}, budget=budget)
    await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.TIMED_OUT, what="timed_out")
    op = tracker.get(receipt.command_id)
    assert op.error.code == "deadline" and op.late_resolution is None
    assert Stage.COMMITTED in [s for s, _ in op.stage_at]
    await wait_until(lambda: not tracker.running_tasks(), what="observers to stop after the grace")


@pytest.mark.asyncio
async def test_the_same_command_sent_twice_gets_the_same_receipt(backend):
    transport = HttpTransport(backend.base_url)
    try:
        first = await transport.send_command("todo.create", "d1", {"delta": 1}, command_id="dup-1", correlation_id="g")
        second = await transport.send_command("todo.create", "d1", {"delta": 1}, command_id="dup-1", correlation_id="g")
        other = await transport.send_command("todo.create", "d1", {"delta": 2}, command_id="dup-1", correlation_id="g")
    finally:
        await transport.aclose()
    assert first.status == second.status == 202 and first.body == second.body
    assert other.status == 409 and other.body["code"] == "command_id_conflict"
    await wait_until(lambda: backend.store.command("dup-1").stage != "accepted", what="dup-1 processed")
    assert backend.store.count_events("dup-1") == 1  # committed once, for the three sends


@pytest.mark.asyncio
async def test_a_lost_202_is_answered_by_a_resend_of_the_same_command(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="todo.create", drop_response_after_accept=1)
    receipt = await tracker.submit("todo.create", "lost202", {"delta": 1})
    retries = [e for e in operation_events(rt) if e["label"] == "operation:retry"]
    assert len(retries) == 1 and retries[0]["meta"]["commandId"] == receipt.command_id
    await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.READY, what="ready")
    assert backend.store.count_events(receipt.command_id) == 1
    assert backend.store.read("todo.create", "lost202")["state"]["value"] == 1


@pytest.mark.asyncio
async def test_out_of_order_and_duplicate_facts_never_move_the_stage_back(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["odd.kind"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="odd.kind", sse_reorder=True, sse_duplicate=True, commit_delay_s=0.05)
    receipt = await tracker.submit("odd.kind", "o1", {})
    await wait_until(lambda: tracker.get(receipt.command_id).stage is Stage.READY, what="ready")
    op = tracker.get(receipt.command_id)
    assert progress_never_decreases(op)
    dispositions = [(f.fact.stage, f.disposition) for f in op.facts]
    assert (Stage.COMMITTED, "inferred") in dispositions  # observed came first and implied committed
    assert any(d == "duplicate" for _, d in dispositions)  # the second copies and the late `committed`
    assert sum(1 for s, d in dispositions if s is Stage.OBSERVED and d == "applied") == 1


@pytest.mark.asyncio
async def test_a_stale_replica_never_counts_as_observed(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="replica.kind", stale_replica_reads=3, project_delay_s=0.4)
    receipt = await tracker.submit("replica.kind", "r1", {}, wait_for=Stage.OBSERVED)
    op = tracker.get(receipt.command_id)
    assert op.stage is Stage.READY and op.version == 1
    assert backend.faults.by_kind["replica.kind"].stale_replica_reads == 0  # the replica did answer
    for entry in op.facts:
        if entry.fact.stage is Stage.OBSERVED and entry.disposition == "applied":
            assert entry.fact.version >= 1


@pytest.mark.asyncio
async def test_cancel_before_commit_is_confirmed_and_after_commit_is_too_late(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="slowcommit", commit_delay_s=1.5)
    early = await tracker.submit("slowcommit", "c1", {})
    assert await tracker.cancel(early.command_id) == "cancelled"
    assert tracker.get(early.command_id).stage is Stage.CANCELLED
    assert backend.store.command(early.command_id).stage == "cancelled"
    backend.faults.set(kind="fastcommit", project_delay_s=0.5)
    late = await tracker.submit("fastcommit", "c2", {}, wait_for=Stage.COMMITTED)
    assert await tracker.cancel(late.command_id) == "too_late"
    await wait_until(lambda: tracker.get(late.command_id).stage is Stage.READY, what="ready after a refused cancel")


@pytest.mark.asyncio
async def test_a_cancel_confirmed_while_waiting_raises_cancelled(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="slowcommit", commit_delay_s=2.0)
    waiting = asyncio.create_task(tracker.submit("slowcommit", "c3", {}, wait_for=Stage.COMMITTED))
    await wait_until(lambda: any(o.stage is Stage.ACCEPTED for o in tracker.operations()), what="accepted")
    cid = tracker.operations()[0].command_id
    assert await tracker.cancel(cid) == "cancelled"
    with pytest.raises(OperationCancelled) as err:
        await waiting
    assert err.value.stage_reached is Stage.ACCEPTED


@pytest.mark.asyncio
async def test_a_rejected_write_is_not_an_operation_that_goes_on(runtime_ops, backend):
    rt, tracker = runtime_ops
    with pytest.raises(OperationRejected) as err:
        await tracker.submit("todo.create", "bad", {"delta": "many"})
    assert err.value.error.code == "invalid_command"
    assert not tracker.pending()


@pytest.mark.asyncio
async def test_status_polling_alone_reaches_ready(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["polled"] = KindPolicy(observers=("status",))
    backend.faults.set(kind="polled", commit_delay_s=0.1)
    receipt = await tracker.submit("polled", "p1", {}, wait_for=Stage.READY)
    op = tracker.get(receipt.command_id)
    assert op.stage is Stage.READY
    assert {f.fact.source for f in op.facts} >= {"http-202", "status-poll"}


@pytest.mark.asyncio
async def test_a_broken_event_stream_is_resumed_without_replaying(runtime_ops, backend):
    rt, tracker = runtime_ops
    tracker.kinds["flaky"] = KindPolicy(observers=("sse",))
    backend.faults.set(kind="flaky", sse_disconnect_after=1, commit_delay_s=0.05)
    receipt = await tracker.submit("flaky", "f1", {}, wait_for=Stage.READY)
    op = tracker.get(receipt.command_id)
    sse = [f for f in op.facts if f.fact.source == "sse"]
    assert [f.fact.attempt for f in sse] == sorted(f.fact.attempt for f in sse) and sse[-1].fact.attempt >= 2
    assert [f.fact.fact_id for f in sse] == ["1", "2", "3"]  # Last-Event-ID: each fact once


@pytest.mark.asyncio
async def test_a_backend_restart_mid_projection_applies_nothing_twice(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="counter", project_delay_s=0.25)
    receipts = [await tracker.submit("counter", "common", {"delta": d}) for d in (1, 2, 3)]
    await wait_until(lambda: backend.store.events_after(0) and len(backend.store.events_after(0)) == 3, what="commits")
    # the first event is projected; the projector now waits on the second one's delay: restart it there
    await wait_until(lambda: backend.store.read("counter", "common")["version"] == 1, what="the first projection")
    assert backend.store.read("counter", "common")["version"] == 1
    await backend.restart()
    for r in receipts:
        await tracker.wait(r.command_id, Stage.READY)
    row = backend.store.read("counter", "common")
    assert row["state"] == {"value": 6, "count": 3, "last": {"delta": 3}} and row["version"] == 3
    for r in receipts:
        stages = [f["stage"] for f in backend.store.facts_after(r.command_id, 0)]
        assert stages == ["accepted", "committed", "observed"]
    assert backend.restarts == 1


@pytest.mark.asyncio
async def test_no_answer_at_all_times_out_with_the_outcome_unknown(runtime_ops):
    rt, tracker = runtime_ops
    dead = OperationTracker(rt, HttpTransport("http://127.0.0.1:9"), budget=Budget(accept=0.3), label="dead")
    try:
        with pytest.raises(OperationTimedOut) as err:
            await dead.submit("todo.create", "x", {})
        op = dead.get(err.value.command_id)
        assert op.stage is Stage.TIMED_OUT and op.outcome_unknown and err.value.stage_reached is Stage.SUBMITTED
    finally:
        await dead.aclose()
    assert not dead.running_tasks()


@pytest.mark.asyncio
async def test_disposal_with_operations_in_flight_leaves_nothing_pending(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="stuck", commit_delay_s=30)
    receipts = [await tracker.submit("stuck", f"s{i}", {}) for i in range(4)]
    waiter = asyncio.create_task(tracker.wait(receipts[0].command_id, Stage.READY))
    await wait_until(lambda: bool(tracker.running_tasks()), what="the observers to start")
    assert len(tracker.pending()) == 4
    await tracker.aclose()
    assert not tracker.pending() and not tracker.running_tasks()
    for r in receipts:
        op = tracker.get(r.command_id)
        assert op.stage is Stage.TIMED_OUT and op.error.code == "disposed"
    with pytest.raises(OperationTimedOut):
        await waiter
    assert_operation_events_valid(rt)


@pytest.mark.asyncio
async def test_diagnostics_off_exports_no_operation_events(backend):
    from runtime import Runtime

    rt = Runtime(diagnostics="off")
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), budget=FAST)
    try:
        receipt = await tracker.submit("todo.create", "quiet", {}, wait_for=Stage.READY)
        assert tracker.get(receipt.command_id).stage is Stage.READY
    finally:
        await tracker.aclose()
    assert rt.hub.events() == []


@pytest.mark.asyncio
@pytest.mark.parametrize("observers", [("status",), ("sse", "status")])
async def test_status_polling_honours_retry_after(runtime_ops, backend, observers):
    rt, tracker = runtime_ops
    tracker.kinds["patient"] = KindPolicy(observers=observers)
    backend.faults.set(kind="patient", commit_delay_s=0.9, retry_after_s=0.3)
    receipt = await tracker.submit("patient", "p", {}, wait_for=Stage.READY)
    polls = [f for f in tracker.get(receipt.command_id).facts if f.fact.source == "status-poll"]
    # ~1.0 s until observed at one poll per 0.3 s: 4 or 5 polls; ignoring Retry-After (0.02 s floor) would be ~50
    assert 3 <= len(polls) <= 8, len(polls)
    assert receipt.retry_after_s == 0.3


@pytest.mark.asyncio
async def test_an_accept_slower_than_its_budget_times_out_and_its_late_outcome_is_recorded(runtime_ops, backend):
    rt, tracker = runtime_ops
    backend.faults.set(kind="sluggish", accept_delay_s=0.5)
    with pytest.raises(OperationTimedOut) as err:
        await tracker.submit("sluggish", "s", {}, budget=Budget(accept=0.2))
    cid = err.value.command_id
    assert tracker.get(cid).outcome_unknown
    await wait_until(lambda: tracker.get(cid).late_resolution is not None, what="the late resolution")
    op = tracker.get(cid)
    assert op.stage is Stage.TIMED_OUT and op.late_resolution is Stage.READY
    assert [f.fact.stage for f in op.facts if f.disposition == "late"][0] is Stage.ACCEPTED
    resolved = [e for e in operation_events(rt) if e["label"] == "operation:resolved-late"]
    assert resolved and resolved[0]["meta"]["lateResolution"] == "ready"
