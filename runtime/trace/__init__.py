"""Traces: recording (JSONL), the columnar event store, loading, replay, and exports (Chrome, Perfetto, evidence)."""

from .columnar import EventStore, LoadProblem
from .evidence import evidence_package, evidence_to_trace, load_evidence, write_evidence
from .indexes import TickSpan, TouchResult
from .loader import LoadCancelled, TraceFormatError, UnsupportedTraceVersion, load_trace, read_header
from .replay import Replay, ReplayPlayer, ReplayState, untag
from .writer import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, SNAPSHOT_TYPE, TraceWriter

__all__ = [
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
