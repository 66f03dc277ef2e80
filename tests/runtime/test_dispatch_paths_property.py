"""The short tick of a lone commit (TickScheduler.solo_ticks) and the full tick give the same run: on random
dispatch sequences, with subscribers that dispatch again, topic listeners that chain ticks, a link, a selector
topic, low-priority commits, batches and failing reducers, both runs see the same commit records, the same states,
the same ticks and the same listener calls, in the same order."""

from __future__ import annotations

import logging
import re
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from dispatch_scene import batch_of, dispatch_of, flush, index, low, mount_scene, ops_of, step
from tick_support import counter

from runtime import ConvergeConfig, Module, Runtime, computed

ops = ops_of(["add", "setLabel", "setOther", "setCount"], max_size=30)


def _run(sequence: list[tuple[Any, ...]], solo: bool) -> list[Any]:
    """Everything a user of the runtime can see of `sequence`, in the order it was seen."""
    rt = Runtime(diagnostics="off")
    rt.scheduler.solo_ticks = solo
    log: list[Any] = []
    insts, facades = mount_scene(rt, log)
    rt.add_commit_listener(lambda inst, r, s: log.append(
        ("commit", inst.instance_id, r.txn_id, r.origin.kind, r.origin.name, r.priority, r.dirty, r.base_dirty,
         r.link_id, r.op_seq, r.patch_count, s)))
    for op in sequence:
        step(rt, insts, op, log)
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


# -- the fused dispatch (runtime.kernel.fast_dispatch) against the general way ----------------------------------------

def _raise(draft: Any, payload: Any) -> None:
    draft["label"] = "half"
    raise ValueError("no")


async def _later() -> None:
    """Never awaited: the reducer that returns it is refused."""


