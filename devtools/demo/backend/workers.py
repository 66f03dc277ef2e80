"""The backend's background work: the processor (accepted -> committed | failed) and the projector (events -> read
model). Both read their progress from the store, so stopping them at any point and starting them again (a restart)
resumes exactly where the store says, and the projector's idempotence by version means nothing applies twice.

`never_project` holds an event back instead of losing it: the projector moves past it but keeps it (the store's
`held` table), and every pass projects the held events whose switch is off again, oldest first. So turning the
fault off (or restarting with it off) projects what was left, and an operation that timed out meanwhile resolves
late. An aggregate with a held event holds its later events too: the read model stays in version order.
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
        with contextlib.suppress(TimeoutError):  # asyncio.timeout: wait_for on 3.11 can swallow a cancel
            async with asyncio.timeout(wait):
                await changed.wait()


async def run_projector(server: BackendPort) -> None:
    """Apply events after the checkpoint, in order; each apply and its checkpoint are one SQLite transaction."""
    while True:
        changed = server.changed_event()
        released = _release_held(server)
        events = server.store.events_after(server.store.checkpoint(PROJECTOR))
        for event in events:
            faults = server.faults.for_command(event.command_id, event.kind)
            if faults.project_delay_s > 0:
                await asyncio.sleep(faults.project_delay_s)
            if faults.never_project or server.store.is_held_back(PROJECTOR, event.kind, event.target):
                server.store.hold(PROJECTOR, event)
                continue
            server.store.project(PROJECTOR, event)
            server.notify(("cmd", event.command_id), ("read", event.kind, event.target))
        if not events and not released:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_IDLE_WAIT_S):
                    await changed.wait()


def _release_held(server: BackendPort) -> int:
    """Project the held events whose never_project switch is off, oldest first per aggregate; returns how many."""
    blocked: set[tuple[str, str]] = set()
    released = 0
    for event in server.store.held_events(PROJECTOR):
        key = (event.kind, event.target)
        if key in blocked:
            continue
        if server.faults.for_command(event.command_id, event.kind).never_project:
            blocked.add(key)  # this one stays held, and so do the later events of its aggregate
            continue
        server.store.release(PROJECTOR, event)
        server.notify(("cmd", event.command_id), ("read", event.kind, event.target))
        released += 1
    return released
