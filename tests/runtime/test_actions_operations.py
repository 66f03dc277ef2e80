"""Action runs that submit backend operations, against the real loopback backend."""

from __future__ import annotations

import pytest
from ops_support import FAST, assert_operation_events_valid, settle_tasks, wait_until

from runtime import Module, Runtime
from runtime.actions import ActionCoordinator, action
from runtime.operations import OperationTracker, Stage
from runtime.operations.http import HttpTransport
from runtime.trace import TraceWriter


def todos() -> Module:
    return Module("todos", initial={"runs": {}, "operations": {}, "saved": [], "failed": []})


async def setup(backend_server, diagnostics: str = "light"):
    rt = Runtime(label="app", diagnostics=diagnostics, buffer_size=20_000)
    tracker = OperationTracker(rt, HttpTransport(backend_server.base_url), budget=FAST)
    inst = rt.mount(todos())
    return rt, tracker, inst, ActionCoordinator(inst, operations=tracker)


async def teardown(rt, tracker, actions) -> None:
    await actions.aclose()
    await tracker.aclose()
    rt.dispose()
    assert not tracker.pending() and not actions.pending()
    await settle_tasks()
    # the backend fixture checks, after stopping the backend, that no task at all is left
    assert not tracker.running_tasks() and not actions.running_tasks()


async def save(ctx, todo):
    receipt = await ctx.submit("todo.save", todo["id"], {"delta": 1})
    return receipt.command_id


@pytest.mark.asyncio
async def test_a_run_resolves_at_accepted_and_later_stages_arrive_as_linked_transactions(backend, tmp_path,
                                                                                          check_trace):
    rt, tracker, inst, actions = await setup(backend)
    writer = TraceWriter(tmp_path / "ops.jsonl", label="ops").attach(rt.hub)
    backend.faults.set(kind="todo.save", commit_delay_s=0.2)
    run = actions.trigger(action("save", save, on_success=lambda d, cid: d["saved"].append(cid)), {"id": "t1"})
    final = await run.settled()
    cid = final.command_ids[0]
    assert final.status == "success" and inst.get_state()["saved"] == [cid]
    assert inst.get_state()["operations"][cid]["stage"] == "accepted"  # success implied nothing beyond acceptance
    await wait_until(lambda: inst.get_state()["operations"][cid]["stage"] == "ready", what="ready in state")
    continuations = [r for r in inst.history if r.origin.kind == "operation"]
    # observed and ready arrive together: the mirror already shows ready after the `observed` transaction, so the
    # `ready` event finds nothing left to change (no write, no commit)
    assert [r.origin.details["stage"] for r in continuations] == ["accepted", "committed", "observed"]
    assert {r.link_id for r in continuations} == {run.link_id}
    op_events = assert_operation_events_valid(rt)
    assert {e["linkId"] for e in op_events} == {run.link_id}
    await teardown(rt, tracker, actions)
    writer.close()
    code, out = check_trace(tmp_path / "ops.jsonl", "action/async-action", "operation/operation:accepted")
    assert code == 0, out


