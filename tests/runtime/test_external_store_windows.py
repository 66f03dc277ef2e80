"""Coalescing windows: 0 is no window; an urgent writeback carries a pending coalesced value into its own commit
(one commit, never an intermediate state in history); an external-store field's static IR says it is
external-owned."""

from __future__ import annotations

import asyncio

import pytest

from runtime import Module, Runtime, external_store, value_store


@pytest.mark.asyncio
async def test_a_window_of_zero_is_no_window():
    store = value_store(0)
    rt = Runtime()
    inst = rt.mount(Module("v", {"value": 0}, fields=[external_store("value", store, coalesce_window_ms=0)]))
    store.set(5)
    await asyncio.sleep(0)
    assert rt.store.topic(inst).get_snapshot()["value"] == 5  # the next tick, not after a window


@pytest.mark.asyncio
async def test_an_urgent_writeback_carries_the_pending_coalesced_value_into_its_own_commit():
    fast, slow = value_store("f0"), value_store("s0")
    rt = Runtime(diagnostics="full")
    inst = rt.mount(Module("dash", {"fast": None, "slow": None}, fields=[
        external_store("fast", fast),
        external_store("slow", slow, priority="nonUrgent", coalesce_window_ms=1000),
    ]))
    mounted = len(inst.history)
    slow.set("s1")
    await asyncio.sleep(0)
    assert inst.get_state()["slow"] == "s0"  # held in its window
    fast.set("f1")
    await asyncio.sleep(0)
    (commit,) = list(inst.history)[mounted:]  # one commit with both: no state with f1 and the stale s0 in between
    assert commit.after == {"fast": "f1", "slow": "s1"} and commit.priority == "normal"
    assert commit.origin.details == {"fields": ["fast", "slow"]}
    assert rt.store.topic(inst).get_snapshot() == {"fast": "f1", "slow": "s1"}
    # the commit closed the slow field's window too: nothing more is pending or committed
    assert rt.external_fields.pending_windows() == 0 and len(inst.history) == mounted + 1


def test_the_static_ir_of_an_external_store_field_says_it_is_external_owned():
    rt = Runtime()
    rt.mount(Module("v", {"value": 0}, fields=[external_store("value", value_store(1, store_id="s"),
                                                              priority="nonUrgent")]))
    (ir,) = rt.external_fields.static_ir()
    assert ir["traitId"] == "external-store:value"
    assert ir["policy"] == {"ownership": "external-owned", "lane": "nonUrgent", "storeId": "s",
                            "source": {"kind": "external"}}
