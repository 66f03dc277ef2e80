"""The main window: sidebar | timeline + events | inspector, a toolbar, and a status bar that says what is shown.

The status bar always answers "what am I looking at": LIVE (the runtime on this loop, newest state), REPLAY (a
file, with the cursor position), or SHOWING THE PAST (a time-travelled live instance, or a replay cursor before the
end of the trace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLayout,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from runtime.trace import CHROME_SUFFIX, PERFETTO_SUFFIX, write_chrome_trace, write_evidence, write_perfetto_trace

from ..app.context import DevtoolsContext
from ..app.recording import Recorder
from ..app.time_travel import back_to_latest
from ..state import UiState
from .command_palette import CommandPalette
from .compare_view import CompareView
from .causality import CausalityPane
from .converge import ConvergePane
from .events import EventsView
from .help_overlay import HelpOverlay
from .inspector import Inspector
from .operations import OperationsPane
from .query_pane import QueryPane
from .overview import OverviewStrip
from .replay_bar import ReplayBar
from .retention_status import RetentionStatus
from .e2e import E2EPane
from .runs import RunsPane
from .settings import SettingsDialog
from .share_splitter import ShareSplitter
from .sidebar import Sidebar
from .timeline import TimelineView

__all__ = ["MainWindow", "ExportFormat", "EXPORT_FORMATS", "default_window_size", "SMALLEST_SUPPORTED",
           "with_format_suffix"]

ExportFormat = Literal["chrome", "perfetto", "evidence"]
W = TypeVar("W", bound=QWidget)

EXPORT_FORMATS: dict[ExportFormat, tuple[str, str]] = {
    "chrome": ("Chrome Trace Event JSON (Perfetto, chrome://tracing, speedscope)", CHROME_SUFFIX),
    "perfetto": ("Perfetto protobuf", PERFETTO_SUFFIX),
    "evidence": ("EvidencePackage JSON", ".evidence.json"),
}


PREFERRED_SIZE = QSize(1440, 900)
SMALLEST_SUPPORTED = QSize(1024, 700)
"""Every pane is whole and usable from this size up (tests/devtools/test_window_layout.py)."""
SIDEBAR_MIN_PX = 150
INSPECTOR_MIN_PX = 340
PANE_SHARES = (0.19, 0.49, 0.32)
"""Sidebar, middle, inspector: how the window's width is shared until the user drags a handle."""


def default_window_size(available: QSize) -> QSize:
    """The preferred size, shrunk to fit a smaller screen; a screen below the smallest supported size (or the
    offscreen platform's placeholder) gets the preferred size, which screenshots and tests rely on."""
    if available.width() < SMALLEST_SUPPORTED.width() or available.height() < SMALLEST_SUPPORTED.height():
        return QSize(PREFERRED_SIZE)
    return PREFERRED_SIZE.boundedTo(available)


def with_format_suffix(path: str, fmt: ExportFormat) -> str:
    """`path` with the format's extension when the name has none (a name typed without one), else as chosen."""
    return path + EXPORT_FORMATS[fmt][1] if not Path(path).suffix else path


def _format_of(name_filter: str) -> ExportFormat:
    return next((fmt for fmt, (label, _) in EXPORT_FORMATS.items() if name_filter.startswith(label)), "evidence")


_LIVE_STYLE = "background:#2e9e5b;color:white;padding:1px 8px;border-radius:3px;font-weight:bold"
_REPLAY_STYLE = "background:#3d6fb6;color:white;padding:1px 8px;border-radius:3px;font-weight:bold"
_PAST_STYLE = "background:#f4c430;color:#222;padding:1px 8px;border-radius:3px;font-weight:bold"


