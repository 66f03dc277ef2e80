"""The debug sink: turns runtime happenings into RuntimeDebugEventRef objects and hands them to the hub.

Levels: `off` records nothing (callers test `sink.on` before building anything), `light` slim metas, `sampled` light
plus per-step timings on every 32nd transaction, `full` everything (patches, snapshots, timings).

Event ids are deterministic: `eventSeq` counts per instance from 1 and `eventId = instanceId::e<eventSeq>`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal, get_args

import orjson

from runtime.base.records import ConvergeRecord, DeferredConverge, TxnRecord, converge_of
from runtime.debug.call_site import CallSites
from runtime.debug.dispatch_events import DispatchEvents
from runtime.debug.e2e import E2ERecorder
from runtime.debug.hub import DebugHub
from runtime.debug.pending import PendingEvent, PendingGroup
from runtime.debug.projection import DEFAULT_BUDGET, SizeBudget, cut_text, project
from runtime.debug.txn_events import action_meta, converge_event_meta, exec_vm_meta, state_update_meta

__all__ = ["DebugSink", "LEVELS", "EventClock", "error_summary", "summarize_cause"]

Level = Literal["off", "light", "sampled", "full"]
MetaMaker = Callable[..., tuple[Any, str | None]]
"""Makes an event's meta and the downgrade reason of what it cut (None when nothing was)."""
LEVELS: tuple[Level, ...] = get_args(Level)
log = logging.getLogger("tickscope")


class EventClock:
    """Epoch milliseconds that never go backwards within one runtime (wall time at start + monotonic offset)."""

    __slots__ = ("_epoch_ms", "_perf0")

    def __init__(self) -> None:
        self._epoch_ms = time.time() * 1000.0
        self._perf0 = time.perf_counter()

    def now_ms(self) -> float:
        return self._epoch_ms + (time.perf_counter() - self._perf0) * 1000.0

    def at_ms(self, perf: float) -> float:
        """`now_ms` of an earlier `time.perf_counter()` reading (a stamp taken on the hot path, converted later)."""
        return self._epoch_ms + (perf - self._perf0) * 1000.0

    def mono_ms(self) -> float:
        """Milliseconds since the runtime started (for durations and monotonic stamps)."""
        return (time.perf_counter() - self._perf0) * 1000.0

    def to_mono_ms(self, epoch_ms: float) -> float:
        """The monotonic stamp of a `now_ms` value (a record's startedAt) on this clock."""
        return epoch_ms - self._epoch_ms


MAX_ERROR_MESSAGE = 1024


def error_summary(exc: BaseException, code: str | None = None, hint: str | None = None) -> dict[str, Any]:
    """SerializableErrorSummary (schema 016) of an exception."""
    return summarize_cause(exc, code, hint)[0]


def summarize_cause(cause: object, code: str | None = None,
                    hint: str | None = None) -> tuple[dict[str, Any], str | None]:
    """(SerializableErrorSummary, downgrade reason or None) of whatever a failure carries.

    An exception is its type name and text; anything else is its JSON text. When the cause (an exception's args, or
    the value itself) is not JSON (an integer past 64 bits, a cycle, a function, ...), the summary is its text and
    the reason is `non_serializable`, so a reader knows the value itself could not be exported.
    """
    downgrade = None
    if isinstance(cause, BaseException):
        name = type(cause).__name__
        message = _text(cause) or name
        if cause.args and not _is_json(cause.args):
            downgrade = "non_serializable"
    elif isinstance(cause, str):
        name, message = "Error", cause or "Error"
    else:
        name = type(cause).__name__
        if _is_json(cause):
            message = orjson.dumps(cause).decode()
        else:
            message, downgrade = _text(cause, repr) or name, "non_serializable"
    out: dict[str, Any] = {"name": name, "message": cut_text(message, MAX_ERROR_MESSAGE)}
    if code:
        out["code"] = code
    if hint:
        out["hint"] = hint
    return out, downgrade


def _stronger(a: str | None, b: str | None) -> str | None:
    """The downgrade reason that wins: non_serializable over any other, any over none."""
    return "non_serializable" if "non_serializable" in (a, b) else a or b


