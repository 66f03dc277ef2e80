"""The converge pane: per-transaction decision and execution time, and the audits CNV-001..008.

Top: bars per transaction (decision time stacked under execution time; amber when it ran full, teal when dirty, red
when degraded), for the selected instance (all instances when none is selected) within the chosen time range.
Middle: the same transactions as a table. Bottom: the eight audits (devtools.model.converge_audits), each fired,
passed or lacking evidence; selecting one explains it, shows the config change that addresses it (copyable), and
highlights its transactions in the table. Clicking a transaction row selects it everywhere.

The window is the newest WINDOW converge events; the pane says so when there were more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from ..model.converge_audits import ConvergeTxn, Finding, converge_txn_from_event, run_audits

__all__ = ["ConvergePane", "WINDOW", "REFRESH_MS"]

WINDOW = 2000
TABLE_ROWS = 200
"""The table lists the newest transactions only; the chart and the audits cover the whole window."""
REFRESH_MS = 500
_STATUS_MARK = {"fired": "●", "passed": "✓", "insufficient_evidence": "?"}
_SEVERITY_COLOUR = {"error": QColor("#e53935"), "warning": QColor("#fb8c00"), "info": QColor("#1e88e5")}
_COLUMNS = ("transaction", "requested", "executed", "outcome", "decision ms", "execution ms", "steps run",
            "reasons")


class ConvergePane(QWidget):
    """Converge timeline, transaction table and audit findings."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.txns: list[ConvergeTxn] = []
        self.findings: list[Finding] = []
        self.truncated = 0

        self.header = QLabel()
        self.chart = pg.PlotWidget(background=None)
        self.chart.setMenuEnabled(False)
        self.chart.hideButtons()
        self.chart.setMouseEnabled(x=True, y=False)
        self.chart.setLabel("left", "ms")
        self.chart.setLabel("bottom", "transactions in the window (oldest left)")
        self.chart.setMinimumHeight(120)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(self._row_clicked)
        self.audits = QListWidget()
        self.audits.currentRowChanged.connect(self._finding_selected)
        self.detail = QTextBrowser()
        self.copy_button = QPushButton("Copy config change")
        self.copy_button.clicked.connect(self.copy_snippet)
        self.copy_button.setEnabled(False)

        findings_box = QWidget()
        fl = QHBoxLayout(findings_box)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self.audits, 2)
        right = QVBoxLayout()
        right.addWidget(self.detail, 1)
        right.addWidget(self.copy_button)
        fl.addLayout(right, 3)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        split.addWidget(findings_box)
        split.setSizes([150, 200, 220])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._scope: tuple[Any, Any] = (None, None)
        ctx.bind(self, ctx.events, self._changed)
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        self.refresh()

    # -- data -------------------------------------------------------------------------------------------------------

    def _changed(self, _snapshot: Any) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _ui_changed(self, ui: Any) -> None:
        scope = (ui["selection"].get("instance"), tuple(ui["timeRange"]) if ui.get("timeRange") else None)
        if scope != self._scope:
            self._scope = scope
            self.refresh()

    def _window_rows(self) -> np.ndarray:
        feed = self.ctx.events
        code = feed.store.labels.find("trace:trait:converge")
        if code is None or len(feed) == 0:
            return np.zeros(0, np.int64)
        mask = feed.column("label") == code
        instance, span = self._scope
        if instance is not None:
            inst_code = feed.store.instances.find(instance)
            mask &= False if inst_code is None else feed.column("instance") == inst_code
        if span is not None:
            ts = feed.column("ts")
            mask &= (ts >= span[0]) & (ts <= span[1])
        return np.flatnonzero(mask)

    def refresh(self) -> None:
        rows = self._window_rows()
        self.truncated = max(0, rows.size - WINDOW)
        store = self.ctx.events.store
        txns = []
        for row in rows[-WINDOW:].tolist():
            t = converge_txn_from_event(row, store.payload(row))
            if t is not None:
                txns.append(t)
        self.txns = txns
        self.findings = run_audits(txns) if txns else []
        self._show()

    # -- display ----------------------------------------------------------------------------------------------------

    def _show(self) -> None:
        txns = self.txns
        instance, span = self._scope
        where = instance or "all instances"
        if not txns:
            self.header.setText(f"Converge ({where}): no converge evidence. Make sure the diagnostics level is not "
                                "off and that the module has derived fields.")
        else:
            fired = sum(f.status == "fired" for f in self.findings)
            more = f" (newest {WINDOW:,} of {WINDOW + self.truncated:,})" if self.truncated else ""
            self.header.setText(f"Converge ({where}): {len(txns):,} transactions{more}; {fired} audit(s) fired")
        self._fill_chart()
        self._fill_table()
        self._fill_audits()

    def _fill_chart(self) -> None:
        self.chart.clear()
        if not self.txns:
            return
        x = np.arange(len(self.txns), dtype=np.float64)
        decision = np.array([float(t.meta.get("decisionDurationMs") or 0.0) for t in self.txns])
        execution = np.array([float(t.meta.get("executionDurationMs") or 0.0) for t in self.txns])
        colours = [QColor("#e53935") if t.meta.get("outcome") == "Degraded" else
                   QColor("#f0a030") if t.meta.get("executedMode") == "full" else QColor("#26a69a")
                   for t in self.txns]
        self.chart.addItem(pg.BarGraphItem(x=x, height=decision, width=0.8, brush=QColor("#7e57c2"), pen=None))
        self.chart.addItem(pg.BarGraphItem(x=x, y0=decision, height=execution, width=0.8,
                                           brushes=[QBrush(c) for c in colours], pen=None))
        self.chart.setXRange(-1, len(self.txns), padding=0)
        self.chart.setYRange(0, max(float((decision + execution).max()), 1e-3) * 1.1, padding=0)

    def _fill_table(self) -> None:
        table = self.table
        table.setUpdatesEnabled(False)
        shown = self.txns[-TABLE_ROWS:]
        table.setRowCount(len(shown))
        for r, t in enumerate(reversed(shown)):  # newest first
            m = t.meta
            steps = m.get("stepStats") or {}
            values = (t.txn_id, m.get("requestedMode", "?"), m.get("executedMode", "?"), m.get("outcome", "?"),
                      f"{float(m.get('decisionDurationMs') or 0):.3f}", f"{float(m.get('executionDurationMs') or 0):.3f}",
                      f"{steps.get('executedSteps', '?')}/{steps.get('totalSteps', '?')}",
                      ", ".join(m.get("reasons") or []))
            for c, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                item.setData(Qt.ItemDataRole.UserRole, t.row)
                if c == 3 and v == "Degraded":
                    item.setForeground(QBrush(QColor("#e53935")))
                table.setItem(r, c, item)
        table.setUpdatesEnabled(True)

    def _fill_audits(self) -> None:
        current = self.audits.currentRow()
        self.audits.blockSignals(True)
        self.audits.clear()
        for f in self.findings:
            label = f"{_STATUS_MARK[f.status]} {f.code} {f.title}"
            if f.status == "fired":
                label += f" ({len(f.txn_ids)})"
            elif f.status == "insufficient_evidence":
                label += " (insufficient evidence)"
            item = QListWidgetItem(label)
            if f.status == "fired":
                item.setForeground(QBrush(_SEVERITY_COLOUR[f.severity]))
            self.audits.addItem(item)
        self.audits.blockSignals(False)
        if self.findings:
            self.audits.setCurrentRow(current if 0 <= current < len(self.findings) else
                                      next((i for i, f in enumerate(self.findings) if f.status == "fired"), 0))
        else:
            self.detail.clear()
            self.copy_button.setEnabled(False)

    def _finding_selected(self, index: int) -> None:
        if not 0 <= index < len(self.findings):
            return
        f = self.findings[index]
        parts = [f"<h3>{f.code} · {f.title}</h3>",
                 f"<p><b>{f.status.replace('_', ' ')}</b> (severity when fired: {f.severity})</p>",
                 f"<p>{_html(f.explanation)}</p>"]
        if f.recommendation:
            parts.append(f"<p><b>What to do:</b> {_html(f.recommendation)}</p>")
        for s in f.snippets:
            parts.append(f"<p>{s.kind.replace('_', ' ')}:</p><pre>{_html(s.code)}</pre>")
        self.detail.setHtml("".join(parts))
        self.copy_button.setEnabled(bool(f.snippets))
        self._highlight(set(f.rows))

    def _highlight(self, rows: set[int]) -> None:
        table = self.table
        selection = table.selectionModel()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        table.clearSelection()
        first = None
        for r in range(table.rowCount()):
            item = table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) in rows:
                selection.select(table.model().index(r, 0), flags)
                first = r if first is None else first
        if first is not None:
            table.scrollToItem(table.item(first, 0))

    def highlighted_txn_ids(self) -> list[str]:
        """Transaction ids of the rows selected in the table."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.table.item(r, 0).text() for r in rows]

    def copy_snippet(self) -> None:
        index = self.audits.currentRow()
        if 0 <= index < len(self.findings) and self.findings[index].snippets:
            QGuiApplication.clipboard().setText("\n".join(s.code for s in self.findings[index].snippets))

    def _row_clicked(self, r: int, _c: int) -> None:
        item = self.table.item(r, 0)
        if item is not None:
            self.ctx.state.select_row(int(item.data(Qt.ItemDataRole.UserRole)))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
