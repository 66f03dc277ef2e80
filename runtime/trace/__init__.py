"""Traces: recording (JSONL), the columnar event store, loading, replay, and exports (Chrome, Perfetto, evidence)."""

from runtime.trace.columnar import DIRTY_ALL_ID, FLAG_DOWNGRADE, FLAG_ERROR, FLAG_WARNING, EventStore, LoadProblem
from runtime.trace.evidence import evidence_package, evidence_to_trace, load_evidence, write_evidence
from runtime.trace.export_chrome import export_chrome as write_chrome_trace
from runtime.trace.export_perfetto import PerfettoUnavailable
from runtime.trace.export_perfetto import export_perfetto as write_perfetto_trace
from runtime.trace.indexes import TickSpan, TouchResult
from runtime.trace.loader import LoadCancelled, TraceFormatError, UnsupportedTraceVersion, load_trace, read_header
from runtime.trace.replay import Replay, ReplayPlayer, ReplayState, untag
from runtime.trace.validate import Validation, validate_file
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
    "PerfettoUnavailable",
    "Replay",
    "ReplayPlayer",
    "ReplayState",
    "TickSpan",
    "TouchResult",
    "TraceFormatError",
    "TraceWriter",
    "UnsupportedTraceVersion",
    "Validation",
    "evidence_package",
    "evidence_to_trace",
    "load_evidence",
    "load_trace",
    "read_header",
    "untag",
    "validate_file",
    "write_chrome_trace",
    "write_evidence",
    "write_perfetto_trace",
]
