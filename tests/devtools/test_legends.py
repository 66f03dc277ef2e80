"""The legends of the timeline and the overview: every entry whole and on screen at any window width."""

from __future__ import annotations

import pytest
from devtools_support import open_replay
from PySide6.QtCore import QPoint, QRect
from trace_builder import TraceBuilder


def operations_trace(tmp_path):
    """Transactions of two instances, an operation with a deadline that times out, another that succeeds."""
    b = TraceBuilder(tmp_path / "ops.jsonl")
    steps = [(0.1 * i, lambda i=i: b.txn("shop#1" if i % 2 else "cart#1", 0.1 * i,
                                          mode="full" if i % 5 == 0 else "dirty")) for i in range(30)]
    steps += [(0.55, lambda: b.op("shop#1", "cmd-1", 0.55, "submitted", "submitted", deadline_in_ms=800.0)),
              (0.65, lambda: b.op("shop#1", "cmd-1", 0.65, "accepted", "accepted", deadline_in_ms=800.0)),
              (1.35, lambda: b.op("shop#1", "cmd-1", 1.35, "timed_out", "timed_out")),
              (1.55, lambda: b.op("shop#1", "cmd-2", 1.55, "submitted", "submitted", deadline_in_ms=900.0)),
              (1.95, lambda: b.op("shop#1", "cmd-2", 1.95, "ready", "ready"))]
    for _, step in sorted(steps, key=lambda s: s[0]):
        step()
    return b.close()


def rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def assert_every_entry_whole_and_visible(legend, window):
    entries = [e for e in legend.entries if not e.isHidden()]
    assert entries
    legend_rect = rect_in(legend, window)
    placed = []
    for entry in entries:
        where = rect_in(entry, window)
        assert entry.isVisible(), entry.text
        assert window.rect().contains(where), f"{entry.text!r} at {where} is outside the window {window.rect()}"
        assert legend_rect.contains(where), f"{entry.text!r} at {where} is outside its legend {legend_rect}"
        assert entry.label.width() >= entry.label.sizeHint().width(), f"{entry.text!r} is cut"
        assert not any(where.intersects(other) for other in placed), f"{entry.text!r} overlaps another entry"
        placed.append(where)


@pytest.mark.parametrize("size", [(1920, 1080), (1440, 900), (1024, 700)])
def test_every_timeline_and_overview_legend_entry_is_visible(tmp_path, qtbot, aio, size):
    host, window = open_replay(qtbot, operations_trace(tmp_path), size)
    legend = window.timeline.legend
    qtbot.waitUntil(lambda: "deadline" in legend.visible_names())
    names = legend.visible_names()
    # a deadline and a failure are told apart: each has its own entry, drawn its own way
    assert "deadline" in names and "failed" in names and "timed out" in names
    kinds = {e.text: e.item.style for e in legend.entries}
    assert kinds["deadline"] == "marker" and kinds["failed"] == "fill"
    qtbot.waitUntil(lambda: window.width() == size[0])
    qtbot.waitUntil(lambda: assert_every_entry_whole_and_visible(legend, window))

    overview = window.overview.legend
    assert overview.visible_names()[:3] == ["< 50 txn/s", "≥ 50 txn/s", "≥ 150 txn/s"]
    assert "30 transactions" in overview.visible_names()[3]
    qtbot.waitUntil(lambda: assert_every_entry_whole_and_visible(overview, window))


def test_a_narrow_timeline_wraps_its_legend_instead_of_cutting_it(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, operations_trace(tmp_path), (1024, 700))
    timeline = window.timeline
    qtbot.waitUntil(lambda: "deadline" in timeline.legend.visible_names())
    one_line = next(e for e in timeline.legend.entries if not e.isHidden()).height()
    window.main_splitter.setSizes([1000, 1, 1])  # the user drags the sidebar wide: the middle gets its minimum
    qtbot.waitUntil(lambda: timeline.width() < 420)
    qtbot.waitUntil(lambda: timeline.legend.height() > 3 * one_line)  # more lines, not fewer entries
    qtbot.waitUntil(lambda: assert_every_entry_whole_and_visible(timeline.legend, window))
