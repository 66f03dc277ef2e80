"""How a value reads in the inspector: sets, tuples and cut values shown as what they are.

Exported events carry state projected to JSON (runtime/debug/projection.py): a set becomes `{"$set": [...]}`, a
tuple `{"$tuple": [...]}`, and whatever was cut leaves a `{"$truncated": "12 more items"}` marker. Shown raw, a set
would read as a dict with a strange key, and a cut list as a shorter list. Here they become `set {1, 2}`,
`tuple (1, 2)` and `… 12 more items`. Live Python values (sets, tuples, frozensets, objects) read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ValueView", "view_of", "short_text", "TRUNCATED"]

TRUNCATED = "$truncated"
_TAGS = {"$set": "set", "$tuple": "tuple"}
_SHORT_CHARS = 80


@dataclass(frozen=True, slots=True)
class ValueView:
    """One value as the tree shows it."""

    type_name: str
    """dict | list | set | tuple | str | int | float | bool | None | cut | object."""
    text: str
    """A one-line summary."""
    children: tuple[tuple[str, Any], ...]
    """(key, value) pairs for containers; empty for scalars."""


def _untag(value: Any) -> tuple[str | None, Any]:
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key in _TAGS and isinstance(inner, list):
            return _TAGS[key], inner
    return None, value


def _is_cut_marker(value: Any) -> bool:
    return isinstance(value, dict) and TRUNCATED in value and len(value) <= 2


def view_of(value: Any) -> ValueView:
    """The display form of a (possibly projected) value."""
    tag, inner = _untag(value)
    if tag is not None:
        kids = tuple((str(i), v) for i, v in enumerate(inner))
        return ValueView(tag, short_text(value), kids)
    if _is_cut_marker(value):
        return ValueView("cut", f"… {value[TRUNCATED]}", ())
    if isinstance(value, (set, frozenset)):
        items = sorted(value, key=repr)
        return ValueView("set" if isinstance(value, set) else "frozenset", short_text(value),
                         tuple((str(i), v) for i, v in enumerate(items)))
    if isinstance(value, tuple):
        return ValueView("tuple", short_text(value), tuple((str(i), v) for i, v in enumerate(value)))
    if isinstance(value, dict):
        return ValueView("dict", short_text(value), tuple((str(k), v) for k, v in value.items()))
    if isinstance(value, list):
        return ValueView("list", short_text(value), tuple((str(i), v) for i, v in enumerate(value)))
    if value is None:
        return ValueView("None", "None", ())
    if isinstance(value, (bool, int, float, str)):
        return ValueView(type(value).__name__, short_text(value), ())
    return ValueView("object", short_text(value), ())


def _items_text(items: list[Any], open_: str, close: str, budget: int) -> str:
    parts: list[str] = []
    used = 0
    for i, item in enumerate(items):
        piece = short_text(item, budget=max(8, budget - used))
        if used + len(piece) > budget:
            parts.append(f"… {len(items) - i} more")
            break
        parts.append(piece)
        used += len(piece) + 2
    return open_ + ", ".join(parts) + close


def short_text(value: Any, budget: int = _SHORT_CHARS) -> str:
    """A bounded one-line rendering (`set {1, 2}`, `tuple (1, 2)`, `[3 items]`, `'abc…' (300 chars)`)."""
    tag, inner = _untag(value)
    if tag == "set":
        return "set " + _items_text(inner, "{", "}", budget) if inner else "set()"
    if tag == "tuple":
        return "tuple " + _items_text(inner, "(", ")", budget)
    if _is_cut_marker(value):
        return f"… {value[TRUNCATED]}"
    if isinstance(value, (set, frozenset)):
        name = "set" if isinstance(value, set) else "frozenset"
        return f"{name} " + _items_text(sorted(value, key=repr), "{", "}", budget) if value else f"{name}()"
    if isinstance(value, tuple):
        return "tuple " + _items_text(list(value), "(", ")", budget)
    if isinstance(value, list):
        return _items_text(value, "[", "]", budget) if len(value) <= 8 else f"[{len(value)} items]"
    if isinstance(value, dict):
        if len(value) > 4:
            return f"{{{len(value)} keys}}"
        return "{" + ", ".join(f"{k}: {short_text(v, 24)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        quoted = repr(value)
        return quoted if len(quoted) <= budget else f"{quoted[:budget - 2]}…' ({len(value)} chars)"
    text = repr(value)
    return text if len(text) <= budget else text[: budget - 1] + "…"
