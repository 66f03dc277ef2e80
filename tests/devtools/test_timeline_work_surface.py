"""The timeline as a work surface, worked as a user works it: the events filter highlighted on the lanes, flow
arrows from an action, an area selection with its aggregates, lanes pinned, hidden and collapsed, bookmarks kept in
the trace's sidecar. On a recorded trace, a live session and an attached one."""

from __future__ import annotations

import numpy as np
import pytest
from devtools_support import attached_window, click_row, open_live, open_replay
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from devtools.model.emphasis import EMPHASIS_COLOUR
from devtools.model.sidecar import read_sidecar, sidecar_path


def txn_rows(store, instance="shop#1") -> dict[int, int]:
    """txnSeq -> state:update row."""
    return {int(store.txn[r]): r for r in range(len(store))
            if store.label_of(r) == "state:update" and store.instance_of(r) == instance}


def replay(qtbot, path):
    """A replay window on `path` with its timeline caught up; returns (window, view, store)."""
    host, window = open_replay(qtbot, path)
    view = window.timeline
    qtbot.waitUntil(lambda: view.source.caught_up and bool(view.shown_lanes) and view.canvas.buffer is not None)
    return window, view, window.ctx.events.store


def pixel_of(view, lane_key: str, row: int, from_bottom: int) -> int:
    """The canvas pixel in the middle of the span whose ref is store `row` in `lane_key`, `from_bottom` rows above
    the band's bottom (2: the last row its span is drawn on, where an emphasised span is underlined)."""
    arrays = view.model.lane(lane_key).subrows[0].arrays()
    span = int((arrays.refs == row).nonzero()[0][0])
    x = (float(arrays.starts[span]) + float(arrays.ends[span])) / 2
    x0, x1 = view.x_range()
    buffer = view.canvas.buffer
    col = min(int((x - x0) / (x1 - x0) * buffer.shape[1]), buffer.shape[1] - 1)
    _, bottom = view.lane_band(lane_key)
    return int(buffer[bottom - from_bottom, col])


def plot_pos(view, x: float, y: float) -> QPoint:
    return view.plot.mapFromScene(view.view_box.mapViewToScene(QPointF(x, y)))


def mouse(widget, kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton, buttons: Qt.MouseButton,
          modifiers: Qt.KeyboardModifier) -> None:
    event = QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def shift_drag(qtbot, view, a: tuple[float, float], b: tuple[float, float]) -> None:
    """Press, move in steps and release with Shift held, from view point a to b."""
    port = view.plot.viewport()
    start, end = plot_pos(view, *a), plot_pos(view, *b)
    shift, left, none = Qt.KeyboardModifier.ShiftModifier, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mouse(port, QEvent.Type.MouseButtonPress, start, left, left, shift)
    for i in range(1, 6):
        p = start + (end - start) * (i / 5)
        mouse(port, QEvent.Type.MouseMove, p, none, left, shift)
    mouse(port, QEvent.Type.MouseButtonRelease, end, left, none, shift)
    qtbot.waitUntil(lambda: view.area.span is not None)


def right_click_lane(qtbot, view, key: str):
    """Right-click the title of lane `key` (left of the lanes) and return the menu that opened."""
    index = view.lane_index(key)
    axis = view.plot.getAxis("left")
    scene = QPointF(axis.sceneBoundingRect().center().x(),
                    view.view_box.mapViewToScene(QPointF(0.0, view.lane_centre(index))).y())
    view.lane_menu.menu = None
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.RightButton, pos=view.plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: view.lane_menu.menu is not None and view.lane_menu.menu.isVisible())
    return view.lane_menu.menu


