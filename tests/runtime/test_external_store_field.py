"""The external_store field: atomic init, signal-dirty coalescing, select/equals, priority, coalesce windows,
fusing on a throwing snapshot, and ownership."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import settle_tasks, wait_until
from tick_support import diagnostics

from runtime import (
    DefinitionError,
    ExternalOwnedWriteError,
    FieldConfigError,
    Module,
    Runtime,
    computed,
    external_store,
    from_callbacks,
    value_store,
)


def _view(store, **kw) -> Module:
    def set_note(draft, text):
        draft["note"] = text

    def set_value(draft, v):
        draft["value"] = v

    return Module("view", initial={"value": None, "note": "", "double": None},
                  reducers={"note": set_note, "value": set_value},
                  fields=[external_store("value", store, **kw),
                          computed("double", deps=["value"], derive=lambda v: None if v is None else v * 2)])


def test_mount_reads_the_store_and_derived_fields_follow_in_the_same_commit() -> None:
    store = value_store(3)
    rt = Runtime()
    inst = rt.mount(_view(store))
    assert rt.store.topic(inst).get_snapshot() == {"value": 3, "note": "", "double": 6}
    store.set(5)
    assert rt.store.topic(inst).get_snapshot() == {"value": 5, "note": "", "double": 10}


def test_init_subscribes_before_reading_so_a_change_in_between_is_not_lost() -> None:
    value = {"v": 1}
    listeners = []

    def subscribe(cb):
        listeners.append(cb)
        value["v"] = 2  # the source changes right after the subscription is in place ...
        cb()  # ... and says so
        return lambda: listeners.remove(cb)

    rt = Runtime()
    inst = rt.mount(_view(from_callbacks(lambda: value["v"], subscribe)))
    assert inst.get_state()["value"] == 2 and rt.store.topic(inst).get_snapshot()["value"] == 2


@pytest.mark.asyncio
async def test_a_burst_of_emits_becomes_one_commit_of_the_latest_value() -> None:
    store = value_store(0)
    rt = Runtime(diagnostics="light")
    inst = rt.mount(_view(store))
    seq = inst.txn_seq
    for n in range(1, 101):
        store.set(n)
    await asyncio.sleep(0)
    assert inst.txn_seq == seq + 1
    assert rt.store.topic(inst).get_snapshot()["value"] == 100
    (record,) = [r for r in inst.history if r.txn_seq == seq + 1]
    assert (record.origin.kind, record.origin.name) == ("field-external-store", "value")


def test_without_a_loop_a_batch_also_coalesces_emits() -> None:
    store = value_store(0)
    rt = Runtime()
    inst = rt.mount(_view(store))
    seq = inst.txn_seq
    with rt.batch():
        for n in range(1, 101):
            store.set(n)
    assert inst.txn_seq == seq + 1 and inst.get_state()["value"] == 100


def test_select_and_equals_decide_what_is_written() -> None:
    store = value_store({"x": 1, "noise": 0})
    rt = Runtime()
    inst = rt.mount(_view(store, select=lambda s: s["x"], equals=lambda a, b: a == b))
    seq = inst.txn_seq
    store.set({"x": 1, "noise": 1})  # same selected value: no commit
    assert inst.txn_seq == seq
    store.set({"x": 2, "noise": 1})
    assert inst.txn_seq == seq + 1 and inst.get_state()["value"] == 2


def test_non_urgent_fields_commit_with_low_priority() -> None:
    store = value_store(0)
    rt = Runtime(diagnostics="light")
    inst = rt.mount(_view(store, priority="nonUrgent"))
    store.set(1)
    record = inst.history[-1]
    assert (record.priority, record.commit_mode) == ("low", "lowPriority")


@pytest.mark.asyncio
async def test_a_coalesce_window_commits_only_the_latest_value_when_it_closes() -> None:
    store = value_store(0)
    rt = Runtime()
    inst = rt.mount(_view(store, coalesce_window_ms=30))
    seq = inst.txn_seq
    for n in (1, 2, 3):
        store.set(n)
        await asyncio.sleep(0)
    assert inst.txn_seq == seq and rt.store.topic(inst).get_snapshot()["value"] == 0
    await wait_until(lambda: inst.txn_seq > seq, what="the window to close")  # its timer commits, unprompted
    await asyncio.sleep(0)  # and the tick after that commit
    assert inst.txn_seq == seq + 1 and rt.store.topic(inst).get_snapshot()["value"] == 3
    assert rt.external_fields.pending_windows() == 0


@pytest.mark.asyncio
async def test_an_urgent_write_carries_a_pending_coalesced_value_along() -> None:
    store = value_store(0)
    rt = Runtime()
    inst = rt.mount(_view(store, coalesce_window_ms=1000))
    store.set(7)
    inst.dispatch("note", "now")
    await asyncio.sleep(0)
    assert rt.store.topic(inst).get_snapshot()["value"] == 7  # in the note's tick, long before the window closes
    assert rt.store.tick_seq == 2  # tick 1 was the mount


@pytest.mark.asyncio
async def test_unmount_cancels_a_pending_coalesce_window() -> None:
    store = value_store(0)
    rt = Runtime()
    inst = rt.mount(_view(store, coalesce_window_ms=20))
    store.set(1)
    seq = inst.txn_seq
    rt.unmount(inst)
    assert rt.external_fields.pending_windows() == 0  # the window is gone, not merely not closed yet
    await settle_tasks()
    assert inst.txn_seq == seq and inst.get_state()["value"] == 0


def test_get_snapshot_is_never_called_inside_a_transaction_window() -> None:
    rt = Runtime()
    reads_inside = []
    holder = value_store(0)

    def get_snapshot():
        reads_inside.append(rt.in_transaction)
        return holder.get_snapshot()

    store = from_callbacks(get_snapshot, holder.subscribe)
    module = _view(store)
    module.reducers["emitFromReducer"] = lambda draft, v: holder.set(v)  # a reducer poking the source
    inst = rt.mount(module)
    inst.dispatch("emitFromReducer", 9)
    assert inst.get_state()["value"] == 9
    assert reads_inside and not any(reads_inside)


def test_a_snapshot_that_raises_fuses_the_field_with_a_diagnostic() -> None:
    state = {"fail": False, "v": 1}
    holder = value_store(0)

    def get_snapshot():
        if state["fail"]:
            raise OSError("source gone")
        return state["v"]

    rt = Runtime(diagnostics="light")
    inst = rt.mount(_view(from_callbacks(get_snapshot, holder.subscribe)))
    state["fail"] = True
    holder.set(1)
    (report,) = diagnostics(rt, "external_store::snapshot_threw")
    assert report["errorSummary"]["name"] == "OSError" and "view#1.value" in report["meta"]["message"]
    state.update(fail=False, v=5)
    holder.set(2)  # fused: no longer synced
    assert inst.get_state()["value"] == 1
    assert holder.subscriber_count == 0  # it unsubscribed


def test_a_snapshot_that_raises_at_mount_leaves_the_instance_mounted_with_its_initial_value() -> None:
    def broken():
        raise KeyError("nope")

    rt = Runtime(diagnostics="light")
    inst = rt.mount(_view(from_callbacks(broken, lambda cb: (lambda: None))))
    assert inst.get_state()["value"] is None
    assert diagnostics(rt, "external_store::snapshot_threw")


def test_any_other_write_to_the_owned_field_raises_and_changes_nothing() -> None:
    store = value_store(4)
    rt = Runtime(diagnostics="light")
    inst = rt.mount(_view(store))
    before, seq = inst.get_state(), inst.txn_seq
    with pytest.raises(ExternalOwnedWriteError) as info:
        inst.dispatch("value", 99)
    assert info.value.path == "value" and info.value.owner == "field-external-store"
    assert inst.get_state() is before and rt.store.topic(inst).get_snapshot()["value"] == 4
    with pytest.raises(ExternalOwnedWriteError):
        inst.set_state({**before, "value": 1})
    inst.set_state({**before, "note": "kept"})  # a replace that leaves the field as it is is fine
    assert inst.get_state()["note"] == "kept" and inst.get_state()["value"] == 4
    assert inst.txn_seq == seq + 3  # two aborted windows and one commit
    assert diagnostics(rt, "external_store::owned_write")


def test_a_computed_and_an_external_store_on_one_field_are_multiple_writers() -> None:
    module = Module("clash", initial={"a": 1, "b": 0}, fields=[
        external_store("b", value_store(0)), computed("b", deps=["a"], derive=lambda a: a)])
    with pytest.raises(FieldConfigError) as info:
        Runtime().mount(module)
    assert info.value.code == "MULTIPLE_WRITERS"


def test_bad_declarations_are_refused_naming_the_field() -> None:
    with pytest.raises(DefinitionError, match="external_store x: 42 is not an ExternalStore"):
        external_store("x", 42)
    with pytest.raises(DefinitionError, match="priority"):
        external_store("x", value_store(0), priority="soon")
    with pytest.raises(DefinitionError, match="coalesce_window_ms"):
        external_store("x", value_store(0), coalesce_window_ms=-1)
