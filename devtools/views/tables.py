"""The read-only tables the panes share: rows selected whole, no editing, no row numbers."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QTableWidget

__all__ = ["readonly_table", "show_rows"]


def readonly_table(columns: Sequence[str], *, multi: bool = False) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    modes = QAbstractItemView.SelectionMode
    table.setSelectionMode(modes.ExtendedSelection if multi else modes.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def show_rows(table: QTableWidget, shown: Sequence[bool]) -> None:
    """Hide the rows whose flag is False (rows out of the sidebar's scope), show the others."""
    for row, keep in enumerate(shown):
        if table.isRowHidden(row) == keep:
            table.setRowHidden(row, not keep)