def choose(menu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()
    menu.close()


def test_typing_a_filter_emphasises_the_matching_transactions_and_clearing_restores(qtbot, aio, recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    rows = txn_rows(store)
    full = pixel_of(view, "shop#1/txn", rows[2], 4)
    assert full >> 24 == 0xFF  # drawn opaque before any filter

    qtbot.keyClicks(window.events.search, "rename")
    qtbot.waitUntil(lambda: view.highlight.source == "filter")
    shown = [window.events.model.store_row(r) for r in range(window.events.model.rowCount())]
    assert view.highlight.rows.tolist() == shown  # what the table keeps, nothing else
    assert [store.label_of(r) for r in shown] == ["rename"]
    assert pixel_of(view, "shop#1/txn", rows[5], 2) == EMPHASIS_COLOUR  # t5, the rename, underlined
    dimmed = pixel_of(view, "shop#1/txn", rows[2], 4)
    assert dimmed >> 24 < 0x80  # t2 fades
    assert "1 highlighted (filter)" in view.status.text()

    window.events.search.clear()
    qtbot.waitUntil(lambda: view.highlight.source is None)
    assert pixel_of(view, "shop#1/txn", rows[2], 4) == full
    assert pixel_of(view, "shop#1/txn", rows[5], 2) != EMPHASIS_COLOUR


def pink_pixels(view) -> int:
    """How many pixels of the plot as shown are the highlight marks' pink (nothing is selected: no pink line)."""
    image = view.plot.grab().toImage()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = rgb[:, : image.width() * 4].reshape(image.height(), image.width(), 4).astype(np.int16)
    b, g, r = rgb[..., 0], rgb[..., 1], rgb[..., 2]  # Format_(A)RGB32 is B, G, R, A in memory
    return int(((abs(r - 255) < 40) & (abs(g - 64) < 40) & (abs(b - 129) < 40)).sum())


def test_the_filter_marks_are_drawn_and_gone_again_when_it_is_cleared(qtbot, aio, recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    assert window.ctx.state.get()["selectedRow"] is None
    assert pink_pixels(view) == 0

    qtbot.keyClicks(window.events.search, "rename")
    qtbot.waitUntil(lambda: view.highlight.source == "filter")
    qtbot.waitUntil(lambda: pink_pixels(view) > 20)  # the rename's diamond on its lane

    window.events.search.clear()
    qtbot.waitUntil(lambda: view.highlight.source is None)
    qtbot.waitUntil(lambda: pink_pixels(view) == 0)
    view.fit_all()  # and a later rebuild draws none either
    assert pink_pixels(view) == 0


def test_a_query_and_the_filter_share_the_highlight_and_clearing_the_filter_keeps_the_query(qtbot, aio,
                                                                                          recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    rows = txn_rows(store)
    qtbot.keyClicks(window.events.search, "rename")
    qtbot.waitUntil(lambda: view.highlight.source == "filter")
    view.show_rows([rows[3]])  # what the query pane's "Show these rows" calls
    assert view.highlight.source == "query"
    assert pixel_of(view, "shop#1/txn", rows[3], 2) == EMPHASIS_COLOUR
    window.events.search.clear()
    qtbot.waitUntil(lambda: window.ctx.state.published()["filters"]["text"] == "")
    assert view.highlight.source == "query" and view.highlight.rows.tolist() == [rows[3]]


def test_the_filter_is_highlighted_as_rows_arrive_in_an_attached_window(qtbot, aio):
    with attached_window(qtbot, aio) as (rt, inst, window, session):
        view = window.timeline
        qtbot.keyClicks(window.events.search, "tag")
        qtbot.waitUntil(lambda: view.highlight.source == "filter")
        assert len(view.highlight.rows) == 0  # nothing tagged yet: every lane dimmed
        inst.dispatch("tag", "x")
        store = window.ctx.events.store
        qtbot.waitUntil(lambda: len(view.highlight.rows) == 1)
        assert store.label_of(int(view.highlight.rows[0])) == "tag"
        tagged = txn_rows(store)[int(store.txn[int(view.highlight.rows[0])])]
        view.fit_all()
        # the events table can hold the row a moment before the timeline's model has caught up with it
        qtbot.waitUntil(lambda: bool((view.model.lane("shop#1/txn").subrows[0].arrays().refs == tagged).any()))
        qtbot.waitUntil(lambda: pixel_of(view, "shop#1/txn", tagged, 2) == EMPHASIS_COLOUR)


def test_selecting_an_action_draws_arrows_to_its_transaction_and_its_tick(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    for price in (1, 2, 3):
        inst.dispatch("add", price)
    view, store = window.timeline, window.ctx.events.store
    qtbot.waitUntil(lambda: view.source.caught_up and view.model.lane("app/ticks") is not None
                    and len(txn_rows(store)) >= 4)
    window.ctx.state.set_follow(False)
    view.fit_all()
    click_row(qtbot, window, lambda cells: cells[2] == "action" and cells[3] == "add" and cells[5] == "t3")
    qtbot.waitUntil(lambda: len(view.flows.drawn) == 2)
    to_txn, to_tick = view.flows.drawn
    t3 = txn_rows(store)[3]
    arrays = view.model.lane("shop#1/txn").subrows[0].arrays()
    span = int((arrays.refs == t3).nonzero()[0][0])
    assert (to_txn.kind, to_txn.dst_lane, to_txn.dst_x) == ("action->txn", "shop#1/txn", float(arrays.starts[span]))
    assert (to_tick.kind, to_tick.src_lane, to_tick.dst_lane) == ("txn->tick", "shop#1/txn", "app/ticks")
    assert to_tick.src_x == float(arrays.ends[span]) <= to_tick.dst_x
    xs, ys = view.flows.item.getData()
    assert len(xs) == 2 * 6  # each arrow: its line and the two strokes of its head
    assert ys[0] != ys[1] and (ys[6], ys[7]) == (view.lane_extent(view.lane_index("shop#1/txn"))[0],
                                                view.lane_extent(view.lane_index("app/ticks"))[1])

    # hovering another transaction shows its arrows instead; leaving it brings the selection's back
    t2 = int((arrays.refs == txn_rows(store)[2]).nonzero()[0][0])
    middle = (float(arrays.starts[t2]) + float(arrays.ends[t2])) / 2
    view.set_x_range(middle - 2e-4, middle + 2e-4)
    qtbot.waitUntil(lambda: view.x_range()[0] > float(arrays.ends[t2 - 1]))
    txn_lane = view.lane_index("shop#1/txn")
    view.plot.scene().sigMouseMoved.emit(view.view_box.mapViewToScene(QPointF(middle, view.lane_centre(txn_lane))))
    assert [f.dst_x for f in view.flows.flows if f.kind == "action->txn"] == [float(arrays.starts[t2])]
    view.plot.scene().sigMouseMoved.emit(QPointF(-50.0, -50.0))
    assert view.flows.flows[0].dst_x == float(arrays.starts[span])

    window.ctx.state.select_row(None)
    qtbot.waitUntil(lambda: not view.flows.flows)
    assert len(view.flows.item.getData()[0]) == 0


def test_counter_tracks_under_the_lanes_follow_the_view_and_can_be_hidden(qtbot, aio, recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    strip = view.counters
    assert strip.isVisible()
    assert [s.name for s in strip.series] == ["events/s", "pending runs", "pending operations", "tick backlog"]
    rate = strip.series[0]
    x0, x1 = view.x_range()
    assert rate.xs[0] > x0 and rate.xs[-1] < x1  # sampled over the range shown
    shown = rate.ys[~np.isnan(rate.ys)]
    assert shown.sum() * (x1 - x0) / len(rate.ys) == pytest.approx(len(store), rel=0.01)  # every event counted
    assert strip.drawn_points() == [len(rate.xs)] * 4
    view.zoom(0.5)
    assert strip.series[0].xs[0] > x0  # resampled with the lanes
    qtbot.mouseClick(strip.toggle, Qt.MouseButton.LeftButton)
    assert not strip.isVisible()
    qtbot.mouseClick(strip.toggle, Qt.MouseButton.LeftButton)
    assert strip.isVisible()


def test_dragging_an_area_shows_counts_and_percentiles_and_esc_clears(qtbot, aio, recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    rows = txn_rows(store)
    arrays = view.model.lane("shop#1/txn").subrows[0].arrays()
    refs = arrays.refs.tolist()
    first, last = refs.index(rows[2]), refs.index(rows[4])  # t2..t4: the three adds
    gap_before = (float(arrays.ends[first - 1]) + float(arrays.starts[first])) / 2
    gap_after = (float(arrays.ends[last]) + float(arrays.starts[last + 1])) / 2
    txn_lane = view.lane_index("shop#1/txn")
    top, bottom = view.lane_extent(txn_lane)
    shift_drag(qtbot, view, (gap_before, top + 0.2), (gap_after, bottom - 0.2))
    assert view.area.lanes == ["shop#1/txn"]
    durations = sorted((float(arrays.ends[i]) - float(arrays.starts[i])) * 1000 for i in range(first, last + 1))
    (stats,) = view.area.stats
    assert (stats.kind, stats.count) == ("transactions", 3)
    assert stats.p50_ms == durations[1]
    assert view.area.panel.isVisible()
    assert view.area.panel.text().splitlines()[1].startswith("transactions: 3 · p50 ")
    assert view.area.rect.isVisible()
    x0, x1 = view.x_range()
    assert (x0, x1) == view.x_range()  # the drag selected, it did not pan

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.area.span is None and not view.area.panel.isVisible() and not view.area.rect.isVisible()


def test_lanes_are_hidden_listed_brought_back_pinned_and_collapsed(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 1)
    view = window.timeline
    qtbot.waitUntil(lambda: [lane.key for lane in view.shown_lanes] == ["app/ticks", "shop#1/txn"])
    menu = right_click_lane(qtbot, view, "app/ticks")
    assert [a.text() for a in menu.actions() if a.text()][:4] == ["app · ticks", "Pin to top", "Collapse",
                                                                 "Hide lane"]
    choose(menu, "Hide lane")
    assert [lane.key for lane in view.shown_lanes] == ["shop#1/txn"]
    assert view.lane_titles == ["shop#1 · txn"]  # its title is gone too
    button = view.lane_menu.hidden_button
    assert button.isVisible() and button.text() == "Hidden (1)"
    listed = [a.text() for a in button.menu().actions() if a.text()]
    assert listed == ["app · ticks", "Show all lanes"]
    choose(button.menu(), "app · ticks")
    assert [lane.key for lane in view.shown_lanes] == ["app/ticks", "shop#1/txn"] and not button.isVisible()

    choose(right_click_lane(qtbot, view, "shop#1/txn"), "Pin to top")
    assert [lane.key for lane in view.shown_lanes] == ["shop#1/txn", "app/ticks"]
    assert view.lane_titles == ["▲ shop#1 · txn", "app · ticks"]
    inst.dispatch("add", 2)  # new data keeps the pinned lane on top
    qtbot.waitUntil(lambda: view.model.lane("shop#1/txn").span_count() >= 3)
    assert view.shown_lanes[0].key == "shop#1/txn"
    choose(right_click_lane(qtbot, view, "app/ticks"), "Collapse")
    top, bottom = view.lane_extent(view.lane_index("app/ticks"))
    assert bottom - top < 0.5
    ticks_band = view.lane_band("app/ticks")
    txn_band = view.lane_band("shop#1/txn")
    assert ticks_band[1] - ticks_band[0] < (txn_band[1] - txn_band[0]) / 2


def test_a_bookmark_is_named_kept_in_the_sidecar_and_there_again_when_the_trace_is_reopened(qtbot, aio,
                                                                                           recorded_trace):
    window, view, store = replay(qtbot, recorded_trace)
    at = view.model.x_of(float(store.ts[txn_rows(store)[5]]))
    view.plot.scene().sigMouseMoved.emit(view.view_box.mapViewToScene(QPointF(at, 0.5)))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_B)
    field = view.bookmarks.name_field
    qtbot.waitUntil(field.isVisible)
    assert field.text() == "Bookmark 1"
    qtbot.keyClicks(field, "the rename")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not field.isVisible()
    assert view.bookmarks.lines_shown() == [("the rename", at)]
    choose(right_click_lane(qtbot, view, "app/ticks"), "Hide lane")
    saved = read_sidecar(recorded_trace)
    assert [b["name"] for b in saved["bookmarks"]] == ["the rename"]
    assert saved["lanes"]["hidden"] == ["app/ticks"]
    window.close()

    again, view, _ = replay(qtbot, recorded_trace)
    qtbot.waitUntil(lambda: view.bookmarks.lines_shown() == [("the rename", at)])
    assert view.bookmarks.button.text() == "Bookmarks (1)"
    assert "app/ticks" not in [lane.key for lane in view.shown_lanes]
    assert view.lane_menu.hidden_button.text() == "Hidden (1)"
    view.set_x_range(at + 10.0, at + 11.0)
    jump = next(a for a in view.bookmarks.menu.actions() if a.text().startswith("the rename · "))
    jump.trigger()
    x0, x1 = view.x_range()
    assert abs((x0 + x1) / 2 - at) < 1e-9 and x1 - x0 == 1.0 or abs(x1 - x0 - 1.0) < 1e-9


def test_an_unreadable_sidecar_is_reported_and_the_trace_still_opens(qtbot, aio, recorded_trace):
    sidecar_path(recorded_trace).write_text("[1, 2")
    window, view, _ = replay(qtbot, recorded_trace)
    assert "timeline notes not restored: cannot read" in view.status.text()
    assert view.bookmarks.bookmarks == [] and view.shown_lanes
