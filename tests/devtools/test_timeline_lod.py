"""The level-of-detail step: bounded output on a million-span lane, and exactly the columns that spans cover."""

from __future__ import annotations

import numpy as np

from devtools.model.lod import lod_segments, pixel_edges
from devtools.model.raster import Band, Palette, new_canvas, rasterize_band
from devtools.model.spans import FLAG_OUTLINED, SpanLane


def million_lane() -> tuple[SpanLane, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 1_000_000
    starts = np.cumsum(rng.exponential(0.0001, n))
    ends = starts + rng.exponential(0.00005, n)
    lane = SpanLane(3)
    flags = (np.arange(n) % 9973 == 0).astype(np.uint8) * FLAG_OUTLINED
    lane.extend(starts, ends, (np.arange(n) % 3).astype(np.uint8), flags, np.arange(n))
    return lane, starts, ends


def covered_columns(starts, ends, x0, x1, width):
    edges = pixel_edges(x0, x1, width)
    cov = np.zeros(width, bool)
    lo, hi = np.searchsorted(starts, x0 - 1.0), np.searchsorted(starts, x1)
    for s, e in zip(starts[lo:hi], ends[lo:hi], strict=False):
        if e < x0 or s >= x1:
            continue
        a = max(0, int(np.searchsorted(edges, s, "right")) - 1)
        b = min(width - 1, int(np.searchsorted(edges, e, "left")) - 1)
        cov[a:max(a, b) + 1] = True
    return cov


def test_a_million_spans_never_draw_more_than_one_segment_per_pixel_column():
    lane, starts, _ = million_lane()
    arrays = lane.arrays()
    for x0, x1 in ((0.0, float(starts[-1]) + 1), (10.0, 10.5), (50.0, 50.001)):
        seg = lod_segments(arrays, x0, x1, 1200)
        assert len(seg) <= 1200
        assert np.all(seg.px0[1:] >= seg.px1[:-1])  # disjoint, in order
        inside = np.count_nonzero((starts >= x0) & (starts < x1))
        assert int(seg.counts.sum()) == inside  # every span is accounted for, none drawn twice


def test_drawn_columns_are_exactly_the_columns_spans_cover():
    lane, starts, ends = million_lane()
    arrays = lane.arrays()
    for x0, x1 in ((20.0, 20.2), (20.0, 20.002)):
        seg = lod_segments(arrays, x0, x1, 800)
        assert np.array_equal(seg.column_items >= 0, covered_columns(starts, ends, x0, x1, 800))


def test_a_degraded_span_outlines_its_column_even_among_thousands():
    lane, starts, _ = million_lane()
    seg = lod_segments(lane.arrays(), 0.0, float(starts[-1]) + 1, 300)
    outlined_items = seg.items[seg.outlined]
    assert seg.outlined.any()
    canvas = new_canvas(20, 300)
    rasterize_band(canvas, Band(2, 18), seg, Palette((0xFF111111, 0xFF222222, 0xFF333333), outline=0xFFE0303A))
    assert (canvas[2] == 0xFFE0303A).sum() >= int(seg.outlined.sum())
    assert len(outlined_items) >= 1


def test_an_open_span_covers_until_closed_and_prefix_arrays_follow_the_close():
    lane = SpanLane(2)
    lane.append(0.0, np.inf, 0, 0, 0)  # a run still pending
    for i in range(1, 50):
        lane.append(i * 0.1, i * 0.1 + 0.01, 1, 0, i)
    seg = lod_segments(lane.arrays(), 0.0, 10.0, 100)
    assert (seg.column_items == 0).sum() > 40  # the open run fills the gaps up to the right edge
    lane.close(0, 0.05, cat=1)
    seg = lod_segments(lane.arrays(), 6.0, 10.0, 100)
    assert not (seg.column_items == 0).any()
