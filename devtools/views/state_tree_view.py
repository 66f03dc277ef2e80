"""The inspector's state tree as a widget: keys elided in the middle, values at their end, copy actions.

A nested key cut at its end ("save-t…") hides what tells siblings apart; cut in the middle ("sav…ggle") it keeps
both ends. The field column is sized to the keys (up to a share of the width), each row's tooltip holds its path
and full value, and a right click copies a value as JSON (Ctrl+C too), shows it raw, or copies its dotted path.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QHeaderView, QMenu, QStyledItemDelegate, QStyleOptionViewItem, QTreeView, QWidget

from ..qt_models.state_tree import StateTreeModel
from .json_view import add_json_actions

__all__ = ["StateTreeView", "ElideDelegate", "FIELD_SHARE"]

FIELD_SHARE = 0.42
"""The most of the tree's width the field column takes when fitted to its keys."""
_INDENT = 14


class ElideDelegate(QStyledItemDelegate):
    """Draws its column's text elided where this column needs it (the middle for keys and paths)."""

    def __init__(self, mode: Qt.TextElideMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = self.mode


class StateTreeView(QTreeView):
    """A QTreeView over a StateTreeModel, fitted to narrow panes."""

    def __init__(self, model: StateTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateTree")
        self.setModel(model)
        self.state_model = model
        self.setUniformRowHeights(True)
        self.setIndentation(_INDENT)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.key_delegate = ElideDelegate(Qt.TextElideMode.ElideMiddle, self)
        self.setItemDelegateForColumn(0, self.key_delegate)
        header = self.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        QShortcut(QKeySequence.StandardKey.Copy, self, self.copy_value, context=Qt.ShortcutContext.WidgetShortcut)
        self.expanded.connect(lambda _i: self.fit_columns())
        model.modelReset.connect(self.fit_columns)

    def fit_columns(self) -> None:
        """The field column as wide as its widest open key, at most FIELD_SHARE of the width; the rest split
        between value and before."""
        width = self.viewport().width()
        if width <= 0:
            return
        field = min(max(self.sizeHintForColumn(0), 60), int(width * FIELD_SHARE))
        self.setColumnWidth(0, field)
        columns = self.state_model.columnCount()
        if columns > 2:
            self.setColumnWidth(1, max(60, (width - field) // 2))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    # -- copying ----------------------------------------------------------------------------------------------------

    def _menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        menu = QMenu(self)
        node = self.state_model.node(index)
        if node is not None:
            add_json_actions(menu, node.copy_value, node.path() or "the state", self)
        menu.addAction("Copy path", self.copy_path)
        menu.popup(self.viewport().mapToGlobal(pos))

    def copy_value(self) -> None:
        """The current row's value as JSON on the clipboard (a cut value keeps its `$truncated` mark)."""
        node = self.state_model.node(self.currentIndex()) if self.currentIndex().isValid() else None
        if node is not None:
            QGuiApplication.clipboard().setText(node.copy_value())

    def copy_path(self) -> None:
        node = self.state_model.node(self.currentIndex()) if self.currentIndex().isValid() else None
        if node is not None:
            QGuiApplication.clipboard().setText(node.path())

    def reveal(self, path: str) -> bool:
        """Open the tree down to the field at dotted `path`, select and show it; False when the state has no
        such field."""
        model = self.state_model
        parent = QModelIndex()
        found = QModelIndex()
        for key in path.split("."):
            match = next((model.index(r, 0, parent) for r in range(model.rowCount(parent))
                          if model.index(r, 0, parent).data() == key), None)
            if match is None:
                break
            if parent.isValid():
                self.expand(parent)
            found = parent = match
        if not found.isValid():
            return False
        self.setCurrentIndex(found)
        self.scrollTo(found)
        return True
