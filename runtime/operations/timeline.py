"""Pure builders from exported events (live hub events or a recorded trace) to what a devtools panel shows:
one timeline per operation and one row per action run. No Qt, no I/O: a view renders what these return.

    timelines = build_operation_timelines(hub.events())     # {commandId: OperationTimeline}
    runs = build_action_runs(hub.events())                  # {linkId: ActionRunRow}, runs list their operations
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ActionRunRow", "MarkKind", "OperationTimeline", "TimelineMark", "build_action_runs",
           "build_operation_timelines"]

MarkKind = Literal["reached", "inferred", "late", "resolved-late", "fenced", "recorded", "retry"]
"""A stage reached (or inferred from a later one), a late fact or resolution, a fact from a superseded observer
attempt (fenced), another fact that changed nothing (a duplicate, unknown or ignored fact: its `disposition` says
which), a resend."""

_STAGE_PHASES = ("accepted", "stage_reached", "rejected", "failed", "timed_out", "cancelled")


@dataclass(frozen=True, slots=True)
class TimelineMark:
    """One point on an operation's timeline, `at_ms` after its submission."""

    at_ms: float
    stage: str
    kind: MarkKind
    source: str = ""
    attempt: int = 0
    version: int | None = None
    disposition: str | None = None
    """What the stage machine did with the fact, for facts that changed nothing (duplicate, fenced, ...)."""


@dataclass(slots=True)
class OperationTimeline:
    command_id: str
    correlation_id: str
    kind: str
    target: str | None
    link_id: str | None
    wait_for: str
    submitted_at: float
    """Epoch milliseconds of the submission (the event timestamp)."""
    stage: str = "submitted"
    detached: bool = False
    terminal_at_ms: float | None = None
    late_resolution: str | None = None
    error: dict[str, Any] | None = None
    deadline_in_ms: float | None = None
    """Time left to the deadline at the last event, from submission's clock."""
    marks: list[TimelineMark] = field(default_factory=list)

    def stage_delta_ms(self, stage: str) -> float | None:
        """When `stage` was reached (observed or inferred), in ms after submission."""
        for m in self.marks:
            if m.stage == stage and m.kind in ("reached", "inferred"):
                return m.at_ms
        return None


@dataclass(slots=True)
class ActionRunRow:
    link_id: str
    action_id: str
    concurrency: str
    lane: str
    status: str = "pending"
    triggered_at: float = 0.0
    settled_at: float | None = None
    cancel_reason: str | None = None
    duration_ms: float | None = None
    error: dict[str, Any] | None = None
    txn_seqs: list[int] = field(default_factory=list)
    command_ids: list[str] = field(default_factory=list)


def build_operation_timelines(events: Iterable[dict[str, Any]]) -> dict[str, OperationTimeline]:
    """Operation timelines from `operation` events, in event order (events of unknown operations start one)."""
    out: dict[str, OperationTimeline] = {}
    for ev in events:
        if ev.get("kind") != "operation" or not isinstance(ev.get("meta"), dict):
            continue
        meta = ev["meta"]
        cid = meta["commandId"]
        tl = out.get(cid)
        if tl is None:
            tl = out[cid] = OperationTimeline(cid, meta["correlationId"], meta["kind"], meta.get("target"),
                                              ev.get("linkId"), meta["waitFor"], ev["timestamp"])
        at = ev["timestamp"] - tl.submitted_at
        phase = meta["phase"]
        tl.stage = meta["stage"]
        tl.detached = meta["detached"]
        tl.late_resolution = meta.get("lateResolution")
        tl.deadline_in_ms = meta.get("deadlineInMs")
        if "error" in meta:
            tl.error = meta["error"]
        common = dict(source=meta.get("source", ""), attempt=meta.get("attempt", 0), version=meta.get("version"))
        kind: MarkKind
        if phase in _STAGE_PHASES:
            kind = "inferred" if meta.get("inferred") else "reached"
            stage = meta.get("eventStage", meta["stage"])
            tl.marks.append(TimelineMark(at, stage, kind, **common))
            if stage in ("ready", "rejected", "failed", "timed_out", "cancelled") and tl.terminal_at_ms is None:
                tl.terminal_at_ms = at
        elif phase in ("late_fact", "resolved_late"):
            kind = "late" if phase == "late_fact" else "resolved-late"
            tl.marks.append(TimelineMark(at, meta.get("eventStage", ""), kind, **common))
        elif phase == "fact":
            disposition = meta.get("disposition")
            tl.marks.append(TimelineMark(at, meta.get("eventStage", ""),
                                         "fenced" if disposition == "fenced" else "recorded", **common,
                                         disposition=disposition if isinstance(disposition, str) else None))
        elif phase == "retry":
            tl.marks.append(TimelineMark(at, "submitted", "retry", **common))
    return out


def build_action_runs(events: Iterable[dict[str, Any]]) -> dict[str, ActionRunRow]:
    """Action run rows from `action/async-action` events; each lists the operations submitted under its linkId."""
    runs: dict[str, ActionRunRow] = {}
    for ev in events:
        link = ev.get("linkId")
        if not link:
            continue
        if ev.get("kind") == "action" and ev.get("label") == "async-action":
            meta = ev["meta"]
            row = runs.get(link)
            if row is None:
                row = runs[link] = ActionRunRow(link, meta["actionId"], meta.get("concurrencyPolicy", "latest-wins"),
                                                meta.get("lane", "nonUrgent"), triggered_at=ev["timestamp"])
            if meta["phase"] == "settle":
                row.status = meta["status"]
                row.settled_at = ev["timestamp"]
                row.cancel_reason = meta.get("cancelReason")
                row.duration_ms = meta.get("durationMs")
                row.txn_seqs = list(meta.get("txnSeqs", ()))
                row.error = ev.get("errorSummary")
        elif ev.get("kind") == "operation" and link in runs:
            cid = ev["meta"]["commandId"]
            if cid not in runs[link].command_ids:
                runs[link].command_ids.append(cid)
    return runs
