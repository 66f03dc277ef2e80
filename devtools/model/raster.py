"""Rasterise the timeline's LOD segments into one ARGB pixel buffer (numpy only; the Qt item just blits it).

Each lane is a horizontal band; a lane with sub-rows splits its band. Per band only one row of colours is computed
(segments are at most one per pixel column, so this is O(width) per band) and copied down the band's rows; outlines
(degraded transactions, failed runs) recolour the band's top and bottom rows and the segment's edge columns, and a
wide segment gets a darker first column so neighbours stay distinguishable when zoomed in.

Density: zoomed out, many items share a pixel column and a lane would read as one solid bar. Once a band is
crowded (a column of it holds DENSE_FROM items or more), each narrow segment is drawn with an intensity that grows
with the log of how many items start in it, on one scale for every lane (DENSE_FLOOR for one item, full strength
from FULL_AT items), as Perfetto shades by count: a burst reads as a burst, a quiet stretch as faint marks, and lanes
compare. A band that is not crowded (zoomed in) and a segment wide enough to be one item seen whole, or a long item
continuing over columns, are drawn at full strength.

Colours are 0xAARRGGBB, premultiplied (they are opaque, so premultiplied equals straight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lod import LodSegments

__all__ = ["Band", "Palette", "rasterize_band", "rasterize_markers", "new_canvas", "darken", "density_weights",
           "DENSE_FROM", "DENSE_FLOOR", "FULL_AT"]

DENSE_FROM = 4
"""A band is shaded by density once one of its columns holds this many items (isolated items stay full)."""
DENSE_FLOOR = 0.45
"""Intensity of a narrow segment holding one item (enough to see on either theme)."""
FULL_AT = 32
"""A pixel column holding this many items or more is drawn at full strength."""
RESOLVED_PX = 3
"""A segment of one item at least this wide is that item seen whole: full strength."""


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours of one lane kind: one per category, the outline, the marker."""

    fills: tuple[int, ...]
    outline: int = 0xFFE0303A
    marker: int = 0xFFD32F2F


@dataclass(frozen=True, slots=True)
class Band:
    """Pixel rows [top, bottom) of one sub-row of a lane."""

    top: int
    bottom: int


def darken(argb: int, factor: float = 0.65) -> int:
    r = int(((argb >> 16) & 0xFF) * factor)
    g = int(((argb >> 8) & 0xFF) * factor)
    b = int((argb & 0xFF) * factor)
    return (argb & 0xFF000000) | (r << 16) | (g << 8) | b


def density_weights(seg: LodSegments) -> np.ndarray | None:
    """Per segment, the intensity to draw it with (DENSE_FLOOR..1) by the items starting in it, on one log scale;
    None when the band is not crowded enough to need it."""
    if not len(seg) or int(seg.counts.max()) < DENSE_FROM:
        return None
    counts = np.maximum(seg.counts, 1).astype(np.float64)
    weights: np.ndarray = DENSE_FLOOR + (1.0 - DENSE_FLOOR) * np.minimum(1.0, np.log(counts) / np.log(FULL_AT))
    whole = (seg.counts == 0) | ((seg.counts == 1) & ((seg.px1 - seg.px0) >= RESOLVED_PX))
    weights[whole] = 1.0
    return weights


def _scaled(colours: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Premultiplied ARGB colours times their weights (all four channels: a fainter, see-through pixel)."""
    out = np.zeros(colours.shape, np.uint32)
    for shift in (24, 16, 8, 0):
        channel = ((colours >> shift) & 0xFF).astype(np.float64) * weights
        out |= np.clip(np.rint(channel), 0, 255).astype(np.uint32) << shift
    return out


def new_canvas(height: int, width: int) -> np.ndarray:
    """A transparent buffer of `height` x `width` ARGB32 pixels."""
    return np.zeros((max(1, height), max(1, width)), np.uint32)


def rasterize_band(canvas: np.ndarray, band: Band, seg: LodSegments, palette: Palette) -> int:
    """Paint `seg` into rows band.top..band.bottom of `canvas`; returns the number of segments drawn."""
    height = band.bottom - band.top
    width = canvas.shape[1]
    if height <= 0 or len(seg) == 0:
        return 0
    fills = np.asarray(palette.fills, np.uint32)
    edges = np.asarray([darken(c) for c in palette.fills], np.uint32)
    row = np.zeros(width, np.uint32)
    lengths = (seg.px1 - seg.px0).astype(np.int64)
    # fill every covered column with its segment's colour (segments are disjoint and sorted)
    idx = np.repeat(np.arange(len(seg)), lengths)
    cols = _ranges(seg.px0, seg.px1)
    seg_fills = fills[seg.cats]
    weights = density_weights(seg)
    if weights is not None:
        seg_fills = _scaled(seg_fills, weights)
    row[cols] = seg_fills[idx]
    wide = lengths >= 4
    row[seg.px0[wide]] = edges[seg.cats[wide]]
    canvas[band.top:band.bottom, cols] = row[cols]
    if seg.outlined.any():
        o_cols = cols[seg.outlined[idx]]
        canvas[band.top, o_cols] = palette.outline
        canvas[band.bottom - 1, o_cols] = palette.outline
        if height > 2:
            canvas[band.top + 1, o_cols] = palette.outline
            canvas[band.bottom - 2, o_cols] = palette.outline
        out = seg.outlined
        canvas[band.top:band.bottom, seg.px0[out]] = palette.outline
        canvas[band.top:band.bottom, seg.px1[out] - 1] = palette.outline
    return len(seg)


def rasterize_markers(canvas: np.ndarray, band: Band, columns: np.ndarray, colour: int) -> int:
    """Deadline marks at the given pixel columns (each column once): a small cap at the band's top over a dashed
    line, so they read as a mark in time, never as a span or a failure. Returns the number of marks drawn."""
    width = canvas.shape[1]
    cols = np.unique(columns[(columns >= 0) & (columns < width)])
    if cols.size == 0 or band.bottom <= band.top:
        return 0
    rows = np.arange(band.top, band.bottom)
    dashed = rows[(rows - band.top) % 4 < 3]  # 3 on, 1 off
    canvas[dashed[:, None], cols[None, :]] = colour
    for depth, half in enumerate((2, 1)):  # the cap: 5 px wide on the top row, 3 px below it
        y = band.top + depth
        if y >= band.bottom:
            break
        for dx in range(-half, half + 1):
            shifted = cols + dx
            canvas[y, shifted[(shifted >= 0) & (shifted < width)]] = colour
    return int(cols.size)


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenated arange(start, stop) for many disjoint ranges, vectorised."""
    lengths = (stops - starts).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(starts.astype(np.int64) - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.arange(total, dtype=np.int64) + offsets
