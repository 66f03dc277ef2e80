"""One selection for every pane: the sidebar's scope and the selected event, whichever pane the user chose them in."""

from __future__ import annotations

import pytest
from devtools_support import click_row, open_live, open_replay, shop_module, table_rows
from PySide6.QtCore import QPointF, Qt
from trace_builder import TraceBuilder


def click_sidebar(qtbot, window, *names):
    tree = window.sidebar.tree
    index = window.sidebar.model.index_of("instance", *names)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(index).center())


def sidebar_highlight(window):
    rows = window.sidebar.tree.selectionModel().selectedRows(0)
    return [r.data() for r in rows]


def click_timeline(qtbot, timeline, lane_key, x):
    """Click lane `lane_key` at time x (seconds since the first event), zoomed in around it as a user would."""
    timeline.ctx.state.set_follow(False)
    timeline.set_x_range(x - 1e-3, x + 1e-3)
    qtbot.waitUntil(lambda: timeline.x_range()[0] < x < timeline.x_range()[1] and bool(timeline.segments))
    scene = timeline.view_box.mapViewToScene(QPointF(x, timeline.lane_index(lane_key) + 0.5))
    qtbot.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=timeline.plot.mapFromScene(scene))


@pytest.fixture
def two_shops(qtbot, aio, shop_runtime):
    host, window, first = open_live(qtbot, shop_runtime)
    second = shop_runtime.mount(shop_module(), "shop#2", label="second shop")
    for i in range(4):
        first.dispatch("add", i)
        second.dispatch("rename", f"n{i}")
    timeline = window.timeline
    qtbot.waitUntil(lambda: {"shop#1/txn", "shop#2/txn"} <= {lane.key for lane in timeline.shown_lanes})
    return window


def test_the_sidebar_scopes_the_table_timeline_overview_and_inspector(qtbot, two_shops):
    window = two_shops
    click_sidebar(qtbot, window, "app", "shop", "shop#2")
    qtbot.waitUntil(lambda: {c[4] for c in table_rows(window)} == {"shop#2"})
    timeline = window.timeline
    qtbot.waitUntil(lambda: "shop#1/txn" not in [lane.key for lane in timeline.shown_lanes])
    assert "shop#2/txn" in [lane.key for lane in timeline.shown_lanes]
    assert all(lane.owner != "shop#1" for lane in timeline.shown_lanes)
    assert "scope: " in timeline.status.text()
    shop2_txns = sum(1 for c in table_rows(window) if c[3] == "state:update")
    qtbot.waitUntil(lambda: f"{shop2_txns} transactions of shop#2" in window.overview.caption.text)
    qtbot.waitUntil(lambda: window.inspector.facts is not None and window.inspector.facts.instance_id == "shop#2")

    qtbot.keyClick(window.sidebar, Qt.Key.Key_Escape)  # everything again
    qtbot.waitUntil(lambda: {"shop#1/txn", "shop#2/txn"} <= {lane.key for lane in timeline.shown_lanes})
    qtbot.waitUntil(lambda: "of shop#2" not in window.overview.caption.text)


def test_a_click_on_the_timeline_selects_that_row_in_every_pane(qtbot, two_shops):
    window = two_shops
    timeline, store = window.timeline, window.ctx.events.store
    click_row(qtbot, window, lambda c: c[3] == "state:update" and c[4] == "shop#2")  # the table highlights one row
    first_choice = window.events.selected_store_row()

    arrays = timeline.model.lane("shop#1/txn").subrows[0].arrays()
    row = int(arrays.refs[2])
    x = float(arrays.starts[2] + arrays.ends[2]) / 2
    click_timeline(qtbot, timeline, "shop#1/txn", x)
    qtbot.waitUntil(lambda: window.ctx.state.get()["selectedRow"] == row)
    # every pane shows that row, and only that one
    qtbot.waitUntil(lambda: window.events.selected_store_row() == row)
    assert window.events.selected_store_row() != first_choice
    qtbot.waitUntil(lambda: window.inspector.facts is not None and window.inspector.facts.row == row)
    assert timeline.selection_x() == pytest.approx(timeline.model.x_of(float(store.ts[row])))
    assert window.overview.selected_ms == float(store.ts[row])

    # and back: a row chosen in the table moves the timeline's mark
    other = click_row(qtbot, window, lambda c: c[3] == "state:update" and c[4] == "shop#2" and c[5] == "t3")
    chosen = window.events.model.store_row(other)
    qtbot.waitUntil(lambda: timeline.selection_x() == pytest.approx(timeline.model.x_of(float(store.ts[chosen]))))


