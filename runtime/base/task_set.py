"""The asyncio tasks one owner (a coordinator, a tracker, a source controller) started and has not seen finish.

asyncio keeps only weak references to running tasks, so an owner holds its own; and its dispose must cancel them
all and its aclose wait for them all, exceptions included, without raising.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["TaskSet"]

T = TypeVar("T")


class TaskSet(Generic[T]):
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[T]] = set()

    def start(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run `coro` on the running loop as a task this set holds until it finishes."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def running(self) -> list[asyncio.Task[T]]:
        return [t for t in self._tasks if not t.done()]

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_all(self) -> None:
        """Wait until every task has finished; what they raised stays with them (each owner reports its own)."""
        tasks = self.running()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