class MainWindow(QMainWindow):
    """One devtools window over one DevtoolsContext."""

    def __init__(self, ctx: DevtoolsContext, *, title: str = "tickscope",
                 open_trace: Callable[[str], object] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._open_trace = open_trace
        self.recorder = Recorder(ctx.runtime) if ctx.runtime is not None else None
        self.setWindowTitle(title)
        # labels changing their text must not resize the top level (the offscreen platform warns on every one)
        layout = self.layout()
        if layout is not None:
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.last_export: tuple[str, int] | None = None
        """(path, records written) of the last export that finished."""
        # what the GUI commands add to a window (devtools.commands.attach, devtools.views.fault_switches)
        self.attach_label: QLabel | None = None
        self.remote_bar: QToolBar | None = None
        self.fault_switches: QToolButton | None = None

        self.sidebar = Sidebar(ctx)
        self.events = EventsView(ctx)
        self.inspector = Inspector(ctx)
        self.overview = _named(OverviewStrip(ctx), "overviewPane")
        self.timeline = _named(TimelineView(ctx), "timelinePane")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("bottomTabs")
        self.tabs.addTab(self.events, "Events")
        self.converge = _named(ConvergePane(ctx), "convergePane")
        self.runs = _named(RunsPane(ctx), "runsPane")
        self.operations = _named(OperationsPane(ctx), "operationsPane")
        self.tabs.addTab(self.converge, "Converge")
        self.tabs.addTab(self.runs, "Action runs")
        self.e2e = _named(E2EPane(ctx), "e2ePane")
        self.tabs.addTab(self.e2e, "End to end")
        self.tabs.addTab(self.operations, "Operations")
        self.query = _named(QueryPane(ctx, self.timeline), "queryPane")
        self.tabs.addTab(self.query, "Query")

        middle = self.middle_splitter = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.overview)
        middle.addWidget(self.timeline)
        middle.addWidget(self.tabs)
        # a pane missing from this build keeps only the room its explanation needs
        middle.setSizes([70 if self.overview.objectName() == "overviewPane" else 40,
                         330 if self.timeline.objectName() == "timelinePane" else 50, 470])
        middle.setStretchFactor(0, 0)
        middle.setStretchFactor(1, 1)
        middle.setStretchFactor(2, 1)
        main = self.main_splitter = ShareSplitter(Qt.Orientation.Horizontal, PANE_SHARES)
        main.addWidget(self.sidebar)
        main.addWidget(middle)
        main.addWidget(self.inspector)
        for split in (middle, main):
            split.setChildrenCollapsible(False)  # a dragged handle stops at a pane's minimum, never hides it
        # the side panes keep what their content needs (the inspector's time travel row, readable ids); the rest
        # of the width goes to the middle, and every pane gives way in proportion when the window shrinks
        self.sidebar.setMinimumWidth(SIDEBAR_MIN_PX)
        self.inspector.setMinimumWidth(max(INSPECTOR_MIN_PX, self.inspector.minimumSizeHint().width()))
        self.resize(default_window_size(self.screen().availableGeometry().size()))

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        self.replay_bar: ReplayBar | None = None
        if ctx.replay is not None:
            self.replay_bar = ReplayBar(ctx, ctx.replay)
            layout.addWidget(self.replay_bar)
            ctx.replay.on_change = self.replay_bar.refresh  # play/pause is not part of the devtools state
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeLabel")
        self.detail_label = QLabel()
        self.detail_label.setObjectName("statusDetail")
        self.record_label = QLabel()
        self.record_label.setObjectName("recordLabel")
        self.statusBar().addWidget(self.mode_label)
        self.statusBar().addWidget(self.detail_label, 1)
        self.statusBar().addPermanentWidget(self.record_label)
        self.retention_status: RetentionStatus | None = None
        if ctx.retention is not None:
            self.retention_status = RetentionStatus(ctx, ctx.retention)
            self.statusBar().addPermanentWidget(self.retention_status)

        self.help = HelpOverlay(central)
        self.settings_dialog: SettingsDialog | None = None
        self.command_palette: CommandPalette | None = None
        self.compare_view: CompareView | None = None
        self._build_actions()
        self._add_causality()
        ctx.bind(self, ctx.state.topic, self._on_state)
        ctx.bind(self, ctx.events, self._on_rows)

    # -- actions ----------------------------------------------------------------------------------------------------

    def _action(self, text: str, keys: str | QKeySequence.StandardKey | list[str], slot: Callable[[], object],
                tip: str = "", toolbar: QToolBar | None = None) -> QAction:
        action = QAction(text, self)
        if isinstance(keys, list):
            action.setShortcuts([QKeySequence(k) for k in keys])
        elif keys:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip or text} ({action.shortcut().toString()})" if keys else tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        if toolbar is not None:
            toolbar.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        live = self.ctx.runtime is not None
        self._action("Open trace…", "Ctrl+O", self.ask_open, "Open a recorded trace", bar)
        if live:
            self.record_action = self._action("● Record", "Ctrl+R", self.toggle_recording,
                                              "Record the live session to a trace file", bar)
        self._action("Export…", "Ctrl+E", self.ask_export, "Export to Chrome trace, Perfetto or evidence", bar)
        bar.addSeparator()
        if live:
            self._action("Follow", "F", self.follow, "Follow the newest event", bar)
            self._action("Latest", "Alt+L", lambda: back_to_latest(self.ctx), "Leave time travel", bar)
            self._action("Before", "Alt+B", lambda: self.inspector.time_travel("before"))
            self._action("After", "Alt+A", lambda: self.inspector.time_travel("after"))
        self._action("Clear filters", "Ctrl+Shift+K", self.clear_filters, "Clear every filter and the selection", bar)
        bar.addSeparator()
        self._action("Settings", "Ctrl+,", self.show_settings, "Diagnostics level, buffer, theme", bar)
        self._action("Help", ["F1", "?"], self.help.toggle, "Keyboard shortcuts", bar)
        self._action("Quit", "Ctrl+Q", self.close)
        self._action("Search", "Ctrl+F", self.events.focus_search)
        self._action("Path filter", "Ctrl+P", self.events.focus_path)
        self._action("Compare with trace…", "", self.ask_compare, "Compare this window's events with another trace")
        self.palette_action = self._action("Commands", "Ctrl+K", self.show_palette, "Every command, by name", bar)
        replay = self.ctx.replay
        if replay is not None:
            self._action("Play/pause", "Space", replay.toggle)
            self._action("Next event", "Right", lambda: replay.step("event", 1))
            self._action("Previous event", "Left", lambda: replay.step("event", -1))
            self._action("Next transaction", "Shift+Right", lambda: replay.step("txn", 1))
            self._action("Previous transaction", "Shift+Left", lambda: replay.step("txn", -1))
            self._action("Next tick", "Ctrl+Right", lambda: replay.step("tick", 1))
            self._action("Previous tick", "Ctrl+Left", lambda: replay.step("tick", -1))
            self._action("Start", "Home", replay.to_start)
            self._action("End", "End", replay.to_end)

    def show_palette(self) -> CommandPalette:
        if self.command_palette is None:
            self.command_palette = CommandPalette(self, skip=self.palette_action)
        self.command_palette.open_palette()
        return self.command_palette

    def ask_compare(self) -> QFileDialog:
        """Pick the trace to compare this window's events with; the comparison opens in a window of its own."""
        return self._ask_trace("Compare with a tickscope trace", self.compare_with)

    def compare_with(self, path: str) -> CompareView:
        """Compare this window's events (A) with the trace at `path` (B), in a worker; returns the view."""
        view = self.compare_view = CompareView(self)
        view.compare_store(self.ctx.events, path)
        view.show()
        return view

    def _add_causality(self) -> None:
        """The Causality tab, its shortcuts, and "Why did this recompute?" on the events table's context menu."""
        self.causality = _named(CausalityPane(self.ctx), "causalityPane")
        self.tabs.addTab(self.causality, "Causality")
        # with this tab the bar overflows a 1024 px window: its scroll arrows get the width their icons need
        self.tabs.setStyleSheet("QTabBar::scroller { width: 52px; }")
        why = self._action("Why did this recompute?", "Ctrl+G", self.show_causality,
                           "The selected transaction's dirty roots and the fields that ran because of them")
        ir = self._action("Module dependency graph", "Ctrl+Shift+G", self.show_ir_graph,
                          "The whole static IR of the module as a dependency graph")
        self.events.table.addActions([why, ir])  # the row's context menu lists them after Copy as JSON

    def show_causality(self) -> None:
        self.tabs.setCurrentWidget(self.causality)
        self.causality.show_transaction()

    def show_ir_graph(self) -> None:
        self.tabs.setCurrentWidget(self.causality)
        self.causality.show_ir()

    def follow(self) -> None:
        """Drop the selection and keep the newest event in view (the inspector shows the latest event)."""
        self.ctx.state.select_row(None)
        self.ctx.state.set_follow(True)

    def clear_filters(self) -> None:
        state = self.ctx.state
        state.set_filters(kinds=[], text="", regex=False, path="")
        state.set_time_range(None)
        self.sidebar.clear_selection()
        state.select_row(None)
        state.set_follow(True)

    def show_settings(self) -> None:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.ctx, self)
        self.settings_dialog.show()
        self.settings_dialog.raise_()

    def ask_open(self) -> None:
        self._ask_trace("Open a tickscope trace", self.open_trace)

    def _ask_trace(self, title: str, chosen: Callable[[str], object]) -> QFileDialog:
        """A non-modal dialog picking a trace file, `chosen` called with its path (a modal one would nest an event
        loop under the runtime's tasks)."""
        dialog = QFileDialog(self, title, "", "Traces (*.jsonl *.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(chosen)
        dialog.open()
        return dialog

    def open_trace(self, path: str) -> object:
        if self._open_trace is None:
            raise RuntimeError("this window was built without a way to open traces")
        return self._open_trace(path)

    def ask_export(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export what this window holds", "export")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters([f"{label} (*{suffix})" for label, suffix in EXPORT_FORMATS.values()])

        def chosen(path: str) -> None:
            fmt = _format_of(dialog.selectedNameFilter())
            self.export(with_format_suffix(path, fmt), fmt)

        dialog.fileSelected.connect(chosen)
        dialog.open()
        return dialog

    def export(self, path: str, fmt: ExportFormat = "evidence") -> asyncio.Task[int]:
        """Export the window's events as `fmt` (chrome | perfetto | evidence) in a worker thread.

        Live records arriving meanwhile are held and appended after, so the worker reads a store that does not grow.
        """
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"export format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
        return asyncio.get_running_loop().create_task(self._export(path, fmt), name=f"tickscope-export {path}")

    async def _export(self, path: str, fmt: ExportFormat) -> int:
        write = {"chrome": write_chrome_trace, "perfetto": write_perfetto_trace, "evidence": write_evidence}[fmt]
        feed = self.ctx.events
        self.statusBar().showMessage(f"Exporting {len(feed):,} events to {path}…")
        feed.hold()
        try:
            count = await asyncio.get_running_loop().run_in_executor(None, write, feed.store, path)
        except (OSError, ImportError) as err:
            self.statusBar().showMessage(f"Export failed: {err}", 15000)
            raise
        finally:
            feed.release()
        self.last_export = (path, count)
        self.statusBar().showMessage(f"Exported {count:,} records as {EXPORT_FORMATS[fmt][0]} to {path}", 10000)
        return count

    def toggle_recording(self, path: str | None = None) -> None:
        """Start recording to `path` (asks for one when None), or stop the running recording."""
        assert self.recorder is not None
        if self.recorder.active:
            written = self.recorder.stop()
            self.statusBar().showMessage(f"Recorded {written:,} records to {self.recorder.path}", 8000)
        elif path is not None:
            self.recorder.start(path)
        else:
            dialog = QFileDialog(self, "Record the live session to", "session.jsonl", "Traces (*.jsonl)")
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.fileSelected.connect(self.recorder.start)
            dialog.open()
        self._show_recording()

    # -- status -----------------------------------------------------------------------------------------------------

    def _on_rows(self, _count: int) -> None:
        self._show_status(self.ctx.state.published())
        self._show_recording()

    def _on_state(self, ui: UiState) -> None:
        self._show_status(ui)
        if self.replay_bar is not None:
            self.replay_bar.refresh()

    def _show_status(self, ui: UiState) -> None:
        ctx = self.ctx
        mark = ui["timeTravel"]
        if mark is not None:
            self.mode_label.setText("SHOWING THE PAST")
            self.mode_label.setStyleSheet(_PAST_STYLE)
            detail = f"{mark['instanceId']} at its state {mark['mode']} {mark['txnId']} · Alt+L returns to latest"
        elif ctx.replay is not None:
            past = not ctx.replay.at_end
            self.mode_label.setText("REPLAY · SHOWING THE PAST" if past else "REPLAY")
            self.mode_label.setStyleSheet(_PAST_STYLE if past else _REPLAY_STYLE)
            detail = f"{ctx.events.store.source_path or 'trace'} · event {ctx.replay.cursor + 1:,} of " \
                     f"{ctx.replay.total:,}"
        elif ctx.remote is not None and not ctx.remote.client.connected:
            self.mode_label.setText("DISCONNECTED")
            self.mode_label.setStyleSheet(_PAST_STYLE)
            detail = f"{len(ctx.events):,} events received · diagnostics {ctx.remote.diagnostics}"
        else:
            self.mode_label.setText("LIVE")
            self.mode_label.setStyleSheet(_LIVE_STYLE)
            level = ctx.runtime.sink.level if ctx.runtime is not None else \
                ctx.remote.diagnostics if ctx.remote is not None else "?"
            detail = f"{len(ctx.events):,} events · tick {ctx.tick_seq} · diagnostics {level}"
        self.detail_label.setText(detail)

    def refresh_status(self) -> None:
        """Show the status again (a remote connection came or went: devtools.commands.attach calls it)."""
        self._show_status(self.ctx.state.published())

    def _show_recording(self) -> None:
        if self.recorder is not None and self.recorder.active:
            self.record_label.setText(f"● REC {self.recorder.count:,} records → {self.recorder.path}")
            self.record_label.setStyleSheet("color:#d64545;font-weight:bold")
            self.record_action.setText("■ Stop")
        else:
            self.record_label.setText("")
            if self.recorder is not None:
                self.record_action.setText("● Record")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.recorder is not None and self.recorder.active:
            self.recorder.stop()
        self.help.hide()
        super().closeEvent(event)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget
