"""The kernel as a user of the runtime meets it: what a failing listener reports, what queues behind an open window,
when settle listeners run, unsubscribing, the mounted instances, the bounded history, and the commit record's own
fields (its time, priority, link, patches and errors), each pinned to the value a user reads."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import warnings

import pytest

from instance_support import diagnostics

from runtime import AsyncEscapeError, DefinitionError, Module, ReducerError, Runtime, computed
from runtime.actions import ActionCoordinator, action


def shop() -> Module:
    m = Module("shop", initial={"name": "Ada", "items": [{"price": 2}], "total": 2},
               fields=[computed("total", deps=["items.price"], derive=lambda prices: sum(prices))])

    @m.reducer("rename")
    def rename(draft, name):
        draft["name"] = name

    @m.reducer("add")
    def add(draft, price):
        draft["items"].append({"price": price})

    @m.reducer("boom")
    def boom(draft, _):
        draft["name"] = "half-written"
        raise ValueError("bad payload")

    return m


def test_a_raising_commit_listener_is_reported_on_its_commit_and_the_next_listener_still_hears_it():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    heard = []

    def broken(instance, record, state):
        raise ValueError("listener bug")

    rt.add_commit_listener(broken)
    rt.add_commit_listener(lambda instance, record, state: heard.append((instance, record, state)))
    record = inst.dispatch("rename", "Zed")
    assert heard == [(inst, record, inst.get_state())]
    assert inst.get_state()["name"] == "Zed"  # the commit stands
    (report,) = diagnostics(rt, "commit_listener::threw")
    assert (report["moduleId"], report["instanceId"], report["txnSeq"], report["txnId"]) == (
        "shop", "shop#1", record.txn_seq, record.txn_id)
    assert report["meta"]["severity"] == "error"
    assert report["meta"]["message"] == f"commit listener {broken!r} raised ValueError: listener bug"
    assert report["errorSummary"]["name"] == "ValueError" and report["errorSummary"]["message"] == "listener bug"


def test_an_entry_point_called_inside_a_window_is_reported_queued_and_runs_before_the_runtime_settles():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    seen: list[object] = []

    def on_commit(record, state):
        seen.append((state["total"], rt.in_transaction))
        if state["total"] == 2:
            assert inst.dispatch("add", 5) is None  # queued behind this window
            seen.append("queued")

    inst.subscribe(on_commit)
    rt.add_settle_listener(lambda: seen.append(("settled", rt.in_transaction, inst.get_state()["total"])))
    inst.dispatch("rename", "Zed")
    assert seen == [(2, True), "queued", (7, True), ("settled", False, 7)]  # one settle, after the queue
    (report,) = diagnostics(rt, "state_transaction::enqueue_in_transaction")
    assert (report["moduleId"], report["instanceId"]) == ("shop", "shop#1")
    assert report["meta"]["severity"] == "info"
    assert report["meta"]["message"] == "action add queued behind the open transaction"
    assert not rt.in_transaction


def test_a_raising_settle_listener_is_logged_by_name_and_the_others_still_run(caplog):
    rt = Runtime()
    inst = rt.mount(shop())
    settled = []

    def broken():
        raise RuntimeError("settle bug")

    rt.add_settle_listener(broken)
    rt.add_settle_listener(lambda: settled.append(inst.get_state()["name"]))
    with caplog.at_level(logging.ERROR, logger="tickscope"):
        inst.dispatch("rename", "Zed")
    assert settled == ["Zed"]
    (logged,) = [r for r in caplog.records if "settle listener" in r.getMessage()]
    assert logged.getMessage() == f"settle listener {broken!r} raised" and logged.exc_info[0] is RuntimeError


def test_removed_listeners_hear_nothing_more_and_removing_twice_is_harmless():
    rt = Runtime()
    inst = rt.mount(shop())
    commits, settles = [], []
    off_commit = rt.add_commit_listener(lambda instance, record, state: commits.append(state["name"]))
    off_settle = rt.add_settle_listener(lambda: settles.append(inst.get_state()["name"]))
    inst.dispatch("rename", "B")
    off_commit()
    off_settle()
    off_commit()
    off_settle()
    inst.dispatch("rename", "C")
    assert commits == ["B"] and settles == ["B"]
    assert inst.get_state()["name"] == "C"


def test_mounted_instances_are_found_by_id_until_unmounted_and_an_unknown_id_is_named():
    rt = Runtime(label="shopfront")
    first = rt.mount(shop())
    second = rt.mount(shop())
    assert rt.instance("shop#1") is first and rt.instance("shop#2") is second
    assert rt.instances() == [first, second]
    with pytest.raises(DefinitionError, match=r"instance id 'shop#1' is already mounted in runtime 'shopfront'"):
        rt.mount(shop(), "shop#1")
    other = Runtime(label="elsewhere").mount(shop(), "shop#1")
    rt.unmount(other)  # an instance of another runtime with the same id: ours stays, and so does that one
    assert rt.instance("shop#1") is first and not other.disposed
    rt.unmount(first)
    rt.unmount(first)  # twice: nothing more happens
    assert rt.instances() == [second]
    with pytest.raises(KeyError, match=r"no instance 'shop#1' in runtime 'shopfront'"):
        rt.instance("shop#1")


def test_the_history_keeps_the_newest_records_up_to_its_size():
    rt = Runtime(diagnostics="light", history_size=2)
    inst = rt.mount(shop())
    records = [inst.dispatch("rename", name) for name in ("A", "B", "C")]
    assert list(inst.history) == records[1:]


@pytest.mark.asyncio
async def test_a_run_in_flight_is_pending_in_the_runtime_until_it_settles():
    rt = Runtime()
    inst = rt.mount(shop())
    gate = asyncio.Event()

    async def wait_for_gate(ctx, payload):
        await gate.wait()
        return payload

    run = ActionCoordinator(inst).trigger(action("save", wait_for_gate), 1)
    await asyncio.sleep(0)  # the run starts
    assert [(e.kind, e.owner, e.key) for e in rt.pending.entries()] == [("run", "save", run.link_id)]
    gate.set()
    await run.settled()
    assert rt.pending.entries() == ()


def test_the_record_carries_its_link_its_start_and_a_duration_spanning_the_reducer():
    rt = Runtime(diagnostics="light")
    m = shop()
    spent = []

    @m.reducer("slow")
    def slow(draft, name):
        t0 = time.perf_counter()
        draft["name"] = name
        time.sleep(0.002)  # a reducer doing some work: the window's duration spans it
        spent.append((time.perf_counter() - t0) * 1000.0)

    inst = rt.mount(m)
    before = rt.clock.now_ms()
    t0 = time.perf_counter()
    record = inst.dispatch("slow", "Zed", link_id="shop#1::o7")
    outside_ms = (time.perf_counter() - t0) * 1000.0
    after = rt.clock.now_ms()
    assert before <= record.started_at <= after
    assert spent[0] <= record.duration_ms <= outside_ms
    assert record.link_id == "shop#1::o7" and record.priority == "normal" and record.commit_mode == "normal"
    assert (record.module_id, record.instance_id) == ("shop", "shop#1")
    assert record.static_ir_digest == inst.static_ir_export()["staticIrDigest"]
    assert record.before is None and record.after is None  # the states are kept at full diagnostics only
    assert record.converge.outcome == "Noop" and record.patches == () and record.patches_truncated is False


def test_at_full_diagnostics_each_write_is_a_patch_naming_who_wrote_it():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(shop())
    record = inst.dispatch("add", 5)
    base, derived = record.patches
    assert (base.op_seq, base.path, base.reason, base.step_id, base.node, base.after) == (
        1, ("items", 1), "reducer", None, None, {"price": 5})
    assert base.path_id is not None
    assert (derived.op_seq, derived.path, derived.reason, derived.node, derived.before, derived.after) == (
        2, ("total",), "trait-computed", "computed:total", 2, 7)
    assert derived.step_id == 0 and derived.path_id is not None and derived.path_id != base.path_id
    assert derived.op != base.op == record.op_seq  # the step's execution has an opSeq of its own
    assert record.patches_truncated is False
    assert record.before["total"] == 2 and record.after is inst.get_state()
    renamed = inst.dispatch("rename", "Zed")
    (patch,) = renamed.patches
    assert (patch.path, patch.before, patch.after, patch.reason, patch.step_id) == (("name",), "Ada", "Zed",
                                                                                    "reducer", None)


def test_a_reducer_error_names_the_action_the_instance_and_the_transaction():
    rt = Runtime()
    inst = rt.mount(shop())
    with pytest.raises(ReducerError) as caught:
        inst.dispatch("boom", 1)
    err = caught.value
    assert str(err) == "action 'boom' on shop#1 (shop#1::t2) raised ValueError: bad payload"
    assert (err.module_id, err.instance_id, err.txn_id) == ("shop", "shop#1", "shop#1::t2")
    assert inst.get_state()["name"] == "Ada"
    with pytest.raises(ReducerError) as refused:
        inst.set_state(["not", "a", "dict"])  # type: ignore[arg-type]
    assert str(refused.value) == ("setState on shop#1 (shop#1::t3) produced a state of type list; "
                                  "a module state is a dict")


def test_an_async_reducer_is_refused_by_name_and_its_coroutine_is_closed_not_left_unawaited():
    rt = Runtime()
    m = shop()

    @m.reducer("sneaky")
    async def sneaky(draft, _):
        draft["name"] = "never"

    inst = rt.mount(m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            inst.dispatch("sneaky")
        except AsyncEscapeError as err:
            message, where = str(err), (err.module_id, err.instance_id, err.txn_id)
        gc.collect()  # the error and its frames are gone: an unclosed coroutine would warn now
    assert message.startswith("action 'sneaky' on shop#1 (shop#1::t2) returned an awaitable")
    assert "write a pending transaction, do the I/O, then write the result in another transaction" in message
    assert where == ("shop", "shop#1", "shop#1::t2")
    assert not [w for w in caught if "never awaited" in str(w.message)]
    assert inst.get_state()["name"] == "Ada"


def test_a_module_without_derived_fields_records_no_converge_decision():
    rt = Runtime(diagnostics="light")
    m = Module("plain", {"n": 0})

    @m.reducer("inc")
    def inc(draft, by):
        draft["n"] += by

    record = rt.mount(m).dispatch("inc", 1)
    assert record.converge is None
    assert not [e for e in rt.hub.events() if e["label"] == "trace:trait:converge"]


def test_a_mount_whose_derived_values_already_hold_commits_nothing_but_reports_its_converge():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())  # total is already the sum of the prices
    assert inst.history == type(inst.history)() and inst.get_state()["total"] == 2
    (event,) = [e for e in rt.hub.events() if e["label"] == "trace:trait:converge"]
    assert (event["instanceId"], event["txnId"], event["meta"]["outcome"]) == ("shop#1", "shop#1::t1", "Noop")
