"""Fit all over a long session: dense stretches read as dense and quiet ones as quiet, not as one solid bar."""

from __future__ import annotations

import numpy as np
from devtools_support import open_replay
from PySide6.QtCore import Qt
from trace_builder import TraceBuilder

from devtools.views.timeline.frame import LANE_BACKGROUNDS

BURSTS = ((200.0, 400), (420.0, 16))
"""(start s, transactions in one second): a big burst and a smaller one in a ten-minute session."""


def long_session(tmp_path):
    """Ten minutes of one transaction every two seconds, with the bursts above."""
    b = TraceBuilder(tmp_path / "long.jsonl")
    times = [float(t) for t in range(0, 600, 2)]
    for start, count in BURSTS:
        times += (start + 0.5 + np.arange(count) / count).tolist()
    for t in sorted(times):
        b.txn("shop#1", t)
    return b.close()


def alpha_by_column(timeline, lane_key) -> np.ndarray:
    """How strongly each pixel column of a lane is drawn (0 = nothing but the lane's background, 255 = full
    colour), mid-band."""
    top, bottom = timeline.lane_band(lane_key)
    pixels = timeline.canvas.buffer[(top + bottom) // 2]
    return np.where(np.isin(pixels, LANE_BACKGROUNDS), 0, (pixels >> 24) & 0xFF)


def column_of(timeline, x) -> int:
    x0, x1 = timeline.x_range()
    return int(np.floor((x - x0) / (x1 - x0) * timeline.canvas.buffer.shape[1]))


def test_fit_all_shows_density_by_intensity_within_one_item_per_column(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, long_session(tmp_path), (1440, 900))
    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.source.caught_up and "shop#1/txn" in [lane.key for lane in timeline.shown_lanes])
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_0)  # Fit all
    qtbot.waitUntil(lambda: (alpha_by_column(timeline, "shop#1/txn") > 0).sum() > 100)
    alpha = alpha_by_column(timeline, "shop#1/txn")
    width = alpha.shape[0]
    seg = timeline.segments[(timeline.lane_index("shop#1/txn"), 0)][1]
    assert len(seg) <= width  # the level of detail still draws at most one item per pixel column

    big = alpha[column_of(timeline, 200.5):column_of(timeline, 201.5) + 1].max()
    small = alpha[column_of(timeline, 420.5):column_of(timeline, 421.5) + 1].max()
    quiet_cols = [column_of(timeline, t) for t in (10.0, 100.0, 300.0, 500.0)]
    quiet = alpha[[c for c in quiet_cols]]
    assert big == 255  # the busiest column at full strength
    assert 0 < quiet.max() < small < big  # one transaction faint, sixteen stronger, four hundred strongest
    assert len(np.unique(alpha[alpha > 0])) >= 3  # intensity levels, not one solid colour


def test_zoomed_in_each_transaction_is_drawn_at_full_strength(tmp_path, qtbot, aio):
    host, window = open_replay(qtbot, long_session(tmp_path), (1440, 900))
    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.source.caught_up and "shop#1/txn" in [lane.key for lane in timeline.shown_lanes])
    timeline.set_x_range(95.0, 105.0)  # five quiet transactions, two seconds apart
    qtbot.waitUntil(lambda: (alpha_by_column(timeline, "shop#1/txn") > 0).any())
    alpha = alpha_by_column(timeline, "shop#1/txn")
    assert set(np.unique(alpha[alpha > 0]).tolist()) == {255}
