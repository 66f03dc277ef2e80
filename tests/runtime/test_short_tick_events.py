"""With diagnostics on, a lone commit takes the short tick too (TickScheduler.solo_ticks) and its trace:tick events
read exactly as the full tick's: on random dispatch sequences (subscribers that dispatch again, topic listeners that
chain ticks, a link, a selector topic, low-priority commits, batches, failing reducers, flushes), the run with the
short tick and the run without it export the same events in the same order, time values aside, at every level,
read later or seen by a tap as they are recorded."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tick_support import counter, ticks

from runtime import ReducerError, Runtime, read_query

TIMED = {"timestamp", "timestampMs", "executionDurationMs", "decisionDurationMs", "buildDurationMs", "elapsedMs",
         "durationMs"}
"""Keys whose values are times or durations of the run itself."""

index = st.integers(0, 2)
dispatch = st.tuples(st.just("dispatch"), index, st.sampled_from(["add", "setLabel", "setOther"]), st.integers(0, 4))
low = st.tuples(st.just("low"), index, st.integers(0, 4))
fail = st.tuples(st.just("fail"), index)
batch = st.tuples(st.just("batch"), st.lists(dispatch, min_size=1, max_size=3))
flush = st.tuples(st.just("flush"))
ops = st.lists(st.one_of(dispatch, dispatch, dispatch, low, fail, batch, flush), min_size=1, max_size=20)


def _boom(draft: Any, payload: Any) -> None:
    draft["count"] = -1
    raise ValueError("no")


def _untimed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: 0 if k in TIMED else _untimed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _step(rt: Runtime, insts: list[Any], op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "dispatch":
        _, i, action, value = op
        insts[i].dispatch(action, f"l{value}" if action == "setLabel" else value)
    elif kind == "low":
        _, i, value = op
        insts[i].transact(lambda d: d.__setitem__("count", value), origin_kind="setState", priority="low")
    elif kind == "fail":
        with pytest.raises(ReducerError):
            insts[op[1]].dispatch("boom")
    elif kind == "batch":
        with rt.batch():
            for inner in op[1]:
                _step(rt, insts, inner)
    else:
        rt.flush_now()


def _run(sequence: list[tuple[Any, ...]], level: str, solo: bool, tapped: bool) -> list[bytes]:
    """The exported events of `sequence` (read from the window, or as a tap saw them), time values zeroed."""
    rt = Runtime(label="app", diagnostics=level, buffer_size=5000)  # type: ignore[arg-type]
    rt.scheduler.solo_ticks = solo
    seen: list[dict[str, Any]] = []
    if tapped:
        rt.hub.tap(lambda kind, payload: seen.append(payload) if kind == "debug:event" else None)
    modules = [counter(f"m{i}") for i in range(3)]
    for module in modules:
        module.reducer("boom")(_boom)
    insts = [rt.mount(m) for m in modules]
    rt.links.declare("m0-m1", source=insts[0], read=lambda s: s["count"], reads=["count"], target=insts[1],
                     action="setOther")

    def on_m2(record: Any, state: Any) -> None:
        if state["count"] % 3 == 1:
            insts[0].dispatch("add", 1)  # inside the window: queued behind it

    insts[2].subscribe(on_m2)
    facades = [rt.store.topic(i) for i in insts]
    facades.append(rt.store.select(insts[2], read_query(lambda s: s["label"], reads=["label"], selector_id="lab")))
    for facade in facades:
        def listener(f: Any = facade) -> None:
            snapshot = f.get_snapshot()
            if f.key == facades[1].key and snapshot is not None and snapshot["other"] in (1, 2):
                insts[2].dispatch("setOther", snapshot["other"] + 5)  # a listener committing: the next tick chains

        facade.subscribe(listener)
    for op in sequence:
        _step(rt, insts, op)
    rt.flush_now()
    events = seen if tapped else rt.hub.events()
    return [orjson.dumps(_untimed(e)) for e in events]


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
@settings(max_examples=25, deadline=None)
@given(sequence=ops)
def test_the_short_tick_exports_the_events_of_the_full_tick(level: str, sequence: list[tuple[Any, ...]]) -> None:
    assert _run(sequence, level, solo=True, tapped=False) == _run(sequence, level, solo=False, tapped=False)


@pytest.mark.parametrize("level", ["light", "full"])
def test_a_tap_sees_the_short_ticks_events_as_the_full_ticks(level: str) -> None:
    sequence: list[tuple[Any, ...]] = [("dispatch", 2, "add", 1), ("dispatch", 2, "setLabel", 3), ("low", 2, 4),
                                       ("dispatch", 0, "add", 2), ("fail", 2), ("dispatch", 2, "add", 2)]
    # run from one line: the call sites at level full are the same
    short, full, read = [_run(sequence, level, solo, tapped) for solo, tapped in ((True, True), (False, True),
                                                                                  (True, False))]
    assert short == full
    assert short == read


def test_a_lone_dispatch_at_light_reports_its_tick_start_and_settled() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter("solo"))
    rt.hub.clear()
    inst.dispatch("add", 3)
    start, settled = ticks(rt)
    assert (start["phase"], settled["phase"]) == ("start", "settled")
    assert start["tickSeq"] == settled["tickSeq"] == rt.store.tick_seq
    assert start["schedule"] == {"startedAs": "unknown", "microtaskChainDepth": 0}
    assert settled["triggerSummary"] == {"total": 1, "kinds": [{"kind": "dispatch", "count": 1}],
                                         "primary": {"kind": "dispatch", "moduleId": "solo",
                                                     "instanceId": inst.instance_id, "actionTag": "add"}}
    assert settled["anchors"]["txnId"] == f"{inst.instance_id}::t{inst.txn_seq}"
    assert settled["budget"]["steps"] == settled["budget"]["txnCount"] == 1
    assert settled["result"] == {"stable": True}
    assert start["timestampMs"] <= settled["timestampMs"]
