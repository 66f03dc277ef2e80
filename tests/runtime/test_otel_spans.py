"""The span model on its own (runtime.otel.spans): e2e segments, late facts, what is left open, id stability."""

from __future__ import annotations

from runtime.otel import SpanAssembler, span_id_of, trace_id_of


def event(kind: str, label: str, meta: dict, ts: float, **extra) -> dict:
    return {"eventId": f"app::e{int(ts)}", "eventSeq": int(ts), "moduleId": "m", "instanceId": "m#1", "txnSeq": 0,
            "timestamp": ts, "kind": kind, "label": label, "meta": meta, **extra}


def trigger(link: str, ts: float) -> dict:
    return event("action", "async-action", {"type": "async-action", "phase": "trigger", "actionId": "save"}, ts,
                 linkId=link)


def test_an_e2e_segment_is_a_child_span_of_its_run_ending_at_its_event():
    spans = SpanAssembler("s")
    spans.feed(trigger("m#1::o1", 1000.0))
    [segment] = spans.feed(event("devtools", "trace:e2e", {"type": "e2e-trace", "segmentKind": "io:wait",
                                                            "startMonoMs": 5.0, "durationMs": 12.5}, 1020.0,
                                 linkId="m#1::o1"))
    assert segment.name == "e2e io:wait" and segment.trace_id == trace_id_of("s", "m#1::o1")
    assert segment.parent_span_id == span_id_of("s", "run|m#1::o1")
    assert (segment.start_ns, segment.end_ns) == (1_007_500_000, 1_020_000_000)
    assert segment.attributes["tickscope.segment_kind"] == "io:wait"
    live = SpanAssembler("s", mono_epoch_ms=1000.0)  # live: the runtime's monotonic clock is known
    [exact] = live.feed(event("devtools", "trace:e2e", {"type": "e2e-trace", "segmentKind": "io:wait",
                                                         "startMonoMs": 5.0, "durationMs": 12.5}, 1020.0,
                              linkId="m#1::o1"))
    assert (exact.start_ns, exact.end_ns) == (1_005_000_000, 1_017_500_000)


def test_facts_after_an_operations_terminal_stage_open_no_second_span():
    spans = SpanAssembler("s")
    meta = {"type": "operation", "commandId": "c1", "kind": "todo.create", "stage": "submitted"}
    assert spans.feed(event("operation", "operation:submitted", meta, 1.0)) == []
    [done] = spans.feed(event("operation", "operation:failed", {**meta, "stage": "failed",
                                                                 "error": {"code": "conflict", "message": "no"}}, 2.0))
    assert done.parent_span_id is None and done.trace_id == trace_id_of("s", "c1")  # no run: a trace of its own
    assert done.error == "no" and done.kind == "client"
    assert spans.feed(event("operation", "operation:late", {**meta, "stage": "failed"}, 3.0)) == []
    assert spans.close(4.0) == []


def test_what_is_still_open_at_the_end_is_closed_as_incomplete():
    spans = SpanAssembler("s")
    spans.feed(trigger("m#1::o1", 10.0))
    [run] = spans.close(25.0)
    assert run.end_ns == 25_000_000 and run.attributes["tickscope.incomplete"] is True


def test_ids_depend_on_the_session_and_the_anchor_only():
    assert trace_id_of("a", "x::o1") == trace_id_of("a", "x::o1") != trace_id_of("b", "x::o1")
    assert 0 < span_id_of("a", "run|x::o1") < 2 ** 64 and 0 < trace_id_of("a", "x") < 2 ** 128
