"""Replay of a loaded trace: a cursor over its rows that every pane follows.

The cursor is the last row shown. Moving it shows the first `cursor + 1` rows of the feed (`feed.show_until`) and
writes it into the devtools state, so panes follow it through the same bindings they use live; nothing is replayed
"into" the panes separately. Steps go by event, by transaction (the `state:update` rows) or by tick (the rows that
end a tick); play advances by recorded time at a chosen speed, with idle gaps longer than MAX_GAP_MS shortened so a
quiet minute in a recording does not look like a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np

from runtime.trace.columnar import FLAG_TICK_END

from .model.event_feed import TXN_KIND, EventFeed
from .state import DevtoolsState

__all__ = ["ReplayController", "STEP_UNITS", "MAX_GAP_MS"]

STEP_UNITS = ("event", "txn", "tick")
MAX_GAP_MS = 1000.0
_FRAME_S = 1 / 60


class ReplayController:
    """Cursor, steps and playback over one loaded feed."""

    def __init__(self, feed: EventFeed, state: DevtoolsState, *, on_change: Callable[[], None] | None = None) -> None:
        self.feed = feed
        self.state = state
        self.speed = 1.0
        self.cursor = -1
        self._task: asyncio.Task[None] | None = None
        self._on_change = on_change
        ts = feed.column("ts", visible_only=False)
        self._ts = np.maximum.accumulate(ts) if len(ts) else ts
        kinds = feed.column("kind", visible_only=False)
        code = feed.store.kinds.find(TXN_KIND)
        self._txn_rows = np.flatnonzero(kinds == code) if code is not None else np.zeros(0, np.int64)
        self._tick_rows = np.flatnonzero(feed.column("flags", visible_only=False) & FLAG_TICK_END)
        self.seek(len(self._ts) - 1)

    # -- where it is ------------------------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.feed.total

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.total - 1

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    def tick_seq(self) -> int:
        """The tick of the cursor: the latest tick that ended at or before it (0 before the first)."""
        i = int(np.searchsorted(self._tick_rows, self.cursor, side="right")) - 1
        return int(self.feed.store.tick[int(self._tick_rows[i])]) if i >= 0 else 0

    def has_ticks(self) -> bool:
        return len(self._tick_rows) > 0

    # -- moving -----------------------------------------------------------------------------------------------------

    def seek(self, row: int) -> None:
        """Put the cursor on `row` (clamped to the trace)."""
        row = max(-1, min(int(row), self.total - 1))
        if row == self.cursor and len(self.feed) == row + 1:
            return
        self.cursor = row
        self.feed.show_until(row + 1)
        self.state.set_cursor(row)
        if self._on_change is not None:
            self._on_change()

    def step(self, unit: str = "event", direction: int = 1) -> None:
        """Move one event, transaction or tick forward (direction 1) or back (-1)."""
        if unit not in STEP_UNITS:
            raise ValueError(f"step unit {unit!r} is not one of {', '.join(STEP_UNITS)}")
        if unit == "event":
            self.seek(self.cursor + direction)
            return
        rows = self._txn_rows if unit == "txn" else self._tick_rows
        if direction > 0:
            i = int(np.searchsorted(rows, self.cursor, side="right"))
            self.seek(int(rows[i]) if i < len(rows) else self.total - 1)
        else:
            i = int(np.searchsorted(rows, self.cursor, side="left")) - 1
            self.seek(int(rows[i]) if i >= 0 else -1)

    def to_start(self) -> None:
        self.seek(-1)

    def to_end(self) -> None:
        self.seek(self.total - 1)

    # -- playing ----------------------------------------------------------------------------------------------------

    def play(self, speed: float | None = None) -> None:
        """Play from the cursor at `speed` × the recorded pace (from the start when at the end)."""
        if speed is not None:
            if speed <= 0:
                raise ValueError(f"replay speed must be positive, not {speed}")
            self.speed = speed
        if self.playing:
            return
        if self.at_end:
            self.seek(-1)
        self._task = asyncio.get_running_loop().create_task(self._play(), name="tickscope-replay")
        if self._on_change is not None:
            self._on_change()

    def pause(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._on_change is not None:
            self._on_change()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    async def _play(self) -> None:
        ts = self._ts
        if not len(ts):
            return
        virtual = ts[max(self.cursor, 0)]
        last = time.monotonic()
        try:
            while not self.at_end:
                await asyncio.sleep(_FRAME_S)
                now = time.monotonic()
                virtual += (now - last) * 1000.0 * self.speed
                last = now
                nxt = ts[self.cursor + 1]
                if nxt - virtual > MAX_GAP_MS:  # a long idle stretch in the recording: skip to just before it ends
                    virtual = nxt - MAX_GAP_MS
                target = int(np.searchsorted(ts, virtual, side="right")) - 1
                if target > self.cursor:
                    self.seek(target)
        finally:
            self._task = None
            if self._on_change is not None:
                self._on_change()

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
