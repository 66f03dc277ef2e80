"""A state as a tree, with what changed against the state before it marked (what the inspector's tree shows).

Each node knows whether it was added, removed, changed or kept, so a view can colour the diff and a user can expand
only what changed. Lists are diffed by alignment (devtools.model.list_align): a ring buffer shifted by one reads as
its oldest item removed and a new one added, not as every index changed. A node's children are built when first
asked for, so a state of a hundred thousand items costs only what is opened. What export cut from a container
shows as one more row (`…`, "88 more items not recorded"), never as an item.

>>> diff = state_diff({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1]})
>>> diff.changed_paths(), diff.root.children[1].after_text
(['b.1'], '[1, 2]')
>>> state_diff({"ring": [2, 3, 4, 5]}, {"ring": [1, 2, 3, 4]}).changed_paths()
['ring.3', 'ring.0']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .cut import Cut
from .list_align import Step, align, by_index
from .values import CUT_KEY, ValueView, copy_text, preview_text, short_text, view_of

__all__ = ["StateDiff", "DiffNode", "CutRow", "DiffStatus", "MISSING", "state_diff"]

DiffStatus = Literal["added", "removed", "changed", "same"]


class _Missing:
    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()
"""A side of a node that does not exist (the key was added or removed), or no state to compare with."""


def _status(after: Any, before: Any, compared: bool) -> DiffStatus:
    if not compared:
        return "same"
    if after is MISSING:
        return "removed"
    if before is MISSING:
        return "added"
    return "same" if after == before else "changed"


class DiffNode:
    """One key of the state: its value after and before, and how it changed."""

    __slots__ = ("key", "after", "before", "status", "type_name", "cut", "parent", "row", "compared",
                 "_after_view", "_before_view", "_steps", "_note", "_children")

    def __init__(self, key: str, after: Any, before: Any, parent: DiffNode | None, row: int, compared: bool) -> None:
        self.key = key
        self.after = after
        self.before = before
        self.parent = parent
        self.row = row
        """Its index among its parent's children."""
        self.compared = compared
        self._after_view = view_of(after) if after is not MISSING else None
        self._before_view = view_of(before) if before is not MISSING and (compared or after is MISSING) else None
        view = self._after_view or self._before_view or view_of(None)
        self.type_name = view.type_name
        self.cut: Cut | None = view.cut
        """What export left out of this value (of its before side when it was removed)."""
        self.status: DiffStatus = _status(after, before, compared)
        self._steps: list[Step] | None = None
        self._note: str | None = None
        self._children: list[DiffNode | CutRow] | None = None

    @property
    def has_children(self) -> bool:
        """Whether it opens (known without building its children)."""
        return any(v is not None and (v.children or _is_tail(v.cut)) for v in (self._after_view, self._before_view))

    @property
    def children(self) -> list[DiffNode | CutRow]:
        if self._children is None:
            self._children = self._build_children()
        return self._children

    @property
    def note(self) -> str | None:
        """Why its children are compared less well than they could be (a list too long to align)."""
        if self._aligns():
            self._aligned_steps()
        return self._note

    def _aligns(self) -> bool:
        a, b = self._after_view, self._before_view
        return self.compared and a is not None and b is not None and a.positional and b.positional

    def _aligned_steps(self) -> list[Step]:
        if self._steps is None:
            after = [v for _, v in self._after_view.children] if self._after_view is not None else []
            before = [v for _, v in self._before_view.children] if self._before_view is not None else []
            steps = by_index(before, after) if self.status == "same" else align(before, after)
            if steps is None:
                steps = by_index(before, after)
                self._note = (f"compared index by index: {len(before):,} and {len(after):,} items are too many "
                              "to align")
            self._steps = steps
        return self._steps

    def _build_children(self) -> list[DiffNode | CutRow]:
        after_view, before_view = self._after_view, self._before_view
        if not self.compared:
            before_view = None
        kids: list[DiffNode | CutRow] = []
        if self._aligns():
            after = [v for _, v in after_view.children] if after_view is not None else []
            before = [v for _, v in before_view.children] if before_view is not None else []
            for step in self._aligned_steps():
                key = step.after if step.after is not None else step.before
                kids.append(DiffNode(str(key), MISSING if step.after is None else after[step.after],
                                     MISSING if step.before is None else before[step.before], self, len(kids),
                                     self.compared))
        else:
            kids += self._keyed(after_view, before_view)
        after_cut = after_view.cut if after_view is not None else None
        before_cut = before_view.cut if before_view is not None else None
        if _is_tail(after_cut) or _is_tail(before_cut):
            kids.append(CutRow(self, len(kids), after_cut, before_cut, self.compared))
        return kids

    def _keyed(self, after_view: ValueView | None, before_view: ValueView | None) -> list[DiffNode]:
        after_kids = dict(after_view.children) if after_view is not None else {}
        before_kids = dict(before_view.children) if before_view is not None else {}
        keys = list(after_kids) + [k for k in before_kids if k not in after_kids]
        return [DiffNode(k, after_kids.get(k, MISSING), before_kids.get(k, MISSING), self, i, self.compared)
                for i, k in enumerate(keys)]

    @property
    def after_text(self) -> str:
        return "—" if self.after is MISSING else short_text(self.after)

    @property
    def before_text(self) -> str:
        return "—" if self.before is MISSING else short_text(self.before)

    def tooltip(self) -> str:
        """The node in full: its path, type and status, what export cut from it, and both values."""
        head = f"{self.type_name} · {self.status}" + (f" · {self.cut.text} (cut for export)" if self.cut else "")
        lines = [self.path() or "(the state)", head]
        if self.after is not MISSING:
            lines += ["", "after:" if self.compared else "value:", preview_text(self.after)]
        if self.compared and self.before is not MISSING and self.status != "same":
            lines += ["", "before:", preview_text(self.before)]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)

    def copy_value(self) -> str:
        """The value as JSON for the clipboard (its before side when it was removed)."""
        return copy_text(self.after if self.after is not MISSING else self.before)

    def path(self) -> str:
        """The dotted field path from the root (`items.1.price`)."""
        parts: list[str] = []
        node: DiffNode | None = self
        while node is not None and node.parent is not None:
            parts.append(node.key)
            node = node.parent
        return ".".join(reversed(parts))


