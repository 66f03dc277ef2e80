"""The inspector server a process opens so that devtools (or `tickscope tail`) can watch its runtime live.

    rt = Runtime(label="app", diagnostics="light", inspect="127.0.0.1:7341")   # or TICKSCOPE_INSPECT=...
    rt.inspector.address, rt.inspector.token

It runs an asyncio server on its own thread, so it keeps serving whether the application is asyncio, Qt on qasync,
or a plain loop that never yields; the application thread only pays the hub feed (see stream.py). Control commands
that touch the runtime run on the application's asyncio loop (`bind_loop(loop)`, else the loop the runtime last
scheduled a tick on); without one they are refused with that reason.

Security: loopback unless another host is configured; every client must send the token first (compared with
hmac.compare_digest); a bad token, an oversized or malformed frame, or an unknown message type gets one error frame
naming the problem and that connection is closed; nothing else is affected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from runtime.base.quote import quoted
from runtime.errors import CommandRefused
from runtime.inspect.config import InspectConfig, is_loopback
from runtime.inspect.control import prepare
from runtime.inspect.protocol import Control, Subscribe, ack_frame, batch_head, error_frame, hello_frame
from runtime.inspect.session import ClientSession, ClientStats
from runtime.inspect.stream import EnvelopeStream
from runtime.inspect.target import InspectTarget

__all__ = ["InspectorServer"]

log = logging.getLogger("tickscope.inspect")
_STALE_POLLS = 2
"""Drain intervals without an application-side flush after which the server thread flushes what is pending."""


class InspectorServer:
    """Streams one runtime's exported records to authenticated clients and runs their control commands."""

    def __init__(self, runtime: InspectTarget, config: InspectConfig | None = None, *,
                 run_id: str | None = None) -> None:
        self.runtime = runtime
        self.config = config or InspectConfig()
        self.token = self.config.token or secrets.token_urlsafe(18)
        self.token_generated = self.config.token is None
        self.run_id = run_id or f"{runtime.label}-{os.getpid()}-{int(time.time() * 1000)}"
        self.stream = EnvelopeStream(self.run_id, pending_limit=self.config.pending_limit,
                                     retain=self.config.retain_events, batch_max_events=self.config.batch_max_events)
        self._bound_loop: asyncio.AbstractEventLoop | None = None
        self._flushes_seen = -1
        self._idle_polls = 0
        self._polling = False
        self.batch_head = batch_head(self.run_id)
        self.address: tuple[str, int] = (self.config.host, self.config.port)
        self._sessions: dict[int, ClientSession] = {}
        self._next_client = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._detach: Callable[[], None] | None = None
        self.closed = False

    # -- lifetime (any thread) --------------------------------------------------------------------------------------

    def start(self) -> InspectorServer:
        """Bind and start serving; raises OSError when the address cannot be bound."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._main, args=(ready, failure), name="tickscope-inspect",
                                        daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        self.bind_loop(None)
        self._detach = self.runtime.hub.feed(self.stream.hub_feed)
        if not is_loopback(self.config.host):
            log.warning("tickscope inspector listens on %s, not loopback: anyone who can reach it may try the token",
                        self.config.host)
        if self.config.announce:
            host, port = self.address
            secret = f", token {self.token}" if self.token_generated else ""
            hint = f" (tickscope attach {host}:{port} --token {self.token})" if self.token_generated else ""
            print(f"tickscope inspector for {self.runtime.label!r} on {host}:{port}{secret}{hint}", file=sys.stderr,
                  flush=True)
        return self

    def close(self) -> None:
        """Stop serving: detach from the runtime, close every client, stop the thread (idempotent)."""
        if self.closed:
            return
        self.closed = True
        if self._detach is not None:
            self._detach()
            self._detach = None
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            thread.join(10)

    @property
    def exporting(self) -> bool:
        """Whether the runtime's records reach this inspector (True from start() until close())."""
        return self._detach is not None

    def set_exporting(self, on: bool) -> None:
        """Take the runtime's records, or stop taking them: while off the application pays nothing for the inspector
        but its idle thread, and connected clients simply get nothing new (bench/attach.py compares the two)."""
        if self.closed or on == self.exporting:
            return
        if on:
            self._detach = self.runtime.hub.feed(self.stream.hub_feed)
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._wake)
        elif self._detach is not None:
            detach, self._detach = self._detach, None
            detach()

    def bind_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Run control commands on `loop` (None: the loop running in this thread, if any)."""
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not in a loop: the scheduler's loop serves until one is bound
                return
        self._bound_loop = loop

    @property
    def thread_id(self) -> int | None:
        """The native id of the server's thread (None before start())."""
        return self._thread.native_id if self._thread is not None else None

    def _app_loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop control commands run on: the bound one, else the one the runtime's ticks last ran on."""
        for loop in (self._bound_loop, self.runtime.scheduler.loop):
            if loop is not None and not loop.is_closed():
                return loop
        return None

    def client_stats(self) -> list[ClientStats]:
        """What the server holds for each client now (thread-safe snapshot)."""
        if self._loop is None or self.closed:
            return []
        future = asyncio.run_coroutine_threadsafe(self._stats(), self._loop)
        return future.result(10)

    async def _stats(self) -> list[ClientStats]:
        return [s.stats() for s in self._sessions.values()]

    # -- server thread ----------------------------------------------------------------------------------------------

    def _main(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(asyncio.start_server(
                self._on_client, self.config.host, self.config.port, limit=self.config.max_frame_bytes))
        except OSError as err:
            failure.append(err)
            loop.close()
            ready.set()
            return
        sock = self._server.sockets[0].getsockname()
        self.address = (str(sock[0]), int(sock[1]))
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        handlers = [t for t in (s.stop() for s in list(self._sessions.values())) if t is not None]
        if handlers:
            await asyncio.wait(handlers, timeout=5)
        current = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not current]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._next_client += 1
        session = ClientSession(self, self._next_client, reader, writer)
        self._sessions[session.client_id] = session
        with contextlib.suppress(asyncio.CancelledError):  # only at shutdown; asyncio would log a cancelled handler
            await session.run()

    def forget(self, session: ClientSession) -> None:
        self._sessions.pop(session.client_id, None)

    def client_lost(self, session: ClientSession, code: str, message: str) -> None:
        """A session is disconnecting its client for passing a bound: the application hears of it as a diagnostic
        (posted to its loop: the runtime is not thread-safe), and the log in any case."""
        text = f"inspector client {session.peer} disconnected: {message}"
        app_loop = self._app_loop()
        try:
            if app_loop is None:
                raise RuntimeError("no loop")
            app_loop.call_soon_threadsafe(self._diagnose, code, text)
        except RuntimeError:  # no loop to post to, or it closed meanwhile: the log is all that is left
            log.warning("inspect::%s [%s] %s", code, self.runtime.label, text)

    def _diagnose(self, code: str, message: str) -> None:
        if not self.runtime.disposed:
            self.runtime.sink.diagnostic(module_id="runtime", instance_id=self.runtime.label,
                                         code=f"inspect::{code}", severity="warning", message=message,
                                         hint="a viewer must read what it is sent (see InspectConfig)")

    def hello(self) -> bytes:
        actions = self._actions()
        return hello_frame(self.run_id, self.stream.last_seq, control=True, diagnostics=self.runtime.sink.level,
                           action_types={module: sorted(schemas) for module, schemas in actions.items()},
                           actions=actions)

    def _actions(self) -> dict[str, Mapping[str, Mapping[str, object]]]:
        """The actions of every mounted module with their payload types (read from the server thread: a mount
        racing it shows in the next HELLO)."""
        actions: dict[str, Mapping[str, Mapping[str, object]]] = {}
        try:
            for inst in self.runtime.instances():
                if inst.module_id not in actions:
                    actions[inst.module_id] = inst.module.action_schemas()
        except RuntimeError:  # the application mounted or unmounted meanwhile
            pass
        return actions

    def error(self, code: str, message: str) -> bytes:
        return error_frame(self.run_id, self.stream.error_envelope_seq(), time.time() * 1000.0, code, message)

    def _wake(self) -> None:
        """Start polling if someone now waits for records (a subscription, a resume, exporting switched on)."""
        if not self._polling and self._wanted():
            self._polling = True
            assert self._loop is not None
            self._loop.call_soon(self._poll)

    def _wanted(self) -> bool:
        """Whether a client waits for records: exported from now on, or taken before exporting stopped."""
        stream = self.stream
        return (not self.closed and (self.exporting or bool(stream.queue) or bool(stream.ready))
                and any(s.subscribed and not s.paused for s in self._sessions.values()))

    def _poll(self) -> None:
        # Polls run only while a client waits for records: each one takes the interpreter lock from the application
        # (about 0.1-0.3 ms here), so an inspector nobody watches wakes no one. While the application keeps
        # exporting, it serialises on its own thread every `flush_every` records (see stream.py: the same work done
        # here costs it about twice as much, in lock hand-offs); this thread flushes only records the application
        # has left queued for `_STALE_POLLS` intervals without flushing.
        if not self._wanted():
            self._polling = False
            return
        stream = self.stream
        busy = stream.flushes != self._flushes_seen
        if busy:
            self._flushes_seen, self._idle_polls = stream.flushes, 0
        else:
            self._idle_polls += 1
            if self._idle_polls >= _STALE_POLLS:
                stream.flush()
                self._flushes_seen, self._idle_polls = stream.flushes, 0
        self._deliver()
        if not self.closed and self._loop is not None:
            config = self.config
            self._loop.call_later(config.busy_drain_interval_s if busy else config.drain_interval_s, self._poll)

    def _drain(self) -> None:
        """Flush what the application left pending and hand every serialised batch to the subscribed clients."""
        self.stream.flush()
        self._deliver()

    def _deliver(self) -> None:
        targets = [s for s in self._sessions.values() if s.subscribed and not s.paused]
        ready = self.stream.ready
        while ready:
            data, count, essential = ready.popleft()
            for session in targets:
                session.offer(data, count, essential)
        for session in targets:
            session.write_now()

    def subscribe(self, session: ClientSession, sub: Subscribe) -> None:
        self._drain()  # the others get what is pending first; the newcomer gets it through its replay
        after = (sub.after_seq or 0) if sub.run_id == self.run_id else 0
        batches, gone = self.stream.replay(after)
        self._deliver()
        session.subscribed = True
        if gone:
            session.lose(gone)
        for data, count, essential in batches:
            session.offer(data, count, essential)
        session.write_now()
        self._wake()

    def control(self, session: ClientSession, cmd: Control) -> None:
        if cmd.run_id is not None and cmd.run_id != self.run_id:
            session.send_urgent(ack_frame(self.run_id, cmd.command_seq, False,
                                          f"command for run {quoted(cmd.run_id)}; this is run {self.run_id!r}"))
            return
        if cmd.type in ("pause", "resume"):
            session.send_urgent(ack_frame(self.run_id, cmd.command_seq, True))
            self._drain()
            if cmd.type == "resume":
                session.paused = False
            self.stream.marker(self._marker(session, cmd))
            self._deliver()
            session.paused = cmd.type == "pause"
            self._wake()
            return
        app_loop = self._app_loop()
        if app_loop is None:
            session.send_urgent(ack_frame(self.run_id, cmd.command_seq, False,
                                          "the application runs no asyncio loop the inspector can run commands on"))
            return
        try:
            app_loop.call_soon_threadsafe(self._on_app_loop, session, cmd)
        except RuntimeError:
            session.send_urgent(ack_frame(self.run_id, cmd.command_seq, False, "the application's loop is closed"))
            return
        session.command_posted()

    def _marker(self, session: ClientSession, cmd: Control) -> dict[str, Any]:
        marker: dict[str, Any] = {"command": cmd.type, "commandSeq": cmd.command_seq, "clientId": session.client_id}
        if cmd.enabled is not None:  # highlightUpdates: the new value
            marker["enabled"] = cmd.enabled
        return marker

    # -- application thread, posted by control() --------------------------------------------------------------------

    def _on_app_loop(self, session: ClientSession, cmd: Control) -> None:
        loop = self._loop
        if loop is None or self.closed:
            return
        try:
            apply = prepare(self.runtime, cmd)
        except CommandRefused as err:
            loop.call_soon_threadsafe(session.answer, ack_frame(self.run_id, cmd.command_seq, False, str(err)))
            return
        except Exception as err:  # application code (a payload validator) failed: the command still gets its answer
            log.warning("checking a command from an inspector client failed", exc_info=err)
            reason = f"the runtime could not check this command: {type(err).__name__}: {err}"
            loop.call_soon_threadsafe(session.answer, ack_frame(self.run_id, cmd.command_seq, False, reason))
            return
        loop.call_soon_threadsafe(session.answer, ack_frame(self.run_id, cmd.command_seq, True))

        def run() -> None:
            apply()
            if cmd.type in ("clear", "highlightUpdates") and not self.closed:
                loop.call_soon_threadsafe(self._applied, session, cmd)

        asyncio.get_running_loop().call_soon(run)

    def _applied(self, session: ClientSession, cmd: Control) -> None:
        """A clear or highlightUpdates took effect: its marker joins the stream (after a clear, the first of it)."""
        self._drain()
        if cmd.type == "clear":
            self.stream.clear()
        self.stream.marker(self._marker(session, cmd))
        self._deliver()
