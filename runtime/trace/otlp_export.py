"""A recorded trace to an OpenTelemetry collector: its runs, operations, resource loads, e2e segments and ticks as
spans, sent with the OpenTelemetry SDK's OTLP/HTTP (protobuf) exporter (`tickscope export FILE --to otlp`).

    result = export_otlp(load_trace("run.jsonl"), "http://collector:4318/v1/traces")

The trace's runId seeds every trace and span id, so exporting the same file twice sends the same ids (a collector
deduplicates them), and the ids agree with a live export of that session only when it was given that session id.
What the trace leaves open (a run still pending when recording stopped) ends at the trace's last event, marked
`tickscope.incomplete`. The span model is runtime.otel.spans (docs/rules/otel.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runtime.otel import SpanAssembler, SpanRecord
from runtime.otel.live import tickscope_version
from runtime.otel.sdk import build_exporter, build_resource, ensure_available, to_readable
from runtime.trace.columnar import EventStore

__all__ = ["OtlpExportResult", "export_otlp"]

BATCH = 512
"""Spans per request."""


@dataclass(frozen=True, slots=True)
class OtlpExportResult:
    spans: int
    requests: int
    failed_requests: int
    """Requests the collector did not take (the SDK exporter has retried them already)."""

    @property
    def ok(self) -> bool:
        return self.failed_requests == 0


def export_otlp(store: EventStore, endpoint: str | None, *, headers: Mapping[str, str] | None = None,
                service_name: str | None = None, ticks: bool = True, timeout_s: float = 10.0) -> OtlpExportResult:
    """Send the spans of every event of `store`; `endpoint` None leaves the URL to the SDK's environment."""
    ensure_available()
    from opentelemetry.sdk.trace.export import SpanExportResult

    header = store.header or {}
    session = str(header.get("runId") or "trace")
    source = header.get("source")
    label = str(source.get("label") or "tickscope") if isinstance(source, dict) else "tickscope"
    resource = build_resource(service_name or label, {"tickscope.session_id": session, "tickscope.run_id": session})
    exporter = build_exporter(endpoint, headers, timeout_s)
    version = tickscope_version()
    assembler = SpanAssembler(session, ticks=ticks)
    pending: list[SpanRecord] = []
    spans = requests = failed = 0
    last_ms = 0.0

    def send(records: list[SpanRecord]) -> None:
        nonlocal spans, requests, failed
        if not records:
            return
        requests += 1
        spans += len(records)
        if exporter.export(to_readable(records, resource, version)) is not SpanExportResult.SUCCESS:
            failed += 1

    try:
        for row in range(len(store)):
            event = store.payload(row)
            last_ms = max(last_ms, float(event.get("timestamp") or 0.0))
            pending += assembler.feed(event)
            if len(pending) >= BATCH:
                send(pending)
                pending = []
        pending += assembler.close(last_ms)
        for start in range(0, len(pending), BATCH):
            send(pending[start:start + BATCH])
    finally:
        exporter.shutdown()
    return OtlpExportResult(spans, requests, failed)
