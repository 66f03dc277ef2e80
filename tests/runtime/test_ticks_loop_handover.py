"""A batch end's listener feedback loop that outlasts the chained-tick limit is handed to the running asyncio loop,
which then is the scheduler's loop: the one the inspector runs control commands on when none was bound."""

from __future__ import annotations

import asyncio

from tick_support import counter, turns_until

from runtime import Runtime


def test_the_loop_that_carries_the_rest_of_a_batch_ends_feedback_loop_is_the_schedulers_loop() -> None:
    rt = Runtime()
    inst = rt.mount(counter())
    topic = rt.store.topic(inst)
    topic.subscribe(lambda: topic.get_snapshot() is not None and topic.get_snapshot()["count"] < 40
                    and inst.dispatch("add", 1))
    assert rt.scheduler.loop is None  # only synchronous ticks so far

    async def batch_on_a_loop() -> None:
        with rt.batch():
            inst.dispatch("add", 1)
        assert topic.get_snapshot()["count"] == 32  # the chained-tick limit; the loop carries the rest
        assert rt.scheduler.loop is asyncio.get_running_loop()
        await turns_until(lambda: topic.get_snapshot()["count"] == 40, "the rest of the feedback loop")

    asyncio.run(batch_on_a_loop())
    assert not rt.scheduler.has_work()
    rt.dispose()
