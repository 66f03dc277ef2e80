"""Measures the paint that follows a UI commit, for 092's `paint` segment: the next paint event of the widgets a
flush updated, from the start of the first to the end of the last.

An event filter sees a widget's paint event before the widget does; to time the paint itself the filter runs the
widget's own `event()` for it (inside the same paint pass, so the painter Qt set up is still valid) and tells Qt the
event was handled. Only widgets visible at the commit are waited for; one that does not repaint (its value did not
change) is not waited for past the next commit. The filter is installed only while e2e tracing is on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from runtime import E2ECommit, E2ERecorder

__all__ = ["PaintProbe"]


class PaintProbe(QObject):
    """Waits for the next paint of the widgets of one UI commit at a time and reports it to the e2e recorder."""

    def __init__(self, e2e: E2ERecorder, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._e2e = e2e
        self._clock = clock or e2e.mono_ms
        self._filtered: set[int] = set()
        self._waiting: dict[int, QWidget] = {}
        self._commit: E2ECommit | None = None
        self._first = 0.0
        self._last = 0.0
        self.paints = 0
        """Paint segments reported."""

    def arm(self, commit: E2ECommit, widgets: Iterable[QObject]) -> None:
        """Wait for the next paint of `widgets` (the visible ones) as the paint of `commit`."""
        self.finish()
        waiting = {id(w): w for w in widgets if isinstance(w, QWidget) and w.isVisible()}
        if not waiting:
            return
        for key, widget in waiting.items():
            if key not in self._filtered:
                widget.installEventFilter(self)
                self._filtered.add(key)
                widget.destroyed.connect(lambda *_, k=key: self._gone(k))
        self._commit = commit
        self._waiting = waiting
        self._first = 0.0
        self._last = 0.0

    def finish(self) -> None:
        """Report what painted of the armed commit, if anything (the rest did not repaint)."""
        commit = self._commit
        self._commit = None
        self._waiting = {}
        if commit is not None and self._last > 0.0:
            self._e2e.paint(commit, self._first, self._last)
            self.paints += 1

    def _gone(self, key: int) -> None:
        self._filtered.discard(key)
        self._waiting.pop(key, None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802  (Qt's virtual)
        if event.type() != QEvent.Type.Paint or self._commit is None:
            return False
        widget = self._waiting.pop(id(watched), None)
        if widget is None:
            return False
        start = self._clock()
        widget.event(event)
        end = self._clock()
        if self._last == 0.0:
            self._first = start
        self._last = end
        if not self._waiting:
            self.finish()
        return True
