"""One frame of the timeline: the lanes shown, reduced by the LOD step and rasterised into one pixel buffer.

Kept apart from the widget so what is drawn (which lanes, up to which time, which deadlines) is one function of
its inputs; the widget only decides the range, the size and the lanes in scope, and blits the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...model.emphasis import emphasise_band, segment_matches
from ...model.lod import LodSegments, lod_segments
from ...model.raster import Band, new_canvas, rasterize_band, rasterize_markers
from ...model.spans import SpanArrays, SpanLane
from ...model.timeline_model import Lane
from .describe import Hit
from .palette import PALETTES

__all__ = ["LaneFrame", "Label", "Emphasis", "draw_lanes", "lane_bands", "lane_spans", "hit_in", "LABEL_MIN_PX",
           "HIT_SLOP_PX", "LANE_BACKGROUNDS"]

Label = tuple[float, float, float, str]
"""A name drawn on a wide segment: (x px, y px, max width px, text), in buffer pixels."""
LABEL_MIN_PX = 60
HIT_SLOP_PX = 3
"""A pointer this many columns away from an item still hits it (thin transactions are one pixel wide)."""
"""A run or operation segment this wide gets its name written on it."""
LANE_BACKGROUNDS = (0x1C0E0E0E, 0x10080808)
"""Alternate lane backgrounds (premultiplied greys), so bands read as rows even where they are empty."""
Emphasis = Callable[[Lane, int, SpanArrays], np.ndarray | None]
"""(lane, sub-row, its arrays) -> which spans hold highlighted rows, or None when nothing is highlighted."""


@dataclass(frozen=True, slots=True)
class LaneFrame:
    canvas: np.ndarray
    """height x width uint32 ARGB32 premultiplied."""
    segments: dict[tuple[int, int], tuple[Band, LodSegments]]
    """The drawn LOD per (index of the lane among those shown, sub-row): what hover and click read."""
    labels: list[Label]
    drawn: int
    """Segments drawn in all lanes."""
    emphasised: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    """Per (lane index, sub-row) drawn while something is highlighted: which of its segments are emphasised (the
    others are dimmed)."""


def lane_spans(weights: Sequence[float]) -> list[tuple[float, float]]:
    """The [top, bottom) of each lane in view units (lanes stacked from 0, each as tall as its weight)."""
    edges = [0.0]
    for w in weights:
        edges.append(edges[-1] + w)
    return list(zip(edges[:-1], edges[1:], strict=True))


def lane_bands(count: int, height: int, weights: Sequence[float] | None = None) -> list[tuple[int, int]]:
    """Pixel rows [top, bottom) of `count` lanes sharing `height` (in proportion to `weights`, default all equal),
    with a gap between neighbours."""
    spans = lane_spans(list(weights) if weights is not None and count else [1.0] * max(count, 1))
    per = height / max(spans[-1][1], 1e-9)
    return [(int(a * per + (b - a) * per * 0.1), max(int(a * per + (b - a) * per * 0.1) + 1,
                                                      int((a + (b - a) * 0.9) * per))) for a, b in spans]


def readable_titles(spans: Sequence[tuple[float, float]], height: int, line_px: int) -> list[int]:
    """The lanes whose titles fit `height` pixels without overlapping (each title `line_px` tall): all of them when
    the lanes are tall enough, else every lane whose centre is a line below the last one kept."""
    per = height / max(spans[-1][1], 1e-9) if spans else 0.0
    kept: list[int] = []
    last = -float(line_px)
    for i, (a, b) in enumerate(spans):
        centre = (a + b) / 2 * per
        if centre - last >= line_px:
            kept.append(i)
            last = centre
    return kept


def draw_lanes(lanes: Sequence[Lane], bands: Sequence[tuple[int, int]], *, x0: float, x1: float, width: int,
               height: int, limit_x: float, visible_rows: int, name_of: Callable[[Lane, str], str],
               emphasis: Emphasis | None = None) -> LaneFrame:
    """Draw `lanes` over [x0, x1) into a width x height buffer; nothing after `limit_x` (the replay cursor's time)
    except the deadlines of operations that exist by `visible_rows`. `name_of(lane, key)` names a wide segment;
    `emphasis` says which spans to emphasise (the rest of a lane is dimmed)."""
    canvas = new_canvas(height, width)
    for i, (top, bottom) in enumerate(bands):
        canvas[top:bottom, :] = LANE_BACKGROUNDS[i % 2]
    clip_w = width if limit_x >= x1 else min(width, int(math.floor((limit_x - x0) / (x1 - x0) * width)) + 1)
    segments: dict[tuple[int, int], tuple[Band, LodSegments]] = {}
    labels: list[Label] = []
    emphasised: dict[tuple[int, int], np.ndarray] = {}
    drawn = 0
    for li, lane in enumerate(lanes):
        top, bottom = bands[li]
        used = [k for k, sub in enumerate(lane.subrows) if len(sub)] or [0]
        rows = max(used) + 1
        step = (bottom - top) / rows
        palette = PALETTES[lane.kind]
        for k in range(rows):
            sub = lane.subrows[k]
            band = Band(int(top + k * step), max(int(top + k * step) + 1, int(top + (k + 1) * step) - 1))
            if clip_w <= 0 or not len(sub):
                continue
            arrays = sub.arrays()
            x_clip = x0 + (x1 - x0) * clip_w / width
            seg = lod_segments(arrays, x0, x_clip, clip_w)
            segments[(li, k)] = (band, seg)
            drawn += rasterize_band(canvas[:, :clip_w], band, seg, palette)
            mask = emphasis(lane, k, arrays) if emphasis is not None else None
            if mask is not None:
                emphasised[(li, k)] = matched = segment_matches(seg, arrays, mask, x0, x_clip, clip_w)
                emphasise_band(canvas[:, :clip_w], band, seg, matched)
            labels.extend(_labels_for(lane, sub, seg, band, name_of))
        if len(lane.deadlines):
            marks = lane.deadlines.at(visible_rows)
            cols = np.floor((marks - x0) / (x1 - x0) * width).astype(np.int64)
            rasterize_markers(canvas, Band(top, bottom), cols, palette.marker)
    return LaneFrame(canvas, segments, labels, drawn, emphasised)


def _labels_for(lane: Lane, sub: SpanLane, seg: LodSegments, band: Band,
                name_of: Callable[[Lane, str], str]) -> list[Label]:
    """Names on segments wide enough to hold them (runs and operations only; transactions are too dense)."""
    if lane.kind not in ("runs", "ops") or band.bottom - band.top < 10:
        return []
    wide = np.nonzero((seg.px1 - seg.px0) >= LABEL_MIN_PX)[0][:40]
    arrays = sub.arrays()
    y = band.top + (band.bottom - band.top - 14) / 2
    return [(float(seg.px0[i]), y, float(seg.px1[i] - seg.px0[i]),
             name_of(lane, lane.refs[int(arrays.refs[seg.items[i]])])) for i in wide.tolist()]


def hit_in(frame: LaneFrame, lanes: Sequence[Lane], col: int, row: int) -> Hit | None:
    """The item drawn nearest buffer pixel (col, row), within HIT_SLOP_PX columns, from the frame's LOD."""
    for (li, k), (band, seg) in frame.segments.items():
        if not band.top <= row < band.bottom:
            continue
        items = seg.column_items
        lo, hi = max(0, col - HIT_SLOP_PX), min(items.shape[0], col + HIT_SLOP_PX + 1)
        hits = np.nonzero(items[lo:hi] >= 0)[0]
        if hits.size == 0:
            return None
        best = lo + int(hits[np.argmin(np.abs(hits + lo - col))])
        item = int(items[best])
        lane = lanes[li]
        s = int(np.searchsorted(seg.px0, best, side="right")) - 1
        count = int(seg.counts[s]) if 0 <= s < len(seg) else 1
        return Hit(lane, k, item, int(lane.subrows[k].arrays().refs[item]), max(count, 1))
    return None
