"""What export cut from a value, read back from the marks projection leaves (runtime/debug/projection.py).

A list cut to its first 32 items ends with `{"$truncated": "88 more items"}`, a dict cut to 32 keys carries a
`"$truncated": "8 more keys"` entry, a container below the depth limit becomes `{"$truncated": "array of 40 items
below depth 6"}`, and a value over the byte budget `{"$truncated": "value over the byte budget", "bytes": 5120}`.
Counted as data, the mark makes a cut list of 120 read as a list of 33; read here, it says "120 items, 32 shown".
A cut string carries no mark: it is cut to one of the budget's string lengths and ends with "…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["TRUNCATED", "Cut", "cut_of_marker", "is_cut_marker", "split_cut_items", "split_cut_keys",
           "is_cut_string", "CUT_STRING_LENGTHS"]

TRUNCATED = "$truncated"
_MORE = re.compile(r"^(\d+) more (items|keys)$")
_BELOW = re.compile(r"^(array|object) of (\d+) (items|keys) below depth (\d+)$")
_MARKER_KEYS = frozenset({TRUNCATED, "bytes"})

CUT_STRING_LENGTHS = frozenset({256, 128, 64, 32, 16})
"""The lengths projection cuts strings to: 256 characters, halved on each tighter pass down to 16."""


@dataclass(frozen=True, slots=True)
class Cut:
    """How much of a container was kept: `shown` of `total` items or keys (total None when the mark says no
    count)."""

    unit: Literal["items", "keys", "value"]
    """`value` for a value replaced whole by its mark with no count (over the byte budget)."""
    shown: int
    total: int | None
    why: str | None = None
    """Why nothing of it was kept (`below depth 6`, `over the 4 KB budget`), None for a cut tail."""

    @property
    def left_out(self) -> int | None:
        return None if self.total is None else self.total - self.shown

    @property
    def text(self) -> str:
        """`120 items, 32 shown` (or `40 keys, none shown: below depth 6`, `not recorded: over the byte budget`)."""
        if self.unit == "value":
            return f"not recorded: {self.why}"
        shown = f"{self.shown} shown" if self.shown else "none shown"
        total = f"{self.total} {self.unit}" if self.total is not None else f"more {self.unit}"
        return f"{total}, {shown}" + (f": {self.why}" if self.why else "")

    @property
    def left_out_text(self) -> str:
        """`88 more items not recorded`: what the mark's own row says."""
        count = f"{self.left_out} more" if self.left_out is not None else "more"
        return f"{count} {self.unit} not recorded (cut for export)"


def is_cut_marker(value: Any) -> bool:
    """A whole value replaced by a mark (below the depth limit, over the byte budget, or a list's tail mark)."""
    return isinstance(value, dict) and TRUNCATED in value and value.keys() <= _MARKER_KEYS


def cut_of_marker(value: dict[str, Any], shown: int = 0) -> Cut:
    """The cut a mark describes; `shown` counts what came before a tail mark."""
    text = str(value.get(TRUNCATED, ""))
    more = _MORE.match(text)
    if more:
        unit: Literal["items", "keys"] = "items" if more.group(2) == "items" else "keys"
        return Cut(unit, shown, shown + int(more.group(1)))
    below = _BELOW.match(text)
    if below:
        unit = "items" if below.group(3) == "items" else "keys"
        return Cut(unit, 0, int(below.group(2)), f"below depth {below.group(4)}")
    if "bytes" in value:
        return Cut("value", 0, None, f"over the byte budget ({value['bytes']} bytes)")
    return Cut("items", shown, None, text or None)


def split_cut_items(items: Sequence[Any]) -> tuple[Sequence[Any], Cut | None]:
    """A projected list's items without its tail mark, and the cut the mark describes."""
    if items and is_cut_marker(items[-1]) and "bytes" not in items[-1]:
        last = items[-1]
        cut = cut_of_marker(last, len(items) - 1)
        if cut.why is None:  # a tail mark; an item that is itself a cut container stays an item
            return items[:-1], cut
    return items, None


def split_cut_keys(value: dict[str, Any]) -> tuple[dict[str, Any], Cut | None]:
    """A projected dict without its `$truncated` entry, and the cut it describes."""
    if TRUNCATED not in value or is_cut_marker(value):
        return value, None
    kept = {k: v for k, v in value.items() if k != TRUNCATED}
    cut = cut_of_marker({TRUNCATED: value[TRUNCATED]}, len(kept))
    return kept, Cut("keys", cut.shown, cut.total)


def is_cut_string(value: Any) -> bool:
    """A string projection cut (it ends with the ellipsis projection adds, at one of the budget's lengths)."""
    return isinstance(value, str) and value.endswith("…") and len(value) - 1 in CUT_STRING_LENGTHS
