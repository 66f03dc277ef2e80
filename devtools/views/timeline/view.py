"""The timeline pane: lanes per runtime and instance on a time axis, zoomable to a million events.

- Lanes (see devtools.model.timeline_model): ticks; per instance transactions coloured by executed converge mode
  (grey none, teal dirty, amber full; red outline = degraded), action runs by status, operations by stage with
  their deadlines as amber dashed marks (red is for failures). A legend under the lanes names every colour and mark
  drawn; it wraps onto more lines instead of being cut.
- Scope and selection follow the devtools state like every pane: only the lanes of the sidebar's scope are shown,
  and the selected event is marked by a vertical line; a click selects the item under the mouse everywhere.
- Input: the mouse wheel zooms, dragging pans (x only). Keys as in Perfetto: W/S zoom in/out, A/D pan left/right,
  F follows (the live end, or the replay cursor), 0 fits everything. Hovering shows a tooltip naming the item.
- A work surface (each part in its own file here): the events table's filter highlighted on the lanes
  (filter_highlight, highlight), arrows from the action hovered or selected to its transactions and ticks
  (flow_arrows), counter tracks under the lanes (counter_tracks), a Shift+drag area with its aggregates and Esc to
  clear it (area_select), a lane's context menu to pin, collapse or hide it (lane_menu), bookmarks on B
  (bookmarks), and a recorded trace's bookmarks and lane layout kept in its sidecar file (sidecar_keeper).
- Live, the view follows the newest events until the user zooms or pans. A replay opens fitted to the whole trace
  and follows the cursor only when asked (F); it never says "following live".
- Drawing: on every range, size or data change the LOD step reduces each sub-row to at most one segment per pixel
  column and rasterises it (devtools.views.timeline.frame) into one buffer that the canvas item blits. That work
  happens in the range-change handler, never in paint(); data changes are coalesced to one rebuild per REBUILD_MS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolTip, QVBoxLayout, QWidget

from ...app.context import DevtoolsContext
from ...model.lane_layout import LaneLayout
from ...model.lod import LodSegments
from ...model.raster import Band
from ...model.scope import EVERYTHING, Scope, scope_of
from ...model.time_units import unit_for
from ...model.timeline_model import Lane
from ...state import UiState, time_range_of
from ..elided_label import ElidedLabel
from ..legend import Legend
from .area_select import AreaSelection, SelectingViewBox
from .bookmarks import BookmarkBar
from .canvas_item import LaneCanvasItem
from .counter_tracks import CounterStrip
from .describe import Hit, describe_hit, selected_row_of
from .filter_highlight import FilterHighlight
from .flow_arrows import FlowArrows
from .frame import LaneFrame, draw_lanes, hit_in, lane_bands, lane_spans, readable_titles
from .highlight import HighlightMarks
from .lane_menu import LaneMenu
from .palette import LEGEND_ITEMS
from .plain_axis import hide_spare_axes, plain_axes
from .sidecar_keeper import SidecarKeeper
from .source import timeline_source
from .time_axis import TimeAxis

if TYPE_CHECKING:
    from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent

__all__ = ["TimelineView", "REBUILD_MS", "CATCH_UP_REBUILD_MS"]

REBUILD_MS = 33
"""Live data redraws at most this often (about 30 fps); range changes redraw at once."""
CATCH_UP_REBUILD_MS = 150
"""While the model catches up with a backlog (a trace being opened) the lanes redraw this often: redrawing at 30 fps
took as much loop time as building the model it showed, so a million events took twice as long to appear."""
MIN_SPAN_S = 1e-6
FIT_PADDING = 0.03
"""Fit all leaves this fraction of the extent free on either side, so the first and last items are not on the edge."""
MIN_LANE_PX = 12
"""The pane never gets so short that a lane is thinner than this (its title would overlap the next one)."""
AXIS_PX = 44
"""Room for the time axis under the lanes: tick labels and the axis title."""
MIN_WIDTH_PX = 320
SELECTION_PEN = pg.mkPen(color=(255, 64, 129), width=1.5)
LANE_TITLES_PX = 160
"""Room for the lanes' titles on the left (the counter tracks' names line up with it)."""
PIN_MARK = "▲ "
"""Before the title of a pinned lane."""


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
        self.replaying = ctx.mode == "replay"
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.axis = TimeAxis()
        self.plot = pg.PlotWidget(background=None, axisItems=plain_axes(bottom=self.axis), viewBox=SelectingViewBox())
        hide_spare_axes(self.plot)
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
        self.plot.getAxis("left").setWidth(LANE_TITLES_PX)
        self.canvas = LaneCanvasItem()
        self.plot.addItem(self.canvas)
        self.selection_line = pg.InfiniteLine(angle=90, pen=SELECTION_PEN)
        self.selection_line.setVisible(False)
        self.plot.addItem(self.selection_line, ignoreBounds=True)
        self.shown_lanes: list[Lane] = []
        """The lanes drawn, top to bottom: those of the sidebar's scope, pinned ones first, hidden ones left out."""
        self._lane_extents: list[tuple[float, float]] = []
        self.lane_titles: list[str] = []
        """The titles written left of the lanes, top to bottom (a pinned lane's after PIN_MARK)."""
        self.highlight = HighlightMarks(self)
        """Rows the events filter keeps or a query chose ("show these rows"), marked and emphasised."""
        self.filter_highlight = FilterHighlight(ctx, self.highlight)
        self.flows = FlowArrows(self)
        """Arrows from the action hovered or selected to its transactions and their ticks."""
        self.area = AreaSelection(self, self)
        """The Shift+drag area selection and its aggregates panel."""
        vb.on_area = self.area.drag
        self.lane_layout = LaneLayout()
        self.lane_menu = LaneMenu(self, self.lane_layout, self._lanes_rearranged, self._lane_title)
        self.bookmarks = BookmarkBar(self, self, self._save_notes)
        self.bookmarks.add_request = self.add_bookmark
        self.sidecar = SidecarKeeper(ctx.events.store.source_path if self.replaying else None)
        self.bookmarks.set_all(self.sidecar.load(self.lane_layout))
        self.lane_menu.refresh_hidden()
        self.counters = CounterStrip(self.model, self.plot, LANE_TITLES_PX)
        """Counter tracks under the lanes (events/s, pending runs and operations, tick backlog)."""
        self._mouse_x: float | None = None

        self.follow_button = QPushButton("Follow cursor (F)" if self.replaying else "Follow live (F)")
        self.follow_button.setObjectName("followButton")
        self.follow_button.setCheckable(True)
        self.follow_button.setToolTip("Keep the replay cursor in sight" if self.replaying
                                      else "Keep the newest events in sight")
        self.follow_button.clicked.connect(self._follow_clicked)
        fit = QPushButton("Fit all (0)")
        fit.setToolTip("Show the whole session")
        fit.clicked.connect(self.fit_all)
        self.status = ElidedLabel()
        self.status.setObjectName("timelineStatus")
        self.legend = Legend(LEGEND_ITEMS, self)
        self.legend.setObjectName("timelineLegend")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.follow_button)
        bar.addWidget(fit)
        bar.addWidget(self.counters.toggle)
        bar.addWidget(self.lane_menu.hidden_button)
        bar.addWidget(self.bookmarks.button)
        bar.addWidget(self.bookmarks.name_field)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.counters)
        layout.addWidget(self.legend)

        self.segments: dict[tuple[int, int], tuple[Band, LodSegments]] = {}
        """The last drawn LOD per (index in shown_lanes, sub-row): what hover and click read."""
        self.drawn_items = 0
        self.rebuilds = 0
        """How many times the lanes were rebuilt (range, size or data changes)."""
        self._frame: LaneFrame | None = None
        self._extent: tuple[int, tuple[float, float]] | None = None
        """(store rows, extent) of the last extent() computed."""
        self._bands: list[tuple[int, int]] = []
        self._lane_keys: tuple[str, ...] | None = None
        self._titled: list[int] | None = None
        """The lanes whose titles the left axis shows (all, unless the lanes are shorter than a line)."""
        self._scope: Scope = EVERYTHING
        self._selected_row: int | None = None
        self._follow = not self.replaying
        self._rebuilding = False
        self._rebuild_again = False
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.timeout.connect(self._data_changed_now)

        vb.sigXRangeChanged.connect(self._range_changed)
        vb.sigResized.connect(self.rebuild)
        vb.sigRangeChangedManually.connect(self._manual_range)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.source.modelChanged.connect(self._data_changed)
        ctx.on_release(self, self._rows_released)
        if self.replaying:
            self._fit_extent()  # the whole trace at once, before the model has caught up with a big one
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        self._data_changed_now()

    # -- geometry ---------------------------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """Room for the buttons, every lane at MIN_LANE_PX, the axis and the legend's lines at the current width."""
        width = max(self.width(), MIN_WIDTH_PX)
        lanes = max(len(self.shown_lanes), 1)
        bar = self.follow_button.sizeHint().height() + 4
        counters = 0 if self.counters.isHidden() else self.counters.height()
        return QSize(MIN_WIDTH_PX, bar + lanes * MIN_LANE_PX + AXIS_PX + counters + self.legend.heightForWidth(width))

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
        self.view_box.setXRange(x0, x1, padding=0)

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

    def show_rows(self, rows: list[int]) -> None:
        """Mark these store rows in their lanes and bring them into view (an empty list clears the marks)."""
        self.highlight.set_rows(rows)
        span = self.highlight.span()
        if span is not None:
            self._user_moved()
            pad = max((span[1] - span[0]) * FIT_PADDING, 1e-3)
            self.set_x_range(span[0] - pad, span[1] + pad)

    def centre_on(self, x: float) -> None:
        """Bring time x (seconds since the first event) to the middle of the view, keeping the zoom."""
        x0, x1 = self.x_range()
        self._user_moved()
        self.set_x_range(x - (x1 - x0) / 2, x + (x1 - x0) / 2)

    def fit_all(self) -> None:
        """Show the whole session (the whole trace in a replay, also beyond the cursor)."""
        self._user_moved()
        self._fit_extent()

    def extent(self) -> tuple[float, float]:
        """First and last event time of the session in seconds since the first event (all rows, not just those up
        to the replay cursor), read from the store's columns: known before the lanes are built."""
        rows = len(self.source.store)
        if self._extent is not None and self._extent[0] == rows:
            return self._extent[1]  # a replay's store never grows: a million-row min/max once, not per frame
        bounds = self.ctx.events.column_bounds("ts")
        if bounds is None:
            return 0.0, 0.0
        origin = self.model.origin_ms if self.model.origin_ms is not None else float(self.source.store.ts[0])
        extent = (bounds[0] - origin) / 1000.0, (bounds[1] - origin) / 1000.0
        self._extent = (rows, extent)
        return extent

    def _fit_extent(self) -> None:
        start, end = self.extent()
        span = max(end - start, 1e-3 if end == start == 0.0 else MIN_SPAN_S)
        self.set_x_range(start - span * FIT_PADDING, end + span * FIT_PADDING)

    def lane_index(self, key: str) -> int:
        """Where the lane `key` (`shop#1/txn`) is drawn among the shown lanes (its y: `lane_centre(index)`)."""
        for i, lane in enumerate(self.shown_lanes):
            if lane.key == key:
                return i
        raise KeyError(f"lane {key!r} is not shown (shown: {', '.join(lane.key for lane in self.shown_lanes)})")

    def lane_band(self, key: str) -> tuple[int, int]:
        """The pixel rows [top, bottom) of lane `key` in the canvas buffer."""
        return self._bands[self.lane_index(key)]

    def lane_extent(self, index: int) -> tuple[float, float]:
        """The [top, bottom) in view units of the lane drawn at `index` (a collapsed lane is thinner)."""
        return self._lane_extents[index]

    def lane_centre(self, index: int) -> float:
        top, bottom = self._lane_extents[index]
        return (top + bottom) / 2

    def _lane_title(self, key: str) -> str:
        lane = self.model.lane(key)
        return lane.title if lane is not None else key.replace("/", " · ")

    def _lanes_rearranged(self) -> None:
        self.rebuild()
        self._save_notes()

    def _save_notes(self) -> None:
        self.sidecar.save(self.lane_layout, self.bookmarks.bookmarks)
        self.status.setText(self._status_text())

    def add_bookmark(self, x: float | None = None, name: str | None = None) -> None:
        """A bookmark at x, else at the mouse, else at the selected event, else in the middle of the view."""
        if x is None:
            x = self._mouse_x if self._mouse_x is not None else self.selection_x()
        if x is None:
            x0, x1 = self.x_range()
            x = (x0 + x1) / 2
        self.bookmarks.add(x, name)

    # -- follow and the shared state ---------------------------------------------------------------------------------

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
        self.follow_button.setChecked(follow)
        if follow != self._follow:
            self._follow = follow
            if follow:
                self._apply_follow()
        span = time_range_of(ui)
        if span and self.model.origin_ms is not None and not follow:
            x0, x1 = self.model.x_of(span[0]), self.model.x_of(span[1])
            if (x0, x1) != self.x_range():
                self.set_x_range(x0, x1)
        scope = scope_of(self.source.store, ui["selection"])
        if scope != self._scope:
            self._scope = scope
            self.rebuild()
        self._selected_row = ui["selectedRow"]
        self._show_selection()
        self.filter_highlight.filters_changed(ui["filters"])
        self.flows.select(self._selected_row)

    def _apply_follow(self) -> None:
        end = self._x_limit()
        x0, x1 = self.x_range()
        width = max(x1 - x0, 1e-3)
        if end > 0:
            # the newest event near the right edge; a session shorter than the view starts at the left edge
            # instead of leaving the first half of the axis empty
            start = max(end - width * 0.98, -width * FIT_PADDING)
            self.set_x_range(start, start + width)

    def _show_selection(self) -> None:
        store, row = self.source.store, self._selected_row
        if row is None or not 0 <= row < len(store) or self.model.origin_ms is None:  # below 0: let go
            self.selection_line.setVisible(False)
            return
        self.selection_line.setPos(self.model.x_of(float(store.ts[row])))
        self.selection_line.setVisible(True)

    def selection_x(self) -> float | None:
        """Where the selected event is marked (seconds since the first event), None when nothing is selected."""
        return float(self.selection_line.value()) if self.selection_line.isVisible() else None

    # -- data -------------------------------------------------------------------------------------------------------

    def _data_changed(self) -> None:
        interval = REBUILD_MS if self.source.caught_up else CATCH_UP_REBUILD_MS
        if not self._rebuild_timer.isActive() or self._rebuild_timer.remainingTime() > interval:
            self._rebuild_timer.start(interval)  # caught up: the last rows drawn soon, not after a catch-up wait

    def _data_changed_now(self) -> None:
        rebuilt = self.rebuilds
        if self._follow:
            self._apply_follow()  # a range change rebuilds by itself
        self.filter_highlight.rows_added()  # rebuilds when new rows matched the filter
        if self.rebuilds == rebuilt:  # one rebuild per data change, not two (each costs a few ms at 25 Hz live)
            self.rebuild()
        self._show_selection()  # the selected row may have been loaded only now

    def _rows_released(self, n: int) -> None:
        self.highlight.release(n)
        self.filter_highlight.rows_released(n)

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

    def _in_scope(self, lane: Lane) -> bool:
        return self._scope.has_runtime(lane.owner) if lane.kind == "ticks" else self._scope.has_instance(lane.owner)

    def _layout_lanes(self, height: int) -> None:
        self.shown_lanes = self.lane_layout.arrange([lane for lane in self.model.lanes if self._in_scope(lane)])
        weights = self.lane_layout.weights(self.shown_lanes)
        self._lane_extents = lane_spans(weights)
        pinned = set(self.lane_layout.pinned)
        keys = tuple(f"{lane.key}:{w}:{lane.key in pinned}" for lane, w in zip(self.shown_lanes, weights, strict=True))
        if keys != self._lane_keys:
            self._lane_keys = keys
            self.updateGeometry()  # another lane needs room
            self.view_box.setYRange(0.0, self._lanes_height(), padding=0)
            self.lane_titles = [(PIN_MARK if lane.key in pinned else "") + lane.title for lane in self.shown_lanes]
            self._titled = None  # new titles: set the axis again
        # lanes shorter than a title's letters (a small window) title only every few lanes, never on top of each
        # other; the ascent, not the line height: titles a line apart minus the leading still read (1440x900)
        axis = self.plot.getAxis("left")
        titled = readable_titles(self._lane_extents, height, QFontMetrics(axis.font()).ascent())
        if titled != self._titled:
            self._titled = titled
            axis.setTicks([[(self.lane_centre(i), self.lane_titles[i]) for i in titled]])
        self._bands = lane_bands(len(self.shown_lanes), height, weights)

    def _lanes_height(self) -> float:
        """The lanes' height in view units (1 per expanded lane), at least 1."""
        return max(self._lane_extents[-1][1], 1.0) if self._lane_extents else 1.0

    def rebuild(self, *_: object) -> None:
        """Recompute every shown lane's LOD for the current range and size and hand the buffer to the canvas item."""
        if self._rebuilding:  # a lane change resized the plot from inside a rebuild: draw again at the new size
            self._rebuild_again = True
            return
        self._rebuilding = True
        try:
            self._rebuild_again = True
            while self._rebuild_again:
                self._rebuild_again = False
                self._rebuild_once()
        finally:
            self._rebuilding = False

    def _rebuild_once(self) -> None:
        vb = self.view_box
        width, height = int(vb.width()), int(vb.height())
        if width < 2 or height < 2:
            return
        self.rebuilds += 1
        x0, x1 = self.x_range()
        self._layout_lanes(height)
        frame = draw_lanes(self.shown_lanes, self._bands, x0=x0, x1=x1, width=width, height=height,
                           limit_x=self._x_limit(), visible_rows=self.source.visible_rows, name_of=self._name_of,
                           emphasis=self.highlight.emphasis if self.highlight.active else None)
        self._frame = frame
        self.legend.show_for({lane.kind for lane in self.shown_lanes})
        self.segments = frame.segments
        self.drawn_items = frame.drawn
        self.canvas.set_frame(QRectF(x0, 0.0, x1 - x0, self._lanes_height()), frame.canvas, frame.labels)
        self.status.setText(self._status_text())
        self.highlight.redraw()
        self.flows.redraw()
        self.bookmarks.redraw_if_needed()
        self.counters.refresh(self.source.store, x0, x1, width, self.source.visible_rows)
        self.area.place_panel()

    def _status_text(self) -> str:
        spans = sum(lane.span_count() for lane in self.shown_lanes)
        text = f"{spans:,} spans in {len(self.shown_lanes)} lanes; {self.drawn_items:,} drawn"
        if not self._scope.everything:
            text += f" (scope: {len(self.shown_lanes)} of {len(self.model.lanes)} lanes)"
        if self.highlight.active:
            text += f"; {len(self.highlight.rows):,} highlighted ({self.highlight.source})"
        if self.sidecar.problem:
            text += f"; {self.sidecar.problem}"
        if not self.replaying:
            return text + ("; following live" if self._follow else "; paused (F follows)")
        cursor = self._x_limit()
        text += f"; cursor at {unit_for(self.extent()[1]).format(cursor)}"
        return text + ("; following the cursor" if self._follow else "")

    def _name_of(self, lane: Lane, key: str) -> str:
        if lane.kind == "runs":
            return self.model.runs.runs[key].action_id
        return self.model.operations.ops[key].op_kind or "op"

    # -- hit testing ------------------------------------------------------------------------------------------------

    def hit_at(self, scene_pos: QPointF) -> Hit | None:
        """The item under a scene position (within a few columns), from the last drawn LOD."""
        if self._frame is None or not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        pixel = self.canvas.image_point(self.view_box.mapSceneToView(scene_pos))
        return None if pixel is None else hit_in(self._frame, self.shown_lanes, *pixel)

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        inside = self.view_box.sceneBoundingRect().contains(scene_pos)
        self._mouse_x = float(self.view_box.mapSceneToView(scene_pos).x()) if inside else None
        hit = self.hit_at(scene_pos)
        self.flows.hover(selected_row_of(hit, self.model) if hit is not None and hit.lane.kind in ("txn", "runs")
                         else None)
        if hit is None:
            QToolTip.hideText()
            return
        text = describe_hit(hit, self.model, self.source.store)
        view_pos = self.plot.mapFromScene(scene_pos)
        QToolTip.showText(self.plot.mapToGlobal(view_pos), text, self.plot)

    def _mouse_clicked(self, event: MouseClickEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self.context_menu_at(event.scenePos())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.hit_at(event.scenePos())
        if hit is None:
            return
        self.ctx.state.select_row(selected_row_of(hit, self.model))
        key: object = hit.ref if hit.lane.kind in ("txn", "ticks") else hit.lane.refs[hit.ref]
        self.itemActivated.emit(hit.lane.kind, key)

    def lane_at(self, scene_pos: QPointF) -> int | None:
        """The index of the lane at a scene position (on the lane or on its title at the left), None elsewhere."""
        y = float(self.view_box.mapSceneToView(scene_pos).y())
        return next((i for i, (top, bottom) in enumerate(self._lane_extents) if top <= y < bottom), None)

    def context_menu_at(self, scene_pos: QPointF) -> None:
        """The context menu of the lane at `scene_pos`: pin, collapse, hide, the hidden lanes, a bookmark there."""
        index = self.lane_at(scene_pos)
        if index is None or index >= len(self.shown_lanes):
            return
        x = float(self.view_box.mapSceneToView(scene_pos).x())
        here = QAction("Add bookmark here (B)")
        here.triggered.connect(lambda: self.add_bookmark(x))
        at = self.plot.mapToGlobal(self.plot.mapFromScene(scene_pos))
        self.lane_menu.popup(self.shown_lanes[index], at, [here])

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
        elif key == Qt.Key.Key_B:
            self.add_bookmark()
        elif key == Qt.Key.Key_Escape and self.area.clear():
            pass
        else:
            super().keyPressEvent(event)
