"""Live export: a hub tap turning a runtime's debug events into spans, sent in batches by the SDK.

    live = LiveExport(rt.hub, config, label=rt.label, clock=rt.sink.clock)   # Runtime(otel=...) does this
    live.flush()            # send what has finished now (blocks up to config.timeout_s)
    live.close()            # end what is still open (as incomplete), send it, stop

Spans are sent from the SDK's batch worker thread, never from the caller's (asyncio) thread.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol

from runtime.otel.config import OtelConfig
from runtime.otel.sdk import build_exporter, build_resource, ensure_available, to_readable
from runtime.otel.spans import SpanAssembler, SpanRecord

if TYPE_CHECKING:
    from runtime.debug.hub import Tap

__all__ = ["LiveExport", "tickscope_version"]


class HubPort(Protocol):
    def tap(self, tap: Tap) -> Callable[[], None]: ...


class ClockPort(Protocol):
    def now_ms(self) -> float: ...

    def mono_ms(self) -> float: ...


def tickscope_version() -> str:
    try:
        return metadata.version("tickscope")
    except metadata.PackageNotFoundError:
        return "0"


class LiveExport:
    """Exports the events of one hub as OpenTelemetry spans until closed."""

    def __init__(self, hub: HubPort, config: OtelConfig, *, label: str, clock: ClockPort) -> None:
        ensure_available()
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.config = config
        self.session = config.session()
        self.clock = clock
        self.assembler = SpanAssembler(self.session, ticks=config.ticks,
                                       mono_epoch_ms=clock.now_ms() - clock.mono_ms())
        self.resource = build_resource(config.service_name or label,
                                       {"tickscope.session_id": self.session, "tickscope.runtime_label": label})
        self._version = tickscope_version()
        self.processor = BatchSpanProcessor(build_exporter(config.endpoint, config.headers, config.timeout_s),
                                            schedule_delay_millis=config.schedule_delay_ms)
        self.exported = 0
        self.closed = False
        self._off = hub.tap(self._on_record)

    def _on_record(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "debug:event":
            self._send(self.assembler.feed(payload))

    def _send(self, records: list[SpanRecord]) -> None:
        if not records:
            return
        for span in to_readable(records, self.resource, self._version):
            self.processor.on_end(span)
        self.exported += len(records)

    def flush(self) -> bool:
        """Send every finished span now; False when the collector did not take them within the timeout."""
        return bool(self.processor.force_flush(int(self.config.timeout_s * 1000)))

    def close(self) -> None:
        """Stop listening, end the spans still open (`tickscope.incomplete`), send everything and stop the
        worker."""
        if self.closed:
            return
        self.closed = True
        self._off()
        self._send(self.assembler.close(self.clock.now_ms()))
        self.processor.force_flush(int(self.config.timeout_s * 1000))
        self.processor.shutdown()  # type: ignore[no-untyped-call]  # the SDK leaves BatchSpanProcessor.shutdown unannotated
