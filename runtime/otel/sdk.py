"""The OpenTelemetry side: span records to SDK spans, sent by the SDK's OTLP exporter (HTTP/protobuf).

Imported only when OpenTelemetry export is asked for: the packages are optional (`pip install 'tickscope[otel]'`),
and `load()` says so, with that command, when they are missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runtime.errors import OtelUnavailable
from runtime.otel.spans import SpanRecord

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["INSTALL_HINT", "build_exporter", "build_resource", "ensure_available", "to_readable"]

INSTALL_HINT = ("pip install 'tickscope[otel]' "
                "(or: pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http)")
_MODULES = ("opentelemetry.sdk.trace", "opentelemetry.exporter.otlp.proto.http.trace_exporter")


def ensure_available() -> None:
    """Raise OtelUnavailable, naming what to install, when the OpenTelemetry SDK or its OTLP exporter is missing."""
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise OtelUnavailable(f"OpenTelemetry export needs the OpenTelemetry SDK and its OTLP/HTTP exporter, "
                                  f"which are not installed ({exc.name or name}): {INSTALL_HINT}") from None


def build_exporter(endpoint: str | None, headers: Mapping[str, str] | None = None,
                   timeout_s: float | None = None) -> SpanExporter:
    """The OTLP/HTTP protobuf span exporter. `endpoint` is the full traces URL (`http://host:4318/v1/traces`);
    None leaves it to the SDK's environment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT)."""
    ensure_available()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint, headers=dict(headers) if headers else None, timeout=timeout_s)


def build_resource(service_name: str, attributes: Mapping[str, Any]) -> Resource:
    ensure_available()
    from opentelemetry.sdk.resources import Resource

    return Resource.create({"service.name": service_name, **attributes})


def to_readable(records: Sequence[SpanRecord], resource: Resource, version: str) -> list[ReadableSpan]:
    """SDK spans of finished span records (ids as the records give them: deterministic, not the SDK's random
    ones)."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

    scope = InstrumentationScope("tickscope", version)
    flags = TraceFlags(TraceFlags.SAMPLED)
    out: list[ReadableSpan] = []
    for r in records:
        context = SpanContext(r.trace_id, r.span_id, is_remote=False, trace_flags=flags)
        parent = (SpanContext(r.trace_id, r.parent_span_id, is_remote=False, trace_flags=flags)
                  if r.parent_span_id is not None else None)
        links = [Link(SpanContext(t, s, is_remote=False, trace_flags=flags), attrs) for t, s, attrs in r.links]
        attributes = dict(r.attributes)
        if r.dropped_events:
            attributes["tickscope.dropped_span_events"] = r.dropped_events
        status = Status(StatusCode.ERROR, r.error) if r.error is not None else Status(StatusCode.UNSET)
        out.append(ReadableSpan(
            name=r.name, context=context, parent=parent, resource=resource, attributes=attributes,
            events=[Event(e.name, e.attributes, e.time_ns) for e in r.events], links=links,
            kind=SpanKind.CLIENT if r.kind == "client" else SpanKind.INTERNAL, status=status,
            start_time=r.start_ns, end_time=r.end_ns if r.end_ns is not None else r.start_ns,
            instrumentation_scope=scope,
        ))
    return out
