"""Aggregates of a timeline area selection: per kind of span, how many lie in it and their duration p50 / p95.

An area is a time range over some lanes; a span lies in it when it overlaps the range (a transaction cut by the
area's edge counts, as Perfetto counts the slices an area touches). Durations are of spans that ended; a run still
pending counts but has no duration yet. Pure numpy over the lanes' span arrays, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .timeline_model import Lane

__all__ = ["KindStats", "area_stats", "KIND_NAMES"]

KIND_NAMES = {"ticks": "ticks", "txn": "transactions", "runs": "action runs", "ops": "operation stages",
              "e2e": "e2e segments"}
"""How each lane kind's spans are named in the aggregates."""


@dataclass(frozen=True, slots=True)
class KindStats:
    kind: str
    """A name of KIND_NAMES."""
    count: int
    p50_ms: float | None
    p95_ms: float | None
    """None when no span of this kind in the area has ended."""


def area_stats(lanes: Sequence[Lane], x0: float, x1: float) -> list[KindStats]:
    """The aggregates of the spans of `lanes` overlapping [x0, x1] (seconds), one entry per kind present, in the
    order of KIND_NAMES."""
    lo, hi = min(x0, x1), max(x0, x1)
    counts: dict[str, int] = {}
    durations: dict[str, list[np.ndarray]] = {}
    for lane in lanes:
        for sub in lane.subrows:
            arrays = sub.arrays()
            if not arrays.size:
                continue
            # starts are sorted: only spans starting by `hi` can overlap, and of those the ones ending at `lo` or later
            upto = int(np.searchsorted(arrays.starts, hi, side="right"))
            inside = arrays.ends[:upto] >= lo
            n = int(np.count_nonzero(inside))
            if not n:
                continue
            counts[lane.kind] = counts.get(lane.kind, 0) + n
            spans = (arrays.ends[:upto][inside] - arrays.starts[:upto][inside]) * 1000.0
            durations.setdefault(lane.kind, []).append(spans[np.isfinite(spans)])
    out = []
    for kind, name in KIND_NAMES.items():
        if kind not in counts:
            continue
        done = np.concatenate(durations[kind])
        p50, p95 = (float(np.percentile(done, 50)), float(np.percentile(done, 95))) if done.size else (None, None)
        out.append(KindStats(name, counts[kind], p50, p95))
    return out
