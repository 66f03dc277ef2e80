"""The operations pane shows a fenced fact (from a superseded observer attempt) as fenced, apart from duplicates and
unknown facts (issue 15). The facts go through a real tracker and its stage machine; the pane reads the exported
events, as in a live session."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor, QTextTable

from devtools.app.contexts import live_context
from devtools.views.operations import OperationsPane
from runtime import Runtime
from runtime.operations import Budget, OperationTracker, Stage, StageFact


@pytest.fixture
def fenced_session(qtbot, aio):
    rt = Runtime(label="app", diagnostics="light")
    ctx = live_context(rt)
    tracker = OperationTracker(rt, budget=Budget(accept=60, committed=60, observed=60, ready=60))
    cid = tracker.begin("todo.create", "t1", command_id="cmd-f")
    for fact in (StageFact(cid, Stage.ACCEPTED, "http-202"),
                 StageFact(cid, Stage.COMMITTED, "sse", "sse", 1, 1, fact_id="2"),
                 StageFact(cid, Stage.COMMITTED, "sse", "sse", 0, 1, fact_id="old-2"),  # the given-up connection
                 StageFact(cid, Stage.COMMITTED, "sse", "sse", 1, 1, fact_id="2"),  # a copy
                 StageFact(cid, Stage.UNKNOWN, "sse", "sse", 1, raw_stage="queued-again", fact_id="3"),
                 StageFact(cid, Stage.OBSERVED, "read-model", "read-model", 0, 1, fact_id="v1")):
        tracker.apply(fact)
    yield ctx, tracker, cid
    tracker.dispose()
    for fn in ctx.cleanups:
        fn()
    rt.dispose()


def fact_rows(pane: OperationsPane) -> list[list[str]]:
    """The fact log's table as a user reads it: one list of cell texts per row."""
    frames = pane.facts.document().rootFrame().childFrames()
    table = next(f for f in frames if isinstance(f, QTextTable))
    out = []
    for r in range(table.rows()):
        row = []
        for c in range(table.columns()):
            cell = table.cellAt(r, c)
            cursor = cell.firstCursorPosition()
            cursor.setPosition(cell.lastCursorPosition().position(), QTextCursor.MoveMode.KeepAnchor)
            row.append(cursor.selectedText())
        out.append(row)
    return out


def test_a_fenced_fact_is_shown_as_fenced_apart_from_duplicates_and_unknown_facts(qtbot, fenced_session):
    ctx, tracker, cid = fenced_session
    assert [f.disposition for f in tracker.get(cid).facts][2:5] == ["fenced", "duplicate", "unknown"]
    pane = OperationsPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1 and pane.table.item(0, 4).text() == "ready")
    flags = pane.table.item(0, 7).text()
    assert "fenced ×1" in flags
    pane.select_operation(cid)
    rows = fact_rows(pane)
    assert rows[0] == ["+ms", "stage", "source", "attempt", "version", "note"]
    notes = [(r[1], r[3], r[5]) for r in rows[1:] if r[5] in ("fenced", "duplicate", "unknown")]
    assert notes == [("committed", "0", "fenced"), ("committed", "1", "duplicate"), ("unknown", "1", "unknown")]
    op = pane.stages.op
    assert op is not None
    assert [f.stage for f in op.facts_with("fenced")] == ["committed"]
    assert [s for s, _ in op.stage_times()] == ["submitted", "accepted", "committed", "observed", "ready"]
    pane.stages.grab()  # paint, so `drawn` holds what a user reads
    texts = [d.text for d in pane.stages.drawn]
    assert "committed (fenced)" in texts
    assert not any("fenced" in t for t in texts if t != "committed (fenced)")
