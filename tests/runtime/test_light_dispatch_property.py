"""At diagnostics light a plain dispatch takes the fused path too (runtime.kernel.fast_dispatch, from
ModuleInstance.dispatch), its events held as one entry of the debug hub and built when read
(runtime.debug.dispatch_events). What a user sees is what the general way gives: on random sequences over the wide
module of test_dispatch_paths_property (every kind of write, failing and refused windows, a degrading derivation),
with subscribers that dispatch again, read the ring or record a diagnostic inside the window, a topic listener that
dispatches inside the tick, commit listeners and
window hooks coming and going, a tap attached for a while, a small ring that trims and reads in between, both runs
export the same events (time values aside) in the same order with the same eventSeqs and ids, and give the same
records, states, listener calls, ticks and hub views."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st
from dispatch_scene import batch_of, dispatch_of, flush, index, low, step
from test_dispatch_paths_property import WIDE_ACTIONS, _Messages, _wide
from tick_support import untimed

from runtime import Runtime

light_dispatch = dispatch_of(WIDE_ACTIONS)
light_ops = st.lists(st.one_of(light_dispatch, light_dispatch, light_dispatch, light_dispatch, light_dispatch, low,
                               batch_of(["add", "setLabel", "setOther", "setCount"]), flush,
                               st.tuples(st.just("listen"), index), st.tuples(st.just("hook"), index),
                               st.tuples(st.just("linked"), index, st.integers(0, 4)), st.tuples(st.just("read")),
                               st.tuples(st.just("tap"))),
                     min_size=1, max_size=30)


def _untimed_record(record: Any) -> tuple[Any, ...]:
    """A commit record as a user reads it, its clock readings (and those of its converge decision) left out."""
    converge = record.converge
    if converge is not None:
        converge = dataclasses.replace(converge, execution_ms=0.0, decision_ms=0.0, ir_build_ms=0.0)
    return (record.module_id, record.instance_id, record.txn_seq, record.txn_id, record.origin, record.commit_mode,
            record.priority, record.dirty, record.base_dirty, record.patch_count, record.patches,
            record.patches_truncated, record.static_ir_digest, record.link_id, converge, record.before,
            record.after, record.op_seq, record.dirty_plan)


def _events(rt: Runtime) -> list[bytes]:
    return [orjson.dumps(untimed(e)) for e in rt.hub.events()]


def _run(sequence: list[tuple[Any, ...]], fused: bool, buffer_size: int) -> list[Any]:
    """Everything a user sees of `sequence` at light: commits, errors, diagnostics, ticks, the ring and its views."""
    rt = Runtime(diagnostics="light", buffer_size=buffer_size)
    rt.kernel.set_fused_windows(fused)
    insts = [rt.mount(_wide(f"w{i}")) for i in range(3)]
    log: list[Any] = []
    messages = _Messages()
    logging.getLogger("tickscope").addHandler(messages)
    removers: dict[tuple[str, int], Any] = {}
    for inst in insts:
        inst.subscribe(lambda r, s, inst=inst: log.append(("subscriber", inst.instance_id, _untimed_record(r), s)))
    insts[2].subscribe(lambda r, s: insts[0].dispatch("add", 1) if s["count"] % 3 == 1 else None)
    # inside the window: a reader of the ring, and a diagnostic recorded between the dispatch's events
    insts[1].subscribe(lambda r, s: log.append(("read", _events(rt))) if s["count"] % 4 == 2 else None)
    insts[0].subscribe(lambda r, s: rt.sink.diagnostic(module_id="w0", instance_id=insts[0].instance_id,
                                                       code="test::note", severity="info", message="seen")
                       if s["other"] == 2 else None)
    facades = [rt.store.topic(i) for i in insts]
    for facade in facades:
        facade.subscribe(lambda f=facade: log.append(("topic", f.key, rt.store.tick_seq, f.version,
                                                      f.get_snapshot())))
    # inside the tick: a dispatch of its own (a fused window of its own, whose events come between the tick's two)
    facades[2].subscribe(lambda: insts[1].dispatch("add", 1)
                         if insts[2].get_state()["count"] % 5 == 3 and not insts[1].disposed else None)
    tapped: list[bytes] = []
    try:
        for op in sequence:
            kind = op[0]
            try:
                if kind in ("listen", "hook"):
                    key = (kind, op[1])
                    if key in removers:
                        removers.pop(key)()
                    elif kind == "listen":
                        removers[key] = rt.add_commit_listener(
                            lambda inst, r, s: log.append(("commit", inst.instance_id, _untimed_record(r))))
                    else:
                        removers[key] = insts[op[1]].add_window_hook(lambda txn, draft, dirty: None, "hook")
                elif kind == "linked":
                    insts[op[1]].dispatch("add", op[2], link_id="run-1")
                elif kind == "read":
                    log.append(("ring", _events(rt), rt.hub.dropped))
                elif kind == "tap":
                    key = ("tap", 0)
                    if key in removers:
                        removers.pop(key)()
                    else:
                        removers[key] = rt.hub.tap(lambda kind, payload: tapped.append(orjson.dumps(untimed(payload)))
                                                   if kind == "debug:event" else None)
                else:
                    step(rt, insts, op, log)
            except Exception as exc:  # noqa: BLE001 - what each failure was is part of what a user sees
                log.append(("raised", type(exc).__name__, str(exc), getattr(exc, "txn_id", None),
                            [i.get_state() for i in insts]))
            log.append(("step", rt.store.tick_seq, [(f.get_snapshot(), f.version) for f in facades],
                        [i.txn_seq for i in insts], [i.next_op_seq() for i in insts]))
        rt.flush_now()
    finally:
        logging.getLogger("tickscope").removeHandler(messages)
    snapshot = rt.hub.snapshot()
    log.append(("end", rt.store.tick_seq, [i.get_state() for i in insts], messages.seen, tapped,
                [orjson.dumps(untimed(e)) for e in snapshot.events], untimed(snapshot.latest_states),
                snapshot.export_budget, snapshot.token, [[_untimed_record(r) for r in i.history] for i in insts]))
    rt.dispose()
    return log


@settings(max_examples=100, deadline=None)
@given(light_ops, st.sampled_from([5000, 7]))
@example([("dispatch", 0, "both", 1), ("dispatch", 0, "both", 2)], 5000)  # inverse fails: degraded
@example([("dispatch", 1, "setLabel", 4), ("dispatch", 1, "replace", 2)], 5000)  # echo returns an awaitable
@example([("dispatch", 0, "setOther", v) for v in (1, 2, 4, 0, 3, 2)], 7)  # a kept kernel fails; a note; trims
@example([("dispatch", 2, "add", 1), ("read",), ("dispatch", 1, "add", 2), ("tap",), ("dispatch", 2, "add", 3),
          ("tap",), ("dispatch", 2, "add", 1)], 7)
def test_the_fused_dispatch_at_light_exports_what_the_general_way_exports(sequence: list[tuple[Any, ...]],
                                                                         buffer_size: int) -> None:
    assert _run(sequence, True, buffer_size) == _run(sequence, False, buffer_size)


def test_a_light_dispatch_leaves_one_entry_in_the_ring_and_takes_no_transaction() -> None:
    """The switch is real: at light a plain dispatch builds no Transaction and records its six events as one entry
    of the ring, built when read."""
    import runtime.kernel.transaction as transaction

    built: list[int] = []
    original = transaction.Transaction.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    rt = Runtime(diagnostics="light")
    inst = rt.mount(_wide("w"))
    inst.dispatch("setCount", 1)
    rt.hub.clear()
    token = rt.hub.token
    transaction.Transaction.__init__ = counting  # type: ignore[method-assign]
    try:
        inst.dispatch("setCount", 2)
    finally:
        transaction.Transaction.__init__ = original  # type: ignore[method-assign]
    assert built == []
    assert rt.hub.token == token + 6
    labels = [e["label"] for e in rt.hub.events()]
    assert labels == ["setCount", "trace:trait:converge", "trace:exec-vm", "state:update", "trace:tick",
                      "trace:tick"]
    assert rt.hub.snapshot().latest_states[f"{rt.label}::w::{inst.instance_id}"]["count"] == 2
    rt.dispose()
