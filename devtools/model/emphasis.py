"""Which timeline spans hold highlighted rows, and how a band is redrawn to show it (numpy only, no Qt).

Highlighted rows come from the events table's filter or from a query ("show these rows"). A row belongs to a span
by what it names: a transaction span by its (instance, txnSeq), a run by its linkId, an operation by its
commandId, a tick by its time (a tick event inside the tick's span on the same runtime's lane). A drawn segment is
emphasised when any span starting in its columns, or the span it continues, holds a highlighted row; the other
segments of the band are dimmed, so what matches stands out and what does not stays readable as context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import EventStore

from .lod import LodSegments, pixel_edges
from .raster import Band
from .spans import SpanArrays
from .timeline_model import Lane

__all__ = ["RowMatch", "row_match", "span_mask", "segment_matches", "emphasise_band", "DIM_FACTOR",
           "EMPHASIS_COLOUR"]

DIM_FACTOR = 0.22
"""What is left of a segment that holds no highlighted row (alpha and colour, premultiplied)."""
EMPHASIS_COLOUR = 0xFFFF4081
"""The bar under a segment that holds highlighted rows (the highlight's pink, as the query marks)."""


@dataclass(frozen=True, slots=True)
class RowMatch:
    """What a set of highlighted rows names, in the forms the lanes can test in bulk."""

    rows: np.ndarray
    """int64 store rows, sorted."""
    txn_keys: np.ndarray
    """int64 sorted unique `instance code << 32 | txnSeq` of the rows inside a transaction."""
    links: frozenset[str]
    commands: frozenset[str]
    tick_ts: dict[str, np.ndarray]
    """Per runtime label, the sorted epoch-ms times of its highlighted trace:tick rows."""


def row_match(store: EventStore, rows: np.ndarray) -> RowMatch:
    """Index `rows` (store rows, any order) for `span_mask`."""
    rows = np.unique(np.asarray(rows, np.int64))
    rows = rows[(rows >= 0) & (rows < len(store))]
    inst = np.frombuffer(store.instance, np.uint32)[rows].astype(np.int64)
    txn = np.frombuffer(store.txn, np.uint32)[rows].astype(np.int64)
    keys = np.unique(((inst << 32) | txn)[txn > 0])
    link_codes = np.unique(np.frombuffer(store.link, np.int32)[rows])
    command_codes = np.unique(np.frombuffer(store.command, np.int32)[rows])
    links = frozenset(store.links.values[c] for c in link_codes.tolist() if c >= 0)
    commands = frozenset(store.commands.values[c] for c in command_codes.tolist() if c >= 0)
    tick_code = store.labels.codes.get("trace:tick")
    tick_ts: dict[str, np.ndarray] = {}
    if tick_code is not None:
        ticks = rows[np.frombuffer(store.label, np.uint32)[rows] == tick_code]
        ts = np.frombuffer(store.ts, np.float64)
        for code in np.unique(np.frombuffer(store.instance, np.uint32)[ticks]).tolist():
            own = ticks[np.frombuffer(store.instance, np.uint32)[ticks] == code]
            runtime = store.runtime_of_instance(store.instances.values[code])
            tick_ts[runtime] = np.sort(np.concatenate((tick_ts.get(runtime, np.zeros(0)), ts[own])))
    return RowMatch(rows, keys, links, commands, tick_ts)


def span_mask(lane: Lane, arrays: SpanArrays, match: RowMatch, store: EventStore, origin_ms: float) -> np.ndarray:
    """Per span of one sub-row of `lane`: does it hold a highlighted row?"""
    refs = arrays.refs
    if lane.kind == "txn":
        held = refs >= 0  # a ref below 0: the span's first event was let go
        safe = np.where(held, refs, 0)
        keys = (np.frombuffer(store.instance, np.uint32)[safe].astype(np.int64) << 32) \
            | np.frombuffer(store.txn, np.uint32)[safe].astype(np.int64)
        return held & np.isin(keys, match.txn_keys)
    if lane.kind == "ticks":
        ts = match.tick_ts.get(lane.owner)
        if ts is None or not ts.size:
            return np.zeros(arrays.size, np.bool_)
        lo = np.searchsorted(ts, origin_ms + arrays.starts * 1000.0 - 1e-6, side="left")
        hi = np.searchsorted(ts, origin_ms + arrays.ends * 1000.0 + 1e-6, side="right")
        return hi > lo
    names = match.commands if lane.kind == "ops" else match.links
    by_ref = np.fromiter((key in names for key in lane.refs), np.bool_, len(lane.refs))
    return by_ref[refs] if by_ref.size else np.zeros(arrays.size, np.bool_)


def segment_matches(seg: LodSegments, arrays: SpanArrays, mask: np.ndarray, x0: float, x1: float,
                    width: int) -> np.ndarray:
    """Per drawn segment (of `lod_segments(arrays, x0, x1, width)`): does it stand for a highlighted span?"""
    if not len(seg):
        return np.zeros(0, np.bool_)
    bounds = np.searchsorted(arrays.starts, pixel_edges(x0, x1, width), side="left")
    cum = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    starting = cum[bounds[seg.px1]] - cum[bounds[seg.px0]] > 0
    matched: np.ndarray = starting | mask[seg.items]
    return matched


def emphasise_band(canvas: np.ndarray, band: Band, seg: LodSegments, matched: np.ndarray) -> None:
    """Dim the columns of the segments not matched; underline the matched ones in EMPHASIS_COLOUR."""
    if not len(seg) or band.bottom <= band.top:
        return
    lengths = (seg.px1 - seg.px0).astype(np.int64)
    owner = np.repeat(np.arange(len(seg)), lengths)
    cols = np.repeat(seg.px0.astype(np.int64), lengths) + (
        np.arange(int(lengths.sum())) - np.repeat(np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths))
    dim = cols[~matched[owner]]
    if dim.size:
        block = canvas[band.top:band.bottom, dim]
        out = np.zeros(block.shape, np.uint32)
        for shift in (24, 16, 8, 0):
            channel = ((block >> shift) & 0xFF).astype(np.float64) * DIM_FACTOR
            out |= np.rint(channel).astype(np.uint32) << shift
        canvas[band.top:band.bottom, dim] = out
    lit = cols[matched[owner]]
    if lit.size:
        canvas[band.bottom - 1, lit] = EMPHASIS_COLOUR
        if band.bottom - band.top > 4:
            canvas[band.bottom - 2, lit] = EMPHASIS_COLOUR
