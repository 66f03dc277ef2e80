"""A small but real backend for the demo and the operation tests: aiohttp over a SQLite store in WAL mode.

    async with BackendServer() as backend:          # 127.0.0.1, an ephemeral port
        backend.base_url                             # e.g. http://127.0.0.1:40123
        backend.faults.set(kind="todo.create", never_project=True)
        await backend.restart()                      # stops the processor and projector, resumes from checkpoints

Writes are commands (`POST /commands/{kind}`, answered 202 with a receipt once accepted), processed into an event log
and projected asynchronously into a versioned read model; every stage a command reaches is a fact served by a
status resource and an SSE stream. No Qt here.
"""

from .faults import FaultPlan, Faults
from .server import BackendServer
from .store import BackendStore

__all__ = ["BackendServer", "BackendStore", "FaultPlan", "Faults"]
