"""The in-process debug hub: a bounded ring of exported events, a snapshot token, and taps.

- The ring keeps the newest `buffer_size` events (500 by default; 0 keeps none). Resizing is itself recorded as a
  `trace:devtools:ring-trim-policy` event.
- `token` changes synchronously with every visible change (an event recorded, the ring cleared or resized), so a
  reader can tell at once whether what it holds is current. Subscribers are notified in batches: once per loop
  iteration when an asyncio loop runs, at once otherwise, always with the latest token.
- Taps see every exported record synchronously, in order, as `(type, payload)` with type `debug:event` or
  `static-ir` (a ConvergeStaticIrExport, sent before the first event that names its digest). Trace writers and the
  inspector server are taps; a tap that raises is removed and reported, it never breaks the runtime.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["DebugHub", "Tap"]

Tap = Callable[[str, dict[str, Any]], None]
log = logging.getLogger("tickscope.debug")


class DebugHub:
    """Events exported by one runtime."""

    def __init__(self, buffer_size: int = 500) -> None:
        self._events: deque[dict[str, Any]] = deque(maxlen=max(0, buffer_size))
        self.token = 0
        self.dropped = 0
        """Events pushed out of the ring since the last clear."""
        self._subscribers: list[Callable[[int], None]] = []
        self._taps: list[Tap] = []
        self._static_irs: dict[str, dict[str, Any]] = {}
        self._notify_scheduled = False

    # -- reading ----------------------------------------------------------------------------------------------------

    @property
    def buffer_size(self) -> int:
        return self._events.maxlen or 0

    def events(self) -> list[dict[str, Any]]:
        """The events in the ring, oldest first."""
        return list(self._events)

    def static_irs(self) -> dict[str, dict[str, Any]]:
        """Every ConvergeStaticIrExport announced so far, keyed `digest@instanceId`."""
        return dict(self._static_irs)

    def static_irs_by_digest(self) -> dict[str, dict[str, Any]]:
        """The announced IRs keyed by digest (one per digest: the field path table depends only on the digest)."""
        return {ir["staticIrDigest"]: ir for ir in self._static_irs.values()}

    # -- writing ----------------------------------------------------------------------------------------------------

    def record(self, event: dict[str, Any]) -> None:
        events = self._events
        if events.maxlen:
            if len(events) == events.maxlen:
                self.dropped += 1
            events.append(event)
        if self._taps:
            self._send("debug:event", event)
        # _changed(), inlined: this runs for every exported event
        self.token += 1
        if self._subscribers and not self._notify_scheduled:
            self._schedule_notify()

    def announce_static_ir(self, export: dict[str, Any]) -> None:
        """Make an IR known; taps get it once per digest and instance."""
        key = f"{export['staticIrDigest']}@{export['instanceId']}"
        if key in self._static_irs:
            return
        self._static_irs[key] = export
        self._send("static-ir", export)

    def clear(self) -> None:
        self._events.clear()
        self.dropped = 0
        self._changed()

    def resize(self, buffer_size: int) -> None:
        self._events = deque(self._events, maxlen=max(0, buffer_size))
        self._changed()

    # -- listeners --------------------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(token)` after changes (batched); returns the unsubscribe function."""
        self._subscribers.append(listener)
        return lambda: self._subscribers.remove(listener) if listener in self._subscribers else None

    def tap(self, tap: Tap) -> Callable[[], None]:
        """Stream every exported record to `tap`, starting with the IRs already announced."""
        for export in self._static_irs.values():
            tap("static-ir", export)
        self._taps.append(tap)
        return lambda: self._taps.remove(tap) if tap in self._taps else None

    @property
    def tapped(self) -> bool:
        return bool(self._taps)

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        for tap in tuple(self._taps):
            try:
                tap(kind, payload)
            except Exception:
                log.exception("debug tap %r raised and was removed", tap)
                if tap in self._taps:
                    self._taps.remove(tap)

    def _changed(self) -> None:
        self.token += 1
        if self._subscribers and not self._notify_scheduled:
            self._schedule_notify()

    def _schedule_notify(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._notify()
            return
        self._notify_scheduled = True
        loop.call_soon(self._notify)

    def _notify(self) -> None:
        self._notify_scheduled = False
        token = self.token
        for listener in tuple(self._subscribers):
            try:
                listener(token)
            except Exception:
                log.exception("debug hub subscriber %r raised", listener)
