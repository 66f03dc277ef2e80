"""Time units that fit what is shown: µs for a trace of a fraction of a millisecond, ms below a second, s above.

Times are offsets in seconds since the first event. The unit follows the magnitude of the values shown (the end of
the trace for the events table, the visible range for the timeline's axis), so the numbers stay short and a 5 ms
trace never reads as "0.001 s, 0.002 s".

>>> unit_for(0.005).name, unit_for(0.0004).name, unit_for(5.0).name
('ms', 'µs', 's')
>>> unit_for(0.005).format(0.0012345)
'1.234 ms'
>>> format_duration(0.05), format_duration(2.5), format_duration(0.00012)
('50 ms', '2.5 s', '120 µs')
>>> tick_decimals(0.0025, unit_for(0.01)), tick_decimals(10.0, unit_for(90.0))
(1, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["TimeUnit", "UNITS", "unit_for", "format_duration", "tick_decimals"]


@dataclass(frozen=True, slots=True)
class TimeUnit:
    """A unit and the decimals that give a microsecond of resolution in it (a millisecond for seconds)."""

    name: str
    seconds: float
    decimals: int

    def format(self, seconds: float, decimals: int | None = None) -> str:
        places = self.decimals if decimals is None else decimals
        return f"{seconds / self.seconds:.{places}f} {self.name}"


UNITS = (TimeUnit("µs", 1e-6, 0), TimeUnit("ms", 1e-3, 3), TimeUnit("s", 1.0, 3))
"""Whole microseconds at most: event times are epoch milliseconds in a float64, about 0.25 µs apart today."""


def unit_for(magnitude_s: float) -> TimeUnit:
    """The unit for values up to `magnitude_s` seconds: the largest in which they are at least 1 (µs below)."""
    magnitude = abs(magnitude_s)
    for unit in reversed(UNITS):
        if magnitude >= unit.seconds:
            return unit
    return UNITS[0]


def format_duration(seconds: float) -> str:
    """A duration in its own unit with up to three significant digits: `50 ms`, `2.5 s`, `120 µs`."""
    unit = unit_for(seconds)
    value = seconds / unit.seconds
    return f"{value:.3g} {unit.name}" if value < 1000 else f"{value:.0f} {unit.name}"


def tick_decimals(spacing_s: float, unit: TimeUnit) -> int:
    """The fewest decimals that write ticks `spacing_s` apart in `unit` exactly (`2.5 ms` needs one)."""
    step = spacing_s / unit.seconds
    if step <= 0 or not math.isfinite(step):
        return unit.decimals
    for places in range(7):
        scaled = step * 10**places
        if abs(scaled - round(scaled)) <= 1e-6 * max(1.0, scaled):
            return places
    return 6
