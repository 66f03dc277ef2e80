"""The comparison of two traces, in a window of its own: the table of `tickscope diff` (what got slower on top, a
red "slower ×N" or green "faster ×N" on each row), where each trace started degrading, and the two traces'
timelines stacked on one shared x axis, each starting at its first event (0 ms).

Reading the traces (DuckDB over each file, devtools/model/trace_profile.py) runs in a worker thread with progress;
a window holding a live session is written to a temporary trace first (devtools/model/query_source.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QProgressBar, QSplitter, QTableWidgetItem, QVBoxLayout, QWidget

from ..model.diff_text import COLUMNS, stat_cells
from ..model.event_feed import EventFeed
from ..model.query_deps import QueryUnavailable
from ..model.query_source import query_source_for
from ..model.trace_diff import TraceDiff, describe_degradation, diff_profiles
from ..model.trace_profile import Point, TraceProfile, profile_trace
from .tables import readonly_table

__all__ = ["CompareView"]

_SLOWER = QColor("#d64545")
_FASTER = QColor("#2e9e5b")
_TXN_PEN = QColor("#3d6fb6")
_TICK_PEN = QColor("#8a8a8a")
_PROGRESS_MS = 100
_AXIS_PX = 56


def _stems(points: tuple[Point, ...]) -> tuple[np.ndarray, np.ndarray]:
    """x, y of one vertical line per point (offset, 0 .. duration), drawn as pairs."""
    x = np.repeat(np.array([p.offset_ms for p in points], dtype=np.float64), 2)
    y = np.zeros(len(points) * 2)
    y[1::2] = [p.duration_ms for p in points]
    return x, y


class CompareView(QWidget):
    """Comparison of trace A (the baseline) with trace B."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareView")
        self.setWindowTitle("tickscope: compare traces")
        self.title = QLabel("Comparing…", self)
        self.title.setObjectName("compareTitle")
        self.title.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.status = QLabel(self)
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        self.table = readonly_table(COLUMNS)
        self.table.setObjectName("compareTable")
        self.table.setSortingEnabled(False)  # the order is the point: the biggest slowdown first
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.degradation = QLabel(self)
        self.degradation.setObjectName("compareDegradation")
        self.degradation.setWordWrap(True)
        self.degradation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots = [pg.PlotWidget(background=None) for _ in range(2)]
        for plot, side in zip(self.plots, "AB", strict=True):
            plot.setObjectName(f"compareTimeline{side}")
            plot.setLabel("left", f"{side}: ms")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMouseEnabled(x=True, y=False)
            plot.setMinimumHeight(90)
            plot.getAxis("left").setWidth(_AXIS_PX)  # equal widths: the linked x axes line up pixel for pixel
        self.plots[1].setXLink(self.plots[0])
        self.plots[1].setYLink(self.plots[0])
        self.plots[1].setLabel("bottom", "ms since the trace's first event")
        timelines = QWidget(self)
        stack = QVBoxLayout(timelines)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        for plot in self.plots:
            stack.addWidget(plot, 1)
        legend = QLabel(f"<span style='color:{_TXN_PEN.name()}'>▮</span> transaction (its duration) · "
                        f"<span style='color:{_TICK_PEN.name()}'>▮</span> tick · "
                        f"<span style='color:{_SLOWER.name()}'>▲</span> degraded tick · "
                        f"<span style='color:{_SLOWER.name()}'>┆</span> where B's rolling duration first exceeds "
                        "A's", timelines)
        legend.setObjectName("compareLegend")
        legend.setWordWrap(True)
        stack.addWidget(legend)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(timelines)
        split.setSizes([220, 340])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(self.degradation)
        self.resize(1100, 720)

        self.diff: TraceDiff | None = None
        self.task: asyncio.Task[TraceDiff | None] | None = None
        self._done = 0.0
        """How far the worker is, 0..1 (written there, read by the timer)."""
        self._timer = QTimer(self)
        self._timer.setInterval(_PROGRESS_MS)
        self._timer.timeout.connect(lambda: self.progress.setValue(int(self._done * 100)))

    # -- running ----------------------------------------------------------------------------------------------------

    def compare(self, a: str | Path, b: str | Path) -> asyncio.Task[TraceDiff | None]:
        """Compare the trace files `a` and `b` in a worker thread; the task's result is the diff (None on error)."""
        return self._start(self._compare_files(str(a), str(b)))

    def compare_store(self, feed: EventFeed, b: str | Path) -> asyncio.Task[TraceDiff | None]:
        """Compare a window's events (its trace file, or a temporary trace of its rows) with the trace `b`."""
        return self._start(self._compare_feed(feed, str(b)))

    def _start(self, work: Coroutine[Any, Any, TraceDiff | None]) -> asyncio.Task[TraceDiff | None]:
        self._timer.start()
        self.progress.setVisible(True)
        self.task = asyncio.get_running_loop().create_task(work, name="tickscope-compare")
        return self.task

    async def _compare_feed(self, feed: EventFeed, b: str) -> TraceDiff | None:
        loop = asyncio.get_running_loop()
        self.status.setText("Writing this window's events for the comparison…")
        feed.hold()  # live rows arriving meanwhile wait: the worker reads a store that does not grow
        try:
            source = await loop.run_in_executor(None, query_source_for, feed.store)
        finally:
            feed.release()
        try:
            return await self._compare_files(source.path, b, a_name=feed.store.source_path or "this session")
        finally:
            source.close()

    def _profile(self, path: str, index: int) -> TraceProfile:
        """In the worker: trace `index` (0: A, 1: B) of the two; each is half of the progress bar."""

        def progress(done: int, total: int) -> None:
            self._done = (index + done / total) / 2

        return profile_trace(path, progress=progress)

    async def _compare_files(self, a: str, b: str, *, a_name: str | None = None) -> TraceDiff | None:
        loop = asyncio.get_running_loop()
        shown_a = a_name or a
        self.title.setText(f"<b>A</b> {shown_a}<br><b>B</b> {b}")
        profiles: list[TraceProfile] = []
        try:
            for i, path in enumerate((a, b)):
                self.status.setText(f"Reading {Path(path).name}…")

                profiles.append(await loop.run_in_executor(None, self._profile, path, i))
        except (QueryUnavailable, ValueError, OSError) as err:  # TraceFormatError is a ValueError
            self.status.setText(f"Cannot compare: {err}")
            self.status.setStyleSheet("color:#d64545")
            return None
        finally:
            self._timer.stop()
            self.progress.setVisible(False)
        if a_name is not None:  # the temporary file's name means nothing to the user
            profiles[0] = replace(profiles[0], path=a_name)
        diff = diff_profiles(*profiles)
        self.show_diff(diff)
        return diff

    def closeEvent(self, event: QCloseEvent) -> None:
        # a comparison nobody looks at stops (its worker's query finishes on its own; the result is dropped)
        if self.task is not None and not self.task.done():
            self.task.cancel()
        super().closeEvent(event)

    # -- showing ----------------------------------------------------------------------------------------------------

    def show_diff(self, diff: TraceDiff) -> None:
        self.diff = diff
        slower = diff.slower()
        self.status.setStyleSheet("")
        self.status.setText(f"{len(slower)} slower: " + ", ".join(f"{r.kind} {r.module}/{r.name} {r.marker}"
                                                                   for r in slower[:3]) if slower else
                            "Nothing got slower (medians within ×1.2 or 0.05 ms).")
        table = self.table
        table.setRowCount(len(diff.rows))
        for r, row in enumerate(diff.rows):
            cells = [row.kind, row.module, row.name, *stat_cells(row.a), *stat_cells(row.b), row.marker]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 3 <= c < len(cells) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == len(cells) - 1 and row.verdict in ("slower", "faster"):
                    item.setForeground(QBrush(_SLOWER if row.verdict == "slower" else _FASTER))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        crossing = diff.crossing
        lines = [f"<b>A</b> {describe_degradation(diff.a.degradation)}",
                 f"<b>B</b> {describe_degradation(diff.b.degradation)}",
                 f"B's rolling transaction duration ({diff.window} transactions) "
                 + ("never exceeds A's" if crossing is None else
                    f"first exceeds A's at transaction {crossing.index + 1} ({crossing.label}, "
                    f"+{crossing.offset_ms:.3f} ms): {crossing.b_ms:.3f} ms against {crossing.a_ms:.3f} ms")]
        self.degradation.setText("<br>".join(lines))
        for plot, profile in zip(self.plots, (diff.a, diff.b), strict=True):
            self._plot(plot, profile)
        if crossing is not None:
            self.plots[1].addItem(pg.InfiniteLine(crossing.offset_ms, angle=90,
                                                  pen=pg.mkPen(_SLOWER, style=Qt.PenStyle.DashLine)))
        self.plots[0].setXRange(0.0, max(diff.a.span_ms, diff.b.span_ms, 1e-3), padding=0.02)
        tallest = max((p.duration_ms for prof in (diff.a, diff.b) for p in (*prof.transactions, *prof.ticks)),
                      default=1.0)
        self.plots[0].setYRange(0.0, max(tallest, 1e-3), padding=0.05)  # one scale: heights compare across traces

    def _plot(self, plot: pg.PlotWidget, profile: TraceProfile) -> None:
        plot.clear()
        plot.setTitle(f"{profile.name}: {len(profile.transactions)} transactions, {len(profile.ticks)} ticks",
                      size="9pt")
        for points, colour, width in ((profile.ticks, _TICK_PEN, 1), (profile.transactions, _TXN_PEN, 2)):
            if points:
                x, y = _stems(points)
                plot.addItem(pg.PlotDataItem(x, y, connect="pairs", pen=pg.mkPen(colour, width=width)))
        degraded = [p for p in profile.ticks if p.degraded]
        if degraded:
            plot.addItem(pg.ScatterPlotItem([p.offset_ms for p in degraded], [0.0] * len(degraded), symbol="t1",
                                            size=9, brush=pg.mkBrush(_SLOWER), pen=None))

    def rows(self) -> list[list[str]]:
        """The table as the user reads it."""
        t = self.table
        return [[item.text() if (item := t.item(r, c)) is not None else "" for c in range(t.columnCount())]
                for r in range(t.rowCount())]
