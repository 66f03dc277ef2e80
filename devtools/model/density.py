"""Transactions per time bucket for the overview strip, each bucket rated ok, warn or danger.

The bucket width adapts to the extent: the smallest of 0.1 ms, 0.25 ms, ... 25 ms, 50 ms, 100 ms, 250 ms, 500 ms,
1 s, 2.5 s, 5 s, 10 s that needs at most `max_buckets` buckets (beyond 10 s per bucket the extent is simply
divided), so a 5 ms trace gets bars, not one block. A bucket's level
comes from its rate: `txnPerSecond` at or above 50 is warn, at or above 150 danger (by default).

>>> d = density(np.array([0.0, 10.0, 20.0, 1000.0]), 0.0, 2000.0, max_buckets=100)
>>> d.width_ms, int(d.counts.sum()), d.levels[:2].tolist()
(25.0, 4, [1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Density", "density", "TXN_PER_SECOND_WARN", "TXN_PER_SECOND_DANGER", "NICE_WIDTHS_MS", "LEVELS"]

TXN_PER_SECOND_WARN = 50.0
TXN_PER_SECOND_DANGER = 150.0
NICE_WIDTHS_MS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0)
LEVELS = ("ok", "warn", "danger")


@dataclass(frozen=True, slots=True)
class Density:
    """Bucketed transaction counts over [t0_ms, t0_ms + width_ms * len(counts))."""

    t0_ms: float
    width_ms: float
    counts: np.ndarray
    """int64 transactions per bucket."""
    levels: np.ndarray
    """int8 per bucket: 0 ok, 1 warn, 2 danger."""

    def bucket_span(self, i: int) -> tuple[float, float]:
        """Epoch ms [start, end) of bucket i."""
        return self.t0_ms + i * self.width_ms, self.t0_ms + (i + 1) * self.width_ms

    def rate(self, i: int) -> float:
        """Transactions per second in bucket i."""
        return float(self.counts[i]) * 1000.0 / self.width_ms


def density(ts_ms: np.ndarray, t0_ms: float, t1_ms: float, *, max_buckets: int = 120,
            warn: float = TXN_PER_SECOND_WARN, danger: float = TXN_PER_SECOND_DANGER) -> Density:
    """Bucket the transaction times `ts_ms` (epoch ms) over [t0_ms, t1_ms]."""
    if max_buckets < 1:
        raise ValueError(f"max_buckets must be at least 1, got {max_buckets}")
    if not danger >= warn > 0:
        raise ValueError(f"thresholds need 0 < warn <= danger, got warn={warn}, danger={danger}")
    extent = max(t1_ms - t0_ms, 1e-9)
    width = next((w for w in NICE_WIDTHS_MS if extent / w <= max_buckets), extent / max_buckets)
    n = max(1, int(np.ceil(extent / width)))
    inside = ts_ms[(ts_ms >= t0_ms) & (ts_ms <= t1_ms)]
    # the newest transaction sits on t1 itself: it belongs to the last bucket, not past it
    idx = np.minimum(np.floor((inside - t0_ms) / width).astype(np.int64), n - 1)
    counts = np.bincount(idx, minlength=n).astype(np.int64)
    rate = counts * (1000.0 / width)
    levels = np.where(rate >= danger, 2, np.where(rate >= warn, 1, 0)).astype(np.int8)
    return Density(t0_ms, width, counts, levels)
