"""The causality page of one transaction: why did these fields recompute?

Shows the transaction of the selected event (the newest transaction while nothing is selected): its dirty roots,
the converge steps that ran because of them (changed or not, with each step's duration at full diagnostics) and
those skipped, along the dependency edges of its static IR (devtools.model.txn_causality). Clicking a field shows
what feeds it, what it feeds and the transactions that wrote it; clicking one of those selects it in the window.

Live, the newest transaction is looked up again at most every REFRESH_MS, and only while the page is visible.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..app.context import DevtoolsContext
from ..model.txn_causality import TxnCausality, txn_causality, txn_of_row
from ..state import UiState
from .causality_style import STATUS_FILL, legend_html, txn_looks
from .graph_panel import GraphPanel

__all__ = ["TxnCausalityPage", "REFRESH_MS"]

REFRESH_MS = 400
_EVIDENCE = {
    "full": "per-step durations recorded (full diagnostics)",
    "inferred": "which steps ran is inferred from the plan; durations need full diagnostics",
    "partial": "the dirty roots were cut short at this level: what ran unchanged is not known",
}


class TxnCausalityPage(QWidget):
    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.header = QLabel()
        self.header.setObjectName("causalityHeader")
        self.header.setWordWrap(True)
        self.legend = QLabel(legend_html(STATUS_FILL))
        self.legend.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#8a8f98")
        self.panel = GraphPanel()
        self.panel.status_of = self._status_text
        self.panel.txn_chosen.connect(self.select_txn)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.legend)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.note)
        self.causality: TxnCausality | None = None
        self._shown: tuple[str, int] | None = None
        """(instance, txnSeq) drawn now."""
        self._row: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        ctx.bind(self, ctx.events, self._rows_changed)
        ctx.on_release(self, self._released)

    # -- what to show -----------------------------------------------------------------------------------------------

    def _ui_changed(self, ui: UiState) -> None:
        if ui["selectedRow"] != self._row:
            self._row = ui["selectedRow"]
            self.refresh()

    def _rows_changed(self, _rows: int) -> None:
        if (self._row is None or self.causality is None) and not self._timer.isActive():
            self._timer.start()

    def _released(self, _n: int) -> None:
        self._shown = None  # rows were renumbered: look the transaction up again
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _target_row(self) -> int | None:
        """The selected row, or (nothing selected) the newest transaction's state:update row shown now."""
        if self._row is not None:
            return self._row
        visible = len(self.ctx.events)
        rows = self.ctx.events.store.index.state_rows()
        for i in range(len(rows) - 1, max(-1, len(rows) - 64), -1):
            if rows[i] < visible:
                return int(rows[i])
        return None

    def refresh(self) -> None:
        if not self.isVisible():
            return
        store = self.ctx.events.store
        row = self._target_row()
        which = txn_of_row(store, row) if row is not None else None
        if which is not None and which == self._shown and self.causality is not None:
            return
        c = txn_causality(store, row) if row is not None else None
        self.causality = c
        self._shown = which if c is not None else None
        if c is None:
            self.header.setText("")
            self.note.setText("")
            self.panel.clear("Select a transaction (an event of one) to see why its fields recomputed."
                             if which is None else f"{which[0]}::t{which[1]}: no converge evidence or static IR "
                             "for it in this window.")
            return
        self._show(c)

    def _show(self, c: TxnCausality) -> None:
        graph, hidden = c.shown()
        roots = len(c.roots)
        ran = c.count("changed") + c.count("unchanged")
        mode = f"converge {c.executed_mode}, {c.outcome}" if c.executed_mode else "no converge decision"
        took = f" · {c.execution_ms:.3f} ms" if c.execution_ms is not None else ""
        following = "" if self._row is not None else " <span style='color:#8a8f98'>(newest; select one)</span>"
        self.header.setText(
            f"<b>{c.txn_id}</b> {c.origin}{following} · {mode}{took} · "
            f"<b>{roots}</b> dirty root{'s' if roots != 1 else ''}{' (everything)' if c.dirty_all else ''} → "
            f"<b>{ran}</b> ran ({c.count('changed')} changed, {c.count('unchanged')} same), "
            f"<b>{c.count('skipped')}</b> skipped")
        notes = [_EVIDENCE[c.evidence]]
        if c.outcome == "Degraded":
            notes.insert(0, "converge degraded: the steps shown ran, and their writes were rolled back")
        if hidden:
            notes.append(f"{hidden} fields neither dirty nor downstream are not drawn")
        if not c.graph.has_edges:
            notes.append("this trace has no dependency edges (recorded before static-ir:graph existed)")
        self.note.setText(" · ".join(notes))
        keep = self.panel.selected
        self.panel.show_graph(graph, txn_looks(c, graph), self.ctx.events.store, keep=keep,
                              centre=c.roots[0] if c.roots else None)

    def _status_text(self, key: str) -> str:
        c = self.causality
        if c is None:
            return ""
        run = c.steps.get(key)
        text = c.status_of(key)
        if run is not None and run.duration_ms is not None:
            text += f" in {run.duration_ms:.3f} ms"
        return f"{text} in {c.txn_id}"

    def select_txn(self, row: int) -> None:
        """Select the transaction of state:update `row` everywhere (the page follows the selection)."""
        self.ctx.state.set_follow(False)
        self.ctx.state.select_row(row)
