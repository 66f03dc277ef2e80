"""What `Runtime(otel=...)` and TICKSCOPE_OTEL accept, as one OtelConfig.

    Runtime(otel="http://collector:4318/v1/traces")     # the OTLP/HTTP traces endpoint
    Runtime(otel=True)                                   # the SDK's own environment (OTEL_EXPORTER_OTLP_*)
    Runtime(otel=OtelConfig(endpoint=..., service_name="shop", ticks=False))
    TICKSCOPE_OTEL=http://collector:4318/v1/traces       # or TICKSCOPE_OTEL=1 for the SDK's environment
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ENV_VAR", "OtelConfig", "from_environment", "from_text", "resolve"]

ENV_VAR = "TICKSCOPE_OTEL"
_ON = {"1", "true", "yes", "on", "otlp"}


@dataclass(frozen=True, slots=True)
class OtelConfig:
    endpoint: str | None = None
    """The full OTLP/HTTP traces URL; None: the SDK's environment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, ...)."""
    service_name: str | None = None
    """`service.name` of the exported resource; default the runtime's label."""
    headers: Mapping[str, str] = field(default_factory=dict)
    ticks: bool = True
    """Export ticks as spans too (one per tick: many, at 60 Hz)."""
    session_id: str | None = None
    """Seeds every trace and span id; default one minted when the export starts (a uuid: the one random value,
    so that two processes' `todos#1::o1` never share a trace). Give one to make ids reproducible."""
    timeout_s: float = 10.0
    """Per request to the collector, and how long closing waits for the last batch."""
    schedule_delay_ms: float = 500.0
    """How long finished spans wait to be sent in one batch."""

    def session(self) -> str:
        return self.session_id or uuid.uuid4().hex


def resolve(value: object) -> OtelConfig:
    """An OtelConfig from what `Runtime(otel=...)` was given: an OtelConfig, an endpoint URL, or True."""
    if isinstance(value, OtelConfig):
        return value
    if value is True:
        return OtelConfig()
    if isinstance(value, str):
        return from_text(value, what="otel")
    raise TypeError(f"otel takes an OtelConfig, an OTLP/HTTP traces URL or True, not {value!r}")


def from_text(text: str, *, what: str) -> OtelConfig:
    value = text.strip()
    if value.lower() in _ON:
        return OtelConfig()
    if value.startswith(("http://", "https://")):
        return OtelConfig(endpoint=value)
    raise ValueError(f"{what}={text!r}: give an OTLP/HTTP traces URL (http://host:4318/v1/traces) or 1 to use the "
                     "OpenTelemetry SDK's own environment")


def from_environment() -> OtelConfig | None:
    """What TICKSCOPE_OTEL asks for; None when it is not set (or empty)."""
    text = os.environ.get(ENV_VAR, "").strip()
    return from_text(text, what=ENV_VAR) if text else None
