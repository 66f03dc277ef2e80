"""The events table model: a virtual view of the event store through a row filter, for millions of rows.

Nothing is fetched eagerly: the model holds one integer array of matching store rows, and `data()` reads the
columns of the few rows the view paints. Which rows match is the filter's business (devtools.model.event_filter);
the model asks it only for rows that became visible since the last refresh. When a live feed lets its oldest rows
go, `release(n)` removes them from the top (the view keeps its place), and the `#` column keeps numbering events
from the start of the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from runtime.trace import FLAG_DOWNGRADE, FLAG_ERROR, FLAG_WARNING

from .event_rows import EventRows

__all__ = ["EventsModel", "RowFilter", "COLUMNS", "TimeText", "TIME_COLUMN"]

COLUMNS = ("#", "time", "kind", "label", "instance", "txn")
TIME_COLUMN = 1
TimeText = Callable[[float], str]
"""Seconds since the first event -> the time cell's text (the view picks a unit that fits the session)."""


def _seconds(offset_s: float) -> str:
    return f"{offset_s:.3f} s"
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_USER = Qt.ItemDataRole.UserRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ROLES = frozenset((_DISPLAY, _USER, _FOREGROUND, Qt.ItemDataRole.TextAlignmentRole))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ERROR_BRUSH = QBrush(QColor("#d64545"))
_WARN_BRUSH = QBrush(QColor("#c98a00"))


class RowFilter(Protocol):
    """Which rows the table shows (devtools.model.event_filter.EventFilter is one); compared with `==`."""

    def check(self, feed: EventRows) -> None:
        """Raise a ValueError naming the problem when the filter cannot apply to `feed`."""
        ...

    def rows(self, feed: EventRows, lo: int, hi: int) -> tuple[np.ndarray, int]:
        """The rows in [lo, hi) to show, and how many transactions could not be judged."""
        ...


class _EveryRow:
    """The filter of a table nobody filtered yet."""

    def check(self, feed: EventRows) -> None:
        pass

    def rows(self, feed: EventRows, lo: int, hi: int) -> tuple[np.ndarray, int]:
        return np.arange(lo, hi, dtype=np.int64), 0


class EventsModel(QAbstractTableModel):
    """Rows of the event feed that pass a row filter (every row until one is set)."""

    def __init__(self, feed: EventRows, parent: QObject | None = None, row_filter: RowFilter | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.filter: RowFilter = row_filter if row_filter is not None else _EveryRow()
        self.unmapped_rows = 0
        """Transactions the filter could not judge (a path filter over dirty ids whose digest's IR is unknown)."""
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
        self._t0: float | None = None
        self._time_text: TimeText = _seconds
        self.refresh()

    # -- Qt model ---------------------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Qt asks ~10 roles per painted cell; answer the ones not handled before touching any row
        if role not in _ROLES or not index.isValid():
            return None
        i = index.row()
        if not 0 <= i < len(self._rows):
            return None
        row = int(self._rows[i])
        if row >= len(self.feed.store):
            return None  # the feed got a smaller store (a remote clear or restart) and refresh() has not run yet
        col = index.column()
        if role == _DISPLAY:
            return self._text(row, col)
        if role == _USER:
            return row
        if role == _FOREGROUND:
            if col not in (2, 3):
                return None
            flags = self.feed.store.flags[row]
            if flags & FLAG_ERROR:
                return _ERROR_BRUSH
            if flags & (FLAG_WARNING | FLAG_DOWNGRADE):
                return _WARN_BRUSH
            return None
        return _RIGHT if col in (0, 1) else None

    def _text(self, row: int, col: int) -> str:
        s = self.feed.store
        if col == 0:
            return str(row + 1 + self.feed.released)  # the event's number in the session, kept when rows go
        if col == TIME_COLUMN:
            t0 = self._t0 if self._t0 is not None else s.ts[row]
            return self._time_text((s.ts[row] - t0) / 1000.0)
        if col == 2:
            return s.kind_of(row)
        if col == 3:
            return s.label_of(row)
        if col == 4:
            return s.instance_of(row)
        return f"t{s.txn[row]}" if s.txn[row] else ""

    # -- rows -------------------------------------------------------------------------------------------------------

    def set_time_text(self, time_text: TimeText) -> None:
        """Write the time column with `time_text` from now on (every row shown repaints)."""
        self._time_text = time_text
        if self._rows.size:
            self.dataChanged.emit(self.index(0, TIME_COLUMN), self.index(len(self._rows) - 1, TIME_COLUMN))

    def store_row(self, model_row: int) -> int:
        return int(self._rows[model_row])

    def model_row(self, store_row: int) -> int | None:
        """Where a store row is shown, or None when the filter hides it."""
        i = int(np.searchsorted(self._rows, store_row))
        return i if i < len(self._rows) and int(self._rows[i]) == store_row else None

    def set_filter(self, flt: RowFilter) -> None:
        """Show what `flt` selects; a filter that cannot apply raises from its `check` and changes nothing."""
        flt.check(self.feed)  # first: a bad regex or path must not leave a half-applied filter
        if flt == self.filter:
            return
        self.beginResetModel()
        self.filter = flt
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
        self.unmapped_rows = 0
        self.endResetModel()
        self.refresh()

    def refresh(self) -> None:
        """Take in rows that became visible since the last call (or start over when the visible prefix shrank)."""
        n = len(self.feed)
        if n < self._seen:
            self.beginResetModel()
            self._rows = np.zeros(0, np.int64)
            self._seen = 0
            self.endResetModel()
        if self._t0 is None and n:
            self._t0 = self.feed.store.ts[0]
        if n > self._seen:
            rows, self.unmapped_rows = self.filter.rows(self.feed, self._seen, n)
            self._insert(rows)
            self._seen = n

    def release(self, n: int) -> None:
        """The feed let its oldest `n` rows go: remove them from the top, move the rest down by n."""
        gone = int(np.searchsorted(self._rows, n))
        if gone:
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
            self._rows = self._rows[gone:] - n
            self.endRemoveRows()
        else:
            self._rows -= n
        self._seen = max(0, self._seen - n)

    def _insert(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows = np.concatenate([self._rows, rows.astype(np.int64)])
        self.endInsertRows()
