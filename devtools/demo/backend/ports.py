"""What the HTTP handlers and the background workers use of the backend server (BackendServer is one).

They receive this Protocol, never the server class, so the server can import them without a cycle and each can be
driven by a small fake.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from .faults import FaultPlan
from .store import BackendStore

__all__ = ["BackendPort", "Topic"]

Topic = tuple[str, ...]
"""What a change is about: `("cmd", command_id)` or `("read", kind, target)`."""


class BackendPort(Protocol):
    @property
    def store(self) -> BackendStore:
        """The open store (the server replaces it on restart: read it each time, never keep it)."""
        ...

    @property
    def faults(self) -> FaultPlan: ...

    def changed_event(self, topic: Topic | None = None) -> asyncio.Event:
        """An event set at the next change of the store, or only of `topic`; take it before reading."""
        ...

    def notify(self, *topics: Topic) -> None:
        """Wake the workers and the waiters of `topics` (no topics: everybody)."""
        ...

    async def restart(self) -> None:
        """Stop the workers, reopen the database and resume from it."""
        ...
