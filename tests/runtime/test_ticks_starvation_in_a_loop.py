"""With an asyncio loop running, a listener feedback loop longer than the chain limit that starts at a batch's end
(or in flush_now) goes on in later loop turns, as chained scheduled ticks do, instead of staying queued with no tick
scheduled. Kept out of the ticks mutation selection until it is scored on the code with this fix (main 3b5c1db
fails it)."""

from __future__ import annotations


import pytest
from tick_support import counter, diagnostics, ticks, turns_until

from runtime import Runtime


@pytest.mark.asyncio
async def test_a_feedback_loop_past_the_chain_limit_at_a_batch_end_goes_on_in_later_loop_turns() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counter())

    def again() -> None:  # a listener that commits again until the count reaches 40
        if inst.get_state()["count"] < 40:
            inst.dispatch("add", 1)

    rt.store.topic(inst).subscribe(again)
    start = len(ticks(rt, "start"))
    with rt.batch():
        inst.dispatch("add", 1)
    assert rt.store.topic(inst).get_snapshot()["count"] == 32  # 32 chained ticks ran at the batch's end ...
    await turns_until(lambda: rt.store.topic(inst).get_snapshot()["count"] == 40, "the rest of the loop")
    schedules = [t["schedule"] for t in ticks(rt, "start")[start:]]  # ... the rest waited for the loop
    assert schedules[32] == {"startedAs": "macrotask", "microtaskChainDepth": 32, "forcedMacrotask": True,
                             "reason": "microtask_starvation"}
    assert [d["meta"]["tickSeq"] for d in diagnostics(rt, "warn:microtask-starvation")] == [
        ticks(rt, "start")[start + 32]["tickSeq"]]  # said once, by the tick that carried the rest
    assert not rt.scheduler.has_work()
    rt.dispose()
