"""The action runs pane: every async action run, and the detail of the selected one.

Table columns: run (linkId), instance, action, policy, status, cancel reason, duration, transactions, operations.
The detail names the run's policy, status and cancel reason, its duration, the transactions that carried its linkId
(click one to select it everywhere) and its operations (commandIds, with their current stage). The runs come from
the shared timeline model (devtools.model.runs.RunIndex), so the pane costs nothing extra to keep current.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QTableWidgetItem, QWidget

from runtime.trace import EventStore

from ..app.context import DevtoolsContext
from ..model.runs import RunInfo
from .table_pane import KeyedTablePane, detail_column, fill_table, lay_out_table_pane
from .tables import readonly_table

__all__ = ["RunsPane", "STATUS_COLOURS"]

STATUS_COLOURS = {"pending": QColor("#4a90e2"), "success": QColor("#43a047"), "failure": QColor("#e53935"),
                  "cancelled": QColor("#9e9e9e")}
_COLUMNS = ("run", "instance", "action", "policy", "status", "cancel reason", "duration ms", "txns", "ops")


def _duration(run: RunInfo) -> str:
    return "running" if run.duration_ms is None else f"{run.duration_ms:.1f}"


class RunsPane(KeyedTablePane):
    """Action runs table plus the selected run's detail."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.table = readonly_table(_COLUMNS)
        self.table.currentCellChanged.connect(lambda r, *_: self._show_detail(r))
        self.summary = QLabel("Select a run.")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.transactions = QListWidget()
        self.transactions.itemClicked.connect(self._txn_clicked)
        self.operations = QListWidget()
        self.operations.itemClicked.connect(self._op_clicked)
        detail = detail_column(self.summary, QLabel("Its transactions (click to select):"), (self.transactions, 1),
                               QLabel("Its operations:"), (self.operations, 1))
        self.empty = QLabel("No action runs yet: async actions appear here once triggered.")
        lay_out_table_pane(self, self.empty, self.table, detail, Qt.Orientation.Horizontal, table_share=0.66)
        self._follow_ui(lambda key: self.model.runs.runs[key].instance_id, EventStore.link_of)

    def refresh(self, force: bool = False) -> None:
        """Refill the table from the model's runs (while hidden, at most every HIDDEN_REFRESH_MS unless `force`d)."""
        runs = self.model.runs
        if not self._refresh.due(runs.version, force):
            return
        current = self.selected_link()
        all_runs = runs.in_order()
        self._show_keys([r.link_id for r in all_runs])
        table = self.table

        def dress(r: int, c: int, item: QTableWidgetItem) -> None:
            if c == 4:
                item.setForeground(QBrush(STATUS_COLOURS.get(all_runs[r].status, QColor("gray"))))

        fill_table(table, [(run.link_id, run.instance_id, run.action_id, run.policy or "", run.status,
                            run.cancel_reason or "", _duration(run), str(len(run.txn_seqs)),
                            str(len(run.command_ids))) for run in all_runs], dress)
        self.scoped.apply(self._keys)
        if current in self._keys:
            self.select_run(current)
        elif self._keys and table.currentRow() < 0:
            self._show_detail(-1)

    def selected_link(self) -> str | None:
        return self.selected_key()

    def select_key(self, key: str) -> None:
        self.select_run(key)

    def select_run(self, link_id: str) -> None:
        """Show one run (the timeline's click on a run lands here)."""
        if link_id in self._keys:
            self.table.setCurrentCell(self._keys.index(link_id), 0)
            self._show_detail(self._keys.index(link_id))

    def _show_detail(self, r: int) -> None:
        self.transactions.clear()
        self.operations.clear()
        if not 0 <= r < len(self._keys):
            self.summary.setText("Select a run.")
            return
        run = self.model.runs.runs[self._keys[r]]
        colour = STATUS_COLOURS.get(run.status, QColor("gray")).name()
        lines = [f"<b>{run.action_id}</b> run <code>{run.link_id}</code> on {run.instance_id}",
                 f"policy: {run.policy or 'not reported'} · status: <b style='color:{colour}'>{run.status}</b>"
                 + (f" · cancel reason: <b>{run.cancel_reason}</b>" if run.cancel_reason else ""),
                 f"duration: {_duration(run)}" + (" ms" if run.duration_ms is not None else "")]
        if run.error:
            lines.append(f"error: {run.error.get('name', '')}: {run.error.get('message', '')}")
        if run.dropped_txn_seq_count:
            lines.append(f"({run.dropped_txn_seq_count} transaction seqs not listed by the settle event)")
        self.summary.setText("<br>".join(lines))
        for seq in run.txn_seqs:
            item = QListWidgetItem(f"{run.instance_id}::t{seq}")
            item.setData(Qt.ItemDataRole.UserRole, (run.instance_id, seq))
            self.transactions.addItem(item)
        if not run.txn_seqs and run.reported_txn_seqs:
            for seq in run.reported_txn_seqs:
                item = QListWidgetItem(f"{run.instance_id}::t{seq} (reported)")
                item.setData(Qt.ItemDataRole.UserRole, (run.instance_id, seq))
                self.transactions.addItem(item)
        for cid in run.command_ids:
            op = self.model.operations.ops.get(cid)
            text = f"{cid}: {op.op_kind or 'operation'} · {op.stage}" if op else cid
            item = QListWidgetItem(text + (" (detached)" if op and op.detached else ""))
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.operations.addItem(item)

    def _txn_clicked(self, item: QListWidgetItem) -> None:
        instance, seq = item.data(Qt.ItemDataRole.UserRole)
        rows = self.source.store.index.rows_of_txn(instance, seq)
        store = self.source.store
        state_rows = [r for r in rows if store.label_of(r) == "state:update"] or list(rows)
        if state_rows:
            self.ctx.state.select_row(int(state_rows[-1]))
        elif store.released:  # its events were among the oldest, which the live window let go
            item.setText(f"{instance}::t{seq} — let go (retention bound)")
            item.setToolTip("The live window keeps only its newest events (Settings); this transaction's events "
                            "were let go")

    def _op_clicked(self, item: QListWidgetItem) -> None:
        op = self.model.operations.ops.get(item.data(Qt.ItemDataRole.UserRole))
        if op is not None and op.facts:
            self.ctx.state.select_row(op.facts[0].row)
