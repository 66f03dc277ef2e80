"""Exported debug events of kind `operation` (meta: resources/schemas/operation-event-meta.schema.json)."""

from __future__ import annotations

from typing import Any, Literal

from runtime.operations.machine import OperationState
from runtime.operations.records import EventType, FactEntry, OperationEvent

__all__ = ["LABELS", "ExportPhase", "operation_meta"]

ExportPhase = EventType | Literal["submitted", "fact", "retry"]
"""An exported operation event: a continuation event, the submission, a fact that changed nothing, a resend."""

LABELS: dict[ExportPhase, str] = {
    "submitted": "operation:submitted",
    "accepted": "operation:accepted",
    "stage_reached": "operation:stage",
    "rejected": "operation:rejected",
    "failed": "operation:failed",
    "timed_out": "operation:timed-out",
    "cancelled": "operation:cancelled",
    "late_fact": "operation:late",
    "resolved_late": "operation:resolved-late",
    "detached": "operation:detached",
    "fact": "operation:fact",
    "retry": "operation:retry",
}


def operation_meta(phase: ExportPhase, state: OperationState, *, event: OperationEvent | None = None,
                   entry: FactEntry | None = None, now: float | None = None, note: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "type": "operation",
        "phase": phase,
        "commandId": state.command_id,
        "correlationId": state.correlation_id,
        "kind": state.kind,
        "target": state.target,
        "stage": str(state.stage),
        "waitFor": str(state.wait_for),
        "detached": state.detached,
        "factCount": len(state.facts) + state.dropped_facts,
    }
    if event is not None:
        meta["eventStage"] = str(event.stage)
        meta["source"] = event.source
        meta["attempt"] = event.attempt
        meta["inferred"] = event.inferred
        if event.version is not None:
            meta["version"] = event.version
        if event.error is not None:
            meta["error"] = event.error.to_json()
    if entry is not None:
        meta["eventStage"] = str(entry.fact.stage)
        meta["source"] = entry.fact.source
        meta["attempt"] = entry.fact.attempt
        meta["disposition"] = entry.disposition
        if entry.fact.version is not None:
            meta["version"] = entry.fact.version
        if entry.fact.raw_stage is not None:
            meta["rawStage"] = entry.fact.raw_stage[:64]
    if state.late_resolution is not None:
        meta["lateResolution"] = str(state.late_resolution)
    if state.outcome_unknown:
        meta["outcomeUnknown"] = True
    if state.error is not None and "error" not in meta:
        meta["error"] = state.error.to_json()
    if now is not None and not state.terminal:
        meta["deadlineInMs"] = max(0.0, round((state.deadline_at - now) * 1000.0, 3))
    if note:
        meta["note"] = note[:256]
    return meta
