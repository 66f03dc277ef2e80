"""The comparison view as a user reaches it: a replay of trace A, Ctrl+K, "compare", Enter, pick trace B; the table
shows the slowed action first, marked slower, and the two timelines share one x axis starting at 0."""

from __future__ import annotations

import pytest
from devtools_support import open_live, open_replay
from diff_traces import record_cart
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from devtools.views.compare_view import CompareView


@pytest.fixture
def pair(tmp_path):
    return record_cart(tmp_path / "a.jsonl"), record_cart(tmp_path / "b.jsonl", slow=True, tight_ticks=True)


def compare_through_the_palette(qtbot, window, other) -> CompareView:
    qtbot.keyClick(window.events.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.command_palette is not None and window.command_palette.isVisible())
    qtbot.keyClicks(window.command_palette.search, "compare")
    qtbot.keyClick(window.command_palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(QFileDialog)))
    dialog = next(d for d in window.findChildren(QFileDialog) if d.isVisible())
    assert dialog.windowTitle() == "Compare with a tickscope trace"
    dialog.selectFile(str(other))
    dialog.accept()
    qtbot.waitUntil(lambda: window.compare_view is not None)
    view = window.compare_view
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.task is not None and view.task.done())
    return view


def test_the_comparison_shows_the_slower_action_first(qtbot, pair, aio):
    a, b = pair
    _host, window = open_replay(qtbot, a)
    view = compare_through_the_palette(qtbot, window, b)
    assert view.isVisible()
    rows = view.rows()
    assert rows[0][:4] == ["transaction", "cart", "add", "6"] and rows[0][-1].startswith("slower ×")
    assert view.table.item(0, len(rows[0]) - 1).foreground().color().name() == "#d64545"
    assert any(r[:3] == ["transaction", "cart", "rename"] for r in rows[1:])  # the untouched action: below it
    assert "slower: transaction cart/add slower ×" in view.status.text()
    text = view.degradation.text()
    assert "<b>A</b> first degraded tick: none" in text and "budget_steps" in text
    assert str(a) in view.title.text() and str(b) in view.title.text()


def test_the_two_timelines_share_an_x_axis_that_starts_at_zero(qtbot, pair, aio):
    a, b = pair
    _host, window = open_replay(qtbot, a)
    view = compare_through_the_palette(qtbot, window, b)
    top, bottom = view.plots
    assert top.viewRange()[0] == pytest.approx(bottom.viewRange()[0])
    low, high = top.viewRange()[0]
    assert low <= 0.0 < high and high >= view.diff.b.span_ms
    top.setXRange(5.0, 20.0, padding=0)  # zooming one zooms the other
    assert bottom.viewRange()[0] == pytest.approx([5.0, 20.0])
    firsts = [min(item.getData()[0].min() for item in plot.listDataItems() if len(item.getData()[0]))
              for plot in view.plots]
    # both traces are drawn from their own start, not at their wall-clock times (about 1.7e12 ms): every first point
    # lies within its trace's span, however long a loaded machine took before the first event
    spans = (view.diff.a.span_ms, view.diff.b.span_ms)
    assert all(0.0 <= x <= span for x, span in zip(firsts, spans, strict=True))


def test_a_file_that_is_no_trace_is_named_and_nothing_is_shown(qtbot, pair, tmp_path, aio):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    _host, window = open_replay(qtbot, pair[0])
    view = compare_through_the_palette(qtbot, window, notes)
    assert view.task.result() is None and view.table.rowCount() == 0
    assert view.status.text().startswith("Cannot compare:") and "not a tickscope trace" in view.status.text()
    assert not view.progress.isVisible()


def test_a_live_session_is_compared_through_a_temporary_trace_of_its_events(qtbot, shop_runtime, pair, aio):
    host, window, inst = open_live(qtbot, shop_runtime)
    for price in (1, 2, 3):
        inst.dispatch("add", price)
    qtbot.waitUntil(lambda: len(window.ctx.events.store.index.state_rows()) >= 4)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view = compare_through_the_palette(qtbot, window, pair[1])
    rows = {tuple(r[:3]): r for r in view.rows()}
    assert rows[("transaction", "shop", "add")][3] == "3" and rows[("transaction", "shop", "add")][-1] == "only in A"
    assert rows[("transaction", "cart", "add")][-1] == "only in B"
    assert "<b>A</b> this session" in view.title.text()


def test_closing_the_view_while_it_reads_stops_the_comparison(qtbot, pair, aio):
    view = CompareView()
    qtbot.addWidget(view)
    view.show()
    task = view.compare(*pair)
    view.close()
    qtbot.waitUntil(task.done)
    assert task.cancelled() and view.table.rowCount() == 0
