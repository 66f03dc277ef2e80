"""The clocks deadlines and busy timers run on: the asyncio loop's, or a manual one tests advance by hand.

A clock gives monotonic seconds (`now`) and one-shot timers (`call_at(when, fn)` returning something with
`cancel()`; what `fn` returns is ignored). Server timestamps never enter here: operation deadlines are owned by
the tracker.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "TimerHandle", "LoopClock", "ManualClock"]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def call_at(self, when: float, fn: Callable[[], object]) -> TimerHandle: ...


class LoopClock:
    """The running asyncio loop's monotonic time (looked up at each call, so it can be built before the loop)."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def call_at(self, when: float, fn: Callable[[], object]) -> TimerHandle:
        return asyncio.get_running_loop().call_at(when, fn)


class _ManualTimer:
    __slots__ = ("when", "fn", "cancelled")

    def __init__(self, when: float, fn: Callable[[], object]) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """Time moves only when `advance` is called; due timers fire in order of their time, synchronously."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, fn: Callable[[], object]) -> TimerHandle:
        timer = _ManualTimer(when, fn)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        return timer

    def advance(self, seconds: float) -> None:
        """Move time forward, firing every timer that falls due on the way (each at its own time)."""
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back")
        end = self._now + seconds
        while self._timers and self._timers[0][0] <= end:
            when, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, when)
            if not timer.cancelled:
                timer.fn()
        self._now = end

    @property
    def pending_timers(self) -> int:
        return sum(1 for _, _, t in self._timers if not t.cancelled)
