"""The query pane: SQL (DuckDB) over the window's events, the result as a table, "Show these rows" on the timeline,
and "Generate test…" for the range the timeline shows.

The tables are those of `tickscope query` (devtools/model/trace_tables.py). A loaded trace is queried in its file, a
live or attached session through a temporary trace of its rows (devtools/model/query_source.py). Everything slow runs
in a worker thread: writing that trace, the query, turning the result into cells, generating a test; the pane shows
DuckDB's progress meanwhile and Cancel interrupts the query. At most RESULT_LIMIT rows are shown.

"Show these rows" marks the result's events on the timeline: by its `seq` column (events), else by its `txn_id`
column (transactions), and brings them into view.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..model.query_deps import QueryUnavailable
from ..model.query_output import cell_text
from ..model.query_source import QuerySource, query_source_for
from ..model.scope import scope_of
from ..model.session_test import GeneratedTest, SessionTestError, session_test
from ..model.values import copy_text
from ..qt_models.query_result import QueryResultModel
from ..state import UiState, time_range_of
from .flow_layout import FlowLayout
from .json_view import add_json_actions
from .timeline import TimelineView

__all__ = ["DEFAULT_SQL", "QueryPane", "RESULT_LIMIT"]

DEFAULT_SQL = "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC"
RESULT_LIMIT = 100_000
_PROGRESS_MS = 100


def _execute(source: QuerySource, tables: Any, sql: str) -> tuple[list[str], list[list[Any]], list[list[str]], bool]:
    """(names, values per column, texts per column, whether rows were left out): in the worker thread."""
    reader = tables.query(sql)
    if reader is None:
        return [], [], [], False
    names = list(reader.schema.names)
    columns: list[list[Any]] = [[] for _ in names]
    more = False
    for batch in reader:
        room = RESULT_LIMIT - len(columns[0]) if columns else 0
        if batch.num_rows > room:
            batch, more = batch.slice(0, room), True
        for values, col in zip(columns, batch.columns, strict=True):
            values.extend(col.to_pylist())
        if more:
            break
    texts = [[cell_text(v) for v in values] for values in columns]
    return names, columns, texts, more


def _button(text: str, name: str, tip: str, slot: Callable[[], object], *, enabled: bool = True) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.setEnabled(enabled)
    button.clicked.connect(slot)
    return button


class QueryPane(QWidget):
    """SQL editor, Run / Cancel, progress, the result table, Show these rows, Generate test…."""

    def __init__(self, ctx: DevtoolsContext, timeline: TimelineView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timeline = timeline
        self.sql = QPlainTextEdit(DEFAULT_SQL)
        self.sql.setObjectName("querySql")
        self.sql.setPlaceholderText("SQL over events, transactions, dirty_roots, patches, converge, runs, "
                                    "operations, operation_stages, ticks")
        self.sql.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.run_button = _button("Run (Ctrl+Enter)", "queryRun", "Run the SQL over this window's events",
                                  self.run_query)
        self.cancel_button = _button("Cancel", "queryCancel", "Stop the running query", self.cancel, enabled=False)
        self.show_button = _button("Show these rows", "queryShowRows", "Mark the result's events (its seq column) "
                                   "or transactions (txn_id) on the timeline", self.show_rows, enabled=False)
        self.testgen_button = _button("Generate test…", "queryGenerateTest", "Write a pytest file replaying the "
                                      "transactions in the range the timeline shows (the sidebar's instance, or "
                                      "every instance)", self.ask_generate_test)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status = QLabel("Tables: events, transactions, dirty_roots, patches, converge, runs, operations, "
                             "operation_stages, ticks")
        self.status.setObjectName("queryStatus")
        self.status.setWordWrap(True)
        self.status.setMinimumWidth(1)  # a long error wraps; it never widens the pane
        self.model = QueryResultModel()
        self.table = QTableView()
        self.table.setObjectName("queryResult")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.row_menu: QMenu | None = None

        bar = FlowLayout(h_spacing=6)  # the buttons wrap in a narrow pane instead of widening the tabs
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.run_button, self.cancel_button, self.show_button, self.testgen_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.sql)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.sql)
        shortcut.activated.connect(self.run_query)

        self.task: asyncio.Task[Any] | None = None
        self.last_rows: list[int] = []
        """The store rows "Show these rows" marked last."""
        self.last_test: tuple[str, GeneratedTest] | None = None
        self.testgen_dialog: QFileDialog | None = None
        self._source: QuerySource | None = None
        self._tables: Any = None
        self._ui: UiState | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(_PROGRESS_MS)
        self._timer.timeout.connect(self._show_progress)
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _row_menu(self, pos: QPoint) -> None:
        """Right click on a result row: the row (column name -> value) as JSON."""
        row = self.table.indexAt(pos).row()
        if row < 0:
            return
        model = self.model
        record = {name: values[row] for name, values in zip(model.names, model.columns, strict=True)}
        menu = self.row_menu = QMenu(self.table)
        add_json_actions(menu, lambda: copy_text(record), f"result row {row + 1}", self)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _on_state(self, ui: UiState) -> None:
        self._ui = ui

    # -- running a query ---------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def run_query(self) -> asyncio.Task[Any] | None:
        """Run the editor's SQL in a worker thread; returns the task (None while another one runs)."""
        if self.running:
            return None
        sql = self.sql.toPlainText().strip()
        if not sql:
            self._say("Type a query first.", error=True)
            return None
        self._busy(True, f"Preparing {len(self.ctx.events.store):,} events…")  # at once, before the task starts
        self.task = asyncio.get_running_loop().create_task(self._run(sql), name="tickscope-query")
        return self.task

    def cancel(self) -> None:
        if self._tables is not None:
            self._tables.interrupt()

    def _busy(self, busy: bool, text: str = "") -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.testgen_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)  # DuckDB reports no progress at first: a busy bar until it does
        if busy:
            self._say(text)
            self._timer.start()
        else:
            self._timer.stop()

    def _show_progress(self) -> None:
        tables = self._tables
        value = tables.progress() if tables is not None else None
        if value is not None:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(value))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c62828;" if error else "")

    async def _run(self, sql: str) -> int:
        from ..model.trace_tables import TraceTables

        loop = asyncio.get_running_loop()
        feed = self.ctx.events
        started = time.perf_counter()
        try:
            if self._source is None or not self._source_is_file() or self._source.store is not feed.store:
                self._close_source()  # a live session's copy is stale at the next run: write it again
                feed.hold()  # a live store stays still while its rows are written out
                try:
                    self._source = await loop.run_in_executor(None, query_source_for, feed.store)
                finally:
                    feed.release()
            source = self._source
            self._tables = TraceTables(source.path)
            self._say("Running…")
            names, columns, texts, more = await loop.run_in_executor(None, _execute, source, self._tables, sql)
        except QueryUnavailable as exc:
            self._say(str(exc), error=True)
            return -1
        except Exception as exc:  # DuckDB's errors say what is wrong with the SQL; the pane shows them
            self._say(f"{type(exc).__name__}: {exc}", error=True)
            return -1
        finally:
            if self._tables is not None:
                self._tables.close()
                self._tables = None
            self._busy(False)
        self.model.set_result(names, columns, texts)
        self.table.resizeColumnsToContents()
        n = len(columns[0]) if columns else 0
        self.show_button.setEnabled("seq" in names or "txn_id" in names)
        shown = f"first {n:,} rows shown" if more else f"{n:,} row{'' if n == 1 else 's'}"
        self._say(f"{shown} in {time.perf_counter() - started:.2f} s")
        return n

    def _source_is_file(self) -> bool:
        return self._source is not None and self._source.path == self._source.store.source_path \
            and self._source.store is self.ctx.events.store

    def _close_source(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

    # -- the result on the timeline ----------------------------------------------------------------------------------

    def show_rows(self) -> list[int]:
        """Mark the result's events (seq) or transactions (txn_id) on the timeline; returns the store rows."""
        source = self._source  # the copy the result came from: its seqs lead back to the rows
        seqs, txns = self.model.column("seq"), self.model.column("txn_id")
        what = "events"
        if source is not None and seqs is not None:
            rows = source.rows_of_seqs(seqs)
        elif source is not None and txns is not None:
            rows = source.rows_of_txns(txns)
            what = "transactions"
        else:
            self._say("Select a seq (events) or txn_id (transactions) column to show rows.", error=True)
            return []
        self.last_rows = rows
        if self.timeline is not None:
            self.timeline.show_rows(rows)
        self._say(f"{len(rows):,} {what} marked on the timeline")
        return rows

    # -- generating a test -------------------------------------------------------------------------------------------

    def selected_range(self) -> tuple[float, float] | None:
        """The range a test is generated for, in epoch ms: the chosen time range, else what the timeline shows."""
        ui = self._ui
        span = time_range_of(ui) if ui is not None else None
        if span is not None:
            return span
        if self.timeline is None or self.timeline.model.origin_ms is None:
            return None
        origin = self.timeline.model.origin_ms
        x0, x1 = self.timeline.x_range()
        return origin + x0 * 1000.0, origin + x1 * 1000.0

    def ask_generate_test(self) -> QFileDialog:
        dialog = QFileDialog(self, "Write a test replaying this range")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["pytest file (*.py)"])
        dialog.selectFile("test_session.py")
        dialog.fileSelected.connect(self.generate_test)
        dialog.open()
        self.testgen_dialog = dialog
        return dialog

    def generate_test(self, path: str) -> asyncio.Task[GeneratedTest | None]:
        return asyncio.get_running_loop().create_task(self._generate(path), name=f"tickscope-testgen {path}")

    async def _generate(self, path: str) -> GeneratedTest | None:
        feed = self.ctx.events
        store = feed.store
        span = self.selected_range()
        scope = scope_of(store, self._ui["selection"]) if self._ui is not None else None
        instances = sorted(scope.instances) if scope is not None and scope.instances is not None else None
        source = Path(store.source_path).name if store.source_path else "a live session"
        self._busy(True, "Generating a test…")
        feed.hold()
        try:
            generated = await asyncio.get_running_loop().run_in_executor(None, lambda: session_test(
                store, instances=instances, start_ms=span[0] if span else None, end_ms=span[1] if span else None,
                source=source))
            Path(path).write_text(generated.source)
        except (SessionTestError, OSError) as exc:
            self._say(f"No test written: {exc}", error=True)
            return None
        finally:
            feed.release()
            self._busy(False)
        self.last_test = (path, generated)
        skipped = f"; not replayed: {', '.join(generated.skipped)}" if generated.skipped else ""
        self._say(f"Wrote {path}: {len(generated.instances)} test(s), {generated.steps} transactions{skipped}")
        return generated

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        self._close_source()
        super().closeEvent(event)
