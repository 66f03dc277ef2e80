"""Transaction windows as a user of the runtime sees them: commits, aborts, batching, queuing, ids."""

from __future__ import annotations

import gc
import warnings

import pytest

from runtime import (
    AsyncEscapeError,
    Module,
    ReducerError,
    Runtime,
    TimeTravelUnavailable,
    UnknownActionError,
    computed,
)


def make_counter() -> Module:
    m = Module("counter", {"count": 0, "tags": [], "user": {"name": "ada", "age": 36}},
               fields=[computed("double", deps=["count"], derive=lambda c: c * 2)])

    @m.reducer("add")
    def add(draft, n):
        draft["count"] += n

    @m.reducer("rename")
    def rename(draft, name):
        draft["user"]["name"] = name

    @m.reducer("tag")
    def tag(draft, t):
        draft["tags"].append(t)

    @m.reducer("boom")
    def boom(draft, _):
        draft["count"] = 999
        raise ValueError("bad payload")

    @m.reducer("sneaky_async")
    async def sneaky_async(draft, _):
        draft["count"] = 5

    @m.reducer("same")
    def same(draft, _):
        draft["count"] = draft["count"]

    return m


def test_dispatch_commits_once_with_deterministic_ids():
    rt = Runtime()
    inst = rt.mount(make_counter())
    seen = []
    inst.subscribe(lambda record, state: seen.append((record.txn_id, state["count"], state["double"])))
    r1 = inst.dispatch("add", 2)
    r2 = inst.dispatch("add", 3)
    assert inst.get_state()["count"] == 5 and inst.get_state()["double"] == 10
    assert [s[0] for s in seen] == [r1.txn_id, r2.txn_id]
    assert r2.txn_id == f"counter#1::t{r2.txn_seq}" and r2.txn_seq == r1.txn_seq + 1
    assert seen[-1] == (r2.txn_id, 5, 10)
    assert r2.origin.kind == "action" and r2.origin.name == "add"


def test_no_change_means_no_commit():
    rt = Runtime()
    inst = rt.mount(make_counter())
    calls = []
    inst.subscribe(lambda record, state: calls.append(record))
    before = inst.get_state()
    assert inst.dispatch("same") is None
    assert inst.dispatch("add", 0) is None
    assert calls == [] and inst.get_state() is before


def test_reducer_error_aborts_and_leaves_state_untouched():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(make_counter())
    inst.dispatch("add", 1)
    before = inst.get_state()
    with pytest.raises(ReducerError, match="boom") as info:
        inst.dispatch("boom")
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.txn_id.startswith("counter#1::t")
    assert inst.get_state() is before and before["count"] == 1
    diag = [e for e in rt.hub.events() if e["kind"] == "diagnostic" and e["label"] == "reducer::threw"]
    assert diag and diag[-1]["errorSummary"]["message"] == "bad payload"
    record = inst.dispatch("add", 1)  # the next transaction works
    assert record is not None and record.txn_seq == int(info.value.txn_id.rsplit("::t", 1)[1]) + 1
    assert inst.get_state()["count"] == 2


def test_async_escape_fails_fast_and_next_transaction_works():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(make_counter())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an un-awaited coroutine would warn: the runtime must close it
        with pytest.raises(AsyncEscapeError) as info:
            inst.dispatch("sneaky_async")
        gc.collect()
    assert info.value.code == "state_transaction::async_escape"
    assert inst.get_state()["count"] == 0
    assert any(e["label"] == "state_transaction::async_escape" for e in rt.hub.events())
    inst.dispatch("add", 4)
    assert inst.get_state()["count"] == 4


def test_dispatch_batch_is_one_commit():
    rt = Runtime()
    inst = rt.mount(make_counter())
    commits = []
    inst.subscribe(lambda record, state: commits.append(record))
    record = inst.dispatch_batch([("add", 1), ("add", 2), ("rename", "grace")])
    assert len(commits) == 1 and record.commit_mode == "batch"
    assert inst.get_state()["count"] == 3 and inst.get_state()["user"]["name"] == "grace"


def test_unknown_action_names_the_known_ones():
    inst = Runtime().mount(make_counter())
    with pytest.raises(UnknownActionError, match="'nope'.*add"):
        inst.dispatch("nope")


def test_committed_states_are_never_mutated():
    inst = Runtime().mount(make_counter())
    s0 = inst.get_state()
    inst.dispatch("rename", "grace")
    inst.dispatch("tag", "x")
    s2 = inst.get_state()
    assert s0["user"]["name"] == "ada" and s0["tags"] == []
    assert s2["user"]["name"] == "grace" and s2["tags"] == ["x"]
    assert s2["user"] is not s0["user"]


def test_set_state_infers_dirty_paths_one_level_deep():
    rt = Runtime()
    inst = rt.mount(make_counter())
    reg = inst.shape.registry
    state = dict(inst.get_state())
    state["count"] = 7
    record = inst.set_state(state)
    assert not record.base_dirty.dirty_all
    assert [reg.paths[i] for i in record.base_dirty.root_ids] == [("count",)]
    assert inst.get_state()["double"] == 14  # derived fields follow a replace too


def test_replace_with_non_dict_state_is_refused():
    inst = Runtime().mount(make_counter())
    with pytest.raises(ReducerError, match="dict"):
        inst.set_state(["not", "a", "dict"])  # type: ignore[arg-type]


def test_entry_from_a_subscriber_is_queued_after_the_commit():
    rt = Runtime()
    inst = rt.mount(make_counter())
    order = []

    def on_commit(record, state):
        order.append(state["count"])
        if state["count"] == 1:
            assert inst.dispatch("add", 10) is None  # queued: runs right after this window
            order.append("queued")

    inst.subscribe(on_commit)
    inst.dispatch("add", 1)
    assert order == [1, "queued", 11]


def test_patches_are_bounded_at_full_diagnostics():
    m = Module("wide", {f"k{i}": 0 for i in range(300)})

    @m.reducer("all")
    def bump_all(draft, _):
        for i in range(300):
            draft[f"k{i}"] = 1

    rt = Runtime(diagnostics="full")
    record = rt.mount(m).dispatch("all")
    assert record.patch_count == 300 and len(record.patches) == 256 and record.patches_truncated
    event = [e for e in rt.hub.events() if e["label"] == "state:update"][-1]
    assert event["meta"]["patchesTruncatedReason"] == "max_patches"


def test_snapshots_and_time_travel_at_full():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(make_counter())
    r1 = inst.dispatch("add", 1)
    inst.dispatch("add", 1)
    assert inst.get_state()["count"] == 2
    back = inst.apply_transaction_snapshot(r1.txn_id, "before")
    assert inst.get_state()["count"] == 0 and inst.get_state()["double"] == 0
    assert back.origin.kind == "devtools" and back.origin.details == {"baseTxnId": r1.txn_id, "mode": "before"}
    inst.apply_transaction_snapshot(r1.txn_id, "after")
    assert inst.get_state()["count"] == 1


def test_time_travel_without_snapshots_says_why():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(make_counter())
    r1 = inst.dispatch("add", 1)
    with pytest.raises(TimeTravelUnavailable, match="full"):
        inst.apply_transaction_snapshot(r1.txn_id, "before")


def test_two_instances_are_independent():
    rt = Runtime()
    m = make_counter()
    a, b = rt.mount(m), rt.mount(m)
    a.dispatch("add", 3)
    assert (a.instance_id, b.instance_id) == ("counter#1", "counter#2")
    assert a.get_state()["count"] == 3 and b.get_state()["count"] == 0
