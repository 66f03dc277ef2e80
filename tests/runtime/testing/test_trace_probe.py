"""The assertion helpers on real runtimes: each passes when it should and fails with the evidence when not."""

from __future__ import annotations

import asyncio

import pytest

from runtime import Module, Runtime, computed
from runtime.actions import ActionCoordinator, action
from runtime.testing import TearingWatch, TraceProbe


def shop() -> Module:
    m = Module("shop", initial={"name": "Ada", "items": [{"price": 2}], "total": 0, "email": ""},
               fields=[computed("total", deps=["items.price"], derive=lambda prices: sum(prices))])

    @m.reducer("add")
    def add(draft, price):
        draft["items"].append({"price": price})

    @m.reducer("rename")
    def rename(draft, name):
        draft["name"] = name

    return m


@pytest.fixture
def recorded():
    rt = Runtime(label="t", diagnostics="full")
    probe = TraceProbe()
    probe.record(rt)
    inst = rt.mount(shop())
    yield rt, inst, probe
    probe.close()
    rt.dispose()


def test_touched_and_not_touched_by_record_or_txn_id(recorded):
    rt, inst, probe = recorded
    added = inst.dispatch("add", 5)
    renamed = inst.dispatch("rename", "Grace")
    for txn in (added, added.txn_id):
        probe.assert_touched(txn, "items")
        probe.assert_touched(txn, "items.price")  # under a touched root
        probe.assert_touched(txn, "total")  # written by the derivation in the same transaction
        probe.assert_not_touched(txn, "name")
    with pytest.raises(AssertionError, match=r"shop#1::t3 did not touch 'items'; it touched \['name'\]"):
        probe.assert_touched(renamed, "items")
    with pytest.raises(AssertionError, match=r"shop#1::t2 touched 'total'"):
        probe.assert_not_touched(added.txn_id, "total")
    with pytest.raises(AssertionError, match="no state:update of shop#1::t99"):
        probe.assert_touched("shop#1::t99", "name")


def test_converge_mode(recorded):
    rt, inst, probe = recorded
    added = inst.dispatch("add", 1)
    # the module has one derived field, so any dirty set covers every step: the planner runs it in full (near_full)
    assert added.converge.reasons == ("near_full",)
    probe.assert_converge_mode(added, "full")
    probe.assert_converge_mode(added.txn_id, "full")  # read from the recorded trace:trait:converge event
    with pytest.raises(AssertionError, match=r"shop#1::t2 converged in mode 'full', not 'dirty'"):
        probe.assert_converge_mode(added, "dirty")
    with pytest.raises(AssertionError, match=r"shop#1::t2 converged in mode 'full', not 'dirty'"):
        probe.assert_converge_mode(added.txn_id, "dirty")


@pytest.mark.asyncio
async def test_runs_pending_then_settled(recorded):
    rt, inst, probe = recorded
    gate = asyncio.Event()

    async def save(ctx, payload):
        await gate.wait()
        return payload

    actions = ActionCoordinator(inst)
    run = actions.trigger(action("save", save), {"id": 1})
    await asyncio.sleep(0)
    with pytest.raises(AssertionError, match=r"left pending: run shop#1::o\d+ \(save: pending\)"):
        probe.assert_no_pending()
    with pytest.raises(AssertionError, match="still pending"):
        probe.assert_run_settled("save")
    gate.set()
    await run.settled()
    probe.assert_no_pending()
    assert probe.assert_run_settled("save", "success")["status"] == "success"
    with pytest.raises(AssertionError, match="settled 'success', not 'failure'"):
        probe.assert_run_settled("save", "failure")
    with pytest.raises(AssertionError, match="no run of action 'load'"):
        probe.assert_run_settled("load")


def test_a_runtime_with_diagnostics_off_is_refused_with_the_reason():
    rt = Runtime(label="quiet")
    with pytest.raises(ValueError, match="diagnostics off and exports nothing"):
        TraceProbe().record(rt)


class CommitFollower:
    """An external-store look-alike that publishes every commit at once instead of once per tick."""

    def __init__(self, inst) -> None:
        self.inst = inst

    def get_snapshot(self):
        return self.inst.get_state()

    @property
    def version(self) -> int:
        return self.inst.txn_seq

    def subscribe(self, listener):
        return self.inst.subscribe(lambda record, state: listener())


@pytest.mark.asyncio
async def test_tearing_watch_sees_consistent_ticks_and_catches_a_torn_read():
    rt = Runtime(label="t", diagnostics="light")
    a, b = rt.mount(shop(), "a"), rt.mount(shop(), "b")
    watch = TearingWatch(rt)
    for i in range(5):
        a.dispatch("add", i)
        b.dispatch("rename", f"n{i}")
        await asyncio.sleep(0)
    rt.flush_now()  # every tick run and every listener told
    watch.assert_no_tearing()
    assert watch.notifications >= 2

    # a source that is not tick-aligned (it follows each commit of the instance directly) tears: two commits in one
    # tick give two different views at the same tick_seq
    naive = CommitFollower(a)
    torn = TearingWatch(rt, [rt.store.topic(a), naive])
    a.dispatch("add", 1)
    a.dispatch("add", 2)
    with pytest.raises(AssertionError, match=f"torn reads: tick {rt.store.tick_seq}"):
        torn.assert_no_tearing()
    torn.close()
    watch.close()
    rt.dispose()
