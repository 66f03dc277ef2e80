"""Optimistic changes bound to action runs, settled by real backend operations (the loopback backend)."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import FAST, settle_tasks, wait_until, with_actions
from schema_check import schema_errors

from runtime import Module, Runtime
from runtime.actions import ActionCoordinator, OptimisticError, action
from runtime.operations import ManualClock, OperationTracker, Stage
from runtime.operations.http import HttpTransport
from runtime.trace import TraceWriter


def todos() -> Module:
    return Module("todos", initial={"items": [], "title": "", "runs": {}, "operations": {}})


async def setup(backend_server, *, clock=None):
    rt = Runtime(label="app", diagnostics="light", buffer_size=20_000)
    tracker = OperationTracker(rt, HttpTransport(backend_server.base_url), budget=FAST)
    inst = rt.mount(todos())
    return rt, tracker, inst, ActionCoordinator(inst, operations=tracker, clock=clock)


async def teardown(rt, tracker, actions) -> None:
    await actions.aclose()
    await tracker.aclose()
    rt.dispose()
    await settle_tasks()


def optimistic_events(rt: Runtime) -> list[dict]:
    events = [e for e in rt.hub.events() if e["kind"] == "state" and e["label"] == "optimistic"]
    for e in events:
        assert not schema_errors("debug-event", e), schema_errors("debug-event", e)
    return events


async def add_item(ctx, item):
    ctx.optimistic(lambda d: d["items"].append(dict(item)), name=f"add {item['id']}")
    receipt = await ctx.submit("todo.create", f"todo-{item['id']}", {"delta": 1}, wait_for=Stage.COMMITTED)
    return receipt.command_id


async def rename(ctx, title):
    ctx.optimistic(lambda d: d.__setitem__("title", title))
    await ctx.submit("title.save", "title", {"title": title}, wait_for=Stage.COMMITTED)


@pytest.mark.asyncio
async def test_the_change_shows_at_once_and_is_confirmed_when_the_operation_commits(backend, tmp_path, check_trace):
    rt, tracker, inst, actions = await setup(backend)
    writer = TraceWriter(tmp_path / "opt.jsonl", label="opt").attach(rt.hub)
    backend.faults.set(kind="todo.create", commit_delay_s=0.2)
    run = actions.trigger(action("add", add_item), {"id": 1, "title": "tea"})
    await wait_until(lambda: inst.get_state()["items"], what="the optimistic item")
    token = actions.optimistic.applied(run.link_id)[0]
    assert token.optimistic_id == f"{run.link_id}::p1" and token.status == "applied"
    assert tracker.get(run.run.command_ids[0]).stage is not Stage.COMMITTED  # shown before the backend committed
    final = await run.settled()
    assert final.status == "success" and inst.get_state()["items"] == [{"id": 1, "title": "tea"}]
    confirmed = actions.optimistic.get(token.optimistic_id)
    assert confirmed.status == "confirmed" and confirmed.reason == "success"
    apply_txn = next(r for r in inst.history if r.origin.kind == "optimistic")
    assert apply_txn.link_id == run.link_id and apply_txn.txn_seq in final.txn_seqs
    phases = [(e["meta"]["phase"], e["txnSeq"], e["linkId"]) for e in optimistic_events(rt)]
    assert phases == [("apply", apply_txn.txn_seq, run.link_id), ("confirm", apply_txn.txn_seq, run.link_id)]
    await teardown(rt, tracker, actions)
    writer.close()
    code, out = check_trace(tmp_path / "opt.jsonl", "state/optimistic", "action/async-action")
    assert code == 0, out


@pytest.mark.asyncio
async def test_a_save_that_fails_after_acceptance_rolls_the_change_back(backend, tmp_path, check_trace):
    rt, tracker, inst, actions = await setup(backend)
    writer = TraceWriter(tmp_path / "rollback.jsonl", label="rb").attach(rt.hub)
    backend.faults.set(kind="todo.create", fail_after_accept="conflict")
    run = actions.trigger(action("add", add_item), {"id": 7, "title": "bank"})
    final = await run.settled()
    assert final.status == "failure"
    assert inst.get_state()["items"] == []  # rolled back
    rollback = [r for r in inst.history if r.origin.kind == "optimistic"][-1]
    assert rollback.origin.name == f"rollback:{run.link_id}::p1" and rollback.link_id == run.link_id
    assert rollback.txn_seq in final.txn_seqs
    events = optimistic_events(rt)
    assert [e["meta"]["phase"] for e in events] == ["apply", "rollback"]
    assert events[-1]["meta"]["reason"] == "failure" and events[-1]["txnId"] == rollback.txn_id
    await teardown(rt, tracker, actions)
    writer.close()
    code, out = check_trace(tmp_path / "rollback.jsonl", "state/optimistic")
    assert code == 0, out


@pytest.mark.asyncio
async def test_an_operation_that_times_out_rolls_back(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.create", never_project=True)

    async def add_observed(ctx, item):
        ctx.optimistic(lambda d: d["items"].append(dict(item)))
        await ctx.submit("todo.create", f"todo-{item['id']}", {"delta": 1}, wait_for=Stage.OBSERVED)

    run = actions.trigger(action("add", add_observed), {"id": 3})
    final = await run.settled()
    assert final.status == "failure" and final.error_summary["code"] == "operation::timed_out"
    assert inst.get_state()["items"] == []
    assert actions.optimistic.get(f"{run.link_id}::p1").reason == "failure"
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_an_overridden_run_rolls_back_without_touching_the_newer_runs_value(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="title.save", commit_delay_s=0.3)

    defn = action("rename", rename, concurrency="latest-wins")
    first = actions.trigger(defn, "draft one")
    await wait_until(lambda: inst.get_state()["title"] == "draft one", what="the first optimistic title")
    second = actions.trigger(defn, "draft two")
    assert (first.run.status, first.run.cancel_reason) == ("cancelled", "override")
    await wait_until(lambda: inst.get_state()["title"] == "draft two", what="the second optimistic title")
    assert actions.optimistic.get(f"{first.link_id}::p1").reason == "override"
    assert inst.get_state()["title"] == "draft two"  # the older rollback left the newer value alone
    backend.faults.set(kind="title.save", fail_after_accept="conflict")
    assert (await second.settled()).status == "failure"
    assert inst.get_state()["title"] == ""  # back past both: the value before the first change
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_rollback_out_of_order_removes_only_its_own_row(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="todo.keep", commit_delay_s=0.2)
    backend.faults.set(kind="todo.lose", commit_delay_s=0.3, fail_after_accept="conflict")

    async def add_kind(ctx, item):
        ctx.optimistic(lambda d: d["items"].append({"id": item["id"], "title": item["title"]}))
        await ctx.submit(item["kind"], f"todo-{item['id']}", {"delta": 1}, wait_for=Stage.COMMITTED)

    defn = action("add", add_kind, concurrency="allow-concurrent")
    first = actions.trigger(defn, {"id": 1, "title": "a", "kind": "todo.keep"})
    await wait_until(lambda: len(inst.get_state()["items"]) == 1, what="the first row")
    second = actions.trigger(defn, {"id": 2, "title": "b", "kind": "todo.lose"})
    await wait_until(lambda: len(inst.get_state()["items"]) == 2, what="the second row")
    inst.transact(lambda d: d["items"][0].__setitem__("title", "A"), origin_kind="action", origin_name="edit")
    assert (await second.settled()).status == "failure"
    assert inst.get_state()["items"] == [{"id": 1, "title": "A"}]  # only row 2 went; the edit of row 1 stays
    assert (await first.settled()).status == "success"
    assert inst.get_state()["items"] == [{"id": 1, "title": "A"}]
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_a_newer_ordinary_write_wins_over_a_rollback(backend):
    rt, tracker, inst, actions = await setup(backend)
    backend.faults.set(kind="title.save", commit_delay_s=0.2, fail_after_accept="conflict")

    run = actions.trigger(action("rename", rename), "mine")
    await wait_until(lambda: inst.get_state()["title"] == "mine", what="the optimistic title")
    inst.transact(lambda d: d.__setitem__("title", "server"), origin_kind="operation", origin_name="push")
    assert (await run.settled()).status == "failure"
    token = actions.optimistic.get(f"{run.link_id}::p1")
    assert inst.get_state()["title"] == "server" and token.status == "rolledBack" and token.skipped == 1
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_user_cancel_and_timeout_roll_back_with_reason_cancel(backend):
    clock = ManualClock(start=10.0)
    rt, tracker, inst, actions = await setup(backend, clock=clock)
    backend.faults.set(kind="title.save", commit_delay_s=30)

    cancelled = actions.trigger(action("rename", rename), "x")
    await wait_until(lambda: inst.get_state()["title"] == "x", what="the optimistic title")
    actions.cancel(cancelled)
    assert inst.get_state()["title"] == ""
    timed = actions.trigger(action("slow", rename, timeout_s=5), "y")
    await wait_until(lambda: inst.get_state()["title"] == "y", what="the second optimistic title")
    clock.advance(5)
    assert (timed.run.status, timed.run.cancel_reason) == ("cancelled", "timeout")
    assert inst.get_state()["title"] == ""
    reasons = [e["meta"].get("reason") for e in optimistic_events(rt) if e["meta"]["phase"] == "rollback"]
    assert reasons == ["cancel", "cancel"]
    await teardown(rt, tracker, actions)


@pytest.mark.asyncio
async def test_settling_is_idempotent_and_matched_by_id_only():
    rt, inst, actions = with_actions(todos())
    gate = asyncio.Event()

    async def hold(ctx, title):
        ctx.optimistic(lambda d: d.__setitem__("title", title))
        await gate.wait()

    run = actions.trigger(action("hold", hold), "x")
    await wait_until(lambda: inst.get_state()["title"] == "x", what="the optimistic title")
    token_id = f"{run.link_id}::p1"
    assert actions.optimistic.rollback(["todos#1::o99::p9"], "failure") == []  # an unknown id touches nothing
    assert inst.get_state()["title"] == "x"
    [rolled] = actions.optimistic.rollback([token_id], "failure")
    assert rolled.status == "rolledBack" and inst.get_state()["title"] == ""
    seq = inst.txn_seq
    assert actions.optimistic.rollback([token_id], "failure") == [] and inst.txn_seq == seq  # no second undo
    assert actions.optimistic.confirm(token_id) is False
    gate.set()
    assert (await run.settled()).status == "success"
    assert actions.optimistic.get(token_id).status == "rolledBack"  # success cannot resurrect a rolled back token
    assert [e["meta"]["phase"] for e in optimistic_events(rt)] == ["apply", "rollback"]
    await actions.aclose()


@pytest.mark.asyncio
async def test_a_runs_own_tokens_roll_back_newest_first_to_the_value_before_the_first():
    rt, inst, actions = with_actions(todos())

    async def twice(ctx, _):
        ctx.optimistic(lambda d: d.__setitem__("title", "first"))
        ctx.optimistic(lambda d: d.__setitem__("title", "second"))
        ctx.optimistic(lambda d: d["items"].append({"id": 9, "title": "x"}))
        raise RuntimeError("the save failed")

    run = actions.trigger(action("twice", twice), None)
    assert (await run.settled()).status == "failure"
    assert inst.get_state()["title"] == "" and inst.get_state()["items"] == []
    rollbacks = [e for e in optimistic_events(rt) if e["meta"]["phase"] == "rollback"]
    assert [e["meta"]["optimisticId"] for e in rollbacks] == [f"{run.link_id}::p{n}" for n in (3, 2, 1)]
    assert len({e["txnSeq"] for e in rollbacks}) == 1  # one transaction
    await actions.aclose()


@pytest.mark.asyncio
async def test_a_change_past_the_bound_is_refused_and_nothing_is_applied():
    rt, inst, actions = with_actions(Module("big", initial={"cells": {str(i): 0 for i in range(100)}, "runs": {}}))

    async def fill(ctx, _):
        def body(d):
            for i in range(100):
                d["cells"][str(i)] = 1
        ctx.optimistic(body)

    run = actions.trigger(action("fill", fill), None)
    final = await run.settled()
    assert final.status == "failure" and "at most 64" in final.error_summary["message"]
    assert set(inst.get_state()["cells"].values()) == {0}
    assert not [e for e in rt.hub.events() if e["label"] == "optimistic"]
    with pytest.raises(OptimisticError, match="settled"):
        actions.apply_optimistic(run, lambda d: None, None)
    await actions.aclose()
