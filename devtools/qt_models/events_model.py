"""The events table model: a virtual view of the event store through a filter, for millions of rows.

Nothing is fetched eagerly: the model holds one integer array of matching store rows, and `data()` reads the
columns of the few rows the view paints. Filters by kind, instance, time range, text or regex are vectorised over
the interned string tables (a regex is tried once per distinct label, not once per row). The path filter ("the
transactions that touched field path X") needs each transaction's dirty set; it is indexed in chunks between
the store's own index (`txns_touching`), caught up incrementally as rows arrive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from runtime.trace.columnar import FLAG_DOWNGRADE, FLAG_ERROR, FLAG_WARNING

from ..model.event_feed import EventFeed

__all__ = ["EventsModel", "EventFilter", "FilterError", "COLUMNS"]

COLUMNS = ("#", "time", "kind", "label", "instance", "txn")
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_USER = Qt.ItemDataRole.UserRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ROLES = frozenset((_DISPLAY, _USER, _FOREGROUND, Qt.ItemDataRole.TextAlignmentRole))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ERROR_BRUSH = QBrush(QColor("#d64545"))
_WARN_BRUSH = QBrush(QColor("#c98a00"))


class FilterError(ValueError):
    """A filter the user typed cannot be applied (e.g. an invalid regular expression); the message says why."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What the events table shows."""

    kinds: tuple[str, ...] = ()
    """Event kinds to show (`state`, `action`, `diagnostic`, ...); empty shows every kind."""
    instances: tuple[str, ...] = ()
    """Instance ids (from the sidebar selection); empty shows every instance."""
    text: str = ""
    """Case-insensitive substring (or regex when `regex`) matched against kind, label and instance."""
    regex: bool = False
    path: str = ""
    """Show only transactions whose dirty set overlaps this field path."""
    time_range: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def pattern(self) -> re.Pattern[str] | None:
        if not self.text:
            return None
        if not self.regex:
            return re.compile(re.escape(self.text), re.IGNORECASE)
        try:
            return re.compile(self.text, re.IGNORECASE)
        except re.error as err:
            raise FilterError(f"invalid regular expression {self.text!r}: {err}") from None


def _codes_matching(names: list[str], pattern: re.Pattern[str]) -> np.ndarray:
    return np.asarray([c for c, name in enumerate(names) if pattern.search(name)], np.int64)


class EventsModel(QAbstractTableModel):
    """Rows of the event feed that pass an EventFilter."""

    def __init__(self, feed: EventFeed, parent: Any = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.filter = EventFilter()
        self.unmapped_rows = 0
        """With a path filter: transactions whose dirty ids could not be mapped (their digest's IR is unknown)."""
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
        self._t0: float | None = None
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
            return str(row + 1)
        if col == 1:
            t0 = self._t0 if self._t0 is not None else s.ts[row]
            return f"{(s.ts[row] - t0) / 1000.0:.3f} s"
        if col == 2:
            return s.kind_of(row)
        if col == 3:
            return s.label_of(row)
        if col == 4:
            return s.instance_of(row)
        return f"t{s.txn[row]}" if s.txn[row] else ""

    # -- rows -------------------------------------------------------------------------------------------------------

    def store_row(self, model_row: int) -> int:
        return int(self._rows[model_row])

    def model_row(self, store_row: int) -> int | None:
        """Where a store row is shown, or None when the filter hides it."""
        i = int(np.searchsorted(self._rows, store_row))
        return i if i < len(self._rows) and int(self._rows[i]) == store_row else None

    def set_filter(self, flt: EventFilter) -> None:
        """Show what `flt` selects; raises FilterError (and changes nothing) for a filter that cannot apply."""
        flt.pattern()  # validate first: a bad regex must not leave a half-applied filter
        if flt.path:
            _path_rows(self.feed, flt.path, 0)  # a malformed path raises here, before anything changes
        if flt == self.filter:
            return
        self.beginResetModel()
        self.filter = flt
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
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
            rows = self._match(self._seen, n)
            if self.filter.path:
                hits, self.unmapped_rows = _path_rows(self.feed, self.filter.path, self._seen)
                rows = np.intersect1d(rows, hits[hits < n], assume_unique=True)
            self._insert(rows)
            self._seen = n

    def _insert(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows = np.concatenate([self._rows, rows.astype(np.int64)])
        self.endInsertRows()

    def _match(self, lo: int, hi: int) -> np.ndarray:
        """Rows in [lo, hi) passing every filter but the path one (vectorised over the columns)."""
        feed, s, f = self.feed, self.feed.store, self.filter
        mask = np.ones(hi - lo, bool)
        if f.kinds:
            mask &= np.isin(feed.column("kind")[lo:hi], [s.kinds.codes[k] for k in f.kinds if k in s.kinds.codes])
        if f.instances:
            codes = [s.instances.codes[i] for i in f.instances if i in s.instances.codes]
            mask &= np.isin(feed.column("instance")[lo:hi], codes)
        if f.time_range is not None:
            ts = feed.column("ts")[lo:hi]
            mask &= (ts >= f.time_range[0]) & (ts <= f.time_range[1])
        pattern = f.pattern()
        if pattern is not None:
            text = np.isin(feed.column("label")[lo:hi], _codes_matching(s.labels.values, pattern))
            text |= np.isin(feed.column("kind")[lo:hi], _codes_matching(s.kinds.values, pattern))
            text |= np.isin(feed.column("instance")[lo:hi], _codes_matching(s.instances.values, pattern))
            mask &= text
        return np.flatnonzero(mask) + lo


def _path_rows(feed: EventFeed, path: str, lo: int) -> tuple[np.ndarray, int]:
    """Transaction rows at or after `lo` that touched `path`, and how many could not be mapped."""
    try:
        result = feed.store.index.txns_touching(path)
    except ValueError as err:
        raise FilterError(str(err)) from None
    rows = np.asarray(result.rows, np.int64)
    return rows[rows >= lo], result.unmapped_rows
