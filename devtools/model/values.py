"""How a value reads in the inspector: sets, tuples and cut values shown as what they are.

Exported events carry state projected to JSON (runtime/debug/projection.py): a set becomes `{"$set": [...]}`, a
tuple `{"$tuple": [...]}`, and whatever was cut leaves a `$truncated` mark (devtools.model.cut). Shown raw, a set
would read as a dict with a strange key, and a cut list of 120 as a list of 33. Here they become `set {1, 2}`,
`tuple (1, 2)` and `[120 items, 32 shown]`. Live Python values (sets, tuples, frozensets, objects) read the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from .cut import TRUNCATED, Cut, cut_of_marker, is_cut_marker, is_cut_string, split_cut_items, split_cut_keys

__all__ = ["ValueView", "view_of", "short_text", "copy_text", "preview_text", "TRUNCATED", "CUT_KEY"]

_TAGS = {"$set": "set", "$tuple": "tuple"}
_SHORT_CHARS = 80
CUT_KEY = "…"
"""The key of the row that stands for what a cut container left out."""


@dataclass(frozen=True, slots=True)
class ValueView:
    """One value as the tree shows it."""

    type_name: str
    """dict | list | set | tuple | str | int | float | bool | None | cut | object."""
    text: str
    """A one-line summary."""
    children: tuple[tuple[str, Any], ...]
    """(key, value) pairs for containers, what was recorded only (a cut's mark is not a child); empty for
    scalars."""
    positional: bool = False
    """Children are items in order (list, tuple, set), not keys."""
    cut: Cut | None = None
    """What export left out of it, when it was cut."""


def _untag(value: Any) -> tuple[str | None, Any]:
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key in _TAGS and isinstance(inner, list):
            return _TAGS[key], inner
    return None, value


def _items_view(type_name: str, items: Sequence[Any], whole: Any) -> ValueView:
    shown, cut = split_cut_items(items)
    return ValueView(type_name, short_text(whole), tuple((str(i), v) for i, v in enumerate(shown)), True, cut)


def view_of(value: Any) -> ValueView:
    """The display form of a (possibly projected) value."""
    tag, inner = _untag(value)
    if tag is not None:
        return _items_view(tag, inner, value)
    if is_cut_marker(value):
        return ValueView("cut", short_text(value), (), cut=cut_of_marker(value))
    if isinstance(value, (set, frozenset)):
        return _items_view("set" if isinstance(value, set) else "frozenset", sorted(value, key=repr), value)
    if isinstance(value, tuple):
        return _items_view("tuple", value, value)
    if isinstance(value, dict):
        kept, cut = split_cut_keys(value)
        return ValueView("dict", short_text(value), tuple((str(k), v) for k, v in kept.items()), False, cut)
    if isinstance(value, list):
        return _items_view("list", value, value)
    if value is None:
        return ValueView("None", "None", ())
    if isinstance(value, (bool, int, float, str)):
        return ValueView(type(value).__name__, short_text(value), ())
    return ValueView("object", short_text(value), ())


def _items_text(items: Sequence[Any], open_: str, close: str, budget: int) -> str:
    shown, cut = split_cut_items(items)
    if cut is not None:
        return f"{open_}{cut.text}{close}"
    parts: list[str] = []
    used = 0
    for i, item in enumerate(shown):
        piece = short_text(item, budget=max(8, budget - used))
        if used + len(piece) > budget:
            parts.append(f"… {len(shown) - i} more")
            break
        parts.append(piece)
        used += len(piece) + 2
    return open_ + ", ".join(parts) + close


def _keys_text(value: dict[Any, Any], budget: int) -> str:
    parts: list[str] = []
    used = 2
    for i, (k, v) in enumerate(value.items()):
        piece = f"{k}: {short_text(v, 24)}"
        if used + len(piece) > budget and parts:
            parts.append(f"… {len(value) - i} more")
            break
        parts.append(piece)
        used += len(piece) + 2
    return "{" + ", ".join(parts) + "}"


def _string_text(value: str, budget: int) -> str:
    if is_cut_string(value):
        quoted = repr(value[:-1])
        head = quoted[:-1] if len(quoted) <= budget else quoted[:budget - 2]
        return f"{head}…' (cut at {len(value) - 1} chars)"
    quoted = repr(value)
    return quoted if len(quoted) <= budget else f"{quoted[:budget - 2]}…' ({len(value)} chars)"


def short_text(value: Any, budget: int = _SHORT_CHARS) -> str:
    """A bounded one-line rendering (`set {1, 2}`, `tuple (1, 2)`, `[3 items]`, `[120 items, 32 shown]`,
    `'abc…' (300 chars)`)."""
    tag, inner = _untag(value)
    if tag == "set":
        return "set " + _items_text(inner, "{", "}", budget) if inner else "set()"
    if tag == "tuple":
        return "tuple " + _items_text(inner, "(", ")", budget)
    if is_cut_marker(value):
        whole = cut_of_marker(value)
        brackets = {"items": "[]", "keys": "{}", "value": "<>"}[whole.unit]
        return brackets[0] + whole.text + brackets[1]
    if isinstance(value, (set, frozenset)):
        name = "set" if isinstance(value, set) else "frozenset"
        return f"{name} " + _items_text(sorted(value, key=repr), "{", "}", budget) if value else f"{name}()"
    if isinstance(value, tuple):
        return "tuple " + _items_text(value, "(", ")", budget)
    if isinstance(value, list):
        if split_cut_items(value)[1] is not None or len(value) <= 8:
            return _items_text(value, "[", "]", budget)
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        kept, cut = split_cut_keys(value)
        if cut is not None:
            return f"{{{cut.text}}}"
        if len(value) > 4:
            return f"{{{len(value)} keys}}"
        return _keys_text(value, budget)
    if isinstance(value, str):
        return _string_text(value, budget)
    text = repr(value)
    return text if len(text) <= budget else text[: budget - 1] + "…"


def _tagged(value: Any) -> Any:
    """Live Python values in the trace's own JSON notation (sets and tuples tagged as projection tags them)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else repr(k): _tagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_tagged(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [_tagged(v) for v in sorted(value, key=repr)]}
    return value


def copy_text(value: Any) -> str:
    """The value as indented JSON for the clipboard, in the trace's notation: what export cut keeps its
    `$truncated` mark (a pasted cut list never passes for a whole one); what JSON cannot hold is its repr."""
    return orjson.dumps(_tagged(value), default=repr, option=orjson.OPT_INDENT_2).decode()


def preview_text(value: Any, limit: int = 600, width: int = 96) -> str:
    """The value as compact JSON for a tooltip: wrapped at `width`, up to `limit` characters (then it says how
    much more there is, and that copying gives all of it)."""
    text = orjson.dumps(_tagged(value), default=repr).decode()
    more = ""
    if len(text) > limit:
        more = f"\n… {len(text) - limit:,} more characters (Copy value gives all of it)"
        text = text[:limit]
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) + more
