"""The records of backend operations: receipts, stage facts, budgets and continuation events (the typed errors a
waiting submitter gets are in runtime.errors). All frozen; `to_json` gives the shared field vocabulary (camelCase on
the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from runtime.operations.stages import Stage

__all__ = [
    "EVENT_TYPES",
    "Budget",
    "Disposition",
    "EventType",
    "FactEntry",
    "FactSource",
    "OperationError",
    "OperationEvent",
    "OperationReceipt",
    "StageFact",
]

FactSource = Literal["http-202", "http-4xx", "http-cancel", "sse", "status-poll", "read-model", "timer", "disposal",
                     "ready-policy", "inferred", "test"]
"""Where a fact came from: an answer to the send (http-202, http-4xx) or to a cancel, an observer's surface, the
tracker's own timer or disposal, the ready-on-observed policy, a stage inferred from a later one, or a test."""
Disposition = Literal["applied", "inferred", "duplicate", "late", "fenced", "unknown", "ignored"]
"""What the stage machine did with a fact (see machine.py)."""
EventType = Literal["accepted", "stage_reached", "rejected", "failed", "timed_out", "cancelled", "late_fact",
                    "resolved_late", "detached"]


@dataclass(frozen=True, slots=True)
class OperationReceipt:
    """What `submit` returns once the backend accepted a write. It implies nothing beyond acceptance."""

    command_id: str
    """Minted once before the first send and reused on every resend: the idempotency key and status key."""
    correlation_id: str
    """Groups related writes; defaults to command_id."""
    kind: str
    target: str | None
    accepted_at: float
    """Local monotonic seconds (the tracker's clock); deadlines count from here."""
    operation_id: str | None = None
    status_url: str | None = None
    observe_url: str | None = None
    read_model_url: str | None = None
    readiness_url: str | None = None
    cancel_url: str | None = None
    retry_after_s: float | None = None
    expires_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"commandId": self.command_id, "correlationId": self.correlation_id,
                               "kind": self.kind, "target": self.target, "acceptedAt": self.accepted_at}
        for name, key in (("status_url", "statusUrl"), ("observe_url", "observeUrl"),
                          ("read_model_url", "readModelUrl"), ("readiness_url", "readinessUrl")):
            value = getattr(self, name)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class OperationError:
    """Why an operation ended badly: a stable code, a message, and whether a resend could help."""

    code: str
    message: str = ""
    retryable: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message[:512], "retryable": self.retryable}


@dataclass(frozen=True, slots=True)
class StageFact:
    """One observation of an operation from any surface."""

    command_id: str
    stage: Stage
    source: FactSource
    observer: str = ""
    attempt: int = 0
    """(observer, attempt) is the fencing key: facts from an older attempt of the same observer are ignored."""
    version: int | None = None
    """The consistency token (committed or observed version)."""
    error: OperationError | None = None
    fact_id: str | None = None
    """Dedupe key within its source (e.g. the SSE event id)."""
    raw_stage: str | None = None
    """The wire value when it was not recognised (stage UNKNOWN)."""


@dataclass(frozen=True, slots=True)
class FactEntry:
    """A fact as the operation's timeline keeps it."""

    fact: StageFact
    at: float
    """Local monotonic seconds when it was applied."""
    disposition: Disposition


@dataclass(frozen=True, slots=True)
class Budget:
    """Seconds allowed per stage: `accept` from submit; `committed`, `observed`, `ready` from accepted_at."""

    accept: float = 5.0
    committed: float = 10.0
    observed: float = 15.0
    ready: float = 15.0

    def __post_init__(self) -> None:
        for name in ("accept", "committed", "observed", "ready"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"budget {name} must be a positive number of seconds, not {value!r}")
        if not self.committed <= self.observed <= self.ready:
            raise ValueError(f"budgets must not shrink along the ladder: committed {self.committed} <= observed "
                             f"{self.observed} <= ready {self.ready}")

    def for_stage(self, stage: Stage) -> float:
        """The budget of reaching `stage` (from accepted_at; accept from submit)."""
        return {Stage.ACCEPTED: self.accept, Stage.COMMITTED: self.committed, Stage.OBSERVED: self.observed,
                Stage.READY: self.ready}.get(stage, self.ready)


EVENT_TYPES: tuple[EventType, ...] = ("accepted", "stage_reached", "rejected", "failed", "timed_out", "cancelled",
                                      "late_fact", "resolved_late", "detached")


@dataclass(frozen=True, slots=True)
class OperationEvent:
    """A continuation event: what module state hears about an operation after (and including) acceptance."""

    type: EventType
    command_id: str
    correlation_id: str
    kind: str
    target: str | None
    link_id: str | None
    stage: Stage
    """The stage the operation is at after this event (for late facts: the late fact's stage)."""
    at: float
    source: str = ""
    version: int | None = None
    attempt: int = 0
    inferred: bool = False
    error: OperationError | None = None
    detached: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "commandId": self.command_id, "correlationId": self.correlation_id,
                               "kind": self.kind, "target": self.target, "linkId": self.link_id,
                               "stage": str(self.stage), "source": self.source, "version": self.version,
                               "attempt": self.attempt, "inferred": self.inferred, "detached": self.detached}
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out

