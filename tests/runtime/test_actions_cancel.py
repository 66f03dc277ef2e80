"""Cancelling runs: `cancel_action` cancels every pending run of one action (and no other), and `on_cancel` writes
its reason in the transaction that settles each cancelled run, whatever cancelled it (the user, a newer run, the
timeout)."""

from __future__ import annotations

import asyncio

import pytest
from ops_support import settle_tasks, with_actions

from runtime import Module, Runtime
from runtime.actions import ActionCoordinator, action
from runtime.operations import ManualClock


def board() -> Module:
    return Module("board", initial={"runs": {}, "log": []})


def log_cancel(draft, reason) -> None:
    draft["log"].append(f"cancelled: {reason}")


async def _blocked(ctx, payload) -> None:
    await asyncio.Event().wait()  # never set: only a cancel ends the run


def settle_records(rt: Runtime, link_id: str) -> list[dict]:
    return [e for e in rt.hub.events() if e["kind"] == "action" and e["label"] == "async-action"
            and e.get("linkId") == link_id and e["meta"]["phase"] == "settle"]


@pytest.mark.asyncio
async def test_cancel_action_cancels_every_pending_run_of_that_action_only_and_runs_on_cancel():
    rt, inst, actions = with_actions(board())
    save = action("save", _blocked, concurrency="allow-concurrent", on_cancel=log_cancel)
    other = action("other", _blocked, on_cancel=log_cancel)
    runs = [actions.trigger(save, i) for i in range(3)]
    kept = actions.trigger(other, None)
    await asyncio.sleep(0)  # the handlers start and block

    assert actions.cancel_action("save", "user") == 3
    for run in runs:
        settled = await run.settled()
        assert settled.status == "cancelled" and settled.cancel_reason == "user"
    assert inst.get_state()["log"] == ["cancelled: user"] * 3
    assert not kept.run.settled and inst.get_state()["runs"]["other"]["status"] == "pending"
    assert actions.cancel_action("save", "user") == 0  # nothing pending is left to cancel

    # the log line was written by the transaction that settled the run, under the run's linkId
    (settle,) = settle_records(rt, runs[0].link_id)
    updates = [e for e in rt.hub.events() if e["label"] == "state:update" and e.get("linkId") == runs[0].link_id]
    assert updates and updates[-1]["txnSeq"] == settle["txnSeq"]

    assert actions.cancel_action("other", "user") == 1
    await kept.settled()
    assert inst.get_state()["log"] == ["cancelled: user"] * 4
    await actions.aclose()
    rt.dispose()
    assert not await settle_tasks()


@pytest.mark.asyncio
async def test_on_cancel_gets_the_reason_of_a_superseded_and_of_a_timed_out_run():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(board())
    clock = ManualClock()
    actions = ActionCoordinator(inst, clock=clock)
    latest = action("search", _blocked, concurrency="latest-wins", on_cancel=log_cancel)
    slow = action("slow", _blocked, timeout_s=5.0, on_cancel=log_cancel)

    first = actions.trigger(latest, "a")
    second = actions.trigger(latest, "ab")  # supersedes the first
    assert (await first.settled()).cancel_reason == "override"
    assert inst.get_state()["log"] == ["cancelled: override"]

    timed = actions.trigger(slow, None)
    await asyncio.sleep(0)
    clock.advance(4.9)
    assert not timed.run.settled
    clock.advance(0.1)
    assert (await timed.settled()).cancel_reason == "timeout"
    assert inst.get_state()["log"] == ["cancelled: override", "cancelled: timeout"]

    actions.cancel(second, "user")
    assert inst.get_state()["log"][-1] == "cancelled: user"
    await actions.aclose()
    rt.dispose()
    assert not await settle_tasks()
