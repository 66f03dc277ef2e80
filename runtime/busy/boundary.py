"""A busy boundary: the state machine of one busy indicator, fed by the pending registry, driven by a clock.

    boundary = BusyBoundary(rt.pending, match=runs_of("save-todo"))          # the loop's clock by default
    boundary.get_snapshot().shown                                              # what the UI should show now
    off = boundary.subscribe(lambda: ...)                                      # an ExternalStore: bind it to widgets

    idle ── pending > 0 ──> waiting ── delay over, still pending ──> visible ── nothing pending and
      ^                        │                                        │        min duration over ──> idle
      └── nothing pending ─────┘                                        └── pending again: stays visible

Timers run on the clock given (`now()` in seconds, `call_at(when, fn)`), so tests drive it with a manual clock and
never sleep. A boundary with a `parent` and `allow_nested=False` is suppressed while the parent is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from runtime.base.clock import Clock, LoopClock, TimerHandle
from runtime.base.listeners import ListenerList
from runtime.busy.policy import IDLE, BusyPolicy, BusyState
from runtime.busy.registry import PendingEntry, PendingRegistry

__all__ = ["BusyBoundary", "BusyClock", "any_pending", "runs_of", "resources_of"]


BusyClock = Clock
"""Monotonic seconds and one-shot timers: the clocks of runtime.base.clock (LoopClock, ManualClock) fit."""


Match = Callable[[PendingEntry], bool]


def any_pending(entry: PendingEntry) -> bool:
    return True


def runs_of(*action_ids: str, instance_id: str | None = None) -> Match:
    """Pending runs of these actions (all actions when none are named), optionally of one instance only."""
    wanted = frozenset(action_ids)

    def match(entry: PendingEntry) -> bool:
        return (entry.kind == "run" and (not wanted or entry.owner in wanted)
                and (instance_id is None or entry.instance_id == instance_id))

    return match


def resources_of(*resource_keys: str) -> Match:
    """Pending loads of these resource keys (all resources when none are named)."""
    wanted = frozenset(resource_keys)

    def match(entry: PendingEntry) -> bool:
        return entry.kind == "resource" and (not wanted or entry.owner in wanted)

    return match


class BusyBoundary:
    """One busy indicator's state machine (an ExternalStore of BusyState)."""

    def __init__(self, pending: PendingRegistry, policy: BusyPolicy | None = None, *,
                 match: Match = any_pending, clock: BusyClock | None = None,
                 parent: BusyBoundary | None = None) -> None:
        self.policy = policy or BusyPolicy()
        self.parent = parent
        self._match = match
        self._clock: BusyClock = clock or LoopClock()
        self._keys: set[tuple[str, str]] = {(e.kind, e.key) for e in pending.entries() if match(e)}
        self._state = IDLE
        self._timer: TimerHandle | None = None
        self._listeners: ListenerList[[]] = ListenerList("a busy boundary")
        self.transitions = 0
        """How many times the phase changed (a fast run that never showed counts idle->waiting->idle: 2)."""
        self._off = pending.subscribe(self._on_pending)
        self._off_parent = parent.subscribe(self._on_parent) if parent is not None else None
        if self._keys:
            self._update(len(self._keys))

    # -- ExternalStore -----------------------------------------------------------------------------------------------

    def get_snapshot(self) -> BusyState:
        return self._state

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    def close(self) -> None:
        """Stop listening to the registry (and the parent); a pending timer is cancelled."""
        self._off()
        if self._off_parent is not None:
            self._off_parent()
        self._cancel()

    # -- the machine -------------------------------------------------------------------------------------------------

    def _now_ms(self) -> float:
        return self._clock.now() * 1000.0

    def _on_pending(self, entry: PendingEntry, started: bool) -> None:
        if not self._match(entry):
            return
        key = (entry.kind, entry.key)
        if started:
            self._keys.add(key)
        else:
            self._keys.discard(key)
        self._update(len(self._keys))

    def _update(self, count: int) -> None:
        state = self._state
        if state.phase == "idle":
            if count:
                now = self._now_ms()
                self._arm(now + self.policy.delay_ms, self._delay_over)
                self._set(replace(state, phase="waiting", pending_count=count, first_pending_at_mono_ms=now))
        elif state.phase == "waiting":
            if count:
                self._set(replace(state, pending_count=count))
            else:
                self._cancel()
                self._set_idle()
        else:  # visible
            if count:
                self._cancel()  # a hide waiting for the minimum is off: pending again
                self._set(replace(state, pending_count=count))
                return
            since = state.visible_since_mono_ms or 0.0
            hide_at = since + self.policy.min_duration_ms
            if self._now_ms() >= hide_at:
                self._cancel()
                self._set_idle()
            else:
                self._arm(hide_at, self._min_over)
                self._set(replace(state, pending_count=0))

    def _delay_over(self) -> None:
        self._timer = None
        state = self._state
        if state.phase != "waiting":
            return
        if state.pending_count:
            self._set(replace(state, phase="visible", visible_since_mono_ms=self._now_ms()))
        else:
            self._set_idle()

    def _min_over(self) -> None:
        self._timer = None
        state = self._state
        if state.phase == "visible" and not state.pending_count:
            self._set_idle()

    def _on_parent(self) -> None:
        parent = self.parent
        suppressed = parent is not None and not self.policy.allow_nested and parent.get_snapshot().shown
        if suppressed != self._state.suppressed_by_ancestor:
            self._state = replace(self._state, suppressed_by_ancestor=suppressed)
            self._tell()

    def _set_idle(self) -> None:
        """Back to idle; whether an ancestor suppresses it stays as it is (that follows the parent, not the count)."""
        self._set(replace(IDLE, suppressed_by_ancestor=self._state.suppressed_by_ancestor))

    def _arm(self, when_ms: float, fn: Callable[[], None]) -> None:
        self._cancel()
        self._timer = self._clock.call_at(when_ms / 1000.0, fn)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _set(self, state: BusyState) -> None:
        if state.phase != self._state.phase:
            self.transitions += 1
        if state != self._state:
            self._state = state
            self._tell()

    def _tell(self) -> None:
        self._listeners.notify()
