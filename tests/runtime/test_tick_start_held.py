"""A full tick's `start` event is held by the hub while the tick's listeners run, and made when it is recorded.

Before the listeners the tick only takes the event's seq (issue 18: diagnostics out of the listeners' way); the
event is recorded once they ran, or as soon as anything else is recorded first. Whoever reads, with or without a
tap, sees it where the tick began: before what the listeners caused, in eventSeq order, stamped no later than it.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tick_support import counter, untimed

from runtime import Runtime




def _run(tapped: bool) -> tuple[Runtime, list[dict[str, Any]]]:
    """A batch's tick whose listeners dispatch into another instance and record an event of the runtime itself."""
    rt = Runtime(label="app", diagnostics="full")
    seen: list[dict[str, Any]] = []
    if tapped:
        rt.hub.tap(lambda kind, e: seen.append(e) if kind == "debug:event" else None)
    source, echo = rt.mount(counter("source")), rt.mount(counter("echo"))

    def echoing() -> None:
        echo.dispatch("add", 1)

    def resizing() -> None:
        rt.set_buffer_size(400)  # a trace:devtools:ring-trim-policy event, a seq of the runtime's own

    topic = rt.store.topic(source)
    topic.subscribe(echoing)
    topic.subscribe(resizing)
    with rt.batch():
        source.dispatch("add", 1)
    return rt, seen


def _tick_events(rt: Runtime) -> list[tuple[str, str]]:
    out = []
    for e in rt.hub.events():
        if e["label"] == "trace:tick":
            out.append(("tick", e["meta"]["phase"]))
        elif e["moduleId"] == "echo" and e["label"] == "add":
            out.append(("echo", "add"))
        elif e["label"] == "trace:devtools:ring-trim-policy":
            out.append(("runtime", "resized"))
    return out


@pytest.mark.parametrize("tapped", [False, True], ids=["unbuilt", "tapped"])
def test_the_start_event_comes_before_what_the_listeners_record(tapped: bool) -> None:
    rt, _ = _run(tapped)
    order = _tick_events(rt)
    first = order.index(("tick", "start"))
    assert order[first] == ("tick", "start")
    assert sorted(order[first + 1:first + 3]) == [("echo", "add"), ("runtime", "resized")]
    assert ("tick", "settled") in order[first + 3:]
    runtime_events = [e for e in rt.hub.events() if e["instanceId"] == "app"]
    seqs = [e["eventSeq"] for e in runtime_events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # the seq taken when the tick began
    stamps = [e["timestamp"] for e in rt.hub.events()]
    assert stamps == sorted(stamps)  # stamped when the tick began, not when the event was made


def test_the_held_start_event_reads_as_the_one_a_tap_saw_built() -> None:
    (lazy_rt, _), (eager_rt, tapped) = _run(False), _run(True)
    lazy = [orjson.dumps(untimed(e)) for e in lazy_rt.hub.events()]
    eager = [orjson.dumps(untimed(e)) for e in eager_rt.hub.events()]
    assert lazy == eager
    assert [orjson.dumps(untimed(e)) for e in tapped] == eager[-len(tapped):]
    start = next(e for e in lazy_rt.hub.events() if e["label"] == "trace:tick" and e["meta"]["phase"] == "start")
    assert start["meta"]["schedule"] == {"startedAs": "batch", "microtaskChainDepth": 0}
    assert start["timestamp"] == start["meta"]["timestampMs"]


def test_a_reader_inside_the_listeners_sees_the_running_ticks_start() -> None:
    rt = Runtime(diagnostics="full")
    source = rt.mount(counter("source"))
    seen: list[tuple[str, str]] = []
    token_before: list[int] = []

    def reader() -> None:
        token_before.append(rt.hub.token)
        last = rt.hub.events()[-1]
        seen.append((last["label"], last["meta"]["phase"]))

    rt.store.topic(source).subscribe(reader)
    with rt.batch():
        source.dispatch("add", 1)
    assert seen == [("trace:tick", "start")]
    assert rt.hub.token > token_before[0]  # the settled event came after the reader's look
