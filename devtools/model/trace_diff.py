"""Two traces compared: what got slower, what got faster, and which started degrading first.

    diff = diff_profiles(profile_trace("a.jsonl"), profile_trace("b.jsonl"))
    diff.rows[0]          # the biggest slowdown: Change(kind, module, name, a, b, ratio, verdict)
    diff.crossing         # the first transaction where B's rolling duration exceeds A's

Rows pair the groups of both traces (per kind, module and name: transactions per action, converge decisions per
executed mode, ticks per how they started, runs per action). The change is the ratio of the medians, B over A; a row
is "slower" or "faster" when that ratio passes SLOWER_RATIO (or its inverse) and the medians differ by at least
NOISE_MS (a few microseconds either way is the machine, not the code). Slowdowns come first, the biggest on top;
then what is the same, the speed-ups (the biggest last), and groups only one trace has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from .trace_profile import KINDS, Degradation, Durations, TraceProfile

__all__ = ["Change", "Crossing", "NOISE_MS", "ROLLING_WINDOW", "SLOWER_RATIO", "TraceDiff", "Verdict",
           "diff_profiles", "rolling_crossing"]

SLOWER_RATIO = 1.2
NOISE_MS = 0.05
ROLLING_WINDOW = 10
"""Transactions per rolling mean (fewer when a trace has fewer)."""

Verdict = Literal["slower", "faster", "same", "only in A", "only in B"]
_ORDER: dict[str, int] = {"slower": 0, "same": 1, "faster": 2, "only in B": 3, "only in A": 4}


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    module: str
    name: str
    a: Durations | None
    b: Durations | None
    ratio: float | None
    """B's median over A's (None when a side is missing; inf when A's median is 0)."""
    verdict: Verdict

    @property
    def marker(self) -> str:
        """What a reader scans for: "slower ×3.20", "faster ×0.45", "same", "only in B"."""
        if self.verdict in ("slower", "faster") and self.ratio is not None:
            return f"{self.verdict} ×{self.ratio:.2f}" if math.isfinite(self.ratio) else f"{self.verdict} (from 0)"
        return self.verdict

    def to_json(self) -> dict[str, Any]:
        ratio = self.ratio if self.ratio is None or math.isfinite(self.ratio) else None
        return {"kind": self.kind, "module": self.module, "name": self.name, "verdict": self.verdict,
                "ratio": ratio, "a": None if self.a is None else self.a.to_json(),
                "b": None if self.b is None else self.b.to_json()}


@dataclass(frozen=True, slots=True)
class Crossing:
    """The first point where B's rolling mean transaction duration exceeds A's (by the same rule as "slower")."""

    index: int
    """The transaction's position (0-based) in both traces' recording order."""
    label: str
    """B's transaction there: its action and id."""
    offset_ms: float
    """Its offset from B's first event."""
    a_ms: float
    b_ms: float

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "label": self.label, "offsetMs": self.offset_ms, "aRollingMs": self.a_ms,
                "bRollingMs": self.b_ms}


@dataclass(frozen=True, slots=True)
class TraceDiff:
    a: TraceProfile
    b: TraceProfile
    rows: tuple[Change, ...]
    crossing: Crossing | None
    window: int
    """The rolling window the crossing was looked for with."""

    def slower(self) -> list[Change]:
        return [r for r in self.rows if r.verdict == "slower"]

    def to_json(self) -> dict[str, Any]:
        def side(p: TraceProfile) -> dict[str, Any]:
            return {"path": p.path, "spanMs": p.span_ms, "transactions": len(p.transactions),
                    "ticks": len(p.ticks), **p.degradation.to_json()}

        return {"a": side(self.a), "b": side(self.b), "rows": [r.to_json() for r in self.rows],
                "rollingWindow": self.window,
                "firstRollingExcess": None if self.crossing is None else self.crossing.to_json()}


def _verdict(a: Durations | None, b: Durations | None) -> tuple[float | None, Verdict]:
    if a is None:
        return None, "only in B"
    if b is None:
        return None, "only in A"
    ratio = b.p50 / a.p50 if a.p50 > 0 else (math.inf if b.p50 > 0 else 1.0)
    if abs(b.p50 - a.p50) < NOISE_MS:
        return ratio, "same"
    if ratio >= SLOWER_RATIO:
        return ratio, "slower"
    if ratio <= 1 / SLOWER_RATIO:
        return ratio, "faster"
    return ratio, "same"


def _sort_key(row: Change) -> tuple[int, float, int, str, str]:
    ratio = row.ratio if row.ratio is not None else 1.0
    # by falling ratio: the biggest slowdown first, the biggest speed-up last
    change = -ratio if row.verdict in ("slower", "faster") else 0.0
    return _ORDER[row.verdict], change, KINDS.index(row.kind), row.module, row.name


def rolling_crossing(a: list[float], b: list[float], window: int = ROLLING_WINDOW) -> tuple[int, float, float] | None:
    """(index, A's mean, B's mean) at the first index where B's rolling mean exceeds A's by SLOWER_RATIO and
    NOISE_MS; None when it never does over the shorter list. The mean at an index is over the `window` values
    ending there (fewer at the start, so a trace slow from its first transaction is caught there)."""
    n = min(len(a), len(b))
    w = max(1, window)
    sum_a = sum_b = 0.0
    for i in range(n):
        sum_a += a[i]
        sum_b += b[i]
        if i >= w:
            sum_a -= a[i - w]
            sum_b -= b[i - w]
        k = min(i + 1, w)
        mean_a, mean_b = sum_a / k, sum_b / k
        if mean_b >= mean_a * SLOWER_RATIO and mean_b - mean_a >= NOISE_MS:
            return i, mean_a, mean_b
    return None


def diff_profiles(a: TraceProfile, b: TraceProfile, *, window: int = ROLLING_WINDOW) -> TraceDiff:
    rows = []
    for key in sorted(set(a.groups) | set(b.groups), key=lambda k: (KINDS.index(k[0]), k[1], k[2])):
        da, db = a.groups.get(key), b.groups.get(key)
        ratio, verdict = _verdict(da, db)
        rows.append(Change(*key, da, db, ratio, verdict))
    rows.sort(key=_sort_key)
    w = max(1, min(window, len(a.transactions), len(b.transactions)))
    found = rolling_crossing([p.duration_ms for p in a.transactions], [p.duration_ms for p in b.transactions], w)
    crossing = None
    if found is not None:
        i, mean_a, mean_b = found
        crossing = Crossing(i, b.transactions[i].label, b.transactions[i].offset_ms, mean_a, mean_b)
    return TraceDiff(a, b, tuple(rows), crossing, w)


def describe_degradation(d: Degradation) -> str:
    """One line: where a trace's first degraded tick and first budget cut are."""
    tick = "none" if d.tick_seq is None else f"tick {d.tick_seq} at +{d.tick_offset_ms or 0.0:.3f} ms ({d.tick_reason})"
    cut = "none" if d.cut_txn_id is None else f"{d.cut_txn_id} at +{d.cut_offset_ms or 0.0:.3f} ms ({d.cut_reason})"
    return f"first degraded tick: {tick}; first budget cut: {cut}"
