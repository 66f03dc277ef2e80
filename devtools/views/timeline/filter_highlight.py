"""The events table's filter, shown on the timeline: the rows the filter keeps are highlighted (HighlightMarks,
source "filter"), the rest of the lanes dimmed; clearing the filter restores the lanes.

The filter is read from the devtools state, as the table reads it (kinds, text or regex, field path; the scope
and the time range are the timeline's own business already). While live, the rows that arrive are tested as they
come (only the new ones), so a growing session never re-filters its whole history.
"""

from __future__ import annotations

import numpy as np

from ...app.context import DevtoolsContext
from ...model.event_filter import EventFilter, FilterError
from ...state import Filters
from .highlight import HighlightMarks

__all__ = ["FilterHighlight"]


class FilterHighlight:
    """Keeps `marks` showing the rows the events filter keeps."""

    def __init__(self, ctx: DevtoolsContext, marks: HighlightMarks) -> None:
        self.ctx = ctx
        self.marks = marks
        self._filter: EventFilter | None = None
        self._rows_tested = 0

    def filters_changed(self, filters: Filters) -> None:
        wanted = EventFilter(kinds=tuple(filters["kinds"]), text=filters["text"], regex=filters["regex"],
                             path=filters["path"])
        chosen = None if wanted == EventFilter() else wanted
        if chosen == self._filter:
            return
        self._filter = chosen
        self._rows_tested = 0
        if chosen is None:
            self.marks.clear("filter")
            return
        self._apply(np.zeros(0, np.int64))

    def rows_added(self) -> None:
        """Test the rows that arrived since (live); a no-op without a filter or when the highlight is a query's."""
        if self._filter is None or self.marks.source != "filter" or len(self.ctx.events) <= self._rows_tested:
            return
        self._apply(self.marks.rows)

    def rows_released(self, n: int) -> None:
        self._rows_tested = max(0, self._rows_tested - n)

    def _apply(self, kept: np.ndarray) -> None:
        assert self._filter is not None
        feed = self.ctx.events
        n = len(feed)
        try:
            rows, _ = self._filter.rows(feed, self._rows_tested, n)
        except FilterError:
            self.marks.clear("filter")  # the events pane says what is wrong with it
            return
        fresh = self._rows_tested == 0
        self._rows_tested = n
        if fresh or len(rows):  # new rows none of which match change nothing drawn
            self.marks.set_rows(np.concatenate((kept, rows)) if len(kept) else rows, "filter")
