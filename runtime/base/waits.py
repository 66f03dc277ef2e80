"""Waiting for an asyncio.Event with a timeout, without losing a cancellation.

On Python 3.11 `asyncio.wait_for(event.wait(), t)` returns normally when the task is cancelled in the same loop turn
as the event is set: the cancellation is swallowed, and a worker loop that was being stopped runs on, so whoever
awaits it waits forever. `asyncio.timeout` tells its own expiry from a cancel from outside, and lets the latter through.
"""

from __future__ import annotations

import asyncio

__all__ = ["wait_set"]


async def wait_set(event: asyncio.Event, timeout_s: float | None) -> bool:
    """True when `event` is (or gets) set within `timeout_s` seconds (None: no limit); False when the time ran out."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True
