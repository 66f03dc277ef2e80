"""Async action runs on one instance: policies, settle-once, linkIds on every transaction, events, disposal."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import settle_tasks, wait_until, with_actions
from schema_check import validator

from runtime import DefinitionError, Module, Runtime
from runtime.actions import ActionCoordinator, ActionError, action
from runtime.trace import TraceWriter

META = validator("async-action-meta")


def form_module() -> Module:
    m = Module("form", initial={"runs": {}, "saved": [], "log": [], "errors": []})

    @m.reducer("note")
    def note(draft, text):
        draft["log"].append(text)

    return m


def action_events(rt: Runtime) -> list[dict]:
    events = [e for e in rt.hub.events() if e["kind"] == "action" and e["label"] == "async-action"]
    for e in events:
        assert not list(META.iter_errors(e["meta"])), e["meta"]
    return events


async def closed(rt: Runtime, actions: ActionCoordinator) -> None:
    await actions.aclose()
    rt.dispose()
    assert not actions.pending()
    assert not await settle_tasks()


@pytest.mark.asyncio
async def test_pending_is_committed_before_trigger_returns_and_success_in_its_own_transaction():
    rt, inst, actions = with_actions(form_module())
    gate = asyncio.Event()

    async def save(ctx, text):
        await gate.wait()
        return text.upper()

    defn = action("save", save, on_pending=lambda d, p: d["log"].append(f"saving {p}"),
                  on_success=lambda d, r: d["saved"].append(r))
    run = actions.trigger(defn, "a")
    state = inst.get_state()
    assert run.link_id == "form#1::o1"
    assert state["runs"]["save"]["status"] == "pending" and state["log"] == ["saving a"]
    gate.set()
    final = await run.settled()
    assert final.status == "success" and inst.get_state()["saved"] == ["A"]
    assert inst.get_state()["runs"]["save"]["status"] == "success"
    pending_txn, success_txn = [r for r in inst.history if r.origin.kind == "async-action"]
    assert pending_txn.txn_seq < success_txn.txn_seq and pending_txn.link_id == success_txn.link_id == run.link_id
    assert pending_txn.priority == "low"  # the default lane is nonUrgent
    urgent = actions.trigger(action("now", save, lane="urgent"), "b")
    assert inst.history[-1].link_id == urgent.link_id and inst.history[-1].priority == "normal"
    actions.cancel(urgent)
    assert final.txn_seqs == (pending_txn.txn_seq, success_txn.txn_seq)
    assert [e["meta"]["phase"] for e in action_events(rt)][:3] == ["trigger", "pending", "settle"]
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_latest_wins_settles_the_old_run_at_once_and_drops_its_late_result():
    rt, inst, actions = with_actions(form_module())
    release = asyncio.Event()

    async def search(ctx, q):
        try:
            await release.wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # a handler that ignores cancellation and still returns: its result must not land
        return q

    defn = action("search", search, on_success=lambda d, r: d["saved"].append(r))
    first = actions.trigger(defn, "old")
    await asyncio.sleep(0)
    second = actions.trigger(defn, "new")
    assert first.run.status == "cancelled" and first.run.cancel_reason == "override"  # at once, not later
    release.set()
    assert (await second.settled()).status == "success"
    await wait_until(lambda: first.task.done(), what="the old task to end")
    assert inst.get_state()["saved"] == ["new"]
    diags = [e for e in rt.hub.events() if e["label"] == "action::late_result_dropped"]
    assert diags and diags[0]["linkId"] == first.link_id
    settles = [e for e in action_events(rt) if e["meta"]["phase"] == "settle"]
    assert [(e["linkId"], e["meta"]["status"], e["meta"].get("cancelReason")) for e in settles] == [
        ("form#1::o1", "cancelled", "override"), ("form#1::o2", "success", None)]
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_queue_runs_one_at_a_time_in_trigger_order():
    rt = Runtime()
    inst = rt.mount(form_module())
    actions = ActionCoordinator(inst)
    running: list[str] = []
    peak = 0
    order: list[str] = []

    async def work(ctx, name):
        nonlocal peak
        running.append(name)
        peak = max(peak, len(running))
        order.append(name)
        await asyncio.sleep(0)  # one turn of the loop: every other run that could start now would
        running.remove(name)
        return name

    defn = action("work", work, concurrency="queue")
    handles = [actions.trigger(defn, n) for n in "abcd"]
    assert inst.get_state()["runs"]["work"]["pendingCount"] == 4  # every queued run is visibly pending
    results = [await h.settled() for h in handles]
    assert [r.status for r in results] == ["success"] * 4 and order == list("abcd") and peak == 1
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_allow_concurrent_is_bounded_by_default_at_16():
    rt = Runtime()
    inst = rt.mount(form_module())
    actions = ActionCoordinator(inst)
    in_flight = 0
    peak = 0

    async def fetch(ctx, i):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # one turn of the loop: every other run that could start now would
        in_flight -= 1
        return i

    defn = action("fetch", fetch, concurrency="allow-concurrent")
    small = action("fetch2", fetch, concurrency="allow-concurrent", max_concurrent=3)
    handles = [actions.trigger(defn, i) for i in range(24)]
    assert [await h.settled() for h in handles][-1].status == "success" and peak == 16
    peak = 0
    handles = [actions.trigger(small, i) for i in range(7)]
    assert [(await h.settled()).status for h in handles] == ["success"] * 7 and peak == 3
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_failure_timeout_and_user_cancel_each_settle_once_with_their_reason():
    rt, inst, actions = with_actions(form_module())

    async def broken(ctx, _):
        raise ValueError("no such todo")

    async def forever(ctx, _):
        await asyncio.Event().wait()

    failing = actions.trigger(action("broken", broken, on_failure=lambda d, e: d["errors"].append(e["message"])))
    slow = actions.trigger(action("slow", forever, timeout_s=0.05))
    user = actions.trigger(action("user", forever))
    assert actions.cancel(user) is True and actions.cancel(user) is False
    failed, timed_out, cancelled = [await h.settled() for h in (failing, slow, user)]
    assert failed.status == "failure" and failed.error_summary == {
        "name": "ValueError", "message": "no such todo", "code": "action::handler_threw"}
    assert inst.get_state()["errors"] == ["no such todo"]
    assert (timed_out.status, timed_out.cancel_reason) == ("cancelled", "timeout")
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "user")
    settle = next(e for e in action_events(rt) if e["linkId"] == failing.link_id and e["meta"]["phase"] == "settle")
    assert settle["errorSummary"]["name"] == "ValueError"
    with pytest.raises(ActionError, match="cancel reason 'later'"):
        actions.cancel(failing, "later")
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_every_transaction_of_a_run_carries_its_link_id_and_the_txn_list_is_bounded():
    rt, inst, actions = with_actions(form_module())

    async def chatty(ctx, n):
        for i in range(n):
            ctx.dispatch("note", i)
            await asyncio.sleep(0)
        return n

    run = actions.trigger(action("chatty", chatty), 12)
    final = await run.settled()
    under_run = [r for r in inst.history if r.link_id == run.link_id]
    assert len(under_run) == 14  # pending, 12 dispatches, success
    assert final.txn_seqs == tuple(r.txn_seq for r in under_run[:8]) and final.dropped_txn_seq_count == 6
    settle = [e for e in action_events(rt) if e["meta"]["phase"] == "settle"][0]
    assert settle["meta"]["txnSeqs"] == list(final.txn_seqs) and settle["meta"]["droppedTxnSeqCount"] == 6
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_diagnostics_off_exports_no_action_events_but_state_still_shows_runs():
    rt = Runtime(diagnostics="off")
    inst = rt.mount(form_module())
    actions = ActionCoordinator(inst)

    async def quick(ctx, _):
        return 1

    run = actions.trigger(action("quick", quick))
    assert (await run.settled()).status == "success"
    assert rt.hub.events() == [] and inst.get_state()["runs"]["quick"]["status"] == "success"
    await closed(rt, actions)


@pytest.mark.asyncio
async def test_runtime_disposal_settles_every_run_and_leaves_no_task():
    rt, inst, actions = with_actions(form_module())

    async def forever(ctx, _):
        await asyncio.Event().wait()

    handles = [actions.trigger(action(f"a{i}", forever, concurrency=c), None)
               for i, c in enumerate(["latest-wins", "queue", "queue", "allow-concurrent"])]
    handles.append(actions.trigger(action("a1", forever, concurrency="queue")))  # waits behind a1's first run
    assert len(actions.pending()) == 5
    rt.dispose()
    assert not actions.pending()
    assert {(h.run.status, h.run.cancel_reason) for h in handles} == {("cancelled", "navigation")}
    assert not await settle_tasks()
    with pytest.raises(ActionError, match="after its disposal"):
        actions.trigger(action("late", forever))


@pytest.mark.asyncio
async def test_a_recorded_trace_of_runs_passes_the_reference_checker(tmp_path, check_trace):
    rt = Runtime(diagnostics="light")
    path = tmp_path / "runs.jsonl"
    writer = TraceWriter(path, label="actions").attach(rt.hub)
    inst = rt.mount(form_module())
    actions = ActionCoordinator(inst)

    async def maybe(ctx, fail):
        await asyncio.sleep(0)
        if fail:
            raise RuntimeError("boom")
        return "ok"

    defn = action("maybe", maybe, concurrency="allow-concurrent")
    await asyncio.gather(*(actions.trigger(defn, i % 2 == 0).settled() for i in range(4)))
    await closed(rt, actions)
    writer.close()
    code, out = check_trace(path, "action/async-action")
    assert code == 0, out


def test_bad_definitions_and_triggers_are_refused_with_named_errors():
    async def h(ctx, p):
        return p

    with pytest.raises(DefinitionError, match="concurrency 'bogus'"):
        action("x", h, concurrency="bogus")
    with pytest.raises(DefinitionError, match="lane 'fast'"):
        action("x", h, lane="fast")
    with pytest.raises(DefinitionError, match="unknown option"):
        action("x", h, retries=3)
    rt = Runtime()
    actions = ActionCoordinator(rt.mount(form_module()))
    with pytest.raises(ActionError, match="running asyncio loop"):
        actions.trigger(action("x", h))
    with pytest.raises(ActionError, match="ActionDef"):
        actions.trigger(h)
    actions.dispose()
