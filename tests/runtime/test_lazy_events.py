"""Events recorded unbuilt (runtime.debug.pending) read exactly as events built at once.

With no tap attached the hub keeps a transaction's events unbuilt until they are read; a tap makes it build each one
as it is recorded. The same scenario, run once each way, must export the same events byte for byte (time values
aside: they measure the run), the same latest states and field summaries and the same export budget, at every level
and for every kind recorded unbuilt: action, trait:converge, trace:exec-vm, state:update and trace:tick.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tick_support import untimed

from runtime import Module, Runtime, computed
from runtime.debug.hub import DebugHub

LAZY_KINDS = {("action", "set_a"), ("trait:converge", "trace:trait:converge"), ("devtools", "trace:exec-vm"),
              ("state", "state:update"), ("devtools", "trace:tick")}


def _module(module_id: str, extra_keys: int = 0) -> Module:
    initial: dict[str, Any] = {"a": 0, "b": 1, "tags": None, "total": 1}
    initial.update({f"k{i}": i for i in range(extra_keys)})
    m = Module(module_id, initial, fields=[computed("total", deps=["a", "b"], derive=lambda a, b: a + b)])

    @m.reducer("set_a")
    def set_a(draft: Any, value: int) -> None:
        draft["a"] = value

    @m.reducer("tag")
    def tag(draft: Any, tags: Any) -> None:
        draft["tags"] = tags  # a set: exported converted (non_serializable)

    return m



def _run(level: str, tapped: bool, buffer_size: int = 500) -> tuple[Runtime, list[dict[str, Any]]]:
    rt = Runtime(label="app", diagnostics=level, buffer_size=buffer_size)  # type: ignore[arg-type]
    tapped_events: list[dict[str, Any]] = []
    if tapped:
        rt.hub.tap(lambda kind, payload: tapped_events.append(payload) if kind == "debug:event" else None)
    small = rt.mount(_module("small"))
    large = rt.mount(_module("large", extra_keys=100))  # over the 32 exported keys: oversized
    for value in range(1, 6):
        small.dispatch("set_a", value)
        large.dispatch("set_a", value)
    small.dispatch("tag", {"x", "y"})
    rt.set_diagnostics("light" if level == "full" else "full")  # the views keep the latest field summary
    small.dispatch("set_a", 7)
    rt.set_diagnostics(level)  # type: ignore[arg-type]
    with rt.batch():
        small.dispatch("set_a", 8)
        large.dispatch("set_a", 8)
    return rt, tapped_events


def _both(level: str, buffer_size: int = 500) -> tuple[Runtime, Runtime, list[dict[str, Any]]]:
    """(unbuilt-then-read runtime, built-at-once runtime, what its tap saw), dispatched from one line: the call
    sites at level full are the same."""
    (lazy_rt, _), (eager_rt, tapped) = [_run(level, tapped, buffer_size) for tapped in (False, True)]
    return lazy_rt, eager_rt, tapped


def _bytes(events: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(untimed(e)) for e in events]


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
def test_events_read_later_are_the_events_built_at_once(level: str) -> None:
    lazy_rt, eager_rt, tapped = _both(level)
    lazy, eager = lazy_rt.hub.events(), eager_rt.hub.events()
    assert {(e["kind"], e["label"]) for e in lazy} >= LAZY_KINDS
    assert _bytes(lazy) == _bytes(eager)
    assert _bytes(tapped) == _bytes(eager)  # what a live tap saw is what the window holds
    lazy_snap, eager_snap = lazy_rt.hub.snapshot("app"), eager_rt.hub.snapshot("app")
    assert lazy_snap.latest_states == eager_snap.latest_states
    assert lazy_snap.latest_states["app::small::small#1"]["tags"] == {"$set": ["x", "y"]}
    assert untimed(lazy_snap.latest_field_summaries) == untimed(eager_snap.latest_field_summaries)
    assert lazy_snap.latest_field_summaries  # taken from the one dispatch at full
    assert lazy_snap.export_budget == eager_snap.export_budget
    budget = lazy_snap.export_budget["app"]
    assert budget["oversized"] > 0 and budget["nonSerializable"] > 0


def test_a_small_window_reads_the_newest_events_and_counts_the_rest_as_dropped() -> None:
    lazy_rt, eager_rt, _ = _both("light", buffer_size=7)
    lazy = lazy_rt.hub.events()
    assert len(lazy) == 7
    assert _bytes(lazy) == _bytes(eager_rt.hub.events())
    assert lazy_rt.hub.dropped == eager_rt.hub.dropped > 0
    assert lazy[-1]["eventSeq"] > 7  # the newest, not the first


@pytest.mark.parametrize("buffer_size", [1, 2, 3, 5, 8, 13])
def test_a_window_that_cuts_through_a_commits_events_keeps_the_newest_of_them(buffer_size: int) -> None:
    # A commit's trait:converge, trace:exec-vm and state:update are one entry of the ring (a PendingGroup): a window
    # edge inside it keeps its newest events and counts the others as dropped, as it does for events one by one.
    lazy_rt, eager_rt, _ = _both("light", buffer_size=buffer_size)
    lazy, eager = lazy_rt.hub.events(), eager_rt.hub.events()
    assert len(lazy) == buffer_size
    assert _bytes(lazy) == _bytes(eager)
    assert lazy_rt.hub.dropped == eager_rt.hub.dropped
    assert lazy_rt.hub.snapshot("app").latest_states == eager_rt.hub.snapshot("app").latest_states


def _shared_hub(labels: tuple[str, ...]) -> tuple[DebugHub, list[Any]]:
    hub = DebugHub(buffer_size=10)
    insts = [Runtime(label=label, diagnostics="light", hub=hub).mount(_module("small")) for label in labels]
    for value in range(1, 4):
        for inst in insts:
            inst.dispatch("set_a", value)
    return hub, insts


def test_clearing_one_runtime_of_a_shared_hub_keeps_the_others_events_whole() -> None:
    hub, insts = _shared_hub(("one", "two"))
    alone, _ = _shared_hub(("two",))
    hub.clear("one")
    kept = hub.events()
    assert len(kept) == 10
    assert _bytes(kept) == _bytes(alone.events())  # the newest ten of "two", as if it had the hub to itself
    insts[1].dispatch("set_a", 9)
    labels = [e["label"] for e in hub.events()]
    assert len(labels) == 10
    assert labels[-6:] == ["set_a", "trace:trait:converge", "trace:exec-vm", "state:update", "trace:tick",
                           "trace:tick"]


def test_a_tap_attached_later_sees_the_events_from_then_on_built_at_once() -> None:
    rt = Runtime(label="app", diagnostics="light")
    inst = rt.mount(_module("small"))
    inst.dispatch("set_a", 1)
    seen: list[dict[str, Any]] = []
    rt.hub.tap(lambda kind, payload: seen.append(payload) if kind == "debug:event" else None)
    inst.dispatch("set_a", 2)
    window = rt.hub.events()
    assert seen and _bytes(seen) == _bytes(window[len(window) - len(seen):])
    assert [e["label"] for e in seen if e["kind"] == "state"] == ["state:update"]
    assert seen[0]["eventSeq"] > window[0]["eventSeq"]
