"""What one trace's timing looks like, read from its SQL tables (devtools/model/trace_tables.py): the input of a
comparison of two traces (devtools/model/trace_diff.py).

    profile = profile_trace("run.jsonl", progress=lambda done, total: ...)
    profile.groups[("transaction", "shop", "add")]      # Durations(count, p50, p95, max) in ms
    profile.transactions                                # every transaction as a Point, in recording order

A transaction lasts from its first event to its last (the action event opens it, state:update commits it); a
converge decision its execution time; a tick its budget's elapsed time (else end - start); a run from start to
settle. Times of points are offsets in ms from the trace's first event, so two traces line up at 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .trace_tables import TraceTables

__all__ = ["Degradation", "Durations", "GroupKey", "KINDS", "Point", "TraceProfile", "profile_trace"]

KINDS = ("transaction", "converge", "tick", "run")
"""What a comparison row measures, in the order rows of equal change are listed."""

GroupKey = tuple[str, str, str]
"""(kind, module, name): ("transaction", "shop", "add"), ("converge", "shop", "dirty"), ("tick", "runtime", ...)."""


@dataclass(frozen=True, slots=True)
class Durations:
    """How many, and how long (ms): the median, the 95th percentile and the longest."""

    count: int
    p50: float
    p95: float
    max: float

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "p50": self.p50, "p95": self.p95, "max": self.max}


@dataclass(frozen=True, slots=True)
class Point:
    """One transaction or tick on the comparison timeline."""

    offset_ms: float
    """From the trace's first event."""
    duration_ms: float
    label: str
    """The transaction's action (or origin) and id; the tick's seq."""
    degraded: bool = False


@dataclass(frozen=True, slots=True)
class Degradation:
    """Where a trace first went wrong: its first degraded tick and its first converge budget cut (None: never)."""

    tick_seq: int | None = None
    tick_offset_ms: float | None = None
    tick_reason: str | None = None
    cut_txn_id: str | None = None
    cut_offset_ms: float | None = None
    cut_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"firstDegradedTick": None if self.tick_seq is None else
                {"tickSeq": self.tick_seq, "offsetMs": self.tick_offset_ms, "reason": self.tick_reason},
                "firstBudgetCut": None if self.cut_txn_id is None else
                {"txnId": self.cut_txn_id, "offsetMs": self.cut_offset_ms, "reason": self.cut_reason}}


@dataclass(frozen=True, slots=True)
class TraceProfile:
    path: str
    start_ts: float | None
    """The first event's timestamp (epoch ms); None for a trace without events."""
    span_ms: float
    groups: dict[GroupKey, Durations] = field(default_factory=dict)
    transactions: tuple[Point, ...] = ()
    ticks: tuple[Point, ...] = ()
    degradation: Degradation = Degradation()

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def count(self, kind: str) -> int:
        return sum(d.count for (k, _m, _n), d in self.groups.items() if k == kind)


# The file is read once (TraceTables.hold_events, keeping the meta of the events these tables read), each trace
# table computed from that into a small temporary table, and the aggregates and points from those (a scan of a
# large trace costs seconds, a query of the temporary tables milliseconds).
_META_READ = ("label IN ('state:update', 'trace:tick') OR kind IN ('trait:converge', 'field:converge') "
              "OR (kind = 'action' AND label = 'async-action')")
_MATERIALIZE: tuple[tuple[str, str], ...] = (
    ("_spans", "SELECT txn_id, min(ts) AS t0, max(ts) AS t1 FROM events GROUP BY txn_id"),  # NULL: the rest
    ("_txns", """
        SELECT t.seq, t.txn_id, t.module_id AS module,
               coalesce(t.action, t.origin_kind || ':' || t.origin_name, t.origin_kind, '?') AS name,
               s.t0, s.t1 - s.t0 AS ms
        FROM transactions t JOIN _spans s USING (txn_id)"""),
    ("_converge", "SELECT seq, ts, txn_id, module_id, executed_mode, execution_ms, outcome, reasons FROM converge"),
    ("_ticks", "SELECT * FROM ticks"),
    ("_runs", "SELECT module_id, action_id, coalesce(duration_ms, settled_ts - started_ts) AS ms FROM runs"),
    # a tick is degraded when it was not stable (its budget ran out, a cycle) or was forced onto a later loop turn
    ("_degraded", """
        SELECT tick_seq, seq, ts,
               coalesce(meta->>'$.result.degradeReason',
                        CASE WHEN meta->>'$.phase' = 'budgetExceeded' THEN 'budget' END,
                        'forced macrotask: ' || coalesce(meta->>'$.schedule.reason', '?')) AS reason
        FROM events
        WHERE label = 'trace:tick' AND tick_seq IS NOT NULL
          AND (meta->>'$.phase' = 'budgetExceeded' OR TRY_CAST(meta->>'$.result.stable' AS BOOLEAN) = false
               OR TRY_CAST(meta->>'$.schedule.forcedMacrotask' AS BOOLEAN))"""),
)