def _is_tail(cut: Cut | None) -> bool:
    """A cut of the tail of a container (some items or keys kept), not of the whole value."""
    return cut is not None and cut.why is None and cut.unit != "value"


def _left_out(cut: Cut | None) -> Any:
    """What a tail cut's row says (`88 more items not recorded ...`), MISSING when there is none."""
    return cut.left_out_text if cut is not None and _is_tail(cut) else MISSING


class CutRow:
    """The row that stands for what export left out of a container (`… 88 more items not recorded`)."""

    __slots__ = ("parent", "row", "after_cut", "before_cut", "status", "note")

    key = CUT_KEY
    type_name = "cut"
    children: tuple[()] = ()

    def __init__(self, parent: DiffNode, row: int, after_cut: Cut | None, before_cut: Cut | None,
                 compared: bool) -> None:
        self.parent = parent
        self.row = row
        self.after_cut = after_cut
        self.before_cut = before_cut
        self.status: DiffStatus = _status(_left_out(after_cut), _left_out(before_cut) if compared else MISSING,
                                          compared)
        self.note: str | None = None

    @property
    def cut(self) -> Cut | None:
        return self.after_cut or self.before_cut

    @property
    def after_text(self) -> str:
        text = _left_out(self.after_cut)
        return "—" if text is MISSING else str(text)

    @property
    def before_text(self) -> str:
        text = _left_out(self.before_cut)
        return "—" if text is MISSING else str(text)

    def path(self) -> str:
        return f"{self.parent.path()}.{CUT_KEY}" if self.parent.parent is not None else CUT_KEY

    def tooltip(self) -> str:
        where = self.parent.path() or "the state"
        lines = [f"What export left out of {where}", f"after: {self.after_text}"]
        if self.status != "same":
            lines.append(f"before: {self.before_text}")
        return "\n".join(lines + ["Record at diagnostics level full for exact states."])

    def copy_value(self) -> str:
        return self.after_text if self.after_text != "—" else self.before_text


@dataclass(frozen=True, slots=True)
class StateDiff:
    """A state's tree; `compared` when it was diffed against a state before it."""

    root: DiffNode
    compared: bool

    def changed_paths(self) -> list[str]:
        """Dotted paths of the leaves (or whole subtrees) added, removed or changed; removed keys come last. A
        list compared index by index (too long to align) counts as one change."""
        out: list[str] = []
        removed: list[str] = []
        for node in self._changed_nodes():
            (removed if node.status == "removed" else out).append(node.path())
        return out + removed

    def notes(self) -> list[str]:
        """What the diff could not do as well as usual (`items: compared index by index: ...`)."""
        nodes: list[DiffNode | CutRow] = [self.root, *self._changed_nodes()]
        return [f"{n.path() or 'the state'}: {n.note}" for n in nodes if n.note]

    def _changed_nodes(self) -> list[DiffNode | CutRow]:
        found: list[DiffNode | CutRow] = []

        def walk(node: DiffNode) -> None:
            for child in node.children:
                if child.status in ("added", "removed"):
                    found.append(child)
                elif child.status == "changed":
                    # a leaf, the cut part, or a list too long to align: one change; else what changed inside it
                    if isinstance(child, CutRow) or not child.has_children or child.note:
                        found.append(child)
                    else:
                        walk(child)

        walk(self.root)
        return found


def state_diff(after: Any, before: Any = MISSING) -> StateDiff:
    """The tree of `after`; with `before` given, every node marked with how it differs."""
    compared = before is not MISSING
    return StateDiff(DiffNode("", after, before, None, 0, compared), compared)
