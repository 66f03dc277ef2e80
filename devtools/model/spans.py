"""Growable columns of time spans for one timeline (sub)lane, plus the prefix arrays the level-of-detail step reads.

A lane holds spans `[start, end]` (float64 seconds since the view's origin), a small category code (what colour),
a flag bit set (outlined = degraded, marker = draw a deadline tick), and `ref`, the caller's handle of the item
(an event row, a run index). Spans are appended in start order (`append` clamps a start that would go backwards,
which only happens with estimated starts); an open span (a pending run) has `end = +inf` until `close` sets it.

The derived arrays are rebuilt lazily when the lane changed, never inside a paint:
- `pmax_end[i]`  = max(end[0..i]) and `pmax_idx[i]` = the index holding it: which earlier span still covers a point;
- `cat_cum[c][i]` = how many of the first i spans have category c (dominant category of a pixel in O(log n));
- `flag_cum[i]`   = how many of the first i spans are outlined (any degraded span in a pixel in O(log n)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SpanLane", "SpanArrays", "FLAG_OUTLINED"]

FLAG_OUTLINED = 1
"""Drawn with an outline (a degraded transaction, a failed stage)."""

_INITIAL = 1024


@dataclass(frozen=True, slots=True)
class SpanArrays:
    """A consistent read-only view of one lane at one version (what the LOD step consumes)."""

    starts: np.ndarray
    """float64, non-decreasing."""
    ends: np.ndarray
    """float64; +inf for a span still open."""
    cats: np.ndarray
    """uint8 category codes."""
    flags: np.ndarray
    refs: np.ndarray
    """int64 handles of the items (event rows, run indices)."""
    pmax_end: np.ndarray
    pmax_idx: np.ndarray
    cat_cum: np.ndarray
    """int32 (n_categories, n + 1)."""
    flag_cum: np.ndarray
    """int32 (n + 1,)."""

    @property
    def size(self) -> int:
        return int(self.starts.shape[0])


class SpanLane:
    """Append-mostly span storage with amortised growth (live mode appends thousands of spans a second)."""

    __slots__ = ("n_categories", "_starts", "_ends", "_cats", "_flags", "_refs", "_n", "version", "_cached",
                 "_cached_version", "_open", "_pmax_end", "_pmax_idx", "_cat_cum", "_flag_cum", "_derived_n",
                 "_dirty_from")

    def __init__(self, n_categories: int) -> None:
        if not 1 <= n_categories <= 32:
            raise ValueError(f"a lane needs 1..32 categories, got {n_categories}")
        self.n_categories = n_categories
        self._starts = np.empty(_INITIAL, np.float64)
        self._ends = np.empty(_INITIAL, np.float64)
        self._cats = np.empty(_INITIAL, np.uint8)
        self._flags = np.empty(_INITIAL, np.uint8)
        self._refs = np.empty(_INITIAL, np.int64)
        self._n = 0
        self.version = 0
        self._cached: SpanArrays | None = None
        self._cached_version = -1
        self._open = 0
        self._pmax_end = np.empty(0, np.float64)
        self._pmax_idx = np.empty(0, np.int64)
        self._cat_cum = np.zeros((n_categories, 1), np.int32)
        self._flag_cum = np.zeros(1, np.int32)
        self._derived_n = 0
        self._dirty_from = 0

    def __len__(self) -> int:
        return self._n

    @property
    def open_count(self) -> int:
        """Spans still open (end = +inf)."""
        return self._open

    def last_start(self) -> float:
        return float(self._starts[self._n - 1]) if self._n else -np.inf

    def last_end(self) -> float:
        return float(self._ends[self._n - 1]) if self._n else -np.inf

    def append(self, start: float, end: float, cat: int, flags: int, ref: int) -> int:
        """Add one span; returns its index. A start before the previous start is clamped to it (order is kept)."""
        if not 0 <= cat < self.n_categories:
            raise ValueError(f"category {cat} is outside 0..{self.n_categories - 1}")
        n = self._n
        if n == self._starts.shape[0]:
            self._grow(n * 2)
        if n and start < self._starts[n - 1]:
            start = float(self._starts[n - 1])
        if end < start:
            end = start
        self._starts[n] = start
        self._ends[n] = end
        self._cats[n] = cat
        self._flags[n] = flags
        self._refs[n] = ref
        if end == np.inf:
            self._open += 1
        self._n = n + 1
        self.version += 1
        return n

    def extend(self, starts: np.ndarray, ends: np.ndarray, cats: np.ndarray, flags: np.ndarray,
               refs: np.ndarray) -> None:
        """Bulk append (loading a trace); `starts` must be sorted and not before the last span's start."""
        k = int(starts.shape[0])
        if k == 0:
            return
        if np.any(np.diff(starts) < 0) or (self._n and starts[0] < self._starts[self._n - 1]):
            raise ValueError("bulk spans must come in start order, after the spans already in the lane")
        if int(cats.max()) >= self.n_categories:
            raise ValueError(f"category {int(cats.max())} is outside 0..{self.n_categories - 1}")
        need = self._n + k
        if need > self._starts.shape[0]:
            self._grow(max(need, self._starts.shape[0] * 2))
        sl = slice(self._n, need)
        self._starts[sl] = starts
        self._ends[sl] = np.maximum(ends, starts)
        self._cats[sl] = cats
        self._flags[sl] = flags
        self._refs[sl] = refs
        self._open += int(np.count_nonzero(np.isinf(ends)))
        self._n = need
        self.version += 1

    def close(self, index: int, end: float, cat: int | None = None, flags: int | None = None) -> None:
        """Set the end (and optionally the final category and flags) of a span, e.g. a run that settled."""
        if not 0 <= index < self._n:
            raise IndexError(f"span {index} does not exist (lane has {self._n})")
        if self._ends[index] == np.inf and end != np.inf:
            self._open -= 1
        self._ends[index] = max(end, float(self._starts[index]))
        if cat is not None:
            self._cats[index] = cat
        if flags is not None:
            self._flags[index] = flags
        self._dirty_from = min(self._dirty_from, index)
        self.version += 1

    def refs(self) -> np.ndarray:
        """The refs of the spans, oldest first (a view: read it before the lane changes)."""
        return self._refs[: self._n]

    def open_mask(self) -> np.ndarray:
        """Which spans are still open (end = +inf)."""
        return np.isinf(self._ends[: self._n])

    def retain(self, keep: np.ndarray, ref_shift: int = 0) -> np.ndarray:
        """Keep the spans where `keep` is True (in order) and add `ref_shift` to their refs; returns each old
        span's new index, -1 for a span let go. The prefix arrays are rebuilt on the next `arrays()`."""
        n = self._n
        keep = np.asarray(keep[:n], np.bool_)
        new_index = np.cumsum(keep) - 1
        new_index[~keep] = -1
        k = int(np.count_nonzero(keep))
        for name in ("_starts", "_ends", "_cats", "_flags", "_refs"):
            col = getattr(self, name)
            col[:k] = col[:n][keep]
        if ref_shift:
            self._refs[:k] += ref_shift
        self._n = k
        self._open = int(np.count_nonzero(np.isinf(self._ends[:k])))
        self._derived_n = 0
        self._dirty_from = 0
        self._cached = None
        self.version += 1
        return new_index

    def _grow(self, capacity: int) -> None:
        for name in ("_starts", "_ends", "_cats", "_flags", "_refs"):
            old = getattr(self, name)
            new = np.empty(capacity, old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def arrays(self) -> SpanArrays:
        """The lane at its current version with its prefix arrays.

        The prefix arrays are extended incrementally from the first index changed since the last call, so live mode
        pays for the new spans only. The returned arrays are views: they stay valid until the lane changes again.
        """
        if self._cached is not None and self._cached_version == self.version:
            return self._cached
        n = self._n
        cap = self._starts.shape[0]
        if self._pmax_end.shape[0] < cap:
            self._grow_derived(cap)
        f = min(self._dirty_from, self._derived_n)
        if f < n:
            ends = self._ends[f:n]
            prev_end = self._pmax_end[f - 1] if f else -np.inf
            prev_idx = self._pmax_idx[f - 1] if f else 0
            seg = ends.copy()
            seg[0] = max(seg[0], prev_end)
            pmax = np.maximum.accumulate(seg)
            raised = np.empty(n - f, np.bool_)
            raised[0] = ends[0] >= prev_end
            raised[1:] = ends[1:] >= pmax[:-1]
            idx = np.where(raised, np.arange(f, n), prev_idx)
            self._pmax_end[f:n] = pmax
            self._pmax_idx[f:n] = np.maximum.accumulate(idx)
            cats = self._cats[f:n]
            for c in range(self.n_categories):
                np.cumsum(cats == c, out=self._cat_cum[c, f + 1: n + 1])
                self._cat_cum[c, f + 1: n + 1] += self._cat_cum[c, f]
            np.cumsum((self._flags[f:n] & FLAG_OUTLINED) != 0, out=self._flag_cum[f + 1: n + 1])
            self._flag_cum[f + 1: n + 1] += self._flag_cum[f]
        self._derived_n = n
        self._dirty_from = n
        self._cached = SpanArrays(self._starts[:n], self._ends[:n], self._cats[:n], self._flags[:n], self._refs[:n],
                                  self._pmax_end[:n], self._pmax_idx[:n], self._cat_cum[:, : n + 1],
                                  self._flag_cum[: n + 1])
        self._cached_version = self.version
        return self._cached

    def _grow_derived(self, capacity: int) -> None:
        m = self._derived_n
        pmax_end = np.empty(capacity, np.float64)
        pmax_end[:m] = self._pmax_end[:m]
        pmax_idx = np.empty(capacity, np.int64)
        pmax_idx[:m] = self._pmax_idx[:m]
        cat_cum = np.zeros((self.n_categories, capacity + 1), np.int32)
        cat_cum[:, : m + 1] = self._cat_cum[:, : m + 1]
        flag_cum = np.zeros(capacity + 1, np.int32)
        flag_cum[: m + 1] = self._flag_cum[: m + 1]
        self._pmax_end, self._pmax_idx, self._cat_cum, self._flag_cum = pmax_end, pmax_idx, cat_cum, flag_cum
