"""The inspector's state tree: a state as a tree, with what changed against the state before it marked.

Columns: field, value (after), before. Each node knows whether it was added, removed, changed or kept, so the
view can colour the diff and a user can expand only what changed. States in events are bounded by projection
(depth 6, 32 keys), so the tree is built whole when a row is selected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..model.values import short_text, view_of

__all__ = ["StateTreeModel", "Node", "MISSING"]

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("field", "value", "before")
_STATUS_COLOURS = {"added": "#2e9e5b", "removed": "#d64545", "changed": "#c98a00"}


class _Missing:
    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()


class Node:
    __slots__ = ("key", "after", "before", "status", "type_name", "children", "parent", "row")

    def __init__(self, key: str, after: Any, before: Any, parent: Node | None, row: int, diff: bool) -> None:
        self.key = key
        self.after = after
        self.before = before
        self.parent = parent
        self.row = row
        shown = after if after is not MISSING else before
        view = view_of(shown)
        self.type_name = view.type_name
        if not diff:
            self.status = "same"
        elif after is MISSING:
            self.status = "removed"
        elif before is MISSING:
            self.status = "added"
        else:
            self.status = "same" if after == before else "changed"
        self.children: list[Node] = []
        before_kids = dict(view_of(before).children) if diff and before is not MISSING else {}
        after_kids = dict(view_of(after).children) if after is not MISSING else {}
        keys = list(after_kids) + [k for k in before_kids if k not in after_kids]
        if view.children or before_kids:
            for i, k in enumerate(keys):
                self.children.append(Node(k, after_kids.get(k, MISSING), before_kids.get(k, MISSING) if diff
                                          else MISSING, self, i, diff))

    def path(self) -> str:
        parts: list[str] = []
        node: Node | None = self
        while node is not None and node.parent is not None:
            parts.append(node.key)
            node = node.parent
        return ".".join(reversed(parts))


class StateTreeModel(QAbstractItemModel):
    """A state (and optionally the state before it) as an item tree."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = Node("", {}, MISSING, None, 0, False)
        self.diff = False

    def set_state(self, after: Any, before: Any = MISSING) -> None:
        """Show `after`; with `before` given, mark what differs."""
        self.beginResetModel()
        self.diff = before is not MISSING
        self._root = Node("", after, before, None, 0, self.diff)
        self.endResetModel()

    def changed_paths(self) -> list[str]:
        """Dotted paths of the leaves (or subtrees) added, removed or changed."""
        out: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if child.status in ("added", "removed") or (child.status == "changed" and not child.children):
                    out.append(child.path())
                elif child.status == "changed":
                    walk(child)

        walk(self._root)
        return out

    def node(self, index: _Index) -> Node:
        return index.internalPointer() if index.isValid() else self._root  # type: ignore[no-any-return]

    # -- Qt model ---------------------------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self.node(parent).children[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS) if self.diff else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < self.columnCount() else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return node.key
            value = node.after if col == 1 else node.before
            if value is MISSING:
                return "—"
            return short_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{node.path()} ({node.type_name}, {node.status})"
        if role == Qt.ItemDataRole.ForegroundRole and node.status in _STATUS_COLOURS and col in (0, 1):
            return QBrush(QColor(_STATUS_COLOURS[node.status]))
        return None
