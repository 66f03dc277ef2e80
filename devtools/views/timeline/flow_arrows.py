"""Flow arrows on the timeline: from the action under the mouse (or the one selected) to its transactions, and from
each transaction to the tick that published it (devtools.model.flows), drawn between the lanes.

All arrows are one curve item (line pairs, the heads as two short strokes each), rebuilt with the lanes: a few
hundred arrows at most, never a per-arrow graphics item.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from ...model.flows import Flow, flows_of
from .face import TimelineFace

__all__ = ["FlowArrows", "FLOW_PEN"]

FLOW_PEN = pg.mkPen(color=(124, 77, 255), width=1.6)
HEAD_PX = 7.0


class FlowArrows:
    """The arrows of the focused row (hovered, else selected) of one timeline view."""

    def __init__(self, view: TimelineFace) -> None:
        self.view = view
        self.item = pg.PlotCurveItem(pen=FLOW_PEN, connect="pairs")
        self.item.setZValue(12)
        view.plot.addItem(self.item, ignoreBounds=True)
        self.flows: list[Flow] = []
        """The arrows of the focused row (also those whose lanes are not shown)."""
        self.drawn: list[Flow] = []
        """The arrows drawn now (both ends in shown lanes)."""
        self._selected: int | None = None
        self._hovered: int | None = None
        self._focus: int | None = None
        self._version = -1

    def select(self, row: int | None) -> None:
        self._selected = row
        self._refocus()

    def hover(self, row: int | None) -> None:
        self._hovered = row
        self._refocus()

    def _refocus(self) -> None:
        focus = self._hovered if self._hovered is not None else self._selected
        if focus == self._focus and self._version == self.view.model.version:
            return
        self._focus, self._version = focus, self.view.model.version
        self.flows = [] if focus is None else flows_of(focus, self.view.source.store, self.view.model)
        self.redraw()

    def redraw(self) -> None:
        """Lay the arrows out for the current range, size and lanes."""
        view = self.view
        if self._version != view.model.version:
            self._refocus()
            return
        shown = {lane.key: i for i, lane in enumerate(view.shown_lanes)}
        self.drawn = [f for f in self.flows if f.src_lane in shown and f.dst_lane in shown]
        if not self.drawn:
            self.item.setData([], [])
            return
        x0, x1 = view.x_range()
        (_, _), (y0, y1) = view.view_box.viewRange()
        px_x = (x1 - x0) / max(view.view_box.width(), 1.0)
        px_y = (y1 - y0) / max(view.view_box.height(), 1.0)
        xs: list[float] = []
        ys: list[float] = []
        for flow in self.drawn:
            (sx, sy), (dx, dy) = self._ends(flow, shown)
            xs += [sx, dx]
            ys += [sy, dy]
            # the head: two strokes back from the tip, at +-25 degrees of the line, HEAD_PX long on screen
            angle = math.atan2((sy - dy) / px_y, (sx - dx) / px_x)
            for turn in (-0.44, 0.44):
                xs += [dx, dx + math.cos(angle + turn) * HEAD_PX * px_x]
                ys += [dy, dy + math.sin(angle + turn) * HEAD_PX * px_y]
        self.item.setData(np.asarray(xs), np.asarray(ys))

    def _ends(self, flow: Flow, shown: dict[str, int]) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where an arrow leaves its source lane and meets its target: on the lanes' facing edges, or from the
        top of a lane to its middle when both ends are in one lane (an action and its transaction)."""
        src, dst = shown[flow.src_lane], shown[flow.dst_lane]
        (st, sb), (dt, db) = self.view.lane_extent(src), self.view.lane_extent(dst)
        if src == dst:
            return (flow.src_x, st), (flow.dst_x, (dt + db) / 2)
        if src < dst:
            return (flow.src_x, sb), (flow.dst_x, dt)
        return (flow.src_x, st), (flow.dst_x, db)
