"""Projection of arbitrary Python values to bounded JSON values for export.

The size budget (docs/rules/diagnostics.md): depth 6, 32 keys per object, 32 items per array, 256 characters per
string, 4 KB per value. Anything cut or converted marks the result with a downgrade reason:
`non_serializable` (a value JSON cannot hold: a set becomes a sorted list tagged `{"$set": [...]}`, an object its
repr) or `oversized` (something was cut to fit). Cut containers say how much was left out, so a reader sees that
a value was cut, not a smaller value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["SizeBudget", "DEFAULT_BUDGET", "project", "Projection"]


@dataclass(frozen=True, slots=True)
class SizeBudget:
    max_depth: int = 6
    max_keys: int = 32
    max_items: int = 32
    max_string: int = 256
    max_bytes: int = 4096


DEFAULT_BUDGET = SizeBudget()
_TRUNC_KEY = "$truncated"


@dataclass(slots=True)
class Projection:
    value: Any
    downgrade: str | None = None
    """None, `non_serializable` or `oversized` (the stronger one wins when both happened)."""

    def mark(self, reason: str) -> None:
        if self.downgrade != "non_serializable":
            self.downgrade = reason if self.downgrade is None or reason == "non_serializable" else self.downgrade


def project(value: Any, budget: SizeBudget = DEFAULT_BUDGET) -> Projection:
    """Project `value` within `budget`; tighter passes are tried until the JSON fits in max_bytes."""
    out = Projection(None)
    b = budget
    for _ in range(6):
        out.value = _project(value, b, 0, out)
        size = len(orjson.dumps(out.value))
        if size <= budget.max_bytes:
            return out
        out.mark("oversized")
        b = SizeBudget(b.max_depth - 1 if b.max_depth > 2 else 2, max(2, b.max_keys // 2), max(2, b.max_items // 2),
                   max(16, b.max_string // 2), b.max_bytes)
    out.mark("oversized")
    out.value = {_TRUNC_KEY: "value over the byte budget", "bytes": size}
    return out


def _project(v: Any, b: SizeBudget, depth: int, out: Projection) -> Any:
    if v is None or v is True or v is False:
        return v
    t = type(v)
    if t is str:
        if len(v) > b.max_string:
            out.mark("oversized")
            return v[: b.max_string] + "…"
        return v
    if t is int or t is float:
        return _project_number(v, out)
    if isinstance(v, dict):
        return _project_dict(v, b, depth, out)
    if isinstance(v, (list, tuple, set, frozenset)):
        return _project_items(v, b, depth, out)
    return _project_other(v, b, depth, out)


def _project_number(v: int | float, out: Projection) -> Any:
    if type(v) is int:
        if -(2**63) <= v < 2**64:
            return v
        out.mark("non_serializable")
        return str(v)
    if math.isfinite(v):
        return v
    out.mark("non_serializable")
    return repr(v)


def _project_dict(v: dict[Any, Any], b: SizeBudget, depth: int, out: Projection) -> Any:
    if depth >= b.max_depth:
        out.mark("oversized")
        return {_TRUNC_KEY: f"object of {len(v)} keys below depth {b.max_depth}"}
    res: dict[str, Any] = {}
    for i, (k, item) in enumerate(v.items()):
        if i >= b.max_keys:
            out.mark("oversized")
            res[_TRUNC_KEY] = f"{len(v) - b.max_keys} more keys"
            break
        if not isinstance(k, str):
            out.mark("non_serializable")
            k = str(k)
        res[k[: b.max_string]] = _project(item, b, depth + 1, out)
    return res


def _project_items(v: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any], b: SizeBudget, depth: int,
                   out: Projection) -> Any:
    items: Any = v
    tag = None
    if isinstance(v, (set, frozenset)):
        out.mark("non_serializable")
        tag = "$set"
        try:
            items = sorted(v)
        except TypeError:
            items = sorted(v, key=repr)
    elif isinstance(v, tuple):
        tag = "$tuple"
    if depth >= b.max_depth:
        out.mark("oversized")
        return {_TRUNC_KEY: f"array of {len(v)} items below depth {b.max_depth}"}
    res_list = [_project(item, b, depth + 1, out) for item in list(items)[: b.max_items]]
    if len(v) > b.max_items:
        out.mark("oversized")
        res_list.append({_TRUNC_KEY: f"{len(v) - b.max_items} more items"})
    return {tag: res_list} if tag else res_list


def _project_other(v: Any, b: SizeBudget, depth: int, out: Projection) -> Any:
    if isinstance(v, int):  # subclasses such as IntEnum
        return _project(int(v), b, depth, out)
    if isinstance(v, float):
        return _project(float(v), b, depth, out)
    if isinstance(v, str):
        return _project(str(v), b, depth, out)
    out.mark("non_serializable")
    text = repr(v)
    return text[: b.max_string] + ("…" if len(text) > b.max_string else "")
