"""A large state (at least SHARE_MIN top-level keys) is kept as a structurally shared root: each write makes a new
version in O(log n) instead of copying the root dict. What users see must not change: the state reads as a mapping
equal to the dict of the same items, in the same key order; committed states stay as they were; a failed
transaction leaves nothing behind; the runtime's own serialisations (events, traces, optimistic rollbacks) see the
same values as with a dict root."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_converge_property import build, graphs, writes

import runtime.base.draft as draft_module

from runtime import ConvergeConfig, Module, ReducerError, Runtime, computed
from runtime.actions import OptimisticLedger
from runtime.base.state_root import SHARE_MIN
from runtime.trace import TraceWriter, load_trace
from runtime.trace.format import SNAPSHOT_TYPE

KEYS = SHARE_MIN + 36


def big_module() -> Module:
    initial = {"a": 0, "b": 1, "total": 1, "user": {"name": "Ada", "tags": ["x"]},
               **{f"k{i}": i for i in range(KEYS)}}
    m = Module("big", initial, fields=[computed("total", deps=["a", "b"], derive=lambda a, b: a + b)])

    @m.reducer("set_a")
    def set_a(draft, value):
        draft["a"] = value

    @m.reducer("rename")
    def rename(draft, name):
        draft["user"]["name"] = name

    @m.reducer("add_key")
    def add_key(draft, key):
        draft[key] = "new"

    @m.reducer("drop_key")
    def drop_key(draft, key):
        del draft[key]

    @m.reducer("fail_after_write")
    def fail_after_write(draft, value):
        draft["a"] = value
        draft["user"]["name"] = "half"
        raise ValueError("boom")

    @m.reducer("spread")
    def spread(draft, value):
        return {**draft, "b": value}

    return m


def plain(state: Mapping) -> dict:
    return {k: state[k] for k in state}


def test_a_large_state_reads_as_the_dict_of_its_items_and_keeps_its_key_order():
    inst = Runtime(diagnostics="off").mount(big_module())
    inst.dispatch("set_a", 5)
    inst.dispatch("add_key", "zz")
    state = inst.get_state()
    expected = {"a": 5, "b": 1, "total": 6, "user": {"name": "Ada", "tags": ["x"]},
                **{f"k{i}": i for i in range(KEYS)}, "zz": "new"}
    assert isinstance(state, Mapping)
    assert state == expected and expected == state and state != {**expected, "zz": "other"}
    assert list(state) == list(expected) and list(state.items()) == list(expected.items())
    assert dict(state) == expected and len(state) == len(expected)
    assert state["total"] == 6 and state.get("missing", "d") == "d" and "zz" in state and "nope" not in state
    inst.dispatch("drop_key", "k0")
    assert "k0" not in inst.get_state() and list(inst.get_state())[:5] == ["a", "b", "total", "user", "k1"]


def test_committed_large_states_are_never_changed_by_later_writes():
    inst = Runtime(diagnostics="off").mount(big_module())
    first = inst.get_state()
    first_copy = plain(first)
    inst.dispatch("set_a", 7)
    inst.dispatch("rename", "Bo")
    assert plain(first) == first_copy and first["user"] == {"name": "Ada", "tags": ["x"]}
    after = inst.get_state()
    assert after["a"] == 7 and after["total"] == 8 and after["user"]["name"] == "Bo"
    assert after["user"]["tags"] is first["user"]["tags"]  # untouched subtrees are shared, not copied


def test_a_failed_transaction_on_a_large_state_leaves_nothing_behind():
    inst = Runtime(diagnostics="off").mount(big_module())
    inst.dispatch("set_a", 2)
    before = inst.get_state()
    with pytest.raises(ReducerError):
        inst.dispatch("fail_after_write", 9)
    assert inst.get_state() is before and before["a"] == 2 and before["user"]["name"] == "Ada"


def test_a_reducer_may_return_a_spread_of_a_large_draft():
    inst = Runtime(diagnostics="off").mount(big_module())
    record = inst.dispatch("spread", 4)
    assert record is not None and inst.get_state()["b"] == 4 and inst.get_state()["total"] == 4
    assert len(inst.get_state()) == KEYS + 4


def test_events_and_trace_snapshots_show_a_large_state_as_json(tmp_path):
    rt = Runtime(diagnostics="full")
    with TraceWriter(tmp_path / "big.jsonl") as writer:
        writer.attach(rt.hub, runtime=rt)
        inst = rt.mount(big_module())
        inst.dispatch("set_a", 3)
    side = load_trace(tmp_path / "big.jsonl").side(SNAPSHOT_TYPE)
    snapshot = side.payload(len(side) - 1)["state"]
    assert snapshot == plain(inst.get_state()) and list(snapshot)[:4] == ["a", "b", "total", "user"]
    latest = rt.hub.snapshot().latest_states[f"{rt.label}::big::{inst.instance_id}"]
    assert latest["a"] == 3 and latest["total"] == 4


def test_an_optimistic_change_on_a_large_state_rolls_back_to_the_value_before_it():
    inst = Runtime(diagnostics="off").mount(big_module())
    ledger = OptimisticLedger(inst)

    def change(draft):
        draft["a"] = 10
        draft["user"]["name"] = "Opt"

    token = ledger.apply("save-1", change)
    assert inst.get_state()["total"] == 11 and inst.get_state()["user"]["name"] == "Opt"
    ledger.rollback([token.optimistic_id], "failure")
    assert inst.get_state()["a"] == 0 and inst.get_state()["total"] == 1 and inst.get_state()["user"]["name"] == "Ada"


@contextmanager
def share_from(keys: int) -> Iterator[None]:
    """Roots of at least `keys` keys are shared while inside (0: every root; a huge number: none, as before)."""
    saved = draft_module.SHARE_MIN
    draft_module.SHARE_MIN = keys
    try:
        yield
    finally:
        draft_module.SHARE_MIN = saved


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decls=graphs(), batches=st.lists(st.lists(writes, min_size=1, max_size=4), min_size=1, max_size=8),
       mode=st.sampled_from(["full", "dirty", "auto"]))
def test_a_shared_root_makes_the_same_states_dirty_sets_and_patches_as_a_dict_root(decls, batches, mode):
    module = build(decls)
    with share_from(10**9):
        as_dict = Runtime(converge=ConvergeConfig(mode=mode)).mount(module)
    with share_from(0):
        shared = Runtime(converge=ConvergeConfig(mode=mode)).mount(module)
    for batch in batches:
        with share_from(10**9):
            expected = as_dict.dispatch("write", batch)
        with share_from(0):
            got = shared.dispatch("write", batch)
        assert shared.get_state() == as_dict.get_state() and list(shared.get_state()) == list(as_dict.get_state())
        assert (got is None) == (expected is None)
        if got is not None and expected is not None:
            assert got.dirty == expected.dirty and got.patches == expected.patches
