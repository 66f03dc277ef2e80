"""An exported event recorded but not built yet: what the debug hub's ring holds until someone reads it.

Building an event (its JSON-ready dict, the projection of its meta) costs more than the work it describes for a
small dispatch, and most events of a running app sit in the ring unread until they are let go. So the hot path
hands over the references it already holds (a frozen record, an immutable state, the decision) with the event's
seq and timestamp taken at once, and the event is built when a reader, a tap or a feed asks for it: the same dict,
byte for byte, as building it at once (tests/runtime/test_lazy_events.py). Whatever `args` refers to must not
change afterwards; the caller snapshots anything mutable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["PendingEvent", "PendingGroup", "Reserved"]


class PendingEvent:
    """`build(*args)` once, on first use; `runtime_label` without building (the hub sorts its ring by it)."""

    __slots__ = ("build", "args", "runtime_label", "event")

    def __init__(self, build: Callable[..., dict[str, Any]], args: tuple[Any, ...], runtime_label: str) -> None:
        self.build = build
        self.args = args
        self.runtime_label = runtime_label
        self.event: dict[str, Any] | None = None

    def built(self) -> tuple[dict[str, Any], bool]:
        """The event, and whether this call built it (the caller counts what building cut, once)."""
        event = self.event
        if event is not None:
            return event, False
        event = self.event = self.build(*self.args)
        self.build, self.args = _spent, ()  # let go of the references it was built from
        return event, True


class PendingGroup:
    """Several events of one moment (a commit's trait:converge, trace:exec-vm and state:update) recorded as one entry
    of the ring: `build(*args)` gives all `size` of them, in order, once. One entry instead of one per event is what
    makes recording them cost about one event's worth; the hub counts and trims them as `size` events."""

    __slots__ = ("build", "args", "runtime_label", "size", "events", "state_at")

    def __init__(self, build: Callable[..., list[dict[str, Any]]], args: tuple[Any, ...], runtime_label: str,
                 size: int, state_at: int = -1) -> None:
        self.build = build
        self.args = args
        self.runtime_label = runtime_label
        self.size = size
        self.events: list[dict[str, Any]] | None = None
        self.state_at = state_at
        """Where among its events a group recorded with `state_of` has its state:update."""

    def built(self) -> tuple[list[dict[str, Any]], bool]:
        """The events, and whether this call built them."""
        events = self.events
        if events is not None:
            return events, False
        events = self.events = self.build(*self.args)
        self.build, self.args = _spent, ()
        return events, True


class Reserved(Protocol):
    """An event whose seq was taken on a hot path and that the hub records later (DebugSink.reserve,
    DebugHub.record_later): `pending()` gives it unbuilt, from what it holds when the hub records it."""

    def pending(self) -> PendingEvent: ...


def _spent() -> Any:
    raise AssertionError("a pending event is built once")
