"""The events table model: a virtual view of the event store through a filter, for millions of rows.

Nothing is fetched eagerly: the model holds one integer array of matching store rows, and `data()` reads the
columns of the few rows the view paints. Filters by kind, instance, time range, text or regex are vectorised over
the interned string tables (a regex is tried once per distinct label, not once per row). The path filter ("the
transactions that touched field path X") needs each transaction's dirty set; it is indexed in chunks between
repaints, so a big trace never freezes the window, and `filterPending` says the answer is still growing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from .event_store import EventStore
from .field_paths import TouchIndex

__all__ = ["EventsModel", "EventFilter", "FilterError", "COLUMNS"]

COLUMNS = ("#", "time", "kind", "label", "instance", "txn")
_CHUNK_ROWS = 20_000
_Index = QModelIndex | QPersistentModelIndex


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
    """Rows of the event store that pass an EventFilter."""

    filterPending = Signal(bool)
    """True while a path filter is still indexing; False when the rows shown are complete."""

    def __init__(self, store: EventStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filter = EventFilter()
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
        self._touch = TouchIndex(store)
        self._t0: float | None = None
        self._pending = False
        self._continue_scheduled = False
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
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = int(self._rows[index.row()])
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and col in (2, 3):
            colour = self._severity_colour(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 1):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: int, col: int) -> str:
        s = self.store
        if col == 0:
            return str(row + 1)
        if col == 1:
            t0 = self._t0 if self._t0 is not None else s.timestamp(row)
            return f"{(s.timestamp(row) - t0) / 1000.0:.3f} s"
        if col == 2:
            return s.kind_name(row)
        if col == 3:
            return s.label(row)
        if col == 4:
            return s.instance_id(row)
        return f"t{s.txn_seq(row)}" if s.txn_seq(row) else ""

    def _severity_colour(self, row: int) -> QColor | None:
        if self.store.kind_name(row) != "diagnostic":
            return None
        severity = (self.store.event(row).get("meta") or {}).get("severity")
        return {"error": QColor("#d64545"), "warning": QColor("#c98a00")}.get(severity)

    # -- rows -------------------------------------------------------------------------------------------------------

    def store_row(self, model_row: int) -> int:
        return int(self._rows[model_row])

    def model_row(self, store_row: int) -> int | None:
        """Where a store row is shown, or None when the filter hides it."""
        i = int(np.searchsorted(self._rows, store_row))
        return i if i < len(self._rows) and int(self._rows[i]) == store_row else None

    @property
    def pending(self) -> bool:
        return self._pending

    def set_filter(self, flt: EventFilter) -> None:
        """Show what `flt` selects; raises FilterError (and changes nothing) for a filter that cannot apply."""
        flt.pattern()  # validate first: a bad regex must not leave a half-applied filter
        if flt == self.filter:
            return
        self.beginResetModel()
        self.filter = flt
        self._rows = np.zeros(0, np.int64)
        self._seen = 0
        self.endResetModel()
        self.refresh()

    def refresh(self) -> None:
        """Take in rows appended to the store since the last call (or start over after a clear)."""
        n = len(self.store)
        if n < self._seen:  # the store was cleared
            self.beginResetModel()
            self._rows = np.zeros(0, np.int64)
            self._seen = 0
            self._t0 = None
            self.endResetModel()
        if self._t0 is None and n:
            self._t0 = self.store.timestamp(0)
        if self.filter.path:
            self._refresh_path()
            return
        if n > self._seen:
            self._insert(self._match(self._seen, n))
            self._seen = n

    def _insert(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows = np.concatenate([self._rows, rows.astype(np.int64)])
        self.endInsertRows()

    def _match(self, lo: int, hi: int) -> np.ndarray:
        """Store rows in [lo, hi) passing every filter but the path one."""
        s, f = self.store, self.filter
        mask = np.ones(hi - lo, bool)
        if f.kinds:
            codes = [s.kinds.codes[k] for k in f.kinds if k in s.kinds.codes]
            mask &= np.isin(s.kind_codes[lo:hi], codes)
        if f.instances:
            codes = [s.instances.codes[i] for i in f.instances if i in s.instances.codes]
            mask &= np.isin(s.instance_codes[lo:hi], codes)
        if f.time_range is not None:
            ts = s.ts[lo:hi]
            mask &= (ts >= f.time_range[0]) & (ts <= f.time_range[1])
        pattern = f.pattern()
        if pattern is not None:
            text_mask = np.isin(s.label_codes[lo:hi], _codes_matching(s.labels.names, pattern))
            text_mask |= np.isin(s.kind_codes[lo:hi], _codes_matching(s.kinds.names, pattern))
            text_mask |= np.isin(s.instance_codes[lo:hi], _codes_matching(s.instances.names, pattern))
            mask &= text_mask
        return np.flatnonzero(mask) + lo

    def _refresh_path(self) -> None:
        done = self._touch.update(_CHUNK_ROWS)
        hits = self._touch.rows_touching(self.filter.path)
        hits = hits[hits >= self._seen]
        if len(hits):
            keep = self._match(int(hits[0]), int(hits[-1]) + 1)
            self._insert(np.intersect1d(hits, keep, assume_unique=True))
            self._seen = int(hits[-1]) + 1
        self._set_pending(not done)
        if not done and not self._continue_scheduled:
            self._continue_scheduled = True
            QTimer.singleShot(0, self._continue_path)

    def _continue_path(self) -> None:
        self._continue_scheduled = False
        if self.filter.path:
            self.refresh()

    def _set_pending(self, pending: bool) -> None:
        if pending != self._pending:
            self._pending = pending
            self.filterPending.emit(pending)
