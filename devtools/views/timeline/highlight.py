"""Highlighted rows on the timeline: the one mechanism behind the events table's filter and the query pane's "show
these rows". The rows are marked by a pink diamond each in its lane, and every span holding one is emphasised while
the rest of the lanes is dimmed (devtools.model.emphasis).

Who highlighted is kept (`source`: "filter" or "query"): the newest wins, and clearing the filter clears only what
the filter highlighted. The marks are rebuilt with the lanes (on every range, size or scope change, never in
paint), and reduced to one per lane and pixel column, so a million highlighted rows cost no more to draw than the
pane is wide; the per-span masks are cached per sub-row version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyqtgraph as pg

from runtime.trace import EventStore

from ...model.emphasis import RowMatch, row_match, span_mask
from ...model.spans import SpanArrays
from ...model.timeline_model import Lane
from .face import TimelineFace

__all__ = ["HighlightMarks", "HighlightSource", "lane_keys_of"]

HIGHLIGHT_BRUSH = pg.mkBrush(255, 64, 129, 220)
HighlightSource = Literal["filter", "query"]


def lane_keys_of(store: EventStore, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The lane each row is drawn in (ticks of its runtime, runs and operations of its instance, else its
    instance's transactions), vectorised: per row an index into the returned list of lane keys."""
    if not len(rows):
        return np.zeros(0, np.int64), []
    labels = np.frombuffer(store.label, np.uint32)[rows]
    kinds = np.frombuffer(store.kind, np.uint32)[rows]
    inst = np.frombuffer(store.instance, np.uint32)[rows].astype(np.int64)
    cat = np.full(len(rows), 3, np.int64)  # txn
    for code, c in ((store.labels.codes.get("async-action"), 2), (store.kinds.codes.get("operation"), 1),
                    (store.labels.codes.get("trace:tick"), 0)):
        if code is not None:
            cat[(kinds if c == 1 else labels) == code] = c
    ids, index = np.unique(inst * 4 + cat, return_inverse=True)
    keys = []
    for lane_id in ids.tolist():
        instance = store.instances.values[lane_id // 4]
        kind = ("ticks", "ops", "runs", "txn")[lane_id % 4]
        keys.append(f"{store.runtime_of_instance(instance) if kind == 'ticks' else instance}/{kind}")
    return index.astype(np.int64), keys


class HighlightMarks:
    """The highlighted rows of one timeline view and the scatter item that shows them."""

    def __init__(self, view: TimelineFace) -> None:
        self.view = view
        self.rows = np.zeros(0, dtype=np.int64)
        self.source: HighlightSource | None = None
        """Who highlighted the rows shown (None: nothing is highlighted)."""
        self._lane_of = np.zeros(0, np.int64)
        """Per highlighted row, an index into `_lane_keys`."""
        self._lane_keys: list[str] = []
        self._match: RowMatch | None = None
        self._ts_ms = np.zeros(0)
        """The highlighted rows' times, read once (every redraw places the marks by them)."""
        self._masks: dict[tuple[str, int], tuple[int, np.ndarray]] = {}
        self.item = pg.ScatterPlotItem(symbol="d", size=9, pen=None, brush=HIGHLIGHT_BRUSH)
        self.item.setZValue(10)
        view.plot.addItem(self.item, ignoreBounds=True)
        self.points: list[tuple[str, float]] = []
        """What is drawn now: (lane key, x in seconds), one per lane and pixel column."""
        self._marked = False
        """Whether the scatter item holds marks now (clearing an empty one still cost a few ms per rebuild)."""

    @property
    def active(self) -> bool:
        return self.source is not None

    def set_rows(self, rows: Sequence[int] | np.ndarray, source: HighlightSource = "query") -> None:
        """Highlight `rows` for `source` and redraw the lanes. A query's empty list clears the highlight; a filter
        that keeps no row dims every lane (nothing matches)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows) and source == "query":
            self._set(rows, None)
        else:
            self._set(rows, source)

    def clear(self, source: HighlightSource) -> None:
        """Clear the highlight when `source` made it (a filter cleared leaves a query's rows alone)."""
        if self.source == source:
            self._set(np.zeros(0, np.int64), None)

    def _set(self, rows: np.ndarray, source: HighlightSource | None) -> None:
        store = self.view.source.store
        rows = rows[(rows >= 0) & (rows < len(store))]  # a row that is not (or no longer) there marks nothing
        self.rows, self.source = rows, source
        self._lane_of, self._lane_keys = lane_keys_of(store, rows)
        self._match = row_match(store, rows) if source is not None else None
        self._ts_ms = np.frombuffer(store.ts, dtype=np.float64)[rows]
        self._masks.clear()
        self.view.rebuild()

    def release(self, n: int) -> None:
        """The store let its oldest `n` rows go: the rows kept move down by n."""
        if not len(self.rows):
            return
        kept = self.rows >= n
        self._lane_of = self._lane_of[kept]
        self.rows = self.rows[kept] - n
        self._ts_ms = self._ts_ms[kept]
        self._match = row_match(self.view.source.store, self.rows) if self.source is not None else None
        self._masks.clear()

    def span(self) -> tuple[float, float] | None:
        """First and last highlighted time (seconds since the first event), None without highlights."""
        model, store = self.view.model, self.view.source.store
        if not len(self.rows) or model.origin_ms is None:
            return None
        ts = np.frombuffer(store.ts, dtype=np.float64)[self.rows]
        return model.x_of(float(ts.min())), model.x_of(float(ts.max()))

    def emphasis(self, lane: Lane, subrow: int, arrays: SpanArrays) -> np.ndarray | None:
        """Which spans of a sub-row hold highlighted rows (None: nothing is highlighted, draw it as it is)."""
        if self._match is None or self.view.model.origin_ms is None:
            return None
        version = lane.subrows[subrow].version
        cached = self._masks.get((lane.key, subrow))
        if cached is not None and cached[0] == version and cached[1].shape[0] == arrays.size:
            return cached[1]
        mask = span_mask(lane, arrays, self._match, self.view.source.store, self.view.model.origin_ms)
        self._masks[(lane.key, subrow)] = (version, mask)
        return mask

    def redraw(self) -> None:
        view = self.view
        self.points = []
        origin = view.model.origin_ms
        if not len(self.rows) or origin is None:
            if self._marked:
                self.item.setData([], [])
                self._marked = False
            return
        shown = {lane.key: i for i, lane in enumerate(view.shown_lanes)}
        lane_index = np.asarray([shown.get(key, -1) for key in self._lane_keys], np.int64)[self._lane_of]
        x0, x1 = view.x_range()
        width = max(int(view.view_box.width()), 1)
        inside = lane_index >= 0
        xs = (self._ts_ms[inside] - origin) / 1000.0
        lanes = lane_index[inside]
        keys = self._lane_of[inside]
        visible = (xs >= x0) & (xs <= x1)
        xs, lanes, keys = xs[visible], lanes[visible], keys[visible]
        cols = ((xs - x0) / max(x1 - x0, 1e-12) * width).astype(np.int64)
        _, first = np.unique(lanes * (width + 1) + cols, return_index=True)
        first.sort()  # in row order, as the rows were given
        ys = [view.lane_centre(int(li)) for li in lanes[first].tolist()]
        self.points = [(self._lane_keys[k], float(x)) for k, x in zip(keys[first].tolist(), xs[first].tolist(),
                                                                        strict=True)]
        self.item.setData(xs[first], ys)
        self._marked = True
