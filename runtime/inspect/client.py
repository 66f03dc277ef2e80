"""An asyncio client of the inspector server, with reconnect: what `tickscope tail` and `tickscope attach` use.

    client = InspectClient("127.0.0.1", 7341, token)
    await client.connect()                      # AUTH, HELLO, SUBSCRIBE; raises AuthRequired / InspectError
    async for batch in client.batches():        # Batch(run_id, events, dropped_count, dropped_reason, new_run)
        ...
    ack = await client.dispatch("form#1", "rename", "Ada")   # Ack(command_seq, accepted, reason)
    await client.close()

When the connection drops (the process restarted, the network blinked) the client reconnects with a growing delay;
back on the same run it subscribes after the last seq it saw, so nothing is seen twice and a gap is reported as
`dropped_count`; on a new run (the process restarted) the next batch has `new_run=True`. Pending commands fail with
InspectError("connection_lost"): an ack that never came is never assumed. A refused token ends connect() at once;
on a reconnect it ends the client too, unless `wait_for_token` (or a `token_source`, a token file re-read before
each attempt): then the client says so (`token_refused`, a connection event) and waits for a new token
(`set_token`), as when the process restarted and printed a new one.

An address where something accepts but no inspector answers fails the handshake instead of hanging: no HELLO within
`handshake_timeout` seconds is InspectError `handshake_timeout`, bytes that are no HELLO (an HTTP server, say) are
ProtocolError `not_an_inspector`; each message names the address.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from runtime.base.waits import wait_set
from runtime.errors import AuthRequired, InspectError, ProtocolError
from runtime.inspect.protocol import PROTOCOL_VERSION, ControlType
from runtime.inspect.target import TravelMode

__all__ = ["InspectClient", "Batch", "Ack", "parse_address", "HANDSHAKE_TIMEOUT"]

log = logging.getLogger("tickscope.inspect")
HANDSHAKE_TIMEOUT = 5.0
"""Seconds a client waits for the server's HELLO by default (`tickscope tail/attach --handshake-timeout`)."""
_END = None
"""Queued after the last batch: the stream has ended."""


@dataclass(frozen=True, slots=True)
class Batch:
    run_id: str
    events: list[dict[str, Any]]
    """ObservationEnvelopes in seq order (`type` debug:event | static-ir | inspect:control, `payload`)."""
    dropped_count: int = 0
    dropped_reason: str | None = None
    new_run: bool = False
    """True on the first batch of a run other than the one seen before (the process restarted)."""


@dataclass(frozen=True, slots=True)
class Ack:
    command_seq: int
    accepted: bool
    reason: str | None = None


def _decode(line: bytes) -> Any:
    """One frame, decoded with the cyclic collector paused: a batch makes thousands of containers, none of them
    garbage, and the collector would otherwise walk them a dozen times per frame (a third of the decoding time)."""
    if not gc.isenabled():
        return orjson.loads(line)
    gc.disable()
    try:
        return orjson.loads(line)
    finally:
        gc.enable()


def _excerpt(data: bytes, limit: int = 60) -> str:
    text = data.decode("utf-8", "replace").strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `PORT`, meaning loopback); raises ValueError naming the problem."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{text!r} is not HOST:PORT (port {port!r} is not a number)") from None
    if not 0 < number < 65536:
        raise ValueError(f"{text!r}: port {number} is out of range")
    return host.strip("[]") or "127.0.0.1", number


