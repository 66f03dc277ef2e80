"""Events table: every event of the selected scope, virtual over millions of rows, with kind, text, regex and
field-path filters.

The filters live in the devtools state (so the timeline and the overview can read and set them too); this pane
writes them from its filter bar and applies them when the state changes. A filter that cannot apply (an invalid
regular expression, a malformed path) is shown in red under the bar and leaves the previous rows in place.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..model.event_filter import EventFilter, FilterError
from ..model.scope import scope_of
from ..model.time_units import TimeUnit, unit_for
from ..model.values import copy_text
from ..qt_models.events_model import EventsModel
from .elided_label import ElidedLabel
from .json_view import add_json_actions
from ..state import Filters, Selection, UiState, time_range_of

__all__ = ["EventsView", "ALL_KINDS"]

ALL_KINDS = "All kinds"


def scope_instances(ctx: DevtoolsContext, selection: Selection) -> tuple[str, ...]:
    """Instance ids inside the sidebar selection (empty: everything), in the order the store met them."""
    scope = scope_of(ctx.events.store, selection)
    if scope.instances is None:
        return ()
    if selection["instance"]:
        return (selection["instance"],)
    return tuple(i for i in ctx.events.store.instances.values if i in scope.instances) or ("\0none",)


class EventsView(QWidget):
    """Filter bar + virtual table of events."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = EventsModel(ctx.events, self, EventFilter())
        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("kindFilter")
        self.kind_box.addItem(ALL_KINDS)
        self.kind_box.setToolTip("Show one kind of event")
        self.search = QLineEdit(self)
        self.search.setObjectName("textFilter")
        self.search.setPlaceholderText("Search kind, label, instance  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.regex = QCheckBox(".*", self)
        self.regex.setToolTip("Treat the search as a regular expression")
        self.path = QLineEdit(self)
        self.path.setObjectName("pathFilter")
        self.path.setPlaceholderText("Transactions touching field path…  (Ctrl+P)")
        self.path.setClearButtonEnabled(True)
        self.status = ElidedLabel(parent=self)
        self.status.setObjectName("eventsStatus")
        self.status.setMinimumWidth(170)  # a count growing by a digit must not relayout the bar on every tick
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error = QLabel(self)
        self.error.setObjectName("filterError")
        self.error.setStyleSheet("color: #d64545")
        self.error.setVisible(False)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.kind_box)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.regex)
        bar.addWidget(self.path, 2)
        bar.addWidget(self.status, 1)

        self.time_unit: TimeUnit | None = None
        """The unit of the time column: the one that fits the session's span (µs, ms or s)."""
        self.table = QTableView(self)
        self.table.setObjectName("eventsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((64, 86, 110, 190, 130)):
            self.table.setColumnWidth(col, width)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)

        self.kind_box.activated.connect(self._kind_chosen)
        self.search.textChanged.connect(lambda text: ctx.state.set_filters(text=text))
        self.regex.toggled.connect(lambda on: ctx.state.set_filters(regex=on))
        self.path.editingFinished.connect(lambda: ctx.state.set_filters(path=self.path.text().strip()))
        self.path.textChanged.connect(self._path_cleared)
        # selection, not the current index: a focused view makes a row current by itself, which is no choice
        self.table.selectionModel().selectionChanged.connect(self._row_chosen)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        ctx.bind(self, ctx.events, self._on_rows)
        ctx.bind(self, ctx.state.topic, self._on_state)
        self._releasing = False
        self.row_menu: QMenu | None = None
        ctx.on_release(self, self._rows_released)

    # -- state -> view ----------------------------------------------------------------------------------------------

    def _on_rows(self, _count: int) -> None:
        store = self.ctx.events.store
        if self.kind_box.count() - 1 != len(store.kinds):
            current = self.kind_box.currentText()
            self.kind_box.clear()
            self.kind_box.addItems([ALL_KINDS, *sorted(store.kinds.values)])
            self.kind_box.setCurrentText(current)
        self._fit_time_unit()
        self.model.refresh()
        ui = self.ctx.state.published()
        following = ui["follow"] if self.ctx.mode == "live" else bool(self.model.rowCount())
        if following and ui["selectedRow"] is None:
            self.table.scrollToBottom()
        self._show_status()

    def _row_menu(self, pos: QPoint) -> None:
        """Right click on a row: its event as JSON (copied, or in a raw view), then the table's own actions."""
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        row = self.model.store_row(index.row())
        store = self.ctx.events.store
        menu = QMenu(self.table)
        add_json_actions(menu, lambda: copy_text(store.payload(row)), f"event {store.payload(row).get('eventId', row)}",
                         self)
        if self.table.actions():  # what the window adds for a row (the causality views)
            menu.addSeparator()
            menu.addActions(self.table.actions())
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self.row_menu = menu

    def _rows_released(self, n: int) -> None:
        # rows leaving the top move Qt's current index and selection by themselves: that is no user's choice
        self._releasing = True
        try:
            self.model.release(n)
        finally:
            self._releasing = False

    def _fit_time_unit(self) -> None:
        store = self.ctx.events.store
        n = len(store)
        unit = unit_for((store.ts[n - 1] - store.ts[0]) / 1000.0 if n else 0.0)  # the whole session: one unit
        if unit != self.time_unit:
            self.time_unit = unit
            self.model.set_time_text(unit.format)

    def _on_state(self, ui: UiState) -> None:
        f = ui["filters"]
        wanted = EventFilter(kinds=tuple(f["kinds"]), instances=scope_instances(self.ctx, ui["selection"]),
                             text=f["text"], regex=f["regex"], path=f["path"], time_range=time_range_of(ui))
        try:
            self.model.set_filter(wanted)
            self.error.setVisible(False)
        except FilterError as err:
            self.error.setText(str(err))
            self.error.setVisible(True)
        self._sync_bar(f)
        self._select_store_row(ui["selectedRow"])
        self._show_status()

    def _sync_bar(self, f: Filters) -> None:
        kinds = f["kinds"]
        self.kind_box.setCurrentText(kinds[0] if len(kinds) == 1 else ALL_KINDS)
        if self.search.text() != f["text"]:
            self.search.setText(f["text"])
        if self.regex.isChecked() != f["regex"]:
            self.regex.setChecked(f["regex"])
        if not self.path.hasFocus() and self.path.text() != f["path"]:
            self.path.setText(f["path"])

    def _select_store_row(self, row: int | None) -> None:
        """Highlight the selected event, or nothing when none is selected or the filters hide it: the table never
        keeps an older row highlighted while another pane shows another event."""
        selection = self.table.selectionModel()
        at = None if row is None else self.model.model_row(row)
        chosen = selection.selectedRows(0)
        if at is None:
            if chosen:
                selection.clearSelection()
            return
        if len(chosen) == 1 and chosen[0].row() == at:
            return
        index = self.model.index(at, 0)
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def selected_store_row(self) -> int | None:
        """The store row highlighted in the table (None when none is)."""
        chosen = self.table.selectionModel().selectedRows(0)
        return self.model.store_row(chosen[0].row()) if chosen else None

    def _show_status(self) -> None:
        shown, total = self.model.rowCount(), len(self.ctx.events)
        text = f"{shown:,} of {total:,} events"
        row = self.ctx.state.published()["selectedRow"]
        if row is not None and 0 <= row < total and self.model.model_row(row) is None:  # below 0: let go
            text += " · the selected event is filtered out"
        if self.model.unmapped_rows:
            text += f" · {self.model.unmapped_rows} txns unmapped (unknown IR)"
        self.status.setText(text)

    # -- view -> state ----------------------------------------------------------------------------------------------

    def _kind_chosen(self, index: int) -> None:
        text = self.kind_box.itemText(index)
        self.ctx.state.set_filters(kinds=[] if text == ALL_KINDS else [text])

    def _path_cleared(self, text: str) -> None:
        if not text and self.ctx.state.get()["filters"]["path"]:
            self.ctx.state.set_filters(path="")

    def _row_chosen(self, *_: object) -> None:
        if self._releasing:
            return
        rows = self.table.selectionModel().selectedRows(0)
        if rows:
            row = self.model.store_row(rows[0].row())
            if row != self.ctx.state.get()["selectedRow"]:
                self.ctx.state.select_row(row)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def focus_path(self) -> None:
        self.path.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.path.selectAll()
