"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

__all__ = ["percentile", "write_json"]


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
