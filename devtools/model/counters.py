"""Counter tracks under the timeline's lanes: events/s, pending runs, pending operations and the tick backlog.

Each is a series sampled at `bins` points over the visible range, computed from what the devtools already hold:
- `events/s`: event rows per bin over the bin's width, counted on the store's time column by binary search (rows
  arrive in time order), so a million rows cost a few hundred searches, not a pass over them;
- `pending runs`: action runs triggered and not settled at each sample (from the TimelineModel's run index);
- `pending operations`: backend operations submitted and not yet terminal (its operation index);
- `tick backlog`: what the scheduler reported still waiting at each settled tick (pending external inputs plus
  deferred work, `meta.backlog`), held until the next tick reports; the rows are decoded once, as they arrive.
Pure Python + numpy, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import EventStore

from .runs import TERMINAL_STAGES, meta_of
from .timeline_model import TimelineModel

__all__ = ["CounterSeries", "CounterTracks", "COUNTER_NAMES"]

COUNTER_NAMES = ("events/s", "pending runs", "pending operations", "tick backlog")


@dataclass(frozen=True, slots=True)
class CounterSeries:
    name: str
    xs: np.ndarray
    """Sample times (seconds since the first event)."""
    ys: np.ndarray
    """Values; NaN after the newest time shown (the replay cursor)."""

    @property
    def peak(self) -> float:
        finite = self.ys[np.isfinite(self.ys)]
        return float(finite.max()) if finite.size else 0.0


class CounterTracks:
    """The counters of one event store and its TimelineModel; `sync` reads new tick rows, `series` samples."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.rows_seen = 0
        self._backlog_ms: list[float] = []
        self._backlog: list[float] = []
        self._steps: tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None

    def sync(self, store: EventStore) -> None:
        """Read the tick backlogs of the rows added since the last call."""
        n = len(store)
        if n < self.rows_seen:  # the store was replaced
            self._reset()
        code = store.labels.codes.get("trace:tick")
        if code is not None and n > self.rows_seen:
            labels = np.frombuffer(store.label, np.uint32)[self.rows_seen:n]
            for r in (np.flatnonzero(labels == code) + self.rows_seen).tolist():
                meta = meta_of(store.payload(r))
                backlog = meta.get("backlog")
                if meta.get("phase") == "start" or not isinstance(backlog, dict):
                    continue
                self._backlog_ms.append(float(store.ts[r]))
                self._backlog.append(float(sum(v for v in backlog.values() if isinstance(v, (int, float)))))
        self.rows_seen = n

    def release(self, n: int) -> None:
        """The store let its oldest `n` rows go (the samples are times, they stay)."""
        self.rows_seen = max(0, self.rows_seen - n)

    def series(self, store: EventStore, model: TimelineModel, x0: float, x1: float, bins: int,
               visible_rows: int) -> list[CounterSeries]:
        """Every counter sampled at `bins` points over [x0, x1), up to the newest of the first `visible_rows`."""
        if bins <= 0 or not x1 > x0:
            raise ValueError(f"need bins > 0 and x1 > x0, got bins={bins}, range=({x0}, {x1})")
        origin = model.origin_ms if model.origin_ms is not None else 0.0
        edges_ms = origin + np.linspace(x0, x1, bins + 1) * 1000.0
        centres_ms = (edges_ms[:-1] + edges_ms[1:]) / 2
        xs = (centres_ms - origin) / 1000.0
        visible = min(visible_rows, len(store))
        ts = np.frombuffer(store.ts, np.float64)[:visible]
        limit_ms = float(ts[-1]) if visible else -np.inf
        beyond = edges_ms[:-1] > limit_ms
        counts = np.diff(np.searchsorted(ts, edges_ms, side="left")).astype(np.float64)
        rate = counts / ((x1 - x0) / bins)
        run_start, run_end, op_start, op_end = self._pending_steps(model)
        runs = _open_at(run_start, run_end, centres_ms)
        ops = _open_at(op_start, op_end, centres_ms)
        backlog = np.zeros(bins)
        if self._backlog_ms:
            at = np.searchsorted(np.asarray(self._backlog_ms), centres_ms, side="right") - 1
            backlog = np.where(at >= 0, np.asarray(self._backlog)[np.maximum(at, 0)], 0.0)
        out = []
        for name, ys in zip(COUNTER_NAMES, (rate, runs, ops, backlog), strict=True):
            ys = ys.astype(np.float64)
            ys[beyond] = np.nan
            out.append(CounterSeries(name, xs, ys))
        return out

    def _pending_steps(self, model: TimelineModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sorted start and end times (epoch ms, +inf while open) of the runs and operations, cached per model
        version."""
        if self._steps is not None and self._steps[0] == model.version:
            return self._steps[1]
        runs = list(model.runs.runs.values())
        run_start = np.sort(np.asarray([r.started_ms for r in runs], np.float64))
        run_end = np.sort(np.asarray([np.inf if r.settled_ms is None else r.settled_ms for r in runs], np.float64))
        ops = list(model.operations.ops.values())
        op_start = np.sort(np.asarray([o.submitted_ms for o in ops], np.float64))
        op_end = np.sort(np.asarray([next((f.at_ms for f in o.facts if f.stage in TERMINAL_STAGES), np.inf)
                                     for o in ops], np.float64))
        steps = (run_start, run_end, op_start, op_end)
        self._steps = (model.version, steps)
        return steps


def _open_at(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) hold each time in `at` (both inputs sorted)."""
    opened = np.searchsorted(starts, at, side="right")
    closed = np.searchsorted(ends, at, side="right")
    result: np.ndarray = (opened - closed).astype(np.float64)
    return result
