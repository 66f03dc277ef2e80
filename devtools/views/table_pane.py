"""The shape the list panes share (runs, operations, end to end): an empty-state line, then a table split from the
detail of its selected row; the table rebuilt whole from its rows' texts; the throttle that keeps a pane behind
another tab from rebuilding its table on every flush of a live session; and, for the runs and operations panes, the
pane whose rows stand for keys and follow the shared selection (KeyedTablePane)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from runtime.trace import EventStore

from ..state import UiState
from .scoped_rows import ScopedRows
from .share_splitter import ShareSplitter

from .timeline.source import timeline_source

if TYPE_CHECKING:
    from ..app.context import DevtoolsContext

__all__ = ["HIDDEN_REFRESH_MS", "MIN_LOG_HEIGHT", "KeyedTablePane", "PaneRefresh", "detail_column", "fill_table",
           "lay_out_table_pane"]

HIDDEN_REFRESH_MS = 1000
"""How often a pane behind another tab fills its table (shown, it follows every change)."""

MIN_LOG_HEIGHT = 40
"""The least height of a detail's scrolling log: two lines, so a 700 px window still shows the table's rows."""


def detail_column(*parts: QWidget | tuple[QWidget, int]) -> QWidget:
    """A margin-less column of widgets; a `(widget, stretch)` pair takes a share of the spare height."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        widget, stretch = part if isinstance(part, tuple) else (part, 0)
        layout.addWidget(widget, stretch)
    return column


def lay_out_table_pane(pane: QWidget, empty: QLabel, table: QTableWidget, detail: QWidget,
                       orientation: Qt.Orientation, table_share: float) -> QSplitter:
    """Give `pane` its layout: `empty` (shown while there are no rows) above the table split from `detail`, the
    table keeping `table_share` of the length until the user drags the handle (Qt's size hints would give the
    detail most of a short pane and leave the table a row or two)."""
    split = ShareSplitter(orientation, (table_share, 1.0 - table_share))
    split.addWidget(table)
    split.addWidget(detail)
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(empty)
    layout.addWidget(split, 1)
    return split


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]],
               dress: Callable[[int, int, QTableWidgetItem], None]) -> None:
    """Rebuild `table` whole from its rows' cell texts, repainted once and with no signal per cell (a current-cell
    change would show a half-filled row's detail); `dress(row, column, item)` colours a cell or adds its tooltip."""
    table.setUpdatesEnabled(False)
    table.blockSignals(True)
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            dress(r, c, item)
            table.setItem(r, c, item)
    table.blockSignals(False)
    table.setUpdatesEnabled(True)


class PaneRefresh:
    """When a list pane refills its table: only when its model's version moved since the table was filled, and, for a
    hidden pane, at most once every HIDDEN_REFRESH_MS (a live session changes its rows every flush, and the table is
    rebuilt whole); a shown pane, or a forced refresh, goes ahead at once."""

    def __init__(self, pane: QWidget, refresh: Callable[[], None], interval_ms: int = HIDDEN_REFRESH_MS) -> None:
        self._pane = pane
        self._shown_version = -1
        self._timer = QTimer(pane)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(refresh)

    def due(self, version: int, force: bool) -> bool:
        """True when the table should be filled now for `version` (then it counts as shown); a hidden pane's refresh
        that is not forced waits, and the timer calls `refresh` later."""
        if version == self._shown_version:
            return False
        if not force and not self._pane.isVisible():
            if not self._timer.isActive():
                self._timer.start()
            return False
        self._shown_version = version
        return True


class KeyedTablePane(QWidget):
    """A list pane whose table rows stand for keys (a run's linkId, an operation's commandId), refilled whole from
    its model (`refresh`, throttled while hidden by `PaneRefresh`) and at once when it is shown. A subclass sets
    `table` and `empty`, fills `_keys` through `_show_keys`, and ends its set-up with `_follow_ui`."""

    table: QTableWidget
    empty: QLabel

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.source = timeline_source(ctx)
        self.model = self.source.model
        """The shared timeline model the rows come from."""
        self._keys: list[str] = []
        self._refresh = PaneRefresh(self, lambda: self.refresh(force=True))

    def refresh(self, force: bool = False) -> None:
        """Fill the table from the model. A hidden pane (another tab is shown) does it at most every
        HIDDEN_REFRESH_MS unless `force`d: a live session changes its rows every flush, and the table is rebuilt
        whole."""
        raise NotImplementedError

    def select_key(self, key: str) -> None:
        raise NotImplementedError

    def _follow_ui(self, instance_of: Callable[[str], str],
                   key_of_row: Callable[[EventStore, int], str | None]) -> None:
        """Refill on every change of the model; show the rows of the sidebar's scope (`instance_of` a key), and the
        row of the selected event (its key by `key_of_row`) as current."""
        self.scoped = ScopedRows(self.table, instance_of)
        source = self.source
        source.modelChanged.connect(self.refresh)
        self.refresh()

        def follow(ui: UiState) -> None:
            self.refresh(force=True)  # its keys must be the model's (a hidden pane refreshes less often)
            store = source.store
            key = self.scoped.follow(ui, store, self._keys, lambda row: key_of_row(store, row))
            if key is not None and key != self.selected_key():
                self.select_key(key)

        self.ctx.bind(self, self.ctx.state.topic, follow)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh(force=True)

    def selected_key(self) -> str | None:
        r = self.table.currentRow()
        return self._keys[r] if 0 <= r < len(self._keys) else None

    def _show_keys(self, keys: list[str]) -> None:
        """The rows about to be filled, by key; the empty-state line shows while there are none."""
        self.empty.setVisible(not keys)
        self._keys = keys
