"""Replay in a devtools window: the trace's cursor (runtime.trace.replay) made visible to every pane.

The cursor is the last row shown. Moving it shows the first `cursor + 1` rows of the feed (`feed.show_until`) and
writes it into the devtools state, so panes follow it through the same bindings they use live; nothing is replayed
"into" the panes separately. Stepping (by event, transaction or tick), seeking and the paced player are the trace
layer's `Replay` and `ReplayPlayer`; this class only keeps the window in step with them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Literal, get_args

from runtime.trace import Replay, ReplayPlayer, ReplayState

from .model.event_feed import EventFeed
from .state import DevtoolsState

__all__ = ["ReplayController", "STEP_UNITS", "StepUnit"]

StepUnit = Literal["event", "txn", "tick"]
"""What one step moves the cursor by: one event, one transaction, one tick."""
STEP_UNITS: tuple[StepUnit, ...] = get_args(StepUnit)


class ReplayController:
    """Cursor, steps and playback over one loaded feed."""

    def __init__(self, feed: EventFeed, state: DevtoolsState, *, on_change: Callable[[], None] | None = None) -> None:
        self.feed = feed
        self.state = state
        self.engine = Replay(feed.store)
        self.player = ReplayPlayer(self.engine, self._moved)
        self.on_change = on_change
        self._tick_ends: list[int] | None = None
        self._tick_seqs: list[int] = []
        self.seek(self.total - 1)

    # -- where it is ------------------------------------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        return self.engine.cursor

    @property
    def total(self) -> int:
        return self.feed.total

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.total - 1

    @property
    def playing(self) -> bool:
        return self.player.playing

    @property
    def speed(self) -> float:
        return self.player.speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError(f"replay speed must be positive, not {value}")
        self.player.speed = value

    def _ticks(self) -> list[int]:
        # read on first use, not when the window opens: tens of thousands of ticks take tens of ms, and opening a
        # big trace must not stall the loop (a replay's store never grows, so once is enough)
        if self._tick_ends is None:
            ticks = self.feed.store.index.ticks()
            self._tick_seqs = [t.tick_seq for t in ticks]
            self._tick_ends = [t.end_row for t in ticks]
        return self._tick_ends

    def has_ticks(self) -> bool:
        return bool(self._ticks())

    def tick_seq(self) -> int:
        """The tick of the cursor: the latest tick that ended at or before it (0 before the first)."""
        i = bisect_right(self._ticks(), self.cursor) - 1
        return self._tick_seqs[i] if i >= 0 else 0

    def state_at(self, instance_id: str, row: int) -> ReplayState:
        """An instance's recorded state after `row` (exact, cut or unknown; never guessed)."""
        return self.engine.state_at(instance_id, row)

    # -- moving -----------------------------------------------------------------------------------------------------

    def _moved(self, row: int) -> None:
        self.feed.show_until(row + 1)
        self.state.set_cursor(row)
        if self.on_change is not None:
            self.on_change()

    def seek(self, row: int) -> None:
        """Put the cursor on `row` (clamped to the trace)."""
        self._moved(self.engine.seek(row))

    def step(self, unit: StepUnit = "event", direction: int = 1) -> None:
        """Move one event, transaction or tick forward (direction 1) or back (-1)."""
        self._moved(self.engine.step(direction, unit))

    def to_start(self) -> None:
        self.seek(-1)

    def to_end(self) -> None:
        self.seek(self.total - 1)

    # -- playing ----------------------------------------------------------------------------------------------------

    def play(self, speed: float | None = None) -> None:
        """Play from the cursor at `speed` × the recorded pace (from the start when at the end)."""
        if speed is not None:
            self.speed = speed
        if self.playing:
            return
        if self.at_end:
            self.seek(-1)
        task = self.player.play()
        task.add_done_callback(lambda _t: self.on_change() if self.on_change is not None else None)
        if self.on_change is not None:
            self.on_change()

    def pause(self) -> None:
        self.player.pause()
        if self.on_change is not None:
            self.on_change()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def close(self) -> None:
        self.player.pause()
