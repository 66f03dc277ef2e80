"""RunHandle: one triggered run as its coordinator keeps it and as `trigger` hands it out."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from runtime.actions.definitions import ActionDef, ActionRun
from runtime.base.clock import TimerHandle

__all__ = ["RunHandle"]


class RunHandle:
    """One triggered run: its current ActionRun snapshot, its result, and a way to wait for it to settle."""

    __slots__ = ("defn", "run", "payload", "task", "timer", "result", "collecting", "error_downgrade", "call_site",
                 "_done")

    def __init__(self, defn: ActionDef, run: ActionRun, payload: Any) -> None:
        self.defn = defn
        self.run = run
        self.payload = payload
        self.task: asyncio.Task[None] | None = None
        self.timer: TimerHandle | None = None
        self.result: Any = None
        self.collecting = True
        """Whether the run's transactions are still counted into its txnSeqs (until it settles)."""
        self.error_downgrade: str | None = None
        """`non_serializable` when the failure's cause could only be summarised as text (its settle event says so)."""
        self.call_site: Mapping[str, Any] | None = None
        """Where the run was triggered (diagnostics full): every transaction of the run records it."""
        self._done: asyncio.Future[ActionRun] | None = None

    @property
    def link_id(self) -> str:
        return self.run.link_id

    async def settled(self) -> ActionRun:
        """Wait until the run has settled; returns its final record."""
        if self.run.settled:
            return self.run
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._done)

    def wake_waiters(self) -> None:
        """Hand the settled record to whoever awaits `settled()` (the coordinator calls it once, at settle)."""
        if self._done is not None and not self._done.done():
            self._done.set_result(self.run)

    def __repr__(self) -> str:
        return f"<RunHandle {self.run.link_id} {self.defn.action_id} {self.run.status}>"