_STATS = "count(*)::BIGINT AS n, quantile_cont(ms, 0.5) AS p50, quantile_cont(ms, 0.95) AS p95, max(ms) AS mx"

_GROUPS: dict[str, str] = {
    "transaction": f"SELECT module, name, {_STATS} FROM _txns GROUP BY ALL",
    "converge": f"""SELECT coalesce(module_id, '?') AS module, coalesce(executed_mode, '?') AS name, {_STATS}
                    FROM (SELECT *, execution_ms AS ms FROM _converge) GROUP BY ALL""",
    "tick": f"""SELECT 'runtime' AS module, coalesce(started_as, '?') AS name, {_STATS}
                FROM (SELECT *, coalesce(elapsed_ms, end_ts - start_ts) AS ms FROM _ticks) GROUP BY ALL""",
    "run": f"""SELECT coalesce(module_id, '?') AS module, coalesce(action_id, '?') AS name, {_STATS}
               FROM _runs GROUP BY ALL""",
}

_TICK_POINTS = """
    SELECT t.tick_seq, coalesce(t.start_ts, t.end_ts) AS t0, coalesce(t.elapsed_ms, t.end_ts - t.start_ts, 0) AS ms,
           d.tick_seq IS NOT NULL AS degraded
    FROM _ticks t LEFT JOIN (SELECT DISTINCT tick_seq FROM _degraded) d USING (tick_seq)
    WHERE coalesce(t.start_ts, t.end_ts) IS NOT NULL ORDER BY t.tick_seq
"""

_FIRST_BUDGET_CUT = """
    SELECT txn_id, ts, CASE WHEN outcome = 'Degraded' THEN 'converge degraded' ELSE 'decision over budget' END AS reason
    FROM _converge WHERE outcome = 'Degraded' OR list_contains(reasons, 'budget_cutoff')
    ORDER BY seq LIMIT 1
"""

_STEPS = 1 + len(_MATERIALIZE) + 1
"""What profile_trace reports progress in: the file read, each table computed from it, then the aggregates."""


def _rows(tables: TraceTables, sql: str) -> list[dict[str, Any]]:
    reader = tables.query(sql)
    return [] if reader is None else reader.read_all().to_pylist()


def _ms(value: Any) -> float:
    return 0.0 if value is None else float(value)


def profile_trace(path: str | os.PathLike[str], *, progress: Callable[[int, int], None] | None = None,
                  memory_limit: str | None = None) -> TraceProfile:
    """Aggregate one trace file (or evidence package), read once; `progress(done, total)` after the read (most of the
    time of a large trace) and each step after it. Raises TraceFormatError for a file that is no trace."""
    with TraceTables(path, memory_limit=memory_limit) as tables:
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, _STEPS)

        tables.hold_events(meta_where=_META_READ)
        step()
        for name, select in _MATERIALIZE:
            tables.query(f"CREATE TEMP TABLE {name} AS {select}")
            step()
        bounds = _rows(tables, "SELECT min(t0) AS t0, max(t1) AS t1 FROM _spans")[0]
        start = bounds["t0"]
        groups: dict[GroupKey, Durations] = {}
        for kind, sql in _GROUPS.items():
            for r in _rows(tables, sql):
                groups[(kind, r["module"], r["name"])] = Durations(int(r["n"]), _ms(r["p50"]), _ms(r["p95"]),
                                                                   _ms(r["mx"]))
        base = 0.0 if start is None else float(start)
        txns = tuple(Point(float(r["t0"]) - base, _ms(r["ms"]), f"{r['name']} {r['txn_id']}")
                     for r in _rows(tables, "SELECT * FROM _txns ORDER BY seq"))
        ticks = tuple(Point(float(r["t0"]) - base, _ms(r["ms"]), f"tick {r['tick_seq']}", bool(r["degraded"]))
                      for r in _rows(tables, _TICK_POINTS))
        tick = _rows(tables, "SELECT * FROM _degraded ORDER BY seq LIMIT 1")
        cut = _rows(tables, _FIRST_BUDGET_CUT)
        step()
        degradation = Degradation(
            tick_seq=int(tick[0]["tick_seq"]) if tick else None,
            tick_offset_ms=float(tick[0]["ts"]) - base if tick else None,
            tick_reason=tick[0]["reason"] if tick else None,
            cut_txn_id=cut[0]["txn_id"] if cut else None,
            cut_offset_ms=float(cut[0]["ts"]) - base if cut else None,
            cut_reason=cut[0]["reason"] if cut else None)
    span = 0.0 if start is None else float(bounds["t1"]) - base
    return TraceProfile(os.fspath(path), None if start is None else float(start), span, groups, txns, ticks,
                        degradation)
