"""The backend's background work: the processor (accepted -> committed | failed) and the projector (events -> read
model). Both read their progress from the store, so stopping them at any point and starting them again (a restart)
resumes exactly where the store says, and the projector's idempotence by version means nothing applies twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from .ports import BackendPort

__all__ = ["run_processor", "run_projector", "PROJECTOR"]

PROJECTOR = "read_model"
_IDLE_WAIT_S = 1.0


async def run_processor(server: BackendPort) -> None:
    """Commit accepted commands in order, each once its commit delay passed (a cancel may win meanwhile)."""
    while True:
        changed = server.changed_event()
        next_due: float | None = None
        for cmd in server.store.accepted_commands():
            faults = server.faults.for_command(cmd.command_id, cmd.kind)
            due = cmd.accepted_at + faults.commit_delay_s
            now = time.time()
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            if faults.fail_after_accept:
                server.store.fail(cmd.command_id, faults.fail_after_accept, f"{cmd.kind} failed after acceptance")
            else:
                server.store.commit(cmd.command_id)
            server.notify(("cmd", cmd.command_id))
        wait = _IDLE_WAIT_S if next_due is None else max(0.0, min(_IDLE_WAIT_S, next_due - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), wait)


async def run_projector(server: BackendPort) -> None:
    """Apply events after the checkpoint, in order; each apply and its checkpoint are one SQLite transaction."""
    while True:
        changed = server.changed_event()
        events = server.store.events_after(server.store.checkpoint(PROJECTOR))
        for event in events:
            faults = server.faults.for_command(event.command_id, event.kind)
            if faults.project_delay_s > 0:
                await asyncio.sleep(faults.project_delay_s)
            server.store.project(PROJECTOR, event, apply=not faults.never_project)
            server.notify(("cmd", event.command_id), ("read", event.kind, event.target))
        if not events:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), _IDLE_WAIT_S)
