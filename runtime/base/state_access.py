"""Compiled readers of index-free field paths over plain nested state.

A reader walks dicts by key; where it meets a list it maps the rest of the path over the items, so
`read("items.price")` over `{"items": [{"price": 2}, {"price": 3}]}` gives `[2, 3]`. A missing key reads as None.
Readers are compiled once per path because converge calls them thousands of times per transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.base.paths import FieldPath
from runtime.base.state_root import STATE_MAPPINGS

__all__ = ["compile_reader", "MISSING", "same_value"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Stands for an absent key in patch records (a deleted or not yet created field)."""


def same_value(a: Any, b: Any) -> bool:
    """Default equality of field values: identical, or the same type and equal (so 1 != True != 1.0)."""
    return a is b or (type(a) is type(b) and a == b)


def _walk(node: Any, path: FieldPath, start: int) -> Any:
    for i in range(start, len(path)):
        if isinstance(node, STATE_MAPPINGS):
            node = node.get(path[i])
        elif isinstance(node, list):
            return [_walk(item, path, i) for item in node]
        else:
            return None
    return node


def compile_reader(path: FieldPath) -> Callable[[Any], Any]:
    """A function root -> value of `path` (see the module docstring)."""
    if len(path) == 1:
        key = path[0]

        def read1(root: Any) -> Any:
            return root.get(key)

        return read1
    if len(path) == 2:
        k0, k1 = path

        def read2(root: Any) -> Any:
            node = root.get(k0)
            if isinstance(node, dict):
                return node.get(k1)
            return _walk(node, path, 1)

        return read2

    def read_n(root: Any) -> Any:
        return _walk(root, path, 0)

    return read_n