def _is_json(value: object) -> bool:
    try:
        orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return False
    return True


def _text(value: object, how: Any = str) -> str:
    """str (or repr) of a user's value; a method that raises gives its type's name instead."""
    try:
        return str(how(value))
    except Exception:
        return f"<{type(value).__name__}>"


class DebugSink:
    """Builds and records the exported events of one runtime."""

    def __init__(self, hub: DebugHub, level: Level = "off", runtime_label: str = "runtime",
                 clock: EventClock | None = None) -> None:
        self.hub = hub
        self.runtime_label = runtime_label
        self.clock = clock or EventClock()
        self._seq: dict[str, int] = {}
        # The builders unbuilt events keep, bound once: a bound method made per event would be one more object
        # each event holds in the ring until it is let go.
        self._made_event = self._made_event  # type: ignore[method-assign]
        self._bounded_event = self._bounded_event  # type: ignore[method-assign]
        self._commit_events = self._commit_events  # type: ignore[method-assign]
        self._bounded_made_event = self._bounded_made_event  # type: ignore[method-assign]
        self.e2e_enabled = False
        """End-to-end recording is configured on (kept by the E2ERecorder): the tick's cheap test, which leaves the
        recorder untouched in the common case."""
        self.level = "off"
        self.on = False
        self.light = False
        self.full = False
        self.set_level(level)
        self.e2e = E2ERecorder(self)
        """The end-to-end latency segments of sampled action runs (off until configured; see runtime.debug.e2e)."""
        self.call_sites = CallSites()
        """Where dispatches come from, taken at level full only (runtime.debug.call_site)."""

    def announce_static_ir(self, export: dict[str, Any], graph: dict[str, Any] | None = None) -> None:
        """Hand the hub a static IR that events of this runtime refer to by digest (kept once per digest), with its
        dependency graph when the caller has one."""
        self.hub.announce_static_ir(export, graph)

    def set_level(self, level: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"diagnostics level {level!r} is not one of {', '.join(LEVELS)}")
        self.level = level
        self.on = level != "off"
        self.light = level == "light"
        self.full = level == "full"

    def emit(
        self,
        *,
        module_id: str,
        instance_id: str,
        kind: str,
        label: str,
        meta: Any = None,
        txn_seq: int = 0,
        txn_id: str | None = None,
        link_id: str | None = None,
        error: dict[str, Any] | None = None,
        timestamp: float | None = None,
        budget: SizeBudget | None = DEFAULT_BUDGET,
        downgrade: str | None = None,
    ) -> dict[str, Any] | None:
        """Record one event; `meta` is projected within `budget` unless budget is None (already bounded).

        `downgrade` names what the caller already cut (from an already bounded meta, or from the cause it summarised
        as `error`, see summarize_cause); it is set before the event reaches the hub, so taps (trace writers) see it
        too. The stronger of it and the projection's reason wins.
        """
        if not self.on:
            return None
        if self.hub.later is not None:
            self.hub.flush_later()  # a held event takes its seq first
        seq = self._seq.get(instance_id, 0) + 1
        self._seq[instance_id] = seq
        stamp = self.clock.now_ms() if timestamp is None else timestamp
        reason = downgrade
        if meta is not None and budget is not None:
            projected = project(meta, budget)
            meta = projected.value
            reason = _stronger(reason, projected.downgrade)
        event = self._event(seq, module_id, instance_id, kind, label, txn_seq, txn_id, link_id, stamp, meta, reason,
                            error)
        self.hub.record(event)
        return event

    def emit_pending(self, module_id: str, instance_id: str, kind: str, label: str, txn_seq: int, txn_id: str | None,
                     link_id: str | None, make_meta: MetaMaker, *args: Any, state_of: bool = False,
                     timestamp: float | None = None) -> None:
        """`emit`, with the meta made by `make_meta(*args)` -> (meta, downgrade reason) only when the event is read
        (DebugHub.record_pending): seq and timestamp are taken now, and nothing `args` refers to may change
        afterwards. `state_of`: a `state:update` (the hub's latest-state view takes it); `timestamp`: the time the
        event stands for, when not now. Callers check `on`."""
        if self.hub.later is not None:
            self.hub.flush_later()  # a held event takes its seq first
        seq = self._seq.get(instance_id, 0) + 1
        self._seq[instance_id] = seq
        pending = PendingEvent(self._made_event, (seq, module_id, instance_id, kind, label, txn_seq, txn_id, link_id,
                                                  self.clock.now_ms() if timestamp is None else timestamp, make_meta,
                                                  args), self.runtime_label)
        self.hub.record_pending(pending, (module_id, instance_id) if state_of else None, self.full)

    def emit_commit(self, module_id: str, instance_id: str, record: TxnRecord, state: Any,
                    converge: ConvergeRecord | DeferredConverge, level: str) -> None:
        """A commit's `trait:converge`, its `trace:exec-vm` when converge ran assembled or was refused, and its
        `state:update`, recorded unbuilt as one entry of the hub (DebugHub.record_group): consecutive eventSeqs and
        one timestamp, taken now; the hub's latest-state view takes the last. Nothing the record, state and converge
        refer to changes afterwards (a committed state is never written again). Callers check `on`."""
        size = 2 if converge.exec_vm is None else 3
        if self.hub.later is not None:
            self.hub.flush_later()  # a held event takes its seq first
        seq = self._seq.get(instance_id, 0)
        self._seq[instance_id] = seq + size
        group = PendingGroup(self._commit_events, (seq, module_id, instance_id, record, state, converge, level,
                                                   self.clock.now_ms()), self.runtime_label, size)
        self.hub.record_group(group, (module_id, instance_id), self.full)

    def _commit_events(self, seq: int, module_id: str, instance_id: str, record: TxnRecord, state: Any,
                       converge: ConvergeRecord | DeferredConverge, level: str,
                       timestamp: float) -> list[dict[str, Any]]:
        txn_seq, txn_id, link_id = record.txn_seq, record.txn_id, record.link_id
        event = self._event
        meta, _ = converge_event_meta(converge, level, instance_id)
        events = [event(seq + 1, module_id, instance_id, "trait:converge", "trace:trait:converge", txn_seq, txn_id,
                        link_id, timestamp, meta, None, None)]
        if converge.exec_vm is not None:
            meta, _ = exec_vm_meta(converge.exec_vm, level)
            events.append(event(seq + 2, module_id, instance_id, "devtools", "trace:exec-vm", txn_seq, txn_id, link_id,
                                timestamp, meta, None, None))
        meta, reason = state_update_meta(record, state, level)
        events.append(event(seq + len(events) + 1, module_id, instance_id, "state", "state:update", txn_seq, txn_id,
                            link_id, timestamp, meta, reason, None))
        return events

    # -- a light dispatch's events in one entry (runtime.debug.dispatch_events) ----------------------------------------

    def open_dispatch(self, module_id: str, instance_id: str, action: str, txn_seq: int,
                      timestamp: float) -> DispatchEvents:
        """The action event of a fused dispatch at light, its seq taken now, in a group the hub holds open for the
        dispatch's other events (DebugHub.open_group). Callers check `light` and that the hub is not `live`."""
        seq = self._seq.get(instance_id, 0) + 1
        self._seq[instance_id] = seq
        entry = DispatchEvents(self, seq, module_id, instance_id, action, txn_seq, timestamp)
        self.hub.open_group(entry)
        return entry

    def dispatch_committed(self, entry: DispatchEvents, record: TxnRecord, state: Any,
                           converge: ConvergeRecord | DeferredConverge | None, at: float) -> bool:
        """The commit's events (what `emit_commit` records, or a lone state:update without converge) join `entry`,
        their seqs taken now, `at` the perf_counter reading they stand for (`converge`: the record's, as it holds
        it). False, with nothing done, when the entry was recorded meanwhile: the caller exports the commit the
        general way."""
        if self.hub.open is not entry:
            return False
        size = 1 if converge is None else (2 if converge.exec_vm is None else 3)
        self._seq[entry.instance_id] = entry.seq + size  # nothing of the instance was recorded since the action
        entry.record = record
        entry.state = state
        entry.commit_at = at
        entry.size = 1 + size
        entry.state_at = size  # the commit's last event, after the action
        entry.parts = 1
        return True

    def dispatch_tick_started(self, entry: DispatchEvents, label: str, tick_seq: int, t0: float,
                              make_meta: Callable[..., dict[str, Any]]) -> bool:
        """The start event of the short tick publishing `entry`'s commit (what a held TickStart makes: `made_later` of
        `make_meta(tick_seq, clock, t0, "unknown", 0, False, None)`) joins it; False, with nothing done, when it was
        recorded meanwhile."""
        if self.hub.open is not entry:
            return False
        seq = self._seq[label] = self._seq.get(label, 0) + 1
        entry.tick_label = label
        entry.tick_seq = tick_seq
        entry.tick_event_seq = seq
        entry.tick_t0 = t0
        entry.start_meta = make_meta
        entry.size += 1
        entry.parts = 2
        return True

    def dispatch_tick_settled(self, entry: DispatchEvents, t1: float, make_meta: MetaMaker, max_steps: int,
                              pending_inputs: int, pending_work: int, timers: int) -> bool:
        """The settled event of that tick (`emit_pending` of `make_meta(tick_seq, now, max_steps, elapsed_ms,
        pending_inputs, pending_work, record, timers, False)`, `t1` the perf_counter reading of now) joins `entry`;
        False, with nothing done, when it was recorded meanwhile."""
        if self.hub.open is not entry:
            return False
        # the seq after the start event's: anything recorded in between would have recorded the entry
        self._seq[entry.tick_label] = entry.tick_event_seq + 1
        entry.settled_meta = make_meta
        entry.settled_t1 = t1
        entry.max_steps = max_steps
        entry.pending_inputs = pending_inputs
        entry.pending_work = pending_work
        entry.timers = timers
        entry.size += 1
        entry.parts = 3
        return True

    def dispatch_events(self, entry: DispatchEvents) -> list[dict[str, Any]]:
        """The events `entry` holds, as the general way records them (its builder, called once when read)."""
        made = self._made_event
        mid, iid, txn_seq = entry.module_id, entry.instance_id, entry.txn_seq
        txn_id = f"{iid}::t{txn_seq}"
        events = [made(entry.seq, mid, iid, "action", entry.action, txn_seq, txn_id, None, entry.action_at,
                       action_meta, (entry.action,))]
        parts = entry.parts
        if parts:
            record = entry.record
            converge = converge_of(record)
            at = self.clock.at_ms(entry.commit_at)
            if converge is None:
                events.append(made(entry.seq + 1, mid, iid, "state", "state:update", txn_seq, txn_id,
                                   record.link_id, at, state_update_meta, (record, entry.state, "light")))
            else:
                events += self._commit_events(entry.seq, mid, iid, record, entry.state, converge, "light", at)
        if parts >= 2:
            label, seq, clock, t0 = entry.tick_label, entry.tick_event_seq, self.clock, entry.tick_t0
            events.append(self._bounded_made_event(seq, "runtime", label, "devtools", "trace:tick", entry.start_meta,
                                                   (entry.tick_seq, clock, t0, "unknown", 0, False, None)))
            if parts == 3:
                t1 = entry.settled_t1
                now = clock.at_ms(t1)
                events.append(made(seq + 1, "runtime", label, "devtools", "trace:tick", 0, None, None, now,
                                   entry.settled_meta, (entry.tick_seq, now, entry.max_steps, (t1 - t0) * 1000.0,
                                                        entry.pending_inputs, entry.pending_work, record,
                                                        entry.timers, False)))
        return events

    def _made_event(self, seq: int, module_id: str, instance_id: str, kind: str, label: str, txn_seq: int,
                    txn_id: str | None, link_id: str | None, timestamp: float, make_meta: MetaMaker,
                    args: tuple[Any, ...]) -> dict[str, Any]:
        meta, reason = make_meta(*args)
        return self._event(seq, module_id, instance_id, kind, label, txn_seq, txn_id, link_id, timestamp, meta,
                           reason, None)

    def _event(self, seq: int, module_id: str, instance_id: str, kind: str, label: str, txn_seq: int,
               txn_id: str | None, link_id: str | None, timestamp: float, meta: Any, reason: str | None,
               error: dict[str, Any] | None) -> dict[str, Any]:
        """The exported event (RuntimeDebugEventRef), its keys always in this order."""
        event: dict[str, Any] = {
            "eventId": f"{instance_id}::e{seq}",
            "eventSeq": seq,
            "moduleId": module_id,
            "instanceId": instance_id,
            "runtimeLabel": self.runtime_label,
            "txnSeq": txn_seq,
            "timestamp": timestamp,
            "kind": kind,
            "label": label,
        }
        if txn_id:
            event["txnId"] = txn_id
        if link_id:
            event["linkId"] = link_id
        if meta is not None:
            event["meta"] = meta
        if reason:
            event["downgrade"] = {"reason": reason}
        if error is not None:
            event["errorSummary"] = error
        return event

    def emit_bounded(self, module_id: str, instance_id: str, kind: str, label: str, meta: dict[str, Any],
                     timestamp: float) -> None:
        """The short path of `emit` for hot, transaction-less events whose meta is bounded by construction
        (trace:tick): no projection, no optional fields. Callers check `on` first."""
        hub = self.hub
        if hub.later is not None:
            hub.flush_later()  # a held event takes its seq first
        seq = self._seq.get(instance_id, 0) + 1
        self._seq[instance_id] = seq
        args = (seq, module_id, instance_id, kind, label, meta, timestamp)
        if hub.tapped:
            hub.record(self._bounded_event(*args))
        else:
            hub.record_pending(PendingEvent(self._bounded_event, args, self.runtime_label))

    def made_later(self, module_id: str, instance_id: str, kind: str, label: str,
                   make_meta: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> PendingEvent:
        """An event held by the hub (DebugHub.record_later: recorded before anything the hub records or shows next,
        or at `hub.flush_later()`), made when it is recorded: the unbuilt `emit_bounded` event whose meta
        `make_meta(*args)` gives (with its time, `timestampMs`), with its seq taken now. Every seq this sink hands
        out is taken after the held event was recorded (each path that takes one records it first), so what it
        marks (a tick's listeners) runs before it is made, and it still comes first."""
        seq = self._seq.get(instance_id, 0) + 1
        self._seq[instance_id] = seq
        return PendingEvent(self._bounded_made_event, (seq, module_id, instance_id, kind, label, make_meta, args),
                            self.runtime_label)

    def _bounded_made_event(self, seq: int, module_id: str, instance_id: str, kind: str, label: str,
                            make_meta: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> dict[str, Any]:
        meta = make_meta(*args)
        return self._bounded_event(seq, module_id, instance_id, kind, label, meta, meta["timestampMs"])

    def _bounded_event(self, seq: int, module_id: str, instance_id: str, kind: str, label: str, meta: dict[str, Any],
                       timestamp: float) -> dict[str, Any]:
        return {
            "eventId": f"{instance_id}::e{seq}",
            "eventSeq": seq,
            "moduleId": module_id,
            "instanceId": instance_id,
            "runtimeLabel": self.runtime_label,
            "txnSeq": 0,
            "timestamp": timestamp,
            "kind": kind,
            "label": label,
            "meta": meta,
        }

    def diagnostic(
        self,
        *,
        module_id: str,
        instance_id: str,
        code: str,
        severity: str,
        message: str,
        hint: str | None = None,
        txn_seq: int = 0,
        txn_id: str | None = None,
        link_id: str | None = None,
        error: BaseException | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """A diagnostic: always logged (warnings and errors), exported as kind `diagnostic` when the level is on."""
        if severity in ("warning", "error"):
            log.log(logging.ERROR if severity == "error" else logging.WARNING, "%s [%s] %s", code, instance_id, message)
        if not self.on:
            return
        meta: dict[str, Any] = {"code": code, "severity": severity, "message": message}
        if hint:
            meta["hint"] = hint
        if extra:
            meta.update(extra)
        summary, cause_downgrade = summarize_cause(error, code, hint) if error is not None else (None, None)
        self.emit(
            module_id=module_id,
            instance_id=instance_id,
            kind="diagnostic",
            label=code,
            meta=meta,
            txn_seq=txn_seq,
            txn_id=txn_id,
            link_id=link_id,
            error=summary,
            downgrade=cause_downgrade,
        )
