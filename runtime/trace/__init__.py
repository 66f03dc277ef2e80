"""Traces: recording (JSON Lines), the columnar event store, loading, replay, validation, and exports (Chrome,
Perfetto, evidence packages).

    writer = TraceWriter("run.jsonl", label="app").attach(rt.hub, runtime=rt)
    store = load_trace("run.jsonl")                 # an EventStore; store.problems lists the lines skipped
    Replay(store).state_at("form#1", row)
    write_chrome_trace(store, "run.trace.json")
    export_otlp(store, "http://collector:4318/v1/traces")     # OpenTelemetry spans (needs tickscope[otel])
"""

from runtime.errors import (
    LoadCancelled,
    OtelUnavailable,
    PerfettoUnavailable,
    TraceFormatError,
    UnsupportedTraceVersion,
)
from runtime.trace.columnar import EventStore, LoadProblem, SideRecords
from runtime.trace.evidence import evidence_package, evidence_to_trace, load_evidence, write_evidence
from runtime.trace.export_chrome import CHROME_SUFFIX, write_chrome_trace
from runtime.trace.export_perfetto import PERFETTO_SUFFIX, write_perfetto_trace
from runtime.trace.otlp_export import OtlpExportResult, export_otlp
from runtime.trace.format import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, SNAPSHOT_TYPE, read_header
from runtime.trace.indexes import TickSpan, TouchResult
from runtime.trace.loader import Progress, load_trace
from runtime.trace.replay import UNITS, Replay, ReplayPlayer, ReplayState, untag
from runtime.trace.row_codes import (
    CONVERGE_DEGRADED,
    CONVERGE_DIRTY,
    CONVERGE_FULL,
    DIRTY_ALL_ID,
    FLAG_DIRTY_ALL,
    FLAG_DOWNGRADE,
    FLAG_ERROR,
    FLAG_ERROR_SUMMARY,
    FLAG_TICK_END,
    FLAG_WARNING,
    NO_CODE,
    Interned,
)
from runtime.trace.validate import Validation, validate_file
from runtime.trace.writer import TraceWriter

__all__ = [
    "CHROME_SUFFIX",
    "CONVERGE_DEGRADED",
    "CONVERGE_DIRTY",
    "CONVERGE_FULL",
    "DIRTY_ALL_ID",
    "FLAG_DIRTY_ALL",
    "FLAG_DOWNGRADE",
    "FLAG_ERROR",
    "FLAG_ERROR_SUMMARY",
    "FLAG_TICK_END",
    "FLAG_WARNING",
    "FORMAT",
    "FORMAT_VERSION",
    "NO_CODE",
    "PERFETTO_SUFFIX",
    "PROTOCOL_VERSION",
    "SNAPSHOT_TYPE",
    "UNITS",
    "EventStore",
    "Interned",
    "LoadCancelled",
    "LoadProblem",
    "OtelUnavailable",
    "OtlpExportResult",
    "PerfettoUnavailable",
    "Progress",
    "Replay",
    "ReplayPlayer",
    "ReplayState",
    "SideRecords",
    "TickSpan",
    "TouchResult",
    "TraceFormatError",
    "TraceWriter",
    "UnsupportedTraceVersion",
    "Validation",
    "evidence_package",
    "evidence_to_trace",
    "export_otlp",
    "load_evidence",
    "load_trace",
    "read_header",
    "untag",
    "validate_file",
    "write_chrome_trace",
    "write_evidence",
    "write_perfetto_trace",
]
