"""Axes without pyqtgraph's SI-prefix relabelling, for the timeline's two plots (lanes and counter tracks).

With the auto SI prefix on, pyqtgraph renders an axis's label again as HTML (QGraphicsTextItem.setHtml, ~0.2 ms)
on every range change, also for a hidden axis without a label. The lanes and the counter strip hold eight axes and
none of them shows units, so opening a trace spent ~20 ms of one loop turn, and every zoom or pan a few ms, on
labels nobody reads.
"""

from __future__ import annotations

import pyqtgraph as pg

__all__ = ["PlainAxis", "plain_axes", "hide_spare_axes"]

SIDES = ("left", "bottom", "right", "top")


class PlainAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph ships no type information
    """An AxisItem whose label is never rescaled (its tick labels are unchanged)."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)


def plain_axes(**given: pg.AxisItem) -> dict[str, pg.AxisItem]:
    """All four axes of a plot: those `given` by side, a PlainAxis for the others (pass it as `axisItems`, then
    `hide_spare_axes`)."""
    return {side: given.get(side) or PlainAxis(side) for side in SIDES}


def hide_spare_axes(plot: pg.PlotWidget) -> None:
    """Hide the right and top axes: pyqtgraph shows every axis it was given, and `plain_axes` gives all four."""
    for side in SIDES[2:]:
        plot.hideAxis(side)
