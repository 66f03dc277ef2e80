"""Runs and operations panes, and their lanes in the timeline, from schema-valid exported events."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from devtools_support import shop_module
from schema_check import validator
from timeline_events import op_event, run_events

from devtools.app.contexts import live_context
from devtools.views.operations import OperationsPane
from devtools.views.runs import RunsPane
from devtools.views.timeline import TimelineView

OP_SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "operation-event-meta.schema.json"


@pytest.fixture
def session(qtbot, aio, shop_runtime):
    ctx = live_context(shop_runtime)
    inst = shop_runtime.mount(shop_module())
    rt = shop_runtime
    t0 = rt.sink.clock.now_ms()
    inst.dispatch("add", 5, link_id="shop#1::o1")
    inst.dispatch("add", 6, link_id="shop#1::o1")
    events = run_events(rt, "shop#1", "shop#1::o1", t0=t0, status="success", duration=12.0)
    events += run_events(rt, "shop#1", "shop#1::o2", t0=t0 + 2, status="cancelled", duration=3.0,
                         cancel_reason="override")
    ops = [op_event(rt, "shop#1", "cmd-1", ts=t0 + 1, phase="submitted", stage="submitted", link="shop#1::o1",
                    deadline_in_ms=50.0),
           op_event(rt, "shop#1", "cmd-1", ts=t0 + 4, phase="accepted", stage="accepted", event_stage="accepted",
                    link="shop#1::o1", deadline_in_ms=40.0),
           op_event(rt, "shop#1", "cmd-1", ts=t0 + 15, phase="stage_reached", stage="committed",
                    event_stage="committed", link="shop#1::o1", detached=True, deadline_in_ms=30.0),
           op_event(rt, "shop#1", "cmd-1", ts=t0 + 60, phase="timed_out", stage="timed_out", link="shop#1::o1",
                    detached=True),
           op_event(rt, "shop#1", "cmd-1", ts=t0 + 70, phase="late_fact", stage="timed_out", event_stage="ready",
                    link="shop#1::o1", detached=True, disposition="late")]
    yield ctx, rt, events, ops
    for fn in ctx.cleanups:
        fn()


def test_the_emitted_events_follow_their_schemas(session):
    ctx, rt, events, ops = session
    for e in events:
        validator("async-action-meta").validate(e["meta"])
    op_schema = json.loads(OP_SCHEMA.read_text())  # shipped: a missing schema fails here, it is not skipped
    for e in ops:
        jsonschema.validate(e["meta"], op_schema)


def test_runs_pane_lists_runs_and_details_policy_status_cancel_reason_transactions_operations(qtbot, session):
    ctx, rt, events, ops = session
    pane = RunsPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2)
    cells = [[pane.table.item(r, c).text() for c in range(pane.table.columnCount())] for r in range(2)]
    assert cells[0][:5] == ["shop#1::o1", "shop#1", "save", "latest-wins", "success"]
    assert cells[1][4:6] == ["cancelled", "override"]
    pane.select_run("shop#1::o1")
    assert "success" in pane.summary.text() and "12.0" in pane.summary.text()
    txns = [pane.transactions.item(i).text() for i in range(pane.transactions.count())]
    assert txns == ["shop#1::t2", "shop#1::t3"]
    assert "cmd-1" in pane.operations.item(0).text() and "timed_out" in pane.operations.item(0).text()
    qtbot.mouseClick(pane.transactions.viewport(), __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton,
                     pos=pane.transactions.visualItemRect(pane.transactions.item(1)).center())
    row = ctx.state.get()["selectedRow"]
    assert ctx.events.store.txn_id_of(row) == "shop#1::t3" and ctx.events.store.label_of(row) == "state:update"


def test_operations_pane_shows_stages_deadline_late_fact_and_detached(qtbot, session):
    ctx, rt, events, ops = session
    pane = OperationsPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1)
    row = [pane.table.item(0, c).text() for c in range(pane.table.columnCount())]
    assert row[0] == "cmd-1" and row[1] == "todo.create" and row[4] == "timed_out"
    assert row[5].startswith("submitted +3.0 ms accepted +11.0 ms committed")
    assert row[7] == "late, detached"  # a late fact arrived; no late resolution was reported
    pane.select_operation("cmd-1")
    op = pane.stages.op
    assert op is not None and op.deadline_ms is not None and op.late_facts and op.late_facts[0].stage == "ready"
    assert "late" in pane.facts.toPlainText()
    assert not pane.stages.grab().isNull()


def test_timeline_has_run_and_operation_lanes(qtbot, session):
    ctx, rt, events, ops = session
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.lane("shop#1/runs") is not None and view.model.lane("shop#1/ops") is not None)
    runs = view.model.lane("shop#1/runs")
    assert runs.span_count() == 2 and len(runs.subrows[0]) + len(runs.subrows[1]) == 2  # overlapping runs split
    ops_lane = view.model.lane("shop#1/ops")
    assert ops_lane.span_count() == 4 and ops_lane.deadlines  # submitted, accepted, committed, timed_out
