"""The end-to-end pane (092): the slowest runs as a sortable table, and the selected run's chain segment by segment.

Columns: run (linkId), instance, action -> paint ms, then the summed duration of each segment kind in chain order
(action:pending, io:wait, txn:commit, notify:scheduled, notify:flush, UI commit, paint, action:settle). Sorted by
action -> paint, slowest first, until a header is clicked. Rows come from the shared timeline model's e2e index
(devtools.model.e2e_chains), fed by the `trace:e2e` events of sampled runs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QTableWidgetItem, QWidget

from ..app.context import DevtoolsContext
from ..model.e2e_chains import E2E_SEGMENT_KINDS, E2EChain
from .e2e_text import segment_line, segment_name
from .table_pane import MIN_LOG_HEIGHT, detail_column, lay_out_table_pane
from .tables import readonly_table
from .timeline.source import timeline_source

__all__ = ["E2EPane", "COLUMNS"]

COLUMNS = ("run", "instance", "action → paint ms", *(segment_name(k).split(" ")[0] for k in E2E_SEGMENT_KINDS))


class _Number(QTableWidgetItem):
    """A cell that sorts by its number, not its text."""

    def __init__(self, value: float | None) -> None:
        super().__init__("" if value is None else f"{value:.2f}")
        self.value = -1.0 if value is None else value

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.value < other.value if isinstance(other, _Number) else super().__lt__(other)


class E2EPane(QWidget):
    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.source = timeline_source(ctx)
        self.model = self.source.model
        self.table = readonly_table(COLUMNS)
        self.table.setSortingEnabled(True)
        self.table.currentCellChanged.connect(lambda r, *_: self._show_chain(r))
        self.empty = QLabel("No end-to-end chains: turn on e2e tracing (rt.e2e.configure(E2EConfig(enabled=True, "
                            "sample_rate=...))) with diagnostics on; sampled runs appear here.")
        self.empty.setWordWrap(True)
        self.heading = QLabel("Select a run.")
        self.segments = QListWidget()
        self.segments.setMinimumHeight(MIN_LOG_HEIGHT)  # its own minimum would take the table's rows in a short pane
        self.segments.itemClicked.connect(self._segment_clicked)
        lay_out_table_pane(self, self.empty, self.table, detail_column(self.heading, (self.segments, 1)),
                           Qt.Orientation.Vertical, table_share=0.6)
        self._shown_version = -1
        self._sorted_once = False
        self.source.modelChanged.connect(self.refresh)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        index = self.model.e2e
        if index.version == self._shown_version or not self.isVisible() and self._shown_version >= 0:
            return
        self._shown_version = index.version
        chains = sorted(index.chains.values(), key=lambda c: -(c.action_to_paint_ms() or -1.0))
        self.empty.setVisible(not chains)
        current = self.selected_link()
        table = self.table
        table.setSortingEnabled(False)
        table.blockSignals(True)
        table.setRowCount(len(chains))
        for r, chain in enumerate(chains):
            run = QTableWidgetItem(chain.link_id)
            run.setData(Qt.ItemDataRole.UserRole, chain.link_id)
            table.setItem(r, 0, run)
            table.setItem(r, 1, QTableWidgetItem(chain.instance_id))
            table.setItem(r, 2, _Number(chain.action_to_paint_ms()))
            for c, kind in enumerate(E2E_SEGMENT_KINDS, start=3):
                has = any(s.kind == kind for s in chain.segments)
                table.setItem(r, c, _Number(chain.total_ms(kind) if has else None))
        table.setSortingEnabled(True)
        if not self._sorted_once and chains:
            table.sortItems(2, Qt.SortOrder.DescendingOrder)
            self._sorted_once = True
        table.blockSignals(False)
        if current is not None:
            self.select_run(current)

    def selected_link(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        link = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return link if isinstance(link, str) else None

    def select_run(self, link_id: str) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == link_id:
                self.table.setCurrentCell(r, 0)
                self._show_chain(r)
                return

    def chain_of(self, r: int) -> E2EChain | None:
        item = self.table.item(r, 0) if r >= 0 else None
        return self.model.e2e.chains.get(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _show_chain(self, r: int) -> None:
        self.segments.clear()
        chain = self.chain_of(r)
        if chain is None:
            self.heading.setText("Select a run.")
            return
        latency = chain.action_to_paint_ms()
        self.heading.setText(f"{chain.link_id}: action → paint "
                             + (f"{latency:.2f} ms" if latency is not None else "not painted yet"))
        ordered = chain.ordered()
        for segment in ordered:
            item = QListWidgetItem(segment_line(segment, ordered[0].start_ms))
            item.setData(Qt.ItemDataRole.UserRole, segment.row)
            self.segments.addItem(item)

    def _segment_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(row, int) and row >= 0:
            self.ctx.state.select_row(row)
