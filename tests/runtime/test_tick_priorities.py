"""Urgent and low-priority notifications across ticks: an urgent tick tells its own topics at once and never drops
what other modules' low-priority changes still owe their listeners.

The low-priority delay is set far beyond the test (60 s), so nothing is told by the timer: the test decides when the
deferred notifications are due (`flush_now`), and each tick runs synchronously at the end of a batch."""

from __future__ import annotations

import pytest
from tick_support import Recorder, counter

from runtime import Runtime, TickConfig

NEVER_BY_ITSELF = TickConfig(low_priority_delay_ms=60_000.0)


def _low(inst, value: int) -> None:
    inst.transact(lambda d: d.__setitem__("count", value), origin_kind="test", priority="low")


@pytest.mark.asyncio  # a running loop: the low-priority call is deferred to a timer, not made at once
async def test_an_urgent_tick_keeps_other_modules_pending_low_priority_notifications() -> None:
    rt = Runtime(tick=NEVER_BY_ITSELF)
    lazy, other, urgent = rt.mount(counter("lazy")), rt.mount(counter("other")), rt.mount(counter("urgent"))
    seen = {i.instance_id: Recorder(rt.store.topic(i)) for i in (lazy, other, urgent)}
    for inst in (lazy, other, urgent):
        rt.store.topic(inst).subscribe(seen[inst.instance_id])

    with rt.batch():
        _low(lazy, 1)
    with rt.batch():
        _low(other, 5)
    assert rt.store.tick_seq == 2
    assert rt.store.topic(lazy).get_snapshot()["count"] == 1  # published with its tick; only the call waits
    assert seen["lazy#1"].calls == [] and seen["other#1"].calls == []

    with rt.batch():
        urgent.dispatch("add", 1)  # an urgent tick of another module
    assert seen["urgent#1"].calls == [(3, rt.store.topic(urgent).get_snapshot())]
    assert seen["lazy#1"].calls == [] and seen["other#1"].calls == []  # still owed, not told early ...

    rt.flush_now()  # ... and not forgotten: told once each, with what was published
    assert seen["lazy#1"].calls == [(3, rt.store.topic(lazy).get_snapshot())]
    assert seen["other#1"].calls == [(3, rt.store.topic(other).get_snapshot())]
    assert rt.store.topic(other).get_snapshot()["count"] == 5
    rt.dispose()


@pytest.mark.asyncio
async def test_an_urgent_change_of_the_same_module_tells_at_once_and_covers_its_pending_low_change() -> None:
    rt = Runtime(tick=NEVER_BY_ITSELF)
    lazy, other = rt.mount(counter("lazy")), rt.mount(counter("other"))
    seen_lazy, seen_other = Recorder(rt.store.topic(lazy)), Recorder(rt.store.topic(other))
    rt.store.topic(lazy).subscribe(seen_lazy)
    rt.store.topic(other).subscribe(seen_other)

    with rt.batch():
        _low(lazy, 1)
        _low(other, 1)
    with rt.batch():
        lazy.dispatch("add", 1)  # urgent, on lazy only
    assert [s["count"] for _, s in seen_lazy.calls] == [2]  # told now, with the latest state
    assert seen_other.calls == []
    rt.flush_now()
    assert [s["count"] for _, s in seen_lazy.calls] == [2]  # the urgent call covered the low change: not told twice
    assert [s["count"] for _, s in seen_other.calls] == [1]
    rt.dispose()
