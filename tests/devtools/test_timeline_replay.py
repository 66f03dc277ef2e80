"""A user opens a recorded trace: the timeline shows all of it in units that fit, and what exists at the cursor."""

from __future__ import annotations

import numpy as np
import pytest
from devtools_support import open_replay, table_rows
from PySide6.QtCore import Qt
from trace_builder import TraceBuilder, evenly_spread_trace

from devtools.views.timeline.palette import DEADLINE_COLOUR


@pytest.mark.parametrize(("span_s", "unit", "first_time", "last_time"), [
    (0.005, "ms", "0.000 ms", "5.000 ms"),
    (5.0, "s", "0.000 s", "5.000 s"),
    (0.0004, "µs", "0 µs", "400 µs"),
])
def test_a_replay_opens_fitted_to_the_trace_in_units_that_fit(tmp_path, qtbot, aio, span_s, unit, first_time,
                                                              last_time):
    host, window = open_replay(qtbot, evenly_spread_trace(tmp_path / "t.jsonl", span_s))
    timeline = window.timeline
    x0, x1 = timeline.x_range()
    # the whole trace and little else: not the live 10 s window
    assert x0 <= 0.0 and x1 >= span_s and (x1 - x0) <= span_s * 1.1
    assert not window.ctx.state.get()["follow"]
    qtbot.waitUntil(lambda: "cursor at" in timeline.status.text())
    assert "following live" not in timeline.status.text()
    assert timeline.follow_button.text() == "Follow cursor (F)"
    labels = timeline.axis.tick_labels()
    assert len(labels) >= 3 and all(label.endswith(f" {unit}") for label in labels), labels
    times = [cells[1] for cells in table_rows(window)]
    assert times[0] == first_time and times[-1] == last_time


def test_fit_all_and_follow_in_a_replay_fit_the_trace_and_keep_the_cursor_in_sight(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, evenly_spread_trace(tmp_path / "t.jsonl", 5.0, count=100))
    timeline = window.timeline
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_W)  # zoom in on the middle
    qtbot.keyClick(timeline, Qt.Key.Key_W)
    qtbot.keyClick(timeline, Qt.Key.Key_0)
    x0, x1 = timeline.x_range()
    assert x0 <= 0.0 and 5.0 <= x1 <= 5.5

    qtbot.keyClick(window.events.table, Qt.Key.Key_Home)  # the cursor to the start, then 20 transactions on
    for _ in range(20):
        qtbot.keyClick(window.events.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    cursor_x = 5.0 * 19 / 99
    for _ in range(3):
        qtbot.keyClick(timeline, Qt.Key.Key_W)
    qtbot.keyClick(timeline, Qt.Key.Key_A)
    qtbot.keyClick(timeline, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: timeline.following)
    qtbot.waitUntil(lambda: timeline.x_range()[0] <= cursor_x <= timeline.x_range()[1])
    assert "following the cursor" in timeline.status.text() and "live" not in timeline.status.text()


def deadline_marks(timeline, lane_key) -> list[int]:
    """The pixel columns where deadline marks are drawn in a lane (each mark counted once, at its centre)."""
    top, bottom = timeline.lane_band(lane_key)
    pixels = timeline.canvas.buffer[top + 3:bottom]  # below the caps: the dashed line is one column wide
    cols = np.flatnonzero((pixels == DEADLINE_COLOUR).any(axis=0))
    return cols.tolist()


def test_deadlines_are_drawn_only_for_operations_that_exist_at_the_cursor(tmp_path, qtbot, aio):
    b = TraceBuilder(tmp_path / "ops.jsonl")
    b.txn("shop#1", 0.0)
    b.op("shop#1", "cmd-1", 0.2, "submitted", "submitted", deadline_in_ms=600.0)   # due at 0.8 s
    b.txn("shop#1", 0.5)
    b.op("shop#1", "cmd-2", 1.0, "submitted", "submitted", deadline_in_ms=1000.0)  # due at 2.0 s
    b.op("shop#1", "cmd-2", 1.2, "accepted", "accepted", deadline_in_ms=500.0)     # its budget shrinks: 1.7 s
    b.txn("shop#1", 2.5)
    host, window = open_replay(qtbot, b.close())
    timeline = window.timeline
    qtbot.waitUntil(lambda: "shop#1/ops" in [lane.key for lane in timeline.shown_lanes])
    x0, x1 = timeline.x_range()
    width = timeline.canvas.buffer.shape[1]

    def column_of(x):
        return int(np.floor((x - x0) / (x1 - x0) * width))

    # at the end of the trace: both operations exist, cmd-2 with the deadline it has last
    qtbot.waitUntil(lambda: deadline_marks(timeline, "shop#1/ops") == [column_of(0.8), column_of(1.7)])

    rows = [r for r, cells in enumerate(table_rows(window)) if cells[2] == "operation"]  # store rows, in order
    show_through = window.replay_bar.scrubber.setValue  # the scrubber's value is how many rows are shown
    show_through(rows[0] + 1)  # the cursor on cmd-1's submit: cmd-2 does not exist yet
    qtbot.waitUntil(lambda: deadline_marks(timeline, "shop#1/ops") == [column_of(0.8)])
    show_through(rows[0])  # before any operation: no deadline at all
    qtbot.waitUntil(lambda: deadline_marks(timeline, "shop#1/ops") == [])
    show_through(rows[1] + 1)  # cmd-2 submitted, with its first deadline
    qtbot.waitUntil(lambda: deadline_marks(timeline, "shop#1/ops") == [column_of(0.8), column_of(2.0)])
