"""The timeline's time axis: tick labels in the unit that fits the values shown (µs, ms or s), with the unit on each.

pyqtgraph's own labels are bare numbers in a fixed unit; a 5 ms trace read "0, 0.001, 0.002 …" and a 2 µs zoom
"1.000001". Here the unit follows the magnitude of the visible range (devtools.model.time_units) and the decimals
follow the tick spacing, so a label is always short and exact: "2.5 ms", "40 s", "60.00012 s".
"""

from __future__ import annotations

from ...model.time_units import tick_decimals, unit_for
from .plain_axis import PlainAxis

__all__ = ["TimeAxis", "AXIS_TITLE"]

AXIS_TITLE = "time since the first event"


class TimeAxis(PlainAxis):  # the unit is on every tick label instead of an SI prefix on the title
    def __init__(self) -> None:
        super().__init__("bottom")
        self.setLabel(AXIS_TITLE)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        lo, hi = self.range
        unit = unit_for(max(abs(lo), abs(hi)) * scale)
        places = tick_decimals(spacing * scale, unit)
        return [unit.format(v * scale, places) for v in values]

    def tick_labels(self) -> list[str]:
        """The labels of the major ticks for the current range and width (what the user reads under the lanes)."""
        lo, hi = self.range
        levels = self.tickValues(lo, hi, max(1.0, float(self.width())))
        if not levels:
            return []
        spacing, values = levels[0]
        return self.tickStrings(list(values), 1.0, spacing)
