"""One TimelineModel per devtools window, kept in step with the event store in bounded slices.

The timeline, the overview strip, the converge pane and the runs and operations panes all read the same model;
`timeline_source(ctx)` creates it on first use. It listens to `ctx.events` through the context's binder (at most one
call per flush) and syncs new rows for at most SLICE_S per loop turn, rescheduling itself until it has caught up, so
loading a million events never freezes the window. `modelChanged` fires after each slice that added rows.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

from runtime.trace import EventStore

from ...app.context import DevtoolsContext
from ...model.timeline_model import TimelineModel

__all__ = ["TimelineSource", "timeline_source", "SLICE_S"]

SLICE_S = 0.008
"""Time one sync slice may take; the rest waits for the next loop turn."""

_SOURCES: weakref.WeakKeyDictionary[DevtoolsContext, TimelineSource] = weakref.WeakKeyDictionary()


class TimelineSource(QObject):
    """Owns the TimelineModel of one context and keeps it caught up with the store."""

    modelChanged = Signal()

    def __init__(self, ctx: DevtoolsContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = TimelineModel()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)
        ctx.bind(self, ctx.events, self._rows_changed)
        ctx.cleanups.append(self.stop)  # a closed window must not keep a catch-up timer firing

    def stop(self) -> None:
        """Stop catching up (the context is closing)."""
        if isValid(self._timer):
            self._timer.stop()

    @property
    def store(self) -> EventStore:
        return self.ctx.events.store

    @property
    def visible_rows(self) -> int:
        """Rows shown now (all of them live; up to the replay cursor while replaying)."""
        return len(self.ctx.events)

    @property
    def caught_up(self) -> bool:
        return self.model.rows_seen >= len(self.store) and not self._timer.isActive()

    def _rows_changed(self, _rows: int) -> None:
        # on the next loop turn, not inside the caller's (a pane's constructor binding, a flush of every pane)
        if not self._timer.isActive():
            self._timer.start()

    def sync_now(self) -> None:
        """Catch up completely at once (tests and benchmarks; the UI uses slices)."""
        while self.model.sync(self.store, budget_s=1.0):
            pass
        self._timer.stop()
        self.modelChanged.emit()

    def _slice(self) -> None:
        before = self.model.rows_seen
        more = self.model.sync(self.store, budget_s=SLICE_S)
        if more:
            self._timer.start()
        if self.model.rows_seen != before or self.model.rows_seen < before:
            self.modelChanged.emit()
        elif not more:
            self.modelChanged.emit()  # the visible prefix moved (replay) without new rows


def timeline_source(ctx: DevtoolsContext) -> TimelineSource:
    """The shared source of `ctx` (created on first use)."""
    source = _SOURCES.get(ctx)
    if source is None:
        source = _SOURCES[ctx] = TimelineSource(ctx)
    return source
