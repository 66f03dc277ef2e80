"""Projection of arbitrary Python values to bounded JSON values for export.

The size budget (docs/rules/diagnostics.md): depth 6, 32 keys per object, 32 items per array, 256 characters per
string (a cut string ends with `…` and is at most max_string long, the mark included), 4 KB per value.
Anything cut or converted marks the result with a downgrade reason:
`non_serializable` (a value JSON cannot hold: a set becomes a sorted list tagged `{"$set": [...]}`, an object its
repr) or `oversized` (something was cut to fit). Cut containers say how much was left out, so a reader sees that
a value was cut, not a smaller value. A container met again inside itself (a cycle) becomes `"$cycle"` and marks
the result `non_serializable`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from runtime.base.state_root import STATE_MAPPINGS, SharedRoot

__all__ = ["SizeBudget", "DEFAULT_BUDGET", "project", "project_value", "Projection", "cut_text"]


@dataclass(frozen=True, slots=True)
class SizeBudget:
    max_depth: int = 6
    max_keys: int = 32
    max_items: int = 32
    max_string: int = 256
    max_bytes: int = 4096


DEFAULT_BUDGET = SizeBudget()
_TRUNC_KEY = "$truncated"
_CYCLE = "$cycle"
_MARK = "…"
_I64 = -(2**63)
_U64 = 2**64


def cut_text(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, the cut mark included."""
    return text if len(text) <= limit else text[: max(0, limit - len(_MARK))] + _MARK


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
    plain = _plain_scalar(value, budget)
    if plain is not _NOT_PLAIN:
        return Projection(plain)
    out = Projection(None)
    b = budget
    top_dict = type(value) is dict or type(value) is SharedRoot  # the usual meta or state: straight to its items
    for _ in range(6):
        out.value = _project_dict(value, b, 0, out, {id(value)}) if top_dict else _project(value, b, 0, out, set())
        size = len(orjson.dumps(out.value))
        if size <= budget.max_bytes:
            return out
        out.mark("oversized")
        b = SizeBudget(b.max_depth - 1 if b.max_depth > 2 else 2, max(2, b.max_keys // 2), max(2, b.max_items // 2),
                   max(16, b.max_string // 2), b.max_bytes)
    out.mark("oversized")
    out.value = {_TRUNC_KEY: "value over the byte budget", "bytes": size}
    return out


def project_value(value: Any, budget: SizeBudget = DEFAULT_BUDGET) -> tuple[Any, str | None]:
    """`project` as (value, downgrade): no Projection is made for a scalar that projects to itself."""
    plain = _plain_scalar(value, budget)
    if plain is not _NOT_PLAIN:
        return plain, None
    out = project(value, budget)
    return out.value, out.downgrade


_NOT_PLAIN = object()
_MAX_SCALAR_JSON = 32
"""Bytes an exported int, float, true, false or null takes at most (a float's repr is at most 24 characters)."""


def _plain_scalar(v: Any, b: SizeBudget) -> Any:
    """`v` itself when it is a scalar that projects to itself and whose JSON surely fits the byte budget (so the
    size check can be skipped: most patch values are such scalars), else _NOT_PLAIN."""
    t = type(v)
    if t is str:
        # an ASCII character takes at most 6 bytes of JSON (an escape such as \u0001), plus the quotes; other text
        # (a lone surrogate, which orjson refuses, say) takes the checked path
        return v if v.isascii() and len(v) <= b.max_string and 6 * len(v) + 2 <= b.max_bytes else _NOT_PLAIN
    if b.max_bytes < _MAX_SCALAR_JSON:
        return _NOT_PLAIN
    if t is int:
        return v if -(2**63) <= v < 2**64 else _NOT_PLAIN
    if t is float:
        return v if math.isfinite(v) else _NOT_PLAIN
    return v if v is None or t is bool else _NOT_PLAIN


def _project(v: Any, b: SizeBudget, depth: int, out: Projection, path: set[int]) -> Any:
    """`path` holds the ids of the containers being projected above `v` (to meet a cycle once, not 6 deep)."""
    if v is None or v is True or v is False:
        return v
    t = type(v)
    if t is str:
        if len(v) > b.max_string:
            out.mark("oversized")
            return cut_text(v, b.max_string)
        return v
    if t is int or t is float:
        return _project_number(v, out)
    if isinstance(v, (*STATE_MAPPINGS, list, tuple, set, frozenset)):
        if id(v) in path:
            out.mark("non_serializable")
            return _CYCLE
        path.add(id(v))
        try:
            if isinstance(v, STATE_MAPPINGS):
                return _project_dict(v, b, depth, out, path)
            return _project_items(v, b, depth, out, path)
        finally:
            path.discard(id(v))
    return _project_other(v, b, depth, out, path)


def _project_number(v: int | float, out: Projection) -> Any:
    if type(v) is int:
        if _I64 <= v < _U64:
            return v
        out.mark("non_serializable")
        return str(v)
    if math.isfinite(v):
        return v
    out.mark("non_serializable")
    return repr(v)


def _project_dict(v: dict[Any, Any] | SharedRoot, b: SizeBudget, depth: int, out: Projection, path: set[int]) -> Any:
    if depth >= b.max_depth:
        out.mark("oversized")
        return {_TRUNC_KEY: f"object of {len(v)} keys below depth {b.max_depth}"}
    res: dict[str, Any] = {}
    max_string = b.max_string
    max_keys = b.max_keys
    isfinite = math.isfinite
    for i, (k, item) in enumerate(v.items()):
        if i >= max_keys:
            out.mark("oversized")
            res[_TRUNC_KEY] = f"{len(v) - max_keys} more keys"
            break
        if type(k) is not str:
            if not isinstance(k, str):
                out.mark("non_serializable")
            k = str(k)
        if len(k) > max_string:
            k = k[:max_string]
        # the scalars that project to themselves, inline: a call per value is most of what a flat state costs
        t = type(item)
        if t is int:
            res[k] = item if _I64 <= item < _U64 else _project_number(item, out)
        elif t is str:
            res[k] = item if len(item) <= max_string else _project(item, b, depth + 1, out, path)
        elif t is float:
            res[k] = item if isfinite(item) else _project_number(item, out)
        elif item is None or t is bool:
            res[k] = item
        else:
            res[k] = _project(item, b, depth + 1, out, path)
    return res


def _project_items(v: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any], b: SizeBudget, depth: int,
                   out: Projection, path: set[int]) -> Any:
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
    res_list = [item if (type(item) is str and len(item) <= b.max_string) or item is None or type(item) is bool
                else _project(item, b, depth + 1, out, path) for item in list(items)[: b.max_items]]
    if len(v) > b.max_items:
        out.mark("oversized")
        res_list.append({_TRUNC_KEY: f"{len(v) - b.max_items} more items"})
    return {tag: res_list} if tag else res_list


def _project_other(v: Any, b: SizeBudget, depth: int, out: Projection, path: set[int]) -> Any:
    if isinstance(v, int):  # subclasses such as IntEnum
        return _project(int(v), b, depth, out, path)
    if isinstance(v, float):
        return _project(float(v), b, depth, out, path)
    if isinstance(v, str):
        return _project(str(v), b, depth, out, path)
    out.mark("non_serializable")
    return cut_text(_safe_repr(v), b.max_string)


def _safe_repr(v: Any) -> str:
    """repr(v), or its type's name when repr itself raises (an export never fails on a user's object)."""
    try:
        return repr(v)
    except Exception:
        return f"<{type(v).__name__} (repr failed)>"
