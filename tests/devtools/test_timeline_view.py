"""The timeline as a user meets it: a live runtime's transactions in lanes, hover, click, zoom, keys, follow."""

from __future__ import annotations

import pytest
from devtools_support import shop_module
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QToolTip

from devtools.app.contexts import live_context
from devtools.views.timeline import TimelineView


@pytest.fixture
def live(qtbot, aio, shop_runtime):
    ctx = live_context(shop_runtime)
    inst = shop_runtime.mount(shop_module())
    for price in range(1, 30):
        inst.dispatch("add", price)
    view = TimelineView(ctx)
    view.resize(1000, 360)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.source.caught_up and view.model.lane("shop#1/txn") is not None)
    yield ctx, inst, view
    for fn in ctx.cleanups:
        fn()


def scene_point_of(view: TimelineView, x: float, lane_index: int) -> QPointF:
    return view.view_box.mapViewToScene(QPointF(x, lane_index + 0.5))


def test_hover_names_the_transaction_and_click_selects_it(qtbot, live):
    ctx, inst, view = live
    ctx.state.set_follow(False)
    lane_index = view.model.lanes.index(view.model.lane("shop#1/txn"))
    arrays = view.model.lane("shop#1/txn").subrows[0].arrays()
    target = 10  # the 11th transaction
    row = int(arrays.refs[target])
    x = float(arrays.starts[target] + arrays.ends[target]) / 2
    view.set_x_range(x - 1e-4, x + 1e-4)  # zoomed in enough that it stands alone
    qtbot.waitUntil(lambda: bool(view.segments))
    pos = scene_point_of(view, x, lane_index)
    txn_id = ctx.events.store.txn_id_of(row)
    view.plot.scene().sigMouseMoved.emit(pos)
    qtbot.waitUntil(lambda: txn_id in QToolTip.text())
    assert "converge:" in QToolTip.text()

    local = view.plot.mapFromScene(pos)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=local)
    qtbot.waitUntil(lambda: ctx.state.get()["selectedRow"] == row)


def test_wasd_zooms_and_pans_and_manual_moves_stop_following(qtbot, live):
    ctx, inst, view = live
    assert ctx.state.get()["follow"] is True
    x0, x1 = view.x_range()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_W)
    z0, z1 = view.x_range()
    assert (z1 - z0) == pytest.approx((x1 - x0) * 0.8)
    assert ctx.state.get()["follow"] is False
    qtbot.keyClick(view, Qt.Key.Key_D)
    p0, p1 = view.x_range()
    assert p0 == pytest.approx(z0 + (z1 - z0) * 0.2) and p1 - p0 == pytest.approx(z1 - z0)
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert view.x_range()[1] - view.x_range()[0] == pytest.approx((z1 - z0) * 1.25)


def test_following_keeps_new_transactions_in_sight(qtbot, live):
    ctx, inst, view = live
    qtbot.keyClick(view, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: view.following)
    for price in range(5):
        inst.dispatch("add", 100 + price)
    qtbot.waitUntil(lambda: view.x_range()[1] >= view.model.end_s >= view.x_range()[0])
    last = view.model.lane("shop#1/txn").subrows[0].arrays()
    assert view.x_range()[0] <= float(last.ends[-1]) <= view.x_range()[1]


def test_each_lane_draws_at_most_one_item_per_pixel_column(qtbot, live):
    ctx, inst, view = live
    qtbot.waitUntil(lambda: view.view_box.width() > 100)
    # more transactions than pixel columns, so some must share one however evenly a fast machine spaces them
    # (400 of them evenly spread over a 500-pixel lane needed no sharing at all)
    count = 2 * int(view.view_box.width()) + 100
    for price in range(count):
        inst.dispatch("add", price)
    qtbot.waitUntil(lambda: view.model.lane("shop#1/txn").span_count() > count)
    view.fit_all()
    width = int(view.view_box.width())
    assert count > width
    assert view.segments
    assert all(len(seg) <= width for _, seg in view.segments.values())
    assert view.drawn_items < view.model.total_spans()  # zoomed out, many transactions share pixels


def test_the_screen_is_readable(qtbot, live, tmp_path):
    ctx, inst, view = live
    view.fit_all()
    path = tmp_path / "timeline.png"
    assert view.grab().save(str(path))
    # pyqtgraph has no getter for ticks given to setTicks
    assert "shop#1 · txn" in [t for _, t in view.plot.getAxis("left")._tickLevels[0]]  # noqa: SLF001


def test_the_lanes_and_counters_show_only_the_time_axis_below_and_titles_on_the_left(qtbot, live):
    ctx, inst, view = live
    shown = {side for side in ("left", "bottom", "right", "top") if view.plot.getAxis(side).isVisible()}
    assert shown == {"left", "bottom"}
    assert view.axis.labelText == "time since the first event"
    counters = {side for side in ("left", "bottom", "right", "top") if view.counters.getAxis(side).isVisible()}
    assert counters == {"left"}  # the counters share the lanes' time axis: no second one


def test_a_young_live_session_fills_the_axis_from_its_start(qtbot, live):
    ctx, inst, view = live
    assert view.following and view.model.end_s < 1.0
    x0, x1 = view.x_range()
    assert x0 <= 0.0 < view.model.end_s <= x1  # everything in sight
    assert -x0 <= (x1 - x0) * 0.05  # not half an empty axis before the first event


def test_lane_titles_never_overlap_when_the_lanes_are_shorter_than_their_letters(qtbot, aio, shop_runtime):
    ctx = live_context(shop_runtime)
    for n in range(12):  # twelve instances: a lane each, more than a short timeline has lines for
        shop_runtime.mount(shop_module(), instance_id=f"shop#{n + 2}").dispatch("add", 1)
    view = TimelineView(ctx)
    view.resize(1000, 260)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.source.caught_up and len(view.shown_lanes) >= 12)
    axis = view.plot.getAxis("left")
    letters = QFontMetrics(axis.font()).ascent()

    def shown() -> list[tuple[float, str]]:
        return list(axis._tickLevels[0])  # noqa: SLF001  (pyqtgraph has no getter for ticks given to setTicks)

    qtbot.waitUntil(lambda: 0 < len(shown()) < len(view.shown_lanes))  # some titles left out ...
    pixels = sorted(view.view_box.mapViewToScene(QPointF(0, y)).y() for y, _ in shown())
    assert all(b - a >= letters - 1 for a, b in zip(pixels, pixels[1:], strict=False))  # ... the rest apart
    view.resize(1000, 1400)  # tall enough: every lane titled again
    qtbot.waitUntil(lambda: len(shown()) == len(view.shown_lanes))
