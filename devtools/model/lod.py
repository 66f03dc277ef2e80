"""Level of detail: reduce a lane of up to millions of spans to at most one drawn item per pixel column.

`lod_segments(lane, x0, x1, width)` looks only at the visible range `[x0, x1)` split into `width` pixel columns
(float64 edges, `np.searchsorted` on the sorted starts), so its cost is O(width * log n) whatever the lane size:

- a column in which spans start shows its dominant category (most spans of one category, from the prefix counts),
  represented by the first span of that category starting there, and is outlined when any span starting there is;
- a column in which nothing starts but an earlier span is still running (the prefix maximum of ends) continues
  that span;
- consecutive columns continuing the same span are merged into one segment, so a long run is one item.

The result is a handful of small arrays (one entry per drawn segment, never more than `width`) that the timeline
item rasterises; nothing here touches Qt.

>>> import numpy as np
>>> from devtools.model.spans import SpanLane
>>> lane = SpanLane(2)
>>> for i in range(1000):
...     _ = lane.append(i * 0.001, i * 0.001 + 0.0005, i % 2, 0, i)
>>> seg = lod_segments(lane.arrays(), 0.0, 1.0, 100)
>>> len(seg), int(seg.counts.sum())
(100, 1000)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spans import FLAG_OUTLINED, SpanArrays

__all__ = ["LodSegments", "lod_segments", "pixel_edges"]


@dataclass(frozen=True, slots=True)
class LodSegments:
    """What to draw for one lane: segments in pixel columns, at most one per column."""

    px0: np.ndarray
    """int32 first column of each segment."""
    px1: np.ndarray
    """int32 column after the last one."""
    items: np.ndarray
    """int64 index (into the lane's arrays) of the span each segment represents."""
    cats: np.ndarray
    """uint8 category shown."""
    outlined: np.ndarray
    """bool: an outlined (degraded) span starts in the segment."""
    counts: np.ndarray
    """int32 spans starting in the segment (0 for a pure continuation)."""
    column_items: np.ndarray
    """int64 per pixel column: the represented span, -1 where nothing is drawn (hover and click read this)."""

    def __len__(self) -> int:
        return int(self.px0.shape[0])


def pixel_edges(x0: float, x1: float, width: int) -> np.ndarray:
    """The width + 1 column edges of the visible range, in the lane's float64 time unit."""
    return x0 + (x1 - x0) * (np.arange(width + 1, dtype=np.float64) / width)


_EMPTY_I32 = np.empty(0, np.int32)


def lod_segments(lane: SpanArrays, x0: float, x1: float, width: int) -> LodSegments:
    """The drawn segments of `lane` in the visible range `[x0, x1)` over `width` pixel columns."""
    if width <= 0 or not x1 > x0:
        raise ValueError(f"need a positive width and x1 > x0, got width={width}, range=({x0}, {x1})")
    n = lane.size
    if n == 0:
        return LodSegments(_EMPTY_I32, _EMPTY_I32, np.empty(0, np.int64), np.empty(0, np.uint8),
                           np.empty(0, np.bool_), _EMPTY_I32, np.full(width, -1, np.int64))
    edges = pixel_edges(x0, x1, width)
    bounds = np.searchsorted(lane.starts, edges, side="left")
    lo, hi = bounds[:-1], bounds[1:]
    starting = hi - lo

    # dominant category among spans starting in each column, and its first span there
    counts_by_cat = lane.cat_cum[:, hi] - lane.cat_cum[:, lo]
    dominant = np.argmax(counts_by_cat, axis=0).astype(np.uint8)
    base = lane.cat_cum[dominant, lo]
    first_of_dominant = np.empty(width, np.int64)
    for c in np.unique(dominant[starting > 0]):
        cols = np.nonzero((dominant == c) & (starting > 0))[0]
        first_of_dominant[cols] = np.searchsorted(lane.cat_cum[c], base[cols] + 1, side="left") - 1
    outlined = (lane.flag_cum[hi] - lane.flag_cum[lo]) > 0

    # columns where nothing starts: the earlier span reaching furthest may still cover the column
    before = lo - 1
    has_before = before >= 0
    safe_before = np.where(has_before, before, 0)
    covering = has_before & (lane.pmax_end[safe_before] > edges[:-1])
    cover_item = lane.pmax_idx[safe_before]

    column_items = np.where(starting > 0, first_of_dominant, np.where(covering, cover_item, -1))
    drawn = column_items >= 0
    if not drawn.any():
        return LodSegments(_EMPTY_I32, _EMPTY_I32, np.empty(0, np.int64), np.empty(0, np.uint8),
                           np.empty(0, np.bool_), _EMPTY_I32, column_items)

    # a new segment begins where the represented span changes or where spans start
    prev = np.empty(width, np.int64)
    prev[0] = -2
    prev[1:] = column_items[:-1]
    begins = drawn & ((column_items != prev) | (starting > 0))
    px0 = np.nonzero(begins)[0].astype(np.int32)
    # each segment runs until the next begin or the next undrawn column
    stop_cols = np.nonzero(begins | ~drawn)[0]
    nxt = np.searchsorted(stop_cols, px0, side="right")
    px1 = np.where(nxt < stop_cols.shape[0], stop_cols[np.minimum(nxt, stop_cols.shape[0] - 1)], width)
    px1 = px1.astype(np.int32)
    items = column_items[px0]
    cats = np.where(starting[px0] > 0, dominant[px0], lane.cats[items]).astype(np.uint8)
    seg_outlined = np.where(starting[px0] > 0, outlined[px0], (lane.flags[items] & FLAG_OUTLINED) != 0)
    cum_start = np.concatenate(([0], np.cumsum(starting)))
    counts = (cum_start[px1] - cum_start[px0]).astype(np.int32)
    return LodSegments(px0, px1, items, cats, seg_outlined, counts, column_items)
