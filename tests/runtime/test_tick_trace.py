"""trace:tick events: phases, fields, anchors of the carried commits, cost gating, and a checked trace file."""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest
from tick_support import counter, ticks

from runtime import Runtime, TickConfig, value_store
from runtime.fields import external_store
from runtime.kernel.module import Module
from runtime.trace import TraceWriter


def test_no_trace_tick_at_diagnostics_off() -> None:
    rt = Runtime(diagnostics="off")
    inst = rt.mount(counter())
    inst.dispatch("add", 1)
    assert rt.store.tick_seq == 1
    assert rt.hub.events() == []


class SteppingPerfCounter:
    """Stands in for the scheduler's `time` module: perf_counter() returns the given readings in turn."""

    def __init__(self, readings: Iterator[float]) -> None:
        self._readings = readings

    def perf_counter(self) -> float:
        return next(self._readings)

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def test_start_and_settled_carry_the_reference_fields_and_the_commit_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    # the tick's cost is measured on the scheduler's perf_counter: a fake one that reads 100.0 s when the tick starts
    # and 100.0042 s when it reports makes the reported cost exact
    monkeypatch.setattr("runtime.ticks.scheduler.time", SteppingPerfCounter(iter([100.0, 100.0042])))
    rt = Runtime(diagnostics="light", label="app")
    a = rt.mount(counter("a"))
    b = rt.mount(counter("b"))
    with rt.batch():
        rec_a = a.dispatch("add", 2)
        rec_b = b.dispatch("setLabel", "x")

    events = [e for e in rt.hub.events() if e["label"] == "trace:tick"]
    assert [e["meta"]["phase"] for e in events] == ["start", "settled"]
    assert all(e["kind"] == "devtools" and e["moduleId"] == "runtime" and e["instanceId"] == "app"
               for e in events)
    start, settled = (e["meta"] for e in events)
    assert start["tickSeq"] == settled["tickSeq"] == 1
    assert start["schedule"] == {"startedAs": "batch", "microtaskChainDepth": 0}
    assert "triggerSummary" not in start  # summarised once the tick settled, with what it carried
    assert settled["triggerSummary"]["total"] == 2
    assert settled["triggerSummary"]["kinds"] == [{"kind": "dispatch", "count": 2}]
    assert settled["triggerSummary"]["primary"] == {"kind": "dispatch", "moduleId": "a", "instanceId": "a#1",
                                                    "actionTag": "add"}
    anchors = settled["anchors"]
    assert (anchors["moduleId"], anchors["txnSeq"], anchors["txnId"]) == ("a", rec_a.txn_seq, rec_a.txn_id)
    assert [(c["txnId"], c["opSeq"]) for c in anchors["commits"]] == [
        (rec_a.txn_id, rec_a.op_seq), (rec_b.txn_id, rec_b.op_seq)]  # the opSeq of the commit's operation
    assert anchors["opSeq"] == rec_a.op_seq and rec_a.op_seq != rec_a.patch_count
    assert settled["budget"]["maxSteps"] == 64 and settled["budget"]["steps"] == 2
    assert settled["budget"]["txnCount"] == 2 and settled["budget"]["elapsedMs"] == 4.2
    assert settled["backlog"] == {"pendingExternalInputs": 0, "pendingDeferredWork": 0}
    assert settled["result"] == {"stable": True}
    orjson.dumps(settled)  # JSON-ready as it is


def test_external_store_triggers_and_the_deferred_primary_are_named() -> None:
    store = value_store(0)
    mods = [Module(f"m{i}", initial={"v": 0}, fields=[external_store("v", store, priority="nonUrgent")])
            for i in range(3)]
    rt = Runtime(diagnostics="light", tick=TickConfig(max_steps=1))
    for m in mods:
        rt.mount(m)
    with rt.batch():
        store.set(5)
    first = ticks(rt, "budgetExceeded")[-2]  # the first of the three ticks
    assert first["triggerSummary"]["kinds"] == [{"kind": "externalStore", "count": 3}]
    assert first["triggerSummary"]["primary"]["fieldPath"] == "v"
    exceeded = ticks(rt, "budgetExceeded")[-2]
    assert exceeded["backlog"]["deferredPrimary"] == {"kind": "externalStore", "moduleId": "m1",
                                                      "instanceId": "m1#1", "fieldPath": "v"}


def test_a_trace_across_every_diagnostics_level_passes_the_reference_checker(tmp_path, check_trace) -> None:
    path = tmp_path / "ticks.jsonl"
    rt = Runtime(diagnostics="off", label="levels")
    writer = TraceWriter(path, label="levels").attach(rt.hub)
    a = rt.mount(counter("a"))
    b = rt.mount(counter("b"))
    rt.links.declare("a-b", source=a, read=lambda s: s["count"], reads=["count"], target=b, action="setOther")
    per_level = {}
    for level in ("off", "light", "sampled", "full"):
        rt.set_diagnostics(level)
        before = len(ticks(rt))
        for _ in range(3):
            a.dispatch("add", 1)
        with rt.batch():
            a.dispatch("setLabel", level)
            b.dispatch("add", 1)
        per_level[level] = len(ticks(rt)) - before
    writer.close()

    assert per_level == {"off": 0, "light": 8, "sampled": 8, "full": 8}
    code, output = check_trace(path, "devtools/trace:tick", "state/state:update")
    assert code == 0, output
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()[1:]]
    full_settled = [env["payload"]["meta"] for env in lines
                    if env["payload"].get("label") == "trace:tick" and env["payload"]["meta"]["phase"] == "settled"]
    assert full_settled[-1]["anchors"]["commits"][0]["moduleId"] == "a"


def test_the_start_event_keeps_its_place_before_what_the_listeners_cause(tmp_path) -> None:
    # The start event is built after the listeners ran (issue 18: diagnostics out of their way), yet every reader
    # sees it where it happened: before the events a listener causes, in the hub, in a tap and in a trace file.
    rt = Runtime(diagnostics="full")
    source, echo = rt.mount(counter("source")), rt.mount(counter("echo"))
    path = tmp_path / "t.jsonl"
    writer = TraceWriter(path, label="t").attach(rt.hub, runtime=rt)
    tapped: list[str] = []
    rt.hub.tap(lambda kind, e: tapped.append(e["eventId"]) if kind == "debug:event" else None)
    seen_by_listener: list[list[str]] = []

    def listener() -> None:
        seen_by_listener.append([e["label"] for e in rt.hub.events()][-1:])
        echo.dispatch("add", 1)  # recorded now, committed in the next tick

    rt.store.topic(source).subscribe(listener)
    source.dispatch("add", 1)
    writer.close()

    assert seen_by_listener == [["trace:tick"]]  # the running tick's start, read from inside the tick
    hub_events = [e for e in rt.hub.events() if e["label"] in ("trace:tick", "add")]
    first_tick = [(e["moduleId"], e["meta"].get("phase") or e["meta"]["actionTag"]) for e in hub_events][1:5]
    assert first_tick == [("runtime", "start"), ("echo", "add"), ("runtime", "settled"), ("runtime", "start")]
    runtime_seqs = [e["eventSeq"] for e in rt.hub.events() if e["instanceId"] == "runtime"]
    assert runtime_seqs == sorted(runtime_seqs)
    assert len(tapped) >= 8 and tapped == [e["eventId"] for e in rt.hub.events()][-len(tapped):]  # since the tap
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()[1:]]
    assert [e["payload"]["eventId"] for e in lines if e["type"] == "debug:event"][-len(tapped):] == tapped
