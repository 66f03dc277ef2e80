"""Traces: recording (JSONL), the columnar event store, loading, replay, and exports (Chrome, Perfetto, evidence)."""

from runtime.trace.columnar import DIRTY_ALL_ID, FLAG_DOWNGRADE, FLAG_ERROR, FLAG_WARNING, EventStore, LoadProblem
from runtime.trace.evidence import evidence_package, evidence_to_trace, load_evidence, write_evidence
from runtime.trace.indexes import TickSpan, TouchResult
from runtime.trace.loader import LoadCancelled, TraceFormatError, UnsupportedTraceVersion, load_trace, read_header
from runtime.trace.replay import Replay, ReplayPlayer, ReplayState, untag
from runtime.trace.writer import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, SNAPSHOT_TYPE, TraceWriter

__all__ = [
    "DIRTY_ALL_ID",
    "FLAG_DOWNGRADE",
    "FLAG_ERROR",
    "FLAG_WARNING",
    "FORMAT",
    "FORMAT_VERSION",
    "PROTOCOL_VERSION",
    "SNAPSHOT_TYPE",
    "EventStore",
    "LoadCancelled",
    "LoadProblem",
    "Replay",
    "ReplayPlayer",
    "ReplayState",
    "TickSpan",
    "TouchResult",
    "TraceFormatError",
    "TraceWriter",
    "UnsupportedTraceVersion",
    "evidence_package",
    "evidence_to_trace",
    "load_evidence",
    "load_trace",
    "read_header",
    "untag",
    "write_evidence",
]