class InspectClient:
    """One subscription to an inspector server."""

    def __init__(self, host: str, port: int, token: str, *, reconnect: bool = True, retry_delay: float = 0.2,
                 max_retry_delay: float = 2.0, queue_batches: int = 256, max_frame_bytes: int = 256 << 20,
                 handshake_timeout: float = HANDSHAKE_TIMEOUT, token_source: Callable[[], str] | None = None,
                 wait_for_token: bool = False) -> None:
        if not handshake_timeout > 0:
            raise ValueError(f"handshake_timeout must be > 0 seconds, not {handshake_timeout!r}")
        self.host = host
        self.port = port
        self.token = token
        self.token_source = token_source
        """Called before every reconnect for the token to send (a token file re-read); None keeps `token`."""
        self.wait_for_token = wait_for_token or token_source is not None
        """On a reconnect the server refuses the token of (the process restarted with a new one): wait for a new
        token (`set_token`, or a changed `token_source`) instead of ending."""
        self.token_refused: AuthRequired | None = None
        """Set while a reconnect waits for a token the server accepts (the refusal)."""
        self._token_changed = asyncio.Event()
        self._token_given = False
        self.reconnect = reconnect
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.max_frame_bytes = max_frame_bytes
        self.handshake_timeout = handshake_timeout
        """Seconds from connecting to the server's HELLO; past it the address is no inspector (`handshake_timeout`)."""
        self.run_id: str | None = None
        self.hello: dict[str, Any] | None = None
        self.last_seq = 0
        self.connected = False
        self.reconnects = 0
        self._queue: asyncio.Queue[Batch | InspectError | None] = asyncio.Queue(maxsize=queue_batches)
        self._acks: dict[int, asyncio.Future[Ack]] = {}
        self._command_seq = 0
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.StreamReader | None = None
        self._task: asyncio.Task[None] | None = None
        self._new_run = False
        self._closed = False
        self._connection_listeners: list[Callable[[bool], None]] = []

    def on_connection(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        """Call `listener(connected: bool)` whenever the connection comes or goes; returns the unsubscribe."""
        self._connection_listeners.append(listener)
        return lambda: self._connection_listeners.remove(listener) if listener in self._connection_listeners else None

    def _set_connected(self, connected: bool, *, force: bool = False) -> None:
        if connected != self.connected or force:
            self.connected = connected
            for listener in tuple(self._connection_listeners):
                listener(connected)

    def set_token(self, token: str) -> None:
        """Use `token` from the next attempt on; wakes a reconnect that waits for one after a refusal."""
        self.token = token
        self._token_given = True
        self._token_changed.set()

    def _next_token(self) -> str:
        if self.token_source is not None:
            with contextlib.suppress(OSError, ValueError):
                token = self.token_source().strip()
                if token:
                    self.token = token
        return self.token

    # -- connecting -------------------------------------------------------------------------------------------------

    async def connect(self) -> dict[str, Any]:
        """Connect, authenticate and subscribe; returns the HELLO payload. Raises AuthRequired or InspectError."""
        await self._open()
        self._task = asyncio.get_running_loop().create_task(self._pump(), name="tickscope-inspect-client")
        assert self.hello is not None
        return self.hello

    async def _open(self) -> None:
        where = f"{self.host}:{self.port}"
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, limit=self.max_frame_bytes), self.handshake_timeout)
        except TimeoutError:
            raise InspectError("connect_failed", f"cannot reach {where}: no connection within "
                                                 f"{self.handshake_timeout:g} s") from None
        except OSError as err:
            raise InspectError("connect_failed", f"cannot reach {where}: {err}") from None
        try:
            writer.write(orjson.dumps({"type": "AUTH", "payload": {"token": self.token}}) + b"\n")
            try:
                frame = await asyncio.wait_for(self._read(reader, handshake=True), self.handshake_timeout)
            except TimeoutError:
                raise InspectError("handshake_timeout", f"{where} accepted the connection but sent no HELLO within "
                                                        f"{self.handshake_timeout:g} s: no tickscope inspector "
                                                        "answers there") from None
            if frame is None:
                raise InspectError("connection_lost", f"{where} closed the connection before HELLO")
            if frame.get("type") != "HELLO" or not isinstance(frame.get("payload"), dict) \
                    or not isinstance(frame["payload"].get("runId"), str):
                raise ProtocolError("not_an_inspector", f"{where} is not a tickscope inspector: its first frame is "
                                                        f"{_excerpt(orjson.dumps(frame))}, not HELLO")
            hello = frame["payload"]
            subscribe: dict[str, Any] = {"protocolVersion": PROTOCOL_VERSION}
            if hello["runId"] == self.run_id:
                subscribe.update(runId=self.run_id, afterSeq=self.last_seq)
            else:
                self._new_run = self.run_id is not None
                self.run_id = hello["runId"]
                self.last_seq = 0
            writer.write(orjson.dumps({"type": "SUBSCRIBE", "payload": subscribe}) + b"\n")
            await writer.drain()
        except BaseException:
            writer.close()
            raise
        self.hello = hello
        self._reader, self._writer = reader, writer
        self.token_refused = None
        self._set_connected(True)

    async def _read(self, reader: asyncio.StreamReader, *, handshake: bool = False) -> dict[str, Any] | None:
        """One frame; None at the end of the stream; an error frame from the server raises its InspectError. Bytes
        that are no frame raise ProtocolError `not_an_inspector` in the `handshake` (something else listens there),
        `malformed_json` later."""
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as err:
            if handshake and err.partial.strip():
                raise self._stranger(err.partial) from None
            return None
        except asyncio.LimitOverrunError:
            raise ProtocolError("frame_too_large", f"a server frame exceeded {self.max_frame_bytes} bytes") from None
        try:
            frame = _decode(line)
        except orjson.JSONDecodeError as err:
            if handshake:
                raise self._stranger(line) from None
            raise ProtocolError("malformed_json", f"a server frame is not JSON: {err}") from None
        if not isinstance(frame, dict):
            if handshake:
                raise self._stranger(line)
            raise ProtocolError("invalid_message", f"a server frame is a JSON {type(frame).__name__}, not an object")
        if frame.get("type") == "OBSERVATION_BATCH":
            events = frame["payload"]["events"]
            if len(events) == 1 and events[0].get("type") == "inspect:error":
                error = events[0]["payload"]
                kind = AuthRequired if error.get("code") == "auth_failed" else ProtocolError
                raise kind(str(error.get("code")), str(error.get("message")))
        return frame

    def _stranger(self, first: bytes) -> ProtocolError:
        web = first.lstrip().upper().startswith((b"HTTP/", b"<!DOCTYPE HTML", b"<HTML"))
        speaks = "a web server" if web else "something"
        return ProtocolError("not_an_inspector", f"{self.host}:{self.port} is not a tickscope inspector: {speaks} "
                                                 f"answered {_excerpt(first)}")

    # -- the reading task -------------------------------------------------------------------------------------------

    async def _pump(self) -> None:
        delay = self.retry_delay
        try:
            while not self._closed:
                with contextlib.suppress(ConnectionError, OSError):
                    await self._read_until_closed()
                self._lost()
                if not self.reconnect or self._closed:
                    break
                while not self._closed:
                    await self._pause(delay)
                    self._next_token()
                    try:
                        await self._open()
                    except AuthRequired as err:
                        if not self.wait_for_token:
                            raise
                        self.token_refused = err
                        self._set_connected(False, force=True)  # listeners hear of the refusal
                        continue
                    except InspectError:
                        delay = min(delay * 2, self.max_retry_delay)
                        continue
                    self.reconnects += 1
                    delay = self.retry_delay
                    break
        except InspectError as err:
            self._lost()
            await self._queue.put(err)
            return
        await self._queue.put(_END)

    async def _pause(self, delay: float) -> None:
        """Wait before the next attempt: `delay`, or after a refused token until a new one may be there (set_token,
        or every `max_retry_delay` seconds for a token source to re-read)."""
        if self.token_refused is None:
            await asyncio.sleep(delay)
            return
        refused = self.token
        while not self._closed:
            if self._token_given:
                self._token_given = False
                return
            self._token_changed.clear()
            if self.token_source is None:
                await self._token_changed.wait()
            else:
                await wait_set(self._token_changed, self.max_retry_delay)
                if self._next_token() != refused:
                    return

    async def _read_until_closed(self) -> None:
        assert self._reader is not None
        while True:
            frame = await self._read(self._reader)
            if frame is None:
                return
            kind = frame.get("type")
            payload = frame.get("payload") or {}
            if kind == "OBSERVATION_BATCH":
                events = payload.get("events", [])
                if not events and not payload.get("droppedCount"):
                    continue  # a keep-alive: reading it is what keeps this client open
                self.last_seq = max(self.last_seq, int(events[-1]["seq"])) if events else self.last_seq
                batch = Batch(payload["runId"], events, int(payload.get("droppedCount", 0)),
                              payload.get("droppedReason"), self._new_run)
                self._new_run = False
                await self._queue.put(batch)  # a full queue stops reading: the server then drops, not us
            elif kind == "CONTROL_ACK":
                future = self._acks.pop(int(payload["commandSeq"]), None)
                if future is not None and not future.done():
                    future.set_result(Ack(int(payload["commandSeq"]), bool(payload["accepted"]),
                                          payload.get("reason")))
            elif kind == "HELLO":
                self.hello = payload

    def _lost(self) -> None:
        self._set_connected(False)
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for future in self._acks.values():
            if not future.done():
                future.set_exception(InspectError("connection_lost", "the connection ended before the ack came"))
        self._acks.clear()

    # -- reading ----------------------------------------------------------------------------------------------------

    async def batches(self) -> AsyncIterator[Batch]:
        """Batches as they arrive, until close() (or the connection ends without reconnect); errors are raised."""
        while True:
            if self._closed and self._queue.empty():
                return
            item = await self._queue.get()
            if item is _END:
                self._queue.put_nowait(_END)  # later readers end too
                return
            if isinstance(item, InspectError):
                raise item
            yield item

    # -- commands ---------------------------------------------------------------------------------------------------

    async def command(self, type: ControlType, timeout: float = 10.0, **fields: Any) -> Ack:
        """Send a CONTROL command and wait for its ack (accepted means queued; watch the stream for the effect)."""
        if self._writer is None or not self.connected:
            raise InspectError("connection_lost", "not connected")
        self._command_seq += 1
        seq = self._command_seq
        payload = {"protocolVersion": PROTOCOL_VERSION, "commandSeq": seq, "type": type, **fields}
        if self.run_id:
            payload["runId"] = self.run_id
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._acks[seq] = future
        self._writer.write(orjson.dumps({"type": "CONTROL", "payload": payload}) + b"\n")
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(seq, None)

    async def pause(self) -> Ack:
        return await self.command("pause")

    async def resume(self) -> Ack:
        return await self.command("resume")

    async def clear(self) -> Ack:
        return await self.command("clear")

    async def dispatch(self, instance_id: str, action_type: str, payload: Any = None) -> Ack:
        return await self.command("dispatch", instanceId=instance_id, actionType=action_type, payload=payload)

    async def time_travel(self, instance_id: str, txn_id: str, mode: TravelMode) -> Ack:
        return await self.command("timeTravel", instanceId=instance_id, txnId=txn_id, mode=mode)

    async def highlight_updates(self, enabled: bool) -> Ack:
        """Switch the application's "highlight updates" (its UI adapter flashes the widgets a tick updates)."""
        return await self.command("highlightUpdates", enabled=enabled)

    # -- closing ----------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._lost()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)

    async def __aenter__(self) -> InspectClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
