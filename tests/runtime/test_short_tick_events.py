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
from dispatch_scene import mount_scene, ops_of, step
from tick_support import counter, ticks, untimed

from runtime import Runtime


ops = ops_of(["add", "setLabel", "setOther"], max_size=20)



def _run(sequence: list[tuple[Any, ...]], level: str, solo: bool, tapped: bool) -> list[bytes]:
    """The exported events of `sequence` (read from the window, or as a tap saw them), time values zeroed."""
    rt = Runtime(label="app", diagnostics=level, buffer_size=5000)  # type: ignore[arg-type]
    rt.scheduler.solo_ticks = solo
    seen: list[dict[str, Any]] = []
    if tapped:
        rt.hub.tap(lambda kind, payload: seen.append(payload) if kind == "debug:event" else None)
    insts, _ = mount_scene(rt)
    for op in sequence:
        step(rt, insts, op)
    rt.flush_now()
    events = seen if tapped else rt.hub.events()
    return [orjson.dumps(untimed(e)) for e in events]


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
