"""Sidebar: runtimes -> modules -> instances with event counts and labels; a click selects the scope every pane shows.

Selecting a runtime, module or instance writes the selection into the devtools state; every pane (the events table,
the inspector, the timeline, the overview, the runs and operations) reads it from there. "All" (the tree's empty
selection, Esc) shows everything. The tree also follows the state: a scope chosen elsewhere (Clear filters, a
command) is highlighted here, so the sidebar never shows a scope the panes are not in.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTreeView, QVBoxLayout, QWidget

from ..app.context import DevtoolsContext
from ..qt_models.sidebar_model import SCOPE_ROLE, ScopeLevel, SidebarModel
from ..state import Selection, UiState

__all__ = ["Sidebar"]


class Sidebar(QWidget):
    """The scope tree."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = SidebarModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("sidebarTree")
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)  # three levels at Qt's 20 px left a narrow window's instance labels at "form#1..."
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel("No runtime events yet.\nStart the runtime, or open a trace (Ctrl+O).", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        title = QLabel("<b>Runtimes</b>", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(title)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        # selection, not the current index: a tree view makes its first row current on focus, which is no choice
        self.tree.selectionModel().selectionChanged.connect(self._on_selection)
        self._known = 0
        ctx.bind(self, ctx.events, self._on_rows)
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _on_rows(self, _count: int) -> None:
        self.model.update_from(self.ctx.events)
        n = len(self.ctx.events.store.instances)
        self.empty.setVisible(n == 0)
        self.tree.setVisible(n != 0)
        if n != self._known:  # new scopes: show them without making the user expand every level
            self._known = n
            self.tree.expandAll()
            self._show_selection(self.ctx.state.published()["selection"])  # a scope chosen before it had events

    def _on_state(self, ui: UiState) -> None:
        self._show_selection(ui["selection"])

    def _show_selection(self, selection: Selection) -> None:
        """Highlight `selection` in the tree without writing it back (that would clear the selected event)."""
        if self._highlighted() == selection:
            return
        level: ScopeLevel | None = "instance" if selection["instance"] else "module" if selection["module"] else \
            "runtime" if selection["runtime"] else None
        names = [n for n in (selection["runtime"], selection["module"], selection["instance"]) if n]
        index = self.model.index_of(level, *names) if level is not None else None
        model = self.tree.selectionModel()
        model.blockSignals(True)
        try:
            if index is None:
                model.clearSelection()
            else:
                model.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            model.blockSignals(False)
        self.tree.viewport().update()

    def _highlighted(self) -> Selection:
        rows = self.tree.selectionModel().selectedRows(0)
        scope = rows[0].data(SCOPE_ROLE) if rows else None
        if scope is None:
            return {"runtime": None, "module": None, "instance": None}
        _level, runtime, module, instance = scope
        return {"runtime": runtime, "module": module, "instance": instance}

    def _on_selection(self, *_: object) -> None:
        rows = self.tree.selectionModel().selectedRows(0)
        scope = rows[0].data(SCOPE_ROLE) if rows else None
        if scope is None:
            self.ctx.state.select()
            return
        _level, runtime, module, instance = scope
        self.ctx.state.select(runtime=runtime, module=module, instance=instance)

    def select_scope(self, level: ScopeLevel, *names: str) -> None:
        """Select a runtime / module / instance as a click would."""
        index = self.model.index_of(level, *names)
        if index is None:
            raise KeyError(f"no {level} {'/'.join(names)} in the sidebar")
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def clear_selection(self) -> None:
        self.tree.selectionModel().clear()
        self.ctx.state.select()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear_selection()
            return
        super().keyPressEvent(event)
