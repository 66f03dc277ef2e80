"""Runs and operations panes, and their lanes in the timeline, driven by real runs: an ActionCoordinator and an
OperationTracker over HTTP against the loopback backend, on the test's qasync loop.

One session: run o1 of `save` (latest-wins) writes a line and blocks; run o2 supersedes it (o1 is cancelled with
reason override), writes, submits a `todo.create` to the backend and returns once it is accepted. The backend holds
its projection (a fault), so the operation commits and then stalls; the tracker's clock is a ManualClock, and the
test moves it past the deadline: the operation times out, detached from its run. The backend then projects, and the
late facts arrive (the late resolution `ready`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from devtools_support import shop_module
from PySide6.QtCore import Qt
from schema_check import validator

from devtools.app.contexts import live_context
from devtools.demo.backend import BackendServer
from devtools.views.operations import OperationsPane
from devtools.views.runs import RunsPane
from devtools.views.timeline import TimelineView
from runtime.actions import ActionCoordinator, action
from runtime.operations import Budget, ManualClock, OperationTracker, Stage
from runtime.operations.http import HttpTransport

BUDGET = Budget(accept=5.0, committed=5.0, observed=5.0, ready=5.0)


def finish(qtbot, aio, coro: Any) -> Any:
    """Run a coroutine on the test's loop while Qt keeps spinning; its result."""
    task = aio.create_task(coro)
    qtbot.waitUntil(task.done)
    return task.result()


@pytest.fixture
def session(qtbot, aio, shop_runtime):
    rt = shop_runtime
    backend = BackendServer()
    finish(qtbot, aio, backend.start())
    backend.faults.set(kind="todo.create", project_delay_s=30.0)  # commits, then stalls; released by the test
    clock = ManualClock()
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), clock=clock, budget=BUDGET, late_grace_s=60.0)
    inst = rt.mount(shop_module())
    actions = ActionCoordinator(inst, operations=tracker)
    ctx = live_context(rt)
    gate = asyncio.Event()

    async def save(run, payload):
        run.dispatch("add", payload["price"])
        if payload["block"]:
            await gate.wait()  # never set: superseded while it waits
        receipt = await run.submit("todo.create", "todo-1", {"title": "milk"}, wait_for=Stage.ACCEPTED)
        run.dispatch("rename", "Grace")
        return receipt.command_id

    defn = action("save", save, concurrency="latest-wins")
    try:
        first = actions.trigger(defn, {"price": 5, "block": True})
        qtbot.waitUntil(lambda: len(inst.get_state()["items"]) == 2)  # o1 ran up to its wait
        second = actions.trigger(defn, {"price": 6, "block": False})
        finish(qtbot, aio, second.settled())
        command_id = second.result
        qtbot.waitUntil(lambda: tracker.get(command_id).stage is Stage.COMMITTED)
        clock.advance(BUDGET.ready + 1.0)  # past the deadline, on the tracker's clock
        assert tracker.get(command_id).stage is Stage.TIMED_OUT
        backend.faults.set(kind="todo.create", project_delay_s=0.0)
        finish(qtbot, aio, backend.restart())  # the projector resumes from its checkpoint, now without a delay
        qtbot.waitUntil(lambda: tracker.get(command_id).late_resolution is Stage.READY)
        yield ctx, rt, first, second, command_id, tracker, backend
    finally:
        for fn in ctx.cleanups:
            fn()
        finish(qtbot, aio, actions.aclose())
        finish(qtbot, aio, tracker.aclose())
        finish(qtbot, aio, backend.stop())


def link_events(rt, link_id: str, label: str) -> list[dict]:
    return [e for e in rt.hub.events() if e.get("linkId") == link_id and e["label"] == label]


def test_the_emitted_events_follow_their_schemas(session):
    ctx, rt, first, second, command_id, tracker, backend = session
    runs = [e for e in rt.hub.events() if e["label"] == "async-action"]
    ops = [e for e in rt.hub.events() if e["kind"] == "operation"]
    assert {e["meta"]["phase"] for e in runs} >= {"trigger", "pending", "settle"}
    assert {e["meta"]["phase"] for e in ops} >= {"submitted", "accepted", "detached", "stage_reached", "timed_out",
                                                 "resolved_late"}
    for e in runs:
        validator("async-action-meta").validate(e["meta"])
    for e in ops:
        validator("operation-event-meta").validate(e["meta"])