def _wide(module_id: str) -> Any:
    """Every kind of write a reducer makes: top-level, nested, list rows, a new key, no change, a replace (alone and
    after writes), an awaitable, a raise; a derivation that fails for one value (its writes are rolled back) and one
    that returns an awaitable for another (the window is refused)."""
    m = counter(module_id)
    m.initial.update({"nested": {"x": 0}, "items": [0, 0], "inverse": 0, "echo": ""})
    m.fields.append(computed("inverse", deps=["other"], derive=lambda o: 12 // (o - 3)))
    m.fields.append(computed("echo", deps=["label"], derive=lambda text: _later() if text == "l4" else text))
    reducers = {
        "nest": lambda d, v: d["nested"].__setitem__("x", v),
        "push": lambda d, v: d["items"].append(v),
        "row": lambda d, v: d["items"].__setitem__(0, v),
        "newKey": lambda d, v: d.__setitem__(f"k{v}", v),
        "same": lambda d, v: d.__setitem__("count", d["count"]),
        "replace": lambda d, v: {**d, "count": v},
        "writeThenReplace": lambda d, v: (d.__setitem__("label", f"w{v}"), {**d, "other": v})[1],
        "notAState": lambda d, v: 7,
        "async": lambda d, v: _later(),
        "raise": _raise,
        "both": lambda d, v: (d.__setitem__("count", v), d.__setitem__("other", v + 1))[0],
    }
    for name, reducer in reducers.items():
        m.reducer(name)(reducer)
    return m


WIDE_ACTIONS = ["add", "setLabel", "setOther", "setCount", "nest", "push", "row", "newKey", "same", "replace",
                "writeThenReplace", "notAState", "async", "raise", "both"]
wide_dispatch = dispatch_of(WIDE_ACTIONS)
wide_ops = st.lists(st.one_of(wide_dispatch, wide_dispatch, wide_dispatch, wide_dispatch, low,
                              batch_of(["add", "setLabel", "setOther", "setCount"]), flush,
                              st.tuples(st.just("listen"), index), st.tuples(st.just("hook"), index),
                              st.tuples(st.just("linked"), index, st.integers(0, 4))),
                    min_size=1, max_size=30)


def _view(record: Any) -> tuple[Any, ...]:
    """Everything of a commit record but its clock readings."""
    return (record.module_id, record.instance_id, record.txn_seq, record.txn_id, record.origin, record.commit_mode,
            record.priority, record.dirty, record.base_dirty, record.patch_count, record.patches,
            record.patches_truncated, record.static_ir_digest, record.link_id, record.converge, record.before,
            record.after, record.op_seq, record.dirty_plan)


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # A budget message names the time the run took: two runs of the same work differ there only.
        self.seen.append(re.sub(r"\(\d+(\.\d+)? ms\)", "(… ms)", record.getMessage()))


def _run_wide(sequence: list[tuple[Any, ...]], fused: bool) -> list[Any]:
    """What a user sees of `sequence` on three instances of the wide module: commits, errors, diagnostics, ticks."""
    rt = Runtime(diagnostics="off")
    rt.kernel.set_fused_windows(fused)
    insts = [rt.mount(_wide(f"w{i}")) for i in range(3)]
    log: list[Any] = []
    messages = _Messages()
    logging.getLogger("tickscope").addHandler(messages)
    removers: dict[tuple[str, int], Any] = {}
    for inst in insts:
        inst.subscribe(lambda r, s, inst=inst: log.append(("subscriber", inst.instance_id, _view(r), s)))
    insts[2].subscribe(lambda r, s: insts[0].dispatch("add", 1) if s["count"] % 3 == 1 else None)
    facades = [rt.store.topic(i) for i in insts]
    for facade in facades:
        facade.subscribe(lambda f=facade: log.append(("topic", f.key, rt.store.tick_seq, f.version,
                                                      f.get_snapshot())))
    try:
        for op in sequence:
            kind = op[0]
            try:
                if kind in ("listen", "hook"):
                    key = (kind, op[1])
                    if key in removers:
                        removers.pop(key)()
                    elif kind == "listen":  # another commit listener: no short tick while it listens
                        removers[key] = rt.add_commit_listener(
                            lambda inst, r, s: log.append(("commit", inst.instance_id, _view(r))))
                    else:  # a window hook: its instance takes the general way while it is there
                        removers[key] = insts[op[1]].add_window_hook(lambda txn, draft, dirty: None, "hook")
                elif kind == "linked":
                    insts[op[1]].dispatch("add", op[2], link_id="run-1")
                else:
                    step(rt, insts, op, log)
            except Exception as exc:  # noqa: BLE001 - what each failure was is part of what a user sees
                log.append(("raised", type(exc).__name__, str(exc), getattr(exc, "txn_id", None),
                            getattr(exc, "module_id", None), getattr(exc, "instance_id", None),
                            [i.get_state() for i in insts]))
            log.append(("step", rt.store.tick_seq, [(f.get_snapshot(), f.version) for f in facades],
                        rt.scheduler.has_work(), [i.txn_seq for i in insts], [i.next_op_seq() for i in insts]))
        rt.flush_now()
    finally:
        logging.getLogger("tickscope").removeHandler(messages)
    log.append(("end", rt.store.tick_seq, [i.get_state() for i in insts], messages.seen))
    rt.dispose()
    return log


@settings(max_examples=120, deadline=None)
@given(wide_ops)
@example([("dispatch", 0, "both", 1), ("dispatch", 0, "both", 2)])  # doubled written, then inverse fails: rolled back
@example([("dispatch", 1, "setLabel", 4), ("dispatch", 1, "replace", 2)])  # echo returns an awaitable
@example([("dispatch", 0, "setOther", v) for v in (1, 2, 4, 0, 3, 2)])  # inverse fails in the plan's kept kernel
def test_the_fused_dispatch_and_the_general_way_give_the_same_run(sequence: list[tuple[Any, ...]]) -> None:
    assert _run_wide(sequence, fused=True) == _run_wide(sequence, fused=False)


def test_the_fused_dispatch_runs_where_it_may() -> None:
    """The switch is real: with it on, a plain dispatch never builds a Transaction (with it off, each does)."""
    import runtime.kernel.transaction as transaction

    built: list[int] = []
    original = transaction.Transaction.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    for fused, expected in ((True, 0), (False, 3)):
        rt = Runtime(diagnostics="off")
        rt.kernel.set_fused_windows(fused)
        inst = rt.mount(_wide("w"))
        built.clear()
        transaction.Transaction.__init__ = counting  # type: ignore[method-assign]
        try:
            for value in (1, 2, 3):
                inst.dispatch("setCount", value)
        finally:
            transaction.Transaction.__init__ = original  # type: ignore[method-assign]
        assert len(built) == expected
        assert inst.get_state()["doubled"] == 6
        rt.dispose()


def _late_run(fused: bool) -> list[Any]:
    """Forty derivations past a budget that runs out at the first check (after 32 steps), dispatched until the
    plan's kernel is kept and run straight by the fused path: every window degrades and keeps its base writes."""
    m = Module("late", {**{f"b{i}": 0 for i in range(40)}, **{f"d{i}": 1 for i in range(40)}},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1) for i in range(40)])

    @m.reducer("bump")
    def bump(draft: Any, by: int) -> None:
        for i in range(40):
            draft[f"b{i}"] += by

    rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode="full", budget_ms=0.001))
    rt.kernel.set_fused_windows(fused)
    inst = rt.mount(m)
    messages = _Messages()
    logging.getLogger("tickscope").addHandler(messages)
    try:
        seen = [(_view(inst.dispatch("bump", 1)), dict(inst.get_state()), inst.next_op_seq()) for _ in range(4)]
    finally:
        logging.getLogger("tickscope").removeHandler(messages)
    rt.dispose()
    return [seen, messages.seen]


def test_a_kept_kernel_past_its_budget_degrades_on_the_fused_path_as_on_the_general_way() -> None:
    fused = _late_run(fused=True)
    assert fused == _late_run(fused=False)
    states = [state for _, state, _ in fused[0]]
    assert [state["b0"] for state in states] == [1, 2, 3, 4]  # the base writes stand
    assert all(state[f"d{i}"] == 1 for state in states for i in range(40))  # the derived ones were taken back
