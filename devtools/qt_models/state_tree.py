"""The inspector's state tree as a Qt item model: field, value (after) and, for a diff, the value before.

The tree itself is built elsewhere (devtools.model.state_diff); this model only maps its nodes onto Qt's model API
and colours what was added, removed or changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

__all__ = ["StateTreeModel", "TreeNode", "StateTree"]

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("field", "value", "before")
_STATUS_COLOURS = {"added": "#2e9e5b", "removed": "#d64545", "changed": "#c98a00"}
_CUT_COLOUR = "#8a8a8a"


class TreeNode(Protocol):
    """One key of a state as the model shows it."""

    @property
    def key(self) -> str: ...

    @property
    def status(self) -> str:
        """added | removed | changed | same."""
        ...

    @property
    def type_name(self) -> str: ...

    @property
    def after_text(self) -> str: ...

    @property
    def before_text(self) -> str: ...

    @property
    def parent(self) -> TreeNode | None: ...

    @property
    def row(self) -> int:
        """Its index among its parent's children."""
        ...

    @property
    def children(self) -> Sequence[TreeNode]: ...

    @property
    def note(self) -> str | None:
        """Why its children are compared less well than usual (None when they are not)."""
        ...

    def path(self) -> str: ...

    def tooltip(self) -> str:
        """The node in full (path, type, status, what was cut, both values)."""
        ...

    def copy_value(self) -> str:
        """What "Copy value" puts on the clipboard."""
        ...


class StateTree(Protocol):
    """A whole tree; `compared` when it holds a diff against a state before it."""

    @property
    def root(self) -> TreeNode: ...

    @property
    def compared(self) -> bool: ...

    def changed_paths(self) -> list[str]: ...


class StateTreeModel(QAbstractItemModel):
    """A state tree (and the diff it carries) as an item tree; empty until `set_state`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tree: StateTree | None = None

    def set_state(self, tree: StateTree | None) -> None:
        """Show `tree` (None: nothing)."""
        self.beginResetModel()
        self._tree = tree
        self.endResetModel()

    @property
    def diff(self) -> bool:
        """True while the tree shown is a diff (it has a `before` column)."""
        return self._tree is not None and self._tree.compared

    def changed_paths(self) -> list[str]:
        """Dotted paths of what the shown diff marks as added, removed or changed."""
        return self._tree.changed_paths() if self._tree is not None else []

    def node(self, index: _Index) -> TreeNode | None:
        """The node at `index`; the root for an invalid index (None while nothing is shown)."""
        if index.isValid():
            node: TreeNode = index.internalPointer()
            return node
        return self._tree.root if self._tree is not None else None

    def _children(self, index: _Index) -> Sequence[TreeNode]:
        node = self.node(index)
        return node.children if node is not None else ()

    # -- Qt model ---------------------------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._children(parent)[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        # Qt's overloads: parent() of the QObject and parent(index) of the model; only the second is meant here
        if not index.isValid():
            return QModelIndex()
        node: TreeNode = index.internalPointer()
        up = node.parent
        if up is None or up.parent is None:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children(parent))

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS) if self.diff else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < self.columnCount() else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: TreeNode = index.internalPointer()
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (node.key, node.after_text, node.before_text)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return node.tooltip()
        if role == Qt.ItemDataRole.ForegroundRole:
            if node.type_name == "cut":  # what export left out reads apart from what was recorded
                return QBrush(QColor(_CUT_COLOUR))
            if node.status in _STATUS_COLOURS and col in (0, 1):
                return QBrush(QColor(_STATUS_COLOURS[node.status]))
        if role == Qt.ItemDataRole.FontRole and node.type_name == "cut":
            font = QFont()
            font.setItalic(True)
            return font
        return None
