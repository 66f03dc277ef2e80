"""Backend operations with honest receipts: accepted first, every later stage observed, never implied.

    from runtime.operations import OperationTracker, Stage, Budget
    from runtime.operations.http import HttpTransport      # the aiohttp transport (imported on demand)

See tracker.py for the flow and machine.py for the stage rules (docs/rules/operations.md). The tracker has no HTTP
import; a transport is anything that satisfies the Transport Protocol.
"""

from runtime.errors import (
    NoTransport,
    OperationCancelled,
    OperationFailed,
    OperationOutcomeError,
    OperationRejected,
    OperationTimedOut,
    TrackerDisposed,
    TransportError,
)
from runtime.operations.binding import StateBinding, operation_summary
from runtime.base.clock import Clock, LoopClock, ManualClock, TimerHandle
from runtime.operations.events import ExportPhase
from runtime.operations.machine import OperationState, reached, step
from runtime.operations.records import (
    EVENT_TYPES,
    Budget,
    Disposition,
    EventType,
    FactEntry,
    FactSource,
    OperationError,
    OperationEvent,
    OperationReceipt,
    StageFact,
)
from runtime.operations.stages import PROGRESS, TERMINAL, Stage, parse_stage, rank
from runtime.operations.timeline import (
    ActionRunRow,
    MarkKind,
    OperationTimeline,
    TimelineMark,
    build_action_runs,
    build_operation_timelines,
)
from runtime.operations.tracked import KindPolicy, ObserverName, OperationListener, Watch
from runtime.operations.tracker import CancelOutcome, OperationTracker
from runtime.operations.transport import HttpAnswer, SseMessage, Transport

__all__ = [
    "EVENT_TYPES",
    "PROGRESS",
    "TERMINAL",
    "ActionRunRow",
    "Budget",
    "CancelOutcome",
    "Clock",
    "Disposition",
    "EventType",
    "ExportPhase",
    "FactEntry",
    "FactSource",
    "HttpAnswer",
    "KindPolicy",
    "LoopClock",
    "ManualClock",
    "MarkKind",
    "NoTransport",
    "ObserverName",
    "OperationCancelled",
    "OperationError",
    "OperationEvent",
    "OperationFailed",
    "OperationListener",
    "OperationOutcomeError",
    "OperationReceipt",
    "OperationRejected",
    "OperationState",
    "OperationTimedOut",
    "OperationTimeline",
    "OperationTracker",
    "SseMessage",
    "Stage",
    "StageFact",
    "StateBinding",
    "TimelineMark",
    "TimerHandle",
    "TrackerDisposed",
    "Transport",
    "TransportError",
    "Watch",
    "build_action_runs",
    "build_operation_timelines",
    "operation_summary",
    "parse_stage",
    "rank",
    "reached",
    "step",
]