def test_runs_pane_lists_runs_and_details_policy_status_cancel_reason_transactions_operations(qtbot, session):
    ctx, rt, first, second, command_id, tracker, backend = session
    pane = RunsPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2)
    cells = [[pane.table.item(r, c).text() for c in range(pane.table.columnCount())] for r in range(2)]
    # link, instance, action, policy, status, cancel reason, duration, transactions, operations
    assert cells[0][:6] == [first.link_id, "shop#1", "save", "latest-wins", "cancelled", "override"]
    assert cells[0][7:] == ["1", "0"]
    assert cells[1][:6] == [second.link_id, "shop#1", "save", "latest-wins", "success", ""]
    assert cells[1][7:] == ["2", "1"]
    pane.select_run(second.link_id)
    summary = pane.summary.text()
    assert second.link_id in summary and "success" in summary and "cancel reason" not in summary
    # the run's transactions as the runtime reported them: its state updates, in order
    expected = [e["txnId"] for e in link_events(rt, second.link_id, "state:update")]
    txns = [pane.transactions.item(i).text() for i in range(pane.transactions.count())]
    assert len(expected) >= 2 and set(txns) <= set(expected) and len(txns) == 2
    assert pane.operations.count() == 1
    assert pane.operations.item(0).text() == f"{command_id}: todo.create · timed_out (detached)"
    item = pane.transactions.item(1)
    qtbot.mouseClick(pane.transactions.viewport(), Qt.MouseButton.LeftButton,
                     pos=pane.transactions.visualItemRect(item).center())
    row = ctx.state.get()["selectedRow"]
    assert ctx.events.store.txn_id_of(row) == txns[1] and ctx.events.store.label_of(row) == "state:update"
    pane.select_run(first.link_id)
    assert "cancel reason: <b>override</b>" in pane.summary.text()
    assert [pane.transactions.item(i).text() for i in range(pane.transactions.count())] == [
        e["txnId"] for e in link_events(rt, first.link_id, "state:update")][:1]


def test_operations_pane_shows_stages_deadline_late_fact_and_detached(qtbot, session):
    ctx, rt, first, second, command_id, tracker, backend = session
    pane = OperationsPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1)
    qtbot.waitUntil(lambda: pane.table.item(0, 7).text() == "late, detached, late: ready")  # the late resolution
    row = [pane.table.item(0, c).text() for c in range(pane.table.columnCount())]
    assert row[:5] == [command_id, "todo.create", "todo-1", second.link_id, "timed_out"]
    assert [w for w in row[5].split() if not w.startswith("+")] == ["submitted", "ms", "accepted", "ms",
                                                                    "committed", "ms", "timed_out"]
    pane.select_operation(command_id)
    op = pane.stages.op
    assert op is not None and op.deadline_ms is not None and op.detached
    # the late resolution; the SSE observer may also deliver the projection's `observed` after it (a slow machine)
    late_stages = [f.stage for f in op.late_facts]
    assert "ready" in late_stages and set(late_stages) <= {"observed", "ready"}
    facts = pane.facts.toPlainText()
    assert "timed_out" in facts and "late" in facts and "deadline" in facts
    assert not pane.stages.grab().isNull()


def test_timeline_has_run_and_operation_lanes(qtbot, session):
    ctx, rt, first, second, command_id, tracker, backend = session
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.lane("shop#1/runs") is not None and view.model.lane("shop#1/ops") is not None)
    runs = view.model.lane("shop#1/runs")
    assert runs.span_count() == 2 and [len(r) for r in runs.subrows if len(r)] == [1, 1]  # overlapping runs split
    ops_lane = view.model.lane("shop#1/ops")
    assert ops_lane.span_count() == 4  # submitted, accepted, committed, timed_out
    promised = [e for e in rt.hub.events() if e["kind"] == "operation" and "deadlineInMs" in e["meta"]]
    assert len(ops_lane.deadlines) == len(promised) > 0  # a marker for each event that promised a deadline
