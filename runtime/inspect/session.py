"""One connected client of an inspector server (runs on the server thread).

A session reads the client's frames (AUTH first, then SUBSCRIBE and CONTROL) and writes to it from two queues:
urgent frames (HELLO, CONTROL_ACK) that are never dropped, and observation batches in a bounded deque. One bound,
`client_queue_bytes`, covers everything the server holds for the client: both queues plus the transport's write
buffer. When a batch would pass it, the oldest batches are dropped and their event count is carried by the batch
that follows the gap (as `droppedCount`). Essential batches (static IRs, their graphs, control markers: without
them a client cannot read the events that follow) are never dropped: they keep their place in seq order while the
batches around them go. When an urgent frame or an essential batch would pass the bound even with no droppable
batch left (a client that sends commands and never reads the answers, or stopped reading while new IRs came), the
client is disconnected with `client_overflow`, and the application gets a diagnostic. Nothing is written while the
socket's buffer is above its high-water mark.

Input is bounded too: a frame longer than `max_frame_bytes` is refused as soon as that many bytes arrived without a
newline (the stream reader holds at most twice that); at most `max_commands_in_flight` commands of one client wait
for the application, and while they do the session reads nothing more from that client (TCP pushes back on it).
After AUTH, a client that neither sends a frame nor takes any of what it was sent for `idle_timeout_s` is closed
(`idle_timeout`); an empty batch every `keepalive_interval_s` of silence keeps a quiet viewer that reads open.
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
from runtime.inspect.liveness import Liveness, unsent_bytes
from runtime.inspect.protocol import Auth, Control, Subscribe, batch_frame, keepalive_frame, parse_client_frame

__all__ = ["ClientSession", "ClientStats", "SessionHost"]

log = logging.getLogger("tickscope.inspect")
QueuedBatch = tuple[bytes, int, int, bool]
"""A queued batch: its events array, how many events it holds, how many the client lost just before it, and whether
it is essential (never dropped)."""
_WRITE_HIGH_WATER = 256 * 1024
_LINGER_S = 2.0
"""How long a refused client gets to read the error frame before its connection is closed anyway."""


@dataclass(frozen=True, slots=True)
class ClientStats:
    """What the server holds for one client (read through `InspectorServer.client_stats()`)."""

    client_id: int
    peer: str
    subscribed: bool
    paused: bool
    queued_batches: int
    queued_bytes: int
    """Queued batches and urgent frames (HELLO, acks) not yet written."""
    write_buffer_bytes: int
    dropped_events: int
    """Events this client lost in total (queue overflow), reported to it or still to be reported."""
    sent_batches: int
    commands_in_flight: int = 0
    """Commands handed to the application and not answered yet (at most `max_commands_in_flight`)."""
    frames_read: int = 0
    """Frames read from this client, AUTH included."""


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

    def client_lost(self, session: ClientSession, code: str, message: str) -> None:
        """The session is disconnecting its client for `code` (a bound it passed): tell the application."""
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
        self._urgent_bytes = 0
        self._batches: deque[QueuedBatch] = deque()
        self._queued_bytes = 0
        self._essential_queued = 0
        """Essential batches in `_batches` (while there are none, the oldest batch is always the one to drop)."""
        self._written = 0
        """Bytes handed to the transport in total (what the client took is this minus what is unsent)."""
        self._written_at_check = 0
        self.frames_read = 0
        self.in_flight = 0
        """Commands handed to the application and not answered yet."""
        self._slot = asyncio.Event()
        self._slot.set()
        self._failure: tuple[str, str] | None = None
        self._liveness: Liveness | None = None
        self._watch: asyncio.TimerHandle | None = None
        self._dropped = 0
        """Events lost since the newest queued batch: the next batch offered carries them."""
        self.dropped_total = 0
        self.sent_batches = 0
        self._ready = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._run_task: asyncio.Task[None] | None = None
        writer.transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    # -- queueing (server thread) -----------------------------------------------------------------------------------

    def offer(self, events_json: bytes, count: int, essential: bool = False) -> None:
        """Queue one serialised batch; a full queue loses its oldest droppable batch (counted, reported by the batch
        after the gap). An essential batch is never dropped; one that does not fit even so disconnects the client.
        The caller then calls `write_now` (the write loop is woken only when the socket is backed up: waking it on
        every collection cost one more interpreter-lock hand-off with the application each time)."""
        if self.closed or not self.subscribed or self.paused:
            return
        limit = self.server.config.client_queue_batches
        while len(self._batches) >= limit and self._drop_oldest():
            pass
        self._make_room(len(events_json))
        if essential:
            if not self._fits_essential(len(events_json)):
                return
            self._essential_queued += 1
        self._batches.append((events_json, count, self._dropped, essential))
        self._dropped = 0
        self._queued_bytes += len(events_json)

    def _fits_essential(self, size: int) -> bool:
        """Whether an essential batch of `size` bytes fits the bound once every droppable batch is gone; one alone
        (nothing else held) always fits, so an IR larger than the bound still reaches a client that reads."""
        held = self.held_bytes()
        limit = self.server.config.client_queue_bytes
        if held == 0 or held + size <= limit:
            return True
        self.abort("client_overflow", f"this client left more than {limit} bytes unread, static IRs and control "
                                      "markers included (never dropped: later events need them); the inspector "
                                      "keeps no more than that for one client")
        return False

    def held_bytes(self) -> int:
        """Everything the server holds for this client: queued batches and urgent frames, and the write buffer."""
        transport = self.writer.transport
        buffered = 0 if transport.is_closing() else transport.get_write_buffer_size()
        return self._queued_bytes + self._urgent_bytes + buffered

    def _make_room(self, size: int) -> None:
        """Drop the oldest droppable batches until `size` more bytes fit in the client's bound (or none is left)."""
        budget = self.server.config.client_queue_bytes - size
        while self.held_bytes() > budget and self._drop_oldest():
            pass

    def _drop_oldest(self) -> bool:
        """Drop the oldest batch that is not essential; False when there is none. Its events, and the losses it
        carried, pass to the batch that took its place (or to the next one offered)."""
        batches = self._batches
        index = 0
        if self._essential_queued:
            index = next((i for i, queued in enumerate(batches) if not queued[3]), -1)
            if index < 0:
                return False
        elif not batches:
            return False
        old, old_count, lost_before, _ = batches[index]
        del batches[index]
        self._queued_bytes -= len(old)
        self.dropped_total += old_count
        lost = lost_before + old_count
        if index < len(batches):
            data, count, carried, essential = batches[index]
            batches[index] = (data, count, carried + lost, essential)
        else:
            self._dropped += lost
        return True

    def _drop_queues(self) -> None:
        """Forget every queued batch and urgent frame (the session is ending)."""
        self._urgent.clear()
        self._urgent_bytes = 0
        self._batches.clear()
        self._queued_bytes = 0
        self._essential_queued = 0

    def lose(self, count: int) -> None:
        """Count events this client will never get; its next batch says so."""
        self._dropped += count
        self.dropped_total += count

    def send_urgent(self, frame: bytes) -> None:
        """Queue a frame that is never dropped; one that would pass the client's bound disconnects it instead."""
        if self.closed or self._failure is not None:
            return
        self._make_room(len(frame))
        limit = self.server.config.client_queue_bytes
        if self.held_bytes() + len(frame) > limit:
            self.abort("client_overflow", f"this client left more than {limit} bytes unread (answers to its commands "
                                          "included); the inspector keeps no more than that for one client")
            return
        self._urgent.append(frame)
        self._urgent_bytes += len(frame)
        self._ready.set()

    def command_posted(self) -> None:
        """A command went to the application; at `max_commands_in_flight` reading this client pauses."""
        self.in_flight += 1
        if self.in_flight >= self.server.config.max_commands_in_flight:
            self._slot.clear()

    def answer(self, ack: bytes) -> None:
        """The application answered a command posted with `command_posted`."""
        self.in_flight = max(0, self.in_flight - 1)
        self._slot.set()
        self.send_urgent(ack)

    def abort(self, code: str, message: str) -> None:
        """Disconnect this client from synchronous code: one error frame with `code`, then close (see run)."""
        if self.closed or self._failure is not None:
            return
        self._failure = (code, message)
        self._drop_queues()
        self.server.client_lost(self, code, message)
        if self._run_task is not None:
            self._run_task.cancel()

    def stats(self) -> ClientStats:
        transport = self.writer.transport
        return ClientStats(self.client_id, self.peer, self.subscribed, self.paused, len(self._batches),
                           self._queued_bytes + self._urgent_bytes,
                           0 if transport.is_closing() else transport.get_write_buffer_size(),
                           self.dropped_total, self.sent_batches, self.in_flight,
                           self.frames_read)

    # -- lifetime ---------------------------------------------------------------------------------------------------

    def stop(self) -> asyncio.Task[None] | None:
        """End this session from the server (shutdown): its run() returns normally; returns the task running it."""
        self.closed = True
        self._ready.set()
        self.reader.feed_eof()
        return self._run_task

    async def run(self) -> None:
        self._run_task = task = asyncio.current_task()
        self._writer_task = asyncio.get_running_loop().create_task(self._write_loop())
        failure: tuple[str, str] | None = None
        try:
            await self._authenticate()
            self._watch_liveness()
            while not self.closed:
                if not self._slot.is_set():
                    await self._slot.wait()  # throttled: the application has not answered enough of its commands
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
            failure = (err.code, err.message)
        except asyncio.CancelledError:
            if self._failure is None or task is None:
                raise  # the server is shutting down
            task.uncancel()  # abort() cancelled the read to end this session
            failure = self._failure
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        try:
            if failure is not None:
                await self.fail(*failure)
        finally:
            await self.close()

    def _watch_liveness(self) -> None:
        loop = asyncio.get_running_loop()
        self._liveness = Liveness(self.server.config.idle_timeout_s, loop.time())
        self._watch = loop.call_later(self.server.config.keepalive_interval_s, self._check_liveness)

    def _check_liveness(self) -> None:
        """Close a client idle for too long; send a keep-alive to one nothing was written to since the last check."""
        if self.closed or self._liveness is None:
            return
        loop = asyncio.get_running_loop()
        if self.in_flight:
            self._liveness.heard(loop.time())  # its commands wait for the application: the silence is ours
        unsent = unsent_bytes(self.writer.transport)
        if not self._liveness.alive(loop.time(), self._written - unsent):
            idle = self.server.config.idle_timeout_s
            self.abort("idle_timeout", f"this client neither read nor sent anything for {idle:g} s")
            return
        if self._written == self._written_at_check and not unsent and not (self._urgent or self._batches):
            self._write(keepalive_frame(self.server.batch_head))
        self._written_at_check = self._written
        self._watch = loop.call_later(self.server.config.keepalive_interval_s, self._check_liveness)

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
            self.frames_read += 1
            if self._liveness is not None:
                self._liveness.heard(asyncio.get_running_loop().time())
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
        self._drop_queues()
        self.closed = True
        with contextlib.suppress(ConnectionError, asyncio.TimeoutError, OSError):
            self._write(self.server.error(code, message))
            await asyncio.wait_for(self._linger(), _LINGER_S)

    async def _linger(self) -> None:
        """Let the error frame reach the client: write it, end our side, and read (and drop) what the client still
        sends until it closes. Closing with its input unread would reset the connection, and a reset can lose the
        frame that says why (the caller bounds this in time)."""
        await self.writer.drain()
        if self.writer.can_write_eof():
            self.writer.write_eof()
        while await self.reader.read(1 << 16):
            pass

    async def close(self) -> None:
        self.closed = True
        self.subscribed = False
        self.server.forget(self)
        self._ready.set()
        if self._writer_task is not None and self._writer_task is not asyncio.current_task():
            self._writer_task.cancel()
            await asyncio.gather(self._writer_task, return_exceptions=True)
        if self._watch is not None:
            self._watch.cancel()
        self._drop_queues()
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
        self._urgent_bytes = 0
        head = self.server.batch_head
        while self._batches:
            events_json, _count, lost_before, _essential = self._batches.popleft()
            frames.append(batch_frame(head, events_json, lost_before))
            self.sent_batches += 1
        self._queued_bytes = 0
        self._essential_queued = 0
        self._write(b"".join(frames))

    def _write(self, data: bytes) -> None:
        self._written += len(data)
        self.writer.write(data)

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
