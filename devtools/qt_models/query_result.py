"""A query result as a Qt table model: column names and one Python list per column, read only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

__all__ = ["QueryResultModel"]

Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class QueryResultModel(QAbstractTableModel):
    """`set_result(names, columns, texts)`: `columns` holds the values (what "show these rows" reads), `texts` how
    each cell reads."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.columns: list[list[Any]] = []
        self._texts: list[list[str]] = []

    def set_result(self, names: Sequence[str], columns: Sequence[list[Any]], texts: Sequence[list[str]]) -> None:
        self.beginResetModel()
        self.names, self.columns, self._texts = list(names), list(columns), list(texts)
        self.endResetModel()

    def column(self, name: str) -> list[Any] | None:
        return self.columns[self.names.index(name)] if name in self.names else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature: a default index)
        return 0 if parent.isValid() or not self._texts else len(self._texts[0])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature: a default index)
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.column()][index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            value = self.columns[index.column()][index.row()]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return int(_RIGHT)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.names[section]
        return None
