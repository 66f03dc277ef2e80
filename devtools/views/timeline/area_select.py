"""An area selection on the timeline: Shift+drag over the lanes marks a time range over the lanes it crosses, and a
small panel in the corner says what lies inside: per kind, how many spans and their duration p50 / p95
(devtools.model.area_stats). Esc clears it. A plain drag still pans.

`SelectingViewBox` is the timeline's view box: it hands Shift+drags to its `on_area` callback instead of panning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QWidget

from ...model.area_stats import KindStats, area_stats
from ...model.time_units import format_duration, unit_for
from .face import TimelineFace

__all__ = ["SelectingViewBox", "AreaSelection", "AreaPhase"]

AreaPhase = Literal["move", "done"]
"""While dragging, and when the button was released."""


class SelectingViewBox(pg.ViewBox):  # type: ignore[misc]  # pyqtgraph ships no type information
    """A view box whose Shift+drag reports an area (in view coordinates) instead of panning."""

    def __init__(self) -> None:
        super().__init__(enableMenu=False)  # the lanes have their own context menu; pyqtgraph's would cost ~5 ms
        self.on_area: Callable[[QPointF, QPointF, AreaPhase], None] | None = None

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:  # noqa: N802  (pyqtgraph's name)
        if self.on_area is None or not ev.modifiers() & Qt.KeyboardModifier.ShiftModifier \
                or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        self.on_area(start, self.mapSceneToView(ev.scenePos()), "done" if ev.isFinish() else "move")


class AreaSelection:
    """The area selected on one timeline view, its rectangle and its panel."""

    def __init__(self, view: TimelineFace, host: QWidget) -> None:
        """`host`: the widget the panel floats in (the timeline pane, so it may sit over the counter tracks)."""
        self.view = view
        self.rect = QGraphicsRectItem()
        self.rect.setPen(QPen(QColor(124, 77, 255), 0))
        self.rect.setBrush(QBrush(QColor(124, 77, 255, 40)))
        self.rect.setZValue(15)
        self.rect.setVisible(False)
        view.view_box.addItem(self.rect, ignoreBounds=True)
        self.host = host
        self.panel = QLabel(host)
        self.panel.setObjectName("areaPanel")
        self.panel.setStyleSheet("QLabel#areaPanel { background: rgba(255, 255, 255, 225); color: #202020;"
                                 " border: 1px solid #7c4dff;"
                                 " border-radius: 3px; padding: 4px; }")
        self.panel.setVisible(False)
        self.span: tuple[float, float] | None = None
        """The selected time range (seconds since the first event), None without a selection."""
        self.lanes: list[str] = []
        """The keys of the lanes the area crosses."""
        self.stats: list[KindStats] = []

    def drag(self, a: QPointF, b: QPointF, phase: AreaPhase) -> None:
        """The area from `a` to `b` (view coordinates) while dragging, and when the button was released."""
        x0, x1 = sorted((a.x(), b.x()))
        y0, y1 = sorted((a.y(), b.y()))
        self.rect.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.rect.setVisible(True)
        if phase == "done":
            self.select(x0, x1, y0, y1)

    def select(self, x0: float, x1: float, y0: float, y1: float) -> None:
        """Select [x0, x1] over the lanes whose rows meet [y0, y1] and show what lies inside."""
        lanes = [lane for i, lane in enumerate(self.view.shown_lanes)
                 if self.view.lane_extent(i)[0] <= y1 and self.view.lane_extent(i)[1] >= y0]
        self.span = (x0, x1)
        self.lanes = [lane.key for lane in lanes]
        self.stats = area_stats(lanes, x0, x1)
        self.rect.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.rect.setVisible(True)
        self.panel.setText(self.describe())
        self.panel.adjustSize()
        self.place_panel()
        self.panel.setVisible(True)

    def describe(self) -> str:
        """The panel's text: the range, then one line per kind."""
        if self.span is None:
            return ""
        x0, x1 = self.span
        unit = unit_for(max(abs(x0), abs(x1)))
        lines = [f"{unit.format(x0)} – {unit.format(x1)} ({format_duration(x1 - x0)}), "
                 f"{len(self.lanes)} lane{'s' if len(self.lanes) != 1 else ''}"]
        for s in self.stats:
            if s.p50_ms is None or s.p95_ms is None:
                lines.append(f"{s.kind}: {s.count} (none ended)")
            else:
                lines.append(f"{s.kind}: {s.count} · p50 {_duration(s.p50_ms)} · p95 {_duration(s.p95_ms)}")
        if not self.stats:
            lines.append("nothing in this area")
        lines.append("Esc clears")
        return "\n".join(lines)

    def place_panel(self) -> None:
        """At the top of the lanes beside the area, on the side with more room, never over the lanes' titles; when
        the lanes are too short to hold it, under them (over the counter tracks), so the lanes stay in sight."""
        if self.span is None:
            return
        plot, vb = self.view.plot, self.view.view_box
        host = self.host
        lanes = plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        lanes.moveTopLeft(plot.mapTo(host, lanes.topLeft()))
        left = plot.mapTo(host, plot.mapFromScene(vb.mapViewToScene(QPointF(self.span[0], 0.0)))).x()
        right = plot.mapTo(host, plot.mapFromScene(vb.mapViewToScene(QPointF(self.span[1], 0.0)))).x()
        width, height = self.panel.width(), self.panel.height()
        x = right + 8 if lanes.right() - right >= left - lanes.left() else left - width - 8
        x = int(min(max(lanes.left() + 2, x), max(lanes.left(), lanes.right() - width - 2)))
        y = lanes.top() + 4 if lanes.height() >= height + 24 else max(0, host.height() - height - 4)
        self.panel.move(x, y)
        self.panel.raise_()

    def clear(self) -> bool:
        """Drop the selection; False when there was none (the key is then someone else's)."""
        had = self.span is not None or self.rect.isVisible()
        self.span, self.lanes, self.stats = None, [], []
        self.rect.setVisible(False)
        self.panel.setVisible(False)
        return had


def _duration(ms: float) -> str:
    return format_duration(ms / 1000.0)
