"""088 to the letter (issue 15): every transaction is linked (a run's `::o<opSeq>`, else a deterministic fallback
`::l<n>`), and the `exhaust` policy ignores triggers while a run is pending, each ignored trigger visible as such."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ops_support import settle_tasks
from schema_check import validator

from runtime import DefinitionError, Module, ModuleInstance, Runtime, is_fallback_link
from runtime.actions import ActionCoordinator, action

META = validator("async-action-meta")


def form() -> Module:
    m = Module("form", {"n": 0, "runs": {}, "log": []})

    @m.reducer("inc")
    def inc(draft, _):
        draft["n"] += 1

    return m


def test_a_transaction_without_a_caller_link_gets_a_deterministic_fallback_stable_when_read_twice():
    def links() -> tuple[list[str | None], list[str | None]]:
        rt = Runtime(diagnostics="light")
        inst = rt.mount(form())
        records = [inst.dispatch("inc"), inst.dispatch("inc"), inst.dispatch("inc", link_id="caller-7")]
        states = [e.get("linkId") for e in rt.hub.events() if e["label"] == "state:update"]
        return [r.link_id for r in records if r is not None], states

    first, states = links()
    again, _ = links()
    assert first == ["form#1::l1", "form#1::l2", "caller-7"] == again  # deterministic, run after run
    assert states == first  # the exported transaction carries the same id its record does
    assert is_fallback_link("form#1::l2") and not is_fallback_link("form#1::o2") and not is_fallback_link("caller-7")


def test_every_transaction_of_a_runtime_is_linked():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(form())
    for _ in range(3):
        inst.dispatch("inc")
    updates = [e for e in rt.hub.events() if e["label"] == "state:update"]
    assert updates and all(isinstance(e.get("linkId"), str) for e in updates)
    assert len({e["linkId"] for e in updates}) == len(updates)  # a fallback names one transaction


def gated_save(started: list[Any]) -> tuple[asyncio.Event, Any]:
    """A handler that notes its payload and waits for the returned gate."""
    gate = asyncio.Event()

    async def save(ctx, payload):
        started.append(payload)
        await gate.wait()
        return payload

    return gate, save


def coordinated() -> tuple[Runtime, ModuleInstance, ActionCoordinator]:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(form())
    return rt, inst, ActionCoordinator(inst)


@pytest.mark.asyncio
async def test_run_transactions_keep_the_run_link_and_unlinked_ones_in_between_get_fallbacks():
    rt, inst, actions = coordinated()
    gate, save = gated_save([])
    run = actions.trigger(action("save", save), None)
    between = inst.dispatch("inc")
    gate.set()
    await run.settled()
    assert run.link_id == "form#1::o1"
    assert between is not None and is_fallback_link(between.link_id)
    run_txns = [e["txnSeq"] for e in rt.hub.events() if e["label"] == "state:update" and e.get("linkId") == run.link_id]
    assert len(run_txns) == 2  # pending and success
    await actions.aclose()
    assert not await settle_tasks()


@pytest.mark.asyncio
async def test_exhaust_ignores_triggers_while_a_run_is_pending_and_each_ignored_trigger_shows():
    rt, inst, actions = coordinated()
    started: list[int] = []
    gate, save = gated_save(started)
    defn = action("save", save, concurrency="exhaust")
    first = actions.trigger(defn, 1)
    second = actions.trigger(defn, 2)
    third = actions.trigger(defn, 3)
    for ignored in (second, third):
        assert ignored.run.status == "ignored" and ignored.run.settled
        assert ignored.run.extra == {"ignoredFor": first.link_id}
        assert (await ignored.settled()).status == "ignored"  # never left pending
    assert [r.status for r in actions.pending()] == ["pending"]
    gate.set()
    assert (await first.settled()).status == "success"
    assert started == [1]  # the ignored triggers never ran
    later = actions.trigger(defn, 4)  # nothing pending any more: this one runs
    assert (await later.settled()).status == "success" and started == [1, 4]
    ignored_events = [e for e in rt.hub.events() if e["label"] == "action::trigger_ignored"]
    assert [e["linkId"] for e in ignored_events] == [second.link_id, third.link_id]
    assert all(e["meta"]["busyLinkId"] == first.link_id and e["meta"]["concurrencyPolicy"] == "exhaust"
               for e in ignored_events)
    runs = [e for e in rt.hub.events() if e["label"] == "async-action"]
    assert {e["linkId"] for e in runs} == {first.link_id, later.link_id}
    for e in runs:
        assert not list(META.iter_errors(e["meta"])), e["meta"]
    assert inst.get_state()["runs"]["save"]["linkId"] == later.link_id
    await actions.aclose()
    assert not await settle_tasks()


@pytest.mark.asyncio
async def test_an_exhaust_run_that_fails_frees_the_action_for_the_next_trigger():
    rt = Runtime()
    inst = rt.mount(form())
    actions = ActionCoordinator(inst)

    async def boom(ctx, _):
        raise RuntimeError("no")

    defn = action("boom", boom, concurrency="exhaust")
    assert (await actions.trigger(defn).settled()).status == "failure"
    assert (await actions.trigger(defn).settled()).status == "failure"
    assert not actions.pending()
    await actions.aclose()


def test_an_unknown_policy_still_names_exhaust_among_the_known():
    with pytest.raises(DefinitionError, match="exhaust"):
        action("x", lambda ctx, p: None, concurrency="drop")
