"""The timeline pane: lanes of ticks, transactions, runs and operations, drawn through a level-of-detail step.

`view` is the widget (drawing and input), `describe` what it says about the item under the mouse, `canvas_item` the
one graphics item that blits the rasterised lanes, `source` the window's shared TimelineModel kept in step with the
event store.
"""

from .view import PALETTES, REBUILD_MS, TimelineView

__all__ = ["PALETTES", "REBUILD_MS", "TimelineView"]
