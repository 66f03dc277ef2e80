"""The transaction window's edges, pinned exactly: a reducer that returns a state (built from the draft, or not a
dict at all), what converge reports for a transaction (outcome, sampling, timing), and nothing half-applied."""

from __future__ import annotations

import orjson
import pytest

from runtime import Module, ReducerError, Runtime, computed


def shop() -> Module:
    m = Module("shop", initial={"name": "Ada", "items": [{"price": 2}], "total": 0, "meta": {"tags": ["a"]}},
               fields=[computed("total", deps=["items.price"], derive=lambda prices: sum(prices))])

    @m.reducer("add")
    def add(draft, price):
        draft["items"].append({"price": price})

    @m.reducer("rename")
    def rename(draft, name):
        draft["name"] = name

    return m


def test_a_reducer_may_return_a_new_state_spread_from_the_draft():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    inst.module.reducers["spread"] = lambda d, p: {**d, "name": p}
    inst.module.reducers["append"] = lambda d, p: {**d, "items": [*d["items"], {"price": p}],
                                                   "meta": {**d["meta"], "seen": True}}
    inst.dispatch("spread", "Zed")
    record = inst.dispatch("append", 9)
    state = inst.get_state()
    assert state == {"name": "Zed", "items": [{"price": 2}, {"price": 9}], "total": 11,
                     "meta": {"tags": ["a"], "seen": True}}
    orjson.dumps(state)  # plain values all the way down: no draft proxy was kept in the state
    assert record.converge.outcome == "Converged"
    inst.dispatch("add", 1)  # and the state goes on working as one
    assert inst.get_state()["total"] == 12 and inst.get_state()["items"][-1] == {"price": 1}


def test_a_reducer_returning_an_equal_copy_commits_nothing():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    before, history = inst.get_state(), len(inst.history)
    inst.module.reducers["same"] = lambda d, p: dict(d)
    assert inst.dispatch("same") is None
    assert inst.get_state() is before and len(inst.history) == history


@pytest.mark.parametrize(("returned", "type_name"), [([1, 2], "list"), ("state", "str"), (3, "int")])
def test_a_reducer_returning_something_that_is_no_state_is_refused_by_name(returned, type_name):
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    before = inst.get_state()
    inst.module.reducers["bad"] = lambda d, p: returned
    with pytest.raises(ReducerError) as err:
        inst.dispatch("bad")
    assert str(err.value) == (f"action 'bad' on shop#1 (shop#1::t2) produced a state of type {type_name}; "
                              "a module state is a dict")
    assert (err.value.txn_id, err.value.module_id, err.value.instance_id) == ("shop#1::t2", "shop", "shop#1")
    assert inst.get_state() == before


def test_converge_says_whether_a_derived_value_changed():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(shop())
    assert inst.dispatch("add", 3).converge.outcome == "Converged"  # total changed
    assert inst.dispatch("rename", "Q").converge.outcome == "Noop"  # it ran; nothing it derives changed


@pytest.mark.parametrize(("level", "sampled", "timed"), [
    ("light", [], False), ("full", [], True), ("sampled", [33], False)])
def test_converge_is_sampled_once_every_32_transactions_only_at_the_sampled_level(level, sampled, timed):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(shop())
    records = [inst.dispatch("add", 1) for _ in range(40)]
    assert [r.txn_seq for r in records if r.converge.sampled] == sampled  # (txnSeq - 1) % 32 == 0
    assert bool(records[0].converge.top3) is timed  # step timings only when timed (full, or a sampled one)
    if sampled:
        (one,) = [r for r in records if r.converge.sampled]
        assert one.converge.top3 and one.converge.sample_every_n == 32
