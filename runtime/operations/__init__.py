"""Backend operations with honest receipts: accepted first, every later stage observed, never implied.

    from runtime.operations import OperationTracker, Stage, Budget
    from runtime.operations.http import HttpTransport      # the aiohttp transport (imported on demand)

See tracker.py for the flow and machine.py for the stage rules. The tracker has no HTTP import.
"""

from runtime.operations.binding import StateBinding, operation_summary
from runtime.operations.clock import Clock, LoopClock, ManualClock
from runtime.operations.machine import OperationState, step
from runtime.operations.records import (
    Budget,
    FactEntry,
    OperationCancelled,
    OperationError,
    OperationEvent,
    OperationFailed,
    OperationOutcomeError,
    OperationReceipt,
    OperationRejected,
    OperationTimedOut,
    StageFact,
)
from runtime.operations.stages import PROGRESS, TERMINAL, Stage, parse_stage, rank
from runtime.operations.timeline import (
    ActionRunRow,
    OperationTimeline,
    TimelineMark,
    build_action_runs,
    build_operation_timelines,
)
from runtime.operations.tracker import KindPolicy, NoTransport, OperationTracker, TrackerDisposed, Watch
from runtime.operations.transport import HttpAnswer, SseMessage, Transport, TransportError

__all__ = [
    "ActionRunRow",
    "Budget",
    "Clock",
    "FactEntry",
    "HttpAnswer",
    "KindPolicy",
    "LoopClock",
    "ManualClock",
    "NoTransport",
    "OperationCancelled",
    "OperationError",
    "OperationEvent",
    "OperationFailed",
    "OperationOutcomeError",
    "OperationReceipt",
    "OperationRejected",
    "OperationState",
    "OperationTimedOut",
    "OperationTimeline",
    "OperationTracker",
    "PROGRESS",
    "SseMessage",
    "Stage",
    "StageFact",
    "StateBinding",
    "TERMINAL",
    "TimelineMark",
    "TrackerDisposed",
    "Transport",
    "TransportError",
    "Watch",
    "build_action_runs",
    "build_operation_timelines",
    "operation_summary",
    "parse_stage",
    "rank",
    "step",
]
