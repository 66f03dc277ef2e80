"""The in-process debug hub: a bounded ring of exported events, a snapshot token, and taps.

- The ring keeps the newest `buffer_size` events (500 by default; 0 keeps none). Resizing is itself recorded as a
  `trace:devtools:ring-trim-policy` event. Old events are let go in chunks (amortised: once the ring holds
  `buffer_size + TRIM_SLACK`, and before anything reads it), not one per event or tick. Readers never see more than
  `buffer_size` events.
- An event may be recorded unbuilt (`record_pending`, a runtime.debug.pending.PendingEvent; several of one moment in
  one entry with `record_group`, a PendingGroup, counted and trimmed as that many events): it takes its place, its
  eventSeq and its timestamp at once and is built when something reads it (the window, a snapshot, the views), or
  at once when a tap or feed is attached (they see every event, in order). What building cuts (`downgrade`) is
  counted in the export budget when the event is built, once: an event let go of the window unread counts as
  `dropped` only.
- Besides the window, the hub keeps snapshot views per runtime label (runtime.debug.views): live instances with
  counts and labels, the latest state and field summary per instance, and the export budget. They do not depend on
  the window (a window of 0 keeps them), `instance_destroyed` removes an instance from all of them, and a later
  event of a destroyed instance does not bring it back. Several runtimes may share one hub (`Runtime(hub=...)`);
  `clear(runtime_label)` clears one runtime's events and leaves the others alone. `snapshot()` reads it all at
  once.
- An event can be handed over ready to build (`record_later`): it is recorded before whatever the hub records,
  announces or shows next, or at `flush_later()`, so it keeps its place and its content (its timestamp is taken
  when it is handed over; its eventSeq when it is recorded, and a sink records it before taking any other seq)
  while even its recording waits until the work it marks is done (a tick's start event waits until the tick's
  listeners were told). It is then recorded as `record_pending` records: unbuilt, or built at once for a tap or
  feed.
- A light dispatch's events are handed over the same way, as one group still growing (`open_group`, a
  runtime.debug.dispatch_events.DispatchEvents): its parts join while `open` is it, and whatever the hub records,
  announces or shows first records it with the events it holds then (so nothing that happens in between changes
  their order); the recording path's trims let go of whole groups only, a reader's trim is exact.
- `token` changes synchronously with every visible change (an event recorded, the ring cleared or resized, an
  instance mounted or destroyed, any view changed, also with the window disabled), so a reader can tell at once
  whether what it holds is current. Subscribers are notified in batches: once per loop
  iteration when an asyncio loop runs, at once otherwise, always with the latest token.
- Taps see every exported record synchronously, in order, as `(type, payload)` with type `debug:event` or
  `static-ir` (a ConvergeStaticIrExport, sent before the first event that names its digest), each followed by its
  `static-ir:graph` (GRAPH_TYPE: the dependency edges of that IR, which the closed export cannot hold). Trace
  writers and the inspector server are taps; a tap that raises is removed and reported, it never breaks the runtime.
- Feeds are the batched form of a tap, for consumers that handle records in bulk (the inspector): every event is
  appended to the feed's deque (one C call, no Python call per event) and the feed's `on_full()` runs on the
  recording thread once the deque holds `threshold` events; static IRs go to its `on_static_ir(export)`, or with
  their graph to its `on_ir_graph(export, graph)` when it has one (a live stream then sends the two in one batch),
  in order with the events (the consumer takes what its deque holds first).
  The consumer may drain its deque from another thread with `popleft` (atomic): the hub only appends.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from runtime.debug.dispatch_events import DispatchEvents
from runtime.debug.pending import PendingEvent, PendingGroup, Reserved
from runtime.debug.views import DevtoolsSnapshot, ExportBudget, RuntimeViews

__all__ = ["DebugHub", "Tap", "Feed", "DevtoolsSnapshot", "GRAPH_TYPE"]

GRAPH_TYPE = "static-ir:graph"
"""The envelope type of a static IR's dependency edges (runtime.converge.ir.StaticIr.graph_export)."""

