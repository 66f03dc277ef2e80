"""The short tick of a lone commit (TickScheduler.solo_ticks) and the full tick give the same run: on random
dispatch sequences, with subscribers that dispatch again, topic listeners that chain ticks, a link, a selector
topic, low-priority commits, batches and failing reducers, both runs see the same commit records, the same states,
the same ticks and the same listener calls, in the same order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tick_support import counter

from runtime import ReducerError, Runtime, read_query

index = st.integers(0, 2)
dispatch = st.tuples(st.just("dispatch"), index, st.sampled_from(["add", "setLabel", "setOther", "setCount"]),
                     st.integers(0, 4))
low = st.tuples(st.just("low"), index, st.integers(0, 4))
fail = st.tuples(st.just("fail"), index)
batch = st.tuples(st.just("batch"), st.lists(dispatch, min_size=1, max_size=3))
flush = st.tuples(st.just("flush"))
ops = st.lists(st.one_of(dispatch, dispatch, dispatch, low, fail, batch, flush), min_size=1, max_size=30)


def _boom(draft: Any, payload: Any) -> None:
    draft["count"] = -1
    raise ValueError("no")


def _step(rt: Runtime, insts: list[Any], op: tuple[Any, ...], log: list[Any]) -> None:
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
        log.append(("failed", insts[op[1]].get_state() is before))
    elif kind == "batch":
        with rt.batch():
            for inner in op[1]:
                _step(rt, insts, inner, log)
    else:
        rt.flush_now()


def _run(sequence: list[tuple[Any, ...]], solo: bool) -> list[Any]:
    """Everything a user of the runtime can see of `sequence`, in the order it was seen."""
    rt = Runtime(diagnostics="off")
    rt.scheduler.solo_ticks = solo
    modules = [counter(f"m{i}") for i in range(3)]
    for module in modules:
        module.reducer("boom")(_boom)
    insts = [rt.mount(m) for m in modules]
    log: list[Any] = []
    # m0 feeds m1 through a link (so m0's commits take the full tick whatever the switch says); m2 is plain.
    rt.links.declare("m0-m1", source=insts[0], read=lambda s: s["count"], reads=["count"], target=insts[1],
                     action="setOther")
    rt.add_commit_listener(lambda inst, r, s: log.append(
        ("commit", inst.instance_id, r.txn_id, r.origin.kind, r.origin.name, r.priority, r.dirty, r.base_dirty,
         r.link_id, r.op_seq, r.patch_count, s)))

    def on_m2(record: Any, state: Any) -> None:
        log.append(("subscriber", record.txn_id, state))
        if state["count"] % 3 == 1:
            insts[0].dispatch("add", 1)  # inside the window: queued behind it

    insts[2].subscribe(on_m2)
    facades = [rt.store.topic(i) for i in insts]
    facades.append(rt.store.select(insts[2], read_query(lambda s: s["label"], reads=["label"], selector_id="lab")))
    for facade in facades:
        def listener(f: Any = facade) -> None:
            snapshot = f.get_snapshot()  # None once disposed
            log.append(("topic", f.key, rt.store.tick_seq, f.version, snapshot))
            if f.key == facades[1].key and snapshot is not None and snapshot["other"] in (1, 2):
                insts[2].dispatch("setOther", snapshot["other"] + 5)  # a listener committing: the next tick chains

        facade.subscribe(listener)
    for op in sequence:
        _step(rt, insts, op, log)
        log.append(("step", rt.store.tick_seq, [(f.get_snapshot(), f.version) for f in facades],
                    rt.scheduler.has_work()))
    rt.flush_now()
    log.append(("end", rt.store.tick_seq, [i.get_state() for i in insts]))
    rt.dispose()
    return log


@settings(max_examples=80, deadline=None)
@given(ops)
def test_the_short_tick_and_the_full_tick_give_the_same_run(sequence: list[tuple[Any, ...]]) -> None:
    assert _run(sequence, solo=True) == _run(sequence, solo=False)


def test_a_lone_commit_is_published_with_its_derived_value_before_dispatch_returns() -> None:
    rt = Runtime(diagnostics="off")
    inst = rt.mount(counter("solo"))
    facade = rt.store.topic(inst)
    seen: list[tuple[int, int, int]] = []
    facade.subscribe(lambda: seen.append((rt.store.tick_seq, facade.version, facade.get_snapshot()["doubled"])))
    inst.dispatch("add", 3)
    inst.dispatch("add", 0)  # no change: no commit, no tick
    inst.dispatch("add", 1)
    assert seen == [(1, 1, 6), (2, 2, 8)]
    assert not rt.scheduler.has_work()
