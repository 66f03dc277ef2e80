"""Counter tracks under the timeline's lanes: events/s, pending runs, pending operations and tick backlog, each a
small filled line on its own row, on the lanes' time axis (x-linked to the timeline's view box).

The values come from devtools.model.counters, sampled at about one point per three pixel columns of the visible range
whenever the lanes are rebuilt (never in paint). Each row's scale is its own peak in view, named on the left with the
row (`events/s · peak 1.2k`), so a quiet counter still shows its shape.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QToolButton

from runtime.trace import EventStore

from ...model.counters import COUNTER_NAMES, CounterSeries, CounterTracks
from ...model.timeline_model import TimelineModel
from .plain_axis import hide_spare_axes, plain_axes

__all__ = ["CounterStrip", "ROW_PX"]

ROW_PX = 14
"""Height of one counter row."""
_COLOURS = ((38, 166, 154), (74, 144, 226), (126, 87, 194), (240, 160, 48))


def _short(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


class CounterStrip(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type information
    """The counter rows of one timeline view."""

    def __init__(self, model: TimelineModel, link_to: pg.PlotWidget, titles_px: int) -> None:
        super().__init__(background=None, axisItems=plain_axes(), viewBox=pg.ViewBox(enableMenu=False))
        self.setObjectName("counterTracks")
        self.model = model
        self.counters = CounterTracks()
        self.series: list[CounterSeries] = []
        """What is drawn now, one per counter in COUNTER_NAMES order."""
        hide_spare_axes(self)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFixedHeight(ROW_PX * len(COUNTER_NAMES) + 4)
        self.hideAxis("bottom")
        axis = self.getAxis("left")
        axis.setWidth(titles_px)
        font = QFont()
        font.setPointSizeF(7.5)
        axis.setStyle(tickFont=font, tickLength=0)
        vb = self.getPlotItem().getViewBox()
        vb.invertY(True)
        vb.setMouseEnabled(x=False, y=False)
        vb.disableAutoRange()
        vb.setYRange(0.0, float(len(COUNTER_NAMES)), padding=0)
        self.setXLink(link_to)
        self.toggle = QToolButton()
        self.toggle.setObjectName("countersToggle")
        self.toggle.setText("Counters")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolTip("Show or hide the counter tracks under the lanes")
        self.toggle.toggled.connect(self.setVisible)
        self._curves = []
        for i, colour in enumerate(_COLOURS):
            curve = pg.PlotCurveItem(pen=pg.mkPen(colour, width=1.2), brush=pg.mkBrush(*colour, 70),
                                     fillLevel=i + 0.92, connect="finite")
            self.addItem(curve)
            self._curves.append(curve)

    def drawn_points(self) -> list[int]:
        """How many points each counter's curve holds now (one per sample)."""
        return [len(curve.getData()[0] if curve.getData()[0] is not None else []) for curve in self._curves]

    def refresh(self, store: EventStore, x0: float, x1: float, width: int, visible_rows: int) -> None:
        """Resample every counter over [x0, x1) for a pane `width` pixels wide."""
        if width < 2 or not x1 > x0 or self.isHidden():
            return
        self.series = self.counters.series(store, self.model, x0, x1, max(2, min(width // 3, 400)), visible_rows)
        ticks = []
        for i, (series, curve) in enumerate(zip(self.series, self._curves, strict=True)):
            peak = series.peak
            ys = i + 0.92 - 0.84 * (series.ys / peak if peak > 0 else np.zeros_like(series.ys))
            curve.setData(series.xs, ys)
            ticks.append((i + 0.5, f"{series.name} · peak {_short(peak)}"))
        self.getAxis("left").setTicks([ticks])