Tap = Callable[[str, dict[str, Any]], None]
TRIM_SLACK = 256
"""Events the ring may hold past its size until the next trim."""
log = logging.getLogger("tickscope.debug")


class Feed:
    """A batched tap (see the module docstring): events go to `queue`, `on_full()` runs at `threshold`."""

    __slots__ = ("queue", "threshold", "on_full", "on_static_ir", "on_ir_graph")

    def __init__(self, queue: deque[dict[str, Any]], threshold: int, on_full: Callable[[], None],
                 on_static_ir: Callable[[dict[str, Any]], None],
                 on_ir_graph: Callable[[dict[str, Any], dict[str, Any]], None] | None = None) -> None:
        self.queue = queue
        self.threshold = max(1, threshold)
        self.on_full = on_full
        self.on_static_ir = on_static_ir
        self.on_ir_graph = on_ir_graph


class DebugHub:
    """Events exported by one runtime."""

    def __init__(self, buffer_size: int = 500) -> None:
        self._events: deque[dict[str, Any] | PendingEvent | PendingGroup] = deque()
        self._extra = 0
        """Events the ring's PendingGroups hold past one per entry (the ring holds len(_events) + _extra events)."""
        self._limit = max(0, buffer_size)
        self._token = 0
        self.later: Reserved | DispatchEvents | None = None
        """An event handed over by record_later, or the group open_group opened, not recorded yet (at most one: a
        second one records the first). Read-only outside the hub: a sink records it (flush_later) before it takes
        an event seq, so the held event, which takes its seq when recorded, comes first in eventSeq as in the ring."""
        self.open: DispatchEvents | None = None
        """The group open_group opened while it may still grow (None once it is recorded)."""
        self.live = False
        """A tap or feed is attached (they see every event as it is recorded: nothing is held open for them)."""
        self._views: dict[str, RuntimeViews] = {}
        self._subscribers: list[Callable[[int], None]] = []
        self._taps: tuple[Tap, ...] = ()
        """Immutable, replaced on change: sending iterates it as it is, with no copy per record."""
        self._feeds: tuple[Feed, ...] = ()
        self._feed_queues: tuple[tuple[deque[dict[str, Any]], int, Feed], ...] = ()
        """What `record` needs of each feed, unpacked once per change rather than read per event."""
        self._static_irs: dict[str, dict[str, Any]] = {}
        self._ir_graphs: dict[str, dict[str, Any]] = {}
        """The `static-ir:graph` of each announced IR that came with one, by the same key."""
        self._notify_scheduled = False
        self._state_keys: dict[tuple[str, str], str] = {}
        """The views' key of each (moduleId, instanceId) an unbuilt state:update named, made once."""

    # -- reading ----------------------------------------------------------------------------------------------------

    @property
    def token(self) -> int:
        if self.later is not None:
            self.flush_later()
        return self._token

    @property
    def buffer_size(self) -> int:
        return self._limit

    def events(self, runtime_label: str | None = None) -> list[dict[str, Any]]:
        """The newest `buffer_size` events (of one runtime, or of all), oldest first."""
        self.trim()  # first: it records an event handed over for later
        events: list[dict[str, Any]] = []
        for e in self._events:
            if isinstance(e, PendingGroup):
                events += self._built_group(e)
            else:
                events.append(self._built(e) if isinstance(e, PendingEvent) else e)
        self._events = deque(events)
        self._extra = 0
        if runtime_label is not None:
            events = [e for e in events if e["runtimeLabel"] == runtime_label]
        return events

    @property
    def dropped(self) -> int:
        """Events let go of the window since their runtime's last clear, over every runtime."""
        self.trim()
        return sum(v.budget.dropped for v in self._views.values())

    def snapshot(self, runtime_label: str | None = None) -> DevtoolsSnapshot:
        """The window and every view (of one runtime, or of all) as of the current token."""
        events = self.events(runtime_label)  # first: it records an event handed over for later
        views = [v for k, v in self._views.items() if runtime_label is None or k == runtime_label]
        for v in views:
            self._settle(v)
        return DevtoolsSnapshot.of(self._token, events, views, self._limit)

    def _built(self, pending: PendingEvent) -> dict[str, Any]:
        event, fresh = pending.built()
        if fresh and "downgrade" in event:
            self._bucket(event["runtimeLabel"]).note_downgrade(event["downgrade"].get("reason", "unknown"))
        return event

    def _built_group(self, group: PendingGroup, unread: int = 0) -> list[dict[str, Any]]:
        """The group's events; what building cuts is counted, except in its first `unread` (let go unread)."""
        events, fresh = group.built()
        if fresh:
            for event in events[unread:]:
                if "downgrade" in event:
                    self._bucket(event["runtimeLabel"]).note_downgrade(event["downgrade"].get("reason", "unknown"))
        return events

    def _state_event(self, pending: PendingEvent | PendingGroup) -> dict[str, Any]:
        """The state:update an unbuilt entry holds (a group's, at its `state_at`)."""
        if isinstance(pending, PendingGroup):
            return self._built_group(pending)[pending.state_at]
        return self._built(pending)

    def _settle(self, views: RuntimeViews) -> None:
        """Take the unbuilt state:update events of `views` into its latest states and field summaries."""
        pending = views.pending_states
        if pending:
            views.pending_states = {}
            for p, _full in pending.values():
                views.state_update(self._state_event(p))

    def _bucket(self, runtime_label: str) -> RuntimeViews:
        views = self._views.get(runtime_label)
        if views is None:
            views = self._views[runtime_label] = RuntimeViews(runtime_label)
        return views

    def static_irs(self) -> dict[str, dict[str, Any]]:
        """Every ConvergeStaticIrExport announced so far, keyed `digest@instanceId`."""
        return dict(self._static_irs)

    def static_irs_by_digest(self) -> dict[str, dict[str, Any]]:
        """The announced IRs keyed by digest (one per digest: the field path table depends only on the digest)."""
        return {ir["staticIrDigest"]: ir for ir in self._static_irs.values()}

    # -- writing ----------------------------------------------------------------------------------------------------

    def instance_mounted(self, runtime_label: str, module_id: str, instance_id: str, label: str) -> None:
        """An instance is live: counted and labelled (whatever the diagnostics level)."""
        self._bucket(runtime_label).mounted(module_id, instance_id, label)
        self._changed()

    def instance_destroyed(self, runtime_label: str, module_id: str, instance_id: str) -> None:
        """An instance went away: it leaves every view, and its later events do not bring it back."""
        self._state_keys.pop((module_id, instance_id), None)
        if self._bucket(runtime_label).destroyed(module_id, instance_id):
            self._changed()

    def record(self, event: dict[str, Any]) -> None:
        if self.later is not None:
            self.flush_later()
        if event["kind"] == "state" or "downgrade" in event:
            self._note_views(event)
        events = self._events
        if self._limit:
            events.append(event)
            if len(events) + self._extra > self._limit + TRIM_SLACK:
                self.trim(False)
        for queue, threshold, feed in self._feed_queues:
            queue.append(event)
            if len(queue) >= threshold:
                self._call(feed, feed.on_full)
        if self._taps:
            self._send("debug:event", event)
        # _changed(), inlined: this runs for every exported event
        self._token += 1
        if self._subscribers and not self._notify_scheduled:
            self._schedule_notify()

    def record_pending(self, pending: PendingEvent, state_of: tuple[str, str] | None = None,
                       full: bool = False) -> None:
        """Record an event unbuilt (see the module docstring). `state_of` is (moduleId, instanceId) of a
        `state:update` (its view is taken when read), `full` whether it was recorded at level full (it then carries a
        field summary)."""
        if self._taps or self._feeds:
            self.record(pending.built()[0])  # a live consumer sees it now, in order
            return
        if self.later is not None:
            self.flush_later()
        if state_of is not None:
            self._hold_state(pending, state_of, full)
        events = self._events
        if self._limit:
            events.append(pending)
            if len(events) + self._extra > self._limit + TRIM_SLACK:
                self.trim(False)
        self._token += 1
        if self._subscribers and not self._notify_scheduled:
            self._schedule_notify()

    def record_group(self, group: PendingGroup, state_of: tuple[str, str] | None = None, full: bool = False) -> None:
        """`record_pending` of several events in one entry (runtime.debug.pending.PendingGroup); with `state_of`, its
        last event is that instance's state:update."""
        if self._taps or self._feeds:
            for event in group.built()[0]:
                self.record(event)
            return
        if self.later is not None:
            self.flush_later()
        if state_of is not None:
            self._hold_state(group, state_of, full)
        events = self._events
        if self._limit:
            events.append(group)
            self._extra += group.size - 1
            if len(events) + self._extra > self._limit + TRIM_SLACK:
                self.trim(False)
        self._token += group.size
        if self._subscribers and not self._notify_scheduled:
            self._schedule_notify()

    def _hold_state(self, pending: PendingEvent | PendingGroup, state_of: tuple[str, str], full: bool) -> None:
        """An unbuilt state:update becomes its instance's latest state, taken into the views when they are read."""
        views = self._views.get(pending.runtime_label) or self._bucket(pending.runtime_label)
        key = self._state_keys.get(state_of)
        if key is None:
            key = self._state_keys[state_of] = f"{state_of[0]}::{state_of[1]}"
        if key in views.labels:
            older = views.pending_states.get(key)
            if older is not None and older[1] and not full:  # its field summary stays the latest one
                views.state_update(self._state_event(older[0]))
            views.pending_states[key] = (pending, full)

    def record_later(self, reserved: Reserved) -> None:
        """Record `reserved.pending()` before anything the hub records, announces or shows next (see the module
        docstring); an event handed over earlier (possibly the same object, reused) is recorded first. Its
        `pending()` must not fail and must give what the event was when handed over."""
        if self.later is not None:
            self.flush_later()
        self.later = reserved

    def open_group(self, group: DispatchEvents) -> None:
        """Hand over a group of events still being made (a light dispatch's, runtime.debug.dispatch_events): it grows
        while `open` is it, and is recorded, with the events it holds then, before anything the hub records,
        announces or shows next, or at `flush_later()`; `open` is None from then on. Callers check `live` first."""
        if self.later is not None:
            self.flush_later()
        self.later = self.open = group

    def flush_later(self) -> None:
        """Record the event handed over by record_later, or the group open_group opened, now (nothing when there is
        none): unbuilt, as record_pending and record_group record (built at once when a tap or feed is attached)."""
        later = self.later
        if later is not None:
            self.later = None
            if isinstance(later, DispatchEvents):
                self._record_open(later)
            else:
                self.record_pending(later.pending())

    def _record_open(self, group: DispatchEvents) -> None:
        """record_group of the group open_group opened, with what it holds now."""
        self.open = None
        self.record_group(group, group.state_of)

    def _note_views(self, event: dict[str, Any]) -> None:
        views = self._bucket(event["runtimeLabel"])
        downgrade = event.get("downgrade")
        if downgrade is not None:
            views.note_downgrade(downgrade.get("reason", "unknown"))
        if event["kind"] == "state" and event["label"] == "state:update":
            key = f"{event['moduleId']}::{event['instanceId']}"
            if key in views.pending_states:  # an older unbuilt one, whose field summary this may not replace
                self._settle(views)
            views.state_update(event)

    def announce_static_ir(self, export: dict[str, Any], graph: dict[str, Any] | None = None) -> None:
        """Make an IR (and its dependency graph) known; taps get them once per digest and instance."""
        key = f"{export['staticIrDigest']}@{export['instanceId']}"
        if key in self._static_irs:
            return
        if self.later is not None:
            self.flush_later()
        self._static_irs[key] = export
        if graph is not None:
            self._ir_graphs[key] = graph
        for feed in self._feeds:
            self._feed_ir(feed, key)
        self._send("static-ir", export)
        if graph is not None:
            self._send(GRAPH_TYPE, graph)

    def _feed_ir(self, feed: Feed, key: str) -> None:
        graph = self._ir_graphs.get(key)
        if graph is not None and feed.on_ir_graph is not None:
            self._call(feed, feed.on_ir_graph, self._static_irs[key], graph)
        else:
            self._call(feed, feed.on_static_ir, self._static_irs[key])

    def trim(self, exact: bool = True) -> None:
        """Let go of the events past `buffer_size` (counted in `dropped`). Not `exact` (the recording path's trim), a
        group only some of whose events are past the size stays whole, unbuilt, until a reader trims exactly."""
        if self.later is not None:
            self.flush_later()
        events = self._events
        excess = len(events) + self._extra - self._limit
        if excess <= 0:
            return
        one = len(self._views) == 1  # one runtime (the usual case): counted once, not per entry
        dropped = 0
        while excess > 0:
            entry = events[0]
            size = 1
            if isinstance(entry, PendingGroup):
                size = entry.size
                if size > excess and not exact:
                    break
                events.popleft()
                self._extra -= size - 1
                if size > excess:  # the newest of its events stay
                    events.extendleft(reversed(self._built_group(entry, excess)[excess:]))
                    size = excess
            else:
                events.popleft()
            if one:
                dropped += size
            else:
                self._bucket(_label_of(entry)).budget.dropped += size
            excess -= size
        if one:
            next(iter(self._views.values())).budget.dropped += dropped

    def clear(self, runtime_label: str | None = None) -> None:
        """Clear the window and the export budget, of one runtime or of all; instances and latest views stay."""
        self.flush_later()
        if runtime_label is None:
            self._events.clear()
            self._extra = 0
            labels = list(self._views)
        else:
            self._events = deque(e for e in self._events if _label_of(e) != runtime_label)
            self._extra = sum(e.size - 1 for e in self._events if isinstance(e, PendingGroup))
            labels = [runtime_label] if runtime_label in self._views else []
        for label in labels:
            self._settle(self._views[label])  # the latest views stay, and what building them cut is cleared
            self._views[label].budget = ExportBudget()
        self._changed()

    def resize(self, buffer_size: int) -> None:
        """Shrinking keeps the newest events; growing never brings back what was let go (or hidden past the old
        size)."""
        self.trim()
        self._limit = max(0, buffer_size)
        self.trim()
        self._changed()

    # -- listeners --------------------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(token)` after changes (batched); returns the unsubscribe function."""
        self._subscribers.append(listener)
        return lambda: self._subscribers.remove(listener) if listener in self._subscribers else None

    def tap(self, tap: Tap) -> Callable[[], None]:
        """Stream every exported record to `tap`, starting with the IRs already announced."""
        self.flush_later()  # recorded before the tap came
        for key, export in self._static_irs.items():
            tap("static-ir", export)
            if key in self._ir_graphs:
                tap(GRAPH_TYPE, self._ir_graphs[key])
        self._taps = (*self._taps, tap)
        self.live = True
        return lambda: self._untap(tap)

    def _untap(self, tap: Tap) -> None:
        self._taps = tuple(t for t in self._taps if t is not tap)
        self.live = bool(self._taps) or bool(self._feeds)

    @property
    def tapped(self) -> bool:
        return bool(self._taps) or bool(self._feeds)

    def feed(self, feed: Feed) -> Callable[[], None]:
        """Stream every exported record to `feed`, starting with the IRs already announced; returns the detach
        function."""
        self.flush_later()
        for key in self._static_irs:
            self._feed_ir(feed, key)
        self._set_feeds((*self._feeds, feed))
        return lambda: self._unfeed(feed)

    def _unfeed(self, feed: Feed) -> None:
        self._set_feeds(tuple(f for f in self._feeds if f is not feed))

    def _set_feeds(self, feeds: tuple[Feed, ...]) -> None:
        self._feeds = feeds
        self.live = bool(self._taps) or bool(feeds)
        self._feed_queues = tuple((f.queue, f.threshold, f) for f in feeds)

    def _call(self, feed: Feed, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("debug feed %r raised and was removed", fn)
            self._unfeed(feed)

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        for tap in self._taps:
            try:
                tap(kind, payload)
            except Exception:
                log.exception("debug tap %r raised and was removed", tap)
                self._untap(tap)

    def _changed(self) -> None:
        if self.later is not None:
            self.flush_later()
        self._token += 1
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


def _label_of(event: dict[str, Any] | PendingEvent | PendingGroup) -> str:
    return event["runtimeLabel"] if isinstance(event, dict) else event.runtime_label
