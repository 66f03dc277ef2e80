"""The overview strip: density levels, a click sets the time range, a drag sets the dragged range."""

from __future__ import annotations

import numpy as np
import pytest
from devtools_support import shop_module
from PySide6.QtCore import QPoint, Qt

from devtools.app.contexts import live_context
from devtools.model.density import density
from devtools.views.overview import OverviewStrip


def test_levels_follow_the_reference_thresholds():
    # 1 s buckets: 10 txns (ok), 60 (warn at >= 50/s), 200 (danger at >= 150/s)
    ts = np.concatenate([np.linspace(0, 990, 10), 1000 + np.linspace(0, 990, 60), 2000 + np.linspace(0, 990, 200)])
    d = density(ts, 0.0, 2999.0, max_buckets=3)
    assert d.width_ms == 1000.0
    assert d.counts.tolist() == [10, 60, 200]
    assert d.levels.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="thresholds"):
        density(ts, 0.0, 10.0, warn=100, danger=50)


@pytest.fixture
def strip(qtbot, aio, shop_runtime):
    ctx = live_context(shop_runtime)
    inst = shop_runtime.mount(shop_module())
    for price in range(60):
        inst.dispatch("add", price)
    w = OverviewStrip(ctx)
    w.resize(600, 70)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.density is not None and int(w.density.counts.sum()) >= 60)
    yield ctx, w
    for fn in ctx.cleanups:
        fn()


def test_click_on_a_bar_sets_the_time_range_to_its_bucket(qtbot, strip):
    ctx, w = strip
    d = w.density
    i = int(np.argmax(d.counts))
    rect = w.plot_rect()
    x = int(rect.left() + (i + 0.5) * rect.width() / len(d.counts))
    qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(x, int(rect.center().y())))
    assert ctx.state.get()["timeRange"] == list(d.bucket_span(i))
    assert ctx.state.get()["follow"] is False


def test_drag_sets_the_dragged_range(qtbot, strip):
    ctx, w = strip
    rect = w.plot_rect()
    y = int(rect.center().y())
    a, b = int(rect.left() + rect.width() * 0.2), int(rect.left() + rect.width() * 0.6)
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=QPoint(a, y))
    qtbot.mouseMove(w, QPoint(b, y))
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=QPoint(b, y))
    start, end = ctx.state.get()["timeRange"]
    d = w.density
    total = d.width_ms * len(d.counts)
    assert start == pytest.approx(d.t0_ms + 0.2 * total, abs=total / rect.width() * 2)
    assert end == pytest.approx(d.t0_ms + 0.6 * total, abs=total / rect.width() * 2)
