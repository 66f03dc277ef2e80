"""The meta of `trace:tick` events (kind `devtools`), see docs/rules/ticks.md for its fields.

The `start` event marks when a tick began and how it was scheduled (`schedule`); the `settled` (and
`budgetExceeded`) event says what triggered it (`triggerSummary`, counted as commits arrived), which commits it
carried (`anchors`), its budget, backlog and result. Every field of the contract is optional per phase; the summary
is built after the listeners were told, so diagnostics cost them as little as possible.

Built only when diagnostics are on. `anchors` names the first commit the tick carried, and `anchors.commits` the
anchors of the carried commits (at most 4 at light levels, MAX_ANCHORS at full; `commitsTruncated` counts the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from runtime.base.records import TxnRecord

if TYPE_CHECKING:
    from runtime.debug.pending import PendingEvent
    from runtime.debug.sink import DebugSink, EventClock
    from runtime.ticks.job_queue import PendingModule

__all__ = ["trigger_kind", "TriggerTally", "commit_anchor", "anchors", "anchors_of", "schedule_of", "start_meta",
           "TickStart", "settled_meta",
           "solo_settled_meta", "SOLO_SCHEDULE", "STABLE", "NO_BACKLOG", "MAX_ANCHORS"]

MAX_ANCHORS = 16

_KIND_BY_ORIGIN = {
    "field-external-store": "externalStore",
    "action": "dispatch",
    "batch": "dispatch",
    "link": "dispatch",
}


def trigger_kind(record: TxnRecord) -> str:
    return _KIND_BY_ORIGIN.get(record.origin.kind, "unknown")


_SHARED_LIMIT = 256
_shared: dict[tuple[Any, ...], Any] = {}
T = TypeVar("T")


def shared(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """One immutable meta part per distinct key, reused across ticks: a tick's start event is on the path to every
    listener, and most ticks describe the same few shapes. Metas are read-only once exported."""
    part: T | None = _shared.get(key)
    if part is None:
        if len(_shared) >= _SHARED_LIMIT:
            _shared.clear()
        part = _shared[key] = make()
    return part


def _primary(record: TxnRecord) -> dict[str, Any]:
    return shared(("primary", record.origin.kind, record.origin.name, record.module_id, record.instance_id),
                  lambda: _make_primary(record))


def _make_primary(record: TxnRecord) -> dict[str, Any]:
    kind = trigger_kind(record)
    out: dict[str, Any] = {"kind": kind, "moduleId": record.module_id, "instanceId": record.instance_id}
    if kind == "externalStore" and record.origin.name:
        out["fieldPath"] = record.origin.name
    elif kind == "dispatch" and record.origin.name:
        out["actionTag"] = record.origin.name
    return out


class TriggerTally:
    """What brought the next tick about, counted as it arrives (commits by origin kind, and the first of them), so
    a tick's start event only reads the counts. Kept while diagnostics are on."""

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: TxnRecord | None = None

    def clear(self) -> None:
        self.counts.clear()
        self.first = None

    def add(self, record: TxnRecord) -> None:
        kind = _KIND_BY_ORIGIN.get(record.origin.kind, "unknown")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.first is None:
            self.first = record

    def summary(self, inputs: Sequence[tuple[str, str, str]], timers: int = 0) -> dict[str, Any]:
        """The triggerSummary: counted commits, external inputs waiting to be read (`inputs` as (moduleId,
        instanceId, fieldPath)) and coalescing windows that elapsed (`timers`)."""
        counts = self.counts
        first = self.first
        if not inputs and not timers and len(counts) == 1 and first is not None:
            kind, n = next(iter(counts.items()))
            if n == 1:  # the common tick: one commit
                return {"total": 1, "kinds": shared(("one", kind), lambda: [{"kind": kind, "count": 1}]),
                        "primary": _primary(first)}
        counts = dict(counts)
        primary = _primary(first) if first is not None else None
        for module_id, instance_id, field_path in inputs:
            counts["externalStore"] = counts.get("externalStore", 0) + 1
            if primary is None:
                primary = {"kind": "externalStore", "moduleId": module_id, "instanceId": instance_id,
                           "fieldPath": field_path}
        if timers:
            counts["timer"] = counts.get("timer", 0) + timers
        out: dict[str, Any] = {
            "total": sum(counts.values()),
            "kinds": [{"kind": k, "count": n} for k, n in sorted(counts.items())],
        }
        if primary is not None:
            out["primary"] = primary
        return out


def commit_anchor(record: TxnRecord) -> dict[str, Any]:
    """The anchor of one commit: its instance, txnSeq and txnId, and the opSeq of its operation."""
    return {
        "moduleId": record.module_id,
        "instanceId": record.instance_id,
        "txnSeq": record.txn_seq,
        "txnId": record.txn_id,
        "opSeq": record.op_seq,
    }


def anchors(accepted: Sequence[PendingModule], full: bool) -> dict[str, Any] | None:
    """The first commit the tick carries as the anchor, and the carried commits under `commits` (bounded)."""
    return anchors_of([r for entry in accepted for r in entry.records], full)


