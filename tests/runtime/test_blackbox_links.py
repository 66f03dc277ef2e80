"""Black-box links: an async callback that dispatches is supported as best effort, settles in a later tick than the
commit that started it, and says so with `process_link::blackbox_best_effort`."""

from __future__ import annotations

import asyncio

import pytest
from tick_support import counter, diagnostics

from runtime import Runtime


@pytest.mark.asyncio
async def test_a_black_box_link_settles_in_a_later_tick_and_says_so():
    rt = Runtime(diagnostics="light")
    a, b = rt.mount(counter("a")), rt.mount(counter("b"))
    seen_ticks: list[int] = []

    async def forward(state):
        await asyncio.sleep(0)  # anything at all may happen in here
        b.dispatch("setCount", state["count"])

    link = rt.links.blackbox("a-to-b", source=a, run=forward)
    (said,) = diagnostics(rt, "process_link::blackbox_best_effort")
    assert said["meta"]["severity"] == "info" and said["meta"]["linkId"] == "a-to-b"
    rt.store.topic(b).subscribe(lambda: seen_ticks.append(rt.store.tick_seq))

    a.dispatch("add", 5)
    await asyncio.sleep(0)
    source_tick = rt.store.tick_seq
    assert rt.store.topic(a).get_snapshot()["count"] == 5
    assert rt.store.topic(b).get_snapshot()["count"] == 0  # not in the source's tick
    for _ in range(10):
        await asyncio.sleep(0)
    assert rt.store.topic(b).get_snapshot()["count"] == 5
    assert seen_ticks and seen_ticks[0] > source_tick
    link.dispose()
    a.dispatch("add", 1)
    for _ in range(5):
        await asyncio.sleep(0)
    assert b.get_state()["count"] == 5  # disposed: no more runs


@pytest.mark.asyncio
async def test_a_failing_run_is_reported_and_the_link_goes_on():
    rt = Runtime(diagnostics="light")
    a = rt.mount(counter("a"))
    runs: list[int] = []

    async def flaky(state):
        runs.append(state["count"])
        if state["count"] == 1:
            raise RuntimeError("remote down")

    rt.links.blackbox("flaky", source="a", run=flaky)
    a.dispatch("add", 1)
    for _ in range(5):
        await asyncio.sleep(0)
    a.dispatch("add", 1)
    for _ in range(5):
        await asyncio.sleep(0)
    assert runs == [1, 2]
    (failed,) = diagnostics(rt, "process_link::blackbox_failed")
    assert "remote down" in failed["meta"]["message"]
    rt.unmount(a)  # unmounting the source drops its black-box links
    assert len(rt.links) == 0
