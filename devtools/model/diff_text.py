"""A trace comparison as a reader scans it in a terminal: one aligned row per module and action, then where each
trace started degrading."""

from __future__ import annotations

from typing import TextIO

from .query_output import aligned_lines
from .trace_diff import TraceDiff, describe_degradation
from .trace_profile import Durations, TraceProfile

__all__ = ["COLUMNS", "stat_cells", "write_diff_text"]

COLUMNS = ["kind", "module", "name", "A n", "A p50", "A p95", "A max", "B n", "B p50", "B p95", "B max", "change"]
_RIGHT = [False, False, False, *([True] * 8), False]


def stat_cells(d: Durations | None) -> list[str]:
    """count, p50, p95, max as table cells (ms to three places; "-" for a side without the group)."""
    if d is None:
        return ["-"] * 4
    return [str(d.count), f"{d.p50:.3f}", f"{d.p95:.3f}", f"{d.max:.3f}"]


def _side(label: str, p: TraceProfile) -> str:
    return (f"{label}: {p.path}  ({len(p.transactions)} transactions, {len(p.ticks)} ticks, "
            f"span {p.span_ms:.1f} ms)")


def write_diff_text(diff: TraceDiff, out: TextIO) -> None:
    out.write(_side("A", diff.a) + "\n" + _side("B", diff.b) + "\n")
    out.write("durations in ms; change: B's median over A's\n\n")
    rows = [[r.kind, r.module, r.name, *stat_cells(r.a), *stat_cells(r.b), r.marker] for r in diff.rows]
    for line in aligned_lines(COLUMNS, rows, _RIGHT):
        out.write(line + "\n")
    out.write("\nstarted degrading:\n")
    out.write(f"  A: {describe_degradation(diff.a.degradation)}\n")
    out.write(f"  B: {describe_degradation(diff.b.degradation)}\n")
    c = diff.crossing
    if c is None:
        out.write(f"  B's rolling transaction duration ({diff.window} transactions) never exceeds A's\n")
    else:
        out.write(f"  B's rolling transaction duration ({diff.window} transactions) first exceeds A's at transaction "
                  f"{c.index + 1} ({c.label}, +{c.offset_ms:.3f} ms): {c.b_ms:.3f} ms against {c.a_ms:.3f} ms\n")
