"""A state as a tree, with what changed against the state before it marked (what the inspector's tree shows).

Each node knows whether it was added, removed, changed or kept, so a view can colour the diff and a user can expand
only what changed. States in events are bounded by projection (depth 6, 32 keys), so a tree is built whole.

>>> diff = state_diff({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1]})
>>> diff.changed_paths(), diff.root.children[1].after_text
(['b.1'], '[1, 2]')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .values import short_text, view_of

__all__ = ["StateDiff", "DiffNode", "DiffStatus", "MISSING", "state_diff"]

DiffStatus = Literal["added", "removed", "changed", "same"]


class _Missing:
    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()
"""A side of a node that does not exist (the key was added or removed), or no state to compare with."""


class DiffNode:
    """One key of the state: its value after and before, and how it changed."""

    __slots__ = ("key", "after", "before", "status", "type_name", "children", "parent", "row")

    def __init__(self, key: str, after: Any, before: Any, parent: DiffNode | None, row: int, compared: bool) -> None:
        self.key = key
        self.after = after
        self.before = before
        self.parent = parent
        self.row = row
        """Its index among its parent's children."""
        view = view_of(after if after is not MISSING else before)
        self.type_name = view.type_name
        self.status: DiffStatus
        if not compared:
            self.status = "same"
        elif after is MISSING:
            self.status = "removed"
        elif before is MISSING:
            self.status = "added"
        else:
            self.status = "same" if after == before else "changed"
        self.children: list[DiffNode] = []
        before_kids = dict(view_of(before).children) if compared and before is not MISSING else {}
        after_kids = dict(view_of(after).children) if after is not MISSING else {}
        keys = list(after_kids) + [k for k in before_kids if k not in after_kids]
        if view.children or before_kids:
            for i, k in enumerate(keys):
                self.children.append(DiffNode(k, after_kids.get(k, MISSING),
                                              before_kids.get(k, MISSING) if compared else MISSING, self, i, compared))

    @property
    def after_text(self) -> str:
        return "—" if self.after is MISSING else short_text(self.after)

    @property
    def before_text(self) -> str:
        return "—" if self.before is MISSING else short_text(self.before)

    def path(self) -> str:
        """The dotted field path from the root (`items.1.price`)."""
        parts: list[str] = []
        node: DiffNode | None = self
        while node is not None and node.parent is not None:
            parts.append(node.key)
            node = node.parent
        return ".".join(reversed(parts))


@dataclass(frozen=True, slots=True)
class StateDiff:
    """A state's tree; `compared` when it was diffed against a state before it."""

    root: DiffNode
    compared: bool

    def changed_paths(self) -> list[str]:
        """Dotted paths of the leaves (or whole subtrees) added, removed or changed; removed keys come last."""
        out: list[str] = []

        def walk(node: DiffNode) -> None:
            for child in node.children:
                if child.status in ("added", "removed") or (child.status == "changed" and not child.children):
                    out.append(child.path())
                elif child.status == "changed":
                    walk(child)

        walk(self.root)
        return out


def state_diff(after: Any, before: Any = MISSING) -> StateDiff:
    """The tree of `after`; with `before` given, every node marked with how it differs."""
    compared = before is not MISSING
    return StateDiff(DiffNode("", after, before, None, 0, compared), compared)
