"""A worker waiting for an event with a timeout stops when cancelled, even in the loop turn the event is set (on
Python 3.11 asyncio.wait_for swallowed that cancel: the backend's workers ran on and a restart waited forever)."""

from __future__ import annotations

import asyncio

import pytest

from runtime.base.waits import wait_set


async def _worker(event: asyncio.Event, woken: list[int]) -> None:
    while True:
        await wait_set(event, 10.0)
        woken.append(1)
        event.clear()


@pytest.mark.asyncio
async def test_a_cancel_in_the_turn_the_event_is_set_stops_the_worker():
    event, woken = asyncio.Event(), []
    task = asyncio.create_task(_worker(event, woken))
    await asyncio.sleep(0)  # the worker is waiting now
    event.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2.0)
    assert done == {task} and task.cancelled()


@pytest.mark.asyncio
async def test_it_says_whether_the_event_came_or_the_time_ran_out():
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    asyncio.get_running_loop().call_soon(event.set)
    assert await wait_set(event, 10.0) is True
    assert await wait_set(event, None) is True  # already set: at once
