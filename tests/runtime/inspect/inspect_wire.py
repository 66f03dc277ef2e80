"""A raw wire-protocol client and a small app module, shared by the inspector tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import struct
from typing import Any

import orjson
import pytest

from runtime import Module


def counter_module() -> Module:
    m = Module("counter", initial={"n": 0, "name": "a"})

    @m.reducer("inc")
    def inc(draft, by):
        draft["n"] += by or 1

    @m.reducer("note")
    def note(draft, text):
        draft["name"] = text

    @m.reducer("boom")
    def boom(draft, _):
        raise RuntimeError("reducer exploded")

    return m


class RawClient:
    """Speaks the wire protocol by hand and keeps every frame it received (raw bytes and decoded)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.frames: list[dict[str, Any]] = []
        self.seq = 0
        self.last_seq = 0
        """The highest envelope seq received so far."""

    @classmethod
    async def open(cls, address: tuple[str, int], token: str | None = None, subscribe: bool = True) -> RawClient:
        reader, writer = await asyncio.open_connection(*address, limit=1 << 26)
        client = cls(reader, writer)
        if token is not None:
            await client.send({"type": "AUTH", "payload": {"token": token}})
            hello = await client.frame()
            assert hello["type"] == "HELLO", hello
            if subscribe:
                await client.send({"type": "SUBSCRIBE", "payload": {"protocolVersion": "v1"}})
        return client

    async def send(self, frame: Any) -> None:
        self.writer.write(frame if isinstance(frame, bytes) else orjson.dumps(frame) + b"\n")
        await self.writer.drain()

    async def frame(self, timeout: float = 5.0) -> dict[str, Any] | None:
        """The next frame, or None when the server closed the connection."""
        try:
            line = await asyncio.wait_for(self.reader.readuntil(b"\n"), timeout)
        except asyncio.IncompleteReadError:
            return None
        frame = orjson.loads(line)
        self.frames.append(frame)
        events = frame["payload"]["events"] if frame["type"] == "OBSERVATION_BATCH" else []
        if events and events[0]["type"] != "inspect:error":
            self.last_seq = max(self.last_seq, events[-1]["seq"])
        return frame

    async def control(self, type: str, **fields: Any) -> None:
        self.seq += 1
        await self.send({"type": "CONTROL",
                         "payload": {"protocolVersion": "v1", "commandSeq": self.seq, "type": type, **fields}})

    async def until(self, pred, timeout: float = 5.0) -> dict[str, Any]:
        """Read frames until one satisfies pred."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            frame = await self.frame(max(0.01, end - loop.time()))
            if frame is None:
                raise AssertionError("the server closed the connection")
            if pred(frame):
                return frame

    def events(self) -> list[dict[str, Any]]:
        return [e for f in self.frames if f["type"] == "OBSERVATION_BATCH" for e in f["payload"]["events"]]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def has_event(label: str, txn_seq: int | None = None):
    """A frame predicate: an OBSERVATION_BATCH holding a debug event with this label (and txnSeq)."""
    return lambda f: f["type"] == "OBSERVATION_BATCH" and any(
        e["type"] == "debug:event" and e["payload"]["label"] == label
        and (txn_seq is None or e["payload"]["txnSeq"] == txn_seq) for e in f["payload"]["events"])


class StalledViewer:
    """A bare socket (no asyncio reader draining it into memory): authenticates, subscribes, then reads nothing
    until the test makes it read (`frame`, `frames_until_closed`)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    @classmethod
    async def open(cls, address, token: str, subscribe: bool = True) -> StalledViewer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, address)
        viewer = cls(sock)
        await viewer.send({"type": "AUTH", "payload": {"token": token}})
        if subscribe:
            await viewer.send({"type": "SUBSCRIBE", "payload": {"protocolVersion": "v1"}})
        assert (await viewer.frame())["type"] == "HELLO"
        return viewer

    async def send(self, frame: Any) -> None:
        data = frame if isinstance(frame, bytes) else orjson.dumps(frame) + b"\n"
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def frames_until_closed(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Read everything left, up to the server's close (a reset after the last frame counts as the close)."""
        frames = []
        with contextlib.suppress(ConnectionError):
            while (frame := await self.frame(timeout)) is not None:
                frames.append(frame)
        return frames

    async def frame(self, timeout: float = 10.0):
        loop = asyncio.get_running_loop()
        while b"\n" not in self.buffer:
            chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 1 << 16), timeout)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return orjson.loads(line)


def escaped(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the asyncio loops logged as errors: an exception out of a connection's handler task (asyncio reports it
    as it ends, or as the finished task is collected)."""
    gc.collect()
    return [r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


async def reset_connection(address: tuple[str, int], frames: bytes) -> None:
    """Connect, send `frames`, and drop the connection with a reset (SO_LINGER 0) instead of a close."""
    _reader, writer = await asyncio.open_connection(*address)
    writer.write(frames)
    await writer.drain()
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
