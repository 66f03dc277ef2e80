"""The timeline pane: lanes of ticks, transactions, runs and operations, drawn through a level-of-detail step.

`view` is the widget (range, scope, follow and input), `frame` what one frame draws (lanes rasterised, hit
testing), `describe` what it says about the item under the mouse, `canvas_item` the one graphics item that blits the
rasterised lanes, `time_axis` the axis in fitting units, `palette` the colours and the legend, `source` the window's
shared TimelineModel kept in step with the event store.
"""

from .palette import PALETTES
from .view import REBUILD_MS, TimelineView

__all__ = ["PALETTES", "REBUILD_MS", "TimelineView"]
