"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

__all__ = ["finish", "percentile", "write_json"]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by linear interpolation (q in 0..100)."""
    if not values:
        raise ValueError("no samples")
    s = sorted(values)
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def write_json(path: str | os.PathLike[str], report: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


def finish(report: dict[str, Any], out: str | os.PathLike[str] | None) -> int:
    """Print a report's checks, write it to `out` (when given); the exit code: 0 when every check is ok."""
    for c in report["checks"]:
        print(f"check {c['name']}: {c['value']} (limit {c['limit']}) {'ok' if c['ok'] else 'FAILS'}")
    if out:
        write_json(out, report)
    return 0 if all(c["ok"] for c in report["checks"]) else 1
