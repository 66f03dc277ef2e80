"""BackendServer: the store, the HTTP site and the background workers, started and stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from aiohttp import web

from .faults import FaultPlan
from .ports import Topic
from .routes import build_app
from .store import BackendStore
from .workers import run_processor, run_projector

__all__ = ["BackendServer"]


class BackendServer:
    """The loopback backend. Use `async with BackendServer() as backend:` in tests (port 0 = an ephemeral port)."""

    def __init__(self, db_path: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 faults: FaultPlan | None = None) -> None:
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="tickscope-backend-")
            db_path = Path(self._tmpdir) / "backend.sqlite3"
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.faults = faults or FaultPlan()
        self._store: BackendStore | None = None
        self._runner: web.AppRunner | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self._topics: dict[Topic, asyncio.Event] = {}
        self.restarts = 0

    @property
    def store(self) -> BackendStore:
        """The open store; raises RuntimeError before `start()`."""
        if self._store is None:
            raise RuntimeError("the backend server is not started: use `async with BackendServer() as backend:`")
        return self._store

    # -- lifetime ---------------------------------------------------------------------------------------------------

    async def start(self) -> BackendServer:
        self._store = BackendStore(self.db_path)
        self._changed = asyncio.Event()
        self._start_workers()
        # handler_cancellation: a client that hangs up ends its long-poll or SSE handler at once.
        self._runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=0.2, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses  # port 0 asked for an ephemeral port: this is the one it got
        if addresses:
            self.port = int(addresses[0][1])
        return self

    async def stop(self) -> None:
        await self._stop_workers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._store is not None:
            self._store.close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    async def restart(self) -> None:
        """Stop the processor and projector (wherever they are), reopen the database and resume from it."""
        await self._stop_workers()
        self.store.close()
        self._store = BackendStore(self.db_path)
        self.restarts += 1
        self._start_workers()
        self.notify()

    async def __aenter__(self) -> BackendServer:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- change notification ----------------------------------------------------------------------------------------

    def changed_event(self, topic: Topic | None = None) -> asyncio.Event:
        """An event set at the next change of the store, or only of one topic (`("cmd", id)`, `("read", kind,
        target)`). Take it before reading, then wait on it. Topics keep a change from waking every waiting SSE
        stream and long-poll (hundreds of them under load) just to find nothing new."""
        if topic is None:
            return self._changed
        event = self._topics.get(topic)
        if event is None:
            event = self._topics[topic] = asyncio.Event()
        return event

    def notify(self, *topics: Topic) -> None:
        """Wake the workers and the waiters of `topics` (no topics: everybody)."""
        self._changed.set()
        self._changed = asyncio.Event()
        if not topics:
            waiting, self._topics = self._topics, {}
            for event in waiting.values():
                event.set()
            return
        for topic in topics:
            waiter = self._topics.pop(topic, None)
            if waiter is not None:
                waiter.set()

    # -- workers ----------------------------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        self._workers = [asyncio.create_task(run_processor(self), name="backend-processor"),
                         asyncio.create_task(run_projector(self), name="backend-projector")]

    async def _stop_workers(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []
