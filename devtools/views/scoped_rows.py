"""A pane's table of runs or operations kept to the shared selection: rows of the sidebar's scope only, and the key
(a run's linkId, an operation's commandId) the selected event belongs to, so the pane can make it current."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QTableWidget

from runtime.trace import EventStore

from ..model.scope import EVERYTHING, Scope, scope_of
from ..state import UiState
from .tables import show_rows

__all__ = ["ScopedRows"]


class ScopedRows:
    """Hides the rows of `table` (one per key) whose instance is out of scope."""

    def __init__(self, table: QTableWidget, instance_of: Callable[[str], str]) -> None:
        self.table = table
        self.instance_of = instance_of
        self.scope: Scope = EVERYTHING

    def apply(self, keys: Sequence[str]) -> None:
        """Show the rows of `keys` (the table's rows, in order) that are in scope."""
        show_rows(self.table, [self.scope.has_instance(self.instance_of(key)) for key in keys])

    def follow(self, ui: UiState, store: EventStore, keys: Sequence[str],
               key_of_row: Callable[[int], str | None]) -> str | None:
        """Take the scope of `ui` and return the key of its selected event when the table has it, else None."""
        self.scope = scope_of(store, ui["selection"])
        self.apply(keys)
        row = ui["selectedRow"]
        key = key_of_row(row) if row is not None and 0 <= row < len(store) else None  # below 0: let go
        return key if key is not None and key in keys else None
