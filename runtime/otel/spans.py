"""Debug events to span records: action runs, their operations, resource loads, e2e segments and ticks.

    assembler = SpanAssembler(session="app-7f3c")          # the session seeds every trace and span id
    for event in events:                                   # debug events, in the order they were emitted
        finished = assembler.feed(event)                   # the spans that ended with this event
    rest = assembler.close(now_ms)                         # what is still open, ended now as incomplete

Pure Python, no OpenTelemetry import: runtime.otel.sdk turns these records into SDK spans.

- An **action run** is a root span (`action <actionId>`): trigger to settle. Its trace id and span id are hashes of
  the session and the run's linkId, so every event of the run, live or from a file, lands in the same trace.
- An **operation** is a child span of its run (`operation <kind>`, kind CLIENT) from its first event to its terminal
  stage, every phase a span event; one without a run is a root span of its own trace (by command id).
- A **resource load** is a span (`resource <name>`) from start to resolve / reject / cancel of one generation, a
  child of its initiator's run when there is one. A cache hit is a span event on the initiator's run.
- Optimistic apply / confirm / rollback are span events on their run.
- An **e2e segment** (092, `trace:e2e`) is a child span of its run (`e2e <segmentKind>`).
- A **tick** is a root span (`tick <tickSeq>`) from its start to its settled event, linked to the runs whose commits
  it published.

Attributes are namespaced `tickscope.*`; a failed run or operation has status ERROR with its error message.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["SpanAssembler", "SpanEventRecord", "SpanRecord", "span_id_of", "trace_id_of"]

SpanKindName = Literal["internal", "client"]
_TERMINAL = {"ready", "rejected", "failed", "timed_out", "cancelled"}
_MAX_OPEN = 4096
"""Open spans kept per kind; past it the oldest is ended as incomplete (a leak guard for endless live runs)."""
_MAX_TXN_LINKS = 4096
"""Commits remembered (instanceId, txnSeq) -> linkId, to link ticks to runs."""
_MAX_SPAN_EVENTS = 128


def _hash(text: str, size: int) -> int:
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=size).digest(), "big")
    return value or 1  # 0 is the invalid id in OpenTelemetry


def trace_id_of(session: str, anchor: str) -> int:
    """The 128-bit trace id of `anchor` (a run's linkId, a command id, ...) in `session`."""
    return _hash(f"{session}|trace|{anchor}", 16)


def span_id_of(session: str, what: str) -> int:
    return _hash(f"{session}|span|{what}", 8)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ns(ms: float) -> int:
    return int(round(ms * 1_000_000))


@dataclass(slots=True)
class SpanEventRecord:
    name: str
    time_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanRecord:
    """One span, open until `end_ns` is set."""

    name: str
    trace_id: int
    span_id: int
    parent_span_id: int | None
    start_ns: int
    kind: SpanKindName = "internal"
    end_ns: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[SpanEventRecord] = field(default_factory=list)
    links: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    """(trace id, span id, attributes) of related spans."""
    error: str | None = None
    """The status description of a failed span (status ERROR); None is status UNSET."""
    dropped_events: int = 0

    def add_event(self, name: str, time_ns: int, attributes: dict[str, Any]) -> None:
        if len(self.events) < _MAX_SPAN_EVENTS:
            self.events.append(SpanEventRecord(name, time_ns, attributes))
        else:
            self.dropped_events += 1


def _attrs(**values: Any) -> dict[str, Any]:
    """OpenTelemetry attribute values are scalars or homogeneous lists: None is left out, dicts are not allowed."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = [v for v in value if isinstance(v, (str, int, float, bool))]
        elif not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[f"tickscope.{key}"] = value
    return out


class SpanAssembler:
    """Builds span records from debug events (one session: one live runtime, or one trace file)."""

    def __init__(self, session: str, *, ticks: bool = True, mono_epoch_ms: float | None = None) -> None:
        self.session = session
        self.ticks = ticks
        self.mono_epoch_ms = mono_epoch_ms
        """Epoch ms of the runtime's monotonic 0, when known (live): e2e segments then start exactly at their
        startMonoMs; without it (a trace) a segment is taken to end when its event was emitted."""
        self._runs: OrderedDict[str, SpanRecord] = OrderedDict()
        self._ops: OrderedDict[str, SpanRecord] = OrderedDict()
        self._loads: OrderedDict[str, SpanRecord] = OrderedDict()
        self._ticks: OrderedDict[str, SpanRecord] = OrderedDict()
        self._ended_ops: OrderedDict[str, None] = OrderedDict()
        self._txn_links: OrderedDict[tuple[str, int], str] = OrderedDict()

    # -- ids --------------------------------------------------------------------------------------------------------

    def run_ids(self, link_id: str) -> tuple[int, int]:
        """(trace id, span id) of the run `link_id`."""
        return trace_id_of(self.session, link_id), span_id_of(self.session, f"run|{link_id}")

    # -- feeding ----------------------------------------------------------------------------------------------------

    def feed(self, event: dict[str, Any]) -> list[SpanRecord]:
        """Take one debug event; returns the spans it ended."""
        kind, label, meta = event.get("kind"), event.get("label"), event.get("meta")
        if not isinstance(meta, dict):
            meta = {}
        at = _ns(float(event.get("timestamp") or 0.0))
        if kind == "state" and label == "state:update":
            self._remember_txn(event)
            return []
        if kind == "action" and label == "async-action":
            return self._run(event, meta, at)
        if kind == "operation":
            return self._operation(event, meta, at)
        if kind == "service" and label == "resource":
            return self._resource(event, meta, at)
        if kind == "state" and label == "optimistic":
            self._on_run(event.get("linkId"), f"optimistic {meta.get('phase')}", at,
                         _attrs(optimistic_id=meta.get("optimisticId"), reason=meta.get("reason"),
                                txn_seq=event.get("txnSeq"), affected_path_count=meta.get("affectedPathCount")))
            return []
        if kind == "devtools" and label == "trace:e2e":
            return self._segment(event, meta, at)
        if kind == "devtools" and label == "trace:tick" and self.ticks:
            return self._tick(event, meta, at)
        return []

    def close(self, now_ms: float) -> list[SpanRecord]:
        """End every open span now, marked `tickscope.incomplete` (the runtime or the trace ended first)."""
        end = _ns(now_ms)
        out: list[SpanRecord] = []
        for table in (self._ops, self._loads, self._ticks, self._runs):
            for span in table.values():
                span.end_ns = max(end, span.start_ns)
                span.attributes["tickscope.incomplete"] = True
                out.append(span)
            table.clear()
        return out

    def _open(self, table: OrderedDict[str, SpanRecord], key: str, span: SpanRecord) -> list[SpanRecord]:
        table[key] = span
        evicted: list[SpanRecord] = []
        while len(table) > _MAX_OPEN:
            _, old = table.popitem(last=False)
            old.end_ns = max(span.start_ns, old.start_ns)
            old.attributes["tickscope.incomplete"] = True
            evicted.append(old)
        return evicted

    def _base(self, event: dict[str, Any]) -> dict[str, Any]:
        return _attrs(module_id=event.get("moduleId"), instance_id=event.get("instanceId"),
                      runtime_label=event.get("runtimeLabel"))

    # -- runs -------------------------------------------------------------------------------------------------------

    def _run(self, event: dict[str, Any], meta: dict[str, Any], at: int) -> list[SpanRecord]:
        link_id = event.get("linkId")
        if not isinstance(link_id, str):
            return []
        phase = meta.get("phase")
        span = self._runs.get(link_id)
        evicted: list[SpanRecord] = []
        if span is None:
            trace_id, span_id = self.run_ids(link_id)
            span = SpanRecord(f"action {meta.get('actionId')}", trace_id, span_id, None, at)
            span.attributes.update(self._base(event))
            span.attributes.update(_attrs(link_id=link_id, action_id=meta.get("actionId"),
                                          concurrency=meta.get("concurrencyPolicy"), lane=meta.get("lane")))
            evicted = self._open(self._runs, link_id, span)
        span.add_event(f"run {phase}", at, _attrs(txn_seq=event.get("txnSeq") or None))
        if phase != "settle":
            return evicted
        del self._runs[link_id]
        span.end_ns = max(at, span.start_ns)
        span.attributes.update(_attrs(status=meta.get("status"), cancel_reason=meta.get("cancelReason"),
                                      duration_ms=meta.get("durationMs"), txn_seqs=meta.get("txnSeqs")))
        if meta.get("status") == "failure":
            error = _dict(event.get("errorSummary"))
            span.error = str(error.get("message") or "failure")
            span.attributes.update(_attrs(error_code=error.get("code")))
        return [*evicted, span]

    def _on_run(self, link_id: Any, name: str, at: int, attributes: dict[str, Any]) -> None:
        span = self._runs.get(link_id) if isinstance(link_id, str) else None
        if span is not None:
            span.add_event(name, at, attributes)

    def _parent(self, link_id: Any, fallback: str) -> tuple[int, int | None]:
        """(trace id, parent span id) for a span under the run `link_id`, or a root span of its own trace."""
        if isinstance(link_id, str) and link_id:
            trace_id, span_id = self.run_ids(link_id)
            return trace_id, span_id
        return trace_id_of(self.session, fallback), None

    # -- operations -------------------------------------------------------------------------------------------------

    def _operation(self, event: dict[str, Any], meta: dict[str, Any], at: int) -> list[SpanRecord]:
        command_id = meta.get("commandId")
        if not isinstance(command_id, str) or command_id in self._ended_ops:
            return []
        phase = str(event.get("label", "operation:")).split(":", 1)[1]
        span = self._ops.get(command_id)
        evicted: list[SpanRecord] = []
        if span is None:
            trace_id, parent = self._parent(event.get("linkId"), command_id)
            span = SpanRecord(f"operation {meta.get('kind')}", trace_id, span_id_of(self.session, f"op|{command_id}"),
                              parent, at, kind="client")
            span.attributes.update(self._base(event))
            span.attributes.update(_attrs(command_id=command_id, correlation_id=meta.get("correlationId"),
                                          operation_kind=meta.get("kind"), target=meta.get("target"),
                                          wait_for=meta.get("waitFor"), link_id=event.get("linkId")))
            evicted = self._open(self._ops, command_id, span)
        error = _dict(meta.get("error"))
        span.add_event(phase, at, _attrs(stage=meta.get("stage"), event_stage=meta.get("eventStage"),
                                         source=meta.get("source"), disposition=meta.get("disposition"),
                                         attempt=meta.get("attempt"), version=meta.get("version"),
                                         error_code=error.get("code")))
        stage = meta.get("stage")
        if stage not in _TERMINAL:
            return evicted
        del self._ops[command_id]
        self._ended_ops[command_id] = None
        while len(self._ended_ops) > _MAX_OPEN:
            self._ended_ops.popitem(last=False)
        span.end_ns = max(at, span.start_ns)
        span.attributes.update(_attrs(stage=stage, detached=meta.get("detached"),
                                      outcome_unknown=meta.get("outcomeUnknown")))
        if stage != "ready":
            span.error = str(error.get("message") or error.get("code") or stage)
            span.attributes.update(_attrs(error_code=error.get("code")))
        return [*evicted, span]

    # -- resources --------------------------------------------------------------------------------------------------

    def _resource(self, event: dict[str, Any], meta: dict[str, Any], at: int) -> list[SpanRecord]:
        key, generation, phase = meta.get("resourceKey"), meta.get("generation"), meta.get("phase")
        if not isinstance(key, str):
            return []
        load_key = f"{key}#{generation}"
        name = key.split(":")[1] if key.count(":") >= 2 else key
        if phase == "start":
            trace_id, parent = self._parent(meta.get("initiatorLinkId"), load_key)
            span = SpanRecord(f"resource {name}", trace_id, span_id_of(self.session, f"load|{load_key}"), parent, at)
            span.attributes.update(_attrs(resource_key=key, generation=generation, tags=meta.get("tags"),
                                          link_id=meta.get("initiatorLinkId")))
            return self._open(self._loads, load_key, span)
        if phase == "resolve" and meta.get("cacheHit"):
            self._on_run(meta.get("initiatorLinkId"), "resource cache hit", at,
                         _attrs(resource_key=key, generation=generation))
            return []
        if phase not in ("resolve", "reject", "cancel"):
            return []
        if load_key not in self._loads:
            return []
        span = self._loads.pop(load_key)
        span.end_ns = max(at, span.start_ns)
        span.attributes.update(_attrs(outcome=phase, cancel_reason=meta.get("cancelReason"),
                                      consumer_count=meta.get("consumerCount")))
        if phase == "reject":
            span.error = str(_dict(event.get("errorSummary")).get("message") or "rejected")
        return [span]

    # -- e2e segments and ticks -------------------------------------------------------------------------------------

    def _segment(self, event: dict[str, Any], meta: dict[str, Any], at: int) -> list[SpanRecord]:
        link_id = event.get("linkId")
        if not isinstance(link_id, str):
            return []
        trace_id, parent = self._parent(link_id, link_id)
        duration_ns = _ns(float(meta.get("durationMs") or 0.0))
        start_mono = meta.get("startMonoMs")
        if self.mono_epoch_ms is not None and isinstance(start_mono, (int, float)):
            start = _ns(self.mono_epoch_ms + float(start_mono))
        else:
            start = at - duration_ns  # the segment ends when its event is emitted
        span = SpanRecord(f"e2e {meta.get('segmentKind')}", trace_id,
                          span_id_of(self.session, f"e2e|{event.get('eventId')}"), parent, start,
                          end_ns=start + duration_ns)
        span.attributes.update(_attrs(segment_kind=meta.get("segmentKind"), tick_seq=meta.get("tickSeq"),
                                      reason_code=meta.get("reasonCode"), link_ids=meta.get("linkIds"),
                                      start_mono_ms=meta.get("startMonoMs"), link_id=link_id))
        return [span]

    def _remember_txn(self, event: dict[str, Any]) -> None:
        link_id, txn_seq = event.get("linkId"), event.get("txnSeq")
        if isinstance(link_id, str) and isinstance(txn_seq, int):
            self._txn_links[(str(event.get("instanceId")), txn_seq)] = link_id
            while len(self._txn_links) > _MAX_TXN_LINKS:
                self._txn_links.popitem(last=False)

    def _tick(self, event: dict[str, Any], meta: dict[str, Any], at: int) -> list[SpanRecord]:
        tick_key = f"{event.get('instanceId')}#{meta.get('tickSeq')}"
        phase = meta.get("phase")
        if phase == "start":
            opened = SpanRecord(f"tick {meta.get('tickSeq')}", trace_id_of(self.session, f"tick|{tick_key}"),
                                span_id_of(self.session, f"tick|{tick_key}"), None, at)
            opened.attributes.update(_attrs(tick_seq=meta.get("tickSeq"),
                                            runtime_label=event.get("runtimeLabel") or event.get("instanceId")))
            return self._open(self._ticks, tick_key, opened)
        if tick_key not in self._ticks:
            return []
        span = self._ticks[tick_key]
        if phase == "budgetExceeded":
            span.add_event("budget exceeded", at, {})
            return []
        if phase != "settled":
            return []
        del self._ticks[tick_key]
        span.end_ns = max(at, span.start_ns)
        anchors = _dict(meta.get("anchors"))
        linked: set[str] = set()
        for commit in anchors.get("commits", ()):
            commit = _dict(commit)
            link_id = self._txn_links.get((str(commit.get("instanceId")), int(commit.get("txnSeq") or 0)))
            if link_id is not None and link_id not in linked:
                linked.add(link_id)
                trace_id, span_id = self.run_ids(link_id)
                span.links.append((trace_id, span_id, _attrs(link_id=link_id)))
        trigger = _dict(meta.get("triggerSummary"))
        budget = _dict(meta.get("budget"))
        span.attributes.update(_attrs(commit_count=len(anchors.get("commits", ())),
                                      trigger_total=trigger.get("total"), elapsed_ms=budget.get("elapsedMs")))
        return [span]
