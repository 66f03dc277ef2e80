"""The events of one fused dispatch at diagnostics light, as one entry of the debug hub's ring.

At light a plain dispatch exports six events: its `action`, its commit's `trait:converge`, `trace:exec-vm` and
`state:update`, and the `trace:tick` start and settled of the short tick that publishes it. Recorded one by one they
cost more than the dispatch; here the hot path (runtime.kernel.fast_dispatch, runtime.ticks.scheduler) only takes
what the events will carry and has no other way to know later: their eventSeqs, the clock readings they stand for,
the commit record and state (both immutable once committed), the tick's counters. The events are built from that,
by the sink's own builders, when someone reads the ring: the same dicts, in the same order, as the general way
records (tests/runtime/test_light_dispatch_property.py).

The entry is handed to the hub open (DebugHub.open_group) when the dispatch starts, and grows part by part while
nothing else reaches the hub. Whatever the hub records, announces or shows meanwhile (a diagnostic, a listener
reading the ring, a nested dispatch) first records the entry with the events it holds then, and closes it: the parts
still to come are then recorded the general way, after it. So every event keeps its place, its eventSeq and its
content whatever happens in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from runtime.debug.pending import PendingGroup

if TYPE_CHECKING:
    from runtime.base.records import TxnRecord

__all__ = ["DispatchEvents", "EventBuilder"]


class EventBuilder(Protocol):
    """What an entry is built by (runtime.debug.sink.DebugSink)."""

    runtime_label: str

    def dispatch_events(self, entry: DispatchEvents) -> list[dict[str, Any]]: ...


class DispatchEvents(PendingGroup):
    """One light dispatch's events, built when read (see the module docstring). `parts` says which parts joined, in
    their order: 0 the action alone, 1 the commit too, 2 the tick's start too, 3 its settled too; a part's fields are
    set when it joins. `size` counts their events: the action 1, the commit 1 to 3, each tick event 1."""

    __slots__ = (
        "sink", "seq", "module_id", "instance_id", "action", "txn_seq", "action_at", "parts",
        "record", "state", "commit_at",
        "tick_label", "tick_seq", "tick_event_seq", "tick_t0", "start_meta",
        "settled_meta", "settled_t1", "max_steps", "pending_inputs", "pending_work", "timers",
    )

    # the commit's part (its events' seqs follow the action's: nothing was recorded in between)
    record: TxnRecord
    state: Any
    commit_at: float
    """The perf_counter reading the commit's events stand for."""
    # the tick's start
    tick_label: str
    """The runtime whose short tick published the commit."""
    tick_seq: int
    tick_event_seq: int
    """The tick's start event's eventSeq (its settled event has the next one)."""
    tick_t0: float
    start_meta: Callable[..., dict[str, Any]]
    # the tick's settled
    settled_meta: Callable[..., tuple[Any, str | None]]
    settled_t1: float
    """The perf_counter reading at the tick's end: its settled event's time and elapsed time."""
    max_steps: int
    pending_inputs: int
    pending_work: int
    timers: int

    def __init__(self, sink: EventBuilder, seq: int, module_id: str, instance_id: str, action: str, txn_seq: int,
                 action_at: float) -> None:
        # PendingGroup.__init__, spelled out: one frame less on every light dispatch (state_at is set with the
        # commit: a group without one is recorded without state_of)
        self.runtime_label = sink.runtime_label
        self.size = 1
        self.events: list[dict[str, Any]] | None = None
        self.sink = sink
        self.seq = seq
        """The action event's eventSeq."""
        self.module_id = module_id
        self.instance_id = instance_id
        self.action = action
        self.txn_seq = txn_seq
        self.action_at = action_at
        """The action event's timestamp (epoch ms)."""
        self.parts = 0

    @property
    def state_of(self) -> tuple[str, str] | None:
        """(moduleId, instanceId) when the entry holds a state:update (for the hub's latest-state view)."""
        return (self.module_id, self.instance_id) if self.parts else None

    def built(self) -> tuple[list[dict[str, Any]], bool]:
        events = self.events
        if events is not None:
            return events, False
        events = self.events = self.sink.dispatch_events(self)
        if self.parts:
            del self.record, self.state  # let go of what it was built from
        return events, True
