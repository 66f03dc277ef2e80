"""A query result (pyarrow record batches) as text: aligned columns, CSV or JSON Lines.

CSV and JSON Lines are written batch by batch, so a large result streams out; aligned text needs every row's width
first and holds the result (it is meant for a terminal).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

__all__ = ["aligned_lines", "cell_text", "write_aligned", "write_csv", "write_json"]

_NULL = "NULL"


def cell_text(value: Any) -> str:
    """How one cell reads: NULL for a missing value, floats without noise, lists and dicts as JSON."""
    if value is None:
        return _NULL
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, (list, dict)):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def _right_aligned(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def write_aligned(batches: Iterable[Any], names: list[str], out: TextIO) -> int:
    """Columns padded to their widest cell (numbers to the right), a rule under the header, and a row count."""
    rows: list[list[Any]] = []
    for batch in batches:
        columns = [col.to_pylist() for col in batch.columns]
        rows.extend(map(list, zip(*columns, strict=True)))
    for text in aligned_lines(names, rows):
        out.write(text + "\n")
    out.write(f"({len(rows)} row{'' if len(rows) == 1 else 's'})\n")
    return len(rows)


def aligned_lines(names: list[str], rows: list[list[Any]], right: list[bool] | None = None) -> list[str]:
    """The header, a rule and one line per row, each column as wide as its widest cell; numbers to the right (or
    the columns `right` names)."""
    texts = [[cell_text(v) for v in row] for row in rows]
    widths = [max([len(name)] + [len(t[i]) for t in texts]) for i, name in enumerate(names)]
    if right is None:
        right = [bool(rows) and all(_right_aligned(r[i]) or r[i] is None for r in rows) for i in range(len(names))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True))

    return [line(names).rstrip(), "  ".join("-" * w for w in widths), *(line(t).rstrip() for t in texts)]


def write_csv(batches: Iterable[Any], names: list[str], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    n = 0
    for batch in batches:
        columns = [col.to_pylist() for col in batch.columns]
        for row in zip(*columns, strict=True):
            writer.writerow(["" if v is None else cell_text(v) for v in row])
            n += 1
    return n


def write_json(batches: Iterable[Any], names: list[str], out: TextIO) -> int:
    """One JSON object per row (JSON Lines)."""
    n = 0
    for batch in batches:
        for record in batch.to_pylist():
            out.write(orjson.dumps(record, default=str).decode() + "\n")
            n += 1
    return n
