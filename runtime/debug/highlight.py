"""The "highlight updates" switch of a runtime: whether the application's UI adapter flashes the widgets a tick
updates (devtools.qt draws the flash; the runtime only holds the switch, so it never imports Qt).

The devtools turn it on and off: live, on the runtime they host; attached, with the inspector's `highlightUpdates`
control command (runtime.inspect). Off is the default and costs the adapter nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

__all__ = ["UpdateHighlight"]

log = logging.getLogger("tickscope")


class UpdateHighlight:
    """On or off, and who to tell when it changes (each listener is called with the new value)."""

    def __init__(self) -> None:
        self.enabled = False
        self._listeners: list[Callable[[bool], None]] = []

    def set(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f"highlight updates is switched with True or False, not {enabled!r}")
        if enabled == self.enabled:
            return
        self.enabled = enabled
        for listener in tuple(self._listeners):
            try:
                listener(enabled)
            except Exception:  # a debugging aid never takes its host down
                log.exception("a highlight-updates listener raised")

    def subscribe(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        """Call `listener(enabled)` on every change; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None
