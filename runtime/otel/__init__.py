"""OpenTelemetry export: action runs, their operations, resource loads, e2e segments and ticks as spans, sent with
the OpenTelemetry SDK's OTLP/HTTP (protobuf) exporter, live or from a recorded trace.

    rt = Runtime(label="shop", diagnostics="light", otel="http://collector:4318/v1/traces")   # live
    # or TICKSCOPE_OTEL=http://collector:4318/v1/traces in the environment
    tickscope export run.jsonl --to otlp --endpoint http://collector:4318/v1/traces         # from a trace

The OpenTelemetry packages are optional and imported only when export is asked for (`pip install
'tickscope[otel]'`); without them asking for export raises OtelUnavailable, which says what to install. The span
model is in runtime.otel.spans and docs/rules/otel.md.
"""

from runtime.errors import OtelUnavailable
from runtime.otel.config import ENV_VAR, OtelConfig, from_environment, resolve
from runtime.otel.live import LiveExport
from runtime.otel.spans import SpanAssembler, SpanRecord, span_id_of, trace_id_of

__all__ = [
    "ENV_VAR",
    "LiveExport",
    "OtelConfig",
    "OtelUnavailable",
    "SpanAssembler",
    "SpanRecord",
    "from_environment",
    "resolve",
    "span_id_of",
    "trace_id_of",
]