def test_a_selected_row_the_filters_hide_is_highlighted_nowhere_in_the_table(qtbot, two_shops):
    window = two_shops
    click_row(qtbot, window, lambda c: c[3] == "state:update" and c[4] == "shop#1")
    chosen = window.events.selected_store_row()
    window.events.search.setText("trace:trait:converge")  # the user searches for converge events: the row leaves
    qtbot.waitUntil(lambda: {c[3] for c in table_rows(window)} == {"trace:trait:converge"})
    qtbot.waitUntil(lambda: window.events.selected_store_row() is None)
    assert "selected event is filtered out" in window.events.status.text()
    assert window.inspector.facts.row == chosen  # still the selected event everywhere else
    assert window.timeline.selection_x() is not None


def test_clear_filters_and_scopes_chosen_elsewhere_show_in_the_sidebar(qtbot, two_shops):
    window = two_shops
    click_sidebar(qtbot, window, "app", "shop", "shop#2")
    qtbot.waitUntil(lambda: any("shop#2" in name for name in sidebar_highlight(window)))
    window.activateWindow()
    qtbot.keyClick(window.events.table, Qt.Key.Key_K,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # Clear filters
    qtbot.waitUntil(lambda: sidebar_highlight(window) == [])
    qtbot.waitUntil(lambda: {"shop#1/txn", "shop#2/txn"} <= {lane.key for lane in window.timeline.shown_lanes})
    window.ctx.state.select(runtime="app", module="shop", instance="shop#1")  # a command, not a click
    qtbot.waitUntil(lambda: any("shop#1" in name for name in sidebar_highlight(window)))
    qtbot.waitUntil(lambda: {c[4] for c in table_rows(window)} == {"shop#1"})


def test_operations_and_runs_follow_the_selection_and_the_scope(tmp_path, qtbot, aio):
    b = TraceBuilder(tmp_path / "ops.jsonl")
    b.txn("cart#1", 0.0)
    b.op("cart#1", "cmd-cart", 0.1, "submitted", "submitted", deadline_in_ms=500.0)
    b.txn("shop#1", 0.2)
    b.op("shop#1", "cmd-shop", 0.3, "submitted", "submitted", deadline_in_ms=500.0)
    b.op("shop#1", "cmd-shop", 0.5, "ready", "ready")
    b.op("cart#1", "cmd-cart", 0.6, "ready", "ready")
    host, window = open_replay(qtbot, b.close())
    timeline, ops = window.timeline, window.operations
    qtbot.waitUntil(lambda: "shop#1/ops" in [lane.key for lane in timeline.shown_lanes] and ops.table.rowCount() == 2)
    click_timeline(qtbot, timeline, "shop#1/ops", 0.4)  # inside cmd-shop's submitted stage
    qtbot.waitUntil(lambda: ops.selected_command() == "cmd-shop")
    row = window.ctx.state.get()["selectedRow"]
    assert window.ctx.events.store.command_of(row) == "cmd-shop"
    qtbot.waitUntil(lambda: window.events.selected_store_row() == row)

    click_sidebar(qtbot, window, "app", "cart", "cart#1")
    qtbot.waitUntil(lambda: [ops.table.item(r, 0).text() for r in range(ops.table.rowCount())
                             if not ops.table.isRowHidden(r)] == ["cmd-cart"])