@pytest.mark.asyncio
async def test_a_superseded_run_is_cancelled_but_its_detached_operation_reaches_a_terminal_stage(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.save", project_delay_s=0.3)

    async def save_observed(ctx, todo):
        receipt = await ctx.submit("todo.save", todo["id"], {"delta": 1}, wait_for=Stage.OBSERVED)
        return receipt.command_id

    defn = action("save", save_observed)
    first = actions.trigger(defn, {"id": "a"})
    await wait_until(lambda: first.run.command_ids and tracker.get(first.run.command_ids[0]).stage is Stage.COMMITTED,
                     what="the first write to commit")
    second = actions.trigger(defn, {"id": "b"})
    assert (first.run.status, first.run.cancel_reason) == ("cancelled", "override")
    old_cid = first.run.command_ids[0]
    assert tracker.get(old_cid).detached
    assert (await second.settled()).status == "success"
    await wait_until(lambda: tracker.get(old_cid).stage is Stage.READY, what="the detached operation to finish")
    assert inst.get_state()["operations"][old_cid]["stage"] == "ready"
    assert inst.get_state()["operations"][old_cid]["linkId"] == first.link_id
    assert backend.store.read("todo.save", "a")["version"] == 1  # no backend cancel unless asked for
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_cancel_on_supersede_asks_the_backend_to_cancel_the_old_write(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.save", commit_delay_s=1.0)

    async def save_committed(ctx, todo):
        await ctx.submit("todo.save", todo["id"], {"delta": 1}, wait_for=Stage.COMMITTED)

    defn = action("save", save_committed, cancel_on_supersede=True)
    first = actions.trigger(defn, {"id": "x"})
    await wait_until(lambda: first.run.command_ids and tracker.get(first.run.command_ids[0]).stage is Stage.ACCEPTED,
                     what="accepted")
    actions.trigger(defn, {"id": "y"})
    old = first.run.command_ids[0]
    await wait_until(lambda: tracker.get(old).stage is Stage.CANCELLED, what="backend-confirmed cancel")
    assert backend.store.command(old).stage == "cancelled"
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_an_operation_failing_before_wait_for_fails_the_run(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.save", fail_after_accept="conflict")

    async def save_committed(ctx, todo):
        await ctx.submit("todo.save", todo["id"], {}, wait_for=Stage.COMMITTED)

    run = actions.trigger(action("save", save_committed, on_failure=lambda d, e: d["failed"].append(e["code"])),
                          {"id": "f"})
    final = await run.settled()
    assert final.status == "failure" and final.error_summary["code"] == "operation::failed"
    assert inst.get_state()["failed"] == ["operation::failed"]
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_runtime_disposal_with_runs_and_operations_in_flight_leaves_nothing_pending(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.save", commit_delay_s=30)

    async def save_ready(ctx, todo):
        await ctx.submit("todo.save", todo["id"], {}, wait_for=Stage.READY)

    defn = action("save", save_ready, concurrency="allow-concurrent")
    handles = [actions.trigger(defn, {"id": f"d{i}"}) for i in range(5)]
    await wait_until(lambda: sum(1 for o in tracker.operations() if o.stage is Stage.ACCEPTED) == 5, what="accepts")
    rt.dispose()
    assert {(h.run.status, h.run.cancel_reason) for h in handles} == {("cancelled", "navigation")}
    assert {o.stage for o in tracker.operations()} == {Stage.TIMED_OUT}
    assert {o.error.code for o in tracker.operations()} == {"disposed"}
    await tracker.aclose()
    await actions.aclose()
    await settle_tasks()
    assert not tracker.running_tasks() and not actions.running_tasks()


@pytest.mark.asyncio
async def test_runs_and_operation_timelines_rebuild_from_a_recorded_trace(backend, tmp_path):
    import orjson

    from runtime.operations import build_action_runs, build_operation_timelines

    rt, tracker, inst, actions = await setup(backend)
    path = tmp_path / "trace.jsonl"
    writer = TraceWriter(path, label="timeline").attach(rt.hub)
    backend.faults.set(kind="todo.save", project_delay_s=0.2, sse_duplicate=True)

    async def save_observed(ctx, todo):
        await ctx.submit("todo.save", todo["id"], {"delta": 1}, wait_for=Stage.OBSERVED)

    defn = action("save", save_observed)
    first = actions.trigger(defn, {"id": "a"})
    await wait_until(lambda: bool(first.run.command_ids), what="a submission")
    second = actions.trigger(defn, {"id": "b"})
    await second.settled()
    await wait_until(lambda: not tracker.pending(), what="both operations to finish")
    await teardown(rt, tracker, actions)
    writer.close()
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()[1:]]
    events = [line["payload"] for line in lines if line["type"] == "debug:event"]
    runs = build_action_runs(events)
    timelines = build_operation_timelines(events)
    old, new = runs[first.link_id], runs[second.link_id]
    assert (old.status, old.cancel_reason, new.status) == ("cancelled", "override", "success")
    assert old.command_ids == list(first.run.command_ids) and new.command_ids == list(second.run.command_ids)
    tl = timelines[old.command_ids[0]]
    assert tl.link_id == first.link_id and tl.detached and tl.stage == "ready"
    reached = [m.stage for m in tl.marks if m.kind in ("reached", "inferred")]
    assert reached == ["accepted", "committed", "observed", "ready"]
    assert tl.stage_delta_ms("accepted") <= tl.stage_delta_ms("committed") <= tl.stage_delta_ms("ready")
    assert tl.terminal_at_ms == tl.stage_delta_ms("ready")
    assert any(m.kind == "recorded" for m in tl.marks)  # the duplicated SSE facts are on the timeline, greyed
