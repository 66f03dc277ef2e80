"""Rows a query chose, marked on the timeline ("show these rows"): a pink diamond at each in its lane.

The marks are rebuilt with the lanes (on every range, size or scope change, never in paint), and reduced to one
per lane and pixel column, so a million highlighted rows cost no more to draw than the pane is wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pyqtgraph as pg

from runtime.trace import EventStore

from ...model.timeline_model import Lane, TimelineModel

__all__ = ["HighlightMarks", "lane_key_of"]

HIGHLIGHT_BRUSH = pg.mkBrush(255, 64, 129, 220)


def lane_key_of(store: EventStore, row: int) -> str:
    """The lane an event row is drawn in: ticks of its runtime, runs and operations of its instance, else its
    instance's transactions."""
    kind, label = store.kind_of(row), store.label_of(row)
    instance = store.instance_of(row)
    if label == "trace:tick":
        return f"{store.runtime_of_instance(instance)}/ticks"
    if kind == "operation":
        return f"{instance}/ops"
    if label == "async-action":
        return f"{instance}/runs"
    return f"{instance}/txn"


class _Timeline(Protocol):
    """What the marks read of the timeline view (view.py; a Protocol, so neither file imports the other's)."""

    @property
    def source(self) -> Any: ...  # a TimelineSource: `.store`

    @property
    def model(self) -> TimelineModel: ...

    @property
    def shown_lanes(self) -> Sequence[Lane]: ...

    @property
    def plot(self) -> pg.PlotWidget: ...

    @property
    def view_box(self) -> pg.ViewBox: ...

    def x_range(self) -> tuple[float, float]: ...


class HighlightMarks:
    """The highlighted rows of one timeline view and the scatter item that shows them."""

    def __init__(self, view: _Timeline) -> None:
        self.view = view
        self.rows = np.zeros(0, dtype=np.int64)
        self._lanes: list[str] = []
        self.item = pg.ScatterPlotItem(symbol="d", size=9, pen=None, brush=HIGHLIGHT_BRUSH)
        self.item.setZValue(10)
        view.plot.addItem(self.item, ignoreBounds=True)
        self.points: list[tuple[str, float]] = []
        """What is drawn now: (lane key, x in seconds), one per lane and pixel column."""

    def set_rows(self, rows: list[int]) -> None:
        store = self.view.source.store
        self.rows = np.asarray(rows, dtype=np.int64)
        self._lanes = [lane_key_of(store, r) for r in rows]
        self.redraw()

    def span(self) -> tuple[float, float] | None:
        """First and last highlighted time (seconds since the first event), None without highlights."""
        model, store = self.view.model, self.view.source.store
        if not len(self.rows) or model.origin_ms is None:
            return None
        ts = np.frombuffer(store.ts, dtype=np.float64)[self.rows]
        return model.x_of(float(ts.min())), model.x_of(float(ts.max()))

    def redraw(self) -> None:
        view, store = self.view, self.view.source.store
        self.points = []
        if not len(self.rows) or view.model.origin_ms is None:
            self.item.setData([], [])
            return
        index = {lane.key: i for i, lane in enumerate(view.shown_lanes)}
        x0, x1 = view.x_range()
        width = max(int(view.view_box.width()), 1)
        ts = np.frombuffer(store.ts, dtype=np.float64)
        seen: set[tuple[int, int]] = set()
        xs: list[float] = []
        ys: list[float] = []
        for row, key in zip(self.rows.tolist(), self._lanes, strict=True):
            lane = index.get(key)
            if lane is None or row >= len(ts):
                continue
            x = view.model.x_of(float(ts[row]))
            if not x0 <= x <= x1:
                continue
            cell = (lane, int((x - x0) / max(x1 - x0, 1e-12) * width))
            if cell in seen:
                continue
            seen.add(cell)
            xs.append(x)
            ys.append(lane + 0.5)
            self.points.append((key, x))
        self.item.setData(xs, ys)