def anchors_of(records: Sequence[TxnRecord], full: bool) -> dict[str, Any] | None:
    """`anchors` of the carried commits `records`, in order."""
    if len(records) == 1:  # the common tick: one commit
        only = commit_anchor(records[0])
        return {**only, "commits": [only]}
    if not records:
        return None
    limit = MAX_ANCHORS if full else 4
    out = commit_anchor(records[0])
    out["commits"] = [commit_anchor(r) for r in records[:limit]]
    if len(records) > limit:
        out["commitsTruncated"] = len(records) - limit
    return out


def schedule_of(started_as: str, depth: int, forced: bool, reason: str | None) -> dict[str, Any]:
    """The `schedule` of a tick: how it was started (shared: most ticks describe the same few)."""
    return shared(("schedule", started_as, depth, forced, reason),
                  lambda: _make_schedule(started_as, depth, forced, reason))


def _make_schedule(started_as: str, depth: int, forced: bool, reason: str | None) -> dict[str, Any]:
    schedule: dict[str, Any] = {"startedAs": started_as, "microtaskChainDepth": depth}
    if forced:
        schedule["forcedMacrotask"] = True
    if reason:
        schedule["reason"] = reason
    return schedule


def start_meta(tick_seq: int, clock: EventClock, t0: float, started_as: str, depth: int, forced: bool,
               reason: str | None) -> dict[str, Any]:
    """The meta of a tick's `start` event, made when the event is built (DebugSink.made_later) from what the
    tick held when it began: `t0` its perf_counter reading, stamped on the event clock."""
    return {"tickSeq": tick_seq, "phase": "start", "timestampMs": clock.at_ms(t0),
            "schedule": schedule_of(started_as, depth, forced, reason)}


class TickStart:
    """The start event of the tick that runs now, held by the hub (DebugHub.record_later) while its listeners are
    told and made after them (DebugSink.made_later, which also takes its seq then): the scheduler stores the tick's
    numbers into this one object, reused tick after tick, so holding it allocates nothing and takes one call on the
    listeners' path (at full each step there is a cold one: a fresh tuple is a cold cache line, the ring keeping the
    earlier ones alive); `pending()` copies them out when the hub records the event."""

    __slots__ = ("sink", "label", "tick_seq", "t0", "started_as", "depth", "forced", "reason")

    def __init__(self, sink: DebugSink, label: str) -> None:
        self.sink = sink
        self.label = label
        """The runtime's label (the event's instanceId), fixed for a runtime."""
        self.tick_seq = 0
        self.t0 = 0.0
        self.started_as = "unknown"
        self.depth = 0
        self.forced = False
        self.reason: str | None = None

    def hold(self, tick_seq: int, t0: float, started_as: str, depth: int, forced: bool, reason: str | None) -> None:
        """Hand the event of the tick `tick_seq`, begun at perf_counter `t0` as scheduled, to the hub."""
        self.sink.hub.record_later(self)  # first: it records this object's previous tick if still held
        self.tick_seq = tick_seq
        self.t0 = t0
        self.started_as = started_as
        self.depth = depth
        self.forced = forced
        self.reason = reason

    def pending(self) -> PendingEvent:
        sink = self.sink
        return sink.made_later("runtime", self.label, "devtools", "trace:tick", start_meta,
                               (self.tick_seq, sink.clock, self.t0, self.started_as, self.depth, self.forced,
                                self.reason))


def settled_meta(tick_seq: int, now: float, schedule: dict[str, Any] | None, budget: dict[str, Any],
                 backlog: dict[str, Any], result: dict[str, Any], summary: dict[str, Any] | None,
                 records: Sequence[TxnRecord], full: bool) -> tuple[dict[str, Any], None]:
    """The meta of a tick's `settled` event (as a meta maker of DebugSink.emit_pending: with no downgrade)."""
    meta: dict[str, Any] = {"tickSeq": tick_seq, "phase": "settled", "timestampMs": now, "schedule": schedule,
                            "budget": budget, "backlog": backlog, "result": result}
    if summary is not None:
        meta["triggerSummary"] = summary
    found = anchors_of(records, full)
    if found is not None:
        meta["anchors"] = found
    return meta, None


SOLO_SCHEDULE: dict[str, Any] = {"startedAs": "unknown", "microtaskChainDepth": 0}
"""How a lone commit's short tick was scheduled (always synchronously, after the outermost window, unchained)."""
# Parts of most settled metas, shared: exported metas are read-only (see shared above).
STABLE: dict[str, Any] = {"stable": True}
NO_BACKLOG: dict[str, Any] = {"pendingExternalInputs": 0, "pendingDeferredWork": 0}


def solo_settled_meta(tick_seq: int, now: float, max_steps: int, elapsed_ms: float, pending_inputs: int,
                      pending_work: int, record: TxnRecord, timers: int, full: bool) -> tuple[dict[str, Any], None]:
    """`settled_meta` of the short tick of one commit (TickScheduler._publish_solo), from the numbers the hot path
    took: what the full tick reports for that commit (nothing deferred), built only when the event is read."""
    tally = TriggerTally()
    tally.add(record)
    backlog = (NO_BACKLOG if not pending_inputs and not pending_work
               else {"pendingExternalInputs": pending_inputs, "pendingDeferredWork": pending_work})
    budget = {"maxSteps": max_steps, "elapsedMs": round(elapsed_ms, 4), "steps": 1, "txnCount": 1}
    return settled_meta(tick_seq, now, SOLO_SCHEDULE, budget, backlog, STABLE, tally.summary((), timers), (record,),
                        full)
