"""What the timeline's parts (highlight, flow arrows, area selection, bookmarks) read of the timeline view: a
Protocol, so view.py builds them and none of them imports view.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pyqtgraph as pg

from ...model.timeline_model import Lane, TimelineModel

__all__ = ["TimelineFace"]


class TimelineFace(Protocol):
    @property
    def source(self) -> Any: ...  # a TimelineSource: `.store`, `.visible_rows`

    @property
    def model(self) -> TimelineModel: ...

    @property
    def shown_lanes(self) -> Sequence[Lane]: ...

    @property
    def plot(self) -> pg.PlotWidget: ...

    @property
    def view_box(self) -> pg.ViewBox: ...

    def x_range(self) -> tuple[float, float]: ...

    def lane_extent(self, index: int) -> tuple[float, float]: ...

    def lane_centre(self, index: int) -> float: ...

    def centre_on(self, x: float) -> None: ...

    def rebuild(self) -> None: ...
