"""One connected client of an inspector server (runs on the server thread).

A session reads the client's frames (AUTH first, then SUBSCRIBE and CONTROL) and writes to it from two queues:
urgent frames (HELLO, CONTROL_ACK) that are never dropped, and observation batches in a bounded deque. When the
client reads too slowly the batch deque is full, the oldest batch is dropped and its event count added to
`dropped`; the next batch written carries that count as `droppedCount`. Nothing is written while the socket's
buffer is above its high-water mark, so for a stalled client the server holds at most its queue
(`client_queue_bytes`, or `client_queue_batches`) plus that buffer: the high-water mark and the one write that
crossed it (at most a queue's worth; bench/attach.py reports about 6 MB with the default 4 MB queue, flat however
long it runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from runtime.errors import AuthRequired, ProtocolError
from runtime.inspect.config import InspectConfig
from runtime.inspect.protocol import Auth, Control, Subscribe, batch_frame, parse_client_frame

__all__ = ["ClientSession", "ClientStats", "SessionHost"]

log = logging.getLogger("tickscope.inspect")
_WRITE_HIGH_WATER = 256 * 1024


@dataclass(frozen=True, slots=True)
class ClientStats:
    """What the server holds for one client (read through `InspectorServer.client_stats()`)."""

    client_id: int
    peer: str
    subscribed: bool
    paused: bool
    queued_batches: int
    queued_bytes: int
    write_buffer_bytes: int
    dropped_events: int
    """Events this client lost in total (queue overflow), reported to it or still to be reported."""
    sent_batches: int


class SessionHost(Protocol):
    """What a session uses of the server it belongs to (the InspectorServer)."""

    @property
    def config(self) -> InspectConfig: ...

    @property
    def token(self) -> str: ...

    @property
    def batch_head(self) -> bytes:
        """The constant start of every OBSERVATION_BATCH frame of the run."""
        ...

    def hello(self) -> bytes: ...

    def error(self, code: str, message: str) -> bytes: ...

    def subscribe(self, session: ClientSession, sub: Subscribe) -> None: ...

    def control(self, session: ClientSession, cmd: Control) -> None: ...

    def forget(self, session: ClientSession) -> None:
        """The session has closed: the server no longer delivers to it."""
        ...


class ClientSession:
    """Reads one client's frames and writes its urgent frames and batches (see the module docstring)."""

    def __init__(self, server: SessionHost, client_id: int, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.client_id = client_id
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.subscribed = False
        self.paused = False
        self.closed = False
        self._urgent: deque[bytes] = deque()
        self._batches: deque[tuple[bytes, int]] = deque()
        self._queued_bytes = 0
        self._dropped = 0
        self.dropped_total = 0
        self.sent_batches = 0
        self._ready = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._run_task: asyncio.Task[None] | None = None
        writer.transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    # -- queueing (server thread) -----------------------------------------------------------------------------------

    def offer(self, events_json: bytes, count: int) -> None:
        """Queue one serialised batch; a full queue loses its oldest batch (counted, reported with the next one).
        The caller then calls `write_now` (the write loop is woken only when the socket is backed up: waking it on
        every collection cost one more interpreter-lock hand-off with the application each time)."""
        if self.closed or not self.subscribed or self.paused:
            return
        limit = self.server.config.client_queue_batches
        budget = self.server.config.client_queue_bytes - len(events_json)
        while self._batches and (len(self._batches) >= limit or self._queued_bytes > budget):
            old, old_count = self._batches.popleft()
            self._queued_bytes -= len(old)
            self.lose(old_count)
        self._batches.append((events_json, count))
        self._queued_bytes += len(events_json)

    def lose(self, count: int) -> None:
        """Count events this client will never get; its next batch says so."""
        self._dropped += count
        self.dropped_total += count

    def send_urgent(self, frame: bytes) -> None:
        if not self.closed:
            self._urgent.append(frame)
            self._ready.set()

    def stats(self) -> ClientStats:
        transport = self.writer.transport
        return ClientStats(self.client_id, self.peer, self.subscribed, self.paused, len(self._batches),
                           self._queued_bytes, 0 if transport.is_closing() else transport.get_write_buffer_size(),
                           self.dropped_total, self.sent_batches)

    # -- lifetime ---------------------------------------------------------------------------------------------------

    def stop(self) -> asyncio.Task[None] | None:
        """End this session from the server (shutdown): its run() returns normally; returns the task running it."""
        self.closed = True
        self._ready.set()
        self.reader.feed_eof()
        return self._run_task

    async def run(self) -> None:
        self._run_task = asyncio.current_task()
        self._writer_task = asyncio.get_running_loop().create_task(self._write_loop())
        try:
            await self._authenticate()
            while not self.closed:
                line = await self._read_frame()
                if line is None:
                    break
                frame = parse_client_frame(line)
                if isinstance(frame, Subscribe):
                    self.server.subscribe(self, frame)
                elif isinstance(frame, Control):
                    self.server.control(self, frame)
                else:
                    raise ProtocolError("invalid_message", "AUTH was already accepted; send SUBSCRIBE or CONTROL")
        except ProtocolError as err:
            await self.fail(err.code, err.message)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            await self.close()

    async def _read_frame(self) -> bytes | None:
        while True:
            try:
                line = await self.reader.readuntil(b"\n")
            except asyncio.LimitOverrunError:
                limit = self.server.config.max_frame_bytes
                raise ProtocolError("frame_too_large", f"a frame is limited to {limit} bytes") from None
            except asyncio.IncompleteReadError as err:
                if err.partial.strip():
                    raise ProtocolError("malformed_json", "the connection ended inside a frame") from None
                return None
            if len(line) > self.server.config.max_frame_bytes:
                raise ProtocolError("frame_too_large",
                                    f"a frame is limited to {self.server.config.max_frame_bytes} bytes")
            if line.strip():
                return line

    async def _authenticate(self) -> None:
        try:
            line = await asyncio.wait_for(self._read_frame(), self.server.config.auth_timeout_s)
        except asyncio.TimeoutError:
            raise ProtocolError("auth_timeout", "no AUTH frame within "
                                                f"{self.server.config.auth_timeout_s:g} s") from None
        if line is None:
            raise ConnectionResetError("closed before AUTH")
        try:
            frame = parse_client_frame(line)
        except ProtocolError as err:
            raise AuthRequired("auth_failed", f"the first frame must be AUTH with the token ({err.message})") \
                from None
        if not isinstance(frame, Auth):
            raise AuthRequired("auth_failed", "the first frame must be AUTH with the token")
        if not hmac.compare_digest(frame.token.encode(), self.server.token.encode()):
            raise AuthRequired("auth_failed", "wrong token")
        self.send_urgent(self.server.hello())

    async def fail(self, code: str, message: str) -> None:
        """Send one error frame, then close: the server and the other clients carry on."""
        log.info("inspector client %s refused: %s: %s", self.peer, code, message)
        self._urgent.clear()
        self._batches.clear()
        self.closed = True
        with contextlib.suppress(ConnectionError, asyncio.TimeoutError):
            self.writer.write(self.server.error(code, message))
            await asyncio.wait_for(self.writer.drain(), 2.0)

    async def close(self) -> None:
        self.closed = True
        self.subscribed = False
        self.server.forget(self)
        self._ready.set()
        if self._writer_task is not None and self._writer_task is not asyncio.current_task():
            self._writer_task.cancel()
            await asyncio.gather(self._writer_task, return_exceptions=True)
        self._batches.clear()
        self._queued_bytes = 0
        if self.writer.transport.get_write_buffer_size():
            self.writer.transport.abort()  # a client that stopped reading would hold a graceful close forever
        else:
            self.writer.close()
        with contextlib.suppress(ConnectionError, asyncio.TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), 2.0)

    def write_now(self) -> None:
        """Write every queued frame in one write (one send), unless the socket is backed up: then the write loop,
        waiting for it to drain, writes them later. Called by the server right after it hands out batches, so a
        steady stream costs one send per drain interval, and no hop through the write loop task: each hop and each
        send hands the interpreter lock back and forth with the application's thread."""
        transport = self.writer.transport
        if self.closed or transport.is_closing() or not (self._urgent or self._batches):
            return
        if transport.get_write_buffer_size() >= _WRITE_HIGH_WATER:
            self._ready.set()  # the write loop writes them once the socket drains
            return
        self._write_queued()

    def _write_queued(self) -> None:
        """Urgent frames first, then the batches (the first carrying what was dropped), in one write: joining a
        single frame returns it as it is, so the common case copies nothing."""
        frames = list(self._urgent)
        self._urgent.clear()
        head = self.server.batch_head
        while self._batches:
            events_json, _count = self._batches.popleft()
            frames.append(batch_frame(head, events_json, self._dropped))
            self._dropped = 0
            self.sent_batches += 1
        self._queued_bytes = 0
        self.writer.write(b"".join(frames))

    async def _write_loop(self) -> None:
        try:
            while not self.closed:
                await self._ready.wait()
                self._ready.clear()
                while (self._urgent or self._batches) and not self.closed:
                    self._write_queued()
                    await self.writer.drain()
        except ConnectionError:
            self.closed = True
            self.reader.feed_eof()
