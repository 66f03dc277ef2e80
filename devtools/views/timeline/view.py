"""The timeline pane: lanes per runtime and instance on a pyqtgraph time axis, zoomable to a million events.

- Lanes (see devtools.model.timeline_model): ticks; per instance transactions coloured by executed converge mode
  (grey none, teal dirty, amber full; red outline = degraded), action runs by status, operations by stage with
  their deadlines as amber dashed marks (red is for failures). A legend under the lanes names every colour and
  mark drawn; it wraps onto more lines instead of being cut.
- Input: the mouse wheel zooms, dragging pans (x only). Keys as in Perfetto: W/S zoom in/out, A/D pan left/right,
  F follows the live end again, 0 fits everything. Hovering shows a tooltip naming the item; clicking selects its
  event in the shared selection (`ctx.state.select_row`).
- Live follow: while `follow` is on (the devtools state), the view keeps the newest events in sight; any manual zoom
  or pan turns it off.
- Drawing: on every range, size or data change the LOD step (devtools.model.lod) reduces each sub-row to at most
  one segment per pixel column and rasterises it (devtools.model.raster) into one buffer that the canvas item blits.
  That work happens in the range-change handler, never in paint(); data changes are coalesced to one rebuild per
  REBUILD_MS.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolTip, QVBoxLayout, QWidget

from ...app.context import DevtoolsContext
from ...model.lod import LodSegments, lod_segments
from ...model.raster import Band, new_canvas, rasterize_band, rasterize_markers
from ...model.spans import SpanLane
from ...model.timeline_model import Lane
from ...state import UiState, time_range_of
from ..elided_label import ElidedLabel
from ..legend import Legend
from .canvas_item import Label, LaneCanvasItem
from .describe import Hit, describe_hit, selected_row_of
from .palette import LEGEND_ITEMS, PALETTES
from .source import timeline_source

if TYPE_CHECKING:
    from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent

__all__ = ["TimelineView", "PALETTES", "REBUILD_MS"]

REBUILD_MS = 33
"""Live data redraws at most this often (about 30 fps); range changes redraw at once."""
HIT_SLOP_PX = 3
MIN_SPAN_S = 1e-6
MIN_LANE_PX = 12
"""The pane never gets so short that a lane is thinner than this (its title would overlap the next one)."""
AXIS_PX = 44
"""Room for the time axis under the lanes: tick labels and the axis title."""
MIN_WIDTH_PX = 320


class TimelineView(QWidget):
    """Lanes of ticks, transactions, runs and operations over time."""

    rangeChanged = Signal(float, float)
    """The visible x range changed (seconds since the first event)."""
    itemActivated = Signal(str, object)
    """A click on an item: (lane kind, key): txn/ticks -> store row, runs -> linkId, ops -> commandId."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.source = timeline_source(ctx)
        self.model = self.source.model
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.plot = pg.PlotWidget(background=None)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseTracking(True)
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        vb = self.view_box
        vb.invertY(True)
        vb.setMouseEnabled(x=True, y=False)
        vb.disableAutoRange()
        vb.setXRange(0.0, 10.0, padding=0)
        vb.setYRange(0.0, 1.0, padding=0)
        self.plot.getAxis("bottom").setLabel("seconds since the first event")
        self.plot.getAxis("left").setWidth(150)
        self.canvas = LaneCanvasItem()
        self.plot.addItem(self.canvas)
        self.selection_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(color=(255, 64, 129), width=1.5))
        self.selection_line.setVisible(False)
        self.plot.addItem(self.selection_line, ignoreBounds=True)

        self.follow_button = QPushButton("Follow live (F)")
        self.follow_button.setCheckable(True)
        self.follow_button.clicked.connect(self._follow_clicked)
        fit = QPushButton("Fit all (0)")
        fit.clicked.connect(self.fit_all)
        self.status = ElidedLabel()
        self.status.setObjectName("timelineStatus")
        self.legend = Legend(LEGEND_ITEMS, self)
        self.legend.setObjectName("timelineLegend")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.follow_button)
        bar.addWidget(fit)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)

        self.segments: dict[tuple[int, int], tuple[Band, LodSegments]] = {}
        """The last drawn LOD per (lane index, sub-row): what hover and click read."""
        self.drawn_items = 0
        self.rebuilds = 0
        """How many times the lanes were rebuilt (range, size or data changes)."""
        self._bands: list[tuple[int, int]] = []
        self._lane_count = 0
        self._setting_range = False
        self._follow = True
        self._hover: Hit | None = None
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(REBUILD_MS)
        self._rebuild_timer.timeout.connect(self._data_changed_now)

        vb.sigXRangeChanged.connect(self._range_changed)
        vb.sigResized.connect(self.rebuild)
        vb.sigRangeChangedManually.connect(self._manual_range)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.source.modelChanged.connect(self._data_changed)
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        self._data_changed_now()

    # -- geometry ---------------------------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """Room for the buttons, every lane at MIN_LANE_PX, the axis and the legend's lines at the current width."""
        width = max(self.width(), MIN_WIDTH_PX)
        lanes = max(len(self.model.lanes), 1)
        bar = self.follow_button.sizeHint().height() + 4
        return QSize(MIN_WIDTH_PX, bar + lanes * MIN_LANE_PX + AXIS_PX + self.legend.heightForWidth(width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the legend's lines depend on the width, so does the height this pane needs

    @property
    def view_box(self) -> pg.ViewBox:
        return self.plot.getPlotItem().getViewBox()

    def x_range(self) -> tuple[float, float]:
        """The visible range in seconds since the first event."""
        (x0, x1), _ = self.view_box.viewRange()
        return float(x0), float(x1)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show [x0, x1] (seconds since the first event) without touching follow mode."""
        if x1 - x0 < MIN_SPAN_S:
            mid = (x0 + x1) / 2
            x0, x1 = mid - MIN_SPAN_S / 2, mid + MIN_SPAN_S / 2
        self._setting_range = True
        try:
            self.view_box.setXRange(x0, x1, padding=0)
        finally:
            self._setting_range = False

    def zoom(self, factor: float, center: float | None = None) -> None:
        """Scale the visible width by `factor` (< 1 zooms in) around `center` (default: the middle)."""
        x0, x1 = self.x_range()
        c = (x0 + x1) / 2 if center is None else center
        self._user_moved()
        self.set_x_range(c - (c - x0) * factor, c + (x1 - c) * factor)

    def pan(self, fraction: float) -> None:
        """Move the visible range by `fraction` of its width (negative = earlier)."""
        x0, x1 = self.x_range()
        d = (x1 - x0) * fraction
        self._user_moved()
        self.set_x_range(x0 + d, x1 + d)

    def fit_all(self) -> None:
        self._user_moved()
        end = max(self.model.end_s, 1e-3)
        self.set_x_range(-end * 0.01, end * 1.01)

    # -- follow -----------------------------------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        return self._follow

    def _follow_clicked(self, checked: bool) -> None:
        self.ctx.state.set_follow(checked)

    def _user_moved(self) -> None:
        if self._follow:
            self.ctx.state.set_follow(False)

    def _manual_range(self, *_: object) -> None:
        self._user_moved()

    def _ui_changed(self, ui: UiState) -> None:
        follow = ui["follow"]
        if follow != self._follow:
            self._follow = follow
            self.follow_button.setChecked(follow)
            if follow:
                self._apply_follow()
        self.follow_button.setChecked(follow)
        span = time_range_of(ui)
        if span and self.model.origin_ms is not None and not follow:
            x0, x1 = self.model.x_of(span[0]), self.model.x_of(span[1])
            if (x0, x1) != self.x_range():
                self.set_x_range(x0, x1)
        self._show_selection(ui["selectedRow"])

    def _apply_follow(self) -> None:
        end = self._x_limit()
        x0, x1 = self.x_range()
        width = max(x1 - x0, 1e-3)
        if end > 0:
            self.set_x_range(end - width * 0.98, end + width * 0.02)

    def _show_selection(self, row: int | None) -> None:
        store = self.source.store
        if row is None or row >= len(store) or self.model.origin_ms is None:
            self.selection_line.setVisible(False)
            return
        self.selection_line.setPos(self.model.x_of(float(store.ts[row])))
        self.selection_line.setVisible(True)

    # -- data -------------------------------------------------------------------------------------------------------

    def _data_changed(self) -> None:
        if not self._rebuild_timer.isActive():
            self._rebuild_timer.start()

    def _data_changed_now(self) -> None:
        rebuilt = self.rebuilds
        if self._follow:
            self._apply_follow()  # a range change rebuilds by itself
        if self.rebuilds == rebuilt:  # one rebuild per data change, not two (each costs a few ms at 25 Hz live)
            self.rebuild()

    def _range_changed(self, *_: object) -> None:
        x0, x1 = self.x_range()
        self.rebuild()
        self.rangeChanged.emit(x0, x1)

    def _x_limit(self) -> float:
        """The newest time shown: the live end, or the replay cursor's row."""
        visible = self.source.visible_rows
        store = self.source.store
        if self.model.origin_ms is None or visible == 0:
            return 0.0
        if visible < len(store):
            return self.model.x_of(float(store.ts[visible - 1]))
        return self.model.end_s

    def _layout_lanes(self, height: int) -> None:
        lanes = self.model.lanes
        n = max(len(lanes), 1)
        if len(lanes) != self._lane_count:
            self._lane_count = len(lanes)
            self.updateGeometry()  # another lane needs room
            self.view_box.setYRange(0.0, float(n), padding=0)
            self.plot.getAxis("left").setTicks([[(i + 0.5, lane.title) for i, lane in enumerate(lanes)]])
        per = height / n
        self._bands = [(int(i * per + per * 0.1), max(int(i * per + per * 0.1) + 1, int((i + 0.9) * per)))
                       for i in range(n)]

    def rebuild(self, *_: object) -> None:
        """Recompute every lane's LOD for the current range and size and hand the buffer to the canvas item."""
        vb = self.view_box
        width, height = int(vb.width()), int(vb.height())
        if width < 2 or height < 2:
            return
        self.rebuilds += 1
        x0, x1 = self.x_range()
        self._layout_lanes(height)
        canvas = new_canvas(height, width)
        # alternate lane backgrounds so bands read as rows even where they are empty
        for i, (top, bottom) in enumerate(self._bands):
            canvas[top:bottom, :] = 0x1C0E0E0E if i % 2 == 0 else 0x10080808  # premultiplied grey
        limit = self._x_limit()
        clip_w = width if limit >= x1 else int(math.floor((limit - x0) / (x1 - x0) * width)) + 1
        segments: dict[tuple[int, int], tuple[Band, LodSegments]] = {}
        labels: list[Label] = []
        drawn = 0
        for li, lane in enumerate(self.model.lanes):
            top, bottom = self._bands[li]
            used = [k for k, sub in enumerate(lane.subrows) if len(sub)] or [0]
            rows = max(used) + 1
            step = (bottom - top) / rows
            palette = PALETTES[lane.kind]
            for k in range(rows):
                sub = lane.subrows[k]
                band = Band(int(top + k * step), max(int(top + k * step) + 1, int(top + (k + 1) * step) - 1))
                if clip_w <= 0 or not len(sub):
                    continue
                cw = min(clip_w, width)
                seg = lod_segments(sub.arrays(), x0, x0 + (x1 - x0) * cw / width, cw)
                segments[(li, k)] = (band, seg)
                drawn += rasterize_band(canvas[:, :cw], band, seg, palette)
                labels.extend(self._labels_for(lane, sub, seg, band))
            if lane.deadlines:
                marks = np.asarray(lane.deadlines, np.float64)
                cols = np.floor((marks - x0) / (x1 - x0) * width).astype(np.int64)
                rasterize_markers(canvas, Band(top, bottom), cols, palette.marker)
        self.legend.show_for({lane.kind for lane in self.model.lanes})
        self.segments = segments
        self.drawn_items = drawn
        self.canvas.set_frame(QRectF(x0, 0.0, x1 - x0, float(max(len(self.model.lanes), 1))), canvas, labels)
        self.status.setText(f"{self.model.total_spans():,} spans in {len(self.model.lanes)} lanes; "
                            f"{drawn:,} drawn; " + ("following live" if self._follow else "paused (F follows)"))

    def _labels_for(self, lane: Lane, sub: SpanLane, seg: LodSegments, band: Band) -> list[Label]:
        """Names on segments wide enough to hold them (runs and operations only; transactions are too dense)."""
        if lane.kind not in ("runs", "ops") or band.bottom - band.top < 10:
            return []
        wide = np.nonzero((seg.px1 - seg.px0) >= 60)[0][:40]
        out = []
        arrays = sub.arrays()
        for i in wide.tolist():
            key = lane.refs[int(arrays.refs[seg.items[i]])]
            if lane.kind == "runs":
                text = self.model.runs.runs[key].action_id
            else:
                text = f"{self.model.operations.ops[key].op_kind or 'op'}"
            y = band.top + (band.bottom - band.top - 14) / 2
            labels_w = float(seg.px1[i] - seg.px0[i])
            out.append((float(seg.px0[i]), y, labels_w, text))
        return out

    # -- hit testing ------------------------------------------------------------------------------------------------

    def hit_at(self, scene_pos: QPointF) -> Hit | None:
        """The item under a scene position (within HIT_SLOP_PX columns), from the last drawn LOD."""
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        pixel = self.canvas.image_point(point)
        if pixel is None:
            return None
        col, row = pixel
        for (li, k), (band, seg) in self.segments.items():
            if not band.top <= row < band.bottom:
                continue
            items = seg.column_items
            lo, hi = max(0, col - HIT_SLOP_PX), min(items.shape[0], col + HIT_SLOP_PX + 1)
            window = items[lo:hi]
            hits = np.nonzero(window >= 0)[0]
            if hits.size == 0:
                return None
            best = lo + int(hits[np.argmin(np.abs(hits + lo - col))])
            item = int(items[best])
            lane = self.model.lanes[li]
            arrays = lane.subrows[k].arrays()
            s = int(np.searchsorted(seg.px0, best, side="right")) - 1
            count = int(seg.counts[s]) if 0 <= s < len(seg) else 1
            return Hit(lane, k, item, int(arrays.refs[item]), max(count, 1))
        return None

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self.hit_at(scene_pos)
        self._hover = hit
        if hit is None:
            QToolTip.hideText()
            return
        text = describe_hit(hit, self.model, self.source.store)
        view_pos = self.plot.mapFromScene(scene_pos)
        QToolTip.showText(self.plot.mapToGlobal(view_pos), text, self.plot)

    def _mouse_clicked(self, event: MouseClickEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.hit_at(event.scenePos())
        if hit is None:
            return
        row = selected_row_of(hit, self.model)
        self.ctx.state.select_row(row)
        key: object = hit.ref if hit.lane.kind in ("txn", "ticks") else hit.lane.refs[hit.ref]
        self.itemActivated.emit(hit.lane.kind, key)

    # -- keys -------------------------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_W:
            self.zoom(0.8)
        elif key == Qt.Key.Key_S:
            self.zoom(1.25)
        elif key == Qt.Key.Key_A:
            self.pan(-0.2)
        elif key == Qt.Key.Key_D:
            self.pan(0.2)
        elif key == Qt.Key.Key_F:
            self.ctx.state.set_follow(True)
        elif key == Qt.Key.Key_0:
            self.fit_all()
        else:
            super().keyPressEvent(event)
