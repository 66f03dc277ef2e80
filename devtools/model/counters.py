"""Counter tracks under the timeline's lanes: events/s, pending runs, pending operations and the tick backlog.

Each is a series sampled at `bins` points over the visible range, computed from what the devtools already hold:
- `events/s`: event rows per bin over the bin's width, counted on the store's time column by binary search (rows
  arrive in time order), so a million rows cost a few hundred searches, not a pass over them;
- `pending runs`: action runs triggered and not settled at each sample (from the TimelineModel's run index);
- `pending operations`: backend operations submitted and not yet terminal (its operation index);
- `tick backlog`: what the scheduler reported still waiting at each settled tick (pending external inputs plus
  deferred work, `meta.backlog`), held until the next tick reports; the TimelineModel notes it while it decodes
  the tick events anyway, so nothing is decoded twice.
Pure Python + numpy, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.trace import EventStore

from .runs import TERMINAL_STAGES
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
    """The counters of one event store and its TimelineModel, sampled on demand (`series`)."""

    def __init__(self) -> None:
        self._steps: tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None
        self._backlog = (np.zeros(0), np.zeros(0))
        """The model's tick backlog samples as arrays, extended as the model's lists grow."""
        self._backlog_of: list[float] | None = None
        """The model list `_backlog` was read from (a model that started over has new lists)."""

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
        backlog = self._backlog_at(model, centres_ms, origin)
        out = []
        for name, ys in zip(COUNTER_NAMES, (rate, runs, ops, backlog), strict=True):
            ys = ys.astype(np.float64)
            ys[beyond] = np.nan
            out.append(CounterSeries(name, xs, ys))
        return out

    def _backlog_at(self, model: TimelineModel, at_ms: np.ndarray, origin: float) -> np.ndarray:
        """The backlog the last settled tick before each time reported (0 before the first)."""
        xs, values = model.tick_backlog
        have_x, have_v = self._backlog
        if xs is not self._backlog_of:  # the model started over
            have_x, have_v, self._backlog_of = np.zeros(0), np.zeros(0), xs
        if len(xs) > have_x.shape[0]:
            k = have_x.shape[0]
            have_x = np.concatenate((have_x, np.asarray(xs[k:], np.float64)))
            have_v = np.concatenate((have_v, np.asarray(values[k:], np.float64)))
        self._backlog = (have_x, have_v)
        at = np.searchsorted(have_x, (at_ms - origin) / 1000.0, side="right") - 1
        result: np.ndarray = np.where(at >= 0, have_v[np.maximum(at, 0)], 0.0) if have_x.size else \
            np.zeros(at_ms.shape[0])
        return result

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
