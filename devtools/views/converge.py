"""The converge pane: per-transaction decision and execution time, and the audits CNV-001..008.

Top: bars per transaction (decision time stacked under execution time; amber when it ran full, teal when dirty, red
when degraded), for the selected instance (all instances when none is selected) within the chosen time range.
Middle: the same transactions as a table, its `assembled` column from the window's `trace:exec-vm` evidence: `yes` when
the plan ran through an assembled kernel, else why not (`disabled`, `not_implemented`, `missing_capability`), `-`
when the trace has none. Bottom: the eight audits (devtools.model.converge_audits), each fired,
passed or lacking evidence; selecting one explains it, shows the config change that addresses it (copyable), and
highlights its transactions in the table. Clicking a transaction row selects it everywhere.

The window is the newest WINDOW converge events; the pane says so when there were more.

Live cost (the runtime may export 20,000 events a second on the same loop): new rows are scanned with numpy over
the feed's columns and only the converge rows among them are decoded, newest WINDOW at most, in slices of
DECODE_SLICE_S per loop turn; the chart, the table and the audits refresh at most every REFRESH_MS; the table reuses
its items; a refresh is a job of small steps, one per loop turn (chart, blocks of table rows, one audit each).
`refresh()` rebuilds everything at once (construction, scope changes).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..model.converge_audits import RULES, ConvergeTxn, Finding, converge_txn_from_event
from ..state import UiState, time_range_of
from .tables import readonly_table

__all__ = ["ConvergePane", "WINDOW", "REFRESH_MS"]

WINDOW = 2000
TABLE_ROWS = 200
TABLE_BLOCK = 40
"""Rows filled per loop turn when the table refreshes."""
"""The table lists the newest transactions only; the chart and the audits cover the whole window."""
REFRESH_MS = 500
DECODE_SLICE_S = 0.004
"""Time one decoding slice may take on the loop; the rest waits for the next turn."""
_STATUS_MARK = {"fired": "●", "passed": "✓", "insufficient_evidence": "?"}
_SEVERITY_COLOUR = {"error": QColor("#e53935"), "warning": QColor("#fb8c00"), "info": QColor("#1e88e5")}
_DEGRADED_BRUSH = QBrush(QColor("#e53935"))
_COLUMNS = ("transaction", "requested", "executed", "outcome", "decision ms", "execution ms", "steps run",
            "assembled", "reasons")


class ConvergePane(QWidget):
    """Converge timeline, transaction table and audit findings."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.txns: list[ConvergeTxn] = []
        """The window shown now (oldest first)."""
        self.findings: list[Finding] = []
        self.truncated = 0
        self._window: deque[ConvergeTxn] = deque(maxlen=WINDOW)
        self._bar_values: deque[tuple[float, float, int]] = deque(maxlen=WINDOW)
        """(decision ms, execution ms, colour group) of each window entry, computed once when decoded."""
        self._pending: deque[int] = deque(maxlen=WINDOW)
        """Rows of converge events in scope, scanned but not decoded yet (only the newest WINDOW matter)."""
        self._scanned = 0
        """Feed rows already scanned for the current scope."""
        self._matched = 0
        """Converge events in scope seen so far (decoded or skipped as too old)."""
        self._vm_pending: deque[int] = deque(maxlen=WINDOW)
        """Rows of `trace:exec-vm` events in scope, scanned but not decoded yet."""
        self._assembled: dict[str, str] = {}
        """txnId -> what the `assembled` column shows, for the newest 2 x WINDOW transactions."""
        self._window_version = 0
        self._shown_version = -1

        self.header = QLabel()
        self.header.setWordWrap(True)  # a long summary wraps: it must not widen the middle column past 1024x700
        self.chart = pg.PlotWidget(background=None)
        self.chart.setMenuEnabled(False)
        self.chart.hideButtons()
        self.chart.setMouseEnabled(x=True, y=False)
        self.chart.setLabel("left", "ms")
        self.chart.setLabel("bottom", "transactions in the window (oldest left)")
        self.chart.setMinimumHeight(60)  # the window must fit 1024x700: the chart gives way before the table
        self._bars = [pg.BarGraphItem(x=[0.0], height=[0.0], width=0.8, brush=QColor(colour), pen=None)
                      for colour in ("#7e57c2", "#26a69a", "#f0a030", "#e53935")]
        """Decision time, then execution time run dirty / run full / degraded."""
        for bars in self._bars:
            bars.setVisible(False)
            self.chart.addItem(bars)
        self.table = readonly_table(_COLUMNS, multi=True)
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
        self._timer.timeout.connect(self._show)
        self._decode_timer = QTimer(self)
        self._decode_timer.setSingleShot(True)
        self._decode_timer.setInterval(0)
        self._decode_timer.timeout.connect(self._decode_slice)
        self._job: Iterator[bool] | None = None
        self._job_timer = QTimer(self)
        self._job_timer.setSingleShot(True)
        self._job_timer.setInterval(0)
        self._job_timer.timeout.connect(self._job_step)
        self._scope: tuple[str | None, tuple[float, float] | None] = (None, None)
        """(instance, time range) the window covers: the sidebar's instance and the chosen range."""
        ctx.bind(self, ctx.events, self._changed)
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        ctx.on_release(self, self._rows_released)
        self.refresh()

    # -- data -------------------------------------------------------------------------------------------------------

    def _changed(self, _rows: int) -> None:
        if len(self.ctx.events) < self._scanned:  # the replay cursor moved back: start over
            self.refresh()
            return
        self._scan()
        if (self._pending or self._vm_pending) and not self._decode_timer.isActive():
            self._decode_timer.start()

    def _rows_released(self, n: int) -> None:
        """The feed let its oldest `n` rows go: the window keeps the transactions still held, renumbered."""
        kept = [(ConvergeTxn(t.txn_id, t.module_id, t.instance_id, t.row - n, t.meta), bars)
                for t, bars in zip(self._window, self._bar_values, strict=True) if t.row >= n]
        self._window = deque((t for t, _ in kept), maxlen=WINDOW)
        self._bar_values = deque((bars for _, bars in kept), maxlen=WINDOW)
        self._pending = deque((r - n for r in self._pending if r >= n), maxlen=WINDOW)
        self._vm_pending = deque((r - n for r in self._vm_pending if r >= n), maxlen=WINDOW)
        self._scanned = max(0, self._scanned - n)
        self._window_version += 1
        self._show()

    def _ui_changed(self, ui: UiState) -> None:
        scope = (ui["selection"]["instance"], time_range_of(ui))
        if scope != self._scope:
            self._scope = scope
            self.refresh()

    def _scan(self) -> None:
        """Queue the converge rows in scope among the rows added since the last scan (numpy over new rows only)."""
        feed = self.ctx.events
        n = len(feed)
        lo, self._scanned = self._scanned, n
        if n <= lo:
            return
        labels = feed.column("label")[lo:n]
        instance, span = self._scope
        scope = np.ones(n - lo, dtype=bool)
        if instance is not None:
            inst_code = feed.store.instances.find(instance)
            if inst_code is None:
                return
            scope &= feed.column("instance")[lo:n] == inst_code
        if span is not None:
            ts = feed.column("ts")[lo:n]
            scope &= (ts >= span[0]) & (ts <= span[1])
        vm_code = feed.store.labels.find("trace:exec-vm")
        if vm_code is not None:
            self._vm_pending.extend((np.flatnonzero(scope & (labels == vm_code))[-WINDOW:] + lo).tolist())
        code = feed.store.labels.find("trace:trait:converge")
        if code is None:
            return
        rows = np.flatnonzero(scope & (labels == code))
        self._matched += int(rows.size)
        self._pending.extend((rows[-WINDOW:] + lo).tolist())

    def _decode(self, budget_s: float | None) -> None:
        store = self.ctx.events.store
        pending, window = self._pending, self._window
        end = None if budget_s is None else time.perf_counter() + budget_s
        decoded = 0
        vm_pending, assembled = self._vm_pending, self._assembled
        while vm_pending:  # small metas, one per converge: read before the converge rows they annotate
            event = store.payload(vm_pending.popleft())
            meta = event.get("meta")
            if isinstance(meta, dict) and event.get("txnId"):
                assembled[str(event["txnId"])] = "yes" if meta.get("hit") else str(meta.get("reasonCode", "no"))
            decoded += 1
        if len(assembled) > 2 * WINDOW:
            for key in list(assembled)[: len(assembled) - WINDOW]:
                del assembled[key]
        while pending:
            row = pending.popleft()
            t = converge_txn_from_event(row, store.payload(row))
            if t is not None:
                window.append(t)
                m = t.meta
                self._bar_values.append((_ms(m.get("decisionDurationMs")), _ms(m.get("executionDurationMs")),
                                         2 if m.get("outcome") == "Degraded" else
                                         1 if m.get("executedMode") == "full" else 0))
            decoded += 1
            if end is not None and decoded % 32 == 0 and time.perf_counter() > end:
                break
        if decoded:
            self._window_version += 1

    def _decode_slice(self) -> None:
        self._decode(DECODE_SLICE_S)
        if self._pending:
            self._decode_timer.start()
        elif not self._timer.isActive():
            self._timer.start()  # show what arrived, at most every REFRESH_MS

    def refresh(self) -> None:
        """Rebuild the window for the current scope and show it now."""
        self._decode_timer.stop()
        self._window.clear()
        self._bar_values.clear()
        self._pending.clear()
        self._vm_pending.clear()
        self._assembled.clear()
        self._scanned = self._matched = 0
        self._scan()
        self._decode(None)
        self._window_version += 1
        self._show(now=True)

    # -- display ----------------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show()

    def _show(self, now: bool = False) -> None:
        """Show the window: at once (`now`), or as a job of small steps, one per loop turn (see `_show_steps`)."""
        if self._shown_version == self._window_version or not self.isVisible():
            return  # a hidden tab is shown when it is shown: live, the window changes every REFRESH_MS
        self._shown_version = self._window_version
        self._job = self._show_steps(self._shown_version)
        if now:
            self._job_timer.stop()
            for _ in self._job:
                pass
            self._job = None
        else:
            self._job_timer.start()

    def _job_step(self) -> None:
        if self._job is not None and next(self._job, None) is not None:
            self._job_timer.start()
        else:
            self._job = None

    def _show_steps(self, version: int) -> Iterator[bool]:
        """Header and chart, the table in blocks of rows, then one audit per step: each step a few ms at most."""
        self.txns = txns = list(self._window)
        self.truncated = max(0, self._matched - len(txns))
        self._update_header()
        self._fill_chart()
        yield True
        shown = txns[-TABLE_ROWS:][::-1]  # newest first
        # repainted once the last block is in: no half-new table on screen (no try/finally: a job dropped with its
        # pane is finalised after the table is gone, and a newer job re-enables updates when it completes)
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(shown))
        for start in range(0, len(shown), TABLE_BLOCK):
            self._fill_rows(shown, start, start + TABLE_BLOCK)
            yield True
        self.table.setUpdatesEnabled(True)
        findings = []
        for rule in RULES:
            if txns:
                findings.append(rule(txns))
                yield True
        self._audits_done(version, findings)

    def _audits_done(self, version: int, findings: list[Finding]) -> None:
        if version != self._shown_version:
            return
        findings = findings if self.txns else []
        if findings == self.findings and self.audits.count() == len(findings):
            return  # the list, the detail and the highlight stay as they are
        self.findings = findings
        self._update_header()
        self._fill_audits()

    def _update_header(self) -> None:
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

    def _fill_chart(self) -> None:
        if not self.txns:
            for bars in self._bars:
                bars.setVisible(False)
            return
        values = np.array(self._bar_values, np.float64).reshape(-1, 3)
        n = values.shape[0]
        x = np.arange(n, dtype=np.float64)
        decision, execution, group = values[:, 0], values[:, 1], values[:, 2].astype(np.int8)
        # one single-brush bar item per colour: pyqtgraph draws those as one drawRects call
        self._set_bars(self._bars[0], x, np.zeros_like(x), decision)
        for g in range(3):
            sel = group == g
            self._set_bars(self._bars[1 + g], x[sel], decision[sel], execution[sel])
        self.chart.setXRange(-1, n, padding=0)
        self.chart.setYRange(0, max(float((decision + execution).max()), 1e-3) * 1.1, padding=0)

    @staticmethod
    def _set_bars(bars: pg.BarGraphItem, x: np.ndarray, y0: np.ndarray, height: np.ndarray) -> None:
        bars.setVisible(bool(x.size))
        if x.size:
            bars.setOpts(x=x, y0=y0, height=height, width=0.8)

    def _fill_rows(self, shown: list[ConvergeTxn], start: int, stop: int) -> None:
        table = self.table
        for r in range(start, min(stop, len(shown))):
            t = shown[r]
            m = t.meta
            steps = m.get("stepStats") or {}
            values = (t.txn_id, m.get("requestedMode", "?"), m.get("executedMode", "?"), m.get("outcome", "?"),
                      f"{_ms(m.get('decisionDurationMs')):.3f}", f"{_ms(m.get('executionDurationMs')):.3f}",
                      f"{steps.get('executedSteps', '?')}/{steps.get('totalSteps', '?')}",
                      self._assembled.get(t.txn_id, "-"), ", ".join(m.get("reasons") or []))
            for c, v in enumerate(values):
                item = table.item(r, c)
                if item is None:  # items are reused: creating 1,600 of them per refresh costs more than the rest
                    item = QTableWidgetItem()
                    table.setItem(r, c, item)
                item.setText(str(v))
                item.setData(Qt.ItemDataRole.UserRole, t.row)
                if c == 3:
                    item.setForeground(_DEGRADED_BRUSH if v == "Degraded" else QBrush())

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
        first_item = table.item(first, 0) if first is not None else None
        if first_item is not None:
            table.scrollToItem(first_item)

    def highlighted_txn_ids(self) -> list[str]:
        """Transaction ids of the rows selected in the table."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        items = (self.table.item(r, 0) for r in rows)
        return [item.text() for item in items if item is not None]

    def copy_snippet(self) -> None:
        index = self.audits.currentRow()
        if 0 <= index < len(self.findings) and self.findings[index].snippets:
            QGuiApplication.clipboard().setText("\n".join(s.code for s in self.findings[index].snippets))

    def _row_clicked(self, r: int, _c: int) -> None:
        item = self.table.item(r, 0)
        if item is not None:
            self.ctx.state.select_row(int(item.data(Qt.ItemDataRole.UserRole)))


def _ms(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
