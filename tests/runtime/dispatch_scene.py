"""The random dispatch scene two ways of running a window are compared on (the short tick against the full tick,
tests/runtime/test_short_tick_events.py and test_dispatch_paths_property.py): three counters, one feeding the next
through a link, a subscriber and a topic listener that dispatch again, a selector topic, and sequences of
dispatches, low-priority commits, failing reducers, batches and flushes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from tick_support import counter

from runtime import ReducerError, Runtime, read_query

index = st.integers(0, 2)
low = st.tuples(st.just("low"), index, st.integers(0, 4))
fail = st.tuples(st.just("fail"), index)
flush = st.tuples(st.just("flush"))


def dispatch_of(actions: list[str]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(st.just("dispatch"), index, st.sampled_from(actions), st.integers(0, 4))


def batch_of(actions: list[str]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(st.just("batch"), st.lists(dispatch_of(actions), min_size=1, max_size=3))


def ops_of(actions: list[str], max_size: int) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    dispatch = dispatch_of(actions)
    return st.lists(st.one_of(dispatch, dispatch, dispatch, low, fail, batch_of(actions), flush), min_size=1,
                    max_size=max_size)


def boom(draft: Any, payload: Any) -> None:
    draft["count"] = -1
    raise ValueError("no")


def step(rt: Runtime, insts: list[Any], op: tuple[Any, ...], log: list[Any] | None = None) -> None:
    """Carry out one op; with `log`, a failing reducer notes whether its instance's state stayed the same object."""
    kind = op[0]
    if kind == "dispatch":
        _, i, action, value = op
        insts[i].dispatch(action, f"l{value}" if action == "setLabel" else value)
    elif kind == "low":
        _, i, value = op
        insts[i].transact(lambda d: d.__setitem__("count", value), origin_kind="setState", priority="low")
    elif kind == "fail":
        before = insts[op[1]].get_state()
        with pytest.raises(ReducerError):
            insts[op[1]].dispatch("boom")
        if log is not None:
            log.append(("failed", insts[op[1]].get_state() is before))
    elif kind == "batch":
        with rt.batch():
            for inner in op[1]:
                step(rt, insts, inner, log)
    else:
        rt.flush_now()


def mount_scene(rt: Runtime, log: list[Any] | None = None) -> tuple[list[Any], list[Any]]:
    """The three counters (m0 feeds m1 through a link, so m0's commits take the full tick whatever the switch says;
    m2 is plain) and their facades, listeners subscribed; with `log`, the subscriber and the topic listeners note
    what they were told. Returns the instances and the facades."""
    modules = [counter(f"m{i}") for i in range(3)]
    for module in modules:
        module.reducer("boom")(boom)
    insts = [rt.mount(m) for m in modules]
    rt.links.declare("m0-m1", source=insts[0], read=lambda s: s["count"], reads=["count"], target=insts[1],
                     action="setOther")

    def on_m2(record: Any, state: Any) -> None:
        if log is not None:
            log.append(("subscriber", record.txn_id, state))
        if state["count"] % 3 == 1:
            insts[0].dispatch("add", 1)  # inside the window: queued behind it

    insts[2].subscribe(on_m2)
    facades = [rt.store.topic(i) for i in insts]
    facades.append(rt.store.select(insts[2], read_query(lambda s: s["label"], reads=["label"], selector_id="lab")))
    for facade in facades:
        def listener(f: Any = facade) -> None:
            snapshot = f.get_snapshot()  # None once disposed
            if log is not None:
                log.append(("topic", f.key, rt.store.tick_seq, f.version, snapshot))
            if f.key == facades[1].key and snapshot is not None and snapshot["other"] in (1, 2):
                insts[2].dispatch("setOther", snapshot["other"] + 5)  # a listener committing: the next tick chains

        facade.subscribe(listener)
    return insts, facades
